/**
 * The simulated exchange + OMS behind the Kite simulator: per-instrument market state fed by our
 * MarketSimulator, a synthetic order book each, orders with Kite's status lifecycle, trades,
 * positions and equity margins. Integer paise and epoch ms throughout; {@link rowOf} and friends
 * produce Kite's JSON field sets (rupees, IST strings) at the edge.
 */
import type { KiteMode, KiteTick } from '../adapters/kite/tick-codec.js';
import { Rng } from '../core/random.js';
import { inputError, isWholePaise, istString, KiteApiError, parseRupeesToPaise, rupees } from './kite-json.js';
import type { SimInstrument } from './instruments.js';
import { SyntheticBook, type Fill, type Side } from './order-book.js';

export type OrderStatus =
  | 'PUT ORDER REQ RECEIVED'
  | 'AMO REQ RECEIVED'
  | 'VALIDATION PENDING'
  | 'OPEN PENDING'
  | 'OPEN'
  | 'TRIGGER PENDING'
  | 'MODIFY VALIDATION PENDING'
  | 'MODIFY PENDING'
  | 'MODIFIED'
  | 'CANCEL PENDING'
  | 'COMPLETE'
  | 'CANCELLED'
  | 'REJECTED';

export type OrderType = 'MARKET' | 'LIMIT' | 'SL' | 'SL-M';
export type Variety = 'regular' | 'amo';
export const VARIETIES: readonly string[] = ['regular', 'amo'];
const ORDER_TYPES: readonly string[] = ['MARKET', 'LIMIT', 'SL', 'SL-M'];
const PRODUCTS: readonly string[] = ['CNC', 'NRML', 'MIS', 'MTF'];
const VALIDITIES: readonly string[] = ['DAY', 'IOC', 'TTL'];
const TERMINAL: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['COMPLETE', 'CANCELLED', 'REJECTED']);
/** Kite's cap on modifications per order (kite-protocol.md §2.14). */
export const MAX_MODIFICATIONS = 25;
/** Band used for market_protection = -1 ("auto"); Kite's real bands are not documented (§5). */
export const AUTO_MARKET_PROTECTION_PCT = 2;
export const MARKET_PROTECTION_REQUIRED =
  'Market orders without market protection are not allowed via API. Please set market protection or use a Limit order.';

export interface InstrumentState {
  inst: SimInstrument;
  lastPaise: number;
  openPaise: number;
  highPaise: number;
  lowPaise: number;
  /** Previous session's close. */
  closePaise: number;
  volume: number;
  turnoverPaise: number;
  lastQty: number;
  /** Epoch ms of the last trade. */
  lastTradeTs: number;
  /** False until the first market tick: the day's open/high/low then come from that tick, not the seed price. */
  traded: boolean;
  book: SyntheticBook;
}

export interface SimOrder {
  orderId: string;
  exchangeOrderId: string | null;
  variety: Variety;
  state: InstrumentState;
  /** order_type as shown in the book (a protected MARKET order shows as LIMIT, like Kite). */
  orderType: OrderType;
  side: Side;
  product: string;
  validity: string;
  validityTtl: number | null;
  quantity: number;
  disclosedQuantity: number;
  /** Limit price (paise; 0 for unprotected/untriggered market types). */
  pricePaise: number;
  triggerPaise: number;
  /** The protection band (percent) for MARKET / SL-M; 0 = none. */
  protectionPct: number;
  filledQuantity: number;
  filledValuePaise: number;
  cancelledQuantity: number;
  status: OrderStatus;
  statusMessage: string | null;
  statusMessageRaw: string | null;
  tag: string | null;
  tags: string[];
  placedAt: number;
  updatedAt: number;
  exchangeTs: number | null;
  modifications: number;
  guid: string;
  history: Record<string, unknown>[];
}

export interface SimTrade {
  tradeId: string;
  order: SimOrder;
  pricePaise: number;
  quantity: number;
  ts: number;
}

export interface ExchangeOptions {
  instruments: readonly SimInstrument[];
  /** Simulated epoch ms (the market clock). */
  now: () => number;
  seed?: number;
  /** Default ₹10,00,000. */
  openingBalancePaise?: number;
  userId?: string;
}

