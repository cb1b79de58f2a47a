/**
 * The order manager (OMS): the single owner of order state. It validates a request's shape, makes
 * placement idempotent on clientId, journals the order BEFORE the broker sees it (write-ahead), and
 * applies every broker update through Kite's state machine (./order-state.ts). Risk checks happen
 * before submit(), elsewhere.
 *
 *  - Idempotency: any order ever recorded with a clientId (in any status, including REJECTED, and
 *    restored ones) is returned by a second submit() with that clientId; the broker is never called
 *    twice for it. Kite does not de-duplicate on `tag`, so this is the only guard. Once the day roll
 *    has dropped a finished order from memory (forgetFinished), its clientId is refused instead.
 *  - Write-ahead: journal.orderChanged(order, 'placed') runs before broker.place(); if it throws, the
 *    order is forgotten and submit() throws without calling the broker.
 *  - Every state change is journaled (event 'status', 'fill' or 'modified') and then announced; for a
 *    fill the Fill is journaled and announced (onFill) before the order change (onOrder), so a listener
 *    that sees COMPLETE can rely on the ledger already having the fill.
 *  - A broker update that would corrupt an order (illegal transition, fill beyond quantity, fill on a
 *    terminal order, unknown order) is NOT applied: it is reported to onError listeners and the order
 *    is flagged for reconciliation. A fill id already applied to the same order, or a terminal status
 *    repeated without a fill or modification, is ignored as a duplicate delivery (counted in
 *    `duplicates`). Fill ids are unique per broker by contract; the check is per order so the hot
 *    path needs no global set (a cross-order clash would surface in the journal's fills key).
 *  - broker.place throwing BrokerError → the order becomes REJECTED with the error's message. Any other
 *    exception means the outcome is unknown: the status is kept, statusMessage 'outcome unknown', and
 *    the order is flagged for reconciliation (the error goes to onError).
 *  - Listener and journal exceptions after placement are reported to onError listeners (or, if there
 *    are none, rethrown from a microtask) so one faulty consumer cannot break the update stream.
 *  - Orders returned by queries and passed to listeners are the OMS's LIVE records (typed Readonly):
 *    they change as updates arrive, without a copy per update (the hot path runs several updates per
 *    order). Copy one ({ ...order }) to keep a snapshot. The pure applyUpdate() is in ./order-state.ts.
 */
import type { Clock } from '../core/clock.js';
import {
  CLIENT_ID_RE,
  EXCHANGES,
  type Fill,
  isTerminal,
  type Order,
  type OrderRequest,
  type OrderSide,
  type OrderSource,
  ORDER_TYPES,
  PRODUCTS,
  type Product,
  VALIDITIES,
} from '../model/order.js';
import { type Broker, BrokerError, type BrokerOrderUpdate, type OrderModify, OUTCOME_UNKNOWN } from './broker.js';
import { applyUpdateInPlace, isTerminalStatus, MAX_MODIFICATIONS, modifyProblem, needsPrice, needsTrigger, RESTING_STATUSES } from './order-state.js';

export interface OrderJournalPort {
  orderChanged(order: Readonly<Order>, event: string): void;
  fill(fill: Readonly<Fill>): void;
  /**
   * Runs `fn` as one journal transaction. A fill is journalled (by `fill` or a fill listener) before the
   * order's new state; both must land together, or a crash between them leaves a fill whose order still
   * shows it unfilled, and recovery books the same execution again from the broker's trade.
   */
  atomically?(fn: () => void): void;
}

/** The journal/listener event names this OMS uses. */
export type OrderEvent = 'placed' | 'status' | 'fill' | 'modified';

export interface OrderManagerOptions {
  broker: Broker;
  journal?: OrderJournalPort;
  clock: Clock;
  /**
   * Default: the order's clientId (unique by idempotency, alphanumeric ≤ 20 like Kite's tag); if a
   * restored order already uses that id, 'O' + base-36 start time + '-' + counter. A custom
   * generator is called until it returns an id not in use.
   */
  newOrderId?: () => string;
}

