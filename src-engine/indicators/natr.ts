import { Atr } from './atr.js';
import type { Bar, Indicator } from './indicator.js';
import { talibIsZero } from './trange.js';

/** `natr:n` — TA-Lib NATR: 100 · ATR(n) / close (0 when the close is 0). Warmup n+1. */
export class Natr implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly atr: Atr;

  constructor(readonly period: number) {
    if (!Number.isInteger(period) || period < 1) throw new RangeError(`natr: period must be an integer ≥ 1, got ${period}`);
    this.atr = new Atr(period);
    this.id = `natr_${period}`;
    this.columns = [this.id];
    this.warmup = period + 1;
  }

  update(bar: Bar): boolean {
    if (!this.atr.update(bar)) return false;
    this.out[0] = talibIsZero(bar.c) ? 0 : (this.atr.value / bar.c) * 100;
    return true;
  }

  reset(): void {
    this.atr.reset();
    this.out[0] = NaN;
  }
}
