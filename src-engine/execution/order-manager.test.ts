import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fill, Order, OrderRequest, OrderStatus } from '../model/order.js';
import { type Broker, BrokerError, type BrokerOrderUpdate, type OrderModify, OUTCOME_UNKNOWN } from './broker.js';
import { OrderActionError, type OrderJournalPort, OrderManager, OrderRequestError } from './order-manager.js';
import { ALL_STATUSES, canTransition } from './order-state.js';
import { orderRequest } from '../model/testing.js';

/** A broker the test drives by hand. */
class ManualBroker implements Broker {
  readonly kind = 'paper' as const;
  placed: Readonly<Order>[] = [];
  modified: [string, OrderModify][] = [];
  cancelled: string[] = [];
  placeError: Error | undefined;
  /** Called inside place(), e.g. to answer synchronously. */
  onPlace: ((o: Readonly<Order>) => void) | undefined;
  private ls: ((u: BrokerOrderUpdate) => void)[] = [];
  place(o: Readonly<Order>): void {
    this.placed.push(o);
    this.onPlace?.(o);
    if (this.placeError) throw this.placeError;
  }
  modify(id: string, c: OrderModify): void {
    this.modified.push([id, c]);
  }
  cancel(id: string): void {
    this.cancelled.push(id);
  }
  onUpdate(l: (u: BrokerOrderUpdate) => void): () => void {
    this.ls.push(l);
    return () => (this.ls = this.ls.filter((x) => x !== l));
  }
  emit(u: Omit<BrokerOrderUpdate, 'tsEvent'> & { tsEvent?: number }): void {
    for (const l of this.ls) l({ tsEvent: 5, ...u });
  }
  /** VALIDATION PENDING → OPEN PENDING → OPEN */
  open(id: string): void {
    for (const s of ['VALIDATION PENDING', 'OPEN PENDING', 'OPEN'] as const) this.emit({ orderId: id, status: s });
  }
}

class MemJournal implements OrderJournalPort {
  events: [string, string, OrderStatus][] = [];
  fills: Fill[] = [];
  failNext = false;
  orderChanged(o: Readonly<Order>, event: string): void {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.events.push([o.orderId, event, o.status]);
  }
  fill(f: Readonly<Fill>): void {
    this.fills.push({ ...f });
  }
}

function setup() {
  const broker = new ManualBroker();
  const journal = new MemJournal();
  let n = 0;
  const oms = new OrderManager({ broker, journal, clock: { now: () => 1_000 }, newOrderId: () => `ord${++n}` });
  const errors: Error[] = [];
  oms.onError((e) => errors.push(e));
  return { broker, journal, oms, errors };
}

const req = (over: Partial<OrderRequest> = {}): OrderRequest => orderRequest({ clientId: 'abc1', tsInit: 900, ...over });

