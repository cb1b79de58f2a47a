/**
 * Modes and the switch (issue 11): the kernel's one place that decides whether orders go to the paper,
 * shadow or live (Kite) broker.
 *
 * One journal scope and one ledger per mode. Each mode has its own TradingService, built from that
 * mode's journal (orders, fills, decisions: TradingRepo per mode) when the engine switches to it, so
 * paper positions are never Kite positions and strategies see the positions of the active mode. The
 * halt, the kill switch and the mode state live in the shared `meta` and apply to every mode.
 * `trading` is a stable facade over the active service: handlers and the kernel call it, and its
 * listeners (orders, portfolio, decisions, risk) follow the switch.
 *
 * Going live: a Kite session, the preflight (token valid, margins readable, instrument master loaded,
 * reconciliation clean, risk not halted, kill switch off) and `confirm: 'LIVE'`. The preflight is
 * recovery: the live service is rebuilt from the live journal, every order without a known outcome is
 * looked up at Kite by its tag (never resent), then net positions are compared; only then can anything
 * trade. Every preflight and every switch (or refusal) is journalled (`meta` key `mode.journal`).
 *
 * Live is never the default and never restored: after a restart the engine comes back in the mode it
 * went live from (paper or shadow) and `liveWasOn` says so until the next switch.
 *
 * While live: a reconciliation round every `reconcileMs` and on every ticker reconnect (live-reconcile.ts);
 * each round hands the positions at Kite that the app did not make (external) to the live risk engine,
 * which counts them in its gross exposure cap (risk rule max_exposure);
 * a round that cannot read Kite, an untracked order with our tag or a mismatch beyond the tolerance halts
 * live trading (risk halt, with the reason). Kite's static-IP rejection halts at once, with its fix, and is
 * never retried. The Kite session ending takes the engine back to the mode it went live from.
 */
import type { KiteSessionStatus } from '../contract/schemas.js';
import {
  LIVE_CONFIRMATION,
  type LiveSummary,
  type ModeEvent,
  type ModeSetResult,
  type ModeState,
  type Preflight,
  type PreflightCheck,
  type LiveSlippage,
  type Reconciliation,
  type TradingModeName,
} from '../contract/mode-schemas.js';
import type { OrderDto, PortfolioDto, RiskDecisionDto, RiskStatus } from '../contract/trading-schemas.js';
import { KiteLiveBroker, type KiteLiveBrokerOptions, type KiteRestPort } from '../adapters/kite/live-broker.js';
import { redact } from '../adapters/kite/errors.js';
import type { KiteMargins, KitePositions } from '../adapters/kite/rest-types.js';
import { systemClock, type Clock } from '../core/clock.js';
import { istDay } from '../core/nse-calendar.js';
import { OUTCOME_UNKNOWN, type Broker, type BrokerOrderUpdate, type OrderModify } from '../execution/broker.js';
import { aggregateSlippage, modelQuote, slippageRow, type ModelQuote } from '../execution/slippage.js';
import type { DepthSnapshot } from '../model/depth.js';
import { isTerminal, type Order, type OrderStatus } from '../model/order.js';
import type { JournalFill, OrderJournal, StoredOrder } from '../persistence/trading-repo.js';
import { compareWithKite, externalPositionsOf, settlingKeys, verdictOf, type OurOrderState, type ReconcileComparison } from './live-reconcile.js';
import type { LogFn } from './logger.js';
import { MemoryTradingStore, type TradingService, type TradingStore } from './trading.js';

/** What live trading needs of Kite's REST client (KiteRest satisfies it). */
export interface LiveRestPort extends KiteRestPort {
  profile(): Promise<{ userId: string }>;
  margins(): Promise<KiteMargins>;
  positions(): Promise<KitePositions>;
}

/** The Kite session as the controller reads it (KiteSessionManager satisfies it). */
export interface LiveSessionSource {
  status(): KiteSessionStatus;
  onChange(listener: (s: KiteSessionStatus) => void): () => void;
}

export interface LiveModeConfig {
  /** A reconciliation round every this many ms while live (default 5000). */
  reconcileMs?: number;
  /** A net-position difference up to this many units is an alarm only (default 0). */
  toleranceQty?: number;
  /** A difference beyond the tolerance halts when seen in this many rounds in a row (default 2). */
  haltAfterRounds?: number;
  /** Start-up lookups of an order without a known outcome (default 3, 1 s apart). */
  lookupAttempts?: number;
  lookupIntervalMs?: number;
}

