import { PROTOCOL_VERSION } from '../contract/envelope.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import type { EngineStatus, Instrument, KiteSessionStatus, UniverseScan, UniverseStepStatus } from '../contract/schemas.js';
import { syntheticDailyHistory } from '../adapters/sim/daily-history.js';
import { MarketSimulator, inSimulatedSession } from '../adapters/sim/market-simulator.js';
import { systemClock, type Clock } from '../core/clock.js';
import { nseCalendar } from '../core/nse-calendar.js';
import { istDay, type IsoDay } from '../core/nse-calendar.js';
import type { Bar } from '../indicators/indicator.js';
import { MarketData } from '../market/market-data.js';
import { NIFTY50_SEEDS } from '../model/instruments.js';
import { planPreMarket } from '../scanner/pre-market.js';
import { MemoryUniverseJournal, type UniverseJournal } from '../scanner/scanner.js';
import type { RunProfile } from './config.js';
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
import { createIndicator } from '../indicators/registry.js';
import type { Indicator } from '../indicators/indicator.js';

export const ENGINE_VERSION = '0.1.0';

/** What the engine keeps between runs; the host injects the SQLite-backed implementation. */
export interface WatchlistStore {
  get(): string[];
  set(symbols: readonly string[]): void;
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
}

/** What the kernel reads of the Kite session: state only, never a token. */
export interface KiteSessionSource {
  status(): KiteSessionStatus;
  onChange(listener: (s: KiteSessionStatus) => void): () => void;
}

/**
 * The kernel: the one place that decides the mode and wires the feed into market data. Today it
 * runs paper mode on the built-in simulator; live and backtest plug in here with other adapters.
 */
export class Engine {
  readonly simulator: MarketSimulator;
  readonly market: MarketData;
  readonly instruments: Instrument[];
  /** The strategy runner, its instances and journals (fed below by every closed bar, tick and clock). */
  readonly strategies: StrategyService;
  /** Sizing, risk, orders, the paper broker, the ledger and exits: intents and a person's orders become fills here. */
  readonly trading: TradingService;
  /** ATR(14) of 1-minute bars per symbol, paise (sizing and ATR exits). */
  private readonly atr = new Map<string, Indicator>();
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private readonly instrumentSet: Set<string>;
  private readonly log: LogFn;
  private readonly clock: Clock;
  private readonly tickRate: TickRate;
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

  constructor(private readonly deps: EngineDeps) {
    this.log = deps.log ?? silentLog;
    this.clock = deps.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.tickRate = new TickRate(() => this.clock.now());
    const feed = deps.profile.feed;
    // Backfill: start the simulated clock earlier and generate the gap at once, so the chart opens
    // with history. Inside a session it never runs ahead of the requested time.
    const requested = feed.startTime ? Date.parse(feed.startTime) : this.clock.now();
    const backMs = feed.backfillMinutes * 60_000;
    let startAt = requested;
    let backfillMs = backMs;
    // "is the market open" goes through the NSE calendar (holidays included), as the simulator's own roll does
    const today = inSimulatedSession(requested) ? nseCalendar.session(requested) : null;
    if (today) {
      startAt = Math.max(today.open, requested - backMs);
      backfillMs = requested - startAt;
    }
    this.simulator = new MarketSimulator(
      { seeds: NIFTY50_SEEDS, seed: feed.seed, speed: feed.speed, ticksPerSecond: feed.ticksPerSecond, startTime: startAt },
      this.clock,
    );
    this.instruments = this.simulator.instruments;
    this.instrumentSet = new Set(this.instruments.map((i) => i.symbol));
    this.market = new MarketData(this.instruments);
    for (const i of this.instruments) this.market.setPrevClose(i.symbol, this.simulator.prevClose(i.symbol));

    // Pre-market: plan the simulated trading day's universe before any strategy sees a bar.
    this.planUniverse(istDay(this.simulator.now()));

    // Startup is recovery: state comes from the store; the profile only seeds an empty one.
    const saved = deps.watchlist.get().filter((s) => this.instrumentSet.has(s));
    if (saved.length === 0) {
      const seed = deps.profile.watchlist.filter((s) => this.instrumentSet.has(s));
      deps.watchlist.set(seed);
      this.watchlistCache = seed;
    } else {
      this.watchlistCache = saved;
    }

    // Strategies hear every closed bar (all timeframes, paise as they are), tick and feed-clock
    // second; wired before the backfill so they warm up on it.
    this.strategies = new StrategyService({
      seed: deps.profile.strategies,
      ensemble: deps.profile.ensemble,
      store: deps.strategies ?? new MemoryStrategyStore(),
      signals: deps.signals ?? new MemorySignalJournal(),
      ...(deps.intents ? { intents: deps.intents } : {}),
      log: this.log,
      now: () => this.simulator.now(),
      knownSymbol: (s) => this.instrumentSet.has(s),
      ...(deps.userStrategiesDir !== undefined ? { userStrategiesDir: deps.userStrategiesDir } : {}),
    });
    this.market.onBarClosed((symbol, tf, candle) => this.strategies.onBarClosed(symbol, tf, candle));

    // Trading: the same pipeline in every mode; here the paper broker fills against the simulator.
    this.trading = new TradingService({
      mode: deps.profile.mode,
      instruments: this.instruments.map((i) => ({ symbol: i.symbol, exchange: i.exchange, kind: 'equity' as const, tickSizePaise: i.tickSizePaise, lotSize: i.lotSize })),
      clock: { now: () => this.simulator.now() },
      config: deps.profile.trading,
      ...(deps.trading ? { store: deps.trading } : {}),
      log: this.log,
      depth: (s) => this.market.depth(s),
      atr: (s) => {
        const v = this.atr.get(s)?.out[0];
        return v !== undefined && Number.isFinite(v) ? v : undefined;
      },
      onStrategyFill: (strategy, f) =>
        this.strategies.runner.onFill(strategy, { symbol: f.symbol, side: f.side, qty: f.qty, price: f.pricePaise, tsEvent: f.tsEvent, orderId: f.orderId }),
    });
    this.market.onBarClosed((symbol, tf, candle) => {
      if (tf !== '1m') return;
      let ind = this.atr.get(symbol);
      if (!ind) this.atr.set(symbol, (ind = createIndicator('atr:14')));
      ind.update(candle);
    });
    this.strategies.runner.onIntent((intent) => {
      try {
        this.trading.onIntent(intent);
      } catch (e) {
        this.log('error', 'intent not traded', { symbol: intent.symbol, error: (e as Error).message });
      }
    });

    this.simulator.onTick((t) => {
      if (!this.backfilling) this.tickRate.record();
      try {
        this.market.onTick(t);
        this.trading.onTick(t.symbol, t.lastPaise, t.tsEvent);
        this.strategies.onTick(t);
      } catch (e) {
        // A malformed tick is reported and dropped; the feed and the engine go on.
        this.badTicks++;
        if (this.badTicks <= 10 || this.badTicks % 1000 === 0) {
          this.log('warn', 'tick rejected', { symbol: t.symbol, error: (e as Error).message, count: this.badTicks });
        }
      }
    });
    // The feed clock closes bars on time, also for instruments that did not tick since the bar's end.
    this.simulator.onClock((now) => {
      try {
        this.market.onClock(now);
        this.trading.onClock(now);
        this.strategies.onClock(now);
      } catch (e) {
        this.log('warn', 'bar-closed listener failed', { error: (e as Error).message });
      }
    });
    if (backfillMs > 0) {
      // history warms indicators and strategies up; its intents are not traded
      this.backfilling = true;
      this.trading.setTrading(false);
      this.simulator.advance(backfillMs);
      this.trading.setTrading(true);
      this.backfilling = false;
      this.log('info', 'simulator backfilled', { minutes: Math.round(backfillMs / 60_000), ticks: this.market.totalTicks });
    }
    // Market depth: the simulator's synthetic books, at most every 250 ms of feed time per instrument; wired
    // after the backfill (no book is needed for history), so an instrument has depth from its next tick.
    this.simulator.onDepth((d) => {
      try {
        if (this.market.setDepth(d)) this.trading.onDepth(d);
      } catch (e) {
        this.log('warn', 'depth rejected', { symbol: d.symbol, error: (e as Error).message });
      }
    });
    // A Kite session change (login, expiry) is pushed at once, not on the next 1 s status tick.
    this.unsubscribeKite = deps.kite?.onChange(() => this.emitStatus());
    if (deps.autoStart !== false) this.start();
  }