describe('OrderManager.submit', () => {
  it('validates the request shape and records nothing for a bad one', () => {
    const { oms, broker } = setup();
    const bad: Partial<OrderRequest>[] = [
      { clientId: 'has space' },
      { clientId: '' },
      { clientId: 'a'.repeat(21) },
      { qty: 0 },
      { qty: 1.5 },
      { qty: -3 },
      { orderType: 'LIMIT', pricePaise: undefined },
      { orderType: 'LIMIT', pricePaise: 100.5 },
      { orderType: 'MARKET', pricePaise: 100 },
      { orderType: 'SL', triggerPaise: undefined },
      { orderType: 'SL-M', pricePaise: undefined, triggerPaise: 100 as number, validity: 'DAY', qty: 1, clientId: 'x', symbol: '' },
      { orderType: 'SL-M', pricePaise: 100, triggerPaise: 100 },
      { orderType: 'LIMIT', triggerPaise: 100 },
      { side: 'HOLD' as 'BUY' },
      { exchange: 'MCX' as 'NSE' },
      { strategy: '' },
      { source: 'robot' as 'manual' },
    ];
    for (const b of bad) expect(() => oms.submit(req(b)), JSON.stringify(b)).toThrow(OrderRequestError);
    expect(oms.orders()).toEqual([]);
    expect(broker.placed).toEqual([]);
    expect(oms.submit(req({ orderType: 'SL', triggerPaise: 149_000 })).status).toBe('PUT ORDER REQ RECEIVED');
    expect(oms.submit(req({ clientId: 'm1', orderType: 'MARKET', pricePaise: undefined })).orderType).toBe('MARKET');
  });

  it('is idempotent on clientId: one broker.place, the same order back, in every status', () => {
    const { oms, broker } = setup();
    const a = oms.submit(req());
    const b = oms.submit(req({ qty: 99 }));
    expect(b).toBe(a);
    expect(broker.placed).toHaveLength(1);
    broker.emit({ orderId: a.orderId, status: 'REJECTED', statusMessage: 'RMS' });
    expect(oms.submit(req()).status).toBe('REJECTED');
    expect(broker.placed).toHaveLength(1);
  });

  it('journals the order before the broker sees it', () => {
    const { oms, broker, journal } = setup();
    let journaledAtPlace: unknown;
    broker.onPlace = (o) => {
      journaledAtPlace = journal.events.find((e) => e[0] === o.orderId);
    };
    oms.submit(req());
    expect(journaledAtPlace).toEqual(['ord1', 'placed', 'PUT ORDER REQ RECEIVED']);
  });

  it('a journal failure at placement means no broker call and no record', () => {
    const { oms, broker, journal } = setup();
    journal.failNext = true;
    expect(() => oms.submit(req())).toThrow('disk full');
    expect(broker.placed).toEqual([]);
    expect(oms.byClientId('abc1')).toBeUndefined();
    // a retry can then place it
    expect(oms.submit(req()).orderId).toBe('ord2');
    expect(broker.placed).toHaveLength(1);
  });

  it('a BrokerError rejects the order; any other error leaves it for reconciliation', () => {
    const { oms, broker, errors } = setup();
    broker.placeError = new BrokerError('INVALID_REQUEST', 'Invalid `tradingsymbol`.');
    const a = oms.submit(req({ clientId: 'a1' }));
    expect(a).toMatchObject({ status: 'REJECTED', statusMessage: 'Invalid `tradingsymbol`.', cancelledQty: 10, pendingQty: 0 });
    broker.placeError = new Error('socket hang up');
    const b = oms.submit(req({ clientId: 'b1' }));
    expect(b).toMatchObject({ status: 'PUT ORDER REQ RECEIVED', statusMessage: OUTCOME_UNKNOWN });
    expect(oms.needsReconcile().map((o) => o.orderId)).toEqual([b.orderId]);
    expect(errors.map((e) => e.message)).toEqual(['socket hang up']);
    // a second submit with the same clientId still does not place again
    oms.submit(req({ clientId: 'b1' }));
    expect(broker.placed).toHaveLength(2);
  });

  it("flags an order the broker reports as 'outcome unknown'", () => {
    const { oms, broker } = setup();
    const a = oms.submit(req());
    broker.emit({ orderId: a.orderId, status: 'PUT ORDER REQ RECEIVED', statusMessage: OUTCOME_UNKNOWN });
    expect(oms.needsReconcile()).toHaveLength(1);
    broker.open(a.orderId);
    broker.emit({ orderId: a.orderId, status: 'CANCELLED' });
    expect(oms.needsReconcile()).toEqual([]);
  });
});

