import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { EmaCore } from './rolling.js';

/** Exponential moving average of the close, TA-Lib seeding (first value = SMA of the first n); `ema:n`. */
export class Ema implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly core: EmaCore;

  constructor(readonly n: number) {
    this.id = stem('ema', [n]);
    this.columns = [this.id];
    this.warmup = n;
    this.core = new EmaCore(n);
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

export const emaFactory = (params: readonly number[]): Ema => new Ema(intParams('ema', params, ['n'])[0]!);
