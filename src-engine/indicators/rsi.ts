import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';

/** TA-Lib's TA_IS_ZERO: |x| < 1e-8. */
const isZero = (x: number): boolean => -0.00000001 < x && x < 0.00000001;

/**
 * Wilder RSI, computed exactly as TA-Lib's RSI (default compatibility, unstable period 0): the
 * first n changes are averaged, then avg ← (avg·(n−1) + change)/n; RSI = 100·gain/(gain+loss),
 * 0 when gain+loss is (TA-Lib-)zero. First value after n + 1 values. Usable on any series via push().
 */
export class RsiCore {
  private prev = NaN;
  private seen = 0; // values seen
  private gain = 0;
  private loss = 0;
  value = NaN;

  constructor(readonly n: number) {}

  get ready(): boolean {
    return this.seen > this.n;
  }

  push(x: number): number {
    const n = this.n;
    this.seen++;
    if (this.seen === 1) {
      this.prev = x;
      return NaN;
    }
    const d = x - this.prev;
    this.prev = x;
    if (this.seen <= n + 1) {
      if (d < 0) this.loss -= d;
      else this.gain += d;
      if (this.seen < n + 1) return NaN;
      this.loss /= n;
      this.gain /= n;
    } else {
      this.loss *= n - 1;
      this.gain *= n - 1;
      if (d < 0) this.loss -= d;
      else this.gain += d;
      this.loss /= n;
      this.gain /= n;
    }
    const total = this.gain + this.loss;
    this.value = isZero(total) ? 0 : 100 * (this.gain / total);
    return this.value;
  }

  reset(): void {
    this.prev = NaN;
    this.seen = 0;
    this.gain = 0;
    this.loss = 0;
    this.value = NaN;
  }
}

/** Relative strength index of the close (Wilder smoothing, TA-Lib RSI); `rsi:n`. */
export class Rsi implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly core: RsiCore;

  constructor(readonly n: number) {
    this.id = stem('rsi', [n]);
    this.columns = [this.id];
    this.warmup = n + 1;
    this.core = new RsiCore(n);
  }

  update(bar: Bar): boolean {
    this.out[0] = this.core.push(bar.c);
    return this.core.ready;
  }

  reset(): void {
    this.core.reset();
    this.out[0] = NaN;
  }
}

export const rsiFactory = (params: readonly number[]): Rsi => new Rsi(intParams('rsi', params, ['n'])[0]!);
