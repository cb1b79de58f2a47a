/**
 * The NSE trading calendar (equity cash and F&O), in IST: holidays, weekend/Muhurat sessions,
 * session times, trading-day arithmetic. Builds on ./ist.ts (whose API stays holiday-free).
 *
 * Definitions used throughout:
 *  - A TRADING DAY is a weekday that is not an NSE holiday, or a weekend/holiday with a `special`
 *    live session (e.g. Saturday 2024-01-20, Budget Sunday 2026-02-01). Muhurat days are holidays:
 *    they have a one-hour token session (session() returns it and isMarketOpen() is true during it),
 *    but they are NOT trading days for counting (previousTradingDay, tradingDaysBetween, rollover).
 *  - Times are epoch ms; dates are IST calendar dates `YYYY-MM-DD` (IsoDay). Any function taking a
 *    day also accepts an epoch-ms instant and uses the IST date containing it.
 *  - Outside the years in NSE_HOLIDAY_YEARS there is no holiday data: every weekday is a trading day
 *    there. hasHolidayData() tells callers when that is the case.
 */
import { IST_OFFSET_MS } from './ist.js';
import {
  type HolidayFact,
  type IsoDay,
  NSE_HOLIDAY_YEARS,
  NSE_HOLIDAYS,
  NSE_SPECIAL_SESSIONS,
  type SpecialSessionFact,
} from './nse-calendar-data.js';

export type { HolidayFact, IsoDay, SpecialSessionFact } from './nse-calendar-data.js';

/** An IST date `YYYY-MM-DD`, or an epoch-ms instant (meaning the IST date containing it). */
export type DayInput = IsoDay | number;

export interface TradingWindow {
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
}

export interface MarketSession {
  readonly date: IsoDay;
  readonly kind: 'regular' | 'special' | 'muhurat';
  /** Start of the pre-open call auction (09:00 on a normal day). Epoch ms. */
  readonly preOpenStart: number;
  /** Start of continuous trading (first window). Epoch ms. */
  readonly open: number;
  /** End of continuous trading (end of the last window), exclusive. Epoch ms. */
  readonly close: number;
  /** When the broker squares off intraday (MIS) equity positions. Epoch ms. */
  readonly misSquareOff: number;
  /** Continuous-trading windows; one on a normal day, two on the DR-drill Saturdays. */
  readonly windows: readonly TradingWindow[];
  /** The data fact behind a weekend/holiday session (description, source, verified). */
  readonly special?: SpecialSessionFact;
}

export type MarketPhase = 'closed' | 'pre-open' | 'open' | 'break';

export interface NseCalendarOptions {
  holidays?: readonly HolidayFact[];
  specialSessions?: readonly SpecialSessionFact[];
  /** Years whose holiday list is complete. */
  holidayYears?: readonly number[];
  /** Treat sessions marked `verified: false` as real. Default true. */
  includeUnverified?: boolean;
  /** Regular-day times `HH:MM` IST. Defaults 09:00, 09:15, 15:30. */
  preOpenStart?: string;
  open?: string;
  close?: string;
  /** Zerodha's equity MIS auto square-off on a regular day, `HH:MM`. Default 15:20. */
  misSquareOff?: string;
  /**
   * For sessions that do not close at the regular close (Muhurat, DR drills): MIS square-off this
   * many minutes before the close. Default 10 (as 15:20 is to 15:30). An assumption, not a Zerodha fact.
   */
  misSquareOffBeforeCloseMin?: number;
}

