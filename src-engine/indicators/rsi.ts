import { CloseIndicator } from './close-indicator.js';
import { intParams } from './params.js';

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
export class Rsi extends CloseIndicator {
  constructor(readonly n: number) {
    super('rsi', [n], n + 1, new RsiCore(n));
  }
}

export const rsiFactory = (params: readonly number[]): Rsi => new Rsi(intParams('rsi', params, ['n'])[0]!);
