import { AsyncLocalStorage } from 'node:async_hooks';
import { KiteConnect } from 'kiteconnect';
import { type Clock, systemClock } from '../../core/clock.js';
import { ORDERS_PACE_PER_SECOND, RateCapError, RateLimiter } from '../../core/rate-limiter.js';
import { KiteError, registerSecret, toKiteError } from './errors.js';
import { formatIst, paiseToRupees } from './kite-time.js';
import {
  type Exchange,
  type BasketMarginOrder,
  type KiteBasketMargin,
  type KiteCandle,
  type KiteHolding,
  type KiteInstrument,
  type KiteLtp,
  type KiteMargins,
  type KiteOhlcQuote,
  type KiteOrder,
  type KitePositions,
  type KiteProfile,
  type KiteQuote,
  type KiteSegmentMargin,
  type KiteSession,
  type KiteTrade,
  type OrderType,
  type Product,
  type TransactionType,
  type Validity,
  type Variety,
  mapBasketMargin,
  mapCandle,
  mapHolding,
  mapInstrument,
  mapLtp,
  mapMargins,
  mapOhlcQuote,
  mapOrder,
  mapPosition,
  mapProfile,
  mapQuote,
  mapSegmentMargin,
  mapSession,
  mapTrade,
  parseCsv,
} from './rest-types.js';

/**
 * KiteRest: the official `KiteConnect` (5.3.0) behind rate limits, typed errors and our data shapes.
 *
 * Rules this class enforces:
 * - Every call goes through its limiter class (§2.14): quote 1/s (quote, ohlc, ltp), historical 3/s,
 *   orders 10/s + hard per-minute (400) and per-day (5000) caps, everything else 10/s.
 * - Errors become {@link KiteError} (kind from `error_type` and the HTTP status we observed); their text
 *   never carries api_secret / access_token / request_token.
 * - A TokenException (403) puts the client in the `sessionExpired` state: new orders and modifications
 *   are REFUSED locally ({@link KiteRefusal}, nothing is sent) until {@link KiteRest.setAccessToken}.
 * - **placeOrder is never retried.** Kite does not de-duplicate on `tag`, so a resend after an unanswered
 *   request can double a position. On no answer / timeout / 5xx / an unparseable answer it returns
 *   `outcome: 'unknown'`, and the CALLER must reconcile by `tag` against the order book (orders()) before
 *   doing anything else. modifyOrder and cancelOrder are not retried either (they throw; check
 *   `error.ambiguous`). Only idempotent GETs are retried on network errors, 5xx and 429, a bounded
 *   number of times with back-off.
 * - Money is integer paise at this boundary; order ids are strings; timestamps are epoch ms.
 */

export type LimiterClass = 'quote' | 'historical' | 'orders' | 'other';

/** The default pace of order requests to Kite: below its 10/s with margin (core/rate-limiter.ts). */
export { ORDERS_PACE_PER_SECOND };

export interface KiteRestLimits {
  quotePerSecond?: number;
  historicalPerSecond?: number;
  /** Kite's order limit (place, modify, cancel), default 10 per rolling second (plus the margin below). */
  ordersPerSecond?: number;
  /**
   * The pace orders leave at: evenly spaced, at most this many a second (default ORDERS_PACE_PER_SECOND = 8,
   * at most ordersPerSecond). A burst queues behind it and goes out as a steady stream, so latency jitter
   * cannot put more than Kite's 10 into one of its seconds (the chaos burst case: 0 HTTP 429s).
   */
  ordersPacePerSecond?: number;
  /**
   * An order that would wait longer than this behind the pace is refused before sending (KiteRefusal rate_cap),
   * ms (default 10 s). Never a risk-reducing one (`PlaceOrderParams.reducing`, every cancel): those queue.
   */
  ordersMaxWaitMs?: number;
  ordersPerMinute?: number;
  ordersPerDay?: number;
  otherPerSecond?: number;
  /**
   * Added to every one-second window (default 150 ms). Kite counts requests when they ARRIVE; ours
   * are counted when they leave, and queueing or latency jitter can squeeze two of our windows'
   * worth into one of theirs (seen against the simulator: 4 of 15 paced orders got 429 without it).
   */
  windowMarginMs?: number;
}

