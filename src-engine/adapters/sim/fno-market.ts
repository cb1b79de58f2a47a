/**
 * The built-in simulator's indices and index derivatives (issue 14): NIFTY 50, NIFTY BANK and NIFTY FIN
 * SERVICE as baskets of the simulated NIFTY 50 stocks, their futures (current and next month, cost of
 * carry) and options (NIFTY weekly + monthly, BANKNIFTY and FINNIFTY monthly only — fno/specs.ts), priced
 * from the index by the engine's one model (fno/black76.ts, the smile of fno/sim-model.ts) with open
 * interest, volume and a 5-level book on the tick grid.
 *
 * Driven by the equity ticks (onEquityTick): each underlying's round runs at most once per simulated
 * second — the index prints (an index tick: no quantity, no volume, no depth, as Kite's index packets),
 * each future trades with probability ½, and a Poisson number (mean 4) of option trades falls on the
 * PUBLISHED window: the nearest `publishExpiries` live expiries × `publishEachSide` strikes either side of
 * the current ATM, weighted towards the money and the nearer expiry. A contract's bid/ask are quoted
 * from the current index level before each of its trades and whenever the chain reads them
 * (optionStates: the market at the underlying's last round); depth snapshots go out for the contracts
 * that traded. Contracts are LISTED at construction: `listEachSide` strikes around the
 * starting level for the listed expiries (fno/specs.ts listedOptionExpiries); an expired contract stops
 * trading after 15:30 IST of its expiry day and the next listed expiry becomes the nearest (the roll).
 * A restart lists the then-current expiries. Deterministic for a seed and an equity tick sequence.
 */
import type { Instrument } from '../../contract/schemas.js';
import { IST_OFFSET_MS } from '../../core/ist.js';
import type { IsoDay } from '../../core/nse-calendar.js';
import { snapToTick } from '../../core/prices.js';
import { Rng } from '../../core/random.js';
import { black76Price, forwardOf, smileVol } from '../../fno/black76.js';
import type { ContractState } from '../../fno/chain.js';
import { expiryCloseMs, fnoSymbol, monthlyExpiries, yearsToExpiry } from '../../fno/expiries.js';
import { CARRY_RATE, INDEX_VOL, SIM_INDEX_LEVELS, basketGain } from '../../fno/sim-model.js';
import { INDEX_FNO, listedOptionExpiries, type IndexFnoSpec } from '../../fno/specs.js';
import type { DepthLevel, DepthSnapshot } from '../../model/depth.js';
import type { SimInstrumentSeed } from '../../model/instruments.js';
import type { Tick } from '../../model/tick.js';

export interface SimFnoOptions {
  /** F&O names (INDEX_FNO keys) to simulate; default NIFTY, BANKNIFTY, FINNIFTY. */
  underlyings?: readonly string[];
  /** Strikes listed either side of the starting ATM (default 15). */
  listEachSide?: number;
  /** Strikes either side of the current ATM that are quoted and traded (default 10). */
  publishEachSide?: number;
  /** Live expiries quoted and traded, nearest first (default 2). */
  publishExpiries?: number;
  /** Weekly / monthly option expiries listed (defaults 4 and 2: NIFTY lists both, the others monthlies). */
  weeklies?: number;
  monthlies?: number;
  /** Futures listed per underlying (default 2: current and next month). */
  futures?: number;
  /** Simulated ms between two rounds of one underlying (default 1000). */
  intervalMs?: number;
}

type Kind = 'FUT' | 'CE' | 'PE';

interface Contract {
  symbol: string;
  kind: Kind;
  expiry: IsoDay;
  strikePaise: number;
  tickPaise: number;
  lot: number;
  last: number | undefined;
  prevClose: number | undefined;
  volume: number;
  oi: number;
  oiDayStart: number;
  bid: number | undefined;
  ask: number | undefined;
  day: number;
}

