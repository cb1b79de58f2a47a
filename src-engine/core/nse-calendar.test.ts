import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextSessionOpen } from './ist.js';
import {
  NseCalendar,
  dayNumber,
  isMarketOpen,
  isPreOpen,
  isTradingDay,
  istDay,
  marketPhase,
  nextOpen,
  nextTradingDay,
  nseCalendar,
  previousTradingDay,
  session,
  shiftTradingDays,
  tradingDaysBetween,
} from './nse-calendar.js';
import { NSE_HOLIDAYS, NSE_SPECIAL_SESSIONS } from './nse-calendar-data.js';
import { sharedFiles } from '../../test/support/external-inputs.js';

// Expected instants are ISO strings with an explicit +05:30 offset, independent of the code.
const ist = (s: string): number => Date.parse(`${s}+05:30`);

const repoRoot = resolve(import.meta.dirname, '../..');
const sharedCalendar = resolve(repoRoot, '../shared/data/calendar');
const holidaysCsv = resolve(sharedCalendar, 'nse_trading_holidays_2024_2026.csv');
const specialsCsv = resolve(sharedCalendar, 'nse_special_sessions_2024_2026.csv');
const haveShared = sharedFiles(import.meta.url, 'shared-data', holidaysCsv, specialsCsv);

describe('nse calendar data', () => {
  it('is sorted, unique, and every day parses', () => {
    const days = NSE_HOLIDAYS.map((x) => dayNumber(x.date));
    expect([...days].sort((a, b) => a - b)).toEqual(days);
    expect(new Set(days).size).toBe(days.length);
    for (const s of NSE_SPECIAL_SESSIONS) expect(() => dayNumber(s.date)).not.toThrow();
  });

  it('marks exactly the three recollected sessions as unverified', () => {
    expect(NSE_SPECIAL_SESSIONS.filter((s) => !s.verified).map((s) => s.date)).toEqual(['2024-03-02', '2024-05-18', '2025-02-01']);
  });

  describe.skipIf(!haveShared)('agrees with the shared CSVs', () => {
    const holidays = haveShared ? (parse(readFileSync(holidaysCsv, 'utf8'), { columns: true }) as Record<string, string>[]) : [];
    const specials = haveShared ? (parse(readFileSync(specialsCsv, 'utf8'), { columns: true }) as Record<string, string>[]) : [];

    it('every shared holiday is a non-trading day here, and we list no others', () => {
      expect(holidays.length).toBeGreaterThan(50);
      for (const row of holidays) {
        expect(isTradingDay(row.date!), row.date).toBe(false);
        expect(nseCalendar.holiday(row.date!), row.date).toBeDefined();
      }
      expect(NSE_HOLIDAYS.map((x) => x.date).sort()).toEqual(holidays.map((r) => r.date!).sort());
    });

    it('every shared special session is here with the same times and verification', () => {
      expect(NSE_SPECIAL_SESSIONS.map((s) => s.date).sort()).toEqual(specials.map((r) => r.date!).sort());
      for (const row of specials) {
        const fact = nseCalendar.specialSession(row.date!)!;
        expect(fact.verified, row.date).toBe(!row.verification!.startsWith('UNVERIFIED'));
        const s = session(row.date!);
        if (!row.normal_market_start_ist) {
          expect(s, row.date).toBeNull();
          continue;
        }
        expect(s!.open, row.date).toBe(ist(`${row.date}T${row.normal_market_start_ist}:00`));
        expect(s!.close, row.date).toBe(ist(`${row.date}T${row.normal_market_end_ist}:00`));
      }
    });
  });
});

