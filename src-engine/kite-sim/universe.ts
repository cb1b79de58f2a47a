/**
 * The Kite simulator's instrument universe (issue 10, "a realistic universe"):
 *
 *  - `generateUniverse(seeds, now)`: the default master. NSE equities for the seeds (real Kite tokens
 *    and tick sizes for the NIFTY 50 names), NSE and BSE indices (segment INDICES, token segment 9,
 *    real tokens), NFO index and stock futures, NIFTY weekly + monthly options, monthly options of
 *    the other indices and the stocks, BFO SENSEX weekly options and futures — with the lot sizes of a
 *    real NFO dump, strike steps and expiries from the NSE calendar (holidays move an expiry to the
 *    previous trading day).
 *  - `universeFromDump(instruments, seeds)`: a real Kite dump (model/instrument-master.ts parses it)
 *    as the universe; prices are invented where the dump has none (dumps carry last_price 0.0).
 *
 * Every fact is cited in README.md ("Instrument universe"); rules fitted by us are marked as guesses.
 * Prices of indices, futures and options are DERIVED (derived-market.ts) from the equities the
 * MarketSource ticks, or from hidden underlyings when the universe has no equity for them.
 */
import { snapToTick } from '../core/prices.js';
import type { IsoDay } from '../core/nse-calendar.js';
import { fnoSymbol, monthlyExpiries, weeklyExpiries } from '../fno/expiries.js';
import { BANK_SEEDS, FINANCIAL_SEEDS } from '../fno/sim-model.js';
import { INDEX_FNO, type IndexFnoSpec } from '../fno/specs.js';
import type { KiteInstrument } from '../model/instrument-master.js';
import type { SimInstrumentSeed } from '../model/instruments.js';
import type { SimInstrument } from './instruments.js';

export const SEGMENT_ID: Readonly<Record<string, number>> = Object.freeze({ NSE: 1, NFO: 2, CDS: 3, BSE: 4, BFO: 5, BCD: 6, MCX: 7, MCXSX: 8, INDICES: 9 });

/** Real Kite tokens and tick sizes of the NIFTY 50 seeds (instruments/NSE dump of 2025-10-06). */
export const NSE_EQUITY_FACTS: Readonly<Record<string, { token: number; tickPaise: number }>> = Object.freeze({
  ADANIENT: { token: 6401, tickPaise: 10 }, ADANIPORTS: { token: 3861249, tickPaise: 10 }, APOLLOHOSP: { token: 40193, tickPaise: 50 },
  ASIANPAINT: { token: 60417, tickPaise: 10 }, AXISBANK: { token: 1510401, tickPaise: 10 }, 'BAJAJ-AUTO': { token: 4267265, tickPaise: 50 },
  BAJAJFINSV: { token: 4268801, tickPaise: 10 }, BAJFINANCE: { token: 81153, tickPaise: 5 }, BEL: { token: 98049, tickPaise: 5 },
  BHARTIARTL: { token: 2714625, tickPaise: 10 }, CIPLA: { token: 177665, tickPaise: 10 }, COALINDIA: { token: 5215745, tickPaise: 5 },
  DRREDDY: { token: 225537, tickPaise: 10 }, EICHERMOT: { token: 232961, tickPaise: 50 }, ETERNAL: { token: 1304833, tickPaise: 5 },
  GRASIM: { token: 315393, tickPaise: 10 }, HCLTECH: { token: 1850625, tickPaise: 10 }, HDFCBANK: { token: 341249, tickPaise: 5 },
  HDFCLIFE: { token: 119553, tickPaise: 5 }, HEROMOTOCO: { token: 345089, tickPaise: 50 }, HINDALCO: { token: 348929, tickPaise: 5 },
  HINDUNILVR: { token: 356865, tickPaise: 10 }, ICICIBANK: { token: 1270529, tickPaise: 10 }, INDUSINDBK: { token: 1346049, tickPaise: 5 },
  INFY: { token: 408065, tickPaise: 10 }, ITC: { token: 424961, tickPaise: 5 }, JIOFIN: { token: 4644609, tickPaise: 5 },
  JSWSTEEL: { token: 3001089, tickPaise: 10 }, KOTAKBANK: { token: 492033, tickPaise: 10 }, LT: { token: 2939649, tickPaise: 10 },
  'M&M': { token: 519937, tickPaise: 10 }, MARUTI: { token: 2815745, tickPaise: 100 }, NESTLEIND: { token: 4598529, tickPaise: 10 },
  NTPC: { token: 2977281, tickPaise: 5 }, ONGC: { token: 633601, tickPaise: 1 }, POWERGRID: { token: 3834113, tickPaise: 5 },
  RELIANCE: { token: 738561, tickPaise: 10 }, SBILIFE: { token: 5582849, tickPaise: 10 }, SBIN: { token: 779521, tickPaise: 5 },
  SHRIRAMFIN: { token: 1102337, tickPaise: 5 }, SUNPHARMA: { token: 857857, tickPaise: 10 }, TATACONSUM: { token: 878593, tickPaise: 10 },
  TATAMOTORS: { token: 884737, tickPaise: 5 }, TATASTEEL: { token: 895745, tickPaise: 1 }, TCS: { token: 2953217, tickPaise: 10 },
  TECHM: { token: 3465729, tickPaise: 10 }, TITAN: { token: 897537, tickPaise: 10 }, TRENT: { token: 502785, tickPaise: 50 },
  ULTRACEMCO: { token: 2952193, tickPaise: 100 }, WIPRO: { token: 969473, tickPaise: 1 },
});

