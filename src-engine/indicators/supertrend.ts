import { Atr } from './atr.js';
import type { Bar, Indicator } from './indicator.js';

/**
 * `supertrend:n:mult` — SuperTrend as TradingView's built-in `ta.supertrend(mult, n)`, but with this
 * module's Wilder ATR (`atr:n`, TA-Lib seeding), so the first value is on bar n (warmup n+1):
 *
 * - basic bands: hl2 ± mult·ATR, hl2 = (h+l)/2.
 * - final lower band = basic lower if it is above the previous final lower band or the previous close
 *   was below that band, else the previous final lower band; the upper band mirrors this. On the first
 *   defined bar the "previous" bands are 0 (Pine's `nz`), so a negative basic lower band becomes 0.
 * - direction: on the first defined bar it is −1 (down, line = upper band) as in Pine. Afterwards, if
 *   the previous line was the upper band the trend turns up when close > upper band, else it turns down
 *   when close < lower band (Pine compares the previous line to the previous upper band by value).
 * - line = the lower band in an uptrend, the upper band in a downtrend.
 *
 * Direction convention: **+1 = uptrend (line below price, bullish), −1 = downtrend** — the sign is
 * the opposite of Pine's `direction` output, where −1 means up.
 *
 * Columns: `supertrend_n_mult` (the line) and `supertrend_n_mult_direction`.
 */
export class SuperTrend implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(2).fill(NaN);
  private readonly atr: Atr;
  private started = false;
  // Pine's nz(band[1]) is 0 on the first defined bar.
  private prevUpper = 0;
  private prevLower = 0;
  private prevLine = NaN;
  private prevClose = NaN;

  constructor(
    readonly period: number,
    readonly multiplier: number,
  ) {
    if (!Number.isInteger(period) || period < 1) throw new RangeError(`supertrend: period must be an integer ≥ 1, got ${period}`);
    if (!(Number.isFinite(multiplier) && multiplier > 0)) throw new RangeError(`supertrend: multiplier must be > 0, got ${multiplier}`);
    this.atr = new Atr(period);
    this.id = `supertrend_${period}_${multiplier}`;
    this.columns = [this.id, `${this.id}_direction`];
    this.warmup = period + 1;
  }

  update(bar: Bar): boolean {
    if (!this.atr.update(bar)) {
      this.prevClose = bar.c;
      return false;
    }
    const hl2 = (bar.h + bar.l) / 2;
    const band = this.multiplier * this.atr.value;
    let upper = hl2 + band;
    let lower = hl2 - band;
    if (!(lower > this.prevLower || this.prevClose < this.prevLower)) lower = this.prevLower;
    if (!(upper < this.prevUpper || this.prevClose > this.prevUpper)) upper = this.prevUpper;
    let up = false;
    if (!this.started) this.started = true;
    else up = this.prevLine === this.prevUpper ? bar.c > upper : !(bar.c < lower);
    const line = up ? lower : upper;
    this.out[0] = line;
    this.out[1] = up ? 1 : -1;
    this.prevUpper = upper;
    this.prevLower = lower;
    this.prevLine = line;
    this.prevClose = bar.c;
    return true;
  }

  reset(): void {
    this.atr.reset();
    this.started = false;
    this.prevUpper = this.prevLower = 0;
    this.prevLine = this.prevClose = NaN;
    this.out.fill(NaN);
  }
}