/** What the ticker pushes for an order event; `status` is Kite's postback status (UPDATE for partial fills and modifies). */
export interface OrderEvent {
  order: SimOrder;
  row: Record<string, unknown>;
}

interface PositionAcc {
  state: InstrumentState;
  product: string;
  buyQty: number;
  buyValue: number;
  sellQty: number;
  sellValue: number;
}

const DEFAULT_OPENING_BALANCE = 100_000_000; // ₹10,00,000 in paise

function str(p: Record<string, string | undefined>, k: string): string | undefined {
  const v = p[k];
  return v === undefined || v === '' ? undefined : v;
}

function parseIntStrict(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim())) throw inputError(`Invalid \`${name}\`.`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw inputError(`Invalid \`${name}\`.`);
  return n;
}

/** market_protection: a decimal, 0 (none), -1 (auto) or 0 < x ≤ 100. */
function parseProtection(v: string | undefined): number {
  if (v === undefined) return 0;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) {
    throw inputError(`Invalid request (failed to decode market_protection, got: ${v} (expected decimal))`);
  }
  if (n !== 0 && n !== -1 && !(n > 0 && n <= 100)) throw inputError('Invalid `market_protection`.');
  return n;
}

function tickMessage(inst: SimInstrument): string {
  return `Tick size for this script is ${rupees(inst.tickPaise).toFixed(2)}. Kindly enter the price in the multiple of tick size for this script`;
}

/** Parses a rupee price and checks it against the tick size. */
function parsePrice(v: string | undefined, name: string, inst: SimInstrument): number | undefined {
  if (v === undefined) return undefined;
  const paise = parseRupeesToPaise(v);
  if (paise === undefined || paise < 0) throw inputError(`Invalid \`${name}\`.`);
  if (!isWholePaise(v) || paise % inst.tickPaise !== 0) throw inputError(tickMessage(inst));
  return paise;
}

function checkLot(qty: number, inst: SimInstrument): void {
  if (qty % inst.lotSize !== 0) {
    throw inputError(`Quantity should be a multiple of lot size. The lot size for ${inst.tradingsymbol} is ${inst.lotSize}.`);
  }
}

/** The protected limit for a market-type order: LTP ± pct, snapped inward to the tick. */
export function protectedLimit(side: Side, refPaise: number, pct: number, tickPaise: number): number {
  const raw = side === 'BUY' ? refPaise * (1 + pct / 100) : refPaise * (1 - pct / 100);
  const snapped = side === 'BUY' ? Math.floor(raw / tickPaise) * tickPaise : Math.ceil(raw / tickPaise) * tickPaise;
  return Math.max(tickPaise, snapped);
}

export class SimExchange {
  readonly states = new Map<number, InstrumentState>();
  private readonly byKey = new Map<string, InstrumentState>();
  private readonly orders = new Map<string, SimOrder>();
  private readonly orderList: SimOrder[] = [];
  private readonly tradeList: SimTrade[] = [];
  private readonly positionsAcc = new Map<string, PositionAcc>();
  private readonly listeners = new Set<(e: OrderEvent) => void>();
  private readonly rng: Rng;
  private readonly idBase: bigint;
  private seq = 0;
  private tradeSeq = 0;
  readonly openingBalancePaise: number;
  readonly userId: string;
  ordersPlaced = 0;

  constructor(private readonly o: ExchangeOptions) {
    this.rng = new Rng((o.seed ?? 1) ^ 0x5eed);
    this.openingBalancePaise = o.openingBalancePaise ?? DEFAULT_OPENING_BALANCE;
    this.userId = o.userId ?? 'KD0001';
    // 19-digit ids like Kite's new ones: simulated unix seconds × 1e9 + a counter. Never parse them as numbers.
    this.idBase = BigInt(Math.floor(o.now() / 1000)) * 1_000_000_000n;
    for (const inst of o.instruments) {
      const book = new SyntheticBook({
        tickPaise: inst.tickPaise,
        lotSize: inst.lotSize,
        meanLevelQty: Math.max(inst.lotSize, inst.avgDailyVolume / 20_000),
        rng: this.rng,
      });
      const st: InstrumentState = {
        inst,
        lastPaise: inst.basePaise,
        openPaise: inst.basePaise,
        highPaise: inst.basePaise,
        lowPaise: inst.basePaise,
        closePaise: inst.basePaise,
        volume: 0,
        turnoverPaise: 0,
        lastQty: 0,
        lastTradeTs: o.now(),
        traded: false,
        book,
      };
      book.refresh(inst.basePaise);
      this.states.set(inst.token, st);
      this.byKey.set(`${inst.exchange}:${inst.tradingsymbol}`, st);
    }
  }

