/**
 * The trading-day service: the one owner of "which trading day is it", the session phase and the day
 * roll. The ledger (day PnL, day peak, trades today), the risk engine (daily-loss and drawdown halts),
 * the paper broker (DAY orders expire) and market data (previous close) all take the roll from here,
 * so no part of the engine can be on a different day than another.
 *
 * RULES
 *  - Time comes only from the injected clock (the feed clock in the engine, a fake clock in tests):
 *    nothing here reads the wall clock.
 *  - A SESSION DAY is an IST date with trading: a calendar trading day (weekday that is not an NSE
 *    holiday, or a weekend/holiday special session such as Budget Sunday), or a Muhurat day whose
 *    session timings are known. Weekends and holidays are not session days.
 *  - The TRADING DAY at an instant is the latest session day whose IST date is ≤ the instant's IST
 *    date. So on Saturday, Sunday or a holiday the trading day is still the last session day before it
 *    (Friday's day PnL and a Friday loss halt stay in force over the weekend).
 *  - The ROLL to session day D happens at 00:00 IST of D, whether or not the market is open and
 *    whether or not a tick arrives: an after-market order placed at 08:00 IST of D is judged against
 *    D's fresh daily numbers. A clock that jumps (the simulator goes from 15:30 to the next open)
 *    notices the roll at its first reading on D; `startMs` is still 00:00 IST of D.
 *  - The roll is emitted once per trading day, in order, and only forwards: a clock reading from an
 *    earlier day (a late event) never rolls back. When the clock jumps over several session days
 *    (the engine was off) one roll is emitted, to the latest, with `skipped` counting the others.
 *  - No roll is emitted for the trading day the service starts on: components align themselves to
 *    `today()` when they are built (a ledger rebuilt from yesterday's fills rolls to it at once).
 *  - Every read (`today()`, `phase()`, `session()`) first syncs with the clock, so a reader never sees
 *    a stale day; `sync()` is cheap (one comparison) until the next roll is due.
 *
 * PHASE (`phase()`): on a session day `pre-market` before the pre-open auction, `pre-open`, `open`,
 * `break` (between the windows of a two-window day), `post-close` after the close; on any other day
 * `closed`. MIS square-off time and the session windows come from `session()` (core/nse-calendar.ts).
 */
import type { Clock } from './clock.js';
import { IST_OFFSET_MS } from './ist.js';
import { type IsoDay, type MarketSession, type NseCalendar, isoDayOf, nseCalendar } from './nse-calendar.js';

export type TradingPhase = 'pre-market' | 'pre-open' | 'open' | 'break' | 'post-close' | 'closed';

export interface DayRoll {
  /** The trading day that ended. */
  readonly from: IsoDay;
  /** The trading day that began. */
  readonly to: IsoDay;
  /** 00:00 IST of `to` (epoch ms): when the new trading day began. */
  readonly startMs: number;
  /** The clock reading that noticed the roll (≥ startMs; later when the clock jumped). */
  readonly observedAt: number;
  /** Session days strictly between `from` and `to` that got no roll of their own (the clock jumped over them). */
  readonly skipped: number;
}

export type DayRollListener = (roll: DayRoll) => void;

export interface TradingDayOptions {
  clock: Clock;
  /** Default: the shipped NSE calendar. */
  calendar?: NseCalendar;
  /** A roll listener threw (the other listeners still run). Default console.error. */
  onError?: (err: unknown, roll: DayRoll) => void;
}

const DAY_MS = 86_400_000;
/** No NSE gap between session days comes near this (the calendar's own search limit is 10 years). */
const SEARCH_LIMIT_DAYS = 3660;

/** IST day number (days since 1970-01-01 of the IST date) of an epoch-ms instant. */
export const istDayNumber = (ms: number): number => Math.floor((ms + IST_OFFSET_MS) / DAY_MS);
/** 00:00 IST of an IST day number, epoch ms. */
const dayStartMs = (dayNum: number): number => dayNum * DAY_MS - IST_OFFSET_MS;

export class TradingDay {
  readonly calendar: NseCalendar;
  private readonly clock: Clock;
  private readonly onError: (err: unknown, roll: DayRoll) => void;
  private readonly listeners: DayRollListener[] = [];
  /** IST day number of the current trading day. */
  private cur: number;
  /** [lo, hi): instants whose trading day is `cur` (hi = 00:00 IST of the next session day). */
  private lo: number;
  private hi: number;
  private rolls = 0;

  constructor(opts: TradingDayOptions) {
    this.clock = opts.clock;
    this.calendar = opts.calendar ?? nseCalendar;
    this.onError = opts.onError ?? ((err, roll) => console.error(`trading day: a roll listener failed (${roll.from} → ${roll.to}):`, err));
    const now = this.read();
    this.cur = this.sessionDayOnOrBefore(istDayNumber(now));
    this.lo = dayStartMs(this.cur);
    this.hi = dayStartMs(this.nextSessionDayAfter(this.cur));
  }

