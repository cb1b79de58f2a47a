/**
 * The pre-market step the kernel runs once per trading day, before the 09:00 IST pre-open:
 * pool (config) → scan (daily candles before the day) → universe (min price on the previous
 * close, include/exclude, soft cap by scan rank) → journal rows. Pure: the kernel fetches the
 * candles and writes the journal.
 */
import type { IsoDay } from '../core/nse-calendar.js';
import type { Bar } from '../indicators/indicator.js';
import type { InstrumentMaster } from '../model/instrument-master.js';
import { type Universe, type UniverseConfig, buildUniverse, parseUniverseConfig, universePool } from '../market/universe.js';
import { type ScanOptions, type ScanResult, type UniverseJournalEntry, journalEntries, scanUniverse } from './scanner.js';

export interface PreMarketPlan {
  readonly asOf: IsoDay;
  readonly scan: ScanResult;
  readonly universe: Universe;
  /** What to pass to UniverseJournal.recordUniverse(asOf, …). */
  readonly journal: readonly UniverseJournalEntry[];
}

/**
 * The symbols whose daily candles the kernel must fetch for a config (seed ∪ include − exclude).
 * With a master, user-named symbols are checked first (UniverseError for unknown ones).
 */
export function candlesNeeded(config: UniverseConfig, master?: InstrumentMaster): string[] {
  const cfg = parseUniverseConfig(config);
  if (master) buildUniverse({ ...cfg, minPricePaise: 0 }, master);
  return universePool(cfg);
}

/**
 * Scans the pool of `config` on `dailyCandles` (bars dated before scanOpts.asOf only) and builds
 * the day's universe from the previous closes and the scan's ranking. Symbols the scan skipped
 * (stale, short or bad data; also no data at all when a master vouched for the symbol) count as
 * "known, unpriced": dropped by a min-price filter, kept if included. Without a master, a
 * user-named symbol with no candles is unknown (UniverseError).
 */
export function planPreMarket(
  config: UniverseConfig,
  dailyCandles: ReadonlyMap<string, readonly Bar[]>,
  scanOpts: Omit<ScanOptions, 'topN'>,
  master?: InstrumentMaster,
): PreMarketPlan {
  const cfg = parseUniverseConfig(config);
  const pool = candlesNeeded(cfg, master);
  const scan = scanUniverse(pool, dailyCandles, { ...scanOpts, topN: cfg.softCap });
  // Skipped symbols are "known, unpriced" — except, without a master to vouch for them, those
  // with no candles at all, which stay unknown (so a misspelt include/custom symbol is an error).
  const prices = new Map<string, number>(scan.skipped.filter((s) => master || s.reason !== 'no-data').map((s) => [s.symbol, 0]));
  for (const e of scan.entries) prices.set(e.symbol, e.lastClosePaise);
  // Excluding a symbol outside the pool is harmless here (the master, if any, vouched for it).
  for (const s of cfg.exclude ?? []) if (!prices.has(s)) prices.set(s, 0);
  const universe = buildUniverse(cfg, prices, { rank: scan.entries.map((e) => e.symbol) });
  return Object.freeze({ asOf: scan.asOf, scan, universe, journal: Object.freeze(journalEntries(scan, universe.symbols)) });
}