export interface KiteRestOptions {
  apiKey: string;
  accessToken?: string;
  /** REST root, default https://api.kite.trade (point it at the simulator in tests). */
  root?: string;
  /** Per-request timeout, ms (default 7000, as the official client). */
  timeoutMs?: number;
  limits?: KiteRestLimits;
  /** Default market_protection for MARKET and SL-M orders: -1 (auto) or a percent in (0, 100]. Default 2. */
  marketProtection?: number;
  /** Retries for idempotent GETs (default 2) and their back-off (default 250 ms doubling, max 2000 ms). */
  getRetries?: number;
  getRetryInitialMs?: number;
  getRetryMaxMs?: number;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
}

/** A request refused BEFORE anything was sent (session expired, invalid parameters, order cap reached). */
export class KiteRefusal extends KiteError {
  constructor(
    kind: 'token' | 'input' | 'rate_limit',
    readonly reason: 'session_expired' | 'invalid' | 'rate_cap',
    message: string,
  ) {
    super(kind, message);
    this.name = 'KiteRefusal';
  }
}

export interface PlaceOrderParams {
  variety?: Variety;
  exchange: Exchange;
  tradingsymbol: string;
  transactionType: TransactionType;
  orderType: OrderType;
  product: Product;
  quantity: number;
  /** LIMIT and SL */
  pricePaise?: number;
  /** SL and SL-M */
  triggerPricePaise?: number;
  validity?: Validity;
  validityTtl?: number;
  disclosedQuantity?: number;
  icebergLegs?: number;
  icebergQuantity?: number;
  /** REQUIRED correlation id: 1–20 alphanumeric chars; what the caller reconciles by after `outcome: 'unknown'`. */
  tag: string;
  /** Overrides the default for MARKET / SL-M: -1 (auto) or a percent in (0, 100]. */
  marketProtection?: number;
  autoslice?: boolean;
  algoId?: string;
  /**
   * A risk-reducing order (an exit, a square-off, a kill-switch flatten): never refused by the pace's wait
   * limit (`ordersMaxWaitMs`), it queues in order and leaves at the pace. Not sent to Kite.
   */
  reducing?: boolean;
}

export interface ModifyOrderParams {
  quantity?: number;
  pricePaise?: number;
  triggerPricePaise?: number;
  orderType?: OrderType;
  validity?: Validity;
  disclosedQuantity?: number;
  marketProtection?: number;
}

export type PlaceOrderResult =
  | { outcome: 'placed'; orderId: string; tag: string; children?: ({ orderId: string } | { error: KiteError })[] }
  /** The server answered with a definite refusal (4xx): the order does not exist. */
  | { outcome: 'rejected'; tag: string; error: KiteError }
  /** The order MAY exist: reconcile by `tag` via orders() before anything else. Never resend blindly. */
  | { outcome: 'unknown'; tag: string; error: KiteError };

export type HistoricalInterval = 'minute' | '3minute' | '5minute' | '10minute' | '15minute' | '30minute' | '60minute' | 'day';

export type KiteRestEvent = 'sessionExpired' | 'sessionRestored';

const TAG_RE = /^[A-Za-z0-9]{1,20}$/;

/** Validates a Kite order tag (1–20 ASCII letters/digits). */
export function isValidTag(tag: unknown): tag is string {
  return typeof tag === 'string' && TAG_RE.test(tag);
}

function validMarketProtection(v: number): boolean {
  return v === -1 || (Number.isFinite(v) && v > 0 && v <= 100);
}

interface CallObservation {
  status?: number;
  errorType?: string;
}

interface AxiosLikeInstance {
  interceptors: { request: { use(fn: (config: { transformResponse?: unknown }) => unknown): unknown } };
}

type Kc = InstanceType<typeof KiteConnect> & Record<string, unknown>;

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

export class KiteRest {
  private readonly kc: Kc;
  private readonly als = new AsyncLocalStorage<CallObservation>();
  private readonly limiters: Record<LimiterClass, RateLimiter>;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly defaultMarketProtection: number;
  private readonly getRetries: number;
  private readonly getRetryInitialMs: number;
  private readonly getRetryMaxMs: number;
  private expired = false;
  private readonly listeners = new Map<KiteRestEvent, Set<() => void>>();

