import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { SmaCore } from './rolling.js';

/** Simple moving average of the close (TA-Lib SMA); `sma:n`. */
export class Sma implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly core: SmaCore;

  constructor(readonly n: number) {
    this.id = stem('sma', [n]);
    this.columns = [this.id];
    this.warmup = n;
    this.core = new SmaCore(n);
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

export const smaFactory = (params: readonly number[]): Sma => new Sma(intParams('sma', params, ['n'])[0]!);