export interface ModeControllerOptions {
  /** The run profile's mode: where a fresh engine starts. */
  initialMode: 'paper' | 'shadow';
  /** Each mode's journal scope; their `meta` is one. */
  storeFor: (mode: TradingModeName) => TradingStore;
  /** Builds a mode's trading service from its store (the kernel's options; a live broker for live). */
  makeService: (mode: TradingModeName, store: TradingStore, liveBroker?: Broker) => TradingService;
  /** Feed time (order timestamps). */
  clock: Clock;
  /** Wall time (journal and reconciliation timestamps). */
  wall?: Clock;
  session?: LiveSessionSource;
  /** The active session's REST client (undefined without one). */
  rest?: () => LiveRestPort | undefined;
  /** The Kite instrument master: loaded? and why not. */
  instruments: () => { ok: boolean; reason: string };
  /** The current trading day (IST). */
  today: () => string;
  /** Enabled strategy instances (what the live confirmation lists). */
  strategies: () => { id: string; type: string; symbols: string[] }[];
  config?: LiveModeConfig;
  log?: LogFn;
  /** Gives a service the market as it stands (last prices, depth) before it becomes the active one. */
  prime?: (svc: TradingService) => void;
  /** Builds the Kite live broker (tests pass options through). */
  createBroker?: (opts: KiteLiveBrokerOptions) => KiteLiveBroker;
  /**
   * The market as the kernel sees it (last price, latest depth, tick size): the paper model of each live
   * order at send time (the slippage report). Without it no model is recorded.
   */
  market?: {
    lastPaise(symbol: string): number | undefined;
    depth(symbol: string): Readonly<DepthSnapshot> | undefined;
    tickPaise(symbol: string): number | undefined;
  };
}

/** A store that journals the live orders' paper models (TradingRepo); others keep them in memory. */
interface SlippageStore {
  slippageModel(m: Readonly<ModelQuote>): void;
  slippageModels(sinceMs?: number): ModelQuote[];
}
const hasSlippage = (s: TradingStore): s is TradingStore & SlippageStore =>
  typeof (s as Partial<SlippageStore>).slippageModel === 'function' && typeof (s as Partial<SlippageStore>).slippageModels === 'function';
/** The models of memory stores, per store (an engine restarted on the same memory store finds them). */
const memoryModels = new WeakMap<TradingStore, ModelQuote[]>();

interface SavedMode {
  mode: TradingModeName;
  since: number;
  /** The mode live was entered from. */
  from?: 'paper' | 'shadow';
}

interface LiveParts {
  svc: TradingService;
  broker: KernelLiveBroker;
  kite: KiteLiveBroker;
  rest: LiveRestPort;
  store: TradingStore;
}

const PRE_ACK: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING']);
const STATIC_IP = /static ip|registered (static )?ip|allowed only from|ip (address )?(is )?not (registered|whitelisted|allowed)/i;
export const STATIC_IP_FIX =
  'Kite refused the order: it came from an IP address that is not registered for this app. Since 2026-04-01 Kite accepts orders only from the static IP registered in the Kite developer console (developers.kite.trade → your app → IP whitelist; 1 primary + 1 secondary, changeable once a week). Register this machine\'s public IP there, then resume. Live trading is halted; the order was not retried.';
const JOURNAL_KEY = 'mode.journal';
const JOURNAL_CAP = 500;
const rupees = (p: number) => `₹${(p / 100).toLocaleString('en-IN', { maximumFractionDigits: 2 })}`;

/**
 * The live broker as the router sees it: KiteLiveBroker, plus the kernel's start-up verdict on an
 * order that never reached Kite (journalled, not found by its tag after every check): REJECTED.
 */
