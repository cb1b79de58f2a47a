import { type Clock, systemClock } from './clock.js';
import { IST_OFFSET_MS } from './ist.js';

/**
 * Request rate limiting for broker APIs.
 *
 * A per-second limit is enforced as a **sliding window** ("at most N grants in any rolling
 * `windowMs`"), the strict form of a token bucket whose capacity equals its rate: a classic bucket of
 * capacity N refilling N/s can let 2N requests through one wall-clock second (a full burst, then the
 * refill), which a server counting per second would answer with 429. `acquire()` WAITS for a free slot.
 *
 * Per-minute and per-day caps (orders only, at Kite) are hard: when a cap is exhausted `acquire()`
 * REJECTS at once with {@link RateCapError}: nothing is queued, so an order is never sent minutes
 * later than the caller decided to send it. The day is the IST calendar day.
 *
 * A PACE (`pacePerSecond`, below the per-second limit) spaces grants evenly, at least 1000/pace ms
 * apart: a burst leaves as a steady stream, so latency jitter between us and the server cannot squeeze
 * more than the server's limit into one of its seconds (11 requests paced at 8/s span 1.25 s). A
 * grant that would have to wait longer than `maxWaitMs` is REJECTED at once ({@link RateCapError},
 * window 'pace'): the queue behind a pace stays short, so nothing is sent long after it was decided.
 * A risk-reducing request (`acquire({ reducing: true })`: an exit, a square-off, a kill-switch
 * flatten, a cancel) is never refused by that wait limit: it queues in order and leaves at the pace
 * however long the queue (the minute and day caps still apply). It counts in the queue, so new
 * requests behind a long flatten are refused by the wait limit as before.
 */

/** The default pace of order requests to Kite (`trading.live.ordersPerSecond`): below its 10/s with margin. */
export const ORDERS_PACE_PER_SECOND = 8;

export interface RateLimiterOptions {
  /** Grants allowed in any rolling window (default window 1000 ms). */
  perSecond: number;
  /** Hard cap per rolling 60 s (rejects, never waits). */
  perMinute?: number;
  /** Hard cap per IST calendar day (rejects, never waits). */
  perDay?: number;
  /** Length of the "second" window, ms (default 1000). */
  windowMs?: number;
  /** Even pace, grants per second (at most perSecond): consecutive grants at least ceil(1000 / pace) ms apart. */
  pacePerSecond?: number;
  /** With a pace: refuse a grant that would wait longer than this, ms (default: wait however long). */
  maxWaitMs?: number;
  clock?: Clock;
  /** How to wait `ms` (default setTimeout). Tests inject fake timers. */
  sleep?: (ms: number) => Promise<void>;
  /** Name used in error messages. */
  name?: string;
}

export class RateCapError extends Error {
  readonly kind = 'rate_limit' as const;
  constructor(
    readonly limiter: string,
    readonly window: 'pace' | 'minute' | 'day',
    readonly cap: number,
    /** Earliest time (epoch ms) at which a new request can pass this cap. */
    readonly retryAt: number,
  ) {
    super(
      window === 'pace'
        ? `${limiter}: paced at ${cap} requests/s and the queue is full; retry after ${new Date(retryAt).toISOString()}`
        : `${limiter}: ${window} cap of ${cap} requests reached; retry after ${new Date(retryAt).toISOString()}`,
    );
    this.name = 'RateCapError';
  }
}

