/**
 * Candle replay behind the market-data port (market/data-client.ts): a directory of `<SYMBOL>.csv`
 * candle files (Kite's `datetime,open,high,low,close,volume[,oi]`, and the other layouts
 * kite-sim/csv-replay.ts reads) turned into ticks by that module's CandleReplay, so the engine runs on
 * recorded data: tests, and later backtests. Time is the data's: gaps between bars are skipped, and at
 * the end of the data the feed stops (`ended`).
 *
 * Start-up history: the first `backfillMinutes` of bar time from the start are replayed at once in
 * prepare() (as history: the kernel warms up on them and does not trade them); start() then replays the
 * rest at `speed` × real time. Tests drive it by hand with advance().
 *
 * Bar mode (`bars: true`, the backtester's): the port's optional bar capability. Each bar is one event
 * (onBar) once feed time reaches its end, with the 4 prints a noise-free 4-tick replay gives (BarEvent);
 * no ticks. The kernel takes it the same way in every trading mode: a paper engine on a bar-mode replay
 * sees what the backtest sees.
 */
import type { Instrument } from '../contract/schemas.js';
import { systemClock, type Clock } from '../core/clock.js';
import { Listeners, type BarEvent, type FeedStatus, type MarketDataClient } from '../market/data-client.js';
import { toInstrument, type SimInstrumentSeed } from '../model/instruments.js';
import type { Tick } from '../model/tick.js';
import { CandleReplay, loadCandleDir, type CandleSeries } from '../kite-sim/csv-replay.js';

export interface ReplayFeedOptions {
  /** The candle directory (read at once: every problem of every file is one CandleDataError naming file:line). */
  dir?: string;
  /** Or the series themselves. */
  series?: readonly CandleSeries[];
  speed: number;
  seed: number;
  backfillMinutes: number;
  /** Replay from the first bar starting at or after this epoch ms. */
  from?: number;
  /** CandleReplay's intra-bar noise (default 0.1; 0 = straight lines O → extreme → extreme → C). */
  noise?: number;
  /** Simulated ms between a symbol's ticks (default 1000; ≥ the bar length gives 4 ticks a bar: O, H/L, L/H, C). */
  tickIntervalMs?: number;
  /** The instrument list the data's symbols are placed in (default the NIFTY 50 seeds; [] = the data's symbols only). */
  baseSeeds?: readonly SimInstrumentSeed[];
  /**
   * Tick and lot sizes by symbol for instruments not in any master (default ₹0.05 and 1), and for a derivative
   * its exchange (NFO), kind (FUT/CE/PE), underlying, expiry and strike (default an NSE equity).
   */
  instrumentOverrides?: ReadonlyMap<string, InstrumentOverride>;
  /** Whole bars instead of ticks (see the file comment); bars must be 1 minute or shorter. */
  bars?: boolean;
}

/** What a replay may declare about one of its symbols (see ReplayFeedOptions.instrumentOverrides). */
export type InstrumentOverride = Partial<Pick<Instrument, 'tickSizePaise' | 'lotSize' | 'exchange' | 'kind' | 'underlying' | 'expiry' | 'strikePaise'>>;

const TIMER_MS = 50;
/** Real ms one timer step may cover at most (a laptop waking up does not replay hours at once). */
const MAX_REAL_STEP_MS = 1000;

export class ReplayFeed implements MarketDataClient {
  readonly kind = 'replay' as const;
  readonly instruments: readonly Instrument[];
  readonly replay: CandleReplay;
  private readonly speed: number;
  private readonly backfillMs: number;
  private readonly clock = new Listeners<[number]>();
  private readonly history = new Listeners<['start' | 'end', { ticks: number; fromMs?: number; toMs?: number }]>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastReal = 0;
  private prepared = false;
  /** Present in bar mode only (the port's optional capability). */
  readonly onBar?: (listener: (b: Readonly<BarEvent>) => void) => () => void;

