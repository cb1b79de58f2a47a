/**
 * Kite's order status lifecycle as a transition table, and the one function that moves an order
 * from one state to the next ({@link applyUpdate}). Nothing else changes an Order's quantities.
 *
 * Kite's observed sequences (kite-protocol.md §2.7, platform-notes.md §4.4):
 *   placement  PUT ORDER REQ RECEIVED → VALIDATION PENDING → OPEN PENDING → OPEN | TRIGGER PENDING | COMPLETE | REJECTED
 *   trigger    TRIGGER PENDING → OPEN (SL becomes a limit, SL-M a protected market order) → COMPLETE
 *   fills      OPEN → OPEN (partial) → … → COMPLETE
 *   modify     OPEN | TRIGGER PENDING → MODIFY VALIDATION PENDING → MODIFY PENDING → OPEN | TRIGGER PENDING
 *              (Kite's transient MODIFIED is not in the model; the ack carries `modified` instead)
 *   cancel     … → CANCEL PENDING → CANCELLED; a cancel that loses the race ends COMPLETE, a refused one
 *              returns to the resting state
 *   AMO        (PUT ORDER REQ RECEIVED →) AMO REQ RECEIVED → (at the open) VALIDATION PENDING → OPEN PENDING → …;
 *              an AMO is modified in place (AMO → AMO) and cancelled directly (AMO → CANCELLED)
 *   IOC        leftovers: OPEN → CANCELLED directly
 *   terminal   COMPLETE, CANCELLED, REJECTED never change.
 *
 * Decisions where Kite is not explicit (documented so a live adapter can rely on them):
 *  - Forward skips of the TRANSIENT placement states are legal (PUT ORDER REQ RECEIVED → OPEN, OPEN PENDING
 *    → COMPLETE, …): Kite's postbacks/WS updates do not report every transient status. Skipping a resting
 *    state backwards or sideways is not (OPEN → TRIGGER PENDING must go through the modify states).
 *  - A modify ack may skip the modify states (OPEN → OPEN with `modified`).
 *  - Every non-terminal status may "follow itself": a partial fill, an AMO modified in place, or an
 *    update that only carries a statusMessage (e.g. 'outcome unknown').
 *  - REJECTED only follows the placement states (and AMO at the open). A refused modify or cancel
 *    returns the order to its resting state; it never rejects the order.
 *  - A fill may accompany only an update into OPEN, COMPLETE, MODIFY VALIDATION PENDING, MODIFY PENDING or
 *    CANCEL PENDING (the order is at the exchange). COMPLETE requires filledQty === qty afterwards.
 *  - CANCELLED and REJECTED move everything still pending into cancelledQty, so
 *    filledQty + pendingQty + cancelledQty === qty always holds and pendingQty is 0 in a terminal state.
 */
import { ORDER_STATUSES, type Order, type OrderStatus, type OrderType } from '../model/order.js';
import type { BrokerOrderUpdate, OrderModify } from './broker.js';

/** Kite allows 25 modifications per order. */
export const MAX_MODIFICATIONS = 25;

export const ALL_STATUSES: readonly OrderStatus[] = ORDER_STATUSES;

/** Statuses in which an order waits at the exchange (or for the open) and may be modified. */
export const RESTING_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['OPEN', 'TRIGGER PENDING', 'AMO REQ RECEIVED']);

/** Statuses an update carrying a fill may move into. */
export const FILL_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'OPEN',
  'COMPLETE',
  'MODIFY VALIDATION PENDING',
  'MODIFY PENDING',
  'CANCEL PENDING',
]);

/** Statuses a modify ack may come from. */
const MODIFY_ACK_FROM: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'OPEN',
  'TRIGGER PENDING',
  'AMO REQ RECEIVED',
  'MODIFY VALIDATION PENDING',
  'MODIFY PENDING',
]);

type S = OrderStatus;
const PLACEMENT_ONWARD: readonly S[] = ['OPEN', 'TRIGGER PENDING', 'CANCEL PENDING', 'COMPLETE', 'CANCELLED', 'REJECTED'];