describe('OrderManager: updates, fills, journal and listeners', () => {
  it('applies fills, builds Fill records with strategy and product, journals and announces fill before order', () => {
    const { oms, broker, journal } = setup();
    const seen: string[] = [];
    oms.onFill((f, o) => seen.push(`fill ${f.fillId} ${o.filledQty}`));
    oms.onOrder((o, ev) => seen.push(`${ev} ${o.status}`));
    const a = oms.submit(req({ product: 'CNC', strategy: 'rsi' }));
    broker.open(a.orderId);
    broker.emit({ orderId: a.orderId, status: 'OPEN', fill: { fillId: 't1', qty: 4, pricePaise: 149_990 }, tsEvent: 7 });
    broker.emit({ orderId: a.orderId, status: 'COMPLETE', fill: { fillId: 't2', qty: 6, pricePaise: 150_000 }, tsEvent: 8 });
    expect(oms.get(a.orderId)).toMatchObject({ status: 'COMPLETE', filledQty: 10, pendingQty: 0, filledValuePaise: 4 * 149_990 + 6 * 150_000, tsUpdate: 8 });
    expect(oms.fills()).toEqual([
      { fillId: 't1', orderId: 'ord1', clientId: 'abc1', symbol: 'INFY', exchange: 'NSE', side: 'BUY', product: 'CNC', strategy: 'rsi', qty: 4, pricePaise: 149_990, tsEvent: 7 },
      { fillId: 't2', orderId: 'ord1', clientId: 'abc1', symbol: 'INFY', exchange: 'NSE', side: 'BUY', product: 'CNC', strategy: 'rsi', qty: 6, pricePaise: 150_000, tsEvent: 8 },
    ]);
    expect(journal.fills.map((f) => f.fillId)).toEqual(['t1', 't2']);
    expect(journal.events.map((e) => `${e[1]} ${e[2]}`)).toEqual([
      'placed PUT ORDER REQ RECEIVED',
      'status VALIDATION PENDING',
      'status OPEN PENDING',
      'status OPEN',
      'fill OPEN',
      'fill COMPLETE',
    ]);
    expect(seen).toEqual([
      'placed PUT ORDER REQ RECEIVED',
      'status VALIDATION PENDING',
      'status OPEN PENDING',
      'status OPEN',
      'fill t1 4',
      'fill OPEN',
      'fill t2 10',
      'fill COMPLETE',
    ]);
    expect(oms.openOrders()).toEqual([]);
  });

  it('refuses corrupting updates: nothing applied, error reported, order flagged', () => {
    const { oms, broker, errors } = setup();
    const a = oms.submit(req());
    broker.open(a.orderId);
    const before = { ...oms.get(a.orderId)! };
    broker.emit({ orderId: a.orderId, status: 'OPEN', fill: { fillId: 'big', qty: 11, pricePaise: 1 } });
    broker.emit({ orderId: a.orderId, status: 'VALIDATION PENDING' });
    broker.emit({ orderId: a.orderId, status: 'COMPLETE', modified: { qty: 0 } });
    broker.emit({ orderId: 'ghost', status: 'OPEN' });
    expect(oms.get(a.orderId)).toEqual(before);
    expect(oms.fills()).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      'order ord1: OPEN → OPEN: fill big of 11 exceeds the pending quantity 10 (qty 10, filled 0)',
      'order ord1: OPEN → VALIDATION PENDING: illegal transition',
      'order ord1: OPEN → COMPLETE: a modify ack must take a resting or modifying order back to rest',
      'broker update for unknown order ghost (OPEN) ignored',
    ]);
    expect(oms.needsReconcile().map((o) => o.orderId)).toEqual([a.orderId]);
  });

  it('ignores duplicate deliveries of a fill or a terminal status', () => {
    const { oms, broker, errors } = setup();
    const a = oms.submit(req());
    broker.open(a.orderId);
    broker.emit({ orderId: a.orderId, status: 'OPEN', fill: { fillId: 't1', qty: 4, pricePaise: 100 } });
    broker.emit({ orderId: a.orderId, status: 'OPEN', fill: { fillId: 't1', qty: 4, pricePaise: 100 } });
    broker.emit({ orderId: a.orderId, status: 'CANCELLED' });
    broker.emit({ orderId: a.orderId, status: 'CANCELLED' });
    expect(oms.get(a.orderId)).toMatchObject({ filledQty: 4, cancelledQty: 6 });
    expect(oms.duplicates).toBe(2);
    expect(errors).toEqual([]);
    // but a different terminal status on a terminal order is an error
    broker.emit({ orderId: a.orderId, status: 'COMPLETE' });
    expect(errors).toHaveLength(1);
  });

  it('a throwing listener does not stop the others or the state', () => {
    const { oms, broker, errors } = setup();
    const got: string[] = [];
    oms.onOrder(() => {
      throw new Error('ui bug');
    });
    oms.onOrder((o) => got.push(o.status));
    const a = oms.submit(req());
    broker.open(a.orderId);
    expect(got).toEqual(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN']);
    expect(errors).toHaveLength(4);
    expect(oms.get(a.orderId)!.status).toBe('OPEN');
  });
});

