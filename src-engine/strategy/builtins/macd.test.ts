import { describe, expect, it } from 'vitest';
import { barsFrom, path, runOne, sidesAt } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { macdStrategy } from './macd.js';

const def: StrategyDefinition = macdStrategy;

describe('macd', () => {
  it('BUYs when MACD crosses above its signal and SELLs below', () => {
    const bars = barsFrom(path(100, [50, 0], [30, 1], [30, -1]));
    const r = runOne(def, bars);
    const at = sidesAt(r.signals, bars);
    expect(at.map((x) => x[1])).toEqual(['BUY', 'SELL']);
    expect(at[0]![0]).toBeGreaterThanOrEqual(50);
    expect(at[1]![0]).toBeGreaterThanOrEqual(80);
    expect(Object.keys(r.signals[0]!.snapshot)).toEqual(['macd_12_26_9', 'macd_12_26_9_signal', 'macd_12_26_9_hist']);
  });
  it('stays silent on a flat series', () => {
    expect(runOne(def, barsFrom(path(100, [100, 0]))).signals).toEqual([]);
  });
});
