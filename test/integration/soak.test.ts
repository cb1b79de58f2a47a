/**
 * `kitedesk chaos --soak` in `npm test`, short: the engine as a `kitedesk serve` process (built CLI) holding
 * an accelerated paper session on 500 simulator instruments with strategies trading, a client subscribed as
 * the app's windows are. Asserted: the engine stayed up, counted 0 unhandled rejections, and every figure
 * the report prints is there and sane (RSS, journal bytes and rows, event-loop percentiles). Not asserted:
 * how large or fast any figure is (those are for docs/reliability.md, from the 30-minute run).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSoakReport, runSoak } from '../../src-engine/chaos/soak.js';
import { ensureBuilt, repoRoot } from '../support/serve-process.js';

describe('chaos --soak, short', () => {
  it('500 instruments, strategies trading, a streaming client: 0 unhandled rejections, 0 engine exits, every figure present', async () => {
    ensureBuilt();
    const r = await runSoak({ durationMs: 25_000, sampleMs: 1000, warmupMs: 5000, cli: [join(repoRoot, 'dist/engine/cli.js')] });
    const text = formatSoakReport(r);
    expect(r.failures, text).toEqual([]);
    expect(r.engineExits, text).toBe(0);
    expect(r.unhandledRejections, text).toBe(0);
    expect(r.ok, text).toBe(true);
    // the engine counted (a number, not "not watched") in every sample
    expect(r.samples.every((s) => s.unhandledRejections === 0), text).toBe(true);
    expect(r.samples.length, text).toBeGreaterThanOrEqual(2);
    expect(r.instruments).toBe(500);
    // figures present and sane
    for (const s of r.samples) {
      expect(s.rssBytes).toBeGreaterThan(s.heapUsedBytes);
      expect(s.journalBytes).toBeGreaterThan(0);
      expect(s.p99Ms).toBeGreaterThanOrEqual(0);
      expect(s.maxMs).toBeGreaterThanOrEqual(s.p99Ms);
    }
    expect(Number.isFinite(r.rssSlopeMbPerMin), text).toBe(true);
    expect(r.rssPeakMb).toBeGreaterThanOrEqual(r.rssEndMb);
    // the session ran: ticks in, quotes out to the client, rows written to the journal
    expect(r.engineTicks, text).toBeGreaterThan(0);
    expect(r.clientQuotes, text).toBeGreaterThan(0);
    expect(r.rowsEnd, text).toBeGreaterThan(r.rowsStart);
    expect(r.journalEndBytes, text).toBeGreaterThan(0);
    expect(r.signals, text).toBeGreaterThan(0);
    expect(text.split('\n').at(-1)).toMatch(/^soak: [\d.]+ min, 500 instruments, RSS slope -?[\d.]+ MB\/min, journal \+[\d.]+ MB for \d+ rows, loop p99 ≤ [\d.]+ ms, 0 unhandled rejections, 0 engine exits$/);
  }, 180_000);
});
