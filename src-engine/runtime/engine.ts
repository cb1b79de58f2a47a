import type { KiteMarginApi } from '../adapters/kite/kite-margin-gate.js';
import { PROTOCOL_VERSION } from '../contract/envelope.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import type { EngineStatus, FnoStatus, Instrument, KiteSessionStatus, Timeframe, UniverseScan, UniverseStepStatus } from '../contract/schemas.js';
import { syntheticDailyHistory } from '../adapters/sim/daily-history.js';
import type { MarketSimulator } from '../adapters/sim/market-simulator.js';
import { SimulatorFeed } from '../adapters/sim/simulator-feed.js';
import type { ContractState } from '../fno/chain.js';
import { KiteFeed } from '../adapters/kite/kite-feed.js';
import { KiteOptionChain } from './kite-option-chain.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Broker } from '../execution/broker.js';
import { TradingDay } from '../core/trading-day.js';
import { istDay, type IsoDay } from '../core/nse-calendar.js';
import { maxMode, type FeedMode, type MarketDataClient } from '../market/data-client.js';
import type { Bar } from '../indicators/indicator.js';
import { MarketData } from '../market/market-data.js';
import { NIFTY50_SEEDS } from '../model/instruments.js';
import { candlesNeeded, planPreMarket } from '../scanner/pre-market.js';
import { MemoryUniverseJournal, type UniverseJournal } from '../scanner/scanner.js';
import type { RunProfile } from './config.js';
import { candleReplayHistory, createFeed, type KiteConnectionSource } from './feeds.js';
import type { InstrumentHit } from '../contract/instrument-search.js';
import { searchInstrumentList } from '../market/instrument-search.js';
import type { Tick } from '../model/tick.js';
import { silentLog, type LogFn } from './logger.js';
import {
  MemorySignalJournal,
  MemoryStrategyStore,
  StrategyService,
  type IntentJournalPort,
  type SignalJournalPort,
  type StrategyStore,
} from './strategies.js';
import { TickRate } from './tick-rate.js';
import { TradingService, type TradingStore } from './trading.js';
import { ModeController, modeStores, type LiveModeConfig, type LiveRestPort, type ModeControllerOptions } from './live-mode.js';
import { createIndicator } from '../indicators/registry.js';
import type { Indicator } from '../indicators/indicator.js';
import { FnoPlan } from './fno-plan.js';
import { FnoKiteBinder } from './fno-kite.js';
import { FnoContractFollower } from './fno-follow.js';
import { BUILTIN_STRATEGIES } from '../strategy/builtins/index.js';
import type { StrategyDefinition } from '../strategy/strategy.js';

export const ENGINE_VERSION = '0.1.0';

/** What the engine keeps between runs; the host injects the SQLite-backed implementation. */
export interface WatchlistStore {
  get(): string[];
  set(symbols: readonly string[]): void;
}

/** The session's KiteRest as the margin gate needs it, or undefined (not logged in). */
function kiteMarginApi(kite: unknown): KiteMarginApi | undefined {
  const r = (kite as { rest?: Partial<KiteMarginApi> } | undefined)?.rest;
  return r !== undefined && typeof r.basketMargins === 'function' && typeof r.margins === 'function' ? (r as KiteMarginApi) : undefined;
}

/** What the option chain needs of a feed (options.chain; fno/chain.ts computes the rest). */
export interface OptionChainSource {
  now(): number;
  underlyings(): string[];
  expiries(underlying: string, now: number): string[];
  futures(underlying: string, now: number): { symbol: string; expiry: string }[];
  /** The index level and the listed options of the expiry with their market state (at least `strikesEachSide` around ATM). */
  load(underlying: string, expiry: string, strikesEachSide?: number): Promise<OptionChainLoad> | OptionChainLoad;
}

export interface OptionChainLoad {
  spotPaise: number | undefined;
  states: ContractState[];
}

export interface EngineDeps {
  profile: RunProfile;
  watchlist: WatchlistStore;
  log?: LogFn;
  clock?: Clock;
  /** Start feeding immediately (default true). Tests drive the simulator by hand with false. */
  autoStart?: boolean;
  /** The Kite Connect session (KiteSessionManager); its secret-free state goes into EngineStatus. */
  kite?: KiteSessionSource;
  /** Strategy instances between runs (default in memory); seeded from the profile when empty. */
  strategies?: StrategyStore;
  /** Where user strategy files live (<dataDir>/strategies), named when an instance's type is not loaded. */
  userStrategiesDir?: string;
  /** Strategy types besides the built-ins, known from the start (a backtest's user strategy files). */
  strategyDefinitions?: readonly StrategyDefinition[];
  /** The signal journal (default in memory). */
  signals?: SignalJournalPort;
  /** The ensemble's intent journal (default none). */
  intents?: IntentJournalPort;
  /** Where the day's pre-market scan is journalled (the host injects SQLite; default in memory). */
  universeJournal?: UniverseJournal;
  /**
   * Daily candles (paise) for the pre-market scan, all dated before `asOf`. Default: the simulator's
   * synthetic history (adapters/sim/daily-history.ts). A live Kite feed will fetch Kite historical
   * `day` candles here instead (not wired yet).
   */
  dailyHistory?: (symbols: readonly string[], asOf: IsoDay) => ReadonlyMap<string, readonly Bar[]>;
  /** Orders, fills, risk decisions and the risk state (the host injects SQLite; default in memory). */
  trading?: TradingStore;
  /**
   * The market-data client (tests inject one). Default: the one `profile.feed.kind` names (runtime/feeds.ts),
   * with Kite's credentials from `kite` and its caches under `dataDir`.
   */
  feed?: MarketDataClient;
  /** Where feeds keep their caches (Kite's instrument dump and historical candles); default none (memory). */
  dataDir?: string;
  /** 'backtest': the paper mode's trading service runs as the backtester's (mode 'backtest', client ids 'B…'); same pipeline. */
  tradingMode?: 'backtest';
  /**
   * The candle timeframes market data builds (MarketDataOptions.timeframes; strategies reading others are
   * refused). Default all eight (charts can ask for any); the backtester passes what its strategies read.
   */
  candleTimeframes?: readonly Timeframe[];
  /**
   * True when the profile's trading section is fixed for the engine's life (the backtester's): the
   * 1-minute ATR(14) per symbol is then kept only if that section can read it (atrReadBy). Default false:
   * kept always, as a running engine's sizing and exits may change.
   */
  fixedTradingConfig?: boolean;
  /** Live mode (runtime/live-mode.ts): reconciliation cadence and tolerance; test seams for Kite's REST and broker. */
  live?: LiveModeConfig & { rest?: () => LiveRestPort | undefined; createBroker?: ModeControllerOptions['createBroker'] };
}

