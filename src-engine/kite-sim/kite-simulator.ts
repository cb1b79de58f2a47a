/**
 * KiteSimulator: a local Kite Connect v3 look-alike for tests and development. One node:http server
 * on 127.0.0.1 serves the REST API at http://127.0.0.1:P and the ticker WebSocket at ws://127.0.0.1:P/.
 * Prices come from a MarketSource: by default our MarketSimulator (NIFTY 50 random walk), or a replay
 * of real candles from CSV files (`dataDir`, csv-replay.ts); orders match against a synthetic
 * 5-level book per instrument. See README.md in this folder for the protocol surface and fault controls.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NIFTY50_SEEDS, type SimInstrumentSeed } from '../model/instruments.js';
import { kiteChecksum, SessionStore } from './auth.js';
import { CandleReplay, loadCandleDir } from './csv-replay.js';
import { SimExchange, type OrderStatus } from './exchange.js';
import { type SimInstrument } from './instruments.js';
import { snapToTick } from '../core/prices.js';
import { InstrumentMaster, type KiteInstrument } from '../model/instrument-master.js';
import { DerivedMarket } from './derived-market.js';
import { generateUniverse, universeFromDump } from './universe.js';
import { EndpointLimits, type EndpointLimitsOptions } from './rate-limiter.js';
import { TimerScheduler, type OmsScheduler } from './oms-scheduler.js';
import { istSixAm, SimClock, type ClockMode } from './sim-clock.js';
import { GeneratedMarket, type MarketSource } from './market-source.js';
import { KiteRestApi } from './rest.js';
import { GttBook, MarginCalculator } from './rest-extras.js';
import { CandleRecorder, SimHistory } from './historical.js';
import { TickerHub, type TickerConnectionLog, type TickerStats } from './ticker-hub.js';
import type { KiteMode } from '../adapters/kite/tick-codec.js';
export type { TickerConnectionLog } from './ticker-hub.js';

/** One order placement request as the simulator answered it (orderPlacements()). */
export interface OrderPlacementRecord {
  at: number;
  tag: string | null;
  status: number;
}

export const DEFAULT_API_KEY = 'kitedesk-sim';
export const DEFAULT_API_SECRET = 'kitedesk-sim-secret';
/** Orders (place / modify / cancel) per second per api key before 429. */
export const ORDER_RATE_LIMIT = 10;
/** app_id in order updates. */
export const SIM_APP_ID = 1;

export interface KiteSimulatorOptions {
  /** 0 = any free port. */
  port?: number;
  /** Only loopback is supported. */
  host?: '127.0.0.1';
  apiKey?: string;
  apiSecret?: string;
  /** Where /connect/login redirects; default http://127.0.0.1:P/sim/redirect (a plain-text page). */
  redirectUrl?: string;
  /** Simulated ms per real ms; default 1. */
  speed?: number;
  /** PRNG seed for prices, books and candles; default 1. */
  seed?: number;
  /**
   * Simulated start (epoch ms); default: now if in session, else the next session open.
   * With `dataDir`: replay from the first bar starting at or after it (default: the data's first bar).
   */
  startTime?: number;
  /** Instruments to simulate; default the NIFTY 50 seeds. With `dataDir`, the base list the data's symbols are merged into. */
  seeds?: readonly SimInstrumentSeed[];
  /**
   * Replay real candles from this directory of `<SYMBOL>.csv` files (see csv-replay.ts for the formats)
   * instead of the generated random walk. Uses speed, seed, startTime and seeds as described above.
   */
  dataDir?: string;
  /** A ready market (takes precedence; `seeds`, `dataDir`, `startTime` must then be unset). Its own speed applies. */
  market?: MarketSource;
  /** Ticker flush interval, real ms; default 200. */
  flushIntervalMs?: number;
  /**
   * Serve this Kite instrument dump (one or more CSV files, e.g. instruments/NSE + instruments/NFO) instead
   * of the generated master (universe.ts); `--instruments FILE` on the CLI. Bad rows fail start().
   */
  instruments?: string | readonly string[];
  /** The same with rows already parsed (model/instrument-master.ts). */
  instrumentRows?: readonly KiteInstrument[];
  /**
   * The one clock (sim-clock.ts): `auto` (default) the market's simulated time (the real now in a session, else
   * the next open); `wall` the real clock (closed at night); `manual` only `sim.clock.set()` moves it (tests).
   */
  clock?: ClockMode;
  /** Real ms from the REST reply to the order resting at the exchange; default 300 (exchange.ts DEFAULT_LATENCY_MS). */
  latencyMs?: number;
  /** Where the order steps run; default real timers. Tests may pass a ManualScheduler. */
  scheduler?: OmsScheduler;
  /** Static-IP rule: order requests (place / modify / cancel) only from these client addresses; default any. */
  allowedIps?: readonly string[];
  /** Access tokens expire when the clock passes 06:00 IST (Kite's daily expiry); default true. */
  expireAt0600?: boolean;
  /** A new login invalidates the earlier access tokens; default false. */
  singleSession?: boolean;
  /** Rate limits (real time); defaults are Kite's. */
  limits?: EndpointLimitsOptions;
}