describe('trading days', () => {
  it('weekends are not trading days; ordinary weekdays are', () => {
    expect(isTradingDay('2025-10-04')).toBe(false); // Saturday
    expect(isTradingDay('2025-10-05')).toBe(false); // Sunday
    expect(isTradingDay('2025-10-06')).toBe(true); // Monday
    expect(isTradingDay(ist('2025-10-06T23:59:00'))).toBe(true); // epoch input uses the IST date
    expect(isTradingDay(ist('2025-10-04T00:10:00'))).toBe(false); // Saturday in IST, Friday in UTC
  });

  it('holidays are not trading days', () => {
    expect(isTradingDay('2025-10-02')).toBe(false); // Gandhi Jayanti
    expect(isTradingDay('2026-01-15')).toBe(false); // the added 2026 election holiday
    expect(nseCalendar.holiday('2025-12-25')?.name).toBe('Christmas');
    expect(nseCalendar.holiday('2025-12-25')?.source).toBe('NSE/CMTR/65587');
  });

  it('special weekend sessions are trading days with a session', () => {
    expect(isTradingDay('2024-01-20')).toBe(true); // Saturday
    const s = session('2024-01-20')!;
    expect(s.kind).toBe('special');
    expect(s.open).toBe(ist('2024-01-20T09:15:00'));
    expect(s.preOpenStart).toBe(ist('2024-01-20T09:00:00'));
    expect(s.misSquareOff).toBe(ist('2024-01-20T15:20:00'));
    expect(isTradingDay('2026-02-01')).toBe(true); // Budget Sunday
    expect(session('2026-02-01')!.special?.source).toBe('NSE/CMTR/72349');
  });

  it('unverified sessions are included by default, flagged, and can be excluded', () => {
    expect(isTradingDay('2025-02-01')).toBe(true);
    expect(session('2025-02-01')!.special!.verified).toBe(false);
    const strict = new NseCalendar({ includeUnverified: false });
    expect(strict.isTradingDay('2025-02-01')).toBe(false);
    expect(strict.session('2024-03-02')).toBeNull();
  });

  it('DR-drill Saturday has two windows and a break', () => {
    const s = session('2024-03-02')!;
    expect(s.windows).toHaveLength(2);
    expect(isMarketOpen(ist('2024-03-02T09:30:00'))).toBe(true);
    expect(marketPhase(ist('2024-03-02T10:30:00'))).toBe('break');
    expect(nextOpen(ist('2024-03-02T10:30:00'))).toBe(ist('2024-03-02T11:30:00'));
    expect(isMarketOpen(ist('2024-03-02T12:29:59'))).toBe(true);
    expect(isMarketOpen(ist('2024-03-02T12:30:00'))).toBe(false);
    expect(s.misSquareOff).toBe(ist('2024-03-02T12:20:00'));
  });

  it('hasHolidayData covers 2024–2026 only', () => {
    expect(nseCalendar.hasHolidayData('2024-01-01')).toBe(true);
    expect(nseCalendar.hasHolidayData('2026-12-31')).toBe(true);
    expect(nseCalendar.hasHolidayData('2027-01-01')).toBe(false);
    expect(isTradingDay('2027-01-26')).toBe(true); // no data: weekdays assumed open
  });

  it('rejects malformed dates', () => {
    expect(() => isTradingDay('2025-02-30')).toThrow(/not a calendar date/);
    expect(() => isTradingDay('2025-2-3')).toThrow(/YYYY-MM-DD/);
    expect(() => isTradingDay(Number.NaN)).toThrow(RangeError);
  });
});

