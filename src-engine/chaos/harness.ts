/**
 * The chaos harness (issue 11's reliability proof; `kitedesk chaos`, issue 15): our Kite simulator in
 * this process on 127.0.0.1, the engine as a separate `kitedesk serve` process on a temp data dir with
 * the Kite environment pointing at the simulator, driven through the contract as the app drives it.
 *
 * Cases:
 *  - crash: a busy live session (MARKET and resting LIMIT orders, cancels, sometimes a risk halt), then
 *    SIGKILL at a seeded random point; before the restart the journal is opened read-only
 *    (`PRAGMA integrity_check`, every acknowledged order's row present); the engine restarts on the same
 *    data dir and must come back in paper saying live was on (and halted if it was halted), log in, go
 *    live again through the preflight (recovery: orders without a known outcome looked up by tag, one
 *    reconciliation round) and then hold the simulator's net positions per instrument+product. One
 *    simulator and one data dir serve every round.
 *  - lost-replies: the simulator accepts orders and drops their replies (`dropReplies`); the engine must
 *    find each by its tag, never send it again.
 *  - host: the engine under the Node host (the app's EngineSupervisor and PortBroker) dying four ways a
 *    round; see host-case.ts.
 * After every round the simulator's order book is checked for two orders carrying one tag (a duplicate).
 * Each case has a simulator (a Kite account) of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModeSetResult } from '../contract/mode-schemas.js';
import type { OrderDto, PlaceResult } from '../contract/trading-schemas.js';
import { Rng } from '../core/random.js';
import { nextOpen } from '../core/nse-calendar.js';
import { OUTCOME_UNKNOWN } from '../execution/broker.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, KiteSimulator } from '../kite-sim/kite-simulator.js';
import { openDatabaseReadOnly } from '../persistence/read-only.js';
import {
  duplicateTags,
  lostRows,
  maxInWindow,
  netOfFills,
  ordersDuring,
  positionDiffs,
  rateViolations,
  resubscribeCheck,
  retriesAfter429,
  type DuplicateTag,
  type OurFill,
  type PositionDiff,
  type VenuePosition,
  markIntegrity,
} from './checks.js';
import { EngineProcess } from './engine-process.js';
import { HostCase, type HostFigures } from './host-case.js';

export type ChaosCase = 'crash' | 'lost-replies' | 'feed-faults' | 'burst' | 'host';
export const CHAOS_CASES: readonly ChaosCase[] = ['crash', 'lost-replies', 'feed-faults', 'burst', 'host'];
export const DEFAULT_ROUNDS: Readonly<Record<ChaosCase, number>> = { crash: 200, 'lost-replies': 100, 'feed-faults': 50, burst: 10, host: 10 };
export const QUICK_ROUNDS: Readonly<Record<ChaosCase, number>> = { crash: 20, 'lost-replies': 100, 'feed-faults': 4, burst: 2, host: 1 };

/** Feed faults, one per round in this order: a socket kill, a silence past the client's 5 s timeout, expired tokens (403 on reconnect until a new login), 5xx on REST with the sockets killed. */
export const FEED_FAULTS = ['kill', 'silence', '403', '5xx'] as const;
export type FeedFault = (typeof FEED_FAULTS)[number];
/** Every token must be subscribed again within this long of the socket being back. */
export const RESUBSCRIBE_WITHIN_MS = 2000;
/** Order intents per burst round, sent within one second. */
export const BURST_INTENTS = 1000;
/** Kite's order rate (per api key), which the simulator enforces with 429s. */
const BROKER_PER_SECOND = 10;
/** The risk engine's staleAfterMs (its default; CHAOS_PROFILE does not change it). */
const STALE_AFTER_MS = 5000;

export interface ChaosOptions {
  cases: readonly ChaosCase[];
  /** Rounds per case (default DEFAULT_ROUNDS). */
  rounds?: Partial<Record<ChaosCase, number>>;
  seed: number;
  /** How to run the CLI for `serve` (node arguments before the command). */
  cli: readonly string[];
  /** Progress lines (stderr). */
  progress?: (line: string) => void;
  /** Bound on one round (a crash round: busy session, kill, checks, restart, live again), ms. */
  roundTimeoutMs?: number;
  /** Keep the temp data dirs (default: removed when everything passed). */
  keep?: boolean;
}

export interface CaseResult {
  case: ChaosCase;
  rounds: number;
  /** Rounds that ran to their end (a timeout or an error ends one early; it is listed in failures). */
  completed: number;
  /** Orders placed at the simulator during the case. */
  venueOrders: number;
  /** Orders the engine answered through the contract. */
  acknowledged: number;
  duplicates: DuplicateTag[];
  lost: string[];
  integrityOk: number;
  integrityChecks: number;
  /** Per round checked: whether every integrity check of that round passed (the last line counts rounds). */
  integrityRounds: Map<number, boolean>;
  /** Restarts that came back in paper with "live was on" (crash). */
  backInPaper: number;
  /** Restarts checked for a halt set before the kill, and those that kept it. */
  haltChecked: number;
  haltKept: number;
  /** Rounds whose net positions (after recovery) differed from the simulator's, with the last difference seen. */
  positionMismatches: { round: number; diffs: PositionDiff[] }[];
  /** Lost replies: orders whose reply was dropped, and those the engine resolved as found at Kite. */
  dropped: number;
  resolvedFound: number;
  /** Slowest recovery: crash → live again (crash); dropped reply → order known (lost-replies); socket back → every token subscribed (feed-faults), ms. */
  maxRecoveryMs: number;
  /** Feed faults: rounds per fault, whether the engine process ever exited, tokens resubscribed late, orders at the simulator while the feed was stale, and orders the engine refused as stale then. */
  faults: Partial<Record<FeedFault, number>>;
  engineExits: number;
  lateTokens: number;
  ordersOnStaleData: number;
  staleRefused: number;
  /** Burst: intents sent, orders placed at the simulator, most in any rolling second / minute (and the engine's per-minute cap), windows over a cap, 429s and blind resends after one. */
  intents: number;
  maxPerSecond: number;
  maxPerMinute: number;
  capPerMinute: number;
  rateViolations: number;
  got429: number;
  blindRetries: number;
  /** Burst: the slowest round's time to send its intents and have them answered, ms. */
  burstMs: number;
  /** Host: deaths, restarts (one per death), give-ups and their message at the window, the new port's latency. */
  host?: HostFigures;
  failures: string[];
  ms: number;
  dataDir: string;
}

