import { describe, expect, it, vi } from 'vitest';
import { BrokerError, type BrokerOrderUpdate, OUTCOME_UNKNOWN } from '../../execution/broker.js';
import { OrderManager } from '../../execution/order-manager.js';
import type { Order, OrderRequest } from '../../model/order.js';
import { KiteError, registerSecret } from './errors.js';
import { type KiteRestPort, KiteLiveBroker, type KiteLiveBrokerOptions, type KiteResolution } from './live-broker.js';
import { KiteRefusal, KiteRest, type ModifyOrderParams, type PlaceOrderParams, type PlaceOrderResult } from './rest-client.js';
import type { KiteOrder, KiteTrade } from './rest-types.js';
import { orderRequest } from '../../model/testing.js';

// ------------------------------------------------------------------------------------------------
// A fake KiteRest: an in-memory order book the tests edit, and scripted answers.

function krow(p: Partial<KiteOrder> & { orderId: string }): KiteOrder {
  return {
    exchangeOrderId: null,
    parentOrderId: null,
    status: 'OPEN',
    statusMessage: null,
    variety: 'regular',
    exchange: 'NSE',
    tradingsymbol: 'INFY',
    instrumentToken: 408065,
    transactionType: 'BUY',
    orderType: 'LIMIT',
    product: 'MIS',
    validity: 'DAY',
    quantity: 10,
    disclosedQuantity: 0,
    filledQuantity: 0,
    pendingQuantity: 10,
    cancelledQuantity: 0,
    pricePaise: 150_000,
    triggerPricePaise: 0,
    averagePricePaise: 0,
    marketProtection: 0,
    tag: null,
    tags: [],
    orderTimestamp: null,
    exchangeTimestamp: null,
    exchangeUpdateTimestamp: null,
    ...p,
  };
}

function trade(orderId: string, tradeId: string, quantity: number, pricePaise: number, ts: number): KiteTrade {
  return { tradeId, orderId, exchangeOrderId: null, exchange: 'NSE', tradingsymbol: 'INFY', instrumentToken: 408065, product: 'MIS', transactionType: 'BUY', quantity, averagePricePaise: pricePaise, fillTimestamp: ts, orderTimestamp: ts, exchangeTimestamp: ts };
}

class FakeKite implements KiteRestPort {
  sessionExpired = false;
  calls: string[] = [];
  placed: PlaceOrderParams[] = [];
  modified: [string, string, ModifyOrderParams][] = [];
  cancelled: [string, string][] = [];
  book: KiteOrder[] = [];
  tradeRows: KiteTrade[] = [];
  /** Answers for the next orders() calls (an Error rejects); then the book. */
  ordersScript: (KiteOrder[] | Error)[] = [];
  /** Called with each placement; default: placed as K1, K2, … (nothing added to the book). */
  onPlace: (p: PlaceOrderParams) => Promise<PlaceOrderResult> = async (p) => ({ outcome: 'placed', orderId: `K${this.placed.length}`, tag: p.tag });
  onModify: (variety: string, id: string, p: ModifyOrderParams) => Promise<string> = async (_v, id) => id;
  onCancel: (variety: string, id: string) => Promise<string> = async (_v, id) => id;
  /** orderHistory rows per Kite id; default: the book's row. */
  history = new Map<string, KiteOrder[]>();
  /** Runs inside orders() before it answers (to interleave a WS message with a read). */
  duringOrders: (() => void) | undefined;

  async placeOrder(p: PlaceOrderParams): Promise<PlaceOrderResult> {
    this.calls.push('placeOrder');
    this.placed.push(p);
    return this.onPlace(p);
  }
  async modifyOrder(variety: string, orderId: string, p: ModifyOrderParams): Promise<string> {
    this.calls.push('modifyOrder');
    this.modified.push([variety, orderId, p]);
    return this.onModify(variety, orderId, p);
  }
  async cancelOrder(variety: string, orderId: string): Promise<string> {
    this.calls.push('cancelOrder');
    this.cancelled.push([variety, orderId]);
    return this.onCancel(variety, orderId);
  }
  async orders(): Promise<KiteOrder[]> {
    this.calls.push('orders');
    const next = this.ordersScript.shift();
    this.duringOrders?.();
    if (next instanceof Error) throw next;
    return (next ?? this.book).map((r) => ({ ...r }));
  }
  async orderHistory(orderId: string): Promise<KiteOrder[]> {
    this.calls.push('orderHistory');
    const h = this.history.get(orderId) ?? this.book.filter((r) => r.orderId === orderId);
    if (h.length === 0) throw new KiteError('input', "Couldn't find that `order_id`.", { status: 400, errorType: 'InputException' });
    return h.map((r) => ({ ...r }));
  }
  async trades(): Promise<KiteTrade[]> {
    this.calls.push('trades');
    return [...this.tradeRows];
  }
  async orderTrades(orderId: string): Promise<KiteTrade[]> {
    this.calls.push('orderTrades');
    return this.tradeRows.filter((t) => t.orderId === orderId);
  }
  /** Replaces (or adds) a row in the book. */
  set(r: KiteOrder): void {
    const i = this.book.findIndex((x) => x.orderId === r.orderId);
    if (i >= 0) this.book[i] = r;
    else this.book.push(r);
  }
  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }
}

