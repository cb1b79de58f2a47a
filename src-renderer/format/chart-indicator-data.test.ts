import { describe, expect, it } from 'vitest';
import { chartIndicatorDef } from '../../src-engine/contract/chart-schemas.js';
import { INDICATOR_PALETTE, columnData, columnPoint, lineColor } from './chart-indicator-data.js';

const def = (n: string) => chartIndicatorDef(n)!;
const T = Date.parse('2026-11-20T10:05:00+05:30');

describe('indicator data for the chart library', () => {
  it('price-like values in rupees at UTC seconds; warming-up points are whitespace', () => {
    expect(columnData([{ t: T, v: [null] }, { t: T + 60_000, v: [150_012.5] }], def('ema'), 0)).toEqual([{ time: T / 1000 }, { time: T / 1000 + 60, value: 1500.125 }]);
    expect(columnPoint({ t: T, v: [55.5] }, def('rsi'), 0)).toEqual({ time: T / 1000, value: 55.5 });
    expect(columnPoint({ t: T, v: [1_000_000] }, def('obv'), 0)).toEqual({ time: T / 1000, value: 1_000_000 });
  });

  it('colours the MACD histogram by sign and SuperTrend by its direction', () => {
    expect(columnPoint({ t: T, v: [10, 5, 5] }, def('macd'), 2).color).toMatch(/38, 166, 154/);
    expect(columnPoint({ t: T, v: [10, 15, -5] }, def('macd'), 2)).toEqual({ time: T / 1000, value: -0.05, color: 'rgba(239, 83, 80, 0.8)' });
    expect(columnPoint({ t: T, v: [150_000, 1] }, def('supertrend'), 0).color).toMatch(/38, 166, 154/);
    expect(columnPoint({ t: T, v: [150_000, -1] }, def('supertrend'), 0).color).toMatch(/239, 83, 80/);
    expect(columnPoint({ t: T, v: [150_000, null] }, def('supertrend'), 0)).toEqual({ time: T / 1000, value: 1500 });
  });

  it('gives Bollinger one colour and steps other lines through the palette', () => {
    expect(new Set([0, 1, 2].map((i) => lineColor(def('bb'), 1, i)))).toEqual(new Set([INDICATOR_PALETTE[1]]));
    expect(lineColor(def('macd'), 0, 0)).not.toBe(lineColor(def('macd'), 0, 1));
    expect(lineColor(def('ema'), 9, 0)).toBe(INDICATOR_PALETTE[1]);
  });
});