/**
 * True if a trading section reads the symbols' ATR: a sizing rule in `risk_pct` mode (the stop distance),
 * or an exit rule with an ATR stop or target (`atrMultipleStop` / `atrMultipleTarget` above 0), by default
 * or for any strategy. Nothing else reads it.
 */
export function atrReadBy(trading: RunProfile['trading']): boolean {
  const sizing = [trading.sizing.default, ...Object.values(trading.sizing.strategies ?? {})];
  const exits = [trading.exits.default, ...Object.values(trading.exits.strategies ?? {})];
  return sizing.some((m) => m.mode === 'risk_pct') || exits.some((e) => e.atrMultipleStop > 0 || e.atrMultipleTarget > 0);
}

/** What the kernel reads of the Kite session: state for the status; the Kite feed also takes its connection. */
export interface KiteSessionSource extends Partial<KiteConnectionSource> {
  status(): KiteSessionStatus;
  onChange(listener: (s: KiteSessionStatus) => void): () => void;
}

/**
 * The kernel: the one place that decides the mode and wires the feed into market data. Today it
 * runs paper mode on the built-in simulator; live and backtest plug in here with other adapters.
 */
export class Engine {
  /** The market-data client (simulator, Kite or replay); nothing below the kernel knows which. */
  readonly feed: MarketDataClient;
  readonly market: MarketData;
  readonly instruments: Instrument[];
  /** The strategy runner, its instances and journals (fed below by every closed bar, tick and clock). */
  readonly strategies: StrategyService;
  /** Sizing, risk, orders, the paper broker, the ledger and exits: intents and a person's orders become fills here (the active mode's; see modes). */
  readonly trading: TradingService;
  /** Paper / shadow / live: one trading service per mode, the live preflight, live reconciliation (runtime/live-mode.ts). */
  readonly modes: ModeController;
  /** The trading day, session phase and day roll on the feed clock (core/trading-day.ts). */
  readonly days: TradingDay;
  /** The profile's F&O legs on a feed that lists them at start (the built-in simulator's). */
  private readonly fnoPlan: FnoPlan | undefined;
  /** The profile's F&O legs on the Kite feed: resolved once the day's instrument dump is in (runtime/fno-kite.ts). */
  readonly fnoKite: FnoKiteBinder | undefined;
  /** On the simulator: `on: contract` F&O instances follow the plan's re-resolution (fno-follow.ts; the Kite binder has its own). */
  private readonly fnoFollow: FnoContractFollower | undefined;
  /** ATR(14) of 1-minute bars per symbol, paise (sizing and ATR exits). */
  private readonly atr = new Map<string, Indicator>();
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private readonly instrumentSet: Set<string>;
  private readonly log: LogFn;
  private readonly clock: Clock;
  private readonly tickRate: TickRate;
  /** False in a backtest: live-only per-tick work (tick-rate stats) is skipped. */
  private readonly live: boolean;
  private readonly startedAt: number;
  private state: EngineStatus['state'] = 'starting';
  private watchlistCache: string[];
  private readonly watchlistListeners = new Set<(symbols: string[]) => void>();
  private readonly statusListeners = new Set<(s: EngineStatus) => void>();
  private statusTimer: ReturnType<typeof setInterval> | undefined;
  private connections = 0;
  private badTicks = 0;
  private backfilling = false;
  private readonly unsubscribeKite: (() => void) | undefined;
  private universeScan!: UniverseScan;
  private feedDailyAsked = false;
  /** Symbols added at run time whose history is loading: their live ticks wait here (then follow it). */
  private readonly backfillPending = new Map<string, Tick[]>();

