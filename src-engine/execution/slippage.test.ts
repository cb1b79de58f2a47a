import { describe, expect, it } from 'vitest';
import type { DepthSnapshot } from '../model/depth.js';
import { aggregateSlippage, modelQuote, slippageRow, type ModelContext, type ModelOrder, type ModelQuote } from './slippage.js';

const NOW = 1_780_000_000_000;
const book: DepthSnapshot = {
  symbol: 'INFY',
  tsEvent: NOW - 200,
  // bids high to low, offers low to high (paise)
  buy: [
    { pricePaise: 150_000, quantity: 5, orders: 1 },
    { pricePaise: 149_995, quantity: 10, orders: 2 },
  ],
  sell: [
    { pricePaise: 150_010, quantity: 4, orders: 1 },
    { pricePaise: 150_020, quantity: 10, orders: 3 },
  ],
};
const ctx = (over: Partial<ModelContext> = {}): ModelContext => ({ lastPaise: 150_005, tickPaise: 5, depth: book, now: NOW, protectionPct: 2, ...over });
const order = (over: Partial<ModelOrder> = {}): ModelOrder => ({ orderId: 'O1', clientId: 'L1', strategy: 'ema', symbol: 'INFY', side: 'BUY', orderType: 'MARKET', qty: 6, ...over });

describe('modelQuote: what the paper model would have filled when the live order was sent', () => {
  it('a MARKET buy walks the fresh book (4 at 1500.10, 2 at 1500.20)', () => {
    const m = modelQuote(order(), ctx());
    expect(m).toMatchObject({ basis: 'depth', modelQty: 6, modelValuePaise: 4 * 150_010 + 2 * 150_020, refLastPaise: 150_005, depthTs: NOW - 200 });
  });

  it('a MARKET sell walks the bids', () => {
    expect(modelQuote(order({ side: 'SELL', qty: 8 }), ctx())).toMatchObject({ basis: 'depth', modelQty: 8, modelValuePaise: 5 * 150_000 + 3 * 149_995 });
  });

  it('a stale book is not used: the last price moved by the paper slippage', () => {
    const m = modelQuote(order({ qty: 10 }), ctx({ depth: { ...book, tsEvent: NOW - 60_000 }, slippage: { ticks: 2 } }));
    expect(m).toMatchObject({ basis: 'last', modelQty: 10, modelValuePaise: 10 * 150_015 });
    expect(m.depthTs).toBeUndefined();
  });

  it('a limit not marketable at send rests at its limit; a marketable one takes the book up to it', () => {
    expect(modelQuote(order({ orderType: 'LIMIT', pricePaise: 149_990 }), ctx())).toMatchObject({ basis: 'resting', modelQty: 6, modelValuePaise: 6 * 149_990 });
    expect(modelQuote(order({ orderType: 'LIMIT', pricePaise: 150_010 }), ctx())).toMatchObject({ basis: 'depth', modelQty: 4, modelValuePaise: 4 * 150_010 });
  });

  it('an untriggered SL-M rests at its trigger; an SL at its limit', () => {
    expect(modelQuote(order({ orderType: 'SL-M', triggerPaise: 151_000 }), ctx())).toMatchObject({ basis: 'resting', modelQty: 6, modelValuePaise: 6 * 151_000 });
    expect(modelQuote(order({ orderType: 'SL', triggerPaise: 151_000, pricePaise: 151_500 }), ctx())).toMatchObject({ basis: 'resting', modelValuePaise: 6 * 151_500 });
  });

  it('no last price: no model (basis none), never a throw', () => {
    expect(modelQuote(order(), ctx({ lastPaise: undefined }))).toMatchObject({ basis: 'none', modelQty: 0, modelValuePaise: 0 });
    expect(modelQuote(order({ orderType: 'LIMIT' }), ctx())).toMatchObject({ basis: 'none' });
  });
});

