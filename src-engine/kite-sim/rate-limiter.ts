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

  /** Records one request and returns true, or returns false (recording nothing) if the window is full. */
  tryAcquire(): boolean {
    const t = this.now();
    while (this.stamps.length > 0 && this.stamps[0]! <= t - this.windowMs) this.stamps.shift();
    if (this.stamps.length >= this.limit) return false;
    this.stamps.push(t);
    return true;
  }
}
