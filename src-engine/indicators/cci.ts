import type { Bar, Indicator } from './indicator.js';
import { OrderedWindow } from './ordered-window.js';
import { intParams, stem } from './params.js';

/**
 * Commodity Channel Index (TA-Lib CCI): typical price tp = (h + l + c)/3;
 * CCI = (tp − SMA(tp))/(0.015 · mean |tp − SMA(tp)|) over n bars, 0 when either factor is 0.
 * The mean absolute deviation comes from an OrderedWindow: O(log n) per bar, no window re-scan.
 * `cci:n`.
 */
export class Cci implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly w: OrderedWindow;

  constructor(readonly n: number) {
    this.id = stem('cci', [n]);
    this.columns = [this.id];
    this.warmup = n;
    this.w = new OrderedWindow(n);
  }

  update(bar: Bar): boolean {
    const tp = (bar.h + bar.l + bar.c) / 3;
    this.w.push(tp);
    if (!this.w.full) return false;
    const mean = this.w.total / this.n;
    const mad = this.w.absDeviationSum(mean);
    const dev = tp - mean;
    this.out[0] = dev !== 0 && mad !== 0 ? dev / (0.015 * (mad / this.n)) : 0;
    return true;
  }

  reset(): void {
    this.w.reset();
    this.out[0] = NaN;
  }
}

export const cciFactory = (params: readonly number[]): Cci => new Cci(intParams('cci', params, ['n'])[0]!);