/** F&O lot sizes of the NIFTY 50 stocks (instruments/NFO dump of 2026-08-18; TATAMOTORS has no F&O there). */
export const STOCK_LOTS: Readonly<Record<string, number>> = Object.freeze({
  ADANIENT: 309, ADANIPORTS: 475, APOLLOHOSP: 125, ASIANPAINT: 250, AXISBANK: 625, 'BAJAJ-AUTO': 75, BAJAJFINSV: 300, BAJFINANCE: 750,
  BEL: 1425, BHARTIARTL: 475, CIPLA: 425, COALINDIA: 1350, DRREDDY: 625, EICHERMOT: 100, ETERNAL: 2425, GRASIM: 250, HCLTECH: 400,
  HDFCBANK: 650, HDFCLIFE: 1100, HEROMOTOCO: 150, HINDALCO: 700, HINDUNILVR: 300, ICICIBANK: 700, INDUSINDBK: 700, INFY: 400, ITC: 1725,
  JIOFIN: 2350, JSWSTEEL: 675, KOTAKBANK: 2000, LT: 175, 'M&M': 200, MARUTI: 50, NESTLEIND: 500, NTPC: 1500, ONGC: 2250, POWERGRID: 1900,
  RELIANCE: 500, SBILIFE: 375, SBIN: 750, SHRIRAMFIN: 825, SUNPHARMA: 350, TATACONSUM: 550, TATASTEEL: 2750, TCS: 225, TECHM: 600,
  TITAN: 175, TRENT: 225, ULTRACEMCO: 50, WIPRO: 3000,
});

const BANKS = BANK_SEEDS;
const FINANCIALS = FINANCIAL_SEEDS;

export interface IndexFact {
  symbol: string;
  name: string;
  exchange: 'NSE' | 'BSE';
  /** Real Kite instrument_token (segment 9). */
  token: number;
  /** Starting level, paise (a 2025–26 ballpark; guess). */
  basePaise: number;
  /** Constituents among the seeds (undefined = all seeds); the index is a basket of them (derived-market.ts). */
  constituents?: readonly string[];
  fno?: {
    /** The derivatives' `name` and symbol prefix. */
    name: string;
    exchange: 'NFO' | 'BFO';
    lot: number;
    strikeStepPaise: number;
    futTickPaise: number;
    /** Weekly options (only NIFTY on NSE and SENSEX on BSE since SEBI's Nov-2024 rule). */
    weekly: boolean;
    /** Expiry weekday: 2 = Tuesday (NSE since Sep 2025), 4 = Thursday (BSE). */
    weekday: number;
  };
}

