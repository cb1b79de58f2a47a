/**
 * Live and shadow margin check (issue 14): asks Kite's basket-margin API what an order would block, with
 * the account's open positions considered (POST /margins/basket?consider_positions=true), and compares it
 * with the equity segment's available margin (GET /user/margins/equity `net`). Paper keeps the documented
 * approximation (portfolio/fno-margin.ts).
 *
 *  - Both calls go through KiteRest, i.e. through its `other` rate limiter.
 *  - Answers are cached briefly (`ttlMs`, default 2 s, on the injected clock): the requirement per order
 *    shape (symbol, side, qty, product, type, price), the available margin once for all orders. A fill or
 *    a position change should call `invalidate()`.
 *  - Never assumes enough margin: a failed or malformed margin call refuses the order, and the reason says
 *    which call failed and why. A refusal for too little margin quotes Kite's required vs available.
 */
import { type Clock, systemClock } from '../../core/clock.js';
import { formatRupees } from '../../core/money.js';
import type { BasketMarginOrder, KiteBasketMargin, KiteSegmentMargin } from './rest-types.js';
import type { Order, OrderRequest } from '../../model/order.js';
import { type Broker, BrokerError, type BrokerKind, type BrokerOrderUpdate, type OrderModify } from '../../execution/broker.js';

/** The two KiteRest calls the gate uses (KiteRest satisfies it). */
export interface KiteMarginApi {
  basketMargins(orders: readonly BasketMarginOrder[], considerPositions?: boolean): Promise<KiteBasketMargin>;
  margins(segment: 'equity'): Promise<KiteSegmentMargin>;
}

export type MarginVerdict =
  | { ok: true; requiredPaise: number; availablePaise: number }
  | { ok: false; reason: string; requiredPaise?: number; availablePaise?: number };

export interface KiteMarginGateOptions {
  api: KiteMarginApi;
  clock?: Clock;
  /** How long an answer is reused, ms (default 2000; 0 = never cached). */
  ttlMs?: number;
}

type MarginOrder = Pick<OrderRequest, 'symbol' | 'exchange' | 'side' | 'qty' | 'orderType' | 'product' | 'variety' | 'pricePaise' | 'triggerPaise'>;

const rs = (p: number) => `₹${formatRupees(p)}`;
const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class KiteMarginGate {
  private readonly api: KiteMarginApi;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly required = new Map<string, { at: number; paise: number }>();
  private available: { at: number; paise: number } | undefined;
  private calls = 0;

  constructor(o: KiteMarginGateOptions) {
    this.api = o.api;
    this.clock = o.clock ?? systemClock;
    this.ttlMs = o.ttlMs ?? 2000;
    if (!(Number.isFinite(this.ttlMs) && this.ttlMs >= 0)) throw new RangeError(`ttlMs must be ≥ 0, got ${String(o.ttlMs)}`);
  }

  /** Basket-margin calls made so far (cache misses). */
  basketCalls(): number {
    return this.calls;
  }

  /** Drops the cached answers (after a fill, a position change or funds added). */
  invalidate(): void {
    this.required.clear();
    this.available = undefined;
  }

  /** Whether Kite's margin covers `order` (with open positions considered). Never rejects. */
  async check(order: MarginOrder): Promise<MarginVerdict> {
    const now = this.clock.now();
    const key = `${order.exchange}:${order.symbol}|${order.side}|${order.qty}|${order.product}|${order.orderType}|${order.variety}|${order.pricePaise ?? ''}|${order.triggerPaise ?? ''}`;
    let need = this.required.get(key);
    if (!need || now - need.at >= this.ttlMs) {
      try {
        this.calls++;
        const b = await this.api.basketMargins(
          [
            {
              exchange: order.exchange,
              tradingsymbol: order.symbol,
              transactionType: order.side,
              variety: order.variety,
              product: order.product,
              orderType: order.orderType,
              quantity: order.qty,
              ...(order.pricePaise !== undefined ? { pricePaise: order.pricePaise } : {}),
              ...(order.triggerPaise !== undefined ? { triggerPricePaise: order.triggerPaise } : {}),
            },
          ],
          true,
        );
        need = { at: now, paise: b.finalTotalPaise };
      } catch (e) {
        return { ok: false, reason: `margin check failed: Kite's basket-margin call for ${order.qty} ${order.exchange}:${order.symbol} failed (${why(e)}); the order is refused rather than assume enough margin` };
      }
      if (this.ttlMs > 0) this.required.set(key, need);
    }
    let avail = this.available;
    if (!avail || now - avail.at >= this.ttlMs) {
      try {
        avail = { at: now, paise: (await this.api.margins('equity')).netPaise };
      } catch (e) {
        return { ok: false, requiredPaise: need.paise, reason: `margin check failed: Kite's available-margin call failed (${why(e)}); the order is refused rather than assume enough margin` };
      }
      if (this.ttlMs > 0) this.available = avail;
    }
    if (need.paise > avail.paise) {
      return {
        ok: false,
        requiredPaise: need.paise,
        availablePaise: avail.paise,
        reason: `margin: Kite requires ${rs(need.paise)} for ${order.side} ${order.qty} ${order.exchange}:${order.symbol} (open positions considered) but only ${rs(avail.paise)} is available`,
      };
    }
    return { ok: true, requiredPaise: need.paise, availablePaise: avail.paise };
  }
}

