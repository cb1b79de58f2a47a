import { CloseIndicator, type CloseCore } from './close-indicator.js';
import { intParams } from './params.js';
import { Ring } from './rolling.js';

/** f(close now, close n bars ago), from a ring of n + 1 closes; NaN until n + 1 closes were seen. */
class LagCore implements CloseCore {
  private readonly ring: Ring;

  constructor(
    n: number,
    private readonly f: (now: number, then: number) => number,
  ) {
    this.ring = new Ring(n + 1);
  }

  get ready(): boolean {
    return this.ring.full;
  }

  push(x: number): number {
    this.ring.push(x);
    return this.ring.full ? this.f(x, this.ring.at(0)) : NaN;
  }

  reset(): void {
    this.ring.reset();
  }
}

/** Rate of change in percent (TA-Lib ROC): 100·(close/close[n ago] − 1); 0 if the old close is 0. `roc:n`. */
export class Roc extends CloseIndicator {
  constructor(readonly n: number) {
    super('roc', [n], n + 1, new LagCore(n, (now, then) => (then !== 0 ? (now / then - 1) * 100 : 0)));
  }
}

/** Momentum (TA-Lib MOM): close − close n bars ago. `mom:n`. */
export class Mom extends CloseIndicator {
  constructor(readonly n: number) {
    super('mom', [n], n + 1, new LagCore(n, (now, then) => now - then));
  }
}

export const rocFactory = (params: readonly number[]): Roc => new Roc(intParams('roc', params, ['n'])[0]!);
export const momFactory = (params: readonly number[]): Mom => new Mom(intParams('mom', params, ['n'])[0]!);