interface Underlying {
  spec: IndexFnoSpec;
  index: string;
  members: number[];
  logBase: Float64Array;
  gain: number;
  basePaise: number;
  level: number;
  prevClose: number;
  indexDay: number;
  lastRound: number;
  futures: Contract[];
  /** expiry → contracts, strikes ascending (CE and PE). */
  options: Map<IsoDay, Contract[]>;
  strikes: number[];
}

interface Window {
  atm: number;
  /** Until the nearest expiry in it closes. */
  validUntil: number;
  contracts: Contract[];
  cum: number[];
  total: number;
}

const DAY_MS = 86_400_000;
const dayOf = (ts: number) => Math.floor((ts + IST_OFFSET_MS) / DAY_MS);

export class SimFnoMarket {
  readonly instruments: Instrument[] = [];
  private readonly unders: Underlying[] = [];
  private readonly byName = new Map<string, Underlying>();
  private readonly contracts = new Map<string, Contract>();
  private readonly seedIndex = new Map<string, number>();
  private readonly memberOf = new Map<number, Underlying[]>();
  private readonly logLast: Float64Array;
  private readonly rng: Rng;
  private readonly o: Required<SimFnoOptions>;
  private readonly books = new Map<string, DepthSnapshot>();
  private readonly windows = new Map<Underlying, Window>();

  constructor(seeds: readonly SimInstrumentSeed[], startTime: number, seed: number, opts: SimFnoOptions = {}) {
    this.o = {
      underlyings: opts.underlyings ?? ['NIFTY', 'BANKNIFTY', 'FINNIFTY'],
      listEachSide: opts.listEachSide ?? 15,
      publishEachSide: opts.publishEachSide ?? 10,
      publishExpiries: opts.publishExpiries ?? 2,
      weeklies: opts.weeklies ?? 4,
      monthlies: opts.monthlies ?? 2,
      futures: opts.futures ?? 2,
      intervalMs: opts.intervalMs ?? 1000,
    };
    this.rng = new Rng((Math.trunc(seed) ^ 0x5eed_f0f0) >>> 0);
    seeds.forEach((s, i) => this.seedIndex.set(s.symbol, i));
    this.logLast = Float64Array.from(seeds.map((s) => Math.log(s.basePaise)));
    for (const name of this.o.underlyings) {
      const spec = INDEX_FNO[name];
      const lvl = spec ? SIM_INDEX_LEVELS[spec.index] : undefined;
      if (!spec || !lvl) throw new RangeError(`SimFnoMarket: no simulated index for F&O underlying '${name}' (known: ${Object.values(INDEX_FNO).filter((s) => SIM_INDEX_LEVELS[s.index]).map((s) => s.name).join(', ')})`);
      const listed = (lvl.constituents ?? seeds.map((s) => s.symbol)).map((s) => this.seedIndex.get(s)).filter((i): i is number => i !== undefined);
      const members = listed.length > 0 ? listed : seeds.map((_, i) => i);
      const u: Underlying = {
        spec,
        index: spec.index,
        members,
        logBase: Float64Array.from(members.map((i) => this.logLast[i]!)),
        gain: basketGain(members.length),
        basePaise: lvl.basePaise,
        level: lvl.basePaise,
        prevClose: lvl.basePaise,
        indexDay: dayOf(startTime),
        lastRound: -Infinity,
        futures: [],
        options: new Map(),
        strikes: [],
      };
      this.unders.push(u);
      this.byName.set(spec.name, u);
      for (const m of members) (this.memberOf.get(m) ?? this.memberOf.set(m, []).get(m)!).push(u);
      this.instruments.push({ symbol: spec.index, name: spec.index, exchange: spec.indexExchange, tickSizePaise: 5, lotSize: 1, kind: 'INDEX', tradable: false });
      this.list(u, startTime);
    }
  }

