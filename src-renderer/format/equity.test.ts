import { describe, expect, it } from 'vitest';
import { currentValuePaise, dayMaxDrawdown, equitySeriesOptions, istDayNumber, toEquityLine, type EquityPoint } from './equity.js';

/** 2026-11-20 10:00 IST. */
const T = Date.parse('2026-11-20T10:00:00+05:30');
const p = (t: number, equityPaise: number): EquityPoint => ({ t, equityPaise });

describe('istDayNumber', () => {
  it('changes at midnight IST, not UTC', () => {
    const before = Date.parse('2026-11-20T23:59:59.999+05:30');
    const after = Date.parse('2026-11-21T00:00:00+05:30');
    expect(istDayNumber(after) - istDayNumber(before)).toBe(1);
    // 18:30 UTC is midnight IST: the same UTC day, different IST days
    expect(istDayNumber(Date.parse('2026-11-20T18:29:00Z'))).not.toBe(istDayNumber(Date.parse('2026-11-20T18:31:00Z')));
    expect(istDayNumber(T)).toBe(istDayNumber(Date.parse('2026-11-20T00:00:00+05:30')));
  });
});

describe('toEquityLine', () => {
  it('paise → rupees, epoch ms → UTC seconds', () => {
    expect(toEquityLine([p(T, 1_00_000_00), p(T + 60_000, 99_99_871)])).toEqual([
      { time: T / 1000, value: 100_000 },
      { time: T / 1000 + 60, value: 99_998.71 },
    ]);
  });

  it('keeps the last of several points in one second and drops out-of-order ones (strictly ascending times)', () => {
    const line = toEquityLine([p(T, 1), p(T + 400, 2), p(T + 999, 3), p(T + 1000, 4), p(T - 5000, 5), p(T + 2500, 6)]);
    expect(line).toEqual([
      { time: T / 1000, value: 0.03 },
      { time: T / 1000 + 1, value: 0.04 },
      { time: T / 1000 + 2, value: 0.06 },
    ]);
    for (let i = 1; i < line.length; i++) expect(line[i]!.time).toBeGreaterThan(line[i - 1]!.time);
  });

  it('no points → no data', () => {
    expect(toEquityLine([])).toEqual([]);
  });
});

describe('dayMaxDrawdown', () => {
  it('is the largest fall from a running peak, in integer paise', () => {
    const dd = dayMaxDrawdown([p(T, 1000), p(T + 1, 1200), p(T + 2, 1100), p(T + 3, 1300), p(T + 4, 1050), p(T + 5, 1250)]);
    expect(dd).toEqual({ drawdownPaise: 250, peakPaise: 1300, troughPaise: 1050, points: 6 });
    expect(Number.isInteger(dd.drawdownPaise)).toBe(true);
  });

  it('a curve that only rises has none; no points have none', () => {
    expect(dayMaxDrawdown([p(T, 5), p(T + 1, 7), p(T + 2, 7)])).toEqual({ drawdownPaise: 0, peakPaise: 5, troughPaise: 5, points: 3 });
    expect(dayMaxDrawdown([])).toEqual({ drawdownPaise: 0, peakPaise: null, troughPaise: null, points: 0 });
  });

  it('counts only the IST day of the newest point', () => {
    const yesterday = T - 86_400_000;
    // a big fall yesterday; today starts lower and dips by 30
    const dd = dayMaxDrawdown([p(yesterday, 10_000), p(yesterday + 1, 2_000), p(T, 3_000), p(T + 1, 2_970), p(T + 2, 3_100)]);
    expect(dd).toEqual({ drawdownPaise: 30, peakPaise: 3_000, troughPaise: 2_970, points: 3 });
  });

  it('works on negative values (a strategy losing money) and stays exact for large amounts', () => {
    expect(dayMaxDrawdown([p(T, -100), p(T + 1, -50), p(T + 2, -451)]).drawdownPaise).toBe(401);
    const big = 9_007_199_254_740_000; // near Number.MAX_SAFE_INTEGER
    expect(dayMaxDrawdown([p(T, big), p(T + 1, big - 987)]).drawdownPaise).toBe(987);
  });
});

describe('currentValuePaise', () => {
  it('is the newest point, or null', () => {
    expect(currentValuePaise([p(T, 1), p(T + 1, 2)])).toBe(2);
    expect(currentValuePaise([])).toBeNull();
  });
});

describe('equitySeriesOptions', () => {
  it('Account first, then the strategies sorted; the current choice stays even if it is gone', () => {
    expect(equitySeriesOptions([{ strategy: 'orb' }, { strategy: 'manual' }], null)).toEqual([
      { value: null, label: 'Account' },
      { value: 'manual', label: 'manual' },
      { value: 'orb', label: 'orb' },
    ]);
    expect(equitySeriesOptions([], 'vwap').map((o) => o.value)).toEqual([null, 'vwap']);
    expect(equitySeriesOptions([{ strategy: 'a' }], 'a').map((o) => o.value)).toEqual([null, 'a']);
  });
});