const DAY_MS = 86_400_000;
const MIN_MS = 60_000;
/** Searches give up after this many days (no NSE gap is anywhere near it). */
const SEARCH_LIMIT_DAYS = 3660;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Days since 1970-01-01 of an IsoDay; throws on anything that is not a real calendar date. */
export function dayNumber(day: IsoDay): number {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`expected a date YYYY-MM-DD, got ${JSON.stringify(day)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`not a calendar date: ${day}`);
  }
  return ms / DAY_MS;
}

/** The IsoDay of a day number. */
export function isoDayOf(dayNum: number): IsoDay {
  return new Date(dayNum * DAY_MS).toISOString().slice(0, 10);
}

/** The IST calendar date containing an epoch-ms instant. */
export function istDay(epochMs: number): IsoDay {
  if (!Number.isFinite(epochMs)) throw new RangeError(`istDay: epochMs must be finite, got ${String(epochMs)}`);
  return isoDayOf(Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS));
}

/** Epoch ms of `HH:MM` IST on an IST date. */
export function istTime(day: IsoDay, hhmm: string): number {
  return dayNumber(day) * DAY_MS - IST_OFFSET_MS + minutesOf(hhmm) * MIN_MS;
}

function minutesOf(hhmm: string): number {
  const m = HHMM_RE.exec(hhmm);
  if (!m) throw new RangeError(`expected a time HH:MM, got ${JSON.stringify(hhmm)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function toDayNum(d: DayInput): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d)) throw new RangeError(`expected an epoch-ms instant, got ${String(d)}`);
    return Math.floor((d + IST_OFFSET_MS) / DAY_MS);
  }
  return dayNumber(d);
}

/** 0 = Sunday … 6 = Saturday. */
const weekdayOf = (dayNum: number): number => (((dayNum + 4) % 7) + 7) % 7;
const isWeekendDay = (dayNum: number): boolean => {
  const w = weekdayOf(dayNum);
  return w === 0 || w === 6;
};

export class NseCalendar {
  private readonly holidays = new Map<number, HolidayFact>();
  private readonly specials = new Map<number, SpecialSessionFact>();
  private readonly years: ReadonlySet<number>;
  private readonly preOpenMin: number;
  private readonly openMin: number;
  private readonly closeMin: number;
  private readonly misMin: number;
  private readonly misBeforeCloseMin: number;

  private readonly sessionCache = new Map<number, MarketSession | null>();

  constructor(opts: NseCalendarOptions = {}) {
    for (const hol of opts.holidays ?? NSE_HOLIDAYS) this.holidays.set(dayNumber(hol.date), hol);
    const includeUnverified = opts.includeUnverified ?? true;
    for (const s of opts.specialSessions ?? NSE_SPECIAL_SESSIONS) {
      if (!s.verified && !includeUnverified) continue;
      for (const w of s.windows ?? []) {
        if (minutesOf(w.start) >= minutesOf(w.end)) throw new RangeError(`special session ${s.date}: window ${w.start}-${w.end} is empty`);
      }
      this.specials.set(dayNumber(s.date), s);
    }
    this.years = new Set(opts.holidayYears ?? NSE_HOLIDAY_YEARS);
    this.preOpenMin = minutesOf(opts.preOpenStart ?? '09:00');
    this.openMin = minutesOf(opts.open ?? '09:15');
    this.closeMin = minutesOf(opts.close ?? '15:30');
    this.misMin = minutesOf(opts.misSquareOff ?? '15:20');
    this.misBeforeCloseMin = opts.misSquareOffBeforeCloseMin ?? 10;
    if (!(this.preOpenMin <= this.openMin && this.openMin < this.closeMin)) {
      throw new RangeError('NseCalendar: need preOpenStart <= open < close');
    }
    if (this.misMin < this.openMin || this.misMin > this.closeMin) {
      throw new RangeError('NseCalendar: misSquareOff must be within the session');
    }
  }

  /** True when the holiday list covers the year of `d` (otherwise weekdays are assumed open). */
  hasHolidayData(d: DayInput): boolean {
    return this.years.has(Number(isoDayOf(toDayNum(d)).slice(0, 4)));
  }

  /** The holiday on `d`, if it is one (weekend holidays included). */
  holiday(d: DayInput): HolidayFact | undefined {
    return this.holidays.get(toDayNum(d));
  }

