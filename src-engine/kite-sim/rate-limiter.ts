/** A sliding-window limiter: at most `limit` acquisitions in any `windowMs` (default 1 s). */
export class SlidingWindowLimiter {
  private readonly stamps: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit) || limit <= 0) throw new RangeError(`SlidingWindowLimiter: limit must be a positive integer, got ${String(limit)}`);
    if (!(windowMs > 0)) throw new RangeError(`SlidingWindowLimiter: windowMs must be > 0, got ${String(windowMs)}`);
  }

  /**
   * Records one request at `at` (default now) and returns true, or returns false (recording nothing) if the
   * window ending at `at` is full. Stamps may come slightly out of order (requests handled after they arrived).
   */
  tryAcquire(at = this.now()): boolean {
    if (!this.canAcquire(at)) return false;
    let i = this.stamps.length;
    while (i > 0 && this.stamps[i - 1]! > at) i--;
    this.stamps.splice(i, 0, at);
    return true;
  }

  /** True if one more request fits the window ending at `at` (default now); records nothing. */
  canAcquire(at = this.now()): boolean {
    while (this.stamps.length > 0 && this.stamps[0]! <= at - this.windowMs) this.stamps.shift();
    let n = 0;
    for (let i = this.stamps.length - 1; i >= 0 && this.stamps[i]! > at - this.windowMs; i--) if (this.stamps[i]! <= at) n++;
    return n < this.limit;
  }
}

/** Kite's limiter classes (kite-protocol.md §2.14). */
export type EndpointClass = 'quote' | 'historical' | 'order' | 'other';

export interface EndpointLimitsOptions {
  /** Requests per second per class; defaults quote 1, historical 3, order 10, other 10. */
  perSecond?: Partial<Record<EndpointClass, number>>;
  /** Orders (place / modify / cancel) per minute; default 400. */
  ordersPerMinute?: number;
  /** Orders per day (a rolling 24 h of real time); default 5000. */
  ordersPerDay?: number;
  now?: () => number;
}

export const DEFAULT_PER_SECOND: Readonly<Record<EndpointClass, number>> = { quote: 1, historical: 3, order: 10, other: 10 };
export const ORDERS_PER_MINUTE = 400;
export const ORDERS_PER_DAY = 5000;

/** The simulator's per-api-key limits, on REAL elapsed time. `acquire` answers why a request is refused, or undefined. */
export class EndpointLimits {
  private readonly second = new Map<EndpointClass, SlidingWindowLimiter>();
  private readonly minute: SlidingWindowLimiter;
  private readonly day: SlidingWindowLimiter;

  constructor(o: EndpointLimitsOptions = {}) {
    const now = o.now ?? Date.now;
    for (const k of Object.keys(DEFAULT_PER_SECOND) as EndpointClass[]) {
      this.second.set(k, new SlidingWindowLimiter(o.perSecond?.[k] ?? DEFAULT_PER_SECOND[k], 1000, now));
    }
    this.minute = new SlidingWindowLimiter(o.ordersPerMinute ?? ORDERS_PER_MINUTE, 60_000, now);
    this.day = new SlidingWindowLimiter(o.ordersPerDay ?? ORDERS_PER_DAY, 86_400_000, now);
  }

  /** Records one request of `cls` that arrived at `at` (default now), or returns the refusal message (then nothing is recorded). */
  acquire(cls: EndpointClass, at?: number): string | undefined {
    if (cls === 'order') {
      // check every window before recording in any, so a refused order uses no quota
      if (!this.day.canAcquire(at)) return 'Too many requests: the daily order limit is reached.';
      if (!this.minute.canAcquire(at)) return 'Too many requests: the per-minute order limit is reached.';
      if (!this.second.get('order')!.tryAcquire(at)) return 'Too many requests';
      this.minute.tryAcquire(at);
      this.day.tryAcquire(at);
      return undefined;
    }
    return this.second.get(cls)!.tryAcquire(at) ? undefined : 'Too many requests';
  }
}

/** The limiter class of a REST request. */
export function endpointClass(method: string, path: string): EndpointClass {
  if (path === '/quote' || path.startsWith('/quote/')) return 'quote';
  if (path.startsWith('/instruments/historical/')) return 'historical';
  if (path.startsWith('/orders/') && method !== 'GET') return 'order';
  return 'other';
}
