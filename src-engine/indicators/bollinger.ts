import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { RollingMoments } from './rolling.js';

/** TA-Lib's TA_IS_ZERO_OR_NEG: x < 1e-8 (a variance that small gives a stdev of 0). */
export const isZeroOrNeg = (x: number): boolean => x < 0.00000001;

/**
 * Bollinger Bands of the close (TA-Lib BBANDS with MA type SMA): middle = SMA(n), stdev = population
 * standard deviation over the same n closes (0 when the variance is below 1e-8, as TA-Lib),
 * upper/lower = middle ± k·stdev. Columns `bb_n_k_upper`, `bb_n_k_middle`, `bb_n_k_lower`. `bb:n:k`.
 */
export class Bollinger implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(3).fill(NaN);
  private readonly m: RollingMoments;

  constructor(
    readonly n: number,
    readonly k: number,
  ) {
    this.id = stem('bb', [n, k]);
    this.columns = ['upper', 'middle', 'lower'].map((s) => `${this.id}_${s}`);
    this.warmup = n;
    this.m = new RollingMoments(n);
  }

  update(bar: Bar): boolean {
    this.m.push(bar.c);
    if (!this.m.full) return false;
    const mid = this.m.mean;
    const v = this.m.variance;
    const dev = isZeroOrNeg(v) ? 0 : Math.sqrt(v) * this.k;
    this.out[0] = mid + dev;
    this.out[1] = mid;
    this.out[2] = mid - dev;
    return true;
  }

  reset(): void {
    this.m.reset();
    this.out.fill(NaN);
  }
}

export const bollingerFactory = (params: readonly number[]): Bollinger => {
  if (params.length !== 2) throw new RangeError(`bb: expected 2 parameters (bb:n:k), got ${params.length}`);
  const [n] = intParams('bb', params.slice(0, 1), ['n']);
  const k = params[1]!;
  if (!Number.isFinite(k) || k <= 0) throw new RangeError(`bb: k must be a number > 0 (bb:n:k), got ${k}`);
  return new Bollinger(n!, k);
};

/** Population standard deviation of the close over n bars (TA-Lib STDDEV with nbdev 1); `stddev:n`. */
export class StdDev implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(1).fill(NaN);
  private readonly m: RollingMoments;

  constructor(readonly n: number) {
    this.id = stem('stddev', [n]);
    this.columns = [this.id];
    this.warmup = n;
    this.m = new RollingMoments(n);
  }

  update(bar: Bar): boolean {
    this.m.push(bar.c);
    if (!this.m.full) return false;
    const v = this.m.variance;
    this.out[0] = isZeroOrNeg(v) ? 0 : Math.sqrt(v);
    return true;
  }

  reset(): void {
    this.m.reset();
    this.out[0] = NaN;
  }
}

export const stddevFactory = (params: readonly number[]): StdDev => new StdDev(intParams('stddev', params, ['n'])[0]!);
