import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nseCalendar } from '../core/nse-calendar.js';
import type { DepthSnapshot } from '../model/depth.js';
import type { Order, OrderRequest, OrderStatus, TradableInstrument } from '../model/order.js';
import { BrokerError, type BrokerOrderUpdate, type MarketView } from './broker.js';
import { OrderManager } from './order-manager.js';
import { canTransition } from './order-state.js';
import { TradingDay } from '../core/trading-day.js';
import { cachedNseMarketHours, DAY_EXPIRED_MESSAGE, MARKET_CLOSED_MESSAGE, PaperBroker, type PaperBrokerOptions } from './paper-broker.js';

const T0 = 1_750_000_000_000;

class FakeMarket implements MarketView {
  readonly last = new Map<string, { p: number; at: number }>();
  readonly books = new Map<string, DepthSnapshot>();
  readonly insts = new Map<string, TradableInstrument>([
    ['INFY', { symbol: 'INFY', exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 }],
    ['NIFTYFUT', { symbol: 'NIFTYFUT', exchange: 'NFO', kind: 'future', tickSizePaise: 10, lotSize: 75, freezeQty: 1800 }],
  ]);
  lastPricePaise(s: string): number | undefined {
    return this.last.get(s)?.p;
  }
  lastTickAt(s: string): number | undefined {
    return this.last.get(s)?.at;
  }
  depth(s: string): DepthSnapshot | undefined {
    return this.books.get(s);
  }
  instrument(s: string): TradableInstrument | undefined {
    return this.insts.get(s);
  }
}

interface Rig {
  t: { now: number };
  market: FakeMarket;
  broker: PaperBroker;
  oms: OrderManager;
  updates: BrokerOrderUpdate[];
  errors: Error[];
  /** Sets the quote and tells the broker (as the kernel does). */
  tick(symbol: string, p: number, at?: number): void;
  depth(d: Omit<DepthSnapshot, 'tsEvent'> & { tsEvent?: number }): void;
  submit(over?: Partial<OrderRequest>): Order;
  statuses(orderId: string): OrderStatus[];
}

let seq = 0;
function rig(opts: Partial<PaperBrokerOptions> = {}, open = true): Rig {
  const t = { now: T0 };
  const clock = { now: () => t.now };
  const market = new FakeMarket();
  market.last.set('INFY', { p: 100_00, at: T0 });
  market.last.set('NIFTYFUT', { p: 24_000_00, at: T0 });
  const broker = new PaperBroker({ market, clock, marketHours: () => open, ...opts });
  const updates: BrokerOrderUpdate[] = [];
  broker.onUpdate((u) => updates.push(u));
  const oms = new OrderManager({ broker, clock });
  const errors: Error[] = [];
  oms.onError((e) => errors.push(e));
  return {
    t,
    market,
    broker,
    oms,
    updates,
    errors,
    tick(symbol, p, at = t.now) {
      market.last.set(symbol, { p, at });
      broker.onTick(symbol, p, at);
    },
    depth(d) {
      const snap = { tsEvent: t.now, ...d };
      market.books.set(d.symbol, snap);
      broker.onDepth(snap);
    },
    submit(over = {}) {
      return oms.submit({
        clientId: `c${++seq}`,
        symbol: 'INFY',
        exchange: 'NSE',
        side: 'BUY',
        qty: 10,
        orderType: 'MARKET',
        product: 'MIS',
        validity: 'DAY',
        variety: 'regular',
        strategy: 's1',
        source: 'strategy',
        tsInit: t.now,
        ...over,
      });
    },
    statuses(orderId) {
      return updates.filter((u) => u.orderId === orderId).map((u) => u.status);
    },
  };
}

const lv = (pricePaise: number, quantity: number) => ({ pricePaise, quantity, orders: 1 });
const fillsOf = (r: Rig, id: string) => r.oms.fills().filter((f) => f.orderId === id).map((f) => [f.qty, f.pricePaise]);

