import { orderStatusSchema, type OrderDto } from '../contract/trading-schemas.js';

type ContractOrderStatus = OrderDto['status'];

/**
 * Orders, fills and tradable instruments: the vocabulary shared by risk, the order manager, the
 * brokers (paper, shadow, live) and the ledger. Money and prices are integer paise everywhere.
 * String values follow Kite Connect's wire values so a live order needs no translation.
 */

export type OrderSide = 'BUY' | 'SELL';
export type OrderType = 'MARKET' | 'LIMIT' | 'SL' | 'SL-M';
export type Product = 'CNC' | 'MIS' | 'NRML';
export type Validity = 'DAY' | 'IOC';
/** `regular` trades in the session; `amo` (after-market order) waits for the next open. */
export type Variety = 'regular' | 'amo';
export type Exchange = 'NSE' | 'BSE' | 'NFO' | 'BFO';
/** What an instrument is, for charges, lot rules and risk. */
export type InstrumentKind = 'equity' | 'future' | 'option';

export const ORDER_TYPES: readonly OrderType[] = ['MARKET', 'LIMIT', 'SL', 'SL-M'];
export const PRODUCTS: readonly Product[] = ['CNC', 'MIS', 'NRML'];
export const VALIDITIES: readonly Validity[] = ['DAY', 'IOC'];
export const EXCHANGES: readonly Exchange[] = ['NSE', 'BSE', 'NFO', 'BFO'];

/** What risk and the brokers must know about an instrument. */
export interface TradableInstrument {
  symbol: string;
  exchange: Exchange;
  kind: InstrumentKind;
  tickSizePaise: number;
  /** Orders must be a whole number of lots (1 for cash equity). */
  lotSize: number;
  /** Exchange maximum quantity per order (not in Kite's instrument dump; configured). Undefined = none known. */
  freezeQty?: number | undefined;
}

/** Who asked for an order. */
export type OrderSource = 'strategy' | 'manual' | 'exit' | 'squareoff' | 'killswitch';

/**
 * A request to place an order, before any gate. `clientId` is our idempotency key and is sent to Kite
 * as `tag`: alphanumeric, 1–20 characters. The same clientId never produces two broker orders.
 */
export interface OrderRequest {
  clientId: string;
  symbol: string;
  exchange: Exchange;
  side: OrderSide;
  /** Units (shares, or contracts × lot size for F&O — Kite's quantity is always in units). */
  qty: number;
  orderType: OrderType;
  product: Product;
  validity: Validity;
  variety: Variety;
  /** Limit price (LIMIT, SL), paise. */
  pricePaise?: number | undefined;
  /** Trigger price (SL, SL-M), paise. */
  triggerPaise?: number | undefined;
  /** Strategy instance id that owns the order ('manual' for a person's order). */
  strategy: string;
  source: OrderSource;
  /** Epoch ms when the request was made (feed time). */
  tsInit: number;
}

export const CLIENT_ID_RE = /^[A-Za-z0-9]{1,20}$/;

/**
 * Kite's order statuses (wire strings). Terminal: COMPLETE, CANCELLED, REJECTED. Resting: OPEN and
 * TRIGGER PENDING (SL, SL-M); AMO REQ RECEIVED waits for the next session. The rest are transient.
 */
export type OrderStatus = ContractOrderStatus;
/** Every status, in lifecycle order (the contract's list: one source for engine and UI). */
export const ORDER_STATUSES: readonly OrderStatus[] = orderStatusSchema.options;

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['COMPLETE', 'CANCELLED', 'REJECTED']);

export function isTerminal(s: OrderStatus): boolean {
  return TERMINAL_STATUSES.has(s);
}

/** An order as the order manager tracks it. */
export interface Order extends OrderRequest {
  /** Our order id (the broker's id for live orders; a string, never parsed as a number). */
  orderId: string;
  status: OrderStatus;
  /** Readable reason for a rejection or cancellation. */
  statusMessage?: string | undefined;
  filledQty: number;
  /** qty − filledQty − cancelledQty. */
  pendingQty: number;
  cancelledQty: number;
  /** Sum over fills of qty × price, paise (average price = filledValuePaise / filledQty). */
  filledValuePaise: number;
  /** Times the order was modified (Kite allows 25). */
  modifications: number;
  tsUpdate: number;
}

/** One execution (a Kite trade). */
export interface Fill {
  fillId: string;
  orderId: string;
  clientId: string;
  symbol: string;
  exchange: Exchange;
  side: OrderSide;
  product: Product;
  strategy: string;
  qty: number;
  pricePaise: number;
  tsEvent: number;
}
