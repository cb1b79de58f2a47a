import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';

describe('Rng', () => {
  it('same seed → same sequence; different seed → different sequence', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 20 }, () => a.uniform());
    const sb = Array.from({ length: 20 }, () => b.uniform());
    const sc = Array.from({ length: 20 }, () => c.uniform());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('uniform() is in [0,1) with mean ≈ 0.5 and variance ≈ 1/12', () => {
    const r = new Rng(7);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outOfRange++;
      sum += u;
      sq += u * u;
    }
    expect(outOfRange).toBe(0);
    const mean = sum / n;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    expect(sq / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('normal() has mean ≈ 0, variance ≈ 1 and ~4.6% beyond ±2', () => {
    const r = new Rng(11);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let tails = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
      if (Math.abs(z) > 2) tails++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(sq / n).toBeGreaterThan(0.98);
    expect(sq / n).toBeLessThan(1.02);
    expect(tails / n).toBeGreaterThan(0.04);
    expect(tails / n).toBeLessThan(0.052);
  });

  it('rejects a non-finite seed', () => {
    expect(() => new Rng(Number.NaN)).toThrow(/seed must be a finite number/);
  });
});