  /** The weekend/holiday session fact on `d`, if any (also when its timings are unknown). */
  specialSession(d: DayInput): SpecialSessionFact | undefined {
    return this.specials.get(toDayNum(d));
  }

  isTradingDay(d: DayInput): boolean {
    return this.isTradingDayNum(toDayNum(d));
  }

  /**
   * The session on `d`, or null if there is none — weekends, holidays, and special sessions whose
   * timings are not known yet (see specialSession()).
   */
  session(d: DayInput): MarketSession | null {
    const n = toDayNum(d);
    // the calendar never changes after construction and a session is frozen: one per day number, cached
    const hit = this.sessionCache.get(n);
    if (hit !== undefined) return hit;
    const s = this.computeSession(n);
    if (this.sessionCache.size >= 1024) this.sessionCache.clear();
    this.sessionCache.set(n, s);
    return s;
  }

  private computeSession(n: number): MarketSession | null {
    const date = isoDayOf(n);
    const special = this.specials.get(n);
    if (special && (special.kind === 'muhurat' || this.isTradingDayNum(n))) {
      if (!special.windows || special.windows.length === 0) return null;
      const windows = special.windows.map((w) => ({ start: istTime(date, w.start), end: istTime(date, w.end) }));
      const open = windows[0]!.start;
      const close = windows[windows.length - 1]!.end;
      const regularClose = minutesOf(special.windows[special.windows.length - 1]!.end) === this.closeMin;
      return Object.freeze({
        date,
        kind: special.kind,
        preOpenStart: special.preOpenStart ? istTime(date, special.preOpenStart) : open - (this.openMin - this.preOpenMin) * MIN_MS,
        open,
        close,
        misSquareOff: regularClose ? istTime(date, '00:00') + this.misMin * MIN_MS : close - this.misBeforeCloseMin * MIN_MS,
        windows: Object.freeze(windows),
        special,
      });
    }
    if (!this.isTradingDayNum(n)) return null;
    const midnight = n * DAY_MS - IST_OFFSET_MS;
    const open = midnight + this.openMin * MIN_MS;
    const close = midnight + this.closeMin * MIN_MS;
    return Object.freeze({
      date,
      kind: 'regular',
      preOpenStart: midnight + this.preOpenMin * MIN_MS,
      open,
      close,
      misSquareOff: midnight + this.misMin * MIN_MS,
      windows: Object.freeze([{ start: open, end: close }]),
    });
  }

  /** Where the market is at `epochMs`: pre-open auction, continuous trading, a mid-session break, or closed. */
  phase(epochMs: number): MarketPhase {
    const s = this.session(epochMs);
    if (!s || epochMs < s.preOpenStart || epochMs >= s.close) return 'closed';
    if (epochMs < s.open) return 'pre-open';
    return s.windows.some((w) => epochMs >= w.start && epochMs < w.end) ? 'open' : 'break';
  }

  /** True during continuous trading (not during pre-open, breaks, or on days without a session). */
  isMarketOpen(epochMs: number): boolean {
    return this.phase(epochMs) === 'open';
  }

  /** True during the pre-open call auction. */
  isPreOpen(epochMs: number): boolean {
    return this.phase(epochMs) === 'pre-open';
  }

  /**
   * The first start of continuous trading strictly after `epochMs` — a regular open, a special or
   * Muhurat session, or the second window of a DR-drill day. Like ist.nextSessionOpen, but with holidays.
   */
  nextOpen(epochMs: number): number {
    const start = toDayNum(epochMs);
    for (let n = start; n <= start + SEARCH_LIMIT_DAYS; n++) {
      const s = this.session(isoDayOf(n));
      const w = s?.windows.find((x) => x.start > epochMs);
      if (w) return w.start;
    }
    throw new RangeError(`nextOpen: no session within ${SEARCH_LIMIT_DAYS} days of ${istDay(epochMs)}`);
  }

