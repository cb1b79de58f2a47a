/**
 * O(1) building blocks for the incremental indicators: a compensated (Neumaier) accumulator, a
 * rolling window sum that is also recomputed exactly once per window (O(1) amortised, so drift
 * cannot build up over long runs), monotonic-deque rolling min/max, and TA-Lib-seeded SMA/EMA cores.
 */

/** Neumaier-compensated sum: adding and removing millions of prices stays exact to ~1 ulp of the total. */
export class CompensatedSum {
  private s = 0;
  private c = 0;

  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }

  get value(): number {
    return this.s + this.c;
  }

  set(x: number): void {
    this.s = x;
    this.c = 0;
  }
}

/** The values of a fixed-size window, oldest first; push() returns the value that fell out (NaN if none). */
export class Ring {
  readonly buf: Float64Array;
  /** Index of the slot the next push writes (= the oldest value once full). */
  head = 0;
  count = 0;

  constructor(readonly size: number) {
    this.buf = new Float64Array(size);
  }

  get full(): boolean {
    return this.count === this.size;
  }

  push(x: number): number {
    const out = this.count === this.size ? this.buf[this.head]! : NaN;
    this.buf[this.head] = x;
    this.head = this.head + 1 === this.size ? 0 : this.head + 1;
    if (this.count < this.size) this.count++;
    return out;
  }

  /** i-th value, 0 = oldest. */
  at(i: number): number {
    const start = this.count === this.size ? this.head : 0;
    const j = start + i;
    return this.buf[j >= this.size ? j - this.size : j]!;
  }

  /** Value pushed `lag` pushes ago (0 = the latest); needs lag < count. */
  back(lag: number): number {
    const j = this.head - 1 - lag;
    return this.buf[j < 0 ? j + this.size : j]!;
  }

  reset(): void {
    this.head = 0;
    this.count = 0;
  }
}

/** Exact (compensated) sum of a list of values, oldest first. */
function exactSum(r: Ring): number {
  const acc = new CompensatedSum();
  for (let i = 0; i < r.count; i++) acc.add(r.buf[i]!);
  return acc.value;
}

/**
 * Sum of the last `n` values. Compensated running updates, plus an exact recomputation each time
 * the ring wraps (every n pushes: O(n) work per n pushes = O(1) amortised).
 */
export class RollingSum {
  readonly ring: Ring;
  private readonly acc = new CompensatedSum();

  constructor(readonly n: number) {
    this.ring = new Ring(n);
  }

  get full(): boolean {
    return this.ring.full;
  }

  get sum(): number {
    return this.acc.value;
  }

  get mean(): number {
    return this.acc.value / this.ring.count;
  }

  /** Adds x (dropping the oldest value once full); returns the dropped value or NaN. */
  push(x: number): number {
    const out = this.ring.push(x);
    this.acc.add(x);
    if (out === out) this.acc.add(-out); // not NaN
    if (this.ring.head === 0 && this.ring.full) this.acc.set(exactSum(this.ring));
    return out;
  }

  reset(): void {
    this.ring.reset();
    this.acc.set(0);
  }
}

/**
 * Rolling maximum (or minimum) of the last `n` values by a monotonic deque: each value enters and
 * leaves the deque once, so push() is O(1) amortised (O(n) worst case for one push, never more in total).
 */
export class RollingExtreme {
  private readonly vals: Float64Array;
  private readonly idx: Float64Array;
  private head = 0; // deque front (the extreme)
  private len = 0;
  private seq = 0;

  /** `max`: true for the rolling maximum, false for the minimum. */
  constructor(
    readonly n: number,
    private readonly max: boolean,
  ) {
    this.vals = new Float64Array(n);
    this.idx = new Float64Array(n);
  }