export class KernelLiveBroker implements Broker {
  readonly kind = 'live' as const;
  private listeners: ((u: BrokerOrderUpdate) => void)[] = [];
  /** Sees each order just before it is sent (the paper model of the slippage report); never stops the send. */
  onSend: ((order: Readonly<Order>) => void) | undefined;
  constructor(readonly kite: KiteLiveBroker) {
    kite.onUpdate((u) => this.emit(u));
  }
  place(order: Readonly<Order>): void {
    try {
      this.onSend?.(order);
    } catch {
      // the report is not worth an order
    }
    this.kite.place(order);
  }
  modify(orderId: string, changes: OrderModify): void {
    this.kite.modify(orderId, changes);
  }
  cancel(orderId: string): void {
    this.kite.cancel(orderId);
  }
  onUpdate(listener: (u: BrokerOrderUpdate) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
  /** An update decided by the kernel (the start-up "never placed" verdict). */
  conclude(u: BrokerOrderUpdate): void {
    this.emit(u);
  }
  private emit(u: BrokerOrderUpdate): void {
    for (const l of this.listeners) l(u);
  }
}

/** Stores that share one `meta` (the risk state and the mode state are the engine's, not a mode's). */
class SharedMetaStore implements TradingStore {
  constructor(
    private readonly inner: TradingStore,
    private readonly metaOf: TradingStore,
  ) {}
  orderChanged(...a: Parameters<TradingStore['orderChanged']>): void {
    this.inner.orderChanged(...a);
  }
  fill(f: Readonly<JournalFill>): void {
    this.inner.fill(f);
  }
  atomically(fn: () => void): void {
    if (this.inner.atomically) this.inner.atomically(fn);
    else fn();
  }
  orders(sinceMs?: number): StoredOrder[] {
    return this.inner.orders(sinceMs);
  }
  fills(): JournalFill[] {
    return this.inner.fills();
  }
  orderJournal(orderId: string): OrderJournal | undefined {
    return this.inner.orderJournal?.(orderId);
  }
  decision(d: Omit<RiskDecisionDto, 'id'>): RiskDecisionDto {
    return this.inner.decision(d);
  }
  recentDecisions(limit: number): RiskDecisionDto[] {
    return this.inner.recentDecisions(limit);
  }
  loadMeta<T>(key: string): T | undefined {
    return this.metaOf.loadMeta<T>(key);
  }
  saveMeta(key: string, value: unknown): void {
    this.metaOf.saveMeta(key, value);
  }
}

const families = new WeakMap<TradingStore, Map<TradingModeName, TradingStore>>();

/**
 * Each mode's store from the kernel's one store: a store with `forMode` (TradingRepo: the same SQLite
 * database, another mode's rows) or, in memory, siblings that share its meta.
 */
export function modeStores(initial: TradingStore | undefined, initialMode: TradingModeName): (mode: TradingModeName) => TradingStore {
  const base = initial ?? new MemoryTradingStore();
  // one family per base store, so an engine restarted on the same memory store finds its other modes
  let cache = families.get(base);
  if (cache === undefined) families.set(base, (cache = new Map()));
  if (!cache.has(initialMode)) cache.set(initialMode, base);
  const family = cache;
  const withForMode = base as TradingStore & { forMode?: (m: TradingModeName) => TradingStore };
  return (mode) => {
    let s = family.get(mode);
    if (s === undefined) {
      s = typeof withForMode.forMode === 'function' ? withForMode.forMode(mode) : new SharedMetaStore(new MemoryTradingStore(), base);
      family.set(mode, s);
    }
    return s;
  };
}

function errText(e: unknown): string {
  return redact(e instanceof Error ? e.message : String(e)).slice(0, 300);
}

export class ModeController {
  /** The active mode's trading service behind a stable face (listeners follow the switch). */
  readonly trading: TradingService;
  private readonly o: ModeControllerOptions;
  private readonly log: LogFn;
  private readonly wall: Clock;
  private readonly cfg: Required<LiveModeConfig>;
  private active: TradingService;
  private modeNow: TradingModeName;
  private since: number;
  private liveFrom: 'paper' | 'shadow' = 'paper';
  private liveWasOn: { since: number; note: string } | undefined;
  private lastPreflight: Preflight | undefined;
  private alarm: string | undefined;
  private live: LiveParts | undefined;
  private rec: Reconciliation = { state: 'idle', rounds: 0, mismatches: [], externalOrders: [], unresolved: [] };
  private rounds = 0;
  private readonly streaks = new Map<string, number>();
  private roundRunning: Promise<Reconciliation> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  private tradingOn = true;
  private disposed = false;
  private readonly orderL = new Set<(o: OrderDto) => void>();
  private readonly portfolioL = new Set<(p: PortfolioDto) => void>();
  private readonly decisionL = new Set<(d: RiskDecisionDto) => void>();
  private readonly riskL = new Set<(s: RiskStatus) => void>();
  private readonly changeL = new Set<(s: ModeState) => void>();
  private readonly unsubSession: (() => void) | undefined;
  private readonly meta: TradingStore;

  constructor(opts: ModeControllerOptions) {
    this.o = opts;
    this.log = opts.log ?? (() => {});
    this.wall = opts.wall ?? systemClock;
    const c = opts.config ?? {};
    this.cfg = {
      reconcileMs: c.reconcileMs ?? 5000,
      toleranceQty: c.toleranceQty ?? 0,
      haltAfterRounds: c.haltAfterRounds ?? 2,
      lookupAttempts: c.lookupAttempts ?? 3,
      lookupIntervalMs: c.lookupIntervalMs ?? 1000,
    };
    this.meta = opts.storeFor(opts.initialMode);
    let saved: SavedMode | undefined;
    try {
      saved = this.meta.loadMeta<SavedMode>('mode.state');
    } catch (e) {
      this.log('error', 'mode state unreadable; starting in paper', { error: errText(e) });
    }
    let mode: TradingModeName = saved?.mode === 'paper' || saved?.mode === 'shadow' || saved?.mode === 'live' ? saved.mode : opts.initialMode;
    this.since = this.wall.now();
    if (mode === 'live') {
      // never restored: back to the mode live was entered from, and say so
      const back = saved?.from ?? 'paper';
      const note = `live trading was on before the restart (since ${new Date(saved!.since).toISOString()}); the engine came back in ${back}: confirm LIVE again to resume`;
      this.liveWasOn = { since: saved!.since, note };
      mode = back;
      this.saveMode({ mode, since: this.since });
      this.journal({ kind: 'restart', from: 'live', to: mode, message: note });
      this.log('warn', 'live was on before the restart; starting in ' + mode);
    }
    this.modeNow = mode;
    this.active = this.build(mode);
    // the start's service is the active one: it trades (a feed's backfill pauses it for its history);
    // without this a feed with no backfill (backfillMinutes: 0) never traded an intent
    this.active.setTrading(this.tradingOn);
    this.trading = this.facade();
    this.unsubSession = opts.session?.onChange((s) => this.onSession(s));
  }

