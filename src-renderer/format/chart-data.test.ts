import { describe, expect, it } from 'vitest';
import { toBar, toVolume } from './chart-data.js';

describe('chart data', () => {
  const c = { symbol: 'INFY', tf: '1m' as const, t: 1_763_610_300_000, o: 150_050, h: 150_500, l: 149_900, c: 150_025, v: 1200 };

  it('converts paise to rupees and ms to UTC seconds', () => {
    expect(toBar(c)).toEqual({ time: 1_763_610_300, open: 1500.5, high: 1505, low: 1499, close: 1500.25 });
  });

  it('colours volume by candle direction', () => {
    expect(toVolume(c).value).toBe(1200);
    expect(toVolume(c).color).toContain('239');
    expect(toVolume({ ...c, c: 150_100 }).color).toContain('38');
  });
});