const fno = (x: IndexFnoSpec): NonNullable<IndexFact['fno']> => ({ name: x.name, exchange: x.exchange, lot: x.lot, strikeStepPaise: x.strikeStepPaise, futTickPaise: x.futTickPaise, weekly: x.weekly, weekday: x.weekday });

/**
 * Indices with their real tokens (NSE from the 2025-10-06 dump; SENSEX 265 is BSE's well-known
 * index token [S]) and their F&O contract specs, from the engine's shared specs (fno/specs.ts: lots,
 * futures ticks and strike steps of the 2026-08-18 NFO dump; SENSEX lot 20 and step 100 [S]).
 */
export const INDEX_FACTS: readonly IndexFact[] = Object.freeze([
  { symbol: 'NIFTY 50', name: 'NIFTY 50', exchange: 'NSE', token: 256265, basePaise: 2_450_000, fno: fno(INDEX_FNO['NIFTY']!) },
  { symbol: 'NIFTY BANK', name: 'NIFTY BANK', exchange: 'NSE', token: 260105, basePaise: 5_500_000, constituents: BANKS, fno: fno(INDEX_FNO['BANKNIFTY']!) },
  { symbol: 'NIFTY FIN SERVICE', name: 'NIFTY FIN SERVICE', exchange: 'NSE', token: 257801, basePaise: 2_600_000, constituents: FINANCIALS, fno: fno(INDEX_FNO['FINNIFTY']!) },
  { symbol: 'NIFTY MID SELECT', name: 'NIFTY MIDCAP SELECT (MIDCPNIFTY)', exchange: 'NSE', token: 288009, basePaise: 1_300_000, fno: fno(INDEX_FNO['MIDCPNIFTY']!) },
  { symbol: 'NIFTY NEXT 50', name: 'NIFTY NEXT 50', exchange: 'NSE', token: 270857, basePaise: 6_800_000, fno: fno(INDEX_FNO['NIFTYNXT50']!) },
  { symbol: 'NIFTY IT', name: 'NIFTY IT', exchange: 'NSE', token: 259849, basePaise: 3_500_000, constituents: ['INFY', 'TCS', 'HCLTECH', 'WIPRO', 'TECHM'] },
  { symbol: 'SENSEX', name: 'SENSEX', exchange: 'BSE', token: 265, basePaise: 8_000_000, fno: fno(INDEX_FNO['SENSEX']!) },
] satisfies IndexFact[]);

/** Strike step of a stock option by price (rupees): fitted to the 2026-08-18 NFO dump's ATM strikes (a guess for other names). */
export function stockStrikeStepPaise(pricePaise: number): number {
  const r = pricePaise / 100;
  if (r < 300) return 250;
  if (r < 500) return 500;
  if (r < 1500) return 1000;
  if (r < 2500) return 2000;
  if (r < 5000) return 5000;
  return 10000;
}

/** NSE equity tick size by price since the June-2025 revision, as seen in the 2025-10-06 dump (guess for the band edges). */
export function equityTickPaise(pricePaise: number): number {
  const r = pricePaise / 100;
  if (r < 250) return 1;
  if (r < 1000) return 5;
  if (r < 5000) return 10;
  if (r < 10000) return 50;
  if (r < 20000) return 100;
  return 500;
}

// ---- expiries (the shared F&O calendar, fno/expiries.ts) ---------------------------------------

export { fnoSymbol, monthlyExpiries, monthlyExpiry, weeklyExpiries } from '../fno/expiries.js';

// ---- the universe --------------------------------------------------------------------------------