const model = (over: Partial<ModelQuote> = {}): ModelQuote => ({
  orderId: 'O1',
  clientId: 'L1',
  strategy: 'ema',
  symbol: 'INFY',
  side: 'BUY',
  orderType: 'MARKET',
  qty: 10,
  ts: NOW,
  basis: 'depth',
  modelQty: 10,
  modelValuePaise: 10 * 150_000,
  refLastPaise: 150_000,
  ...over,
});

describe('slippageRow: model vs real, adverse-positive', () => {
  it('a BUY filled higher than the model is adverse (positive); lower is favourable (negative)', () => {
    const worse = slippageRow(model(), [
      { orderId: 'O1', qty: 6, pricePaise: 150_020 },
      { orderId: 'O1', qty: 4, pricePaise: 150_045 },
      { orderId: 'OTHER', qty: 100, pricePaise: 1 },
    ]);
    expect(worse).toMatchObject({ modelPricePaise: 150_000, filledQty: 10, realPricePaise: 150_030, diffPaise: 30, bps: 2, costPaise: 300 });
    const better = slippageRow(model(), [{ orderId: 'O1', qty: 10, pricePaise: 149_985 }]);
    expect(better).toMatchObject({ diffPaise: -15, bps: -1, costPaise: -150 });
  });

  it('a SELL filled lower than the model is adverse (positive)', () => {
    const r = slippageRow(model({ side: 'SELL' }), [{ orderId: 'O1', qty: 10, pricePaise: 149_940 }]);
    expect(r).toMatchObject({ diffPaise: 60, bps: 4, costPaise: 600 });
    expect(slippageRow(model({ side: 'SELL' }), [{ orderId: 'O1', qty: 10, pricePaise: 150_075 }])).toMatchObject({ diffPaise: -75, bps: -5 });
  });

  it('bps to 2 decimals; partial fills priced on what filled', () => {
    const r = slippageRow(model({ modelValuePaise: 10 * 123_455 }), [{ orderId: 'O1', qty: 3, pricePaise: 123_460 }]);
    expect(r).toMatchObject({ filledQty: 3, diffPaise: 5, bps: 0.41, costPaise: 15 });
  });

  it('no fill yet, or no model: no diff', () => {
    const unfilled = slippageRow(model(), []);
    expect(unfilled.filledQty).toBe(0);
    expect(unfilled.diffPaise).toBeUndefined();
    const noModel = slippageRow(model({ basis: 'none', modelQty: 0, modelValuePaise: 0 }), [{ orderId: 'O1', qty: 10, pricePaise: 150_000 }]);
    expect(noModel).toMatchObject({ realPricePaise: 150_000 });
    expect(noModel.modelPricePaise).toBeUndefined();
    expect(noModel.costPaise).toBeUndefined();
  });
});

describe('aggregateSlippage: per strategy and overall', () => {
  it('sums cost and notional; bps of the notional; unpaired orders counted, not summed', () => {
    const rows = [
      slippageRow(model({ orderId: 'A', strategy: 'ema' }), [{ orderId: 'A', qty: 10, pricePaise: 150_030 }]), // +300
      slippageRow(model({ orderId: 'B', strategy: 'ema', side: 'SELL', modelValuePaise: 10 * 200_000 }), [{ orderId: 'B', qty: 10, pricePaise: 200_010 }]), // −100
      slippageRow(model({ orderId: 'C', strategy: 'manual' }), [{ orderId: 'C', qty: 10, pricePaise: 150_000 }]), // 0
      slippageRow(model({ orderId: 'D', strategy: 'manual' }), []),
    ];
    const agg = aggregateSlippage(rows);
    expect(agg.map((a) => a.strategy)).toEqual(['*', 'ema', 'manual']);
    expect(agg[1]).toEqual({ strategy: 'ema', orders: 2, paired: 2, filledQty: 20, costPaise: 200, modelNotionalPaise: 3_500_000, bps: 0.57 });
    expect(agg[2]).toMatchObject({ strategy: 'manual', orders: 2, paired: 1, filledQty: 10, costPaise: 0, bps: 0 });
    expect(agg[0]).toMatchObject({ orders: 4, paired: 3, filledQty: 30, costPaise: 200, modelNotionalPaise: 5_000_000, bps: 0.4 });
  });
});
