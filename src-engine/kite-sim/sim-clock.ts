/**
 * The Kite simulator's one clock: orders, quotes, ticks, candles, market phases and expiries all read it.
 *
 * - `auto` (default): the market's own simulated time. The market starts at the real now when a session is
 *   open and otherwise at the next session open, then runs at `speed` and jumps from the close to the next open
 *   (the day's square-off, close and roll are processed at the jump), so practice and tests work at any hour.
 * - `wall`: the real clock. The market only moves while the wall clock is inside a session: closed at night,
 *   pre-open at 09:00, no ticks on holidays.
 * - `manual`: time stands still until `set(t)` / `advance(ms)` (tests). It passes through closed periods too,
 *   stepping through every calendar boundary (pre-open, open, MIS square-off, close) so the day's events happen
 *   at their time and the market generates the ticks of the session time in between.
 */
import { istSessionBounds } from '../core/ist.js';
import { nseCalendar, type NseCalendar } from '../core/nse-calendar.js';
import type { MarketSource } from './market-source.js';

export type ClockMode = 'auto' | 'wall' | 'manual';
export const CLOCK_MODES: readonly ClockMode[] = ['auto', 'wall', 'manual'];

/** A market whose time can be moved by hand (GeneratedMarket; CandleReplay). */
interface Advanceable {
  advance(simMs: number): void;
}

function canAdvance(m: MarketSource): m is MarketSource & Advanceable {
  return typeof (m as Partial<Advanceable>).advance === 'function';
}

export interface SimClockOptions {
  mode: ClockMode;
  market: MarketSource;
  /** The real clock (wall mode); default Date.now. */
  wall?: () => number;
  /** Manual mode: the start time; default the market's time. */
  startTime?: number;
  calendar?: NseCalendar;
}

/** Manual steps inside continuous trading are at most this long, so fills and expiries keep their order. */
const MAX_OPEN_STEP_MS = 1000;

export class SimClock {
  readonly mode: ClockMode;
  private readonly market: MarketSource;
  private readonly wall: () => number;
  private readonly calendar: NseCalendar;
  private t: number;
  private readonly listeners = new Set<(now: number) => void>();

  constructor(o: SimClockOptions) {
    this.mode = o.mode;
    this.market = o.market;
    this.wall = o.wall ?? Date.now;
    this.calendar = o.calendar ?? nseCalendar;
    if (o.mode !== 'auto' && !canAdvance(o.market)) throw new Error(`SimClock: --clock ${o.mode} needs a market that can be advanced`);
    this.t = o.mode === 'wall' ? this.wall() : (o.startTime ?? o.market.now());
  }

  /** Simulated epoch ms. */
  now(): number {
    if (this.mode === 'auto') return this.market.now();
    if (this.mode === 'wall') return this.t;
    return this.t;
  }

  /** Called after every clock step (the simulator runs the exchange's day cycle and expiries there). */
  onStep(l: (now: number) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** The timer's tick: auto → just report; wall → catch up with the wall clock. */
  tick(): void {
    if (this.mode === 'auto') {
      this.emit();
      return;
    }
    if (this.mode === 'wall') this.moveTo(Math.max(this.t, this.wall()));
  }

  /** Manual mode: moves to `target` (≥ now) through every calendar boundary on the way. */
  set(target: number): void {
    if (this.mode !== 'manual') throw new Error(`SimClock.set: only in manual mode (this clock is ${this.mode})`);
    if (!Number.isFinite(target) || target < this.t) throw new RangeError('SimClock.set: the clock only moves forward');
    this.moveTo(target);
  }

  /** Manual mode: moves forward by `ms`. */
  advance(ms: number): void {
    this.set(this.t + ms);
  }

  private moveTo(target: number): void {
    for (let guard = 0; guard < 10_000_000 && this.t < target; guard++) {
      const phase = this.calendar.phase(this.t);
      const limit = phase === 'open' ? this.t + MAX_OPEN_STEP_MS : Infinity;
      const next = Math.min(target, this.nextBoundary(this.t), limit);
      this.catchUpMarket(next);
      this.t = next;
      this.emit();
    }
  }

  /** The next pre-open, open, window edge, MIS square-off, close or 06:00 IST after `t`. */
  private nextBoundary(t: number): number {
    const six = istSixAm(t);
    const cands = [six > t ? six : six + 86_400_000];
    for (const s of [this.calendar.session(t), this.calendar.session(this.calendar.nextOpen(t))]) {
      if (s) cands.push(s.preOpenStart, s.open, s.misSquareOff, s.close, ...s.windows.flatMap((w) => [w.start, w.end]));
    }
    return Math.min(...cands.filter((x) => x > t));
  }

  /** Generates the market's ticks up to `target`, within sessions only (the market skips closed time itself). */
  private catchUpMarket(target: number): void {
    const m = this.market as MarketSource & Advanceable;
    for (let guard = 0; guard < 1000; guard++) {
      const at = m.now();
      if (at >= target) return;
      const { close } = istSessionBounds(at);
      const step = Math.min(target, close) - at;
      if (step <= 0) return;
      m.advance(step);
      if (m.now() === at) return;
    }
  }

  private emit(): void {
    const now = this.now();
    for (const l of this.listeners) l(now);
  }
}

/** 06:00 IST on the IST day of `t`. */
export function istSixAm(t: number): number {
  const IST = 19_800_000;
  const day = Math.floor((t + IST) / 86_400_000) * 86_400_000 - IST;
  return day + 6 * 3_600_000;
}
