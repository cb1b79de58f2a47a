/**
 * Payoff of open F&O positions of one underlying (issue 14): PnL (paise) against the underlying's price, at
 * expiry and today, from the same model (fno/black76.ts). Per position (qty signed, average price a):
 *  - at expiry:  options qty × (intrinsic(S) − a); futures qty × (S − a) (a future settles at the underlying);
 *  - today:      options qty × (Black-76(F = S·e^{rT}, K, T, σ) − a); futures qty × (S·e^{rT} − a),
 *    T = years to the contract's expiry (fno/expiries.ts), σ = the option's implied volatility at its mark when
 *    it solves, else `vol`. "At expiry" uses each contract's own expiry; mixing expiries is allowed (the nearer
 *    ones are at intrinsic, the others valued at their own T in the "today" curve only).
 * Pure; the grid is `points` underlying prices evenly across ± `rangePct` % of `spotPaise`.
 */
import { black76Price, forwardOf, impliedVol } from '../fno/black76.js';
import { yearsToExpiry } from '../fno/expiries.js';
import { fnoContractOf } from './fno-margin.js';

export interface PayoffPosition {
  symbol: string;
  /** Signed units. */
  qty: number;
  avgPricePaise: number;
  /** The contract's last price (for its implied volatility); optional. */
  markPaise?: number | undefined;
}

export interface PayoffPoint {
  underlyingPaise: number;
  expiryPnlPaise: number;
  todayPnlPaise: number;
}

export interface PayoffOptions {
  spotPaise: number;
  now: number;
  /** Fallback volatility (annualised) when a mark gives none. Default 0.13. */
  vol?: number;
  rate?: number;
  rangePct?: number;
  points?: number;
}

export class PayoffError extends RangeError {
  override name = 'PayoffError';
}

export function payoffCurve(positions: readonly PayoffPosition[], o: PayoffOptions): PayoffPoint[] {
  if (!(Number.isSafeInteger(o.spotPaise) && o.spotPaise > 0)) throw new PayoffError(`payoff: spotPaise must be a positive integer, got ${String(o.spotPaise)}`);
  const rate = o.rate ?? 0.065;
  const vol = o.vol ?? 0.13;
  const range = o.rangePct ?? 5;
  const n = o.points ?? 101;
  if (!(range > 0 && range < 100) || !Number.isInteger(n) || n < 2 || n > 2001) throw new PayoffError(`payoff: rangePct in (0, 100) and points 2–2001, got ${range} and ${n}`);
  const legs = positions
    .filter((p) => p.qty !== 0)
    .map((p) => {
      const c = fnoContractOf(p.symbol);
      if (!c) throw new PayoffError(`payoff: ${p.symbol} is not a derivative`);
      const t = yearsToExpiry(c.expiry, o.now);
      let sigma = vol;
      if (c.kind !== 'FUT' && t > 0 && p.markPaise !== undefined && p.markPaise > 0) {
        const iv = impliedVol(p.markPaise, { forward: forwardOf(o.spotPaise, rate, t), strike: c.strikePaise, t, rate, right: c.kind });
        if (iv !== null) sigma = iv;
      }
      return { p, c, t, sigma };
    });
  const out: PayoffPoint[] = [];
  const lo = o.spotPaise * (1 - range / 100);
  const hi = o.spotPaise * (1 + range / 100);
  for (let i = 0; i < n; i++) {
    const s = Math.round(lo + ((hi - lo) * i) / (n - 1));
    let atExpiry = 0;
    let today = 0;
    for (const { p, c, t, sigma } of legs) {
      if (c.kind === 'FUT') {
        atExpiry += p.qty * (s - p.avgPricePaise);
        today += p.qty * (forwardOf(s, rate, t) - p.avgPricePaise);
        continue;
      }
      const intrinsic = Math.max(0, c.kind === 'CE' ? s - c.strikePaise : c.strikePaise - s);
      atExpiry += p.qty * (intrinsic - p.avgPricePaise);
      const value = t > 0 ? black76Price({ forward: forwardOf(s, rate, t), strike: c.strikePaise, t, vol: sigma, rate, right: c.kind }) : intrinsic;
      today += p.qty * (value - p.avgPricePaise);
    }
    out.push({ underlyingPaise: s, expiryPnlPaise: Math.round(atExpiry), todayPnlPaise: Math.round(today) });
  }
  return out;
}
