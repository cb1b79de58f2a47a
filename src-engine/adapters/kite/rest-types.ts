import { KiteError } from './errors.js';
import { istWallClockToEpoch, toPaise } from './kite-time.js';

/**
 * Our shapes of Kite REST data: money in integer paise, ids as strings, times as epoch ms (null when
 * Kite sends none). Mappers take the official client's output (which may already hold `Date`s).
 */

export type Exchange = 'NSE' | 'BSE' | 'NFO' | 'BFO' | 'CDS' | 'BCD' | 'MCX' | 'NSEIX';
export type TransactionType = 'BUY' | 'SELL';
export type OrderType = 'MARKET' | 'LIMIT' | 'SL' | 'SL-M';
export type Product = 'CNC' | 'NRML' | 'MIS' | 'MTF';
export type Variety = 'regular' | 'amo' | 'co' | 'iceberg' | 'auction';
export type Validity = 'DAY' | 'IOC' | 'TTL';

type Raw = Record<string, unknown>;

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
};
const obj = (v: unknown): Raw => (typeof v === 'object' && v !== null ? (v as Raw) : {});

export interface KiteProfile {
  userId: string;
  userName: string;
  email: string;
  broker: string;
  exchanges: string[];
  products: string[];
  orderTypes: string[];
}

export function mapProfile(r: unknown): KiteProfile {
  const o = obj(r);
  const arr = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return { userId: str(o.user_id), userName: str(o.user_name), email: str(o.email), broker: str(o.broker), exchanges: arr(o.exchanges), products: arr(o.products), orderTypes: arr(o.order_types) };
}

export interface KiteSegmentMargin {
  enabled: boolean;
  netPaise: number;
  /** Every numeric field of `available`, in paise (cash, opening_balance, live_balance, collateral, intraday_payin, …). */
  available: Record<string, number>;
  /** Every numeric field of `utilised`, in paise (debits, exposure, span, option_premium, …). */
  utilised: Record<string, number>;
}

export interface KiteMargins {
  equity?: KiteSegmentMargin;
  commodity?: KiteSegmentMargin;
}

function paiseRecord(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === 'number' || (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)))) out[k] = toPaise(x);
  return out;
}

export function mapSegmentMargin(r: unknown): KiteSegmentMargin {
  const o = obj(r);
  return { enabled: o.enabled === true, netPaise: toPaise(o.net), available: paiseRecord(o.available), utilised: paiseRecord(o.utilised) };
}

export function mapMargins(r: unknown): KiteMargins {
  const o = obj(r);
  const out: KiteMargins = {};
  if (o.equity) out.equity = mapSegmentMargin(o.equity);
  if (o.commodity) out.commodity = mapSegmentMargin(o.commodity);
  return out;
}

/** One order of a POST /margins/basket request. */
export interface BasketMarginOrder {
  exchange: Exchange;
  tradingsymbol: string;
  transactionType: TransactionType;
  variety: Variety;
  product: Product;
  orderType: OrderType;
  quantity: number;
  pricePaise?: number;
  triggerPricePaise?: number;
}

/** POST /margins/basket's answer, in paise: `initial` sums the orders, `final` is after netting (and positions). */
export interface KiteBasketMargin {
  initialTotalPaise: number;
  finalTotalPaise: number;
  orders: { tradingsymbol: string; exchange: string; totalPaise: number }[];
}

export function mapBasketMargin(r: unknown): KiteBasketMargin {
  const o = obj(r);
  const initial = obj(o.initial);
  const fin = obj(o.final);
  // a missing or non-numeric total must never read as "0 needed"
  const finite = (v: unknown) => (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '')) && Number.isFinite(Number(v));
  if (!finite(initial.total) || !finite(fin.total)) throw new KiteError('data', 'basket margin answer without a numeric initial.total / final.total');
  const orders = Array.isArray(o.orders) ? o.orders.map((x) => obj(x)) : [];
  return {
    initialTotalPaise: toPaise(initial.total),
    finalTotalPaise: toPaise(fin.total),
    orders: orders.map((x) => ({ tradingsymbol: String(x.tradingsymbol ?? ''), exchange: String(x.exchange ?? ''), totalPaise: toPaise(x.total) })),
  };
}

