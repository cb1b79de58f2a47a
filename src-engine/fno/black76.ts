/**
 * Black-76 (Black 1976, "The pricing of commodity contracts", J. Financial Economics 3) for European
 * options on a forward F, strike K, time T (years), volatility σ, discount rate r:
 *
 *   d1 = (ln(F/K) + σ²T/2) / (σ√T),  d2 = d1 − σ√T,  DF = e^(−rT)
 *   call = DF·(F·N(d1) − K·N(d2)),   put = DF·(K·N(−d2) − F·N(−d1))
 *
 * Greeks are taken with respect to the FORWARD (Black-76's own underlying), F held fixed as time passes:
 *   delta = DF·N(d1) (call), −DF·N(−d1) (put);  gamma = DF·n(d1)/(F·σ√T)
 *   vega  = DF·F·n(d1)·√T / 100            (per 1 volatility point, i.e. σ + 0.01)
 *   theta = (r·V − DF·F·n(d1)·σ/(2√T)) / 365 (per calendar day; V the option's value)
 * Units are whatever F, K and the price are in (the engine passes rupees or paise consistently).
 * Indian index options are European and cash-settled, so the model fits them; F is the futures price
 * (or spot × e^(rT) when only the spot is known — see forwardOf).
 *
 * The implied-volatility solver inverts `price` to 1e-12 relative accuracy with a safeguarded Newton
 * iteration (bisection whenever a Newton step leaves the bracket), so price → IV → price round-trips.
 */

export type OptionRight = 'CE' | 'PE';

export interface Black76Input {
  /** Forward (futures) price. */
  forward: number;
  strike: number;
  /** Years to expiry (> 0). */
  t: number;
  /** Annualised volatility (0.15 = 15 %). */
  vol: number;
  /** Continuously compounded annual rate used to discount the payoff (0.065 = 6.5 %). */
  rate: number;
  right: OptionRight;
}

export interface Greeks {
  price: number;
  delta: number;
  gamma: number;
  /** Change in value per calendar day. */
  theta: number;
  /** Change in value per 1 volatility point (σ + 0.01). */
  vega: number;
}

