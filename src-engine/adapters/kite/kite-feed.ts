/**
 * Kite Connect behind the market-data port (market/data-client.ts).
 *
 * Once the session gives credentials (KiteConnectionSource: the engine's KiteSessionManager):
 *  1. the day's instrument dump (instrument-cache.ts: fetched once per IST day, cached as a file) maps the
 *     engine's symbols (NSE equities, and NSE indices such as NIFTY 50: segment INDICES) to instrument tokens;
 *     symbols missing from it are reported, never tick;
 *  2. the demanded symbols are subscribed on the ticker pool (ticker-pool.ts: 3 connections × 3,000 tokens)
 *     in the mode each needs (setDemand: full for depth and the paper broker, quote or ltp elsewhere);
 *  3. live ticks are held back until the first exchange timestamp fixes the feed clock (feed-clock.ts) and
 *     the start-up history is in: Kite historical 1-minute candles (historical-cache.ts: cached per
 *     complete day, Kite's per-request ranges, 3 requests/s) for today's session so far and at least
 *     `backfillMinutes` before now, turned into ticks by the injected `historyTicks` (the kernel passes
 *     kite-sim/csv-replay's CandleReplay) and emitted as history; then the held ticks follow, and the feed is live.
 * Ticks: prices in paise (raw ÷ the segment divisor × 100), the day's cumulative volume, tsEvent = the
 * feed clock (exchange time). Full packets also give Kite's 5-level depth; quote packets the previous close.
 * Index packets (8/28/32 B) give ticks with no quantity and no volume, never depth; their close is the previous close.
 * A re-login with a new token reconnects the pool and keeps everything else; a refused token is reported.
 */
import type { Instrument } from '../../contract/schemas.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { IST_OFFSET_MS } from '../../core/ist.js';
import { istDay } from '../../core/nse-calendar.js';
import { Listeners, type DailyBar, type FeedMode, type FeedStatus, type MarketDataClient } from '../../market/data-client.js';
import type { DepthLevel, DepthSnapshot } from '../../model/depth.js';
import type { InstrumentMaster, KiteInstrument } from '../../model/instrument-master.js';
import type { Tick } from '../../model/tick.js';
import { KiteError, redact } from './errors.js';
import { FeedClock } from './feed-clock.js';
import { HistoricalCache, type HistoricalSource } from './historical-cache.js';
import { loadDayDump, type FetchCsv, type LoadedDump } from './instrument-cache.js';
import { KiteRest } from './rest-client.js';
import type { KiteCandle } from './rest-types.js';
import { DEPTH_STRIDE, KIND_FULL, KIND_INDEX_FULL, KIND_INDEX_QUOTE, KIND_QUOTE, divisorOf, type KiteMode, type TickBatch } from './tick-codec.js';
import { KiteTickerPool, type KiteTickerPoolOptions } from './ticker-pool.js';

/** What the feed needs to connect: never shown, never logged. */
export interface KiteConnection {
  apiKey: string;
  accessToken: string;
  /** One origin for REST and the ticker (KITEDESK_KITE_ROOT, e.g. `kitedesk sim`); default Kite's own hosts. */
  root?: string | undefined;
}

export interface KiteConnectionSource {
  /** The active session's credentials, or undefined while there is none. */
  connection(): KiteConnection | undefined;
  onChange(listener: () => void): () => void;
  /** Kite refused this access token (HTTP 403 at the ticker, the dump or historical): the session is over. */
  reportRejected?(accessToken: string): void;
}

/** What the feed uses of the ticker pool (the real KiteTickerPool by default; fakes in tests). */
export type TickerPoolLike = Pick<KiteTickerPool, 'subscribe' | 'unsubscribe' | 'setMode' | 'onTicks' | 'on' | 'stats' | 'subscriptions' | 'close' | 'updateAccessToken'>;

/** One symbol's 1-minute candles for the history step. */
export interface HistorySeries {
  symbol: string;
  candles: readonly KiteCandle[];
}

/**
 * Turns the history candles into ticks (the kernel passes a CandleReplay): `advance` emits the ticks of
 * the next ms of bar time through `onTick`, `now()` is its time, `done` once all is replayed.
 */
export interface HistoryTicks {
  onTick(l: (t: Tick) => void): () => void;
  advance(ms: number): void;
  now(): number;
  readonly done: boolean;
}

