import { describe, expect, it } from 'vitest';
import { barsFrom, runOne, sidesAt, zigzag } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { zscoreReversion } from './zscore-reversion.js';

const def: StrategyDefinition = zscoreReversion;

describe('zscore_reversion', () => {
  it('BUYs 2 σ below the mean and SELLs 2 σ above', () => {
    const closes = [...zigzag(30, 100, 101), 97, ...zigzag(10, 100, 101), 104, ...zigzag(10, 100, 101)];
    const bars = barsFrom(closes);
    const r = runOne(def, bars);
    expect(sidesAt(r.signals, bars)).toEqual([
      [30, 'BUY'],
      [41, 'SELL'],
    ]);
    expect(Object.keys(r.signals[0]!.snapshot).sort()).toEqual(['sma_20', 'stddev_20']);
  });
  it('stays silent within 2 σ', () => {
    expect(runOne(def, barsFrom(zigzag(80, 100, 101))).signals).toEqual([]);
  });
});
