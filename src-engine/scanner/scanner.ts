/**
 * The pre-market scanner: ranks a set of NSE equities on their daily candles up to (not including)
 * the day being planned, and picks the day's universe (the top N). Pure and deterministic: the
 * same candles, symbols and options give the same ranking, whatever extra history is passed
 * (only the last `historyBars` bars before `asOf` are read).
 *
 * Three factors, each turned into a normalised rank in [0, 1] across the scanned symbols (ties get
 * their average rank), so no factor dominates because of its units:
 *  - volatility: ATR% = ATR(atrPeriod) / last close × 100 — bigger intraday ranges relative to price;
 *  - liquidity : average traded value = mean(volume × close) over the last `valueLookback` bars;
 *  - trend     : ADX(adxPeriod), trend strength whatever the direction (0–100). The direction is
 *                reported separately (`direction`: close above/below SMA(smaPeriod)) and not scored.
 * score = Σ weight·rank / Σ weight. Sorted by score (desc); equal scores keep the order of the
 * `symbols` argument.
 *
 * No look-ahead: a bar is used only if its IST date is before `asOf` (daily Kite candles are
 * stamped 00:00 IST of their date; intraday bars of `asOf` are excluded too). Every entry reports
 * its last bar's date (`lastBarDay`) so callers can check.
 */
import type { IsoDay } from '../core/nse-calendar.js';
import { istDay, nseCalendar } from '../core/nse-calendar.js';
import type { Bar } from '../indicators/indicator.js';
import { createIndicator } from '../indicators/registry.js';

export interface ScanWeights {
  volatility: number;
  liquidity: number;
  trend: number;
}

export interface ScanOptions {
  /** The trading day being planned (IST, YYYY-MM-DD); only bars dated before it are used. */
  asOf: IsoDay;
  /** Unit of the bars' prices: 'paise' (the engine's) or 'rupees' (Kite's historical API, CSVs). Default 'paise'. */
  barUnit?: 'paise' | 'rupees';
  /** Factor weights (non-negative, not all 0). Default 1 each. */
  weights?: Partial<ScanWeights>;
  /** Size of the day's universe (the top N by score). Default 20. */
  topN?: number;
  /** Default 14. */
  atrPeriod?: number;
  /** Default 14. */
  adxPeriod?: number;
  /** SMA period for `direction`. Default 50. */
  smaPeriod?: number;
  /** Bars averaged for the traded value. Default 20. */
  valueLookback?: number;
  /** Bars (the most recent before asOf) fed to the indicators. Default 250 (about a year). */
  historyBars?: number;
  /** A symbol whose last bar is more than this many trading days short of asOf's previous trading day is skipped ('stale'). Default 3. */
  maxMissingDays?: number;
}

export interface ScanEntry {
  readonly symbol: string;
  /** 1 = best. */
  readonly rank: number;
  /** Weighted mean of the factor ranks, in [0, 1]. */
  readonly score: number;
  /** ATR / last close × 100. */
  readonly atrPct: number;
  /** Mean daily traded value (volume × close), integer paise. */
  readonly avgValuePaise: number;
  /** ADX (0–100). */
  readonly trend: number;
  /** +1 last close above SMA(smaPeriod), −1 below, 0 equal. */
  readonly direction: 1 | -1 | 0;
  /** Normalised factor ranks in [0, 1] (1 = most volatile / liquid / trending). */
  readonly ranks: Readonly<ScanWeights>;
  /** Last close before asOf, integer paise. */
  readonly lastClosePaise: number;
  /** IST date of the last bar used (always before asOf). */
  readonly lastBarDay: IsoDay;
  /** Bars fed to the indicators. */
  readonly barsUsed: number;
}

export type SkipReason = 'no-data' | 'insufficient-history' | 'stale' | 'bad-data';

export interface SkippedSymbol {
  readonly symbol: string;
  readonly reason: SkipReason;
  readonly detail: string;
}

export interface ScanResult {
  readonly asOf: IsoDay;
  /** All scored symbols, best first. */
  readonly entries: readonly ScanEntry[];
  /** The day's universe: the symbols of the first topN entries. */
  readonly universe: readonly string[];
  /** Symbols that could not be scored, in `symbols` order. */
  readonly skipped: readonly SkippedSymbol[];
  /** Weights used (defaults filled in). */
  readonly weights: Readonly<ScanWeights>;
}

/** What the kernel records for the day (one row per scanned symbol, SQLite later). */
export interface UniverseJournalEntry extends ScanEntry {
  /** In the day's universe. */
  readonly selected: boolean;
}

/** Implemented by the kernel with SQLite; recording the same day again replaces that day. */
export interface UniverseJournal {
  recordUniverse(dateIst: IsoDay, entries: readonly UniverseJournalEntry[]): void | Promise<void>;
}