  private list(u: Underlying, now: number): void {
    const s = u.spec;
    for (const e of monthlyExpiries(now, this.o.futures, s.weekday)) {
      const c = this.contract(u, fnoSymbol(s.name, e, 'FUT', 0, true), 'FUT', e, 0, s.futTickPaise, now);
      u.futures.push(c);
    }
    const { expiries, monthly } = listedOptionExpiries(s, now, { weeklies: this.o.weeklies, monthlies: this.o.monthlies });
    const atm = Math.round(u.level / s.strikeStepPaise) * s.strikeStepPaise;
    for (let k = -this.o.listEachSide; k <= this.o.listEachSide; k++) u.strikes.push(atm + k * s.strikeStepPaise);
    for (const e of expiries) {
      const list: Contract[] = [];
      for (const k of u.strikes) for (const r of ['CE', 'PE'] as const) list.push(this.contract(u, fnoSymbol(s.name, e, r, k, monthly.has(e)), r, e, k, s.optTickPaise, now));
      u.options.set(e, list);
    }
  }

  private contract(u: Underlying, symbol: string, kind: Kind, expiry: IsoDay, strikePaise: number, tickPaise: number, now: number): Contract {
    const fair = this.fair(u, kind, expiry, strikePaise, now);
    const px = Math.max(tickPaise, snapToTick(fair, tickPaise));
    const moneyness = kind === 'FUT' ? 0 : Math.abs(strikePaise - u.level) / (u.spec.strikeStepPaise * this.o.listEachSide);
    const lots = kind === 'FUT' ? 40_000 : Math.round(30_000 * Math.exp(-3 * moneyness) * (0.5 + this.rng.uniform()));
    const oi = u.spec.lot * Math.max(1, lots);
    const c: Contract = { symbol, kind, expiry, strikePaise, tickPaise, lot: u.spec.lot, last: undefined, prevClose: px, volume: 0, oi, oiDayStart: oi, bid: undefined, ask: undefined, day: dayOf(now) };
    this.contracts.set(symbol, c);
    this.instruments.push({
      symbol,
      name: `${u.spec.name} ${expiry} ${kind === 'FUT' ? 'FUT' : `${strikePaise / 100} ${kind}`}`,
      exchange: u.spec.exchange,
      tickSizePaise: tickPaise,
      lotSize: u.spec.lot,
      kind,
      underlying: u.spec.name,
      expiry,
      ...(kind === 'FUT' ? {} : { strikePaise }),
    });
    return c;
  }

  /** Fair value, paise (unsnapped), at the underlying's current level. */
  private fair(u: Underlying, kind: Kind, expiry: IsoDay, strikePaise: number, now: number): number {
    const t = Math.max(60_000 / (365 * DAY_MS), yearsToExpiry(expiry, now));
    const f = forwardOf(u.level, CARRY_RATE, t);
    if (kind === 'FUT') return f;
    return black76Price({ forward: f, strike: strikePaise, t, vol: smileVol(INDEX_VOL, strikePaise, f), rate: CARRY_RATE, right: kind });
  }

  // ---------------------------------------------------------------------------------------------
  // Driving

  /**
   * An equity tick: moves the indices it belongs to; a due round of an underlying emits its index tick,
   * futures and option trades through `emit`, and depth (when `emitDepth` is given) for what traded.
   */
  onEquityTick(t: Tick, emit: (t: Tick) => void, emitDepth?: (d: DepthSnapshot) => void): void {
    const i = this.seedIndex.get(t.symbol);
    if (i === undefined) return;
    this.logLast[i] = Math.log(t.lastPaise);
    for (const u of this.memberOf.get(i) ?? []) {
      if (t.tsEvent - u.lastRound < this.o.intervalMs) continue;
      u.lastRound = t.tsEvent;
      this.round(u, t.tsEvent, emit, emitDepth);
    }
  }