export class OptionModelError extends RangeError {
  override name = 'OptionModelError';
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Standard normal density. */
export function npdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

/**
 * Standard normal CDF to double precision: Hart (1968) algorithm 5666 as given by G. West, "Better
 * approximations to cumulative normal functions" (Wilmott, 2005); absolute error about 1e-15.
 */
export function ncdf(x: number): number {
  const a = Math.abs(x);
  let c: number;
  if (a > 37) c = 0;
  else {
    const e = Math.exp(-0.5 * a * a);
    if (a < 7.07106781186547) {
      let n = 3.52624965998911e-2 * a + 0.700383064443688;
      n = n * a + 6.37396220353165;
      n = n * a + 33.912866078383;
      n = n * a + 112.079291497871;
      n = n * a + 221.213596169931;
      n = n * a + 220.206867912376;
      let d = 8.83883476483184e-2 * a + 1.75566716318264;
      d = d * a + 16.064177579207;
      d = d * a + 86.7807322029461;
      d = d * a + 296.564248779674;
      d = d * a + 637.333633378831;
      d = d * a + 793.826512519948;
      d = d * a + 440.413735824752;
      c = (e * n) / d;
    } else {
      let b = a + 0.65;
      b = a + 4 / b;
      b = a + 3 / b;
      b = a + 2 / b;
      b = a + 1 / b;
      c = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - c : c;
}

function check(i: Black76Input, needVol: boolean): void {
  const bad = (what: string, v: unknown) => {
    throw new OptionModelError(`Black-76: ${what} must be a finite number > 0, got ${String(v)}`);
  };
  if (!(Number.isFinite(i.forward) && i.forward > 0)) bad('forward', i.forward);
  if (!(Number.isFinite(i.strike) && i.strike > 0)) bad('strike', i.strike);
  if (!(Number.isFinite(i.t) && i.t > 0)) bad('t (years to expiry)', i.t);
  if (needVol && !(Number.isFinite(i.vol) && i.vol > 0)) bad('vol', i.vol);
  if (!Number.isFinite(i.rate)) throw new OptionModelError(`Black-76: rate must be a finite number, got ${String(i.rate)}`);
  if (i.right !== 'CE' && i.right !== 'PE') throw new OptionModelError(`Black-76: right must be CE or PE, got ${String(i.right)}`);
}

/** Black-76 value of a call (CE) or put (PE). */
export function black76Price(i: Black76Input): number {
  check(i, true);
  const sd = i.vol * Math.sqrt(i.t);
  const d1 = (Math.log(i.forward / i.strike) + (sd * sd) / 2) / sd;
  const d2 = d1 - sd;
  const df = Math.exp(-i.rate * i.t);
  return i.right === 'CE' ? df * (i.forward * ncdf(d1) - i.strike * ncdf(d2)) : df * (i.strike * ncdf(-d2) - i.forward * ncdf(-d1));
}

/** Value and Greeks (see the module comment for units). */
export function black76Greeks(i: Black76Input): Greeks {
  check(i, true);
  const sqrtT = Math.sqrt(i.t);
  const sd = i.vol * sqrtT;
  const d1 = (Math.log(i.forward / i.strike) + (sd * sd) / 2) / sd;
  const d2 = d1 - sd;
  const df = Math.exp(-i.rate * i.t);
  const call = i.right === 'CE';
  const price = call ? df * (i.forward * ncdf(d1) - i.strike * ncdf(d2)) : df * (i.strike * ncdf(-d2) - i.forward * ncdf(-d1));
  const pdf = npdf(d1);
  return {
    price,
    delta: call ? df * ncdf(d1) : -df * ncdf(-d1),
    gamma: (df * pdf) / (i.forward * sd),
    vega: (df * i.forward * pdf * sqrtT) / 100,
    theta: (i.rate * price - (df * i.forward * pdf * i.vol) / (2 * sqrtT)) / 365,
  };
}

/** The no-arbitrage bounds of an option's value: [DF·intrinsic, DF·F] (call) or [DF·intrinsic, DF·K] (put). */
export function priceBounds(i: Omit<Black76Input, 'vol'>): { lower: number; upper: number } {
  const df = Math.exp(-i.rate * i.t);
  const intrinsic = i.right === 'CE' ? Math.max(0, i.forward - i.strike) : Math.max(0, i.strike - i.forward);
  return { lower: df * intrinsic, upper: df * (i.right === 'CE' ? i.forward : i.strike) };
}

export const IV_MIN = 1e-4;
export const IV_MAX = 10;

/**
 * The volatility at which Black-76 gives `price`, or null when no volatility in [IV_MIN, IV_MAX] does
 * (a price at or below the discounted intrinsic value, or at or above the upper bound, e.g. a stale
 * last price). Accurate to 1e-12 of the price where the price is sensitive to volatility at all.
 */
export function impliedVol(price: number, i: Omit<Black76Input, 'vol'>): number | null {
  check({ ...i, vol: 1 }, false);
  if (!Number.isFinite(price)) throw new OptionModelError(`implied volatility: price must be a finite number, got ${String(price)}`);
  const b = priceBounds(i);
  if (!(price > b.lower) || !(price < b.upper)) return null;
  const f = (v: number) => black76Price({ ...i, vol: v }) - price;
  let lo = IV_MIN;
  let hi = IV_MAX;
  const flo = f(lo);
  const fhi = f(hi);
  if (flo > 0 || fhi < 0) return null; // outside what [IV_MIN, IV_MAX] can produce
  // Brenner–Subrahmanyam start: σ ≈ √(2π/T)·price/(DF·F), kept inside the bracket
  let v = Math.min(hi, Math.max(lo, (Math.sqrt((2 * Math.PI) / i.t) * price) / (Math.exp(-i.rate * i.t) * i.forward)));
  const tol = 1e-12 * Math.max(price, 1e-12);
  for (let n = 0; n < 200; n++) {
    const g = black76Greeks({ ...i, vol: v });
    const diff = g.price - price;
    if (Math.abs(diff) <= tol) return v;
    if (diff > 0) hi = v;
    else lo = v;
    const vega = g.vega * 100;
    let next = vega > 1e-300 ? v - diff / vega : NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (hi - lo < 1e-15) return next;
    v = next;
  }
  return v;
}

/** The forward of an underlying at `spot` with cost of carry `rate` over `t` years (index futures' fair basis). */
export function forwardOf(spot: number, rate: number, t: number): number {
  return spot * Math.exp(rate * t);
}

/**
 * The simulators' volatility smile (a guess, not fitted to market data): σ(K) = atmVol · min(3, 1 + 4x² − 0.5x)
 * with x = ln(K/F): symmetric curvature plus a put skew (lower strikes dearer), as index options show.
 */
export function smileVol(atmVol: number, strike: number, forward: number): number {
  const x = Math.log(strike / forward);
  return atmVol * Math.min(3, 1 + 4 * x * x - 0.5 * x);
}