export interface KiteOrder {
  orderId: string;
  exchangeOrderId: string | null;
  parentOrderId: string | null;
  status: string;
  statusMessage: string | null;
  variety: string;
  exchange: string;
  tradingsymbol: string;
  instrumentToken: number;
  transactionType: string;
  orderType: string;
  product: string;
  validity: string;
  quantity: number;
  disclosedQuantity: number;
  filledQuantity: number;
  pendingQuantity: number;
  cancelledQuantity: number;
  pricePaise: number;
  triggerPricePaise: number;
  averagePricePaise: number;
  marketProtection: number;
  tag: string | null;
  tags: string[];
  /** epoch ms (IST wall clock converted) */
  orderTimestamp: number | null;
  exchangeTimestamp: number | null;
  exchangeUpdateTimestamp: number | null;
}

export function mapOrder(r: unknown): KiteOrder {
  const o = obj(r);
  return {
    orderId: str(o.order_id),
    exchangeOrderId: strOrNull(o.exchange_order_id),
    parentOrderId: strOrNull(o.parent_order_id),
    status: str(o.status),
    statusMessage: strOrNull(o.status_message),
    variety: str(o.variety),
    exchange: str(o.exchange),
    tradingsymbol: str(o.tradingsymbol),
    instrumentToken: num(o.instrument_token),
    transactionType: str(o.transaction_type),
    orderType: str(o.order_type),
    product: str(o.product),
    validity: str(o.validity),
    quantity: num(o.quantity),
    disclosedQuantity: num(o.disclosed_quantity),
    filledQuantity: num(o.filled_quantity),
    pendingQuantity: num(o.pending_quantity),
    cancelledQuantity: num(o.cancelled_quantity),
    pricePaise: toPaise(o.price),
    triggerPricePaise: toPaise(o.trigger_price),
    averagePricePaise: toPaise(o.average_price),
    marketProtection: num(o.market_protection),
    tag: strOrNull(o.tag),
    tags: Array.isArray(o.tags) ? o.tags.map(String) : [],
    orderTimestamp: istWallClockToEpoch(o.order_timestamp),
    exchangeTimestamp: istWallClockToEpoch(o.exchange_timestamp),
    exchangeUpdateTimestamp: istWallClockToEpoch(o.exchange_update_timestamp),
  };
}

export interface KiteTrade {
  tradeId: string;
  orderId: string;
  exchangeOrderId: string | null;
  exchange: string;
  tradingsymbol: string;
  instrumentToken: number;
  product: string;
  transactionType: string;
  quantity: number;
  averagePricePaise: number;
  fillTimestamp: number | null;
  orderTimestamp: number | null;
  exchangeTimestamp: number | null;
}

export function mapTrade(r: unknown): KiteTrade {
  const o = obj(r);
  return {
    tradeId: str(o.trade_id),
    orderId: str(o.order_id),
    exchangeOrderId: strOrNull(o.exchange_order_id),
    exchange: str(o.exchange),
    tradingsymbol: str(o.tradingsymbol),
    instrumentToken: num(o.instrument_token),
    product: str(o.product),
    transactionType: str(o.transaction_type),
    quantity: num(o.quantity),
    averagePricePaise: toPaise(o.average_price),
    fillTimestamp: istWallClockToEpoch(o.fill_timestamp),
    orderTimestamp: istWallClockToEpoch(o.order_timestamp),
    exchangeTimestamp: istWallClockToEpoch(o.exchange_timestamp),
  };
}

export interface KitePosition {
  tradingsymbol: string;
  exchange: string;
  instrumentToken: number;
  product: string;
  quantity: number;
  overnightQuantity: number;
  multiplier: number;
  averagePricePaise: number;
  closePricePaise: number;
  lastPricePaise: number;
  valuePaise: number;
  pnlPaise: number;
  m2mPaise: number;
  unrealisedPaise: number;
  realisedPaise: number;
  buyQuantity: number;
  buyPricePaise: number;
  sellQuantity: number;
  sellPricePaise: number;
}