  get mode(): TradingModeName {
    return this.modeNow;
  }

  /** The active mode's service itself (the kernel's hot path: no facade, no bound call per tick). */
  get current(): TradingService {
    return this.active;
  }

  state(): ModeState {
    const s = this.o.session?.status();
    return {
      mode: this.modeNow,
      liveAvailable: s?.state === 'active' && this.o.rest?.() !== undefined,
      ...(this.liveWasOn ? { liveWasOn: { ...this.liveWasOn } } : {}),
      since: this.since,
      ...(this.lastPreflight ? { preflight: this.lastPreflight } : {}),
      reconciliation: this.rec,
      ...(this.alarm !== undefined ? { alarm: this.alarm } : {}),
    };
  }

  onChange(l: (s: ModeState) => void): () => void {
    this.changeL.add(l);
    return () => this.changeL.delete(l);
  }

  history(limit: number): ModeEvent[] {
    return this.readJournal().slice(-limit).reverse();
  }

  /** Switches modes (see the file comment). Never throws for a refusal: the answer says why. */
  async set(mode: TradingModeName, confirm?: string): Promise<ModeSetResult> {
    if (this.busy) return { ok: false, refused: 'busy', message: 'a mode switch or preflight is already running', state: this.state() };
    this.busy = true;
    try {
      return await this.doSet(mode, confirm);
    } finally {
      this.busy = false;
    }
  }

  /** What the live confirmation shows; runs (and journals) the preflight, switches nothing. */
  async liveSummary(): Promise<LiveSummary> {
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    this.busy = true;
    try {
      const pf = await this.preflight();
      if (pf.parts) await this.discard(pf.parts);
      const svc = this.active;
      const rs = svc.riskStatus();
      return {
        preflight: pf.preflight,
        ...(pf.userId !== undefined ? { userId: pf.userId } : {}),
        ...(pf.fundsPaise !== undefined ? { fundsPaise: pf.fundsPaise } : {}),
        risk: {
          dailyLossLimitPaise: Math.abs(rs.dailyLossLimitPaise),
          drawdownLimitPaise: rs.drawdownLimitPaise,
          maxOpenPositions: rs.maxOpenPositions,
          maxOrderValuePaise: svc.config.risk.maxOrderValuePaise,
          capitalPaise: svc.config.capital * 100,
        },
        strategies: this.o.strategies(),
        autoTrade: svc.config.autoTrade,
        staticIpNote:
          'Kite accepts orders only from the static IP registered for your app in the Kite developer console (since 2026-04-01). An order from another IP is rejected: KiteDesk then halts live trading and shows the fix; it never retries.',
      };
    } finally {
      this.busy = false;
    }
  }

  /**
   * The live slippage report from the live journal (whatever the mode): each live order's paper model at
   * send time paired with its real fills, newest first, and the sums per strategy (execution/slippage.ts).
   */
  slippage(opts: { sinceMs?: number | undefined; limit?: number | undefined } = {}): LiveSlippage {
    const store = this.o.storeFor('live');
    const since = opts.sinceMs ?? 0;
    const models = hasSlippage(store) ? store.slippageModels(since) : (memoryModels.get(store) ?? []).filter((m) => m.ts >= since);
    const byOrder = new Map<string, { orderId: string; qty: number; pricePaise: number }[]>();
    for (const f of store.fills()) {
      let l = byOrder.get(f.orderId);
      if (l === undefined) byOrder.set(f.orderId, (l = []));
      l.push({ orderId: f.orderId, qty: f.qty, pricePaise: f.pricePaise });
    }
    const rows = models.map((m) => slippageRow(m, byOrder.get(m.orderId) ?? []));
    const strategies = aggregateSlippage(rows);
    const newest = rows.reverse().slice(0, opts.limit ?? 200);
    return { orders: newest, strategies };
  }

  /** The paper model of a live order at the moment it is sent, journalled in the live store. */
  private recordModel(store: TradingStore, svc: TradingService, order: Readonly<Order>): void {
    const mk = this.o.market;
    if (mk === undefined) return;
    const m = modelQuote(
      { orderId: order.orderId, clientId: order.clientId, strategy: order.strategy, symbol: order.symbol, side: order.side, orderType: order.orderType, qty: order.qty, pricePaise: order.pricePaise, triggerPaise: order.triggerPaise },
      {
        lastPaise: mk.lastPaise(order.symbol),
        depth: mk.depth(order.symbol),
        tickPaise: mk.tickPaise(order.symbol) ?? 5,
        now: Math.round(this.o.clock.now()),
        slippage: svc.config.paper.slippage,
        protectionPct: svc.config.paper.protectionPct,
      },
    );
    try {
      if (hasSlippage(store)) store.slippageModel(m);
      else {
        let l = memoryModels.get(store);
        if (l === undefined) memoryModels.set(store, (l = []));
        if (!l.some((x) => x.orderId === m.orderId)) l.push(m);
        if (l.length > 20_000) l.splice(0, l.length - 10_000);
      }
    } catch (e) {
      this.log('warn', 'live slippage model not journalled', { orderId: order.orderId, error: errText(e) });
    }
  }

