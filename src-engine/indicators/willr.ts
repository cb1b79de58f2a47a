import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { RollingExtreme } from './rolling.js';

/**
 * Williams %R (TA-Lib WILLR): (highest high − close)/((highest high − lowest low)/−100) over n
 * bars, i.e. −100..0; 0 when the range is 0. `willr:n`.
 */
export class WillR implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  private seen = 0;

  constructor(readonly n: number) {
    this.id = stem('willr', [n]);
    this.columns = [this.id];
    this.warmup = n;
    this.hi = new RollingExtreme(n, true);
    this.lo = new RollingExtreme(n, false);
  }

  update(bar: Bar): boolean {
    const hh = this.hi.push(bar.h);
    const ll = this.lo.push(bar.l);
    if (++this.seen < this.n) return false;
    const diff = (hh - ll) / -100;
    this.out[0] = diff !== 0 ? (hh - bar.c) / diff : 0;
    return true;
  }

  reset(): void {
    this.hi.reset();
    this.lo.reset();
    this.seen = 0;
    this.out[0] = NaN;
  }
}

export const willrFactory = (params: readonly number[]): WillR => new WillR(intParams('willr', params, ['n'])[0]!);
