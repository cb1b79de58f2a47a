/**
 * The paper broker: simulates Kite's order handling against the live (or replayed) market, using the
 * shared fill model (./fill-model.ts). No timers and no promises: the kernel and the backtester drive
 * it with onTick / onDepth / onClock, and at latency 0 everything happens synchronously inside
 * place / modify / cancel.
 *
 * Behaviour (Kite-like unless noted):
 *  - Placement emits VALIDATION PENDING → OPEN PENDING → OPEN | TRIGGER PENDING, then fills, then
 *    COMPLETE; or VALIDATION PENDING → REJECTED with a readable statusMessage (unknown instrument, wrong
 *    exchange, lot size, freeze quantity, tick size, SL trigger on the wrong side of its limit, market
 *    closed, no/stale quote, stop already triggered at placement).
 *  - MARKET orders are protected (Kite requires market protection since 2026-04-01): the order works as a
 *    limit at last price ± protectionPct. It walks a fresh depth snapshot (partial fills when thin),
 *    else fills at the last price with adverse slippage. A DAY market order's unfilled remainder RESTS
 *    as OPEN at the protection limit (what Kite's "mktp" orders do: the remainder stays in the book as
 *    a limit at the band); an IOC remainder is CANCELLED.
 *  - LIMIT orders fill at once if marketable (walking the book, or at the better of limit and slipped
 *    last price), else rest OPEN and fill when a later trade prints at (rule 'touch') or through
 *    ('through') the limit — at the trade price — or when a later depth snapshot crosses them.
 *  - SL / SL-M rest in TRIGGER PENDING; a BUY triggers when a trade prints ≥ trigger, a SELL ≤ trigger.
 *    SL then works as a LIMIT at its price, SL-M as a protected MARKET around the trigger print. A stop
 *    that is already triggered at placement is REJECTED (as Kite/NSE do) — place a limit instead.
 *  - marketFill 'next_tick' (backtests on bars: "fill at the next bar's open"): a MARKET order is accepted
 *    (OPEN) and fills on its symbol's NEXT trade print, at that price with slippage, its protection band
 *    re-centred on that print; the default 'last' fills it at once at the last price.
 *  - IOC: whatever does not fill on arrival is CANCELLED (statusMessage says so).
 *  - Outside market hours a 'regular' order is REJECTED. An 'amo' order is REJECTED during market hours
 *    and, outside them, becomes AMO REQ RECEIVED (amo 'queue', the default) and is released at the next
 *    open — on the first onTick/onDepth/onClock at or after the open once the symbol has a tick from the
 *    new session — or is REJECTED (amo 'refuse').
 *  - The day roll (`tradingDay` service, or onDayRoll() called by hand): every regular order still
 *    resting (OPEN, TRIGGER PENDING) expires — CANCELLED with DAY_EXPIRED_MESSAGE — as the exchange
 *    cancels unfilled DAY orders at the end of the trading day. Queued AMOs wait for their open.
 *  - Latency > 0: place / modify / cancel take effect at request time + latencyMs, on the first
 *    onTick / onDepth / onClock at or after that time, in request order; nothing is emitted before.
 *    While a modify or cancel is in flight the order keeps working at the exchange (it may fill).
 *  - modify: OPEN / TRIGGER PENDING → MODIFY VALIDATION PENDING → MODIFY PENDING → OPEN / TRIGGER PENDING
 *    (ack carries `modified`); an invalid modification returns the order to its resting state with
 *    'modify rejected: …'. An AMO is modified in place. At most 25 modifications (BrokerError).
 *  - cancel: → CANCEL PENDING → CANCELLED (an AMO goes straight to CANCELLED). The broker forgets an
 *    order once it is terminal (memory stays bounded by the open orders and the hot path touches only a
 *    small map), so cancelling or modifying a COMPLETE / CANCELLED / REJECTED order throws BrokerError
 *    ORDER_NOT_FOUND (Kite answers "Order cannot be cancelled as it is completed."; the OMS refuses
 *    terminal orders with that reason before the broker is asked). A queued modify/cancel that finds
 *    the order already terminal is dropped silently (counted in `dropped`).
 *  - Re-entrancy: requests made from inside an update listener are queued and run, in order, right
 *    after the current operation finishes (still synchronously), so an order's update sequence is never
 *    interleaved with another operation's.
 *  - Fill ids are `<orderId>-<n>` (n = 1, 2, … per order), unique because order ids are.
 */