describe('OrderManager: modify and cancel', () => {
  it('sends a valid modification and applies the ack', () => {
    const { oms, broker } = setup();
    const a = oms.submit(req());
    broker.open(a.orderId);
    oms.modify(a.orderId, { pricePaise: 150_500 });
    expect(broker.modified).toEqual([[a.orderId, { pricePaise: 150_500 }]]);
    broker.emit({ orderId: a.orderId, status: 'MODIFY VALIDATION PENDING' });
    broker.emit({ orderId: a.orderId, status: 'MODIFY PENDING' });
    broker.emit({ orderId: a.orderId, status: 'OPEN', modified: { pricePaise: 150_500 } });
    expect(oms.get(a.orderId)).toMatchObject({ pricePaise: 150_500, modifications: 1, status: 'OPEN' });
  });

  it('refuses modify/cancel of unknown, terminal or busy orders, and bad modifications', () => {
    const { oms, broker } = setup();
    const a = oms.submit(req());
    expect(() => oms.modify(a.orderId, { qty: 5 })).toThrow(/while it is PUT ORDER REQ RECEIVED/);
    broker.open(a.orderId);
    expect(() => oms.modify(a.orderId, {})).toThrow(/nothing to modify/);
    expect(() => oms.modify(a.orderId, { pricePaise: -5 })).toThrow(OrderActionError);
    expect(() => oms.modify('nope', { qty: 5 })).toThrow(/unknown order/);
    expect(() => oms.cancel('nope')).toThrow(/unknown order/);
    oms.cancel(a.orderId);
    expect(() => oms.modify(a.orderId, { qty: 5 })).toThrow(/a cancel is in flight/);
    broker.emit({ orderId: a.orderId, status: 'CANCEL PENDING' });
    broker.emit({ orderId: a.orderId, status: 'CANCELLED' });
    expect(() => oms.cancel(a.orderId)).toThrow('cannot cancel order ord1: it is CANCELLED');
    expect(() => oms.modify(a.orderId, { qty: 5 })).toThrow('cannot modify order ord1: it is CANCELLED');
  });

  it('a cancel is re-sent until the broker acknowledges it, then repeated cancels do nothing', () => {
    const { oms, broker } = setup();
    const a = oms.submit(req());
    broker.open(a.orderId);
    oms.cancel(a.orderId);
    oms.cancel(a.orderId);
    expect(broker.cancelled).toEqual([a.orderId, a.orderId]);
    broker.emit({ orderId: a.orderId, status: 'CANCEL PENDING' });
    oms.cancel(a.orderId);
    expect(broker.cancelled).toHaveLength(2);
    // a refused cancel (back to OPEN) allows another, and modifications again
    broker.emit({ orderId: a.orderId, status: 'OPEN', statusMessage: 'cancel refused' });
    oms.modify(a.orderId, { qty: 12 });
    oms.cancel(a.orderId);
    expect(broker.cancelled).toHaveLength(3);
  });

  it('a modify the broker refuses does not count towards the limit', () => {
    const { oms, broker } = setup();
    const a = oms.submit(req());
    broker.open(a.orderId);
    broker.modify = () => {
      throw new BrokerError('ORDER_NOT_MODIFIABLE', 'busy');
    };
    for (let i = 0; i < 30; i++) expect(() => oms.modify(a.orderId, { qty: 11 })).toThrow('busy');
    broker.modify = ManualBroker.prototype.modify;
    oms.modify(a.orderId, { qty: 11 });
    expect(broker.modified).toHaveLength(1);
  });

  it('caps modifications at 25', () => {
    const { oms, broker } = setup();
    const a = oms.submit(req());
    broker.open(a.orderId);
    for (let i = 0; i < 25; i++) oms.modify(a.orderId, { pricePaise: 150_000 + i });
    expect(() => oms.modify(a.orderId, { pricePaise: 1 })).toThrow(/25 modifications/);
    expect(broker.modified).toHaveLength(25);
  });

  it('cancelAll cancels non-terminal orders matching the filter and reports failures', () => {
    const { oms, broker } = setup();
    const a = oms.submit(req({ clientId: 'a' }));
    const b = oms.submit(req({ clientId: 'b', symbol: 'TCS' }));
    const c = oms.submit(req({ clientId: 'c', strategy: 'other' }));
    const d = oms.submit(req({ clientId: 'd' }));
    for (const o of [a, b, c, d]) broker.open(o.orderId);
    broker.emit({ orderId: d.orderId, status: 'COMPLETE', fill: { fillId: 'x', qty: 10, pricePaise: 1 } });
    expect(oms.cancelAll({ symbol: 'INFY', strategy: 'ema' })).toEqual({ requested: [a.orderId], failed: [] });
    broker.emit({ orderId: a.orderId, status: 'CANCEL PENDING' });
    broker.cancel = () => {
      throw new BrokerError('ORDER_TERMINAL', 'Order cannot be cancelled as it is completed.');
    };
    const r = oms.cancelAll();
    // a's cancel is acknowledged (not sent again); b and c fail at the broker; d is terminal
    expect(r.requested).toEqual([a.orderId]);
    expect(r.failed.map((f) => f.orderId)).toEqual([b.orderId, c.orderId]);
    expect(oms.cancelAll((o) => o.symbol === 'NONE')).toEqual({ requested: [], failed: [] });
  });
});