/** from → the statuses that may follow it (self-transitions included for every non-terminal status). */
const TABLE: Readonly<Record<S, readonly S[]>> = {
  'PUT ORDER REQ RECEIVED': ['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'AMO REQ RECEIVED', ...PLACEMENT_ONWARD],
  'VALIDATION PENDING': ['VALIDATION PENDING', 'OPEN PENDING', 'AMO REQ RECEIVED', ...PLACEMENT_ONWARD],
  'OPEN PENDING': ['OPEN PENDING', ...PLACEMENT_ONWARD],
  'AMO REQ RECEIVED': ['AMO REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', ...PLACEMENT_ONWARD],
  OPEN: ['OPEN', 'MODIFY VALIDATION PENDING', 'MODIFY PENDING', 'CANCEL PENDING', 'COMPLETE', 'CANCELLED'],
  'TRIGGER PENDING': ['TRIGGER PENDING', 'OPEN', 'MODIFY VALIDATION PENDING', 'MODIFY PENDING', 'CANCEL PENDING', 'COMPLETE', 'CANCELLED'],
  'MODIFY VALIDATION PENDING': ['MODIFY VALIDATION PENDING', 'MODIFY PENDING', 'OPEN', 'TRIGGER PENDING', 'CANCEL PENDING', 'COMPLETE', 'CANCELLED'],
  'MODIFY PENDING': ['MODIFY PENDING', 'OPEN', 'TRIGGER PENDING', 'CANCEL PENDING', 'COMPLETE', 'CANCELLED'],
  'CANCEL PENDING': ['CANCEL PENDING', 'OPEN', 'TRIGGER PENDING', 'AMO REQ RECEIVED', 'COMPLETE', 'CANCELLED'],
  COMPLETE: [],
  CANCELLED: [],
  REJECTED: [],
};

export const ORDER_TRANSITIONS: ReadonlyMap<OrderStatus, ReadonlySet<OrderStatus>> = new Map(
  ALL_STATUSES.map((s) => [s, new Set(TABLE[s])] as const),
);

/** isTerminal() by direct comparison (no set lookup): COMPLETE, CANCELLED, REJECTED. */
export function isTerminalStatus(s: OrderStatus): boolean {
  return s === 'COMPLETE' || s === 'CANCELLED' || s === 'REJECTED';
}

/** True when Kite's lifecycle allows `to` to follow `from` (see the file comment for the rules). */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS.get(from)?.has(to) ?? false;
}

export function needsPrice(t: OrderType): boolean {
  return t === 'LIMIT' || t === 'SL';
}

export function needsTrigger(t: OrderType): boolean {
  return t === 'SL' || t === 'SL-M';
}

/** An update that would corrupt an order: names the order, the current and the requested status. */
export class OrderStateError extends Error {
  constructor(
    readonly orderId: string,
    readonly from: OrderStatus,
    readonly to: OrderStatus,
    reason: string,
  ) {
    super(`order ${orderId}: ${from} → ${to}: ${reason}`);
    this.name = 'OrderStateError';
  }
}

function fail(order: Readonly<Order>, to: OrderStatus, reason: string): never {
  throw new OrderStateError(order.orderId, order.status, to, reason);
}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/**
 * The order after `update`, as a new object (the input is not touched). Throws OrderStateError for
 * an illegal transition, a fill on a terminal order, a fill beyond the pending quantity, a COMPLETE
 * that is not fully filled, or a malformed fill/modification — never returns a corrupted order.
 */
export function applyUpdate(order: Readonly<Order>, update: Readonly<BrokerOrderUpdate>): Order {
  return transition(order, update, undefined);
}

/**
 * Like applyUpdate, but writes the result into `order` itself (the OMS's hot path: no copy per
 * update). Every check runs before the first write, so on a throw `order` is unchanged.
 */
export function applyUpdateInPlace(order: Order, update: Readonly<BrokerOrderUpdate>): Order {
  return transition(order, update, order);
}