  /** One reconciliation round now (live only; otherwise the idle state). */
  reconcileNow(): Promise<Reconciliation> {
    return this.liveRound();
  }

  /** A Kite order message from the ticker. */
  onKiteOrderUpdate(data: unknown): void {
    this.live?.kite.onKiteOrderUpdate(data);
  }

  /** The ticker reconnected: order messages may have been missed. */
  onTickerReconnect(): void {
    if (this.live) void this.liveRound();
  }

  /** The kernel's start/stop of strategy trading (backfill): kept across switches. */
  setTrading(on: boolean): void {
    this.tradingOn = on;
    this.active.setTrading(on);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.unsubSession?.();
    this.stopTimer();
    const l = this.live;
    this.live = undefined;
    if (l) await l.kite.close();
  }

  // ---------------------------------------------------------------------------------------------

  private async doSet(mode: TradingModeName, confirm: string | undefined): Promise<ModeSetResult> {
    const from = this.modeNow;
    if (mode === from) return { ok: true, message: `already in ${mode}`, state: this.state() };
    if (mode !== 'live') {
      const wasLive = from === 'live';
      this.switchTo(mode, this.build(mode));
      const message = wasLive
        ? `back to ${mode}: nothing more is sent to Kite; live orders and positions stay at Kite as they are (the live journal keeps them for the next live session)`
        : `switched to ${mode}`;
      this.journal({ kind: 'switch', from, to: mode, message });
      return { ok: true, message, state: this.state() };
    }
    const pf = await this.preflight();
    const refuse = (refused: 'confirm' | 'session' | 'preflight', message: string): ModeSetResult => {
      this.journal({ kind: 'refused', from, to: 'live', message, preflight: pf.preflight });
      this.log('warn', 'live refused', { refused, message });
      return { ok: false, refused, message, preflight: pf.preflight, state: this.state() };
    };
    if (confirm !== LIVE_CONFIRMATION) {
      if (pf.parts) await this.discard(pf.parts);
      return refuse('confirm', `going live places real orders at Kite: confirm by typing ${LIVE_CONFIRMATION}`);
    }
    if (!pf.preflight.ok || pf.parts === undefined) {
      if (pf.parts) await this.discard(pf.parts);
      const failed = pf.preflight.checks.filter((c) => !c.ok);
      const noSession = failed.some((c) => c.id === 'session');
      return refuse(noSession ? 'session' : 'preflight', `live preflight failed: ${failed.map((c) => `${c.id}: ${c.reason}`).join('; ')}`);
    }
    this.liveFrom = from === 'shadow' ? 'shadow' : 'paper';
    this.switchTo('live', pf.parts.svc, pf.parts);
    const message = `LIVE: orders now go to Kite (user ${pf.userId ?? '?'})`;
    this.journal({ kind: 'switch', from, to: 'live', message, preflight: pf.preflight });
    this.log('warn', 'live trading on', { user: pf.userId ?? '' });
    return { ok: true, message, preflight: pf.preflight, state: this.state() };
  }

  private build(mode: TradingModeName, broker?: Broker): TradingService {
    const svc = this.o.makeService(mode, this.o.storeFor(mode), broker);
    svc.setTrading(false); // until it is the active one
    svc.onOrderChanged(
      (o) => {
        if (svc !== this.active) return;
        for (const l of this.orderL) l(o);
        if (mode === 'live' && o.status === 'REJECTED' && o.statusMessage !== undefined && STATIC_IP.test(o.statusMessage)) this.haltLive(STATIC_IP_FIX, 'static-ip');
      },
      // the DTO is built only for a live service or when someone listens to the active one (not per order event of a backtest)
      () => mode === 'live' || (svc === this.active && this.orderL.size > 0),
    );
    svc.onPortfolio((p) => {
      if (svc === this.active) for (const l of this.portfolioL) l(p);
    });
    svc.onDecided((d) => {
      if (svc === this.active) for (const l of this.decisionL) l(d);
    });
    svc.onRiskStatus((s) => {
      if (svc === this.active) for (const l of this.riskL) l(s);
    });
    return svc;
  }

  private switchTo(mode: TradingModeName, svc: TradingService, parts?: LiveParts): void {
    const old = this.active;
    old.setTrading(false);
    if (this.modeNow !== 'live') {
      // simulated working orders do not follow to another mode (the journal records them cancelled)
      try {
        old.oms.cancelAll();
      } catch (e) {
        this.log('warn', 'simulated orders not cancelled on the switch', { error: errText(e) });
      }
    }
    if (this.live && mode !== 'live') {
      this.stopTimer();
      const l = this.live;
      this.live = undefined;
      void l.kite.close();
      this.rec = { state: 'idle', rounds: this.rounds, mismatches: [], externalOrders: [], unresolved: [], message: 'not live' };
    }
    try {
      this.o.prime?.(svc);
    } catch (e) {
      this.log('warn', 'the new mode did not get the last prices', { error: errText(e) });
    }
    this.active = svc;
    if (old !== svc) old.dispose(); // off the shared trading day: a dropped service takes no more rolls
    this.modeNow = mode;
    this.since = this.wall.now();
    this.liveWasOn = undefined;
    if (mode !== 'live') this.alarm = undefined;
    this.saveMode({ mode, since: this.since, ...(mode === 'live' ? { from: this.liveFrom } : {}) });
    if (parts) {
      this.live = parts;
      this.startTimer();
    }
    svc.setTrading(this.tradingOn);
    this.log('info', 'trading mode', { mode });
    // clients see the new mode's state at once
    const p = svc.portfolio();
    for (const l of this.portfolioL) l(p);
    const r = svc.riskStatus();
    for (const l of this.riskL) l(r);
    for (const o of svc.orders()) for (const l of this.orderL) l(o);
    this.emit();
  }

