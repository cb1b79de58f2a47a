import { z } from 'zod';
import { clamp01, defineStrategy } from '../strategy.js';
import { barEndMinute, hhmm, hhmmToMinutes, istDay, period } from './util.js';

/**
 * `fno_intraday_trend` — trend following on a future's 5-minute bars: BUY when EMA 9 > EMA 21,
 * ADX(14) ≥ `minAdx` (20) and +DI > −DI; SELL on the mirror. Emits when that regime starts (once per
 * regime), entries only between `entryFrom` and `entryTo` IST, and the open side is squared off at
 * `squareOff`; the regime resets each day. On `day` bars the window does not apply.
 * Confidence = ADX / 50 (capped at 1).
 */
export const fnoIntradayTrend = defineStrategy({
  type: 'fno_intraday_trend',
  description: 'F&O intraday trend: EMA 9/21 direction confirmed by ADX 14 ≥ 20 and DI, 09:30–14:45 entries, 15:15 square-off',
  params: z
    .strictObject({
      fast: period(9),
      slow: period(21),
      adx: period(14),
      minAdx: z.number().min(0).max(100).default(20),
      entryFrom: hhmm('09:30'),
      entryTo: hhmm('14:45'),
      squareOff: hhmm('15:15'),
    })
    .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] }),
  timeframes: ['5m'],
  warmup: (p) => Math.max(p.slow, 2 * p.adx) + 1,
  create: (ctx) => {
    const p = ctx.params;
    const tf = ctx.timeframe;
    const intraday = tf !== 'day';
    const from = hhmmToMinutes(p.entryFrom);
    const to = hhmmToMinutes(p.entryTo);
    const off = hhmmToMinutes(p.squareOff);
    const fast = ctx.indicator(`ema:${p.fast}`);
    const slow = ctx.indicator(`ema:${p.slow}`);
    const adx = ctx.indicator(`adx:${p.adx}`);
    let regime = 0; // the side last emitted: +1 long, −1 short, 0 flat
    let day = NaN;
    return {
      onBar(barTf, bar) {
        if (barTf !== tf) return;
        const minute = barEndMinute(bar.t, tf);
        if (intraday) {
          const d = istDay(bar.t);
          if (d !== day) {
            day = d;
            regime = 0;
          }
          if (minute >= off) {
            if (regime !== 0) ctx.emit({ side: regime > 0 ? 'SELL' : 'BUY', confidence: 1, reason: `intraday square-off at ${p.squareOff}` });
            regime = 0;
            return;
          }
        }
        const a = adx.out[0]!;
        const plus = adx.out[1]!;
        const minus = adx.out[2]!;
        const f = fast.out[0]!;
        const s = slow.out[0]!;
        const now = a >= p.minAdx ? (f > s && plus > minus ? 1 : f < s && minus > plus ? -1 : 0) : 0;
        if (now === 0 || now === regime) return;
        if (intraday && (minute < from || minute > to)) return;
        regime = now;
        ctx.emit({
          side: now > 0 ? 'BUY' : 'SELL',
          confidence: clamp01(a / 50),
          reason: `EMA ${p.fast} ${now > 0 ? '>' : '<'} EMA ${p.slow}, ADX ${a.toFixed(1)} ≥ ${p.minAdx}, ${now > 0 ? '+DI > −DI' : '−DI > +DI'}`,
        });
      },
    };
  },
});