export interface KiteFeedOptions {
  /** The engine's instruments (NSE equities; tick and lot sizes as known at start). */
  instruments: readonly Instrument[];
  session: KiteConnectionSource;
  /** Used when the session names no root (KITEDESK_KITE_ROOT). */
  defaultRoot?: string | undefined;
  /** Cache directory (the dump and historical candles below it); default none. */
  dataDir?: string | undefined;
  backfillMinutes: number;
  /** Exchange time farther than this from the wall clock raises the clock alarm (status + one log line). */
  clockToleranceMs?: number;
  /** Real ms to wait for an exchange timestamp before the history step uses the wall clock (default 3000). */
  syncTimeoutMs?: number;
  historyTicks: (series: readonly HistorySeries[]) => HistoryTicks;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** The wall clock. */
  clock?: Clock;
  createPool?: (o: KiteTickerPoolOptions) => TickerPoolLike;
  createHistorical?: (c: KiteConnection & { root: string | undefined }) => HistoricalSource & { setAccessToken?(t: string): void };
  fetchInstrumentsCsv?: FetchCsv;
  /** Real ms between clock events while live (default 250). */
  clockIntervalMs?: number;
}

type State = FeedStatus['state'];

const DAY_MS = 86_400_000;
const HISTORY_LOOKBACK_MS = 7 * DAY_MS;
const MAX_HELD_TICKS = 500_000;
const RETRY_MS = 30_000;

/** `http(s)://host:port[/…]` → `ws(s)://host:port/` (the simulator serves both on one origin). */
export function tickerRootOf(restRoot: string | undefined): string | undefined {
  if (restRoot === undefined) return undefined;
  const u = new URL(restRoot);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/';
  u.search = '';
  return u.toString();
}

/** An NFO future or option row of Kite's dump as the engine's instrument: lot, tick, expiry and strike from the dump. */
export function nfoInstrumentOf(k: KiteInstrument): Instrument {
  return {
    symbol: k.tradingsymbol,
    name: k.name || k.tradingsymbol,
    exchange: 'NFO',
    tickSizePaise: k.tickSizePaise,
    lotSize: k.lotSize,
    kind: k.instrumentType as 'FUT' | 'CE' | 'PE',
    underlying: k.name,
    ...(k.expiry ? { expiry: k.expiry } : {}),
    ...(k.instrumentType !== 'FUT' && k.strikePaise > 0 ? { strikePaise: k.strikePaise } : {}),
  };
}

/** The last packet of an option-chain contract on the ticker (watchChain), paise. */
export interface ChainQuote {
  lastPaise: number;
  /** The previous close (Kite's `close` in quote and full packets); 0 when not given. */
  closePaise: number;
  volume: number;
  oi: number;
  bidPaise?: number;
  askPaise?: number;
}

/** The option chain's contracts leave the ticker this long (real ms) after the chain was last asked for. */
export const CHAIN_IDLE_MS = 30_000;

/** Kite's ticker limit: 3 connections × 3,000 instrument tokens. */
export const KITE_MAX_TOKENS = 3 * 3000;

export class KiteFeed implements MarketDataClient {
  readonly kind = 'kite' as const;
  /** The engine's instruments; grows when a person adds a symbol from the instrument master (addInstrument). */
  readonly instruments: Instrument[];
  private readonly o: KiteFeedOptions;
  private readonly wall: Clock;
  private readonly feedClock: FeedClock;
  private readonly log: NonNullable<KiteFeedOptions['log']>;
  private readonly tickL = new Listeners<[Tick]>();
  private readonly depthL = new Listeners<[DepthSnapshot]>();
  private readonly clockL = new Listeners<[number]>();
  private readonly prevCloseL = new Listeners<[string, number]>();
  private readonly historyL = new Listeners<['start' | 'end', { ticks: number; fromMs?: number; toMs?: number }]>();
  private readonly symbols: Set<string>;
  private state: State = 'waiting';
  private message: string | undefined = 'waiting for a Kite session (log in to Kite)';
  private running = false;
  private conn: KiteConnection | undefined;
  private pool: TickerPoolLike | undefined;
  private historical: (HistoricalSource & { setAccessToken?(t: string): void }) | undefined;
  private dump: LoadedDump | undefined;
  private readonly tokenOf = new Map<string, number>();
  private readonly symbolOf = new Map<number, string>();
  private readonly missing = new Set<string>();
  private demand: ReadonlyMap<string, FeedMode> = new Map();
  private readonly prevClose_ = new Map<string, number>();
  private readonly lastVolume = new Map<string, number>();
  /** Ticks (and the newest depth per symbol) held back until the history is in. */
  private held: Tick[] | undefined = [];
  private readonly heldDepth = new Map<string, DepthSnapshot>();
  private history: HistoryTicks | undefined;
  private unsubSession: (() => void) | undefined;
  private clockTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private clockAlarm = false;
  private tokenRefused = false;
  /** Why the last demand could not be subscribed (capacity), until one can. */
  private subscriptionProblem: string | undefined;
  /** Symbols whose history could not be loaded. */
  private historyProblem: string | undefined;
  /** Ticks before the first exchange timestamp have no trustworthy time: dropped, until the sync wait gives up. */
  private acceptUnsynced = false;
  private refreshingDump = false;
  private readonly liveSeen = new Set<string>();
  /** The option chain's visible contracts (and index) on the ticker, full mode, with their last packets. */
  private chainTokens = new Set<number>();
  private readonly chainQuotes = new Map<number, ChainQuote>();
  private chainAskedAt = 0;

