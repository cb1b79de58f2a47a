import { describe, expect, it } from 'vitest';
import { barsFrom, runOne, sidesAt, zigzag } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { bollingerReversion } from './bollinger-reversion.js';

const def: StrategyDefinition = bollingerReversion;

describe('bollinger_reversion', () => {
  it('BUYs back inside after a close below the lower band, SELLs after one above the upper', () => {
    const closes = [...zigzag(30, 100, 101), 95, 100, ...zigzag(10, 100, 101), 106, 100.5, ...zigzag(10, 100, 101)];
    const bars = barsFrom(closes);
    const r = runOne(def, bars);
    expect(sidesAt(r.signals, bars)).toEqual([
      [31, 'BUY'],
      [43, 'SELL'],
    ]);
    expect(r.signals[0]!.snapshot).toHaveProperty('bb_20_2_lower');
  });
  it('stays silent inside the bands', () => {
    expect(runOne(def, barsFrom(zigzag(80, 100, 101))).signals).toEqual([]);
  });
});