export interface Universe {
  /** Everything served (/instruments, quotes, ticker), in a stable order: equities, indices, derivatives. */
  instruments: SimInstrument[];
  /** What the MarketSource must tick: its seeds (equities and hidden underlyings), by seed symbol → the token it prices. */
  seedTokens: Map<string, number>;
  /** Seeds the market should be created with (dump mode; the default universe uses the caller's seeds). */
  marketSeeds: SimInstrumentSeed[];
  /** Indices priced as baskets: index token → constituent tokens. */
  baskets: Map<number, number[]>;
  /** Hidden underlyings (not served): token → symbol, base price. */
  hidden: Map<number, { symbol: string; basePaise: number }>;
}

class TokenAlloc {
  private next: Record<number, number> = {};
  constructor(private readonly used: Set<number>) {}
  take(segment: number, start: number): number {
    let et = this.next[segment] ?? start;
    while (this.used.has((et << 8) | segment)) et++;
    this.next[segment] = et + 1;
    const t = (et << 8) | segment;
    this.used.add(t);
    return t;
  }
}

function equity(seed: SimInstrumentSeed, token: number, tickPaise: number, exchange = 'NSE'): SimInstrument {
  return {
    token,
    exchangeToken: token >>> 8,
    exchange,
    segment: exchange,
    tradingsymbol: seed.symbol,
    name: seed.name.toUpperCase(),
    tickPaise,
    lotSize: 1,
    instrumentType: 'EQ',
    avgDailyVolume: seed.avgDailyVolume,
    basePaise: Math.max(tickPaise, snapToTick(seed.basePaise, tickPaise)),
  };
}

function indexInstrument(f: IndexFact, basePaise: number): SimInstrument {
  return {
    token: f.token,
    exchangeToken: f.token >>> 8,
    exchange: f.exchange,
    segment: 'INDICES',
    tradingsymbol: f.symbol,
    name: f.name,
    tickPaise: 5, // the price grid of index values; the CSV shows tick_size 0.0 like Kite's dump
    lotSize: 0,
    instrumentType: 'EQ',
    avgDailyVolume: 0,
    basePaise,
    tradable: false,
  };
}

export interface GenerateOptions {
  /** Stock futures expiries (default 3, like the dump) and option expiries per stock (default 2). */
  stockFutureExpiries?: number;
  stockOptionExpiries?: number;
  /** Strikes each side of the ATM: indices (default 20), stocks (default 10). */
  indexStrikesEachSide?: number;
  stockStrikesEachSide?: number;
  /** Without derivatives (equities and indices only). */
  equitiesOnly?: boolean;
  /** One tick size for every equity (a replay of real candles on the old 0.05 grid uses 5); default the real ones. */
  equityTickPaise?: number;
}

/**
 * The default multi-exchange master for `seeds` at simulated time `now`. Seeds keep their order and
 * come first; a NIFTY 50 seed gets its real token and tick size, any other seed a synthetic token
 * and the tick of its price band.
 */