  constructor(private readonly deps: EngineDeps) {
    this.log = deps.log ?? silentLog;
    this.clock = deps.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.tickRate = new TickRate(() => this.clock.now());
    this.live = deps.tradingMode !== 'backtest';
    // The kernel picks the feed (profile feed.kind); history comes in prepare() below or, on Kite, after start.
    this.feed =
      deps.feed ??
      createFeed(deps.profile, {
        clock: this.clock,
        log: this.log,
        ...(deps.kite?.connection ? { kite: deps.kite as KiteConnectionSource } : {}),
        ...(deps.dataDir !== undefined ? { dataDir: deps.dataDir } : {}),
        watchlist: deps.watchlist.get(),
        // the live broker takes Kite's order messages and reconnects from the feed's own ticker
        onKitePool: (pool) => {
          pool.on('orderUpdate', (data) => this.modes?.onKiteOrderUpdate(data));
          pool.on('connect', (e) => {
            if (e.reconnect) this.modes?.onTickerReconnect();
          });
        },
      });
    this.instruments = [...this.feed.instruments];
    this.instrumentSet = new Set(this.instruments.map((i) => i.symbol));
    // One trading day on the feed clock: market data, the ledger, risk and the brokers roll together.
    this.days = new TradingDay({ clock: { now: () => this.feed.now() }, onError: (e, r) => this.log('error', 'day roll listener failed', { to: r.to, error: (e as Error).message }) });
    this.market = new MarketData(this.instruments, { tradingDay: this.days, ...(deps.candleTimeframes ? { timeframes: deps.candleTimeframes } : {}) });
    for (const i of this.instruments) {
      const pc = this.feed.prevClose(i.symbol);
      if (pc !== undefined && pc > 0) this.market.setPrevClose(i.symbol, pc);
    }

    // Pre-market: plan the trading day's universe (by feed time) before any strategy sees a bar.
    this.planUniverse(istDay(this.feed.now()));

    // F&O (profile fno:): the legs resolved against the feed's instruments at the underlying's last close;
    // Kite lists its contracts in the day's instrument dump, loaded after start: resolved then (fnoKite below)
    this.fnoPlan = deps.profile.fno && this.feed.kind !== 'kite' ? new FnoPlan(deps.profile.fno, this.instruments, (s) => this.feed.prevClose(s), this.feed.now(), (msg, data) => this.log('info', msg, data)) : undefined;

    // Startup is recovery: state comes from the store; the profile only seeds an empty one.
    const saved = deps.watchlist.get().filter((s) => this.instrumentSet.has(s));
    if (saved.length === 0) {
      const seed = [...new Set([...deps.profile.watchlist, ...(this.fno?.symbols() ?? [])])].filter((s) => this.instrumentSet.has(s));
      deps.watchlist.set(seed);
      this.watchlistCache = seed;
    } else {
      this.watchlistCache = saved;
    }

    // Strategies hear every closed bar (all timeframes, paise as they are), tick and feed-clock
    // second; wired before the backfill so they warm up on it.
    this.strategies = new StrategyService({
      seed: this.fno ? [...deps.profile.strategies, ...this.fno.instances()] : deps.profile.strategies,
      ensemble: deps.profile.ensemble,
      store: deps.strategies ?? new MemoryStrategyStore(),
      signals: deps.signals ?? new MemorySignalJournal(),
      ...(deps.intents ? { intents: deps.intents } : {}),
      log: this.log,
      now: () => this.feed.now(),
      knownSymbol: (s) => this.instrumentSet.has(s),
      ...(deps.userStrategiesDir !== undefined ? { userStrategiesDir: deps.userStrategiesDir } : {}),
      ...(deps.strategyDefinitions?.length ? { definitions: [...BUILTIN_STRATEGIES, ...deps.strategyDefinitions] } : {}),
      ...(deps.candleTimeframes ? { timeframes: deps.candleTimeframes } : {}),
    });
    // market data's bar-closed candles are fresh objects its listeners only read: the strategies keep them as they are
    this.market.onBarClosed((symbol, tf, candle) => this.strategies.onBarClosed(symbol, tf, candle, true));
    this.fnoKite =
      deps.profile.fno && this.feed.kind === 'kite'
        ? new FnoKiteBinder({
            profile: deps.profile.fno,
            master: () => (this.feed instanceof KiteFeed ? this.feed.master : undefined),
            now: () => this.feed.now(),
            // resolved on live prices: not during the start-up history, nor before the feed is live
            busy: () => this.backfilling || this.state !== 'running' || this.feed.status().state !== 'live',
            priceOf: (s) => {
              const q = this.market.quote(s);
              return q !== undefined && q.lastPaise > 0 ? q.lastPaise : this.feed.prevClose(s);
            },
            isTracked: (s) => this.instrumentSet.has(s),
            track: (s) => this.addInstrument(s),
            strategies: this.strategies,
            candles: (s, tf) => this.market.candles(s, tf, 500),
            holds: (strategy, s) => this.fnoHolds(strategy, s),
            ready: (s) => !this.backfillPending.has(s),
            changed: () => {
              if (this.state === 'running') this.updateFeedDemand();
            },
            log: this.log,
          })
        : undefined;
    this.fnoKite?.holdBack();
    this.fnoFollow = this.fnoPlan
      ? new FnoContractFollower({
          strategies: this.strategies,
          now: () => this.feed.now(),
          candles: (s, tf) => this.market.candles(s, tf, 500),
          holds: (strategy, s) => this.fnoHolds(strategy, s),
          ready: (s) => this.instrumentSet.has(s),
          log: this.log,
        })
      : undefined;

    // Trading: the same pipeline in every mode and on every feed; the paper broker fills against the feed's depth.
    // One service per mode, built from that mode's journal when the engine switches to it (live-mode.ts).
    const makeService = (mode: 'paper' | 'shadow' | 'live', store: TradingStore, liveBroker?: Broker): TradingService => new TradingService({
      mode: mode === 'paper' && deps.tradingMode === 'backtest' ? 'backtest' : mode,
      ...(liveBroker ? { liveBroker } : {}),
      // shadow and live on the Kite feed: derivatives pass Kite's basket-margin check (kite-margin-gate.ts)
      ...((mode === 'shadow' || mode === 'live') && this.feed.kind === 'kite' ? { kiteMargin: () => kiteMarginApi(deps.kite) } : {}),
      // indices are prices only (tradable false): no order can name them
      instruments: this.instruments
        .filter((i) => i.tradable !== false)
        .map((i) => ({ symbol: i.symbol, exchange: i.exchange, kind: i.kind === 'FUT' ? ('future' as const) : i.kind === 'CE' || i.kind === 'PE' ? ('option' as const) : ('equity' as const), tickSizePaise: i.tickSizePaise, lotSize: i.lotSize })),
      clock: { now: () => this.feed.now() },
      tradingDay: this.days,
      config: deps.profile.trading,
      store,
      log: this.log,
      depth: (s) => this.market.depth(s),
      atr: (s) => {
        const v = this.atr.get(s)?.out[0];
        return v !== undefined && Number.isFinite(v) ? v : undefined;
      },
      onStrategyFill: (strategy, f) =>
        this.strategies.runner.onFill(strategy, { symbol: f.symbol, side: f.side, qty: f.qty, price: f.pricePaise, tsEvent: f.tsEvent, orderId: f.orderId }),
    });
    const { rest: liveRest, createBroker, ...liveConfig } = deps.live ?? {};
    this.modes = new ModeController({
      initialMode: deps.profile.mode,
      storeFor: modeStores(deps.trading, deps.profile.mode),
      makeService,
      clock: { now: () => this.feed.now() },
      ...(deps.kite ? { session: deps.kite } : {}),
      rest:
        liveRest ??
        (() => {
          const r = (deps.kite as { rest?: unknown } | undefined)?.rest as LiveRestPort | undefined;
          return r !== undefined && typeof r.placeOrder === 'function' && typeof r.positions === 'function' ? r : undefined;
        }),
      instruments: () => {
        if (this.feed.kind !== 'kite') return { ok: false, reason: `live trading needs the Kite feed (feed.kind: kite); this engine runs on the ${this.feed.kind} feed` };
        const date = this.feed.status().instrumentsDate;
        return date !== undefined ? { ok: true, reason: `Kite instrument master of ${date} loaded` } : { ok: false, reason: "Kite's instrument master is not loaded yet" };
      },
      today: () => this.days.today(),
      strategies: () => this.strategies.list().instances.filter((i) => i.enabled).map((i) => ({ id: i.id, type: i.type, symbols: [...i.symbols] })),
      // the profile's trading.live, then the kernel's own overrides (tests)
      config: { ...deps.profile.trading?.live, ...liveConfig },
      // a mode switched to prices on the last ticks and depth, not on nothing (stale-data rule)
      prime: (svc) => {
        for (const q of this.market.quotes(this.instruments.map((i) => i.symbol))) if (q.lastPaise > 0) svc.onTick(q.symbol, q.lastPaise, q.tsEvent);
        for (const i of this.instruments) {
          const d = this.market.depth(i.symbol);
          if (d) svc.onDepth(d);
        }
      },
      ...(createBroker ? { createBroker } : {}),
      // the paper model of each live order at send time (the live slippage report)
      market: {
        lastPaise: (s) => this.market.quote(s)?.lastPaise,
        depth: (s) => this.market.depth(s),
        tickPaise: (s) => this.instruments.find((i) => i.symbol === s)?.tickSizePaise,
      },
      log: this.log,
    });
    this.trading = this.modes.trading;
    this.modes.onChange(() => this.emitStatus());
    // ATR(14) of 1-minute bars for sizing and exits; with a fixed trading section only if it reads ATR
    // (nothing reads the value otherwise: the atr port above then answers undefined, which no rule of it uses)
    if (!deps.fixedTradingConfig || atrReadBy(deps.profile.trading)) {
      this.market.onBarClosed((symbol, tf, candle) => {
        if (tf !== '1m') return;
        let ind = this.atr.get(symbol);
        if (!ind) this.atr.set(symbol, (ind = createIndicator('atr:14')));
        ind.update(candle);
      });
    }
    this.strategies.runner.onIntent((intent) => {
      try {
        // an F&O instance on the underlying trades the contract its leg resolves to now
        const routed = this.fno ? this.fno.routeIntent(intent, (sym, strat) => this.modes.current.ledger.positionQty(sym, strat)) : intent;
        if (routed) this.modes.current.trade(routed);
      } catch (e) {
        this.log('error', 'intent not traded', { symbol: intent.symbol, error: (e as Error).message });
      }
    });

    this.feed.onTick((t) => {
      const held = this.backfillPending.size > 0 ? this.backfillPending.get(t.symbol) : undefined;
      if (held !== undefined) {
        if (held.length < 10_000) held.push(t);
        return;
      }
      if (!this.backfilling && this.live) this.tickRate.record();
      try {
        this.days.sync();
        this.market.onTick(t);
        this.modes.current.onTick(t.symbol, t.lastPaise, t.tsEvent);
        if (this.fnoKite) this.fnoKite.onPrice(t.symbol, t.lastPaise, t.tsEvent);
        else if (this.fnoPlan && this.fnoPlan.onPrice(t.symbol, t.lastPaise, t.tsEvent).length > 0) this.fnoReResolved();
        this.strategies.onTick(t);
      } catch (e) {
        // A malformed tick is reported and dropped; the feed and the engine go on.
        this.badTicks++;
        if (this.badTicks <= 10 || this.badTicks % 1000 === 0) {
          this.log('warn', 'tick rejected', { symbol: t.symbol, error: (e as Error).message, count: this.badTicks });
        }
      }
    });
    // The port's bar capability (a bar-mode replay, the backtester's): a bar is one event. Market data
    // takes the candle whole; the trading service and strategies get the bar's prints (the prices and
    // times its ticks would carry), one after the other, with no Tick objects in between.
    this.feed.onBar?.((b) => {
      if (!this.backfilling && this.live) this.tickRate.record(b.printPaise.length);
      try {
        this.days.sync();
        this.market.onBar(b);
        const svc = this.modes.current;
        const px = b.printPaise;
        const ts = b.printTs;
        const n = px.length;
        const each = Math.floor(b.volume / n);
        const fno = this.fno;
        // a quiet symbol (no working order, armed exit or position; no strategy tick hook): the prints
        // between the first and the last change nothing, so the service and strategies skip them
        if (n > 2 && fno === undefined && svc.quietFor(b.symbol) && this.strategies.printsOnly(b.symbol)) {
          svc.onQuietBar(b.symbol, px[0]!, ts[0]!, px[n - 1]!, ts[n - 1]!);
          this.strategies.onPrint(b.symbol, px[n - 1]!, b.volume - each * (n - 1), b.dayVolume, ts[n - 1]!);
          return;
        }
        for (let k = 0; k < n; k++) {
          svc.onTick(b.symbol, px[k]!, ts[k]!);
          if (fno && fno.onPrice(b.symbol, px[k]!, ts[k]!).length > 0 && fno === this.fnoPlan) this.fnoReResolved();
          // the bar's volume over its prints (the remainder on the close), the day's running total with them
          const qty = k === n - 1 ? b.volume - each * (n - 1) : each;
          this.strategies.onPrint(b.symbol, px[k]!, qty, b.dayVolume - b.volume + each * k + qty, ts[k]!);
        }
      } catch (e) {
        this.badTicks++;
        if (this.badTicks <= 10 || this.badTicks % 1000 === 0) {
          this.log('warn', 'bar rejected', { symbol: b.symbol, error: (e as Error).message, count: this.badTicks });
        }
      }
    });
    // The feed clock closes bars on time, also for instruments that did not tick since the bar's end.
    this.feed.onClock((now) => {
      try {
        this.days.sync();
        this.market.onClock(now);
        this.modes.current.onClock(now);
        this.strategies.onClock(now);
        // an `on: contract` F&O instance waiting to move (flat in its old contract yet? re-resolved during the history?)
        if (this.fnoPlan && this.fnoFollow?.needsSync() && !this.backfilling) this.fnoFollow.sync(this.fnoPlan);
      } catch (e) {
        this.log('warn', 'bar-closed listener failed', { error: (e as Error).message });
      }
    });
    this.feed.onPrevClose((symbol, paise) => {
      try {
        this.market.setPrevClose(symbol, paise);
      } catch (e) {
        this.log('warn', 'previous close rejected', { symbol, error: (e as Error).message });
      }
    });
    // History (start-up backfill) warms indicators and strategies up; its intents are not traded.
    this.feed.onHistory((phase, info) => {
      if (phase === 'start') {
        this.backfilling = true;
        this.trading.setTrading(false);
        return;
      }
      this.trading.setTrading(true);
      this.backfilling = false;
      const minutes = info.fromMs !== undefined && info.toMs !== undefined ? Math.round((info.toMs - info.fromMs) / 60_000) : undefined;
      this.log('info', `${this.feed.kind} backfilled`, { ...(minutes !== undefined ? { minutes } : {}), ticks: info.ticks });
      this.planUniverseFromFeed();
    });
    // Market depth (the simulator's synthetic books, Kite's 5 levels): a feed sends none for history.
    this.feed.onDepth((d) => {
      try {
        if (this.market.setDepth(d)) this.modes.current.onDepth(d);
      } catch (e) {
        this.log('warn', 'depth rejected', { symbol: d.symbol, error: (e as Error).message });
      }
    });
    // A Kite session change (login, expiry) is pushed at once, not on the next 1 s status tick.
    this.unsubscribeKite = deps.kite?.onChange(() => this.emitStatus());
    this.feed.prepare();
    if (deps.autoStart !== false) this.start();
  }