/** Fault switches that can be set at start (CLI) or at any time (API). */
export interface SimFaults {
  /** Orders reaching these states stay there until the switch is cleared. */
  stuck?: readonly OrderStatus[];
  /** Modify / cancel of a still-pending order → 400 instead of being queued. */
  refuseWhilePending?: boolean;
  /** The exchange link is down: orders wait in OPEN / MODIFY / CANCEL PENDING, nothing matches. */
  exchangeDown?: boolean;
}

export interface RunningKiteSimulator {
  port: number;
  /** http://127.0.0.1:P (the KiteConnect `root`). */
  url: string;
  /** ws://127.0.0.1:P/ (the KiteTicker `root`). */
  wsUrl: string;
  /** http://127.0.0.1:P/connect/login (set it as KiteConnect's `default_login_uri`). */
  loginUrl: string;
  close(): Promise<void>;
}

export interface KiteSimulatorStats extends TickerStats {
  ordersPlaced: number;
  sessions: number;
}

export class KiteSimulator {
  private server: Server | undefined;
  private market: MarketSource | undefined;
  private offTick: (() => void) | undefined;
  private hub: TickerHub | undefined;
  private sessionStore: SessionStore | undefined;
  private ex: SimExchange | undefined;
  private failures: { left: number; status: number } = { left: 0, status: 503 };
  private dropsLeft = 0;
  private readonly placements: OrderPlacementRecord[] = [];
  private dropped = 0;
  private simClock: SimClock | undefined;
  private clockTimer: ReturnType<typeof setInterval> | undefined;
  private scheduler: OmsScheduler | undefined;
  private allowedIps: readonly string[] | undefined;
  private list: SimInstrument[] = [];