import type { Clock } from '../core/clock.js';
import { IST_OFFSET_MS } from '../core/ist.js';
import { formatRupees } from '../core/money.js';
import { nseCalendar, type TradingWindow } from '../core/nse-calendar.js';
import type { TradingDay } from '../core/trading-day.js';
import type { DepthSnapshot } from '../model/depth.js';
import {
  isTerminal,
  type Exchange,
  type Order,
  type OrderSide,
  type OrderStatus,
  type OrderType,
  type TradableInstrument,
  type Validity,
  type Variety,
} from '../model/order.js';
import { type Broker, type BrokerKind, BrokerError, type BrokerOrderUpdate, type MarketView, type OrderModify } from './broker.js';
import {
  betterPrice,
  DEFAULT_PROTECTION_PCT,
  isMarketable,
  isTriggered,
  protectionLimit,
  restingFillPrice,
  type RestingFillRule,
  type Slippage,
  slippedPrice,
  walkDepth,
  type FillSlice,
} from './fill-model.js';
import { MAX_MODIFICATIONS } from './order-state.js';

export interface PaperBrokerOptions {
  market: MarketView;
  clock: Clock;
  /** Request → effect delay, ms. Default 0 (synchronous). */
  latencyMs?: number;
  /** Adverse slippage for taker fills at the last price (not applied to depth walks). */
  slippage?: Slippage;
  /** Quotes older than this at activation → REJECTED 'stale quote'. Default: no check. */
  staleAfterMs?: number;
  /** Depth snapshots older than this are ignored (fill at the last price instead). Default 5 000. */
  depthStaleAfterMs?: number;
  /** Default: the NSE calendar's continuous session (nseCalendar.isMarketOpen, cached per day). */
  marketHours?: (ms: number) => boolean;
  /** Default nseCalendar.nextOpen. */
  nextOpen?: (ms: number) => number;
  /** After-market orders outside market hours: queue for the next open (default) or refuse. */
  amo?: 'refuse' | 'queue';
  /** Market protection band for MARKET and SL-M, percent (0 < pct ≤ 100). Default 2. */
  protectionPct?: number;
  /** When a resting limit fills on a trade print. Default 'touch'. */
  restingFill?: RestingFillRule;
  /** The trading-day service: resting DAY orders expire on its roll. */
  tradingDay?: TradingDay;
  /** MARKET orders fill at the last price on arrival ('last', default) or on the symbol's next trade print ('next_tick'). */
  marketFill?: 'last' | 'next_tick';
  /**
   * Announce the transient placement statuses VALIDATION PENDING and OPEN PENDING (default true: Kite's
   * sequence). The backtester turns it off — nothing there reads them (its light journal keeps no
   * per-transition rows, no listener streams orders) — and the order manager takes the forward skip
   * from PUT ORDER REQ RECEIVED (or AMO REQ RECEIVED at the open) straight to where the order lands:
   * OPEN, TRIGGER PENDING, AMO REQ RECEIVED or REJECTED. The checks, fills and final states are the same.
   */
  transientStatuses?: boolean;
}

export const MARKET_CLOSED_MESSAGE = 'Markets are closed right now. Use GTT for placing long standing orders instead.';
/** Our wording (not Kite's) for a DAY order cancelled at the day roll. */
export const DAY_EXPIRED_MESSAGE = 'Order expired: an unfilled DAY order is cancelled at the end of the trading day.';

const enum Act {
  Place,
  Modify,
  Cancel,
}

interface PaperOrder {
  readonly orderId: string;
  readonly symbol: string;
  readonly exchange: Exchange;
  readonly side: OrderSide;
  readonly variety: Variety;
  qty: number;
  filled: number;
  orderType: OrderType;
  validity: Validity;
  /** Limit price, 0 = none. */
  pricePaise: number;
  /** Trigger price, 0 = none. */
  triggerPaise: number;
  /** The price the order works at once OPEN: its limit, or the protection band of a market-type order. */
  workPaise: number;
  /** The status last reported. */
  status: OrderStatus;
  triggered: boolean;
  fills: number;
  modifyRequests: number;
  /** Physically in its symbol's working list. */
  inList: boolean;
  /** AMO: release at or after this time. */
  releaseAt: number;
  /** marketFill 'next_tick': an accepted MARKET order waiting for its symbol's next trade print. */
  awaitNext: boolean;
}