  private round(u: Underlying, ts: number, emit: (t: Tick) => void, emitDepth?: (d: DepthSnapshot) => void): void {
    let sum = 0;
    for (let k = 0; k < u.members.length; k++) sum += this.logLast[u.members[k]!]! - u.logBase[k]!;
    const day = dayOf(ts);
    if (day !== u.indexDay) {
      u.prevClose = u.level;
      u.indexDay = day;
    }
    u.level = Math.max(5, snapToTick(u.basePaise * Math.exp((u.gain * sum) / u.members.length), 5));
    emit({ symbol: u.index, lastPaise: u.level, lastQty: 0, volume: 0, tsEvent: ts });

    for (const f of u.futures) {
      if (!this.live(f, ts)) continue;
      this.quote(u, f, ts);
      if (this.rng.uniform() < 0.5) this.trade(f, ts, emit, emitDepth);
    }
    const window = this.window(u, ts);
    if (window.contracts.length === 0) return;
    let picks = 0;
    const lambda = 4;
    for (let p = Math.exp(-lambda), s = p, x = this.rng.uniform(); x > s && picks < 20; ) {
      picks++;
      p *= lambda / picks;
      s += p;
    }
    for (let n = 0; n < picks; n++) {
      const x = this.rng.uniform() * window.total;
      let lo = 0;
      let hi = window.cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (x < window.cum[mid]!) hi = mid;
        else lo = mid + 1;
      }
      const c = window.contracts[lo]!;
      this.quote(u, c, ts);
      this.trade(c, ts, emit, emitDepth);
    }
  }

  private live(c: Contract, ts: number): boolean {
    return expiryCloseMs(c.expiry) > ts;
  }

  /** The published window: nearest live expiries × strikes around the current ATM, with pick weights (cached until the ATM or the nearest expiry moves). */
  private window(u: Underlying, ts: number): Window {
    const atm = Math.round(u.level / u.spec.strikeStepPaise) * u.spec.strikeStepPaise;
    const cached = this.windows.get(u);
    if (cached && cached.atm === atm && ts < cached.validUntil) return cached;
    const contracts: Contract[] = [];
    const cum: number[] = [];
    let total = 0;
    let validUntil = Infinity;
    let ei = 0;
    for (const [e, list] of u.options) {
      if (ei >= this.o.publishExpiries) break;
      if (expiryCloseMs(e) <= ts) continue;
      validUntil = Math.min(validUntil, expiryCloseMs(e));
      for (const c of list) {
        const k = Math.abs(c.strikePaise - atm) / u.spec.strikeStepPaise;
        if (k > this.o.publishEachSide) continue;
        contracts.push(c);
        total += Math.exp(-k / 3) / (1 + ei);
        cum.push(total);
      }
      ei++;
    }
    const w: Window = { atm, validUntil, contracts, cum, total };
    this.windows.set(u, w);
    return w;
  }

  private rollDay(c: Contract, ts: number): void {
    const day = dayOf(ts);
    if (day === c.day) return;
    c.day = day;
    if (c.last !== undefined) c.prevClose = c.last;
    c.volume = 0;
    c.oiDayStart = c.oi;
  }

  /** Re-quotes a contract's best bid and ask around its fair value (1–3 ticks wide, wider far from the money). */
  private quote(u: Underlying, c: Contract, ts: number): void {
    this.rollDay(c, ts);
    const fair = this.fair(u, c.kind, c.expiry, c.strikePaise, ts);
    const ticks = c.kind === 'FUT' ? 1 : 1 + Math.min(4, Math.floor(Math.abs(c.strikePaise - u.level) / (4 * u.spec.strikeStepPaise)));
    const half = (ticks * c.tickPaise) / 2;
    const bid = Math.floor((fair - half) / c.tickPaise) * c.tickPaise;
    c.bid = bid >= c.tickPaise ? bid : undefined;
    c.ask = Math.max(c.tickPaise, (c.bid ?? 0) + ticks * c.tickPaise);
  }

  private trade(c: Contract, ts: number, emit: (t: Tick) => void, emitDepth?: (d: DepthSnapshot) => void): void {
    const buy = this.rng.uniform() < 0.5;
    const price = buy || c.bid === undefined ? c.ask! : c.bid;
    const lots = 1 + Math.floor(-Math.log(1 - this.rng.uniform()) * 3);
    const qty = lots * c.lot;
    c.last = price;
    c.volume += qty;
    c.oi = Math.max(c.lot, c.oi + c.lot * Math.round((this.rng.uniform() - 0.45) * 2 * lots));
    emit({ symbol: c.symbol, lastPaise: price, lastQty: qty, volume: c.volume, tsEvent: ts });
    if (emitDepth) {
      const d = this.book(c, ts);
      this.books.set(c.symbol, d);
      emitDepth(d);
    }
  }

  /** Five levels a side on the tick grid from the quote; quantities whole lots. */
  private book(c: Contract, ts: number): DepthSnapshot {
    const buy: DepthLevel[] = [];
    const sell: DepthLevel[] = [];
    for (let l = 0; l < 5; l++) {
      const q = () => c.lot * (1 + Math.floor(this.rng.uniform() * (c.kind === 'FUT' ? 40 : 20)));
      const bp = (c.bid ?? 0) - l * c.tickPaise;
      if (bp > 0) {
        const quantity = q();
        buy.push({ pricePaise: bp, quantity, orders: 1 + Math.floor(quantity / c.lot / 3) });
      }
      const quantity = q();
      sell.push({ pricePaise: c.ask! + l * c.tickPaise, quantity, orders: 1 + Math.floor(quantity / c.lot / 3) });
    }
    return { symbol: c.symbol, tsEvent: Math.floor(ts), buy, sell };
  }

  // ---------------------------------------------------------------------------------------------
  // Reading (the option chain, prevClose, depth)

  /** The previous close of an index or contract, paise (an index's or a contract's start price on the first day). */
  prevClose(symbol: string): number | undefined {
    const c = this.contracts.get(symbol);
    if (c) return c.prevClose;
    return this.unders.find((u) => u.index === symbol)?.prevClose;
  }

  depth(symbol: string): DepthSnapshot | null {
    return this.books.get(symbol) ?? null;
  }

  underlyings(): string[] {
    return this.unders.map((u) => u.spec.name);
  }

  /** The index level of an F&O underlying, paise. */
  spot(name: string): number | undefined {
    return this.byName.get(name)?.level;
  }

  /** Listed option expiries still live at `now`, ascending. */
  expiries(name: string, now: number): IsoDay[] {
    const u = this.byName.get(name);
    return u ? [...u.options.keys()].filter((e) => expiryCloseMs(e) > now) : [];
  }

  futures(name: string): { symbol: string; expiry: IsoDay }[] {
    return (this.byName.get(name)?.futures ?? []).map((f) => ({ symbol: f.symbol, expiry: f.expiry }));
  }

  /** Every listed option of an expiry with its market state (what fno/chain.ts computes from). */
  optionStates(name: string, expiry: IsoDay): ContractState[] {
    const u = this.byName.get(name);
    const list = u?.options.get(expiry) ?? [];
    // quotes are made when read (and before each trade), at the underlying's last round: the market's bid/ask then
    if (u && Number.isFinite(u.lastRound) && expiryCloseMs(expiry) > u.lastRound) for (const c of list) this.quote(u, c, u.lastRound);
    return list.map((c) => ({
      symbol: c.symbol,
      right: c.kind as 'CE' | 'PE',
      strikePaise: c.strikePaise,
      lastPaise: c.last,
      prevClosePaise: c.prevClose,
      volume: c.volume,
      oi: c.oi,
      oiDayStart: c.oiDayStart,
      bidPaise: c.bid,
      askPaise: c.ask,
    }));
  }
}
