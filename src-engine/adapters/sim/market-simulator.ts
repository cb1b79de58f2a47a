import type { Instrument } from '../../contract/schemas.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { istSessionBounds } from '../../core/ist.js';
import { nseCalendar } from '../../core/nse-calendar.js';

/**
 * The simulator trades regular NSE sessions (09:15–15:30 IST) on the calendar's trading days:
 * weekends and exchange holidays are skipped; Muhurat and other special sessions are not simulated.
 */
export function inSimulatedSession(epochMs: number): boolean {
  const s = nseCalendar.session(epochMs);
  return s !== null && s.kind === 'regular' && epochMs >= s.open && epochMs < s.close;
}

/** The next regular session open strictly after `epochMs` (or its own open if it is before it on a trading day). */
export function nextSimulatedOpen(epochMs: number): number {
  let t = epochMs;
  for (let i = 0; i < 400; i++) {
    const open = nseCalendar.nextOpen(t);
    if (nseCalendar.session(open)?.kind === 'regular') return open;
    t = open;
  }
  throw new Error(`no regular NSE session found after ${new Date(epochMs).toISOString()}`);
}
import { snapToTick } from '../../core/prices.js';
import { Rng } from '../../core/random.js';
import { toInstrument, type SimInstrumentSeed } from '../../model/instruments.js';
import type { DepthSnapshot } from '../../model/depth.js';
import type { Tick } from '../../model/tick.js';
import { DepthBooks } from './depth-book.js';

/**
 * Built-in market simulator: a seeded random walk in log price per instrument, NSE session hours
 * only (09:15–15:30 IST, weekdays; exchange holidays are not modelled yet — see core/ist.ts).
 *
 * Model
 * - Ticks arrive as one aggregate Poisson process of `ticksPerSecond` per SIMULATED second; each tick
 *   picks an instrument with probability ∝ sqrt(avgDailyVolume), so liquid names tick more often.
 * - The log-price step of an instrument is N(−v/2, v) with v = σ²_ms · Δt · f(x)², where Δt is the
 *   simulated time since that instrument's previous tick, σ²_ms the annual variance spread over
 *   250 days × 375 minutes, and f the intraday U-shaped volatility curve (x = fraction of the session),
 *   normalised so a whole day keeps the annual-vol-implied daily variance. The variance therefore does
 *   not depend on the tick rate.
 * - Tick quantities are lognormal, their mean following a U-shaped volume profile and scaled so a day's
 *   total is about avgDailyVolume.
 * - Simulated time only runs inside sessions: reaching 15:30 IST jumps straight to the next session
 *   open; prevClose becomes the day's last price and the cumulative day volume resets.
 */
export interface MarketSimulatorOptions {
  seeds: readonly SimInstrumentSeed[];
  /** PRNG seed; default fixed (1). */
  seed?: number;
  /** Simulated ms per real ms, used by start(); default 1. */
  speed?: number;
  /** Simulated epoch ms; default: the real now if inside today's IST session, otherwise the next session open. */
  startTime?: number;
  /** Aggregate ticks per SIMULATED second across all instruments; default 150. */
  ticksPerSecond?: number;
  /** Default 0.25 (25 % a year). */
  annualVolatility?: number;
  /** Minimum feed time between two depth snapshots of one instrument (see onDepth); default 250 ms. */
  depthIntervalMs?: number;
}

const DEFAULT_SEED = 1;
const DEFAULT_TICKS_PER_SECOND = 150;
const DEFAULT_ANNUAL_VOL = 0.25;
const TICK_SIZE_PAISE = 5;
const TRADING_DAYS_PER_YEAR = 250;
const SESSION_MINUTES = 375;
const SESSION_MS = SESSION_MINUTES * 60_000;
/** Real-time step of start()'s timer. */
const TIMER_INTERVAL_MS = 50;
/**
 * start() advances by real elapsed × speed, but never by more than this much REAL time per step, so a
 * laptop waking from sleep does not trigger an enormous burst of catch-up ticks. The simulation then
 * simply runs behind the wall clock.
 */
const MAX_REAL_STEP_MS = 1000;
/** Log-sd of the lognormal tick-quantity distribution. */
const QTY_LOG_SD = 0.8;