  constructor(opts: KiteRestOptions) {
    if (!opts.apiKey) throw new KiteError('input', 'KiteRest: apiKey is required');
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const mp = opts.marketProtection ?? 2;
    if (!validMarketProtection(mp)) throw new KiteError('input', `KiteRest: marketProtection must be -1 (auto) or in (0, 100], got ${mp}`);
    this.defaultMarketProtection = mp;
    this.getRetries = opts.getRetries ?? 2;
    this.getRetryInitialMs = opts.getRetryInitialMs ?? 250;
    this.getRetryMaxMs = opts.getRetryMaxMs ?? 2000;
    const l = opts.limits ?? {};
    const common = { clock: this.clock, sleep: this.sleep, windowMs: 1000 + (l.windowMarginMs ?? 150) };
    this.limiters = {
      quote: new RateLimiter({ ...common, name: 'kite quote', perSecond: l.quotePerSecond ?? 1 }),
      historical: new RateLimiter({ ...common, name: 'kite historical', perSecond: l.historicalPerSecond ?? 3 }),
      orders: new RateLimiter({
        ...common,
        name: 'kite orders',
        perSecond: l.ordersPerSecond ?? 10,
        pacePerSecond: l.ordersPacePerSecond ?? Math.min(ORDERS_PACE_PER_SECOND, l.ordersPerSecond ?? 10),
        maxWaitMs: l.ordersMaxWaitMs ?? 10_000,
        perMinute: l.ordersPerMinute ?? 400,
        perDay: l.ordersPerDay ?? 5000,
      }),
      other: new RateLimiter({ ...common, name: 'kite api', perSecond: l.otherPerSecond ?? 10 }),
    };
    registerSecret(opts.accessToken);
    this.kc = new KiteConnect({
      api_key: opts.apiKey,
      ...(opts.root ? { root: opts.root.replace(/\/+$/, '') } : {}),
      timeout: opts.timeoutMs ?? 7000,
      ...(opts.accessToken ? { access_token: opts.accessToken } : {}),
    }) as Kc;
    this.installObserver();
  }