const DAY_MS = 86_400_000;
const istDay = (ms: number): number => Math.floor((ms + IST_OFFSET_MS) / DAY_MS);

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RateLimiter {
  readonly name: string;
  private readonly perSecond: number;
  private readonly perMinute: number;
  private readonly perDay: number;
  private readonly windowMs: number;
  private readonly spacingMs: number;
  private readonly pace: number;
  private readonly maxWaitMs: number;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Granted (possibly future) slot times, non-decreasing; pruned to what the windows need. */
  private slots: number[] = [];
  /** Slot times in the last minute (only kept when perMinute is set). */
  private minute: number[] = [];
  private day = -1;
  /** Paced acquires: the one in front (each waits for it), and how many wait. */
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private dayCount = 0;

  constructor(opts: RateLimiterOptions) {
    const posInt = (v: number | undefined, what: string) => {
      if (v !== undefined && (!Number.isSafeInteger(v) || v <= 0)) throw new RangeError(`RateLimiter: ${what} must be a positive integer, got ${String(v)}`);
    };
    posInt(opts.perSecond, 'perSecond');
    posInt(opts.perMinute, 'perMinute');
    posInt(opts.perDay, 'perDay');
    posInt(opts.windowMs, 'windowMs');
    posInt(opts.pacePerSecond, 'pacePerSecond');
    if (opts.maxWaitMs !== undefined && (!Number.isSafeInteger(opts.maxWaitMs) || opts.maxWaitMs < 0)) throw new RangeError(`RateLimiter: maxWaitMs must be a non-negative integer, got ${String(opts.maxWaitMs)}`);
    if (opts.pacePerSecond !== undefined && opts.pacePerSecond > opts.perSecond) {
      throw new RangeError(`RateLimiter: pacePerSecond (${opts.pacePerSecond}) must not exceed perSecond (${opts.perSecond})`);
    }
    this.name = opts.name ?? 'rate limiter';
    this.perSecond = opts.perSecond;
    this.perMinute = opts.perMinute ?? Infinity;
    this.perDay = opts.perDay ?? Infinity;
    this.windowMs = opts.windowMs ?? 1000;
    this.pace = opts.pacePerSecond ?? 0;
    this.spacingMs = opts.pacePerSecond !== undefined ? Math.ceil(1000 / opts.pacePerSecond) : 0;
    this.maxWaitMs = opts.maxWaitMs ?? Infinity;
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /**
   * Reserves the next slot and resolves when it is due. Throws {@link RateCapError} synchronously
   * (as a rejected promise) when the minute or day cap is exhausted, or (paced, unless `reducing`)
   * when the wait would exceed `maxWaitMs`.
   */
  async acquire(opts: { reducing?: boolean } = {}): Promise<void> {
    if (this.spacingMs === 0) {
      const wait = this.reserve();
      if (wait > 0) await this.sleep(wait);
      return;
    }
    // Paced: one at a time, each slot reserved when the previous grant has actually gone, and moved to
    // when it went. A busy event loop wakes sleepers late; slots reserved ahead would then all be due at
    // once and leave together (the 429s of the chaos burst), while a grant here is always at least the
    // spacing after the previous one as it really happened.
    const now = this.clock.now();
    const base = Math.max(this.lastGrant() ?? -Infinity, now - this.spacingMs);
    const dueIn = Math.max(0, base + this.spacingMs * (this.queued + 1) - now);
    if (dueIn > this.maxWaitMs && opts.reducing !== true) throw new RateCapError(this.name, 'pace', this.pace, now + dueIn - this.maxWaitMs);
    this.queued++;
    const prev = this.chain;
    let release!: () => void;
    this.chain = new Promise<void>((r) => (release = r));
    try {
      await prev;
      const wait = this.reserve(Infinity);
      if (wait > 0) await this.sleep(wait);
      // when it really went (later than reserved if the sleep overran)
      const n = this.slots.length;
      if (n > 0 && this.slots[n - 1]! < this.clock.now()) this.slots[n - 1] = this.clock.now();
    } finally {
      this.queued--;
      release();
    }
  }

  private lastGrant(): number | undefined {
    return this.slots[this.slots.length - 1];
  }

  /** Reserves a slot and returns how long (ms) the caller must wait before using it. Throws RateCapError. */
  reserve(maxWaitMs = this.maxWaitMs): number {
    const now = this.clock.now();
    // prune the per-second log: only the last perSecond entries matter
    if (this.slots.length > this.perSecond) this.slots.splice(0, this.slots.length - this.perSecond);
    const n = this.slots.length;
    let at = now;
    if (n >= this.perSecond) at = Math.max(now, this.slots[n - this.perSecond]! + this.windowMs);
    if (n > 0) at = Math.max(at, this.slots[n - 1]! + this.spacingMs);
    if (at - now > maxWaitMs) throw new RateCapError(this.name, 'pace', this.pace || this.perSecond, at - this.maxWaitMs);

    if (this.perMinute !== Infinity) {
      while (this.minute.length > 0 && this.minute[0]! <= at - 60_000) this.minute.shift();
      if (this.minute.length >= this.perMinute) {
        throw new RateCapError(this.name, 'minute', this.perMinute, this.minute[this.minute.length - this.perMinute]! + 60_000);
      }
    }
    if (this.perDay !== Infinity) {
      const d = istDay(at);
      if (d !== this.day) {
        this.day = d;
        this.dayCount = 0;
      }
      if (this.dayCount >= this.perDay) throw new RateCapError(this.name, 'day', this.perDay, (d + 1) * DAY_MS - IST_OFFSET_MS);
      this.dayCount++;
    }
    if (this.perMinute !== Infinity) this.minute.push(at);
    this.slots.push(at);
    return at - now;
  }

  /** Grants counted today (IST) — for status displays. */
  usedToday(): number {
    return this.day === istDay(this.clock.now()) ? this.dayCount : 0;
  }
}
