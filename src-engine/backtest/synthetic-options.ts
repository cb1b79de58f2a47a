/**
 * Synthetic option prices for backtests (issue 14). There is no option history to buy here, so a backtest
 * that trades options on an index derives their candles from the INDEX's history with the same model the
 * built-in simulator and the Kite simulator quote options by (fno/black76.ts, fno/sim-model.ts):
 *
 *   price = Black-76(F = S·e^(rT), K, T, σ = smileVol(atmVol, K, F) or atmVol, r)
 *
 * with S the underlying bar's price, T the IST calendar time (365-day years) to 15:30 of the expiry day
 * (fno/expiries.ts yearsToExpiry), at least one minute while the contract trades, as in the simulators;
 * at and after 15:30 of the expiry day the price is the intrinsic value, which is also what the engine's
 * expiry settlement (runtime/fno-settlement.ts) books an open position at. Prices are rounded to the
 * option tick (₹0.05) and never below one tick.
 *
 * One option candle per underlying candle: open = model(open of S, bar start), close = model(close of S,
 * bar end), high / low = the extremes of open, close and the model at S's high and low at the bar end. The
 * volume is a nominal 4 lots a bar (synthetic; the paper fill model does not read it).
 *
 * Which contracts are quoted: at every underlying bar, the `expiries` nearest expiries of the cycle (weekly
 * or monthly, on the real expiry calendar, below) with the strikes within `strikes` steps of the money at the
 * bar's close; a contract once quoted stays quoted until its expiry while within `strikes + keepStrikes`
 * steps of the money (a position in one that drifted further keeps its last mark and still settles at
 * expiry). The strategy reaches them through the profile's `fno:` section (runtime/fno-plan.ts), which
 * resolves ATM / ITM / OTM against these contracts and re-resolves as the index moves — so the window is
 * widened to cover the profile's `steps + reResolveStrikes`.
 *
 * Expiry calendar (fno/expiries.ts knows only today's rule): NIFTY expired on THURSDAY until 28 Aug 2025 and
 * on TUESDAY from 2 Sep 2025 (SEBI circular of 26 May 2025; NSE circular FAOP70616 of 11 Jun 2025); a holiday
 * moves an expiry to the previous trading day (the NSE calendar, holidays where core/nse-calendar.ts has
 * them). Other underlyings use today's weekday (a warning says so for earlier data).
 * Symbols are Kite's weekly form (`NIFTY22N2418300CE`), which carries the date, also for a month's last
 * expiry, so the contract's expiry reads back from its symbol under any weekday rule.
 */
import { z } from 'zod';
import type { Instrument } from '../contract/schemas.js';
import { dayNumber, istDay, isoDayOf, nseCalendar, type IsoDay } from '../core/nse-calendar.js';
import { snapToTick } from '../core/prices.js';
import { black76Price, forwardOf, smileVol, type OptionRight } from '../fno/black76.js';
import { expiryCloseMs, fnoSymbol, weekdayOf, YEAR_MS } from '../fno/expiries.js';
import { CARRY_RATE, INDEX_VOL } from '../fno/sim-model.js';
import { INDEX_FNO, type IndexFnoSpec } from '../fno/specs.js';
import type { Candle, CandleSeries } from '../kite-sim/csv-replay.js';
import { fnoContractOf } from '../portfolio/fno-margin.js';
import type { RunProfile } from '../runtime/config.js';
import type { InstrumentOverride } from '../runtime/replay-feed.js';
import type { BacktestData } from './data.js';

/** The `backtest.options:` section. */
export const syntheticOptionsSchema = z.strictObject({
  /** The index's F&O name (NIFTY, BANKNIFTY, …; fno/specs.ts). */
  underlying: z.string().regex(/^[A-Z][A-Z0-9&-]{0,19}$/, 'an index F&O name in capitals (NIFTY, BANKNIFTY)'),
  /** The data series that is the underlying (default the index's tradingsymbol, NIFTY 50). */
  series: z.string().min(1).optional(),
  /** Strikes quoted each side of the money (0 = the ATM strike only); widened to the profile's fno.options needs. */
  strikes: z.number().int().min(0).max(30).default(2),
  /** Further strikes a quoted contract stays quoted for as the index moves away. */
  keepStrikes: z.number().int().min(0).max(50).default(4),
  right: z.enum(['CE', 'PE', 'both']).default('both'),
  /** Expiry cycle (default weekly where the index lists weeklies, else monthly) and how many of the nearest. */
  cycle: z.enum(['weekly', 'monthly']).optional(),
  expiries: z.number().int().min(1).max(3).default(1),
  /** Units per lot (default: the lot of that date for NIFTY, below; today's fno/specs.ts lot otherwise). */
  lotSize: z.number().int().positive().max(100_000).optional(),
  model: z
    .strictObject({
      /** At-the-money volatility (default the simulators' INDEX_VOL). */
      vol: z.number().positive().max(5).default(INDEX_VOL),
      /** The simulators' smile (fno/black76.ts smileVol) or a flat volatility. */
      smile: z.boolean().default(true),
      /** Carry and discount rate (default the simulators' CARRY_RATE). */
      rate: z.number().min(0).max(1).default(CARRY_RATE),
    })
    .default({ vol: INDEX_VOL, smile: true, rate: CARRY_RATE }),
});
export type SyntheticOptionsSection = z.output<typeof syntheticOptionsSchema>;