export function generateUniverse(seeds: readonly SimInstrumentSeed[], now: number, o: GenerateOptions = {}): Universe {
  const used = new Set<number>();
  const list: SimInstrument[] = [];
  const seedTokens = new Map<string, number>();
  for (const s of seeds) {
    const f = NSE_EQUITY_FACTS[s.symbol];
    if (f) used.add(f.token);
  }
  for (const f of INDEX_FACTS) used.add(f.token);
  const alloc = new TokenAlloc(used);
  for (const s of seeds) {
    const f = NSE_EQUITY_FACTS[s.symbol];
    const token = f && !seedTokens.has(s.symbol) ? f.token : alloc.take(SEGMENT_ID['NSE']!, 3001);
    const inst = equity(s, token, o.equityTickPaise ?? f?.tickPaise ?? equityTickPaise(s.basePaise));
    list.push(inst);
    seedTokens.set(s.symbol, token);
  }
  const bySymbol = new Map(list.map((i) => [i.tradingsymbol, i]));
  const baskets = new Map<number, number[]>();
  const indices: SimInstrument[] = [];
  for (const f of INDEX_FACTS) {
    const listed = (f.constituents ?? seeds.map((s) => s.symbol)).map((s) => bySymbol.get(s)?.token).filter((t): t is number => t !== undefined);
    // an index none of whose constituents is among the seeds follows all the seeds (so it still moves)
    const members = listed.length > 0 ? listed : list.slice(0, seeds.length).map((i) => i.token);
    const inst = indexInstrument(f, f.basePaise);
    indices.push(inst);
    baskets.set(inst.token, members);
  }
  list.push(...indices);
  if (o.equitiesOnly) return { instruments: list, seedTokens, marketSeeds: [...seeds], baskets, hidden: new Map() };

  const derivs: SimInstrument[] = [];
  const add = (u: SimInstrument, name: string, exchange: 'NFO' | 'BFO', lot: number, futTick: number, step: number, futExp: IsoDay[], optExp: IsoDay[], monthlySet: Set<IsoDay>, each: number, isIndex: boolean) => {
    const seg = SEGMENT_ID[exchange]!;
    for (const e of futExp) {
      derivs.push({
        token: alloc.take(seg, 35000),
        exchangeToken: 0,
        exchange,
        segment: `${exchange}-FUT`,
        tradingsymbol: fnoSymbol(name, e, 'FUT', 0, true),
        name,
        tickPaise: futTick,
        lotSize: lot,
        instrumentType: 'FUT',
        avgDailyVolume: lot * 20_000,
        basePaise: snapToTick(u.basePaise, futTick),
        expiry: e,
        underlyingToken: u.token,
        underlyingIsIndex: isIndex,
      });
    }
    const atm = Math.round(u.basePaise / step) * step;
    optExp.forEach((e, ei) => {
      for (let k = -each; k <= each; k++) {
        const strike = atm + k * step;
        if (strike <= 0) continue;
        for (const kind of ['CE', 'PE'] as const) {
          const moneyness = Math.abs(k) / each;
          derivs.push({
            token: alloc.take(seg, 35000),
            exchangeToken: 0,
            exchange,
            segment: `${exchange}-OPT`,
            tradingsymbol: fnoSymbol(name, e, kind, strike, monthlySet.has(e)),
            name,
            tickPaise: 5,
            lotSize: lot,
            instrumentType: kind,
            avgDailyVolume: Math.round(lot * 5_000 * Math.exp(-3 * moneyness) / (1 + ei)),
            basePaise: 5,
            expiry: e,
            strikePaise: strike,
            underlyingToken: u.token,
            underlyingIsIndex: isIndex,
            liquidity: Math.max(0.05, Math.min(1, (1 - moneyness) * (isIndex ? 1 : 0.6) / (1 + 0.3 * ei))),
          });
        }
      }
    });
  };
  const idxEach = o.indexStrikesEachSide ?? 20;
  for (const [i, f] of INDEX_FACTS.entries()) {
    if (!f.fno) continue;
    const fx = f.fno;
    const months = monthlyExpiries(now, 3, fx.weekday);
    const monthlySet = new Set(months);
    const optExp = fx.weekly ? [...new Set([...weeklyExpiries(now, 4, fx.weekday), ...months])].sort() : months;
    add(indices[i]!, fx.name, fx.exchange, fx.lot, fx.futTickPaise, fx.strikeStepPaise, months, optExp, monthlySet, idxEach, true);
  }
  const stockMonths = monthlyExpiries(now, Math.max(o.stockFutureExpiries ?? 3, o.stockOptionExpiries ?? 2), 2);
  const stockSet = new Set(stockMonths);
  for (const u of list.slice(0, seeds.length)) {
    const lot = STOCK_LOTS[u.tradingsymbol];
    if (lot === undefined) continue;
    add(u, u.tradingsymbol, 'NFO', lot, u.tickPaise, stockStrikeStepPaise(u.basePaise), stockMonths.slice(0, o.stockFutureExpiries ?? 3), stockMonths.slice(0, o.stockOptionExpiries ?? 2), stockSet, o.stockStrikesEachSide ?? 10, false);
  }
  for (const d of derivs) d.exchangeToken = d.token >>> 8;
  list.push(...derivs);
  return { instruments: list, seedTokens, marketSeeds: [...seeds], baskets, hidden: new Map() };
}