describe('OrderManager.restore', () => {
  const restored = (over: Partial<Order>): Order => ({
    ...req(),
    orderId: 'ord1',
    status: 'OPEN',
    statusMessage: undefined,
    filledQty: 4,
    pendingQty: 6,
    cancelledQty: 0,
    filledValuePaise: 400,
    modifications: 2,
    tsUpdate: 10,
    ...over,
  });

  it('rebuilds state without calling the broker, flags non-terminal orders, keeps idempotency and fresh ids', () => {
    const { oms, broker } = setup();
    const fill: Fill = { fillId: 'f1', orderId: 'ord1', clientId: 'abc1', symbol: 'INFY', exchange: 'NSE', side: 'BUY', product: 'MIS', strategy: 'ema', qty: 4, pricePaise: 100, tsEvent: 9 };
    oms.restore([restored({}), restored({ orderId: 'ord2', clientId: 'zz', status: 'COMPLETE', filledQty: 10, pendingQty: 0 })], [fill, fill]);
    expect(broker.placed).toEqual([]);
    expect(oms.needsReconcile().map((o) => o.orderId)).toEqual(['ord1']);
    expect(oms.openOrders().map((o) => o.orderId)).toEqual(['ord1']);
    expect(oms.fills()).toHaveLength(1);
    expect(oms.submit(req()).orderId).toBe('ord1');
    expect(broker.placed).toEqual([]);
    // the id generator restarts at ord1: ids in use are skipped
    expect(oms.submit(req({ clientId: 'new1' })).orderId).toBe('ord3');
    // a fill already restored is not applied twice
    broker.emit({ orderId: 'ord1', status: 'OPEN', fill: { fillId: 'f1', qty: 4, pricePaise: 100 } });
    expect(oms.get('ord1')!.filledQty).toBe(4);
    oms.markReconciled('ord1');
    expect(oms.needsReconcile()).toEqual([]);
  });

  it('by default the order id is the clientId, unless a restored order already uses it', () => {
    const broker = new ManualBroker();
    const oms = new OrderManager({ broker, clock: { now: () => 1_000 } });
    oms.restore([restored({ orderId: 'taken', clientId: 'old1' })], []);
    expect(oms.submit(req({ clientId: 'fresh1' })).orderId).toBe('fresh1');
    const b = oms.submit(req({ clientId: 'taken' }));
    expect(b.orderId).toMatch(/^O[0-9a-z]+-1$/);
    expect(oms.get('taken')!.clientId).toBe('old1');
    expect(oms.get(b.orderId)!.clientId).toBe('taken');
    expect(oms.byClientId('taken')).toBe(b);
    expect(oms.get('old1')).toBeUndefined();
    broker.emit({ orderId: b.orderId, status: 'REJECTED' });
    broker.emit({ orderId: 'taken', status: 'CANCELLED' });
    expect([oms.get(b.orderId)!.status, oms.get('taken')!.status, oms.get('fresh1')!.status]).toEqual(['REJECTED', 'CANCELLED', 'PUT ORDER REQ RECEIVED']);
  });

  it('refuses inconsistent input and a non-empty order manager', () => {
    expect(() => setup().oms.restore([restored({ pendingQty: 5 })], [])).toThrow(/do not add up/);
    expect(() => setup().oms.restore([restored({}), restored({ clientId: 'other' })], [])).toThrow(/duplicate orderId/);
    expect(() => setup().oms.restore([restored({}), restored({ orderId: 'x' })], [])).toThrow(/duplicate clientId/);
    expect(() => setup().oms.restore([restored({ status: 'CANCELLED' })], [])).toThrow(/terminal order/);
    const { oms } = setup();
    oms.submit(req({ clientId: 'q' }));
    expect(() => oms.restore([], [])).toThrow(/empty/);
  });
});