export interface ChaosReport {
  seed: number;
  cases: CaseResult[];
  /** Every check passed. */
  ok: boolean;
}

const SYMBOLS = ['INFY', 'TCS', 'RELIANCE', 'ITC', 'SBIN'] as const;

/** The engine's run profile: the Kite feed, no strategies, no limit the chaos should trip over, fast lookups. */
export const CHAOS_PROFILE = `# kitedesk chaos: the engine on the Kite feed (the simulator), driven by hand through the contract
mode: paper
feed: { kind: kite, backfillMinutes: 0 }
watchlist: [${SYMBOLS.join(', ')}]
universe: { seed: custom, symbols: [${SYMBOLS.join(', ')}], softCap: ${SYMBOLS.length} }
strategies: []
trading:
  capital: 10000000
  risk: { maxOpenPositions: 100000, maxTradesPerSymbolPerDay: 1000000, maxDailyLossBps: 10000, maxDrawdownBps: 10000 }
  live: { reconcileMs: 1000, lookupIntervalMs: 200, lookupAttempts: 3 }
`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.uniform() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.uniform() * xs.length)]!;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

/** Thrown inside `until` to stop waiting at once (a finding, not something to wait out). */
class StopError extends Error {}

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined | false> | T | undefined | false, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      if (e instanceof StopError) throw e;
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last !== undefined ? ` (last error: ${errText(last)})` : ''}`);
    await sleep(everyMs);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_r, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

function emptyResult(c: ChaosCase, rounds: number, dataDir: string): CaseResult {
  return {
    case: c,
    rounds,
    completed: 0,
    venueOrders: 0,
    acknowledged: 0,
    duplicates: [],
    lost: [],
    integrityOk: 0,
    integrityChecks: 0,
    integrityRounds: new Map(),
    backInPaper: 0,
    haltChecked: 0,
    haltKept: 0,
    positionMismatches: [],
    dropped: 0,
    resolvedFound: 0,
    maxRecoveryMs: 0,
    faults: {},
    engineExits: 0,
    lateTokens: 0,
    ordersOnStaleData: 0,
    staleRefused: 0,
    intents: 0,
    maxPerSecond: 0,
    maxPerMinute: 0,
    capPerMinute: 0,
    rateViolations: 0,
    got429: 0,
    blindRetries: 0,
    burstMs: 0,
    failures: [],
    ms: 0,
    dataDir,
  };
}

/** What the harness reads of the simulator (white-box: no rate limit, no session). */
class Venue {
  constructor(readonly sim: KiteSimulator) {}
  orders(): { orderId: string; tag: string | null }[] {
    const ex = this.sim.exchange;
    return ex.allOrders().map((o) => {
      const row = ex.rowOf(o);
      return { orderId: String(row['order_id']), tag: typeof row['tag'] === 'string' ? row['tag'] : null };
    });
  }
  positions(): VenuePosition[] {
    return this.sim.exchange.positionRows().map((r) => ({
      exchange: String(r['exchange']),
      tradingsymbol: String(r['tradingsymbol']),
      product: String(r['product']),
      quantity: Number(r['quantity']),
    }));
  }
  /** A LIMIT price `bps` away from the last price, on the instrument's tick. */
  limitPrice(symbol: string, side: 'BUY' | 'SELL', bps: number): number {
    const st = this.sim.exchange.lookupSymbol('NSE', symbol);
    if (!st) throw new Error(`the simulator has no NSE:${symbol}`);
    const tick = st.inst.tickPaise;
    const raw = st.lastPaise * (side === 'BUY' ? 1 - bps / 10_000 : 1 + bps / 10_000);
    return Math.max(tick, Math.round(raw / tick) * tick);
  }
}

/** The journal, read-only, as a crash left it (or beside a running engine: WAL readers do not block). */
function readJournal(dataDir: string): { integrity: string; clientIds: Set<string>; liveFills: OurFill[] } {
  const db = openDatabaseReadOnly(join(dataDir, 'kitedesk.sqlite'));
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const integrity = rows.map((r) => r.integrity_check).join('; ');
    const clientIds = new Set((db.prepare('SELECT client_id FROM orders').all() as { client_id: string }[]).map((r) => r.client_id));
    const liveFills = db.prepare("SELECT exchange, symbol, product, side, qty FROM fills WHERE mode = 'live'").all() as OurFill[];
    return { integrity, clientIds, liveFills };
  } finally {
    db.close();
  }
}

export class ChaosHarness {
  private sim = new KiteSimulator();
  private venue!: Venue;
  private simUrl = '';
  private readonly rng: Rng;
  private readonly roundTimeoutMs: number;
  private readonly progress: (line: string) => void;
  private readonly work: string;
  private readonly profile: string;
  /** The engine process of the crash case right now (a failed round may have started the next one). */
  private current: EngineProcess | undefined;

  constructor(private readonly o: ChaosOptions) {
    this.rng = new Rng(o.seed);
    this.roundTimeoutMs = o.roundTimeoutMs ?? 120_000;
    this.progress = o.progress ?? (() => undefined);
    this.work = mkdtempSync(join(tmpdir(), 'kitedesk-chaos-'));
    this.profile = join(this.work, 'chaos-profile.yaml');
    writeFileSync(this.profile, CHAOS_PROFILE);
  }

  async run(): Promise<ChaosReport> {
    const cases: CaseResult[] = [];
    for (const c of this.o.cases) {
      const rounds = this.o.rounds?.[c] ?? DEFAULT_ROUNDS[c];
      const dir = mkdtempSync(join(this.work, `${c}-`));
      const res = emptyResult(c, rounds, dir);
      const t0 = Date.now();
      // a simulator of its own per case: a fresh account, so one case's positions are not another's mismatch
      this.sim = new KiteSimulator();
      try {
        // a fresh session's morning on the simulator's clock: hours of trading ahead, no square-off, no 06:00 expiry
        const r = await this.sim.start({ port: 0, seed: this.o.seed >>> 0, expireAt0600: false, startTime: nextOpen(Date.now()) + 10 * 60_000 });
        this.simUrl = r.url;
        this.venue = new Venue(this.sim);
        if (c === 'crash') await this.crashCase(res);
        else if (c === 'lost-replies') await this.lostRepliesCase(res);
        else if (c === 'feed-faults') await this.feedFaultsCase(res);
        else if (c === 'host') await this.hostCase(res);
        else await this.burstCase(res);
      } catch (e) {
        res.failures.push(`case aborted: ${errText(e)}`);
      } finally {
        try {
          res.duplicates = duplicateTags(this.venue.orders());
        } catch {
          /* the simulator never started: the failure says why */
        }
        await this.sim.close();
      }
      res.ms = Date.now() - t0;
      cases.push(res);
    }
    const report: ChaosReport = { seed: this.o.seed, cases, ok: cases.every(caseOk) };
    if (report.ok && this.o.keep !== true) rmSync(this.work, { recursive: true, force: true });
    return report;
  }

  private env(): Record<string, string> {
    return { KITEDESK_KITE_API_KEY: DEFAULT_API_KEY, KITEDESK_KITE_API_SECRET: DEFAULT_API_SECRET, KITEDESK_KITE_ROOT: this.simUrl };
  }

  private async start(dataDir: string): Promise<EngineProcess> {
    const eng = await EngineProcess.start({ cli: this.o.cli, dataDir, configFile: this.profile, env: this.env() });
    // as the app's depth pane does: a full-mode subscription, whose packets carry the exchange timestamps
    // the engine's clock follows (quote packets carry none; the simulator's session may be another day)
    eng.client.subscribe('depth.updated', { symbol: SYMBOLS[0] }, { snapshot: () => undefined, delta: () => undefined });
    return eng;
  }

  /**
   * Log in, wait for the feed's prices (the engine's clock is the feed's: before the first tick it is the
   * wall clock, and the simulator's session may be another day), then ask for live until the preflight
   * passes (the instrument master loads after the login).
   */
  private async goLive(eng: EngineProcess, timeoutMs = 60_000): Promise<void> {
    await eng.login();
    await this.awaitPrices(eng);
    let last: ModeSetResult | undefined;
    await until('live', timeoutMs, async () => {
      last = await eng.client.call('mode.set', { mode: 'live', confirm: 'LIVE' });
      if (last.ok) return true;
      // a failed preflight because of anything but start-up loading is a finding, not something to wait out
      const failed = last.preflight?.checks.filter((c) => !c.ok).map((c) => c.id) ?? [];
      if (last.refused === 'preflight' && failed.some((id) => id !== 'instruments' && id !== 'reconciliation')) throw new StopError(`live refused: ${last.message}`);
      return false;
    }, 250).catch((e: unknown) => {
      throw e instanceof StopError ? e : new Error(`${errText(e)}; last answer: ${last?.message ?? 'none'}`);
    });
  }

  /**
   * Every symbol has a fresh tick in the engine, on the simulator's clock (orders before that are refused
   * as stale, and a quote from the start-up snapshot may carry the wall clock, not the session's time).
   */
  private async awaitPrices(eng: EngineProcess): Promise<void> {
    await until('fresh prices from the Kite feed', 30_000, async () => {
      const q = await eng.client.call('quotes.get', { symbols: [...SYMBOLS] });
      const since = this.sim.clock.now() - 3000;
      return SYMBOLS.every((s) => q.some((x) => x.symbol === s && x.lastPaise > 0 && x.tsEvent >= since));
    }, 100);
  }

  // -----------------------------------------------------------------------------------------------
  // crash

  private async crashCase(res: CaseResult): Promise<void> {
    this.current = await this.start(res.dataDir);
    try {
      await this.goLive(this.current);
      for (let round = 1; round <= res.rounds; round++) {
        try {
          await withTimeout(this.crashRound(this.current, round, res), this.roundTimeoutMs, `crash round ${round}`);
          res.completed++;
        } catch (e) {
          res.failures.push(`round ${round}: ${errText(e)}`);
          this.progress(`chaos crash round ${round}: FAILED ${errText(e)}`);
          // start over from a known state: the engine killed, restarted, live again
          await this.current.kill().catch(() => undefined);
          this.current = await this.start(res.dataDir);
          await this.resumeIfHalted(this.current);
          await this.goLive(this.current).catch((e2: unknown) => res.failures.push(`round ${round}: not live again: ${errText(e2)}`));
        }
        if (round % 10 === 0 || round === res.rounds) {
          this.progress(`chaos crash: ${round}/${res.rounds} rounds, ${duplicateTags(this.venue.orders()).length} duplicates, ${res.lost.length} lost rows, ${res.failures.length} failures`);
        }
      }
    } finally {
      await this.current.stop().catch(() => undefined);
      this.current = undefined;
    }
    res.venueOrders = this.venue.orders().length;
  }

  private async resumeIfHalted(eng: EngineProcess): Promise<void> {
    if ((await eng.client.call('risk.get', {})).halted) await eng.client.call('risk.resume', {});
  }

  /** One busy session, the kill, the checks, the restart (this.current), live again. */
  private async crashRound(eng: EngineProcess, round: number, res: CaseResult): Promise<void> {
    const rng = this.rng;
    const requests = int(rng, 1, 8);
    const killAfterMs = int(rng, 0, 400);
    const haltFirst = rng.uniform() < 0.15;
    const acked: string[] = [];
    const resting: string[] = [];
    const inFlight: Promise<unknown>[] = [];
    const place = (input: Parameters<typeof eng.client.call<'orders.place'>>[1]) =>
      eng.client.call('orders.place', input).then((r: PlaceResult) => {
        for (const o of r.orders) {
          acked.push(o.clientId);
          if (o.orderType === 'LIMIT') resting.push(o.orderId);
        }
      });
    for (let i = 0; i < requests; i++) {
      const roll = rng.uniform();
      const symbol = pick(rng, SYMBOLS);
      const side = rng.uniform() < 0.5 ? 'BUY' : 'SELL';
      const qty = int(rng, 1, 5);
      let p: Promise<unknown>;
      if (roll < 0.15 && resting.length > 0) {
        const id = resting.splice(int(rng, 0, resting.length - 1), 1)[0]!;
        p = eng.client.call('orders.cancel', { orderId: id });
      } else if (roll < 0.4) {
        p = place({ symbol, side, qty, orderType: 'LIMIT', product: 'MIS', pricePaise: this.venue.limitPrice(symbol, side, 200) });
      } else {
        p = place({ symbol, side, qty, orderType: 'MARKET', product: 'MIS' });
      }
      inFlight.push(p.catch(() => undefined)); // a refusal or the kill: not acknowledged // a refusal or the kill: not acknowledged
      await sleep(int(rng, 0, 60));
    }
    // the kill lands anywhere: before, between or after the answers, fills and Kite's order messages
    await sleep(killAfterMs);
    if (haltFirst) await eng.client.call('risk.halt', { reason: `chaos round ${round}` });
    await eng.kill();
    await Promise.all(inFlight);
    res.acknowledged += acked.length;

    // the journal as the crash left it
    const j = readJournal(res.dataDir);
    res.integrityChecks++;
    markIntegrity(res.integrityRounds, round, j.integrity === 'ok');
    if (j.integrity === 'ok') res.integrityOk++;
    else res.failures.push(`round ${round}: integrity_check: ${j.integrity.slice(0, 200)}`);
    const lost = lostRows(acked, j.clientIds);
    if (lost.length > 0) {
      res.lost.push(...lost);
      res.failures.push(`round ${round}: acknowledged but not journalled: ${lost.join(', ')}`);
    }

    // restart on the same data dir: back in paper, asking; a halt set before the crash still in force
    const t0 = Date.now();
    const next = (this.current = await this.start(res.dataDir));
    const st = await next.client.call('mode.get', {});
    if (st.mode === 'paper' && st.liveWasOn !== undefined) res.backInPaper++;
    else res.failures.push(`round ${round}: after the restart: mode ${st.mode}, liveWasOn ${st.liveWasOn === undefined ? 'absent' : 'set'}`);
    const risk = await next.client.call('risk.get', {});
    if (haltFirst) {
      res.haltChecked++;
      if (risk.halted) res.haltKept++;
      else res.failures.push(`round ${round}: the halt set before the crash was not in force after it`);
    }
    if (risk.halted) await next.client.call('risk.resume', {});
    await this.goLive(next);
    res.maxRecoveryMs = Math.max(res.maxRecoveryMs, Date.now() - t0);

    // after recovery our net positions per instrument+product are the simulator's
    let diffs: PositionDiff[] = [];
    try {
      await until('net positions equal to the simulator\'s', 10_000, () => {
        diffs = positionDiffs(netOfFills(readJournal(res.dataDir).liveFills), this.venue.positions());
        return diffs.length === 0;
      }, 200);
    } catch {
      res.positionMismatches.push({ round, diffs });
      res.failures.push(`round ${round}: net positions differ: ${diffs.map((d) => `${d.key} ours ${d.ours} sim ${d.venue}`).join('; ')}`);
    }
    const dups = duplicateTags(this.venue.orders());
    if (dups.length > 0) res.failures.push(`round ${round}: duplicate orders at the simulator: ${dups.map((d) => `${d.tag} ×${d.orderIds.length}`).join(', ')}`);
  }

  // -----------------------------------------------------------------------------------------------
  // lost replies

  private async lostRepliesCase(res: CaseResult): Promise<void> {
    const eng = await this.start(res.dataDir);
    try {
      await this.goLive(eng);
      const droppedBefore = this.sim.droppedReplies().dropped;
      let done = 0;
      let batchNo = 0;
      while (done < res.rounds) {
        const b = Math.min(5, res.rounds - done);
        batchNo++;
        try {
          await withTimeout(this.lostBatch(eng, b, done, res), this.roundTimeoutMs, `lost-replies batch ${batchNo}`);
          res.completed += b;
        } catch (e) {
          res.failures.push(`rounds ${done + 1}–${done + b}: ${errText(e)}`);
          this.sim.dropReplies(0);
        }
        done += b;
        if (batchNo % 4 === 0 || done === res.rounds) {
          this.progress(`chaos lost-replies: ${done}/${res.rounds} rounds, ${this.sim.droppedReplies().dropped - droppedBefore} replies dropped, ${res.failures.length} failures`);
        }
      }
      res.dropped = this.sim.droppedReplies().dropped - droppedBefore;
      const diffs = positionDiffs(netOfFills(readJournal(res.dataDir).liveFills), this.venue.positions());
      if (diffs.length > 0) {
        res.positionMismatches.push({ round: res.rounds, diffs });
        res.failures.push(`net positions differ: ${diffs.map((d) => `${d.key} ours ${d.ours} sim ${d.venue}`).join('; ')}`);
      }
    } finally {
      await eng.stop().catch(() => undefined);
    }
    res.venueOrders = this.venue.orders().length;
  }

  /** `b` rounds at once: b MARKET orders whose replies the simulator drops; each must be found by its tag. */
  private async lostBatch(eng: EngineProcess, b: number, doneBefore: number, res: CaseResult): Promise<void> {
    const rng = this.rng;
    // the engine's order-rate cap (Kite's 10 orders/s): as a person would, wait until the last second on the
    // engine's clock has room for the whole batch (a batch is found again in well under a second, so two
    // batches back to back would pass the cap and be refused, as they would be for anyone)
    await until(`room for ${b} orders under the engine's per-second cap`, 10_000, async () => {
      const o = (await eng.client.call('engine.health', {})).orders;
      return o.lastSecond + b <= o.capPerSecond;
    }, 50);
    this.sim.dropReplies(b);
    const t0 = Date.now();
    const placed = await Promise.all(
      Array.from({ length: b }, () =>
        eng.client.call('orders.place', { symbol: pick(rng, SYMBOLS), side: rng.uniform() < 0.5 ? 'BUY' : 'SELL', qty: int(rng, 1, 3), orderType: 'MARKET', product: 'MIS' }),
      ),
    );
    const ids = placed.flatMap((p) => p.orders.map((o) => o.orderId));
    const clientIds = placed.flatMap((p) => p.orders.map((o) => o.clientId));
    if (ids.length !== b) throw new Error(`${b} orders asked, ${ids.length} placed: ${placed.map((p) => p.decision.message ?? p.decision.action).join('; ')}`);
    res.acknowledged += b;
    // every order known again: found at Kite (not OUTCOME_UNKNOWN, not concluded "not found") and complete
    const final = await until(`${b} orders with dropped replies to be found at Kite`, 30_000, async () => {
      const list = await eng.client.call('orders.list', {});
      const mine = ids.map((id) => list.find((o) => o.orderId === id)).filter((o): o is OrderDto => o !== undefined);
      return mine.length === b && mine.every((o) => o.status === 'COMPLETE' || o.status === 'REJECTED' || o.status === 'CANCELLED') ? mine : undefined;
    }, 100);
    res.maxRecoveryMs = Math.max(res.maxRecoveryMs, Date.now() - t0);
    if (this.sim.droppedReplies().armed !== 0) throw new Error(`${this.sim.droppedReplies().armed} reply drops were never used (the fault did not fire)`);
    for (const o of final) {
      if (o.status === 'COMPLETE') res.resolvedFound++;
      else res.failures.push(`order ${o.orderId} (tag ${o.clientId}) ended ${o.status}: ${o.statusMessage ?? ''}`);
      if (o.statusMessage === OUTCOME_UNKNOWN) res.failures.push(`order ${o.orderId} still has an unknown outcome`);
    }
    // per round: the journal holds the acknowledged rows and passes its integrity check
    for (let i = 0; i < b; i++) {
      const j = readJournal(res.dataDir);
      res.integrityChecks++;
      markIntegrity(res.integrityRounds, doneBefore + i + 1, j.integrity === 'ok');
      if (j.integrity === 'ok') res.integrityOk++;
      else res.failures.push(`round ${doneBefore + i + 1}: integrity_check: ${j.integrity.slice(0, 200)}`);
      if (i === 0) {
        const lost = lostRows(clientIds, j.clientIds);
        if (lost.length > 0) {
          res.lost.push(...lost);
          res.failures.push(`acknowledged but not journalled: ${lost.join(', ')}`);
        }
      }
    }
    const dups = duplicateTags(this.venue.orders());
    if (dups.length > 0) res.failures.push(`duplicate orders at the simulator: ${dups.map((d) => `${d.tag} ×${d.orderIds.length}`).join(', ')}`);
  }
  // -----------------------------------------------------------------------------------------------
  // shared by the feed-faults and burst rounds

  /** The journal's integrity check and every acknowledged client id in it (one check per round). */
  private journalCheck(res: CaseResult, round: number, clientIds: readonly string[]): void {
    const j = readJournal(res.dataDir);
    res.integrityChecks++;
    markIntegrity(res.integrityRounds, round, j.integrity === 'ok');
    if (j.integrity === 'ok') res.integrityOk++;
    else res.failures.push(`round ${round}: integrity_check: ${j.integrity.slice(0, 200)}`);
    const lost = lostRows(clientIds, j.clientIds);
    if (lost.length > 0) {
      res.lost.push(...lost);
      res.failures.push(`round ${round}: acknowledged but not journalled: ${lost.join(', ')}`);
    }
  }

  /** The tokens the engine's ticker connections carry now (its open connections at the simulator; it may use several). */
  private subscribedTokens(): number[] {
    const open = this.sim.subscriptionLog().filter((c) => c.closedAt === undefined);
    return [...new Set(open.flatMap((c) => [...c.subscribedAt.keys()]))].sort((a, b) => a - b);
  }

  // -----------------------------------------------------------------------------------------------
  // feed faults

  private async feedFaultsCase(res: CaseResult): Promise<void> {
    let eng = await this.start(res.dataDir);
    try {
      await this.goLive(eng);
      const expected = await until('the engine\'s ticker subscriptions', 30_000, () => {
        const t = this.subscribedTokens();
        return t.length >= SYMBOLS.length ? t : undefined;
      }).catch((e: unknown) => {
        const log = this.sim.subscriptionLog().map((c) => `#${c.id} ${c.closedAt === undefined ? 'open' : 'closed'} ${c.subscribedAt.size} tokens`);
        throw new Error(`${errText(e)}; ticker connections: ${log.join(', ') || 'none'}`);
      });
      for (let round = 1; round <= res.rounds; round++) {
        const fault = FEED_FAULTS[(round - 1) % FEED_FAULTS.length]!;
        try {
          await withTimeout(this.feedFaultRound(eng, round, fault, expected, res), this.roundTimeoutMs, `feed-faults round ${round} (${fault})`);
          res.completed++;
        } catch (e) {
          res.failures.push(`round ${round} (${fault}): ${errText(e)}`);
          this.progress(`chaos feed-faults round ${round} (${fault}): FAILED ${errText(e)}`);
        }
        if (!eng.alive) {
          // the engine must ride out every feed fault; an exit is a finding, then start over
          res.engineExits++;
          res.failures.push(`round ${round} (${fault}): the engine process exited`);
          eng = await this.start(res.dataDir);
          await this.goLive(eng).catch((e2: unknown) => res.failures.push(`round ${round}: not live again: ${errText(e2)}`));
        }
        if (round % 10 === 0 || round === res.rounds) {
          this.progress(`chaos feed-faults: ${round}/${res.rounds} rounds, ${res.lateTokens} late tokens, ${res.ordersOnStaleData} orders on stale data, ${res.failures.length} failures`);
        }
      }
    } finally {
      await eng.stop().catch(() => undefined);
    }
    res.venueOrders = this.venue.orders().length;
  }

  private async feedFaultRound(eng: EngineProcess, round: number, fault: FeedFault, expected: readonly number[], res: CaseResult): Promise<void> {
    res.faults[fault] = (res.faults[fault] ?? 0) + 1;
    const since = Date.now();
    if (fault === 'kill') this.sim.killSockets();
    else if (fault === '5xx') {
      this.sim.failNext(int(this.rng, 2, 6), pick(this.rng, [500, 502, 503, 504]));
      this.sim.killSockets();
    } else if (fault === '403') this.sim.expireTokens();
    else {
      // a silence past the client's 5 s heartbeat timeout and the engine's staleness limit (risk.staleAfterMs 5 s).
      // The engine's clock follows the exchange's whole-second timestamps, so its view of a tick's age may be
      // up to a second short of the wall clock's: stale for the check = older than the limit + 1 s.
      const silenceMs = 9000;
      this.sim.silence(silenceMs);
      const staleFrom = since + STALE_AFTER_MS + 1000;
      const silenceEnd = since + silenceMs;
      // once the last tick is older than that, an order must be refused by the staleness guard
      const symbol = pick(this.rng, SYMBOLS);
      await until('the engine\'s quotes to go stale in the silence', silenceMs, async () => {
        const q = await eng.client.call('quotes.get', { symbols: [symbol] });
        return Date.now() > staleFrom + 300 && q.every((x) => this.sim.clock.now() - x.tsEvent > STALE_AFTER_MS + 1300);
      }, 100);
      if (Date.now() < silenceEnd - 500) {
        // a position-opening (or -adding) order: a reduce-only MARKET order skips the freshness check by design
        // (risk-engine.ts rule 10: a kill switch must be able to flatten while the feed is down)
        const net = this.venue.positions().filter((x) => x.tradingsymbol === symbol && x.product === 'MIS').reduce((a, x) => a + x.quantity, 0);
        const side = net > 0 ? 'BUY' : net < 0 ? 'SELL' : this.rng.uniform() < 0.5 ? 'BUY' : 'SELL';
        const r = await eng.client.call('orders.place', { symbol, side, qty: 1, orderType: 'MARKET', product: 'MIS' });
        if (r.orders.length === 0) {
          res.staleRefused++;
          if (r.decision.rule !== 'stale_data') res.failures.push(`round ${round}: the order in the silence was refused by ${r.decision.rule ?? r.decision.action}, not the staleness guard: ${r.decision.message ?? ''}`);
        } else res.failures.push(`round ${round}: the engine accepted an order on data older than its staleness limit (${r.orders.map((o) => o.clientId).join(', ')})`);
      }
      await until('the end of the silence', silenceMs + 2000, () => Date.now() >= silenceEnd, 100);
      const stale = ordersDuring(this.sim.orderPlacements(), [{ from: staleFrom, to: silenceEnd }]);
      res.ordersOnStaleData += stale.length;
      if (stale.length > 0) res.failures.push(`round ${round}: ${stale.length} orders reached the simulator on stale data: ${stale.map((p) => p.tag ?? '?').join(', ')}`);
    }
    if (fault === '403') {
      // the ticker answers 403 on every reconnect until a new login, as after Kite's 06:00 expiry; the user logs in again
      await this.goLive(eng);
    }
    // the socket back, every token subscribed on it; measured at the simulator from the socket's opening
    const r = await until(`every token subscribed again after the ${fault}`, 30_000, () => {
      const c = resubscribeCheck(this.sim.subscriptionLog(), expected, since, RESUBSCRIBE_WITHIN_MS);
      return c.slowestMs !== Infinity ? c : undefined;
    }, 100);
    res.maxRecoveryMs = Math.max(res.maxRecoveryMs, r.slowestMs);
    if (r.late.length > 0) {
      res.lateTokens += r.late.length;
      res.failures.push(`round ${round} (${fault}): tokens subscribed later than ${RESUBSCRIBE_WITHIN_MS} ms after the socket was back: ${r.late.map((l) => `${l.token} ${l.ms} ms`).join(', ')}`);
    }
    if (!eng.alive) return;
    // trading works again: fresh prices, then one order placed at the simulator
    await this.awaitPrices(eng);
    await until('room under the engine\'s per-second cap', 10_000, async () => {
      const o = (await eng.client.call('engine.health', {})).orders;
      return o.lastSecond + 1 <= o.capPerSecond;
    }, 50);
    const placed = await until('an order placed after the fault', 15_000, async () => {
      const p = await eng.client.call('orders.place', { symbol: pick(this.rng, SYMBOLS), side: this.rng.uniform() < 0.5 ? 'BUY' : 'SELL', qty: 1, orderType: 'MARKET', product: 'MIS' });
      if (p.orders.length > 0) return p;
      // a refusal while the REST faults last (5xx) is expected; anything else is a finding
      if (p.decision.rule !== undefined && !['stale_data', 'rate_per_second'].includes(p.decision.rule)) throw new StopError(`refused after the ${fault}: ${p.decision.rule}: ${p.decision.message ?? ''}`);
      return undefined;
    }, 250);
    res.acknowledged += placed.orders.length;
    this.journalCheck(res, round, placed.orders.map((o) => o.clientId));
    const dups = duplicateTags(this.venue.orders());
    if (dups.length > 0) res.failures.push(`round ${round}: duplicate orders at the simulator: ${dups.map((d) => `${d.tag} ×${d.orderIds.length}`).join(', ')}`);
  }

  // -----------------------------------------------------------------------------------------------
  // the engine host (host-case.ts)

  private async hostCase(res: CaseResult): Promise<void> {
    const h = new HostCase({
      sim: this.sim,
      simUrl: this.simUrl,
      rng: this.rng,
      profile: this.profile,
      dataDir: res.dataDir,
      cli: this.o.cli,
      symbols: SYMBOLS,
      progress: this.progress,
      roundTimeoutMs: Math.max(this.roundTimeoutMs, 180_000),
      venueOrders: () => this.venue.orders(),
    });
    try {
      await h.run(res.rounds);
    } finally {
      const o = h.out;
      res.completed = o.completed;
      res.acknowledged = o.acknowledged;
      res.integrityOk = o.integrityOk;
      res.integrityChecks = o.integrityChecks;
      res.integrityRounds = o.integrityRounds;
      res.lost = o.lost;
      res.failures.push(...o.failures);
      res.maxRecoveryMs = o.maxRecoveryMs;
      res.backInPaper = o.host.backInPaper;
      res.host = o.host;
      res.venueOrders = this.venue.orders().length;
    }
  }

  // -----------------------------------------------------------------------------------------------
  // order burst

  private async burstCase(res: CaseResult): Promise<void> {
    const eng = await this.start(res.dataDir);
    const from = this.sim.orderPlacements().length;
    try {
      await this.goLive(eng);
      for (let round = 1; round <= res.rounds; round++) {
        try {
          await withTimeout(this.burstRound(eng, round, res), this.roundTimeoutMs, `burst round ${round}`);
          res.completed++;
        } catch (e) {
          res.failures.push(`round ${round}: ${errText(e)}`);
          this.progress(`chaos burst round ${round}: FAILED ${errText(e)}`);
        }
        this.progress(`chaos burst: ${round}/${res.rounds} rounds, ${res.acknowledged} orders placed of ${res.intents} intents, ${res.failures.length} failures`);
      }
      res.capPerMinute = (await eng.client.call('engine.health', {})).orders.capPerMinute;
    } finally {
      await eng.stop().catch(() => undefined);
    }
    // read at the simulator: arrival times (as Kite's limits count them), statuses and tags of every placement
    const log = this.sim.orderPlacements().slice(from);
    res.maxPerSecond = maxInWindow(log, 1000);
    res.maxPerMinute = maxInWindow(log, 60_000);
    const perSecond = rateViolations(log, BROKER_PER_SECOND, 1000);
    const perMinute = res.capPerMinute > 0 ? rateViolations(log, res.capPerMinute, 60_000) : [];
    res.rateViolations = perSecond.length + perMinute.length;
    for (const v of perSecond.slice(0, 5)) res.failures.push(`${v.count} orders reached the simulator within one second from ${new Date(v.from).toISOString()} (cap ${v.cap})`);
    for (const v of perMinute.slice(0, 5)) res.failures.push(`${v.count} orders reached the simulator within one minute from ${new Date(v.from).toISOString()} (cap ${v.cap})`);
    res.got429 = log.filter((p) => p.status === 429).length;
    // the engine paces orders below Kite's 10/s (trading.live.ordersPerSecond): the simulator must never have to refuse one
    if (res.got429 > 0) res.failures.push(`${res.got429} orders got HTTP 429 (over Kite's ${BROKER_PER_SECOND}/s) at the simulator: the engine's pacer let too many through`);
    const retries = retriesAfter429(log);
    res.blindRetries = retries.reduce((a, r) => a + r.resent, 0);
    for (const r of retries.slice(0, 5)) res.failures.push(`tag ${r.tag} sent again ${r.resent}× after a 429`);
    res.venueOrders = this.venue.orders().length;
  }

  /**
   * 1,000 intents as fast as the contract takes them (small MARKET orders), as a runaway strategy would send
   * them: up to 60 calls in flight on the one connection (the contract allows 64), each answered call making
   * room for the next. The time they took is reported (burstMs); the checks are read at the simulator.
   */
  private async burstRound(eng: EngineProcess, round: number, res: CaseResult): Promise<void> {
    const rng = this.rng;
    // each burst starts on an empty second of the engine's cap: the previous round's orders (settled in well
    // under a second on an idle machine) would otherwise refuse every intent of this one
    await until('the engine\'s per-second window to empty before a burst', 10_000, async () => (await eng.client.call('engine.health', {})).orders.lastSecond === 0, 50);
    const t0 = Date.now();
    const results: PlaceResult[] = [];
    let next = 0;
    const worker = async () => {
      while (next < BURST_INTENTS) {
        next++;
        results.push(await eng.client.call('orders.place', { symbol: pick(rng, SYMBOLS), side: rng.uniform() < 0.5 ? 'BUY' : 'SELL', qty: 1, orderType: 'MARKET', product: 'MIS' }));
      }
    };
    await Promise.all(Array.from({ length: 60 }, worker));
    res.burstMs = Math.max(res.burstMs, Date.now() - t0);
    res.intents += results.length;
    const placed = results.flatMap((r) => r.orders);
    res.acknowledged += placed.length;
    const rules = new Map<string, number>();
    for (const r of results) if (r.orders.length === 0) rules.set(r.decision.rule ?? r.decision.action, (rules.get(r.decision.rule ?? r.decision.action) ?? 0) + 1);
    const other = [...rules].filter(([rule]) => rule !== 'rate_per_second' && rule !== 'rate_per_minute' && rule !== 'rate_per_day');
    if (other.length > 0) res.failures.push(`round ${round}: intents refused by other rules than the rate caps: ${other.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    if (placed.length === 0) throw new Error(`none of ${results.length} intents was placed: ${[...rules].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    // every placed order settled (no retry of it can come later), then the journal
    const ids = placed.map((o) => o.orderId);
    await until(`${ids.length} burst orders to settle`, 30_000, async () => {
      const list = await eng.client.call('orders.list', {});
      return ids.every((id) => {
        const o = list.find((x) => x.orderId === id);
        return o !== undefined && (o.status === 'COMPLETE' || o.status === 'REJECTED' || o.status === 'CANCELLED');
      });
    }, 200);
    this.journalCheck(res, round, placed.map((o) => o.clientId));
    const dups = duplicateTags(this.venue.orders());
    if (dups.length > 0) res.failures.push(`round ${round}: duplicate orders at the simulator: ${dups.map((d) => `${d.tag} ×${d.orderIds.length}`).join(', ')}`);
  }
}


export function caseOk(c: CaseResult): boolean {
  return (
    c.failures.length === 0 &&
    c.completed === c.rounds &&
    c.duplicates.length === 0 &&
    c.lost.length === 0 &&
    c.integrityOk === c.integrityChecks &&
    c.positionMismatches.length === 0 &&
    c.engineExits === 0 &&
    c.lateTokens === 0 &&
    c.ordersOnStaleData === 0 &&
    c.rateViolations === 0 &&
    c.got429 === 0 &&
    c.blindRetries === 0 &&
    (c.host === undefined || (c.host.restartMiscounts === 0 && c.host.backoffViolations === 0 && c.host.failuresNotShown === 0 && c.host.latePorts === 0))
  );
}

/** Runs the cases and answers the report (never throws for a failed check: the report says it). */
export function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  return new ChaosHarness(o).run();
}

