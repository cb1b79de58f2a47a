/**
 * NSE trading-calendar FACTS for 2024–2026: Capital Market (CM) and F&O trading holidays, and the
 * sessions held on weekends or holidays (Saturday/Sunday sessions, Muhurat trading).
 *
 * Written by hand for KiteDesk from the following sources (as summarised in the shared data README
 * §6 and its CSVs — this file is NOT a copy of those files):
 *  - NSE annual holiday circulars: NSE/CMTR/59722 (2024 list), NSE/CMTR/65587 (2025 list),
 *    NSE/CMTR/71775 (2026 list, incl. the 2026-11-08 Muhurat day).
 *  - Added holidays: NSE/CMTR/61518 (2024-05-20, Lok Sabha elections in Mumbai);
 *    NSE/CMTR/72260 and NSE/FAOP/72262 (2026-01-15, Maharashtra municipal elections).
 *  - 2024-01-22 (special holiday, Pran Pratishtha) and 2024-11-20 (Maharashtra assembly elections):
 *    the NSE holiday page as scraped daily by citadel-hq/nse_holidays (MIT), commit f5730c75.
 *  - 2024-11-01 (Diwali Laxmi Pujan, Muhurat only) is on NSE's 2024 list (citadel-hq/nse_holidays
 *    @726bada3); a later scrape dropped it, we keep it.
 *  - Special sessions: 2024-01-20 Saturday full session (press reports quoting the NSE circular);
 *    2024-11-01 Muhurat 18:00–19:00, pre-open 17:45 (press citing the NSE notification);
 *    2025-10-21 Muhurat 13:45–14:45 (NSE/CMTR/70319, NSE/FAOP/70320, cited second-hand);
 *    2026-02-01 Sunday Budget session, normal timings (NSE/CMTR/72349);
 *    2026-11-08 Muhurat (NSE/CMTR/71775) — timings NOT known yet, notified separately by NSE.
 *
 * UNVERIFIED (from recollection, no fetched source — verify before relying on them):
 *  - 2024-03-02 and 2024-05-18: Saturday live sessions with an intraday switch to the DR site,
 *    two windows 09:15–10:00 (primary) and 11:30–12:30 (DR).
 *  - 2025-02-01: Saturday live session for the Union Budget, normal timings.
 *  These are marked `verified: false`; NseCalendar can exclude them (`includeUnverified: false`).
 *
 * Years outside 2024–2026 have no holiday data: the calendar then treats every weekday as a
 * trading day (see NseCalendar.hasHolidayData). Extend this file each December from NSE's circular.
 */

/** A calendar date in IST, `YYYY-MM-DD`. */
export type IsoDay = string;

export interface HolidayFact {
  readonly date: IsoDay;
  readonly name: string;
  /** The NSE circular (or other source) that lists it. */
  readonly source: string;
}

/** A trading window in IST wall-clock time, `HH:MM`, end exclusive. */
export interface WindowFact {
  readonly start: string;
  readonly end: string;
}

export interface SpecialSessionFact {
  readonly date: IsoDay;
  /** muhurat: the one-hour Diwali session on a holiday; special: a weekend (or other) live session. */
  readonly kind: 'muhurat' | 'special';
  readonly description: string;
  /** Pre-open start `HH:MM` when known; otherwise 15 minutes before the first window. */
  readonly preOpenStart?: string;
  /** Continuous-trading windows; absent when the timings are not known yet. */
  readonly windows?: readonly WindowFact[];
  readonly verified: boolean;
  readonly source: string;
}

const C2024 = 'NSE/CMTR/59722';
const C2025 = 'NSE/CMTR/65587';
const C2026 = 'NSE/CMTR/71775';

const h = (date: IsoDay, name: string, source: string): HolidayFact => Object.freeze({ date, name, source });

