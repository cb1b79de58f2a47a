import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runProfileSchema } from '../runtime/config.js';
import { defineStrategy } from '../strategy/strategy.js';
import { candleTimeframes, runBacktest } from './backtest.js';
import { dataOf, generatedSeries, smaConfig } from './testing.js';

const multi = defineStrategy({ type: 'multi_tf', description: 'd', params: z.object({}), timeframes: ['1m', '60m', '3m'], warmup: 1, create: () => ({}) });

describe('the candle timeframes a backtest builds', () => {
  it('1m and every strategy instance’s (its primary, its definition’s others), in timeframe order', () => {
    const profile = runProfileSchema.parse({
      strategies: [
        { id: 'a', type: 'macd', symbols: ['X'] }, // its default 15m
        { id: 'b', type: 'supertrend', symbols: ['X'], timeframe: '5m', enabled: false },
        { id: 'c', type: 'multi_tf', symbols: ['X'], timeframe: 'day' },
      ],
    });
    expect(candleTimeframes(profile, [multi])).toEqual(['1m', '3m', '5m', '15m', '60m', 'day']);
    expect(candleTimeframes(runProfileSchema.parse({ strategies: [] }), [])).toEqual(['1m']);
    expect(candleTimeframes(runProfileSchema.parse({ strategies: [{ id: 's', type: 'sma_crossover', symbols: ['X'], timeframe: '1m' }] }), [])).toEqual(['1m']);
  });

  it('a strategy on a higher timeframe still gets its bars (5m SMA: trades on 5-minute closes)', () => {
    const cfg = smaConfig(['GEN'], 3, 8);
    cfg.profile.strategies[0]!.timeframe = '5m';
    cfg.profile.trading.product = 'MIS';
    const r = runBacktest(cfg, dataOf(generatedSeries('GEN', '2025-03-03', 3, 5)));
    expect(r.fills.length).toBeGreaterThan(10);
    // orders come when a 5-minute bar closes, so they fill at the open of a bar starting on a 5-minute boundary (09:15 + 5k)
    for (const f of r.fills) expect(((f.tsEvent - Date.parse('2025-03-03T09:15:00+05:30')) / 60_000) % 5).toBe(0);
  });
});
