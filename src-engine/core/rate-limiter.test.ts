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
    expect(() => new RateLimiter({ perSecond: 10, pacePerSecond: 11 })).toThrow(/pacePerSecond \(11\) must not exceed perSecond \(10\)/);
    expect(() => new RateLimiter({ perSecond: 10, pacePerSecond: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ perSecond: 10, maxWaitMs: -1 })).toThrow(RangeError);
  });
});

describe('RateLimiter pace (the order pacer: below Kite\'s 10/s with margin)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('spaces a burst evenly at the pace: 20 at once leave 125 ms apart, never more than 8 in a rolling second', () => {
    const clock = manualClock();
    const rl = new RateLimiter({ perSecond: 10, pacePerSecond: 8, windowMs: 1150, clock });
    const waits = Array.from({ length: 20 }, () => rl.reserve());
    expect(waits).toEqual(Array.from({ length: 20 }, (_, i) => i * 125));
    const grants = waits.map((w) => clock.now() + w);
    for (const g of grants) expect(grants.filter((t) => t >= g && t < g + 1000).length).toBeLessThanOrEqual(8);
    // a request after a quiet spell goes at once
    clock.advance(10_000);
    expect(rl.reserve()).toBe(0);
    expect(rl.reserve()).toBe(125);
  });

  it('keeps at most 10 in any rolling second at the server however the arrivals jitter by up to 240 ms (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 11, maxLength: 120 }),
        fc.array(fc.integer({ min: 0, max: 240 }), { minLength: 120, maxLength: 120 }),
        (gaps, jitter) => {
          const clock = manualClock();
          const rl = new RateLimiter({ perSecond: 10, pacePerSecond: 8, windowMs: 1150, clock });
          const arrivals: number[] = [];
          gaps.forEach((g, i) => {
            clock.advance(g);
            arrivals.push(clock.now() + rl.reserve() + jitter[i]!);
          });
          arrivals.sort((a, b) => a - b);
          for (const a of arrivals) expect(arrivals.filter((t) => t >= a && t < a + 1000).length).toBeLessThanOrEqual(10);
        },
      ),
    );
  });

  it('without a pace the same jitter does put 11 into one second (why the pace exists)', () => {
    const clock = manualClock();
    const rl = new RateLimiter({ perSecond: 10, windowMs: 1150, clock });
    const grants = Array.from({ length: 20 }, () => clock.now() + rl.reserve());
    // the first ten leave at once, the next ten 1150 ms later; the first ten arrive 240 ms late
    const arrivals = grants.map((g, i) => (i < 10 ? g + 240 : g)).sort((a, b) => a - b);
    expect(Math.max(...arrivals.map((a) => arrivals.filter((t) => t >= a && t < a + 1000).length))).toBeGreaterThan(10);
  });

  it('refuses at once (nothing reserved) a request that would wait longer than maxWaitMs', () => {
    const clock = manualClock();
    const rl = new RateLimiter({ perSecond: 10, pacePerSecond: 8, maxWaitMs: 500, clock, name: 'kite orders' });
    expect([rl.reserve(), rl.reserve(), rl.reserve(), rl.reserve(), rl.reserve()]).toEqual([0, 125, 250, 375, 500]);
    let err: unknown;
    try {
      rl.reserve();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RateCapError);
    expect((err as RateCapError).window).toBe('pace');
    expect((err as RateCapError).message).toMatch(/kite orders: paced at 8 requests\/s and the queue is full/);
    expect((err as RateCapError).retryAt).toBe(clock.now() + 125);
    // the refusal took no slot: 125 ms later the next one waits exactly as long as the refused one would have less 125
    clock.advance(125);
    expect(rl.reserve()).toBe(500);
  });

  it('a stalled event loop never lets the queue out together: grants stay a spacing apart as they really went', async () => {
    vi.useFakeTimers({ now: ist('2026-05-04T10:00:00') });
    const rl = new RateLimiter({ perSecond: 10, pacePerSecond: 8, windowMs: 1150 });
    const grants: number[] = [];
    const all = Promise.all(Array.from({ length: 30 }, () => rl.acquire().then(() => void grants.push(Date.now()))));
    for (let step = 0; grants.length < 30 && step < 200; step++) {
      // every few steps the loop is blocked for 600 ms: time passes, no timer fires; then whatever is due fires at once
      if (step % 4 === 3) vi.setSystemTime(Date.now() + 600);
      await vi.advanceTimersByTimeAsync(50);
    }
    await all;
    expect(grants).toHaveLength(30);
    for (let i = 1; i < grants.length; i++) expect(grants[i]! - grants[i - 1]!).toBeGreaterThanOrEqual(125);
    for (const g of grants) expect(grants.filter((t) => t >= g && t < g + 1000).length).toBeLessThanOrEqual(8);
  });

  it('paced acquire() refuses at once when the queue in front would make it wait longer than maxWaitMs', async () => {
    vi.useFakeTimers({ now: ist('2026-05-04T10:00:00') });
    const rl = new RateLimiter({ perSecond: 10, pacePerSecond: 8, maxWaitMs: 400, name: 'kite orders' });
    const t0 = Date.now();
    const went: number[] = [];
    const ok = Array.from({ length: 4 }, () => rl.acquire().then(() => void went.push(Date.now() - t0))); // due in 0, 125, 250, 375 ms
    const refused = await rl.acquire().catch((e: unknown) => e); // would be due in 500 ms
    expect(refused).toBeInstanceOf(RateCapError);
    expect((refused as RateCapError).window).toBe('pace');
    expect((refused as RateCapError).message).toMatch(/kite orders: paced at 8 requests\/s and the queue is full/);
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(ok);
    expect(went).toEqual([0, 125, 250, 375]);
    // the refusal took no place in the queue
    const next = rl.acquire().then(() => Date.now() - t0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await next).toBe(1000);
  });

  it('acquire() resolves at the pace with fake timers', async () => {
    vi.useFakeTimers({ now: ist('2026-05-04T10:00:00') });
    const rl = new RateLimiter({ perSecond: 10, pacePerSecond: 8 });
    const done: number[] = [];
    const ps = [0, 1, 2].map((i) => rl.acquire().then(() => done.push(i)));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual([0]);
    await vi.advanceTimersByTimeAsync(124);
    expect(done).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(125);
    await Promise.all(ps);
    expect(done).toEqual([0, 1, 2]);
  });
});

