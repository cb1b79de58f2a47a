import type { Bar, Indicator } from './indicator.js';

/** TA-Lib's `TA_IS_ZERO`: |x| < 1e-8. Used where TA-Lib guards a division. */
export function talibIsZero(x: number): boolean {
  return x > -1e-8 && x < 1e-8;
}

/**
 * True range of a bar given the previous close, computed exactly as TA-Lib's TRUE_RANGE macro
 * (max of high−low, |high−prevClose|, |low−prevClose|) so results match it bit for bit.
 */
export function trueRange(high: number, low: number, prevClose: number): number {
  let tr = high - low;
  const up = Math.abs(high - prevClose);
  if (up > tr) tr = up;
  const down = Math.abs(low - prevClose);
  if (down > tr) tr = down;
  return tr;
}

/** `trange`: TA-Lib TRANGE. Undefined on the first bar (no previous close); warmup 2. */
export class TrueRange implements Indicator {
  readonly id = 'trange';
  readonly columns: readonly string[] = ['trange'];
  readonly warmup = 2;
  readonly out = new Float64Array(1).fill(NaN);
  private prevClose = NaN;

  update(bar: Bar): boolean {
    if (!Number.isNaN(this.prevClose)) this.out[0] = trueRange(bar.h, bar.l, this.prevClose);
    this.prevClose = bar.c;
    return !Number.isNaN(this.out[0]!);
  }

  reset(): void {
    this.prevClose = NaN;
    this.out[0] = NaN;
  }
}
