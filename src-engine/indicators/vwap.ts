import { istSessionBounds } from '../core/ist.js';
import type { Bar, Indicator } from './indicator.js';

/**
 * `vwap` — session Volume-Weighted Average Price: Σ(tp·v) / Σv with typical price tp = (h+l+c)/3,
 * accumulated over the bars of one IST calendar day and restarted on the first bar (by `bar.t`) of a
 * new IST day. So intraday bars give the usual session VWAP and daily bars give each day's tp.
 * NaN (and `update` → false) while the session has had no volume, e.g. for an index.
 */
export class Vwap implements Indicator {
  readonly id = 'vwap';
  readonly columns: readonly string[] = ['vwap'];
  readonly warmup = 1;
  readonly out = new Float64Array(1).fill(NaN);
  /** 09:15 IST of the current session's day: a day key that needs no calendar maths. */
  private session = NaN;
  private pv = 0;
  private vol = 0;

  update(bar: Bar): boolean {
    const session = istSessionBounds(bar.t).open;
    if (session !== this.session) {
      this.session = session;
      this.pv = 0;
      this.vol = 0;
    }
    this.pv += ((bar.h + bar.l + bar.c) / 3) * bar.v;
    this.vol += bar.v;
    this.out[0] = this.vol > 0 ? this.pv / this.vol : NaN;
    return this.vol > 0;
  }

  reset(): void {
    this.session = NaN;
    this.pv = 0;
    this.vol = 0;
    this.out[0] = NaN;
  }
}