describe('RateLimiter pace: risk-reducing requests (a flatten) are never refused by the wait limit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('100 reducing acquires at once all go, in order, 125 ms apart (≤ 8 in any second); a new entry behind them is refused', async () => {
    vi.useFakeTimers({ now: ist('2026-05-04T10:00:00') });
    const rl = new RateLimiter({ perSecond: 10, pacePerSecond: 8, windowMs: 1150, maxWaitMs: 10_000, perMinute: 400, name: 'kite orders' });
    const t0 = Date.now();
    const went: [number, number][] = [];
    const exits = Array.from({ length: 100 }, (_, i) => rl.acquire({ reducing: true }).then(() => void went.push([i, Date.now() - t0])));
    // an entry decided now would wait 12.5 s behind the flatten: refused before sending, as before
    const entry = await rl.acquire().catch((e: unknown) => e);
    expect(entry).toBeInstanceOf(RateCapError);
    expect((entry as RateCapError).window).toBe('pace');
    await vi.advanceTimersByTimeAsync(20_000);
    await Promise.all(exits);
    expect(went.map(([i]) => i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const at = went.map(([, t]) => t);
    expect(at.at(-1)).toBe(99 * 125);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(125);
    for (const g of at) expect(at.filter((t) => t >= g && t < g + 1000).length).toBeLessThanOrEqual(8);
    // the queue drained: a new entry goes at the pace again
    const next = rl.acquire().then(() => Date.now() - t0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await next).toBe(20_000);
  });
});
