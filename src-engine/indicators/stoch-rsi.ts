import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { SmaCore } from './rolling.js';
import { RsiCore } from './rsi.js';
import { FastKCore } from './stoch.js';

/**
 * Stochastic RSI with TA-Lib STOCHRSI's convention (MA type SMA): RSI(rsi) of the close, then the
 * FAST stochastic of that RSI series (high = low = close = RSI): `_k` = TA-Lib fastk =
 * 100·(RSI − min RSI over k)/(max − min) (0 when max = min), `_d` = TA-Lib fastd = SMA(d) of `_k`.
 * No extra %K smoothing (unlike some charting packages' "smoothK"). Values are 0..100.
 * First defined after rsi + k + d − 1 bars. Columns `stochrsi_r_k_d_k`, `stochrsi_r_k_d_d`.
 * `stochrsi:rsi:k:d` (TA-Lib's defaults are 14:5:3; TradingView-style charts typically use 14:14:3).
 */
/** A window of RSI values whose range is within this fraction of its top is flat (see FastKCore). */
export const RSI_FLAT_TOLERANCE = 1e-9;

export class StochRsi implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(2).fill(NaN);
  private readonly rsi: RsiCore;
  private readonly fastK: FastKCore;
  private readonly fastD: SmaCore;

  constructor(rsi: number, k: number, d: number) {
    this.id = stem('stochrsi', [rsi, k, d]);
    this.columns = [`${this.id}_k`, `${this.id}_d`];
    this.warmup = rsi + k + d - 1;
    this.rsi = new RsiCore(rsi);
    this.fastK = new FastKCore(k, RSI_FLAT_TOLERANCE);
    this.fastD = new SmaCore(d);
  }

  update(bar: Bar): boolean {
    const r = this.rsi.push(bar.c);
    if (!this.rsi.ready) return false;
    const fk = this.fastK.push(r, r, r);
    if (!this.fastK.ready) return false;
    const fd = this.fastD.push(fk);
    if (!this.fastD.ready) return false;
    this.out[0] = fk;
    this.out[1] = fd;
    return true;
  }

  reset(): void {
    this.rsi.reset();
    this.fastK.reset();
    this.fastD.reset();
    this.out.fill(NaN);
  }
}

export const stochRsiFactory = (params: readonly number[]): StochRsi => {
  const [r, k, d] = intParams('stochrsi', params, ['rsi', 'k', 'd']);
  return new StochRsi(r!, k!, d!);
};
