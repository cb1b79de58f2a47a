import { CloseIndicator } from './close-indicator.js';
import { intParams } from './params.js';
import { EmaCore } from './rolling.js';

/** Exponential moving average of the close, TA-Lib seeding (first value = SMA of the first n); `ema:n`. */
export class Ema extends CloseIndicator {
  constructor(readonly n: number) {
    super('ema', [n], n, new EmaCore(n));
  }
}

export const emaFactory = (params: readonly number[]): Ema => new Ema(intParams('ema', params, ['n'])[0]!);
