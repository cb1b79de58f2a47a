import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { EmaCore } from './rolling.js';

/**
 * Double EMA (TA-Lib DEMA): 2·EMA1 − EMA2, EMA2 = EMA of EMA1, each seeded with the SMA of its
 * first n inputs; first value after 2n − 1 bars. `dema:n`.
 */
export class Dema implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly e1: EmaCore;
  private readonly e2: EmaCore;

  constructor(readonly n: number) {
    this.id = stem('dema', [n]);
    this.columns = [this.id];
    this.warmup = 2 * n - 1;
    this.e1 = new EmaCore(n);
    this.e2 = new EmaCore(n);
  }

  update(bar: Bar): boolean {
    const a = this.e1.push(bar.c);
    if (!this.e1.ready) return false;
    const b = this.e2.push(a);
    if (!this.e2.ready) return false;
    this.out[0] = 2 * a - b;
    return true;
  }

  reset(): void {
    this.e1.reset();
    this.e2.reset();
    this.out[0] = NaN;
  }
}

export const demaFactory = (params: readonly number[]): Dema => new Dema(intParams('dema', params, ['n'])[0]!);
