import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeMetrics, drawdownCurve, MetricsInputError, rangeMetrics, TRADING_DAYS_PER_YEAR } from './metrics.js';

const IST = (s: string) => Date.parse(`${s}+05:30`);
const trade = (net: number, opened: string, closed: string, charges = 20_00, value = 100_000_00) => ({
  grossPnlPaise: net + charges,
  chargesPaise: charges,
  netPnlPaise: net,
  entryValuePaise: value,
  exitValuePaise: value + net + charges,
  openedAt: IST(opened),
  closedAt: IST(closed),
});

describe('performance metrics', () => {
  // Capital ₹10,00,000. Three trading days, two points a day; the last point of each day counts.
  const capital = 10_00_000_00;
  const equity = [
    { ts: IST('2026-11-16T10:00:00'), valuePaise: 10_05_000_00 },
    { ts: IST('2026-11-16T15:30:00'), valuePaise: 10_10_000_00 }, // day 1: +1 %
    { ts: IST('2026-11-17T11:00:00'), valuePaise: 10_30_000_00 }, // the peak
    { ts: IST('2026-11-17T15:30:00'), valuePaise: 9_99_900_00 }, // day 2: 9,99,900 / 10,10,000 − 1
    { ts: IST('2026-11-18T15:30:00'), valuePaise: 10_40_000_00 }, // day 3: recovers above the peak
  ];
  const trades = [
    trade(30_000_00, '2026-11-16T09:30:00', '2026-11-16T14:00:00'),
    trade(-10_000_00, '2026-11-17T10:00:00', '2026-11-17T12:00:00'),
    trade(0, '2026-11-17T11:00:00', '2026-11-17T13:00:00'), // overlaps the previous one; a breakeven
    trade(20_000_00, '2026-11-18T09:15:00', '2026-11-18T15:15:00'),
  ];
  const m = computeMetrics({ capitalPaise: capital, trades, equity, riskFreeRate: 0.065 });

  it('trade statistics by hand', () => {
    expect(m).toMatchObject({ trades: 4, wins: 2, losses: 1, netPnlPaise: 40_000_00, chargesPaise: 80_00, grossPnlPaise: 40_080_00 });
    expect(m.winRate).toBe(0.5);
    expect(m.profitFactor).toBe(50_000_00 / 10_000_00);
    expect(m.expectancyPaise).toBe(10_000_00);
    expect(m.avgWinPaise).toBe(25_000_00);
    expect(m.avgLossPaise).toBe(10_000_00);
    expect(m.turnoverPaise).toBe(4 * 2 * 100_000_00 + 40_080_00);
    expect(m.avgHoldingMs).toBe(((4.5 + 2 + 2 + 6) * 3_600_000) / 4);
  });

  it('returns, Sharpe and Sortino from the daily closes', () => {
    const closes = [10_10_000_00, 9_99_900_00, 10_40_000_00];
    const r = [closes[0]! / capital - 1, closes[1]! / closes[0]! - 1, closes[2]! / closes[1]! - 1];
    const rfd = Math.pow(1.065, 1 / 252) - 1;
    const ex = r.map((x) => x - rfd);
    const mean = (ex[0]! + ex[1]! + ex[2]!) / 3;
    const sd = Math.sqrt(((ex[0]! - mean) ** 2 + (ex[1]! - mean) ** 2 + (ex[2]! - mean) ** 2) / 2);
    const dd = Math.sqrt((ex[0]! < 0 ? ex[0]! ** 2 : 0) + (ex[1]! < 0 ? ex[1]! ** 2 : 0) + (ex[2]! < 0 ? ex[2]! ** 2 : 0)) / Math.sqrt(3);
    expect(m.days).toBe(3);
    expect(m.netReturn).toBeCloseTo(0.04, 12);
    expect(m.grossReturn).toBeCloseTo((10_40_000_00 + 80_00 - capital) / capital, 12);
    expect(m.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(TRADING_DAYS_PER_YEAR), 10);
    expect(m.sortino).toBeCloseTo((mean / dd) * Math.sqrt(TRADING_DAYS_PER_YEAR), 10);
    const years = (IST('2026-11-18T15:30:00') - IST('2026-11-16T10:00:00')) / 86_400_000 / 365.25;
    expect(m.cagr).toBeCloseTo(Math.pow(1.04, 1 / years) - 1, 6);
  });

  it('drawdown from the intraday peak, its duration to recovery, Calmar and exposure', () => {
    expect(m.maxDrawdownPaise).toBe(30_100_00);
    expect(m.maxDrawdown).toBeCloseTo(30_100_00 / 10_30_000_00, 12);
    expect(m.maxDrawdownDurationMs).toBe(IST('2026-11-18T15:30:00') - IST('2026-11-17T11:00:00'));
    expect(m.calmar).toBeCloseTo(m.cagr! / m.maxDrawdown, 12);
    // open within the period (it starts at the first equity point, 10:00 on the 16th): 10:00–14:00 (4 h),
    // 10:00–13:00 on the 17th (3 h: the overlap counted once), 09:15–15:15 on the 18th (6 h)
    expect(m.exposure).toBeCloseTo((13 * 3_600_000) / (IST('2026-11-18T15:30:00') - IST('2026-11-16T10:00:00')), 12);
  });

  it('undefined ratios are null, never Infinity or NaN (JSON-safe)', () => {
    const z = computeMetrics({ capitalPaise: capital, trades: [], equity: [] });
    expect(z).toMatchObject({ trades: 0, winRate: null, profitFactor: null, expectancyPaise: null, sharpe: null, sortino: null, cagr: null, calmar: null, exposure: 0, maxDrawdown: 0 });
    const allWins = computeMetrics({ capitalPaise: capital, trades: [trade(5_00, '2026-11-16T10:00:00', '2026-11-16T11:00:00')], equity: equity.slice(0, 2) });
    expect(allWins.profitFactor).toBeNull();
    expect(JSON.parse(JSON.stringify(allWins))).toEqual(allWins);
  });

  it('still under water at the end: the drawdown lasts to the end of the period', () => {
    const e = [
      { ts: IST('2026-11-16T15:30:00'), valuePaise: capital + 100 },
      { ts: IST('2026-11-17T15:30:00'), valuePaise: capital - 500 },
    ];
    const x = computeMetrics({ capitalPaise: capital, trades: [], equity: e, to: IST('2026-11-20T15:30:00') });
    expect(x.maxDrawdownDurationMs).toBe(IST('2026-11-20T15:30:00') - IST('2026-11-16T15:30:00'));
    expect(x.maxDrawdownPaise).toBe(600);
  });

  it('refuses bad input with what and where', () => {
    expect(() => computeMetrics({ capitalPaise: 0, trades: [], equity: [] })).toThrow(MetricsInputError);
    expect(() => computeMetrics({ capitalPaise: 1.5, trades: [], equity: [] })).toThrow(/capitalPaise must be a positive whole number/);
    expect(() => computeMetrics({ capitalPaise: capital, trades: [], equity: [equity[1]!, equity[0]!] })).toThrow(/not in time order at point 1/);
  });

  it('property: drawdown matches a brute-force peak/trough search, and win/loss counts partition the trades', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2_000_000 }), { minLength: 1, maxLength: 60 }), fc.array(fc.integer({ min: -5000, max: 5000 }), { maxLength: 40 }), (values, nets) => {
        const eq = values.map((v, i) => ({ ts: IST('2026-01-05T10:00:00') + i * 3_600_000, valuePaise: v }));
        const r = computeMetrics({ capitalPaise: 1_000_000, trades: nets.map((n) => trade(n, '2026-01-05T10:00:00', '2026-01-05T11:00:00', 0, 100)), equity: eq });
        let best = 0;
        const series = [1_000_000, ...values];
        for (let i = 0; i < series.length; i++) for (let j = i + 1; j < series.length; j++) best = Math.max(best, (series[i]! - series[j]!) / series[i]!);
        expect(r.maxDrawdown).toBeCloseTo(best, 12);
        expect(r.wins + r.losses + nets.filter((n) => n === 0).length).toBe(nets.length);
        expect(r.netPnlPaise).toBe(nets.reduce((a, b) => a + b, 0));
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('metrics of a range', () => {
  const capital = 1_000_000;
  const eq = [
    { ts: IST('2026-11-16T15:30:00'), valuePaise: 1_100_000 },
    { ts: IST('2026-11-17T12:00:00'), valuePaise: 1_210_000 },
    { ts: IST('2026-11-17T15:30:00'), valuePaise: 1_150_000 },
  ];
  it("measures a day against the previous day's close and keeps only that day's trades", () => {
    const r = rangeMetrics({
      capitalPaise: capital,
      trades: [trade(100_000, '2026-11-16T10:00:00', '2026-11-16T11:00:00', 0, 1), trade(50_000, '2026-11-17T10:00:00', '2026-11-17T14:00:00', 0, 1)],
      equity: eq,
      from: IST('2026-11-17T00:00:00'),
      to: IST('2026-11-17T23:59:59.999'),
    });
    expect(r.basePaise).toBe(1_100_000);
    expect(r.metrics.trades).toBe(1);
    expect(r.metrics.netReturn).toBeCloseTo(50_000 / 1_100_000, 12);
    expect(r.equity).toHaveLength(2);
    expect(r.drawdown.map((d) => d.drawdownPaise)).toEqual([0, 60_000]);
    expect(r.metrics.maxDrawdownPaise).toBe(60_000);
  });
  it('a range before any point is measured against the capital', () => {
    const r = rangeMetrics({ capitalPaise: capital, trades: [], equity: eq, from: 0, to: IST('2026-11-16T23:00:00') });
    expect(r.basePaise).toBe(capital);
    expect(r.metrics.netReturn).toBeCloseTo(0.1, 12);
  });
  it('drawdownCurve follows the running peak from the base', () => {
    expect(drawdownCurve([{ ts: 1, valuePaise: 90 }, { ts: 2, valuePaise: 120 }, { ts: 3, valuePaise: 60 }], 100).map((d) => [d.drawdownPaise, d.drawdown])).toEqual([
      [10, 0.1],
      [0, 0],
      [60, 0.5],
    ]);
  });
});