/** Intraday U-shaped curves over x ∈ [0,1) (fraction of the session), normalised below. */
const rawVolShape = (x: number): number => 1 + 1.6 * Math.exp(-x / 0.06) + 0.9 * Math.exp(-(1 - x) / 0.06);
const rawVolumeShape = (x: number): number => 1 + 2.2 * Math.exp(-x / 0.06) + 1.6 * Math.exp(-(1 - x) / 0.06);

/** Precomputed per-session-second lookup tables (22,500 entries each) to keep the hot path cheap. */
const SESSION_SECONDS = SESSION_MS / 1000;
const VOL_SHAPE = new Float64Array(SESSION_SECONDS); // f(x), with mean f² = 1
const VOLUME_SHAPE = new Float64Array(SESSION_SECONDS); // g(x), with mean g = 1
{
  let sumF2 = 0;
  let sumG = 0;
  for (let s = 0; s < SESSION_SECONDS; s++) {
    const x = (s + 0.5) / SESSION_SECONDS;
    VOL_SHAPE[s] = rawVolShape(x);
    VOLUME_SHAPE[s] = rawVolumeShape(x);
    sumF2 += rawVolShape(x) ** 2;
    sumG += rawVolumeShape(x);
  }
  const fNorm = Math.sqrt(sumF2 / SESSION_SECONDS);
  const gNorm = sumG / SESSION_SECONDS;
  for (let s = 0; s < SESSION_SECONDS; s++) {
    VOL_SHAPE[s] = VOL_SHAPE[s]! / fNorm;
    VOLUME_SHAPE[s] = VOLUME_SHAPE[s]! / gNorm;
  }
}

function fail(what: string): never {
  throw new RangeError(`MarketSimulator: ${what}`);
}

function positiveFinite(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(`${name} must be a finite number > 0, got ${String(v)}`);
  return v;
}

export class MarketSimulator {
  readonly instruments: Instrument[];

  private readonly symbols: string[];
  private readonly index = new Map<string, number>();
  private readonly rng: Rng;
  private readonly speed: number;
  private readonly meanInterarrivalMs: number;
  private readonly sigma2PerMs: number;
  /** Cumulative selection weights (last = 1). */
  private readonly cumWeight: Float64Array;
  /** Mean quantity per tick of each instrument before the intraday profile. */
  private readonly baseQty: Float64Array;
  private readonly logPrice: Float64Array;
  private readonly lastPaise: Float64Array;
  private readonly prevClosePaise: Float64Array;
  private readonly dayVolume: Float64Array;
  private readonly lastUpdate: Float64Array;
  private readonly minLogPrice = Math.log(TICK_SIZE_PAISE);

  private readonly listeners = new Set<(t: Tick) => void>();
  private readonly depthListeners = new Set<(d: DepthSnapshot) => void>();
  /** Synthetic 5-level books (own Rng, so depth never changes the tick stream); rebuilt per tick only while someone listens. */
  private readonly books: DepthBooks;
  private readonly clockListeners = new Set<(nowMs: number) => void>();
  private cursor: number;
  private sessionOpen: number;
  private sessionClose: number;
  private nextEventAt: number;
  private advancing = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastReal = 0;

