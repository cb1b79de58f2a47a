import { z } from 'zod';
import { clamp01, defineStrategy } from '../strategy.js';
import { period } from './util.js';

/**
 * `zscore_reversion` — mean reversion on the z-score of the close, z = (close − SMA n) / σ n
 * (n = 20): BUY when z drops below −`entryZ` (2), SELL when it rises above +entryZ.
 * Confidence 0.5 + (|z| − entryZ) / 2.
 */
export const zscoreReversion = defineStrategy({
  type: 'zscore_reversion',
  description: 'Mean reversion (z-score 20): BUY when the close is 2 σ below its mean, SELL when 2 σ above',
  params: z.strictObject({ period: period(20), entryZ: z.number().gt(0).max(10).default(2) }),
  timeframes: ['15m'],
  warmup: (p) => p.period + 1,
  create: (ctx) => {
    const n = ctx.params.period;
    const e = ctx.params.entryZ;
    const sma = ctx.indicator(`sma:${n}`);
    const sd = ctx.indicator(`stddev:${n}`);
    let prev = NaN;
    return {
      onBar(tf, bar) {
        if (tf !== ctx.timeframe) return;
        const s = sd.out[0]!;
        if (!(s > 0)) return;
        const z = (bar.c - sma.out[0]!) / s;
        if (prev >= -e && z < -e) ctx.emit({ side: 'BUY', confidence: clamp01(0.5 + (-z - e) / 2), reason: `z-score ${z.toFixed(2)} below −${e}` });
        else if (prev <= e && z > e) ctx.emit({ side: 'SELL', confidence: clamp01(0.5 + (z - e) / 2), reason: `z-score ${z.toFixed(2)} above +${e}` });
        prev = z;
      },
    };
  },
});
