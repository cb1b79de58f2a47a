import { z } from 'zod';
import { defineStrategy } from '../strategy.js';
import { maCrossHooks } from './ma-cross.js';
import { period } from './util.js';

/** `ema_crossover` — EMA fast/slow crossover (9/21): BUY when the fast EMA crosses above, SELL below. */
export const emaCrossover = defineStrategy({
  type: 'ema_crossover',
  description: 'EMA 9/21 crossover: BUY when the fast EMA crosses above the slow, SELL when below',
  params: z
    .strictObject({ fast: period(9), slow: period(21) })
    .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] }),
  timeframes: ['15m'],
  warmup: (p) => p.slow + 1,
  create: (ctx) => maCrossHooks(ctx, 'ema', ctx.params.fast, ctx.params.slow),
});
