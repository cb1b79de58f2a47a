import { describe, expect, it } from 'vitest';
import { istDay, nseCalendar } from '../../core/nse-calendar.js';
import { NIFTY50_SEEDS } from '../../model/instruments.js';
import { historyDays, syntheticDailyHistory } from './daily-history.js';

const ASOF = '2026-11-23'; // Monday

describe('syntheticDailyHistory', () => {
  it('is deterministic per (seed, symbol) and depends on the seed', () => {
    const a = syntheticDailyHistory(NIFTY50_SEEDS, { asOf: ASOF, seed: 7 });
    const b = syntheticDailyHistory(NIFTY50_SEEDS, { asOf: ASOF, seed: 7 });
    expect(a).toEqual(b);
    const only = syntheticDailyHistory(NIFTY50_SEEDS.filter((s) => s.symbol === 'TCS'), { asOf: ASOF, seed: 7 });
    expect(only.get('TCS')).toEqual(a.get('TCS'));
    const c = syntheticDailyHistory(NIFTY50_SEEDS, { asOf: ASOF, seed: 8 });
    expect(c.get('TCS')).not.toEqual(a.get('TCS'));
  });

  it('gives valid bars: 5-paise grid, h ≥ max(o, c), l ≤ min(o, c), positive volume, last close = the seed price', () => {
    const h = syntheticDailyHistory(NIFTY50_SEEDS, { asOf: ASOF, seed: 20261121 });
    expect(h.size).toBe(NIFTY50_SEEDS.length);
    for (const s of NIFTY50_SEEDS) {
      const bars = h.get(s.symbol)!;
      expect(bars).toHaveLength(260);
      const bad = bars.filter(
        (b) =>
          ![b.o, b.h, b.l, b.c].every((p) => Number.isSafeInteger(p) && p > 0 && p % 5 === 0) ||
          b.h < Math.max(b.o, b.c) ||
          b.l > Math.min(b.o, b.c) ||
          !(Number.isSafeInteger(b.v) && b.v > 0),
      );
      expect(bad).toEqual([]);
      expect(bars[bars.length - 1]!.c).toBe(s.basePaise);
    }
    // per-symbol character: the daily range is not the same for everyone
    const ranges = NIFTY50_SEEDS.map((s) => {
      const bars = h.get(s.symbol)!;
      return bars.reduce((acc, b) => acc + (b.h - b.l) / b.c, 0) / bars.length;
    });
    expect(Math.max(...ranges) / Math.min(...ranges)).toBeGreaterThan(1.3);
  });

  it('uses trading days only, ascending, ending the trading day before asOf, stamped 00:00 IST', () => {
    const bars = syntheticDailyHistory(NIFTY50_SEEDS.slice(0, 1), { asOf: ASOF, seed: 1, days: 300 }).get(NIFTY50_SEEDS[0]!.symbol)!;
    expect(bars).toHaveLength(300);
    const days = bars.map((b) => istDay(b.t));
    expect(days.every((d) => nseCalendar.isTradingDay(d))).toBe(true);
    expect(days[days.length - 1]).toBe(nseCalendar.previousTradingDay(ASOF));
    for (let i = 1; i < bars.length; i++) {
      expect(bars[i]!.t).toBeGreaterThan(bars[i - 1]!.t);
      expect(nseCalendar.nextTradingDay(days[i - 1]!)).toBe(days[i]);
    }
    expect(bars.every((b) => new Date(b.t + 5.5 * 3600_000).toISOString().endsWith('T00:00:00.000Z'))).toBe(true);
    expect(historyDays(ASOF, 3)).toEqual([nseCalendar.shiftTradingDays(ASOF, -3), nseCalendar.shiftTradingDays(ASOF, -2), nseCalendar.shiftTradingDays(ASOF, -1)]);
    expect(() => historyDays(ASOF, 0)).toThrow(RangeError);
  });
});