/** CM and F&O trading holidays, including those that fall on a Saturday or Sunday. */
export const NSE_HOLIDAYS: readonly HolidayFact[] = Object.freeze([
  // 2024
  h('2024-01-22', 'Special holiday — Shri Ram Lalla Pran Pratishtha', 'NSE holiday page (citadel-hq/nse_holidays@f5730c75)'),
  h('2024-01-26', 'Republic Day', C2024),
  h('2024-03-08', 'Mahashivratri', C2024),
  h('2024-03-25', 'Holi', C2024),
  h('2024-03-29', 'Good Friday', C2024),
  h('2024-04-11', 'Id-Ul-Fitr (Ramadan Eid)', C2024),
  h('2024-04-14', 'Dr. Baba Saheb Ambedkar Jayanti', C2024),
  h('2024-04-17', 'Shri Ram Navmi', C2024),
  h('2024-04-21', 'Shri Mahavir Jayanti', C2024),
  h('2024-05-01', 'Maharashtra Day', C2024),
  h('2024-05-20', 'General Parliamentary Elections (Mumbai)', 'NSE/CMTR/61518'),
  h('2024-06-17', 'Bakri Id', C2024),
  h('2024-07-17', 'Moharram', C2024),
  h('2024-08-15', 'Independence Day', C2024),
  h('2024-09-07', 'Ganesh Chaturthi', C2024),
  h('2024-10-02', 'Mahatma Gandhi Jayanti', C2024),
  h('2024-10-12', 'Dussehra', C2024),
  h('2024-11-01', 'Diwali Laxmi Pujan (Muhurat session only)', C2024),
  h('2024-11-02', 'Diwali Balipratipada', C2024),
  h('2024-11-15', 'Gurunanak Jayanti', C2024),
  h('2024-11-20', 'Maharashtra Legislative Assembly Elections', 'NSE holiday page (citadel-hq/nse_holidays@f5730c75)'),
  h('2024-12-25', 'Christmas', C2024),
  // 2025
  h('2025-01-26', 'Republic Day', C2025),
  h('2025-02-26', 'Mahashivratri', C2025),
  h('2025-03-14', 'Holi', C2025),
  h('2025-03-31', 'Id-Ul-Fitr (Ramadan Eid)', C2025),
  h('2025-04-06', 'Shri Ram Navami', C2025),
  h('2025-04-10', 'Shri Mahavir Jayanti', C2025),
  h('2025-04-14', 'Dr. Baba Saheb Ambedkar Jayanti', C2025),
  h('2025-04-18', 'Good Friday', C2025),
  h('2025-05-01', 'Maharashtra Day', C2025),
  h('2025-06-07', 'Bakri Id', C2025),
  h('2025-07-06', 'Muharram', C2025),
  h('2025-08-15', 'Independence Day', C2025),
  h('2025-08-27', 'Ganesh Chaturthi', C2025),
  h('2025-10-02', 'Mahatma Gandhi Jayanti / Dussehra', C2025),
  h('2025-10-21', 'Diwali Laxmi Pujan (Muhurat session only)', C2025),
  h('2025-10-22', 'Diwali Balipratipada', C2025),
  h('2025-11-05', 'Prakash Gurpurb Sri Guru Nanak Dev', C2025),
  h('2025-12-25', 'Christmas', C2025),
  // 2026
  h('2026-01-15', 'Municipal Corporation Elections in Maharashtra', 'NSE/CMTR/72260; NSE/FAOP/72262'),
  h('2026-01-26', 'Republic Day', C2026),
  h('2026-02-15', 'Mahashivratri', C2026),
  h('2026-03-03', 'Holi', C2026),
  h('2026-03-21', 'Id-Ul-Fitr (Ramadan Eid)', C2026),
  h('2026-03-26', 'Shri Ram Navami', C2026),
  h('2026-03-31', 'Shri Mahavir Jayanti', C2026),
  h('2026-04-03', 'Good Friday', C2026),
  h('2026-04-14', 'Dr. Baba Saheb Ambedkar Jayanti', C2026),
  h('2026-05-01', 'Maharashtra Day', C2026),
  h('2026-05-28', 'Bakri Id', C2026),
  h('2026-06-26', 'Muharram', C2026),
  h('2026-08-15', 'Independence Day', C2026),
  h('2026-09-14', 'Ganesh Chaturthi', C2026),
  h('2026-10-02', 'Mahatma Gandhi Jayanti', C2026),
  h('2026-10-20', 'Dussehra', C2026),
  h('2026-11-08', 'Diwali Laxmi Pujan (Muhurat session only)', C2026),
  h('2026-11-10', 'Diwali Balipratipada', C2026),
  h('2026-11-24', 'Prakash Gurpurb Sri Guru Nanak Dev', C2026),
  h('2026-12-25', 'Christmas', C2026),
]);

/** Years for which NSE_HOLIDAYS is complete. */
export const NSE_HOLIDAY_YEARS: readonly number[] = Object.freeze([2024, 2025, 2026]);

const NORMAL: readonly WindowFact[] = Object.freeze([{ start: '09:15', end: '15:30' }]);
const DR_DRILL: readonly WindowFact[] = Object.freeze([
  { start: '09:15', end: '10:00' },
  { start: '11:30', end: '12:30' },
]);

/** Sessions on days that are otherwise weekends or holidays. */
export const NSE_SPECIAL_SESSIONS: readonly SpecialSessionFact[] = Object.freeze([
  {
    date: '2024-01-20',
    kind: 'special',
    description: 'Saturday full trading session in lieu of the 2024-01-22 holiday',
    preOpenStart: '09:00',
    windows: NORMAL,
    verified: true,
    source: 'NSE circular as quoted by businesstoday.in / dtnext.in, 2024-01-19/20',
  },
  {
    date: '2024-03-02',
    kind: 'special',
    description: 'Saturday live session with intraday switch to the DR site',
    windows: DR_DRILL,
    verified: false,
    source: 'UNVERIFIED — recollection only',
  },
  {
    date: '2024-05-18',
    kind: 'special',
    description: 'Saturday live session with intraday switch to the DR site',
    windows: DR_DRILL,
    verified: false,
    source: 'UNVERIFIED — recollection only',
  },
  {
    date: '2024-11-01',
    kind: 'muhurat',
    description: 'Muhurat trading (Diwali Laxmi Pujan)',
    preOpenStart: '17:45',
    windows: [{ start: '18:00', end: '19:00' }],
    verified: true,
    source: 'NSE notification as cited by ndtvprofit.com 2024-10-31',
  },
  {
    date: '2025-02-01',
    kind: 'special',
    description: 'Saturday live session — Union Budget',
    preOpenStart: '09:00',
    windows: NORMAL,
    verified: false,
    source: 'UNVERIFIED — recollection only',
  },
  {
    date: '2025-10-21',
    kind: 'muhurat',
    description: 'Muhurat trading (Diwali Laxmi Pujan)',
    windows: [{ start: '13:45', end: '14:45' }],
    verified: true,
    source: 'NSE/CMTR/70319; NSE/FAOP/70320 (cited second-hand)',
  },
  {
    date: '2026-02-01',
    kind: 'special',
    description: 'Sunday live session — Union Budget (normal timings)',
    preOpenStart: '09:00',
    windows: NORMAL,
    verified: true,
    source: 'NSE/CMTR/72349',
  },
  {
    date: '2026-11-08',
    kind: 'muhurat',
    description: 'Muhurat trading (Diwali Laxmi Pujan) — timings not yet known',
    verified: true,
    source: 'NSE/CMTR/71775 (timings to be notified separately)',
  },
].map((s) => Object.freeze(s as SpecialSessionFact)));
