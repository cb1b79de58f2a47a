import { KiteMarginGate, MarginGatedBroker, type KiteMarginApi } from '../adapters/kite/kite-margin-gate.js';
import { z } from 'zod';
import { ErrorCode, RpcError } from '../contract/errors.js';
import { ZERO_CHARGES } from '../contract/trading-schemas.js';
import type {
  ChargesBreakdownDto,
  FillDto,
  LiveRequest,
  ManualOrderInput,
  OrderDto,
  PlaceResult,
  PerformanceDto,
  PortfolioDto,
  RiskDecisionDto,
  RiskStatus,
} from '../contract/trading-schemas.js';
import type { Clock } from '../core/clock.js';
import { istDay, type IsoDay } from '../core/nse-calendar.js';
import { ORDERS_PACE_PER_SECOND } from '../core/rate-limiter.js';
import { TradingDay } from '../core/trading-day.js';
import type { DepthSnapshot } from '../model/depth.js';
import { isTerminal, type Fill, type Order, type OrderRequest, type OrderSide, type Product, type TradableInstrument } from '../model/order.js';
import { BrokerError, type Broker, type BrokerKind, type MarketView, type OrderModify } from '../execution/broker.js';
import { CHARGES_SCHEDULE_START } from '../execution/charges-schedule.js';
import { exerciseCharges, orderCharges, segmentOf, type ChargesBreakdown } from '../execution/charges.js';
import { OrderActionError, OrderManager, OrderRequestError } from '../execution/order-manager.js';
import { isTerminalStatus } from '../execution/order-state.js';
import { PaperBroker } from '../execution/paper-broker.js';
import { ExecutionRouter } from '../execution/router.js';
import { MARKET_PROTECTION_AUTO, ShadowBroker, shadowRequestsFromJournal, type WouldSend } from '../execution/shadow-broker.js';
import { decisionRecord, RiskEngine, type RiskDecision, type RiskState, type RiskStateStore } from '../risk/risk-engine.js';
import { riskConfigSchema } from '../risk/config.js';
import { ExitManager, exitConfigSchema, type ExitRequest } from '../portfolio/exits.js';
import { INDEX_FNO, STOCK_FREEZE_LOTS } from '../fno/specs.js';
import { fnoContractOf, paperFnoMargin } from '../portfolio/fno-margin.js';
import { expiryOf, finalSettlementPrice, SETTLEMENT_CLIENT_ID, settlementId } from './fno-settlement.js';
import { Ledger, type LedgerFill } from '../portfolio/ledger.js';
import { rangeMetrics } from '../portfolio/metrics.js';
import { Sizer, intentOwner, sizeOrder, sizingConfigSchema, type SizingIntent } from '../portfolio/sizing.js';
import type { JournalFill, OrderJournal, StoredOrder } from '../persistence/trading-repo.js';
import type { LogFn } from './logger.js';

/**
 * The trading pipeline of the kernel, the same in every mode: an order intent (from the ensemble) or
 * a person's order → sizing → risk (ALLOW / REDUCE / BLOCK / HALT_SESSION, journalled) → order manager
 * (write-ahead journal, idempotent client ids) → execution router → paper / shadow / live broker →
 * fills → charges → ledger → exits. Only the broker and the clock differ between modes.
 *
 * Startup is recovery: the ledger is rebuilt from the fill journal, the order book from the order
 * journal, the halt and kill switch from the risk state; orders the broker may still hold are
 * reconciled before anything new is sent.
 */

export type TradingMode = 'paper' | 'shadow' | 'live' | 'backtest';

/** Default sizing of strategy orders: a fixed ₹50,000 per order (lot-rounded), the seeds' caps. */
export const DEFAULT_SIZING = { mode: 'fixed_value', valuePaise: 5_000_000 } as const;

const slippageSchema = z.strictObject({
  ticks: z.number().int().min(0).max(1000).optional(),
  bps: z.number().int().min(0).max(1000).optional(),
});