  /** The profile's F&O legs, resolved and re-resolved (runtime/fno-plan.ts); undefined without `fno:` and, on Kite, until resolved. */
  get fno(): FnoPlan | undefined {
    return this.fnoPlan ?? this.fnoKite?.plan;
  }

  /** The simulator's plan re-resolved: its `on: contract` instances move (fno-follow.ts), not during the start-up history. */
  private fnoReResolved(): void {
    this.fnoFollow?.reResolved();
    if (!this.backfilling) this.fnoFollow?.sync(this.fnoPlan!);
  }

  /** The held-position rule (fno-follow.ts): `strategy` holds a position or a working order in `symbol` (the current mode's). */
  private fnoHolds(strategy: string, symbol: string): boolean {
    const svc = this.modes.current;
    if (svc.ledger.positionQty(symbol, strategy) !== 0) return true;
    return svc.hasWorkingOrder(symbol, strategy);
  }

  /** The F&O plan's state for the engine status and the Health tab (undefined without `fno:`). */
  fnoStatus(): FnoStatus | undefined {
    if (!this.deps.profile.fno) return undefined;
    const k = this.fnoKite?.status();
    const plan = this.fno;
    const legs: FnoStatus['legs'] = [];
    for (const u of this.deps.profile.fno.underlyings) {
      const r = plan?.resolution(u);
      if (!r) continue;
      const leg: FnoStatus['legs'][number] = { underlying: u, underlyingSymbol: r.underlyingSymbol };
      if (r.future !== undefined) leg.future = r.future;
      if (r.option) {
        const o = r.option;
        leg.option = { expiry: o.expiry, atmPaise: o.atmPaise, strikePaise: o.strikePaise, ...(o.ce !== undefined ? { ce: o.ce } : {}), ...(o.pe !== undefined ? { pe: o.pe } : {}), ...(o.missing?.length ? { missing: o.missing.slice(0, 10) } : {}) };
      }
      legs.push(leg);
    }
    const warnings = k ? k.warnings : legs.flatMap((l) => (l.option?.missing ?? []).map((m) => `fno: ${m} is not in the instrument list: that leg is not traded`));
    const pending = (k ? k.pendingMoves : this.fnoFollow?.pending()) ?? [];
    const out: FnoStatus = {
      state: plan ? 'resolved' : 'waiting',
      legs,
      warnings: warnings.slice(0, 20).map((w) => w.slice(0, 300)),
      pendingMoves: pending.slice(0, 50),
    };
    if (k?.message !== undefined) out.message = k.message.slice(0, 500);
    return out;
  }