/**
 * A broker that asks the gate before placing a derivative (NFO / BFO) order: placed by `inner` only when
 * Kite's margin covers it, else REJECTED with the gate's reason (Kite's required vs available, or the
 * failed call). Other exchanges pass straight through. While the answer is pending, a cancel concludes
 * the order (CANCELLED, never sent) and a modify is refused (ORDER_IN_FLIGHT).
 */
export class MarginGatedBroker implements Broker {
  readonly kind: BrokerKind;
  private listeners: ((u: BrokerOrderUpdate) => void)[] = [];
  private readonly pending = new Map<string, { cancelled: boolean }>();
  private readonly clock: Clock;

  constructor(
    private readonly inner: Broker,
    private readonly gate: Pick<KiteMarginGate, 'check' | 'invalidate'>,
    opts: { clock?: Clock; exchanges?: readonly string[] } = {},
  ) {
    this.kind = inner.kind;
    this.clock = opts.clock ?? systemClock;
    this.gated = new Set(opts.exchanges ?? ['NFO', 'BFO']);
    inner.onUpdate((u) => {
      // a fill changes the positions Kite considers: the cached answers are stale
      if (u.fill) this.gate.invalidate();
      this.emit(u);
    });
  }

  private readonly gated: ReadonlySet<string>;

  /** Orders waiting for the margin answer. */
  pendingCount(): number {
    return this.pending.size;
  }

  place(order: Readonly<Order>): void {
    if (!this.gated.has(order.exchange)) {
      this.inner.place(order);
      return;
    }
    if (this.pending.has(order.orderId)) throw new BrokerError('DUPLICATE_ORDER', `order ${order.orderId} is already waiting for its margin check`);
    const slot = { cancelled: false };
    this.pending.set(order.orderId, slot);
    const snapshot: Order = { ...order };
    void this.gate.check(snapshot).then(
      (v) => this.decided(snapshot, slot, v),
      (e: unknown) => this.decided(snapshot, slot, { ok: false, reason: `margin check failed: ${why(e)}; the order is refused rather than assume enough margin` }),
    );
  }

  private decided(order: Order, slot: { cancelled: boolean }, v: MarginVerdict): void {
    this.pending.delete(order.orderId);
    if (slot.cancelled) return;
    if (!v.ok) {
      this.emit({ orderId: order.orderId, status: 'REJECTED', statusMessage: v.reason, tsEvent: this.clock.now() });
      return;
    }
    try {
      this.inner.place(order);
    } catch (e) {
      this.emit({ orderId: order.orderId, status: 'REJECTED', statusMessage: why(e), tsEvent: this.clock.now() });
    }
  }

  modify(orderId: string, changes: OrderModify): void {
    if (this.pending.has(orderId)) throw new BrokerError('ORDER_IN_FLIGHT', `order ${orderId} is waiting for its margin check; modify it once it is placed`);
    this.inner.modify(orderId, changes);
  }

  cancel(orderId: string): void {
    const slot = this.pending.get(orderId);
    if (slot) {
      slot.cancelled = true;
      this.pending.delete(orderId);
      this.emit({ orderId, status: 'CANCELLED', statusMessage: 'cancelled before it was sent (during its margin check)', tsEvent: this.clock.now() });
      return;
    }
    this.inner.cancel(orderId);
  }

  onUpdate(listener: (u: BrokerOrderUpdate) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  private emit(u: BrokerOrderUpdate): void {
    for (const l of this.listeners) l(u);
  }
}
