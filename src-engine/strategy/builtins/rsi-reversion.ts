import { z } from 'zod';
import { clamp01, defineStrategy } from '../strategy.js';
import { period } from './util.js';

/**
 * `rsi_reversion` — RSI(14) mean reversion: BUY when RSI climbs back above `oversold` (30) after
 * dipping below it, SELL when it falls back below `overbought` (70). Confidence 0.5 plus how far
 * past the level the excursion went (15 points past → 1).
 */
export const rsiReversion = defineStrategy({
  type: 'rsi_reversion',
  description: 'RSI 14 mean reversion: BUY on the exit from oversold (<30), SELL on the exit from overbought (>70)',
  params: z
    .strictObject({ period: period(14), oversold: z.number().min(1).max(50).default(30), overbought: z.number().min(50).max(99).default(70) })
    .refine((p) => p.oversold < p.overbought, { message: 'oversold must be below overbought', path: ['oversold'] }),
  timeframes: ['15m'],
  warmup: (p) => p.period + 1,
  create: (ctx) => {
    const { oversold, overbought } = ctx.params;
    const rsi = ctx.indicator(`rsi:${ctx.params.period}`);
    let prev = NaN;
    let extreme = NaN; // deepest RSI of the current excursion
    return {
      onBar(tf) {
        if (tf !== ctx.timeframe) return;
        const r = rsi.out[0]!;
        if (r < oversold) extreme = extreme < r ? extreme : r;
        else if (r > overbought) extreme = extreme > r ? extreme : r;
        if (prev < oversold && r >= oversold) {
          ctx.emit({ side: 'BUY', confidence: clamp01(0.5 + (oversold - extreme) / 30), reason: `RSI ${r.toFixed(1)} back above ${oversold} (low ${extreme.toFixed(1)})` });
          extreme = NaN;
        } else if (prev > overbought && r <= overbought) {
          ctx.emit({ side: 'SELL', confidence: clamp01(0.5 + (extreme - overbought) / 30), reason: `RSI ${r.toFixed(1)} back below ${overbought} (high ${extreme.toFixed(1)})` });
          extreme = NaN;
        }
        if (r >= oversold && r <= overbought) extreme = NaN;
        prev = r;
      },
    };
  },
});