const secs = (ms: number) => (ms / 1000).toFixed(1);

/** The table and the last line (`chaos: N rounds, D duplicate orders, L lost rows, integrity ok K/N, recovered in ≤ T s`). */
export function formatReport(r: ChaosReport): string {
  const head = ['case', 'rounds', 'done', 'orders at sim', 'acked', 'duplicates', 'lost rows', 'integrity ok', 'positions', 'back in paper', 'halt kept', 'replies dropped', 'found by tag', 'late tokens', 'stale orders', 'engine exits', 'intents', 'burst time', 'max/s', 'max/min', '429s', 'blind retries', 'deaths', 'restarts', 'gave up (shown)', 'max port', 'first answer', 'max recovery', 'time'];
  const rows = r.cases.map((c) => [
    c.case,
    String(c.rounds),
    String(c.completed),
    String(c.venueOrders),
    String(c.acknowledged),
    String(c.duplicates.length),
    String(c.lost.length),
    `${c.integrityOk}/${c.integrityChecks}`,
    c.positionMismatches.length === 0 ? 'equal' : `${c.positionMismatches.length} differ`,
    c.case === 'crash' ? `${c.backInPaper}/${c.completed}` : c.host ? `${c.backInPaper}/${c.host.restarts}` : '–',
    c.case === 'crash' ? `${c.haltKept}/${c.haltChecked}` : '–',
    c.case === 'lost-replies' ? String(c.dropped) : '–',
    c.case === 'lost-replies' ? String(c.resolvedFound) : '–',
    c.case === 'feed-faults' ? String(c.lateTokens) : '–',
    c.case === 'feed-faults' ? `${c.ordersOnStaleData} (${c.staleRefused} refused)` : '–',
    c.case === 'feed-faults' ? String(c.engineExits) : '–',
    c.case === 'burst' ? String(c.intents) : '–',
    c.case === 'burst' ? `${secs(c.burstMs)} s` : '–',
    c.case === 'burst' ? `${c.maxPerSecond}/${BROKER_PER_SECOND}` : '–',
    c.case === 'burst' ? `${c.maxPerMinute}/${c.capPerMinute}` : '–',
    c.case === 'burst' ? String(c.got429) : '–',
    c.case === 'burst' ? String(c.blindRetries) : '–',
    c.host ? String(c.host.deaths) : '–',
    c.host ? `${c.host.restarts}+${c.host.manualStarts}` : '–',
    c.host ? `${c.host.giveUps} (${c.host.giveUps - c.host.failuresNotShown})` : '–',
    c.host ? `${c.host.maxPortMs} ms` : '–',
    c.host ? `${secs(c.host.maxAnswerMs)} s` : '–',
    `${secs(c.maxRecoveryMs)} s`,
    `${secs(c.ms)} s`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  const out = [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)];
  for (const c of r.cases) for (const f of c.failures.slice(0, 20)) out.push(`${c.case}: ${f}`);
  const n = r.cases.reduce((a, c) => a + c.rounds, 0);
  const d = r.cases.reduce((a, c) => a + c.duplicates.length, 0);
  const l = r.cases.reduce((a, c) => a + c.lost.length, 0);
  // counted in rounds (a host round checks the journal after each of its deaths: all must pass)
  const k = r.cases.reduce((a, c) => a + [...c.integrityRounds.values()].filter(Boolean).length, 0);
  const kn = r.cases.reduce((a, c) => a + c.integrityRounds.size, 0);
  const t = Math.max(0, ...r.cases.map((c) => c.maxRecoveryMs));
  out.push(`chaos: ${n} rounds, ${d} duplicate orders, ${l} lost rows, integrity ok ${k}/${kn}, recovered in ≤ ${secs(t)} s`);
  return out.join('\n');
}