  /** The built-in simulator under the feed (tests drive it by hand); throws on another feed. */
  get simulator(): MarketSimulator {
    if (this.feed instanceof SimulatorFeed) return this.feed.simulator;
    throw new Error(`the engine runs on the ${this.feed.kind} feed, not the simulator`);
  }

  /**
   * What each consumer needs of the feed: the running strategies' symbols, open positions and working
   * orders, and every open chart's depth full (depth for the paper broker and the order book), the
   * watchlist and the day's universe quote.
   */
  feedDemand(): Map<string, FeedMode> {
    const d = new Map<string, FeedMode>();
    const want = (symbol: string, mode: FeedMode) => {
      if (this.instrumentSet.has(symbol)) d.set(symbol, maxMode(d.get(symbol), mode));
    };
    for (const s of this.universeScan?.symbols ?? []) want(s, 'quote');
    for (const s of this.watchlistCache) want(s, 'quote');
    for (const i of this.strategies.list().instances) if (i.enabled) for (const s of i.symbols) want(s, 'full');
    for (const p of this.trading.portfolio().positions) if (p.qty !== 0) want(p.symbol, 'full');
    // a working order fills against the book: its symbol needs depth too
    for (const s of this.trading.workingOrderSymbols()) want(s, 'full');
    for (const s of this.market.depthWatched()) want(s, 'full');
    // F&O on Kite: the underlyings, and the contracts resolved now (a re-resolved one drops out unless held above)
    this.fnoKite?.demand(want);
    return d;
  }

