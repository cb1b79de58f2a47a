import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DepthSnapshot } from '../model/depth.js';
import {
  betterPrice,
  type FillSlice,
  isMarketable,
  isTriggered,
  protectionLimit,
  restingFillPrice,
  slippedPrice,
  takerFill,
  walkDepth,
} from './fill-model.js';

const book: DepthSnapshot = {
  symbol: 'INFY',
  tsEvent: 1,
  buy: [
    { pricePaise: 99_95, quantity: 10, orders: 1 },
    { pricePaise: 99_90, quantity: 20, orders: 2 },
    { pricePaise: 99_80, quantity: 30, orders: 3 },
  ],
  sell: [
    { pricePaise: 100_05, quantity: 10, orders: 1 },
    { pricePaise: 100_10, quantity: 20, orders: 2 },
    { pricePaise: 100_20, quantity: 30, orders: 3 },
  ],
};

describe('walkDepth', () => {
  it('a BUY walks the offers best first, one slice per level', () => {
    const out: FillSlice[] = [];
    expect(walkDepth('BUY', 25, book, 1_000_000, out)).toBe(25);
    expect(out).toEqual([
      { qty: 10, pricePaise: 100_05 },
      { qty: 15, pricePaise: 100_10 },
    ]);
  });

  it('a SELL walks the bids', () => {
    const out: FillSlice[] = [];
    expect(walkDepth('SELL', 12, book, 1, out)).toBe(12);
    expect(out).toEqual([
      { qty: 10, pricePaise: 99_95 },
      { qty: 2, pricePaise: 99_90 },
    ]);
  });

  it('fills partially when the book is thin, and stops at the limit', () => {
    const out: FillSlice[] = [];
    expect(walkDepth('BUY', 100, book, 1_000_000, out)).toBe(60);
    const capped: FillSlice[] = [];
    expect(walkDepth('BUY', 100, book, 100_10, capped)).toBe(30);
    expect(capped.every((s) => s.pricePaise <= 100_10)).toBe(true);
    expect(walkDepth('SELL', 5, book, 100_00, [])).toBe(0);
  });

  it('honours what earlier orders took from the same snapshot', () => {
    const taken = [0, 0, 0, 0, 0];
    walkDepth('BUY', 15, book, 1_000_000, [], taken);
    expect(taken.slice(0, 2)).toEqual([10, 5]);
    const out: FillSlice[] = [];
    walkDepth('BUY', 20, book, 1_000_000, out, taken);
    expect(out).toEqual([
      { qty: 15, pricePaise: 100_10 },
      { qty: 5, pricePaise: 100_20 },
    ]);
  });

  it('property: never worse than the limit, never more than asked or available', () => {
    fc.assert(
      fc.property(fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 99_00, max: 101_00 }), (side, qty, limit) => {
        const taken = [0, 0, 0, 0, 0];
        const out: FillSlice[] = [];
        const got = walkDepth(side, qty, book, limit, out, taken);
        expect(got).toBeLessThanOrEqual(qty);
        expect(out.reduce((n, s) => n + s.qty, 0)).toBe(got);
        for (const s of out) expect(isMarketable(side, limit, s.pricePaise)).toBe(true);
        const levels = side === 'BUY' ? book.sell : book.buy;
        levels.forEach((l, i) => expect(taken[i]).toBeLessThanOrEqual(l.quantity));
      }),
    );
  });
});

