import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import { black76Price, forwardOf } from '../fno/black76.js';
import { yearsToExpiry } from '../fno/expiries.js';
import { payoffCurve, PayoffError } from './fno-payoff.js';

const CE = 'NIFTY26D0826000CE'; // expires 2026-12-08 15:30
const PE = 'NIFTY26D0826000PE';
const FUT = 'NIFTY26DECFUT';
const NOW = istTime('2026-12-07', '10:00');

describe('payoff of open F&O positions (at expiry and today, one model)', () => {
  it('a long call at expiry: −premium below the strike, then one-for-one above it', () => {
    const pts = payoffCurve([{ symbol: CE, qty: 65, avgPricePaise: 100_00 }], { spotPaise: 26_000_00, now: NOW, rangePct: 2, points: 5 });
    expect(pts.map((p) => p.underlyingPaise)).toEqual([25_480_00, 25_740_00, 26_000_00, 26_260_00, 26_520_00]);
    expect(pts.map((p) => p.expiryPnlPaise)).toEqual([-65 * 100_00, -65 * 100_00, -65 * 100_00, 65 * (260_00 - 100_00), 65 * (520_00 - 100_00)]);
    // today it is worth the Black-76 value at 13 % (no mark): above the expiry line everywhere (time value)
    for (const p of pts) expect(p.todayPnlPaise).toBeGreaterThan(p.expiryPnlPaise);
    const t = yearsToExpiry('2026-12-08', NOW);
    const at = black76Price({ forward: forwardOf(26_000_00, 0.065, t), strike: 26_000_00, t, vol: 0.13, rate: 0.065, right: 'CE' });
    expect(pts[2]!.todayPnlPaise).toBe(Math.round(65 * (at - 100_00)));
  });

  it('a short straddle and a hedge future net per point; the mark sets the implied volatility', () => {
    const legs = [
      { symbol: CE, qty: -65, avgPricePaise: 150_00, markPaise: 150_00 },
      { symbol: PE, qty: -65, avgPricePaise: 140_00, markPaise: 140_00 },
      { symbol: FUT, qty: 65, avgPricePaise: 26_100_00 },
    ];
    const pts = payoffCurve(legs, { spotPaise: 26_000_00, now: NOW, rangePct: 1, points: 3 });
    // S = 25,740: put ITM by 260 → −65 × (260 − 140); call expires, +150 × 65; future −360 × 65
    expect(pts[0]!.expiryPnlPaise).toBe(-65 * (260_00 - 140_00) + 65 * 150_00 + 65 * (25_740_00 - 26_100_00));
    expect(pts[1]!.expiryPnlPaise).toBe(65 * (150_00 + 140_00) + 65 * (26_000_00 - 26_100_00));
    // today at the spot: options at their marks (IV solved from them) ⇒ the option legs are flat
    const t = yearsToExpiry('2026-12-29', NOW);
    expect(pts[1]!.todayPnlPaise).toBeCloseTo(65 * (forwardOf(26_000_00, 0.065, t) - 26_100_00), -1);
  });

  it('refuses what is not a derivative and bad grids', () => {
    expect(() => payoffCurve([{ symbol: 'INFY', qty: 1, avgPricePaise: 1 }], { spotPaise: 100, now: NOW })).toThrow(PayoffError);
    expect(() => payoffCurve([], { spotPaise: 0, now: NOW })).toThrow(/spotPaise/);
    expect(() => payoffCurve([], { spotPaise: 100, now: NOW, points: 1 })).toThrow(/points/);
    expect(payoffCurve([], { spotPaise: 100_00, now: NOW, points: 2 }).every((p) => p.expiryPnlPaise === 0 && p.todayPnlPaise === 0)).toBe(true);
  });
});