  private updateFeedDemand(): void {
    try {
      this.feed.setDemand(this.feedDemand());
    } catch (e) {
      this.log('warn', 'feed subscriptions not updated', { error: (e as Error).message });
    }
  }

  start(): void {
    if (this.state === 'running') return;
    this.updateFeedDemand();
    this.feed.start();
    this.state = 'running';
    this.statusTimer = setInterval(() => {
      this.fnoKite?.tryResolve();
      this.updateFeedDemand();
      this.emitStatus();
    }, 1000);
    this.statusTimer.unref?.();
    // the portfolio and risk numbers move with every tick: pushed at most 4 times a second
    this.flushTimer = setInterval(() => {
      try {
        this.trading.flush();
      } catch (e) {
        this.log('warn', 'portfolio push failed', { error: (e as Error).message });
      }
    }, 250);
    this.flushTimer.unref?.();
    this.log('info', 'engine running', { mode: this.modes.mode, feed: this.feed.kind, speed: this.deps.profile.feed.speed });
    this.emitStatus();
  }

  stop(): void {
    if (this.state === 'stopping') return;
    this.state = 'stopping';
    this.feed.stop();
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.unsubscribeKite?.();
    void this.modes.dispose();
    this.emitStatus();
    this.log('info', 'engine stopped');
  }

  isKnownSymbol(symbol: string): boolean {
    return this.instrumentSet.has(symbol);
  }

  status(): EngineStatus {
    return {
      state: this.state,
      mode: this.modes.mode,
      feed: this.feed.kind,
      feedStatus: this.feed.status(),
      version: ENGINE_VERSION,
      protocol: PROTOCOL_VERSION,
      startedAt: this.startedAt,
      ticksPerSec: this.tickRate.perSecond(),
      totalTicks: this.market.totalTicks,
      feedTime: this.feed.now(),
      instruments: this.instruments.length,
      connections: this.connections,
      kite: this.deps.kite?.status() ?? { state: 'none' },
      universe: this.universeStatus(),
      tradingDay: { date: this.days.today(), phase: this.days.phase() },
      ...(this.deps.profile.fno ? { fno: this.fnoStatus()! } : {}),
    };
  }

  /** The day's pre-market scan and universe (planned at start; `state: 'failed'` with `error` if that failed). */
  universe(): UniverseScan {
    return this.universeScan;
  }

  private universeStatus(): UniverseStepStatus {
    const u = this.universeScan;
    return u.state === 'ok'
      ? { state: 'ok', date: u.date, selected: u.symbols.length }
      : { state: 'failed', date: u.date, selected: 0, ...(u.error !== undefined ? { message: u.error.slice(0, 500) } : {}) };
  }

