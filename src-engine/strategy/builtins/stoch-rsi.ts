import { z } from 'zod';
import { clamp01, defineStrategy } from '../strategy.js';
import { crossedAbove, crossedBelow, period } from './util.js';

/**
 * `stoch_rsi` — Stochastic RSI(14, 14, 3): BUY when %K crosses above %D from the oversold zone
 * (either line ≤ 20 on the previous bar), SELL when %K crosses below %D from overbought (≥ 80).
 * Confidence 0.5 plus how deep in the zone the cross started.
 */
export const stochRsiStrategy = defineStrategy({
  type: 'stoch_rsi',
  description: 'Stochastic RSI 14/14/3: BUY on a %K/%D cross up below 20, SELL on a cross down above 80',
  params: z
    .strictObject({
      rsi: period(14),
      k: period(14),
      d: period(3),
      oversold: z.number().min(0).max(50).default(20),
      overbought: z.number().min(50).max(100).default(80),
    })
    .refine((p) => p.oversold < p.overbought, { message: 'oversold must be below overbought', path: ['oversold'] }),
  timeframes: ['15m'],
  warmup: (p) => p.rsi + p.k + p.d,
  create: (ctx) => {
    const { oversold, overbought } = ctx.params;
    const sr = ctx.indicator(`stochrsi:${ctx.params.rsi}:${ctx.params.k}:${ctx.params.d}`);
    let pk = NaN;
    let pd = NaN;
    return {
      onBar(tf) {
        if (tf !== ctx.timeframe) return;
        const k = sr.out[0]!;
        const d = sr.out[1]!;
        const low = Math.min(pk, pd);
        const high = Math.max(pk, pd);
        if (crossedAbove(pk, pd, k, d) && low <= oversold) {
          ctx.emit({ side: 'BUY', confidence: clamp01(0.5 + (0.5 * (oversold - low)) / Math.max(oversold, 1)), reason: `StochRSI %K ${k.toFixed(1)} crossed above %D ${d.toFixed(1)} from oversold` });
        } else if (crossedBelow(pk, pd, k, d) && high >= overbought) {
          ctx.emit({ side: 'SELL', confidence: clamp01(0.5 + (0.5 * (high - overbought)) / Math.max(100 - overbought, 1)), reason: `StochRSI %K ${k.toFixed(1)} crossed below %D ${d.toFixed(1)} from overbought` });
        }
        pk = k;
        pd = d;
      },
    };
  },
});
