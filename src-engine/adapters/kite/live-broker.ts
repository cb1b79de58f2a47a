/**
 * KiteLiveBroker: the Broker port (execution/broker.ts) over Kite Connect, through KiteRest.
 *
 * Ids. The OMS's orderId stays OURS; Kite's order_id is kept in a map (brokerOrderId()). Our clientId
 * goes to Kite as `tag` — a correlation id only: Kite does not de-duplicate on it (platform-notes §4.4),
 * so an order is NEVER placed twice by this class, whatever happens.
 *
 * place(order) returns synchronously; the request runs in the background:
 *  - it throws BrokerError only when nothing was sent: a duplicate orderId/clientId, parameters KiteRest
 *    refuses locally (bad tag, missing price…), an expired session;
 *  - Kite answers with an order id → the id is mapped; the order's life arrives as Kite reports it (WS
 *    order messages via onKiteOrderUpdate(), poll(), the refresh after a modify/cancel);
 *  - a definite refusal (HTTP 4xx: InputException, OrderException, 429…, or a KiteRefusal such as the
 *    local order cap) → REJECTED with Kite's (redacted) message;
 *  - no answer / timeout / 5xx → an update that keeps the status with statusMessage OUTCOME_UNKNOWN, then
 *    resolution by tag: orders() is read up to `lookupAttempts` times, `lookupIntervalMs` apart
 *    (hummingbot's ORDER_NOT_FOUND_COUNT_LIMIT idea). Found → mapped and brought up to date. A failed
 *    read is NOT a miss ("a missing answer is never flat"). Only after N definite misses the order is
 *    REJECTED with 'not found at broker after N checks'. If it shows up later after all (WS or poll), it
 *    is recorded in orphans() and logged as an error: it is live at Kite but terminal in the OMS.
 *
 * Kite rows → BrokerOrderUpdates (applyRow). A mirror of the OMS's order (same state machine,
 * applyUpdate) is kept per order, so what is emitted is what the OMS will accept:
 *  - statuses are Kite's wire strings; a stale row (lower filled_quantity, or a status the lifecycle
 *    cannot reach from the current one, e.g. OPEN PENDING after OPEN) is dropped; the same state twice
 *    emits nothing. Kite's UPDATE (WS: partial fill / modify) and transient MODIFIED are inferred from the
 *    row's content (fill → OPEN, changed parameters → the resting status); when nothing visible changed,
 *    the order's history is fetched instead of guessing (e.g. an SL that triggered);
 *  - fills come from increases of filled_quantity. With trade rows (poll, reconcile, refresh) each
 *    trade becomes one fill: fillId = trade_id, exact price. Without them (WS messages) one fill of the
 *    increase: fillId `${kiteOrderId}-${filledQty}`, price = (average_price × filled − value already
 *    reported) / increase, rounded to the paisa (exact for the first fill at one price; Kite's
 *    average_price is itself rounded to the paisa);
 *  - parameter changes (quantity, price, trigger, order type, validity) at a resting status become the
 *    modify ack (`modified`). A protected market order shows in Kite's book as LIMIT (tags `mktp`): that is
 *    read as MARKET, not as a modification;
 *  - a snapshot fetched before a fresher row was applied to the same order is not applied (a REST
 *    answer must not undo a streamed fill).
 *
 * modify/cancel: unknown order → BrokerError ORDER_NOT_FOUND; terminal → ORDER_TERMINAL; a modify before
 * Kite's order id is known → ORDER_IN_FLIGHT (a cancel then waits for the id and is sent when it
 * arrives). The request is then sent once (never retried). Kite's refusal cannot be thrown from a void
 * method that has already returned, so it is (a) reported as an update that returns the order to its
 * resting status with 'modify rejected: <Kite's message>' / 'cancel rejected: …' (for a cancel via
 * CANCEL PENDING, so the OMS may cancel again), and (b) thrown as BrokerError(<Kite's error_type>, Kite's
 * message) by modifyAsync()/cancelAsync(), which callers that want the refusal can await. An ambiguous
 * failure (no answer) is followed by a refresh; if that also fails the order gets OUTCOME_UNKNOWN.
 *
 * reconcile(orders) (startup): each non-terminal order is looked up by Kite order id (then a targeted
 * orderHistory when orders() lacks it) or by tag, and brought up to date. Not found after the checks →
 * listed in `notFound`, NOTHING is emitted (the OMS keeps it flagged; never assumed flat or cancelled);
 * a later WS/poll row with its tag still links it.
 *
 * Timestamps: tsEvent is clock.now() when the update is made (Kite's own times have second resolution
 * and the simulator's are simulated time).
 */
import type { Clock } from '../../core/clock.js';
import { type Broker, BrokerError, type BrokerOrderUpdate, type OrderModify, OUTCOME_UNKNOWN } from '../../execution/broker.js';
import { ALL_STATUSES, applyUpdate, canTransition, FILL_STATUSES, isTerminalStatus, needsPrice, needsTrigger, RESTING_STATUSES } from '../../execution/order-state.js';
import { ORDER_TYPES, type Order, type OrderStatus, type OrderType, type Variety } from '../../model/order.js';
import { KiteError, redact } from './errors.js';
import { isValidTag, type ModifyOrderParams, type PlaceOrderParams, type PlaceOrderResult } from './rest-client.js';
import { type KiteOrder, type KiteTrade, mapOrder } from './rest-types.js';