export function mapPosition(r: unknown): KitePosition {
  const o = obj(r);
  return {
    tradingsymbol: str(o.tradingsymbol),
    exchange: str(o.exchange),
    instrumentToken: num(o.instrument_token),
    product: str(o.product),
    quantity: num(o.quantity),
    overnightQuantity: num(o.overnight_quantity),
    multiplier: num(o.multiplier) || 1,
    averagePricePaise: toPaise(o.average_price),
    closePricePaise: toPaise(o.close_price),
    lastPricePaise: toPaise(o.last_price),
    valuePaise: toPaise(o.value),
    pnlPaise: toPaise(o.pnl),
    m2mPaise: toPaise(o.m2m),
    unrealisedPaise: toPaise(o.unrealised),
    realisedPaise: toPaise(o.realised),
    buyQuantity: num(o.buy_quantity),
    buyPricePaise: toPaise(o.buy_price),
    sellQuantity: num(o.sell_quantity),
    sellPricePaise: toPaise(o.sell_price),
  };
}

export interface KitePositions {
  net: KitePosition[];
  day: KitePosition[];
}

export interface KiteHolding {
  tradingsymbol: string;
  exchange: string;
  instrumentToken: number;
  isin: string;
  product: string;
  quantity: number;
  t1Quantity: number;
  usedQuantity: number;
  averagePricePaise: number;
  lastPricePaise: number;
  closePricePaise: number;
  pnlPaise: number;
}

export function mapHolding(r: unknown): KiteHolding {
  const o = obj(r);
  return {
    tradingsymbol: str(o.tradingsymbol),
    exchange: str(o.exchange),
    instrumentToken: num(o.instrument_token),
    isin: str(o.isin),
    product: str(o.product),
    quantity: num(o.quantity),
    t1Quantity: num(o.t1_quantity),
    usedQuantity: num(o.used_quantity),
    averagePricePaise: toPaise(o.average_price),
    lastPricePaise: toPaise(o.last_price),
    closePricePaise: toPaise(o.close_price),
    pnlPaise: toPaise(o.pnl),
  };
}

export interface KiteDepthEntry {
  pricePaise: number;
  quantity: number;
  orders: number;
}

export interface KiteOhlcPaise {
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface KiteQuote {
  instrumentToken: number;
  timestamp: number | null;
  lastTradeTime: number | null;
  lastPricePaise: number;
  lastQuantity: number;
  averagePricePaise: number;
  volume: number;
  buyQuantity: number;
  sellQuantity: number;
  oi: number;
  netChangePaise: number;
  lowerCircuitPaise: number;
  upperCircuitPaise: number;
  ohlc: KiteOhlcPaise;
  depth: { buy: KiteDepthEntry[]; sell: KiteDepthEntry[] };
}

const mapOhlc = (v: unknown): KiteOhlcPaise => {
  const o = obj(v);
  return { open: toPaise(o.open), high: toPaise(o.high), low: toPaise(o.low), close: toPaise(o.close) };
};
const mapDepth = (v: unknown): KiteDepthEntry[] => (Array.isArray(v) ? v.map((e) => ({ pricePaise: toPaise(obj(e).price), quantity: num(obj(e).quantity), orders: num(obj(e).orders) })) : []);

export function mapQuote(r: unknown): KiteQuote {
  const o = obj(r);
  const d = obj(o.depth);
  return {
    instrumentToken: num(o.instrument_token),
    timestamp: istWallClockToEpoch(o.timestamp),
    lastTradeTime: istWallClockToEpoch(o.last_trade_time),
    lastPricePaise: toPaise(o.last_price),
    lastQuantity: num(o.last_quantity),
    averagePricePaise: toPaise(o.average_price),
    volume: num(o.volume),
    buyQuantity: num(o.buy_quantity),
    sellQuantity: num(o.sell_quantity),
    oi: num(o.oi),
    netChangePaise: toPaise(o.net_change),
    lowerCircuitPaise: toPaise(o.lower_circuit_limit),
    upperCircuitPaise: toPaise(o.upper_circuit_limit),
    ohlc: mapOhlc(o.ohlc),
    depth: { buy: mapDepth(d.buy), sell: mapDepth(d.sell) },
  };
}

export interface KiteOhlcQuote {
  instrumentToken: number;
  lastPricePaise: number;
  ohlc: KiteOhlcPaise;
}

export function mapOhlcQuote(r: unknown): KiteOhlcQuote {
  const o = obj(r);
  return { instrumentToken: num(o.instrument_token), lastPricePaise: toPaise(o.last_price), ohlc: mapOhlc(o.ohlc) };
}

export interface KiteLtp {
  instrumentToken: number;
  lastPricePaise: number;
}

export function mapLtp(r: unknown): KiteLtp {
  const o = obj(r);
  return { instrumentToken: num(o.instrument_token), lastPricePaise: toPaise(o.last_price) };
}

export interface KiteInstrument {
  instrumentToken: number;
  exchangeToken: number;
  tradingsymbol: string;
  name: string;
  lastPricePaise: number;
  /** "YYYY-MM-DD" or null */
  expiry: string | null;
  strikePaise: number;
  tickSizePaise: number;
  lotSize: number;
  instrumentType: string;
  segment: string;
  exchange: string;
}

function expiryOf(v: unknown): string | null {
  // The official client turns a 10-char expiry into `new Date("YYYY-MM-DD")`, i.e. UTC midnight.
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10);
  const s = str(v).trim();
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : null;
}

