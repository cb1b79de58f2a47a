import { describe, expect, it } from 'vitest';
import { OptionModelError, black76Greeks, black76Price, forwardOf, impliedVol, ncdf, priceBounds, smileVol, type Black76Input } from './black76.js';

describe('normal CDF', () => {
  it.each([
    [0, 0.5],
    [1, 0.841344746068543],
    [-1.96, 0.0249978951482204],
    [2.5, 0.993790334674224],
    [-5, 2.86651571879194e-7],
    [8, 1 - 6.22096057427178e-16],
  ])('N(%d) = %d', (x, want) => {
    expect(Math.abs(ncdf(x) - want)).toBeLessThan(1e-14);
  });
});

describe('Black-76', () => {
  // Hull, Options Futures and Other Derivatives, Example 18.6 (8th ed.): a European put on a futures,
  // F = 20, K = 20, r = 9 %, T = 4 months, σ = 25 % → 1.12
  it('matches a textbook value', () => {
    const p = black76Price({ forward: 20, strike: 20, t: 4 / 12, vol: 0.25, rate: 0.09, right: 'PE' });
    expect(p).toBeCloseTo(1.1166, 4);
  });

  const grid: Black76Input[] = [];
  for (const strike of [20_000, 23_000, 24_500, 25_000, 25_500, 27_000, 30_000])
    for (const days of [0.25, 1, 3, 7, 30, 90, 365])
      for (const right of ['CE', 'PE'] as const) grid.push({ forward: 25_012.4, strike, t: days / 365, vol: 0.13 * (1 + Math.abs(Math.log(strike / 25_000))), rate: 0.065, right });

  it('put–call parity: C − P = DF·(F − K) over the grid', () => {
    for (const g of grid.filter((x) => x.right === 'CE')) {
      const c = black76Price(g);
      const p = black76Price({ ...g, right: 'PE' });
      expect(c - p).toBeCloseTo(Math.exp(-g.rate * g.t) * (g.forward - g.strike), 6);
    }
  });

  it('price → IV → price round-trips to 1e-6 over strikes and expiries', () => {
    let checked = 0;
    for (const g of grid) {
      const price = black76Price(g);
      const b = priceBounds(g);
      // a price indistinguishable from its bound in double precision has no recoverable volatility
      if (price - b.lower < 1e-9 * g.forward) continue;
      const iv = impliedVol(price, g);
      expect(iv, JSON.stringify(g)).not.toBeNull();
      expect(Math.abs(black76Price({ ...g, vol: iv! }) - price)).toBeLessThan(1e-6);
      // where the price is sensitive to vol, the vol itself comes back too
      if (black76Greeks(g).vega > 1e-3) expect(Math.abs(iv! - g.vol)).toBeLessThan(1e-6);
      checked++;
    }
    expect(checked).toBeGreaterThan(grid.length * 0.6); // the far strikes at hours to expiry are worth ~0
  });

  it('Greeks agree with finite differences', () => {
    for (const g of grid) {
      const v = (o: Partial<Black76Input>) => black76Price({ ...g, ...o });
      const k = black76Greeks(g);
      const h = g.forward * 1e-6;
      const h2 = g.forward * 1e-4;
      const scale = Math.max(1e-3, k.price);
      expect(k.price).toBeCloseTo(v({}), 9);
      expect(Math.abs(k.delta - (v({ forward: g.forward + h }) - v({ forward: g.forward - h })) / (2 * h))).toBeLessThan(1e-6);
      const gammaFd = (v({ forward: g.forward + h2 }) - 2 * v({}) + v({ forward: g.forward - h2 })) / (h2 * h2);
      expect(Math.abs(k.gamma - gammaFd)).toBeLessThan(1e-3 * k.gamma + 1e-8);
      const dv = 1e-5;
      expect(Math.abs(k.vega - (v({ vol: g.vol + dv }) - v({ vol: g.vol - dv })) / (2 * dv) / 100)).toBeLessThan(1e-5 * scale + 1e-6);
      const dt = Math.min(g.t / 10, 1e-5);
      const thetaFd = -(v({ t: g.t + dt }) - v({ t: g.t - dt })) / (2 * dt) / 365;
      expect(Math.abs(k.theta - thetaFd)).toBeLessThan(1e-4 * Math.max(1, Math.abs(k.theta)));
    }
  });

  it('delta signs and put–call delta parity', () => {
    const g = { forward: 25_000, strike: 25_000, t: 7 / 365, vol: 0.13, rate: 0.065 };
    const c = black76Greeks({ ...g, right: 'CE' });
    const p = black76Greeks({ ...g, right: 'PE' });
    expect(c.delta).toBeGreaterThan(0.45);
    expect(p.delta).toBeLessThan(-0.45);
    expect(c.delta - p.delta).toBeCloseTo(Math.exp(-g.rate * g.t), 12);
    expect(c.gamma).toBeCloseTo(p.gamma, 12);
    expect(c.theta).toBeLessThan(0);
  });

  it('no implied volatility outside the no-arbitrage bounds', () => {
    const g = { forward: 25_000, strike: 24_000, t: 7 / 365, rate: 0.065, right: 'CE' as const };
    const b = priceBounds(g);
    expect(impliedVol(b.lower * 0.999, g)).toBeNull();
    expect(impliedVol(b.upper, g)).toBeNull();
    expect(impliedVol(b.lower + 50, g)).toBeGreaterThan(0);
  });

  it('rejects bad input with a typed error naming the field', () => {
    expect(() => black76Price({ forward: 0, strike: 1, t: 1, vol: 0.2, rate: 0, right: 'CE' })).toThrow(OptionModelError);
    expect(() => black76Price({ forward: 1, strike: 1, t: 0, vol: 0.2, rate: 0, right: 'CE' })).toThrow(/t \(years to expiry\)/);
    expect(() => black76Price({ forward: 1, strike: 1, t: 1, vol: -1, rate: 0, right: 'CE' })).toThrow(/vol/);
    expect(() => impliedVol(Number.NaN, { forward: 1, strike: 1, t: 1, rate: 0, right: 'PE' })).toThrow(/price/);
  });

  it('smile: ATM at the given vol, puts (low strikes) dearer than calls at the same distance', () => {
    expect(smileVol(0.13, 25_000, 25_000)).toBeCloseTo(0.13, 12);
    const down = smileVol(0.13, 25_000 * Math.exp(-0.1), 25_000);
    const up = smileVol(0.13, 25_000 * Math.exp(0.1), 25_000);
    expect(down).toBeGreaterThan(up);
    expect(smileVol(0.13, 25_000 * Math.exp(0.3), 25_000)).toBeGreaterThan(0.13); // the wings curve up
    expect(smileVol(0.13, 25_000 * Math.exp(-0.3), 25_000)).toBeGreaterThan(0.13);
    expect(forwardOf(100, 0.065, 1)).toBeCloseTo(100 * Math.exp(0.065), 12);
  });
});
