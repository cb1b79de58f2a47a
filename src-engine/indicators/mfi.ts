import type { Bar, Indicator } from './indicator.js';

/**
 * `mfi:n` — Money Flow Index, TA-Lib MFI. Typical price tp = (h+l+c)/3; raw flow tp·v counts as
 * positive when tp rose from the previous bar, negative when it fell, neither when unchanged.
 * MFI = 100 · Σpos / (Σpos + Σneg) over the last n flows (0 when that total is < 1, as TA-Lib).
 * Running sums over a ring buffer: O(1) per bar. Warmup n+1 (TA-Lib lookback n).
 */
export class Mfi implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;
  private idx = 0;
  private count = 0;
  private prevTp = NaN;
  private posSum = 0;
  private negSum = 0;

  constructor(readonly period: number) {
    if (!Number.isInteger(period) || period < 2) throw new RangeError(`mfi: period must be an integer ≥ 2, got ${period}`);
    this.id = `mfi_${period}`;
    this.columns = [this.id];
    this.warmup = period + 1;
    this.pos = new Float64Array(period);
    this.neg = new Float64Array(period);
  }

  update(bar: Bar): boolean {
    const tp = (bar.h + bar.l + bar.c) / 3;
    const k = this.count++;
    if (k === 0) {
      this.prevTp = tp;
      return false;
    }
    const diff = tp - this.prevTp;
    this.prevTp = tp;
    const flow = tp * bar.v;
    const i = this.idx;
    if (k > this.period) {
      this.posSum -= this.pos[i]!;
      this.negSum -= this.neg[i]!;
    }
    if (diff < 0) {
      this.neg[i] = flow;
      this.negSum += flow;
      this.pos[i] = 0;
    } else if (diff > 0) {
      this.pos[i] = flow;
      this.posSum += flow;
      this.neg[i] = 0;
    } else {
      this.pos[i] = 0;
      this.neg[i] = 0;
    }
    this.idx = i + 1 === this.period ? 0 : i + 1;
    if (k < this.period) return false;
    const total = this.posSum + this.negSum;
    this.out[0] = total < 1 ? 0 : 100 * (this.posSum / total);
    return true;
  }

  reset(): void {
    this.pos.fill(0);
    this.neg.fill(0);
    this.idx = 0;
    this.count = 0;
    this.prevTp = NaN;
    this.posSum = 0;
    this.negSum = 0;
    this.out[0] = NaN;
  }
}