/** FNV-1a → [0, 1): deterministic made-up prices and volumes for dump rows. */
function hash01(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 4294967296;
}

/** NFO/BFO `name` of an index derivative → the index tradingsymbol. */
const INDEX_BY_FNO_NAME = new Map(INDEX_FACTS.filter((f) => f.fno).map((f) => [f.fno!.name, f]));

/**
 * A Kite instruments dump (one or several files, parsed by model/instrument-master.ts) as the
 * universe. Equities are ticked by the market (their seeds: a NIFTY 50 seed's price when the symbol
 * matches, else a made-up price from a hash of the key); indices are baskets of the dump's NIFTY 50
 * equities where present, else hidden random walks; derivatives are priced from their underlying
 * (by `name`: the equity of that symbol, or the index for NIFTY/BANKNIFTY/…), which is a hidden
 * random walk when the dump does not list it (an NFO-only dump): its level is the median strike of
 * the underlying's nearest option expiry, or the index's ballpark level.
 */
export function universeFromDump(rows: readonly KiteInstrument[], baseSeeds: readonly SimInstrumentSeed[]): Universe {
  const seedBy = new Map(baseSeeds.map((s) => [s.symbol, s]));
  const list: SimInstrument[] = [];
  const seedTokens = new Map<string, number>();
  const marketSeeds: SimInstrumentSeed[] = [];
  const baskets = new Map<number, number[]>();
  const hidden = new Map<number, { symbol: string; basePaise: number }>();
  const used = new Set(rows.map((r) => r.instrumentToken));
  const alloc = new TokenAlloc(used);
  const eqByKey = new Map<string, SimInstrument>();

  for (const r of rows) {
    if (r.instrumentType !== 'EQ' || r.segment === 'INDICES') continue;
    const tick = r.tickSizePaise;
    const s = r.exchange === 'NSE' ? seedBy.get(r.tradingsymbol) : undefined;
    const h = hash01(r.key);
    const base = s?.basePaise ?? (r.lastPricePaise > 0 ? r.lastPricePaise : Math.round(100 * Math.exp(Math.log(20) + h * Math.log(150))));
    const basePaise = Math.max(lcm5(tick), Math.round(base / lcm5(tick)) * lcm5(tick));
    const avgDailyVolume = s?.avgDailyVolume ?? Math.round(20_000 + 2_000_000 * hash01(r.key + '#v') ** 3);
    const seedSymbol = r.exchange === 'NSE' ? r.tradingsymbol : r.key;
    const inst: SimInstrument = {
      token: r.instrumentToken,
      exchangeToken: r.exchangeToken,
      exchange: r.exchange,
      segment: r.segment,
      tradingsymbol: r.tradingsymbol,
      name: r.name,
      tickPaise: tick,
      lotSize: r.lotSize,
      instrumentType: 'EQ',
      avgDailyVolume,
      basePaise,
    };
    list.push(inst);
    eqByKey.set(r.key, inst);
    seedTokens.set(seedSymbol, inst.token);
    marketSeeds.push({ symbol: seedSymbol, name: r.name || r.tradingsymbol, basePaise, avgDailyVolume });
  }

  // median strike of the nearest option expiry per underlying name: a level for hidden underlyings
  const strikes = new Map<string, { expiry: string; strikes: number[] }>();
  for (const r of rows) {
    if ((r.instrumentType !== 'CE' && r.instrumentType !== 'PE') || !r.expiry) continue;
    const cur = strikes.get(r.name);
    if (!cur || r.expiry < cur.expiry) strikes.set(r.name, { expiry: r.expiry, strikes: [r.strikePaise] });
    else if (r.expiry === cur.expiry) cur.strikes.push(r.strikePaise);
  }
  const median = (name: string): number | undefined => {
    const s = strikes.get(name)?.strikes.sort((a, b) => a - b);
    return s && s.length ? s[Math.floor(s.length / 2)] : undefined;
  };
  const hiddenUnderlying = (name: string, fallback: number): number => {
    const symbol = `~${name}`;
    const known = seedTokens.get(symbol);
    if (known !== undefined) return known;
    const token = alloc.take(SEGMENT_ID['NSE']!, 9_000_000);
    const basePaise = Math.max(5, Math.round((median(name) ?? fallback) / 5) * 5);
    hidden.set(token, { symbol, basePaise });
    seedTokens.set(symbol, token);
    marketSeeds.push({ symbol, name, basePaise, avgDailyVolume: 5_000_000 });
    return token;
  };

  const nseEq = new Map([...eqByKey.values()].filter((i) => i.exchange === 'NSE').map((i) => [i.tradingsymbol, i.token]));
  const indexTokenBySymbol = new Map<string, number>();
  for (const r of rows) {
    if (r.segment !== 'INDICES') continue;
    const f = INDEX_FACTS.find((x) => x.symbol === r.tradingsymbol && x.exchange === r.exchange);
    const members = f ? (f.constituents ?? Object.keys(NSE_EQUITY_FACTS)).map((s) => nseEq.get(s)).filter((t): t is number => t !== undefined) : [];
    const base = f?.basePaise ?? Math.round(100 * (1000 + 40_000 * hash01(r.key)) / 5) * 5;
    const inst: SimInstrument = {
      token: r.instrumentToken,
      exchangeToken: r.exchangeToken,
      exchange: r.exchange,
      segment: 'INDICES',
      tradingsymbol: r.tradingsymbol,
      name: r.name,
      tickPaise: 5,
      lotSize: 0,
      instrumentType: 'EQ',
      avgDailyVolume: 0,
      basePaise: base,
      tradable: false,
    };
    list.push(inst);
    indexTokenBySymbol.set(`${r.exchange}:${r.tradingsymbol}`, inst.token);
    // a basket of the dump's equities, or (no constituent listed) a hidden random walk it follows exactly
    baskets.set(inst.token, members.length > 0 ? members : [hiddenUnderlying(r.tradingsymbol, base)]);
  }

  for (const r of rows) {
    if (r.instrumentType === 'EQ') continue;
    const f = INDEX_BY_FNO_NAME.get(r.name);
    let underlyingToken: number | undefined;
    let isIndex = false;
    if (f) {
      isIndex = true;
      underlyingToken = indexTokenBySymbol.get(`${f.exchange}:${f.symbol}`) ?? hiddenUnderlying(r.name, f.basePaise);
    } else {
      underlyingToken = nseEq.get(r.name) ?? hiddenUnderlying(r.name, r.strikePaise || 100_000);
    }
    const moneynessUnknown = r.instrumentType !== 'FUT';
    list.push({
      token: r.instrumentToken,
      exchangeToken: r.exchangeToken,
      exchange: r.exchange,
      segment: r.segment,
      tradingsymbol: r.tradingsymbol,
      name: r.name,
      tickPaise: r.tickSizePaise,
      lotSize: r.lotSize,
      instrumentType: r.instrumentType,
      avgDailyVolume: r.lotSize * (moneynessUnknown ? 2_000 : 20_000),
      basePaise: r.instrumentType === 'FUT' ? 0 : r.tickSizePaise,
      ...(r.expiry ? { expiry: r.expiry } : {}),
      ...(r.strikePaise ? { strikePaise: r.strikePaise } : {}),
      underlyingToken,
      underlyingIsIndex: isIndex,
      ...(moneynessUnknown ? { liquidity: 0.5 } : {}),
    });
  }
  return { instruments: list, seedTokens, marketSeeds, baskets, hidden };
}

/** The smallest multiple of 5 paise that is also a multiple of `tick` (the market walks on 5 paise). */
function lcm5(tick: number): number {
  const t = Math.max(1, tick);
  return t % 5 === 0 ? t : t * 5;
}
