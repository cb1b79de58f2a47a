import { describe, expect, it } from 'vitest';
import { barsFrom, path, runOne, sessionTimes, sidesAt } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { emaIntraday } from './ema-intraday.js';

const def: StrategyDefinition = emaIntraday;

describe('ema_intraday', () => {
  const times = sessionTimes(75 * 2, 5);
  const flatDay = path(100, [75, 0]);
  it('BUYs on the cross inside the window and squares off (SELL) at 15:15', () => {
    const bars = barsFrom([...flatDay, ...path(100, [10, 0], [20, 0.5], [45, 0])], times);
    const r = runOne(def, bars);
    const at = sidesAt(r.signals, bars);
    expect(at.map((x) => x[1])).toEqual(['BUY', 'SELL']);
    expect(r.signals[1]!.reason).toMatch(/square-off/);
    expect(new Date(bars[at[1]![0]]!.t + 5 * 60_000).toISOString()).toBe('2024-01-02T09:45:00.000Z'); // 15:15 IST
  });
  it('SELLs on the cross down and squares off with a BUY', () => {
    const bars = barsFrom([...flatDay, ...path(100, [10, 0], [20, -0.5], [45, 0])], times);
    expect(runOne(def, bars).signals.map((s) => s.side)).toEqual(['SELL', 'BUY']);
  });
  it('ignores a cross after the entry window', () => {
    const bars = barsFrom([...flatDay, ...path(100, [66, 0], [9, 0.5])], times);
    expect(runOne(def, bars).signals).toEqual([]);
  });
});