export class SyntheticOptionsError extends Error {
  override name = 'SyntheticOptionsError';
}

/** What the report states about the synthetic prices. */
export interface SyntheticOptionsInfo {
  synthetic: true;
  statement: string;
  underlying: string;
  series: string;
  model: { name: 'Black-76'; vol: number; smile: string | false; rate: number; forward: string; time: string; atExpiry: string; tick: string };
  cycle: 'weekly' | 'monthly';
  expiries: number;
  strikes: number;
  keepStrikes: number;
  strikeStepPaise: number;
  lotSize: string;
  calendar: string;
  /** Every synthetic contract quoted. */
  contracts: string[];
}

/** Kept for the synthetic contracts' declared instrument facts (ReplayFeed instrumentOverrides). */
export type SyntheticInstrument = Required<Pick<Instrument, 'exchange' | 'kind' | 'underlying' | 'expiry' | 'strikePaise' | 'tickSizePaise' | 'lotSize'>>;

export interface SyntheticOptions {
  /** The contracts' series, and the underlying's again under the index's tradingsymbol when the data names it otherwise. */
  series: CandleSeries[];
  /** What the replay declares of each added series (InstrumentOverride): the contracts' facts; tick and lot for the alias. */
  instruments: Map<string, InstrumentOverride>;
  warnings: string[];
  info: SyntheticOptionsInfo;
}

const TUESDAY_FROM: IsoDay = '2025-09-01';

/** NIFTY's expiry weekday for an expiry on or about `day`: Thursday before 2025-09-01, Tuesday after (see the file comment). */
export function expiryWeekday(spec: IndexFnoSpec, day: IsoDay): number {
  if (spec.name === 'NIFTY') return day < TUESDAY_FROM ? 4 : 2;
  return spec.weekday;
}

/**
 * NIFTY's lot by expiry date: 75 → 50 from the July 2021 contracts (NSE/FAOP/47854, 31 Mar 2021); 50 → 25 from
 * the contracts expiring 2 May 2024 (NSE, Apr 2024); 25 → 75 with SEBI's ₹15 lakh minimum contract value
 * (circular of 1 Oct 2024, new contracts from 20 Nov 2024; taken here from the December 2024 expiries); 75 → 65
 * from 2026 (NSE, Oct 2025: the old lot until the 30 Dec 2025 expiry). Approximate at the boundaries.
 */
export function niftyLotOn(expiry: IsoDay): number {
  if (expiry < '2021-07-01') return 75;
  if (expiry < '2024-05-01') return 50;
  if (expiry < '2024-12-01') return 25;
  if (expiry < '2026-01-01') return 75;
  return 65;
}

/** The `count` nearest expiries of `cycle` live at `t` (each: its rule weekday, holiday-adjusted). */
export function syntheticExpiries(spec: IndexFnoSpec, cycle: 'weekly' | 'monthly', t: number, count: number): IsoDay[] {
  const out: IsoDay[] = [];
  const start = dayNumber(istDay(t)) - 7;
  for (let n = start; out.length < count && n < start + 800; n++) {
    const d = isoDayOf(n);
    if (weekdayOf(d) !== expiryWeekday(spec, d)) continue;
    if (cycle === 'monthly' && isoDayOf(n + 7).slice(0, 7) === d.slice(0, 7)) continue; // not the month's last
    const e = nseCalendar.isTradingDay(d) ? d : nseCalendar.previousTradingDay(d);
    if (expiryCloseMs(e) > t && !out.includes(e)) out.push(e);
  }
  return out;
}

/**
 * The model's price (paise, unsnapped) of an option at `now` with the underlying at `spotPaise`: Black-76 on
 * the carry forward with at least one minute to expiry while it trades; the intrinsic value from 15:30 of the
 * expiry day.
 */
