import { describe, expect, it } from 'vitest';
import { chartIndicatorDef } from '../../src-engine/contract/chart-schemas.js';
import type { Candle } from '../../src-engine/contract/schemas.js';
import { buildLegend, formatIndicatorValue } from './chart-legend.js';

const T = Date.parse('2026-11-20T10:05:00+05:30');
const candle: Candle = { symbol: 'INFY', tf: '1m', t: T, o: 150_000, h: 150_550, l: 149_900, c: 150_125, v: 1_234_567 };
const def = (n: string) => chartIndicatorDef(n)!;

describe('the crosshair legend', () => {
  it('formats values by unit: price-like paise in rupees, plain to two places, volume whole, warming up as a dash', () => {
    expect(formatIndicatorValue(150_012.345, 'price')).toBe('1,500.12');
    expect(formatIndicatorValue(12_345_678, 'price')).toBe('1,23,456.78');
    expect(formatIndicatorValue(55.456, 'plain')).toBe('55.46');
    expect(formatIndicatorValue(-1_234_567.4, 'volume')).toBe('-12,34,567');
    expect(formatIndicatorValue(null, 'price')).toBe('—');
    expect(formatIndicatorValue(undefined, 'plain')).toBe('—');
    expect(formatIndicatorValue(Number.NaN, 'plain')).toBe('—');
  });

  it('shows the bar\'s OHLCV, change and IST time, then each indicator\'s values by line', () => {
    const l = buildLegend(
      candle,
      [
        { spec: 'ema:20', title: 'EMA 20', def: def('ema'), values: [149_876.5] },
        { spec: 'macd:12:26:9', title: 'MACD 12 26 9', def: def('macd'), values: [120, 100, 20] },
        { spec: 'rsi:14', title: 'RSI 14', def: def('rsi'), values: undefined },
        { spec: 'supertrend:10:3', title: 'SuperTrend 10 3', def: def('supertrend'), values: [149_000, -1] },
      ],
      true,
    );
    expect(l.t).toBe(T);
    expect(l.time).toBe('20 Nov 2026, 10:05 IST');
    expect(l.ohlcv).toEqual({ o: '1,500.00', h: '1,505.50', l: '1,499.00', c: '1,501.25', v: '12,34,567', change: '+1.25 (+0.08%)', up: true });
    expect(l.indicators.map((x) => [x.spec, x.title, x.values.map((v) => `${v.label}=${v.text}`)])).toEqual([
      ['ema:20', 'EMA 20', ['EMA=1,498.77']],
      ['macd:12:26:9', 'MACD 12 26 9', ['MACD=1.20', 'Signal=1.00', 'Hist=0.20']],
      ['rsi:14', 'RSI 14', ['RSI=—']],
      ['supertrend:10:3', 'SuperTrend 10 3', ['SuperTrend=1,490.00', 'Dir=down']],
    ]);
    expect(l.indicators[1]!.values.map((v) => v.raw)).toEqual([120, 100, 20]);
    expect(l.indicators[2]!.values[0]!.raw).toBeNull();
  });

  it('a falling bar, a daily bar, and no bar at all', () => {
    const down = buildLegend({ ...candle, c: 149_000, tf: 'day' }, [], false);
    expect(down.ohlcv?.change).toBe('\u221210.00 (\u22120.67%)');
    expect(down.ohlcv?.up).toBe(false);
    expect(down.time).toBe('20 Nov 2026');
    const none = buildLegend(undefined, [{ spec: 'vwap', title: 'VWAP', def: def('vwap'), values: undefined }], true);
    expect(none).toEqual({ t: null, time: '', ohlcv: null, indicators: [{ spec: 'vwap', title: 'VWAP', values: [{ label: 'VWAP', text: '—', raw: null }] }] });
  });
});
