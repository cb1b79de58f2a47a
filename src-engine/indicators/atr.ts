import type { Bar, Indicator } from './indicator.js';
import { trueRange } from './trange.js';

/**
 * `atr:n` — Average True Range with Wilder smoothing and TA-Lib seeding: the first bar has no true
 * range; the first ATR (bar n, 0-based) is the simple mean of the true ranges of bars 1..n; after
 * that ATR = (ATR·(n−1) + TR) / n. Warmup n+1 bars (TA-Lib lookback n). O(1) per bar.
 */
export class Atr implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private count = 0;
  private prevClose = NaN;
  private sum = 0;
  private atr = NaN;

  constructor(readonly period: number) {
    if (!Number.isInteger(period) || period < 1) throw new RangeError(`atr: period must be an integer ≥ 1, got ${period}`);
    this.id = `atr_${period}`;
    this.columns = [this.id];
    this.warmup = period + 1;
  }

  /** Current ATR (NaN while warming up). */
  get value(): number {
    return this.atr;
  }

  update(bar: Bar): boolean {
    const k = this.count++;
    if (k > 0) {
      const tr = trueRange(bar.h, bar.l, this.prevClose);
      const n = this.period;
      if (k < n) {
        this.sum += tr;
      } else if (k === n) {
        this.sum += tr;
        this.atr = this.sum / n;
      } else {
        // Same operation order as TA-Lib: prev *= n-1; prev += tr; prev /= n.
        this.atr = (this.atr * (n - 1) + tr) / n;
      }
    }
    this.prevClose = bar.c;
    this.out[0] = this.atr;
    return !Number.isNaN(this.atr);
  }

  reset(): void {
    this.count = 0;
    this.prevClose = NaN;
    this.sum = 0;
    this.atr = NaN;
    this.out[0] = NaN;
  }
}
