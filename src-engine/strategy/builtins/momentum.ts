import { z } from 'zod';
import { clamp01, defineStrategy } from '../strategy.js';
import { period } from './util.js';

/**
 * `momentum` — rate of change over `period` (10) bars: BUY when ROC rises through +`threshold` %
 * (2), SELL when it falls through −threshold. Confidence 0.5 + (|ROC| − threshold) / (2 × threshold).
 */
export const momentumStrategy = defineStrategy({
  type: 'momentum',
  description: 'Momentum: BUY when the 10-bar rate of change rises above +2 %, SELL when it falls below −2 %',
  params: z.strictObject({ period: period(10), threshold: z.number().gt(0).max(100).default(2) }),
  timeframes: ['15m'],
  warmup: (p) => p.period + 2,
  create: (ctx) => {
    const thr = ctx.params.threshold;
    const roc = ctx.indicator(`roc:${ctx.params.period}`);
    let prev = NaN;
    return {
      onBar(tf) {
        if (tf !== ctx.timeframe) return;
        const r = roc.out[0]!;
        if (prev <= thr && r > thr) {
          ctx.emit({ side: 'BUY', confidence: clamp01(0.5 + (r - thr) / (2 * thr)), reason: `ROC ${ctx.params.period} at ${r.toFixed(2)} % rose above +${thr} %` });
        } else if (prev >= -thr && r < -thr) {
          ctx.emit({ side: 'SELL', confidence: clamp01(0.5 + (-r - thr) / (2 * thr)), reason: `ROC ${ctx.params.period} at ${r.toFixed(2)} % fell below −${thr} %` });
        }
        prev = r;
      },
    };
  },
});
