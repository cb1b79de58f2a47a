/**
 * Kite historical candles (GET /instruments/historical/{token}/{interval}, kite-protocol.md §2.11) through
 * a local cache:
 * - a request is split by IST day; every day that is COMPLETE (its 15:30 close is at or before the
 *   request's end) is kept as a file `<dir>/<token>/<interval>/<YYYY-MM-DD>.json` (also empty days:
 *   holidays and weekends are not asked again), and read from there next time;
 * - the days still missing are fetched in as few requests as Kite's per-request date ranges allow
 *   (minute 60 days, 3–10 minute 100, 15/30 minute 200, 60 minute 400, day 2000);
 * - the source (KiteRest.historical) paces requests at Kite's 3 per second.
 * Every candle is checked before it is used or cached: a bad one is an error naming the instrument, the
 * interval and the candle (time and field).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IST_OFFSET_MS } from '../../core/ist.js';
import { istDay, istTime } from '../../core/nse-calendar.js';
import type { HistoricalInterval } from './rest-client.js';
import type { KiteCandle } from './rest-types.js';

/** Days per request Kite accepts, per interval (forum folklore, kite-protocol.md §2.11). */
export const MAX_DAYS_PER_REQUEST: Readonly<Record<HistoricalInterval, number>> = Object.freeze({
  minute: 60,
  '3minute': 100,
  '5minute': 100,
  '10minute': 100,
  '15minute': 200,
  '30minute': 200,
  '60minute': 400,
  day: 2000,
});

const DAY_MS = 86_400_000;

export interface HistoricalSource {
  historical(token: number, interval: HistoricalInterval, fromMs: number, toMs: number): Promise<KiteCandle[]>;
}

/** What went wrong with a candle, or null. */
export function candleProblem(c: KiteCandle): string | null {
  if (!Number.isSafeInteger(c.time) || c.time <= 0) return 'time is not a valid timestamp';
  for (const k of ['openPaise', 'highPaise', 'lowPaise', 'closePaise'] as const) {
    if (!Number.isSafeInteger(c[k]) || c[k] <= 0) return `${k.replace('Paise', '')} is not a positive price`;
  }
  if (c.highPaise < c.lowPaise) return 'high is below low';
  if (c.openPaise > c.highPaise || c.openPaise < c.lowPaise || c.closePaise > c.highPaise || c.closePaise < c.lowPaise) return 'open or close outside [low, high]';
  if (!Number.isSafeInteger(c.volume) || c.volume < 0) return 'volume is not a non-negative integer';
  return null;
}

export class HistoricalDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoricalDataError';
  }
}

