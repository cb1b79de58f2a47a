import { z } from 'zod';
import { clamp01, defineStrategy } from '../strategy.js';
import { period } from './util.js';

/**
 * `supertrend` — SuperTrend(10, 3) flips: BUY when the direction turns up, SELL when it turns down.
 * Confidence 0.5 + 25 × |close − line| / close.
 */
export const supertrendStrategy = defineStrategy({
  type: 'supertrend',
  description: 'SuperTrend 10/3: BUY when the trend flips up, SELL when it flips down',
  params: z.strictObject({ period: period(10), multiplier: z.number().gt(0).max(20).default(3) }),
  timeframes: ['15m'],
  warmup: (p) => p.period + 2,
  create: (ctx) => {
    const st = ctx.indicator(`supertrend:${ctx.params.period}:${ctx.params.multiplier}`);
    let prevDir = NaN;
    return {
      onBar(tf, bar) {
        if (tf !== ctx.timeframe) return;
        const line = st.out[0]!;
        const dir = st.out[1]!;
        if (prevDir === -1 && dir === 1) {
          ctx.emit({ side: 'BUY', confidence: clamp01(0.5 + (25 * Math.abs(bar.c - line)) / bar.c), reason: `SuperTrend flipped up (line ${line.toFixed(2)})` });
        } else if (prevDir === 1 && dir === -1) {
          ctx.emit({ side: 'SELL', confidence: clamp01(0.5 + (25 * Math.abs(bar.c - line)) / bar.c), reason: `SuperTrend flipped down (line ${line.toFixed(2)})` });
        }
        prevDir = dir;
      },
    };
  },
});