  start(): void {
    if (this.state === 'running') return;
    this.simulator.start();
    this.state = 'running';
    this.statusTimer = setInterval(() => this.emitStatus(), 1000);
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
    this.log('info', 'engine running', { mode: this.deps.profile.mode, feed: 'simulator', speed: this.deps.profile.feed.speed });
    this.emitStatus();
  }

  stop(): void {
    if (this.state === 'stopping') return;
    this.state = 'stopping';
    this.simulator.stop();
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.unsubscribeKite?.();
    this.emitStatus();
    this.log('info', 'engine stopped');
  }

  isKnownSymbol(symbol: string): boolean {
    return this.instrumentSet.has(symbol);
  }

  status(): EngineStatus {
    return {
      state: this.state,
      mode: this.deps.profile.mode,
      feed: 'simulator',
      version: ENGINE_VERSION,
      protocol: PROTOCOL_VERSION,
      startedAt: this.startedAt,
      ticksPerSec: this.tickRate.perSecond(),
      totalTicks: this.market.totalTicks,
      feedTime: this.simulator.now(),
      instruments: this.instruments.length,
      connections: this.connections,
      kite: this.deps.kite?.status() ?? { state: 'none' },
      universe: this.universeStatus(),
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
  private planUniverse(asOf: IsoDay): void {
    const source = 'simulator' as const;
    const failed = (e: unknown): void => {
      const message = e instanceof Error ? e.message : String(e);
      this.universeScan = { date: asOf, state: 'failed', error: message.slice(0, 500), source, entries: [], symbols: [], dropped: [] };
      this.log('error', 'pre-market universe failed', { date: asOf, error: message });
    };
    try {
      const cfg = this.deps.profile.universe;
      const symbols = this.instruments.map((i) => i.symbol);
      const candles = this.deps.dailyHistory
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

  setWatchlist(symbols: readonly string[]): string[] {
    const unknown = symbols.filter((s) => !this.instrumentSet.has(s));
    if (unknown.length > 0) {
      throw new RpcError(ErrorCode.NOT_FOUND, `unknown symbol${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, { unknown });
    }
    this.deps.watchlist.set(symbols);
    this.watchlistCache = [...symbols];
    for (const l of this.watchlistListeners) l(this.watchlist());
    return this.watchlist();
  }

  requireSymbol(symbol: string): void {
    if (!this.instrumentSet.has(symbol)) throw new RpcError(ErrorCode.NOT_FOUND, `unknown symbol: ${symbol}`, { symbol });
  }
}
