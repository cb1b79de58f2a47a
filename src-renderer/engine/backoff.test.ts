import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const opts = (r: number) => ({ baseMs: 250, maxMs: 5000, random: () => r });

describe('backoffDelay', () => {
  it('doubles from 250 ms and stops at 5 s', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffDelay(a, opts(0.999999)));
    expect(ceilings).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('jitters within the upper half of the ceiling', () => {
    expect(backoffDelay(0, opts(0))).toBe(125);
    expect(backoffDelay(3, opts(0))).toBe(1000);
    expect(backoffDelay(3, opts(0.5))).toBe(1500);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(10);
      expect(d).toBeGreaterThanOrEqual(2500);
      expect(d).toBeLessThanOrEqual(5000);
    }
  });

  it('treats a negative attempt as the first', () => {
    expect(backoffDelay(-3, opts(0))).toBe(125);
  });
});