  /** True if `dayNum` (an IST day number) has trading: see SESSION DAY above. */
  isSessionDay(dayNum: number): boolean {
    const d = dayStartMs(dayNum);
    return this.calendar.isTradingDay(d) || this.calendar.session(d) !== null;
  }

  /**
   * The IST day number of the trading day at `ms` (pure: no sync, no roll). O(1) for instants of the
   * current trading day; a calendar search otherwise.
   */
  dayNumAt(ms: number): number {
    if (ms >= this.lo && ms < this.hi) return this.cur;
    if (!Number.isFinite(ms)) throw new RangeError(`TradingDay.dayNumAt: expected a finite epoch-ms instant, got ${String(ms)}`);
    return this.sessionDayOnOrBefore(istDayNumber(ms));
  }

  /** The trading day at `ms` as `YYYY-MM-DD` (pure). */
  dayAt(ms: number): IsoDay {
    return isoDayOf(this.dayNumAt(ms));
  }

  /**
   * Reads the clock (or takes `now`) and rolls if a later trading day has begun: the roll is emitted to
   * every listener, in registration order, before this returns. Returns the roll, or undefined.
   */
  sync(now: number = this.read()): DayRoll | undefined {
    if (now < this.hi) return undefined;
    if (!Number.isFinite(now)) throw new RangeError(`TradingDay.sync: expected a finite epoch-ms instant, got ${String(now)}`);
    const from = this.cur;
    const to = this.sessionDayOnOrBefore(istDayNumber(now));
    let skipped = 0;
    for (let n = from + 1; n < to; n++) if (this.isSessionDay(n)) skipped++;
    // state first: a listener that reads the day (or syncs again) sees the new one and no second roll
    this.cur = to;
    this.lo = dayStartMs(to);
    this.hi = dayStartMs(this.nextSessionDayAfter(to));
    this.rolls++;
    const roll: DayRoll = Object.freeze({ from: isoDayOf(from), to: isoDayOf(to), startMs: this.lo, observedAt: now, skipped });
    for (const l of [...this.listeners]) {
      try {
        l(roll);
      } catch (err) {
        this.onError(err, roll);
      }
    }
    return roll;
  }

  /** The current trading day (after a sync). */
  today(): IsoDay {
    this.sync();
    return isoDayOf(this.cur);
  }

  /** The current trading day as an IST day number (after a sync). */
  todayNum(): number {
    this.sync();
    return this.cur;
  }

  /** 00:00 IST of the current trading day (after a sync). */
  todayStartMs(): number {
    this.sync();
    return this.lo;
  }

  /** The session of the current trading day (null on a special day whose timings are not known). */
  session(): MarketSession | null {
    this.sync();
    return this.calendar.session(this.lo);
  }

  /** Where the market is at `at` (default the clock's now), after a sync with the clock; see PHASE above. */
  phase(at?: number): TradingPhase {
    const clockNow = this.read();
    this.sync(clockNow);
    const now = at ?? clockNow;
    if (!Number.isFinite(now)) throw new RangeError(`TradingDay.phase: expected a finite epoch-ms instant, got ${String(now)}`);
    const s = this.calendar.session(now);
    if (s === null) return 'closed';
    if (now < s.preOpenStart) return 'pre-market';
    if (now >= s.close) return 'post-close';
    if (now < s.open) return 'pre-open';
    return s.windows.some((w) => now >= w.start && now < w.end) ? 'open' : 'break';
  }

  /** Rolls emitted since construction. */
  get rollCount(): number {
    return this.rolls;
  }

  /** Called once per roll. Returns an unsubscribe function. */
  onRoll(listener: DayRollListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private read(): number {
    const now = this.clock.now();
    if (!Number.isFinite(now)) throw new RangeError(`TradingDay: the clock returned ${String(now)}`);
    return now;
  }

  private sessionDayOnOrBefore(dayNum: number): number {
    for (let n = dayNum; n > dayNum - SEARCH_LIMIT_DAYS; n--) if (this.isSessionDay(n)) return n;
    throw new RangeError(`TradingDay: no session day within ${SEARCH_LIMIT_DAYS} days before ${isoDayOf(dayNum)}`);
  }

  private nextSessionDayAfter(dayNum: number): number {
    for (let n = dayNum + 1; n < dayNum + SEARCH_LIMIT_DAYS; n++) if (this.isSessionDay(n)) return n;
    throw new RangeError(`TradingDay: no session day within ${SEARCH_LIMIT_DAYS} days after ${isoDayOf(dayNum)}`);
  }
}
