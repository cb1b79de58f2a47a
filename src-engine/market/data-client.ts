/**
 * The market-data port: the ONE way the kernel takes market data. Three implementations, chosen by the
 * kernel from the run profile's `feed.kind` and nothing else:
 *  - `simulator` (adapters/sim/simulator-feed.ts): the built-in random walk, the no-credentials default;
 *  - `kite` (adapters/kite/kite-feed.ts): Kite's ticker pool, REST (instrument dump, historical candles);
 *  - `replay` (runtime/replay-feed.ts): candle CSV files replayed as ticks (tests, later backtests).
 * Everything downstream (candles, strategies, depth, the paper broker, the UI) sees only this interface.
 *
 * Contract every implementation keeps:
 *  - ticks and depth in integer paise, in time order per instrument, only for symbols of `instruments`;
 *  - `now()` is the feed's clock (exchange time): monotonic, and the time of the latest tick or clock event;
 *  - history (start-up backfill) is bracketed by `onHistory('start')` … `onHistory('end')`: ticks in between
 *    are the past (the kernel warms up on them and does not trade them);
 *  - `onClock(now)` comes at least whenever feed time has moved on, also without ticks, so bars close on time.
 *
 * Optional bar capability (`onBar`): a feed replaying bars (the replay client in its `bars` mode, which
 * the backtester uses) may deliver each bar as ONE event instead of its ticks. A feed that has `onBar`
 * emits no ticks for those bars; the kernel then builds the closed candle from the bar directly and gives
 * the trading service and strategies the bar's prints (see BarEvent) — the same prices at the same times
 * the 4-tick replay of that bar would give, without a Tick object, a tick path or per-tick work.
 */
import type { Instrument } from '../contract/schemas.js';
import type { DepthSnapshot } from '../model/depth.js';
import type { KiteInstrument } from '../model/instrument-master.js';
import type { Tick } from '../model/tick.js';

export type FeedKind = 'simulator' | 'kite' | 'replay';

/** What a consumer needs of an instrument, as Kite's ticker modes: price only, price + volume/OHLC, + depth. */
export type FeedMode = 'ltp' | 'quote' | 'full';

const MODE_RANK: Readonly<Record<FeedMode, number>> = { ltp: 0, quote: 1, full: 2 };

/** The richer of two modes. */
export function maxMode(a: FeedMode | undefined, b: FeedMode): FeedMode {
  return a === undefined || MODE_RANK[b] > MODE_RANK[a] ? b : a;
}

export interface FeedConnectionStatus {
  index: number;
  /** idle, connecting, open, waiting (to reconnect), expired (token refused), closed */
  state: string;
  /** Instrument tokens subscribed on this connection. */
  tokens: number;
}

export interface FeedStatus {
  kind: FeedKind;
  /**
   * waiting: for credentials (a Kite session); loading: instruments and history; live: ticking;
   * ended: a replay ran out of data; error: see message (the engine keeps running on what it has).
   */
  state: 'waiting' | 'loading' | 'live' | 'ended' | 'error';
  message?: string;
  /** Kite: the ticker connections. */
  connections?: FeedConnectionStatus[];
  /** Kite: instruments subscribed, by mode. */
  subscribed?: { ltp: number; quote: number; full: number };
  /** Kite: the IST date of the instrument dump in use. */
  instrumentsDate?: string;
  /** Feed time minus wall time, ms (Kite: from the exchange timestamps). */
  clockSkewMs?: number;
}

/**
 * One bar of one symbol, delivered whole (MarketDataClient.onBar) once feed time has reached its end.
 * The bar lies inside one 1-minute candle bucket (1-minute or shorter bars). The event object may be
 * reused by the feed: read it during the call, keep nothing of it.
 */
