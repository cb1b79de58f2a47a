/**
 * The broker port: what the order manager (OMS) needs from a paper, shadow or live broker, and the
 * read-only market view the simulated brokers price against. Money and prices are integer paise.
 *
 * Contract, in short:
 *  - The OMS records an order (status PUT ORDER REQ RECEIVED, journaled write-ahead) and only then
 *    calls `place`. Everything after that arrives as {@link BrokerOrderUpdate}s, possibly
 *    synchronously inside `place`/`modify`/`cancel` (the paper broker at latency 0 does so).
 *  - `place` throws {@link BrokerError} only when the order was certainly NOT placed. When the outcome
 *    is unknown (a timeout, a dropped connection) the broker reports an update that keeps the status
 *    and says {@link OUTCOME_UNKNOWN}; the OMS then flags the order for reconciliation.
 *  - `modify`/`cancel` throw BrokerError when the broker refuses the request outright (unknown or
 *    terminal order, too many modifications, …); otherwise the result again arrives as updates.
 *  - Listeners must not throw (the OMS's listener never does).
 */
import type { DepthSnapshot } from '../model/depth.js';
import type { Order, OrderStatus, OrderType, TradableInstrument, Validity } from '../model/order.js';

/** Fields of a resting order that a modification may change (Kite's modify params, in paise). */
export interface OrderModify {
  qty?: number;
  pricePaise?: number;
  triggerPaise?: number;
  orderType?: OrderType;
  validity?: Validity;
}

export interface BrokerOrderUpdate {
  orderId: string;
  status: OrderStatus;
  statusMessage?: string;
  /** One execution; its qty is added to the order's filledQty. Fill ids are unique per broker. */
  fill?: { fillId: string; qty: number; pricePaise: number };
  /** set by modify acks */
  modified?: OrderModify;
  /** Epoch ms of the event (feed time for simulated brokers). */
  tsEvent: number;
}

export type BrokerKind = 'paper' | 'shadow' | 'live';

export interface Broker {
  readonly kind: BrokerKind;
  /** Accept an order already recorded by the OMS (status PUT ORDER REQ RECEIVED). Outcome arrives as updates (possibly synchronously, inside this call). Throw BrokerError only if it certainly was NOT placed; an unknown outcome is reported as an update with status kept and statusMessage 'outcome unknown'. */
  place(order: Readonly<Order>): void;
  modify(orderId: string, changes: OrderModify): void;
  cancel(orderId: string): void;
  onUpdate(listener: (u: BrokerOrderUpdate) => void): () => void;
}

/** The statusMessage of an update whose outcome the broker could not establish. */
export const OUTCOME_UNKNOWN = 'outcome unknown';

/** Codes used by the brokers in this folder (a live adapter may add its own, e.g. Kite's error_type). */
export type BrokerErrorCode =
  | 'ORDER_NOT_FOUND'
  | 'ORDER_TERMINAL'
  | 'ORDER_NOT_MODIFIABLE'
  | 'ORDER_IN_FLIGHT'
  | 'MODIFY_LIMIT'
  | 'DUPLICATE_ORDER'
  | 'INVALID_REQUEST'
  | 'NO_BROKER'
  | (string & {});

/** A broker refused a request; for `place` it means the order certainly was not placed. */
export class BrokerError extends Error {
  readonly code: BrokerErrorCode;

  constructor(code: BrokerErrorCode, message: string) {
    super(message);
    this.name = 'BrokerError';
    this.code = code;
  }
}

/** What the simulated brokers read about the market. The kernel and the backtester implement it. */
export interface MarketView {
  lastPricePaise(symbol: string): number | undefined;
  /** Epoch ms of the last tick seen for the symbol. */
  lastTickAt(symbol: string): number | undefined;
  depth(symbol: string): DepthSnapshot | undefined;
  instrument(symbol: string): TradableInstrument | undefined;
}