  private async preflight(): Promise<{ preflight: Preflight; parts?: LiveParts; userId?: string; fundsPaise?: number }> {
    const checks: PreflightCheck[] = [];
    const st = this.o.session?.status() ?? { state: 'none' as const };
    const rest = st.state === 'active' ? this.o.rest?.() : undefined;
    const until = st.expiresAt !== undefined ? ` until ${new Date(st.expiresAt).toISOString()}` : '';
    checks.push(
      rest !== undefined
        ? { id: 'session', ok: true, reason: `Kite session of ${st.userId ?? '?'}${until}` }
        : { id: 'session', ok: false, reason: `no active Kite session (${st.state}${st.message ? `: ${st.message}` : ''}); log in to Kite first` },
    );
    let userId: string | undefined;
    let fundsPaise: number | undefined;
    let tokenOk = false;
    if (rest) {
      try {
        userId = (await rest.profile()).userId;
        tokenOk = true;
        checks.push({ id: 'token', ok: true, reason: `Kite accepted the token (user ${userId})` });
      } catch (e) {
        checks.push({ id: 'token', ok: false, reason: `Kite refused the token or did not answer: ${errText(e)}` });
      }
      try {
        const m = await rest.margins();
        if (m.equity === undefined) checks.push({ id: 'margins', ok: false, reason: 'Kite answered without equity margins' });
        else {
          fundsPaise = m.equity.netPaise;
          checks.push({ id: 'margins', ok: true, reason: `${rupees(m.equity.netPaise)} available (equity)` });
        }
      } catch (e) {
        checks.push({ id: 'margins', ok: false, reason: `Kite's margins could not be read: ${errText(e)}` });
      }
    } else {
      checks.push({ id: 'token', ok: false, reason: 'needs a Kite session' }, { id: 'margins', ok: false, reason: 'needs a Kite session' });
    }
    const inst = this.o.instruments();
    checks.push({ id: 'instruments', ok: inst.ok, reason: inst.reason });
    let parts: LiveParts | undefined;
    if (rest && tokenOk) {
      try {
        parts = this.buildLive(rest);
        const rec = await this.startupReconcile(parts);
        checks.push({ id: 'reconciliation', ok: rec.state === 'clean', reason: rec.message ?? (rec.state === 'clean' ? 'orders, trades and net positions agree with Kite' : rec.state) });
      } catch (e) {
        checks.push({ id: 'reconciliation', ok: false, reason: `reconciliation failed: ${errText(e)}` });
      }
    } else {
      checks.push({ id: 'reconciliation', ok: false, reason: 'needs a valid Kite token' });
    }
    const rs = this.active.riskStatus();
    checks.push(rs.halted ? { id: 'risk', ok: false, reason: `risk is halted: ${rs.haltReason ?? 'no reason given'} (resume first)` } : { id: 'risk', ok: true, reason: 'risk is not halted' });
    checks.push(rs.killSwitch ? { id: 'killSwitch', ok: false, reason: `the kill switch is on: ${rs.killReason ?? ''}`.trim() } : { id: 'killSwitch', ok: true, reason: 'the kill switch is off' });
    const preflight: Preflight = { ok: checks.every((c) => c.ok), ts: this.wall.now(), checks };
    this.lastPreflight = preflight;
    this.journal({ kind: 'preflight', to: 'live', message: preflight.ok ? 'live preflight passed' : `live preflight failed: ${checks.filter((c) => !c.ok).map((c) => c.id).join(', ')}`, preflight });
    this.emit();
    return { preflight, ...(parts ? { parts } : {}), ...(userId !== undefined ? { userId } : {}), ...(fundsPaise !== undefined ? { fundsPaise } : {}) };
  }

  private buildLive(rest: LiveRestPort): LiveParts {
    const opts: KiteLiveBrokerOptions = {
      rest,
      clock: this.o.clock,
      pollMs: this.cfg.reconcileMs,
      lookupAttempts: this.cfg.lookupAttempts,
      lookupIntervalMs: this.cfg.lookupIntervalMs,
      log: (level, message, data) => this.log(level === 'debug' ? 'info' : level, `kite live: ${message}`, data),
    };
    const kite = this.o.createBroker ? this.o.createBroker(opts) : new KiteLiveBroker(opts);
    const broker = new KernelLiveBroker(kite);
    const store = this.o.storeFor('live');
    const svc = this.build('live', broker);
    broker.onSend = (order) => this.recordModel(store, svc, order);
    return { svc, broker, kite, rest, store };
  }

