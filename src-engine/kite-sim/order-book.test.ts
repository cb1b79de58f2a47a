import { describe, expect, it } from 'vitest';
import { Rng } from '../core/random.js';
import { BOOK_LEVELS, SyntheticBook } from './order-book.js';

const book = () => new SyntheticBook({ tickPaise: 5, lotSize: 1, meanLevelQty: 100, rng: new Rng(7) });

describe('SyntheticBook', () => {
  it('refresh builds 5 levels each side: asks from the last price up, bids one tick below down', () => {
    const b = book();
    b.refresh(10_000);
    expect(b.asks.map((l) => l.pricePaise)).toEqual([10_000, 10_005, 10_010, 10_015, 10_020]);
    expect(b.bids.map((l) => l.pricePaise)).toEqual([9_995, 9_990, 9_985, 9_980, 9_975]);
    for (const l of [...b.asks, ...b.bids]) {
      expect(l.quantity).toBeGreaterThan(0);
      expect(l.orders).toBeGreaterThan(0);
    }
  });

  it('respects lot size and never prices a bid at or below zero', () => {
    const b = new SyntheticBook({ tickPaise: 5, lotSize: 25, meanLevelQty: 300, rng: new Rng(1) });
    b.refresh(10);
    for (const l of b.asks) expect(l.quantity % 25).toBe(0);
    expect(b.bids[0]!.pricePaise).toBe(5);
    expect(b.bids.slice(1).every((l) => l.quantity === 0 && l.pricePaise === 0)).toBe(true);
    expect(b.bids).toHaveLength(BOOK_LEVELS);
  });

  it('a BUY walks the asks up to its limit (partial fill across levels) and consumes liquidity', () => {
    const b = book();
    b.setLevels([], [
      { pricePaise: 100, quantity: 10, orders: 1 },
      { pricePaise: 105, quantity: 20, orders: 2 },
      { pricePaise: 110, quantity: 30, orders: 3 },
    ]);
    expect(b.take('BUY', 50, 105)).toEqual([
      { pricePaise: 100, quantity: 10 },
      { pricePaise: 105, quantity: 20 },
    ]);
    expect(b.asks[0]!.quantity).toBe(0);
    expect(b.asks[1]!.quantity).toBe(0);
    expect(b.take('BUY', 5, 120)).toEqual([{ pricePaise: 110, quantity: 5 }]);
    expect(b.asks[2]!.quantity).toBe(25);
  });

  it('a SELL walks the bids down to its limit; nothing fills beyond the limit', () => {
    const b = book();
    b.setLevels([{ pricePaise: 95, quantity: 10, orders: 1 }, { pricePaise: 90, quantity: 10, orders: 1 }], []);
    expect(b.take('SELL', 15, 96)).toEqual([]);
    expect(b.take('SELL', 15, 90)).toEqual([
      { pricePaise: 95, quantity: 10 },
      { pricePaise: 90, quantity: 5 },
    ]);
    expect(b.totalQty('bids')).toBe(5);
  });
});