/** What the broker needs from KiteRest (KiteRest satisfies it; tests pass a fake). */
export interface KiteRestPort {
  placeOrder(p: PlaceOrderParams): Promise<PlaceOrderResult>;
  modifyOrder(variety: Variety, orderId: string, p: ModifyOrderParams): Promise<string>;
  cancelOrder(variety: Variety, orderId: string): Promise<string>;
  orders(): Promise<KiteOrder[]>;
  orderHistory(orderId: string): Promise<KiteOrder[]>;
  trades(): Promise<KiteTrade[]>;
  orderTrades(orderId: string): Promise<KiteTrade[]>;
  readonly sessionExpired?: boolean;
  /** Local validation without sending (KiteRest#buildOrderFields); throws on bad params. */
  buildOrderFields?(p: PlaceOrderParams): unknown;
}

export type LiveBrokerLogFn = (level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;

export interface KiteLiveBrokerOptions {
  rest: KiteRestPort;
  clock: Clock;
  /** market_protection sent with MARKET and SL-M orders (mandatory since 2026-04-01): -1 = auto (default) or a percent in (0, 100]. */
  marketProtection?: number;
  /** Interval of the poll timer started by start(), ms (default 5000). */
  pollMs?: number;
  /** Definite misses in orders() before an unknown placement is concluded not placed (default 3). */
  lookupAttempts?: number;
  /** Wait before each of those checks, ms (default 1000). */
  lookupIntervalMs?: number;
  /** Failed reads tolerated while resolving one unknown placement before giving up (it then stays OUTCOME_UNKNOWN; default 10). */
  lookupMaxErrors?: number;
  /** Read the order's history after a modify/cancel answer, so the ack arrives without a WS message (default true). */
  refreshAfterAction?: boolean;
  sleep?: (ms: number) => Promise<void>;
  log?: LiveBrokerLogFn;
}

/** An order at Kite carrying one of our tags that the OMS does not track as live. */
export interface KiteOrphan {
  brokerOrderId: string;
  tag: string;
  /** Our order with that tag. */
  orderId: string;
  /** late: it appeared after we concluded 'not found'; duplicate: a second Kite order with the tag. */
  reason: 'late' | 'duplicate';
  kiteStatus: string;
}

export interface KiteResolution {
  orderId: string;
  outcome: 'found' | 'not-found';
  brokerOrderId?: string;
}

export interface ReconcileReport {
  /** Orders found at Kite and brought up to date (the caller may clear their reconcile flag). */
  aligned: string[];
  /** Not found after the checks: still flagged, nothing emitted. */
  notFound: string[];
  /** orders() never answered often enough to decide: still flagged. */
  unchecked: string[];
  /** The last read error, when there was one. */
  error?: string;
}

export interface PollReport {
  /** Rows in Kite's order book. */
  rows: number;
  /** Updates emitted by this poll. */
  updates: number;
  /** Set when orders() failed (nothing was changed). */
  error?: string;
}

type Phase = 'placing' | 'unknown' | 'live' | 'lost' | 'done';

interface Track {
  orderId: string;
  clientId: string;
  brokerId: string | undefined;
  phase: Phase;
  /** The OMS's view of the order, advanced by every update we emit. */
  order: Order;
  /** The resting status before the current transient one (for refusals). */
  lastResting: OrderStatus | undefined;
  /** this.seq when a row was last applied. */
  seq: number;
  /** Changes we asked Kite for and have not seen applied (explains an order-type change). */
  pendingModify: OrderModify | undefined;
  cancelQueued: boolean;
  /** The request for this track was made: the not-found REJECTED is an inference. */
  concludedNotFound: boolean;
  refreshing: boolean;
}

interface EmitInput {
  status: OrderStatus;
  statusMessage?: string | undefined;
  fill?: { fillId: string; qty: number; pricePaise: number };
  modified?: OrderModify;
}

interface FillPart {
  fillId: string;
  qty: number;
  pricePaise: number;
}

const KITE_STATUSES: ReadonlySet<string> = new Set<string>(ALL_STATUSES);
/** Order sources that reduce risk: sent as `reducing` (the order pacer queues them instead of refusing a long wait). */
const REDUCING_SOURCES: ReadonlySet<string> = new Set(['exit', 'squareoff', 'killswitch']);
const MODIFY_ACK_FROM: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['OPEN', 'TRIGGER PENDING', 'AMO REQ RECEIVED', 'MODIFY VALIDATION PENDING', 'MODIFY PENDING']);

function message(e: unknown): string {
  if (e instanceof Error) return redact(e.message);
  return redact(String(e));
}

/** A KiteError that certainly means "not done" (a 4xx answer, or refused before sending). */
function isDefiniteRefusal(e: unknown): e is KiteError {
  return e instanceof KiteError && !e.ambiguous && e.kind !== 'general';
}

function errorCode(e: KiteError): string {
  return e.errorType ?? (e.kind === 'rate_limit' ? 'RATE_LIMIT' : e.kind === 'token' ? 'TokenException' : `KITE_${e.kind.toUpperCase()}`);
}

function isProtectedMarket(row: KiteOrder): boolean {
  return row.tags.some((t) => t === 'mktp' || t.startsWith('mktp:'));
}

/**
 * Our order type for a Kite row. A protected MARKET order shows in Kite's book as LIMIT (tags `mktp`,
 * kite-protocol §2.6), so LIMIT is read as a change away from MARKET only when we asked for it (and the
 * row has the price we asked for); an unchanged type is never a change, whatever the tags say.
 */
