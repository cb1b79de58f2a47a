import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { RollingExtreme, SmaCore } from './rolling.js';

/**
 * Fast %K over n bars as TA-Lib computes it: (close − lowest low)/((highest high − lowest low)/100),
 * 0 when the range is 0. NaN until n bars were seen.
 */
export class FastKCore {
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  private seen = 0;

  /**
   * @param flatTolerance ranges at or below this fraction of max(1, |highest|) count as flat (fast %K 0,
   *   TA-Lib's rule for a zero range). 0 (exact) for prices; StochRSI passes 1e-9 because a flat RSI
   *   carries ~1e-14 of rounding noise that would otherwise be stretched to 0..100.
   */
  constructor(
    readonly n: number,
    private readonly flatTolerance = 0,
  ) {
    this.hi = new RollingExtreme(n, true);
    this.lo = new RollingExtreme(n, false);
  }

  get ready(): boolean {
    return this.seen >= this.n;
  }

  push(high: number, low: number, close: number): number {
    const hh = this.hi.push(high);
    const ll = this.lo.push(low);
    if (++this.seen < this.n) return NaN;
    const range = hh - ll;
    if (range === 0 || range <= this.flatTolerance * Math.max(1, Math.abs(hh))) return 0;
    return (close - ll) / (range / 100);
  }

  reset(): void {
    this.hi.reset();
    this.lo.reset();
    this.seen = 0;
  }
}

/**
 * Slow stochastic (TA-Lib STOCH with SMA smoothing): slow %K = SMA(ksmooth) of fast %K(k),
 * slow %D = SMA(d) of slow %K; first defined after k + ksmooth + d − 2 bars.
 * Columns `stoch_k_s_d_k`, `stoch_k_s_d_d`. `stoch:k:ksmooth:d`.
 */
export class Stoch implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(2).fill(NaN);
  private readonly fastK: FastKCore;
  private readonly slowK: SmaCore;
  private readonly slowD: SmaCore;

  constructor(k: number, ksmooth: number, d: number) {
    this.id = stem('stoch', [k, ksmooth, d]);
    this.columns = [`${this.id}_k`, `${this.id}_d`];
    this.warmup = k + ksmooth + d - 2;
    this.fastK = new FastKCore(k);
    this.slowK = new SmaCore(ksmooth);
    this.slowD = new SmaCore(d);
  }

  update(bar: Bar): boolean {
    const fk = this.fastK.push(bar.h, bar.l, bar.c);
    if (!this.fastK.ready) return false;
    const sk = this.slowK.push(fk);
    if (!this.slowK.ready) return false;
    const sd = this.slowD.push(sk);
    if (!this.slowD.ready) return false;
    this.out[0] = sk;
    this.out[1] = sd;
    return true;
  }

  reset(): void {
    this.fastK.reset();
    this.slowK.reset();
    this.slowD.reset();
    this.out.fill(NaN);
  }
}

export const stochFactory = (params: readonly number[]): Stoch => {
  const [k, s, d] = intParams('stoch', params, ['k', 'ksmooth', 'd']);
  return new Stoch(k!, s!, d!);
};
