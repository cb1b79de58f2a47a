import { describe, expect, it } from 'vitest';
import type { Order, OrderRequest, TradableInstrument } from '../model/order.js';
import { type Broker, BrokerError, type BrokerKind, type BrokerOrderUpdate, type MarketView, type OrderModify } from './broker.js';
import { OrderManager } from './order-manager.js';
import { PaperBroker } from './paper-broker.js';
import { ExecutionRouter } from './router.js';
import { ShadowBroker } from './shadow-broker.js';

class RecordingBroker implements Broker {
  calls: string[] = [];
  private ls: ((u: BrokerOrderUpdate) => void)[] = [];
  constructor(readonly kind: BrokerKind) {}
  place(o: Readonly<Order>): void {
    this.calls.push(`place ${o.orderId}`);
  }
  modify(id: string, _c: OrderModify): void {
    this.calls.push(`modify ${id}`);
  }
  cancel(id: string): void {
    this.calls.push(`cancel ${id}`);
  }
  onUpdate(l: (u: BrokerOrderUpdate) => void): () => void {
    this.ls.push(l);
    return () => (this.ls = this.ls.filter((x) => x !== l));
  }
  emit(u: BrokerOrderUpdate): void {
    for (const l of this.ls) l(u);
  }
}

const order = (orderId: string): Order =>
  ({ orderId, clientId: orderId, symbol: 'INFY', exchange: 'NSE', side: 'BUY', qty: 1, orderType: 'MARKET', status: 'PUT ORDER REQ RECEIVED' }) as Order;

function brokers() {
  return { paper: new RecordingBroker('paper'), shadow: new RecordingBroker('shadow'), live: new RecordingBroker('live') };
}

