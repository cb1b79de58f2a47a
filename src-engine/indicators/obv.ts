import type { Bar, Indicator } from './indicator.js';

/**
 * `obv` — On-Balance Volume, TA-Lib convention: starts at the FIRST bar's volume (not 0), then adds
 * the volume on an up close, subtracts it on a down close, and carries it on an unchanged close.
 */
export class Obv implements Indicator {
  readonly id = 'obv';
  readonly columns: readonly string[] = ['obv'];
  readonly warmup = 1;
  readonly out = new Float64Array(1).fill(NaN);
  private prevClose = NaN;
  private obv = NaN;

  update(bar: Bar): boolean {
    if (Number.isNaN(this.obv)) this.obv = bar.v;
    else if (bar.c > this.prevClose) this.obv += bar.v;
    else if (bar.c < this.prevClose) this.obv -= bar.v;
    this.prevClose = bar.c;
    this.out[0] = this.obv;
    return true;
  }

  reset(): void {
    this.prevClose = NaN;
    this.obv = NaN;
    this.out[0] = NaN;
  }
}
