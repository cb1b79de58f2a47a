import type { Bar, Indicator } from './indicator.js';

/**
 * `psar:accel:max` — Wilder's Parabolic SAR, TA-Lib SAR step for step:
 *
 * - The initial direction comes from bar 1 against bar 0: short if bar 1 has a positive −DM (its low
 *   fell more than its high rose), long otherwise. Long starts with SAR = low₀, EP = high₁; short with
 *   SAR = high₀, EP = low₁. The first value is output on bar 1 (warmup 2, TA-Lib lookback 1).
 * - Each bar outputs the SAR computed on the previous bar unless price penetrates it, in which case the
 *   position flips and the output is the old EP, clamped outside the last two bars' range.
 * - AF starts at `accel`, grows by `accel` on each new extreme, capped at `max` (accel > max is cut
 *   to max, like TA-Lib). The next SAR is never inside the last two bars' range.
 */
export class Psar implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup = 2;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly accel: number;
  private readonly max: number;
  private count = 0;
  private isLong = true;
  private af = 0;
  private ep = NaN;
  private sar = NaN;
  private prevHigh = NaN;
  private prevLow = NaN;

  constructor(accel: number, max: number) {
    if (!(Number.isFinite(accel) && accel > 0)) throw new RangeError(`psar: acceleration must be > 0, got ${accel}`);
    if (!(Number.isFinite(max) && max > 0)) throw new RangeError(`psar: maximum must be > 0, got ${max}`);
    this.id = `psar_${accel}_${max}`;
    this.columns = [this.id];
    this.accel = Math.min(accel, max);
    this.max = max;
  }

  update(bar: Bar): boolean {
    const k = this.count++;
    if (k === 0) {
      this.prevHigh = bar.h;
      this.prevLow = bar.l;
      return false;
    }
    const newHigh = bar.h;
    const newLow = bar.l;
    let prevHigh = this.prevHigh;
    let prevLow = this.prevLow;
    if (k === 1) {
      const diffM = prevLow - newLow;
      const diffP = newHigh - prevHigh;
      const minusDM = diffM > 0 && diffP < diffM ? diffM : 0;
      this.isLong = !(minusDM > 0);
      this.af = this.accel;
      if (this.isLong) {
        this.ep = newHigh;
        this.sar = prevLow;
      } else {
        this.ep = newLow;
        this.sar = prevHigh;
      }
      // TA-Lib "cheats" on the first iteration: the previous bar is the current one.
      prevHigh = newHigh;
      prevLow = newLow;
    }
    let sar = this.sar;
    if (this.isLong) {
      if (newLow <= sar) {
        this.isLong = false;
        sar = this.ep;
        if (sar < prevHigh) sar = prevHigh;
        if (sar < newHigh) sar = newHigh;
        this.out[0] = sar;
        this.af = this.accel;
        this.ep = newLow;
        sar = sar + this.af * (this.ep - sar);
        if (sar < prevHigh) sar = prevHigh;
        if (sar < newHigh) sar = newHigh;
      } else {
        this.out[0] = sar;
        if (newHigh > this.ep) {
          this.ep = newHigh;
          this.af += this.accel;
          if (this.af > this.max) this.af = this.max;
        }
        sar = sar + this.af * (this.ep - sar);
        if (sar > prevLow) sar = prevLow;
        if (sar > newLow) sar = newLow;
      }
    } else if (newHigh >= sar) {
      this.isLong = true;
      sar = this.ep;
      if (sar > prevLow) sar = prevLow;
      if (sar > newLow) sar = newLow;
      this.out[0] = sar;
      this.af = this.accel;
      this.ep = newHigh;
      sar = sar + this.af * (this.ep - sar);
      if (sar > prevLow) sar = prevLow;
      if (sar > newLow) sar = newLow;
    } else {
      this.out[0] = sar;
      if (newLow < this.ep) {
        this.ep = newLow;
        this.af += this.accel;
        if (this.af > this.max) this.af = this.max;
      }
      sar = sar + this.af * (this.ep - sar);
      if (sar < prevHigh) sar = prevHigh;
      if (sar < newHigh) sar = newHigh;
    }
    this.sar = sar;
    this.prevHigh = newHigh;
    this.prevLow = newLow;
    return true;
  }

  reset(): void {
    this.count = 0;
    this.isLong = true;
    this.af = 0;
    this.ep = this.sar = this.prevHigh = this.prevLow = NaN;
    this.out[0] = NaN;
  }
}