  now(): number {
    return this.o.now();
  }

  onOrderEvent(l: (e: OrderEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** "NSE:INFY" → state. */
  lookup(key: string): InstrumentState | undefined {
    return this.byKey.get(key);
  }

  lookupSymbol(exchange: string, symbol: string): InstrumentState | undefined {
    return this.byKey.get(`${exchange}:${symbol}`);
  }

  /** One market trade print of `token` (from the MarketSimulator): updates OHLC/volume, refreshes the book, works resting orders. */
  marketTick(token: number, lastPaise: number, qty: number, dayVolume: number, ts: number): void {
    const st = this.states.get(token);
    if (!st) return;
    if (!st.traded) {
      // the first tick: the day's open/high/low start here (the seed price is only the previous close)
      st.traded = true;
      st.openPaise = st.highPaise = st.lowPaise = lastPaise;
    } else if (dayVolume < st.volume) {
      // a new session began
      st.closePaise = st.lastPaise;
      st.openPaise = st.highPaise = st.lowPaise = lastPaise;
      st.turnoverPaise = 0;
    }
    st.lastPaise = lastPaise;
    st.highPaise = Math.max(st.highPaise, lastPaise);
    st.lowPaise = Math.min(st.lowPaise, lastPaise);
    st.volume = dayVolume;
    st.turnoverPaise += lastPaise * qty;
    st.lastQty = qty;
    st.lastTradeTs = ts;
    st.book.refresh(lastPaise);
    this.workResting(st);
  }

  // ---------------------------------------------------------------------------------------------
  // Orders

  /** POST /orders/:variety. Validation errors throw InputException; RMS failures give a REJECTED order. */
  place(variety: string, p: Record<string, string | undefined>): SimOrder {
    if (!VARIETIES.includes(variety)) throw inputError(`Invalid \`variety\`: the simulator supports ${VARIETIES.join(', ')}.`);
    const exchange = str(p, 'exchange');
    const symbol = str(p, 'tradingsymbol');
    if (!exchange) throw inputError('Missing `exchange`.');
    if (!symbol) throw inputError('Missing `tradingsymbol`.');
    const st = this.lookupSymbol(exchange, symbol);
    if (!st) throw inputError('Invalid `tradingsymbol`.');
    const inst = st.inst;
    const side = str(p, 'transaction_type');
    if (side !== 'BUY' && side !== 'SELL') throw inputError('Invalid `transaction_type`.');
    const orderType = str(p, 'order_type');
    if (!orderType || !ORDER_TYPES.includes(orderType)) throw inputError('Invalid `order_type`.');
    const product = str(p, 'product');
    if (!product || !PRODUCTS.includes(product)) throw inputError('Invalid `product`.');
    const quantity = parseIntStrict(str(p, 'quantity'), 'quantity');
    if (quantity === undefined || quantity <= 0) throw inputError('Invalid `quantity`.');
    checkLot(quantity, inst);
    const validity = str(p, 'validity') ?? 'DAY';
    if (!VALIDITIES.includes(validity)) throw inputError('Invalid `validity`.');
    const ttl = parseIntStrict(str(p, 'validity_ttl'), 'validity_ttl') ?? null;
    if (validity === 'TTL' && !(ttl !== null && ttl > 0)) throw inputError('Invalid `validity_ttl`.');
    const disclosed = parseIntStrict(str(p, 'disclosed_quantity'), 'disclosed_quantity') ?? 0;
    if (disclosed > quantity) throw inputError('Disclosed quantity cannot be more than the order quantity.');
    const tag = str(p, 'tag') ?? null;
    if (tag !== null && !/^[A-Za-z0-9]{1,20}$/.test(tag)) throw inputError('Invalid `tag`: alphanumeric, at most 20 characters.');
    const spec = this.orderSpec(orderType as OrderType, p, inst);

    const now = this.now();
    const order: SimOrder = {
      orderId: String(this.idBase + BigInt(++this.seq)),
      exchangeOrderId: null,
      variety: variety as Variety,
      state: st,
      orderType: orderType as OrderType,
      side,
      product,
      validity,
      validityTtl: validity === 'TTL' ? ttl : null,
      quantity,
      disclosedQuantity: disclosed,
      pricePaise: spec.pricePaise,
      triggerPaise: spec.triggerPaise,
      protectionPct: spec.protectionPct,
      filledQuantity: 0,
      filledValuePaise: 0,
      cancelledQuantity: 0,
      status: variety === 'amo' ? 'AMO REQ RECEIVED' : 'PUT ORDER REQ RECEIVED',
      statusMessage: null,
      statusMessageRaw: null,
      tag,
      tags: tag ? [tag] : [],
      placedAt: now,
      updatedAt: now,
      exchangeTs: null,
      modifications: 0,
      guid: `${this.seq}X${Math.floor(this.rng.uniform() * 1e12).toString(36)}`,
      history: [],
    };
    this.orders.set(order.orderId, order);
    this.orderList.push(order);
    this.ordersPlaced++;
    this.snapshot(order);
    if (variety === 'amo') {
      this.emit(order);
      return order;
    }
    this.transition(order, 'VALIDATION PENDING');
    this.transition(order, 'OPEN PENDING');
    const rms = this.marginCheck(order);
    if (rms) {
      order.statusMessage = rms.message;
      order.statusMessageRaw = rms.raw;
      this.transition(order, 'REJECTED');
      this.emit(order);
      return order;
    }
    order.exchangeOrderId = String(1_100_000_000_000_000n + BigInt(this.seq));
    order.exchangeTs = now;
    this.activate(order);
    return order;
  }

  /** PUT /orders/:variety/:id. */
  modify(variety: string, orderId: string, p: Record<string, string | undefined>): SimOrder {
    const order = this.get(orderId);
    if (order.variety !== variety) throw inputError('Invalid `variety` for this order.');
    if (order.status !== 'OPEN' && order.status !== 'TRIGGER PENDING' && order.status !== 'AMO REQ RECEIVED') {
      throw inputError(`Order cannot be modified as it is ${order.status === 'COMPLETE' ? 'completed' : order.status.toLowerCase()}.`);
    }
    if (order.modifications >= MAX_MODIFICATIONS) throw inputError('Maximum allowed order modifications exceeded.');
    const inst = order.state.inst;
    const quantity = parseIntStrict(str(p, 'quantity'), 'quantity') ?? order.quantity;
    if (quantity <= 0) throw inputError('Invalid `quantity`.');
    checkLot(quantity, inst);
    if (quantity <= order.filledQuantity) throw inputError('Quantity cannot be less than or equal to the filled quantity.');
    const orderType = (str(p, 'order_type') ?? (order.protectionPct > 0 && order.orderType === 'LIMIT' ? 'LIMIT' : order.orderType)) as OrderType;
    if (!ORDER_TYPES.includes(orderType)) throw inputError('Invalid `order_type`.');
    const merged: Record<string, string | undefined> = {
      price: str(p, 'price') ?? (order.pricePaise ? String(rupees(order.pricePaise)) : undefined),
      trigger_price: str(p, 'trigger_price') ?? (order.triggerPaise ? String(rupees(order.triggerPaise)) : undefined),
      market_protection: str(p, 'market_protection') ?? (order.protectionPct ? String(order.protectionPct) : undefined),
    };
    const spec = this.orderSpec(orderType, merged, inst);
    const validity = str(p, 'validity') ?? order.validity;
    if (!VALIDITIES.includes(validity)) throw inputError('Invalid `validity`.');
    const disclosed = parseIntStrict(str(p, 'disclosed_quantity'), 'disclosed_quantity') ?? order.disclosedQuantity;
    if (disclosed > quantity) throw inputError('Disclosed quantity cannot be more than the order quantity.');

    order.modifications++;
    if (order.status === 'AMO REQ RECEIVED') {
      Object.assign(order, { quantity, orderType, validity, disclosedQuantity: disclosed, ...spec });
      this.snapshot(order);
      this.emit(order, 'UPDATE');
      return order;
    }
    this.transition(order, 'MODIFY VALIDATION PENDING');
    this.transition(order, 'MODIFY PENDING');
    Object.assign(order, { quantity, orderType, validity, disclosedQuantity: disclosed, ...spec });
    this.transition(order, 'MODIFIED');
    this.activate(order, 'UPDATE');
    return order;
  }

  /** DELETE /orders/:variety/:id. */
  cancel(variety: string, orderId: string): SimOrder {
    const order = this.get(orderId);
    if (order.variety !== variety) throw inputError('Invalid `variety` for this order.');
    if (TERMINAL.has(order.status)) {
      throw inputError(`Order cannot be cancelled as it is ${order.status === 'COMPLETE' ? 'completed' : order.status.toLowerCase()}.`);
    }
    this.cancelRemainder(order, null);
    return order;
  }

  get(orderId: string): SimOrder {
    const o = this.orders.get(orderId);
    if (!o) throw new KiteApiError('InputException', "Couldn't find that `order_id`.");
    return o;
  }

  allOrders(): readonly SimOrder[] {
    return this.orderList;
  }

  trades(orderId?: string): SimTrade[] {
    return orderId === undefined ? [...this.tradeList] : this.tradeList.filter((t) => t.order.orderId === orderId);
  }

  // ---------------------------------------------------------------------------------------------
  // JSON views (Kite field sets)

  rowOf(o: SimOrder): Record<string, unknown> {
    const pending = o.quantity - o.filledQuantity - o.cancelledQuantity;
    const row: Record<string, unknown> = {
      account_id: this.userId,
      placed_by: this.userId,
      order_id: o.orderId,
      exchange_order_id: o.exchangeOrderId,
      parent_order_id: null,
      status: o.status,
      status_message: o.statusMessage,
      status_message_raw: o.statusMessageRaw,
      order_timestamp: istString(o.updatedAt),
      exchange_update_timestamp: o.exchangeTs === null ? null : istString(o.updatedAt),
      exchange_timestamp: o.exchangeTs === null ? null : istString(o.exchangeTs),
      variety: o.variety,
      modified: o.modifications > 0,
      exchange: o.state.inst.exchange,
      tradingsymbol: o.state.inst.tradingsymbol,
      instrument_token: o.state.inst.token,
      order_type: o.orderType,
      transaction_type: o.side,
      validity: o.validity,
      validity_ttl: o.validityTtl ?? 0,
      product: o.product,
      quantity: o.quantity,
      disclosed_quantity: o.disclosedQuantity,
      price: rupees(o.pricePaise),
      trigger_price: rupees(o.triggerPaise),
      average_price: o.filledQuantity ? Math.round((o.filledValuePaise / o.filledQuantity)) / 100 : 0,
      filled_quantity: o.filledQuantity,
      pending_quantity: Math.max(0, pending),
      cancelled_quantity: o.cancelledQuantity,
      market_protection: 0,
      meta: {},
      tag: o.tag,
      guid: o.guid,
    };
    if (o.tags.length > 0) row['tags'] = [...o.tags];
    return row;
  }

  tradeRow(t: SimTrade): Record<string, unknown> {
    const inst = t.order.state.inst;
    return {
      trade_id: t.tradeId,
      order_id: t.order.orderId,
      exchange: inst.exchange,
      tradingsymbol: inst.tradingsymbol,
      instrument_token: inst.token,
      product: t.order.product,
      average_price: rupees(t.pricePaise),
      quantity: t.quantity,
      exchange_order_id: t.order.exchangeOrderId,
      transaction_type: t.order.side,
      fill_timestamp: istString(t.ts),
      order_timestamp: istString(t.ts).slice(11),
      exchange_timestamp: istString(t.ts),
    };
  }

  positionRows(): Record<string, unknown>[] {
    const rows: Record<string, unknown>[] = [];
    for (const a of this.positionsAcc.values()) {
      const inst = a.state.inst;
      const qty = a.buyQty - a.sellQty;
      const buyAvg = a.buyQty ? a.buyValue / a.buyQty : 0;
      const sellAvg = a.sellQty ? a.sellValue / a.sellQty : 0;
      const avg = qty > 0 ? buyAvg : qty < 0 ? sellAvg : 0;
      const last = a.state.lastPaise;
      const pnl = a.sellValue - a.buyValue + qty * last;
      const unrealised = qty * (last - avg);
      rows.push({
        tradingsymbol: inst.tradingsymbol,
        exchange: inst.exchange,
        instrument_token: inst.token,
        product: a.product,
        quantity: qty,
        overnight_quantity: 0,
        multiplier: 1,
        average_price: rupees(avg),
        close_price: rupees(a.state.closePaise),
        last_price: rupees(last),
        value: rupees(a.sellValue - a.buyValue),
        pnl: rupees(pnl),
        m2m: rupees(pnl),
        unrealised: rupees(unrealised),
        realised: rupees(pnl - unrealised),
        buy_quantity: a.buyQty,
        buy_price: rupees(buyAvg),
        buy_value: rupees(a.buyValue),
        buy_m2m: rupees(a.buyValue),
        sell_quantity: a.sellQty,
        sell_price: rupees(sellAvg),
        sell_value: rupees(a.sellValue),
        sell_m2m: rupees(a.sellValue),
        day_buy_quantity: a.buyQty,
        day_buy_price: rupees(buyAvg),
        day_buy_value: rupees(a.buyValue),
        day_sell_quantity: a.sellQty,
        day_sell_price: rupees(sellAvg),
        day_sell_value: rupees(a.sellValue),
      });
    }
    return rows;
  }

  /** Equity funds in paise: net available, realised / unrealised m2m, debits. */
  funds(): { net: number; debits: number; realised: number; unrealised: number; blocked: number } {
    let cash = 0;
    let realised = 0;
    let unrealised = 0;
    for (const a of this.positionsAcc.values()) {
      cash += a.sellValue - a.buyValue;
      const qty = a.buyQty - a.sellQty;
      const avg = qty > 0 ? a.buyValue / a.buyQty : qty < 0 ? a.sellValue / a.sellQty : 0;
      const u = qty * (a.state.lastPaise - avg);
      unrealised += u;
      realised += a.sellValue - a.buyValue + qty * a.state.lastPaise - u;
    }
    const blocked = this.blockedForOpenBuys();
    const net = this.openingBalancePaise + cash - blocked;
    return { net, debits: this.openingBalancePaise - net, realised, unrealised, blocked };
  }

  quoteRow(st: InstrumentState, kind: 'quote' | 'ohlc' | 'ltp'): Record<string, unknown> {
    const base = { instrument_token: st.inst.token, last_price: rupees(st.lastPaise) };
    if (kind === 'ltp') return base;
    const ohlc = { open: rupees(st.openPaise), high: rupees(st.highPaise), low: rupees(st.lowPaise), close: rupees(st.closePaise) };
    if (kind === 'ohlc') return { ...base, ohlc };
    const band = (f: number) => Math.round((st.closePaise * f) / st.inst.tickPaise) * st.inst.tickPaise;
    const lvl = (l: { pricePaise: number; quantity: number; orders: number }) => ({
      price: rupees(l.pricePaise),
      quantity: l.quantity,
      orders: l.orders,
    });
    return {
      instrument_token: st.inst.token,
      timestamp: istString(this.now()),
      last_trade_time: istString(st.lastTradeTs),
      last_price: rupees(st.lastPaise),
      last_quantity: st.lastQty,
      buy_quantity: st.book.totalQty('bids'),
      sell_quantity: st.book.totalQty('asks'),
      volume: st.volume,
      average_price: st.volume ? Math.round(st.turnoverPaise / st.volume) / 100 : 0,
      oi: 0,
      oi_day_high: 0,
      oi_day_low: 0,
      net_change: rupees(st.lastPaise - st.closePaise),
      lower_circuit_limit: rupees(band(0.8)),
      upper_circuit_limit: rupees(band(1.2)),
      ohlc,
      depth: { buy: st.book.bids.map(lvl), sell: st.book.asks.map(lvl) },
    };
  }

  /** The ticker packet of an instrument in `mode`; prices raw paise (NSE divisor 100), times Unix seconds. */
  tickOf(st: InstrumentState, mode: KiteMode): KiteTick {
    const t: KiteTick = { token: st.inst.token, mode, tradable: true, lastPrice: st.lastPaise };
    if (mode === 'ltp') return t;
    Object.assign(t, {
      lastQty: st.lastQty,
      avgPrice: st.volume ? Math.round(st.turnoverPaise / st.volume) : 0,
      volume: Math.min(st.volume, 2 ** 31 - 1),
      buyQty: st.book.totalQty('bids'),
      sellQty: st.book.totalQty('asks'),
      open: st.openPaise,
      high: st.highPaise,
      low: st.lowPaise,
      close: st.closePaise,
    });
    if (mode === 'quote') return t;
    const lvl = (l: { pricePaise: number; quantity: number; orders: number }) => ({ quantity: l.quantity, price: l.pricePaise, orders: l.orders });
    Object.assign(t, {
      lastTradeTime: Math.floor(st.lastTradeTs / 1000),
      oi: 0,
      oiDayHigh: 0,
      oiDayLow: 0,
      exchangeTime: Math.floor(this.now() / 1000),
      depth: { buy: st.book.bids.map(lvl), sell: st.book.asks.map(lvl) },
    });
    return t;
  }

  // ---------------------------------------------------------------------------------------------
  // internals

  private orderSpec(
    orderType: OrderType,
    p: Record<string, string | undefined>,
    inst: SimInstrument,
  ): { pricePaise: number; triggerPaise: number; protectionPct: number } {
    const price = parsePrice(str(p, 'price'), 'price', inst);
    const trigger = parsePrice(str(p, 'trigger_price'), 'trigger_price', inst);
    const mp = parseProtection(str(p, 'market_protection'));
    if ((orderType === 'LIMIT' || orderType === 'SL') && !(price !== undefined && price > 0)) throw inputError('Invalid `price`.');
    if ((orderType === 'SL' || orderType === 'SL-M') && !(trigger !== undefined && trigger > 0)) throw inputError('Invalid `trigger_price`.');
    if ((orderType === 'MARKET' || orderType === 'SL-M') && mp === 0) throw inputError(MARKET_PROTECTION_REQUIRED);
    return {
      pricePaise: orderType === 'LIMIT' || orderType === 'SL' ? price! : 0,
      triggerPaise: orderType === 'SL' || orderType === 'SL-M' ? trigger! : 0,
      protectionPct: orderType === 'MARKET' || orderType === 'SL-M' ? (mp === -1 ? AUTO_MARKET_PROTECTION_PCT : mp) : 0,
    };
  }

  /** After validation (or a modify): rests, triggers or fills the order. */
  private activate(order: SimOrder, event?: 'UPDATE'): void {
    const st = order.state;
    if (order.orderType === 'SL' || order.orderType === 'SL-M') {
      if (!this.triggered(order, st.lastPaise)) {
        this.transition(order, 'TRIGGER PENDING');
        this.emit(order, event);
        return;
      }
      this.trigger(order);
    } else if (order.orderType === 'MARKET') {
      this.protect(order);
    }
    this.transition(order, 'OPEN');
    const filled = this.match(order);
    if (order.status === 'OPEN' && order.validity === 'IOC') {
      this.cancelRemainder(order, 'IOC order cancelled: unfilled quantity');
      return;
    }
    if (order.status === 'OPEN' && filled === 0) this.emit(order, event);
  }

  /** A market-type order becomes a LIMIT at LTP ± protection band, tagged like Kite's "mktp" orders. */
  private protect(order: SimOrder): void {
    const pct = order.protectionPct;
    order.pricePaise = protectedLimit(order.side, order.state.lastPaise, pct, order.state.inst.tickPaise);
    order.orderType = 'LIMIT';
    const mark = `mktp:${pct.toFixed(2)}`;
    order.tags = [...order.tags.filter((t) => t !== 'mktp' && !t.startsWith('mktp:')), 'mktp', mark];
  }

  private triggered(order: SimOrder, lastPaise: number): boolean {
    return order.side === 'BUY' ? lastPaise >= order.triggerPaise : lastPaise <= order.triggerPaise;
  }

  /** SL → a LIMIT at its price; SL-M → a protected limit. The book keeps showing SL / SL-M. */
  private trigger(order: SimOrder): void {
    if (order.orderType === 'SL-M') {
      order.pricePaise = protectedLimit(order.side, order.state.lastPaise, order.protectionPct, order.state.inst.tickPaise);
    }
  }

  /** Fills what the book allows within the order's limit; returns the quantity filled now. */
  private match(order: SimOrder): number {
    if (order.status !== 'OPEN') return 0;
    const pending = order.quantity - order.filledQuantity - order.cancelledQuantity;
    if (pending <= 0) return 0;
    const fills = order.state.book.take(order.side, pending, order.pricePaise);
    if (fills.length === 0) return 0;
    const now = this.now();
    let q = 0;
    for (const f of fills) {
      this.recordFill(order, f, now);
      q += f.quantity;
    }
    order.updatedAt = now;
    if (order.filledQuantity === order.quantity) {
      this.transition(order, 'COMPLETE');
      this.emit(order);
    } else {
      this.snapshot(order);
      this.emit(order, 'UPDATE');
    }
    return q;
  }

  private recordFill(order: SimOrder, f: Fill, ts: number): void {
    order.filledQuantity += f.quantity;
    order.filledValuePaise += f.pricePaise * f.quantity;
    this.tradeList.push({ tradeId: String(10_000_000 + ++this.tradeSeq), order, pricePaise: f.pricePaise, quantity: f.quantity, ts });
    const key = `${order.state.inst.token}:${order.product}`;
    let a = this.positionsAcc.get(key);
    if (!a) {
      a = { state: order.state, product: order.product, buyQty: 0, buyValue: 0, sellQty: 0, sellValue: 0 };
      this.positionsAcc.set(key, a);
    }
    if (order.side === 'BUY') {
      a.buyQty += f.quantity;
      a.buyValue += f.pricePaise * f.quantity;
    } else {
      a.sellQty += f.quantity;
      a.sellValue += f.pricePaise * f.quantity;
    }
  }

  /** On each market tick: trigger stop orders, then match resting orders in time priority. */
  private workResting(st: InstrumentState): void {
    for (const o of this.orderList) {
      if (o.state !== st) continue;
      if (o.status === 'TRIGGER PENDING' && this.triggered(o, st.lastPaise)) {
        this.trigger(o);
        this.transition(o, 'OPEN');
        if (this.match(o) === 0) this.emit(o, 'UPDATE');
      } else if (o.status === 'OPEN') {
        this.match(o);
      }
    }
  }

  private cancelRemainder(order: SimOrder, message: string | null): void {
    if (order.status !== 'AMO REQ RECEIVED') this.transition(order, 'CANCEL PENDING');
    order.cancelledQuantity = order.quantity - order.filledQuantity;
    order.statusMessage = message;
    this.transition(order, 'CANCELLED');
    this.emit(order);
  }

  /** Simple cash check for BUY orders (sells are not checked: no short-selling rules). */
  private marginCheck(order: SimOrder): { message: string; raw: string } | undefined {
    if (order.side !== 'BUY') return undefined;
    const price = order.pricePaise || (order.triggerPaise ? Math.max(order.triggerPaise, order.state.lastPaise) : order.state.lastPaise);
    const required = price * order.quantity;
    const available = this.funds().net;
    if (required <= available) return undefined;
    const r = (p: number) => rupees(p).toFixed(2);
    return {
      message: `Insufficient funds. Required margin is ${r(required)} but available margin is ${r(available)}.`,
      raw: `RMS:Margin Exceeds,Required:${r(required)}, Available:${r(available)} for entity account-${this.userId} across exchange across segment across product`,
    };
  }

  private blockedForOpenBuys(): number {
    let b = 0;
    for (const o of this.orderList) {
      if (o.side !== 'BUY' || (o.status !== 'OPEN' && o.status !== 'TRIGGER PENDING')) continue;
      const price = o.pricePaise || Math.max(o.triggerPaise, o.state.lastPaise);
      b += price * (o.quantity - o.filledQuantity - o.cancelledQuantity);
    }
    return b;
  }

  private transition(order: SimOrder, status: OrderStatus): void {
    order.status = status;
    order.updatedAt = this.now();
    this.snapshot(order);
  }

  private snapshot(order: SimOrder): void {
    order.history.push(this.rowOf(order));
  }

  private emit(order: SimOrder, status?: 'UPDATE'): void {
    const row = this.rowOf(order);
    if (status) row['status'] = status;
    for (const l of this.listeners) l({ order, row });
  }
}
