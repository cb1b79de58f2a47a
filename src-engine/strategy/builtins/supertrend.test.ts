import { describe, expect, it } from 'vitest';
import { barsFrom, path, runOne, sidesAt } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { supertrendStrategy } from './supertrend.js';

const def: StrategyDefinition = supertrendStrategy;

describe('supertrend', () => {
  it('BUYs when the trend flips up and SELLs when it flips down', () => {
    const bars = barsFrom(path(100, [30, 0], [30, 1], [30, -1]));
    const r = runOne(def, bars);
    const at = sidesAt(r.signals, bars);
    expect(at.map((x) => x[1])).toEqual(['BUY', 'SELL']);
    expect(at[0]![0]).toBeGreaterThanOrEqual(30);
    expect(at[1]![0]).toBeGreaterThanOrEqual(60);
    expect(r.signals[0]!.snapshot.supertrend_10_3_direction).toBe(1);
    expect(r.signals[1]!.snapshot.supertrend_10_3_direction).toBe(-1);
  });
  it('stays silent on a flat series', () => {
    expect(runOne(def, barsFrom(path(100, [80, 0]))).signals).toEqual([]);
  });
});