  private async discard(parts: LiveParts): Promise<void> {
    parts.svc.setTrading(false);
    parts.svc.dispose();
    await parts.kite.close();
  }

  /** Recovery before live: every order without a known outcome looked up by its tag, then one round. */
  private async startupReconcile(parts: LiveParts): Promise<Reconciliation> {
    const pending = parts.svc.oms.needsReconcile();
    if (pending.length > 0) {
      const rep = await parts.kite.reconcile(pending);
      for (const id of rep.aligned) parts.svc.oms.markReconciled(id);
      for (const id of rep.notFound) {
        const o = parts.svc.oms.get(id);
        if (o !== undefined && PRE_ACK.has(o.status)) {
          // journalled, never acknowledged by Kite, and not in its order book under its tag: never placed
          parts.broker.conclude({
            orderId: id,
            status: 'REJECTED',
            statusMessage: `not found at Kite by its tag ${o.clientId} after ${this.cfg.lookupAttempts} checks at start-up: concluded never placed (not resent)`,
            tsEvent: Math.round(this.o.clock.now()),
          });
          parts.svc.oms.markReconciled(id);
        }
      }
      if (rep.error !== undefined && rep.unchecked.length > 0) this.log('warn', 'start-up reconciliation could not read Kite', { error: rep.error });
    }
    return this.round(parts, true);
  }

  private liveRound(): Promise<Reconciliation> {
    const parts = this.live;
    if (!parts) return Promise.resolve(this.rec);
    this.roundRunning ??= this.round(parts, false).finally(() => {
      this.roundRunning = undefined;
    });
    return this.roundRunning;
  }

  private async round(parts: LiveParts, startup: boolean): Promise<Reconciliation> {
    const rounds = ++this.rounds;
    const fail = (message: string): Reconciliation => {
      const rec: Reconciliation = { state: 'halted', at: this.wall.now(), rounds, message, mismatches: [], externalOrders: [], unresolved: [] };
      return this.finish(parts, rec, startup, true);
    };
    let orders;
    try {
      orders = await parts.rest.orders();
    } catch (e) {
      return fail(`Kite's order book could not be read (${errText(e)}); not read as flat`);
    }
    const poll = await parts.kite.poll();
    if (poll.error !== undefined) return fail(`Kite's order book could not be read (${poll.error}); not read as flat`);
    let positions: KitePositions;
    try {
      positions = await parts.rest.positions();
      if (!Array.isArray(positions?.net)) throw new Error('the answer has no net positions');
    } catch (e) {
      return fail(`Kite's positions could not be read (${errText(e)}); not read as flat`);
    }
    const today = this.o.today();
    const comparison: ReconcileComparison = compareWithKite({
      fills: parts.store.fills().map((f) => ({ symbol: f.symbol, exchange: f.exchange, product: f.product, side: f.side, qty: f.qty, day: istDay(f.tsEvent) })),
      positions: positions.net,
      orders,
      isOurTag: (t) => parts.svc.oms.byClientId(t) !== undefined,
      today,
    });
    // positions at Kite the app did not make: never traded by strategies, counted in the exposure cap
    parts.svc.risk.setExternalPositions(externalPositionsOf(comparison, positions.net));
    // a difference where fills are still in flight heals as the updates arrive: shown, not counted toward the halt
    const state = (o: Readonly<Order>): OurOrderState => ({ clientId: o.clientId, exchange: o.exchange, symbol: o.symbol, product: o.product, filledQty: o.filledQty, terminal: isTerminal(o.status) });
    const settling = settlingKeys(
      orders,
      (t) => parts.svc.oms.byClientId(t) !== undefined,
      (t) => {
        const o = parts.svc.oms.byClientId(t);
        return o === undefined ? undefined : state(o);
      },
      parts.svc.oms.openOrders().map(state),
    );
    const seen = new Set<string>();
    for (const m of comparison.mismatches) {
      if (m.kind === 'external') continue;
      const k = `${m.exchange}:${m.symbol}|${m.product}`;
      if (settling.has(k) && !startup) continue;
      seen.add(k);
      this.streaks.set(k, (this.streaks.get(k) ?? 0) + 1);
    }
    for (const k of [...this.streaks.keys()]) if (!seen.has(k)) this.streaks.delete(k);
    const unresolved = [
      ...new Set([
        ...parts.svc.oms.needsReconcile().map((o) => o.clientId),
        ...parts.svc.oms
          .openOrders()
          .filter((o) => o.statusMessage === OUTCOME_UNKNOWN)
          .map((o) => o.clientId),
      ]),
    ];
    const v = verdictOf({
      comparison,
      unresolved,
      orphans: parts.kite.orphans(),
      streak: (m) => this.streaks.get(`${m.exchange}:${m.symbol}|${m.product}`) ?? 0,
      toleranceQty: this.cfg.toleranceQty,
      // at start-up there is no next round to heal in: any difference fails the preflight
      haltAfterRounds: startup ? 1 : this.cfg.haltAfterRounds,
    });
    const rec: Reconciliation = {
      state: startup && v.state === 'mismatch' ? 'mismatch' : v.state,
      at: this.wall.now(),
      rounds,
      ...(v.message !== undefined ? { message: v.message } : {}),
      mismatches: comparison.mismatches,
      externalOrders: comparison.externalOrders,
      unresolved,
    };
    return this.finish(parts, rec, startup, v.halt);
  }

