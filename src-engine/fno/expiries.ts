/**
 * The F&O expiry calendar and Kite's derivative tradingsymbols, on the NSE calendar (core/nse-calendar.ts).
 *
 *  - Monthly expiry: the last expiry weekday of the month; weekly: every expiry weekday. An expiry that
 *    falls on a holiday moves to the PREVIOUS trading day (NSE/BSE practice; the 2026-08-18 NFO dump lists
 *    the 2029-12-25 (Christmas) monthly on 2029-12-24).
 *  - Expiry weekday: NSE Tuesday since 1 Sep 2025, BSE Thursday (SEBI circular of 26 May 2025 restricting
 *    equity-derivative expiries to Tuesday or Thursday; NSE circular FAOP70616 of 11 Jun 2025). Earlier NSE
 *    contracts expired on Thursday (NIFTY) and other days: this calendar only knows the current rule.
 *  - A contract trades through 15:30 IST of its expiry day.
 *  - Symbols (the 2026-08-18 dump): futures `NIFTY26AUGFUT`; monthly options `NIFTY26AUG24500CE`; weekly
 *    options `NIFTY2681824500CE` (YY, month 1–9/O/N/D, DD); strikes without trailing zeros (`ITC26AUG277.5CE`).
 */
import { dayNumber, isoDayOf, istTime, nseCalendar, type IsoDay, type NseCalendar } from '../core/nse-calendar.js';

const DAY_MS = 86_400_000;
/** Years of 365 days: the convention of the option model's time to expiry (calendar time, IST). */
export const YEAR_MS = 365 * DAY_MS;
const IST_MS = 5.5 * 3_600_000;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKLY_MONTH = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'O', 'N', 'D'];

/** Day of week of an IST date: 0 = Sunday … 6 = Saturday. */
export const weekdayOf = (day: IsoDay): number => (((dayNumber(day) + 4) % 7) + 7) % 7;

/** A scheduled expiry moved to the previous trading day when it is not one. */
export function adjustExpiry(day: IsoDay, cal: NseCalendar = nseCalendar): IsoDay {
  return cal.isTradingDay(day) ? day : cal.previousTradingDay(day);
}

/** The last `weekday` of `year-month` (1-based month), holiday-adjusted. */
export function monthlyExpiry(year: number, month: number, weekday: number, cal: NseCalendar = nseCalendar): IsoDay {
  const last = isoDayOf(dayNumber(`${year}-${String(month).padStart(2, '0')}-01`) + new Date(Date.UTC(year, month, 0)).getUTCDate() - 1);
  let n = dayNumber(last);
  while (weekdayOf(isoDayOf(n)) !== weekday) n--;
  return adjustExpiry(isoDayOf(n), cal);
}

const closeCache = new Map<string, number>();
/** 15:30 IST of an expiry date, epoch ms (when the contract stops trading and settles). */
export function expiryCloseMs(expiry: IsoDay): number {
  let t = closeCache.get(expiry);
  if (t === undefined) closeCache.set(expiry, (t = istTime(expiry, '15:30')));
  return t;
}

/** Is a contract expiring on `expiry` still trading at `now`? */
export function isLiveAt(expiry: IsoDay, now: number): boolean {
  return expiryCloseMs(expiry) > now;
}

/** Time to expiry in years (365-day, IST calendar time to 15:30 of the expiry day); 0 once expired. */
export function yearsToExpiry(expiry: IsoDay, now: number): number {
  return Math.max(0, expiryCloseMs(expiry) - now) / YEAR_MS;
}