/** In-memory UniverseJournal for tests and the simulator. */
export class MemoryUniverseJournal implements UniverseJournal {
  private readonly days = new Map<IsoDay, readonly UniverseJournalEntry[]>();

  recordUniverse(dateIst: IsoDay, entries: readonly UniverseJournalEntry[]): void {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(dateIst)) throw new RangeError(`recordUniverse: bad IST date ${JSON.stringify(dateIst)}`);
    this.days.set(dateIst, Object.freeze(entries.map((e) => Object.freeze({ ...e, ranks: Object.freeze({ ...e.ranks }) }))));
  }

  get(dateIst: IsoDay): readonly UniverseJournalEntry[] | undefined {
    return this.days.get(dateIst);
  }

  /** Recorded dates, ascending. */
  dates(): IsoDay[] {
    return [...this.days.keys()].sort();
  }
}

/**
 * Journal rows for a scan: every entry, `selected` when in `universe` (the scan's own top N unless
 * the final universe — e.g. buildUniverse with include/exclude applied — is given).
 */
export function journalEntries(scan: ScanResult, universe: readonly string[] = scan.universe): UniverseJournalEntry[] {
  const sel = new Set(universe);
  return scan.entries.map((e) => ({ ...e, selected: sel.has(e.symbol) }));
}

/** Last close before asOf of each scored symbol, in paise — a price source for buildUniverse. */
export function closesFromScan(scan: ScanResult): Map<string, number> {
  return new Map(scan.entries.map((e) => [e.symbol, e.lastClosePaise]));
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`scanUniverse: ${name} must be an integer ≥ 1, got ${v}`);
  return v;
}

interface Raw {
  symbol: string;
  order: number;
  atrPct: number;
  avgValuePaise: number;
  trend: number;
  direction: 1 | -1 | 0;
  lastClosePaise: number;
  lastBarDay: IsoDay;
  barsUsed: number;
}