  /** Starts the HTTP + WebSocket server and the market. */
  async start(opts: KiteSimulatorOptions = {}): Promise<RunningKiteSimulator> {
    if (this.server) throw new Error('KiteSimulator: already started');
    const host = opts.host ?? '127.0.0.1';
    if (host !== '127.0.0.1') throw new Error('KiteSimulator: only 127.0.0.1 is supported');
    const apiKey = opts.apiKey ?? DEFAULT_API_KEY;
    const apiSecret = opts.apiSecret ?? DEFAULT_API_SECRET;
    const seed = opts.seed ?? 1;
    const dump = loadDump(opts);
    const dumpUniverse = dump ? universeFromDump(dump, opts.seeds ?? NIFTY50_SEEDS) : undefined;
    const market = createMarket(opts, seed, dumpUniverse?.marketSeeds);
    // the universe (universe.ts): a real dump, or the generated multi-exchange master around the market's seeds
    // a replay of real candles keeps the 0.05 grid its data was recorded on (csv-replay.ts snaps to 5 paise)
    const universe = dumpUniverse ?? generateUniverse(market.seeds, market.now(), market instanceof CandleReplay ? { equityTickPaise: 5 } : {});
    const derived = new DerivedMarket(universe, seed);
    derived.initialise(market.now());
    this.list = universe.instruments;
    const tokenOf = universe.seedTokens;
    const instByToken = new Map(this.list.map((i) => [i.token, i]));
    const clock = new SimClock({
      mode: opts.clock ?? 'auto',
      market,
      ...(opts.clock === 'manual' && opts.startTime !== undefined ? { startTime: opts.startTime } : {}),
    });
    const scheduler = opts.scheduler ?? new TimerScheduler();
    const ex = new SimExchange({
      instruments: this.list,
      now: () => clock.now(),
      seed,
      scheduler,
      ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
    });
    derived.attach(ex);
    const startOi = new Map([...ex.states.values()].filter((s) => s.oi !== undefined).map((s) => [s.inst.token, s.oi!]));
    // historical candles: synthetic before the start (closing at each instrument's starting previous close), then the live prints
    const recorder = new CandleRecorder();
    const startMs = clock.now();
    // a replay of real candles serves its real bars before the start (where their length can make the interval)
    const replay = market instanceof CandleReplay ? market : undefined;
    const symbolOf = new Map([...tokenOf].map(([sym, t]) => [t, sym]));
    const realBefore = (token: number) => {
      const sym = symbolOf.get(token);
      const bars = sym !== undefined && replay ? replay.barsBefore(sym, startMs) : [];
      if (bars.length === 0) return undefined;
      const longest = Math.max(...bars.slice(0, 50).map((b) => (b.end - b.start) / 60_000));
      return { minutes: longest >= 375 ? 0 : Math.round(longest), bars };
    };
    const history = new SimHistory({ seed, startMs, recorder, now: () => clock.now(), startOi: (t) => startOi.get(t), ...(replay ? { realBefore } : {}) });
    const record = (token: number) => {
      const st = ex.states.get(token);
      if (st) recorder.record(token, st.lastPaise, st.lastQty, st.lastTradeTs, st.oi ?? 0);
    };
    const sessions = new SessionStore({ apiKey, apiSecret, singleSession: opts.singleSession ?? false });
    this.allowedIps = opts.allowedIps;
    // Kite's access tokens die at 06:00 IST (kite-protocol.md §2.4): on the simulator's clock.
    let nextExpiry = nextSixAm(clock.now());
    const expireIfDue = (now: number) => {
      if (opts.expireAt0600 !== false && now >= nextExpiry) {
        nextExpiry = nextSixAm(now);
        sessions.expireAll();
        hub.closeInvalid();
      }
    };
    clock.onStep((now) => {
      ex.onClock();
      expireIfDue(now);
    });
    const hub = new TickerHub({
      exchange: ex,
      sessions,
      flushIntervalMs: opts.flushIntervalMs ?? 200,
      // The postback shape (kite-protocol.md §2.13): the order row + user_id, app_id, unfilled_quantity, checksum.
      orderData: ({ order, row }) => ({
        ...row,
        user_id: ex.userId,
        app_id: SIM_APP_ID,
        unfilled_quantity: Math.max(0, order.quantity - order.filledQuantity - order.cancelledQuantity),
        checksum: kiteChecksum(order.orderId, String(row['order_timestamp']), apiSecret),
      }),
    });
    const gtt = new GttBook(ex, ex.userId, SIM_APP_ID);
    const offTick = market.onTick((t) => {
      const token = tokenOf.get(t.symbol);
      if (token === undefined) return;
      // the first tick after the auto clock's jump to the next open already sees the expired tokens (not 50 ms later)
      expireIfDue(t.tsEvent);
      // the market walks on 5 paise; each instrument trades on its own tick size
      const inst = instByToken.get(token);
      const price = inst ? Math.max(inst.tickPaise, snapToTick(t.lastPaise, inst.tickPaise)) : t.lastPaise;
      ex.marketTick(token, price, t.lastQty, t.volume, t.tsEvent);
      hub.markDirty(token);
      gtt.onPrice(token);
      record(token);
      for (const c of derived.onTick(token, price, t.tsEvent)) {
        hub.markDirty(c);
        gtt.onPrice(c);
        record(c);
      }
    });
    // Order events change instruments too (their book); mark them dirty so depth goes out.
    ex.onOrderEvent((e) => hub.markDirty(e.order.state.inst.token));

    let port = opts.port ?? 0;
    const rest = new KiteRestApi({
      apiKey,
      exchange: ex,
      sessions,
      instruments: this.list,
      limits: new EndpointLimits({ perSecond: { order: ORDER_RATE_LIMIT }, ...opts.limits }),
      allowedOrderIps: () => this.allowedIps,
      seed,
      redirectUrl: () => opts.redirectUrl ?? `http://127.0.0.1:${port}/sim/redirect`,
      takeInjectedFailure: () => {
        if (this.failures.left <= 0) return undefined;
        this.failures.left--;
        return this.failures.status;
      },
      takeDroppedReply: () => {
        if (this.dropsLeft <= 0) return false;
        this.dropsLeft--;
        this.dropped++;
        return true;
      },
      onOrderPlacement: (r) => {
        this.placements.push(r);
        if (this.placements.length > 100_000) this.placements.splice(0, this.placements.length - 100_000);
      },
      onSessionsChanged: () => hub.closeInvalid(),
      user: { userId: ex.userId, userName: 'KiteDesk Simulator', email: 'sim@kitedesk.invalid' },
      history,
      margins: new MarginCalculator(ex, (inst) => (inst.underlyingToken !== undefined ? derived.spot(inst.underlyingToken) : undefined)),
      gtt,
    });
    const server = createServer((req, res) => rest.handle(req, res));
    server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
    server.on('clientError', (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e: unknown) => {
      offTick();
      throw e;
    });
    port = (server.address() as AddressInfo).port;
    Object.assign(this, { server, market, hub, sessionStore: sessions, ex, offTick, simClock: clock, scheduler });
    if (clock.mode === 'auto') market.start();
    if (clock.mode !== 'manual') {
      this.clockTimer = setInterval(() => clock.tick(), CLOCK_TICK_MS);
      this.clockTimer.unref?.();
    }

    const url = `http://127.0.0.1:${port}`;
    return { port, url, wsUrl: `ws://127.0.0.1:${port}/`, loginUrl: `${url}/connect/login`, close: () => this.close() };
  }

