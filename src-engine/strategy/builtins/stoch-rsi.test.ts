import { describe, expect, it } from 'vitest';
import { barsFrom, path, runOne, sidesAt } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { stochRsiStrategy } from './stoch-rsi.js';

const def: StrategyDefinition = stochRsiStrategy;

describe('stoch_rsi', () => {
  it('BUYs on a %K/%D cross up from oversold and SELLs on a cross down from overbought', () => {
    const bars = barsFrom(path(100, [10, 0], [30, -1], [20, 1], [20, -1]));
    const r = runOne(def, bars);
    const at = sidesAt(r.signals, bars);
    expect(at).toEqual([
      [40, 'BUY'],
      [60, 'SELL'],
    ]);
    expect(r.signals[0]!.snapshot).toHaveProperty('stochrsi_14_14_3_k');
  });
  it('stays silent on a steady trend', () => {
    expect(runOne(def, barsFrom(path(100, [100, 0.5]))).signals).toEqual([]);
  });
});