export interface BarEvent {
  symbol: string;
  /** Bar start and end (exclusive), epoch ms. */
  start: number;
  end: number;
  openPaise: number;
  highPaise: number;
  lowPaise: number;
  closePaise: number;
  /** Shares traded in the bar. */
  volume: number;
  /** The day's cumulative volume after this bar (a tick's `volume`). */
  dayVolume: number;
  /**
   * The bar's prints in time order, what a 4-tick replay of it gives: the open at the bar's start, the
   * nearer extreme, the other extreme, the close (at start + k/4 of the bar). The paper broker, risk's
   * stale-data clock and exits see these (next-open fills take the open; stops and limits the extremes).
   */
  printPaise: readonly number[];
  printTs: readonly number[];
}

export interface MarketDataClient {
  readonly kind: FeedKind;
  /** Every instrument the feed can deliver; fixed for the client's life, except what addInstrument adds. */
  readonly instruments: readonly Instrument[];
  /** The feed clock, epoch ms. */
  now(): number;
  /** The previous session's close, paise, if known yet. */
  prevClose(symbol: string): number | undefined;
  onTick(listener: (t: Tick) => void): () => void;
  /** Whole bars (see BarEvent and the file comment); absent on feeds that only tick. */
  onBar?(listener: (b: Readonly<BarEvent>) => void): () => void;
  onDepth(listener: (d: DepthSnapshot) => void): () => void;
  onClock(listener: (nowMs: number) => void): () => void;
  /** A previous close learned while running (Kite's quote packets carry it). */
  onPrevClose(listener: (symbol: string, paise: number) => void): () => void;
  onHistory(listener: (phase: 'start' | 'end', info: { ticks: number; fromMs?: number; toMs?: number }) => void): () => void;
  /**
   * Called once by the kernel after wiring its listeners: a feed that can produce its history at once
   * (simulator, replay) does it here, synchronously; Kite loads its history after start().
   */
  prepare(): void;
  start(): void;
  stop(): void;
  /**
   * What the kernel's consumers need, symbol → mode (the richest wins per symbol). A feed that delivers
   * everything anyway (simulator, replay) ignores it; Kite subscribes exactly these within its limits.
   */
  setDemand(demand: ReadonlyMap<string, FeedMode>): void;
  status(): FeedStatus;
  /**
   * Daily candles (paise, labelled 00:00 IST, oldest first) of the trading days before `asOf`, for the
   * pre-market scanner, when the feed has its own (Kite's historical `day` candles). Symbols it cannot
   * serve are left out. Feeds without real daily history (simulator, replay) do not implement it.
   */
  dailyHistory?(symbols: readonly string[], asOf: string): Promise<ReadonlyMap<string, readonly DailyBar[]>>;
  /**
   * A feed with an instrument master of its own (Kite) searches it for the watchlist's add box (ranked:
   * exact symbol, prefix, name…); undefined while it has none loaded (the kernel then searches `instruments`).
   */
  searchInstruments?(query: string, opts: { exchanges?: readonly string[]; limit: number }): KiteInstrument[] | undefined;
  /**
   * Adds a symbol of that master to `instruments` at run time (a person added it to the watchlist); the
   * next setDemand subscribes it. Throws a clear error when it cannot (unknown, not tradable here, the
   * ticker's token limit).
   */
  addInstrument?(symbol: string): Instrument;
  /** Recent 1-minute candles of one symbol (today so far and the backfill window), to backfill a symbol added at run time. */
  recentCandles?(symbol: string): Promise<readonly MinuteCandle[]>;
}

/** One 1-minute candle (Kite historical's shape): start epoch ms, paise, shares. */
export interface MinuteCandle {
  time: number;
  openPaise: number;
  highPaise: number;
  lowPaise: number;
  closePaise: number;
  volume: number;
}

/** One daily candle for the scanner (the indicators' Bar shape): start epoch ms, paise, shares. */
export interface DailyBar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** A tiny listener set shared by the implementations. */
export class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...a: A) => void>();
  add(l: (...a: A) => void): () => void {
    this.set.add(l);
    return () => {
      this.set.delete(l);
    };
  }
  get size(): number {
    return this.set.size;
  }
  emit(...a: A): void {
    for (const l of this.set) l(...a);
  }
}