describe('ExecutionRouter', () => {
  it('routes new orders by mode and keeps each order with the broker it was placed at', () => {
    const b = brokers();
    const r = new ExecutionRouter(b);
    expect(r.mode).toBe('paper');
    expect(r.kind).toBe('paper');
    r.place(order('a'));
    r.setMode('shadow');
    r.place(order('b'));
    r.setMode('live', { confirm: true });
    expect(r.kind).toBe('live');
    r.place(order('c'));
    r.setMode('backtest');
    r.place(order('d'));
    for (const id of ['a', 'b', 'c', 'd']) {
      r.modify(id, { qty: 2 });
      r.cancel(id);
    }
    expect(b.paper.calls).toEqual(['place a', 'place d', 'modify a', 'cancel a', 'modify d', 'cancel d']);
    expect(b.shadow.calls).toEqual(['place b', 'modify b', 'cancel b']);
    expect(b.live.calls).toEqual(['place c', 'modify c', 'cancel c']);
    expect(['a', 'b', 'c', 'd'].map((id) => r.brokerOf(id))).toEqual(['paper', 'shadow', 'live', 'paper']);
  });

  it('going live needs a live broker and an explicit confirmation', () => {
    const b = brokers();
    const r = new ExecutionRouter(b);
    expect(() => r.setMode('live')).toThrow(/confirm: true/);
    expect(() => r.setMode('live', { confirm: false })).toThrow(/confirm: true/);
    expect(r.mode).toBe('paper');
    const noLive = new ExecutionRouter({ paper: b.paper });
    expect(() => noLive.setMode('live', { confirm: true })).toThrow(/no live broker/);
    expect(() => noLive.setMode('shadow')).toThrow(/no shadow broker/);
    expect(() => new ExecutionRouter({ paper: b.paper, mode: 'live' as 'paper' })).toThrow(/cannot be 'live'/);
    expect(() => new ExecutionRouter({ paper: b.paper, shadow: b.paper })).toThrow(/different broker objects/);
    const changes: string[] = [];
    r.onModeChange((m) => changes.push(m));
    r.setMode('live', { confirm: true });
    r.setMode('live', { confirm: true });
    expect(changes).toEqual(['live']);
  });

  it('forwards updates from every broker and forgets an order once it is terminal', () => {
    const b = brokers();
    const r = new ExecutionRouter(b);
    const got: string[] = [];
    r.onUpdate((u) => got.push(`${u.orderId} ${u.status} ${r.brokerOf(u.orderId) ?? '-'}`));
    r.place(order('a'));
    b.paper.emit({ orderId: 'a', status: 'OPEN', tsEvent: 1 });
    b.live.emit({ orderId: 'ext', status: 'OPEN', tsEvent: 1 });
    b.paper.emit({ orderId: 'a', status: 'CANCELLED', tsEvent: 2 });
    // brokerOf() still answers while listeners handle the terminal update
    expect(got).toEqual(['a OPEN paper', 'ext OPEN -', 'a CANCELLED paper']);
    expect(r.brokerOf('a')).toBeUndefined();
    expect(() => r.cancel('a')).toThrow(BrokerError);
  });

  it('refuses unknown orders until adopted, and duplicate placements', () => {
    const b = brokers();
    const r = new ExecutionRouter(b);
    expect(() => r.cancel('restored')).toThrow(/adopt/);
    r.adopt('restored', 'live');
    r.cancel('restored');
    expect(b.live.calls).toEqual(['cancel restored']);
    expect(() => r.adopt('restored', 'paper')).toThrow(/already belongs to the live broker/);
    r.place(order('x'));
    expect(() => r.place(order('x'))).toThrow(expect.objectContaining({ code: 'DUPLICATE_ORDER' }));
    expect(b.paper.calls).toEqual(['place x']);
  });

  it('a BrokerError at placement unmaps the order; an unknown failure keeps it', () => {
    const b = brokers();
    const r = new ExecutionRouter(b);
    b.paper.place = () => {
      throw new BrokerError('INVALID_REQUEST', 'no');
    };
    expect(() => r.place(order('a'))).toThrow(BrokerError);
    expect(r.brokerOf('a')).toBeUndefined();
    b.paper.place = () => {
      throw new Error('timeout');
    };
    expect(() => r.place(order('b'))).toThrow('timeout');
    expect(r.brokerOf('b')).toBe('paper');
  });

  it('end to end: OMS → router → paper / shadow, orders stay with their broker across a mode change', () => {
    const inst: TradableInstrument = { symbol: 'INFY', exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 };
    const market: MarketView = {
      lastPricePaise: () => 100_00,
      lastTickAt: () => 0,
      depth: () => undefined,
      instrument: (s) => (s === 'INFY' ? inst : undefined),
    };
    const clock = { now: () => 0 };
    const paper = new PaperBroker({ market, clock, marketHours: () => true });
    const shadow = new ShadowBroker({ market, clock, marketHours: () => true });
    const router = new ExecutionRouter({ paper, shadow });
    const oms = new OrderManager({ broker: router, clock });
    const errors: Error[] = [];
    oms.onError((e) => errors.push(e));
    const req = (clientId: string): OrderRequest => ({
      clientId,
      symbol: 'INFY',
      exchange: 'NSE',
      side: 'BUY',
      qty: 5,
      orderType: 'LIMIT',
      pricePaise: 99_00,
      product: 'MIS',
      validity: 'DAY',
      variety: 'regular',
      strategy: 's',
      source: 'manual',
      tsInit: 0,
    });
    const a = oms.submit(req('a1'));
    router.setMode('shadow');
    const b = oms.submit(req('b1'));
    expect(oms.submit(req('a1')).orderId).toBe(a.orderId);
    expect([a.status, b.status]).toEqual(['OPEN', 'OPEN']);
    expect(router.brokerOf(a.orderId)).toBe('paper');
    expect(shadow.wouldSend().map((w) => w.orderId)).toEqual([b.orderId]);
    oms.cancel(a.orderId);
    expect(oms.get(a.orderId)!.status).toBe('CANCELLED');
    expect(shadow.wouldSend().map((w) => w.kind)).toEqual(['place']);
    oms.cancelAll();
    expect(oms.get(b.orderId)!.status).toBe('CANCELLED');
    expect(shadow.wouldSend().map((w) => w.kind)).toEqual(['place', 'cancel']);
    expect(errors).toEqual([]);
  });
});