function effectiveType(o: Readonly<Order>, row: KiteOrder, pending: OrderModify | undefined): OrderType {
  const rt = (ORDER_TYPES as readonly string[]).includes(row.orderType) ? (row.orderType as OrderType) : undefined;
  if (rt === undefined) return o.orderType;
  const want = pending?.orderType;
  if (want !== undefined && want !== o.orderType) {
    const priceOk = pending?.pricePaise === undefined || row.pricePaise === pending.pricePaise;
    if (want === rt && priceOk) return rt;
    if (want === 'MARKET' && rt === 'LIMIT' && isProtectedMarket(row)) return 'MARKET';
  }
  if (rt === o.orderType) return rt;
  if (o.orderType === 'MARKET' && rt === 'LIMIT') return 'MARKET';
  if (o.orderType === 'SL-M' && rt === 'SL') return 'SL-M';
  if (want === undefined && rt === 'LIMIT' && isProtectedMarket(row)) return 'MARKET';
  return rt;
}

function isKiteOrder(v: unknown): v is KiteOrder {
  return typeof v === 'object' && v !== null && typeof (v as { orderId?: unknown }).orderId === 'string' && Array.isArray((v as { tags?: unknown }).tags);
}

export class KiteLiveBroker implements Broker {
  readonly kind = 'live' as const;

  private readonly rest: KiteRestPort;
  private readonly clock: Clock;
  private readonly marketProtection: number;
  private readonly pollMs: number;
  private readonly lookupAttempts: number;
  private readonly lookupIntervalMs: number;
  private readonly lookupMaxErrors: number;
  private readonly refreshAfterAction: boolean;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: LiveBrokerLogFn;

  private readonly byOrder = new Map<string, Track>();
  private readonly byClient = new Map<string, Track>();
  private readonly byBroker = new Map<string, Track>();
  private readonly orphanList: KiteOrphan[] = [];
  private listeners: ((u: BrokerOrderUpdate) => void)[] = [];
  private resolveListeners: ((r: KiteResolution) => void)[] = [];
  private seq = 0;
  /** Updates emitted so far (PollReport.updates). */
  private emitted = 0;
  private polling: Promise<PollReport> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private readonly background = new Set<Promise<unknown>>();

