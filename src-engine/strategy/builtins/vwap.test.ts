import { describe, expect, it } from 'vitest';
import { barsFrom, path, runOne, sessionTimes, sidesAt } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { vwapStrategy } from './vwap.js';

const def: StrategyDefinition = vwapStrategy;

describe('vwap', () => {
  const times = sessionTimes(30, 5);
  it('BUYs when the close crosses above VWAP and SELLs when it crosses below', () => {
    const bars = barsFrom(path(100, [5, -0.5], [10, 0.5], [10, -0.5]), times);
    const r = runOne(def, bars);
    const at = sidesAt(r.signals, bars);
    expect(at.map((x) => x[1])).toEqual(['BUY', 'SELL']);
    expect(r.signals[0]!.snapshot.vwap).toBeGreaterThan(0);
    expect(r.signals[0]!.price).toBeGreaterThan(r.signals[0]!.snapshot.vwap!);
  });
  it('stays silent on a flat session', () => {
    expect(runOne(def, barsFrom(path(100, [25, 0]), times)).signals).toEqual([]);
  });
  it('needs the move to exceed minDistanceBps', () => {
    const bars = barsFrom(path(100, [5, -0.5], [10, 0.5], [10, -0.5]), times);
    expect(runOne(def, bars, { minDistanceBps: 1000 }).signals).toEqual([]);
  });
});
