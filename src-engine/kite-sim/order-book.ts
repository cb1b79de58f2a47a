/**
 * A synthetic 5-level order book around the last traded price. It stands in for the rest of the
 * market: our orders take liquidity from it, and it refreshes (new quantities, new prices) on every
 * market tick of its instrument, so consumed liquidity comes back on the next tick.
 *
 * Layout (prices in paise): asks at last, last+tick, … last+4·tick; bids at last−tick … last−5·tick.
 * So a resting BUY at L fills once the last price reaches L, a resting SELL at L once it passes L.
 *
 * Real books are not always full (the official mock quote.json has five 0/0/0 bids): Kite's depth is
 * the best five price levels that exist, so missing levels are trailing 0/0/0 entries, and thin
 * books skip prices. With `liquidity` < 1 a refresh sometimes leaves trailing levels empty, spaces
 * the levels of thin books by more than one tick, and a very thin book (liquidity < 0.5) sometimes
 * has no bids or no asks at all. The best level of a book with liquidity ≥ 0.5 is always present.
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
  /**
   * 1 = a deep, liquid book: all five levels on most refreshes (a trailing level is missing on about
   * 1 in 10). Lower = thinner: more missing levels, gaps between prices. Default 1. A simulator
   * choice, not measured from Kite data.
   */
  liquidity?: number;
}

const emptyLevel = (): BookLevel => ({ pricePaise: 0, quantity: 0, orders: 0 });

export class SyntheticBook {
  bids: BookLevel[] = [];
  asks: BookLevel[] = [];
  lastPaise = 0;

  constructor(private readonly o: SyntheticBookOptions) {}

  /** Rebuilds both sides around `lastPaise` with fresh random quantities (some trailing levels may be empty, see above). */
  refresh(lastPaise: number): void {
    const { tickPaise } = this.o;
    this.lastPaise = lastPaise;
    // level objects are reused (this runs on every print of every instrument); setLevels() copies, take() mutates
    if (this.asks.length !== BOOK_LEVELS) this.asks = Array.from({ length: BOOK_LEVELS }, emptyLevel);
    if (this.bids.length !== BOOK_LEVELS) this.bids = Array.from({ length: BOOK_LEVELS }, emptyLevel);
    const askLevels = this.levelCount();
    const bidLevels = this.levelCount();
    let ask = lastPaise;
    let bid = lastPaise - tickPaise;
    for (let i = 0; i < BOOK_LEVELS; i++) {
      if (i > 0) {
        ask += this.step();
        bid -= this.step();
      }
      this.fillLevel(this.asks[i]!, i < askLevels ? ask : 0);
      this.fillLevel(this.bids[i]!, i < bidLevels && bid > 0 ? bid : 0);
    }
  }

  /** How many of the five levels one side has on this refresh. */
  private levelCount(): number {
    const liq = this.o.liquidity ?? 1;
    if (liq >= 1) {
      // the default book: full most of the time, a missing last level about 1 refresh in 10
      return this.o.rng.uniform() < 0.1 ? BOOK_LEVELS - 1 : BOOK_LEVELS;
    }
    const u = this.o.rng.uniform();
    if (liq < 0.5 && u < (0.5 - liq) * 0.4) return 0; // nobody on this side right now
    // P(level i exists | level i−1 exists) falls with thinner books
    const keep = 0.6 + 0.38 * Math.min(1, Math.max(0, liq));
    let n = 1;
    while (n < BOOK_LEVELS && this.o.rng.uniform() < keep) n++;
    return n;
  }

  /** Distance to the next price level: one tick in liquid books, sometimes more in thin ones. */
  private step(): number {
    const liq = this.o.liquidity ?? 1;
    if (liq >= 0.8) return this.o.tickPaise;
    let ticks = 1;
    while (ticks < 20 && this.o.rng.uniform() > liq + 0.2) ticks++;
    return ticks * this.o.tickPaise;
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

  /** Sets `l` to a fresh random level at `pricePaise`, or to an empty 0/0/0 level when the price is 0. */
  private fillLevel(l: BookLevel, pricePaise: number): void {
    if (pricePaise <= 0) {
      l.pricePaise = l.quantity = l.orders = 0;
      return;
    }
    const { lotSize, meanLevelQty, rng } = this.o;
    const lots = Math.max(1, Math.round((meanLevelQty * (0.3 + 1.4 * rng.uniform())) / lotSize));
    l.pricePaise = pricePaise;
    l.quantity = lots * lotSize;
    l.orders = Math.max(1, Math.min(l.quantity, Math.round(1 + rng.uniform() * 12)));
  }
}
