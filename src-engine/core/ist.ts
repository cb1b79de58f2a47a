/**
 * India Standard Time helpers. IST is UTC+05:30 all year (no daylight saving), so plain offset
 * arithmetic is exact. The NSE regular equity session is 09:15–15:30 IST, Monday to Friday.
 *
 * Exchange holidays are OUT OF SCOPE here: every weekday counts as a trading day, so
 * nextSessionOpen() may return an open on a holiday. Ask `nse-calendar.ts` (NseCalendar) whether
 * the market is open; the simulator's session roll already does.
 */

export const IST_OFFSET_MS = (5 * 60 + 30) * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;
const OPEN_MS = (9 * 60 + 15) * 60 * 1000; // 09:15 after IST midnight
const CLOSE_MS = (15 * 60 + 30) * 60 * 1000; // 15:30 after IST midnight

function assertEpoch(fn: string, epochMs: number): void {
  if (!Number.isFinite(epochMs)) {
    throw new RangeError(`${fn}: epochMs must be a finite number, got ${String(epochMs)}`);
  }
}

/** Epoch ms of 00:00 IST of the IST calendar date containing epochMs. */
function istMidnight(epochMs: number): number {
  return Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS) * DAY_MS - IST_OFFSET_MS;
}

/** 09:15 and 15:30 IST (as epoch ms) of the IST calendar date containing epochMs. */
export function istSessionBounds(epochMs: number): { open: number; close: number } {
  assertEpoch('istSessionBounds', epochMs);
  const midnight = istMidnight(epochMs);
  return { open: midnight + OPEN_MS, close: midnight + CLOSE_MS };
}

/** True if epochMs falls on a Saturday or Sunday in IST. */
export function isWeekendIst(epochMs: number): boolean {
  assertEpoch('isWeekendIst', epochMs);
  const day = new Date(epochMs + IST_OFFSET_MS).getUTCDay();
  return day === 0 || day === 6;
}

/**
 * The first weekday 09:15 IST strictly after epochMs: this day's open if epochMs is before it on a
 * weekday, otherwise the open of the next weekday. (Inside a session this is the NEXT day's open.)
 * Holidays are ignored for now — see the note at the top of this file.
 */
export function nextSessionOpen(epochMs: number): number {
  assertEpoch('nextSessionOpen', epochMs);
  let { open } = istSessionBounds(epochMs);
  if (open <= epochMs) open += DAY_MS;
  while (isWeekendIst(open)) open += DAY_MS;
  return open;
}

/** True if epochMs is inside a regular session: a weekday, 09:15 ≤ t < 15:30 IST (holidays ignored). */
export function isInSessionIst(epochMs: number): boolean {
  assertEpoch('isInSessionIst', epochMs);
  if (isWeekendIst(epochMs)) return false;
  const { open, close } = istSessionBounds(epochMs);
  return epochMs >= open && epochMs < close;
}