/** The error `fn` throws (undefined when it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

const req = (over: Partial<OrderRequest> = {}): OrderRequest => orderRequest({ clientId: 'kd1', tsInit: 1_000, ...over });

function setup(opts: Partial<KiteLiveBrokerOptions> = {}) {
  const kite = new FakeKite();
  let now = 1_000;
  const clock = { now: () => now };
  const logs: string[] = [];
  const broker = new KiteLiveBroker({ rest: kite, clock, sleep: async () => undefined, lookupIntervalMs: 0, log: (lvl, m) => logs.push(`${lvl}: ${m}`), ...opts });
  const updates: BrokerOrderUpdate[] = [];
  broker.onUpdate((u) => updates.push(u));
  const resolutions: KiteResolution[] = [];
  broker.onResolved((r) => resolutions.push(r));
  let n = 0;
  const oms = new OrderManager({ broker, clock, newOrderId: () => `ord${++n}` });
  const errors: Error[] = [];
  oms.onError((e) => errors.push(e));
  return { kite, broker, oms, updates, errors, logs, resolutions, tick: (ms = 1) => (now += ms) };
}

// ------------------------------------------------------------------------------------------------

describe('KiteLiveBroker: placement', () => {
  it('maps our order to Kite params (paise → KiteRest, tag = clientId, market_protection on MARKET and SL-M only)', async () => {
    const { kite, broker, oms } = setup();
    oms.submit(req({ clientId: 'lim1', pricePaise: 144_005 }));
    oms.submit(req({ clientId: 'mkt1', orderType: 'MARKET', pricePaise: undefined, side: 'SELL', product: 'CNC', validity: 'IOC' }));
    oms.submit(req({ clientId: 'sl1', orderType: 'SL', pricePaise: 150_000, triggerPaise: 149_500, variety: 'amo' }));
    oms.submit(req({ clientId: 'slm1', orderType: 'SL-M', pricePaise: undefined, triggerPaise: 149_500, exchange: 'NFO', symbol: 'NIFTY26MAYFUT', qty: 75, product: 'NRML' }));
    await broker.idle();
    expect(kite.placed).toEqual([
      { variety: 'regular', exchange: 'NSE', tradingsymbol: 'INFY', transactionType: 'BUY', orderType: 'LIMIT', product: 'MIS', quantity: 10, validity: 'DAY', tag: 'lim1', pricePaise: 144_005 },
      { variety: 'regular', exchange: 'NSE', tradingsymbol: 'INFY', transactionType: 'SELL', orderType: 'MARKET', product: 'CNC', quantity: 10, validity: 'IOC', tag: 'mkt1', marketProtection: -1 },
      { variety: 'amo', exchange: 'NSE', tradingsymbol: 'INFY', transactionType: 'BUY', orderType: 'SL', product: 'MIS', quantity: 10, validity: 'DAY', tag: 'sl1', pricePaise: 150_000, triggerPricePaise: 149_500 },
      { variety: 'regular', exchange: 'NFO', tradingsymbol: 'NIFTY26MAYFUT', transactionType: 'BUY', orderType: 'SL-M', product: 'NRML', quantity: 75, validity: 'DAY', tag: 'slm1', triggerPricePaise: 149_500, marketProtection: -1 },
    ]);
    // what KiteRest makes of them on the wire: rupees with 2 decimals, exactly
    const real = new KiteRest({ apiKey: 'k' });
    expect(real.buildOrderFields(kite.placed[0]!)).toMatchObject({ price: 1440.05, tag: 'lim1', quantity: 10 });
    expect(String(real.buildOrderFields(kite.placed[0]!)['price'])).toBe('1440.05');
    expect(real.buildOrderFields(kite.placed[1]!)).toMatchObject({ market_protection: -1, order_type: 'MARKET' });
    expect(real.buildOrderFields(kite.placed[1]!)).not.toHaveProperty('price');
    expect(real.buildOrderFields(kite.placed[3]!)).toMatchObject({ market_protection: -1, trigger_price: 1495 });
  });

  it('uses a configured market protection and refuses 0 (Kite rejects unprotected market orders)', async () => {
    const { kite, broker, oms } = setup({ marketProtection: 3 });
    oms.submit(req({ orderType: 'MARKET', pricePaise: undefined }));
    await broker.idle();
    expect(kite.placed[0]!.marketProtection).toBe(3);
    expect(() => new KiteLiveBroker({ rest: kite, clock: { now: () => 0 }, marketProtection: 0 })).toThrow(RangeError);
    expect(() => new KiteLiveBroker({ rest: kite, clock: { now: () => 0 }, marketProtection: 101 })).toThrow(RangeError);
  });

  it('place() returns synchronously; Kite id mapped, our orderId kept; updates only as Kite reports them', async () => {
    const { kite, broker, oms, updates, errors } = setup();
    const o = oms.submit(req());
    expect(o.orderId).toBe('ord1');
    expect(kite.placed).toHaveLength(1); // the request started synchronously, the answer is pending
    expect(broker.brokerOrderId('ord1')).toBeUndefined();
    await broker.idle();
    expect(broker.brokerOrderId('ord1')).toBe('K1');
    expect(broker.orderIdOf('K1')).toBe('ord1');
    expect(updates).toEqual([]); // "placed" only means Kite's OMS received it
    expect(o.status).toBe('PUT ORDER REQ RECEIVED');

    broker.onKiteOrderUpdate(krow({ orderId: 'K1', tag: 'kd1', status: 'OPEN PENDING' }));
    broker.onKiteOrderUpdate(krow({ orderId: 'K1', tag: 'kd1', status: 'OPEN' }));
    expect(oms.get('ord1')!.status).toBe('OPEN');
    expect(updates.every((u) => u.orderId === 'ord1')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('a definite refusal → REJECTED with Kite\'s message (redacted: never a token)', async () => {
    const { kite, broker, oms, errors } = setup();
    registerSecret('SeCrEtAcCeSsToKeN1');
    kite.onPlace = async (p) => ({ outcome: 'rejected', tag: p.tag, error: new KiteError('input', 'Invalid `price`. (token SeCrEtAcCeSsToKeN1)', { status: 400, errorType: 'InputException' }) });
    oms.submit(req());
    await broker.idle();
    const o = oms.get('ord1')!;
    expect(o.status).toBe('REJECTED');
    expect(o.statusMessage).toContain('Invalid `price`.');
    expect(o.statusMessage).not.toContain('SeCrEtAcCeSsToKeN1');
    expect(o.cancelledQty).toBe(10);
    expect(kite.count('placeOrder')).toBe(1);
    expect(kite.count('orders')).toBe(0); // a definite answer needs no lookup
    expect(errors).toEqual([]);
  });

  it('a KiteRefusal thrown by KiteRest (nothing sent, e.g. the daily order cap) → REJECTED', async () => {
    const { kite, broker, oms } = setup();
    kite.onPlace = async () => {
      throw new KiteRefusal('rate_limit', 'rate_cap', 'kite orders: daily cap of 5000 reached');
    };
    oms.submit(req());
    await broker.idle();
    expect(oms.get('ord1')).toMatchObject({ status: 'REJECTED', statusMessage: 'kite orders: daily cap of 5000 reached' });
  });

  it('refuses synchronously when nothing can be sent: expired session, invalid params, duplicate id/clientId', async () => {
    const { kite, broker, oms } = setup();
    kite.sessionExpired = true;
    oms.submit(req({ clientId: 'exp1' }));
    expect(oms.get('ord1')).toMatchObject({ status: 'REJECTED' });
    expect(oms.get('ord1')!.statusMessage).toMatch(/session has expired/);
    kite.sessionExpired = false;
    expect(kite.placed).toEqual([]);

    // buildOrderFields (KiteRest's local validation) refusing → BrokerError INVALID_REQUEST
    const withCheck = Object.assign(new FakeKite(), {
      buildOrderFields: () => {
        throw new KiteRefusal('input', 'invalid', 'placeOrder: quantity must be a positive integer');
      },
    });
    const b2 = new KiteLiveBroker({ rest: withCheck, clock: { now: () => 1 } });
    const order = { ...req({ clientId: 'x1' }), orderId: 'o1', status: 'PUT ORDER REQ RECEIVED', filledQty: 0, pendingQty: 10, cancelledQty: 0, filledValuePaise: 0, modifications: 0, tsUpdate: 1 } as Order;
    expect(thrown(() => b2.place(order))).toMatchObject({ name: 'BrokerError', code: 'INVALID_REQUEST', message: 'placeOrder: quantity must be a positive integer' });
    expect(withCheck.placed).toEqual([]);

    broker.place({ ...order, orderId: 'z1', clientId: 'z1' });
    expect(() => broker.place({ ...order, orderId: 'z1', clientId: 'z2' })).toThrow(BrokerError);
    expect(() => broker.place({ ...order, orderId: 'z3', clientId: 'z1' })).toThrow(/already sent/);
    await broker.idle();
    expect(kite.placed.map((p) => p.tag)).toEqual(['z1']);
  });

  it('an order update that arrives before the place answer is linked by tag; the answer then changes nothing', async () => {
    const { kite, broker, oms, errors } = setup();
    let answer!: (r: PlaceOrderResult) => void;
    kite.onPlace = () => new Promise((r) => (answer = r));
    oms.submit(req());
    broker.onKiteOrderUpdate({ order_id: '1953341975595868160', tag: 'kd1', status: 'OPEN', quantity: 10, price: 1500, filled_quantity: 0, order_type: 'LIMIT', validity: 'DAY', tags: ['kd1'] });
    expect(oms.get('ord1')!.status).toBe('OPEN');
    expect(broker.brokerOrderId('ord1')).toBe('1953341975595868160'); // a 19-digit id stays a string
    answer({ outcome: 'placed', orderId: '1953341975595868160', tag: 'kd1' });
    await broker.idle();
    expect(oms.get('ord1')!.status).toBe('OPEN');
    expect(broker.orphans()).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('KiteLiveBroker: unknown placement outcome → resolution by tag, never a second order', () => {
  const unknown = (p: PlaceOrderParams): Promise<PlaceOrderResult> =>
    Promise.resolve({ outcome: 'unknown', tag: p.tag, error: new KiteError('network', 'timeout of 7000ms exceeded') });

  it('flags the order OUTCOME_UNKNOWN, finds it by tag on a later check and brings it up to date', async () => {
    const { kite, broker, oms, updates, resolutions, errors } = setup();
    kite.onPlace = unknown;
    // the first read does not show it yet, the second does (already filled)
    kite.ordersScript = [[], [krow({ orderId: 'K77', tag: 'kd1', tags: ['kd1'], status: 'COMPLETE', filledQuantity: 10, pendingQuantity: 0, averagePricePaise: 149_990 })]];
    kite.tradeRows = [trade('K77', 'T1', 4, 149_975, 1), trade('K77', 'T2', 6, 150_000, 2)];
    const seenUnknown: boolean[] = [];
    oms.onOrder((o) => seenUnknown.push(o.statusMessage === OUTCOME_UNKNOWN));
    oms.submit(req());
    await broker.idle();
    expect(seenUnknown).toContain(true);
    expect(updates[0]).toMatchObject({ orderId: 'ord1', status: 'PUT ORDER REQ RECEIVED', statusMessage: OUTCOME_UNKNOWN });
    expect(kite.count('placeOrder')).toBe(1);
    expect(kite.count('orders')).toBe(2);
    expect(broker.brokerOrderId('ord1')).toBe('K77');
    const o = oms.get('ord1')!;
    expect(o).toMatchObject({ status: 'COMPLETE', filledQty: 10, filledValuePaise: 4 * 149_975 + 6 * 150_000 });
    expect(oms.fills().map((f) => [f.fillId, f.qty, f.pricePaise])).toEqual([
      ['T1', 4, 149_975],
      ['T2', 6, 150_000],
    ]);
    expect(resolutions).toEqual([{ orderId: 'ord1', outcome: 'found', brokerOrderId: 'K77' }]);
    expect(errors).toEqual([]);
  });

  it('after N definite misses → REJECTED "not found at broker after N checks"; failed reads are not misses', async () => {
    const { kite, broker, oms, resolutions } = setup({ lookupAttempts: 3 });
    kite.onPlace = unknown;
    kite.ordersScript = [[], new KiteError('network', 'socket hang up'), [], []];
    oms.submit(req());
    await broker.idle();
    expect(kite.count('orders')).toBe(4);
    expect(oms.get('ord1')).toMatchObject({ status: 'REJECTED', statusMessage: 'not found at broker after 3 checks' });
    expect(kite.count('placeOrder')).toBe(1);
    expect(resolutions).toEqual([{ orderId: 'ord1', outcome: 'not-found' }]);

    // it shows up after all: not silently adopted, reported as an orphan
    kite.set(krow({ orderId: 'K9', tag: 'kd1', tags: ['kd1'], status: 'OPEN' }));
    const r = await broker.poll();
    expect(r.updates).toBe(0);
    expect(broker.orphans()).toEqual([{ brokerOrderId: 'K9', tag: 'kd1', orderId: 'ord1', reason: 'late', kiteStatus: 'OPEN' }]);
    expect(oms.get('ord1')!.status).toBe('REJECTED');
  });

  it('keeps the order OUTCOME_UNKNOWN when the book cannot be read (never concludes "not placed" from no answer)', async () => {
    const { kite, broker, oms } = setup({ lookupMaxErrors: 4 });
    kite.onPlace = unknown;
    kite.ordersScript = Array.from({ length: 4 }, () => new KiteError('network', 'ECONNRESET'));
    oms.submit(req());
    await broker.idle();
    expect(kite.count('orders')).toBe(4);
    expect(oms.get('ord1')).toMatchObject({ status: 'PUT ORDER REQ RECEIVED', statusMessage: OUTCOME_UNKNOWN });
    expect(oms.needsReconcile().map((o) => o.orderId)).toEqual(['ord1']);
    // a later poll that sees the tag links it
    kite.set(krow({ orderId: 'K5', tag: 'kd1', tags: ['kd1'], status: 'OPEN' }));
    await broker.poll();
    expect(oms.get('ord1')!.status).toBe('OPEN');
    expect(broker.brokerOrderId('ord1')).toBe('K5');
  });

  it('a WS message with the tag during resolution settles it; a cancel asked meanwhile is sent once the id is known', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { kite, broker, oms, errors } = setup({ sleep: () => gate, lookupIntervalMs: 1 });
    kite.onPlace = unknown;
    oms.submit(req());
    await vi.waitFor(() => expect(oms.get('ord1')!.statusMessage).toBe(OUTCOME_UNKNOWN));
    oms.cancel('ord1'); // a kill switch while the outcome is unknown: queued, not refused
    expect(kite.cancelled).toEqual([]);
    broker.onKiteOrderUpdate(krow({ orderId: 'K3', tag: 'kd1', tags: ['kd1'], status: 'OPEN' }));
    kite.set(krow({ orderId: 'K3', tag: 'kd1', tags: ['kd1'], status: 'CANCELLED', cancelledQuantity: 10, pendingQuantity: 0 }));
    release();
    await broker.idle();
    expect(kite.cancelled).toEqual([['regular', 'K3']]);
    expect(oms.get('ord1')).toMatchObject({ status: 'CANCELLED', cancelledQty: 10 });
    expect(kite.count('placeOrder')).toBe(1);
    expect(kite.count('orders')).toBe(0); // the lookup woke up, saw it resolved and stopped
    expect(errors).toEqual([]);
  });
});

describe('KiteLiveBroker: order rows → updates', () => {
  async function placed(s: ReturnType<typeof setup>, over: Partial<OrderRequest> = {}) {
    s.oms.submit(req(over));
    await s.broker.idle();
    return s.broker.brokerOrderId('ord1')!;
  }

  it('WS fills from filled_quantity increases: ids `${kiteId}-${filled}`, prices from average_price deltas, exact paise; duplicates ignored', async () => {
    const s = setup();
    const id = await placed(s);
    const base = { orderId: id, tag: 'kd1', tags: ['kd1'] };
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'OPEN' }));
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'UPDATE', filledQuantity: 4, pendingQuantity: 6, averagePricePaise: 149_950 }));
    const n = s.updates.length;
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'UPDATE', filledQuantity: 4, pendingQuantity: 6, averagePricePaise: 149_950 })); // the same state again
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'OPEN', filledQuantity: 4, pendingQuantity: 6, averagePricePaise: 149_950 }));
    expect(s.updates.length).toBe(n);
    // 6 more at 1500.25: average (4 × 1499.50 + 6 × 1500.25) / 10 = 1499.95
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'COMPLETE', filledQuantity: 10, pendingQuantity: 0, averagePricePaise: 149_995 }));
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'COMPLETE', filledQuantity: 10, pendingQuantity: 0, averagePricePaise: 149_995 }));
    const o = s.oms.get('ord1')!;
    expect(o).toMatchObject({ status: 'COMPLETE', filledQty: 10, pendingQty: 0, filledValuePaise: 4 * 149_950 + 6 * 150_025 });
    expect(s.oms.fills().map((f) => [f.fillId, f.qty, f.pricePaise])).toEqual([
      [`${id}-4`, 4, 149_950],
      [`${id}-10`, 6, 150_025],
    ]);
    expect(s.updates.filter((u) => u.fill).length).toBe(2);
    expect(s.oms.duplicates).toBe(0); // the broker deduped, the OMS never saw a repeat
    expect(s.errors).toEqual([]);
  });

  it('poll(): orders() then trades() only when something filled; fills per trade with trade ids and exact prices', async () => {
    const s = setup();
    const id = await placed(s);
    s.kite.set(krow({ orderId: id, tag: 'kd1', tags: ['kd1'], status: 'OPEN' }));
    let r = await s.broker.poll();
    expect(r).toEqual({ rows: 1, updates: 1 });
    expect(s.kite.count('trades')).toBe(0);
    r = await s.broker.poll();
    expect(r.updates).toBe(0); // unchanged → nothing
    s.kite.set(krow({ orderId: id, tag: 'kd1', tags: ['kd1'], status: 'OPEN', filledQuantity: 7, pendingQuantity: 3, averagePricePaise: 149_993 }));
    s.kite.tradeRows = [trade(id, 'T2', 5, 150_000, 20), trade(id, 'T1', 2, 149_975, 10), trade('OTHER', 'T9', 1, 1, 5)];
    await s.broker.poll();
    expect(s.kite.count('trades')).toBe(1);
    expect(s.oms.fills().map((f) => [f.fillId, f.qty, f.pricePaise])).toEqual([
      ['T1', 2, 149_975],
      ['T2', 5, 150_000],
    ]);
    expect(s.oms.get('ord1')!.filledValuePaise).toBe(2 * 149_975 + 5 * 150_000);
    expect(s.errors).toEqual([]);
  });

  it('poll(): a failed read changes nothing; a snapshot older than a WS message applied meanwhile is not applied', async () => {
    const s = setup();
    const id = await placed(s);
    s.kite.ordersScript = [new KiteError('network', 'ECONNRESET')];
    const r = await s.broker.poll();
    expect(r.error).toMatch(/ECONNRESET/);
    expect(s.updates).toEqual([]);
    s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', tags: ['kd1'], status: 'OPEN' }));
    // the REST answer still shows the old quantity; meanwhile the stream delivered the modify ack
    s.kite.set(krow({ orderId: id, tag: 'kd1', tags: ['kd1'], status: 'OPEN', quantity: 10 }));
    s.kite.duringOrders = () => s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', tags: ['kd1'], status: 'UPDATE', quantity: 12 }));
    const r2 = await s.broker.poll();
    expect(r2.updates).toBe(1); // the WS ack only
    expect(s.oms.get('ord1')).toMatchObject({ status: 'OPEN', qty: 12, modifications: 1 });
    // the next poll sees the fresh book
    s.kite.duringOrders = undefined;
    s.kite.set(krow({ orderId: id, tag: 'kd1', tags: ['kd1'], status: 'OPEN', quantity: 12 }));
    expect((await s.broker.poll()).updates).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('stale rows are dropped: a transient status after a resting one, a lower filled quantity', async () => {
    const s = setup();
    const id = await placed(s);
    const base = { orderId: id, tag: 'kd1', tags: ['kd1'] };
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'OPEN', filledQuantity: 3, averagePricePaise: 150_000 }));
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'UPDATE', quantity: 12, filledQuantity: 3, averagePricePaise: 150_000 }));
    const n = s.updates.length;
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'OPEN PENDING', quantity: 12, filledQuantity: 3, averagePricePaise: 150_000 }));
    // older than what we have: fewer filled, and the quantity from before the modification
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'OPEN', quantity: 10, filledQuantity: 1, averagePricePaise: 150_000 }));
    s.broker.onKiteOrderUpdate({ nonsense: true });
    expect(s.updates.length).toBe(n);
    expect(s.oms.get('ord1')).toMatchObject({ status: 'OPEN', filledQty: 3, qty: 12, modifications: 1 });
    expect(s.errors).toEqual([]);
  });

  it('a fill the stream missed before CANCELLED is reported first, then the cancel of the rest', async () => {
    const s = setup();
    const id = await placed(s);
    s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', status: 'OPEN' }));
    s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', status: 'CANCELLED', filledQuantity: 2, cancelledQuantity: 8, pendingQuantity: 0, averagePricePaise: 149_900 }));
    expect(s.oms.get('ord1')).toMatchObject({ status: 'CANCELLED', filledQty: 2, cancelledQty: 8, pendingQty: 0, filledValuePaise: 2 * 149_900 });
    expect(s.updates.slice(-2).map((u) => [u.status, u.fill?.qty])).toEqual([
      ['OPEN', 2],
      ['CANCELLED', undefined],
    ]);
    expect(s.errors).toEqual([]);
  });

  it('an RMS rejection after Kite accepted the request: REJECTED with status_message', async () => {
    const s = setup();
    const id = await placed(s);
    s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', status: 'REJECTED', statusMessage: 'Insufficient funds. Required margin is 15000.00 but available margin is 10.00.' }));
    expect(s.oms.get('ord1')).toMatchObject({ status: 'REJECTED', statusMessage: expect.stringMatching(/^Insufficient funds/) });
  });

  it('a protected MARKET order shows as LIMIT (tags mktp) in Kite\'s book: no modification is invented', async () => {
    const s = setup();
    const id = await placed(s, { orderType: 'MARKET', pricePaise: undefined, qty: 5 });
    const base = { orderId: id, tag: 'kd1', orderType: 'LIMIT', tags: ['kd1', 'mktp', 'mktp:2.00'], quantity: 5, pricePaise: 153_000 };
    s.broker.onKiteOrderUpdate(krow({ ...base, orderType: 'MARKET', pricePaise: 0, status: 'PUT ORDER REQ RECEIVED', tags: ['kd1'] }));
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'OPEN' }));
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'UPDATE', filledQuantity: 2, averagePricePaise: 150_000 }));
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'COMPLETE', filledQuantity: 5, averagePricePaise: 150_030 }));
    expect(s.updates.some((u) => u.modified)).toBe(false);
    expect(s.oms.get('ord1')).toMatchObject({ status: 'COMPLETE', orderType: 'MARKET', modifications: 0, filledQty: 5, filledValuePaise: 5 * 150_030 });
    expect(s.oms.fills().map((f) => f.pricePaise)).toEqual([150_000, 150_050]);
    expect(s.errors).toEqual([]);
  });

  it('… also when the row lacks the mktp tags (a LIMIT row for our MARKET order is its protection, not a change)', async () => {
    const s = setup();
    const id = await placed(s, { orderType: 'MARKET', pricePaise: undefined, qty: 5 });
    s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', orderType: 'LIMIT', quantity: 5, pricePaise: 153_000, status: 'OPEN' }));
    expect(s.updates.some((u) => u.modified)).toBe(false);
    expect(s.oms.get('ord1')).toMatchObject({ status: 'OPEN', orderType: 'MARKET', pricePaise: undefined, modifications: 0 });
    expect(s.errors).toEqual([]);
  });

  it('WS UPDATE with nothing visible changed (an SL that triggered): asks the order history instead of guessing', async () => {
    const s = setup();
    const id = await placed(s, { orderType: 'SL', pricePaise: 151_000, triggerPaise: 150_500 });
    const base = { orderId: id, tag: 'kd1', orderType: 'SL', pricePaise: 151_000, triggerPricePaise: 150_500 };
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'TRIGGER PENDING' }));
    expect(s.oms.get('ord1')!.status).toBe('TRIGGER PENDING');
    s.kite.history.set(id, [krow({ ...base, status: 'TRIGGER PENDING' }), krow({ ...base, status: 'OPEN' })]);
    s.broker.onKiteOrderUpdate(krow({ ...base, status: 'UPDATE' }));
    await s.broker.idle();
    expect(s.kite.count('orderHistory')).toBe(1);
    expect(s.oms.get('ord1')!.status).toBe('OPEN');
    expect(s.errors).toEqual([]);
  });

  it('a change made outside the app (quantity, price) is reported as a modify ack', async () => {
    const s = setup();
    const id = await placed(s);
    s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', status: 'OPEN' }));
    s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', status: 'MODIFY PENDING' }));
    s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', status: 'OPEN', quantity: 12, pricePaise: 149_000 }));
    expect(s.updates.at(-1)).toMatchObject({ status: 'OPEN', modified: { qty: 12, pricePaise: 149_000 } });
    expect(s.oms.get('ord1')).toMatchObject({ qty: 12, pricePaise: 149_000, pendingQty: 12, modifications: 1 });
    expect(s.errors).toEqual([]);
  });

  it('a larger quantity and fills beyond the old one in one row: the modification is applied before the fills', async () => {
    const s = setup();
    const id = await placed(s);
    s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', status: 'OPEN' }));
    s.broker.onKiteOrderUpdate(krow({ orderId: id, tag: 'kd1', status: 'COMPLETE', quantity: 15, filledQuantity: 15, pendingQuantity: 0, averagePricePaise: 150_000 }));
    expect(s.updates.slice(-2).map((u) => [u.status, u.modified?.qty, u.fill?.qty])).toEqual([
      ['OPEN', 15, undefined],
      ['COMPLETE', undefined, 15],
    ]);
    expect(s.oms.get('ord1')).toMatchObject({ status: 'COMPLETE', qty: 15, filledQty: 15 });
    expect(s.errors).toEqual([]);
  });
});

describe('KiteLiveBroker: modify and cancel', () => {
  async function open(s: ReturnType<typeof setup>, over: Partial<OrderRequest> = {}) {
    s.oms.submit(req(over));
    await s.broker.idle();
    const id = s.broker.brokerOrderId('ord1')!;
    s.kite.set(krow({ orderId: id, tag: 'kd1', tags: ['kd1'], status: 'OPEN' }));
    await s.broker.poll();
    return id;
  }

  it('modify → modifyOrder(variety, Kite id, params in paise) → the ack (from the refreshed history) carries `modified`', async () => {
    const s = setup();
    const id = await open(s);
    s.kite.onModify = async (_v, kid) => {
      s.kite.set(krow({ orderId: kid, tag: 'kd1', tags: ['kd1'], status: 'OPEN', quantity: 15, pricePaise: 149_500 }));
      return kid;
    };
    s.oms.modify('ord1', { qty: 15, pricePaise: 149_500 });
    await s.broker.idle();
    expect(s.kite.modified).toEqual([['regular', id, { quantity: 15, pricePaise: 149_500 }]]);
    expect(s.oms.get('ord1')).toMatchObject({ status: 'OPEN', qty: 15, pricePaise: 149_500, modifications: 1 });
    expect(s.errors).toEqual([]);
  });

  it('modify to MARKET sends market_protection; Kite\'s protected LIMIT row is read as the MARKET ack', async () => {
    const s = setup({ marketProtection: 5 });
    const id = await open(s);
    s.kite.onModify = async (_v, kid) => {
      s.kite.set(krow({ orderId: kid, tag: 'kd1', tags: ['kd1', 'mktp', 'mktp:5.00'], status: 'OPEN', orderType: 'LIMIT', pricePaise: 157_500 }));
      return kid;
    };
    await s.broker.modifyAsync('ord1', { orderType: 'MARKET' });
    expect(s.kite.modified[0]).toEqual(['regular', id, { orderType: 'MARKET', marketProtection: 5 }]);
    expect(s.oms.get('ord1')).toMatchObject({ orderType: 'MARKET', pricePaise: undefined, modifications: 1 });
    // and back to LIMIT at a price (the row keeps its mktp tags, as the simulator's does)
    s.kite.onModify = async (_v, kid) => {
      s.kite.set(krow({ orderId: kid, tag: 'kd1', tags: ['kd1', 'mktp', 'mktp:5.00'], status: 'OPEN', orderType: 'LIMIT', pricePaise: 149_000 }));
      return kid;
    };
    await s.broker.modifyAsync('ord1', { orderType: 'LIMIT', pricePaise: 149_000 });
    expect(s.oms.get('ord1')).toMatchObject({ orderType: 'LIMIT', pricePaise: 149_000, modifications: 2 });
    await s.broker.poll(); // the same row again: no change read from the tags
    expect(s.oms.get('ord1')).toMatchObject({ orderType: 'LIMIT', modifications: 2 });
    expect(s.errors).toEqual([]);
  });

  it('unknown id → ORDER_NOT_FOUND; before Kite\'s id is known → ORDER_IN_FLIGHT; terminal → ORDER_TERMINAL', async () => {
    const s = setup();
    expect(thrown(() => s.broker.modify('nope', { qty: 1 }))).toMatchObject({ name: 'BrokerError', code: 'ORDER_NOT_FOUND' });
    expect(thrown(() => s.broker.cancel('nope'))).toMatchObject({ name: 'BrokerError', code: 'ORDER_NOT_FOUND' });
    await expect(s.broker.cancelAsync('nope')).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
    let answer!: (r: PlaceOrderResult) => void;
    s.kite.onPlace = () => new Promise((r) => (answer = r));
    s.oms.submit(req());
    expect(thrown(() => s.broker.modify('ord1', { qty: 11 }))).toMatchObject({ code: 'ORDER_IN_FLIGHT' });
    answer({ outcome: 'rejected', tag: 'kd1', error: new KiteError('input', 'Invalid `tradingsymbol`.', { status: 400 }) });
    await s.broker.idle();
    expect(thrown(() => s.broker.cancel('ord1'))).toMatchObject({ code: 'ORDER_TERMINAL' });
    expect(s.kite.modified).toEqual([]);
    expect(s.kite.cancelled).toEqual([]);
  });

  it('a refused modify: modifyAsync rejects with Kite\'s error_type and message; the OMS order returns to rest with the reason', async () => {
    const s = setup();
    await open(s);
    s.kite.onModify = async () => {
      throw new KiteError('input', 'Maximum allowed order modifications exceeded.', { status: 400, errorType: 'InputException' });
    };
    await expect(s.broker.modifyAsync('ord1', { pricePaise: 149_000 })).rejects.toMatchObject({ name: 'BrokerError', code: 'InputException', message: 'Maximum allowed order modifications exceeded.' });
    expect(s.oms.get('ord1')).toMatchObject({ status: 'OPEN', pricePaise: 150_000, statusMessage: 'modify rejected: Maximum allowed order modifications exceeded.' });
    expect(s.errors).toEqual([]);
  });

  it('cancel → cancelOrder(variety, Kite id) → CANCELLED from the refreshed history', async () => {
    const s = setup();
    const id = await open(s, { variety: 'amo' });
    s.kite.onCancel = async (_v, kid) => {
      s.kite.set(krow({ orderId: kid, tag: 'kd1', tags: ['kd1'], status: 'CANCELLED', cancelledQuantity: 10, pendingQuantity: 0 }));
      return kid;
    };
    s.oms.cancel('ord1');
    await s.broker.idle();
    expect(s.kite.cancelled).toEqual([['amo', id]]);
    expect(s.oms.get('ord1')).toMatchObject({ status: 'CANCELLED', cancelledQty: 10 });
    expect(s.errors).toEqual([]);
  });

  it('a refused cancel returns the order to rest via CANCEL PENDING, so the OMS can cancel again', async () => {
    const s = setup();
    await open(s);
    s.kite.onCancel = async () => {
      throw new KiteError('order', 'Order cannot be cancelled right now.', { status: 400, errorType: 'OrderException' });
    };
    s.oms.cancel('ord1');
    await s.broker.idle();
    expect(s.oms.get('ord1')).toMatchObject({ status: 'OPEN', statusMessage: 'cancel rejected: Order cannot be cancelled right now.' });
    // no cancel is in flight any more: the OMS lets the order be modified
    s.kite.onModify = async (_v, kid) => kid;
    s.oms.modify('ord1', { pricePaise: 149_000 });
    s.oms.cancel('ord1');
    await s.broker.idle();
    expect(s.kite.count('modifyOrder')).toBe(1);
    expect(s.kite.count('cancelOrder')).toBe(2);
    await expect(s.broker.cancelAsync('ord1')).rejects.toMatchObject({ code: 'OrderException' });
    expect(s.errors).toEqual([]);
  });

  it('a cancel with no answer: the history is read; if the order is still open the OMS may retry; if that read fails too → OUTCOME_UNKNOWN', async () => {
    const s = setup();
    const id = await open(s);
    s.kite.onCancel = async () => {
      throw new KiteError('network', 'timeout of 7000ms exceeded');
    };
    await expect(s.broker.cancelAsync('ord1')).rejects.toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    expect(s.oms.get('ord1')).toMatchObject({ status: 'OPEN', statusMessage: expect.stringMatching(/^cancel not confirmed/) });
    s.kite.history.set(id, []);
    s.kite.book = [];
    s.oms.cancel('ord1');
    await s.broker.idle();
    expect(s.oms.get('ord1')).toMatchObject({ status: 'OPEN', statusMessage: OUTCOME_UNKNOWN });
    expect(s.oms.needsReconcile().map((o) => o.orderId)).toEqual(['ord1']);
    expect(s.errors).toEqual([]);
  });
});

describe('KiteLiveBroker: startup reconcile', () => {
  function restored(id: string, clientId: string, over: Partial<Order> = {}): Order {
    return { ...req({ clientId }), orderId: id, status: 'OPEN', statusMessage: undefined, filledQty: 0, pendingQty: 10, cancelledQty: 0, filledValuePaise: 0, modifications: 0, tsUpdate: 1, ...over };
  }

  it('aligns orders found by tag or by Kite id (history when not in today\'s book); the missing one stays flagged, nothing emitted for it', async () => {
    const s = setup({ lookupAttempts: 2 });
    const orders = [
      restored('a', 'tagA', { status: 'PUT ORDER REQ RECEIVED', statusMessage: OUTCOME_UNKNOWN }),
      restored('b', 'tagB', { filledQty: 3, pendingQty: 7, filledValuePaise: 3 * 150_000 }),
      restored('c', 'tagC'),
      restored('d', 'tagD', { status: 'COMPLETE', filledQty: 10, pendingQty: 0, filledValuePaise: 1_500_000 }),
      restored('x', 'tagX'),
    ];
    s.oms.restore(orders, [{ fillId: 'Kb-3', orderId: 'b', clientId: 'tagB', symbol: 'INFY', exchange: 'NSE', side: 'BUY', product: 'MIS', strategy: 'ema', qty: 3, pricePaise: 150_000, tsEvent: 1 }]);
    s.kite.ordersScript = [new KiteError('network', 'ECONNRESET')];
    s.kite.book = [
      krow({ orderId: 'Ka', tag: 'tagA', tags: ['tagA'], status: 'COMPLETE', filledQuantity: 10, pendingQuantity: 0, averagePricePaise: 150_000 }),
      krow({ orderId: 'Kb', tag: 'tagB', tags: ['tagB'], status: 'OPEN', filledQuantity: 8, pendingQuantity: 2, averagePricePaise: 150_000 }),
    ];
    s.kite.tradeRows = [trade('Ka', 'TA', 10, 150_000, 1), trade('Kb', 'TB1', 3, 150_000, 1), trade('Kb', 'TB2', 5, 150_000, 2)];
    s.kite.history.set('Kx', [krow({ orderId: 'Kx', tag: 'tagX', status: 'CANCELLED', cancelledQuantity: 10, pendingQuantity: 0 })]);
    const report = await s.broker.reconcile(s.oms.openOrders(), { brokerIds: new Map([['x', 'Kx']]) });
    expect(report.aligned.sort()).toEqual(['a', 'b', 'x']);
    expect(report.notFound).toEqual(['c']);
    expect(report.unchecked).toEqual([]);
    expect(s.oms.get('a')).toMatchObject({ status: 'COMPLETE', filledQty: 10 });
    expect(s.oms.get('b')).toMatchObject({ status: 'OPEN', filledQty: 8, pendingQty: 2 });
    // only the new trade is a new fill (the first 3 were restored)
    expect(s.oms.fills().map((f) => f.fillId)).toEqual(['Kb-3', 'TA', 'TB2']);
    expect(s.oms.get('c')).toMatchObject({ status: 'OPEN', statusMessage: undefined });
    expect(s.updates.some((u) => u.orderId === 'c')).toBe(false);
    expect(s.oms.needsReconcile().map((o) => o.orderId)).toContain('c');
    expect(s.broker.brokerOrderId('a')).toBe('Ka');
    // the not-found order is still watched: a later row with its tag links it
    s.kite.set(krow({ orderId: 'Kc', tag: 'tagC', tags: ['tagC'], status: 'CANCELLED', cancelledQuantity: 10, pendingQuantity: 0 }));
    await s.broker.poll();
    expect(s.oms.get('c')!.status).toBe('CANCELLED');
    expect(s.resolutions).toEqual([{ orderId: 'c', outcome: 'found', brokerOrderId: 'Kc' }]);
    expect(s.oms.get('x')).toMatchObject({ status: 'CANCELLED', cancelledQty: 10 });
    expect(s.kite.count('placeOrder')).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('an order book that never answers: every order unchecked, nothing emitted', async () => {
    const s = setup({ lookupMaxErrors: 2 });
    s.kite.ordersScript = [new KiteError('server', 'HTTP 503', { status: 503 }), new KiteError('server', 'HTTP 503', { status: 503 })];
    const report = await s.broker.reconcile([restored('a', 'tagA')]);
    expect(report).toMatchObject({ aligned: [], notFound: [], unchecked: ['a'], error: 'HTTP 503' });
    expect(s.updates).toEqual([]);
  });
});
