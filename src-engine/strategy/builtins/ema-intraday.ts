import { z } from 'zod';
import { defineStrategy } from '../strategy.js';
import { maCrossHooks } from './ma-cross.js';
import { barEndMinute, hhmm, hhmmToMinutes, istDay, period } from './util.js';

/**
 * `ema_intraday` — EMA 20/50 crossover on 5-minute bars, entries only between `entryFrom` and
 * `entryTo` (IST, by bar close) and the open side squared off at `squareOff`. On `day` bars the
 * window does not apply (a plain 20/50 crossover).
 */
export const emaIntraday = defineStrategy({
  type: 'ema_intraday',
  description: 'EMA 20/50 intraday: crossovers between 09:30 and 14:30 IST, opposite signal at the 15:15 square-off',
  params: z
    .strictObject({ fast: period(20), slow: period(50), entryFrom: hhmm('09:30'), entryTo: hhmm('14:30'), squareOff: hhmm('15:15') })
    .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] }),
  timeframes: ['5m'],
  warmup: (p) => p.slow + 1,
  create: (ctx) => {
    const tf = ctx.timeframe;
    if (tf === 'day') return maCrossHooks(ctx, 'ema', ctx.params.fast, ctx.params.slow);
    const from = hhmmToMinutes(ctx.params.entryFrom);
    const to = hhmmToMinutes(ctx.params.entryTo);
    const off = hhmmToMinutes(ctx.params.squareOff);
    let open: 'BUY' | 'SELL' | undefined;
    let day = NaN;
    const cross = maCrossHooks(
      ctx,
      'ema',
      ctx.params.fast,
      ctx.params.slow,
      (t) => {
        const m = barEndMinute(t, tf);
        return m >= from && m <= to;
      },
      (_t, side) => {
        if (side !== undefined) open = side;
      },
    );
    return {
      onBar(barTf, bar) {
        if (barTf !== tf) return;
        const d = istDay(bar.t);
        if (d !== day) {
          day = d;
          open = undefined;
        }
        cross.onBar!(barTf, bar);
        if (open !== undefined && barEndMinute(bar.t, tf) >= off) {
          ctx.emit({ side: open === 'BUY' ? 'SELL' : 'BUY', confidence: 1, reason: `intraday square-off at ${ctx.params.squareOff}` });
          open = undefined;
        }
      },
    };
  },
});
