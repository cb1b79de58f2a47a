import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Candle, Timeframe } from '../contract/schemas.js';
import type { Tick } from '../model/tick.js';
import { bucketOf, MultiTimeframeCandles, TickOutcome, TIMEFRAMES, type SessionSource } from './multi-timeframe.js';
import { sharedFiles } from '../../test/support/external-inputs.js';

// Expected instants are written as IST wall-clock strings, independent of the code under test.
const ist = (s: string): number => Date.parse(`${s}+05:30`);
const S = 1000;
const M = 60_000;
const D1 = '2026-11-18'; // Wednesday, a regular session
const D2 = '2026-11-19';
const OPEN = ist(`${D1}T09:15:00`);
const CLOSE = ist(`${D1}T15:30:00`);

const tick = (lastPaise: number, volume: number, tsEvent: number, lastQty = 1, symbol = 'INFY'): Tick => ({ symbol, lastPaise, lastQty, volume, tsEvent });
const at = (hhmmss: string, day = D1): number => ist(`${day}T${hhmmss}`);

describe('bucketOf: alignment to the session open, start-labelled like Kite', () => {
  const b = (tf: Timeframe, t: string) => {
    const r = bucketOf(tf, at(t));
    return r === null ? null : [new Date(r.start + 19_800_000).toISOString().slice(11, 16), new Date(r.end + 19_800_000).toISOString().slice(11, 16)];
  };

  it('every timeframe at the open, mid-morning, midday and the last minute (stubs end at 15:30)', () => {
    const cases: [Timeframe, string, string, string][] = [
      // tf, time, expected start, expected end (IST HH:MM)
      ['1m', '09:15:00', '09:15', '09:16'],
      ['1m', '12:00:59.999', '12:00', '12:01'],
      ['1m', '15:29:59', '15:29', '15:30'],
      ['3m', '09:17:59', '09:15', '09:18'],
      ['3m', '12:00:00', '12:00', '12:03'],
      ['3m', '15:29:00', '15:27', '15:30'],
      ['5m', '09:19:59', '09:15', '09:20'],
      ['5m', '09:20:00', '09:20', '09:25'],
      ['5m', '15:29:00', '15:25', '15:30'],
      ['10m', '09:24:59', '09:15', '09:25'],
      ['10m', '12:00:00', '11:55', '12:05'],
      ['10m', '15:26:00', '15:25', '15:30'], // 5-minute stub
      ['15m', '09:29:59', '09:15', '09:30'],
      ['15m', '15:20:00', '15:15', '15:30'],
      ['30m', '09:44:59', '09:15', '09:45'],
      ['30m', '12:00:00', '11:45', '12:15'],
      ['30m', '15:20:00', '15:15', '15:30'], // 15-minute stub
      ['60m', '09:15:00', '09:15', '10:15'],
      ['60m', '10:14:59.999', '09:15', '10:15'],
      ['60m', '10:15:00', '10:15', '11:15'],
      ['60m', '12:00:00', '11:15', '12:15'],
      ['60m', '14:15:00', '14:15', '15:15'],
      ['60m', '15:15:00', '15:15', '15:30'], // the 15:15–15:30 stub
      ['60m', '15:29:59.999', '15:15', '15:30'],
    ];
    for (const [tf, t, start, end] of cases) expect([tf, t, b(tf, t)]).toEqual([tf, t, [start, end]]);
  });

  it('60m runs 09:15, 10:15, …, 15:15 — seven bars, the last a stub', () => {
    const starts = new Set<number>();
    for (let t = OPEN; t < CLOSE; t += M) starts.add(bucketOf('60m', t)!.start);
    expect([...starts]).toEqual(['09:15', '10:15', '11:15', '12:15', '13:15', '14:15', '15:15'].map((x) => at(`${x}:00`)));
  });

  it('bars per session: 375, 125, 75, 38, 25, 13, 7 and 1', () => {
    const counts = TIMEFRAMES.map((tf) => {
      const starts = new Set<number>();
      for (let t = OPEN; t < CLOSE; t += M) starts.add(bucketOf(tf, t)!.start);
      return starts.size;
    });
    expect(counts).toEqual([375, 125, 75, 38, 25, 13, 7, 1]);
  });

  it('pre-open falls into the first bar; at/after the close there is no intraday bar; day = 00:00 IST to the close', () => {
    expect(b('1m', '09:08:00')).toEqual(['09:15', '09:16']);
    expect(b('60m', '09:00:00')).toEqual(['09:15', '10:15']);
    expect(b('1m', '15:30:00')).toBeNull();
    expect(b('60m', '15:45:00')).toBeNull();
    for (const t of ['00:00:00', '09:08:00', '12:34:56', '15:30:00', '23:59:59.999']) {
      expect(bucketOf('day', at(t))).toEqual({ start: ist(`${D1}T00:00:00`), end: CLOSE });
    }
  });

  it('a special session aligns to its own open (Muhurat 2024-11-01 18:00–19:00)', () => {
    const day = '2024-11-01';
    expect(bucketOf('60m', at('18:30:00', day))).toEqual({ start: at('18:00:00', day), end: at('19:00:00', day) });
    expect(bucketOf('15m', at('18:59:00', day))).toEqual({ start: at('18:45:00', day), end: at('19:00:00', day) });
    expect(bucketOf('1m', at('19:00:00', day))).toBeNull();
    expect(bucketOf('day', at('18:30:00', day))).toEqual({ start: at('00:00:00', day), end: at('19:00:00', day) });
  });

  it('a day without a session (weekend, holiday) falls back to 09:15–15:30; a custom SessionSource is used', () => {
    expect(bucketOf('60m', at('10:20:00', '2026-11-21'))).toEqual({ start: at('10:15:00', '2026-11-21'), end: at('11:15:00', '2026-11-21') });
    const tenToTwo: SessionSource = { session: (ms) => ({ open: ms + 10 * 60 * M, close: ms + 14 * 60 * M }) }; // ms = IST midnight
    expect(bucketOf('60m', at('10:20:00'), tenToTwo)).toEqual({ start: at('10:00:00'), end: at('11:00:00') });
    expect(() => bucketOf('2m' as Timeframe, OPEN)).toThrow(/unknown timeframe '2m'/);
  });

  const hourly = resolve(import.meta.dirname, '../../../shared/data/nse/hourly/kite_nifty50_stocks_60minute/RELIANCE.csv');
  const daily = resolve(import.meta.dirname, '../../../shared/data/nse/daily/kite_nifty50_stocks/RELIANCE.csv');
  it.skipIf(!sharedFiles(import.meta.url, 'shared-data', hourly, daily))("every label in Kite's RELIANCE 60minute and day files is a bucket start", () => {
    const labels = (file: string) =>
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => Date.parse(l.split(',')[0]!.replace(' ', 'T')));
    const h = labels(hourly);
    expect(h.length).toBeGreaterThan(1800);
    for (const t of h) expect(bucketOf('60m', t)!.start).toBe(t);
    const d = labels(daily);
    expect(d.length).toBeGreaterThan(1300);
    for (const t of d) expect(bucketOf('day', t + 12 * 3600 * S)!.start).toBe(t);
  });
});

