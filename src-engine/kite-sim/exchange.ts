/**
 * The simulated exchange + OMS behind the Kite simulator: per-instrument market state fed by our
 * MarketSimulator, a synthetic order book each, orders with Kite's status lifecycle, trades,
 * positions and equity margins. Integer paise and epoch ms throughout; {@link rowOf} and friends
 * produce Kite's JSON field sets (rupees, IST strings) at the edge.
 */
import type { KiteMode, KiteTick } from '../adapters/kite/tick-codec.js';
import { Rng } from '../core/random.js';
import { INDEX_FNO } from '../fno/specs.js';
import { inputError, isWholePaise, istString, KiteApiError, parseRupeesToPaise, rupees } from './kite-json.js';
import type { SimInstrument } from './instruments.js';
import { SyntheticBook, type Fill, type Side } from './order-book.js';
import { ORDER_STATUSES, type OrderStatus as EngineOrderStatus } from '../model/order.js';
import { nseCalendar, type IsoDay, type MarketPhase, type NseCalendar } from '../core/nse-calendar.js';
import { TimerScheduler, type OmsScheduler } from './oms-scheduler.js';

/** Kite's order statuses as the engine models them, plus MODIFIED, which only order histories show (order_info.json). */
export type OrderStatus = EngineOrderStatus | 'MODIFIED';
/** Every status string the simulated OMS uses. */
export const ORDER_STATUSES_SIM: readonly string[] = [...ORDER_STATUSES, 'MODIFIED'];

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
/** Default OMS latency from the REST reply to the order resting at the exchange (real ms; a guess at "a few hundred ms"). */
export const DEFAULT_LATENCY_MS = 300;
/** Circuit band around the previous close (guess: 20 %, the widest NSE equity band; real bands are 2–20 % per stock). */
export const CIRCUIT_PCT = 20;
/** Exchange limit-price protection: a LIMIT this far through the LTP is rejected by the exchange (guess). */
export const LPP_PCT = 10;
/** Margin per product as a fraction of the value (guess: MIS 5× leverage = 20 %, SEBI's minimum peak margin). */
export const MARGIN_RATE: Readonly<Record<string, number>> = { MIS: 0.2, CNC: 1, NRML: 1, MTF: 1 };
/** AMOs are refused from the pre-open start until this long after the close (support.zerodha.com: 9:00–15:45 for EQ). */
const AMO_BLACKOUT_AFTER_CLOSE_MS = 15 * 60_000;
export const CIRCUIT_MESSAGE = 'Price exceeds circuit limits for the instrument.';
export const MARKET_CLOSED = 'Markets are closed right now. Place an after market order (AMO) instead.';
export const AMO_NOT_ALLOWED = 'AMO orders cannot be placed between 09:00 and 15:45 on a trading day. Place a regular order instead.';
export const EOD_EXPIRED = 'Order cancelled by the exchange at the end of the day (DAY validity).';
export const TTL_EXPIRED = 'Order cancelled: its validity (TTL) expired.';
export const MIS_SQUARE_OFF = 'Intraday (MIS) position squared off by the broker (auto square-off).';

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
  /** Open interest (F&O only; derived-market.ts keeps it), units. */
  oi?: number;
  oiDayHigh?: number;
  oiDayLow?: number;
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
  /** What the exchange holds the order as (OPEN / TRIGGER PENDING), whatever modify/cancel step it shows; null = not at the exchange. */
  working: 'OPEN' | 'TRIGGER PENDING' | null;
  /** A stop order whose trigger was hit (it is a limit now). */
  triggered: boolean;
  /** Passed the RMS and not yet done: its margin is blocked. */
  blocksMargin: boolean;
  /** TTL validity: cancelled at this clock time (epoch ms). */
  expiresAt: number | null;
  /** A modify / cancel that arrived while the order was pending; run once it rests. */
  pendingOps: (() => void)[];
}

