import { DeferredWrites } from './deferred-writes.js';
import type Database from 'better-sqlite3';
import type { LogFn } from '../contract/rpc-server.js';
import type { TradingDay } from '../core/trading-day.js';
import { istDay } from '../core/nse-calendar.js';

/**
 * Journal retention: what the engine derives from market data — signals, the ensemble's intents and
 * the pre-market universe scans — is kept for `retentionDays` IST days and then deleted, so the
 * database does not grow without bound. Orders, order events, fills and risk decisions are records
 * of money and are never deleted (their tables stay append-only; nothing here touches them).
 *
 * The cutoff is 00:00 IST of (the trading day's date − retentionDays): rows strictly before it go.
 * It is written to `meta` first; the delete triggers of migration 5 refuse to delete any row at or
 * after the recorded cutoff, so the journals stay append-only for everything retention keeps.
 * Runs at engine start and on every day roll of the trading-day service.
 */

export const RETENTION_CUTOFF_KEY = 'journal.retentionCutoffMs';
/** Rows deleted per statement (short write locks beside a running engine). */
const BATCH = 5000;
const DAY_MS = 86_400_000;

export interface RetentionResult {
  /** Rows before this (epoch ms, 00:00 IST) were deleted. */
  cutoffMs: number;
  signals: number;
  intents: number;
  universeScans: number;
}

/** Deletes signals, intents and universe scans older than `cutoffMs` (00:00 IST of a day); never orders, fills or risk decisions. */
export function pruneJournal(db: Database.Database, cutoffMs: number): RetentionResult {
  if (!Number.isFinite(cutoffMs)) throw new RangeError(`pruneJournal: cutoff must be finite, got ${String(cutoffMs)}`);
  const cutoffDay = istDay(cutoffMs);
  DeferredWrites.of(db).flush(); // the turn's rows still waiting for their group commit go in first
  const setCutoff = db.prepare<[string, string]>('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  const getCutoff = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const delSignals = db.prepare<[number, number]>('DELETE FROM signals WHERE id IN (SELECT id FROM signals WHERE ts < ? ORDER BY ts LIMIT ?)');
  const delIntents = db.prepare<[number, number]>('DELETE FROM intents WHERE id IN (SELECT id FROM intents WHERE ts_event < ? ORDER BY ts_event LIMIT ?)');
  const delScans = db.prepare<[string]>('DELETE FROM universe_scans WHERE date_ist < ?');
  // the cutoff never moves backwards: a clock behind an earlier run deletes nothing new
  const prev = Number(getCutoff.get(RETENTION_CUTOFF_KEY)?.value ?? Number.NaN);
  if (!(Number.isFinite(prev) && prev > cutoffMs)) setCutoff.run(RETENTION_CUTOFF_KEY, String(cutoffMs));
  const drain = (stmt: Database.Statement<[number, number]>): number => {
    let n = 0;
    for (;;) {
      const c = db.transaction(() => stmt.run(cutoffMs, BATCH).changes).immediate();
      n += c;
      if (c < BATCH) return n;
    }
  };
  const signals = drain(delSignals);
  const intents = drain(delIntents);
  const universeScans = db.transaction(() => delScans.run(cutoffDay).changes).immediate();
  return { cutoffMs, signals, intents, universeScans };
}

/** 00:00 IST of the day `retentionDays` before the trading day that starts at `todayStartMs`. */
export const retentionCutoff = (todayStartMs: number, retentionDays: number): number => todayStartMs - retentionDays * DAY_MS;

export interface JournalRetentionOptions {
  db: Database.Database;
  /** The engine's trading day (feed clock): today's date and the daily roll. */
  tradingDay: TradingDay;
  /** IST days of signals, intents and scans to keep before today; 0 = keep everything (retention off). */
  retentionDays: number;
  log?: LogFn;
}

/** Retention at start and on each day roll. */
export class JournalRetention {
  private readonly unsubscribe: (() => void) | undefined;
  /** What the last run deleted (undefined before the first, or with retention off). */
  last: RetentionResult | undefined;

  constructor(private readonly opts: JournalRetentionOptions) {
    if (!Number.isInteger(opts.retentionDays) || opts.retentionDays < 0) throw new RangeError(`retentionDays must be a whole number ≥ 0, got ${opts.retentionDays}`);
    if (opts.retentionDays === 0) return;
    this.run(opts.tradingDay.todayStartMs());
    this.unsubscribe = opts.tradingDay.onRoll((roll) => this.run(roll.startMs));
  }

  /** Prunes relative to the trading day starting at `todayStartMs`; failures are logged, never thrown. */
  run(todayStartMs: number): RetentionResult | undefined {
    try {
      const r = pruneJournal(this.opts.db, retentionCutoff(todayStartMs, this.opts.retentionDays));
      this.last = r;
      this.opts.log?.('info', 'journal retention', { keepDays: this.opts.retentionDays, before: istDay(r.cutoffMs), signals: r.signals, intents: r.intents, universeScans: r.universeScans });
      return r;
    } catch (e) {
      this.opts.log?.('error', 'journal retention failed', { error: (e as Error).message });
      return undefined;
    }
  }

  stop(): void {
    this.unsubscribe?.();
  }
}
