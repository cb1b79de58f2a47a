import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { Ring } from './rolling.js';

/** Close n bars ago and now, from a ring of n + 1 closes. */
class Lag {
  private readonly ring: Ring;

  constructor(readonly n: number) {
    this.ring = new Ring(n + 1);
  }

  /** Pushes x; returns the close n bars before it, or NaN before n + 1 closes were seen. */
  push(x: number): number {
    this.ring.push(x);
    return this.ring.full ? this.ring.at(0) : NaN;
  }

  reset(): void {
    this.ring.reset();
  }
}

/** Rate of change in percent (TA-Lib ROC): 100·(close/close[n ago] − 1); 0 if the old close is 0. `roc:n`. */
export class Roc implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly lag: Lag;

  constructor(readonly n: number) {
    this.id = stem('roc', [n]);
    this.columns = [this.id];
    this.warmup = n + 1;
    this.lag = new Lag(n);
  }

  update(bar: Bar): boolean {
    const prev = this.lag.push(bar.c);
    if (prev !== prev) return false;
    this.out[0] = prev !== 0 ? (bar.c / prev - 1) * 100 : 0;
    return true;
  }

  reset(): void {
    this.lag.reset();
    this.out[0] = NaN;
  }
}

/** Momentum (TA-Lib MOM): close − close n bars ago. `mom:n`. */
export class Mom implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly lag: Lag;

  constructor(readonly n: number) {
    this.id = stem('mom', [n]);
    this.columns = [this.id];
    this.warmup = n + 1;
    this.lag = new Lag(n);
  }

  update(bar: Bar): boolean {
    const prev = this.lag.push(bar.c);
    if (prev !== prev) return false;
    this.out[0] = bar.c - prev;
    return true;
  }

  reset(): void {
    this.lag.reset();
    this.out[0] = NaN;
  }
}

export const rocFactory = (params: readonly number[]): Roc => new Roc(intParams('roc', params, ['n'])[0]!);
export const momFactory = (params: readonly number[]): Mom => new Mom(intParams('mom', params, ['n'])[0]!);