  /** Stops the market, closes every socket and the server. Safe to call twice. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.market?.stop();
    clearInterval(this.clockTimer);
    this.clockTimer = undefined;
    if (this.scheduler instanceof TimerScheduler) this.scheduler.clear();
    this.offTick?.();
    this.offTick = undefined;
    this.hub?.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---- fault controls (tests) -----------------------------------------------------------------

  /** Terminates every ticker socket (no close frame), as a network drop would. */
  killSockets(): void {
    this.need().hub.killSockets();
  }

  /** The ticker sends nothing at all, not even heartbeats, for `ms` real milliseconds (clients time out after 5 s). */
  silence(ms: number): void {
    this.need().hub.silence(ms);
  }

  /** The next `n` REST calls (any route) answer HTTP `status` (default 503) with Kite's error envelope. */
  failNext(n: number, status = 503): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError('failNext: n must be an integer ≥ 0');
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError('failNext: status must be 4xx/5xx');
    this.failures = { left: n, status };
  }

  /**
   * The next `n` order placements (POST /orders/:variety) that the simulator ACCEPTS are placed at the
   * exchange as usual, but their HTTP reply is never sent: the connection is destroyed instead, as when a
   * reply is lost on the way back. The client cannot know whether the order exists (it does); it must look
   * it up by its tag, never send it again. Refused placements answer as usual and do not count.
   */
  dropReplies(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError('dropReplies: n must be an integer ≥ 0');
    this.dropsLeft = n;
  }

  /** Placements whose reply was dropped so far, and how many drops are still armed. */
  droppedReplies(): { dropped: number; armed: number } {
    return { dropped: this.dropped, armed: this.dropsLeft };
  }

  /** Every access token becomes invalid (REST → 403 TokenException) and ticker sockets are closed. Log in again to continue. */
  expireTokens(): void {
    const { sessions, hub } = this.need();
    sessions.expireAll();
    hub.closeInvalid();
  }

  /** Sets fault switches (unset fields keep their value). */
  setFaults(f: SimFaults): void {
    const { ex } = this.need();
    if (f.stuck !== undefined) ex.setStuck(f.stuck);
    if (f.refuseWhilePending !== undefined) ex.setRefuseWhilePending(f.refuseWhilePending);
    if (f.exchangeDown !== undefined) ex.setExchangeDown(f.exchangeDown);
  }

  /** The exchange link drops for `ms` real milliseconds (orders wait in their pending states, nothing fills). */
  exchangeDisconnect(ms: number): void {
    this.setFaults({ exchangeDown: true });
    setTimeout(() => {
      if (this.ex) this.setFaults({ exchangeDown: false });
    }, ms).unref?.();
  }

  /**
   * Every order placement request that passed the session check, in arrival order (the last 100,000):
   * wall-clock ms, its tag, and the HTTP status it got (200 placed, 429 over Kite's order rate, other
   * refusals). The chaos harness reads orders per second and resends after a 429 from it.
   */
  orderPlacements(): readonly OrderPlacementRecord[] {
    return this.placements;
  }

  /** Ticker connections (the last 1,000) with when each opened / closed and when each token was first subscribed on it (wall-clock ms). */
  subscriptionLog(): readonly TickerConnectionLog[] {
    return this.need().hub.subscriptionLog();
  }

  /** The static-IP allow-list for order requests (undefined = any address). */
  setAllowedIps(ips: readonly string[] | undefined): void {
    this.allowedIps = ips;
  }

  /** A new login invalidates every earlier access token (on) or not (off, the default). */
  setSingleSession(on: boolean): void {
    this.need().sessions.singleSession = on;
  }

  /** The simulator's one clock (orders, quotes, ticks, phases); `set` / `advance` in manual mode. */
  get clock(): SimClock {
    if (!this.simClock) throw new Error('KiteSimulator: not started');
    return this.simClock;
  }

  /** Ticker connections, subscribed token count per connection, orders placed, live sessions. */
  stats(): KiteSimulatorStats {
    const { hub, ex, sessions } = this.need();
    return { ...hub.stats(), ordersPlaced: ex.ordersPlaced, sessions: sessions.sessionCount };
  }

  /** Tokens subscribed now on the ticker (any connection) with their mode, for white-box tests. */
  subscribedTokens(): Map<number, KiteMode> {
    return this.need().hub.subscribedModes();
  }

  /** The simulated exchange (orders, books, market state), for white-box tests. */
  get exchange(): SimExchange {
    return this.need().ex;
  }

  /** The market driving prices (a GeneratedMarket or a CandleReplay), for white-box tests. */
  get marketSource(): MarketSource {
    if (!this.market) throw new Error('KiteSimulator: not started');
    return this.market;
  }

  /** The live sessions' access, public and enc tokens and the outstanding request tokens (secret-hygiene tests grep for them). */
  issuedSecrets(): string[] {
    return this.need().sessions.issuedSecrets();
  }

  /** The simulated instruments (tokens, symbols, tick and lot sizes). */
  get instruments(): readonly SimInstrument[] {
    return this.list;
  }

  private need(): { hub: TickerHub; ex: SimExchange; sessions: SessionStore } {
    if (!this.hub || !this.ex || !this.sessionStore) throw new Error('KiteSimulator: not started');
    return { hub: this.hub, ex: this.ex, sessions: this.sessionStore };
  }
}

