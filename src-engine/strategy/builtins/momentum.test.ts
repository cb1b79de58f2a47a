import { describe, expect, it } from 'vitest';
import { barsFrom, path, runOne, sidesAt } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { momentumStrategy } from './momentum.js';

const def: StrategyDefinition = momentumStrategy;

describe('momentum', () => {
  it('BUYs when ROC rises above +2 % and SELLs when it falls below −2 %', () => {
    const bars = barsFrom(path(100, [20, 0], [20, 1], [10, 0], [30, -1]));
    const r = runOne(def, bars);
    const at = sidesAt(r.signals, bars);
    expect(at.map((x) => x[1])).toEqual(['BUY', 'SELL']);
    expect(at[0]![0]).toBeGreaterThanOrEqual(20);
    expect(at[1]![0]).toBeGreaterThanOrEqual(50);
    expect(r.signals[0]!.snapshot.roc_10).toBeGreaterThan(2);
  });
  it('stays silent on a slow drift', () => {
    expect(runOne(def, barsFrom(path(100, [100, 0.01]))).signals).toEqual([]);
  });
});
