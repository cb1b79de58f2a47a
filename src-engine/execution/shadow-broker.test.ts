import { describe, expect, it } from 'vitest';
import type { DepthSnapshot } from '../model/depth.js';
import type { Order, OrderRequest, TradableInstrument } from '../model/order.js';
import type { BrokerOrderUpdate, MarketView } from './broker.js';
import { OrderManager } from './order-manager.js';
import { PaperBroker, type PaperBrokerOptions } from './paper-broker.js';
import { MARKET_PROTECTION_AUTO, ShadowBroker } from './shadow-broker.js';
import { orderRequest } from '../model/testing.js';

const inst: TradableInstrument = { symbol: 'INFY', exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 };

function world() {
  const t = { now: 1_000 };
  let last = 100_00;
  let depth: DepthSnapshot | undefined;
  const market: MarketView = {
    lastPricePaise: () => last,
    lastTickAt: () => t.now,
    depth: () => depth,
    instrument: (s) => (s === 'INFY' ? inst : undefined),
  };
  return {
    t,
    market,
    clock: { now: () => t.now },
    setLast(p: number) {
      last = p;
    },
    setDepth(d: DepthSnapshot) {
      depth = d;
    },
  };
}

const req = (over: Partial<OrderRequest>): OrderRequest => orderRequest({ clientId: 'x', orderType: 'MARKET', pricePaise: undefined, strategy: 's', ...over });

describe('ShadowBroker', () => {
  it('records the Kite place params: tag = clientId, market_protection on MARKET and SL-M, rupee prices', () => {
    const w = world();
    const shadow = new ShadowBroker({ market: w.market, clock: w.clock, marketHours: () => true });
    expect(shadow.kind).toBe('shadow');
    const oms = new OrderManager({ broker: shadow, clock: w.clock, newOrderId: (() => { let n = 0; return () => `s${++n}`; })() });
    oms.submit(req({ clientId: 'mkt1' }));
    oms.submit(req({ clientId: 'lim1', orderType: 'LIMIT', pricePaise: 99_50, validity: 'IOC', product: 'CNC' }));
    oms.submit(req({ clientId: 'slm1', side: 'SELL', orderType: 'SL-M', triggerPaise: 98_00 }));
    oms.submit(req({ clientId: 'sl1', side: 'SELL', orderType: 'SL', triggerPaise: 98_00, pricePaise: 97_90, variety: 'amo' }));
    expect(shadow.wouldSend().map(({ orderId, kind, variety, params }) => ({ orderId, kind, variety, params }))).toEqual([
      {
        orderId: 's1',
        kind: 'place',
        variety: 'regular',
        params: { tradingsymbol: 'INFY', exchange: 'NSE', transaction_type: 'BUY', order_type: 'MARKET', quantity: 10, product: 'MIS', validity: 'DAY', tag: 'mkt1', market_protection: MARKET_PROTECTION_AUTO },
      },
      {
        orderId: 's2',
        kind: 'place',
        variety: 'regular',
        params: { tradingsymbol: 'INFY', exchange: 'NSE', transaction_type: 'BUY', order_type: 'LIMIT', quantity: 10, product: 'CNC', validity: 'IOC', tag: 'lim1', price: '99.50' },
      },
      {
        orderId: 's3',
        kind: 'place',
        variety: 'regular',
        params: { tradingsymbol: 'INFY', exchange: 'NSE', transaction_type: 'SELL', order_type: 'SL-M', quantity: 10, product: 'MIS', validity: 'DAY', tag: 'slm1', trigger_price: '98.00', market_protection: -1 },
      },
      {
        orderId: 's4',
        kind: 'place',
        variety: 'amo',
        params: { tradingsymbol: 'INFY', exchange: 'NSE', transaction_type: 'SELL', order_type: 'SL', quantity: 10, product: 'MIS', validity: 'DAY', tag: 'sl1', price: '97.90', trigger_price: '98.00' },
      },
    ]);
  });

  it('records modify and cancel requests and a custom protection percentage', () => {
    const w = world();
    const shadow = new ShadowBroker({ market: w.market, clock: w.clock, marketHours: () => true, marketProtection: 3 });
    const oms = new OrderManager({ broker: shadow, clock: w.clock });
    const o = oms.submit(req({ clientId: 'l2', orderType: 'LIMIT', pricePaise: 95_00 }));
    oms.modify(o.orderId, { qty: 12, pricePaise: 95_50 });
    oms.modify(o.orderId, { orderType: 'SL-M', triggerPaise: 101_00 });
    oms.cancel(o.orderId);
    expect(shadow.wouldSendFor(o.orderId).map((r) => [r.kind, r.params])).toEqual([
      ['place', expect.objectContaining({ price: '95.00', tag: 'l2' })],
      ['modify', { quantity: 12, price: '95.50' }],
      ['modify', { order_type: 'SL-M', trigger_price: '101.00', market_protection: 3 }],
      ['cancel', {}],
    ]);
    expect(oms.get(o.orderId)!.status).toBe('CANCELLED');
    shadow.clearWouldSend();
    expect(shadow.wouldSend()).toEqual([]);
    expect(() => new ShadowBroker({ market: w.market, clock: w.clock, marketProtection: 0 })).toThrow(/market_protection|marketProtection/);
  });

  it('simulates exactly like the paper broker', () => {
    const run = (make: (o: PaperBrokerOptions) => PaperBroker) => {
      const w = world();
      w.setDepth({ symbol: 'INFY', tsEvent: 1_000, buy: [{ pricePaise: 99_95, quantity: 5, orders: 1 }], sell: [{ pricePaise: 100_05, quantity: 3, orders: 1 }, { pricePaise: 100_10, quantity: 50, orders: 2 }] });
      const b = make({ market: w.market, clock: w.clock, marketHours: () => true, slippage: { ticks: 1 } });
      const ups: BrokerOrderUpdate[] = [];
      b.onUpdate((u) => ups.push(u));
      let n = 0;
      const oms = new OrderManager({ broker: b, clock: w.clock, newOrderId: () => `o${++n}` });
      oms.submit(req({ clientId: 'a', qty: 10 }));
      oms.submit(req({ clientId: 'b', side: 'SELL', qty: 8 }));
      const l = oms.submit(req({ clientId: 'c', orderType: 'LIMIT', pricePaise: 98_00 }));
      oms.submit(req({ clientId: 'd', orderType: 'SL', triggerPaise: 101_00, pricePaise: 101_10 }));
      w.t.now = 10_000;
      w.setLast(98_95);
      b.onTick('INFY', 98_95, 10_000);
      w.setLast(101_05);
      b.onTick('INFY', 101_05, 10_001);
      oms.modify(l.orderId, { qty: 20 });
      return { ups, orders: oms.orders() as Order[] };
    };
    const paper = run((o) => new PaperBroker(o));
    const shadow = run((o) => new ShadowBroker(o));
    expect(shadow.ups).toEqual(paper.ups);
    expect(shadow.orders).toEqual(paper.orders);
    expect(paper.ups.filter((u) => u.fill).length).toBeGreaterThan(3);
  });
});
