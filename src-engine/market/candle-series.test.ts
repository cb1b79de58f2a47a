import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tick } from '../model/tick.js';
import { CandleSeries } from './candle-series.js';

const T0 = Date.parse('2025-10-03T09:15:00+05:30'); // a minute boundary
const S = 1000;
const M = 60_000;

/** Builds ticks with consistent cumulative volume from (offsetMs, price, qty) triples. */
function ticks(rows: [number, number, number][], symbol = 'INFY', startVolume = 0): Tick[] {
  let vol = startVolume;
  return rows.map(([dt, price, qty]) => {
    vol += qty;
    return { symbol, lastPaise: price, lastQty: qty, volume: vol, tsEvent: T0 + dt };
  });
}

describe('CandleSeries', () => {
  it('builds OHLCV from a hand-built tick list, start-labelled at the minute', () => {
    const cs = new CandleSeries('INFY');
    const input = ticks([
      [0, 144_000, 10], // 09:15:00.000 → minute 09:15
      [10 * S, 144_050, 5],
      [20 * S, 143_900, 7],
      [59_999, 143_950, 3], // still 09:15
      [M, 144_100, 2], // 09:16:00.000 → new candle
      [M + 30 * S, 144_000, 4],
      [3 * M + 1, 143_800, 1], // 09:18 (09:17 had no ticks → no candle)
    ]);
    const returned = input.map((t) => cs.onTick(t));
    expect(returned.every((c) => c !== undefined)).toBe(true);
    expect(cs.size).toBe(3);
    expect(cs.last(10)).toEqual([
      { symbol: 'INFY', tf: '1m', t: T0, o: 144_000, h: 144_050, l: 143_900, c: 143_950, v: 25 },
      { symbol: 'INFY', tf: '1m', t: T0 + M, o: 144_100, h: 144_100, l: 144_000, c: 144_000, v: 6 },
      { symbol: 'INFY', tf: '1m', t: T0 + 3 * M, o: 143_800, h: 143_800, l: 143_800, c: 143_800, v: 1 },
    ]);
    expect(returned[3]).toEqual(cs.last(3)[0]);
    expect(cs.last(1)[0]!.t).toBe(T0 + 3 * M);
    expect(cs.ignoredTicks).toBe(0);
  });

  it('first tick uses lastQty, not the cumulative volume (joining mid-day)', () => {
    const cs = new CandleSeries('INFY');
    for (const t of ticks([[0, 100, 50], [S, 105, 20]], 'INFY', 1_000_000)) cs.onTick(t);
    expect(cs.last(1)[0]!.v).toBe(70);
  });

  it('a cumulative volume that goes down is a new day: reset, using lastQty', () => {
    const cs = new CandleSeries('INFY');
    const day1 = ticks([[0, 100, 10], [S, 105, 20]]); // cumulative 10, 30
    const nextDay = T0 + 24 * 60 * M;
    const day2: Tick[] = [
      { symbol: 'INFY', lastPaise: 110, lastQty: 4, volume: 4, tsEvent: nextDay },
      { symbol: 'INFY', lastPaise: 115, lastQty: 6, volume: 10, tsEvent: nextDay + S },
    ];
    for (const t of [...day1, ...day2]) cs.onTick(t);
    expect(cs.last(2).map((c) => c.v)).toEqual([30, 10]);
  });

  it('ignores and counts late ticks (older minute) and exact duplicates', () => {
    const cs = new CandleSeries('INFY');
    const [a, b, c] = ticks([[0, 100, 1], [M + S, 110, 2], [M + 2 * S, 120, 3]]);
    expect(cs.onTick(a!)).toBeDefined();
    expect(cs.onTick(b!)).toBeDefined();
    expect(cs.onTick({ ...b! })).toBeUndefined(); // exact duplicate
    expect(cs.onTick({ symbol: 'INFY', lastPaise: 90, lastQty: 1, volume: 4, tsEvent: T0 + 30 * S })).toBeUndefined(); // late
    // Same timestamp but a different price is a real trade, not a duplicate.
    expect(cs.onTick({ ...b!, lastPaise: 111, volume: 3 + 1, lastQty: 1 })).toBeDefined();
    expect(cs.onTick(c!)).toBeDefined();
    expect(cs.ignoredTicks).toBe(2);
    const [m0, m1] = cs.last(2);
    expect(m0).toEqual({ symbol: 'INFY', tf: '1m', t: T0, o: 100, h: 100, l: 100, c: 100, v: 1 });
    // Volume: b → 3 (Δ2), b' → 4 (Δ1), c cumulative 6 (Δ2); the late tick did not disturb the deltas.
    expect(m1).toEqual({ symbol: 'INFY', tf: '1m', t: T0 + M, o: 110, h: 120, l: 110, c: 120, v: 5 });
  });

  it('ring buffer keeps only the newest `capacity` candles, oldest → newest', () => {
    const cs = new CandleSeries('INFY', 3);
    for (let m = 0; m < 5; m++) cs.onTick({ symbol: 'INFY', lastPaise: 100 + m, lastQty: 1, volume: m + 1, tsEvent: T0 + m * M });
    expect(cs.size).toBe(3);
    expect(cs.last(10).map((c) => c.t)).toEqual([T0 + 2 * M, T0 + 3 * M, T0 + 4 * M]);
    expect(cs.last(2).map((c) => c.o)).toEqual([103, 104]);
    expect(cs.last(0)).toEqual([]);
  });

  it('returned candles are copies: mutating them does not change the series', () => {
    const cs = new CandleSeries('INFY');
    const c = cs.onTick({ symbol: 'INFY', lastPaise: 100, lastQty: 1, volume: 1, tsEvent: T0 })!;
    c.h = 999;
    cs.last(1)[0]!.l = 1;
    expect(cs.last(1)[0]).toMatchObject({ h: 100, l: 100 });
  });

  it('rejects bad input with a clear message', () => {
    expect(() => new CandleSeries('INFY', 0)).toThrow(/capacity must be a positive integer, got 0/);
    const cs = new CandleSeries('INFY');
    expect(() => cs.onTick({ symbol: 'TCS', lastPaise: 1, lastQty: 1, volume: 1, tsEvent: T0 })).toThrow(/CandleSeries\(INFY\).*wrong symbol, got TCS/);
    expect(() => cs.onTick({ symbol: 'INFY', lastPaise: 100.5, lastQty: 1, volume: 1, tsEvent: T0 })).toThrow(/lastPaise.*got 100.5/);
    expect(() => cs.last(-1)).toThrow(/limit must be a non-negative integer/);
  });

  it('property: increasing t, l ≤ o,c ≤ h, and Σv = final cumulative volume (no resets)', () => {
    const row = fc.tuple(fc.integer({ min: 0, max: 90_000 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 500 }));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }), // first trade's quantity (> 0: day volume starts with it)
        fc.array(row, { minLength: 0, maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 20 }), // positions to shuffle into "late" order
        (firstQty, rows, swaps) => {
          // Time gaps between consecutive ticks (0 allowed), cumulative volume built in arrival order.
          let ts = T0 + 7_777;
          let vol = firstQty;
          const stream: Tick[] = [{ symbol: 'X', lastPaise: 5_000, lastQty: firstQty, volume: vol, tsEvent: ts }];
          for (const [gap, price, qty] of rows) {
            ts += gap;
            vol += qty;
            stream.push({ symbol: 'X', lastPaise: price, lastQty: qty, volume: vol, tsEvent: ts });
          }
          // Perturb timestamps: swap some neighbours' tsEvent so some ticks arrive late.
          for (const s of swaps) {
            const i = 1 + (s % Math.max(1, stream.length - 1));
            if (i < stream.length) {
              const a = stream[i - 1]!;
              const b = stream[i]!;
              [a.tsEvent, b.tsEvent] = [b.tsEvent, a.tsEvent];
            }
          }
          const cs = new CandleSeries('X', 100_000);
          // Late ticks are dropped without touching state, so their volume shows up in the next accepted
          // tick's delta; the total therefore equals the cumulative volume of the last ACCEPTED tick.
          let lastAccepted = 0;
          for (const t of stream) if (cs.onTick(t) !== undefined) lastAccepted = t.volume;
          const candles = cs.last(cs.size);
          for (let k = 1; k < candles.length; k++) expect(candles[k]!.t).toBeGreaterThan(candles[k - 1]!.t);
          for (const c of candles) {
            expect(c.t % M).toBe(0);
            expect(c.l).toBeLessThanOrEqual(Math.min(c.o, c.c));
            expect(c.h).toBeGreaterThanOrEqual(Math.max(c.o, c.c));
          }
          expect(candles.reduce((s, c) => s + c.v, 0)).toBe(lastAccepted);
          if (swaps.length === 0) expect(lastAccepted).toBe(stream[stream.length - 1]!.volume);
        },
      ),
      { numRuns: 300 },
    );
  });
});