  /**
   * Records the HTTP status (and any error_type in the body) of each request in the async context of
   * the call that made it: the official client drops the status when it rejects. The transform is
   * PREPENDED so it runs before the client's own transformers (which can throw on odd bodies).
   */
  private installObserver(): void {
    const inst = this.kc['requestInstance'] as AxiosLikeInstance | undefined;
    if (!inst?.interceptors?.request?.use) return;
    const als = this.als;
    inst.interceptors.request.use((config) => {
      const store = als.getStore();
      if (store) {
        const prev = config.transformResponse;
        const list = Array.isArray(prev) ? prev : prev ? [prev] : [];
        config.transformResponse = [
          function observe(data: unknown, _headers: unknown, status?: number) {
            if (status !== undefined) store.status = status;
            if (status !== undefined && status >= 400) {
              if (typeof data === 'string') {
                const m = /"error_type"\s*:\s*"(\w+)"/.exec(data);
                if (m) store.errorType = m[1];
              } else if (data && typeof data === 'object' && typeof (data as { error_type?: unknown }).error_type === 'string') {
                store.errorType = (data as { error_type: string }).error_type;
              }
            }
            return data;
          },
          ...list,
        ];
      }
      return config;
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Session

  get sessionExpired(): boolean {
    return this.expired;
  }

  on(event: KiteRestEvent, fn: () => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  private emit(event: KiteRestEvent): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) {
      try {
        fn();
      } catch {
        // a listener's failure must not break the client
      }
    }
  }

  private markExpired(): void {
    if (this.expired) return;
    this.expired = true;
    this.emit('sessionExpired');
  }

  /** Installs a fresh access token (after a re-login) and leaves the sessionExpired state. */
  setAccessToken(token: string): void {
    if (!token) throw new KiteError('input', 'setAccessToken: empty token');
    registerSecret(token);
    this.kc.setAccessToken(token);
    if (this.expired) {
      this.expired = false;
      this.emit('sessionRestored');
    }
  }

  /** POST /session/token. Used by login.ts#exchangeRequestToken; does not change the sessionExpired state by itself. */
  async generateSession(requestToken: string, apiSecret: string): Promise<KiteSession> {
    registerSecret(requestToken);
    registerSecret(apiSecret);
    const raw = await this.call('other', () => this.kc.generateSession(requestToken, apiSecret), { expireOnToken: false });
    const s = mapSession(raw, this.clock.now());
    if (!s.accessToken) throw new KiteError('data', 'session answer without access_token');
    registerSecret(s.accessToken);
    registerSecret(s.publicToken);
    return s;
  }

  // ----------------------------------------------------------------------------------------------
  // Core call path

  /** One request through `limiter`; rejects with a KiteError. No retries. */
  private async call(cls: LimiterClass, fn: () => Promise<unknown>, o: { expireOnToken?: boolean; reducing?: boolean } = {}): Promise<unknown> {
    try {
      await this.limiters[cls].acquire(o.reducing === true ? { reducing: true } : {});
    } catch (e) {
      if (e instanceof RateCapError) throw new KiteRefusal('rate_limit', 'rate_cap', e.message);
      throw e;
    }
    try {
      return await this.send(fn);
    } catch (e) {
      if (e instanceof KiteError && e.kind === 'token' && o.expireOnToken !== false) this.markExpired();
      throw e;
    }
  }

  /** An idempotent GET: retried on network errors, 5xx and 429 (bounded, with back-off). */
  private async get(cls: LimiterClass, fn: () => Promise<unknown>): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call(cls, fn);
      } catch (e) {
        const retryable = e instanceof KiteError && !(e instanceof KiteRefusal) && (e.kind === 'network' || e.kind === 'server' || e.kind === 'rate_limit' || (e.status ?? 0) >= 500);
        if (!retryable || attempt >= this.getRetries) throw e;
        await this.sleep(Math.min(this.getRetryMaxMs, this.getRetryInitialMs * 2 ** attempt));
      }
    }
  }

  private refuseIfExpired(what: string): void {
    if (this.expired) throw new KiteRefusal('token', 'session_expired', `${what} refused: the Kite session has expired; log in again`);
  }

  // ----------------------------------------------------------------------------------------------
  // Reads

  async profile(): Promise<KiteProfile> {
    return mapProfile(await this.get('other', () => this.kc.getProfile()));
  }

  async margins(): Promise<KiteMargins>;
  async margins(segment: 'equity' | 'commodity'): Promise<KiteSegmentMargin>;
  async margins(segment?: 'equity' | 'commodity'): Promise<KiteMargins | KiteSegmentMargin> {
    if (segment) return mapSegmentMargin(await this.get('other', () => this.kc.getMargins(segment)));
    return mapMargins(await this.get('other', () => this.kc.getMargins()));
  }

  /**
   * POST /margins/basket?consider_positions=… (JSON array; kite-protocol.md §2.5): what Kite would block for
   * `orders` together, with the account's open positions considered when `considerPositions` (the default).
   * Through the `other` limiter; not retried (the caller refuses the order on any failure).
   */
  async basketMargins(orders: readonly BasketMarginOrder[], considerPositions = true): Promise<KiteBasketMargin> {
    const body = orders.map((o) => ({
      exchange: o.exchange,
      tradingsymbol: o.tradingsymbol,
      transaction_type: o.transactionType,
      variety: o.variety,
      product: o.product,
      order_type: o.orderType,
      quantity: o.quantity,
      price: o.pricePaise === undefined ? 0 : paiseToRupees(o.pricePaise),
      trigger_price: o.triggerPricePaise === undefined ? 0 : paiseToRupees(o.triggerPricePaise),
    }));
    return mapBasketMargin(await this.call('other', () => this.kc.orderBasketMargins(body as never, considerPositions)));
  }

  async orders(): Promise<KiteOrder[]> {
    return list(await this.get('other', () => this.kc.getOrders())).map(mapOrder);
  }

  /** Every state transition of one order, oldest first. */
  async orderHistory(orderId: string): Promise<KiteOrder[]> {
    return list(await this.get('other', () => this.kc.getOrderHistory(String(orderId)))).map(mapOrder);
  }

  async trades(): Promise<KiteTrade[]> {
    return list(await this.get('other', () => this.kc.getTrades())).map(mapTrade);
  }

  async orderTrades(orderId: string): Promise<KiteTrade[]> {
    return list(await this.get('other', () => this.kc.getOrderTrades(String(orderId)))).map(mapTrade);
  }

  /** Positions. A failure THROWS — never read a missing answer as "flat". */
  async positions(): Promise<KitePositions> {
    const raw = await this.get('other', () => this.kc.getPositions());
    const o = (raw ?? {}) as { net?: unknown; day?: unknown };
    if (!Array.isArray(o.net) || !Array.isArray(o.day)) throw new KiteError('data', 'positions answer without net/day lists');
    return { net: o.net.map(mapPosition), day: o.day.map(mapPosition) };
  }

  async holdings(): Promise<KiteHolding[]> {
    return list(await this.get('other', () => this.kc.getHoldings())).map(mapHolding);
  }

  /** Full quotes keyed by "EXCHANGE:SYMBOL" (at most 500 per call). Unknown instruments are simply absent. */
  async quote(instruments: readonly string[]): Promise<Record<string, KiteQuote>> {
    checkInstruments(instruments, 500);
    return mapRecord(await this.get('quote', () => this.kc.getQuote([...instruments])), mapQuote);
  }

  async ohlc(instruments: readonly string[]): Promise<Record<string, KiteOhlcQuote>> {
    checkInstruments(instruments, 1000);
    return mapRecord(await this.get('quote', () => this.kc.getOHLC([...instruments])), mapOhlcQuote);
  }

  async ltp(instruments: readonly string[]): Promise<Record<string, KiteLtp>> {
    checkInstruments(instruments, 1000);
    return mapRecord(await this.get('quote', () => this.kc.getLTP([...instruments])), mapLtp);
  }

  /** The instruments dump (all exchanges, or one). Handles both the client's parsed rows and raw CSV text. */
  async instruments(exchange?: Exchange): Promise<KiteInstrument[]> {
    const raw = await this.get('other', () => (exchange ? this.kc.getInstruments(exchange as never) : this.kc.getInstruments()));
    const rows = typeof raw === 'string' ? parseCsv(raw) : list(raw);
    return rows.map(mapInstrument).filter((i) => i.instrumentToken > 0);
  }

  /** Historical candles in [fromMs, toMs] (sent to Kite as IST wall-clock strings). */
  async historical(instrumentToken: number, interval: HistoricalInterval, fromMs: number, toMs: number, opts: { continuous?: boolean; oi?: boolean } = {}): Promise<KiteCandle[]> {
    if (!isPosInt(instrumentToken)) throw new KiteError('input', 'historical: instrumentToken must be a positive integer');
    if (!(fromMs <= toMs)) throw new KiteError('input', 'historical: from must not be after to');
    const raw = await this.get('historical', () => this.kc.getHistoricalData(instrumentToken, interval, formatIst(fromMs), formatIst(toMs), opts.continuous ?? false, opts.oi ?? false));
    const rows = Array.isArray(raw) ? raw : list((raw as { candles?: unknown } | null)?.candles);
    return rows.map(mapCandle);
  }

  // ----------------------------------------------------------------------------------------------
  // Orders

  /** Validates and converts our order params to Kite's form fields. Throws KiteRefusal('input'). */
  buildOrderFields(p: PlaceOrderParams): Record<string, string | number | boolean> {
    const bad = (m: string): never => {
      throw new KiteRefusal('input', 'invalid', `placeOrder: ${m}`);
    };
    if (!isValidTag(p.tag)) bad('tag must be 1–20 letters or digits');
    if (!p.tradingsymbol || !p.exchange) bad('exchange and tradingsymbol are required');
    if (p.transactionType !== 'BUY' && p.transactionType !== 'SELL') bad('transactionType must be BUY or SELL');
    if (!isPosInt(p.quantity)) bad('quantity must be a positive integer');
    const f: Record<string, string | number | boolean> = {
      exchange: p.exchange,
      tradingsymbol: p.tradingsymbol,
      transaction_type: p.transactionType,
      order_type: p.orderType,
      product: p.product,
      quantity: p.quantity,
      validity: p.validity ?? 'DAY',
      tag: p.tag,
    };
    const needPrice = p.orderType === 'LIMIT' || p.orderType === 'SL';
    const needTrigger = p.orderType === 'SL' || p.orderType === 'SL-M';
    if (!['MARKET', 'LIMIT', 'SL', 'SL-M'].includes(p.orderType)) bad('unknown orderType');
    if (needPrice) {
      if (!isPosInt(p.pricePaise)) bad(`${p.orderType} needs pricePaise (positive integer paise)`);
      f.price = paiseToRupees(p.pricePaise!);
    } else if (p.pricePaise !== undefined && p.pricePaise !== 0) bad(`${p.orderType} takes no price`);
    if (needTrigger) {
      if (!isPosInt(p.triggerPricePaise)) bad(`${p.orderType} needs triggerPricePaise (positive integer paise)`);
      f.trigger_price = paiseToRupees(p.triggerPricePaise!);
    }
    if (p.orderType === 'MARKET' || p.orderType === 'SL-M') {
      // Mandatory since 2026-04-01 (§2.15): 0 is rejected by Kite, a boolean too.
      const mp = p.marketProtection ?? this.defaultMarketProtection;
      if (!validMarketProtection(mp)) bad('marketProtection must be -1 (auto) or a percent in (0, 100]');
      f.market_protection = mp;
    }
    if (p.validity === 'TTL') {
      if (!isPosInt(p.validityTtl)) bad('TTL validity needs validityTtl minutes');
      f.validity_ttl = p.validityTtl!;
    }
    if (p.disclosedQuantity !== undefined) f.disclosed_quantity = p.disclosedQuantity;
    if (p.icebergLegs !== undefined) f.iceberg_legs = p.icebergLegs;
    if (p.icebergQuantity !== undefined) f.iceberg_quantity = p.icebergQuantity;
    if (p.autoslice) f.autoslice = true;
    if (p.algoId) f.algo_id = p.algoId;
    return f;
  }

  /**
   * Places an order. SENT AT MOST ONCE — never retried, here or by the official client. Throws only
   * when nothing left the process (KiteRefusal: session expired, invalid params, order cap); every
   * other result is a value:
   *   placed   → the OMS accepted it (it may still be rejected later: follow the order updates);
   *   rejected → a definite 4xx refusal;
   *   unknown  → no answer, timeout, 5xx or unparseable answer: the order may exist. Reconcile by
   *              `tag` against orders() before doing anything else; never resend blindly.
   */
  async placeOrder(p: PlaceOrderParams): Promise<PlaceOrderResult> {
    this.refuseIfExpired('placeOrder');
    const fields = this.buildOrderFields(p);
    const variety = p.variety ?? 'regular';
    try {
      await this.limiters.orders.acquire(p.reducing === true ? { reducing: true } : {});
    } catch (e) {
      if (e instanceof RateCapError) throw new KiteRefusal('rate_limit', 'rate_cap', e.message);
      throw e;
    }
    this.refuseIfExpired('placeOrder'); // the session may have expired while we waited for a slot
    let raw: unknown;
    try {
      raw = await this.send(() => this.kc.placeOrder(variety, fields as never));
    } catch (e) {
      const error = e instanceof KiteError ? e : toKiteError(e, undefined);
      if (error.kind === 'token') this.markExpired();
      return error.ambiguous || error.kind === 'general' ? { outcome: 'unknown', tag: p.tag, error } : { outcome: 'rejected', tag: p.tag, error };
    }
    const o = (raw ?? {}) as { order_id?: unknown; children?: unknown };
    if (o.order_id === undefined || o.order_id === null || o.order_id === '') {
      return { outcome: 'unknown', tag: p.tag, error: new KiteError('data', 'place-order answer without order_id') };
    }
    const res: PlaceOrderResult = { outcome: 'placed', orderId: String(o.order_id), tag: p.tag };
    if (Array.isArray(o.children)) {
      res.children = o.children.map((c: unknown) => {
        const cc = (c ?? {}) as { order_id?: unknown; error?: { error_type?: unknown; message?: unknown; code?: unknown } };
        if (cc.order_id !== undefined && cc.order_id !== null) return { orderId: String(cc.order_id) };
        return { error: toKiteError(cc.error ?? {}, typeof cc.error?.code === 'number' ? cc.error.code : 400) };
      });
    }
    return res;
  }

  /** Modifies an open order; sent once (not retried). Refused while the session is expired. Returns the order id. */
  async modifyOrder(variety: Variety, orderId: string, p: ModifyOrderParams): Promise<string> {
    this.refuseIfExpired('modifyOrder');
    const f: Record<string, string | number> = {};
    const bad = (m: string): never => {
      throw new KiteRefusal('input', 'invalid', `modifyOrder: ${m}`);
    };
    if (p.quantity !== undefined) f.quantity = isPosInt(p.quantity) ? p.quantity : bad('quantity must be a positive integer');
    if (p.pricePaise !== undefined) f.price = isPosInt(p.pricePaise) ? paiseToRupees(p.pricePaise) : bad('pricePaise must be a positive integer');
    if (p.triggerPricePaise !== undefined) f.trigger_price = isPosInt(p.triggerPricePaise) ? paiseToRupees(p.triggerPricePaise) : bad('triggerPricePaise must be a positive integer');
    if (p.orderType) f.order_type = p.orderType;
    if (p.validity) f.validity = p.validity;
    if (p.disclosedQuantity !== undefined) f.disclosed_quantity = p.disclosedQuantity;
    if (p.orderType === 'MARKET' || p.orderType === 'SL-M' || p.marketProtection !== undefined) {
      const mp = p.marketProtection ?? this.defaultMarketProtection;
      if (!validMarketProtection(mp)) bad('marketProtection must be -1 (auto) or a percent in (0, 100]');
      f.market_protection = mp;
    }
    const raw = await this.call('orders', () => this.kc.modifyOrder(variety, String(orderId), f as never));
    return String((raw as { order_id?: unknown } | null)?.order_id ?? orderId);
  }

  /** Cancels an order; sent once (not retried). Never refused by the pace's wait limit (a cancel adds no position). Returns the order id. */
  async cancelOrder(variety: Variety, orderId: string): Promise<string> {
    const raw = await this.call('orders', () => this.kc.cancelOrder(variety, String(orderId)), { reducing: true });
    return String((raw as { order_id?: unknown } | null)?.order_id ?? orderId);
  }

  /** Sends one request with the status observer but WITHOUT a limiter (the caller already holds a slot). */
  private async send(fn: () => Promise<unknown>): Promise<unknown> {
    const store: CallObservation = {};
    let result: unknown;
    try {
      result = await this.als.run(store, fn);
    } catch (e) {
      // Without an error_type in the body the official client invents one (NetworkException + status
      // text): drop it so the status decides (502/503 from a proxy → 'server', none → 'network').
      const raw = store.status !== undefined && store.errorType === undefined && typeof e === 'object' && e !== null ? { message: (e as { message?: unknown }).message } : e;
      throw toKiteError(raw, store.status);
    }
    if (result && typeof result === 'object' && !Array.isArray(result) && typeof (result as { error_type?: unknown }).error_type === 'string') {
      throw toKiteError({ ...(result as object), error_type: 'DataException' }, store.status);
    }
    return result;
  }

  /** Orders used today per the local cap counter (for status displays). */
  ordersUsedToday(): number {
    return this.limiters.orders.usedToday();
  }
}

function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  throw new KiteError('data', 'expected a list in the Kite answer');
}

function mapRecord<T>(v: unknown, fn: (x: unknown) => T): Record<string, T> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new KiteError('data', 'expected an object keyed by instrument');
  const out: Record<string, T> = {};
  for (const [k, x] of Object.entries(v)) out[k] = fn(x);
  return out;
}

function checkInstruments(instruments: readonly string[], max: number): void {
  if (instruments.length === 0) throw new KiteError('input', 'at least one instrument is required');
  if (instruments.length > max) throw new KiteError('input', `at most ${max} instruments per request, got ${instruments.length}`);
}