describe('OrderManager.forgetFinished (the day roll drops finished orders of earlier days)', () => {
  it('drops orders that finished before the cut and their fills; open, unknown-outcome and later ones stay; the journal keeps all', () => {
    const { oms, broker, journal, errors } = setup();
    const DAY2 = 10_000;
    // day 1: a filled one, a cancelled one, a rejected one, a resting AMO, an unknown-outcome one
    const done = oms.submit(req({ clientId: 'done1', tsInit: 100 }));
    broker.open(done.orderId);
    broker.emit({ orderId: done.orderId, status: 'COMPLETE', fill: { fillId: 'f1', qty: 10, pricePaise: 150_000 } });
    const cancelled = oms.submit(req({ clientId: 'canc1', tsInit: 200 }));
    broker.open(cancelled.orderId);
    broker.emit({ orderId: cancelled.orderId, status: 'OPEN', fill: { fillId: 'f2', qty: 3, pricePaise: 150_000 } });
    broker.emit({ orderId: cancelled.orderId, status: 'CANCELLED' });
    broker.placeError = new BrokerError('INVALID_REQUEST', 'no');
    oms.submit(req({ clientId: 'rej1', tsInit: 300 }));
    broker.placeError = undefined;
    const amo = oms.submit(req({ clientId: 'amo1', variety: 'amo', tsInit: 400 }));
    broker.emit({ orderId: amo.orderId, status: 'AMO REQ RECEIVED' });
    broker.placeError = new Error('socket hang up');
    const unknown = oms.submit(req({ clientId: 'unk1', tsInit: 500 }));
    broker.placeError = undefined;
    // day 2: an order finished after the cut stays
    const today = oms.submit(req({ clientId: 'today1', tsInit: DAY2 + 1 }));
    broker.open(today.orderId);
    broker.emit({ orderId: today.orderId, status: 'COMPLETE', fill: { fillId: 'f3', qty: 10, pricePaise: 150_000 }, tsEvent: DAY2 + 2 });
    const journalled = journal.events.length;

    expect(oms.forgetFinished(DAY2)).toBe(3);
    expect(oms.orders().map((o) => o.clientId)).toEqual(['amo1', 'unk1', 'today1']);
    for (const id of ['done1', 'canc1', 'rej1']) expect(oms.byClientId(id)).toBeUndefined();
    expect(oms.get(done.orderId)).toBeUndefined();
    expect(oms.fills().map((f) => f.fillId)).toEqual(['f3']);
    expect(oms.needsReconcile().map((o) => o.clientId)).toEqual(['unk1']);
    expect(oms.openOrders().map((o) => o.clientId)).toEqual(['amo1', 'unk1']);
    // nothing was journalled or unjournalled by forgetting: the journal still has every order and fill
    expect(journal.events).toHaveLength(journalled);
    expect(new Set(journal.events.map((e) => e[0]))).toEqual(new Set([done.orderId, cancelled.orderId, 'ord3', amo.orderId, unknown.orderId, today.orderId]));
    expect(journal.fills.map((f) => f.fillId)).toEqual(['f1', 'f2', 'f3']);

    // the kept orders still take updates, modifications and cancels
    oms.modify(amo.orderId, { pricePaise: 149_000 });
    broker.emit({ orderId: amo.orderId, status: 'AMO REQ RECEIVED', modified: { pricePaise: 149_000 } });
    expect(oms.get(amo.orderId)).toMatchObject({ pricePaise: 149_000 });
    broker.emit({ orderId: unknown.orderId, status: 'OPEN' });
    oms.cancel(unknown.orderId);
    expect(broker.cancelled).toEqual([unknown.orderId]);
    // a late update for a dropped order is reported, not applied; its clientId is not placed again
    broker.emit({ orderId: cancelled.orderId, status: 'CANCELLED' });
    expect(errors.map((e) => e.message)).toContain(`broker update for unknown order ${cancelled.orderId} (CANCELLED) ignored`);
    const placed = broker.placed.length;
    expect(() => oms.submit(req({ clientId: 'done1', tsInit: DAY2 + 5 }))).toThrow(/earlier trading day/);
    expect(broker.placed).toHaveLength(placed);
    // a second cut forgets nothing more until the kept ones finish
    expect(oms.forgetFinished(DAY2)).toBe(0);
    broker.emit({ orderId: amo.orderId, status: 'CANCELLED' });
    expect(oms.forgetFinished(DAY2)).toBe(1);
    expect(oms.orders().map((o) => o.clientId)).toEqual(['unk1', 'today1']);
  });

  it('a finished order still flagged for reconciliation stays until the reconciler clears it', () => {
    const { oms, broker } = setup();
    const a = oms.submit(req({ clientId: 'a1', tsInit: 1 }));
    broker.open(a.orderId);
    broker.emit({ orderId: a.orderId, status: 'CANCELLED' });
    broker.emit({ orderId: a.orderId, status: 'OPEN' }); // illegal after CANCELLED: flagged
    expect(oms.needsReconcile()).toHaveLength(1);
    expect(oms.forgetFinished(100)).toBe(0);
    oms.markReconciled(a.orderId);
    expect(oms.forgetFinished(100)).toBe(1);
    expect(oms.orders()).toEqual([]);
  });
});