/** `trading:` of a run profile. Money in rupees where a person types it (`capital`), paise inside. */
const tradingObjectSchema = z.strictObject({
  /** Starting capital in rupees (whole rupees). */
  capital: z.number().int().positive().max(1e12).default(1_000_000),
  /** Strategies' intents become orders (false: signals and intents are journalled only). */
  autoTrade: z.boolean().default(true),
  /** Product of strategy orders. */
  product: z.enum(['MIS', 'CNC', 'NRML']).default('MIS'),
  /** Zerodha's charges on every fill (false: none, for a backtest that compares raw prices). */
  charges: z.boolean().default(true),
  /**
   * F&O margin (SPAN + exposure) as bps of notional by F&O name (NIFTY: 1100), overriding the defaults of
   * portfolio/fno-margin.ts: futures and short options on notional, long options = premium.
   */
  fnoMarginBps: z.record(z.string().regex(/^[A-Z0-9&-]+$/, 'an F&O name in capitals (NIFTY, BANKNIFTY, RELIANCE)'), z.number().int().min(1).max(10_000)).optional(),
  /**
   * Exchange freeze quantity (units per order) by F&O name, overriding fno/specs.ts (NSE revises them in its
   * F&O circulars; the dump does not carry them). Orders above it are sliced (≤ 10 slices) or refused.
   */
  fnoFreezeQty: z.record(z.string().regex(/^[A-Z0-9&-]+$/, 'an F&O name in capitals (NIFTY, BANKNIFTY, RELIANCE)'), z.number().int().min(1).max(1_000_000)).optional(),
  /** Risk limits (risk/config.ts); `capitalPaise` is taken from `capital`. */
  risk: riskConfigSchema.omit({ capitalPaise: true }).prefault({}),
  sizing: z
    .strictObject({ default: sizingConfigSchema.prefault({ ...DEFAULT_SIZING }), strategies: z.record(z.string(), sizingConfigSchema).optional() })
    .prefault({}),
  exits: z
    .strictObject({ default: exitConfigSchema.prefault({}), strategies: z.record(z.string(), exitConfigSchema).optional() })
    .prefault({}),
  paper: z
    .strictObject({
      latencyMs: z.number().int().min(0).max(60_000).default(0),
      slippage: slippageSchema.default({ ticks: 1 }),
      /** Quotes older than this reject an order at the broker. */
      staleAfterMs: z.number().int().positive().max(3_600_000).default(10_000),
      amo: z.enum(['queue', 'refuse']).default('queue'),
      protectionPct: z.number().positive().max(100).default(2),
      /** MARKET orders fill at the last price on arrival, or on the symbol's next trade print (backtests: the next bar's open). */
      marketFill: z.enum(['last', 'next_tick']).default('last'),
    })
    .prefault({}),
  /** Live mode's reconciliation with Kite (runtime/live-mode.ts, docs/trading.md "Live mode"). */
  live: z
    .strictObject({
      /** A round every this many ms while live (and on every ticker reconnect). */
      reconcileMs: z.number().int().min(1000).max(600_000).default(5000),
      /** A net-position difference up to this many units is an alarm only. */
      toleranceQty: z.number().int().min(0).max(1e9).default(0),
      /** A difference beyond the tolerance halts live trading when seen this many rounds in a row. */
      haltAfterRounds: z.number().int().min(1).max(100).default(2),
      /** An order whose placement had no answer is looked up in Kite's order book by its tag this many times before it is concluded not placed. */
      lookupAttempts: z.number().int().min(1).max(20).default(3),
      /** …this many ms apart (Kite's book shows an accepted order at once; a slower venue needs more). */
      lookupIntervalMs: z.number().int().min(100).max(60_000).default(1000),
      /**
       * The pace order requests (place, modify, cancel) leave for Kite at, evenly spaced: below Kite's 10/s
       * so latency jitter cannot put 11 into one of its seconds (HTTP 429). A burst beyond it queues (up to
       * 10 s, then refused before sending; exits, square-offs, kill-switch flattens and cancels always queue).
       * The risk rule's per-second cap (`risk.rate.perSecond`) follows it unless set: a stream the risk rule
       * lets through is then never one the pacer has to queue.
       */
      ordersPerSecond: z.number().int().min(1).max(10).default(ORDERS_PACE_PER_SECOND),
    })
    .prefault({}),
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Without its own `risk.rate.perSecond`, the risk rule's per-second cap is the live order pace
 * (`live.ordersPerSecond`, default 8 — also the risk config's own default). One set explicitly above the
 * pace is kept (a paper run or a benchmark may lift the caps); in live its excess queues at the pacer.
 */
function riskRateFollowsPace(raw: unknown): unknown {
  if (!isRecord(raw) || !isRecord(raw.live)) return raw;
  const pace = raw.live.ordersPerSecond;
  if (typeof pace !== 'number' || !Number.isSafeInteger(pace) || pace < 1 || pace > 10) return raw; // the schema reports it
  const risk = raw.risk ?? {};
  if (!isRecord(risk)) return raw;
  const rate = risk.rate ?? {};
  if (!isRecord(rate) || rate.perSecond !== undefined) return raw;
  return { ...raw, risk: { ...risk, rate: { ...rate, perSecond: pace } } };
}

export const tradingConfigSchema = z.preprocess(riskRateFollowsPace, tradingObjectSchema);
export type TradingConfigInput = z.input<typeof tradingObjectSchema>;
export type TradingConfig = z.output<typeof tradingObjectSchema>;


/** What the trading service keeps between runs (SQLite: TradingRepo). */
export interface TradingStore {
  orderChanged(order: Readonly<Order>, event: string, broker: BrokerKind): void;
  fill(f: Readonly<JournalFill>): void;
  /** Runs `fn` as one transaction (a fill and its order's new state land together); without it, writes are one by one. */
  atomically?(fn: () => void): void;
  orders(sinceMs?: number): StoredOrder[];
  fills(): JournalFill[];
  /** One order's journal: for orders the order manager no longer holds (an earlier day's); undefined when unknown. */
  orderJournal?(orderId: string): OrderJournal | undefined;
  decision(d: Omit<RiskDecisionDto, 'id'>): RiskDecisionDto;
  recentDecisions(limit: number): RiskDecisionDto[];
  loadMeta<T>(key: string): T | undefined;
  saveMeta(key: string, value: unknown): void;
}

export class MemoryTradingStore implements TradingStore {
  readonly orderRows = new Map<string, StoredOrder>();
  readonly events: { orderId: string; event: string; status: string }[] = [];
  readonly fillRows: JournalFill[] = [];
  private readonly fillIds = new Set<string>();
  readonly decisions: RiskDecisionDto[] = [];
  private decisionSeq = 0;
  readonly meta = new Map<string, string>();
  /**
   * `cap` bounds the event and decision lists; `retain: false` keeps no order or fill rows (a
   * benchmark's store: millions of orders, nothing to restart from). `light: true` is the backtest's
   * light journal: an order's row holds the order manager's live record itself (its last journalled
   * state: the order manager journals after every change of it; copied when read by orders()), no
   * per-transition event and no fill-id set (the order manager journals each fill of an order once) —
   * no copy and no record per status change, nothing read mid-run.
   */
  constructor(
    private readonly cap = 100_000,
    private readonly retain = true,
    private readonly light = false,
  ) {}
  orderChanged(order: Readonly<Order>, event: string, broker: BrokerKind): void {
    if (this.light) {
      const row = this.orderRows.get(order.orderId);
      if (row !== undefined && row.order === order) row.broker = broker;
      else this.orderRows.set(order.orderId, { order: order as Order, broker });
      return;
    }
    if (this.retain) this.orderRows.set(order.orderId, { order: { ...order }, broker });
    this.events.push({ orderId: order.orderId, event, status: order.status });
    if (this.events.length > this.cap * 1.5) this.events.splice(0, this.events.length - this.cap);
  }
  fill(f: Readonly<JournalFill>): void {
    if (!this.retain) return;
    // (the light journal keeps no id set: the order manager journals each fill id of an order once)
    if (!this.light) {
      if (this.fillIds.has(f.fillId)) throw new Error(`fill ${f.fillId} journalled twice`);
      this.fillIds.add(f.fillId);
    }
    this.fillRows.push(f);
  }
  orders(sinceMs = 0): StoredOrder[] {
    return [...this.orderRows.values()].filter((r) => r.order.tsInit >= sinceMs).map((r) => ({ order: { ...r.order }, broker: r.broker }));
  }
  fills(): JournalFill[] {
    return this.fillRows.map((f) => ({ ...f }));
  }
  /** The order's row and fills; no states (the order's bodies are not kept per event in memory, only in SQLite). */
  orderJournal(orderId: string): OrderJournal | undefined {
    const r = this.orderRows.get(orderId);
    if (r === undefined) return undefined;
    return { stored: { order: { ...r.order }, broker: r.broker }, states: [], fills: this.fillRows.filter((f) => f.orderId === orderId).map((f) => ({ ...f })) };
  }
  decision(d: Omit<RiskDecisionDto, 'id'>): RiskDecisionDto {
    const r = d as RiskDecisionDto;
    r.id = ++this.decisionSeq;
    this.decisions.push(r);
    // trimmed in chunks: one splice per cap/2 appends, not one per append
    if (this.decisions.length > this.cap * 1.5) this.decisions.splice(0, this.decisions.length - this.cap);
    return r;
  }
  recentDecisions(limit: number): RiskDecisionDto[] {
    return this.decisions.slice(-limit).reverse();
  }
  loadMeta<T>(key: string): T | undefined {
    const v = this.meta.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  saveMeta(key: string, value: unknown): void {
    this.meta.set(key, JSON.stringify(value));
  }
}

/** An order intent as the ensemble hands it over (strategy/ensemble.ts OrderIntent satisfies it). */
export interface TradeIntent extends SizingIntent {
  tsEvent: number;
}

export interface TradingServiceOptions {
  mode: TradingMode;
  instruments: readonly TradableInstrument[];
  /** Feed time. */
  clock: Clock;
  config?: TradingConfigInput;
  store?: TradingStore;
  log?: LogFn;
  /** Latest depth of a symbol (MarketData.depth). */
  depth?: (symbol: string) => Readonly<DepthSnapshot> | undefined;
  /** ATR of a symbol in paise (sizing and ATR exits); undefined while warming up. */
  atr?: (symbol: string) => number | undefined;
  /** Market hours for risk and the paper broker (default: the NSE calendar). */
  isMarketOpen?: (ms: number) => boolean;
  /**
   * The trading-day service (the day roll for the ledger, risk and the paper broker). The kernel
   * passes the engine's, on the feed clock; default: one of its own on `clock`.
   */
  tradingDay?: TradingDay;
  /** A live broker (Kite) for live mode; absent → live mode is refused. */
  liveBroker?: Broker;
  /**
   * Kite's margin API (the session's KiteRest) for shadow and live: NFO/BFO orders then pass Kite's
   * basket-margin check before the broker (adapters/kite/kite-margin-gate.ts); undefined (no session) → such
   * an order is refused. Absent → the paper approximation alone (paper, or a feed other than Kite).
   */
  kiteMargin?: () => KiteMarginApi | undefined;
  /** Fills reach the owning strategy instance here (StrategyRunner.onFill). */
  onStrategyFill?: (strategy: string, fill: Readonly<Fill>) => void;
  /**
   * Risk's ALLOW decisions are journalled (store.decision) and announced (onDecided) like every other
   * decision. Default: true, except in mode 'backtest', where nothing reads them (the light journal, a
   * refusal listener) and no record is built for an allowed order; refusals, reductions and halts are
   * journalled and announced in every mode.
   */
  recordAllowed?: boolean;
  /**
   * Finished orders' charges are kept in memory (the newest 20,000–40,000) for orderCharges(). Default:
   * true, except in mode 'backtest' (nothing asks mid-run); without it orderCharges() sums the order's
   * journalled fills, the same figures.
   */
  cacheOrderCharges?: boolean;
}

/**
 * The decision trade() and an exit order get back for an ALLOW that was not recorded (recordAllowed
 * off): those callers read a decision only when nothing was placed, never for an ALLOW.
 */
const UNRECORDED_ALLOW: RiskDecisionDto = Object.freeze({ id: 0, ts: 0, clientId: '', symbol: '', side: 'BUY', qty: 0, strategy: '', source: '', action: 'ALLOW', numbers: Object.freeze({}) });


/** The charges of these fills, summed component by component. */
function sumCharges(fills: readonly JournalFill[]): ChargesBreakdownDto {
  let sum: ChargesBreakdownDto = { ...ZERO_CHARGES };
  for (const f of fills) sum = addCharges(sum, f.charges);
  return sum;
}

function addCharges(a: ChargesBreakdownDto, b: ChargesBreakdownDto, sign = 1): ChargesBreakdownDto {
  return {
    brokeragePaise: a.brokeragePaise + sign * b.brokeragePaise,
    sttPaise: a.sttPaise + sign * b.sttPaise,
    exchangeTxnPaise: a.exchangeTxnPaise + sign * b.exchangeTxnPaise,
    sebiPaise: a.sebiPaise + sign * b.sebiPaise,
    stampDutyPaise: a.stampDutyPaise + sign * b.stampDutyPaise,
    gstPaise: a.gstPaise + sign * b.gstPaise,
    dpPaise: a.dpPaise + sign * b.dpPaise,
    totalPaise: a.totalPaise + sign * b.totalPaise,
  };
}

/** A charge component never goes negative within one order (no refunds as a fill completes it). */
const nonNeg = (x: number): number => (x < 0 ? 0 : x);

/** istDay with a one-day cache (fills come in time order, so nearly every call is a hit). */
function dayCache(): (ts: number) => IsoDay {
  let lo = 1;
  let hi = 0;
  let day = '' as IsoDay;
  return (ts) => {
    if (ts >= lo && ts < hi) return day;
    day = istDay(ts);
    const start = Date.parse(`${day}T00:00:00+05:30`);
    lo = start;
    hi = start + 86_400_000;
    return day;
  };
}

interface OrderChargeState {
  qty: number;
  valuePaise: number;
  charged: ChargesBreakdownDto;
  day: IsoDay;
}

const MODE_LETTER: Record<TradingMode, string> = { paper: 'P', shadow: 'S', live: 'L', backtest: 'B' };

/**
 * Client ids: mode letter + base-36 time + a counter, ≤ 16 characters so freeze-split slices can add a
 * suffix; `taken` (every id the order manager knows, restored ones included) makes them unique
 * across restarts, the mode letter across modes.
 */
function clientIdFactory(mode: TradingMode, now: () => number, taken: (id: string) => boolean): () => string {
  let seq = 0;
  let last = '';
  return () => {
    for (;;) {
      const t = Math.max(0, Math.floor(now())).toString(36).slice(-9);
      if (t !== last) {
        last = t;
        seq = 0;
      }
      const id = `${MODE_LETTER[mode]}${t}${(seq++).toString(36)}`.slice(0, 16);
      if (!taken(id)) return id;
    }
  };
}

/** A derivative without a freeze quantity gets its underlying's: the profile's, else fno/specs.ts (index), else 20 lots (stock). */
function withFreezeQty(i: TradableInstrument, overrides: Readonly<Record<string, number>> | undefined): TradableInstrument {
  if (i.kind === 'equity' || i.freezeQty !== undefined) return i;
  const c = fnoContractOf(i.symbol);
  if (!c) return i;
  const q = overrides?.[c.name] ?? INDEX_FNO[c.name]?.freezeQty ?? STOCK_FREEZE_LOTS * i.lotSize;
  return { ...i, freezeQty: q };
}

export class TradingService {
  readonly mode: TradingMode;
  readonly config: TradingConfig;
  readonly ledger: Ledger;
  readonly risk: RiskEngine;
  readonly oms: OrderManager;
  readonly router: ExecutionRouter;
  readonly paper: PaperBroker;
  readonly shadow: ShadowBroker | undefined;
  readonly exits: ExitManager;
  readonly sizer: Sizer;
  /** The trading day, the session phase and the day roll (shared with the kernel's market data). */
  readonly days: TradingDay;
  private readonly store: TradingStore;
  private readonly log: LogFn;
  private readonly clock: Clock;
  private readonly instruments = new Map<string, TradableInstrument>();
  /** Each symbol's last print: price (paise) and time, one record a symbol updated in place (two numbers a print, no map write). */
  private readonly last = new Map<string, { pricePaise: number; ts: number }>();
  private readonly lastPrice = { get: (s: string): number | undefined => this.last.get(s)?.pricePaise };
  private readonly opts: TradingServiceOptions;
  private readonly restoredClientIds = new Set<string>();
  private readonly lastProduct = new Map<string, Product>();
  /** Running charges of orders that are still working (small: the open orders). */
  private readonly chargeState = new Map<string, OrderChargeState>();
  /** Charges of finished orders, two generations of ≤ 20,000 (older ones are summed from the fill journal on request). */
  private doneCharges = new Map<string, ChargesBreakdownDto>();
  private doneChargesOld = new Map<string, ChargesBreakdownDto>();
  private readonly dpCharged = new Set<string>();
  private readonly dayOf = dayCache();
  private readonly chargesTotal: ChargesBreakdownDto = { ...ZERO_CHARGES };
  private readonly recentFills: JournalFill[] = [];
  /** A person's recent place results by clientId (two generations of ≤ 10,000: O(1) bounded memory). */
  private placeResults = new Map<string, PlaceResult>();
  private placeResultsOld = new Map<string, PlaceResult>();
  private readonly newClientId: () => string;
  /** Order listeners, each with an optional "wanted now" test: the DTO is built only when one wants it. */
  private readonly orderListeners = new Map<(o: OrderDto) => void, (() => boolean) | undefined>();
  /** orderListeners as two arrays, rebuilt when a listener comes or goes (the fan-out per order update walks these, no iterator). */
  private orderFan: ((o: OrderDto) => void)[] = [];
  private orderWanted: ((() => boolean) | undefined)[] = [];
  private readonly portfolioListeners = new Set<(p: PortfolioDto) => void>();
  private readonly decisionListeners = new Set<(d: RiskDecisionDto) => void>();
  private readonly riskListeners = new Set<(s: RiskStatus) => void>();
  private portfolioDirty = true;
  private chargeWarned = false;
  /** Intents are not traded while false (the kernel's start-up backfill). */
  private trading = true;
  private lastDecision: RiskDecisionDto | undefined;
  private readonly recordAllowed: boolean;
  private readonly cacheOrderCharges: boolean;
  /** Orders the last execute() placed (its result lists none when built without DTOs). */
  private placedCount = 0;
  /** The earliest expiry close (epoch ms) among open F&O positions; -Infinity = recompute (after a fill). */
  private nextExpiryMs = -Infinity;
  private readonly offSettleRoll: () => void;

  constructor(opts: TradingServiceOptions) {
    this.opts = opts;
    this.mode = opts.mode;
    this.recordAllowed = opts.recordAllowed ?? this.mode !== 'backtest';
    this.cacheOrderCharges = opts.cacheOrderCharges ?? this.mode !== 'backtest';
    this.clock = opts.clock;
    this.log = opts.log ?? (() => {});
    this.store = opts.store ?? new MemoryTradingStore();
    const parsed = tradingConfigSchema.safeParse(opts.config ?? {});
    if (!parsed.success) {
      throw new RangeError(`trading config: ${parsed.error.issues.map((i) => `trading.${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    this.config = parsed.data;
    this.days = opts.tradingDay ?? new TradingDay({ clock: this.clock });
    this.days.sync(this.clock.now());
    for (const i of opts.instruments) this.instruments.set(i.symbol, withFreezeQty(i, this.config.fnoFreezeQty));
    // ids made in this process are unique by construction (time + counter); only ids restored from the
    // journal (earlier runs) can collide, so only those are checked
    this.newClientId = clientIdFactory(this.mode, () => this.clock.now(), (id) => this.restoredClientIds.has(id));

    // Recovery, step 1: the ledger from the fill journal (and the charges already paid), on today's
    // trading day (the ledger, risk and the brokers all take the day roll from `days`).
    const fills = this.store.fills();
    const capitalPaise = this.config.capital * 100;
    this.ledger = Ledger.restore(capitalPaise, fills, { tradingDay: this.days, fnoMargin: paperFnoMargin((s) => this.lastPrice.get(s), this.config.fnoMarginBps) });
    for (const f of fills) {
      this.rememberFill(f);
      this.addOrderCharges(f);
    }

    const market: MarketView = {
      lastPricePaise: (s) => this.lastPrice.get(s),
      lastTickAt: (s) => this.last.get(s)?.ts,
      depth: (s) => opts.depth?.(s) as DepthSnapshot | undefined,
      instrument: (s) => this.instruments.get(s),
    };
    this.risk = new RiskEngine({
      config: { ...this.config.risk, capitalPaise },
      account: this.ledger,
      market,
      clock: this.clock,
      tradingDay: this.days,
      state: this.riskStateStore(),
      ...(opts.isMarketOpen ? { isMarketOpen: opts.isMarketOpen } : {}),
      onError: (e, where) => this.log('error', 'risk engine', { where, error: e instanceof Error ? e.message : String(e) }),
    });
    this.sizer = new Sizer({
      default: this.config.sizing.default,
      ...(this.config.sizing.strategies ? { strategies: this.config.sizing.strategies } : {}),
    });
    this.exits = new ExitManager({ config: this.config.exits.default, ...(this.config.exits.strategies ? { byStrategy: this.config.exits.strategies } : {}) });

    const p = this.config.paper;
    const brokerOpts = {
      market,
      clock: this.clock,
      latencyMs: p.latencyMs,
      slippage: p.slippage,
      staleAfterMs: p.staleAfterMs,
      amo: p.amo,
      protectionPct: p.protectionPct,
      marketFill: p.marketFill,
      // the backtest announces no transient placement status (nothing there reads them; see PaperBrokerOptions)
      transientStatuses: this.mode !== 'backtest',
      tradingDay: this.days,
      ...(opts.isMarketOpen ? { marketHours: opts.isMarketOpen } : {}),
    };
    this.paper = new PaperBroker(brokerOpts);
    this.shadow = this.mode === 'shadow' ? new ShadowBroker(brokerOpts) : undefined;
    // shadow and live ask Kite's basket-margin API for derivatives (paper keeps portfolio/fno-margin.ts)
    const kiteMargin = opts.kiteMargin;
    const gated = (b: Broker): Broker => {
      if (!kiteMargin) return b;
      const noSession = () => Promise.reject(new Error('no Kite session to ask (log in to Kite)'));
      const api: KiteMarginApi = {
        basketMargins: (o, c) => kiteMargin()?.basketMargins(o, c) ?? noSession(),
        margins: (seg) => kiteMargin()?.margins(seg) ?? noSession(),
      };
      return new MarginGatedBroker(b, new KiteMarginGate({ api, clock: this.clock }), { clock: this.clock });
    };
    this.router = new ExecutionRouter({
      paper: this.paper,
      ...(this.shadow ? { shadow: gated(this.shadow) } : {}),
      ...(opts.liveBroker ? { live: gated(opts.liveBroker) } : {}),
      mode: this.mode === 'live' ? 'paper' : this.mode,
    });
    if (this.mode === 'live') this.router.setMode('live', { confirm: true });

    this.oms = new OrderManager({
      broker: this.router,
      clock: this.clock,
      journal: {
        orderChanged: (o, event) => this.store.orderChanged(o, event, this.router.brokerOf(o.orderId) ?? this.router.kind),
        // fills are journalled with their charges in onFill below, before the ledger sees them
        fill: () => {},
        atomically: (fn) => (this.store.atomically ? this.store.atomically(fn) : fn()),
      },
    });
    // Recovery, step 2: the order book. The simulated brokers lost their resting orders with the
    // process: those are journalled as cancelled (with the reason) before the order manager sees them.
    // Live orders stay open and flagged until they are reconciled with Kite.
    const stored = this.store.orders().map((r) => (r.broker === 'live' || isTerminal(r.order.status) ? r : this.cancelLostOrder(r)));
    this.oms.restore(
      stored.map((r) => r.order),
      fills,
    );
    for (const r of stored) {
      this.router.adopt(r.order.orderId, r.broker);
      this.restoredClientIds.add(r.order.clientId);
    }
    for (const [id, st] of this.chargeState) {
      const o = this.oms.get(id);
      if (o === undefined || isTerminal(o.status)) {
        this.chargeState.delete(id);
        this.doneCharges.set(id, st.charged);
      }
    }
    for (const o of this.oms.needsReconcile()) this.log('warn', 'live order awaiting reconciliation with the broker', { orderId: o.orderId, status: o.status });
    // Recovery, step 3: exits for the positions the ledger rebuilt (trailing stop, time exit and the MIS
    // square-off from the position's opening time; ATR stops re-arm on the position's next fill)
    for (const p of this.ledger.snapshot().positions) {
      if (p.qty === 0) continue;
      this.exits.onPositionChanged({
        strategy: p.strategy,
        symbol: p.symbol,
        qty: p.qty,
        avgPricePaise: p.avgPricePaise,
        product: this.productOf(p.symbol, p.strategy),
        tickSizePaise: this.instruments.get(p.symbol)?.tickSizePaise ?? 5,
        ts: p.openedAt,
      });
      this.log('info', 'exits re-armed for a restored position', { strategy: p.strategy, symbol: p.symbol, qty: p.qty });
    }

    this.oms.onFill((fill, order) => this.onFill(fill, order));
    this.oms.onError((e, o) => this.log('error', 'order manager', { orderId: o?.orderId ?? '', error: e.message }));
    this.oms.onOrder((order) => this.onOrder(order));
    this.risk.onDecision((d, req, at) => this.onDecision(d, req, at));
    this.risk.onStateChange(() => this.emitRisk());
    // F&O expiry: a position open past its contract's expiry settles (onClock and the day roll both look)
    const offSettle = this.days.onRoll((r) => this.settleExpired(r.observedAt));
    // Memory: the order manager keeps today's orders and the open ones; finished orders of earlier days
    // are in the journal only (after a restart the journal's whole book was restored: trimmed here too)
    this.oms.forgetFinished(this.days.todayStartMs());
    const offForget = this.days.onRoll((r) => {
      const n = this.oms.forgetFinished(r.startMs);
      if (n > 0) this.log('info', 'finished orders of earlier days dropped from memory (the journal keeps them)', { orders: n, day: r.to });
    });
    this.offSettleRoll = () => {
      offSettle();
      offForget();
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Feed

  /**
   * Detaches this service from the shared trading-day service (its ledger and brokers stop taking the
   * roll; risk never subscribed). Call it when dropping a service whose `days` outlives it (a mode's
   * service the kernel switched away from, or one built for a preflight and discarded).
   */
  dispose(): void {
    this.offSettleRoll();
    this.ledger.dispose();
    this.paper.dispose();
    this.shadow?.dispose();
  }

  /** An instrument added at run time (a symbol added from the instrument master): orders on it pass the instrument check. */
  addInstrument(i: TradableInstrument): void {
    if (!this.instruments.has(i.symbol)) this.instruments.set(i.symbol, i);
  }

  /** Start or stop turning strategy intents into orders (the kernel stops it during its backfill). */
  setTrading(on: boolean): void {
    this.trading = on;
  }

  onTick(symbol: string, pricePaise: number, ts: number): void {
    this.syncDay();
    const last = this.last.get(symbol);
    if (last === undefined) this.last.set(symbol, { pricePaise, ts });
    else {
      last.pricePaise = pricePaise;
      last.ts = ts;
    }
    this.paper.onTick(symbol, pricePaise, ts);
    this.shadow?.onTick(symbol, pricePaise, ts);
    this.ledger.mark(symbol, pricePaise, ts);
    this.portfolioDirty = true;
    if (!this.trading) return;
    this.risk.evaluate();
    const exits = this.exits.onPrice(symbol, pricePaise, ts);
    for (let i = 0; i < exits.length; i++) this.placeExit(exits[i]!);
  }

  /**
   * True when the prints of a bar of `symbol` between its first and its last would change nothing here:
   * no order of the symbol is working at the paper broker (nothing scheduled or waiting for the open
   * either), no shadow broker, no exit armed on it and no position in it (a mark moves no figure). The
   * bar path then calls onQuietBar instead of onTick for every print: stops, targets and next-open fills
   * only exist with a working order or an open position, so they still see every print in order.
   */
  quietFor(symbol: string): boolean {
    return this.shadow === undefined && this.paper.idleFor(symbol) && !this.exits.watching(symbol) && this.ledger.flatIn(symbol);
  }

  /**
   * A bar of a quiet symbol (quietFor true): the first print marks the ledger (its curve samples go by
   * print time, as with every print), the last is a whole print. What the prints between would do —
   * mark a flat position, check the breaker on an unchanged equity, find no working order or armed exit —
   * changes nothing.
   */
  onQuietBar(symbol: string, firstPaise: number, firstTs: number, lastPaise: number, lastTs: number): void {
    this.syncDay();
    this.ledger.mark(symbol, firstPaise, firstTs);
    this.onTick(symbol, lastPaise, lastTs);
  }

  onDepth(d: Readonly<DepthSnapshot>): void {
    this.syncDay();
    this.paper.onDepth(d);
    this.shadow?.onDepth(d);
  }

  onClock(now: number): void {
    this.syncDay();
    this.paper.onClock(now);
    this.shadow?.onClock(now);
    if (now >= this.nextExpiryMs) this.settleExpired(now);
    if (!this.trading) return;
    for (const x of this.exits.onTime(now)) this.placeExit(x);
  }

  /** An ensemble intent: sized, then through risk to the broker. Returns what happened (for tests and logs). */
  onIntent(intent: TradeIntent): PlaceResult | { skipped: string } {
    return this.tradeIntent(intent, true);
  }

  /**
   * The same as onIntent for a caller that reads no result (the kernel): the same sizing, risk decision,
   * orders and journal, without building the result's order DTOs.
   */
  trade(intent: TradeIntent): void {
    this.tradeIntent(intent, false);
  }

  private tradeIntent(intent: TradeIntent, dtos: boolean): PlaceResult | { skipped: string } {
    if (!this.trading) return { skipped: 'trading paused (backfill)' };
    if (!this.config.autoTrade) return { skipped: 'autoTrade is off' };
    const inst = this.instruments.get(intent.symbol);
    if (!inst) return { skipped: `unknown instrument ${intent.symbol}` };
    const strategy = intentOwner(intent) ?? 'ensemble';
    const position = this.ledger.positionQty(intent.symbol, strategy);
    const wantLong = intent.side === 'BUY';
    // no pyramiding: an intent in the direction already held is journalled by the ensemble, not traded
    if ((wantLong && position > 0) || (!wantLong && position < 0)) return { skipped: `already ${position > 0 ? 'long' : 'short'} ${Math.abs(position)}` };
    const open = this.oms.openOrderOf(intent.symbol, strategy);
    if (open !== undefined) return { skipped: `order ${open.orderId} still open` };
    const price = this.lastPrice.get(intent.symbol) ?? intent.price;
    const config = this.sizer.configFor(strategy);
    // (the intent is copied only when its price is not the last price; the closed-trade statistics are
    // built only for half_kelly, the one mode that reads them)
    const sized = sizeOrder(intent.price === price ? intent : { ...intent, price }, {
      config,
      equityPaise: this.ledger.equityPaise(),
      atrPaise: this.opts.atr?.(intent.symbol),
      instrument: inst,
      strategyExposurePaise: this.ledger.strategyExposurePaise(strategy),
      grossExposurePaise: this.ledger.grossExposurePaise(),
      stats: config.mode === 'half_kelly' ? this.ledger.strategyStats(strategy) : undefined,
      positionQty: position,
    });
    if (sized.qty <= 0) return { skipped: `sized to 0: ${sized.reason}` };
    const closing = position !== 0;
    return this.execute({
      clientId: this.newClientId(),
      symbol: intent.symbol,
      exchange: inst.exchange,
      side: intent.side,
      qty: sized.qty,
      orderType: 'MARKET',
      // a closing order closes the position in its own product
      product: closing ? this.productOf(intent.symbol, strategy) : this.config.product,
      validity: 'DAY',
      variety: 'regular',
      strategy,
      source: closing ? 'exit' : 'strategy',
      tsInit: this.clock.now(),
    }, dtos);
  }

  // ---------------------------------------------------------------------------------------------
  // Commands (the API)

  /** A person's order. */
  placeManual(input: ManualOrderInput & { product: Product; validity: 'DAY' | 'IOC'; variety: 'regular' | 'amo' }): PlaceResult {
    const inst = this.instruments.get(input.symbol);
    if (!inst) throw new RpcError(ErrorCode.NOT_FOUND, `unknown symbol: ${input.symbol}`, { symbol: input.symbol });
    const clientId = input.clientId ?? this.newClientId();
    const seen = this.placeResults.get(clientId) ?? this.placeResultsOld.get(clientId);
    if (seen) {
      // a retry: the first answer, with each order as it stands now
      return {
        decision: seen.decision,
        orders: seen.orders.map((o) => {
          const now = this.oms.get(o.orderId);
          return now ? this.orderDto(now) : o;
        }),
      };
    }
    const existing = this.oms.byClientId(clientId);
    if (existing) {
      // placed before a restart: answer the order, never place a second one
      const decision: RiskDecisionDto = {
        id: 0,
        ts: existing.tsInit,
        clientId,
        symbol: existing.symbol,
        side: existing.side,
        qty: existing.qty,
        strategy: existing.strategy,
        source: existing.source,
        action: 'ALLOW',
        message: 'an order with this clientId was already placed; answering it instead of placing another',
        numbers: {},
      };
      return { decision, orders: [this.orderDto(existing)] };
    }
    return this.execute({
      clientId,
      symbol: input.symbol,
      exchange: inst.exchange,
      side: input.side,
      qty: input.qty,
      orderType: input.orderType,
      product: input.product,
      validity: input.validity,
      variety: input.variety,
      pricePaise: input.pricePaise,
      triggerPaise: input.triggerPaise,
      strategy: 'manual',
      source: 'manual',
      tsInit: this.clock.now(),
    });
  }

  modify(orderId: string, changes: OrderModify): OrderDto {
    this.syncDay(); // a DAY order the roll expires is not modifiable any more
    const o = this.requireOrder(orderId);
    if (changes.pricePaise !== undefined || changes.triggerPaise !== undefined || changes.qty !== undefined) {
      // a modification is a new price/quantity: it passes the same tick, lot and band checks
      const next: OrderRequest = { ...o, ...changes, clientId: o.clientId, source: o.source };
      const d = this.risk.check({ ...next, qty: changes.qty ?? o.pendingQty });
      if (d.action === 'BLOCK' || d.action === 'HALT_SESSION') {
        throw new RpcError(ErrorCode.INVALID_INPUT, `modify refused by risk (${d.rule}): ${d.message}`, { rule: d.rule, numbers: d.numbers });
      }
    }
    this.guard(() => this.oms.modify(orderId, changes));
    return this.orderDto(this.oms.get(orderId)!);
  }

  cancel(orderId: string): OrderDto {
    this.syncDay();
    this.requireOrder(orderId);
    this.guard(() => this.oms.cancel(orderId));
    return this.orderDto(this.oms.get(orderId)!);
  }

  /** Market orders closing every matching open position (reduce-only: they pass a halted session). */
  squareOff(filter: { symbol?: string | undefined; strategy?: string | undefined } = {}, source: 'squareoff' | 'killswitch' = 'squareoff'): PlaceResult[] {
    const targets = this.ledger
      .snapshot()
      .positions.filter((p) => p.qty !== 0 && (filter.symbol === undefined || p.symbol === filter.symbol) && (filter.strategy === undefined || p.strategy === filter.strategy));
    // working orders on the positions being closed are cancelled first (so nothing adds to them); others stay
    const closing = new Set(targets.map((p) => `${p.strategy}|${p.symbol}`));
    this.oms.cancelAll((o) => closing.has(`${o.strategy}|${o.symbol}`));
    const out: PlaceResult[] = [];
    for (const p of targets) {
      const inst = this.instruments.get(p.symbol);
      if (!inst) continue;
      out.push(
        this.execute({
          clientId: this.newClientId(),
          symbol: p.symbol,
          exchange: inst.exchange,
          side: p.qty > 0 ? 'SELL' : 'BUY',
          qty: Math.abs(p.qty),
          orderType: 'MARKET',
          product: this.productOf(p.symbol, p.strategy),
          validity: 'DAY',
          variety: 'regular',
          strategy: p.strategy,
          source,
          tsInit: this.clock.now(),
        }),
      );
    }
    return out;
  }

  halt(reason: string): RiskStatus {
    this.syncDay();
    this.risk.halt(reason);
    return this.riskStatus();
  }

  resume(by = 'user'): RiskStatus {
    this.syncDay();
    this.risk.resume(by);
    return this.riskStatus();
  }

  /** Kill switch on: block everything new, cancel every open order, optionally square off. Off: a person's decision. */
  setKillSwitch(engaged: boolean, opts: { squareOff?: boolean; reason?: string | undefined } = {}): RiskStatus {
    if (engaged) {
      this.risk.engageKillSwitch(opts.reason ?? 'kill switch engaged by user');
      const r = this.oms.cancelAll();
      this.log('warn', 'kill switch engaged', { reason: opts.reason ?? '', cancelled: r.requested.length, failed: r.failed.length });
      if (opts.squareOff) this.squareOff({}, 'killswitch');
    } else {
      this.risk.disengageKillSwitch('user');
      this.log('warn', 'kill switch released by user');
    }
    return this.riskStatus();
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  orders(): OrderDto[] {
    return this.oms
      .orders()
      .map((o) => this.orderDto(o))
      .reverse();
  }

  /** Whether `strategy` has a working (non-terminal) order on `symbol`, without building any order's DTO. */
  hasWorkingOrder(symbol: string, strategy: string): boolean {
    return this.oms.openOrderOf(symbol, strategy) !== undefined;
  }

  /** The symbols of the working (non-terminal) orders, without building every order's DTO (the feed's demand, each second). */
  workingOrderSymbols(): Set<string> {
    const out = new Set<string>();
    for (const o of this.oms.openOrders()) out.add(o.symbol);
    return out;
  }

  fills(limit = 500): FillDto[] {
    return this.recentFills
      .slice(-limit)
      .reverse()
      .map((f) => ({
        fillId: f.fillId,
        orderId: f.orderId,
        clientId: f.clientId,
        symbol: f.symbol,
        side: f.side,
        product: f.product,
        strategy: f.strategy,
        qty: f.qty,
        pricePaise: f.pricePaise,
        chargesPaise: f.chargesPaise,
        tsEvent: f.tsEvent,
      }));
  }

  /** An order's charges: today's from memory; an order the order manager no longer holds (an earlier day's) from the journal's fills. */
  orderCharges(orderId: string): ChargesBreakdownDto {
    if (this.oms.get(orderId) === undefined) return sumCharges(this.journalOf(orderId).fills);
    const c = this.chargeState.get(orderId)?.charged ?? this.doneCharges.get(orderId) ?? this.doneChargesOld.get(orderId);
    if (c !== undefined) return { ...c };
    return sumCharges(this.store.fills().filter((f) => f.orderId === orderId));
  }

  /**
   * Shadow mode: the Kite requests this order would have sent live (none for other orders). Today's from
   * the shadow broker; an order it no longer holds (an earlier day's, or today's after a restart) rebuilt
   * from the journal's states (execution/shadow-broker.ts shadowRequestsFromJournal).
   */
  liveParams(orderId: string): LiveRequest[] {
    const held = this.oms.get(orderId) !== undefined;
    let reqs: readonly WouldSend[] = held ? (this.shadow?.wouldSendFor(orderId) ?? []) : [];
    if (reqs.length === 0 && (!held || this.shadow !== undefined)) {
      const j = held ? this.store.orderJournal?.(orderId) : this.journalOf(orderId);
      if (j !== undefined && j.stored.broker === 'shadow') reqs = shadowRequestsFromJournal(orderId, j.states, this.shadow?.marketProtection ?? MARKET_PROTECTION_AUTO);
    }
    return reqs.map((r) => ({ kind: r.kind, variety: r.variety, params: { ...r.params }, tsEvent: r.tsEvent }));
  }

  /** The journal of an order the order manager does not hold; NOT_FOUND when the journal has none either. */
  private journalOf(orderId: string): OrderJournal {
    const j = this.store.orderJournal?.(orderId);
    if (j === undefined) throw new RpcError(ErrorCode.NOT_FOUND, `unknown order: ${orderId}`, { orderId });
    return j;
  }

  portfolio(): PortfolioDto {
    this.syncDay();
    const s = this.ledger.snapshot();
    return {
      mode: this.mode,
      capitalPaise: s.capitalPaise,
      cashPaise: s.cashPaise,
      equityPaise: s.equityPaise,
      realisedPaise: s.realisedPaise,
      unrealisedPaise: s.unrealisedPaise,
      chargesPaise: s.chargesPaise,
      dayPnlPaise: s.dayPnlPaise,
      dayPeakEquityPaise: s.dayPeakEquityPaise,
      charges: { ...this.chargesTotal },
      positions: s.positions.map((p) => ({
        strategy: p.strategy,
        symbol: p.symbol,
        qty: p.qty,
        avgPricePaise: p.avgPricePaise,
        markPaise: p.markPaise,
        unrealisedPaise: p.unrealisedPaise,
        realisedPaise: p.realisedPaise,
        chargesPaise: p.chargesPaise,
      })),
      strategies: s.strategies.map((x) => ({
        strategy: x.strategy,
        realisedPaise: x.realisedPaise,
        unrealisedPaise: x.unrealisedPaise,
        chargesPaise: x.chargesPaise,
        dayPnlPaise: x.dayPnlPaise,
        trades: x.trades,
        wins: x.wins,
        losses: x.losses,
      })),
      tsEvent: this.clock.now(),
    };
  }

  /** Orders sent in the last second / minute / today against the rate caps (the Health tab). */
  rateUsage(): { lastSecond: number; lastMinute: number; today: number; capPerSecond: number; capPerMinute: number; capPerDay: number } {
    const r = this.config.risk.rate;
    return { ...this.risk.rateUsage(), capPerSecond: r.perSecond, capPerMinute: r.perMinute, capPerDay: r.perDay };
  }

  equityCurve(strategy?: string): { t: number; equityPaise: number }[] {
    return this.ledger.equityCurve(strategy).map((p) => ({ t: p.ts, equityPaise: p.valuePaise }));
  }

  /**
   * Performance over IST days `from`..`to` (default: the trading day by the feed clock), overall and per strategy
   * (portfolio/metrics.ts; a strategy's equity is the capital plus its cumulative net PnL). Built from
   * the ledger's closed trades and its sampled equity curves.
   */
  performance(opts: { from?: IsoDay; to?: IsoDay; riskFreeRate?: number } = {}): PerformanceDto {
    // today = the trading day (on a weekend or holiday, the session day before it), not the calendar date
    this.days.sync(this.clock.now());
    const from = opts.from ?? this.days.today();
    const to = opts.to ?? from;
    if (to < from) throw new RpcError(ErrorCode.INVALID_INPUT, `performance: to (${to}) is before from (${from})`);
    const range = { from: Date.parse(`${from}T00:00:00+05:30`), to: Date.parse(`${to}T00:00:00+05:30`) + 86_400_000 - 1 };
    const capitalPaise = this.config.capital * 100;
    const rf = opts.riskFreeRate !== undefined ? { riskFreeRate: opts.riskFreeRate } : {};
    const overall = rangeMetrics({ capitalPaise, trades: this.ledger.closedTrades(), equity: this.ledger.equityCurve(), ...range, ...rf });
    const strategies = this.ledger.snapshot().strategies.map(({ strategy }) => {
      const equity = this.ledger.equityCurve(strategy).map((p) => ({ ts: p.ts, valuePaise: capitalPaise + p.valuePaise }));
      return { strategy, metrics: rangeMetrics({ capitalPaise, trades: this.ledger.closedTrades(strategy), equity, ...range, ...rf }).metrics };
    });
    return {
      mode: this.mode,
      from,
      to,
      overall: overall.metrics,
      strategies,
      equity: overall.equity.map((p) => ({ t: p.ts, equityPaise: p.valuePaise })),
      drawdown: overall.drawdown.map((d) => ({ t: d.ts, drawdownPaise: d.drawdownPaise, drawdown: d.drawdown })),
    };
  }

  riskStatus(): RiskStatus {
    this.syncDay();
    const s = this.risk.status();
    return {
      halted: s.halted,
      ...(s.haltReason !== undefined ? { haltReason: s.haltReason } : {}),
      ...(s.haltedAt !== undefined ? { haltedAt: s.haltedAt } : {}),
      ...(s.halted && s.haltUntil !== undefined ? { haltUntil: s.haltUntil } : {}),
      killSwitch: s.killSwitch,
      ...(s.killReason !== undefined ? { killReason: s.killReason } : {}),
      ...(s.killedAt !== undefined ? { killedAt: s.killedAt } : {}),
      dayPnlPaise: s.dayPnlPaise,
      dailyLossLimitPaise: s.dailyLossLimitPaise,
      drawdownPaise: s.drawdownPaise,
      drawdownLimitPaise: s.drawdownLimitPaise,
      openPositions: s.openPositions,
      maxOpenPositions: s.maxOpenPositions,
      grossExposurePaise: s.grossExposurePaise,
      externalExposurePaise: s.externalExposurePaise,
      ...(s.maxGrossExposurePaise !== undefined ? { maxGrossExposurePaise: s.maxGrossExposurePaise } : {}),
    };
  }

  recentDecisions(limit: number): RiskDecisionDto[] {
    return this.store.recentDecisions(limit);
  }

  /** Every order change, as a DTO; `wanted` (optional) says whether the listener wants this one (no DTO is built when none does). */
  onOrderChanged(l: (o: OrderDto) => void, wanted?: () => boolean): () => void {
    this.orderListeners.set(l, wanted);
    this.rebuildOrderFan();
    return () => {
      const had = this.orderListeners.delete(l);
      this.rebuildOrderFan();
      return had;
    };
  }
  private rebuildOrderFan(): void {
    this.orderFan = [...this.orderListeners.keys()];
    this.orderWanted = [...this.orderListeners.values()];
  }
  onPortfolio(l: (p: PortfolioDto) => void): () => void {
    this.portfolioListeners.add(l);
    return () => this.portfolioListeners.delete(l);
  }
  onDecided(l: (d: RiskDecisionDto) => void): () => void {
    this.decisionListeners.add(l);
    return () => this.decisionListeners.delete(l);
  }
  onRiskStatus(l: (s: RiskStatus) => void): () => void {
    this.riskListeners.add(l);
    return () => this.riskListeners.delete(l);
  }

  /** Pushes the portfolio (and the risk numbers) if anything changed since the last flush. The kernel calls it a few times a second. */
  /**
   * F&O expiry settlement (runtime/fno-settlement.ts): every (strategy, symbol) position in a derivative whose
   * contract expired by `now` is closed at its final settlement price (futures: the underlying's last price;
   * options: intrinsic value), journalled as a fill with client id `settlement`. Returns the fills booked.
   */
  settleExpired(now: number = this.clock.now()): JournalFill[] {
    const booked: JournalFill[] = [];
    let next = Infinity;
    for (const p of this.ledger.snapshot().positions) {
      if (p.qty === 0) continue;
      const x = expiryOf(p.symbol);
      if (x === undefined) continue;
      if (x.closeMs > now) {
        if (x.closeMs < next) next = x.closeMs;
        continue;
      }
      const st = finalSettlementPrice(x.contract, this.lastPrice.get(x.contract.underlyingSymbol), p.markPaise);
      const id = settlementId(x.contract.expiry, p.strategy, p.symbol);
      const inst = this.instruments.get(p.symbol);
      // an in-the-money long option is exercised: STT on its intrinsic value (execution/charges.ts exerciseCharges)
      const exercised = x.contract.kind !== 'FUT' && p.qty > 0 && st.pricePaise > 0;
      const expiryDay = (x.contract.expiry < CHARGES_SCHEDULE_START ? CHARGES_SCHEDULE_START : x.contract.expiry) as IsoDay;
      const charges = exercised ? exerciseCharges({ exchange: inst?.exchange === 'BSE' || inst?.exchange === 'BFO' ? 'BSE' : 'NSE', qty: p.qty, intrinsicValuePaise: p.qty * st.pricePaise, date: expiryDay }) : undefined;
      const jf: JournalFill = {
        fillId: id,
        orderId: id,
        clientId: SETTLEMENT_CLIENT_ID,
        symbol: p.symbol,
        exchange: inst?.exchange ?? 'NFO',
        side: p.qty > 0 ? 'SELL' : 'BUY',
        product: this.productOf(p.symbol, p.strategy),
        strategy: p.strategy,
        qty: Math.abs(p.qty),
        pricePaise: st.pricePaise,
        tsEvent: x.closeMs,
        chargesPaise: charges?.totalPaise ?? 0,
        charges: charges ? { ...ZERO_CHARGES, ...charges } : { ...ZERO_CHARGES },
      };
      this.store.fill(jf);
      this.rememberFill(jf);
      this.ledger.applyFill(jf);
      this.exits.onFill(jf, this.ledger, inst?.tickSizePaise ?? 5, undefined);
      this.portfolioDirty = true;
      this.log('info', 'F&O position settled at expiry', { symbol: p.symbol, strategy: p.strategy, qty: p.qty, pricePaise: st.pricePaise, basis: st.basis, expiry: x.contract.expiry });
      booked.push(jf);
      this.opts.onStrategyFill?.(p.strategy, jf);
    }
    this.nextExpiryMs = next;
    return booked;
  }

  /**
   * What an order would need before it is sent (issue 14): the margin it adds under the paper model
   * (portfolio/fno-margin.ts for F&O) against what is available, and its charges on today's schedule, at
   * the limit price or else the last price. Nothing is placed or journalled.
   */
  previewOrder(o: { symbol: string; side: OrderSide; qty: number; product: Product; pricePaise?: number | undefined }): {
    symbol: string;
    qty: number;
    lotSize: number;
    lots: number;
    refPricePaise: number;
    valuePaise: number;
    marginRequiredPaise: number;
    marginAvailablePaise: number;
    charges: ChargesBreakdownDto;
  } {
    const inst = this.instruments.get(o.symbol);
    if (!inst) throw new RpcError(ErrorCode.NOT_FOUND, `unknown symbol: ${o.symbol}`, { symbol: o.symbol });
    const ref = o.pricePaise ?? this.lastPrice.get(o.symbol);
    if (ref === undefined) throw new RpcError(ErrorCode.UNAVAILABLE, `no price of ${o.symbol} yet`, { symbol: o.symbol });
    let day = this.dayOf(this.clock.now());
    if (day < CHARGES_SCHEDULE_START) day = CHARGES_SCHEDULE_START as IsoDay;
    const charges = orderCharges({
      segment: segmentOf(inst.kind, o.product),
      exchange: inst.exchange === 'BSE' || inst.exchange === 'BFO' ? 'BSE' : 'NSE',
      side: o.side,
      qty: o.qty,
      valuePaise: o.qty * ref,
      date: day,
      dpAlreadyCharged: false,
    });
    return {
      symbol: o.symbol,
      qty: o.qty,
      lotSize: inst.lotSize,
      lots: o.qty / inst.lotSize,
      refPricePaise: ref,
      valuePaise: o.qty * ref,
      marginRequiredPaise: this.ledger.marginRequiredPaise({ symbol: o.symbol, exchange: inst.exchange, side: o.side, qty: o.qty, product: o.product }, ref),
      marginAvailablePaise: this.ledger.marginAvailablePaise(),
      charges: { ...ZERO_CHARGES, ...charges },
    };
  }

  flush(): void {
    if (!this.portfolioDirty) return;
    this.portfolioDirty = false;
    if (this.portfolioListeners.size > 0) {
      const p = this.portfolio();
      for (const l of this.portfolioListeners) l(p);
    }
    this.emitRisk();
  }

  // ---------------------------------------------------------------------------------------------
  // The pipeline

  /** Rolls the trading day if one began (ledger, risk and brokers roll together; see core/trading-day.ts). */
  private syncDay(): void {
    this.days.sync(this.clock.now());
  }

  /**
   * Risk, then the order manager. Every decision is journalled (by the risk listener). Without `dtos`
   * the result lists no orders (its caller reads none); placedCount tells how many were placed.
   */
  private execute(req: OrderRequest, dtos = true): PlaceResult {
    // the roll (if one is due) happens before the decision, not inside it
    this.syncDay();
    this.lastDecision = undefined;
    const d = this.risk.check(req);
    // (no record of an unrecorded ALLOW unless the caller reads the result's decision)
    const decision = this.lastDecision ?? (dtos || d.action !== 'ALLOW' ? this.decisionDto(d, req) : UNRECORDED_ALLOW);
    const orders: OrderDto[] = [];
    let placed = 0;
    if (d.action === 'ALLOW' || d.action === 'REDUCE') {
      const qty = d.action === 'REDUCE' ? d.qty : req.qty;
      const slices = d.slices;
      const n = slices === undefined ? 1 : slices.length;
      for (let i = 0; i < n; i++) {
        const clientId = i === 0 ? req.clientId : `${req.clientId.slice(0, 16)}S${i}`.slice(0, 20);
        const q = slices === undefined ? qty : slices[i]!;
        try {
          // the order manager copies what it keeps: the request itself when nothing differs (no copy per order)
          const o = this.oms.submit(clientId === req.clientId && q === req.qty ? req : { ...req, clientId, qty: q });
          this.risk.recordSent(this.clock.now());
          placed++;
          if (dtos) orders.push(this.orderDto(o));
        } catch (e) {
          if (e instanceof OrderRequestError) throw new RpcError(ErrorCode.INVALID_INPUT, e.message);
          throw e;
        }
      }
    }
    const result = { decision, orders };
    this.placedCount = placed;
    if (req.source === 'manual') {
      if (this.placeResults.size >= 10_000) {
        this.placeResultsOld = this.placeResults;
        this.placeResults = new Map();
      }
      this.placeResults.set(req.clientId, result);
    }
    return result;
  }

  private placeExit(x: ExitRequest): void {
    const inst = this.instruments.get(x.symbol);
    if (!inst) return;
    const r = this.execute(
      {
        clientId: this.newClientId(),
        symbol: x.symbol,
        exchange: inst.exchange,
        side: x.side,
        qty: x.qty,
        orderType: 'MARKET',
        product: x.product,
        validity: 'DAY',
        variety: 'regular',
        strategy: x.strategy,
        source: x.reason === 'mis_squareoff' ? 'squareoff' : 'exit',
        tsInit: this.clock.now(),
      },
      false,
    );
    if (this.placedCount === 0) {
      this.exits.release(x.strategy, x.symbol);
      this.log('warn', 'exit order not placed', { symbol: x.symbol, strategy: x.strategy, reason: x.reason, rule: r.decision.rule ?? '', message: r.decision.message ?? '' });
    }
  }

  private onFill(fill: Readonly<Fill>, order: Readonly<Order>): void {
    let charges: ChargesBreakdownDto;
    try {
      charges = this.config.charges ? this.chargeFill(fill, order) : { ...ZERO_CHARGES };
    } catch (e) {
      // a fill is never lost over its charges: it is booked without them and the gap is logged loudly
      this.log('error', 'fill charges could not be computed; booked without charges', { fillId: fill.fillId, orderId: fill.orderId, error: (e as Error).message });
      charges = { ...ZERO_CHARGES };
    }
    const jf: JournalFill = {
      fillId: fill.fillId,
      orderId: fill.orderId,
      clientId: fill.clientId,
      symbol: fill.symbol,
      exchange: fill.exchange,
      side: fill.side,
      product: fill.product,
      strategy: fill.strategy,
      qty: fill.qty,
      pricePaise: fill.pricePaise,
      tsEvent: fill.tsEvent,
      chargesPaise: charges.totalPaise,
      charges,
    };
    this.store.fill(jf);
    this.rememberFill(jf);
    const lf: LedgerFill = jf;
    this.ledger.applyFill(lf);
    // a derivative's fill may open a position with an expiry: the next clock looks again (an equity fill cannot)
    if (expiryOf(fill.symbol) !== undefined) this.nextExpiryMs = -Infinity;
    const inst = this.instruments.get(fill.symbol);
    this.exits.onFill(fill as Fill, this.ledger, inst?.tickSizePaise ?? 5, this.opts.atr?.(fill.symbol));
    this.portfolioDirty = true;
    this.opts.onStrategyFill?.(fill.strategy, fill);
  }

  private onOrder(order: Readonly<Order>): void {
    const terminal = isTerminalStatus(order.status);
    if (terminal) {
      const st = this.chargeState.get(order.orderId);
      if (st !== undefined) {
        this.chargeState.delete(order.orderId);
        this.keepDoneCharges(order.orderId, st.charged);
      }
    }
    if (terminal && order.source === 'exit' && this.ledger.positionQty(order.symbol, order.strategy) !== 0 && order.filledQty < order.qty) {
      this.exits.release(order.strategy, order.symbol);
    }
    const fan = this.orderFan;
    if (fan.length === 0) return;
    const wants = this.orderWanted;
    let dto: OrderDto | undefined;
    for (let i = 0; i < fan.length; i++) {
      const wanted = wants[i];
      if (wanted !== undefined && !wanted()) continue;
      // (a listener removed by an earlier one of this update is not called)
      const l = fan[i]!;
      if (i > 0 && !this.orderListeners.has(l)) continue;
      l((dto ??= this.orderDto(order)));
    }
  }

  private onDecision(d: RiskDecision, req: OrderRequest | undefined, at: number): void {
    if (d.action === 'ALLOW' && !this.recordAllowed) return;
    // the record is fresh: normalise its side in place rather than copying it (hot path)
    const rec = decisionRecord(d, req, at);
    const side: OrderSide = rec.side === 'SELL' ? 'SELL' : 'BUY';
    rec.side = side;
    const dto = this.store.decision(rec as Omit<RiskDecisionDto, 'id'>);
    this.lastDecision = dto;
    if (d.action === 'HALT_SESSION') {
      this.log('error', 'risk halted the session', { rule: d.rule, message: d.message });
      const r = this.oms.cancelAll((o) => o.source === 'strategy' || o.source === 'manual');
      if (r.requested.length > 0) this.log('warn', 'open entry orders cancelled on halt', { count: r.requested.length });
    }
    for (const l of this.decisionListeners) l(dto);
  }

  private decisionDto(d: RiskDecision, req: OrderRequest): RiskDecisionDto {
    const rec = decisionRecord(d, req, this.clock.now());
    return { id: 0, ...rec, side: req.side, ...(rec.rule !== undefined ? { rule: rec.rule } : {}) };
  }

  /** This fill's charges: the order's charges after it minus before it (caps and rounding stay per order). */
  private chargeFill(fill: Readonly<Fill>, order: Readonly<Order>): ChargesBreakdownDto {
    const inst = this.instruments.get(fill.symbol);
    let day = this.dayOf(fill.tsEvent);
    let st = this.chargeState.get(fill.orderId);
    // an order its first fill finishes (a market order filled at once) never enters chargeState: its
    // charges go straight to the finished orders' (keepDoneCharges below), as onOrder would move them
    let done = false;
    if (st === undefined) {
      st = { qty: 0, valuePaise: 0, charged: { ...ZERO_CHARGES }, day };
      if (isTerminalStatus(order.status)) done = true;
      else this.chargeState.set(fill.orderId, st);
    }
    if (day < CHARGES_SCHEDULE_START) {
      if (!this.chargeWarned) this.log('warn', 'fills before the charges schedule starts are charged at its first rates', { day, start: CHARGES_SCHEDULE_START });
      this.chargeWarned = true;
      day = CHARGES_SCHEDULE_START as IsoDay;
    }
    const exchange = inst?.exchange === 'BSE' || inst?.exchange === 'BFO' ? 'BSE' : 'NSE';
    const segment = segmentOf(inst?.kind ?? 'equity', order.product);
    // DP charges: once per scrip per day on a delivery sell (only that case needs the key)
    const dpKey = segment === 'equity-delivery' && fill.side === 'SELL' ? `${day}|${fill.symbol}` : '';
    const dpAlready = dpKey !== '' && this.dpCharged.has(dpKey) && !(st.charged.dpPaise > 0);
    const after = orderCharges({
      segment,
      exchange,
      side: fill.side,
      qty: st.qty + fill.qty,
      valuePaise: st.valuePaise + fill.qty * fill.pricePaise,
      date: day,
      dpAlreadyCharged: dpAlready,
    });
    // the delta is computed into `after` (a fresh object orderCharges made for us), the order's running
    // total is updated in place: one allocation per fill
    const delta = after as ChargesBreakdown;
    const charged = st.charged;
    // explicit fields (a keyed loop over the components is several times slower here)
    const brokerage = nonNeg(delta.brokeragePaise - charged.brokeragePaise);
    const stt = nonNeg(delta.sttPaise - charged.sttPaise);
    const txn = nonNeg(delta.exchangeTxnPaise - charged.exchangeTxnPaise);
    const sebi = nonNeg(delta.sebiPaise - charged.sebiPaise);
    const stamp = nonNeg(delta.stampDutyPaise - charged.stampDutyPaise);
    const gst = nonNeg(delta.gstPaise - charged.gstPaise);
    const dp = nonNeg(delta.dpPaise - charged.dpPaise);
    delta.brokeragePaise = brokerage;
    delta.sttPaise = stt;
    delta.exchangeTxnPaise = txn;
    delta.sebiPaise = sebi;
    delta.stampDutyPaise = stamp;
    delta.gstPaise = gst;
    delta.dpPaise = dp;
    charged.brokeragePaise += brokerage;
    charged.sttPaise += stt;
    charged.exchangeTxnPaise += txn;
    charged.sebiPaise += sebi;
    charged.stampDutyPaise += stamp;
    charged.gstPaise += gst;
    charged.dpPaise += dp;
    const total = brokerage + stt + txn + sebi + stamp + gst + dp;
    delta.totalPaise = total;
    charged.totalPaise += total;
    st.qty += fill.qty;
    st.valuePaise += fill.qty * fill.pricePaise;
    st.day = day;
    if (dpKey !== '' && charged.dpPaise > 0) this.dpCharged.add(dpKey);
    if (done) this.keepDoneCharges(fill.orderId, charged);
    return delta;
  }

  /** A finished order's charges, for orderCharges() (the newest 20,000–40,000 orders; older ones from the journal's fills). */
  private keepDoneCharges(orderId: string, charged: ChargesBreakdownDto): void {
    if (!this.cacheOrderCharges) return;
    if (this.doneCharges.size >= 20_000) {
      this.doneChargesOld = this.doneCharges;
      this.doneCharges = new Map();
    }
    this.doneCharges.set(orderId, charged);
  }

  /** Rebuilds an order's charge state from a journalled fill (restart). */
  private addOrderCharges(f: JournalFill): void {
    const st = this.chargeState.get(f.orderId);
    const day = this.dayOf(f.tsEvent);
    this.chargeState.set(f.orderId, {
      qty: (st?.qty ?? 0) + f.qty,
      valuePaise: (st?.valuePaise ?? 0) + f.qty * f.pricePaise,
      charged: addCharges(st?.charged ?? ZERO_CHARGES, f.charges),
      day,
    });
    if (f.charges.dpPaise > 0) this.dpCharged.add(`${day}|${f.symbol}`);
  }

  private rememberFill(f: JournalFill): void {
    this.lastProduct.set(`${f.strategy}|${f.symbol}`, f.product);
    const t = this.chargesTotal;
    const c = f.charges;
    t.brokeragePaise += c.brokeragePaise;
    t.sttPaise += c.sttPaise;
    t.exchangeTxnPaise += c.exchangeTxnPaise;
    t.sebiPaise += c.sebiPaise;
    t.stampDutyPaise += c.stampDutyPaise;
    t.gstPaise += c.gstPaise;
    t.dpPaise += c.dpPaise;
    t.totalPaise += c.totalPaise;
    this.recentFills.push(f);
    if (this.recentFills.length > 10_000) this.recentFills.splice(0, this.recentFills.length - 5000);
  }

  /** A simulated order that was still working when the process ended: cancelled, with the reason, in the journal. */
  private cancelLostOrder(r: StoredOrder): StoredOrder {
    const o = r.order;
    const cancelled: Order = {
      ...o,
      status: 'CANCELLED',
      statusMessage: 'the simulated broker restarted; this working order was not carried over',
      cancelledQty: o.cancelledQty + o.pendingQty,
      pendingQty: 0,
      tsUpdate: Math.max(o.tsUpdate, this.clock.now()),
    };
    this.store.orderChanged(cancelled, 'reconciled', r.broker);
    this.log('info', 'simulated order cancelled on restart', { orderId: o.orderId, was: o.status });
    return { order: cancelled, broker: r.broker };
  }

  private riskStateStore(): RiskStateStore {
    return {
      load: () => {
        try {
          return this.store.loadMeta<RiskState>('risk.state');
        } catch (e) {
          // fail closed: an unreadable risk state may have held a kill switch
          const message = `risk state unreadable (${(e as Error).message}); kill switch engaged until a person releases it`;
          this.log('error', message);
          return { halted: false, killSwitch: true, killReason: message, killedAt: this.clock.now() };
        }
      },
      save: (s) => this.store.saveMeta('risk.state', s),
    };
  }

  private emitRisk(): void {
    if (this.riskListeners.size === 0) return;
    const s = this.riskStatus();
    for (const l of this.riskListeners) l(s);
  }

  private orderDto(o: Readonly<Order>): OrderDto {
    return {
      orderId: o.orderId,
      clientId: o.clientId,
      symbol: o.symbol,
      exchange: o.exchange,
      side: o.side,
      qty: o.qty,
      orderType: o.orderType,
      product: o.product,
      validity: o.validity,
      variety: o.variety,
      ...(o.pricePaise !== undefined ? { pricePaise: o.pricePaise } : {}),
      ...(o.triggerPaise !== undefined ? { triggerPaise: o.triggerPaise } : {}),
      strategy: o.strategy,
      source: o.source,
      status: o.status,
      ...(o.statusMessage !== undefined ? { statusMessage: o.statusMessage } : {}),
      filledQty: o.filledQty,
      pendingQty: o.pendingQty,
      cancelledQty: o.cancelledQty,
      avgPricePaise: o.filledQty > 0 ? Math.round(o.filledValuePaise / o.filledQty) : 0,
      broker: this.router.brokerOf(o.orderId) ?? this.router.kind,
      tsInit: o.tsInit,
      tsUpdate: o.tsUpdate,
    };
  }

  /** The product of the last fill of (strategy, symbol): what a square-off closes. */
  private productOf(symbol: string, strategy: string): Product {
    return this.lastProduct.get(`${strategy}|${symbol}`) ?? this.config.product;
  }

  private requireOrder(orderId: string): Order {
    const o = this.oms.get(orderId);
    if (!o) throw new RpcError(ErrorCode.NOT_FOUND, `unknown order: ${orderId}`, { orderId });
    return o;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof OrderActionError || e instanceof BrokerError) throw new RpcError(ErrorCode.CONFLICT, e.message);
      if (e instanceof OrderRequestError) throw new RpcError(ErrorCode.INVALID_INPUT, e.message);
      throw e;
    }
  }
}
