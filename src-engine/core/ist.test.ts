import { describe, expect, it } from 'vitest';
import { IST_OFFSET_MS, isInSessionIst, istSessionBounds, isWeekendIst, nextSessionOpen } from './ist.js';

// Expected values are written as ISO strings with an explicit +05:30 offset, independent of the code.
const ist = (s: string): number => Date.parse(`${s}+05:30`);

describe('ist', () => {
  it('offset is 5h30m', () => {
    expect(IST_OFFSET_MS).toBe(19_800_000);
  });

  it('session bounds use the IST calendar date, not the UTC one', () => {
    // 2025-09-30 02:00 IST is still 2025-09-29 in UTC.
    const b = istSessionBounds(ist('2025-09-30T02:00:00'));
    expect(b.open).toBe(ist('2025-09-30T09:15:00'));
    expect(b.close).toBe(ist('2025-09-30T15:30:00'));
    // 23:59 IST belongs to the same IST date.
    expect(istSessionBounds(ist('2025-09-30T23:59:59')).open).toBe(ist('2025-09-30T09:15:00'));
  });

  it('weekend detection in IST', () => {
    expect(isWeekendIst(ist('2025-10-04T00:30:00'))).toBe(true); // Saturday IST (Friday in UTC)
    expect(isWeekendIst(ist('2025-10-05T23:59:00'))).toBe(true); // Sunday
    expect(isWeekendIst(ist('2025-10-06T00:00:00'))).toBe(false); // Monday
    expect(isWeekendIst(ist('2025-10-03T23:59:00'))).toBe(false); // Friday
  });

  it('nextSessionOpen: before open, inside, after close, Friday evening, weekend', () => {
    expect(nextSessionOpen(ist('2025-09-30T08:00:00'))).toBe(ist('2025-09-30T09:15:00'));
    expect(nextSessionOpen(ist('2025-09-30T09:15:00'))).toBe(ist('2025-10-01T09:15:00'));
    expect(nextSessionOpen(ist('2025-09-30T12:00:00'))).toBe(ist('2025-10-01T09:15:00'));
    expect(nextSessionOpen(ist('2025-09-30T15:30:00'))).toBe(ist('2025-10-01T09:15:00'));
    expect(nextSessionOpen(ist('2025-10-03T15:30:00'))).toBe(ist('2025-10-06T09:15:00')); // Fri → Mon
    expect(nextSessionOpen(ist('2025-10-04T08:00:00'))).toBe(ist('2025-10-06T09:15:00')); // Sat morning
  });

  it('isInSessionIst is half-open [09:15, 15:30) on weekdays', () => {
    expect(isInSessionIst(ist('2025-09-30T09:14:59'))).toBe(false);
    expect(isInSessionIst(ist('2025-09-30T09:15:00'))).toBe(true);
    expect(isInSessionIst(ist('2025-09-30T15:29:59'))).toBe(true);
    expect(isInSessionIst(ist('2025-09-30T15:30:00'))).toBe(false);
    expect(isInSessionIst(ist('2025-10-04T11:00:00'))).toBe(false);
  });

  it('rejects non-finite input with a message naming the function', () => {
    expect(() => nextSessionOpen(Number.NaN)).toThrow(/nextSessionOpen: epochMs/);
    expect(() => istSessionBounds(Infinity)).toThrow(/istSessionBounds/);
  });
});