/** Real ms between clock steps (auto: the day cycle; wall: the market catches up with the wall clock). */
const CLOCK_TICK_MS = 50;

function nextSixAm(t: number): number {
  const six = istSixAm(t);
  return six > t ? six : six + 86_400_000;
}

/** The instrument dump to serve, if any (option `instruments` files or `instrumentRows`). */
function loadDump(opts: KiteSimulatorOptions): readonly KiteInstrument[] | undefined {
  if (opts.instrumentRows) return opts.instrumentRows;
  if (opts.instruments === undefined) return undefined;
  const files = typeof opts.instruments === 'string' ? [opts.instruments] : opts.instruments;
  if (opts.market || opts.dataDir !== undefined) throw new Error('KiteSimulator: instruments cannot be combined with market or dataDir');
  return InstrumentMaster.fromFiles(files).master.instruments;
}

function createMarket(opts: KiteSimulatorOptions, seed: number, dumpSeeds?: readonly SimInstrumentSeed[]): MarketSource {
  if (dumpSeeds) {
    if (dumpSeeds.length === 0) throw new Error('KiteSimulator: the instrument dump has nothing to price');
    // more instruments, more prints: a liquid name should not tick much less often than in the default universe
    const ticksPerSecond = Math.min(1000, Math.round(150 * Math.sqrt(Math.max(1, dumpSeeds.length / 50))));
    return new GeneratedMarket({ seeds: dumpSeeds, seed, speed: opts.speed ?? 1, ticksPerSecond, ...(opts.startTime !== undefined ? { startTime: opts.startTime } : {}) });
  }
  if (opts.market) {
    const clash = (['seeds', 'dataDir', 'startTime'] as const).filter((k) => opts[k] !== undefined);
    if (clash.length > 0) throw new Error(`KiteSimulator: market cannot be combined with ${clash.join(', ')}`);
    return opts.market;
  }
  const speed = opts.speed ?? 1;
  if (opts.dataDir !== undefined) {
    return new CandleReplay({
      series: loadCandleDir(opts.dataDir),
      baseSeeds: opts.seeds ?? NIFTY50_SEEDS,
      seed,
      speed,
      ...(opts.startTime !== undefined ? { from: opts.startTime } : {}),
    });
  }
  const seeds = opts.seeds ?? NIFTY50_SEEDS;
  return new GeneratedMarket({ seeds, seed, speed, ...(opts.startTime !== undefined ? { startTime: opts.startTime } : {}) });
}