  /**
   * The pre-market step: daily candles → scan → universe → journal (upserted by date and symbol, so a
   * restart re-plans the same day). A failure is logged and reported (status, universe.get), never thrown.
   */
  private planUniverse(asOf: IsoDay, given?: { candles: ReadonlyMap<string, readonly Bar[]>; source: UniverseScan['source'] }): void {
    const source = given?.source ?? 'simulator';
    const failed = (e: unknown): void => {
      const message = e instanceof Error ? e.message : String(e);
      this.universeScan = { date: asOf, state: 'failed', error: message.slice(0, 500), source, entries: [], symbols: [], dropped: [] };
      this.log('error', 'pre-market universe failed', { date: asOf, error: message });
    };
    try {
      const cfg = this.deps.profile.universe;
      const symbols = this.instruments.map((i) => i.symbol);
      const candles = given
        ? given.candles
        : this.deps.dailyHistory
        ? this.deps.dailyHistory(symbols, asOf)
        : syntheticDailyHistory(NIFTY50_SEEDS, { asOf, seed: this.deps.profile.feed.seed });
      const plan = planPreMarket(cfg, candles, { asOf });
      const dropped = [
        ...plan.universe.dropped.map((d) => ({ symbol: d.symbol, reason: d.reason })),
        ...plan.scan.skipped.map((s) => ({ symbol: s.symbol, reason: s.reason, detail: s.detail })),
      ];
      this.universeScan = {
        date: asOf,
        state: 'ok',
        source,
        entries: plan.journal.map((e) => ({
          symbol: e.symbol,
          rank: e.rank,
          score: e.score,
          factors: {
            atrPct: e.atrPct,
            avgValuePaise: e.avgValuePaise,
            trend: e.trend,
            direction: e.direction,
            ranks: { ...e.ranks },
            lastClosePaise: e.lastClosePaise,
            lastBarDay: e.lastBarDay,
            barsUsed: e.barsUsed,
          },
          selected: e.selected,
        })),
        symbols: [...plan.universe.symbols],
        dropped,
      };
      this.log('info', 'pre-market universe planned', {
        date: asOf,
        scanned: plan.scan.entries.length,
        selected: plan.universe.symbols.length,
        top: plan.universe.symbols.slice(0, 10).join(','),
      });
      if (plan.scan.skipped.length > 0) {
        this.log('info', 'pre-market scan skipped symbols', { date: asOf, skipped: plan.scan.skipped.map((s) => `${s.symbol}:${s.reason} (${s.detail})`).join('; ') });
      }
      if (plan.universe.dropped.length > 0) {
        this.log('info', 'pre-market universe dropped symbols', { date: asOf, dropped: plan.universe.dropped.map((d) => `${d.symbol}:${d.reason}`).join(', ') });
      }
      const journal = this.deps.universeJournal ?? new MemoryUniverseJournal();
      const r = journal.recordUniverse(asOf, plan.journal);
      if (r instanceof Promise) r.catch(failed);
    } catch (e) {
      failed(e);
    }
  }

  /**
   * A feed with its own daily history (Kite) re-plans the day's universe on it once its start-up history
   * is in (until then the plan made at start stands); subscriptions then follow the new universe.
   */
  private planUniverseFromFeed(): void {
    if (this.feedDailyAsked || this.deps.dailyHistory || !this.feed.dailyHistory) return;
    this.feedDailyAsked = true;
    const asOf = istDay(this.feed.now());
    let symbols: string[];
    try {
      symbols = candlesNeeded(this.deps.profile.universe);
    } catch (e) {
      this.log('warn', 'pre-market universe not re-planned', { error: (e as Error).message });
      return;
    }
    this.feed.dailyHistory(symbols, asOf).then(
      (candles) => {
        if (this.state === 'stopping') return;
        this.planUniverse(asOf, { candles, source: this.feed.kind === 'kite' ? 'kite' : 'simulator' });
        if (this.state === 'running') this.updateFeedDemand();
        this.emitStatus();
      },
      (e: unknown) => this.log('warn', 'pre-market universe not re-planned: no daily history from the feed', { error: e instanceof Error ? e.message : String(e) }),
    );
  }

  setConnectionCount(n: number): void {
    this.connections = n;
  }

