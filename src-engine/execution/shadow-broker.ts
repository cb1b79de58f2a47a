/**
 * The shadow broker: simulates exactly like the paper broker (same options, same fills) and also
 * records what a live Kite broker would have been sent for each request — the form parameters of
 * POST /orders/:variety (tag = clientId; market_protection on MARKET and SL-M, mandatory since
 * 2026-04-01), PUT /orders/:variety/:order_id and DELETE /orders/:variety/:order_id — so the UI can
 * compare the simulated outcome with the live request. Prices are rupee strings with 2 decimals, as
 * Kite's form takes them. Nothing is ever sent.
 */
import { formatRupees } from '../core/money.js';
import type { Order, OrderStatus, Variety } from '../model/order.js';
import { type BrokerKind, type OrderModify } from './broker.js';
import { needsPrice, needsTrigger } from './order-state.js';
import { PaperBroker, type PaperBrokerOptions } from './paper-broker.js';

/** Kite's market_protection value for "automatic". */
export const MARKET_PROTECTION_AUTO = -1;

export type KiteParams = Readonly<Record<string, string | number>>;

export interface WouldSend {
  orderId: string;
  /** place = POST /orders/:variety, modify = PUT, cancel = DELETE /orders/:variety/:order_id. */
  kind: 'place' | 'modify' | 'cancel';
  variety: Variety;
  params: KiteParams;
  tsEvent: number;
}

export interface ShadowBrokerOptions extends PaperBrokerOptions {
  /**
   * market_protection sent with MARKET / SL-M orders: -1 (Kite's automatic band, the default) or a
   * percentage 0 < x ≤ 100. The simulation uses it as its band when positive, else protectionPct.
   */
  marketProtection?: number;
}

/** The form parameters of POST /orders/:variety for `order` (what ShadowBroker records and the journal rebuilds). */
export function shadowPlaceParams(order: Readonly<Order>, marketProtection: number): Record<string, string | number> {
  const p: Record<string, string | number> = {
    tradingsymbol: order.symbol,
    exchange: order.exchange,
    transaction_type: order.side,
    order_type: order.orderType,
    quantity: order.qty,
    product: order.product,
    validity: order.validity,
    tag: order.clientId,
  };
  if (needsPrice(order.orderType) && order.pricePaise !== undefined) p['price'] = formatRupees(order.pricePaise);
  if (needsTrigger(order.orderType) && order.triggerPaise !== undefined) p['trigger_price'] = formatRupees(order.triggerPaise);
  if (order.orderType === 'MARKET' || order.orderType === 'SL-M') p['market_protection'] = marketProtection;
  return p;
}

/** The form parameters of PUT /orders/:variety/:order_id for `changes`. */
export function shadowModifyParams(changes: Readonly<OrderModify>, marketProtection: number): Record<string, string | number> {
  const p: Record<string, string | number> = {};
  if (changes.qty !== undefined) p['quantity'] = changes.qty;
  if (changes.pricePaise !== undefined) p['price'] = formatRupees(changes.pricePaise);
  if (changes.triggerPaise !== undefined) p['trigger_price'] = formatRupees(changes.triggerPaise);
  if (changes.orderType !== undefined) p['order_type'] = changes.orderType;
  if (changes.validity !== undefined) p['validity'] = changes.validity;
  if (changes.orderType === 'MARKET' || changes.orderType === 'SL-M') p['market_protection'] = marketProtection;
  return p;
}

/** One journalled state of an order (order_events: the event and the order as it stood after it). */
export interface JournalledOrderState {
  ts: number;
  event: string;
  status: OrderStatus;
  order: Readonly<Order>;
}

/**
 * The requests a shadow order would have sent, rebuilt from its journal (orders the shadow broker no
 * longer holds: an earlier day's, or today's after a restart): the place from the `placed` state, a
 * modify for each `modified` state (the fields that changed), a cancel where the order went to CANCEL
 * PENDING (or an AMO straight to CANCELLED without a reason: an exchange expiry or an IOC remainder
 * carries one).
 */
