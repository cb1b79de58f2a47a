import { describe, expect, it } from 'vitest';
import { MarketData } from '../../market/market-data.js';
import { DEPTH_LEVELS as MODEL_DEPTH_LEVELS } from '../../model/depth.js';
import { DEPTH_LEVELS, TickBatch, decodeFrame, encodeFrame, type KiteTick } from './tick-codec.js';
import { depthFromBatch } from './tick-depth.js';

const NSE_TOKEN = (738561 << 8) | 1; // RELIANCE-like token in segment 1 (NSE)
const CDS_TOKEN = (12345 << 8) | 3;
const T = 1_763_610_300; // Unix seconds

const full = (over: Partial<KiteTick> = {}): KiteTick => ({
  token: NSE_TOKEN,
  mode: 'full',
  tradable: true,
  lastPrice: 137_485,
  lastQty: 5,
  avgPrice: 137_400,
  volume: 1_000,
  buyQty: 10,
  sellQty: 12,
  open: 137_000,
  high: 138_000,
  low: 136_500,
  close: 136_900,
  lastTradeTime: T - 1,
  oi: 0,
  oiDayHigh: 0,
  oiDayLow: 0,
  exchangeTime: T,
  depth: {
    buy: [
      { quantity: 50, price: 137_480, orders: 3 },
      { quantity: 20, price: 137_475, orders: 1 },
    ],
    sell: [
      { quantity: 7, price: 137_490, orders: 2 },
      { quantity: 0, price: 137_495, orders: 0 },
    ],
  },
  ...over,
});

function decode(...ticks: KiteTick[]): TickBatch {
  const b = new TickBatch();
  decodeFrame(encodeFrame(ticks), b);
  return b;
}

describe('depthFromBatch', () => {
  it('turns a full-mode NSE row into a DepthSnapshot (paise, padding levels dropped, exchange time)', () => {
    expect(DEPTH_LEVELS).toBe(MODEL_DEPTH_LEVELS);
    const b = decode(full());
    expect(depthFromBatch(b, 0, 'RELIANCE', 0)).toEqual({
      symbol: 'RELIANCE',
      tsEvent: T * 1000,
      buy: [
        { pricePaise: 137_480, quantity: 50, orders: 3 },
        { pricePaise: 137_475, quantity: 20, orders: 1 },
      ],
      sell: [
        { pricePaise: 137_490, quantity: 7, orders: 2 },
        { pricePaise: 137_495, quantity: 0, orders: 0 },
      ],
    });
  });

  it('falls back to the last-trade time, then the given time; no depth for quote/ltp rows or non-paise segments', () => {
    const b = decode(
      full({ exchangeTime: 0 }),
      full({ exchangeTime: 0, lastTradeTime: 0 }),
      { token: NSE_TOKEN, mode: 'ltp', tradable: true, lastPrice: 100 },
      full({ token: CDS_TOKEN }),
    );
    expect(depthFromBatch(b, 0, 'X', 42)!.tsEvent).toBe((T - 1) * 1000);
    expect(depthFromBatch(b, 1, 'X', 42)!.tsEvent).toBe(42);
    expect(depthFromBatch(b, 2, 'X', 42)).toBeUndefined();
    expect(depthFromBatch(b, 3, 'X', 42)).toBeUndefined();
    expect(() => depthFromBatch(b, 4, 'X', 42)).toThrow(/row must be an integer in 0..3, got 4/);
  });

  it('feeds MarketData.setDepth', () => {
    const md = new MarketData([{ symbol: 'RELIANCE', name: 'Reliance', exchange: 'NSE', tickSizePaise: 10, lotSize: 1 }]);
    expect(md.setDepth(depthFromBatch(decode(full()), 0, 'RELIANCE', 0)!)).toBe(true);
    expect(md.depth('RELIANCE')!.buy[0]).toEqual({ pricePaise: 137_480, quantity: 50, orders: 3 });
  });
});
