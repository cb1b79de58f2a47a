import type { Bar, Indicator } from './indicator.js';
import { intParams, stem } from './params.js';
import { EmaCore } from './rolling.js';

/**
 * MACD with TA-Lib's alignment: the slow EMA starts at bar 0; the fast EMA starts at bar
 * slow − fast so both are first defined on the same bar (each seeded with the SMA of its first
 * inputs); macd = fast − slow; signal = EMA(signal) of macd, seeded with the SMA of the first
 * `signal` macd values; hist = macd − signal. Every output first defined after slow + signal − 1 bars.
 * As in TA-Lib, fast and slow are swapped if given the wrong way round.
 * Columns: `macd_f_s_g`, `macd_f_s_g_signal`, `macd_f_s_g_hist`. `macd:fast:slow:signal`.
 */
export class Macd implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly warmup: number;
  readonly out = new Float64Array(3).fill(NaN);
  private readonly fastEma: EmaCore;
  private readonly slowEma: EmaCore;
  private readonly signalEma: EmaCore;
  private readonly fastStart: number;
  private bars = 0;

  constructor(fast: number, slow: number, signal: number) {
    this.id = stem('macd', [fast, slow, signal]);
    this.columns = [this.id, `${this.id}_signal`, `${this.id}_hist`];
    if (slow < fast) [fast, slow] = [slow, fast];
    this.warmup = slow + signal - 1;
    this.fastEma = new EmaCore(fast);
    this.slowEma = new EmaCore(slow);
    this.signalEma = new EmaCore(signal);
    this.fastStart = slow - fast;
  }

  update(bar: Bar): boolean {
    const i = this.bars++;
    const s = this.slowEma.push(bar.c);
    if (i < this.fastStart) return false;
    const f = this.fastEma.push(bar.c);
    if (!this.slowEma.ready) return false;
    const m = f - s;
    const sig = this.signalEma.push(m);
    if (!this.signalEma.ready) return false;
    this.out[0] = m;
    this.out[1] = sig;
    this.out[2] = m - sig;
    return true;
  }

  reset(): void {
    this.fastEma.reset();
    this.slowEma.reset();
    this.signalEma.reset();
    this.bars = 0;
    this.out.fill(NaN);
  }
}

export const macdFactory = (params: readonly number[]): Macd => {
  const [f, s, g] = intParams('macd', params, ['fast', 'slow', 'signal']);
  return new Macd(f!, s!, g!);
};
