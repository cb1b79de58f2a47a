import { describe, expect, it } from 'vitest';
import { EndpointLimits, endpointClass, SlidingWindowLimiter } from './rate-limiter.js';

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

describe('EndpointLimits (kite-protocol.md §2.14)', () => {
  it('classes: quote, historical, order (place/modify/cancel), other', () => {
    expect(endpointClass('GET', '/quote')).toBe('quote');
    expect(endpointClass('GET', '/quote/ltp')).toBe('quote');
    expect(endpointClass('GET', '/instruments/historical/408065/day')).toBe('historical');
    expect(endpointClass('POST', '/orders/regular')).toBe('order');
    expect(endpointClass('DELETE', '/orders/regular/1')).toBe('order');
    expect(endpointClass('GET', '/orders/1')).toBe('other');
    expect(endpointClass('GET', '/orders')).toBe('other');
  });

  it('per-second limits per class; orders also per minute and per day; a refused order uses no quota', () => {
    const clock = { t: 0 };
    const l = new EndpointLimits({ now: () => clock.t, ordersPerMinute: 12, ordersPerDay: 15 });
    expect(l.acquire('quote')).toBeUndefined();
    expect(l.acquire('quote')).toBe('Too many requests');
    for (let i = 0; i < 3; i++) expect(l.acquire('historical')).toBeUndefined();
    expect(l.acquire('historical')).toBe('Too many requests');
    for (let i = 0; i < 10; i++) expect(l.acquire('other')).toBeUndefined();
    expect(l.acquire('other')).toBe('Too many requests');
    for (let i = 0; i < 10; i++) expect(l.acquire('order')).toBeUndefined();
    expect(l.acquire('order')).toBe('Too many requests');
    clock.t = 1000;
    expect(l.acquire('order')).toBeUndefined();
    expect(l.acquire('order')).toBeUndefined();
    expect(l.acquire('order')).toMatch(/per-minute/); // 12 in the minute
    clock.t = 60_000;
    for (let i = 0; i < 3; i++) expect(l.acquire('order')).toBeUndefined();
    expect(l.acquire('order')).toMatch(/daily/); // 15 in the day
    clock.t = 86_400_000;
    expect(l.acquire('order')).toBeUndefined();
  });

  it('counts a request when it arrived, even if it is handled later (out of order)', () => {
    const l = new SlidingWindowLimiter(2, 1000, () => 5000);
    expect(l.tryAcquire(4990)).toBe(true);
    expect(l.tryAcquire(4000)).toBe(true); // arrived earlier, handled later
    expect(l.tryAcquire(4995)).toBe(false); // 4000 and 4990 both inside (3995, 4995]
    expect(l.tryAcquire(5001)).toBe(true); // 4000 slid out of (4001, 5001]
  });
});
