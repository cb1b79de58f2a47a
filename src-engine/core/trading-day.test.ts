import { describe, expect, it } from 'vitest';
import { dayNumber, isoDayOf, istTime, nseCalendar } from './nse-calendar.js';
import { type DayRoll, TradingDay, istDayNumber } from './trading-day.js';

// A fake clock only: these tests never read the wall clock, so they pass at any hour.
class FakeClock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

// 2026-11-20 is a Friday; 21/22 the weekend; 23 Monday; 24 Tuesday is an NSE holiday (Guru Nanak
// Jayanti); 25 Wednesday trades again.
function setup(at: number) {
  const clock = new FakeClock(at);
  const days = new TradingDay({ clock });
  const rolls: DayRoll[] = [];
  days.onRoll((r) => rolls.push(r));
  return { clock, days, rolls };
}

describe('TradingDay', () => {
  it('starts on the trading day of the clock without emitting a roll', () => {
    const { days, rolls } = setup(istTime('2026-11-20', '10:00'));
    expect(days.today()).toBe('2026-11-20');
    expect(days.todayStartMs()).toBe(istTime('2026-11-20', '00:00'));
    expect(rolls).toEqual([]);
    // started on a Sunday: the trading day is the Friday before
    expect(setup(istTime('2026-11-22', '12:00')).days.today()).toBe('2026-11-20');
    // started on the holiday: the Monday before it
    expect(setup(istTime('2026-11-24', '12:00')).days.today()).toBe('2026-11-23');
  });

  it('rolls once per trading day across a weekend and a holiday, at 00:00 IST, market open or not', () => {
    const { clock, days, rolls } = setup(istTime('2026-11-20', '15:29'));
    // Friday evening, the weekend: still Friday
    for (const [d, t] of [['2026-11-20', '23:59'], ['2026-11-21', '00:00'], ['2026-11-21', '12:00'], ['2026-11-22', '23:59']] as const) {
      clock.t = istTime(d, t);
      expect(days.sync()).toBeUndefined();
      expect(days.today()).toBe('2026-11-20');
    }
    // Monday 00:00 IST: the roll, with no tick and the market closed
    clock.t = istTime('2026-11-23', '00:00');
    expect(days.sync()).toEqual({ from: '2026-11-20', to: '2026-11-23', startMs: istTime('2026-11-23', '00:00'), observedAt: clock.t, skipped: 0 });
    expect(days.phase()).toBe('pre-market');
    expect(days.sync()).toBeUndefined(); // exactly once
    clock.t = istTime('2026-11-23', '09:05');
    expect(days.phase()).toBe('pre-open');
    clock.t = istTime('2026-11-23', '15:00');
    expect(days.phase()).toBe('open');
    expect(days.session()?.misSquareOff).toBe(istTime('2026-11-23', '15:20'));
    clock.t = istTime('2026-11-23', '16:00');
    expect(days.phase()).toBe('post-close');
    // asking the phase of another instant never rolls the day
    expect(days.phase(istTime('2026-11-25', '10:00'))).toBe('open');
    expect(days.today()).toBe('2026-11-23');
    // the holiday: no roll, the phase says closed, the trading day stays Monday
    clock.t = istTime('2026-11-24', '10:00');
    expect(days.phase()).toBe('closed');
    expect(days.today()).toBe('2026-11-23');
    // Wednesday
    clock.t = istTime('2026-11-25', '08:00');
    expect(days.today()).toBe('2026-11-25');
    expect(rolls.map((r) => `${r.from}→${r.to}`)).toEqual(['2026-11-20→2026-11-23', '2026-11-23→2026-11-25']);
    expect(days.rollCount).toBe(2);
  });

  it('a clock that jumps (the simulator: 15:30 → the next open) rolls at its first reading of the new day', () => {
    const { clock, days, rolls } = setup(istTime('2026-11-23', '15:29'));
    clock.t = istTime('2026-11-25', '09:15'); // over the holiday
    expect(days.sync()).toMatchObject({ from: '2026-11-23', to: '2026-11-25', startMs: istTime('2026-11-25', '00:00'), observedAt: istTime('2026-11-25', '09:15'), skipped: 0 });
    expect(rolls).toHaveLength(1);
  });

  it('a jump over several trading days is one roll to the latest, counting the skipped ones', () => {
    const { clock, days, rolls } = setup(istTime('2026-11-19', '10:00')); // Thursday
    clock.t = istTime('2026-11-25', '10:00');
    days.sync();
    // skipped: Fri 20, Mon 23 (Tue 24 is the holiday, the weekend is not trading)
    expect(rolls).toEqual([expect.objectContaining({ from: '2026-11-19', to: '2026-11-25', skipped: 2 })]);
  });

  it('never rolls back: a late reading from an earlier day changes nothing', () => {
    const { clock, days, rolls } = setup(istTime('2026-11-23', '10:00'));
    expect(days.sync(istTime('2026-11-20', '15:00'))).toBeUndefined();
    expect(days.today()).toBe('2026-11-23');
    expect(rolls).toEqual([]);
    // dayNumAt still answers for any instant, without rolling
    expect(days.dayAt(istTime('2026-11-21', '10:00'))).toBe('2026-11-20');
    expect(days.dayAt(istTime('2026-11-24', '10:00'))).toBe('2026-11-23');
    expect(days.dayAt(istTime('2026-11-25', '10:00'))).toBe('2026-11-25');
    expect(days.today()).toBe('2026-11-23');
    clock.t = istTime('2026-11-23', '23:00');
    expect(rolls).toEqual([]);
  });

  it('special sessions are trading days (Budget Sunday 2026-02-01); the day after rolls again', () => {
    const { clock, days, rolls } = setup(istTime('2026-01-30', '12:00')); // Friday
    clock.t = istTime('2026-01-31', '12:00'); // Saturday: no session
    expect(days.today()).toBe('2026-01-30');
    clock.t = istTime('2026-02-01', '10:00'); // Budget Sunday
    expect(days.today()).toBe('2026-02-01');
    expect(days.phase()).toBe('open');
    clock.t = istTime('2026-02-02', '00:00');
    expect(days.today()).toBe('2026-02-02');
    expect(rolls.map((r) => r.to)).toEqual(['2026-02-01', '2026-02-02']);
  });

  it('a Muhurat session (a holiday with a one-hour session) is a day of its own; the holiday after it is not', () => {
    const { clock, days, rolls } = setup(istTime('2025-10-20', '12:00')); // Monday
    clock.t = istTime('2025-10-21', '14:00'); // Muhurat 13:45–14:45
    expect(days.phase()).toBe('open');
    expect(days.today()).toBe('2025-10-21');
    expect(days.session()).toMatchObject({ kind: 'muhurat', misSquareOff: istTime('2025-10-21', '14:35') });
    clock.t = istTime('2025-10-22', '10:00'); // Diwali Balipratipada
    expect(days.phase()).toBe('closed');
    expect(days.today()).toBe('2025-10-21');
    clock.t = istTime('2025-10-23', '00:00');
    expect(rolls.map((r) => r.to)).toEqual(['2025-10-21']);
    expect(days.today()).toBe('2025-10-23');
  });

  it('listeners see the new day inside the roll; a throwing listener does not stop the others or roll twice', () => {
    const clock = new FakeClock(istTime('2026-11-20', '10:00'));
    const errors: unknown[] = [];
    const days = new TradingDay({ clock, onError: (e) => errors.push(e) });
    const seen: string[] = [];
    days.onRoll(() => {
      seen.push(`a:${days.today()}`);
      throw new Error('boom');
    });
    const off = days.onRoll((r) => seen.push(`b:${r.to}:${String(days.sync())}`));
    clock.t = istTime('2026-11-23', '01:00');
    days.sync();
    expect(seen).toEqual(['a:2026-11-23', 'b:2026-11-23:undefined']);
    expect(errors).toHaveLength(1);
    off();
    clock.t = istTime('2026-11-25', '01:00');
    days.sync();
    expect(seen).toHaveLength(3);
  });

  it('refuses a clock that is not a finite instant', () => {
    expect(() => new TradingDay({ clock: { now: () => Number.NaN } })).toThrow(/clock/);
    const { days } = setup(istTime('2026-11-20', '10:00'));
    expect(() => days.sync(Number.POSITIVE_INFINITY)).toThrow(/finite/);
  });
});

