/**
 * Issue 11's reliability proof in `npm test` (the long run is `kitedesk chaos`, docs/trading.md "Chaos"):
 * the engine as a `kitedesk serve` process (built CLI) against our Kite simulator, through the contract.
 *  - crash, 20 rounds: a busy live session SIGKILLed at a seeded random point; 0 duplicate orders at the
 *    simulator by tag, 0 acknowledged journal rows lost, integrity_check ok every time, back in paper with
 *    "live was on" after each restart (a halt set before the kill still in force), live again through the
 *    recovery preflight, net positions per instrument+product equal to the simulator's;
 *  - lost replies, 100 rounds: the simulator accepts each order and drops its reply; every one is found by
 *    its tag, none is sent twice.
 *  - feed faults, a few rounds (socket kill, silence past the 5 s timeout, expired tokens = 403 on reconnect,
 *    5xx with the sockets killed): the engine never exits, every token is subscribed again within 2 s of its
 *    socket being back (measured at the simulator), the order tried in a silence is refused as stale;
 *  - burst, a few rounds of 1,000 intents: at the simulator ≤ 10 orders in any rolling second, ≤ the
 *    per-minute cap, 0 HTTP 429s (the engine paces orders at 8/s), no tag sent again after a 429;
 *  - host, one round: the engine under the Node host (the app's EngineSupervisor and PortBroker, the engine
 *    forked) throws, exits, is SIGKILLed and hangs: one restart per death after its back-off, a new port to
 *    the window within 2 s of each ready, the 4th death in a minute gives up and the window is told; the
 *    journal reused across the restarts stays whole, no duplicate order.
 * The verdicts are the harness's (src-engine/chaos/checks.ts, unit-tested to count a duplicate, a lost row
 * and a position difference); this test asserts the figures it reports.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BURST_INTENTS, FEED_FAULTS, formatReport, QUICK_ROUNDS, RESUBSCRIBE_WITHIN_MS, runChaos, type CaseResult } from '../../src-engine/chaos/harness.js';
import { HOST_FAULTS, PORT_WITHIN_MS } from '../../src-engine/chaos/host-case.js';
import { ensureBuilt, repoRoot } from '../support/serve-process.js';

const SEED = 20261207;

function expectClean(c: CaseResult, report: string): void {
  expect(c.failures, report).toEqual([]);
  expect(c.completed, report).toBe(c.rounds);
  expect(c.duplicates, report).toEqual([]);
  expect(c.lost, report).toEqual([]);
  expect(c.integrityChecks, report).toBe(c.rounds);
  expect(c.integrityOk, report).toBe(c.rounds);
  expect(c.positionMismatches, report).toEqual([]);
}

describe('chaos: crash and lost replies against kitedesk sim', () => {
  it('20 SIGKILLs of a busy live session and 100 dropped replies: 0 duplicates, 0 lost rows, integrity ok, positions equal, back in paper', async () => {
    ensureBuilt();
    const progress: string[] = [];
    const r = await runChaos({
      cases: ['crash', 'lost-replies'],
      rounds: { crash: 20, 'lost-replies': 100 },
      seed: SEED,
      cli: [join(repoRoot, 'dist/engine/cli.js')],
      progress: (l) => void progress.push(l),
      roundTimeoutMs: 90_000,
    });
    const text = formatReport(r);
    const [crash, lost] = r.cases;
    expectClean(crash!, text);
    expect(crash!.case).toBe('crash');
    // every kill came back in paper, saying live was on; every halt set before a kill was still in force
    expect(crash!.backInPaper, text).toBe(20);
    expect(crash!.haltKept, text).toBe(crash!.haltChecked);
    // the session was busy: orders reached the simulator and were acknowledged before the kills
    expect(crash!.venueOrders, text).toBeGreaterThan(20);
    expect(crash!.acknowledged, text).toBeGreaterThan(20);

    expectClean(lost!, text);
    expect(lost!.case).toBe('lost-replies');
    expect(lost!.dropped, text).toBe(100);
    expect(lost!.resolvedFound, text).toBe(100);
    expect(r.ok, text).toBe(true);
    expect(text.split('\n').at(-1)).toMatch(/^chaos: 120 rounds, 0 duplicate orders, 0 lost rows, integrity ok 120\/120, recovered in ≤ \d+\.\d s$/);
  }, 1_200_000);
});

describe('chaos: market-data faults and an order burst against kitedesk sim', () => {
  it('feed faults (kill, silence, 403, 5xx): engine never exits, every token back within 2 s, no order on stale data; 1,000 intents: ≤ 10/s at the broker, per-minute cap held, no blind retry', async () => {
    ensureBuilt();
    const r = await runChaos({
      cases: ['feed-faults', 'burst'],
      rounds: { 'feed-faults': QUICK_ROUNDS['feed-faults'], burst: QUICK_ROUNDS.burst },
      seed: SEED,
      cli: [join(repoRoot, 'dist/engine/cli.js')],
      roundTimeoutMs: 90_000,
    });
    const text = formatReport(r);
    const [feed, burst] = r.cases;
    expectClean(feed!, text);
    expect(feed!.case).toBe('feed-faults');
    // every kind of fault ran at least once
    for (const f of FEED_FAULTS) expect(feed!.faults[f], text).toBeGreaterThanOrEqual(1);
    expect(feed!.engineExits, text).toBe(0);
    expect(feed!.lateTokens, text).toBe(0);
    expect(feed!.ordersOnStaleData, text).toBe(0);
    // the order tried in each silence was refused by the staleness guard
    expect(feed!.staleRefused, text).toBe(feed!.faults.silence);
    expect(feed!.maxRecoveryMs, text).toBeLessThanOrEqual(RESUBSCRIBE_WITHIN_MS);

    expectClean(burst!, text);
    expect(burst!.case).toBe('burst');
    expect(burst!.intents, text).toBe(QUICK_ROUNDS.burst * BURST_INTENTS);
    // orders did reach the broker, never more than Kite's 10 in a rolling second, within the per-minute cap
    expect(burst!.venueOrders, text).toBeGreaterThan(0);
    expect(burst!.maxPerSecond, text).toBeLessThanOrEqual(10);
    expect(burst!.maxPerMinute, text).toBeLessThanOrEqual(burst!.capPerMinute);
    expect(burst!.rateViolations, text).toBe(0);
    expect(burst!.got429, text).toBe(0);
    expect(burst!.blindRetries, text).toBe(0);
    expect(r.ok, text).toBe(true);
    const n = QUICK_ROUNDS['feed-faults'] + QUICK_ROUNDS.burst;
    expect(text.split('\n').at(-1)).toMatch(new RegExp(`^chaos: ${n} rounds, 0 duplicate orders, 0 lost rows, integrity ok ${n}/${n}, recovered in ≤ \\d+\\.\\d s$`));
  }, 600_000);
});

describe('chaos: the engine host (Node host: the app\'s supervisor and port broker) against kitedesk sim', () => {
  it('the engine throws, exits, is SIGKILLed and hangs: one restart per death after its back-off, a new port within 2 s, the 4th death in a minute gives up and the window is told; journal whole, no duplicate', async () => {
    ensureBuilt();
    const r = await runChaos({ cases: ['host'], rounds: { host: QUICK_ROUNDS.host }, seed: SEED, cli: [join(repoRoot, 'dist/engine/cli.js')], roundTimeoutMs: 180_000 });
    const text = formatReport(r);
    const host = r.cases[0]!;
    const h = host.host!;
    const rounds = QUICK_ROUNDS.host;
    expect(host.failures, text).toEqual([]);
    expect(host.completed, text).toBe(rounds);
    expect(host.duplicates, text).toEqual([]);
    expect(host.lost, text).toEqual([]);
    // every death: the journal checked while the engine was down
    expect(host.integrityChecks, text).toBe(rounds * HOST_FAULTS.length);
    expect(host.integrityOk, text).toBe(host.integrityChecks);
    expect(h.deaths, text).toBe(rounds * HOST_FAULTS.length);
    for (const f of ['throw', 'sigkill', 'hang']) expect(h.faults[f], text).toBe(rounds);
    expect((h.faults['exit1'] ?? 0) + (h.faults['exit0'] ?? 0), text).toBe(rounds);
    // three restarts by the supervisor and a give-up per round, the message at the window, one restart by hand
    expect(h.restarts, text).toBe(rounds * 3);
    expect(h.giveUps, text).toBe(rounds);
    expect(h.failuresNotShown, text).toBe(0);
    expect(h.manualStarts, text).toBe(rounds);
    expect(h.restartMiscounts, text).toBe(0);
    expect(h.backoffViolations, text).toBe(0);
    expect(h.latePorts, text).toBe(0);
    expect(h.maxPortMs, text).toBeLessThanOrEqual(PORT_WITHIN_MS);
    expect(h.backInPaper, text).toBe(h.restarts);
    expect(host.acknowledged, text).toBeGreaterThan(0);
    expect(r.ok, text).toBe(true);
    expect(text.split('\n').at(-1)).toMatch(new RegExp(`^chaos: ${rounds} rounds, 0 duplicate orders, 0 lost rows, integrity ok ${rounds}/${rounds}, recovered in ≤ \\d+\\.\\d s$`));
  }, 300_000);
});
