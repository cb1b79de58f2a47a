import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snapToTick } from './prices.js';

describe('snapToTick', () => {
  it('rounds to the nearest multiple', () => {
    expect(snapToTick(10_002, 5)).toBe(10_000);
    expect(snapToTick(10_003, 5)).toBe(10_005);
    expect(snapToTick(10_002.5, 5)).toBe(10_005);
    expect(snapToTick(137_712.4, 5)).toBe(137_710);
    expect(snapToTick(1, 5)).toBe(0);
    expect(snapToTick(-1, 5)).toBe(0);
    expect(Object.is(snapToTick(-1, 5), -0)).toBe(false);
  });

  it('property: integer multiple of the tick within half a tick', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: 1, max: 1000 }), (p, tick) => {
        const s = snapToTick(p, tick);
        expect(Number.isInteger(s)).toBe(true);
        expect(s % tick === 0).toBe(true);
        expect(Math.abs(s - p)).toBeLessThanOrEqual(tick / 2 + 1e-6);
      }),
    );
  });

  it('rejects bad input clearly', () => {
    expect(() => snapToTick(100, 0)).toThrow(/tickPaise must be a positive integer/);
    expect(() => snapToTick(100, 2.5)).toThrow(/tickPaise/);
    expect(() => snapToTick(Number.NaN, 5)).toThrow(/paise must be a finite number/);
  });
});
