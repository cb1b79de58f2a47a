import { CloseIndicator } from './close-indicator.js';
import { intParams } from './params.js';
import { SmaCore } from './rolling.js';

/** Simple moving average of the close (TA-Lib SMA); `sma:n`. */
export class Sma extends CloseIndicator {
  constructor(readonly n: number) {
    super('sma', [n], n, new SmaCore(n));
  }
}

export const smaFactory = (params: readonly number[]): Sma => new Sma(intParams('sma', params, ['n'])[0]!);
