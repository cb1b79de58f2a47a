import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { EmaCore } from './rolling.js';

/**
 * Triple EMA (TA-Lib TEMA): 3·EMA1 − 3·EMA2 + EMA3, each EMA of the previous one and seeded with
 * the SMA of its first n inputs; first value after 3n − 2 bars. `tema:n`.
 */
export class Tema implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly e1: EmaCore;
  private readonly e2: EmaCore;
  private readonly e3: EmaCore;

  constructor(readonly n: number) {
    this.id = stem('tema', [n]);
    this.columns = [this.id];
    this.warmup = 3 * n - 2;
    this.e1 = new EmaCore(n);
    this.e2 = new EmaCore(n);
    this.e3 = new EmaCore(n);
  }

  update(bar: Bar): boolean {
    const a = this.e1.push(bar.c);
    if (!this.e1.ready) return false;
    const b = this.e2.push(a);
    if (!this.e2.ready) return false;
    const c = this.e3.push(b);
    if (!this.e3.ready) return false;
    this.out[0] = 3 * a - 3 * b + c;
    return true;
  }

  reset(): void {
    this.e1.reset();
    this.e2.reset();
    this.e3.reset();
    this.out[0] = NaN;
  }
}

export const temaFactory = (params: readonly number[]): Tema => new Tema(intParams('tema', params, ['n'])[0]!);
