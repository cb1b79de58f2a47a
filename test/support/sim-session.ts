import { nextOpen, session } from '../../src-engine/core/nse-calendar.js';

/**
 * A Kite-simulator start that does not depend on the hour the tests run: 45 minutes after the open of the
 * next regular NSE session (always ahead of the wall clock, as the simulator's own default is at night;
 * a Muhurat hour or a special weekend session is skipped). The simulator's default, "now if in session",
 * put a run at 15:15–15:30 IST inside the MIS square-off window (orders squared off under the test) and
 * one near 15:30 across the close (orders refused as "market closed"). Pass it as `startTime` wherever a
 * test places orders or depends on the session being open: from it a test has over 5 hours of session
 * before the 15:20 square-off at speed 1 (test/integration/sim-session-start.test.ts).
 */
export function simSessionStart(now = Date.now()): number {
  let t = now;
  for (let i = 0; i < 50; i++) {
    const open = nextOpen(t);
    const s = session(open);
    if (s !== null && s.kind === 'regular') return open + 45 * 60_000;
    t = s !== null ? s.close : open + 1;
  }
  throw new RangeError(`simSessionStart: no regular NSE session after ${new Date(now).toISOString()}`);
}