interface Scheduled {
  at: number;
  act: Act;
  o: PaperOrder;
  changes: OrderModify | undefined;
}

interface Taken {
  snap: DepthSnapshot;
  buy: number[];
  sell: number[];
}

const DAY_MS = 86_400_000;

/** nseCalendar.isMarketOpen with the day's trading windows cached (the calendar call costs ~1.5 µs). */
export function cachedNseMarketHours(): (ms: number) => boolean {
  let day = Number.NaN;
  let windows: readonly TradingWindow[] = [];
  return (ms: number): boolean => {
    const d = Math.floor((ms + IST_OFFSET_MS) / DAY_MS);
    if (d !== day) {
      day = d;
      windows = nseCalendar.session(ms)?.windows ?? [];
    }
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      if (ms >= w.start && ms < w.end) return true;
    }
    return false;
  };
}

const isWorking = (s: OrderStatus): boolean => s === 'OPEN' || s === 'TRIGGER PENDING';
const isResting = (s: OrderStatus): boolean => s === 'OPEN' || s === 'TRIGGER PENDING' || s === 'AMO REQ RECEIVED';

function tickMessage(tickPaise: number): string {
  return `Tick size for this script is ${formatRupees(tickPaise)}. Kindly enter the price in the multiple of tick size for this script`;
}

export class PaperBroker implements Broker {
  readonly kind: BrokerKind = 'paper';
  /** Queued modify/cancel requests that found their order already terminal. */
  dropped = 0;

  private readonly market: MarketView;
  private readonly clock: Clock;
  private readonly latencyMs: number;
  private readonly slippage: Slippage | undefined;
  private readonly staleAfterMs: number;
  private readonly depthStaleAfterMs: number;
  private readonly marketHours: (ms: number) => boolean;
  private readonly nextOpen: (ms: number) => number;
  private readonly amo: 'refuse' | 'queue';
  protected readonly protectionPct: number;
  private readonly restingFill: RestingFillRule;
  private readonly nextTickFill: boolean;
  private readonly transients: boolean;

  private readonly book = new Map<string, PaperOrder>();
  private readonly working = new Map<string, PaperOrder[]>();
  private readonly taken = new Map<string, Taken>();
  private listeners: ((u: BrokerOrderUpdate) => void)[] = [];
  private readonly scheduled: Scheduled[] = [];
  private schedHead = 0;
  private amoQueue: PaperOrder[] = [];
  private amoEarliest = Number.POSITIVE_INFINITY;
  private busy = false;
  private readonly deferred: (() => void)[] = [];
  private readonly scratch: FillSlice[] = [];
  private readonly offRoll: (() => void) | undefined;

  constructor(opts: PaperBrokerOptions) {
    this.market = opts.market;
    this.clock = opts.clock;
    this.latencyMs = opts.latencyMs ?? 0;
    if (!(Number.isSafeInteger(this.latencyMs) && this.latencyMs >= 0)) throw new RangeError(`latencyMs must be a non-negative integer, got ${String(opts.latencyMs)}`);
    this.slippage = opts.slippage;
    this.staleAfterMs = opts.staleAfterMs ?? Number.POSITIVE_INFINITY;
    this.depthStaleAfterMs = opts.depthStaleAfterMs ?? 5_000;
    this.marketHours = opts.marketHours ?? cachedNseMarketHours();
    this.nextOpen = opts.nextOpen ?? ((ms) => nseCalendar.nextOpen(ms));
    this.amo = opts.amo ?? 'queue';
    this.protectionPct = opts.protectionPct ?? DEFAULT_PROTECTION_PCT;
    if (!(this.protectionPct > 0 && this.protectionPct <= 100)) throw new RangeError(`protectionPct must be 0 < pct ≤ 100, got ${String(opts.protectionPct)}`);
    this.restingFill = opts.restingFill ?? 'touch';
    this.nextTickFill = opts.marketFill === 'next_tick';
    this.transients = opts.transientStatuses ?? true;
    this.offRoll = opts.tradingDay?.onRoll((r) => this.onDayRoll(r.observedAt));
  }

  /** Stops taking the trading-day service's roll (a broker that is being dropped). */
  dispose(): void {
    this.offRoll?.();
  }

  // -------------------------------------------------------------------------------------------
  // Broker port