/** The next `count` monthly expiries live at `now`. */
export function monthlyExpiries(now: number, count: number, weekday: number, cal: NseCalendar = nseCalendar): IsoDay[] {
  const out: IsoDay[] = [];
  const d = new Date(now + IST_MS);
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth() + 1;
  while (out.length < count) {
    const e = monthlyExpiry(y, m, weekday, cal);
    if (isLiveAt(e, now)) out.push(e);
    if (++m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

/** The next `count` weekly expiries (every `weekday`, holiday-adjusted) live at `now`. */
export function weeklyExpiries(now: number, count: number, weekday: number, cal: NseCalendar = nseCalendar): IsoDay[] {
  const out: IsoDay[] = [];
  let n = Math.floor((now + IST_MS) / DAY_MS);
  while (weekdayOf(isoDayOf(n)) !== weekday) n++;
  for (; out.length < count; n += 7) {
    const e = adjustExpiry(isoDayOf(n), cal);
    if (isLiveAt(e, now) && out[out.length - 1] !== e) out.push(e);
  }
  return out;
}

/** Kite's derivative tradingsymbol (see the module comment). */
export function fnoSymbol(name: string, expiry: IsoDay, kind: 'FUT' | 'CE' | 'PE', strikePaise: number, monthly: boolean): string {
  const yy = expiry.slice(2, 4);
  const mi = Number(expiry.slice(5, 7)) - 1;
  if (kind === 'FUT') return `${name}${yy}${MONTHS[mi]}FUT`;
  const strike = String(strikePaise / 100);
  return monthly ? `${name}${yy}${MONTHS[mi]}${strike}${kind}` : `${name}${yy}${WEEKLY_MONTH[mi]}${expiry.slice(8, 10)}${strike}${kind}`;
}

export interface ParsedFnoSymbol {
  /** The underlying's F&O name (NIFTY, BANKNIFTY, RELIANCE, …). */
  name: string;
  kind: 'FUT' | 'CE' | 'PE';
  /** Expiry day: written in a weekly symbol; for a monthly symbol the month's last `weekday`, holiday-adjusted. */
  expiry: IsoDay;
  monthly: boolean;
  /** 0 for futures. */
  strikePaise: number;
}

const MONTHLY_RE = /^([A-Z0-9&-]+?)(\d{2})(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)(?:(FUT)|(\d+(?:\.\d+)?)(CE|PE))$/;
const WEEKLY_RE = /^([A-Z0-9&-]+?)(\d{2})([1-9OND])(\d{2})(\d+(?:\.\d+)?)(CE|PE)$/;

/**
 * Parses a Kite derivative tradingsymbol; `weekday` is the underlying's expiry weekday (needed to date a
 * monthly symbol). Returns null when the text is not one. A weekly symbol's date is read as written.
 * Ambiguity: `NIFTY2681824500CE` could also be read as a monthly-looking name; the monthly form is tried first.
 */
export function parseFnoSymbol(symbol: string, weekday: (name: string) => number | undefined, cal: NseCalendar = nseCalendar): ParsedFnoSymbol | null {
  const m = MONTHLY_RE.exec(symbol);
  if (m) {
    const name = m[1]!;
    const wd = weekday(name);
    if (wd === undefined) return null;
    const expiry = monthlyExpiry(2000 + Number(m[2]), MONTHS.indexOf(m[3]!) + 1, wd, cal);
    if (m[4]) return { name, kind: 'FUT', expiry, monthly: true, strikePaise: 0 };
    return { name, kind: m[6] as 'CE' | 'PE', expiry, monthly: true, strikePaise: Math.round(Number(m[5]) * 100) };
  }
  const w = WEEKLY_RE.exec(symbol);
  if (w) {
    const name = w[1]!;
    if (weekday(name) === undefined) return null;
    const month = WEEKLY_MONTH.indexOf(w[3]!) + 1;
    const expiry = `20${w[2]}-${String(month).padStart(2, '0')}-${w[4]}`;
    try {
      dayNumber(expiry);
    } catch {
      return null; // not a calendar date (e.g. day 32)
    }
    return { name, kind: w[6] as 'CE' | 'PE', expiry, monthly: false, strikePaise: Math.round(Number(w[5]) * 100) };
  }
  return null;
}
