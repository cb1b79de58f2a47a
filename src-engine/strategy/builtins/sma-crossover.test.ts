import { describe, expect, it } from 'vitest';
import { barsFrom, path, runOne, sidesAt } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { smaCrossover } from './sma-crossover.js';

const def: StrategyDefinition = smaCrossover;

describe('sma_crossover', () => {
  it('BUYs on the golden cross and SELLs on the death cross', () => {
    const bars = barsFrom(path(100, [40, 0], [30, 1], [40, -1]));
    const r = runOne(def, bars);
    expect(r.errors).toEqual([]);
    const at = sidesAt(r.signals, bars);
    expect(at.map((x) => x[1])).toEqual(['BUY', 'SELL']);
    expect(at[0]![0]).toBeGreaterThanOrEqual(40);
    expect(at[1]![0]).toBeGreaterThanOrEqual(70);
    expect(r.signals[0]!.snapshot).toHaveProperty('sma_10');
    expect(r.signals[0]!.snapshot).toHaveProperty('sma_30');
    expect(r.signals[0]!.reason).toMatch(/SMA 10 crossed above SMA 30/);
  });
  it('stays silent on a flat series', () => {
    expect(runOne(def, barsFrom(path(100, [100, 0]))).signals).toEqual([]);
  });
  it('rejects fast ≥ slow with the path of the key', () => {
    expect(() => runOne(def, [], { fast: 30, slow: 10 })).toThrow(/params\.fast: fast must be shorter than slow/);
  });
});