describe('OrderManager: property', () => {
  type Step =
    | { k: 'submit'; client: number; qty: number }
    | { k: 'cancel'; i: number }
    | { k: 'modify'; i: number; qty: number }
    | { k: 'update'; i: number; status: OrderStatus }
    | { k: 'fill'; i: number; qty: number; status: OrderStatus | 'auto' }
    | { k: 'dup'; i: number; j: number };

  const STATUSES: readonly OrderStatus[] = ALL_STATUSES;
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ k: fc.constant('submit' as const), client: fc.integer({ min: 0, max: 12 }), qty: fc.integer({ min: 1, max: 20 }) }),
    fc.record({ k: fc.constant('cancel' as const), i: fc.nat() }),
    fc.record({ k: fc.constant('modify' as const), i: fc.nat(), qty: fc.integer({ min: 1, max: 30 }) }),
    fc.record({ k: fc.constant('update' as const), i: fc.nat(), status: fc.constantFrom(...STATUSES) }),
    // 'auto': OPEN, or COMPLETE when the fill completes the order — the common legal case
    fc.record({ k: fc.constant('fill' as const), i: fc.nat(), qty: fc.integer({ min: 1, max: 12 }), status: fc.oneof(fc.constant<'auto'>('auto'), fc.constantFrom(...STATUSES)) }),
    fc.record({ k: fc.constant('dup' as const), i: fc.nat(), j: fc.nat() }),
  );

  it('whatever the broker says: quantities add up, terminal orders never change, nothing is placed twice', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 30, maxLength: 150 }), (steps) => {
        const { oms, broker } = setup();
        let fillSeq = 0;
        // fill ids are unique per broker: a re-delivery repeats a fill of the same order
        const sent = new Map<string, { fillId: string; qty: number; pricePaise: number }[]>();
        const terminal = new Map<string, string>();
        const history = new Map<string, OrderStatus[]>();
        oms.onOrder((o) => history.set(o.orderId, [...(history.get(o.orderId) ?? []), o.status]));
        for (const s of steps) {
          const all = oms.orders();
          try {
            if (s.k === 'submit') oms.submit(req({ clientId: `k${s.client}`, qty: s.qty }));
            else if (all.length > 0) {
              const o = all[s.i % all.length]!;
              if (s.k === 'cancel') oms.cancel(o.orderId);
              else if (s.k === 'modify') oms.modify(o.orderId, { qty: s.qty });
              else if (s.k === 'update') broker.emit({ orderId: o.orderId, status: s.status });
              else if (s.k === 'fill') {
                // 'auto' stays within the pending quantity and completes the order when it fills it
                const qty = s.status === 'auto' && o.pendingQty > 0 ? Math.min(s.qty, o.pendingQty) : s.qty;
                const status = s.status !== 'auto' ? s.status : qty === o.pendingQty ? 'COMPLETE' : 'OPEN';
                const fill = { fillId: `f${++fillSeq}`, qty, pricePaise: 100 };
                sent.set(o.orderId, [...(sent.get(o.orderId) ?? []), fill]);
                broker.emit({ orderId: o.orderId, status, fill });
              } else {
                const mine = sent.get(o.orderId) ?? [];
                if (mine.length > 0) broker.emit({ orderId: o.orderId, status: 'OPEN', fill: mine[s.j % mine.length] });
              }
            }
          } catch (e) {
            if (!(e instanceof OrderActionError)) throw e;
          }
          for (const o of oms.orders()) {
            expect(o.filledQty + o.pendingQty + o.cancelledQty).toBe(o.qty);
            expect(o.filledQty).toBeGreaterThanOrEqual(0);
            expect(o.pendingQty).toBeGreaterThanOrEqual(0);
            const snap = JSON.stringify(o);
            const t = terminal.get(o.orderId);
            if (t !== undefined) expect(snap).toBe(t);
            else if (o.status === 'COMPLETE' || o.status === 'CANCELLED' || o.status === 'REJECTED') terminal.set(o.orderId, snap);
          }
        }
        const clients = broker.placed.map((o) => o.clientId);
        expect(new Set(clients).size).toBe(clients.length);
        const ids = oms.fills().map((f) => f.fillId);
        expect(new Set(ids).size).toBe(ids.length);
        for (const o of oms.orders()) {
          const fills = oms.fills().filter((f) => f.orderId === o.orderId);
          expect(fills.reduce((n, f) => n + f.qty, 0)).toBe(o.filledQty);
          const h = history.get(o.orderId)!;
          for (let i = 1; i < h.length; i++) expect(canTransition(h[i - 1]!, h[i]!)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('OrderManager: a fill and its order state are one journal write', () => {
  it('journals the fill (and what its listeners write) and the order\'s new state inside one atomically() call', () => {
    const broker = new ManualBroker();
    const log: string[] = [];
    let depth = 0;
    const journal: OrderJournalPort = {
      orderChanged: (o, event) => void log.push(`${depth}:order:${event}:${o.status}`),
      fill: (f) => void log.push(`${depth}:fill:${f.fillId}`),
      atomically: (fn) => {
        depth++;
        log.push('begin');
        try {
          fn();
        } finally {
          log.push('commit');
          depth--;
        }
      },
    };
    const oms = new OrderManager({ broker, journal, clock: { now: () => 1_000 }, newOrderId: () => 'ord1' });
    oms.onFill((f) => void log.push(`${depth}:listener:${f.fillId}`));
    const o = oms.submit(req());
    broker.open(o.orderId);
    log.length = 0;
    broker.emit({ orderId: o.orderId, status: 'OPEN', fill: { fillId: 't1', qty: 4, pricePaise: 150_000 } });
    broker.emit({ orderId: o.orderId, status: 'COMPLETE', fill: { fillId: 't2', qty: 6, pricePaise: 150_100 } });
    broker.emit({ orderId: o.orderId, status: 'COMPLETE' }); // no fill: no transaction needed
    expect(log).toEqual([
      'begin',
      '1:fill:t1',
      '1:listener:t1',
      '1:order:fill:OPEN',
      'commit',
      'begin',
      '1:fill:t2',
      '1:listener:t2',
      '1:order:fill:COMPLETE',
      'commit',
    ]);
  });
});

