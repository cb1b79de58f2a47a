import { z } from 'zod';
import { defineStrategy } from '../strategy.js';
import { maCrossHooks } from './ma-cross.js';
import { period } from './util.js';

/** `sma_crossover` — SMA fast/slow crossover (10/30): BUY on the golden cross, SELL on the death cross. */
export const smaCrossover = defineStrategy({
  type: 'sma_crossover',
  description: 'SMA 10/30 crossover: BUY when the fast SMA crosses above the slow, SELL when below',
  params: z
    .strictObject({ fast: period(10), slow: period(30) })
    .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] }),
  timeframes: ['15m'],
  warmup: (p) => p.slow + 1,
  create: (ctx) => maCrossHooks(ctx, 'sma', ctx.params.fast, ctx.params.slow),
});
