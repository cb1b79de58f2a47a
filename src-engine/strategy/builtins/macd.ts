import { z } from 'zod';
import { defineStrategy } from '../strategy.js';
import { period } from './util.js';

/**
 * `macd` — MACD(12, 26, 9) signal-line cross: BUY when the histogram turns positive, SELL when it
 * turns negative. Confidence 0.75 when the MACD line is already on the trade's side of zero, else 0.55.
 */
export const macdStrategy = defineStrategy({
  type: 'macd',
  description: 'MACD 12/26/9: BUY when MACD crosses above its signal line, SELL when below',
  params: z
    .strictObject({ fast: period(12), slow: period(26), signal: period(9) })
    .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] }),
  timeframes: ['15m'],
  warmup: (p) => p.slow + p.signal,
  create: (ctx) => {
    const m = ctx.indicator(`macd:${ctx.params.fast}:${ctx.params.slow}:${ctx.params.signal}`);
    let prevHist = NaN;
    return {
      onBar(tf) {
        if (tf !== ctx.timeframe) return;
        const line = m.out[0]!;
        const hist = m.out[2]!;
        if (prevHist <= 0 && hist > 0) {
          ctx.emit({ side: 'BUY', confidence: line > 0 ? 0.75 : 0.55, reason: `MACD crossed above signal (hist ${hist.toFixed(3)})` });
        } else if (prevHist >= 0 && hist < 0) {
          ctx.emit({ side: 'SELL', confidence: line < 0 ? 0.75 : 0.55, reason: `MACD crossed below signal (hist ${hist.toFixed(3)})` });
        }
        prevHist = hist;
      },
    };
  },
});
