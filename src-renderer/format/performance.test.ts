import { describe, expect, it } from 'vitest';
import { formatPct, formatRatio, formatSpan, istDayOf, metricCells, pnlBars, presetRange, type MetricsView } from './performance.js';

const base: MetricsView = {
  capitalPaise: 100_000_000, endEquityPaise: 101_000_000, netPnlPaise: 1_000_000, grossPnlPaise: 1_010_000, chargesPaise: 10_000,
  netReturn: 0.01, grossReturn: 0.0101, cagr: null, sharpe: 1.234, sortino: null, riskFreeRate: 0.065, days: 3, maxDrawdown: 0.02, maxDrawdownPaise: 2_000_000,
  maxDrawdownDurationMs: 3_600_000, calmar: null, trades: 4, wins: 3, losses: 1, winRate: 0.75, profitFactor: null, expectancyPaise: 250_000,
  avgWinPaise: 400_000, avgLossPaise: 200_000, exposure: 0.4, avgHoldingMs: 90_000, turnoverPaise: 5_000_000,
};

describe('performance formatting', () => {
  it('percentages, ratios and spans, with — for undefined figures', () => {
    expect(formatPct(0.01234)).toBe('1.23 %');
    expect(formatPct(-0.5)).toBe('\u221250.00 %');
    expect(formatPct(-0.00001)).toBe('0.00 %');
    expect(formatPct(null)).toBe('—');
    expect(formatRatio(1.234)).toBe('1.23');
    expect(formatRatio(-0.001)).toBe('0.00');
    expect(formatRatio(null)).toBe('—');
    expect(formatSpan(45_000)).toBe('45 s');
    expect(formatSpan(12 * 60_000)).toBe('12 min');
    expect(formatSpan(125 * 60_000)).toBe('2 h 05 min');
    expect(formatSpan(100 * 3_600_000)).toBe('4 d 4 h');
    expect(formatSpan(null)).toBe('—');
  });

  it('a row of cells: money exact in rupees, profit factor — without losses, Sharpe states the risk-free rate', () => {
    const cells = Object.fromEntries(metricCells(base).map((c) => [c.key, c]));
    expect(cells['net']!.text).toBe('+10,000.00');
    expect(cells['net']!.tone).toBe('up');
    expect(cells['win']!.text).toBe('75.0 %');
    expect(cells['pf']!.text).toBe('—');
    expect(cells['exp']!.text).toBe('+2,500.00');
    expect(cells['dd']!.tone).toBe('down');
    expect(cells['sharpe']!.text).toBe('1.23');
    expect(cells['sharpe']!.title).toContain('6.5 % risk-free');
    expect(cells['charges']!.text).toBe('100.00');
  });

  it('per-strategy bars scale to the largest |net PnL|, longest first', () => {
    const bars = pnlBars([
      { strategy: 'a', metrics: { ...base, netPnlPaise: 500 } },
      { strategy: 'b', metrics: { ...base, netPnlPaise: -2000 } },
      { strategy: 'c', metrics: { ...base, netPnlPaise: 0 } },
    ]);
    expect(bars.map((b) => [b.strategy, b.widthPct, b.tone])).toEqual([
      ['b', 100, 'down'],
      ['a', 25, 'up'],
      ['c', 0, 'flat'],
    ]);
    expect(pnlBars([{ strategy: 'z', metrics: { ...base, netPnlPaise: 0 } }])[0]!.widthPct).toBe(0);
  });

  it('ranges are IST days counted back from the feed time', () => {
    const t = Date.parse('2026-11-20T00:10:00+05:30'); // still 19 Nov in UTC
    expect(istDayOf(t)).toBe('2026-11-20');
    expect(presetRange('today', t)).toEqual({ from: '2026-11-20', to: '2026-11-20' });
    expect(presetRange('7d', t)).toEqual({ from: '2026-11-14', to: '2026-11-20' });
    // on Saturday the engine's trading day is Friday: "today" is Friday's session
    const sat = Date.parse('2026-11-21T11:00:00+05:30');
    expect(presetRange('today', sat, '2026-11-20')).toEqual({ from: '2026-11-20', to: '2026-11-20' });
    expect(presetRange('7d', sat, '2026-11-20')).toEqual({ from: '2026-11-14', to: '2026-11-20' });
  });
});