  constructor(
    opts: ReplayFeedOptions,
    private readonly realClock: Clock = systemClock,
  ) {
    const series = opts.series ?? (opts.dir !== undefined ? loadCandleDir(opts.dir) : undefined);
    if (series === undefined) throw new Error('ReplayFeed: needs `dir` or `series`');
    this.replay = new CandleReplay({
      series,
      seed: opts.seed,
      speed: opts.speed,
      ...(opts.from !== undefined ? { from: opts.from } : {}),
      ...(opts.noise !== undefined ? { noise: opts.noise } : {}),
      ...(opts.tickIntervalMs !== undefined ? { tickIntervalMs: opts.tickIntervalMs } : {}),
      ...(opts.baseSeeds !== undefined ? { baseSeeds: opts.baseSeeds } : {}),
      ...(opts.bars === true ? { wholeBars: true } : {}),
    });
    if (opts.bars === true) this.onBar = (l) => this.replay.onBar(l);
    const over = opts.instrumentOverrides;
    this.instruments = this.replay.seeds.map((s) => {
      const i = toInstrument(s);
      const o = over?.get(s.symbol);
      return o ? { ...i, ...o } : i;
    });
    // the clock sees the end of each stretch of bars (15:30) before the replay skips the gap after it
    this.replay.onSegmentEnd((end) => this.clock.emit(end));
    this.speed = opts.speed;
    this.backfillMs = opts.backfillMinutes * 60_000;
  }

  now(): number {
    return this.replay.now();
  }

  prevClose(symbol: string): number | undefined {
    return this.replay.prevClose(symbol);
  }

  onTick(l: (t: Tick) => void): () => void {
    return this.replay.onTick(l);
  }

  /** Candles carry no book: a replay has no depth (the paper broker then fills on its last-price model). */
  onDepth(): () => void {
    return () => undefined;
  }

  onClock(l: (now: number) => void): () => void {
    return this.clock.add(l);
  }

  onPrevClose(): () => void {
    return () => undefined; // the replay's previous closes come with prevClose(), and MarketData rolls the day itself
  }

  onHistory(l: (phase: 'start' | 'end', info: { ticks: number; fromMs?: number; toMs?: number }) => void): () => void {
    return this.history.add(l);
  }

  prepare(): void {
    if (this.prepared) return;
    this.prepared = true;
    if (this.backfillMs <= 0) {
      // no history: still bracketed, so the kernel knows its start-up history is in (and starts trading)
      const at = this.replay.now();
      this.history.emit('start', { ticks: 0, fromMs: at });
      this.history.emit('end', { ticks: 0, fromMs: at, toMs: at });
      return;
    }
    let ticks = 0;
    const count = this.replay.barMode ? this.replay.onBar(() => void (ticks += 4)) : this.replay.onTick(() => void ticks++);
    const fromMs = this.replay.now();
    this.history.emit('start', { ticks: 0, fromMs });
    try {
      this.advance(this.backfillMs);
    } finally {
      count();
      this.history.emit('end', { ticks, fromMs, toMs: this.replay.now() });
    }
  }

  /** Replays the next `ms` of bar time, then tells the clock listeners the time (bars close on it). */
  advance(ms: number): void {
    this.replay.advance(ms);
    this.clock.emit(this.replay.now());
    if (this.replay.done) this.stop();
  }

  start(): void {
    this.prepare();
    if (this.timer !== undefined || this.replay.done) return;
    this.lastReal = this.realClock.now();
    this.timer = setInterval(() => {
      const now = this.realClock.now();
      const elapsed = now - this.lastReal;
      this.lastReal = now;
      if (elapsed > 0) this.advance(Math.min(elapsed, MAX_REAL_STEP_MS) * this.speed);
    }, TIMER_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  setDemand(): void {
    // every replayed instrument ticks anyway
  }

  status(): FeedStatus {
    return this.replay.done ? { kind: 'replay', state: 'ended', message: 'the replay reached the end of its data' } : { kind: 'replay', state: 'live' };
  }
}