export function syntheticOptionPaise(m: SyntheticOptionsSection['model'], right: OptionRight, strikePaise: number, expiry: IsoDay, spotPaise: number, now: number): number {
  const left = expiryCloseMs(expiry) - now;
  if (left <= 0) return Math.max(0, right === 'CE' ? spotPaise - strikePaise : strikePaise - spotPaise);
  const t = Math.max(60_000, left) / YEAR_MS;
  const f = forwardOf(spotPaise, m.rate, t);
  return black76Price({ forward: f, strike: strikePaise, t, vol: m.smile ? smileVol(m.vol, strikePaise, f) : m.vol, rate: m.rate, right });
}

/** Snapped to the option tick, at least one tick (what a quote can show). */
const quote = (paise: number, tick: number): number => Math.max(tick, snapToTick(paise, tick));

interface Live {
  symbol: string;
  right: OptionRight;
  strikePaise: number;
  expiry: IsoDay;
  candles: Candle[];
}

/**
 * Derives the option series of `section` from `data` (the underlying's series must be in it). `profile` widens
 * the strike window to what its `fno.options` can resolve to. Throws SyntheticOptionsError naming the field.
 */
export function syntheticOptions(data: BacktestData, section: SyntheticOptionsSection, profile?: RunProfile): SyntheticOptions {
  const spec = INDEX_FNO[section.underlying];
  if (!spec) throw new SyntheticOptionsError(`backtest.options.underlying: ${section.underlying} is not an index with F&O here (${Object.keys(INDEX_FNO).join(', ')})`);
  const seriesSymbol = section.series ?? spec.index;
  const u = data.series.find((s) => s.symbol === seriesSymbol);
  if (!u) throw new SyntheticOptionsError(`backtest.options.series: no data series "${seriesSymbol}" (the underlying's history; name it with backtest.data[].symbol or backtest.options.series; data has ${data.series.map((s) => s.symbol).join(', ')})`);
  const cycle = section.cycle ?? (spec.weekly ? 'weekly' : 'monthly');
  const warnings: string[] = [];
  const fnoOpt = profile?.fno?.underlyings.includes(section.underlying) ? profile.fno.options : undefined;
  const window = Math.max(section.strikes, fnoOpt ? fnoOpt.steps + fnoOpt.reResolveStrikes : 0);
  if (window > section.strikes) warnings.push(`backtest.options.strikes: ${section.strikes} widened to ${window} (the profile's fno.options steps ${fnoOpt!.steps} + reResolveStrikes ${fnoOpt!.reResolveStrikes})`);
  const keep = window + section.keepStrikes;
  const step = spec.strikeStepPaise;
  const tick = spec.optTickPaise;
  const rights: OptionRight[] = section.right === 'both' ? ['CE', 'PE'] : [section.right];
  const m = section.model;
  if (spec.name !== 'NIFTY' && u.candles[0]!.start < expiryCloseMs(TUESDAY_FROM)) warnings.push(`backtest.options: ${spec.name}'s expiries before ${TUESDAY_FROM} are placed on today's weekday (only NIFTY's earlier Thursday rule is known here)`);
  const lotOf = (expiry: IsoDay): number => section.lotSize ?? (spec.name === 'NIFTY' ? niftyLotOn(expiry) : spec.lot);

  const live = new Map<string, Live>();
  const done: Live[] = [];
  let expiriesAt: { day: IsoDay; list: IsoDay[] } | undefined;
  for (const b of u.candles) {
    const day = istDay(b.start);
    if (expiriesAt?.day !== day || expiriesAt.list.some((e) => expiryCloseMs(e) <= b.start)) expiriesAt = { day, list: syntheticExpiries(spec, cycle, b.start, section.expiries) };
    const expiries = expiriesAt.list;
    const atm = Math.round(b.closePaise / step) * step;
    // retire contracts expired or drifted beyond the keep window
    for (const [sym, c] of live) {
      if (expiryCloseMs(c.expiry) <= b.start || Math.abs(c.strikePaise - atm) > keep * step) {
        live.delete(sym);
        done.push(c);
      }
    }
    for (const expiry of expiries) {
      for (let k = -window; k <= window; k++) {
        const strike = atm + k * step;
        if (strike <= 0) continue;
        for (const right of rights) {
          const symbol = fnoSymbol(spec.name, expiry, right, strike, false);
          if (!live.has(symbol)) live.set(symbol, { symbol, right, strikePaise: strike, expiry, candles: [] });
        }
      }
    }
    for (const c of live.values()) {
      const o = quote(syntheticOptionPaise(m, c.right, c.strikePaise, c.expiry, b.openPaise, b.start), tick);
      const cl = quote(syntheticOptionPaise(m, c.right, c.strikePaise, c.expiry, b.closePaise, b.end), tick);
      const atHigh = quote(syntheticOptionPaise(m, c.right, c.strikePaise, c.expiry, b.highPaise, b.end), tick);
      const atLow = quote(syntheticOptionPaise(m, c.right, c.strikePaise, c.expiry, b.lowPaise, b.end), tick);
      c.candles.push({ start: b.start, end: b.end, openPaise: o, highPaise: Math.max(o, cl, atHigh, atLow), lowPaise: Math.min(o, cl, atHigh, atLow), closePaise: cl, volume: 4 * lotOf(c.expiry), line: b.line });
    }
  }
  done.push(...live.values());

  // one series per symbol (a contract quoted, dropped and quoted again has two stretches)
  const bySymbol = new Map<string, Live>();
  for (const c of done) {
    if (c.candles.length === 0) continue;
    const e = bySymbol.get(c.symbol);
    if (e) e.candles.push(...c.candles);
    else bySymbol.set(c.symbol, { ...c, candles: [...c.candles] });
  }
  const series: CandleSeries[] = [];
  const instruments = new Map<string, InstrumentOverride>();
  const contracts: string[] = [];
  // the fno: plan routes from, and the expiry settlement reads, the index's own symbol (NIFTY 50): a
  // differently named underlying (the vendor files' NIFTY) is replayed under that name too
  if (seriesSymbol !== spec.index && !data.series.some((s) => s.symbol === spec.index)) {
    series.push({ ...u, symbol: spec.index, file: `${u.file} (as ${spec.index})` });
    instruments.set(spec.index, { tickSizePaise: 5, lotSize: 1 });
    warnings.push(`backtest.options: ${seriesSymbol}'s bars are also replayed as ${spec.index}, the symbol the fno: plan and the expiry settlement read`);
  }
  for (const c of [...bySymbol.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))) {
    // the engine's margin and expiry settlement read the contract from its symbol (portfolio/fno-margin.ts)
    const back = fnoContractOf(c.symbol);
    if (!back || back.expiry !== c.expiry || back.strikePaise !== c.strikePaise) throw new SyntheticOptionsError(`backtest.options.underlying: ${spec.name}'s weekly-form symbol ${c.symbol} is not read back by the engine as its contract (expiry ${c.expiry}); only underlyings with weekly options (${Object.values(INDEX_FNO).filter((x) => x.weekly).map((x) => x.name).join(', ')}) are supported`);
    c.candles.sort((a, b) => a.start - b.start);
    series.push({ symbol: c.symbol, file: `synthetic:${c.symbol}`, interval: u.interval, candles: c.candles });
    const inst: SyntheticInstrument = { exchange: spec.exchange, kind: c.right, underlying: spec.name, expiry: c.expiry, strikePaise: c.strikePaise, tickSizePaise: tick, lotSize: lotOf(c.expiry) };
    instruments.set(c.symbol, inst);
    contracts.push(c.symbol);
  }
  if (contracts.length === 0) throw new SyntheticOptionsError(`backtest.options: no option contract could be quoted from ${seriesSymbol}'s ${u.candles.length} bars`);
  const lots = [...new Set(contracts.map((c) => instruments.get(c)!.lotSize))];
  const smile = m.smile ? `σ(K) = vol · min(3, 1 + 4x² − 0.5x), x = ln(K/F) (fno/black76.ts smileVol)` : false;
  const statement =
    `Option prices are SYNTHETIC, not market data: ${section.underlying} options derived from ${seriesSymbol}'s history with Black-76 ` +
    `(at-the-money vol ${m.vol}${m.smile ? ' with the simulators’ smile' : ', flat'}, rate ${m.rate}), the model the built-in simulator quotes by.`;
  warnings.push(statement);
  return {
    series,
    instruments,
    warnings,
    info: {
      synthetic: true,
      statement,
      underlying: section.underlying,
      series: seriesSymbol,
      model: {
        name: 'Black-76',
        vol: m.vol,
        smile,
        rate: m.rate,
        forward: 'F = S · e^(rate · T), S the underlying bar price',
        time: 'T = IST calendar time to 15:30 of the expiry day / 365 days, at least 1 minute while trading',
        atExpiry: 'intrinsic value from 15:30 of the expiry day (the settlement price)',
        tick: `rounded to ₹${(tick / 100).toFixed(2)}, at least one tick`,
      },
      cycle,
      expiries: section.expiries,
      strikes: window,
      keepStrikes: section.keepStrikes,
      strikeStepPaise: step,
      lotSize: section.lotSize !== undefined ? `${section.lotSize} (configured)` : spec.name === 'NIFTY' ? `${lots.join(', ')} (NIFTY's lot of each expiry's date)` : `${spec.lot} (today's, fno/specs.ts)`,
      calendar: spec.name === 'NIFTY' ? 'NIFTY expiries: Thursday until 2025-08-28, Tuesday from 2025-09-02, holidays to the previous trading day' : `${spec.name} expiries on today's weekday (${spec.weekday}), holidays to the previous trading day`,
      contracts,
    },
  };
}