export interface CancelAllFilter {
  symbol?: string;
  strategy?: string;
  side?: OrderSide;
  product?: Product;
  source?: OrderSource;
}

export interface CancelAllResult {
  /** Orders a cancel was sent for (or already acknowledged: CANCEL PENDING). */
  requested: string[];
  failed: { orderId: string; error: string }[];
}

/** A request that is malformed; nothing was recorded. */
export class OrderRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderRequestError';
  }
}

/** A modify/cancel the OMS refuses (unknown or terminal order, limit reached, …). */
export class OrderActionError extends Error {
  constructor(
    readonly orderId: string,
    message: string,
  ) {
    super(message);
    this.name = 'OrderActionError';
  }
}

const SOURCES: ReadonlySet<string> = new Set<OrderSource>(['strategy', 'manual', 'exit', 'squareoff', 'killswitch']);
const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** Why `req` is malformed, or null. */
export function requestProblem(req: Readonly<OrderRequest>): string | null {
  if (req === null || typeof req !== 'object') return 'request must be an object';
  if (typeof req.clientId !== 'string' || !CLIENT_ID_RE.test(req.clientId)) return `clientId must be 1-20 letters/digits, got ${JSON.stringify(req.clientId)}`;
  if (typeof req.symbol !== 'string' || req.symbol.length === 0) return 'symbol must be a non-empty string';
  if (!EXCHANGES.includes(req.exchange)) return `unknown exchange ${String(req.exchange)}`;
  if (req.side !== 'BUY' && req.side !== 'SELL') return `side must be BUY or SELL, got ${String(req.side)}`;
  if (!isPosInt(req.qty)) return `qty must be a positive integer, got ${String(req.qty)}`;
  if (!ORDER_TYPES.includes(req.orderType)) return `unknown orderType ${String(req.orderType)}`;
  if (!PRODUCTS.includes(req.product)) return `unknown product ${String(req.product)}`;
  if (!VALIDITIES.includes(req.validity)) return `unknown validity ${String(req.validity)}`;
  if (req.variety !== 'regular' && req.variety !== 'amo') return `unknown variety ${String(req.variety)}`;
  if (needsPrice(req.orderType)) {
    if (!isPosInt(req.pricePaise)) return `a ${req.orderType} order needs pricePaise as a positive integer, got ${String(req.pricePaise)}`;
  } else if (req.pricePaise !== undefined) return `a ${req.orderType} order takes no pricePaise`;
  if (needsTrigger(req.orderType)) {
    if (!isPosInt(req.triggerPaise)) return `a ${req.orderType} order needs triggerPaise as a positive integer, got ${String(req.triggerPaise)}`;
  } else if (req.triggerPaise !== undefined) return `a ${req.orderType} order takes no triggerPaise`;
  if (typeof req.strategy !== 'string' || req.strategy.length === 0) return 'strategy must be a non-empty string';
  if (!SOURCES.has(req.source)) return `unknown source ${String(req.source)}`;
  if (!Number.isSafeInteger(req.tsInit)) return `tsInit must be an integer epoch ms, got ${String(req.tsInit)}`;
  return null;
}

type OrderListener = (order: Readonly<Order>, event: OrderEvent) => void;
type FillListener = (fill: Readonly<Fill>, order: Readonly<Order>) => void;
type ErrorListener = (error: Error, order: Readonly<Order> | undefined) => void;

/** The OMS's record of an order: the live Order and the ids of the fills applied to it. */
interface Slot {
  order: Order;
  /** The first fill's id (most orders have one fill), then the rest. */
  fill1: string | undefined;
  fillIds: string[] | undefined;
}

function hasFill(slot: Slot, fillId: string): boolean {
  return slot.fill1 === fillId || (slot.fillIds !== undefined && slot.fillIds.includes(fillId));
}

function addFill(slot: Slot, fillId: string): void {
  if (slot.fill1 === undefined) slot.fill1 = fillId;
  else (slot.fillIds ??= []).push(fillId);
}