describe('Muhurat', () => {
  it('2024-11-01 is a holiday with its own 18:00–19:00 session and 17:45 pre-open', () => {
    expect(isTradingDay('2024-11-01')).toBe(false);
    const s = session('2024-11-01')!;
    expect(s.kind).toBe('muhurat');
    expect(s.preOpenStart).toBe(ist('2024-11-01T17:45:00'));
    expect(s.open).toBe(ist('2024-11-01T18:00:00'));
    expect(s.close).toBe(ist('2024-11-01T19:00:00'));
    expect(s.misSquareOff).toBe(ist('2024-11-01T18:50:00'));
    expect(isMarketOpen(ist('2024-11-01T10:00:00'))).toBe(false);
    expect(isPreOpen(ist('2024-11-01T17:50:00'))).toBe(true);
    expect(isMarketOpen(ist('2024-11-01T18:30:00'))).toBe(true);
    expect(isMarketOpen(ist('2024-11-01T19:00:00'))).toBe(false);
    // From Thursday's close the next open is Friday's Muhurat session, then Monday.
    expect(nextOpen(ist('2024-10-31T15:30:00'))).toBe(ist('2024-11-01T18:00:00'));
    expect(nextOpen(ist('2024-11-01T18:00:00'))).toBe(ist('2024-11-04T09:15:00')); // Sat 2nd is also a holiday
  });

  it('2025-10-21 Muhurat 13:45–14:45, pre-open defaulting to 15 minutes before', () => {
    const s = session('2025-10-21')!;
    expect(s.open).toBe(ist('2025-10-21T13:45:00'));
    expect(s.close).toBe(ist('2025-10-21T14:45:00'));
    expect(s.preOpenStart).toBe(ist('2025-10-21T13:30:00'));
  });

  it('2026-11-08 Muhurat is known but its timings are not: no session, fact available', () => {
    expect(session('2026-11-08')).toBeNull();
    expect(nseCalendar.specialSession('2026-11-08')?.kind).toBe('muhurat');
    expect(isTradingDay('2026-11-08')).toBe(false);
  });

  it('Muhurat days are skipped by trading-day arithmetic', () => {
    expect(previousTradingDay('2025-10-23')).toBe('2025-10-20'); // 21 Muhurat, 22 Balipratipada
    expect(tradingDaysBetween('2025-10-20', '2025-10-23')).toBe(1);
  });
});

describe('regular session, pre-open and MIS', () => {
  it('times of a normal day', () => {
    const s = session('2025-10-06')!;
    expect(s.kind).toBe('regular');
    expect(s.preOpenStart).toBe(ist('2025-10-06T09:00:00'));
    expect(s.open).toBe(ist('2025-10-06T09:15:00'));
    expect(s.close).toBe(ist('2025-10-06T15:30:00'));
    expect(s.misSquareOff).toBe(ist('2025-10-06T15:20:00'));
    expect(session('2025-10-04')).toBeNull();
    expect(session('2025-10-02')).toBeNull();
  });

  it('phases through a day', () => {
    expect(marketPhase(ist('2025-10-06T08:59:59'))).toBe('closed');
    expect(marketPhase(ist('2025-10-06T09:00:00'))).toBe('pre-open');
    expect(marketPhase(ist('2025-10-06T09:14:59'))).toBe('pre-open');
    expect(marketPhase(ist('2025-10-06T09:15:00'))).toBe('open');
    expect(marketPhase(ist('2025-10-06T15:29:59'))).toBe('open');
    expect(marketPhase(ist('2025-10-06T15:30:00'))).toBe('closed');
    expect(marketPhase(ist('2025-10-02T10:00:00'))).toBe('closed'); // holiday
  });

  it('MIS square-off and times are configurable', () => {
    const cal = new NseCalendar({ misSquareOff: '15:15' });
    expect(cal.session('2025-10-06')!.misSquareOff).toBe(ist('2025-10-06T15:15:00'));
    expect(() => new NseCalendar({ misSquareOff: '16:00' })).toThrow(/misSquareOff/);
    expect(() => new NseCalendar({ open: '9:15' })).toThrow(/HH:MM/);
  });
});