interface Holding {
  state: InstrumentState;
  /** Settled shares. */
  quantity: number;
  /** Bought on the previous trading day, not yet settled (T+1). */
  t1Quantity: number;
  avgPaise: number;
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
  /** Where the asynchronous order steps run; default real timers. */
  scheduler?: OmsScheduler;
  /** Real ms from the REST reply to the order resting at the exchange (three steps); default DEFAULT_LATENCY_MS. */
  latencyMs?: number;
  /** The trading calendar; default the NSE calendar. */
  calendar?: NseCalendar;
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

/** At most this many autoslice children (kite-protocol.md §2.15: "Order slicing is capped at 10 slices"). */
export const MAX_SLICES = 10;
/** Index F&O freeze quantities in units: the engine's shared specs (fno/specs.ts, guesses after NSE/BSE circulars; revised monthly, §2.16). */
const INDEX_FREEZE: Readonly<Record<string, number>> = { ...Object.fromEntries(Object.values(INDEX_FNO).map((s) => [s.name, s.freezeQty])), BANKEX: 900 };

/**
 * The largest quantity one order may carry: index derivatives their freeze quantity (else 24 lots), stock
 * derivatives 20 lots (a guess), cash equity 1,00,000 shares (Zerodha's block, support.zerodha.com "Why is the
 * rejected order not displayed in the order book?").
 */
export function freezeQuantity(inst: SimInstrument & { underlyingIsIndex?: boolean }): number {
  if (inst.instrumentType === 'EQ') return 100_000;
  const lots = (n: number) => n * inst.lotSize;
  if (inst.underlyingIsIndex === true) {
    const f = INDEX_FREEZE[inst.name];
    return f !== undefined && f % inst.lotSize === 0 ? f : lots(24);
  }
  return lots(20);
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
  openingBalancePaise: number;
  readonly userId: string;
  ordersPlaced = 0;
  readonly scheduler: OmsScheduler;
  latencyMs: number;
  private readonly calendar: NseCalendar;
  private readonly holdingsMap = new Map<number, Holding>();
  private faults: { stuck: Set<OrderStatus>; refuseWhilePending: boolean; exchangeDown: boolean } = {
    stuck: new Set(),
    refuseWhilePending: false,
    exchangeDown: false,
  };
  private parked: (() => void)[] = [];
  /** When onClock next has something to do (a calendar event or a TTL expiry). */
  private dueAt = -Infinity;
  /** The trading day the book belongs to and what of it has happened. */
  private cycle: { day: IsoDay; opened: boolean; squaredOff: boolean; closed: boolean };

  constructor(private readonly o: ExchangeOptions) {
    this.rng = new Rng((o.seed ?? 1) ^ 0x5eed);
    this.openingBalancePaise = o.openingBalancePaise ?? DEFAULT_OPENING_BALANCE;
    this.userId = o.userId ?? 'KD0001';
    this.scheduler = o.scheduler ?? new TimerScheduler();
    this.latencyMs = o.latencyMs ?? DEFAULT_LATENCY_MS;
    if (!(this.latencyMs >= 0)) throw new RangeError('SimExchange: latencyMs must be ≥ 0');
    this.calendar = o.calendar ?? nseCalendar;
    this.cycle = this.initialCycle(o.now());
    // 19-digit ids like Kite's new ones: simulated unix seconds × 1e9 + a counter. Never parse them as numbers.
    this.idBase = BigInt(Math.floor(o.now() / 1000)) * 1_000_000_000n;
    for (const inst of o.instruments) {
      const book = new SyntheticBook({
        tickPaise: inst.tickPaise,
        lotSize: inst.lotSize,
        meanLevelQty: Math.max(inst.lotSize, inst.avgDailyVolume / 20_000),
        rng: this.rng,
        ...(inst.liquidity !== undefined ? { liquidity: inst.liquidity } : {}),
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
    if (this.now() >= this.dueAt) this.onClock();
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

  /**
   * POST /orders/:variety. The checks Kite makes before an order reaches the book throw here (InputException,
   * MarginException for a short beyond the funds, HoldingException for a CNC sell without holdings). Otherwise
   * the order is created in PUT ORDER REQ RECEIVED (AMO: AMO REQ RECEIVED) and returned at once: validation, the
   * RMS, the exchange and matching happen afterwards on the scheduler, as on Kite (the REST reply comes first).
   */
  place(variety: string, p: Record<string, string | undefined>, extraTags: readonly string[] = []): SimOrder {
    if (!VARIETIES.includes(variety)) throw inputError(`Invalid \`variety\`: the simulator supports ${VARIETIES.join(', ')}.`);
    const exchange = str(p, 'exchange');
    const symbol = str(p, 'tradingsymbol');
    if (!exchange) throw inputError('Missing `exchange`.');
    if (!symbol) throw inputError('Missing `tradingsymbol`.');
    const st = this.lookupSymbol(exchange, symbol);
    if (!st) throw inputError('Invalid `tradingsymbol`.');
    if (st.inst.tradable === false) throw inputError(`${exchange}:${symbol} is an index: it cannot be traded.`);
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
    const freeze = freezeQuantity(inst);
    if (quantity > freeze) {
      const lots = (q: number) => (inst.lotSize > 1 ? ` (${q / inst.lotSize} lots)` : '');
      throw inputError(
        `The order quantity ${quantity}${lots(quantity)} is higher than the maximum quantity of ${freeze}${lots(freeze)} allowed by the exchanges. Use autoslice or iceberg orders.`,
      );
    }
    const spec = this.orderSpec(orderType as OrderType, p, inst);
    const now = this.now();
    this.checkSessionPhase(variety, now);
    this.checkPrices(st, side, orderType as OrderType, spec);
    this.checkSellSide(st, side, product, quantity, spec.pricePaise || spec.triggerPaise || st.lastPaise);

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
      tags: [...(tag ? [tag] : []), ...extraTags],
      placedAt: now,
      updatedAt: now,
      exchangeTs: null,
      modifications: 0,
      guid: `${this.seq}X${Math.floor(this.rng.uniform() * 1e12).toString(36)}`,
      history: [],
      working: null,
      triggered: false,
      blocksMargin: false,
      expiresAt: null,
      pendingOps: [],
    };
    this.orders.set(order.orderId, order);
    this.orderList.push(order);
    this.ordersPlaced++;
    this.snapshot(order);
    if (variety === 'amo') {
      this.later(() => this.emit(order));
      return order;
    }
    this.pipeline(order);
    return order;
  }

  /**
   * POST /orders/:variety with `autoslice=true` (kite-protocol.md §2.6, autoslice_response.json): a quantity above the
   * freeze quantity is split into children of at most the freeze quantity (at most MAX_SLICES, §2.15), each placed
   * like an order of its own and tagged `autoslice`, `autoslice:<parent id>`; a child that fails shows its error in
   * `children`. At or under the freeze quantity it is a plain order (guess: Kite's reply then is not documented).
   */
  placeAutoslice(variety: string, p: Record<string, string | undefined>): { order_id: string; children?: unknown[] } {
    const st = this.lookupSymbol(str(p, 'exchange') ?? '', str(p, 'tradingsymbol') ?? '');
    const quantity = parseIntStrict(str(p, 'quantity'), 'quantity');
    if (!st || quantity === undefined || quantity <= 0) return { order_id: this.place(variety, p).orderId };
    const freeze = freezeQuantity(st.inst);
    if (quantity <= freeze) return { order_id: this.place(variety, p).orderId };
    checkLot(quantity, st.inst);
    const slices = Math.ceil(quantity / freeze);
    if (slices > MAX_SLICES) throw inputError(`Autoslice allows at most ${MAX_SLICES} slices: ${quantity} needs ${slices} of at most ${freeze}.`);
    const parent = String(this.idBase + BigInt(++this.seq));
    const children: unknown[] = [];
    for (let left = quantity; left > 0; left -= freeze) {
      const q = Math.min(freeze, left);
      try {
        children.push({ order_id: this.place(variety, { ...p, quantity: String(q) }, ['autoslice', `autoslice:${parent}`]).orderId });
      } catch (e) {
        if (!(e instanceof KiteApiError)) throw e;
        children.push({ error: { code: e.status, error_type: e.errorType, message: e.message, data: null } });
      }
    }
    return { order_id: parent, children };
  }

  /**
   * PUT /orders/:variety/:id. Validated at once; the change itself goes MODIFY VALIDATION PENDING → MODIFY PENDING →
   * MODIFIED (still the old values, as in order_info.json) → OPEN / TRIGGER PENDING with the new ones, on the
   * scheduler. The order keeps trading at its old price until then. On an order that is itself still pending
   * the change is queued until it rests (or refused, with the `refuseWhilePending` fault).
   */
  modify(variety: string, orderId: string, p: Record<string, string | undefined>): SimOrder {
    const order = this.get(orderId);
    if (order.variety !== variety) throw inputError('Invalid `variety` for this order.');
    if (TERMINAL.has(order.status)) {
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
    if (!order.triggered) this.checkPrices(order.state, order.side, orderType, spec);
    const change: Partial<SimOrder> = { quantity, orderType, validity, disclosedQuantity: disclosed, ...spec };

    if (order.status === 'AMO REQ RECEIVED') {
      order.modifications++;
      this.later(() => {
        if (order.status !== 'AMO REQ RECEIVED') return;
        Object.assign(order, change);
        order.updatedAt = this.now();
        this.snapshot(order);
        this.emit(order, 'UPDATE');
      });
      return order;
    }
    if (!this.resting(order)) {
      if (this.faults.refuseWhilePending) throw inputError(`Order cannot be modified as it is being processed (${order.status}). Try again.`);
      order.modifications++;
      order.pendingOps.push(() => this.startModify(order, change));
      return order;
    }
    order.modifications++;
    this.startModify(order, change);
    return order;
  }

  /** DELETE /orders/:variety/:id: CANCEL PENDING now, CANCELLED later (the order can still fill meanwhile). */
  cancel(variety: string, orderId: string): SimOrder {
    const order = this.get(orderId);
    if (order.variety !== variety) throw inputError('Invalid `variety` for this order.');
    if (TERMINAL.has(order.status)) {
      throw inputError(`Order cannot be cancelled as it is ${order.status === 'COMPLETE' ? 'completed' : order.status.toLowerCase()}.`);
    }
    if (order.status === 'AMO REQ RECEIVED') {
      this.later(() => {
        if (order.status === 'AMO REQ RECEIVED') this.cancelRemainder(order, null, false);
      });
      return order;
    }
    if (!this.resting(order)) {
      if (this.faults.refuseWhilePending) throw inputError(`Order cannot be cancelled as it is being processed (${order.status}). Try again.`);
      if (order.status !== 'CANCEL PENDING') order.pendingOps.push(() => this.startCancel(order));
      return order;
    }
    this.startCancel(order);
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
    // orders.json: a CANCELLED row keeps its unfilled quantity as pending_quantity; a REJECTED one shows 0.
    const pending = o.status === 'REJECTED' ? 0 : o.quantity - o.filledQuantity;
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

  /**
   * PUT /portfolio/positions: moves `quantity` of an open position from `old_product` to `new_product`
   * at its average price (convert_position.json answers `true`). Equities convert between MIS and
   * CNC, F&O between MIS and NRML. Error messages are guesses (Kite's are not in the docs or mocks).
   */
  convertPosition(p: Record<string, string | undefined>): true {
    const exchange = str(p, 'exchange');
    const symbol = str(p, 'tradingsymbol');
    const st = exchange && symbol ? this.lookupSymbol(exchange, symbol) : undefined;
    if (!st) throw inputError('Invalid `tradingsymbol`.');
    const side = str(p, 'transaction_type');
    if (side !== 'BUY' && side !== 'SELL') throw inputError('Invalid `transaction_type`.');
    const positionType = str(p, 'position_type') ?? 'day';
    if (positionType !== 'day' && positionType !== 'overnight') throw inputError('Invalid `position_type`.');
    const quantity = parseIntStrict(str(p, 'quantity'), 'quantity');
    if (quantity === undefined || quantity <= 0) throw inputError('Invalid `quantity`.');
    checkLot(quantity, st.inst);
    const from = str(p, 'old_product');
    const to = str(p, 'new_product');
    const allowed = st.inst.instrumentType === 'EQ' ? ['MIS', 'CNC', 'MTF'] : ['MIS', 'NRML'];
    if (!from || !to || !allowed.includes(from) || !allowed.includes(to) || from === to) {
      throw inputError(`Invalid product conversion${from && to ? ` from ${from} to ${to}` : ''} for ${st.inst.exchange}:${st.inst.tradingsymbol}.`);
    }
    const a = this.positionsAcc.get(`${st.inst.token}:${from}`);
    const net = a ? a.buyQty - a.sellQty : 0;
    const open = side === 'BUY' ? net : -net;
    if (!a || positionType === 'overnight' || open < quantity) {
      throw inputError(`Insufficient ${positionType} ${side === 'BUY' ? 'long' : 'short'} position of ${st.inst.tradingsymbol} in ${from} to convert ${quantity}.`);
    }
    const key = `${st.inst.token}:${to}`;
    let b = this.positionsAcc.get(key);
    if (!b) {
      b = { state: st, product: to, buyQty: 0, buyValue: 0, sellQty: 0, sellValue: 0 };
      this.positionsAcc.set(key, b);
    }
    if (side === 'BUY') {
      const v = Math.round((a.buyValue * quantity) / a.buyQty);
      a.buyQty -= quantity;
      a.buyValue -= v;
      b.buyQty += quantity;
      b.buyValue += v;
    } else {
      const v = Math.round((a.sellValue * quantity) / a.sellQty);
      a.sellQty -= quantity;
      a.sellValue -= v;
      b.sellQty += quantity;
      b.sellValue += v;
    }
    return true;
  }

  /**
   * Equity funds in paise. CNC trades move cash; intraday/NRML positions block MARGIN_RATE × their value
   * and add their realised and unrealised P&L; accepted open orders block their margin.
   */
  funds(): { net: number; debits: number; realised: number; unrealised: number; blocked: number } {
    let cash = 0;
    let realised = 0;
    let unrealised = 0;
    let used = 0;
    for (const a of this.positionsAcc.values()) {
      const qty = a.buyQty - a.sellQty;
      const avg = qty > 0 ? a.buyValue / a.buyQty : qty < 0 ? a.sellValue / a.sellQty : 0;
      const u = qty * (a.state.lastPaise - avg);
      const r = a.sellValue - a.buyValue + qty * a.state.lastPaise - u;
      unrealised += u;
      realised += r;
      if (a.product === 'CNC') cash += a.sellValue - a.buyValue;
      else {
        cash += r + u;
        used += Math.ceil((MARGIN_RATE[a.product] ?? 1) * Math.abs(qty) * avg);
      }
    }
    const blocked = this.blockedForOpenOrders() + used;
    const net = Math.round(this.openingBalancePaise + cash - blocked);
    return { net, debits: this.openingBalancePaise - net, realised: Math.round(realised), unrealised: Math.round(unrealised), blocked };
  }

  /** GET /portfolio/holdings rows (holdings.json's fields). */
  holdingRows(): Record<string, unknown>[] {
    const rows: Record<string, unknown>[] = [];
    for (const h of this.holdingsMap.values()) {
      const qty = h.quantity + h.t1Quantity;
      if (qty === 0) continue;
      const st = h.state;
      const last = st.lastPaise;
      rows.push({
        tradingsymbol: st.inst.tradingsymbol,
        exchange: st.inst.exchange,
        instrument_token: st.inst.token,
        isin: `INE${String(st.inst.exchangeToken).padStart(6, '0')}01X`,
        product: 'CNC',
        price: 0,
        quantity: h.quantity,
        used_quantity: 0,
        t1_quantity: h.t1Quantity,
        realised_quantity: h.quantity,
        authorised_quantity: 0,
        authorised_date: istString(this.now()).slice(0, 10) + ' 00:00:00',
        authorisation: {},
        opening_quantity: h.quantity,
        short_quantity: 0,
        collateral_quantity: 0,
        collateral_type: '',
        discrepancy: false,
        average_price: rupees(Math.round(h.avgPaise)),
        last_price: rupees(last),
        close_price: rupees(st.closePaise),
        pnl: rupees(Math.round(qty * (last - h.avgPaise))),
        day_change: rupees(last - st.closePaise),
        day_change_percentage: st.closePaise ? ((last - st.closePaise) * 100) / st.closePaise : 0,
        mtf: { quantity: 0, used_quantity: 0, average_price: 0, value: 0, initial_margin: 0 },
      });
    }
    return rows;
  }

  /** Puts `quantity` settled shares of "EXCHANGE:SYMBOL" in the demat account (tests, a starting portfolio). */
  addHolding(key: string, quantity: number, avgPaise: number): void {
    const st = this.lookup(key);
    if (!st) throw new RangeError(`addHolding: unknown instrument ${key}`);
    if (!Number.isSafeInteger(quantity) || quantity <= 0 || !Number.isSafeInteger(avgPaise) || avgPaise <= 0) {
      throw new RangeError('addHolding: quantity and avgPaise must be positive integers');
    }
    const h = this.holding(st);
    h.avgPaise = (h.avgPaise * (h.quantity + h.t1Quantity) + avgPaise * quantity) / (h.quantity + h.t1Quantity + quantity);
    h.quantity += quantity;
  }

  private holding(st: InstrumentState): Holding {
    let h = this.holdingsMap.get(st.inst.token);
    if (!h) {
      h = { state: st, quantity: 0, t1Quantity: 0, avgPaise: 0 };
      this.holdingsMap.set(st.inst.token, h);
    }
    return h;
  }

  // ---------------------------------------------------------------------------------------------
  // The trading day (one clock: this.now())

  /** The market phase now (NSE calendar): closed, pre-open, open or break. */
  phase(): MarketPhase {
    return this.calendar.phase(this.now());
  }

  private marketOpen(): boolean {
    return this.calendar.phase(this.now()) === 'open';
  }

  /**
   * Moves the trading day to `now`: TTL expiry, MIS auto square-off (calendar misSquareOff, 15:20), end of day at
   * the close (DAY orders cancelled), and at the next trading day's pre-open the roll (yesterday's orders and
   * trades gone, CNC → T1 holdings → settled, intraday P&L into the opening balance, AMOs sent to the exchange).
   * The simulator calls it on every clock step; it is idempotent.
   */
  onClock(): void {
    const now = this.now();
    let ttlDue = Infinity;
    for (const o of this.orderList) {
      if (o.expiresAt === null || TERMINAL.has(o.status)) continue;
      if (o.expiresAt <= now && this.resting(o)) this.cancelRemainder(o, TTL_EXPIRED, true);
      else ttlDue = Math.min(ttlDue, Math.max(o.expiresAt, now + 1));
    }
    for (let guard = 0; guard < 10_000; guard++) {
      const c = this.cycle;
      const s = this.calendar.session(c.day);
      if (s && !c.opened && now >= s.open) {
        c.opened = true;
        for (const st of this.states.values()) this.workResting(st);
        continue;
      }
      if (s && !c.squaredOff && now >= s.misSquareOff) {
        c.squaredOff = true;
        this.squareOffMis();
        continue;
      }
      if (s && !c.closed && now >= s.close) {
        c.closed = true;
        this.endOfDay();
        continue;
      }
      const next = this.calendar.nextTradingDay(c.day);
      const ns = this.calendar.session(next);
      if (ns && now >= ns.preOpenStart) {
        if (!c.closed) {
          c.closed = c.squaredOff = c.opened = true;
          this.squareOffMis();
          this.endOfDay();
        }
        this.rollDay(next);
        continue;
      }
      const pending = [!c.opened && s ? s.open : Infinity, !c.squaredOff && s ? s.misSquareOff : Infinity, !c.closed && s ? s.close : Infinity];
      this.dueAt = Math.min(ttlDue, ns ? ns.preOpenStart : Infinity, ...pending);
      return;
    }
  }

  /** Zerodha squares off open MIS positions near the close (guess: at LTP, as the broker's own MARKET order). */
  private squareOffMis(): void {
    for (const o of this.orderList) {
      if (o.product === 'MIS' && !TERMINAL.has(o.status) && o.status !== 'AMO REQ RECEIVED') this.cancelRemainder(o, MIS_SQUARE_OFF, true);
    }
    for (const a of [...this.positionsAcc.values()]) {
      const qty = a.buyQty - a.sellQty;
      if (a.product !== 'MIS' || qty === 0) continue;
      this.systemFill(a.state, qty > 0 ? 'SELL' : 'BUY', Math.abs(qty), 'MIS', MIS_SQUARE_OFF);
    }
  }

  /** A broker-placed MARKET order that fills at once at the LTP (auto square-off). */
  private systemFill(st: InstrumentState, side: Side, quantity: number, product: string, message: string): void {
    const now = this.now();
    const order: SimOrder = {
      orderId: String(this.idBase + BigInt(++this.seq)),
      exchangeOrderId: String(1_100_000_000_000_000n + BigInt(this.seq)),
      variety: 'regular',
      state: st,
      orderType: 'MARKET',
      side,
      product,
      validity: 'DAY',
      validityTtl: null,
      quantity,
      disclosedQuantity: 0,
      pricePaise: 0,
      triggerPaise: 0,
      protectionPct: 0,
      filledQuantity: 0,
      filledValuePaise: 0,
      cancelledQuantity: 0,
      status: 'PUT ORDER REQ RECEIVED',
      statusMessage: message,
      statusMessageRaw: message,
      tag: null,
      tags: [],
      placedAt: now,
      updatedAt: now,
      exchangeTs: now,
      modifications: 0,
      guid: `${this.seq}SQ`,
      history: [],
      working: null,
      triggered: false,
      blocksMargin: false,
      expiresAt: null,
      pendingOps: [],
    };
    this.orders.set(order.orderId, order);
    this.orderList.push(order);
    this.snapshot(order);
    this.transition(order, 'VALIDATION PENDING');
    this.transition(order, 'OPEN PENDING');
    this.transition(order, 'OPEN');
    this.recordFill(order, { pricePaise: st.lastPaise, quantity }, now);
    this.transition(order, 'COMPLETE');
    this.emit(order);
  }

  /** At the close the exchange cancels every unfilled DAY / TTL order (AMOs for tomorrow stay). */
  private endOfDay(): void {
    for (const o of this.orderList) {
      if (TERMINAL.has(o.status) || o.status === 'AMO REQ RECEIVED') continue;
      this.cancelRemainder(o, EOD_EXPIRED, false);
    }
  }

  /** A new trading day: a fresh order book, T+1 holdings, the day's cash in the opening balance, AMOs go live. */
  private rollDay(day: IsoDay): void {
    for (const h of this.holdingsMap.values()) {
      h.quantity += h.t1Quantity; // T1 shares settle
      h.t1Quantity = 0;
    }
    let cash = 0;
    for (const [key, a] of [...this.positionsAcc]) {
      const qty = a.buyQty - a.sellQty;
      if (a.product === 'CNC') {
        cash += a.sellValue - a.buyValue;
        const h = this.holding(a.state);
        if (qty > 0) {
          const held = h.quantity + h.t1Quantity;
          h.avgPaise = (h.avgPaise * held + (a.buyValue / a.buyQty) * qty) / (held + qty);
          h.t1Quantity += qty;
        } else if (qty < 0) {
          h.quantity = Math.max(0, h.quantity + qty);
        }
        this.positionsAcc.delete(key);
      } else if (qty === 0 || a.product === 'MIS') {
        cash += a.sellValue - a.buyValue + qty * a.state.lastPaise;
        this.positionsAcc.delete(key);
      }
      // NRML / MTF with an open quantity are carried as they are (simplification: no overnight re-basing).
    }
    this.openingBalancePaise += Math.round(cash);
    const amos = this.orderList.filter((o) => o.status === 'AMO REQ RECEIVED');
    this.orderList.length = 0;
    this.orders.clear();
    this.tradeList.length = 0;
    for (const o of amos) {
      this.orderList.push(o);
      this.orders.set(o.orderId, o);
    }
    this.cycle = { day, opened: false, squaredOff: false, closed: false };
    for (const o of amos) this.pipeline(o);
  }

  // ---------------------------------------------------------------------------------------------
  // Faults

  /** Current fault switches (read-only view). */
  get faultState(): Readonly<{ stuck: ReadonlySet<OrderStatus>; refuseWhilePending: boolean; exchangeDown: boolean }> {
    return this.faults;
  }

  /** Orders reaching any of these states stay there until the list no longer names them. */
  setStuck(states: readonly OrderStatus[]): void {
    this.faults.stuck = new Set(states);
    this.releaseParked();
  }

  /** Modify / cancel of an order that is still pending answer InputException instead of being queued. */
  setRefuseWhilePending(on: boolean): void {
    this.faults.refuseWhilePending = on;
  }

  /** The exchange link is down: orders wait in OPEN / MODIFY / CANCEL PENDING and nothing matches until it is back. */
  setExchangeDown(down: boolean): void {
    this.faults.exchangeDown = down;
    if (!down) {
      this.releaseParked();
      for (const st of this.states.values()) this.workResting(st);
    }
  }

  quoteRow(st: InstrumentState, kind: 'quote' | 'ohlc' | 'ltp'): Record<string, unknown> {
    const base = { instrument_token: st.inst.token, last_price: rupees(st.lastPaise) };
    if (kind === 'ltp') return base;
    const ohlc = { open: rupees(st.openPaise), high: rupees(st.highPaise), low: rupees(st.lowPaise), close: rupees(st.closePaise) };
    if (kind === 'ohlc') return { ...base, ohlc };
    if (st.inst.tradable === false) return this.indexQuoteRow(st, ohlc);
    const { lower, upper } = this.circuit(st);
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
      oi: st.oi ?? 0,
      oi_day_high: st.oiDayHigh ?? 0,
      oi_day_low: st.oiDayLow ?? 0,
      net_change: rupees(st.lastPaise - st.closePaise),
      lower_circuit_limit: rupees(lower),
      upper_circuit_limit: rupees(upper),
      ohlc,
      depth: { buy: st.book.bids.map(lvl), sell: st.book.asks.map(lvl) },
    };
  }

  /**
   * An index's quote (Kite has no volume, depth or circuit limits for indices: zeros and five empty
   * levels each side; the exact live shape for an index is not in the mocks — a guess).
   */
  private indexQuoteRow(st: InstrumentState, ohlc: Record<string, number>): Record<string, unknown> {
    const empty = () => Array.from({ length: 5 }, () => ({ price: 0, quantity: 0, orders: 0 }));
    return {
      instrument_token: st.inst.token,
      timestamp: istString(this.now()),
      last_trade_time: istString(st.lastTradeTs),
      last_price: rupees(st.lastPaise),
      last_quantity: 0,
      buy_quantity: 0,
      sell_quantity: 0,
      volume: 0,
      average_price: 0,
      oi: 0,
      oi_day_high: 0,
      oi_day_low: 0,
      net_change: rupees(st.lastPaise - st.closePaise),
      lower_circuit_limit: 0,
      upper_circuit_limit: 0,
      ohlc,
      depth: { buy: empty(), sell: empty() },
    };
  }

  /** The ticker packet of an instrument in `mode`; prices raw paise (NSE divisor 100), times Unix seconds. Indices: the 8/28/32-byte layouts. */
  tickOf(st: InstrumentState, mode: KiteMode): KiteTick {
    const t: KiteTick = { token: st.inst.token, mode, tradable: st.inst.tradable !== false, lastPrice: st.lastPaise };
    if (mode === 'ltp') return t;
    if (!t.tradable) {
      // index packet: OHLC (stored high, low, open, close) and the "price change" int32 (absolute, paise: a guess; the JS client recomputes a percent)
      Object.assign(t, { open: st.openPaise, high: st.highPaise, low: st.lowPaise, close: st.closePaise, netChange: st.lastPaise - st.closePaise });
      if (mode === 'full') t.exchangeTime = Math.floor(this.now() / 1000);
      return t;
    }
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
      oi: st.oi ?? 0,
      oiDayHigh: st.oiDayHigh ?? 0,
      oiDayLow: st.oiDayLow ?? 0,
      exchangeTime: Math.floor(this.now() / 1000),
      depth: { buy: st.book.bids.map(lvl), sell: st.book.asks.map(lvl) },
    });
    return t;
  }

  /** The day's circuit limits: the previous close ± CIRCUIT_PCT, on the tick grid (inside the band). */
  circuit(st: InstrumentState): { lower: number; upper: number } {
    const tick = st.inst.tickPaise;
    return {
      lower: Math.max(tick, Math.ceil((st.closePaise * (100 - CIRCUIT_PCT)) / 100 / tick) * tick),
      upper: Math.floor((st.closePaise * (100 + CIRCUIT_PCT)) / 100 / tick) * tick,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // internals

  private initialCycle(now: number): { day: IsoDay; opened: boolean; squaredOff: boolean; closed: boolean } {
    const today = this.calendar.session(now);
    if (today && this.calendar.isTradingDay(today.date) && now >= today.preOpenStart) {
      return { day: today.date, opened: now >= today.open, squaredOff: now >= today.misSquareOff, closed: now >= today.close };
    }
    return { day: this.calendar.previousTradingDay(now), opened: true, squaredOff: true, closed: true };
  }

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

  /** OPEN or TRIGGER PENDING with nothing in flight: modify / cancel can start now. */
  private resting(o: SimOrder): boolean {
    return o.status === 'OPEN' || o.status === 'TRIGGER PENDING';
  }

  /** Runs `fn` after one OMS step (a third of the latency). */
  private later(fn: () => void): void {
    this.scheduler.after(this.stepMs(), fn);
  }

  private stepMs(): number {
    return this.latencyMs / 3;
  }

  /**
   * After one OMS step, runs `next` if the order is still in `status`, unless a fault holds orders there
   * (stuck states; an exchange disconnect holds OPEN / MODIFY / CANCEL PENDING): then it waits for the release.
   */
  private step(o: SimOrder, status: OrderStatus, next: () => void): void {
    const go = (): void => {
      if (o.status !== status) return; // filled or cancelled meanwhile
      if (this.held(status)) {
        this.parked.push(go);
        return;
      }
      next();
    };
    this.later(go);
  }

  private held(status: OrderStatus): boolean {
    if (this.faults.stuck.has(status)) return true;
    return this.faults.exchangeDown && (status === 'OPEN PENDING' || status === 'MODIFY PENDING' || status === 'CANCEL PENDING');
  }

  /** Re-runs the steps held by faults that no longer apply. */
  private releaseParked(): void {
    const list = this.parked;
    this.parked = [];
    for (const go of list) this.later(go);
  }

  /** PUT ORDER REQ RECEIVED → VALIDATION PENDING (RMS) → OPEN PENDING (exchange) → activate. */
  private pipeline(o: SimOrder): void {
    this.step(o, o.status, () => {
      this.transition(o, 'VALIDATION PENDING');
      this.step(o, 'VALIDATION PENDING', () => {
        const rms = this.marginCheck(o);
        if (rms) {
          o.statusMessage = rms.message;
          o.statusMessageRaw = rms.raw;
          this.transition(o, 'REJECTED');
          this.emit(o);
          return;
        }
        o.blocksMargin = true;
        this.transition(o, 'OPEN PENDING');
        this.step(o, 'OPEN PENDING', () => this.exchangeAccept(o));
      });
    });
  }

  /** The exchange takes the order (or rejects it outside its limit-price-protection band). */
  private exchangeAccept(o: SimOrder): void {
    const now = this.now();
    o.exchangeOrderId = String(1_100_000_000_000_000n + BigInt(o.orderId.slice(-9)));
    o.exchangeTs = now;
    const lpp = this.lppViolation(o);
    if (lpp) {
      o.statusMessage = lpp;
      o.statusMessageRaw = lpp;
      o.blocksMargin = false;
      this.transition(o, 'REJECTED');
      this.emit(o);
      return;
    }
    if (o.validity === 'TTL' && o.validityTtl !== null) {
      o.expiresAt = now + o.validityTtl * 60_000;
      this.dueAt = Math.min(this.dueAt, o.expiresAt);
    }
    this.activate(o);
    this.runPendingOps(o);
  }

  /** A modify or cancel that arrived while the order was pending, now that it rests. */
  private runPendingOps(o: SimOrder): void {
    if (TERMINAL.has(o.status) || !this.resting(o)) return;
    const op = o.pendingOps.shift();
    op?.();
  }

  private startModify(o: SimOrder, change: Partial<SimOrder>): void {
    if (TERMINAL.has(o.status)) return;
    if (!this.resting(o)) {
      o.pendingOps.push(() => this.startModify(o, change));
      return;
    }
    this.transition(o, 'MODIFY VALIDATION PENDING');
    this.step(o, 'MODIFY VALIDATION PENDING', () => {
      this.transition(o, 'MODIFY PENDING');
      this.step(o, 'MODIFY PENDING', () => {
        this.transition(o, 'MODIFIED'); // order_info.json: the MODIFIED row still shows the old price
        Object.assign(o, change);
        if (o.quantity <= o.filledQuantity) {
          o.quantity = o.filledQuantity;
          this.transition(o, 'COMPLETE');
          this.emit(o);
          return;
        }
        this.activate(o, 'UPDATE');
        this.runPendingOps(o);
      });
    });
  }

  private startCancel(o: SimOrder): void {
    if (TERMINAL.has(o.status)) return;
    if (!this.resting(o)) {
      o.pendingOps.push(() => this.startCancel(o));
      return;
    }
    this.transition(o, 'CANCEL PENDING');
    this.step(o, 'CANCEL PENDING', () => this.cancelRemainder(o, null, false));
  }

  /** After validation (or a modify): rests, triggers or fills the order. */
  private activate(order: SimOrder, event?: 'UPDATE'): void {
    const st = order.state;
    if ((order.orderType === 'SL' || order.orderType === 'SL-M') && !order.triggered) {
      if (!this.triggered(order, st.lastPaise)) {
        order.working = 'TRIGGER PENDING';
        this.transition(order, 'TRIGGER PENDING');
        this.emit(order, event);
        return;
      }
      this.trigger(order);
    } else if (order.orderType === 'MARKET') {
      this.protect(order);
    }
    order.working = 'OPEN';
    this.transition(order, 'OPEN');
    const filled = this.match(order);
    if (order.status === 'OPEN' && order.validity === 'IOC') {
      this.cancelRemainder(order, 'IOC order cancelled: unfilled quantity', true);
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
    order.triggered = true;
    if (order.orderType === 'SL-M') {
      order.pricePaise = protectedLimit(order.side, order.state.lastPaise, order.protectionPct, order.state.inst.tickPaise);
    }
  }

  /** Fills what the book allows within the order's limit (continuous trading only); returns the quantity filled now. */
  private match(order: SimOrder): number {
    if (order.working !== 'OPEN' || TERMINAL.has(order.status) || this.faults.exchangeDown || !this.marketOpen()) return 0;
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
      order.working = null;
      order.blocksMargin = false;
      order.pendingOps = [];
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
    const a = this.acc(order.state, order.product);
    if (order.side === 'BUY') {
      a.buyQty += f.quantity;
      a.buyValue += f.pricePaise * f.quantity;
    } else {
      a.sellQty += f.quantity;
      a.sellValue += f.pricePaise * f.quantity;
    }
  }

  private acc(state: InstrumentState, product: string): PositionAcc {
    const key = `${state.inst.token}:${product}`;
    let a = this.positionsAcc.get(key);
    if (!a) {
      a = { state, product, buyQty: 0, buyValue: 0, sellQty: 0, sellValue: 0 };
      this.positionsAcc.set(key, a);
    }
    return a;
  }

  /** On each market tick: trigger stop orders, then match resting orders in time priority. */
  private workResting(st: InstrumentState): void {
    for (const o of this.orderList) {
      if (o.state !== st || TERMINAL.has(o.status)) continue;
      if (o.working === 'TRIGGER PENDING' && this.triggered(o, st.lastPaise)) {
        this.trigger(o);
        o.working = 'OPEN';
        if (o.status === 'TRIGGER PENDING') this.transition(o, 'OPEN');
        if (this.match(o) === 0) this.emit(o, 'UPDATE');
      } else if (o.working === 'OPEN') {
        this.match(o);
      }
    }
  }

  private cancelRemainder(order: SimOrder, message: string | null, viaPending: boolean): void {
    if (viaPending && order.status !== 'AMO REQ RECEIVED' && order.status !== 'CANCEL PENDING') this.transition(order, 'CANCEL PENDING');
    order.cancelledQuantity = order.quantity - order.filledQuantity;
    order.statusMessage = message;
    order.working = null;
    order.blocksMargin = false;
    order.pendingOps = [];
    this.transition(order, 'CANCELLED');
    this.emit(order);
  }

  // ---- pre-book checks (Zerodha's validation layer: rejected before the order book, support.zerodha.com
  // "Why is the rejected order not displayed in the order book?") ------------------------------------------

  /** Regular orders only while the exchange takes orders (pre-open or open); AMOs only outside 09:00–15:45. */
  private checkSessionPhase(variety: string, now: number): void {
    const s = this.calendar.session(now);
    if (variety === 'amo') {
      if (s && now >= s.preOpenStart && now < s.close + AMO_BLACKOUT_AFTER_CLOSE_MS) throw inputError(AMO_NOT_ALLOWED);
      return;
    }
    const phase = this.calendar.phase(now);
    if (phase !== 'open' && phase !== 'pre-open') throw inputError(MARKET_CLOSED);
  }

  /** Circuit limits for prices and triggers; stop-loss triggers on the right side of the LTP and the limit. */
  private checkPrices(st: InstrumentState, side: Side, orderType: OrderType, spec: { pricePaise: number; triggerPaise: number }): void {
    const { lower, upper } = this.circuit(st);
    const f = (p: number) => rupees(p).toFixed(2);
    for (const p of [spec.pricePaise, spec.triggerPaise]) {
      if (p === 0) continue;
      if (p > upper) throw inputError(`${CIRCUIT_MESSAGE} Your order price is higher than the current upper circuit limit of ${f(upper)}.`);
      if (p < lower) throw inputError(`${CIRCUIT_MESSAGE} Your order price is lower than the current lower circuit limit of ${f(lower)}.`);
    }
    if (orderType !== 'SL' && orderType !== 'SL-M') return;
    const ltp = st.lastPaise;
    if (side === 'BUY' && spec.triggerPaise < ltp) {
      throw inputError(`Trigger price for stoploss buy orders cannot be lower than the last traded price (${f(ltp)}). Use a limit order instead.`);
    }
    if (side === 'SELL' && spec.triggerPaise > ltp) {
      throw inputError(`Trigger price for stoploss sell orders cannot be higher than the last traded price (${f(ltp)}). Use a limit order instead.`);
    }
    if (orderType === 'SL' && side === 'BUY' && spec.triggerPaise > spec.pricePaise) {
      throw inputError('Trigger price for stoploss buy orders should be less than or equal to the limit price.');
    }
    if (orderType === 'SL' && side === 'SELL' && spec.triggerPaise < spec.pricePaise) {
      throw inputError('Trigger price for stoploss sell orders should be greater than or equal to the limit price.');
    }
  }

  /** CNC sells need holdings (HoldingException); a short beyond the funds is refused (MarginException). */
  private checkSellSide(st: InstrumentState, side: Side, product: string, quantity: number, pricePaise: number): void {
    if (side !== 'SELL') return;
    if (product === 'CNC') {
      const free = this.sellableCnc(st);
      if (quantity > free) {
        throw new KiteApiError(
          'HoldingException',
          `Insufficient holdings. You have ${free} quantity of ${st.inst.tradingsymbol} available to sell but the order quantity is ${quantity}.`,
          400,
        );
      }
      return;
    }
    const required = this.requiredMargin(st, 'SELL', product, quantity, pricePaise);
    const available = this.funds().net;
    if (required > available) {
      const r = (p: number) => rupees(p).toFixed(2);
      throw new KiteApiError('MarginException', `Insufficient funds. Required margin is ${r(required)} but available margin is ${r(available)}.`, 400);
    }
  }

  /** Settled + T1 holdings + today's CNC net buys − CNC sells already working. */
  private sellableCnc(st: InstrumentState): number {
    const h = this.holdingsMap.get(st.inst.token);
    const a = this.positionsAcc.get(`${st.inst.token}:CNC`);
    let working = 0;
    for (const o of this.orderList) {
      if (o.state === st && o.product === 'CNC' && o.side === 'SELL' && !TERMINAL.has(o.status)) working += o.quantity - o.filledQuantity;
    }
    return (h ? h.quantity + h.t1Quantity : 0) + (a ? a.buyQty - a.sellQty : 0) - working;
  }

  /** Exchange-side limit price protection: a LIMIT far through the market is rejected (guess: LPP_PCT of the LTP). */
  private lppViolation(o: SimOrder): string | undefined {
    if (o.orderType !== 'LIMIT' || o.protectionPct > 0) return undefined;
    const ltp = o.state.lastPaise;
    const f = (p: number) => rupees(p).toFixed(2);
    if (o.side === 'BUY' && o.pricePaise > ltp * (1 + LPP_PCT / 100)) {
      return `Order price ${f(o.pricePaise)} is outside the exchange's limit price protection range (LTP ${f(ltp)} + ${LPP_PCT}%).`;
    }
    if (o.side === 'SELL' && o.pricePaise < ltp * (1 - LPP_PCT / 100)) {
      return `Order price ${f(o.pricePaise)} is outside the exchange's limit price protection range (LTP ${f(ltp)} − ${LPP_PCT}%).`;
    }
    return undefined;
  }

  /** The margin an order needs: product rate × price × the quantity that adds exposure (paise, rounded up). */
  private requiredMargin(st: InstrumentState, side: Side, product: string, quantity: number, pricePaise: number): number {
    const rate = MARGIN_RATE[product] ?? 1;
    let exposure = quantity;
    if (product !== 'CNC') {
      const a = this.positionsAcc.get(`${st.inst.token}:${product}`);
      const net = a ? a.buyQty - a.sellQty : 0;
      exposure = side === 'BUY' ? Math.max(0, quantity - Math.max(0, -net)) : Math.max(0, quantity - Math.max(0, net));
    } else if (side === 'SELL') {
      exposure = 0;
    }
    return Math.ceil(rate * pricePaise * exposure);
  }

  /** The RMS at VALIDATION PENDING: BUYs beyond the funds are REJECTED in the book (orders.json's REJECTED row). */
  private marginCheck(order: SimOrder): { message: string; raw: string } | undefined {
    if (order.side !== 'BUY') return undefined;
    const price = order.pricePaise || (order.triggerPaise ? Math.max(order.triggerPaise, order.state.lastPaise) : order.state.lastPaise);
    const required = this.requiredMargin(order.state, 'BUY', order.product, order.quantity, price);
    const available = this.funds().net;
    if (required <= available) return undefined;
    const r = (p: number) => rupees(p).toFixed(2);
    return {
      message: `Insufficient funds. Required margin is ${r(required)} but available margin is ${r(available)}. Check the orderbook for open orders.`,
      raw: `RMS:Margin Exceeds,Required:${r(required)}, Available:${r(available)} for entity account-${this.userId} across exchange across segment across product`,
    };
  }

  /** Margin blocked by accepted, unfilled orders. */
  private blockedForOpenOrders(): number {
    let b = 0;
    for (const o of this.orderList) {
      if (!o.blocksMargin || TERMINAL.has(o.status)) continue;
      const price = o.pricePaise || Math.max(o.triggerPaise, o.state.lastPaise);
      b += this.requiredMargin(o.state, o.side, o.product, o.quantity - o.filledQuantity - o.cancelledQuantity, price);
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
