import { describe, expect, it } from 'vitest';
import { barsFrom, path, runOne, sidesAt } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { emaCrossover } from './ema-crossover.js';

const def: StrategyDefinition = emaCrossover;

describe('ema_crossover', () => {
  it('BUYs when EMA 9 crosses above EMA 21 and SELLs on the way down', () => {
    const bars = barsFrom(path(100, [40, 0], [30, 1], [40, -1]));
    const r = runOne(def, bars);
    const at = sidesAt(r.signals, bars);
    expect(at.map((x) => x[1])).toEqual(['BUY', 'SELL']);
    expect(at[0]![0]).toBeGreaterThanOrEqual(40);
    expect(at[1]![0]).toBeGreaterThanOrEqual(70);
    expect(Object.keys(r.signals[1]!.snapshot).sort()).toEqual(['ema_21', 'ema_9']);
  });
  it('stays silent on a flat series', () => {
    expect(runOne(def, barsFrom(path(100, [100, 0]))).signals).toEqual([]);
  });
  it('takes custom periods', () => {
    const bars = barsFrom(path(100, [40, 0], [30, 1], [40, -1]));
    const r = runOne(def, bars, { fast: 3, slow: 5 });
    expect(r.signals.map((s) => s.side)).toEqual(['BUY', 'SELL']);
    expect(r.signals[0]!.snapshot).toHaveProperty('ema_3');
  });
});