/** Ranks `symbols` on their daily candles before opts.asOf; see the module comment. */
export function scanUniverse(symbols: readonly string[], dailyCandles: ReadonlyMap<string, readonly Bar[]>, opts: ScanOptions): ScanResult {
  const { asOf } = opts;
  if (!DAY_RE.test(asOf)) throw new RangeError(`scanUniverse: asOf must be YYYY-MM-DD, got ${JSON.stringify(asOf)}`);
  const scale = (opts.barUnit ?? 'paise') === 'rupees' ? 100 : 1;
  const atrPeriod = positiveInt('atrPeriod', opts.atrPeriod ?? 14);
  const adxPeriod = positiveInt('adxPeriod', opts.adxPeriod ?? 14);
  const smaPeriod = positiveInt('smaPeriod', opts.smaPeriod ?? 50);
  const valueLookback = positiveInt('valueLookback', opts.valueLookback ?? 20);
  const topN = positiveInt('topN', opts.topN ?? 20);
  const maxMissing = opts.maxMissingDays ?? 3;
  if (!Number.isSafeInteger(maxMissing) || maxMissing < 0) throw new RangeError(`scanUniverse: maxMissingDays must be an integer ≥ 0, got ${maxMissing}`);
  const minBars = Math.max(atrPeriod + 1, 2 * adxPeriod, smaPeriod, valueLookback);
  const historyBars = positiveInt('historyBars', opts.historyBars ?? Math.max(250, minBars));
  if (historyBars < minBars) throw new RangeError(`scanUniverse: historyBars ${historyBars} is less than the ${minBars} bars the indicators need`);
  const weights: ScanWeights = { volatility: 1, liquidity: 1, trend: 1, ...opts.weights };
  for (const [k, w] of Object.entries(weights)) {
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`scanUniverse: weight ${k} must be a finite number ≥ 0, got ${w}`);
  }
  const wSum = weights.volatility + weights.liquidity + weights.trend;
  if (wSum <= 0) throw new RangeError('scanUniverse: at least one weight must be positive');
  const expectedLast = nseCalendar.previousTradingDay(asOf);

  const raws: Raw[] = [];
  const skipped: SkippedSymbol[] = [];
  const seen = new Set<string>();
  symbols.forEach((symbol, order) => {
    if (seen.has(symbol)) throw new RangeError(`scanUniverse: symbol ${symbol} listed twice`);
    seen.add(symbol);
    const skip = (reason: SkipReason, detail: string): void => {
      skipped.push({ symbol, reason, detail });
    };
    const all = dailyCandles.get(symbol);
    if (!all || all.length === 0) return skip('no-data', 'no daily candles');
    // End = first bar dated asOf or later (bars must be in increasing time).
    let end = 0;
    while (end < all.length && istDay(all[end]!.t) < asOf) end++;
    if (end === 0) return skip('no-data', `no daily candle before ${asOf}`);
    const bars = all.slice(Math.max(0, end - historyBars), end);
    for (let i = 0; i < bars.length; i++) {
      const b = bars[i]!;
      if (i > 0 && !(b.t > bars[i - 1]!.t)) return skip('bad-data', `bars out of time order at ${istDay(b.t)}`);
      if (![b.o, b.h, b.l, b.c, b.v].every(Number.isFinite) || b.c <= 0 || b.v < 0) return skip('bad-data', `bad bar on ${istDay(b.t)}`);
    }
    const lastBarDay = istDay(bars[bars.length - 1]!.t);
    const missing = nseCalendar.tradingDaysBetween(lastBarDay, expectedLast);
    if (missing > maxMissing) return skip('stale', `last candle ${lastBarDay}, ${missing} trading day(s) before ${expectedLast}`);
    if (bars.length < minBars) return skip('insufficient-history', `${bars.length} bar(s) before ${asOf}, need ${minBars}`);

    const atr = createIndicator(`atr:${atrPeriod}`);
    const adx = createIndicator(`adx:${adxPeriod}`);
    const sma = createIndicator(`sma:${smaPeriod}`);
    for (const b of bars) {
      atr.update(b);
      adx.update(b);
      sma.update(b);
    }
    const last = bars[bars.length - 1]!;
    let value = 0;
    for (let i = bars.length - valueLookback; i < bars.length; i++) value += bars[i]!.v * bars[i]!.c;
    const atrPct = (atr.out[0]! / last.c) * 100;
    const trend = adx.out[0]!;
    const smaV = sma.out[0]!;
    if (![atrPct, trend, smaV].every(Number.isFinite)) return skip('bad-data', 'indicator undefined after warm-up');
    raws.push({
      symbol,
      order,
      atrPct,
      avgValuePaise: Math.round((value / valueLookback) * scale),
      trend,
      direction: last.c > smaV ? 1 : last.c < smaV ? -1 : 0,
      lastClosePaise: Math.round(last.c * scale),
      lastBarDay,
      barsUsed: bars.length,
    });
  });

  const vol = normalisedRanks(raws.map((r) => r.atrPct));
  const liq = normalisedRanks(raws.map((r) => r.avgValuePaise));
  const tr = normalisedRanks(raws.map((r) => r.trend));
  const scored = raws.map((r, i) => {
    const ranks = { volatility: vol[i]!, liquidity: liq[i]!, trend: tr[i]! };
    const score = (weights.volatility * ranks.volatility + weights.liquidity * ranks.liquidity + weights.trend * ranks.trend) / wSum;
    return { r, ranks, score };
  });
  // Scores within 1e-12 are equal (float noise must not decide between exact ties).
  scored.sort((a, b) => (Math.abs(b.score - a.score) > SCORE_EPS ? b.score - a.score : 0) || a.r.order - b.r.order);
  const entries: ScanEntry[] = scored.map(({ r, ranks, score }, i) =>
    Object.freeze({
      symbol: r.symbol,
      rank: i + 1,
      score,
      atrPct: r.atrPct,
      avgValuePaise: r.avgValuePaise,
      trend: r.trend,
      direction: r.direction,
      ranks: Object.freeze(ranks),
      lastClosePaise: r.lastClosePaise,
      lastBarDay: r.lastBarDay,
      barsUsed: r.barsUsed,
    }),
  );
  return Object.freeze({
    asOf,
    entries: Object.freeze(entries),
    universe: Object.freeze(entries.slice(0, topN).map((e) => e.symbol)),
    skipped: Object.freeze(skipped),
    weights: Object.freeze(weights),
  });
}

const SCORE_EPS = 1e-12;

/**
 * Ranks of `values` scaled to [0, 1]: 0 for the smallest, 1 for the largest; equal values share
 * their average rank; a single value gets 1. Order-independent. Values within a relative `relTol`
 * of the first (smallest) value of a run count as equal, so the same data in paise or in rupees
 * ranks the same (ATR% and ADX are unit-free but not bit-for-bit).
 */
export function normalisedRanks(values: readonly number[], relTol = 1e-9): number[] {
  const n = values.length;
  if (n === 0) return [];
  if (n === 1) return [1];
  const idx = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const out = new Array<number>(n);
  for (let i = 0; i < n; ) {
    let j = i;
    const first = values[idx[i]!]!;
    while (j + 1 < n && values[idx[j + 1]!]! - first <= relTol * Math.max(Math.abs(first), Math.abs(values[idx[j + 1]!]!))) j++;
    const avg = (i + j) / 2 / (n - 1);
    for (let k = i; k <= j; k++) out[idx[k]!] = avg;
    i = j + 1;
  }
  return out;
}