  constructor(opts: KiteLiveBrokerOptions) {
    const mp = opts.marketProtection ?? -1;
    if (!(mp === -1 || (Number.isFinite(mp) && mp > 0 && mp <= 100))) {
      throw new RangeError(`KiteLiveBroker: marketProtection must be -1 (auto) or a percent in (0, 100], got ${String(mp)} (Kite rejects market orders without protection)`);
    }
    const posInt = (v: number, name: string) => {
      if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`KiteLiveBroker: ${name} must be a positive integer, got ${String(v)}`);
      return v;
    };
    this.rest = opts.rest;
    this.clock = opts.clock;
    this.marketProtection = mp;
    this.pollMs = posInt(opts.pollMs ?? 5000, 'pollMs');
    this.lookupAttempts = posInt(opts.lookupAttempts ?? 3, 'lookupAttempts');
    this.lookupIntervalMs = Math.max(0, opts.lookupIntervalMs ?? 1000);
    this.lookupMaxErrors = posInt(opts.lookupMaxErrors ?? 10, 'lookupMaxErrors');
    this.refreshAfterAction = opts.refreshAfterAction ?? true;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.log = opts.log ?? (() => undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Broker port

  place(order: Readonly<Order>): void {
    if (this.closed) throw new BrokerError('NO_BROKER', 'the Kite live broker is closed');
    if (this.byOrder.has(order.orderId)) throw new BrokerError('DUPLICATE_ORDER', `order ${order.orderId} was already sent to Kite`);
    if (this.byClient.has(order.clientId)) throw new BrokerError('DUPLICATE_ORDER', `an order with clientId ${order.clientId} was already sent to Kite`);
    if (!isValidTag(order.clientId)) throw new BrokerError('INVALID_REQUEST', `clientId ${JSON.stringify(order.clientId)} cannot be a Kite tag (1–20 letters/digits)`);
    const params = this.placeParams(order);
    if (this.rest.sessionExpired === true) throw new BrokerError('SESSION_EXPIRED', 'the Kite session has expired; log in again (order not sent)');
    if (this.rest.buildOrderFields) {
      try {
        this.rest.buildOrderFields(params);
      } catch (e) {
        throw new BrokerError('INVALID_REQUEST', message(e));
      }
    }
    const t = this.track({ ...order }, 'placing');
    this.spawn(this.sendPlace(t, params));
  }

  modify(orderId: string, changes: OrderModify): void {
    const run = this.startModify(orderId, changes);
    this.spawn(run.catch(() => undefined));
  }

  cancel(orderId: string): void {
    const run = this.startCancel(orderId);
    this.spawn(run.catch(() => undefined));
  }

  onUpdate(listener: (u: BrokerOrderUpdate) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  // -------------------------------------------------------------------------------------------
  // More API

  /**
   * Like modify(), but the promise settles with Kite's answer: rejects with BrokerError (Kite's
   * error_type as code, Kite's message) on a refusal, 'OUTCOME_UNKNOWN' when no answer came. Synchronous
   * refusals (unknown / terminal order) reject too. The updates are emitted either way.
   */
  modifyAsync(orderId: string, changes: OrderModify): Promise<void> {
    try {
      return this.startModify(orderId, changes);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Like cancel(), settling with Kite's answer (see modifyAsync). */
  cancelAsync(orderId: string): Promise<void> {
    try {
      return this.startCancel(orderId);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Kite's order id for our order, once known. */
  brokerOrderId(orderId: string): string | undefined {
    return this.byOrder.get(orderId)?.brokerId;
  }

  /** Our order id for a Kite order id. */
  orderIdOf(brokerOrderId: string): string | undefined {
    return this.byBroker.get(brokerOrderId)?.orderId;
  }

  /** Kite orders with our tags that the OMS does not track as live (see KiteOrphan). Alert on these. */
  orphans(): readonly KiteOrphan[] {
    return this.orphanList;
  }

  /** An unknown placement was resolved: found at Kite (the kernel may clear its reconcile flag) or concluded not placed. */
  onResolved(listener: (r: KiteResolution) => void): () => void {
    this.resolveListeners = [...this.resolveListeners, listener];
    return () => {
      this.resolveListeners = this.resolveListeners.filter((l) => l !== listener);
    };
  }

  /**
   * A Kite order row from the ticker's `{"type":"order"}` messages (raw JSON as the ticker delivers it,
   * or an already mapped KiteOrder). Rows of orders that are not ours are ignored. Never throws.
   */
  onKiteOrderUpdate(data: unknown): void {
    try {
      const row = isKiteOrder(data) ? data : mapOrder(data);
      if (!row.orderId) return;
      const t = this.trackForRow(row);
      if (t === undefined) return;
      this.applyRow(t, row, undefined, 'ws');
    } catch (e) {
      this.log('error', `Kite order update not applied: ${message(e)}`);
    }
  }

  /**
   * Reads the order book (and, when an order of ours filled more, the trades) and applies what changed.
   * Never rejects: a failed read is reported in the result and changes nothing. Concurrent calls share
   * one run.
   */
  poll(): Promise<PollReport> {
    this.polling ??= this.runPoll().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  /** Starts polling every pollMs (call poll() after every ticker reconnect too). */
  start(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setInterval(() => {
      void this.poll();
    }, this.pollMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops the poll timer and every background resolution; waits for requests in flight. */
  async close(): Promise<void> {
    this.stop();
    this.closed = true;
    await Promise.allSettled([...this.background]);
  }

  /** Background work in flight (placements, resolutions, refreshes); tests await it. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /**
   * Startup reconciliation: finds each non-terminal order at Kite — by Kite order id (from `brokerIds`
   * or this broker's map; orderHistory when today's book lacks it) or by tag = clientId — and emits the
   * updates that bring it up to date. Orders not found after lookupAttempts definite checks are listed
   * in notFound and left alone (still flagged in the OMS); they stay watched, so a later row with their
   * tag links them.
   */
  async reconcile(orders: readonly Readonly<Order>[], opts: { brokerIds?: ReadonlyMap<string, string> } = {}): Promise<ReconcileReport> {
    const report: ReconcileReport = { aligned: [], notFound: [], unchecked: [] };
    const pending = new Set<Track>();
    for (const o of orders) {
      if (isTerminalStatus(o.status)) continue;
      let t = this.byOrder.get(o.orderId);
      if (t === undefined) {
        const other = this.byClient.get(o.clientId);
        if (other !== undefined) {
          this.log('error', `reconcile: order ${o.orderId} has clientId ${o.clientId}, already used by order ${other.orderId}; skipped`);
          report.unchecked.push(o.orderId);
          continue;
        }
        t = this.track({ ...o }, 'lost');
      }
      const known = opts.brokerIds?.get(o.orderId);
      if (known !== undefined && t.brokerId === undefined) this.link(t, known, false);
      if (t.phase !== 'done') pending.add(t);
    }
    let misses = 0;
    let errors = 0;
    while (pending.size > 0 && misses < this.lookupAttempts && !this.closed) {
      const s = this.seq;
      let rows: KiteOrder[];
      try {
        rows = await this.rest.orders();
      } catch (e) {
        report.error = message(e);
        if (++errors >= this.lookupMaxErrors) break;
        await this.sleep(this.lookupIntervalMs);
        continue;
      }
      const found: [Track, KiteOrder][] = [];
      for (const t of pending) {
        let row = t.brokerId !== undefined ? rows.find((r) => r.orderId === t.brokerId) : undefined;
        row ??= this.findByTag(rows, t.clientId);
        if (row === undefined && t.brokerId !== undefined) {
          // a targeted look before any "not found" verdict (orders() holds only today's book)
          try {
            row = (await this.rest.orderHistory(t.brokerId)).at(-1);
          } catch (e) {
            this.log('warn', `reconcile: order history of Kite order ${t.brokerId} (${t.orderId}) failed: ${message(e)}`);
          }
        }
        if (row !== undefined) found.push([t, row]);
      }
      const trades = found.some(([t, r]) => r.filledQuantity > t.order.filledQty) ? await this.tradesByOrder() : undefined;
      for (const [t, row] of found) {
        pending.delete(t);
        if (t.brokerId === undefined) this.link(t, row.orderId, false);
        if (t.seq <= s) this.applyRow(t, row, trades?.get(row.orderId), 'reconcile');
        report.aligned.push(t.orderId);
      }
      if (pending.size === 0) break;
      if (++misses < this.lookupAttempts) await this.sleep(this.lookupIntervalMs);
    }
    // (their tracks stay registered: a later WS/poll row with the tag or Kite id still links them)
    for (const t of pending) (misses >= this.lookupAttempts ? report.notFound : report.unchecked).push(t.orderId);
    if (report.notFound.length > 0) this.log('warn', `reconcile: ${report.notFound.length} order(s) not found at Kite after ${this.lookupAttempts} checks; left flagged`, { orders: report.notFound });
    return report;
  }

  // -------------------------------------------------------------------------------------------
  // Placement

  private placeParams(o: Readonly<Order>): PlaceOrderParams {
    const p: PlaceOrderParams = {
      variety: o.variety,
      exchange: o.exchange,
      tradingsymbol: o.symbol,
      transactionType: o.side,
      orderType: o.orderType,
      product: o.product,
      quantity: o.qty,
      validity: o.validity,
      tag: o.clientId,
    };
    if (needsPrice(o.orderType)) p.pricePaise = o.pricePaise!;
    if (needsTrigger(o.orderType)) p.triggerPricePaise = o.triggerPaise!;
    if (o.orderType === 'MARKET' || o.orderType === 'SL-M') p.marketProtection = this.marketProtection;
    // exits, square-offs and kill-switch flattens queue at the order pace however long the queue (never refused by its wait limit)
    if (REDUCING_SOURCES.has(o.source)) p.reducing = true;
    return p;
  }

  private async sendPlace(t: Track, params: PlaceOrderParams): Promise<void> {
    let res: PlaceOrderResult;
    try {
      res = await this.rest.placeOrder(params);
    } catch (e) {
      // KiteRest throws only when nothing was sent (KiteRefusal); anything else: we cannot know
      res = isDefiniteRefusal(e) ? { outcome: 'rejected', tag: params.tag, error: e } : { outcome: 'unknown', tag: params.tag, error: new KiteError('general', message(e)) };
    }
    if (res.outcome === 'placed') {
      if (t.brokerId !== undefined && t.brokerId !== res.orderId) {
        this.orphan(t, res.orderId, 'duplicate', '?');
        return;
      }
      if (t.brokerId === undefined) this.link(t, res.orderId);
      if (t.phase === 'placing') t.phase = 'live';
      if (t.cancelQueued) this.flushQueuedCancel(t);
      return;
    }
    if (t.brokerId !== undefined) {
      // the order stream already showed it at Kite: trust that over the failed answer
      this.log('warn', `placeOrder for ${t.orderId} answered ${res.outcome} (${res.error.message}), but Kite order ${t.brokerId} carries its tag; following that order`);
      return;
    }
    if (res.outcome === 'rejected') {
      this.log('info', `Kite refused order ${t.orderId}: ${res.error.message}`);
      this.emit(t, { status: 'REJECTED', statusMessage: res.error.message || 'rejected by Kite' });
      return;
    }
    this.log('warn', `placeOrder for ${t.orderId} (tag ${t.clientId}): outcome unknown (${res.error.message}); looking it up by tag`);
    t.phase = 'unknown';
    this.emit(t, { status: t.order.status, statusMessage: OUTCOME_UNKNOWN });
    await this.resolveUnknown(t);
  }

  /** Looks an unknown placement up by tag; N definite misses → REJECTED. Never places again. */
  private async resolveUnknown(t: Track): Promise<void> {
    let misses = 0;
    let errors = 0;
    while (t.phase === 'unknown' && !this.closed) {
      await this.sleep(this.lookupIntervalMs);
      if (t.phase !== 'unknown' || this.closed) return;
      const s = this.seq;
      let rows: KiteOrder[];
      try {
        rows = await this.rest.orders();
      } catch (e) {
        if (++errors >= this.lookupMaxErrors) {
          this.log('error', `order ${t.orderId} (tag ${t.clientId}): ${errors} failed order-book reads while resolving an unknown placement; left OUTCOME_UNKNOWN`, { error: message(e) });
          return;
        }
        continue;
      }
      if (t.phase !== 'unknown') return;
      const row = this.findByTag(rows, t.clientId);
      if (row !== undefined) {
        this.link(t, row.orderId);
        const trades = row.filledQuantity > t.order.filledQty ? await this.orderTrades(row.orderId) : undefined;
        if (t.seq <= s && !isTerminalStatus(t.order.status)) this.applyRow(t, row, trades, 'lookup');
        return;
      }
      misses++;
      this.log('info', `order ${t.orderId} (tag ${t.clientId}) not in Kite's order book (check ${misses} of ${this.lookupAttempts})`);
      if (misses >= this.lookupAttempts) {
        t.concludedNotFound = true;
        this.emit(t, { status: 'REJECTED', statusMessage: `not found at broker after ${misses} checks` });
        this.resolved({ orderId: t.orderId, outcome: 'not-found' });
        return;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Modify / cancel

  private actionable(orderId: string, what: 'modify' | 'cancel'): Track {
    const t = this.byOrder.get(orderId);
    if (t === undefined) throw new BrokerError('ORDER_NOT_FOUND', `cannot ${what} order ${orderId}: not known to the Kite live broker`);
    if (isTerminalStatus(t.order.status)) throw new BrokerError('ORDER_TERMINAL', `cannot ${what} order ${orderId}: it is ${t.order.status}`);
    return t;
  }

  private startModify(orderId: string, changes: OrderModify): Promise<void> {
    const t = this.actionable(orderId, 'modify');
    if (t.brokerId === undefined) throw new BrokerError('ORDER_IN_FLIGHT', `cannot modify order ${orderId}: Kite has not confirmed it yet`);
    if (this.rest.sessionExpired === true) throw new BrokerError('SESSION_EXPIRED', 'the Kite session has expired; log in again (modification not sent)');
    const p: ModifyOrderParams = {};
    if (changes.qty !== undefined) p.quantity = changes.qty;
    if (changes.pricePaise !== undefined) p.pricePaise = changes.pricePaise;
    if (changes.triggerPaise !== undefined) p.triggerPricePaise = changes.triggerPaise;
    if (changes.orderType !== undefined) p.orderType = changes.orderType;
    if (changes.validity !== undefined) p.validity = changes.validity;
    const type = changes.orderType ?? t.order.orderType;
    if (type === 'MARKET' || type === 'SL-M') p.marketProtection = this.marketProtection;
    t.pendingModify = { ...changes };
    return this.sendModify(t, t.brokerId, p);
  }

  private async sendModify(t: Track, brokerId: string, p: ModifyOrderParams): Promise<void> {
    try {
      await this.rest.modifyOrder(t.order.variety, brokerId, p);
    } catch (e) {
      const msg = message(e);
      if (isDefiniteRefusal(e)) {
        t.pendingModify = undefined;
        await this.refresh(t);
        const cur = t.order.status;
        if (!isTerminalStatus(cur)) this.emit(t, { status: RESTING_STATUSES.has(cur) ? cur : this.restingOf(t), statusMessage: `modify rejected: ${msg}` });
        throw new BrokerError(errorCode(e), msg);
      }
      if (!(await this.refresh(t)) && !isTerminalStatus(t.order.status)) this.emit(t, { status: t.order.status, statusMessage: OUTCOME_UNKNOWN });
      throw new BrokerError('OUTCOME_UNKNOWN', `modify of order ${t.orderId}: no answer from Kite (${msg})`);
    }
    if (this.refreshAfterAction) await this.refresh(t);
  }

  private startCancel(orderId: string): Promise<void> {
    const t = this.actionable(orderId, 'cancel');
    if (t.brokerId === undefined) {
      // placement not confirmed yet: cancel as soon as Kite's order id is known (a kill switch must not miss it)
      t.cancelQueued = true;
      this.log('info', `cancel of order ${orderId} queued until Kite confirms it`);
      return Promise.resolve();
    }
    return this.sendCancel(t, t.brokerId);
  }

  private flushQueuedCancel(t: Track): void {
    t.cancelQueued = false;
    if (t.brokerId === undefined || isTerminalStatus(t.order.status)) return;
    this.spawn(this.sendCancel(t, t.brokerId).catch(() => undefined));
  }

  private async sendCancel(t: Track, brokerId: string): Promise<void> {
    try {
      await this.rest.cancelOrder(t.order.variety, brokerId);
    } catch (e) {
      const msg = message(e);
      if (isDefiniteRefusal(e)) {
        await this.refresh(t);
        this.releaseCancel(t, `cancel rejected: ${msg}`);
        throw new BrokerError(errorCode(e), msg);
      }
      if (await this.refresh(t)) this.releaseCancel(t, `cancel not confirmed: ${msg}`);
      else if (!isTerminalStatus(t.order.status)) this.emit(t, { status: t.order.status, statusMessage: OUTCOME_UNKNOWN });
      throw new BrokerError('OUTCOME_UNKNOWN', `cancel of order ${t.orderId}: no answer from Kite (${msg})`);
    }
    if (this.refreshAfterAction) await this.refresh(t);
  }

  /** A cancel that did not happen: take the order through CANCEL PENDING back to rest, so the OMS knows no cancel is in flight. */
  private releaseCancel(t: Track, statusMessage: string): void {
    const cur = t.order.status;
    if (isTerminalStatus(cur)) return;
    const rest = RESTING_STATUSES.has(cur) ? cur : this.restingOf(t);
    if (cur !== 'CANCEL PENDING' && canTransition(cur, 'CANCEL PENDING')) this.emit(t, { status: 'CANCEL PENDING' });
    this.emit(t, { status: rest, statusMessage });
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  private async runPoll(): Promise<PollReport> {
    const s = this.seq;
    const before = this.emitted;
    let rows: KiteOrder[];
    try {
      rows = await this.rest.orders();
    } catch (e) {
      const error = message(e);
      this.log('warn', `poll: Kite order book read failed: ${error}`);
      return { rows: 0, updates: 0, error };
    }
    const mine: [Track, KiteOrder][] = [];
    for (const row of rows) {
      const t = this.trackForRow(row);
      if (t !== undefined && t.phase !== 'done') mine.push([t, row]);
    }
    const trades = mine.some(([t, r]) => r.filledQuantity > t.order.filledQty) ? await this.tradesByOrder() : undefined;
    for (const [t, row] of mine) {
      if (t.seq > s) continue; // a fresher row arrived while we read
      this.applyRow(t, row, trades?.get(row.orderId), 'poll');
    }
    return { rows: rows.length, updates: this.emitted - before };
  }

  /** Reads one order's history and applies its latest row. False when the read failed. */
  private async refresh(t: Track): Promise<boolean> {
    const id = t.brokerId;
    if (id === undefined) return false;
    const s = this.seq;
    let row: KiteOrder | undefined;
    try {
      row = (await this.rest.orderHistory(id)).at(-1);
    } catch (e) {
      this.log('warn', `order history of Kite order ${id} (${t.orderId}) failed: ${message(e)}`);
      return false;
    }
    if (row === undefined) return false;
    const trades = row.filledQuantity > t.order.filledQty ? await this.orderTrades(id) : undefined;
    if (t.seq <= s) this.applyRow(t, row, trades, 'refresh');
    return true;
  }

  private async tradesByOrder(): Promise<Map<string, KiteTrade[]> | undefined> {
    try {
      const out = new Map<string, KiteTrade[]>();
      for (const tr of await this.rest.trades()) {
        let l = out.get(tr.orderId);
        if (l === undefined) out.set(tr.orderId, (l = []));
        l.push(tr);
      }
      return out;
    } catch (e) {
      this.log('warn', `Kite trades read failed (fills priced from average_price): ${message(e)}`);
      return undefined;
    }
  }

  private async orderTrades(brokerId: string): Promise<KiteTrade[] | undefined> {
    try {
      return await this.rest.orderTrades(brokerId);
    } catch (e) {
      this.log('warn', `trades of Kite order ${brokerId} failed (fills priced from average_price): ${message(e)}`);
      return undefined;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Rows → updates

  private applyRow(t: Track, row: KiteOrder, trades: readonly KiteTrade[] | undefined, source: 'ws' | 'poll' | 'refresh' | 'lookup' | 'reconcile'): void {
    if (t.phase === 'done' || isTerminalStatus(t.order.status)) return;
    const o = t.order;
    if (row.filledQuantity < o.filledQty) {
      this.log('debug', `stale Kite row for ${t.orderId} ignored (filled ${row.filledQuantity} < ${o.filledQty})`);
      return;
    }
    t.seq = ++this.seq;
    const wasUnknown = o.statusMessage === OUTCOME_UNKNOWN;
    const raw = row.status;
    let target: OrderStatus | undefined = KITE_STATUSES.has(raw) ? (raw as OrderStatus) : undefined;
    if (target === undefined && raw !== 'UPDATE' && raw !== 'MODIFIED') this.log('warn', `unknown Kite order status ${JSON.stringify(raw)} for ${t.orderId}; read as UPDATE`);

    const mod = this.modificationOf(t, row);
    const fills = this.fillsOf(t, row, trades);
    if (target === undefined) {
      const qty = mod?.qty ?? o.qty;
      if (row.filledQuantity === qty && fills.length > 0) target = 'COMPLETE';
      else if (fills.length > 0) target = 'OPEN';
      else if (mod !== undefined) target = this.restingOf(t);
      else {
        // nothing visible changed (an SL that triggered? a modify to the same values?): ask instead of guessing
        if (source === 'ws') this.refreshSoon(t);
        target = o.status;
      }
    }

    // 1. a modification Kite applied (before the fills: a larger quantity may be what they fill)
    if (mod !== undefined && (RESTING_STATUSES.has(target) || fills.length > 0 || target === 'COMPLETE')) {
      const rest = RESTING_STATUSES.has(target) ? target : this.restingOf(t);
      if (!MODIFY_ACK_FROM.has(t.order.status) && canTransition(t.order.status, rest)) this.emit(t, { status: rest });
      if (MODIFY_ACK_FROM.has(t.order.status)) {
        this.emit(t, { status: rest, modified: mod });
        t.pendingModify = undefined;
      }
    }
    // 2. fills
    for (let i = 0; i < fills.length; i++) {
      const f = fills[i]!;
      const cur = t.order.status;
      let status: OrderStatus;
      if (i === fills.length - 1 && target === 'COMPLETE') status = 'COMPLETE';
      else if (target !== 'COMPLETE' && FILL_STATUSES.has(target) && canTransition(cur, target)) status = target;
      else if (FILL_STATUSES.has(cur) && cur !== 'COMPLETE') status = cur;
      else status = 'OPEN';
      this.emit(t, { status, fill: f });
    }
    // 3. the status itself
    const cur = t.order.status;
    if (target !== cur && !isTerminalStatus(cur)) {
      if (canTransition(cur, target)) {
        const msg = row.statusMessage ?? (target === 'REJECTED' ? 'rejected by Kite' : undefined);
        this.emit(t, { status: target, statusMessage: msg ?? undefined });
      } else {
        this.log('debug', `Kite row ${row.orderId}: ${cur} → ${target} is not a forward step; ignored as stale`);
      }
    }
    if (wasUnknown && !isTerminalStatus(t.order.status) && t.order.statusMessage === OUTCOME_UNKNOWN) {
      this.emit(t, { status: t.order.status, statusMessage: `found at Kite (order ${row.orderId})` });
    }
    // a cancel asked for before Kite's order id was known goes out now
    if (t.cancelQueued && t.brokerId !== undefined) this.flushQueuedCancel(t);
  }

  /** Parameter changes between Kite's row and our view, as our model's OrderModify. */
  private modificationOf(t: Track, row: KiteOrder): OrderModify | undefined {
    const o = t.order;
    const m: OrderModify = {};
    if (Number.isSafeInteger(row.quantity) && row.quantity > 0 && row.quantity !== o.qty) m.qty = row.quantity;
    if ((row.validity === 'DAY' || row.validity === 'IOC') && row.validity !== o.validity) m.validity = row.validity;
    const eff = effectiveType(o, row, t.pendingModify);
    if (eff !== o.orderType) m.orderType = eff;
    if (needsPrice(eff) && row.pricePaise > 0 && row.pricePaise !== o.pricePaise) m.pricePaise = row.pricePaise;
    if (needsTrigger(eff) && row.triggerPricePaise > 0 && row.triggerPricePaise !== o.triggerPaise) m.triggerPaise = row.triggerPricePaise;
    if (m.orderType !== undefined) {
      // the model needs the price/trigger of the new type; Kite's row has them
      if (needsPrice(eff) && m.pricePaise === undefined && o.pricePaise === undefined) return undefined;
      if (needsTrigger(eff) && m.triggerPaise === undefined && o.triggerPaise === undefined) return undefined;
    }
    return Object.keys(m).length > 0 ? m : undefined;
  }

  /** Fills for the increase of filled_quantity: per trade when trades are known, else one from average_price. */
  private fillsOf(t: Track, row: KiteOrder, trades: readonly KiteTrade[] | undefined): FillPart[] {
    const o = t.order;
    const target = row.filledQuantity;
    if (!Number.isSafeInteger(target) || target <= o.filledQty) return [];
    const out: FillPart[] = [];
    let covered = o.filledQty;
    let value = o.filledValuePaise;
    if (trades !== undefined && trades.length > 0) {
      const ordered = trades.every((x) => x.fillTimestamp !== null) ? [...trades].sort((a, b) => a.fillTimestamp! - b.fillTimestamp!) : trades;
      let cum = 0;
      for (const tr of ordered) {
        const start = cum;
        const end = cum + tr.quantity;
        cum = end;
        if (!(tr.quantity > 0) || !(tr.averagePricePaise > 0)) break;
        if (end <= covered) continue;
        if (start >= target) break;
        const from = Math.max(start, covered);
        const to = Math.min(end, target);
        const qty = to - from;
        out.push({ fillId: from === start && to === end ? tr.tradeId : `${tr.tradeId}-${to}`, qty, pricePaise: tr.averagePricePaise });
        value += qty * tr.averagePricePaise;
        covered = to;
      }
    }
    if (covered < target) {
      const qty = target - covered;
      const avg = row.averagePricePaise;
      let price = Math.round((avg * target - value) / qty);
      if (!(price > 0)) price = avg;
      if (!(price > 0)) {
        this.log('error', `Kite order ${row.orderId} filled ${target} without a price; fill not reported (order flagged)`);
        return out;
      }
      out.push({ fillId: `${row.orderId}-${target}`, qty, pricePaise: price });
    }
    return out;
  }

  private restingOf(t: Track): OrderStatus {
    const cur = t.order.status;
    if (RESTING_STATUSES.has(cur)) return cur;
    if (t.lastResting !== undefined) return t.lastResting;
    if (t.order.variety === 'amo') return 'AMO REQ RECEIVED';
    return needsTrigger(t.order.orderType) ? 'TRIGGER PENDING' : 'OPEN';
  }

  private refreshSoon(t: Track): void {
    if (t.refreshing || t.brokerId === undefined) return;
    t.refreshing = true;
    this.spawn(
      this.refresh(t).finally(() => {
        t.refreshing = false;
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Tracks

  private track(order: Order, phase: Phase): Track {
    const t: Track = {
      orderId: order.orderId,
      clientId: order.clientId,
      brokerId: undefined,
      phase,
      order,
      lastResting: RESTING_STATUSES.has(order.status) ? order.status : undefined,
      seq: 0,
      pendingModify: undefined,
      cancelQueued: false,
      concludedNotFound: false,
      refreshing: false,
    };
    this.byOrder.set(order.orderId, t);
    this.byClient.set(order.clientId, t);
    return t;
  }

  /** Maps Kite's id to our order; `announce`: report a resolved unknown/lost order to onResolved listeners. */
  private link(t: Track, brokerId: string, announce = true): void {
    const other = this.byBroker.get(brokerId);
    if (other !== undefined && other !== t) {
      this.log('error', `Kite order ${brokerId} is mapped to ${other.orderId}; not linking it to ${t.orderId}`);
      return;
    }
    const wasUnresolved = t.phase === 'unknown' || t.phase === 'lost';
    t.brokerId = brokerId;
    this.byBroker.set(brokerId, t);
    if (t.phase !== 'done') t.phase = 'live';
    if (wasUnresolved && announce) {
      this.log('info', `order ${t.orderId} (tag ${t.clientId}) found at Kite as ${brokerId}`);
      this.resolved({ orderId: t.orderId, outcome: 'found', brokerOrderId: brokerId });
    }
  }

  /** Our track for a Kite row: by Kite order id, else by tag for an order whose id we do not know yet. */
  private trackForRow(row: KiteOrder): Track | undefined {
    const t = this.byBroker.get(row.orderId);
    if (t !== undefined) return t;
    const tag = row.tag ?? row.tags.find((x) => this.byClient.has(x));
    if (tag === undefined || tag === null) return undefined;
    const c = this.byClient.get(tag);
    if (c === undefined) return undefined;
    if (c.brokerId !== undefined) {
      this.orphan(c, row.orderId, 'duplicate', row.status);
      return undefined;
    }
    if (c.phase === 'done') {
      this.orphan(c, row.orderId, 'late', row.status);
      return undefined;
    }
    this.link(c, row.orderId);
    return c;
  }

  private findByTag(rows: readonly KiteOrder[], tag: string): KiteOrder | undefined {
    const hits = rows.filter((r) => r.tag === tag || r.tags.includes(tag));
    if (hits.length > 1) this.log('error', `${hits.length} Kite orders carry tag ${tag} (${hits.map((h) => h.orderId).join(', ')}); following the first`);
    return hits[0];
  }

  private orphan(t: Track, brokerId: string, reason: KiteOrphan['reason'], kiteStatus: string): void {
    if (this.orphanList.some((x) => x.brokerOrderId === brokerId)) return;
    this.orphanList.push({ brokerOrderId: brokerId, tag: t.clientId, orderId: t.orderId, reason, kiteStatus });
    this.log('error', `Kite order ${brokerId} carries the tag of order ${t.orderId} but is not tracked (${reason}, Kite status ${kiteStatus}): check it at Kite`);
  }

  // -------------------------------------------------------------------------------------------
  // Emission

  private emit(t: Track, u: EmitInput): void {
    const full: BrokerOrderUpdate = { orderId: t.orderId, status: u.status, tsEvent: Math.round(this.clock.now()) };
    if (u.statusMessage !== undefined) full.statusMessage = u.statusMessage;
    if (u.fill !== undefined) full.fill = u.fill;
    if (u.modified !== undefined) full.modified = u.modified;
    try {
      t.order = applyUpdate(t.order, full);
    } catch (e) {
      // the OMS will refuse it too and flag the order; send it so that happens visibly
      this.log('warn', `update for ${t.orderId} does not fit the order's state: ${message(e)}`);
    }
    if (RESTING_STATUSES.has(t.order.status)) t.lastResting = t.order.status;
    if (isTerminalStatus(t.order.status)) t.phase = 'done';
    this.emitted++;
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i]!(full);
      } catch (e) {
        this.log('error', `order update listener threw: ${message(e)}`);
      }
    }
  }

  private resolved(r: KiteResolution): void {
    for (const l of this.resolveListeners) {
      try {
        l(r);
      } catch (e) {
        this.log('error', `resolution listener threw: ${message(e)}`);
      }
    }
  }

  private spawn(p: Promise<unknown>): void {
    const q = p.catch((e: unknown) => this.log('error', `Kite live broker background task failed: ${message(e)}`));
    this.background.add(q);
    void q.finally(() => this.background.delete(q));
  }
}
