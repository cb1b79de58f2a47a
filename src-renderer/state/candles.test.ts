import { describe, expect, it } from 'vitest';
import type { Candle } from '../../src-engine/contract/schemas.js';
import { MAX_CANDLES, applyCandleDelta, applyCandleSnapshot } from './candles.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 20, 3, 45); // 09:15 IST

function candle(i: number, c = 100_00 + i): Candle {
  return { symbol: 'INFY', tf: '1m', t: T0 + i * MIN, o: c, h: c + 5, l: c - 5, c, v: 10 + i };
}

describe('applyCandleSnapshot', () => {
  it('sorts by time and keeps the later candle of a duplicated minute', () => {
    const dup = { ...candle(1), c: 999 };
    const out = applyCandleSnapshot([candle(2), candle(1), candle(0), dup]);
    expect(out.map((c) => c.t)).toEqual([T0, T0 + MIN, T0 + 2 * MIN]);
    expect(out[1]?.c).toBe(999);
  });

  it('keeps only the newest `max` candles', () => {
    const snap = Array.from({ length: 10 }, (_, i) => candle(i));
    const out = applyCandleSnapshot(snap, 4);
    expect(out.map((c) => c.t)).toEqual([6, 7, 8, 9].map((i) => T0 + i * MIN));
  });

  it('caps at MAX_CANDLES by default', () => {
    const snap = Array.from({ length: MAX_CANDLES + 25 }, (_, i) => candle(i));
    const out = applyCandleSnapshot(snap);
    expect(out).toHaveLength(MAX_CANDLES);
    expect(out[0]?.t).toBe(T0 + 25 * MIN);
  });

  it('handles an empty snapshot', () => {
    expect(applyCandleSnapshot([])).toEqual([]);
  });
});

describe('applyCandleDelta', () => {
  const base = [candle(0), candle(1), candle(2)];

  it('appends to an empty series', () => {
    const r = applyCandleDelta([], candle(0));
    expect(r.op).toBe('append');
    expect(r.candles).toEqual([candle(0)]);
  });

  it('replaces the forming candle when t matches the last', () => {
    const forming = { ...candle(2), c: 12345, h: 12400 };
    const r = applyCandleDelta(base, forming);
    expect(r.op).toBe('replace');
    expect(r.candles).toHaveLength(3);
    expect(r.candles[2]).toBe(forming);
    expect(base[2]).toEqual(candle(2)); // input untouched
  });

  it('appends a newer candle', () => {
    const r = applyCandleDelta(base, candle(3));
    expect(r.op).toBe('append');
    expect(r.trimmed).toBe(0);
    expect(r.candles.map((c) => c.t)).toEqual([0, 1, 2, 3].map((i) => T0 + i * MIN));
    expect(base).toHaveLength(3);
  });

  it('ignores an older candle and returns the same array', () => {
    const r = applyCandleDelta(base, { ...candle(1), c: 1 });
    expect(r.op).toBe('ignore');
    expect(r.candles).toBe(base);
  });

  it('ignores a candle older than the first one too', () => {
    const r = applyCandleDelta(base, candle(-5));
    expect(r.op).toBe('ignore');
    expect(r.candles).toBe(base);
  });

  it('drops the oldest candle when an append exceeds the cap', () => {
    const r = applyCandleDelta(base, candle(3), 3);
    expect(r.op).toBe('append');
    expect(r.trimmed).toBe(1);
    expect(r.candles.map((c) => c.t)).toEqual([1, 2, 3].map((i) => T0 + i * MIN));
  });

  it('never grows past MAX_CANDLES', () => {
    let cur = applyCandleSnapshot(Array.from({ length: MAX_CANDLES }, (_, i) => candle(i)));
    for (let i = MAX_CANDLES; i < MAX_CANDLES + 5; i++) cur = applyCandleDelta(cur, candle(i)).candles;
    expect(cur).toHaveLength(MAX_CANDLES);
    expect(cur[0]?.t).toBe(T0 + 5 * MIN);
    expect(cur[cur.length - 1]?.t).toBe(T0 + (MAX_CANDLES + 4) * MIN);
  });

  it('replacing at the cap keeps the length', () => {
    const r = applyCandleDelta(base, { ...candle(2), c: 5 }, 3);
    expect(r.op).toBe('replace');
    expect(r.candles).toHaveLength(3);
  });
});