  private finish(parts: LiveParts, rec: Reconciliation, startup: boolean, halt: boolean): Reconciliation {
    if (this.live !== parts && !startup) return rec; // left live meanwhile
    this.rec = rec;
    if (!startup) {
      if (halt) this.haltLive(`live reconciliation: ${rec.message ?? rec.state}`, 'reconciliation');
      else if (rec.state === 'mismatch' && rec.message !== undefined && this.alarm === undefined) this.log('warn', 'live reconciliation mismatch', { message: rec.message });
    }
    this.emit();
    return rec;
  }

  /** Stops live trading where it stands: risk halt (persisted), alarm, journal. Never switches or retries. */
  private haltLive(message: string, why: string): void {
    if (this.modeNow !== 'live') return;
    const rs = this.active.riskStatus();
    if (this.alarm === message && rs.halted) return;
    this.alarm = message;
    if (!rs.halted) this.active.halt(message.slice(0, 480));
    this.journal({ kind: 'halt', from: 'live', to: 'live', message });
    this.log('error', 'live trading halted', { why, message });
    this.emit();
  }

  private onSession(s: KiteSessionStatus): void {
    if (this.disposed) return;
    if (this.modeNow === 'live' && s.state !== 'active') {
      const back = this.liveFrom;
      const message = `the Kite session ended (${s.state}${s.message ? `: ${s.message}` : ''}) while live: live trading stopped, back in ${back}; log in again and confirm LIVE to resume`;
      this.switchTo(back, this.build(back));
      this.alarm = message;
      this.journal({ kind: 'halt', from: 'live', to: back, message });
      this.log('error', 'live trading stopped: Kite session ended', { state: s.state });
    } else if (this.modeNow === 'live' && this.live !== undefined && this.o.rest?.() !== this.live.rest) {
      // a new login (another token, maybe another account) while live: the live broker still holds the
      // old session's client; live is confirmed for one session, so it stops and asks again
      const back = this.liveFrom;
      const message = `a new Kite session (${s.userId ?? '?'}) replaced the one live trading was confirmed for: back in ${back}; confirm LIVE again to trade live on it`;
      this.switchTo(back, this.build(back));
      this.alarm = message;
      this.journal({ kind: 'halt', from: 'live', to: back, message });
      this.log('warn', 'live trading stopped: a new Kite session');
    }
    this.emit();
  }

  private startTimer(): void {
    this.stopTimer();
    this.timer = setInterval(() => void this.liveRound(), this.cfg.reconcileMs);
    this.timer.unref?.();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private saveMode(s: SavedMode): void {
    try {
      this.meta.saveMeta('mode.state', s);
    } catch (e) {
      this.log('error', 'mode state not saved', { error: errText(e) });
    }
  }

  private readJournal(): ModeEvent[] {
    try {
      return this.meta.loadMeta<ModeEvent[]>(JOURNAL_KEY) ?? [];
    } catch {
      return [];
    }
  }

  private journal(e: Omit<ModeEvent, 'id' | 'ts'>): void {
    const list = this.readJournal();
    const ev: ModeEvent = { id: (list.at(-1)?.id ?? 0) + 1, ts: this.wall.now(), ...e };
    list.push(ev);
    try {
      this.meta.saveMeta(JOURNAL_KEY, list.slice(-JOURNAL_CAP));
    } catch (err) {
      this.log('error', 'mode journal not written', { error: errText(err) });
    }
    this.log('info', `mode: ${e.kind}`, { from: e.from ?? '', to: e.to ?? '', message: e.message });
  }

  private emit(): void {
    if (this.changeL.size === 0) return;
    const s = this.state();
    for (const l of this.changeL) l(s);
  }

  private facade(): TradingService {
    const add =
      <T>(set: Set<(v: T) => void>) =>
      (l: (v: T) => void): (() => void) => {
        set.add(l);
        return () => set.delete(l);
      };
    const own: Record<string, unknown> = {
      onOrderChanged: add(this.orderL),
      onPortfolio: add(this.portfolioL),
      onDecided: add(this.decisionL),
      onRiskStatus: add(this.riskL),
      setTrading: (on: boolean) => this.setTrading(on),
    };
    return new Proxy({} as TradingService, {
      get: (_t, p) => {
        if (typeof p === 'string' && p in own) return own[p];
        const svc = this.active;
        const v: unknown = Reflect.get(svc, p, svc);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(svc) : v;
      },
      has: (_t, p) => p in this.active,
    });
  }
}
