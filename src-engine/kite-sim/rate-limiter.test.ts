import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from './rate-limiter.js';

describe('SlidingWindowLimiter', () => {
  it('allows 10 per second, refuses the 11th, and frees slots as the window slides', () => {
    const clock = { t: 1000 };
    const l = new SlidingWindowLimiter(10, 1000, () => clock.t);
    for (let i = 0; i < 10; i++) {
      expect(l.tryAcquire()).toBe(true);
      clock.t += 10; // 10 acquisitions within 1000..1090
    }
    expect(l.tryAcquire()).toBe(false);
    clock.t = 1999;
    expect(l.tryAcquire()).toBe(false); // the first stamp (1000) is still inside (999, 1999]
    clock.t = 2000;
    expect(l.tryAcquire()).toBe(true); // 1000 slid out
    expect(l.tryAcquire()).toBe(false);
  });

  it('refused attempts do not use up the window', () => {
    const clock = { t: 0 };
    const l = new SlidingWindowLimiter(1, 1000, () => clock.t);
    expect(l.tryAcquire()).toBe(true);
    for (let i = 0; i < 5; i++) expect(l.tryAcquire()).toBe(false);
    clock.t = 1000;
    expect(l.tryAcquire()).toBe(true);
  });

  it('rejects bad configuration', () => {
    expect(() => new SlidingWindowLimiter(0)).toThrow(RangeError);
    expect(() => new SlidingWindowLimiter(1, 0)).toThrow(RangeError);
  });
});