describe('PaperBroker: market orders', () => {
  it('walks the depth with partial fills per level and emits the Kite sequence', () => {
    const r = rig();
    r.depth({ symbol: 'INFY', buy: [lv(99_95, 50)], sell: [lv(100_05, 4), lv(100_10, 3), lv(100_20, 100)] });
    const o = r.submit({ qty: 10 });
    expect(o.status).toBe('COMPLETE');
    expect(r.statuses(o.orderId)).toEqual(['VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'OPEN', 'OPEN', 'COMPLETE']);
    expect(fillsOf(r, o.orderId)).toEqual([
      [4, 100_05],
      [3, 100_10],
      [3, 100_20],
    ]);
    expect(o.filledValuePaise).toBe(4 * 100_05 + 3 * 100_10 + 3 * 100_20);
    expect(r.errors).toEqual([]);
  });

  it('a second order does not reuse liquidity the first took from the same snapshot', () => {
    const r = rig();
    r.depth({ symbol: 'INFY', buy: [], sell: [lv(100_05, 6), lv(100_10, 100)] });
    r.submit({ qty: 5 });
    const b = r.submit({ qty: 5 });
    expect(fillsOf(r, b.orderId)).toEqual([
      [1, 100_05],
      [4, 100_10],
    ]);
  });

  it('thin depth: a DAY market order rests as a limit at the protection band; IOC cancels the rest', () => {
    const r = rig();
    r.depth({ symbol: 'INFY', buy: [], sell: [lv(100_05, 4), lv(103_00, 100)] });
    const day = r.submit({ qty: 10 });
    expect(day).toMatchObject({ status: 'OPEN', filledQty: 4, pendingQty: 6 });
    const ioc = r.submit({ qty: 10, validity: 'IOC' });
    expect(ioc).toMatchObject({ status: 'CANCELLED', filledQty: 0, cancelledQty: 10 });
    expect(ioc.statusMessage).toMatch(/IOC/);
    // the rest of the DAY order fills once a trade prints inside the band (LTP 100.00 → band 102.00)
    r.tick('INFY', 102_05);
    expect(r.oms.get(day.orderId)!.status).toBe('OPEN');
    r.tick('INFY', 101_50);
    expect(r.oms.get(day.orderId)).toMatchObject({ status: 'COMPLETE', filledQty: 10 });
    expect(fillsOf(r, day.orderId)).toEqual([
      [4, 100_05],
      [6, 101_50],
    ]);
    expect(r.errors).toEqual([]);
  });

  it('without depth fills at the last price with adverse slippage', () => {
    const r = rig({ slippage: { ticks: 2 } });
    const buy = r.submit({ side: 'BUY' });
    const sell = r.submit({ side: 'SELL' });
    expect(fillsOf(r, buy.orderId)).toEqual([[10, 100_10]]);
    expect(fillsOf(r, sell.orderId)).toEqual([[10, 99_90]]);
  });

  it('ignores a stale depth snapshot and uses the last price', () => {
    const r = rig({ depthStaleAfterMs: 1_000 });
    r.market.books.set('INFY', { symbol: 'INFY', tsEvent: T0 - 5_000, buy: [], sell: [lv(100_50, 1)] });
    const o = r.submit({ qty: 10 });
    expect(fillsOf(r, o.orderId)).toEqual([[10, 100_00]]);
  });

  it('gives every fill a unique id', () => {
    const r = rig();
    r.depth({ symbol: 'INFY', buy: [], sell: [lv(100_05, 1), lv(100_10, 1), lv(100_15, 1), lv(100_20, 1), lv(100_25, 100)] });
    for (let i = 0; i < 20; i++) r.submit({ qty: 3 });
    const ids = r.oms.fills().map((f) => f.fillId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(20);
  });
});

describe('PaperBroker: limit orders', () => {
  it('a marketable limit fills at once at the better of limit and book', () => {
    const r = rig();
    r.depth({ symbol: 'INFY', buy: [], sell: [lv(100_05, 100)] });
    const o = r.submit({ orderType: 'LIMIT', pricePaise: 101_00 });
    expect(o.status).toBe('COMPLETE');
    expect(fillsOf(r, o.orderId)).toEqual([[10, 100_05]]);
  });

  it('rests OPEN, then fills when a later tick crosses it, at the tick price', () => {
    const r = rig();
    const o = r.submit({ orderType: 'LIMIT', pricePaise: 99_50 });
    expect(o.status).toBe('OPEN');
    expect(r.statuses(o.orderId)).toEqual(['VALIDATION PENDING', 'OPEN PENDING', 'OPEN']);
    r.tick('INFY', 99_55);
    expect(r.oms.get(o.orderId)!.status).toBe('OPEN');
    r.tick('INFY', 99_40);
    expect(r.oms.get(o.orderId)!.status).toBe('COMPLETE');
    expect(fillsOf(r, o.orderId)).toEqual([[10, 99_40]]);
    // later ticks do nothing more
    r.tick('INFY', 99_00);
    expect(r.oms.fills()).toHaveLength(1);
  });

  it("'through' needs a trade beyond the limit; 'touch' fills at it", () => {
    const through = rig({ restingFill: 'through' });
    const a = through.submit({ orderType: 'LIMIT', side: 'SELL', pricePaise: 100_50 });
    through.tick('INFY', 100_50);
    expect(through.oms.get(a.orderId)!.status).toBe('OPEN');
    through.tick('INFY', 100_55);
    expect(fillsOf(through, a.orderId)).toEqual([[10, 100_55]]);
    const touch = rig();
    const b = touch.submit({ orderType: 'LIMIT', side: 'SELL', pricePaise: 100_50 });
    touch.tick('INFY', 100_50);
    expect(fillsOf(touch, b.orderId)).toEqual([[10, 100_50]]);
  });

  it('a resting limit fills against a later depth snapshot that crosses it, partially when thin', () => {
    const r = rig();
    const o = r.submit({ orderType: 'LIMIT', pricePaise: 99_50 });
    r.t.now += 100;
    r.depth({ symbol: 'INFY', buy: [], sell: [lv(99_45, 3), lv(99_50, 2), lv(99_55, 100)] });
    expect(r.oms.get(o.orderId)).toMatchObject({ status: 'OPEN', filledQty: 5 });
    expect(fillsOf(r, o.orderId)).toEqual([
      [3, 99_45],
      [2, 99_50],
    ]);
  });

  it('an IOC limit that is not marketable is cancelled', () => {
    const r = rig();
    const o = r.submit({ orderType: 'LIMIT', pricePaise: 99_00, validity: 'IOC' });
    expect(o).toMatchObject({ status: 'CANCELLED', cancelledQty: 10 });
    expect(r.statuses(o.orderId)).toEqual(['VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'CANCELLED']);
  });
});

describe('PaperBroker: stop orders', () => {
  it('a BUY SL waits in TRIGGER PENDING, triggers at LTP ≥ trigger and works as a limit', () => {
    const r = rig();
    const o = r.submit({ orderType: 'SL', triggerPaise: 101_00, pricePaise: 101_20 });
    expect(o.status).toBe('TRIGGER PENDING');
    r.tick('INFY', 100_95);
    expect(r.oms.get(o.orderId)!.status).toBe('TRIGGER PENDING');
    r.tick('INFY', 101_05);
    expect(r.oms.get(o.orderId)!.status).toBe('COMPLETE');
    expect(fillsOf(r, o.orderId)).toEqual([[10, 101_05]]);
    expect(r.statuses(o.orderId)).toEqual(['VALIDATION PENDING', 'OPEN PENDING', 'TRIGGER PENDING', 'OPEN', 'COMPLETE']);
  });

  it('a triggered SL whose limit the market gapped past rests OPEN at its limit', () => {
    const r = rig();
    const o = r.submit({ orderType: 'SL', triggerPaise: 101_00, pricePaise: 101_20 });
    r.tick('INFY', 102_00);
    expect(r.oms.get(o.orderId)).toMatchObject({ status: 'OPEN', filledQty: 0 });
    r.tick('INFY', 101_15);
    expect(fillsOf(r, o.orderId)).toEqual([[10, 101_15]]);
  });

  it('a SELL SL-M triggers at LTP ≤ trigger and fills like a protected market order', () => {
    const r = rig({ slippage: { ticks: 1 } });
    const o = r.submit({ side: 'SELL', orderType: 'SL-M', triggerPaise: 99_00 });
    r.tick('INFY', 99_05);
    expect(r.oms.get(o.orderId)!.status).toBe('TRIGGER PENDING');
    r.tick('INFY', 98_90);
    expect(fillsOf(r, o.orderId)).toEqual([[10, 98_85]]);
  });

  it('rejects a stop that is already triggered at placement, and an SL whose trigger is beyond its limit', () => {
    const r = rig();
    const a = r.submit({ orderType: 'SL-M', triggerPaise: 99_00 });
    expect(a.status).toBe('REJECTED');
    expect(a.statusMessage).toMatch(/higher than the last traded price/);
    const b = r.submit({ orderType: 'SL', triggerPaise: 102_00, pricePaise: 101_00 });
    expect(b.statusMessage).toMatch(/less than or equal to the limit price/);
  });
});

describe('PaperBroker: validation, hours and AMO', () => {
  it('rejects stale quotes, missing quotes, unknown instruments, lot, freeze and tick violations', () => {
    const r = rig({ staleAfterMs: 10_000 });
    r.t.now = T0 + 10_001;
    expect(r.submit().statusMessage).toMatch(/^stale quote/);
    r.tick('INFY', 100_00);
    expect(r.submit().status).toBe('COMPLETE');
    r.market.last.delete('INFY');
    expect(r.submit().statusMessage).toMatch(/No quote/);
    expect(r.submit({ symbol: 'TCS' }).statusMessage).toMatch(/Unknown instrument/);
    expect(r.submit({ symbol: 'NIFTYFUT', exchange: 'NSE', qty: 75 }).statusMessage).toMatch(/trades on NFO/);
    expect(r.submit({ symbol: 'NIFTYFUT', exchange: 'NFO', qty: 70 }).statusMessage).toMatch(/multiple of lot size/);
    expect(r.submit({ symbol: 'NIFTYFUT', exchange: 'NFO', qty: 1875 }).statusMessage).toMatch(/maximum quantity of 1800/);
    expect(r.submit({ symbol: 'NIFTYFUT', exchange: 'NFO', qty: 75, orderType: 'LIMIT', pricePaise: 24_000_05 }).statusMessage).toMatch(/Tick size/);
    for (const o of r.oms.orders()) if (o.status === 'REJECTED') expect(r.statuses(o.orderId)).toEqual(['VALIDATION PENDING', 'REJECTED']);
    expect(r.errors).toEqual([]);
  });

  it('outside market hours: a regular order is rejected, an AMO is refused or queued', () => {
    const closed = rig({ amo: 'refuse' }, false);
    const reg = closed.submit();
    expect(reg).toMatchObject({ status: 'REJECTED', statusMessage: MARKET_CLOSED_MESSAGE });
    expect(closed.submit({ variety: 'amo' }).statusMessage).toMatch(/not accepted/);

    let open = false;
    const r = rig({ marketHours: () => open, nextOpen: () => T0 + 3_600_000 });
    const amo = r.submit({ variety: 'amo', orderType: 'LIMIT', pricePaise: 100_50 });
    expect(amo.status).toBe('AMO REQ RECEIVED');
    expect(r.broker.pendingRequests).toBe(1);
    // the open arrives, but no tick of the new session yet: still waiting
    open = true;
    r.broker.onClock(T0 + 3_600_000);
    expect(r.oms.get(amo.orderId)!.status).toBe('AMO REQ RECEIVED');
    r.t.now = T0 + 3_600_500;
    r.tick('INFY', 100_20);
    expect(r.oms.get(amo.orderId)!.status).toBe('COMPLETE');
    expect(r.statuses(amo.orderId)).toEqual(['AMO REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'COMPLETE']);
    expect(fillsOf(r, amo.orderId)).toEqual([[10, 100_20]]);
    // an AMO during market hours is refused
    expect(r.submit({ variety: 'amo' }).statusMessage).toMatch(/only outside market hours/);
    expect(r.errors).toEqual([]);
  });

  it('the day roll expires resting DAY orders (limits and stops); AMOs keep waiting for their open', () => {
    // T0 is 2025-06-15 (a Sunday) 20:36 IST: the trading day is Friday the 13th; Monday 00:00 IST rolls it
    let rigged: Rig | undefined; // one clock for the broker and the trading day: the rig's
    const days = new TradingDay({ clock: { now: () => rigged?.t.now ?? T0 } });
    let open = true;
    const r = (rigged = rig({ marketHours: () => open, nextOpen: () => T0 + 86_400_000, tradingDay: days }));
    const limit = r.submit({ orderType: 'LIMIT', pricePaise: 99_00 });
    const stop = r.submit({ side: 'SELL', orderType: 'SL-M', triggerPaise: 98_00 });
    expect([limit.status, stop.status]).toEqual(['OPEN', 'TRIGGER PENDING']);
    open = false;
    const amo = r.submit({ variety: 'amo', orderType: 'LIMIT', pricePaise: 100_50 });
    expect(amo.status).toBe('AMO REQ RECEIVED');
    r.t.now = Date.parse('2025-06-16T00:00:00+05:30');
    expect(days.sync()?.to).toBe('2025-06-16');
    expect(r.oms.get(limit.orderId)).toMatchObject({ status: 'CANCELLED', statusMessage: DAY_EXPIRED_MESSAGE, cancelledQty: 10 });
    expect(r.oms.get(stop.orderId)).toMatchObject({ status: 'CANCELLED', statusMessage: DAY_EXPIRED_MESSAGE });
    expect(r.oms.get(amo.orderId)!.status).toBe('AMO REQ RECEIVED');
    // a print through the old limit fills nothing
    open = true;
    r.t.now = T0 + 86_400_000 + 1;
    r.tick('INFY', 98_50);
    expect(fillsOf(r, limit.orderId)).toEqual([]);
    expect(r.oms.get(amo.orderId)!.status).toBe('COMPLETE');
    expect(r.errors).toEqual([]);
  });

  it('an AMO can be modified in place and cancelled before the open', () => {
    const r = rig({ marketHours: () => false, nextOpen: () => T0 + 1_000 });
    const a = r.submit({ variety: 'amo', orderType: 'LIMIT', pricePaise: 100_50 });
    r.oms.modify(a.orderId, { pricePaise: 100_40 });
    expect(r.oms.get(a.orderId)).toMatchObject({ status: 'AMO REQ RECEIVED', pricePaise: 100_40, modifications: 1 });
    r.oms.cancel(a.orderId);
    expect(r.oms.get(a.orderId)).toMatchObject({ status: 'CANCELLED', cancelledQty: 10 });
    expect(r.errors).toEqual([]);
  });

  it('the default market hours follow the NSE calendar', () => {
    const hours = cachedNseMarketHours();
    // Monday 2025-01-06 10:30 IST, 16:00 IST; Saturday 2025-01-04 10:30 IST
    const monOpen = Date.UTC(2025, 0, 6, 5, 0);
    for (const ms of [monOpen, Date.UTC(2025, 0, 6, 10, 30), Date.UTC(2025, 0, 4, 5, 0), Date.UTC(2025, 0, 6, 3, 44), Date.UTC(2025, 0, 6, 3, 45)]) {
      expect(hours(ms)).toBe(nseCalendar.isMarketOpen(ms));
    }
    expect(hours(monOpen)).toBe(true);
    const t = { now: Date.UTC(2025, 0, 4, 5, 0) };
    const market = new FakeMarket();
    market.last.set('INFY', { p: 100_00, at: t.now });
    const broker = new PaperBroker({ market, clock: { now: () => t.now } });
    const oms = new OrderManager({ broker, clock: { now: () => t.now } });
    const o = oms.submit({ clientId: 'sat1', symbol: 'INFY', exchange: 'NSE', side: 'BUY', qty: 1, orderType: 'MARKET', product: 'CNC', validity: 'DAY', variety: 'regular', strategy: 'm', source: 'manual', tsInit: t.now });
    expect(o.statusMessage).toBe(MARKET_CLOSED_MESSAGE);
  });
});

describe('PaperBroker: latency', () => {
  it('does nothing before t + latency and processes on the first event at or after it', () => {
    const r = rig({ latencyMs: 250 });
    const o = r.submit({ qty: 10 });
    expect(o.status).toBe('PUT ORDER REQ RECEIVED');
    expect(r.updates).toEqual([]);
    r.broker.onClock(T0 + 249);
    expect(r.updates).toEqual([]);
    r.tick('INFY', 100_10, T0 + 250);
    expect(r.oms.get(o.orderId)).toMatchObject({ status: 'COMPLETE', tsUpdate: T0 + 250 });
    expect(fillsOf(r, o.orderId)).toEqual([[10, 100_10]]);
    expect(r.oms.fills()[0]!.tsEvent).toBe(T0 + 250);
  });

  it('queues modify and cancel in request order; the order keeps working meanwhile', () => {
    const r = rig({ latencyMs: 100 });
    const o = r.submit({ orderType: 'LIMIT', pricePaise: 99_00 });
    r.broker.onClock(T0 + 100);
    expect(r.oms.get(o.orderId)!.status).toBe('OPEN');
    r.t.now = T0 + 200;
    r.oms.cancel(o.orderId);
    expect(r.oms.get(o.orderId)!.status).toBe('OPEN');
    // a fill before the cancel arrives wins the race
    r.tick('INFY', 98_95, T0 + 250);
    expect(r.oms.get(o.orderId)!.status).toBe('COMPLETE');
    r.broker.onClock(T0 + 300);
    expect(r.oms.get(o.orderId)!.status).toBe('COMPLETE');
    expect(r.broker.dropped).toBe(1);
    expect(r.errors).toEqual([]);
  });
});

describe('PaperBroker: modify and cancel', () => {
  it('modify walks MODIFY VALIDATION PENDING → MODIFY PENDING → OPEN and a now-marketable order fills', () => {
    const r = rig();
    const o = r.submit({ orderType: 'LIMIT', pricePaise: 99_00 });
    r.oms.modify(o.orderId, { pricePaise: 100_00, qty: 12 });
    expect(r.statuses(o.orderId).slice(3)).toEqual(['MODIFY VALIDATION PENDING', 'MODIFY PENDING', 'OPEN', 'COMPLETE']);
    expect(r.oms.get(o.orderId)).toMatchObject({ status: 'COMPLETE', qty: 12, pricePaise: 100_00, modifications: 1, filledQty: 12 });
  });

  it('an invalid modification returns the order to rest with a message', () => {
    const r = rig();
    const o = r.submit({ orderType: 'LIMIT', pricePaise: 99_00 });
    r.oms.modify(o.orderId, { pricePaise: 99_02 });
    expect(r.oms.get(o.orderId)).toMatchObject({ status: 'OPEN', pricePaise: 99_00, modifications: 0 });
    expect(r.oms.get(o.orderId)!.statusMessage).toMatch(/^modify rejected: Tick size/);
  });

  it('a stop can be turned into a limit, and a limit into a stop', () => {
    const r = rig();
    const o = r.submit({ orderType: 'LIMIT', pricePaise: 99_00 });
    r.oms.modify(o.orderId, { orderType: 'SL', triggerPaise: 101_00, pricePaise: 101_50 });
    expect(r.oms.get(o.orderId)).toMatchObject({ status: 'TRIGGER PENDING', orderType: 'SL', triggerPaise: 101_00 });
    r.oms.modify(o.orderId, { orderType: 'LIMIT', pricePaise: 99_50 });
    expect(r.oms.get(o.orderId)).toMatchObject({ status: 'OPEN', orderType: 'LIMIT', triggerPaise: undefined, modifications: 2 });
    expect(r.errors).toEqual([]);
  });

  it('cancel: CANCEL PENDING → CANCELLED; a terminal order is refused (by the OMS with its status, by the broker as not open)', () => {
    const r = rig();
    const o = r.submit({ orderType: 'LIMIT', pricePaise: 99_00 });
    r.oms.cancel(o.orderId);
    expect(r.statuses(o.orderId).slice(3)).toEqual(['CANCEL PENDING', 'CANCELLED']);
    const done = r.submit();
    expect(() => r.oms.cancel(done.orderId)).toThrow(/it is COMPLETE/);
    expect(() => r.broker.cancel(done.orderId)).toThrow(expect.objectContaining({ code: 'ORDER_NOT_FOUND' }));
    expect(() => r.broker.cancel(done.orderId)).toThrow(/already completed, cancelled or rejected/);
    expect(() => r.broker.modify(o.orderId, { qty: 20 })).toThrow(BrokerError);
    expect(() => r.broker.cancel('nope')).toThrow(/Couldn't find/);
  });

  it('caps modifications at 25', () => {
    const r = rig();
    const o = r.submit({ orderType: 'LIMIT', pricePaise: 90_00 });
    for (let i = 1; i <= 25; i++) r.broker.modify(o.orderId, { pricePaise: 90_00 - i * 5 });
    expect(() => r.broker.modify(o.orderId, { pricePaise: 80_00 })).toThrow(expect.objectContaining({ code: 'MODIFY_LIMIT' }));
  });
});

describe('PaperBroker: re-entrancy', () => {
  it('orders placed and cancelled from inside listeners run after the current operation', () => {
    const r = rig();
    r.depth({ symbol: 'INFY', buy: [lv(99_95, 100)], sell: [lv(100_05, 3), lv(100_10, 3), lv(100_15, 100)] });
    let placed = false;
    r.oms.onFill((f, o) => {
      if (!placed) {
        placed = true;
        // exit right after the first partial fill; and try to cancel the order being filled
        r.submit({ side: 'SELL', qty: f.qty });
        if (o.status === 'OPEN') r.oms.cancel(o.orderId);
      }
    });
    const o = r.submit({ qty: 9 });
    expect(r.errors).toEqual([]);
    // the sweep completed before the (deferred) cancel, which then found the order COMPLETE
    expect(r.oms.get(o.orderId)).toMatchObject({ status: 'COMPLETE', filledQty: 9 });
    expect(r.oms.orders()).toHaveLength(2);
    const exit = r.oms.orders()[1]!;
    expect(exit).toMatchObject({ side: 'SELL', qty: 3, status: 'COMPLETE' });
    // the exit ran after the whole sweep: its updates all come after the first order's COMPLETE
    const firstDone = r.updates.findIndex((u) => u.orderId === o.orderId && u.status === 'COMPLETE');
    expect(r.updates.findIndex((u) => u.orderId === exit.orderId)).toBeGreaterThan(firstDone);
    expect(r.broker.dropped).toBe(1);
  });
});

describe('PaperBroker: property', () => {
  type Op =
    | { k: 'submit'; client: number; side: 'BUY' | 'SELL'; type: 'MARKET' | 'LIMIT' | 'SL' | 'SL-M'; off: number; qty: number; ioc: boolean }
    | { k: 'tick'; p: number; dt: number }
    | { k: 'depth'; p: number; q: number }
    | { k: 'cancel'; i: number }
    | { k: 'modify'; i: number; off: number; qty: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      k: fc.constant('submit' as const),
      client: fc.integer({ min: 0, max: 30 }),
      side: fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'),
      type: fc.constantFrom<'MARKET' | 'LIMIT' | 'SL' | 'SL-M'>('MARKET', 'LIMIT', 'SL', 'SL-M'),
      off: fc.integer({ min: -20, max: 20 }),
      qty: fc.integer({ min: 1, max: 50 }),
      ioc: fc.boolean(),
    }),
    fc.record({ k: fc.constant('tick' as const), p: fc.integer({ min: 1900, max: 2100 }), dt: fc.integer({ min: 0, max: 120 }) }),
    fc.record({ k: fc.constant('depth' as const), p: fc.integer({ min: 1900, max: 2100 }), q: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ k: fc.constant('cancel' as const), i: fc.nat() }),
    fc.record({ k: fc.constant('modify' as const), i: fc.nat(), off: fc.integer({ min: -20, max: 20 }), qty: fc.integer({ min: 1, max: 60 }) }),
  );

  it('random flows keep every order consistent and every status sequence legal', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 120 }), fc.constantFrom(0, 50), (ops, latencyMs) => {
        const r = rig({ latencyMs, slippage: { ticks: 1 } });
        let p = 2000 * 5;
        const placeCount = new Map<string, number>();
        const inner = r.broker.place.bind(r.broker);
        r.broker.place = (o) => {
          placeCount.set(o.clientId, (placeCount.get(o.clientId) ?? 0) + 1);
          inner(o);
        };
        for (const x of ops) {
          try {
            if (x.k === 'submit') {
              const price = p + x.off * 5;
              const stopTrigger = x.side === 'BUY' ? p + Math.abs(x.off) * 5 + 5 : p - Math.abs(x.off) * 5 - 5;
              r.submit({
                clientId: `p${x.client}`,
                side: x.side,
                qty: x.qty,
                orderType: x.type,
                validity: x.ioc ? 'IOC' : 'DAY',
                pricePaise: x.type === 'LIMIT' ? price : x.type === 'SL' ? stopTrigger + (x.side === 'BUY' ? 10 : -10) : undefined,
                triggerPaise: x.type === 'SL' || x.type === 'SL-M' ? stopTrigger : undefined,
              });
            } else if (x.k === 'tick') {
              p = x.p * 5;
              r.t.now += x.dt;
              r.tick('INFY', p);
            } else if (x.k === 'depth') {
              r.depth({ symbol: 'INFY', buy: [lv(p - 5, x.q), lv(p - 10, x.q)], sell: [lv(p + 5, x.q), lv(p + 10, x.q)] });
            } else {
              const open = r.oms.openOrders();
              if (open.length === 0) continue;
              const o = open[x.i % open.length]!;
              if (x.k === 'cancel') r.oms.cancel(o.orderId);
              else r.oms.modify(o.orderId, o.orderType === 'LIMIT' || o.orderType === 'SL' ? { pricePaise: o.pricePaise! + x.off * 5, qty: o.filledQty + x.qty } : { qty: o.filledQty + x.qty });
            }
          } catch (e) {
            // refusals are fine; anything else is a bug
            if (!(e instanceof Error) || !/^(OrderActionError|BrokerError)$/.test(e.name)) throw e;
          }
        }
        r.t.now += 1_000;
        r.broker.onClock(r.t.now);
        expect(r.errors.map((e) => e.message)).toEqual([]);
        for (const n of placeCount.values()) expect(n).toBe(1);
        for (const o of r.oms.orders()) {
          expect(o.filledQty + o.pendingQty + o.cancelledQty).toBe(o.qty);
          const seqs = r.statuses(o.orderId);
          let prev: OrderStatus = 'PUT ORDER REQ RECEIVED';
          for (const s of seqs) {
            expect(canTransition(prev, s), `${o.orderId}: ${prev} → ${s}`).toBe(true);
            prev = s;
          }
          const sum = r.oms.fills().filter((f) => f.orderId === o.orderId).reduce((n, f) => n + f.qty, 0);
          expect(sum).toBe(o.filledQty);
        }
        const ids = r.oms.fills().map((f) => f.fillId);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: 300 },
    );
  });
});