  constructor(
    opts: MarketSimulatorOptions,
    private readonly realClock: Clock = systemClock,
  ) {
    const seeds = opts.seeds;
    if (!Array.isArray(seeds) || seeds.length === 0) fail('seeds must be a non-empty array');
    seeds.forEach((s, i) => {
      const where = `seeds[${i}] (${String(s?.symbol)})`;
      if (typeof s?.symbol !== 'string' || s.symbol.length === 0) fail(`${where}: symbol must be a non-empty string`);
      if (this.index.has(s.symbol)) fail(`${where}: duplicate symbol`);
      if (!Number.isSafeInteger(s.basePaise) || s.basePaise <= 0 || s.basePaise % TICK_SIZE_PAISE !== 0) {
        fail(`${where}: basePaise must be a positive integer multiple of ${TICK_SIZE_PAISE} paise, got ${String(s.basePaise)}`);
      }
      if (!Number.isFinite(s.avgDailyVolume) || s.avgDailyVolume <= 0) {
        fail(`${where}: avgDailyVolume must be a finite number > 0, got ${String(s.avgDailyVolume)}`);
      }
      this.index.set(s.symbol, i);
    });
    const seed = opts.seed ?? DEFAULT_SEED;
    if (!Number.isFinite(seed)) fail(`seed must be a finite number, got ${String(seed)}`);
    this.speed = positiveFinite('speed', opts.speed, 1);
    const ticksPerSecond = positiveFinite('ticksPerSecond', opts.ticksPerSecond, DEFAULT_TICKS_PER_SECOND);
    const vol = opts.annualVolatility ?? DEFAULT_ANNUAL_VOL;
    if (!Number.isFinite(vol) || vol < 0) fail(`annualVolatility must be a finite number ≥ 0, got ${String(vol)}`);
    if (opts.startTime !== undefined && !Number.isFinite(opts.startTime)) {
      fail(`startTime must be a finite epoch ms, got ${String(opts.startTime)}`);
    }

    const n = seeds.length;
    this.instruments = seeds.map(toInstrument);
    this.symbols = seeds.map((s) => s.symbol);
    this.rng = new Rng(seed);
    this.books = new DepthBooks({
      instruments: seeds.map((s) => ({ symbol: s.symbol, tickSizePaise: TICK_SIZE_PAISE, avgDailyVolume: s.avgDailyVolume })),
      seed: (Math.trunc(seed) ^ 0x2545f491) >>> 0,
      ...(opts.depthIntervalMs !== undefined ? { intervalMs: opts.depthIntervalMs } : {}),
    });
    this.meanInterarrivalMs = 1000 / ticksPerSecond;
    this.sigma2PerMs = (vol * vol) / (TRADING_DAYS_PER_YEAR * SESSION_MS);

    this.cumWeight = new Float64Array(n);
    this.baseQty = new Float64Array(n);
    const weights = seeds.map((s) => Math.sqrt(s.avgDailyVolume));
    const totalWeight = weights.reduce((a, b) => a + b, 0);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]! / totalWeight;
      acc += w;
      this.cumWeight[i] = acc;
      const ticksPerDay = ticksPerSecond * w * SESSION_SECONDS;
      this.baseQty[i] = seeds[i]!.avgDailyVolume / ticksPerDay;
    }
    this.cumWeight[n - 1] = 1;

    this.logPrice = new Float64Array(seeds.map((s) => Math.log(s.basePaise)));
    this.lastPaise = new Float64Array(seeds.map((s) => s.basePaise));
    this.prevClosePaise = new Float64Array(seeds.map((s) => s.basePaise));
    this.dayVolume = new Float64Array(n);

    const requested = opts.startTime ?? realClock.now();
    this.cursor = inSimulatedSession(requested) ? requested : nextSimulatedOpen(requested);
    ({ open: this.sessionOpen, close: this.sessionClose } = istSessionBounds(this.cursor));
    this.lastUpdate = new Float64Array(n).fill(this.cursor);
    this.nextEventAt = this.cursor + this.interarrival();
  }

  onTick(listener: (t: Tick) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Market depth: each instrument's synthetic book is rebuilt around its price on every tick while a
   * depth listener is registered, and a snapshot is pushed at most once per `depthIntervalMs` of feed
   * time per instrument (right after that tick's tick listeners).
   */
  onDepth(listener: (d: DepthSnapshot) => void): () => void {
    this.depthListeners.add(listener);
    return () => {
      this.depthListeners.delete(listener);
    };
  }

  /** The current synthetic book of a symbol, or null (unknown symbol, or no tick since a depth listener was added). */
  depth(symbol: string): DepthSnapshot | null {
    return this.books.snapshot(symbol);
  }

  /**
   * The feed clock: called with the simulated time each time advance() has generated every tick up to
   * it — at the end of each advance() and at each session close (before the jump to the next open),
   * so a consumer can close bars on time even when no tick comes.
   */
  onClock(listener: (nowMs: number) => void): () => void {
    this.clockListeners.add(listener);
    return () => {
      this.clockListeners.delete(listener);
    };
  }

  /** Drives advance() from an unref'd real timer: every ~50 ms real, by real elapsed × speed. */
  start(): void {
    if (this.timer !== undefined) return;
    this.lastReal = this.realClock.now();
    this.timer = setInterval(() => this.step(), TIMER_INTERVAL_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Generates, in time order, every tick of the next `simMs` of SESSION time. Time outside sessions
   * is skipped: reaching 15:30 IST jumps to the next session open and the rest of simMs continues there.
   * Listener exceptions propagate to the caller (the simulator's own state stays consistent).
   */
  advance(simMs: number): void {
    if (!Number.isFinite(simMs) || simMs < 0) fail(`advance: simMs must be a finite number ≥ 0, got ${String(simMs)}`);
    if (this.advancing) fail('advance: called re-entrantly from a tick listener');
    this.advancing = true;
    try {
      let remaining = simMs;
      for (;;) {
        const sessionLeft = this.sessionClose - this.cursor;
        if (remaining < sessionLeft) {
          const end = this.cursor + remaining;
          this.generateUntil(end);
          this.cursor = end;
          this.emitClock(end);
          return;
        }
        this.generateUntil(this.sessionClose);
        remaining -= sessionLeft;
        this.emitClock(this.sessionClose);
        this.rollSession();
      }
    } finally {
      this.advancing = false;
    }
  }

  /** Current simulated epoch ms (always inside a session). */
  now(): number {
    return Math.floor(this.cursor);
  }

  /** The previous session's close in paise (initially the seed's basePaise). */
  prevClose(symbol: string): number {
    const i = this.index.get(symbol);
    if (i === undefined) throw new RangeError(`MarketSimulator.prevClose: unknown symbol '${symbol}'`);
    return this.prevClosePaise[i]!;
  }

  private step(): void {
    const now = this.realClock.now();
    const elapsed = now - this.lastReal;
    this.lastReal = now;
    if (!(elapsed > 0)) return; // clock did not move, or went backwards
    this.advance(Math.min(elapsed, MAX_REAL_STEP_MS) * this.speed);
  }

  private interarrival(): number {
    return -Math.log(1 - this.rng.uniform()) * this.meanInterarrivalMs;
  }

  private pickInstrument(): number {
    const u = this.rng.uniform();
    const cw = this.cumWeight;
    let lo = 0;
    let hi = cw.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (u < cw[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private generateUntil(end: number): void {
    while (this.nextEventAt < end) {
      const t = this.nextEventAt;
      this.cursor = t;
      this.emit(t);
      this.nextEventAt = t + this.interarrival();
    }
  }

  private emit(t: number): void {
    const i = this.pickInstrument();
    const second = Math.min(SESSION_SECONDS - 1, Math.max(0, Math.floor((t - this.sessionOpen) / 1000)));

    const dt = t - this.lastUpdate[i]!;
    this.lastUpdate[i] = t;
    const shape = VOL_SHAPE[second]!;
    const variance = this.sigma2PerMs * dt * shape * shape;
    let lp = this.logPrice[i]! + Math.sqrt(variance) * this.rng.normal() - variance / 2;
    if (lp < this.minLogPrice) lp = this.minLogPrice;
    this.logPrice[i] = lp;
    const price = Math.max(TICK_SIZE_PAISE, snapToTick(Math.exp(lp), TICK_SIZE_PAISE));
    this.lastPaise[i] = price;

    const meanQty = this.baseQty[i]! * VOLUME_SHAPE[second]!;
    const qty = Math.max(1, Math.round(meanQty * Math.exp(QTY_LOG_SD * this.rng.normal() - (QTY_LOG_SD * QTY_LOG_SD) / 2)));
    const volume = this.dayVolume[i]! + qty;
    this.dayVolume[i] = volume;

    if (this.listeners.size > 0) {
      const tick: Tick = { symbol: this.symbols[i]!, lastPaise: price, lastQty: qty, volume, tsEvent: Math.floor(t) };
      for (const l of this.listeners) l(tick);
    }
    if (this.depthListeners.size > 0) {
      const d = this.books.onTick(i, price, Math.floor(t));
      if (d !== null) for (const l of this.depthListeners) l(d);
    }
  }

  private emitClock(nowMs: number): void {
    if (this.clockListeners.size === 0) return;
    const t = Math.floor(nowMs);
    for (const l of this.clockListeners) l(t);
  }

  private rollSession(): void {
    this.prevClosePaise.set(this.lastPaise);
    this.dayVolume.fill(0);
    this.cursor = nextSimulatedOpen(this.sessionClose);
    ({ open: this.sessionOpen, close: this.sessionClose } = istSessionBounds(this.cursor));
    this.lastUpdate.fill(this.cursor);
    this.nextEventAt = this.cursor + this.interarrival();
  }
}
