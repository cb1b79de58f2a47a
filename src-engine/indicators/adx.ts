import type { Bar, Indicator } from './indicator.js';
import { talibIsZero, trueRange } from './trange.js';

/**
 * `adx:n` — Wilder's Average Directional Index with +DI and −DI, following TA-Lib ADX / PLUS_DI /
 * MINUS_DI step for step (so seeding matches too):
 *
 * - Directional movement per bar: up = h − h₋₁, down = l₋₁ − l; +DM = up if up > down and up > 0,
 *   −DM = down if down > up and down > 0, otherwise 0. TR is the true range.
 * - Bars 1..n−1 sum +DM, −DM and TR; from bar n on each sum S is smoothed S ← S − S/n + x.
 * - ±DI = 100 · S(±DM) / S(TR) from bar n (0 when S(TR) ≈ 0), so the DI columns are defined from the
 *   (n+1)-th bar.
 * - DX = 100 · |+DI − −DI| / (+DI + −DI); the first ADX (bar 2n−1) is the mean of the n DX of bars
 *   n..2n−1, then ADX ← (ADX·(n−1) + DX) / n. Warmup 2n bars (TA-Lib lookback 2n−1).
 *
 * Columns: `adx_n`, `adx_n_plus_di`, `adx_n_minus_di`.
 */
export class Adx implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(3).fill(NaN);
  private count = 0;
  private prevH = NaN;
  private prevL = NaN;
  private prevC = NaN;
  private plusDM = 0;
  private minusDM = 0;
  private tr = 0;
  private sumDX = 0;
  private adx = NaN;

  constructor(readonly period: number) {
    if (!Number.isInteger(period) || period < 2) throw new RangeError(`adx: period must be an integer ≥ 2, got ${period}`);
    this.id = `adx_${period}`;
    this.columns = [this.id, `${this.id}_plus_di`, `${this.id}_minus_di`];
    this.warmup = 2 * period;
  }

  update(bar: Bar): boolean {
    const k = this.count++;
    const n = this.period;
    if (k === 0) {
      this.prevH = bar.h;
      this.prevL = bar.l;
      this.prevC = bar.c;
      return false;
    }
    const diffP = bar.h - this.prevH;
    const diffM = this.prevL - bar.l;
    const tr = trueRange(bar.h, bar.l, this.prevC);
    this.prevH = bar.h;
    this.prevL = bar.l;
    this.prevC = bar.c;
    if (k < n) {
      if (diffM > 0 && diffP < diffM) this.minusDM += diffM;
      else if (diffP > 0 && diffP > diffM) this.plusDM += diffP;
      this.tr += tr;
      return false;
    }
    this.minusDM -= this.minusDM / n;
    this.plusDM -= this.plusDM / n;
    if (diffM > 0 && diffP < diffM) this.minusDM += diffM;
    else if (diffP > 0 && diffP > diffM) this.plusDM += diffP;
    this.tr = this.tr - this.tr / n + tr;

    let dx = NaN;
    if (talibIsZero(this.tr)) {
      this.out[1] = 0;
      this.out[2] = 0;
    } else {
      const minusDI = 100 * (this.minusDM / this.tr);
      const plusDI = 100 * (this.plusDM / this.tr);
      this.out[1] = plusDI;
      this.out[2] = minusDI;
      const sum = minusDI + plusDI;
      if (!talibIsZero(sum)) dx = 100 * (Math.abs(minusDI - plusDI) / sum);
    }

    if (k < 2 * n - 1) {
      if (!Number.isNaN(dx)) this.sumDX += dx;
      return false;
    }
    if (k === 2 * n - 1) {
      if (!Number.isNaN(dx)) this.sumDX += dx;
      this.adx = this.sumDX / n;
    } else if (!Number.isNaN(dx)) {
      this.adx = (this.adx * (n - 1) + dx) / n;
    }
    this.out[0] = this.adx;
    return true;
  }

  reset(): void {
    this.count = 0;
    this.prevH = this.prevL = this.prevC = NaN;
    this.plusDM = this.minusDM = this.tr = this.sumDX = 0;
    this.adx = NaN;
    this.out.fill(NaN);
  }
}