  /** The session in progress (pre-open included) or the next one, whichever comes first. */
  currentOrNextSession(epochMs: number): MarketSession {
    const today = this.session(epochMs);
    if (today && epochMs < today.close) return today;
    return this.session(this.nextOpen(epochMs))!;
  }

  /** The last trading day strictly before `d`. */
  previousTradingDay(d: DayInput): IsoDay {
    return this.shiftTradingDays(d, -1);
  }

  /** The first trading day strictly after `d`. */
  nextTradingDay(d: DayInput): IsoDay {
    return this.shiftTradingDays(d, 1);
  }

  /**
   * `d` moved by `n` trading days (n > 0 forward, n < 0 back). For n = 0 returns `d` itself if it is
   * a trading day, else the next trading day.
   */
  shiftTradingDays(d: DayInput, n: number): IsoDay {
    if (!Number.isSafeInteger(n)) throw new RangeError(`shiftTradingDays: n must be an integer, got ${String(n)}`);
    let day = toDayNum(d);
    if (n === 0) {
      for (let i = 0; i <= SEARCH_LIMIT_DAYS; i++, day++) if (this.isTradingDayNum(day)) return isoDayOf(day);
      throw new RangeError('shiftTradingDays: no trading day found');
    }
    const step = n > 0 ? 1 : -1;
    let left = Math.abs(n);
    let guard = 0;
    while (left > 0) {
      day += step;
      if (this.isTradingDayNum(day)) left--;
      else if (++guard > SEARCH_LIMIT_DAYS) throw new RangeError('shiftTradingDays: no trading day found');
    }
    return isoDayOf(day);
  }

  /**
   * The number of trading days d with from < d <= to (so the 24th to the 25th of a normal week is 1);
   * negative, with the ends swapped, when to < from.
   */
  tradingDaysBetween(from: DayInput, to: DayInput): number {
    const a = toDayNum(from);
    const b = toDayNum(to);
    if (b < a) return -this.tradingDaysBetween(to, from);
    let count = 0;
    for (let n = a + 1; n <= b; n++) if (this.isTradingDayNum(n)) count++;
    return count;
  }

  /** Trading days in [from, to], both inclusive, in order. */
  tradingDays(from: DayInput, to: DayInput): IsoDay[] {
    const out: IsoDay[] = [];
    for (let n = toDayNum(from), b = toDayNum(to); n <= b; n++) if (this.isTradingDayNum(n)) out.push(isoDayOf(n));
    return out;
  }

  private isTradingDayNum(n: number): boolean {
    const special = this.specials.get(n);
    if (special?.kind === 'special') return true;
    return !isWeekendDay(n) && !this.holidays.has(n);
  }
}

/** The calendar with the shipped data and default times (unverified sessions included). */
export const nseCalendar = new NseCalendar();

export const isTradingDay = (d: DayInput): boolean => nseCalendar.isTradingDay(d);
export const session = (d: DayInput): MarketSession | null => nseCalendar.session(d);
export const marketPhase = (epochMs: number): MarketPhase => nseCalendar.phase(epochMs);
export const isMarketOpen = (epochMs: number): boolean => nseCalendar.isMarketOpen(epochMs);
export const isPreOpen = (epochMs: number): boolean => nseCalendar.isPreOpen(epochMs);
export const nextOpen = (epochMs: number): number => nseCalendar.nextOpen(epochMs);
export const previousTradingDay = (d: DayInput): IsoDay => nseCalendar.previousTradingDay(d);
export const nextTradingDay = (d: DayInput): IsoDay => nseCalendar.nextTradingDay(d);
export const shiftTradingDays = (d: DayInput, n: number): IsoDay => nseCalendar.shiftTradingDays(d, n);
export const tradingDaysBetween = (from: DayInput, to: DayInput): number => nseCalendar.tradingDaysBetween(from, to);