export function mapInstrument(r: unknown): KiteInstrument {
  const o = obj(r);
  return {
    instrumentToken: num(o.instrument_token),
    exchangeToken: num(o.exchange_token),
    tradingsymbol: str(o.tradingsymbol),
    name: str(o.name),
    lastPricePaise: toPaise(o.last_price),
    expiry: expiryOf(o.expiry),
    strikePaise: toPaise(o.strike),
    tickSizePaise: toPaise(o.tick_size),
    lotSize: num(o.lot_size),
    instrumentType: str(o.instrument_type),
    segment: str(o.segment),
    exchange: str(o.exchange),
  };
}

/** Minimal RFC-4180 CSV parser (quoted fields, doubled quotes), for when the client hands back raw text. */
export function parseCsv(text: string): Raw[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else q = false;
      } else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  return body.filter((r) => r.length > 1 || (r[0] ?? '') !== '').map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

export interface KiteCandle {
  /** epoch ms of the candle start */
  time: number;
  openPaise: number;
  highPaise: number;
  lowPaise: number;
  closePaise: number;
  volume: number;
  oi?: number;
}

export function mapCandle(r: unknown): KiteCandle {
  // Official client rows: {date: Date (parsed from "…+0530", a correct instant), open, …}; raw rows: [iso, o, h, l, c, v, oi?]
  let date: unknown, o: unknown, h: unknown, l: unknown, c: unknown, v: unknown, oi: unknown;
  if (Array.isArray(r)) [date, o, h, l, c, v, oi] = r as unknown[];
  else ({ date, open: o, high: h, low: l, close: c, volume: v, oi } = obj(r));
  const time = date instanceof Date ? date.getTime() : (istWallClockToEpoch(date) ?? NaN);
  const out: KiteCandle = { time, openPaise: toPaise(o), highPaise: toPaise(h), lowPaise: toPaise(l), closePaise: toPaise(c), volume: num(v) };
  if (oi !== undefined && oi !== null) out.oi = num(oi);
  return out;
}

export interface KiteSession {
  userId: string;
  accessToken: string;
  publicToken?: string;
  /** epoch ms */
  loginTime: number;
}

export function mapSession(r: unknown, fallbackNow: number): KiteSession {
  const o = obj(r);
  const s: KiteSession = { userId: str(o.user_id), accessToken: str(o.access_token), loginTime: istWallClockToEpoch(o.login_time) ?? fallbackNow };
  if (typeof o.public_token === 'string' && o.public_token) s.publicToken = o.public_token;
  return s;
}
