import { describe, expect, it } from 'vitest';
import type { IndicatorPoint } from '../../src-engine/contract/chart-schemas.js';
import type { Candle } from '../../src-engine/contract/schemas.js';
import { applyPointDelta, applyPointsSnapshot, atTime, barAt, prependCandles, prependPoints } from './chart-series.js';

const M = 60_000;
const pt = (i: number, v: number | null = i): IndicatorPoint => ({ t: i * M, v: [v] });
const candle = (i: number): Candle => ({ symbol: 'INFY', tf: '1m', t: i * M, o: 100, h: 100, l: 100, c: 100, v: 1 });

describe('indicator series merges', () => {
  it('a snapshot is sorted, one point per time (the later wins), the newest max', () => {
    expect(applyPointsSnapshot([pt(3), pt(1), pt(2), { t: 2 * M, v: [9] }])).toEqual([pt(1), { t: 2 * M, v: [9] }, pt(3)]);
    expect(applyPointsSnapshot([pt(1), pt(2), pt(3)], 2)).toEqual([pt(2), pt(3)]);
  });

  it('a delta replaces the forming point, appends a new one, ignores an older one', () => {
    const pts = [pt(1), pt(2)];
    const r1 = applyPointDelta(pts, { ...pt(2, 7), closed: false });
    expect(r1).toEqual({ points: [pt(1), pt(2, 7)], op: 'replace' });
    expect(pts).toEqual([pt(1), pt(2)]); // not mutated
    expect(applyPointDelta(pts, { ...pt(3), closed: false })).toEqual({ points: [pt(1), pt(2), pt(3)], op: 'append' });
    const ignored = applyPointDelta(pts, { ...pt(1, 5), closed: true });
    expect(ignored.op).toBe('ignore');
    expect(ignored.points).toBe(pts);
    // past the cap the oldest falls off and the chart must redraw
    expect(applyPointDelta(pts, { ...pt(3), closed: false }, 2)).toEqual({ points: [pt(2), pt(3)], op: 'snapshot' });
    expect(applyPointDelta([], { ...pt(1), closed: false })).toEqual({ points: [pt(1)], op: 'append' });
  });

  it('older points and candles go in front, only those before the oldest, nearest first when space is short', () => {
    expect(prependPoints([pt(5), pt(6)], [pt(4), pt(2), pt(3), pt(5, 99)])).toEqual([pt(2), pt(3), pt(4), pt(5), pt(6)]);
    const same = [pt(5)];
    expect(prependPoints(same, [pt(5), pt(6)])).toBe(same);
    expect(prependPoints([pt(5), pt(6)], [pt(2), pt(3), pt(4)], 4)).toEqual([pt(3), pt(4), pt(5), pt(6)]);
    expect(prependCandles([candle(10)], [candle(8), candle(9), candle(9)], 10)).toEqual([candle(8), candle(9), candle(10)]);
    expect(prependCandles([candle(10), candle(11)], [candle(9)], 2)).toEqual([candle(10), candle(11)]);
  });

  it('finds the point at a time and the bar that holds a time', () => {
    const pts = [pt(1), pt(3), pt(5), pt(7)];
    expect(atTime(pts, 5 * M)).toEqual(pt(5));
    expect(atTime(pts, 4 * M)).toBeUndefined();
    expect(atTime([], 0)).toBeUndefined();
    expect(barAt(pts, 4 * M + 59_999)).toEqual(pt(3));
    expect(barAt(pts, 7 * M)).toEqual(pt(7));
    expect(barAt(pts, 99 * M)).toEqual(pt(7));
    expect(barAt(pts, M - 1)).toBeUndefined();
  });
});