  onStatus(listener: (s: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private emitStatus(): void {
    const s = this.status();
    for (const l of this.statusListeners) l(s);
  }

  watchlist(): string[] {
    return [...this.watchlistCache];
  }

  /**
   * The watchlist's add box: the feed's own instrument master when it has one loaded (Kite: NSE, BSE, NFO,
   * BFO, indices), else the engine's instruments (the simulator's). Ranked, at most `limit` hits.
   */
  searchInstruments(query: string, opts: { exchanges?: readonly string[] | undefined; limit: number }): { source: 'kite' | 'engine'; hits: InstrumentHit[] } {
    const fromFeed = this.feed.searchInstruments?.(query, { limit: opts.limit, ...(opts.exchanges ? { exchanges: opts.exchanges } : {}) });
    if (fromFeed !== undefined) {
      const canAdd = typeof this.feed.addInstrument === 'function';
      return {
        source: 'kite',
        hits: fromFeed.map((k) => {
          const index = k.segment === 'INDICES';
          // an engine instrument (an NSE equity, an NFO future/option added, or an index the feed maps from its INDICES rows)
          const known = (index || k.exchange === 'NSE' || k.exchange === 'NFO') && this.instrumentSet.has(k.tradingsymbol);
          return {
            symbol: k.tradingsymbol,
            exchange: k.exchange,
            name: k.name,
            type: index ? ('INDEX' as const) : k.instrumentType,
            expiry: k.expiry,
            strikePaise: k.strikePaise,
            lotSize: k.lotSize,
            tickSizePaise: k.tickSizePaise,
            token: k.instrumentToken,
            known,
            addable: known || (canAdd && ((k.exchange === 'NSE' && k.segment === 'NSE' && k.instrumentType === 'EQ') || (k.exchange === 'NFO' && (k.instrumentType === 'FUT' || k.instrumentType === 'CE' || k.instrumentType === 'PE')))),
          };
        }),
      };
    }
    const wanted = opts.exchanges;
    const list = wanted === undefined ? this.instruments : this.instruments.filter((i) => wanted.includes(i.exchange));
    return {
      source: 'engine',
      hits: searchInstrumentList(list, query, opts.limit).map((i) => ({
        symbol: i.symbol,
        exchange: i.exchange,
        name: i.name,
        type: 'EQ' as const,
        expiry: null,
        strikePaise: 0,
        lotSize: i.lotSize,
        tickSizePaise: i.tickSizePaise,
        token: null,
        known: true,
        addable: true,
      })),
    };
  }

  /**
   * A symbol of the feed's instrument master added at run time (Kite: an NSE equity a person put on the
   * watchlist): market data, the trading services and strategies know it from now on; the feed subscribes
   * it with the next demand; its recent 1-minute candles are backfilled before its live ticks are taken.
   * Throws the feed's clear error when it cannot (unknown, not an NSE equity or NFO future/option, the ticker's token limit).
   * The promise settles when its history is in (at once when there is none to load).
   */
  private addInstrument(symbol: string): Promise<void> {
    const add = this.feed.addInstrument;
    if (add === undefined) throw new RpcError(ErrorCode.NOT_FOUND, `unknown symbol: ${symbol}`, { symbol });
    let inst: Instrument;
    try {
      inst = add.call(this.feed, symbol);
    } catch (e) {
      const message = (e as Error).message;
      throw new RpcError(/ticker is full/.test(message) ? ErrorCode.CONFLICT : ErrorCode.NOT_FOUND, message, { symbol });
    }
    if (this.instrumentSet.has(inst.symbol)) return Promise.resolve();
    this.instruments.push(inst);
    this.instrumentSet.add(inst.symbol);
    this.market.addInstrument(inst);
    const kind = inst.kind === 'FUT' ? ('future' as const) : inst.kind === 'CE' || inst.kind === 'PE' ? ('option' as const) : ('equity' as const);
    this.trading.addInstrument({ symbol: inst.symbol, exchange: inst.exchange, kind, tickSizePaise: inst.tickSizePaise, lotSize: inst.lotSize });
    this.log('info', 'instrument added', { symbol: inst.symbol, feed: this.feed.kind });
    const recent = this.feed.recentCandles;
    if (recent === undefined) return Promise.resolve();
    this.backfillPending.set(inst.symbol, []);
    const done = (): void => {
      const held = this.backfillPending.get(inst.symbol) ?? [];
      this.backfillPending.delete(inst.symbol);
      for (const t of held) {
        try {
          this.market.onTick(t);
          this.trading.onTick(t.symbol, t.lastPaise, t.tsEvent);
          this.strategies.onTick(t);
        } catch (e) {
          this.log('warn', 'tick rejected', { symbol: t.symbol, error: (e as Error).message });
        }
      }
    };
    return recent.call(this.feed, inst.symbol).then(
      (candles) => {
        try {
          if (candles.length > 0) {
            const ticks: Tick[] = [];
            const h = candleReplayHistory([{ symbol: inst.symbol, candles }]);
            h.onTick((t) => ticks.push(t));
            for (let guard = 0; !h.done && guard < 100_000; guard++) h.advance(60_000);
            const n = this.market.backfill(inst.symbol, ticks);
            this.log('info', 'instrument backfilled', { symbol: inst.symbol, candles: candles.length, ticks: n });
          }
        } catch (e) {
          this.log('warn', 'instrument backfill failed', { symbol: inst.symbol, error: (e as Error).message });
        }
        done();
      },
      (e: unknown) => {
        this.log('warn', 'instrument history not loaded', { symbol: inst.symbol, error: e instanceof Error ? e.message : String(e) });
        done();
      },
    );
  }

  setWatchlist(symbols: readonly string[]): string[] {
    // symbols of the feed's master not tracked yet are added (Kite); the first that cannot be is the error
    for (const s of symbols) if (!this.instrumentSet.has(s) && this.feed.addInstrument !== undefined) void this.addInstrument(s);
    const unknown = symbols.filter((s) => !this.instrumentSet.has(s));
    if (unknown.length > 0) {
      throw new RpcError(ErrorCode.NOT_FOUND, `unknown symbol${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, { unknown });
    }
    this.deps.watchlist.set(symbols);
    this.watchlistCache = [...symbols];
    if (this.state === 'running') this.updateFeedDemand();
    for (const l of this.watchlistListeners) l(this.watchlist());
    return this.watchlist();
  }

  /**
   * Where the option chain reads its contracts: the built-in simulator's F&O market, or on Kite the day's
   * instrument dump with the shown strikes followed on the ticker (kite-option-chain.ts, KiteFeed.watchChain;
   * once the dump is loaded); else undefined.
   */
  optionChainSource(): OptionChainSource | undefined {
    const fno = this.feed instanceof SimulatorFeed ? this.feed.fno : undefined;
    if (fno) {
      return {
        now: () => this.feed.now(),
        underlyings: () => fno.underlyings(),
        expiries: (u, now) => fno.expiries(u, now),
        futures: (u) => fno.futures(u),
        load: (u, e) => ({ spotPaise: fno.spot(u), states: fno.optionStates(u, e) }),
      };
    }
    const feed = this.feed instanceof KiteFeed ? this.feed : undefined;
    const master = feed?.master;
    if (!feed || !master) return undefined;
    const spot = (s: string) => {
      const q = this.market.quote(s);
      return q !== undefined && q.lastPaise > 0 ? q.lastPaise : undefined;
    };
    const chain = new KiteOptionChain(master, { ticker: { watch: (t) => feed.watchChain(t), quote: (t) => feed.chainQuote(t), spot } });
    return {
      now: () => this.feed.now(),
      underlyings: () => chain.underlyings(),
      expiries: (u, now) => chain.expiries(u, now),
      futures: (u, now) => chain.futures(u, now),
      load: (u, e, n) => chain.load(u, e, n),
    };
  }

  requireSymbol(symbol: string): void {
    if (!this.instrumentSet.has(symbol)) throw new RpcError(ErrorCode.NOT_FOUND, `unknown symbol: ${symbol}`, { symbol });
  }
}
