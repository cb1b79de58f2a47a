import type { StrategyContext, StrategyHooks } from '../strategy.js';
import { clamp01 } from '../strategy.js';
import { crossedAbove, crossedBelow } from './util.js';

/**
 * Shared crossover logic: BUY when the fast average crosses above the slow one, SELL when it crosses
 * below. Confidence grows with the gap: 0.5 at the cross + 50 × |fast − slow| / slow.
 * `allow(bar)` may veto an emission (e.g. outside an intraday window); the state still advances.
 */
export function maCrossHooks(
  ctx: StrategyContext<unknown>,
  kind: 'sma' | 'ema',
  fastN: number,
  slowN: number,
  allow?: (t: number) => boolean,
  after?: (t: number, emitted: 'BUY' | 'SELL' | undefined) => void,
): StrategyHooks {
  const fast = ctx.indicator(`${kind}:${fastN}`);
  const slow = ctx.indicator(`${kind}:${slowN}`);
  let pf = NaN;
  let ps = NaN;
  const label = kind.toUpperCase();
  return {
    onBar(tf, bar) {
      if (tf !== ctx.timeframe) return;
      const f = fast.out[0]!;
      const s = slow.out[0]!;
      let side: 'BUY' | 'SELL' | undefined;
      if (crossedAbove(pf, ps, f, s)) side = 'BUY';
      else if (crossedBelow(pf, ps, f, s)) side = 'SELL';
      pf = f;
      ps = s;
      if (side !== undefined && (allow === undefined || allow(bar.t))) {
        const confidence = clamp01(0.5 + (50 * Math.abs(f - s)) / Math.abs(s));
        ctx.emit({ side, confidence, reason: `${label} ${fastN} crossed ${side === 'BUY' ? 'above' : 'below'} ${label} ${slowN}` });
        after?.(bar.t, side);
      } else after?.(bar.t, undefined);
    },
  };
}
