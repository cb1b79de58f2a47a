import { z } from 'zod';
import { clamp01, defineStrategy } from '../strategy.js';

/**
 * `vwap` — session VWAP cross: BUY when the close moves from below to above VWAP by at least
 * `minDistanceBps` (5 bps), SELL for the reverse; closes within the band keep the previous side.
 * Confidence 0.5 + distance / 50 bps.
 */
export const vwapStrategy = defineStrategy({
  type: 'vwap',
  description: 'VWAP cross: BUY when the close crosses above session VWAP (by ≥ 5 bps), SELL when below',
  params: z.strictObject({ minDistanceBps: z.number().min(0).max(1000).default(5) }),
  timeframes: ['5m'],
  warmup: 2,
  create: (ctx) => {
    const vwap = ctx.indicator('vwap');
    let side = 0;
    return {
      onBar(tf, bar) {
        if (tf !== ctx.timeframe) return;
        const v = vwap.out[0]!;
        if (!(v > 0)) return;
        const bps = ((bar.c - v) / v) * 10_000;
        const now = bps >= ctx.params.minDistanceBps ? 1 : bps <= -ctx.params.minDistanceBps ? -1 : side;
        if (now !== side && side !== 0) {
          const confidence = clamp01(0.5 + Math.abs(bps) / 50);
          if (now === 1) ctx.emit({ side: 'BUY', confidence, reason: `close ${bps.toFixed(1)} bps above VWAP ${v.toFixed(2)}` });
          else ctx.emit({ side: 'SELL', confidence, reason: `close ${(-bps).toFixed(1)} bps below VWAP ${v.toFixed(2)}` });
        }
        side = now;
      },
    };
  },
});
