/**
 * Tests that start the Kite simulator pass at any hour (a leftover of earlier sessions: suites started it
 * at its default, "now if in session", and a run at 15:15–15:30 IST met the MIS square-off or the close).
 * simSessionStart() gives a fixed in-session start whatever the wall clock; and every suite under test/
 * that starts the simulator either gives it a start time (or a market with its own clock, or a manual
 * clock) or says here why "now" is what it tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMarketOpen, istTime, session } from '../../src-engine/core/nse-calendar.js';
import { simSessionStart } from '../support/sim-session.js';

const TEST_DIR = join(import.meta.dirname, '..');

describe('simSessionStart', () => {
  it('from any hour (every 7 minutes over 2024–2026, weekends, holidays, Muhurat days): a regular session, 45 min after its open, over 5 h before the MIS square-off, ahead of now', () => {
    const from = istTime('2024-01-01', '00:00');
    const to = istTime('2026-12-31', '00:00');
    let n = 0;
    for (let now = from; now < to; now += 7 * 60_000, n++) {
      const t = simSessionStart(now);
      const s = session(t);
      if (!(t > now && s !== null && s.kind === 'regular' && t === s.open + 45 * 60_000 && isMarketOpen(t) && s.misSquareOff - t > 5 * 3_600_000)) {
        throw new Error(`simSessionStart(${new Date(now).toISOString()}) = ${new Date(t).toISOString()} (${JSON.stringify(s && { kind: s.kind, open: s.open, misSquareOff: s.misSquareOff })})`);
      }
    }
    expect(n).toBeGreaterThan(200_000);
  });

  it('at 15:25 IST on a trading day (the square-off window) and on a Muhurat evening: the next regular day\'s 10:00', () => {
    expect(simSessionStart(istTime('2026-12-04', '15:25'))).toBe(istTime('2026-12-07', '10:00')); // Friday → Monday
    expect(simSessionStart(istTime('2026-11-23', '15:29'))).toBe(istTime('2026-11-25', '10:00')); // Tuesday 24th is a holiday
    expect(simSessionStart(istTime('2024-11-01', '17:50'))).toBe(istTime('2024-11-04', '10:00')); // Muhurat 18:00–19:00 skipped
  });
});

/** Suites that start the simulator at "now" on purpose, or whose outcome does not depend on the session. */
const NOW_ON_PURPOSE: Record<string, string> = {
  'integration/kite-session.test.ts': 'the login time is the wall clock (loginTime ≈ Date.now()); the 06:00 expiry is driven by a fake clock',
  'integration/kite-login-serve.test.ts': 'login, restore and refusal only: no order, nothing that depends on the session',
  'integration/kite-settings-desktop.test.ts': 'settings and login only: no order, nothing that depends on the session',
  'integration/kite-basket-margin.test.ts': 'POST /margins/basket only: margins do not depend on the session; no order reaches the simulator',
  'integration/backtest-kite-cli.test.ts': 'historical candles of a fixed past range; no order',
  'integration/backtest-app-kite.test.ts': 'historical candles of a fixed past range; no order',
  'integration/kite-sim-realism.test.ts': "clock: 'wall' is the wall clock on purpose (the market catches up with it)",
};

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The argument text of every `<name>.start(` call on a KiteSimulator (and `new KiteSimulator().start(`). */
function simStarts(src: string): string[] {
  const names = new Set<string>([...src.matchAll(/(\w+)(?:\s*:\s*KiteSimulator)?\s*=\s*new KiteSimulator\(\)(?!\.)/g)].map((m) => m[1]!));
  const out: string[] = [];
  const starts = [...src.matchAll(/(?:\b(\w+)|new KiteSimulator\(\))\.start\(/g)].filter((m) => m[1] === undefined || names.has(m[1]));
  for (const m of starts) {
    let depth = 1;
    let i = m.index + m[0].length;
    const begin = i;
    for (; i < src.length && depth > 0; i++) depth += src[i] === '(' ? 1 : src[i] === ')' ? -1 : 0;
    out.push(src.slice(begin, i - 1));
  }
  return out;
}

describe('every suite that starts the Kite simulator', () => {
  it('gives it a start in session (startTime, a market with its own clock, a manual clock) unless "now" is what it tests', () => {
    const unfixed: string[] = [];
    let starts = 0;
    for (const f of testFiles(TEST_DIR)) {
      const src = readFileSync(f, 'utf8');
      if (f === import.meta.filename || !src.includes('new KiteSimulator(')) continue;
      const rel = relative(TEST_DIR, f);
      for (const args of simStarts(src)) {
        starts++;
        if (/\bstartTime\b|\bmarket\b|clock:\s*'manual'/.test(args) || NOW_ON_PURPOSE[rel] !== undefined) continue;
        unfixed.push(`${rel}: start(${args.replace(/\s+/g, ' ')})`);
      }
    }
    expect(starts).toBeGreaterThanOrEqual(19); // 19 in 17 files when written: the scan sees them
    expect(unfixed).toEqual([]);
  });
});