describe('TradingDay over three calendar years', () => {
  it('a forward-moving clock gets one roll per session day, in order, none missed (jumps counted as skipped)', () => {
    const cal = nseCalendar;
    const start = istTime('2024-01-01', '12:00');
    const end = istTime('2026-12-31', '23:59');
    for (const seed of [1, 2, 3]) {
      let x = seed;
      const rand = (): number => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
      const clock = new FakeClock(start);
      const days = new TradingDay({ clock });
      const rolls: DayRoll[] = [];
      days.onRoll((r) => rolls.push(r));
      while (clock.t < end) {
        // mostly minutes to hours, sometimes several days (an engine switched off)
        clock.t += rand() < 0.05 ? Math.floor(rand() * 5 * 86_400_000) : Math.floor(rand() * 8 * 3_600_000);
        if (rand() < 0.1) days.sync(clock.t - Math.floor(rand() * 3 * 86_400_000)); // a late reading: never rolls back
        days.sync();
      }
      for (let i = 1; i < rolls.length; i++) expect(rolls[i]!.from).toBe(rolls[i - 1]!.to);
      for (const r of rolls) {
        expect(days.isSessionDay(dayNumber(r.to))).toBe(true);
        expect(r.startMs).toBe(istTime(r.to, '00:00'));
        expect(days.dayAt(r.observedAt)).toBe(r.to);
      }
      // session days after the start day up to today: the calendar's trading days plus Muhurat days with known timings
      let expected = 0;
      for (let n = dayNumber('2024-01-01') + 1; n <= days.todayNum(); n++) if (days.isSessionDay(n)) expected++;
      const muhurat = ['2024-11-01', '2025-10-21'];
      expect(expected).toBe(cal.tradingDays('2024-01-02', days.today()).length + muhurat.length);
      expect(rolls.map((r) => r.to)).toEqual(expect.arrayContaining(muhurat.filter((d) => !rolls.some((r) => r.from < d && d < r.to))));
      expect(rolls.reduce((n, r) => n + 1 + r.skipped, 0)).toBe(expected);
      let last = istDayNumber(clock.t);
      while (!days.isSessionDay(last)) last--;
      expect(days.today()).toBe(isoDayOf(last));
    }
  });
});