  onUpdate(listener: (u: BrokerOrderUpdate) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  place(order: Readonly<Order>): void {
    if (this.book.get(order.orderId) !== undefined) throw new BrokerError('DUPLICATE_ORDER', `order ${order.orderId} was already placed`);
    const o: PaperOrder = {
      orderId: order.orderId,
      symbol: order.symbol,
      exchange: order.exchange,
      side: order.side,
      variety: order.variety,
      qty: order.qty,
      filled: 0,
      orderType: order.orderType,
      validity: order.validity,
      pricePaise: order.pricePaise ?? 0,
      triggerPaise: order.triggerPaise ?? 0,
      workPaise: 0,
      status: 'PUT ORDER REQ RECEIVED',
      triggered: false,
      fills: 0,
      modifyRequests: 0,
      inList: false,
      releaseAt: 0,
      awaitNext: false,
    };
    this.book.set(o.orderId, o);
    this.request(Act.Place, o, undefined);
  }

  modify(orderId: string, changes: OrderModify): void {
    const o = this.known(orderId);
    if (o.modifyRequests >= MAX_MODIFICATIONS) throw new BrokerError('MODIFY_LIMIT', `Maximum allowed order modifications (${MAX_MODIFICATIONS}) exceeded.`);
    if (this.latencyMs === 0 && !this.busy && !isResting(o.status)) {
      throw new BrokerError('ORDER_NOT_MODIFIABLE', `Order ${orderId} cannot be modified while it is ${o.status}.`);
    }
    o.modifyRequests++;
    this.request(Act.Modify, o, { ...changes });
  }

  cancel(orderId: string): void {
    const o = this.known(orderId);
    this.request(Act.Cancel, o, undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Driving (kernel / backtester)

  /** A trade print: runs due requests, releases AMOs at the open, triggers stops and fills resting orders. */
  onTick(symbol: string, pricePaise: number, ts: number): void {
    if (this.busy) {
      this.deferred.push(() => this.onTick(symbol, pricePaise, ts));
      return;
    }
    this.busy = true;
    try {
      this.runDue(ts);
      if (ts >= this.amoEarliest) this.releaseAmo(ts);
      this.workTick(symbol, pricePaise, ts);
      this.drainDeferred();
    } finally {
      this.busy = false;
    }
  }

  /**
   * True when a print of `symbol` would do nothing here: no order of the symbol is working, no request
   * is scheduled, no AMO waits for the open and nothing is deferred.
   */
  idleFor(symbol: string): boolean {
    if (this.busy || this.deferred.length > 0 || this.schedHead < this.scheduled.length || this.amoQueue.length > 0) return false;
    const list = this.working.get(symbol);
    return list === undefined || list.length === 0;
  }

  /** A depth snapshot: runs due requests, releases AMOs, fills resting limits the book now crosses. */
  onDepth(depth: Readonly<DepthSnapshot>): void {
    if (this.busy) {
      this.deferred.push(() => this.onDepth(depth));
      return;
    }
    this.busy = true;
    try {
      const ts = depth.tsEvent;
      this.runDue(ts);
      if (ts >= this.amoEarliest) this.releaseAmo(ts);
      this.workDepth(depth as DepthSnapshot, ts);
      this.drainDeferred();
    } finally {
      this.busy = false;
    }
  }

  /** The feed clock: runs due requests and releases AMOs. */
  onClock(now: number): void {
    if (this.busy) {
      this.deferred.push(() => this.onClock(now));
      return;
    }
    this.busy = true;
    try {
      this.runDue(now);
      if (now >= this.amoEarliest) this.releaseAmo(now);
      this.drainDeferred();
    } finally {
      this.busy = false;
    }
  }

  /**
   * A new trading day began: requests due by `now` run first, then every resting regular order
   * (OPEN, TRIGGER PENDING) is CANCELLED as expired. AMOs waiting for their open are kept.
   */
  onDayRoll(now: number): void {
    if (this.busy) {
      this.deferred.push(() => this.onDayRoll(now));
      return;
    }
    this.busy = true;
    try {
      this.runDue(now);
      for (const o of [...this.book.values()]) if (isWorking(o.status)) this.emit(o, 'CANCELLED', DAY_EXPIRED_MESSAGE, now);
      this.drainDeferred();
    } finally {
      this.busy = false;
    }
  }

  /** Requests waiting for their latency to pass, and AMOs waiting for the open. */
  get pendingRequests(): number {
    return this.scheduled.length - this.schedHead + this.amoQueue.length;
  }

  /** True while the order is open at this broker (terminal orders are forgotten). */
  protected knows(orderId: string): boolean {
    return this.book.has(orderId);
  }

  // -------------------------------------------------------------------------------------------
  // Requests

  private known(orderId: string): PaperOrder {
    const o = this.book.get(orderId);
    if (o === undefined) {
      throw new BrokerError('ORDER_NOT_FOUND', `Couldn't find order ${orderId} among the paper broker's open orders (unknown, or already completed, cancelled or rejected).`);
    }
    return o;
  }

  private request(act: Act, o: PaperOrder, changes: OrderModify | undefined): void {
    const now = this.clock.now();
    if (this.latencyMs > 0) {
      this.scheduled.push({ at: now + this.latencyMs, act, o, changes });
      return;
    }
    if (this.busy) {
      this.deferred.push(() => this.execute(act, o, changes, now));
      return;
    }
    this.busy = true;
    try {
      this.execute(act, o, changes, now);
      this.drainDeferred();
    } finally {
      this.busy = false;
    }
  }

  private drainDeferred(): void {
    const q = this.deferred;
    if (q.length === 0) return; // the common case: nothing deferred (no length write on every print)
    for (let i = 0; i < q.length; i++) q[i]!();
    q.length = 0;
  }

  private runDue(now: number): void {
    const s = this.scheduled;
    while (this.schedHead < s.length && s[this.schedHead]!.at <= now) {
      const a = s[this.schedHead]!;
      s[this.schedHead++] = undefined as unknown as Scheduled;
      this.execute(a.act, a.o, a.changes, now);
    }
    if (this.schedHead === s.length) {
      if (s.length !== 0) s.length = 0;
      this.schedHead = 0;
    } else if (this.schedHead > 1024 && this.schedHead * 2 > s.length) {
      s.splice(0, this.schedHead);
      this.schedHead = 0;
    }
  }

  private execute(act: Act, o: PaperOrder, changes: OrderModify | undefined, now: number): void {
    if (act === Act.Place) this.activate(o, now, false);
    else if (act === Act.Modify) this.applyModify(o, changes!, now);
    else this.applyCancel(o, now);
  }

  // -------------------------------------------------------------------------------------------
  // Placement

  private activate(o: PaperOrder, now: number, atOpen: boolean): void {
    const inst = this.market.instrument(o.symbol);
    const open = this.marketHours(now);
    if (o.variety === 'amo' && !atOpen) {
      const problem = this.staticProblem(o, inst);
      if (open || this.amo === 'refuse' || problem !== null) {
        if (this.transients) this.emit(o, 'VALIDATION PENDING', undefined, now);
        const msg = problem ?? (open ? 'AMO orders are accepted only outside market hours.' : 'After-market orders are not accepted (paper broker amo: refuse).');
        this.emit(o, 'REJECTED', msg, now);
        return;
      }
      o.releaseAt = this.nextOpen(now);
      this.amoQueue.push(o);
      if (o.releaseAt < this.amoEarliest) this.amoEarliest = o.releaseAt;
      this.emit(o, 'AMO REQ RECEIVED', undefined, now);
      return;
    }
    if (this.transients) this.emit(o, 'VALIDATION PENDING', undefined, now);
    const problem = this.staticProblem(o, inst) ?? (open ? null : MARKET_CLOSED_MESSAGE) ?? this.quoteProblem(o.symbol, now);
    if (problem !== null) {
      this.emit(o, 'REJECTED', problem, now);
      return;
    }
    const ltp = this.market.lastPricePaise(o.symbol)!;
    const tick = inst!.tickSizePaise;
    if ((o.orderType === 'SL' || o.orderType === 'SL-M') && isTriggered(o.side, o.triggerPaise, ltp)) {
      this.emit(o, 'REJECTED', triggerCrossedMessage(o.side), now);
      return;
    }
    if (this.transients) this.emit(o, 'OPEN PENDING', undefined, now);
    if (o.orderType === 'SL' || o.orderType === 'SL-M') {
      this.emit(o, 'TRIGGER PENDING', undefined, now);
      this.addWorking(o);
      return;
    }
    o.workPaise = o.orderType === 'LIMIT' ? o.pricePaise : protectionLimit(o.side, ltp, this.protectionPct, tick);
    this.emit(o, 'OPEN', undefined, now);
    if (this.nextTickFill && o.orderType === 'MARKET') {
      o.awaitNext = true;
      this.addWorking(o);
      return;
    }
    this.take(o, ltp, tick, now);
    this.afterTake(o, now);
  }

  /** Checks that do not depend on time or the quote; null when fine. */
  private staticProblem(o: PaperOrder, inst: TradableInstrument | undefined): string | null {
    if (inst === undefined) return `Unknown instrument ${o.exchange}:${o.symbol}.`;
    if (inst.exchange !== o.exchange) return `${o.symbol} trades on ${inst.exchange}, not ${o.exchange}.`;
    if (o.qty % inst.lotSize !== 0) return `Quantity should be a multiple of lot size. The lot size for ${o.symbol} is ${inst.lotSize}.`;
    if (inst.freezeQty !== undefined && o.qty > inst.freezeQty) {
      return `The order quantity ${o.qty} is higher than the maximum quantity of ${inst.freezeQty} allowed by the exchange.`;
    }
    const tick = inst.tickSizePaise;
    if (o.pricePaise % tick !== 0 || o.triggerPaise % tick !== 0) return tickMessage(tick);
    if (o.orderType === 'SL') {
      if (o.side === 'BUY' && o.triggerPaise > o.pricePaise) return 'Trigger price for stoploss buy orders should be less than or equal to the limit price.';
      if (o.side === 'SELL' && o.triggerPaise < o.pricePaise) return 'Trigger price for stoploss sell orders should be greater than or equal to the limit price.';
    }
    return null;
  }

  private quoteProblem(symbol: string, now: number): string | null {
    const ltp = this.market.lastPricePaise(symbol);
    if (ltp === undefined) return `No quote for ${symbol}.`;
    const at = this.market.lastTickAt(symbol);
    if (this.staleAfterMs !== Number.POSITIVE_INFINITY && (at === undefined || now - at > this.staleAfterMs)) {
      return `stale quote: the last tick for ${symbol} is ${at === undefined ? 'unknown' : `${now - at} ms old`} (limit ${this.staleAfterMs} ms)`;
    }
    return null;
  }

  private releaseAmo(now: number): void {
    if (!this.marketHours(now)) return;
    const q = this.amoQueue;
    let keep: PaperOrder[] | undefined;
    let earliest = Number.POSITIVE_INFINITY;
    const due: PaperOrder[] = [];
    for (const o of q) {
      if (o.status !== 'AMO REQ RECEIVED') continue; // cancelled meanwhile
      const at = this.market.lastTickAt(o.symbol);
      if (now >= o.releaseAt && at !== undefined && at >= o.releaseAt) due.push(o);
      else {
        (keep ??= []).push(o);
        if (o.releaseAt < earliest) earliest = o.releaseAt;
      }
    }
    this.amoQueue = keep ?? [];
    this.amoEarliest = earliest;
    for (const o of due) if (o.status === 'AMO REQ RECEIVED') this.activate(o, now, true);
  }

  // -------------------------------------------------------------------------------------------
  // Fills

  private freshDepth(symbol: string, now: number): DepthSnapshot | undefined {
    const d = this.market.depth(symbol);
    return d !== undefined && now - d.tsEvent <= this.depthStaleAfterMs ? d : undefined;
  }

  /** Per-level consumption of `d` by earlier paper orders (reset when a new snapshot arrives). */
  private takenOf(d: DepthSnapshot, side: OrderSide): number[] {
    let t = this.taken.get(d.symbol);
    if (t === undefined) {
      t = { snap: d, buy: [0, 0, 0, 0, 0], sell: [0, 0, 0, 0, 0] };
      this.taken.set(d.symbol, t);
    } else if (t.snap !== d && t.snap.tsEvent !== d.tsEvent) {
      t.snap = d;
      t.buy.fill(0);
      t.sell.fill(0);
    }
    // a BUY consumes offers (the sell side)
    return side === 'BUY' ? t.sell : t.buy;
  }

  /** Takes liquidity now at up to o.workPaise: the fresh book, else the reference price. */
  private take(o: PaperOrder, refPaise: number, tickPaise: number, now: number): void {
    // fill-model's takerFill, inlined without its result objects (this is the hot path)
    const d = this.freshDepth(o.symbol, now);
    if (d === undefined) {
      if (isMarketable(o.side, o.workPaise, refPaise)) {
        this.fill(o, o.qty - o.filled, betterPrice(o.side, slippedPrice(o.side, refPaise, tickPaise, this.slippage), o.workPaise), now);
      }
      return;
    }
    const out = this.scratch;
    const start = out.length; // non-zero only if a listener re-entered mid-walk (it is deferred, so never)
    walkDepth(o.side, o.qty - o.filled, d, o.workPaise, out, this.takenOf(d, o.side));
    for (let i = start; i < out.length; i++) {
      if (o.status !== 'OPEN') break;
      const sl = out[i]!;
      this.fill(o, sl.qty, sl.pricePaise, now);
    }
    out.length = start;
  }

  /** After an order took what it could: IOC leftovers are cancelled, DAY leftovers rest. */
  private afterTake(o: PaperOrder, now: number): void {
    if (o.status !== 'OPEN') return;
    if (o.validity === 'IOC') {
      this.emit(o, 'CANCELLED', `IOC order: unfilled quantity ${o.qty - o.filled} cancelled`, now);
      return;
    }
    this.addWorking(o);
  }

  private fill(o: PaperOrder, qty: number, pricePaise: number, now: number): void {
    o.filled += qty;
    const status: OrderStatus = o.filled === o.qty ? 'COMPLETE' : 'OPEN';
    o.status = status;
    if (status === 'COMPLETE') this.book.delete(o.orderId);
    const u: BrokerOrderUpdate = {
      orderId: o.orderId,
      status,
      statusMessage: undefined,
      fill: { fillId: `${o.orderId}-${++o.fills}`, qty, pricePaise },
      modified: undefined,
      tsEvent: now,
    };
    this.send(u);
  }

  private addWorking(o: PaperOrder): void {
    if (o.inList) return;
    o.inList = true;
    let list = this.working.get(o.symbol);
    if (list === undefined) {
      list = [];
      this.working.set(o.symbol, list);
    }
    list.push(o);
  }

  private compact(list: PaperOrder[]): void {
    let w = 0;
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      if (isWorking(o.status)) list[w++] = o;
      else o.inList = false;
    }
    list.length = w;
  }

  private workTick(symbol: string, pricePaise: number, ts: number): void {
    const list = this.working.get(symbol);
    if (list === undefined || list.length === 0) return;
    const inst = this.market.instrument(symbol);
    const n = list.length;
    let dead = 0;
    for (let i = 0; i < n; i++) {
      const o = list[i]!;
      if (o.status === 'TRIGGER PENDING') {
        if (!isTriggered(o.side, o.triggerPaise, pricePaise)) continue;
        o.triggered = true;
        o.workPaise = o.orderType === 'SL' ? o.pricePaise : protectionLimit(o.side, pricePaise, this.protectionPct, inst!.tickSizePaise);
        this.emit(o, 'OPEN', undefined, ts);
        this.take(o, pricePaise, inst!.tickSizePaise, ts);
        // take() may have completed it (TS narrowed o.status to TRIGGER PENDING above)
        if ((o.status as OrderStatus) === 'OPEN' && o.validity === 'IOC') this.afterTake(o, ts);
      } else if (o.status === 'OPEN' && o.awaitNext) {
        o.awaitNext = false;
        o.workPaise = protectionLimit(o.side, pricePaise, this.protectionPct, inst!.tickSizePaise);
        this.take(o, pricePaise, inst!.tickSizePaise, ts);
      } else if (o.status === 'OPEN') {
        const p = restingFillPrice(o.side, o.workPaise, pricePaise, this.restingFill);
        if (p !== undefined) this.fill(o, o.qty - o.filled, p, ts);
      }
      if (!isWorking(o.status)) dead++;
    }
    if (dead > 0 || list.length !== n) this.compact(list);
  }

  private workDepth(depth: DepthSnapshot, ts: number): void {
    const list = this.working.get(depth.symbol);
    if (list === undefined || list.length === 0) return;
    const n = list.length;
    const out = this.scratch;
    for (let i = 0; i < n; i++) {
      const o = list[i]!;
      if (o.status !== 'OPEN' || o.awaitNext) continue;
      const bestOpposite = o.side === 'BUY' ? depth.sell[0] : depth.buy[0];
      if (bestOpposite === undefined || !isMarketable(o.side, o.workPaise, bestOpposite.pricePaise)) continue;
      out.length = 0;
      walkDepth(o.side, o.qty - o.filled, depth, o.workPaise, out, this.takenOf(depth, o.side));
      for (let k = 0; k < out.length; k++) {
        if (o.status !== 'OPEN') break;
        this.fill(o, out[k]!.qty, out[k]!.pricePaise, ts);
      }
    }
    out.length = 0;
    this.compact(list);
  }

  // -------------------------------------------------------------------------------------------
  // Modify / cancel

  private applyModify(o: PaperOrder, c: OrderModify, now: number): void {
    if (!isResting(o.status)) {
      this.dropped++;
      return;
    }
    const inst = this.market.instrument(o.symbol)!;
    const prev = o.status;
    const next = {
      qty: c.qty ?? o.qty,
      orderType: c.orderType ?? o.orderType,
      validity: c.validity ?? o.validity,
      pricePaise: c.pricePaise ?? o.pricePaise,
      triggerPaise: c.triggerPaise ?? o.triggerPaise,
    };
    if (next.orderType === 'MARKET' || next.orderType === 'SL-M') next.pricePaise = 0;
    if (next.orderType === 'MARKET' || next.orderType === 'LIMIT') next.triggerPaise = 0;
    const ltp = this.market.lastPricePaise(o.symbol);
    const problem = this.modifyProblem(o, next, inst, ltp);

    if (prev === 'AMO REQ RECEIVED') {
      if (problem !== null) {
        this.emit(o, 'AMO REQ RECEIVED', `modify rejected: ${problem}`, now);
        return;
      }
      Object.assign(o, next);
      this.emit(o, 'AMO REQ RECEIVED', undefined, now, { ...c });
      return;
    }
    this.emit(o, 'MODIFY VALIDATION PENDING', undefined, now);
    if (problem !== null) {
      this.emit(o, prev, `modify rejected: ${problem}`, now);
      return;
    }
    this.emit(o, 'MODIFY PENDING', undefined, now);
    Object.assign(o, next);
    const stop = o.orderType === 'SL' || o.orderType === 'SL-M';
    if (stop && !o.triggered) {
      this.emit(o, 'TRIGGER PENDING', undefined, now, { ...c });
      this.addWorking(o);
      return;
    }
    o.workPaise = o.orderType === 'LIMIT' || o.orderType === 'SL' ? o.pricePaise : protectionLimit(o.side, ltp!, this.protectionPct, inst.tickSizePaise);
    this.emit(o, 'OPEN', undefined, now, { ...c });
    this.take(o, ltp!, inst.tickSizePaise, now);
    this.afterTake(o, now);
  }

  private modifyProblem(
    o: PaperOrder,
    n: { qty: number; orderType: OrderType; pricePaise: number; triggerPaise: number },
    inst: TradableInstrument,
    ltp: number | undefined,
  ): string | null {
    if (n.qty <= o.filled) return 'Quantity cannot be less than or equal to the filled quantity.';
    const p = this.staticProblem({ ...o, qty: n.qty, orderType: n.orderType, pricePaise: n.pricePaise, triggerPaise: n.triggerPaise }, inst);
    if (p !== null) return p;
    if ((n.orderType === 'LIMIT' || n.orderType === 'SL') && n.pricePaise <= 0) return `a ${n.orderType} order needs a price`;
    if ((n.orderType === 'SL' || n.orderType === 'SL-M') && n.triggerPaise <= 0) return `a ${n.orderType} order needs a trigger price`;
    if (ltp === undefined) return `No quote for ${o.symbol}.`;
    if ((n.orderType === 'SL' || n.orderType === 'SL-M') && !o.triggered && isTriggered(o.side, n.triggerPaise, ltp)) return triggerCrossedMessage(o.side);
    return null;
  }

  private applyCancel(o: PaperOrder, now: number): void {
    if (isTerminal(o.status)) {
      this.dropped++;
      return;
    }
    if (o.status !== 'AMO REQ RECEIVED') this.emit(o, 'CANCEL PENDING', undefined, now);
    this.emit(o, 'CANCELLED', undefined, now);
  }

  // -------------------------------------------------------------------------------------------

  private emit(o: PaperOrder, status: OrderStatus, statusMessage: string | undefined, now: number, modified?: OrderModify): void {
    o.status = status;
    if (status === 'CANCELLED' || status === 'REJECTED') this.book.delete(o.orderId);
    this.send({ orderId: o.orderId, status, statusMessage, fill: undefined, modified, tsEvent: now });
  }

  private send(u: BrokerOrderUpdate): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]!(u);
  }
}

function triggerCrossedMessage(side: OrderSide): string {
  return side === 'BUY'
    ? 'Trigger price for stoploss buy orders should be higher than the last traded price.'
    : 'Trigger price for stoploss sell orders should be lower than the last traded price.';
}