export function shadowRequestsFromJournal(orderId: string, states: readonly JournalledOrderState[], marketProtection: number): WouldSend[] {
  const out: WouldSend[] = [];
  let prev: Readonly<Order> | undefined;
  for (const s of states) {
    const o = s.order;
    if (s.event === 'placed' && prev === undefined) {
      out.push({ orderId, kind: 'place', variety: o.variety, params: shadowPlaceParams(o, marketProtection), tsEvent: s.ts });
    } else if (prev !== undefined && s.event === 'modified') {
      const changes: OrderModify = {};
      if (o.qty !== prev.qty) changes.qty = o.qty;
      if (o.pricePaise !== prev.pricePaise && o.pricePaise !== undefined) changes.pricePaise = o.pricePaise;
      if (o.triggerPaise !== prev.triggerPaise && o.triggerPaise !== undefined) changes.triggerPaise = o.triggerPaise;
      if (o.orderType !== prev.orderType) changes.orderType = o.orderType;
      if (o.validity !== prev.validity) changes.validity = o.validity;
      out.push({ orderId, kind: 'modify', variety: o.variety, params: shadowModifyParams(changes, marketProtection), tsEvent: s.ts });
    } else if (
      prev !== undefined &&
      prev.status !== 'CANCEL PENDING' &&
      (s.status === 'CANCEL PENDING' || (s.status === 'CANCELLED' && prev.status === 'AMO REQ RECEIVED' && !o.statusMessage))
    ) {
      out.push({ orderId, kind: 'cancel', variety: o.variety, params: {}, tsEvent: s.ts });
    }
    prev = o;
  }
  return out;
}

export class ShadowBroker extends PaperBroker {
  override readonly kind: BrokerKind = 'shadow';
  private readonly records: WouldSend[] = [];
  private readonly varieties = new Map<string, Variety>();
  /** market_protection sent with MARKET / SL-M (-1: Kite's automatic band). */
  readonly marketProtection: number;
  private readonly now: () => number;

  constructor(opts: ShadowBrokerOptions) {
    const mp = opts.marketProtection ?? MARKET_PROTECTION_AUTO;
    if (!(mp === MARKET_PROTECTION_AUTO || (mp > 0 && mp <= 100))) {
      throw new RangeError(`marketProtection must be -1 (auto) or 0 < x ≤ 100, got ${String(opts.marketProtection)}`);
    }
    super(mp > 0 ? { ...opts, protectionPct: mp } : opts);
    this.marketProtection = mp;
    this.now = () => opts.clock.now();
  }

  /** Every request a live broker would have been sent, oldest first. */
  wouldSend(): ReadonlyArray<WouldSend> {
    return this.records;
  }

  /** The requests recorded for one order. */
  wouldSendFor(orderId: string): WouldSend[] {
    return this.records.filter((r) => r.orderId === orderId);
  }

  /** Forgets the recorded requests (the simulation state stays). */
  clearWouldSend(): void {
    this.records.length = 0;
  }

  override place(order: Readonly<Order>): void {
    if (!this.knows(order.orderId)) {
      this.varieties.set(order.orderId, order.variety);
      this.records.push({ orderId: order.orderId, kind: 'place', variety: order.variety, params: shadowPlaceParams(order, this.marketProtection), tsEvent: this.now() });
    }
    super.place(order);
  }

  override modify(orderId: string, changes: OrderModify): void {
    super.modify(orderId, changes);
    this.records.push({ orderId, kind: 'modify', variety: this.varieties.get(orderId) ?? 'regular', params: shadowModifyParams(changes, this.marketProtection), tsEvent: this.now() });
  }

  override cancel(orderId: string): void {
    super.cancel(orderId);
    this.records.push({ orderId, kind: 'cancel', variety: this.varieties.get(orderId) ?? 'regular', params: {}, tsEvent: this.now() });
  }
}
