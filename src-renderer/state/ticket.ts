import type { ManualOrderInput, OrderDto, PlaceResult } from '../../src-engine/contract/trading-schemas.js';
import { parseRupeesToPaise } from '../format/rupees.js';

/** What the order ticket's fields hold (text as typed; prices in rupees). */
export interface TicketForm {
  side: 'BUY' | 'SELL';
  qty: string;
  orderType: OrderDto['orderType'];
  price: string;
  trigger: string;
  product: OrderDto['product'];
  validity: OrderDto['validity'];
  amo: boolean;
}

export const DEFAULT_TICKET: TicketForm = {
  side: 'BUY',
  qty: '1',
  orderType: 'MARKET',
  price: '',
  trigger: '',
  product: 'MIS',
  validity: 'DAY',
  amo: false,
};

export const ORDER_TYPES: readonly OrderDto['orderType'][] = ['MARKET', 'LIMIT', 'SL', 'SL-M'];
export const PRODUCTS: readonly OrderDto['product'][] = ['MIS', 'CNC', 'NRML'];
export const VALIDITIES: readonly OrderDto['validity'][] = ['DAY', 'IOC'];

/** LIMIT and SL carry a limit price. */
export const needsPrice = (t: OrderDto['orderType']): boolean => t === 'LIMIT' || t === 'SL';
/** SL and SL-M carry a trigger price. */
export const needsTrigger = (t: OrderDto['orderType']): boolean => t === 'SL' || t === 'SL-M';

/** The most units one order may ask for (the contract's bound). */
export const MAX_QTY = 10_000_000;

export type BuiltOrder = Omit<ManualOrderInput, 'clientId'>;
export type BuildResult = { ok: true; order: BuiltOrder } | { ok: false; message: string };

/**
 * The ticket's fields as an `orders.place` input (without the clientId), or why not. Prices are read
 * from the text into integer paise (never rupees × 100 in floats); a price the type does not use is
 * left out even if the field still holds one.
 */
export function buildOrder(form: TicketForm, symbol: string | null): BuildResult {
  if (symbol === null) return { ok: false, message: 'Select a symbol first' };
  const qtyText = form.qty.trim();
  if (!/^\d+$/.test(qtyText)) return { ok: false, message: 'Quantity must be a whole number of units' };
  const qty = Number(qtyText);
  if (qty <= 0 || qty > MAX_QTY) return { ok: false, message: `Quantity must be 1 to ${MAX_QTY}` };

  const order: BuiltOrder = {
    symbol,
    side: form.side,
    qty,
    orderType: form.orderType,
    product: form.product,
    validity: form.validity,
    variety: form.amo ? 'amo' : 'regular',
  };
  if (needsPrice(form.orderType)) {
    const p = parseRupeesToPaise(form.price);
    if (p === null || p <= 0) return { ok: false, message: 'Enter a price in rupees (up to 2 decimals)' };
    order.pricePaise = p;
  }
  if (needsTrigger(form.orderType)) {
    const t = parseRupeesToPaise(form.trigger);
    if (t === null || t <= 0) return { ok: false, message: 'Enter a trigger price in rupees (up to 2 decimals)' };
    order.triggerPaise = t;
  }
  if (form.orderType === 'SL' && order.pricePaise !== undefined && order.triggerPaise !== undefined) {
    // a stop-loss buy triggers at or below its limit, a stop-loss sell at or above it
    if (form.side === 'BUY' && order.triggerPaise > order.pricePaise) return { ok: false, message: 'SL buy: trigger must not be above the price' };
    if (form.side === 'SELL' && order.triggerPaise < order.pricePaise) return { ok: false, message: 'SL sell: trigger must not be below the price' };
  }
  return { ok: true, order };
}

/** Identifies "the same order" across a retry: every field that goes to the engine, in a fixed order. */
export function orderKey(o: BuiltOrder): string {
  return JSON.stringify([o.symbol, o.side, o.qty, o.orderType, o.product, o.validity, o.variety, o.pricePaise ?? null, o.triggerPaise ?? null]);
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A fresh idempotency key for one ticket submission: "T" + the time in base 36 + 8 random letters or
 * digits — 17 characters, within Kite's 20-character tag.
 */
export function newClientId(now = Date.now(), random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  const bytes = random(8);
  let tail = '';
  for (const b of bytes) tail += ALNUM[b % ALNUM.length];
  return `T${now.toString(36).toUpperCase()}${tail}`.slice(0, 20);
}

/** A submission whose outcome is unknown (timed out, connection dropped): its retry reuses the clientId. */
export interface PendingAttempt {
  key: string;
  clientId: string;
}

/** Failures after which the order may or may not exist at the engine. */
export function isUncertain(code: string): boolean {
  return code === 'TIMEOUT' || code === 'DISCONNECTED';
}

/** The clientId for a submission: the pending one when this is a retry of the same order, else a new one. */
export function clientIdFor(pending: PendingAttempt | null, key: string, make: () => string = () => newClientId()): string {
  return pending !== null && pending.key === key ? pending.clientId : make();
}

/** What the ticket keeps after an answer: the attempt only when its outcome is unknown. */
export function afterAttempt(attempt: PendingAttempt, errorCode: string | null): PendingAttempt | null {
  return errorCode !== null && isUncertain(errorCode) ? attempt : null;
}

export type Tone = 'up' | 'warn' | 'down';

export interface TicketResultView {
  /** ALLOW, REDUCE, BLOCK, HALT_SESSION — or ERROR when the request itself failed or the form is invalid. */
  action: string;
  rule: string | null;
  tone: Tone;
  text: string;
  code: string | null;
}

/** How the ticket shows the engine's answer: ALLOW green, REDUCE amber with the quantity, BLOCK/HALT red with the rule. */
export function placeResultView(r: PlaceResult): TicketResultView {
  const d = r.decision;
  const rule = d.rule ?? null;
  const orders = r.orders.length === 0 ? '' : ` · ${r.orders.length === 1 ? `order ${r.orders[0]!.status}` : `${r.orders.length} orders`}`;
  const msg = d.message ? ` — ${d.message}` : '';
  switch (d.action) {
    case 'ALLOW':
      return { action: 'ALLOW', rule, tone: 'up', text: `ALLOW${d.slices && d.slices.length > 1 ? ` in ${d.slices.length} slices` : ''}${orders}`, code: null };
    case 'REDUCE':
      return { action: 'REDUCE', rule, tone: 'warn', text: `REDUCE to ${d.reducedQty ?? '?'}${rule ? ` (${rule})` : ''}${orders}${msg}`, code: null };
    default:
      return { action: d.action, rule, tone: 'down', text: `${d.action}${rule ? ` ${rule}` : ''}${msg}`, code: null };
  }
}

export function errorResultView(code: string, message: string): TicketResultView {
  const retry = isUncertain(code) ? ' — resubmit to retry safely (same client id)' : '';
  return { action: 'ERROR', rule: null, tone: 'down', text: `${code}: ${message}${retry}`, code };
}
