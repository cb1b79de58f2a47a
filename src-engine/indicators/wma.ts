import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { CompensatedSum, Ring } from './rolling.js';

/**
 * Linearly weighted moving average of the close (TA-Lib WMA): weights 1..n, newest heaviest,
 * divided by n(n+1)/2. O(1): W ← W − S + n·x and S ← S − x_out + x (compensated), with an exact
 * recomputation of both each time the ring wraps. `wma:n`.
 */
export class Wma implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly ring: Ring;
  private readonly weighted = new CompensatedSum();
  private readonly simple = new CompensatedSum();
  private readonly divider: number;

  constructor(readonly n: number) {
    this.id = stem('wma', [n]);
    this.columns = [this.id];
    this.warmup = n;
    this.ring = new Ring(n);
    this.divider = (n * (n + 1)) / 2;
  }

  update(bar: Bar): boolean {
    const x = bar.c;
    const r = this.ring;
    if (!r.full) {
      r.push(x);
      this.weighted.add(r.count * x);
      this.simple.add(x);
      if (!r.full) return false;
    } else {
      // every held value loses one weight step; x enters with weight n, the oldest leaves with weight 1 (→ 0)
      this.weighted.add(-this.simple.value);
      this.weighted.add(this.n * x);
      const gone = r.push(x);
      this.simple.add(x);
      this.simple.add(-gone);
      if (r.head === 0) this.recompute();
    }
    this.out[0] = this.weighted.value / this.divider;
    return true;
  }

  private recompute(): void {
    const w = new CompensatedSum();
    const s = new CompensatedSum();
    for (let i = 0; i < this.n; i++) {
      const v = this.ring.at(i);
      w.add((i + 1) * v);
      s.add(v);
    }
    this.weighted.set(w.value);
    this.simple.set(s.value);
  }

  reset(): void {
    this.ring.reset();
    this.weighted.set(0);
    this.simple.set(0);
    this.out[0] = NaN;
  }
}

export const wmaFactory = (params: readonly number[]): Wma => new Wma(intParams('wma', params, ['n'])[0]!);