function transition(order: Readonly<Order>, update: Readonly<BrokerOrderUpdate>, into: Order | undefined): Order {
  const from = order.status;
  const to = update.status;
  // (no closure here: this runs several times per order on the hot path)
  if (update.orderId !== order.orderId) fail(order, to, `update is for order ${update.orderId}`);
  if (isTerminalStatus(from)) fail(order, to, update.fill ? 'fill on a terminal order' : 'a terminal order never changes');
  if (!canTransition(from, to)) fail(order, to, 'illegal transition');
  if (!Number.isSafeInteger(update.tsEvent)) fail(order, to, `tsEvent must be an integer epoch ms, got ${String(update.tsEvent)}`);

  let qty = order.qty;
  let pricePaise = order.pricePaise;
  let triggerPaise = order.triggerPaise;
  let orderType = order.orderType;
  let validity = order.validity;
  let modifications = order.modifications;
  let filledQty = order.filledQty;
  let filledValuePaise = order.filledValuePaise;
  let cancelledQty = order.cancelledQty;

  const m = update.modified;
  if (m !== undefined) {
    if (!MODIFY_ACK_FROM.has(from) || !RESTING_STATUSES.has(to)) fail(order, to, 'a modify ack must take a resting or modifying order back to rest');
    if (m.qty !== undefined) {
      if (!isPosInt(m.qty)) fail(order, to, `modified qty must be a positive integer, got ${String(m.qty)}`);
      if (m.qty <= filledQty) fail(order, to, `modified qty ${m.qty} must exceed the filled quantity ${filledQty}`);
      qty = m.qty;
    }
    if (m.orderType !== undefined) orderType = m.orderType;
    if (m.validity !== undefined) validity = m.validity;
    if (m.pricePaise !== undefined) {
      if (!isPosInt(m.pricePaise)) fail(order, to, `modified price must be a positive integer (paise), got ${String(m.pricePaise)}`);
      pricePaise = m.pricePaise;
    }
    if (m.triggerPaise !== undefined) {
      if (!isPosInt(m.triggerPaise)) fail(order, to, `modified trigger must be a positive integer (paise), got ${String(m.triggerPaise)}`);
      triggerPaise = m.triggerPaise;
    }
    if (!needsPrice(orderType)) pricePaise = undefined;
    else if (pricePaise === undefined) fail(order, to, `a ${orderType} order needs a price`);
    if (!needsTrigger(orderType)) triggerPaise = undefined;
    else if (triggerPaise === undefined) fail(order, to, `a ${orderType} order needs a trigger price`);
    modifications++;
  }

  let pendingQty = qty - filledQty - cancelledQty;
  const f = update.fill;
  if (f !== undefined) {
    if (!FILL_STATUSES.has(to)) fail(order, to, 'a fill must come with OPEN, COMPLETE or a modify/cancel pending status');
    if (!isPosInt(f.qty)) fail(order, to, `fill ${f.fillId} qty must be a positive integer, got ${String(f.qty)}`);
    if (!isPosInt(f.pricePaise)) fail(order, to, `fill ${f.fillId} price must be a positive integer (paise), got ${String(f.pricePaise)}`);
    if (f.qty > pendingQty) fail(order, to, `fill ${f.fillId} of ${f.qty} exceeds the pending quantity ${pendingQty} (qty ${qty}, filled ${filledQty})`);
    filledQty += f.qty;
    filledValuePaise += f.qty * f.pricePaise;
    if (!Number.isSafeInteger(filledValuePaise)) fail(order, to, 'filled value is outside the safe integer range');
    pendingQty -= f.qty;
  }

  if (to === 'COMPLETE' && filledQty !== qty) fail(order, to, `COMPLETE with ${filledQty} of ${qty} filled`);
  if (to === 'CANCELLED' || to === 'REJECTED') {
    cancelledQty += pendingQty;
    pendingQty = 0;
  }

  const statusMessage = update.statusMessage ?? (to === from ? order.statusMessage : undefined);
  if (into !== undefined) {
    into.qty = qty;
    into.orderType = orderType;
    into.validity = validity;
    into.pricePaise = pricePaise;
    into.triggerPaise = triggerPaise;
    into.status = to;
    into.statusMessage = statusMessage;
    into.filledQty = filledQty;
    into.pendingQty = pendingQty;
    into.cancelledQty = cancelledQty;
    into.filledValuePaise = filledValuePaise;
    into.modifications = modifications;
    into.tsUpdate = update.tsEvent;
    return into;
  }
  return {
    clientId: order.clientId,
    symbol: order.symbol,
    exchange: order.exchange,
    side: order.side,
    qty,
    orderType,
    product: order.product,
    validity,
    variety: order.variety,
    pricePaise,
    triggerPaise,
    strategy: order.strategy,
    source: order.source,
    tsInit: order.tsInit,
    orderId: order.orderId,
    status: to,
    statusMessage,
    filledQty,
    pendingQty,
    cancelledQty,
    filledValuePaise,
    modifications,
    tsUpdate: update.tsEvent,
  };
}

/** Checks a modification's shape against the order it would change; returns a reason or null. */
export function modifyProblem(order: Readonly<Order>, changes: Readonly<OrderModify>): string | null {
  const keys = ['qty', 'pricePaise', 'triggerPaise', 'orderType', 'validity'] as const;
  if (!keys.some((k) => changes[k] !== undefined)) return 'nothing to modify';
  if (changes.qty !== undefined) {
    if (!isPosInt(changes.qty)) return `qty must be a positive integer, got ${String(changes.qty)}`;
    if (changes.qty <= order.filledQty) return `qty ${changes.qty} must exceed the filled quantity ${order.filledQty}`;
  }
  if (changes.pricePaise !== undefined && !isPosInt(changes.pricePaise)) return `pricePaise must be a positive integer, got ${String(changes.pricePaise)}`;
  if (changes.triggerPaise !== undefined && !isPosInt(changes.triggerPaise)) return `triggerPaise must be a positive integer, got ${String(changes.triggerPaise)}`;
  if (changes.orderType !== undefined && !['MARKET', 'LIMIT', 'SL', 'SL-M'].includes(changes.orderType)) return `unknown orderType ${String(changes.orderType)}`;
  if (changes.validity !== undefined && changes.validity !== 'DAY' && changes.validity !== 'IOC') return `unknown validity ${String(changes.validity)}`;
  const t = changes.orderType ?? order.orderType;
  if (!needsPrice(t) && changes.pricePaise !== undefined) return `a ${t} order takes no price`;
  if (!needsTrigger(t) && changes.triggerPaise !== undefined) return `a ${t} order takes no trigger price`;
  if (needsPrice(t) && (changes.pricePaise ?? order.pricePaise) === undefined) return `a ${t} order needs a price`;
  if (needsTrigger(t) && (changes.triggerPaise ?? order.triggerPaise) === undefined) return `a ${t} order needs a trigger price`;
  return null;
}