  /** Adds x and returns the extreme of the last n values (including x). */
  push(x: number): number {
    const n = this.n;
    const i = this.seq++;
    // drop the front if it left the window
    if (this.len > 0 && this.idx[this.head]! <= i - n) {
      this.head = this.head + 1 === n ? 0 : this.head + 1;
      this.len--;
    }
    // drop dominated values from the back (ties: keep the newer one, it lives longer)
    while (this.len > 0) {
      let back = this.head + this.len - 1;
      if (back >= n) back -= n;
      const v = this.vals[back]!;
      if (this.max ? v <= x : v >= x) this.len--;
      else break;
    }
    let slot = this.head + this.len;
    if (slot >= n) slot -= n;
    this.vals[slot] = x;
    this.idx[slot] = i;
    this.len++;
    return this.vals[this.head]!;
  }

  get value(): number {
    return this.len > 0 ? this.vals[this.head]! : NaN;
  }

  reset(): void {
    this.head = 0;
    this.len = 0;
    this.seq = 0;
  }
}

/** Simple moving average of the last n values; NaN until n values were seen. */
export class SmaCore {
  private readonly s: RollingSum;

  constructor(readonly n: number) {
    this.s = new RollingSum(n);
  }

  push(x: number): number {
    this.s.push(x);
    return this.s.full ? this.s.sum / this.n : NaN;
  }

  get ready(): boolean {
    return this.s.full;
  }

  reset(): void {
    this.s.reset();
  }
}

/**
 * TA-Lib EMA: k = 2/(n+1); the first value (after n inputs) is the SMA of those n inputs, then
 * ema += (x − ema)·k. NaN until n inputs were seen.
 */
export class EmaCore {
  readonly k: number;
  private seedSum = new CompensatedSum();
  private seen = 0;
  value = NaN;

  constructor(readonly n: number) {
    this.k = 2 / (n + 1);
  }

  push(x: number): number {
    if (this.seen < this.n) {
      this.seedSum.add(x);
      this.seen++;
      if (this.seen === this.n) this.value = this.seedSum.value / this.n;
      return this.value;
    }
    this.value = (x - this.value) * this.k + this.value;
    return this.value;
  }

  get ready(): boolean {
    return this.seen >= this.n;
  }

  reset(): void {
    this.seedSum = new CompensatedSum();
    this.seen = 0;
    this.value = NaN;
  }
}

/**
 * Rolling mean and population variance of the last n values. The sums are kept of x − K for a
 * shift K near the data (reset to the window mean at each exact recomputation, once per wrap), so
 * E[(x−K)²] − E[x−K]² does not cancel catastrophically even for prices in paise.
 */
export class RollingMoments {
  readonly ring: Ring;
  private readonly s1 = new CompensatedSum();
  private readonly s2 = new CompensatedSum();
  private k = NaN;

  constructor(readonly n: number) {
    this.ring = new Ring(n);
  }

  get full(): boolean {
    return this.ring.full;
  }

  push(x: number): void {
    if (this.k !== this.k) this.k = x;
    const out = this.ring.push(x);
    const d = x - this.k;
    this.s1.add(d);
    this.s2.add(d * d);
    if (out === out) {
      const e = out - this.k;
      this.s1.add(-e);
      this.s2.add(-e * e);
    }
    if (this.ring.head === 0 && this.ring.full) this.recompute();
  }

  private recompute(): void {
    const r = this.ring;
    const m = exactSum(r) / r.count;
    const s1 = new CompensatedSum();
    const s2 = new CompensatedSum();
    for (let i = 0; i < r.count; i++) {
      const d = r.buf[i]! - m;
      s1.add(d);
      s2.add(d * d);
    }
    this.k = m;
    this.s1.set(s1.value);
    this.s2.set(s2.value);
  }

  get mean(): number {
    return this.k + this.s1.value / this.ring.count;
  }

  /** Population variance (divide by the count), clamped at 0. */
  get variance(): number {
    const c = this.ring.count;
    const m1 = this.s1.value / c;
    const v = this.s2.value / c - m1 * m1;
    return v > 0 ? v : 0;
  }

  reset(): void {
    this.ring.reset();
    this.s1.set(0);
    this.s2.set(0);
    this.k = NaN;
  }
}