  constructor(opts: KiteFeedOptions) {
    this.o = opts;
    this.wall = opts.clock ?? systemClock;
    this.feedClock = new FeedClock(this.wall);
    this.log = opts.log ?? (() => undefined);
    this.instruments = [...opts.instruments];
    this.symbols = new Set(opts.instruments.map((i) => i.symbol));
  }

  // ------------------------------------------------------------------------------------------------
  // The port

  now(): number {
    return this.history !== undefined ? this.history.now() : this.feedClock.now();
  }

  prevClose(symbol: string): number | undefined {
    return this.prevClose_.get(symbol);
  }

  onTick(l: (t: Tick) => void): () => void {
    return this.tickL.add(l);
  }
  onDepth(l: (d: DepthSnapshot) => void): () => void {
    return this.depthL.add(l);
  }
  onClock(l: (now: number) => void): () => void {
    return this.clockL.add(l);
  }
  onPrevClose(l: (symbol: string, paise: number) => void): () => void {
    return this.prevCloseL.add(l);
  }
  onHistory(l: (phase: 'start' | 'end', info: { ticks: number; fromMs?: number; toMs?: number }) => void): () => void {
    return this.historyL.add(l);
  }

  prepare(): void {
    // Kite's history needs the session and the feed's time: it comes after start().
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubSession = this.o.session.onChange(() => this.onSession());
    this.clockTimer = setInterval(() => {
      // bars close on feed time whenever ticks flow straight through (also while a reload failed: the ticker still runs)
      if (this.pool !== undefined && this.held === undefined) this.clockL.emit(this.feedClock.now());
      this.checkClock();
      this.checkDumpDay();
      if (this.chainTokens.size > 0 && this.wall.now() - this.chainAskedAt > CHAIN_IDLE_MS) this.watchChain([], false);
    }, this.o.clockIntervalMs ?? 250);
    this.clockTimer.unref?.();
    this.onSession();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.unsubSession?.();
    if (this.clockTimer) clearInterval(this.clockTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.pool?.close();
    this.pool = undefined;
  }

  setDemand(demand: ReadonlyMap<string, FeedMode>): void {
    this.demand = new Map(demand);
    this.applyDemand();
  }

  status(): FeedStatus {
    const s: FeedStatus = { kind: 'kite', state: this.state };
    const notes: string[] = [];
    if (this.message) notes.push(this.message);
    if (this.subscriptionProblem) notes.push(this.subscriptionProblem);
    if (this.historyProblem) notes.push(this.historyProblem);
    if (this.missing.size > 0) notes.push(`not in the instrument dump: ${[...this.missing].sort().slice(0, 10).join(', ')}${this.missing.size > 10 ? ` and ${this.missing.size - 10} more` : ''}`);
    if (this.clockAlarm) notes.push(`clock alarm: exchange time is ${Math.round(this.feedClock.skewMs() / 1000)} s from the wall clock`);
    if (notes.length > 0) s.message = notes.join('; ').slice(0, 500);
    if (this.pool) {
      s.connections = this.pool.stats().map((c) => ({ index: c.index, state: c.state, tokens: c.tokens }));
      const by = { ltp: 0, quote: 0, full: 0 };
      for (const m of this.pool.subscriptions().values()) by[m]++;
      s.subscribed = by;
    }
    if (this.dump) s.instrumentsDate = this.dump.date;
    if (this.feedClock.synced) s.clockSkewMs = this.feedClock.skewMs();
    return s;
  }

  /** The instrument master in use (after the dump loaded). */
  get master(): InstrumentMaster | undefined {
    return this.dump?.master;
  }

  /**
   * The day's instrument master searched for the UI (NSE, BSE, NFO, BFO, indices: model/instrument-master.ts
   * ranks exact symbol, prefix, name…); undefined until the dump is loaded.
   */
  searchInstruments(query: string, opts: { exchanges?: readonly string[]; limit: number }): KiteInstrument[] | undefined {
    const master = this.dump?.master;
    if (master === undefined) return undefined;
    // INDICES is a segment (its rows say exchange NSE or BSE): filter it apart from the exchanges
    const wanted = opts.exchanges?.map((e) => e.toUpperCase());
    if (wanted === undefined) return master.search(query, { limit: opts.limit }).map((h) => h.instrument);
    const ex = wanted.filter((e) => e !== 'INDICES');
    const indices = wanted.includes('INDICES');
    const hits = master.search(query, { limit: opts.limit * 4, exchanges: indices ? [...ex, 'NSE', 'BSE'] : ex });
    return hits
      .map((h) => h.instrument)
      .filter((i) => (i.segment === 'INDICES' ? indices : ex.includes(i.exchange)))
      .slice(0, opts.limit);
  }

  /**
   * Adds an NSE equity of the instrument master to the engine's instruments at run time (a person added it
   * to the watchlist): its token is mapped, the next demand subscribes it. Throws a clear error when the
   * master has no such equity, before the dump is loaded, or when the ticker is full (3 × 3,000 tokens).
   */
  addInstrument(symbol: string): Instrument {
    const known = this.instruments.find((i) => i.symbol === symbol);
    if (known) return known;
    const master = this.dump?.master;
    if (master === undefined) throw new Error(`cannot add ${symbol}: Kite's instrument master is not loaded yet (log in to Kite)`);
    // an NSE equity, or an NFO future / option (its tradingsymbol, e.g. NIFTY26DECFUT, NIFTY26D0824000CE)
    const eq = master.get('NSE', symbol);
    const fo = eq === undefined ? master.get('NFO', symbol) : undefined;
    const k = eq ?? fo;
    const isEq = eq !== undefined && eq.instrumentType === 'EQ' && eq.segment === 'NSE';
    const isFo = fo !== undefined && (fo.instrumentType === 'FUT' || fo.instrumentType === 'CE' || fo.instrumentType === 'PE');
    if (k === undefined || !(isEq || isFo)) {
      throw new Error(`cannot add ${symbol}: not an NSE equity or an NFO future/option in Kite's instrument master of ${this.dump!.date}`);
    }
    const cap = (this.pool as { capacity?: number } | undefined)?.capacity ?? KITE_MAX_TOKENS;
    const used = new Set([...this.demand.keys()].map((s) => this.tokenOf.get(s)).filter((t) => t !== undefined)).size;
    if (used + 1 > cap) {
      throw new Error(`cannot add ${symbol}: the Kite ticker is full (${used} instruments subscribed; Kite allows ${cap} = 3 connections × 3,000 tokens): remove symbols from the watchlist, the chart or the strategies first`);
    }
    const inst: Instrument = isFo ? nfoInstrumentOf(fo) : { symbol, name: k.name || symbol, exchange: 'NSE', tickSizePaise: k.tickSizePaise, lotSize: k.lotSize };
    this.instruments.push(inst);
    this.symbols.add(symbol);
    this.tokenOf.set(symbol, k.instrumentToken);
    this.symbolOf.set(k.instrumentToken, symbol);
    this.log('info', 'kite instrument added', { symbol, token: k.instrumentToken });
    return inst;
  }

  /**
   * Today's session so far and at least `backfillMinutes` of 1-minute candles of one symbol (a symbol added
   * at run time), through the historical cache; [] when the feed has no session yet.
   */
  async recentCandles(symbol: string): Promise<KiteCandle[]> {
    const token = this.tokenOf.get(symbol);
    if (token === undefined || this.historical === undefined) return [];
    const nowMs = this.feedClock.now();
    const minuteStart = nowMs - (nowMs % 60_000);
    const cache = new HistoricalCache({
      source: this.historical,
      ...(this.o.dataDir !== undefined ? { dir: `${this.o.dataDir}/kite/historical` } : {}),
      name: (t) => `NSE:${this.symbolOf.get(t) ?? t}`,
    });
    const all = await cache.candles(token, 'minute', minuteStart - HISTORY_LOOKBACK_MS, minuteStart - 1000);
    const today = istDay(nowMs);
    const todays = all.filter((c) => istDay(c.time) === today).length;
    return all.slice(-Math.max(this.o.backfillMinutes, todays));
  }

  /**
   * The option chain's contracts to follow on the ticker (runtime/kite-option-chain.ts): these tokens are
   * subscribed in FULL mode (quote packets carry neither open interest nor the best bid and ask) besides the
   * engine's demand, their packets kept for chainQuote; a new set replaces the old (tokens no longer in it are
   * unsubscribed unless the engine demands them). They lapse CHAIN_IDLE_MS after the chain was last asked for.
   */
  watchChain(tokens: readonly number[], asked = true): void {
    if (asked) this.chainAskedAt = this.wall.now();
    const next = new Set(tokens);
    if (next.size === this.chainTokens.size && [...next].every((t) => this.chainTokens.has(t))) return;
    for (const t of this.chainTokens) if (!next.has(t)) this.chainQuotes.delete(t);
    this.chainTokens = next;
    this.applyDemand();
  }

  /** The last ticker packet of a token watchChain follows (undefined before its first one). */
  chainQuote(token: number): ChainQuote | undefined {
    return this.chainQuotes.get(token);
  }

  /** symbol → instrument token of the engine's instruments found in the dump. */
  tokens(): ReadonlyMap<string, number> {
    return this.tokenOf;
  }

  /**
   * Kite's `day` candles (about 400 calendar days, what the scanner reads) before `asOf` for the symbols
   * the dump knows, through the historical cache (one request per symbol and planning day, 3/s). Waits
   * for the dump; a symbol whose candles fail is left out (and logged).
   */
  async dailyHistory(symbols: readonly string[], asOf: string): Promise<ReadonlyMap<string, readonly DailyBar[]>> {
    if (!this.dump || !this.historical) throw new Error('the Kite feed has no session and instrument dump yet');
    const cache = new HistoricalCache({
      source: this.historical,
      ...(this.o.dataDir !== undefined ? { dir: `${this.o.dataDir}/kite/historical` } : {}),
      name: (t) => `NSE:${this.symbolOf.get(t) ?? t}`,
    });
    const out = new Map<string, DailyBar[]>();
    const failed: string[] = [];
    for (const symbol of symbols) {
      const token = this.tokenOf.get(symbol);
      if (token === undefined || !this.running) continue;
      try {
        const list = await cache.dailyBefore(token, asOf, 400);
        out.set(symbol, list.map((c) => ({ t: c.time, o: c.openPaise, h: c.highPaise, l: c.lowPaise, c: c.closePaise, v: c.volume })));
      } catch (e) {
        failed.push(symbol);
        this.log('warn', 'kite daily candles not loaded', { symbol, error: redact((e as Error).message, [this.conn?.accessToken ?? '']) });
      }
    }
    this.log('info', 'kite daily history loaded', { asOf, symbols: out.size, requests: cache.requests, failed: failed.length });
    return out;
  }

  // ------------------------------------------------------------------------------------------------
  // Session and start-up

  private setState(state: State, message?: string): void {
    this.state = state;
    this.message = message;
  }

  private onSession(): void {
    if (!this.running) return;
    const c = this.o.session.connection();
    if (!c) {
      if (this.pool === undefined) this.setState('waiting', 'waiting for a Kite session (log in to Kite)');
      else this.message = 'the Kite session ended: showing the last data; log in again';
      return;
    }
    const prev = this.conn;
    this.conn = c;
    if (prev && prev.apiKey === c.apiKey && (prev.root ?? '') === (c.root ?? '')) {
      if (prev.accessToken !== c.accessToken) {
        // a re-login: same account, new token; everything else stays
        this.tokenRefused = false;
        this.historical?.setAccessToken?.(c.accessToken);
        this.pool?.updateAccessToken(c.accessToken);
        if (this.state === 'live') this.message = undefined;
        if (this.state === 'error' || this.pool === undefined) void this.bootstrap();
      }
      return;
    }
    // another account or origin: everything is loaded again with it
    this.historical = undefined;
    void this.bootstrap();
  }

  private async bootstrap(): Promise<void> {
    const gen = ++this.generation;
    const c = this.conn;
    if (!c) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const root = c.root ?? this.o.defaultRoot;
    const current = () => gen === this.generation && this.running;
    try {
      this.setState('loading', 'loading the instrument dump');
      const date = istDay(this.wall.now());
      const dump = await loadDayDump({
        dir: this.o.dataDir !== undefined ? `${this.o.dataDir}/kite` : undefined,
        date,
        creds: { apiKey: c.apiKey, accessToken: c.accessToken, root },
        ...(this.o.fetchInstrumentsCsv ? { fetchCsv: this.o.fetchInstrumentsCsv } : {}),
      });
      if (!current()) return;
      this.useDump(dump);
      this.log('info', 'kite instruments loaded', { date: dump.date, source: dump.source, instruments: dump.master.size, badRows: dump.parse.badRows.length, missing: this.missing.size });

      // the ticker: subscriptions first, so the history step learns the feed's time from it
      this.pool?.close();
      const poolOpts: KiteTickerPoolOptions = { apiKey: c.apiKey, accessToken: c.accessToken, ...(tickerRootOf(root) ? { root: tickerRootOf(root)! } : {}) };
      const pool = (this.o.createPool ?? ((o) => new KiteTickerPool(o)))(poolOpts);
      this.pool = pool;
      this.held = [];
      pool.onTicks((b) => this.onBatch(b));
      pool.on('sessionExpired', () => {
        this.tokenRefused = true;
        this.message = 'Kite refused the ticker token: log in again (showing the last data)';
        this.log('warn', 'kite ticker: token refused');
        this.o.session.reportRejected?.(c.accessToken);
      });
      pool.on('frameError', (e) => this.log('warn', 'kite ticker: bad frame', { conn: e.conn, error: e.error, skipped: e.skipped }));
      pool.on('stale', (e) => this.log('warn', 'kite ticker: stale instruments', { tokens: e.tokens.length }));
      this.applyDemand();

      this.setState('loading', 'waiting for the first exchange timestamp');
      await this.waitForSync(current);
      if (!current()) return;
      this.setState('loading', 'loading historical candles');
      this.historical ??= (this.o.createHistorical ?? defaultHistorical)({ ...c, root });
      await this.backfill(current);
      if (!current()) return;
      this.goLive();
    } catch (e) {
      if (e instanceof KiteError && e.kind === 'token') this.o.session.reportRejected?.(c.accessToken);
      if (!current()) return;
      const msg = redact(e instanceof Error ? e.message : String(e), [c.accessToken]);
      this.setState('error', `Kite feed: ${msg}`.slice(0, 400));
      this.log('error', 'kite feed failed', { error: msg });
      // the live ticks we hold are not lost: go live without (more) history rather than stay dark
      if (this.pool && this.held !== undefined && this.dump) this.goLive(`history not loaded: ${msg}`);
      else this.retryTimer = setTimeout(() => void this.bootstrap(), RETRY_MS);
      this.retryTimer?.unref?.();
    }
  }

  private useDump(dump: LoadedDump): void {
    this.dump = dump;
    this.chainTokens = new Set(); // the chain asks again with the new dump's tokens
    this.chainQuotes.clear();
    this.tokenOf.clear();
    this.symbolOf.clear();
    this.missing.clear();
    for (const inst of this.instruments) {
      const k = dump.master.get('NSE', inst.symbol);
      if (!k || k.instrumentType !== 'EQ') {
        this.missing.add(inst.symbol);
        continue;
      }
      this.tokenOf.set(inst.symbol, k.instrumentToken);
      this.symbolOf.set(k.instrumentToken, inst.symbol);
      if (k.segment !== 'INDICES' && (k.tickSizePaise !== inst.tickSizePaise || k.lotSize !== inst.lotSize)) {
        this.log('warn', 'kite instrument differs from the engine’s (applies from the next start)', { symbol: inst.symbol, tickSizePaise: k.tickSizePaise, lotSize: k.lotSize });
      }
    }
  }

  /** Waits (real time) for the first exchange timestamp; without one (market closed, quote-only) the wall clock stands in. */
  private async waitForSync(current: () => boolean): Promise<void> {
    const until = performance.now() + (this.o.syncTimeoutMs ?? 3000);
    while (current() && !this.feedClock.synced && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.acceptUnsynced = true;
    if (!this.feedClock.synced) this.log('info', 'kite feed: no exchange timestamp yet (market closed?): history up to the wall clock');
  }

  /**
   * Today's session so far and at least `backfillMinutes` of 1-minute candles before the minute the feed
   * is in, for every subscribed symbol, replayed as history.
   */
  private async backfill(current: () => boolean): Promise<void> {
    const minutes = this.o.backfillMinutes;
    const nowMs = this.feedClock.now();
    const minuteStart = nowMs - (nowMs % 60_000);
    const toMs = minuteStart - 1000; // the last COMPLETE minute (Kite's `to` takes candles starting at or before it)
    const today = istDay(nowMs);
    const symbols = [...this.demand.keys()].filter((s) => this.tokenOf.has(s));
    const cache = new HistoricalCache({
      source: this.historical!,
      ...(this.o.dataDir !== undefined ? { dir: `${this.o.dataDir}/kite/historical` } : {}),
      name: (t) => `NSE:${this.symbolOf.get(t) ?? t}`,
    });
    const series: HistorySeries[] = [];
    const failed: string[] = [];
    if (minutes > 0) {
      for (const symbol of symbols) {
        if (!current()) return;
        try {
          const all = await cache.candles(this.tokenOf.get(symbol)!, 'minute', minuteStart - HISTORY_LOOKBACK_MS, toMs);
          const todays = all.filter((c) => istDay(c.time) === today).length;
          const keep = all.slice(-Math.max(minutes, todays));
          if (keep.length > 0) series.push({ symbol, candles: keep });
        } catch (e) {
          failed.push(symbol);
          this.log('warn', 'kite historical candles not loaded', { symbol, error: redact((e as Error).message, [this.conn?.accessToken ?? '']) });
          if (e instanceof KiteError && e.kind === 'token' && this.conn) this.o.session.reportRejected?.(this.conn.accessToken);
        }
      }
    }
    if (!current()) return;
    this.replayHistory(series);
    this.log('info', 'kite history loaded', { symbols: series.length, requests: cache.requests, failed: failed.length, to: new Date(toMs + IST_OFFSET_MS).toISOString().slice(0, 19) + ' IST' });
    this.historyProblem = failed.length > 0 ? `no history for ${failed.slice(0, 10).join(', ')}${failed.length > 10 ? ` and ${failed.length - 10} more` : ''}` : undefined;
  }

  private replayHistory(series: readonly HistorySeries[]): void {
    if (series.length === 0) {
      // no history to replay, but the bracket still tells the kernel the history step is over
      this.historyL.emit('start', { ticks: 0 });
      this.historyL.emit('end', { ticks: 0 });
      return;
    }
    const h = this.o.historyTicks(series);
    let ticks = 0;
    const fromMs = Math.min(...series.map((s) => s.candles[0]!.time));
    this.history = h;
    this.historyL.emit('start', { ticks: 0, fromMs });
    const off = h.onTick((t) => {
      ticks++;
      this.lastVolume.set(t.symbol, t.volume);
      this.tickL.emit(t);
    });
    try {
      // a minute at a time, so bars close on the history's own clock
      for (let guard = 0; !h.done && guard < 1_000_000; guard++) {
        h.advance(60_000);
        this.clockL.emit(h.now());
      }
    } finally {
      off();
      const toMs = h.now();
      this.history = undefined;
      this.historyL.emit('end', { ticks, fromMs, toMs });
    }
  }

  private goLive(note?: string): void {
    const held = this.held ?? [];
    this.held = undefined;
    // Kite's previous closes win over the ones the history's day roll implied
    for (const [symbol, close] of this.prevClose_) this.prevCloseL.emit(symbol, close);
    for (const t of held) this.emitLive(t);
    for (const d of this.heldDepth.values()) this.depthL.emit(d);
    this.heldDepth.clear();
    this.setState('live', note ?? (this.tokenRefused ? 'Kite refused the ticker token: log in again (showing the last data)' : undefined));
    this.clockL.emit(this.feedClock.now());
    this.log('info', 'kite feed live', { held: held.length, subscribed: this.pool?.subscriptions().size ?? 0 });
  }

  // ------------------------------------------------------------------------------------------------
  // Subscriptions

  private applyDemand(): void {
    const pool = this.pool;
    if (!pool || !this.dump) return;
    const want = new Map<number, KiteMode>();
    for (const [symbol, mode] of this.demand) {
      const t = this.tokenOf.get(symbol);
      if (t !== undefined) want.set(t, mode);
    }
    for (const t of this.chainTokens) want.set(t, 'full');
    const have = pool.subscriptions();
    const gone = [...have.keys()].filter((t) => !want.has(t));
    if (gone.length > 0) pool.unsubscribe(gone);
    const by: Record<KiteMode, number[]> = { ltp: [], quote: [], full: [] };
    for (const [t, m] of want) if (have.get(t) !== m) by[m].push(t);
    let problem: string | undefined;
    for (const m of ['full', 'quote', 'ltp'] as const) {
      if (by[m].length === 0) continue;
      try {
        pool.subscribe(by[m], m); // new tokens subscribe, known ones change mode
      } catch (e) {
        problem = `subscriptions: ${(e as Error).message}`.slice(0, 300);
        if (problem !== this.subscriptionProblem) this.log('warn', 'kite subscriptions refused', { mode: m, tokens: by[m].length, error: (e as Error).message });
      }
    }
    this.subscriptionProblem = problem;
  }

  // ------------------------------------------------------------------------------------------------
  // Ticks

  private onBatch(b: TickBatch): void {
    for (let i = 0; i < b.count; i++) {
      const ex = b.exchangeTime[i]!;
      // full packets carry the exchange time: an instrument's (184 B) and an index's (32 B)
      if ((b.kind[i] === KIND_FULL || b.kind[i] === KIND_INDEX_FULL) && ex > 0) this.feedClock.observe(ex * 1000);
    }
    if (!this.feedClock.synced && !this.acceptUnsynced) return;
    const ts = this.feedClock.now();
    for (let i = 0; i < b.count; i++) {
      const token = b.token[i]!;
      if (this.chainTokens.size > 0 && this.chainTokens.has(token)) this.recordChain(b, i, token);
      const symbol = this.symbolOf.get(token);
      if (symbol === undefined) continue;
      const kind = b.kind[i]!;
      const div = divisorOf(token);
      const paise = (raw: number) => (div === 100 ? raw : Math.round((raw * 100) / div));
      const last = paise(b.lastPrice[i]!);
      if (!(last > 0)) continue;
      const quote = kind === KIND_QUOTE || kind === KIND_FULL;
      // index packets (28/32 B: no volume, quantity or depth; OHLC in their own order, decoded by the codec) carry the close too
      const indexQuote = kind === KIND_INDEX_QUOTE || kind === KIND_INDEX_FULL;
      const volume = quote ? b.volume[i]! : (this.lastVolume.get(symbol) ?? 0);
      this.lastVolume.set(symbol, volume);
      if (quote || indexQuote) {
        const close = paise(b.close[i]!);
        if (close > 0 && this.prevClose_.get(symbol) !== close) {
          this.prevClose_.set(symbol, close);
          if (this.held === undefined) this.prevCloseL.emit(symbol, close); // else after the history (goLive)
        }
      }
      const tick: Tick = { symbol, lastPaise: last, lastQty: quote ? b.lastQty[i]! : 0, volume, tsEvent: ts };
      if (this.held !== undefined) {
        if (this.held.length < MAX_HELD_TICKS) this.held.push(tick);
      } else this.emitLive(tick);
      if (kind === KIND_FULL) {
        const d = depthOf(b, i, symbol, ts, paise);
        if (this.held !== undefined) this.heldDepth.set(symbol, d);
        else this.depthL.emit(d);
      }
    }
  }

  private recordChain(b: TickBatch, i: number, token: number): void {
    const div = divisorOf(token);
    const paise = (raw: number) => (div === 100 ? raw : Math.round((raw * 100) / div));
    const kind = b.kind[i]!;
    const last = paise(b.lastPrice[i]!);
    if (!(last > 0)) return;
    const quote = kind === KIND_QUOTE || kind === KIND_FULL;
    const prev = this.chainQuotes.get(token);
    const q: ChainQuote = {
      lastPaise: last,
      closePaise: quote || kind === KIND_INDEX_QUOTE || kind === KIND_INDEX_FULL ? paise(b.close[i]!) : (prev?.closePaise ?? 0),
      volume: quote ? b.volume[i]! : (prev?.volume ?? 0),
      oi: kind === KIND_FULL ? b.oi[i]! : (prev?.oi ?? 0),
    };
    if (kind === KIND_FULL) {
      const best = (side: 0 | 1): number | undefined => {
        const at = i * DEPTH_STRIDE + side * 15;
        const price = paise(b.depth[at + 1]!);
        return b.depth[at]! > 0 && price > 0 ? price : undefined;
      };
      const bid = best(0);
      const ask = best(1);
      if (bid !== undefined) q.bidPaise = bid;
      if (ask !== undefined) q.askPaise = ask;
    }
    this.chainQuotes.set(token, q);
  }

  /** A new IST day (the app ran overnight): the day's dump replaces yesterday's, subscriptions follow its tokens. */
  private checkDumpDay(): void {
    const c = this.conn;
    if (this.refreshingDump || this.state !== 'live' || !this.dump || !c || istDay(this.wall.now()) === this.dump.date) return;
    this.refreshingDump = true;
    const date = istDay(this.wall.now());
    loadDayDump({
      dir: this.o.dataDir !== undefined ? `${this.o.dataDir}/kite` : undefined,
      date,
      creds: { apiKey: c.apiKey, accessToken: c.accessToken, root: c.root ?? this.o.defaultRoot },
      ...(this.o.fetchInstrumentsCsv ? { fetchCsv: this.o.fetchInstrumentsCsv } : {}),
    }).then(
      (dump) => {
        this.refreshingDump = false;
        if (!this.running) return;
        this.useDump(dump);
        this.applyDemand();
        this.log('info', 'kite instruments reloaded for the new day', { date: dump.date, source: dump.source, instruments: dump.master.size });
      },
      (e: unknown) => {
        // keep yesterday's; try again in a minute
        this.log('warn', 'kite instrument dump not reloaded', { date, error: redact((e as Error).message, [c.accessToken]) });
        setTimeout(() => (this.refreshingDump = false), 60_000).unref?.();
      },
    );
  }

  /**
   * A live tick. A symbol's first one follows history whose cumulative day volume was summed from candles
   * and can exceed Kite's (pre-open volume, rounding): market data may read that drop as a new day and
   * roll the previous close, so Kite's previous close is applied again right after it.
   */
  private emitLive(t: Tick): void {
    this.tickL.emit(t);
    if (this.liveSeen.has(t.symbol)) return;
    this.liveSeen.add(t.symbol);
    const pc = this.prevClose_.get(t.symbol);
    if (pc !== undefined) this.prevCloseL.emit(t.symbol, pc);
  }

  private checkClock(): void {
    if (!this.feedClock.synced) return;
    const tol = this.o.clockToleranceMs ?? 120_000;
    const off = Math.abs(this.feedClock.skewMs()) > tol;
    if (off && !this.clockAlarm) this.log('warn', 'kite feed: exchange time is off the wall clock', { skewMs: this.feedClock.skewMs(), toleranceMs: tol });
    this.clockAlarm = off;
  }
}

function depthOf(b: TickBatch, i: number, symbol: string, ts: number, paise: (raw: number) => number): DepthSnapshot {
  const side = (s: 0 | 1): DepthLevel[] => {
    const out: DepthLevel[] = [];
    for (let level = 0; level < 5; level++) {
      const at = i * DEPTH_STRIDE + s * 15 + level * 3;
      const quantity = b.depth[at]!;
      const price = paise(b.depth[at + 1]!);
      const orders = b.depth[at + 2]!;
      if (price > 0 && quantity > 0) out.push({ pricePaise: price, quantity, orders });
    }
    return out;
  };
  return { symbol, tsEvent: ts, buy: side(0), sell: side(1) };
}

function defaultHistorical(c: KiteConnection & { root: string | undefined }): HistoricalSource & { setAccessToken(t: string): void } {
  const rest = new KiteRest({ apiKey: c.apiKey, accessToken: c.accessToken, ...(c.root !== undefined ? { root: c.root } : {}) });
  return {
    historical: (token, interval, from, to) => rest.historical(token, interval, from, to),
    setAccessToken: (t) => rest.setAccessToken(t),
  };
}
