import { z } from 'zod';
import { clamp01, defineStrategy } from '../strategy.js';
import { period } from './util.js';

/**
 * `bollinger_reversion` — Bollinger(20, 2) mean reversion: BUY when the close comes back inside
 * after closing below the lower band, SELL when it comes back inside after closing above the upper
 * band. Confidence 0.6 plus how far outside the band the excursion closed (in band widths, ×2).
 */
export const bollingerReversion = defineStrategy({
  type: 'bollinger_reversion',
  description: 'Bollinger 20/2 mean reversion: BUY on the close back above the lower band, SELL back below the upper',
  params: z.strictObject({ period: period(20), k: z.number().gt(0).max(10).default(2) }),
  timeframes: ['15m'],
  warmup: (p) => p.period + 1,
  create: (ctx) => {
    const bb = ctx.indicator(`bb:${ctx.params.period}:${ctx.params.k}`);
    let outside = 0; // −1 below the lower band, +1 above the upper, 0 inside
    let depth = 0; // furthest excursion, in band widths
    return {
      onBar(tf, bar) {
        if (tf !== ctx.timeframe) return;
        const upper = bb.out[0]!;
        const lower = bb.out[2]!;
        const width = upper - lower;
        if (!(width > 0)) return;
        const c = bar.c;
        if (c < lower) {
          if (outside !== -1) depth = 0;
          outside = -1;
          depth = Math.max(depth, (lower - c) / width);
        } else if (c > upper) {
          if (outside !== 1) depth = 0;
          outside = 1;
          depth = Math.max(depth, (c - upper) / width);
        } else {
          if (outside === -1) ctx.emit({ side: 'BUY', confidence: clamp01(0.6 + 2 * depth), reason: `close back above lower band ${lower.toFixed(2)}` });
          else if (outside === 1) ctx.emit({ side: 'SELL', confidence: clamp01(0.6 + 2 * depth), reason: `close back below upper band ${upper.toFixed(2)}` });
          outside = 0;
        }
      },
    };
  },
});
