import type { Bar, Indicator } from './indicator.js';
import { stem } from './params.js';

/** An incremental core over one input series (SmaCore, EmaCore, RsiCore, …). */
export interface CloseCore {
  push(x: number): number;
  readonly ready: boolean;
  reset(): void;
}

/** A one-column indicator of the close, driven by a core: the shell SMA, EMA and RSI share. */
export class CloseIndicator implements Indicator {
  readonly id: string;
  readonly columns: readonly string[];
  readonly out = new Float64Array(1).fill(NaN);

  constructor(
    name: string,
    params: readonly number[],
    readonly warmup: number,
    private readonly core: CloseCore,
  ) {
    this.id = stem(name, params);
    this.columns = [this.id];
  }

  update(bar: Bar): boolean {
    this.out[0] = this.core.push(bar.c);
    return this.core.ready;
  }

  reset(): void {
    this.core.reset();
    this.out[0] = NaN;
  }
}