export class OrderManager {
  /** Updates ignored as duplicate deliveries. */
  duplicates = 0;

  private readonly broker: Broker;
  private readonly journal: OrderJournalPort | undefined;
  private readonly clock: Clock;
  private readonly customId: (() => string) | undefined;
  /** Every order by clientId, in placement (or restore) order. */
  private readonly byClient = new Map<string, Slot>();
  /** Only orders whose orderId differs from their clientId (custom ids, restored ones). */
  private readonly byId = new Map<string, Slot>();
  /** Orders that were non-terminal when added, in order; terminal ones are dropped lazily. */
  private live: Order[] = [];
  private liveDead = 0;
  /**
   * The same orders by symbol, in the same order (openOrderOf scans only its symbol's; terminal ones are
   * dropped from a symbol's list when it is scanned, and from all when `live` is compacted).
   */
  private readonly liveBySymbol = new Map<string, Order[]>();
  private fillList: Fill[] = [];
  /**
   * clientIds (and orderIds, where they differ) of the orders forgetFinished() dropped: a submit with
   * one is refused rather than placed again (the order is in the journal, no longer here).
   */
  private readonly forgotten = new Set<string>();
  private readonly reconcile = new Set<string>();
  private readonly cancelRequested = new Set<string>();
  private readonly modifyRequests = new Map<string, number>();
  private orderListeners: OrderListener[] = [];
  private fillListeners: FillListener[] = [];
  private errorListeners: ErrorListener[] = [];
  private idSeq = 0;
  private readonly idPrefix: string;

