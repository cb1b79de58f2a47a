/**
 * A synthetic 5-level order book around the last traded price. It stands in for the rest of the
 * market: our orders take liquidity from it, and it refreshes (new quantities, new prices) on every
 * market tick of its instrument, so consumed liquidity comes back on the next tick.
 *
 * Layout (prices in paise): asks at last, last+tick, … last+4·tick; bids at last−tick … last−5·tick.
 * So a resting BUY at L fills once the last price reaches L, a resting SELL at L once it passes L.
 */
import { type Rng } from '../core/random.js';

export const BOOK_LEVELS = 5;

export interface BookLevel {
  pricePaise: number;
  quantity: number;
  orders: number;
}

export interface Fill {
  pricePaise: number;
  quantity: number;
}

export type Side = 'BUY' | 'SELL';

export interface SyntheticBookOptions {
  tickPaise: number;
  lotSize: number;
  /** Mean quantity per level (rounded to lots). */
  meanLevelQty: number;
  rng: Rng;
}

const emptyLevel = (): BookLevel => ({ pricePaise: 0, quantity: 0, orders: 0 });

export class SyntheticBook {
  bids: BookLevel[] = [];
  asks: BookLevel[] = [];
  lastPaise = 0;

  constructor(private readonly o: SyntheticBookOptions) {}

  /** Rebuilds both sides around `lastPaise` with fresh random quantities. */
  refresh(lastPaise: number): void {
    const { tickPaise } = this.o;
    this.lastPaise = lastPaise;
    this.asks = [];
    this.bids = [];
    for (let i = 0; i < BOOK_LEVELS; i++) {
      this.asks.push(this.level(lastPaise + i * tickPaise));
      const bid = lastPaise - (i + 1) * tickPaise;
      this.bids.push(bid > 0 ? this.level(bid) : emptyLevel());
    }
  }

  /** Sets explicit levels (tests). Missing levels are empty. */
  setLevels(bids: readonly BookLevel[], asks: readonly BookLevel[]): void {
    const fill = (l: readonly BookLevel[]) => Array.from({ length: BOOK_LEVELS }, (_, i) => ({ ...(l[i] ?? emptyLevel()) }));
    this.bids = fill(bids);
    this.asks = fill(asks);
  }

  get bestBid(): number | undefined {
    const l = this.bids[0];
    return l && l.quantity > 0 ? l.pricePaise : undefined;
  }

  get bestAsk(): number | undefined {
    const l = this.asks[0];
    return l && l.quantity > 0 ? l.pricePaise : undefined;
  }

  totalQty(side: 'bids' | 'asks'): number {
    return this[side].reduce((a, l) => a + l.quantity, 0);
  }

  /**
   * Takes up to `quantity` from the opposite side for an incoming order: a BUY walks the asks up to
   * `limitPaise`, a SELL walks the bids down to it. Consumed quantity is removed until the next refresh.
   */
  take(side: Side, quantity: number, limitPaise: number): Fill[] {
    const levels = side === 'BUY' ? this.asks : this.bids;
    const fills: Fill[] = [];
    let left = quantity;
    for (const l of levels) {
      if (left <= 0) break;
      if (l.quantity <= 0) continue;
      if (side === 'BUY' ? l.pricePaise > limitPaise : l.pricePaise < limitPaise) break;
      const q = Math.min(left, l.quantity);
      fills.push({ pricePaise: l.pricePaise, quantity: q });
      l.quantity -= q;
      l.orders = l.quantity === 0 ? 0 : Math.max(1, l.orders - 1);
      left -= q;
    }
    return fills;
  }

  private level(pricePaise: number): BookLevel {
    const { lotSize, meanLevelQty, rng } = this.o;
    const lots = Math.max(1, Math.round((meanLevelQty * (0.3 + 1.4 * rng.uniform())) / lotSize));
    const quantity = lots * lotSize;
    const orders = Math.max(1, Math.min(quantity, Math.round(1 + rng.uniform() * 12)));
    return { pricePaise, quantity, orders };
  }
}
