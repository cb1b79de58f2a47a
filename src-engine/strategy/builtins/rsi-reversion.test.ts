import { describe, expect, it } from 'vitest';
import { barsFrom, path, runOne, sidesAt, zigzag } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { rsiReversion } from './rsi-reversion.js';

const def: StrategyDefinition = rsiReversion;

describe('rsi_reversion', () => {
  it('BUYs on the exit from oversold and SELLs on the exit from overbought', () => {
    const bars = barsFrom(path(100, [20, 0], [20, -1], [40, 1], [20, -1]));
    const r = runOne(def, bars);
    const at = sidesAt(r.signals, bars);
    expect(at.map((x) => x[1])).toEqual(['BUY', 'SELL']);
    expect(at[0]![0]).toBeGreaterThanOrEqual(40);
    expect(at[1]![0]).toBeGreaterThanOrEqual(80);
    expect(r.signals[0]!.snapshot.rsi_14).toBeGreaterThanOrEqual(30);
    expect(r.signals[0]!.confidence).toBeGreaterThan(0.5);
  });
  it('stays silent on a sideways zigzag', () => {
    expect(runOne(def, barsFrom(zigzag(100, 100, 101))).signals).toEqual([]);
  });
  it('rejects oversold ≥ overbought', () => {
    expect(() => runOne(def, [], { oversold: 50, overbought: 50 })).toThrow(/params\.oversold/);
  });
});
