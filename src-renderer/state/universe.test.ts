import { describe, expect, it } from 'vitest';
import type { UniverseEntry, UniverseScan } from '../../src-engine/contract/schemas.js';
import { universeRows, universeSummary } from './universe.js';

const entry = (symbol: string, rank: number, score: number, selected: boolean): UniverseEntry => ({
  symbol,
  rank,
  score,
  selected,
  factors: { atrPct: 2, avgValuePaise: 1, trend: 20, direction: 1, ranks: { volatility: 1, liquidity: 1, trend: 1 }, lastClosePaise: 100, lastBarDay: '2026-11-19', barsUsed: 250 },
});

const scan: UniverseScan = {
  date: '2026-11-20',
  state: 'ok',
  source: 'simulator',
  entries: [entry('TCS', 1, 0.876, true), entry('INFY', 2, 0.5, false), entry('SBIN', 3, 0.2, false), entry('WIPRO', 4, 0.1, true)],
  symbols: ['WIPRO', 'TCS'],
  dropped: [
    { symbol: 'INFY', reason: 'over-cap' },
    { symbol: 'SBIN', reason: 'over-cap' },
  ],
};

describe('universe view state', () => {
  it('lists the selected symbols first in universe order, then the rest by rank, capped', () => {
    expect(universeRows(scan)).toEqual([
      { symbol: 'WIPRO', rank: 4, scorePct: 10, selected: true },
      { symbol: 'TCS', rank: 1, scorePct: 88, selected: true },
      { symbol: 'INFY', rank: 2, scorePct: 50, selected: false },
      { symbol: 'SBIN', rank: 3, scorePct: 20, selected: false },
    ]);
    expect(universeRows(scan, 3).map((r) => r.symbol)).toEqual(['WIPRO', 'TCS', 'INFY']);
  });

  it('shows an unscored forced symbol and nothing for a missing or failed scan', () => {
    expect(universeRows({ ...scan, symbols: ['M&M'] })[0]).toEqual({ symbol: 'M&M', rank: 0, scorePct: 0, selected: true });
    expect(universeRows(null)).toEqual([]);
    const failed: UniverseScan = { ...scan, state: 'failed', error: 'disk full', entries: [], symbols: [] };
    expect(universeRows(failed)).toEqual([]);
    expect(universeSummary(failed)).toBe('2026-11-20: failed — disk full');
    expect(universeSummary(scan)).toBe('2026-11-20 · 2 of 4');
    expect(universeSummary(null)).toBe('not loaded');
  });
});