describe('nextOpen', () => {
  it('before open, during, after close — the same as ist.nextSessionOpen on ordinary days', () => {
    for (const t of ['2025-10-06T08:00:00', '2025-10-06T09:15:00', '2025-10-06T12:00:00', '2025-10-06T18:00:00']) {
      expect(nextOpen(ist(t)), t).toBe(nextSessionOpen(ist(t)));
    }
  });

  it('across a long weekend plus holidays', () => {
    // Holi Fri 2025-03-14: Thursday evening → Monday 17th.
    expect(nextOpen(ist('2025-03-13T16:00:00'))).toBe(ist('2025-03-17T09:15:00'));
    // Good Friday 2026-04-03 after Mahavir Jayanti Tue 03-31: Thursday 04-02 evening → Monday 04-06.
    expect(nextOpen(ist('2026-04-02T15:45:00'))).toBe(ist('2026-04-06T09:15:00'));
    // Diwali 2025: Monday 10-20 close → Muhurat Tue 10-21 13:45 → Thursday 10-23 (22nd a holiday).
    expect(nextOpen(ist('2025-10-20T15:30:00'))).toBe(ist('2025-10-21T13:45:00'));
    expect(nextOpen(ist('2025-10-21T14:00:00'))).toBe(ist('2025-10-23T09:15:00'));
    // Christmas Thursday 2025 → Friday 26th.
    expect(nextOpen(ist('2025-12-24T20:00:00'))).toBe(ist('2025-12-26T09:15:00'));
    // Budget Sunday 2026-02-01 opens although it is a weekend.
    expect(nextOpen(ist('2026-01-30T16:00:00'))).toBe(ist('2026-02-01T09:15:00'));
  });

  it('currentOrNextSession: the session in progress (pre-open included), else the next one', () => {
    expect(nseCalendar.currentOrNextSession(ist('2025-10-06T09:05:00')).date).toBe('2025-10-06');
    expect(nseCalendar.currentOrNextSession(ist('2025-10-06T15:29:00')).date).toBe('2025-10-06');
    expect(nseCalendar.currentOrNextSession(ist('2025-10-06T15:30:00')).date).toBe('2025-10-07');
    expect(nseCalendar.currentOrNextSession(ist('2025-10-01T16:00:00')).date).toBe('2025-10-03');
    expect(nseCalendar.currentOrNextSession(ist('2024-10-31T20:00:00')).kind).toBe('muhurat');
  });

  it('property: nextOpen is after t, is an open, and no open lies in between', () => {
    const lo = ist('2024-01-01T00:00:00');
    const hi = ist('2026-12-20T00:00:00');
    fc.assert(
      fc.property(fc.integer({ min: lo, max: hi }), (t) => {
        const o = nextOpen(t);
        expect(o).toBeGreaterThan(t);
        expect(isMarketOpen(o)).toBe(true);
        expect(isMarketOpen(o - 1)).toBe(false);
        // every minute in (t, o) is closed, sampled at the day level: no trading day strictly between
        const between = nseCalendar.tradingDays(istDay(t), istDay(o)).filter((d) => d !== istDay(t) && d !== istDay(o));
        expect(between).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('trading-day arithmetic', () => {
  it('previous / next trading day around holidays and weekends', () => {
    expect(previousTradingDay('2025-10-06')).toBe('2025-10-03'); // Monday → Friday
    expect(previousTradingDay('2025-10-03')).toBe('2025-10-01'); // Oct 2 holiday
    expect(nextTradingDay('2024-01-19')).toBe('2024-01-20'); // special Saturday
    expect(nextTradingDay('2024-01-20')).toBe('2024-01-23'); // Monday 22nd special holiday
    expect(previousTradingDay(ist('2025-10-06T10:00:00'))).toBe('2025-10-03');
  });

  it('tradingDaysBetween counts (from, to] and is antisymmetric', () => {
    expect(tradingDaysBetween('2025-10-06', '2025-10-06')).toBe(0);
    expect(tradingDaysBetween('2025-10-06', '2025-10-07')).toBe(1);
    expect(tradingDaysBetween('2025-10-03', '2025-10-10')).toBe(5);
    expect(tradingDaysBetween('2025-10-10', '2025-10-03')).toBe(-5);
    expect(tradingDaysBetween('2025-09-30', '2025-10-03')).toBe(2); // Oct 1 and 3
    // 2025: 365 days − 104 weekend days − 14 weekday holidays (+0 special sessions counted if 2025-02-01)
    expect(tradingDaysBetween('2024-12-31', '2025-12-31')).toBe(365 - 104 - 14 + 1);
  });

  it('shiftTradingDays inverts tradingDaysBetween (property)', () => {
    const lo = dayNumber('2024-01-01');
    const hi = dayNumber('2026-12-01');
    fc.assert(
      fc.property(fc.integer({ min: lo, max: hi }), fc.integer({ min: -40, max: 40 }), (n, k) => {
        const d = new Date(n * 86_400_000).toISOString().slice(0, 10);
        const e = shiftTradingDays(d, k);
        if (k !== 0) expect(isTradingDay(e)).toBe(true);
        if (isTradingDay(d)) expect(tradingDaysBetween(d, e)).toBe(k);
      }),
      { numRuns: 300 },
    );
  });
});
