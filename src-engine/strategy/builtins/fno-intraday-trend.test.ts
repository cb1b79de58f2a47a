import { describe, expect, it } from 'vitest';
import { barsFrom, path, runOne, sessionTimes } from '../testing.js';
import type { StrategyDefinition } from '../strategy.js';
import { fnoIntradayTrend } from './fno-intraday-trend.js';

const def: StrategyDefinition = fnoIntradayTrend;

describe('fno_intraday_trend', () => {
  const times = sessionTimes(75 * 3, 5);
  const flatDay = path(100, [75, 0]);
  it('BUYs on a confirmed uptrend, SELLs on a confirmed downtrend, squares off each day', () => {
    const bars = barsFrom([...flatDay, ...path(100, [5, 0], [30, 0.5], [40, 0]), ...path(115, [5, 0], [30, -0.5], [40, 0])], times);
    const r = runOne(def, bars);
    const sides = r.signals.map((s) => s.side);
    const reasons = r.signals.map((s) => (s.reason.includes('square-off') ? 'off' : 'trend'));
    // day 2: BUY then square-off SELL; day 3: the morning still trends up (BUY), then the fall (SELL), square-off BUY
    expect(sides).toEqual(['BUY', 'SELL', 'BUY', 'SELL', 'BUY']);
    expect(reasons).toEqual(['trend', 'off', 'trend', 'trend', 'off']);
    expect(r.signals[0]!.snapshot.adx_14).toBeGreaterThanOrEqual(20);
    expect(r.signals[3]!.snapshot.adx_14_minus_di).toBeGreaterThan(r.signals[3]!.snapshot.adx_14_plus_di!);
  });
  it('stays silent without a trend (ADX below 20)', () => {
    expect(runOne(def, barsFrom(path(100, [150, 0]), times)).signals).toEqual([]);
  });
});