function checkCandles(list: readonly KiteCandle[], what: string): void {
  let prev = -Infinity;
  for (const [i, c] of list.entries()) {
    const p = candleProblem(c) ?? (c.time <= prev ? 'time is not after the previous candle' : null);
    if (p) {
      const at = Number.isFinite(c.time) && c.time > 0 ? new Date(c.time + IST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ') + ' IST' : `row ${i}`;
      throw new HistoricalDataError(`${what}: candle ${i + 1} (${at}): ${p}`);
    }
    prev = c.time;
  }
}

export interface HistoricalCacheOptions {
  source: HistoricalSource;
  /** Cache directory; without one nothing is kept (every request goes to the source). */
  dir?: string;
  /** Names an instrument in errors (e.g. `NSE:INFY`); default the token. */
  name?: (token: number) => string;
}

export class HistoricalCache {
  /** Requests sent to the source (tests and logs). */
  requests = 0;
  constructor(private readonly o: HistoricalCacheOptions) {}

  /** Candles of [fromMs, toMs] (both inclusive, by candle start), oldest first. */
  async candles(token: number, interval: HistoricalInterval, fromMs: number, toMs: number): Promise<KiteCandle[]> {
    if (!(fromMs <= toMs)) throw new RangeError(`historical: from ${fromMs} is after to ${toMs}`);
    const what = `Kite historical ${this.o.name?.(token) ?? `token ${token}`} ${interval}`;
    const days: string[] = [];
    for (let d = istDay(fromMs); ; ) {
      days.push(d);
      if (d >= istDay(toMs)) break;
      d = istDay(istTime(d, '12:00') + DAY_MS);
    }
    const byDay = new Map<string, KiteCandle[]>();
    const missing: string[] = [];
    for (const d of days) {
      const cached = this.complete(d, toMs) ? this.read(token, interval, d) : undefined;
      if (cached) byDay.set(d, cached);
      else missing.push(d);
    }
    // contiguous runs of missing days, each cut to Kite's per-request range
    const max = MAX_DAYS_PER_REQUEST[interval];
    let i = 0;
    while (i < missing.length) {
      let j = i;
      while (j + 1 < missing.length && j + 1 - i < max && istTime(missing[j + 1]!, '00:00') - istTime(missing[j]!, '00:00') === DAY_MS) j++;
      const start = Math.max(fromMs, istTime(missing[i]!, '00:00'));
      const end = Math.min(toMs, istTime(missing[j]!, '00:00') + DAY_MS - 1000);
      this.requests++;
      const got = await this.o.source.historical(token, interval, start, end);
      checkCandles(got, what);
      const run = new Set(missing.slice(i, j + 1));
      for (const d of run) byDay.set(d, []);
      for (const c of got) {
        const d = istDay(c.time);
        if (run.has(d)) byDay.get(d)!.push(c);
      }
      // a day is kept only when this request covered all of it
      for (const d of run) if (this.complete(d, toMs) && start <= istTime(d, '00:00')) this.write(token, interval, d, byDay.get(d)!);
      i = j + 1;
    }
    const out: KiteCandle[] = [];
    for (const d of days) for (const c of byDay.get(d) ?? []) if (c.time >= fromMs && c.time <= toMs) out.push(c);
    return out;
  }

  /**
   * Daily candles of the `days` calendar days before `asOf` (IST date; its own candle excluded): one
   * request per instrument and planning day (Kite's 2,000-day range covers it), kept as
   * `<dir>/<token>/day/<asOf>.json` (a past day's history does not change; older files are replaced).
   */
  async dailyBefore(token: number, asOf: string, days: number): Promise<KiteCandle[]> {
    const file = this.o.dir !== undefined ? join(this.o.dir, String(token), 'day', `${asOf}.json`) : undefined;
    if (file !== undefined) {
      try {
        const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
        if (Array.isArray(v)) {
          checkCandles(v as KiteCandle[], 'cache');
          return v as KiteCandle[];
        }
      } catch {
        // missing or damaged: asked again
      }
    }
    const to = istTime(asOf, '00:00') - 1000;
    const from = istTime(asOf, '00:00') - Math.min(days, MAX_DAYS_PER_REQUEST.day) * DAY_MS;
    this.requests++;
    const got = await this.o.source.historical(token, 'day', from, to);
    checkCandles(got, `Kite historical ${this.o.name?.(token) ?? `token ${token}`} day`);
    const list = got.filter((c) => istDay(c.time) < asOf);
    if (file !== undefined) {
      try {
        const dir = join(this.o.dir!, String(token), 'day');
        mkdirSync(dir, { recursive: true });
        for (const old of readdirSync(dir)) if (old !== `${asOf}.json`) rmSync(join(dir, old), { force: true });
        writeFileSync(`${file}.tmp`, JSON.stringify(list));
        renameSync(`${file}.tmp`, file);
      } catch {
        // a cache that cannot be written is only slower
      }
    }
    return list;
  }

  /** A day can be cached once its session is over by the request's end. */
  private complete(day: string, toMs: number): boolean {
    return this.o.dir !== undefined && istTime(day, '15:30') <= toMs;
  }

  private file(token: number, interval: string, day: string): string {
    return join(this.o.dir!, String(token), interval, `${day}.json`);
  }

  private read(token: number, interval: string, day: string): KiteCandle[] | undefined {
    try {
      const v = JSON.parse(readFileSync(this.file(token, interval, day), 'utf8')) as unknown;
      if (!Array.isArray(v)) return undefined;
      const list = v as KiteCandle[];
      checkCandles(list, 'cache');
      return list;
    } catch {
      return undefined; // missing or damaged: asked again
    }
  }

  private write(token: number, interval: string, day: string, list: readonly KiteCandle[]): void {
    try {
      const f = this.file(token, interval, day);
      mkdirSync(join(this.o.dir!, String(token), interval), { recursive: true });
      writeFileSync(`${f}.tmp`, JSON.stringify(list));
      renameSync(`${f}.tmp`, f);
    } catch {
      // a cache that cannot be written is only slower
    }
  }
}