describe('slippage and protection', () => {
  it('slippage is adverse: up for a BUY, down for a SELL, snapped outward to the tick', () => {
    expect(slippedPrice('BUY', 100_00, 5, { ticks: 2 })).toBe(100_10);
    expect(slippedPrice('SELL', 100_00, 5, { ticks: 2 })).toBe(99_90);
    // 1 bp of ₹100 is 1 paise → one whole tick against the taker
    expect(slippedPrice('BUY', 100_00, 5, { bps: 1 })).toBe(100_05);
    expect(slippedPrice('SELL', 100_00, 5, { bps: 1 })).toBe(99_95);
    expect(slippedPrice('BUY', 100_00, 5, { bps: 10, ticks: 1 })).toBe(100_15);
    expect(slippedPrice('BUY', 100_00, 5)).toBe(100_00);
    expect(slippedPrice('SELL', 5, 5, { ticks: 3 })).toBe(5);
    expect(() => slippedPrice('BUY', 100_00, 5, { ticks: -1 })).toThrow(RangeError);
  });

  it('property: slippage never favours the taker and stays on the tick', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'),
        fc.integer({ min: 1, max: 200_000 }),
        fc.constantFrom(1, 5, 10, 100),
        fc.integer({ min: 0, max: 5 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (side, ref0, tick, ticks, bps) => {
          const ref = ref0 * tick;
          const p = slippedPrice(side, ref, tick, { ticks, bps });
          expect(p % tick).toBe(0);
          if (side === 'BUY') expect(p).toBeGreaterThanOrEqual(ref + ticks * tick);
          else expect(p === tick || p <= ref - ticks * tick).toBe(true);
        },
      ),
    );
  });

  it('the protection band is last ± pct, snapped inward', () => {
    expect(protectionLimit('BUY', 100_00, 2, 5)).toBe(102_00);
    expect(protectionLimit('SELL', 100_00, 2, 5)).toBe(98_00);
    expect(protectionLimit('BUY', 123_45, 2, 5)).toBe(125_90); // 125.919 → down to 125.90
    expect(protectionLimit('SELL', 123_45, 2, 5)).toBe(121_00); // 120.981 → up to 121.00
    expect(protectionLimit('BUY', 100_00, 2.5, 5)).toBe(102_50);
    expect(() => protectionLimit('BUY', 100_00, 0, 5)).toThrow(RangeError);
  });

  it('triggers and marketability', () => {
    expect(isTriggered('BUY', 100_00, 100_00)).toBe(true);
    expect(isTriggered('BUY', 100_00, 99_95)).toBe(false);
    expect(isTriggered('SELL', 100_00, 100_00)).toBe(true);
    expect(isTriggered('SELL', 100_00, 100_05)).toBe(false);
    expect(betterPrice('BUY', 1, 2)).toBe(1);
    expect(betterPrice('SELL', 1, 2)).toBe(2);
  });
});

describe('takerFill', () => {
  const ctx = { lastPaise: 100_00, tickPaise: 5 };

  it('a market order without depth fills everything at the slipped last price, within the band', () => {
    expect(takerFill('BUY', 7, undefined, { ...ctx, slippage: { ticks: 1 } })).toEqual({ slices: [{ qty: 7, pricePaise: 100_05 }], filledQty: 7, limitPaise: 102_00 });
    expect(takerFill('SELL', 7, undefined, { ...ctx, slippage: { ticks: 1 } }).slices).toEqual([{ qty: 7, pricePaise: 99_95 }]);
    // slippage beyond the band is capped by the band
    expect(takerFill('BUY', 7, undefined, { ...ctx, slippage: { bps: 1000 } }).slices).toEqual([{ qty: 7, pricePaise: 102_00 }]);
  });

  it('a market order with depth walks the book only inside the protection band', () => {
    const r = takerFill('BUY', 100, undefined, { lastPaise: 98_30, tickPaise: 5, depth: book });
    // band: 98.30 × 1.02 = 100.266 → 100.25; levels 100.05, 100.10, 100.20 all inside
    expect(r.limitPaise).toBe(100_25);
    expect(r.filledQty).toBe(60);
    const tight = takerFill('BUY', 100, undefined, { lastPaise: 98_15, tickPaise: 5, depth: book });
    // band: 98.15 × 1.02 = 100.113 → 100.10
    expect(tight.filledQty).toBe(30);
  });

  it('a limit order fills at the better of limit and slipped last price, or not at all', () => {
    expect(takerFill('BUY', 5, 101_00, ctx).slices).toEqual([{ qty: 5, pricePaise: 100_00 }]);
    expect(takerFill('BUY', 5, 100_00, { ...ctx, slippage: { ticks: 3 } }).slices).toEqual([{ qty: 5, pricePaise: 100_00 }]);
    expect(takerFill('BUY', 5, 99_95, ctx).filledQty).toBe(0);
    expect(takerFill('SELL', 5, 100_05, ctx).filledQty).toBe(0);
  });
});

describe('restingFillPrice', () => {
  it("fills at the trade price when it reaches the limit ('touch') or passes it ('through')", () => {
    expect(restingFillPrice('BUY', 100_00, 100_00)).toBe(100_00);
    expect(restingFillPrice('BUY', 100_00, 99_90)).toBe(99_90);
    expect(restingFillPrice('BUY', 100_00, 100_05)).toBeUndefined();
    expect(restingFillPrice('BUY', 100_00, 100_00, 'through')).toBeUndefined();
    expect(restingFillPrice('SELL', 100_00, 100_10, 'through')).toBe(100_10);
    expect(restingFillPrice('SELL', 100_00, 99_95)).toBeUndefined();
  });
});