describe('MultiTimeframeCandles', () => {
  it('builds every timeframe from the same ticks', () => {
    const mtf = new MultiTimeframeCandles(['INFY']);
    const ts = [at('09:15:00'), at('09:15:30'), at('09:16:10'), at('09:20:00'), at('10:15:00'), at('15:29:59')];
    const prices = [100, 110, 90, 105, 120, 95];
    ts.forEach((t, i) => expect(mtf.onTick(tick(prices[i]!, (i + 1) * 10, t, 10))).toBe(TickOutcome.ACCEPTED));
    const ohlcv = (tf: Timeframe) => mtf.candles('INFY', tf, 100).map((c) => [c.t, c.o, c.h, c.l, c.c, c.v]);
    expect(ohlcv('1m')).toEqual([
      [at('09:15:00'), 100, 110, 100, 110, 20],
      [at('09:16:00'), 90, 90, 90, 90, 10],
      [at('09:20:00'), 105, 105, 105, 105, 10],
      [at('10:15:00'), 120, 120, 120, 120, 10],
      [at('15:29:00'), 95, 95, 95, 95, 10],
    ]);
    expect(ohlcv('5m')).toEqual([
      [at('09:15:00'), 100, 110, 90, 90, 30],
      [at('09:20:00'), 105, 105, 105, 105, 10],
      [at('10:15:00'), 120, 120, 120, 120, 10],
      [at('15:25:00'), 95, 95, 95, 95, 10],
    ]);
    expect(ohlcv('60m')).toEqual([
      [at('09:15:00'), 100, 110, 90, 105, 40],
      [at('10:15:00'), 120, 120, 120, 120, 10],
      [at('15:15:00'), 95, 95, 95, 95, 10],
    ]);
    expect(ohlcv('day')).toEqual([[at('00:00:00'), 100, 120, 90, 95, 60]]);
    const c = mtf.candles('INFY', '60m', 1)[0]!;
    expect(c).toEqual({ symbol: 'INFY', tf: '60m', t: at('15:15:00'), o: 95, h: 95, l: 95, c: 95, v: 10 });
    expect(mtf.candles('NOPE', '1m', 5)).toEqual([]);
  });

  it('closes bars on time from the clock, without ticks, once each, in timeframe order', () => {
    const mtf = new MultiTimeframeCandles(['INFY', 'TCS']);
    const closed: [string, Timeframe, number, number][] = [];
    mtf.onBarClosed((sym, tf, c) => closed.push([sym, tf, c.t, c.c]));
    mtf.onTick(tick(100, 1, at('09:15:10')));
    mtf.onTick(tick(200, 1, at('09:17:30'), 1, 'TCS'));
    expect(mtf.onClock(at('09:15:59.999'))).toBe(0);
    expect(mtf.instrument('INFY')!.forming('1m')).toMatchObject({ t: OPEN, c: 100 });
    expect(mtf.onClock(at('09:16:00'))).toBe(1); // INFY 1m, exactly at its end
    expect(closed).toEqual([['INFY', '1m', OPEN, 100]]);
    expect(mtf.instrument('INFY')!.forming('1m')).toBeUndefined();
    expect(mtf.instrument('INFY')!.forming('3m')).toBeDefined();
    expect(mtf.onClock(at('09:16:00'))).toBe(0); // same time again: nothing
    mtf.onClock(at('09:18:00')); // INFY 3m; TCS 1m
    expect(closed.slice(1)).toEqual([
      ['INFY', '3m', OPEN, 100],
      ['TCS', '1m', at('09:17:00'), 200],
      ['TCS', '3m', OPEN, 200],
    ]);
    closed.length = 0;
    mtf.onClock(at('10:15:00'));
    expect(closed.map(([s, tf]) => `${s} ${tf}`)).toEqual(['INFY 5m', 'INFY 10m', 'INFY 15m', 'INFY 30m', 'INFY 60m', 'TCS 5m', 'TCS 10m', 'TCS 15m', 'TCS 30m', 'TCS 60m']);
    closed.length = 0;
    mtf.onClock(at('15:30:00'));
    expect(closed.map(([s, tf]) => `${s} ${tf}`)).toEqual(['INFY day', 'TCS day']);
    expect(mtf.onClock(at('23:00:00'))).toBe(0);
    // Bars were never duplicated in the rings: one of each.
    for (const tf of TIMEFRAMES) expect(mtf.instrument('INFY')!.size(tf)).toBe(1);
  });

  it('the 60m stub and the day close at 15:30; a tick in a later bucket closes the bar before the clock does', () => {
    const mtf = new MultiTimeframeCandles(['INFY']);
    const closed: string[] = [];
    mtf.onBarClosed((_s, tf, c) => closed.push(`${tf}@${new Date(c.t + 19_800_000).toISOString().slice(11, 16)}`));
    mtf.onTick(tick(100, 1, at('15:14:30')));
    mtf.onTick(tick(101, 2, at('15:15:05'))); // new 1m, 3m (15:15), 15m, 30m (15:15 stub) and 60m (15:15 stub)
    expect(closed).toEqual(['1m@15:14', '3m@15:12', '5m@15:10', '10m@15:05', '15m@15:00', '30m@14:45', '60m@14:15']);
    closed.length = 0;
    mtf.onClock(at('15:29:59'));
    expect(closed).toEqual(['1m@15:15', '3m@15:15', '5m@15:15', '10m@15:15']);
    closed.length = 0;
    mtf.onClock(at('15:30:00'));
    expect(closed).toEqual(['15m@15:15', '30m@15:15', '60m@15:15', 'day@00:00']);
  });

  it('a tick for a bar the clock already closed is late; closeDelayMs keeps bars open a little longer', () => {
    const mtf = new MultiTimeframeCandles(['INFY']);
    mtf.onTick(tick(100, 1, at('09:15:10')));
    mtf.onClock(at('09:20:00'));
    expect(mtf.onTick(tick(101, 2, at('09:15:50')))).toBe(TickOutcome.LATE); // its own 1m bar is closed
    expect(mtf.onTick(tick(101, 2, at('09:19:30')))).toBe(TickOutcome.LATE); // no 09:19 bar, but 09:15 5m is closed
    expect(mtf.onTick(tick(102, 3, at('09:20:00')))).toBe(TickOutcome.ACCEPTED);
    expect(mtf.lateTicks).toBe(2);
    expect(mtf.candles('INFY', '5m', 5).map((c) => [c.t, c.v])).toEqual([
      [OPEN, 1],
      [at('09:20:00'), 2], // the late ticks did not move the volume baseline
    ]);

    const delayed = new MultiTimeframeCandles(['INFY'], { closeDelayMs: 2 * S });
    delayed.onTick(tick(100, 1, at('09:15:10')));
    delayed.onClock(at('09:16:01'));
    expect(delayed.onTick(tick(101, 2, at('09:15:59.500')))).toBe(TickOutcome.ACCEPTED);
    delayed.onClock(at('09:16:02'));
    expect(delayed.onTick(tick(102, 3, at('09:15:59.900')))).toBe(TickOutcome.LATE);
    expect(delayed.candles('INFY', '1m', 5)).toEqual([{ symbol: 'INFY', tf: '1m', t: OPEN, o: 100, h: 101, l: 100, c: 101, v: 2 }]);
  });

  it('ignores and counts late ticks (older minute) and exact duplicates without touching state', () => {
    const mtf = new MultiTimeframeCandles(['INFY']);
    const a = tick(100, 1, OPEN, 1);
    const b = tick(110, 3, OPEN + M + S, 2);
    expect(mtf.onTick(a)).toBe(TickOutcome.ACCEPTED);
    expect(mtf.onTick(b)).toBe(TickOutcome.ACCEPTED);
    expect(mtf.onTick({ ...b })).toBe(TickOutcome.DUPLICATE);
    expect(mtf.onTick(tick(90, 4, OPEN + 30 * S))).toBe(TickOutcome.LATE);
    // Same timestamp, different price: a real trade. Earlier in the same minute: still that bar.
    expect(mtf.onTick(tick(111, 4, OPEN + M + S))).toBe(TickOutcome.ACCEPTED);
    expect(mtf.onTick(tick(120, 6, OPEN + M, 2))).toBe(TickOutcome.ACCEPTED);
    expect([mtf.duplicateTicks, mtf.lateTicks]).toEqual([1, 1]);
    expect(mtf.candles('INFY', '1m', 5).map((c) => [c.o, c.h, c.l, c.c, c.v])).toEqual([
      [100, 100, 100, 100, 1],
      [110, 120, 110, 120, 5], // Δ2 + Δ1 + Δ2: the late tick did not disturb the deltas
    ]);
    expect(mtf.candles('INFY', '5m', 5).map((c) => [c.o, c.h, c.l, c.c, c.v])).toEqual([[100, 120, 100, 120, 6]]);
  });

  it('ticks at/after the close are in no bar but move the volume baseline', () => {
    const mtf = new MultiTimeframeCandles(['INFY']);
    mtf.onTick(tick(100, 10, at('15:29:00'), 10));
    expect(mtf.onTick(tick(105, 50, at('15:30:00'), 40))).toBe(TickOutcome.AFTER_CLOSE);
    // Its bar is still open (no clock yet); its cumulative 49 is below the after-close 50: lastQty counts.
    expect(mtf.onTick(tick(104, 49, at('15:29:59'), 1))).toBe(TickOutcome.ACCEPTED);
    expect(mtf.afterCloseTicks).toBe(1);
    expect(mtf.candles('INFY', 'day', 1)[0]).toMatchObject({ c: 104, h: 104, v: 11 });
    mtf.onClock(CLOSE);
    expect(mtf.onTick(tick(106, 55, at('15:40:00'), 5))).toBe(TickOutcome.AFTER_CLOSE);
    expect(mtf.candles('INFY', 'day', 1)[0]).toMatchObject({ c: 104, v: 11 });
  });

  it('cumulative volume: a new day restarts the deltas (whole figure in the first minute, else lastQty)', () => {
    const mtf = new MultiTimeframeCandles(['INFY']);
    mtf.onTick(tick(100, 1_000, at('09:08:00'), 1_000)); // pre-open auction: into 09:15, whole figure
    mtf.onTick(tick(101, 1_500, at('09:15:20'), 500));
    mtf.onTick(tick(102, 9_000, at('15:29:00'), 20));
    // Next day: cumulative volume restarted, but happens to be HIGHER than yesterday's last.
    mtf.onTick(tick(103, 12_000, at('09:15:00', D2), 12_000));
    mtf.onTick(tick(104, 12_010, at('09:16:00', D2), 10));
    expect(mtf.candles('INFY', 'day', 5).map((c) => [c.t, c.v])).toEqual([
      [ist(`${D1}T00:00:00`), 1_500 + 7_500],
      [ist(`${D2}T00:00:00`), 12_010],
    ]);
    // Joining mid-day: the first tick brings only its own trade (earlier volume belongs to unseen bars).
    const late = new MultiTimeframeCandles(['INFY']);
    late.onTick(tick(100, 5_000_000, at('11:00:00'), 25));
    late.onTick(tick(100, 5_000_040, at('11:00:01'), 40));
    expect(late.candles('INFY', '1m', 1)[0]!.v).toBe(65);
    // Volume going down within a day (a feed reset) takes lastQty.
    late.onTick(tick(100, 30, at('11:00:02'), 30));
    late.onTick(tick(100, 35, at('11:00:03'), 5));
    expect(late.candles('INFY', '1m', 1)[0]!.v).toBe(100);
  });

  it('rings hold the newest `capacity` bars per timeframe (configurable), across growth and wrap', () => {
    const mtf = new MultiTimeframeCandles(['INFY'], { capacity: { '1m': 100, '5m': 3 } });
    for (let m = 0; m < 150; m++) mtf.onTick(tick(1000 + m, m + 1, OPEN + m * M));
    const one = mtf.candles('INFY', '1m', 1000);
    expect(one).toHaveLength(100);
    expect(one.map((c) => c.o)).toEqual(Array.from({ length: 100 }, (_, i) => 1050 + i));
    expect(mtf.candles('INFY', '5m', 10).map((c) => c.t)).toEqual([135, 140, 145].map((x) => OPEN + x * M));
    expect(mtf.candles('INFY', '3m', 1000)).toHaveLength(50); // default capacity 1000
    expect(mtf.candles('INFY', '1m', 2).map((c) => c.o)).toEqual([1148, 1149]);
    expect(mtf.candles('INFY', '1m', 0)).toEqual([]);
    const all = new MultiTimeframeCandles(['INFY'], { capacity: 2 });
    for (let m = 0; m < 5; m++) all.onTick(tick(100 + m, m + 1, OPEN + m * 60 * M));
    for (const tf of TIMEFRAMES) expect(all.instrument('INFY')!.size(tf)).toBe(tf === 'day' ? 1 : 2);
  });

  it('onCandle fires per accepted tick with a fresh copy of the forming bar of its timeframe', () => {
    const mtf = new MultiTimeframeCandles(['INFY', 'TCS']);
    const got: Candle[] = [];
    const off = mtf.onCandle('INFY', '15m', (c) => got.push(c));
    mtf.onTick(tick(100, 1, OPEN));
    mtf.onTick(tick(105, 2, OPEN + M));
    mtf.onTick(tick(105, 2, OPEN + M)); // duplicate: no event
    mtf.onTick(tick(500, 1, OPEN, 1, 'TCS')); // other symbol: no event
    expect(got.map((c) => [c.tf, c.t, c.o, c.c, c.v])).toEqual([
      ['15m', OPEN, 100, 100, 1],
      ['15m', OPEN, 100, 105, 2],
    ]);
    got[1]!.h = 9999;
    expect(mtf.candles('INFY', '15m', 1)[0]!.h).toBe(105);
    off();
    mtf.onTick(tick(110, 3, OPEN + 2 * M));
    expect(got).toHaveLength(2);
    expect(() => mtf.onCandle('NOPE', '1m', () => {})).toThrow(/unknown symbol 'NOPE'/);
  });

  it('a throwing listener does not leave state half-updated; its error is rethrown after the update', () => {
    const mtf = new MultiTimeframeCandles(['INFY']);
    let after = 0;
    mtf.onCandle('INFY', '1m', () => {
      throw new Error('boom');
    });
    mtf.onCandle('INFY', 'day', () => after++);
    expect(() => mtf.onTick(tick(100, 1, OPEN))).toThrow('boom');
    expect(after).toBe(1);
    for (const tf of TIMEFRAMES) expect(mtf.instrument('INFY')!.size(tf)).toBe(1);
    mtf.onBarClosed(() => {
      throw new Error('closed boom');
    });
    expect(() => mtf.onClock(CLOSE)).toThrow('closed boom');
    expect(mtf.instrument('INFY')!.forming('day')).toBeUndefined();
  });

  it('rejects bad input with clear messages', () => {
    expect(() => new MultiTimeframeCandles(['A'], { capacity: 0 })).toThrow(/capacity of 1m must be a positive integer, got 0/);
    expect(() => new MultiTimeframeCandles(['A'], { capacity: { day: 1.5 } })).toThrow(/capacity of day must be a positive integer, got 1.5/);
    expect(() => new MultiTimeframeCandles(['A', 'A'])).toThrow(/symbols\[1\] duplicates 'A'/);
    expect(() => new MultiTimeframeCandles(['A'], { closeDelayMs: -1 })).toThrow(/closeDelayMs/);
    const mtf = new MultiTimeframeCandles(['INFY']);
    expect(mtf.onTick(tick(1, 1, OPEN, 1, 'TCS'))).toBe(TickOutcome.UNKNOWN);
    const ic = mtf.instrument('INFY')!;
    expect(() => ic.onTick(tick(1, 1, OPEN, 1, 'TCS'))).toThrow(/MultiTimeframeCandles\(INFY\).*wrong symbol, got TCS/);
    expect(() => mtf.onTick(tick(100.5, 1, OPEN))).toThrow(/lastPaise.*got 100.5/);
    expect(() => mtf.onTick(tick(100, -1, OPEN))).toThrow(/volume.*got -1/);
    expect(() => mtf.onTick({ ...tick(100, 1, OPEN), lastQty: Number.NaN })).toThrow(/lastQty.*got NaN/);
    expect(() => mtf.onTick(tick(100, 1, -5))).toThrow(/tsEvent.*got -5/);
    expect(() => mtf.candles('INFY', '1m', -1)).toThrow(/limit must be a non-negative integer/);
    expect(() => mtf.candles('INFY', '7m' as Timeframe, 1)).toThrow(/unknown timeframe '7m'/);
    expect(() => mtf.onClock(Number.NaN)).toThrow(/nowMs must be finite/);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: every higher timeframe is the aggregation of the 1m candles built from the same ticks.

const DAY_MIDNIGHTS = [ist(`${D1}T00:00:00`), ist(`${D2}T00:00:00`)];
const TF_MIN: Record<Exclude<Timeframe, 'day'>, number> = { '1m': 1, '3m': 3, '5m': 5, '10m': 10, '15m': 15, '30m': 30, '60m': 60 };

/** Reference label of a 1m candle's bucket in `tf`, written from the definition (regular session days). */
function refLabel(tf: Timeframe, t: number): number {
  const midnight = DAY_MIDNIGHTS.find((m) => t >= m && t < m + 86_400_000)!;
  if (tf === 'day') return midnight;
  const open = midnight + (9 * 60 + 15) * M;
  const n = TF_MIN[tf] * M;
  return open + Math.floor((t - open) / n) * n;
}

function aggregate(ones: readonly Candle[], tf: Timeframe): Omit<Candle, 'symbol' | 'tf'>[] {
  const out: Omit<Candle, 'symbol' | 'tf'>[] = [];
  for (const c of ones) {
    const t = refLabel(tf, c.t);
    const last = out[out.length - 1];
    if (last && last.t === t) {
      last.h = Math.max(last.h, c.h);
      last.l = Math.min(last.l, c.l);
      last.c = c.c;
      last.v += c.v;
    } else {
      out.push({ t, o: c.o, h: c.h, l: c.l, c: c.c, v: c.v });
    }
  }
  return out;
}

describe('property: higher timeframes = aggregation of the 1m candles', () => {
  // One event: a tick (day, ms from 09:00 — some pre-open, some after 15:30 — price, qty), a
  // duplicate of the previous tick, or a clock step to the newest tick time so far.
  const event = fc.oneof(
    { weight: 20, arbitrary: fc.record({ kind: fc.constant('tick' as const), gap: fc.integer({ min: -90_000, max: 400_000 }), price: fc.integer({ min: 1, max: 100_000 }), qty: fc.integer({ min: 0, max: 500 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('dup' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('clock' as const), back: fc.integer({ min: 0, max: 120_000 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('nextDay' as const) }) },
  );

  it('OHLCV of 3m … day equals the 1m candles grouped by bucket; labels aligned; bars strictly increasing', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 400 }), fc.integer({ min: 0, max: 3 * 3_600_000 }), (events, startOffset) => {
        const mtf = new MultiTimeframeCandles(['X'], { capacity: 100_000 });
        let day = 0;
        let ts = DAY_MIDNIGHTS[0]! + 9 * 3_600_000 + startOffset; // from 09:00 (pre-open) on
        let maxTs = ts;
        const vol = [0, 0];
        let prev: Tick | undefined;
        for (const e of events) {
          if (e.kind === 'nextDay') {
            if (day === 0) {
              day = 1;
              ts = DAY_MIDNIGHTS[1]! + 9 * 3_600_000 + 10 * 60_000;
            }
          } else if (e.kind === 'dup') {
            if (prev) mtf.onTick({ ...prev });
          } else if (e.kind === 'clock') {
            mtf.onClock(maxTs - e.back);
          } else {
            ts = Math.max(DAY_MIDNIGHTS[day]!, ts + e.gap); // negative gaps make late ticks
            if (ts >= DAY_MIDNIGHTS[day]! + 86_400_000) ts = DAY_MIDNIGHTS[day]! + 86_399_999;
            vol[day]! += e.qty;
            prev = { symbol: 'X', lastPaise: e.price, lastQty: e.qty, volume: vol[day]!, tsEvent: ts };
            mtf.onTick(prev);
            maxTs = Math.max(maxTs, ts);
          }
        }
        const ones = mtf.candles('X', '1m', 100_000);
        for (const tf of TIMEFRAMES) {
          const got = mtf.candles('X', tf, 100_000);
          expect(got.map(({ t, o, h, l, c, v }) => ({ t, o, h, l, c, v }))).toEqual(aggregate(ones, tf));
          for (let k = 0; k < got.length; k++) {
            const c = got[k]!;
            expect(c.tf).toBe(tf);
            expect(bucketOf(tf, c.t)!.start).toBe(c.t);
            expect(c.l).toBeLessThanOrEqual(Math.min(c.o, c.c));
            expect(c.h).toBeGreaterThanOrEqual(Math.max(c.o, c.c));
            if (k > 0) expect(c.t).toBeGreaterThan(got[k - 1]!.t);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('without late ticks, a day bar holds the whole day: Σv = the last cumulative volume of the session', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 1, max: 9_999 }), fc.nat(300)), { maxLength: 300 }), (first, rows) => {
        const mtf = new MultiTimeframeCandles(['X']);
        let ts = OPEN;
        let vol = first;
        let lastIn = vol;
        mtf.onTick({ symbol: 'X', lastPaise: 500, lastQty: first, volume: vol, tsEvent: ts });
        for (const [gap, price, qty] of rows) {
          ts += gap;
          vol += qty;
          mtf.onTick({ symbol: 'X', lastPaise: price, lastQty: qty, volume: vol, tsEvent: ts });
          if (ts < CLOSE) lastIn = vol;
        }
        mtf.onClock(CLOSE);
        const dayBar = mtf.candles('X', 'day', 1)[0]!;
        expect(dayBar.v).toBe(lastIn);
        expect(mtf.instrument('X')!.forming('day')).toBeUndefined();
        expect(mtf.candles('X', '60m', 10).reduce((s, c) => s + c.v, 0)).toBe(lastIn);
      }),
      { numRuns: 200 },
    );
  });
});