  constructor(opts: OrderManagerOptions) {
    this.broker = opts.broker;
    this.journal = opts.journal;
    this.clock = opts.clock;
    this.idPrefix = `O${Math.max(0, Math.floor(opts.clock.now())).toString(36)}-`;
    this.customId = opts.newOrderId;
    this.broker.onUpdate((u) => this.onBrokerUpdate(u));
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  /**
   * Records and places an order. Throws OrderRequestError for a malformed request (nothing recorded).
   * Returns the order as it stands after the broker's synchronous updates; with a clientId seen
   * before, returns that order and does not call the broker.
   */
  submit(req: OrderRequest): Readonly<Order> {
    const seen = this.byClient.get(req?.clientId);
    if (seen !== undefined) return seen.order;
    if (this.forgotten.size > 0 && this.forgotten.has(req?.clientId)) {
      throw new OrderRequestError(`order request ${String(req?.clientId)}: clientId already used by a finished order of an earlier trading day (see the journal); not placed again`);
    }
    const problem = requestProblem(req);
    if (problem !== null) throw new OrderRequestError(`order request ${String(req?.clientId)}: ${problem}`);
    // The default order id is the clientId itself: unique (idempotency) and the lookup just made
    // has the map bucket in cache for the insert (a second big map costs ~1 µs per order).
    let orderId = req.clientId;
    if (this.customId !== undefined || (this.byId.size > 0 && this.byId.has(orderId))) {
      orderId = this.nextId();
      for (let i = 0; this.slotOf(orderId) !== undefined || this.byClient.has(orderId) || this.forgotten.has(orderId); i++) {
        if (i > 1000) throw new Error(`newOrderId keeps returning ids already in use (last ${orderId})`);
        orderId = this.nextId();
      }
    }
    const order: Order = {
      clientId: req.clientId,
      symbol: req.symbol,
      exchange: req.exchange,
      side: req.side,
      qty: req.qty,
      orderType: req.orderType,
      product: req.product,
      validity: req.validity,
      variety: req.variety,
      pricePaise: req.pricePaise,
      triggerPaise: req.triggerPaise,
      strategy: req.strategy,
      source: req.source,
      tsInit: req.tsInit,
      orderId,
      status: 'PUT ORDER REQ RECEIVED',
      statusMessage: undefined,
      filledQty: 0,
      pendingQty: req.qty,
      cancelledQty: 0,
      filledValuePaise: 0,
      modifications: 0,
      tsUpdate: this.clock.now(),
    };
    const slot: Slot = { order, fill1: undefined, fillIds: undefined };
    this.byClient.set(order.clientId, slot);
    if (orderId !== order.clientId) this.byId.set(orderId, slot);
    this.live.push(order);
    this.addLive(order);
    if (this.journal !== undefined) {
      try {
        this.journal.orderChanged(order, 'placed');
      } catch (e) {
        // not recorded → must not be placed
        this.byId.delete(orderId);
        this.byClient.delete(order.clientId);
        this.live.pop();
        this.liveBySymbol.get(order.symbol)!.pop();
        throw e;
      }
    }
    this.announce(order, 'placed');
    try {
      this.broker.place(order);
    } catch (e) {
      if (e instanceof BrokerError) {
        if (!isTerminal(order.status)) this.ingest({ orderId, status: 'REJECTED', statusMessage: e.message, tsEvent: this.clock.now() });
      } else {
        this.reconcile.add(orderId);
        if (!isTerminal(order.status)) this.ingest({ orderId, status: order.status, statusMessage: OUTCOME_UNKNOWN, tsEvent: this.clock.now() });
        this.report(e, order);
      }
    }
    return order;
  }

  /** Sends a modification of a resting order (OPEN, TRIGGER PENDING, AMO REQ RECEIVED). */
  modify(orderId: string, changes: OrderModify): void {
    const o = this.mustGet(orderId, 'modify');
    if (isTerminal(o.status)) throw new OrderActionError(orderId, `cannot modify order ${orderId}: it is ${o.status}`);
    if (this.cancelRequested.has(orderId)) throw new OrderActionError(orderId, `cannot modify order ${orderId}: a cancel is in flight`);
    if (!RESTING_STATUSES.has(o.status)) throw new OrderActionError(orderId, `cannot modify order ${orderId} while it is ${o.status}`);
    const requested = Math.max(this.modifyRequests.get(orderId) ?? 0, o.modifications);
    if (requested >= MAX_MODIFICATIONS) throw new OrderActionError(orderId, `cannot modify order ${orderId}: Kite allows ${MAX_MODIFICATIONS} modifications per order`);
    const problem = modifyProblem(o, changes);
    if (problem !== null) throw new OrderActionError(orderId, `cannot modify order ${orderId}: ${problem}`);
    this.modifyRequests.set(orderId, requested + 1);
    try {
      this.broker.modify(orderId, { ...changes });
    } catch (e) {
      // not sent: it does not count towards the limit
      if (this.modifyRequests.get(orderId) === requested + 1) this.modifyRequests.set(orderId, requested);
      throw e;
    }
  }

  /**
   * Sends a cancel. Once the broker has acknowledged one (CANCEL PENDING) a repeated cancel does
   * nothing; before that it is sent again, so a lost request cannot strand a kill switch (a duplicate
   * cancel is harmless: the broker refuses or drops it). Throws OrderActionError for an unknown or
   * terminal order; a BrokerError from the broker propagates.
   */
  cancel(orderId: string): void {
    const o = this.mustGet(orderId, 'cancel');
    if (isTerminal(o.status)) throw new OrderActionError(orderId, `cannot cancel order ${orderId}: it is ${o.status}`);
    if (o.status === 'CANCEL PENDING') return;
    const again = this.cancelRequested.has(orderId);
    this.cancelRequested.add(orderId);
    try {
      this.broker.cancel(orderId);
    } catch (e) {
      if (!again) this.cancelRequested.delete(orderId);
      throw e;
    }
  }

  /**
   * Cancels every non-terminal order matching `filter` (all when omitted): resting ones (OPEN, TRIGGER
   * PENDING, AMO REQ RECEIVED) and those still in flight, so nothing placed before a kill switch
   * survives it. Never throws; failures are listed.
   */
  cancelAll(filter?: CancelAllFilter | ((o: Readonly<Order>) => boolean)): CancelAllResult {
    const res: CancelAllResult = { requested: [], failed: [] };
    const match =
      typeof filter === 'function'
        ? filter
        : (o: Readonly<Order>) =>
            filter === undefined ||
            ((filter.symbol === undefined || o.symbol === filter.symbol) &&
              (filter.strategy === undefined || o.strategy === filter.strategy) &&
              (filter.side === undefined || o.side === filter.side) &&
              (filter.product === undefined || o.product === filter.product) &&
              (filter.source === undefined || o.source === filter.source));
    for (const o of this.openOrders()) {
      if (isTerminal(o.status) || !match(o)) continue;
      try {
        this.cancel(o.orderId);
        res.requested.push(o.orderId);
      } catch (e) {
        res.failed.push({ orderId: o.orderId, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return res;
  }

  /**
   * Rebuilds state after a restart from journaled orders and fills, without calling the broker.
   * Only on an empty OMS. Non-terminal orders are flagged for reconciliation (needsReconcile()).
   * Throws on inconsistent input (duplicate ids, quantities that do not add up).
   */
  restore(orders: readonly Order[], fills: readonly Fill[]): void {
    if (this.byClient.size > 0 || this.fillList.length > 0) throw new Error('OrderManager.restore: only on an empty order manager');
    const ids = new Set<string>();
    const clients = new Set<string>();
    for (const o of orders) {
      if (ids.has(o.orderId)) throw new RangeError(`restore: duplicate orderId ${o.orderId}`);
      if (clients.has(o.clientId)) throw new RangeError(`restore: duplicate clientId ${o.clientId} (order ${o.orderId})`);
      const q = [o.qty, o.filledQty, o.pendingQty, o.cancelledQty];
      if (!q.every((v) => Number.isSafeInteger(v) && v >= 0) || o.filledQty + o.pendingQty + o.cancelledQty !== o.qty) {
        throw new RangeError(`restore: order ${o.orderId} quantities do not add up (qty ${o.qty}, filled ${o.filledQty}, pending ${o.pendingQty}, cancelled ${o.cancelledQty})`);
      }
      if (isTerminal(o.status) && o.pendingQty !== 0) throw new RangeError(`restore: terminal order ${o.orderId} (${o.status}) has pendingQty ${o.pendingQty}`);
      ids.add(o.orderId);
      clients.add(o.clientId);
    }
    for (const o of orders) {
      const copy: Order = { ...o };
      const slot: Slot = { order: copy, fill1: undefined, fillIds: undefined };
      this.byClient.set(o.clientId, slot);
      if (o.orderId !== o.clientId) this.byId.set(o.orderId, slot);
      if (!isTerminal(o.status)) {
        this.live.push(copy);
        this.addLive(copy);
        this.reconcile.add(o.orderId);
      }
    }
    const seen = new Set<string>();
    for (const f of fills) {
      if (seen.has(f.fillId)) continue;
      seen.add(f.fillId);
      this.fillList.push({ ...f });
      const slot = this.slotOf(f.orderId);
      if (slot !== undefined) addFill(slot, f.fillId);
    }
  }

  /**
   * Drops from memory the orders that finished (reached a terminal status) before `beforeMs`, and their
   * fills: the trading-day roll calls it with the new day's start, so a long session holds today's orders
   * (placed or finished today: a DAY order the roll expires shows until the next roll) and the open ones
   * rather than every order it ever placed (the journal keeps them all). Orders still open —
   * resting AMO/GTT-like ones, in flight, outcome unknown, awaiting reconciliation — stay whatever their
   * age, with their fills, so updates, lookups and reconciliation keep working for them. A later submit
   * with a dropped order's clientId is refused (OrderRequestError), not placed again. Returns the number
   * of orders dropped.
   */
  forgetFinished(beforeMs: number): number {
    let dropped = 0;
    for (const [clientId, slot] of this.byClient) {
      const o = slot.order;
      if (o.tsUpdate >= beforeMs || !isTerminal(o.status) || this.reconcile.has(o.orderId)) continue;
      this.byClient.delete(clientId);
      this.forgotten.add(clientId);
      if (o.orderId !== clientId) {
        this.byId.delete(o.orderId);
        this.forgotten.add(o.orderId);
      }
      this.cancelRequested.delete(o.orderId);
      this.modifyRequests.delete(o.orderId);
      dropped++;
    }
    if (dropped > 0) {
      this.fillList = this.fillList.filter((f) => this.slotOf(f.orderId) !== undefined);
      this.compactLive();
    }
    return dropped;
  }

  /** Clears an order's reconciliation flag (the reconciler has aligned it with the broker). */
  markReconciled(orderId: string): void {
    this.reconcile.delete(orderId);
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  get(orderId: string): Readonly<Order> | undefined {
    return this.slotOf(orderId)?.order;
  }

  byClientId(clientId: string): Readonly<Order> | undefined {
    return this.byClient.get(clientId)?.order;
  }

  /** Every order, in placement (or restore) order. */
  orders(): Readonly<Order>[] {
    const out: Readonly<Order>[] = [];
    for (const s of this.byClient.values()) out.push(s.order);
    return out;
  }

  /** Non-terminal orders. */
  openOrders(): Readonly<Order>[] {
    const out: Readonly<Order>[] = [];
    for (const o of this.live) if (!isTerminal(o.status)) out.push(o);
    return out;
  }

  /** The first non-terminal order of `symbol` placed for `strategy` (as openOrders() would list it), without building the list. */
  openOrderOf(symbol: string, strategy: string): Readonly<Order> | undefined {
    const list = this.liveBySymbol.get(symbol);
    if (list === undefined) return undefined;
    // the symbol's orders only (placement order, as in openOrders()), dropping the finished ones on the way
    let found: Order | undefined;
    let w = 0;
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      if (isTerminalStatus(o.status)) continue;
      list[w++] = o;
      if (found === undefined && o.strategy === strategy) found = o;
    }
    list.length = w;
    return found;
  }

  /** Every fill, in arrival order (a read-only view, not a copy). */
  fills(): readonly Fill[] {
    return this.fillList;
  }

  /** Orders whose broker state is uncertain: restored non-terminal ones, unknown outcomes, rejected updates. */
  needsReconcile(): Readonly<Order>[] {
    const out: Readonly<Order>[] = [];
    for (const id of this.reconcile) {
      const o = this.slotOf(id)?.order;
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  onOrder(fn: OrderListener): () => void {
    this.orderListeners = [...this.orderListeners, fn];
    return () => {
      this.orderListeners = this.orderListeners.filter((l) => l !== fn);
    };
  }

  onFill(fn: FillListener): () => void {
    this.fillListeners = [...this.fillListeners, fn];
    return () => {
      this.fillListeners = this.fillListeners.filter((l) => l !== fn);
    };
  }

  /** Rejected broker updates, journal/listener failures and unknown placement outcomes. */
  onError(fn: ErrorListener): () => void {
    this.errorListeners = [...this.errorListeners, fn];
    return () => {
      this.errorListeners = this.errorListeners.filter((l) => l !== fn);
    };
  }

  // -------------------------------------------------------------------------------------------
  // Broker updates

  private onBrokerUpdate(u: BrokerOrderUpdate): void {
    try {
      // a fill and the order state it leads to are journalled together (OrderJournalPort.atomically)
      if (u.fill !== undefined && this.journal?.atomically !== undefined) this.journal.atomically(() => this.ingest(u));
      else this.ingest(u);
    } catch (e) {
      this.report(e, this.slotOf(u.orderId)?.order);
    }
  }

  private ingest(u: BrokerOrderUpdate): void {
    const slot = this.slotOf(u.orderId);
    if (slot === undefined) {
      this.report(new Error(`broker update for unknown order ${String(u.orderId)} (${String(u.status)}) ignored`), undefined);
      return;
    }
    const cur = slot.order;
    const f = u.fill;
    if (f !== undefined && hasFill(slot, f.fillId)) {
      this.duplicates++;
      return;
    }
    if (f === undefined && u.modified === undefined && isTerminalStatus(cur.status) && u.status === cur.status) {
      this.duplicates++;
      return;
    }
    const prevStatus = cur.status;
    let next: Order;
    try {
      // in place: all checks run before the first write, so a refused update leaves `cur` as it was
      next = applyUpdateInPlace(cur, u);
    } catch (e) {
      this.reconcile.add(cur.orderId);
      this.report(e, cur);
      return;
    }
    const id = next.orderId;
    if (isTerminalStatus(next.status)) {
      if (++this.liveDead > 256 && this.liveDead * 2 > this.live.length) this.compactLive();
      if (this.cancelRequested.size > 0) this.cancelRequested.delete(id);
      if (this.modifyRequests.size > 0) this.modifyRequests.delete(id);
      if (this.reconcile.size > 0) this.reconcile.delete(id);
    } else {
      if (next.statusMessage === OUTCOME_UNKNOWN) this.reconcile.add(id);
      if (prevStatus === 'CANCEL PENDING' && next.status !== 'CANCEL PENDING') this.cancelRequested.delete(id);
    }
    const event: OrderEvent = f !== undefined ? 'fill' : u.modified !== undefined ? 'modified' : 'status';
    if (f !== undefined) {
      const fill: Fill = {
        fillId: f.fillId,
        orderId: id,
        clientId: next.clientId,
        symbol: next.symbol,
        exchange: next.exchange,
        side: next.side,
        product: next.product,
        strategy: next.strategy,
        qty: f.qty,
        pricePaise: f.pricePaise,
        tsEvent: u.tsEvent,
      };
      addFill(slot, f.fillId);
      this.fillList.push(fill);
      if (this.journal !== undefined) {
        try {
          this.journal.fill(fill);
        } catch (e) {
          this.report(e, next);
        }
      }
      const ls = this.fillListeners;
      for (let i = 0; i < ls.length; i++) {
        try {
          ls[i]!(fill, next);
        } catch (e) {
          this.report(e, next);
        }
      }
    }
    if (this.journal !== undefined) {
      try {
        this.journal.orderChanged(next, event);
      } catch (e) {
        this.report(e, next);
      }
    }
    this.announce(next, event);
  }

  private announce(o: Order, event: OrderEvent): void {
    const ls = this.orderListeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i]!(o, event);
      } catch (e) {
        this.report(e, o);
      }
    }
  }

  private report(e: unknown, order: Readonly<Order> | undefined): void {
    const err = e instanceof Error ? e : new Error(String(e));
    const ls = this.errorListeners;
    if (ls.length === 0) {
      queueMicrotask(() => {
        throw err;
      });
      return;
    }
    for (const l of ls) {
      try {
        l(err, order);
      } catch {
        // an error listener that throws has nowhere left to report to
      }
    }
  }

  private slotOf(orderId: string): Slot | undefined {
    if (this.byId.size > 0) {
      const s = this.byId.get(orderId);
      if (s !== undefined) return s;
    }
    const s = this.byClient.get(orderId);
    return s !== undefined && s.order.orderId === orderId ? s : undefined;
  }

  private nextId(): string {
    return this.customId !== undefined ? this.customId() : `${this.idPrefix}${++this.idSeq}`;
  }

  private compactLive(): void {
    this.live = this.live.filter((o) => !isTerminal(o.status));
    this.liveDead = 0;
    this.liveBySymbol.clear();
    for (const o of this.live) this.addLive(o);
  }

  private addLive(o: Order): void {
    const list = this.liveBySymbol.get(o.symbol);
    if (list === undefined) this.liveBySymbol.set(o.symbol, [o]);
    else list.push(o);
  }

  private mustGet(orderId: string, what: string): Order {
    const o = this.slotOf(orderId)?.order;
    if (o === undefined) throw new OrderActionError(orderId, `cannot ${what} order ${orderId}: unknown order`);
    return o;
  }
}

