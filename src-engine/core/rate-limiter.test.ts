import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateCapError, RateLimiter } from './rate-limiter.js';

const ist = (s: string): number => Date.parse(`${s}+05:30`);

function manualClock(start = ist('2026-05-04T10:00:00')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms), set: (v: number) => void (t = v) };
}

describe('RateLimiter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets perSecond through at once, then spaces the rest one window later', () => {
    const clock = manualClock();
    const rl = new RateLimiter({ perSecond: 3, clock });
    expect([rl.reserve(), rl.reserve(), rl.reserve()]).toEqual([0, 0, 0]);
    expect(rl.reserve()).toBe(1000);
    expect(rl.reserve()).toBe(1000);
    clock.advance(400);
    expect(rl.reserve()).toBe(600);
    expect(rl.reserve()).toBe(1600);
  });

  it('never grants more than perSecond in any rolling second (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 80 }), (rate, gaps) => {
        const clock = manualClock();
        const rl = new RateLimiter({ perSecond: rate, clock });
        const grants: number[] = [];
        for (const g of gaps) {
          clock.advance(g);
          grants.push(clock.now() + rl.reserve());
        }
        for (let i = 0; i < grants.length; i++) {
          if (i > 0) expect(grants[i]!).toBeGreaterThanOrEqual(grants[i - 1]!);
          const inWindow = grants.filter((t) => t >= grants[i]! && t < grants[i]! + 1000).length;
          expect(inWindow).toBeLessThanOrEqual(rate);
        }
      }),
    );
  });

  it('acquire() waits with (fake) timers and resolves in order', async () => {
    vi.useFakeTimers({ now: ist('2026-05-04T10:00:00') });
    const rl = new RateLimiter({ perSecond: 1 });
    const done: number[] = [];
    const ps = [0, 1, 2].map((i) => rl.acquire().then(() => done.push(i)));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual([0]);
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(ps);
    expect(done).toEqual([0, 1, 2]);
  });

  it('rejects at once (no wait) when the per-minute cap is exhausted, and recovers after the window', async () => {
    const clock = manualClock();
    const sleep = vi.fn(async () => {});
    const rl = new RateLimiter({ perSecond: 10, perMinute: 5, clock, sleep, name: 'orders' });
    for (let i = 0; i < 5; i++) {
      await rl.acquire();
      clock.advance(1000);
    }
    await expect(rl.acquire()).rejects.toBeInstanceOf(RateCapError);
    const err = (await rl.acquire().catch((e: unknown) => e)) as RateCapError;
    expect(err.kind).toBe('rate_limit');
    expect(err.window).toBe('minute');
    expect(err.retryAt).toBe(ist('2026-05-04T10:01:00'));
    expect(sleep).not.toHaveBeenCalled();
    clock.set(ist('2026-05-04T10:01:00') + 1);
    await expect(rl.acquire()).resolves.toBeUndefined();
  });

  it('per-day cap counts the IST calendar day and resets at IST midnight', () => {
    const clock = manualClock(ist('2026-05-04T23:59:00'));
    const rl = new RateLimiter({ perSecond: 100, perDay: 3, clock });
    rl.reserve();
    rl.reserve();
    rl.reserve();
    expect(rl.usedToday()).toBe(3);
    expect(() => rl.reserve()).toThrow(RateCapError);
    try {
      rl.reserve();
    } catch (e) {
      expect((e as RateCapError).window).toBe('day');
      expect((e as RateCapError).retryAt).toBe(ist('2026-05-05T00:00:00'));
    }
    clock.set(ist('2026-05-05T00:00:00'));
    expect(rl.reserve()).toBe(0);
    expect(rl.usedToday()).toBe(1);
  });

  it('a rejected request does not consume a slot', () => {
    const clock = manualClock();
    const rl = new RateLimiter({ perSecond: 1, perMinute: 1, clock });
    rl.reserve();
    expect(() => rl.reserve()).toThrow(RateCapError);
    clock.advance(60_001);
    expect(rl.reserve()).toBe(0);
  });

  it('validates options', () => {
    expect(() => new RateLimiter({ perSecond: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ perSecond: 1, perMinute: 1.5 })).toThrow(RangeError);
  });
});
