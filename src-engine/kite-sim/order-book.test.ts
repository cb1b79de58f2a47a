import { describe, expect, it } from 'vitest';
import { Rng } from '../core/random.js';
import { BOOK_LEVELS, SyntheticBook } from './order-book.js';

const book = () => new SyntheticBook({ tickPaise: 5, lotSize: 1, meanLevelQty: 100, rng: new Rng(7) });

describe('SyntheticBook', () => {
  it('refresh builds up to 5 levels each side: asks from the last price up, bids one tick below down; empty levels trail', () => {
    const b = book();
    let missing = 0;
    for (let r = 0; r < 200; r++) {
      b.refresh(10_000);
      const asks = b.asks.filter((l) => l.quantity > 0).map((l) => l.pricePaise);
      const bids = b.bids.filter((l) => l.quantity > 0).map((l) => l.pricePaise);
      expect(asks).toEqual([10_000, 10_005, 10_010, 10_015, 10_020].slice(0, asks.length));
      expect(bids).toEqual([9_995, 9_990, 9_985, 9_980, 9_975].slice(0, bids.length));
      expect(asks.length).toBeGreaterThanOrEqual(4); // the default (liquid) book keeps its best levels
      expect(bids.length).toBeGreaterThanOrEqual(4);
      for (const side of [b.asks, b.bids]) {
        expect(side).toHaveLength(BOOK_LEVELS);
        side.forEach((l, i) => {
          if (l.quantity > 0) expect(l.orders).toBeGreaterThan(0);
          else {
            expect(l).toEqual({ pricePaise: 0, quantity: 0, orders: 0 }); // like the mock quote.json's 0/0/0 levels
            expect(side.slice(i).every((x) => x.quantity === 0)).toBe(true);
          }
        });
      }
      missing += 10 - asks.length - bids.length;
    }
    expect(missing).toBeGreaterThan(10); // sometimes a level is empty
    expect(missing).toBeLessThan(100);
  });

  it('thin books (liquidity < 1) have gaps between prices, fewer levels and sometimes an empty side', () => {
    const b = new SyntheticBook({ tickPaise: 5, lotSize: 50, meanLevelQty: 100, rng: new Rng(3), liquidity: 0.1 });
    let emptySide = 0;
    let gaps = 0;
    for (let r = 0; r < 300; r++) {
      b.refresh(1_000);
      if (b.bestAsk === undefined || b.bestBid === undefined) emptySide++;
      const asks = b.asks.filter((l) => l.quantity > 0);
      for (let i = 1; i < asks.length; i++) if (asks[i]!.pricePaise - asks[i - 1]!.pricePaise > 5) gaps++;
      for (const l of asks) expect(l.quantity % 50).toBe(0);
      expect(asks.every((l, i) => i === 0 || l.pricePaise > asks[i - 1]!.pricePaise)).toBe(true);
    }
    expect(emptySide).toBeGreaterThan(10);
    expect(gaps).toBeGreaterThan(10);
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
