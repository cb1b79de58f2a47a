/**
 * The chaos harness's `host` case (issue 15): the engine under the Node host (src-main/node-host.ts: the
 * SAME EngineSupervisor and PortBroker as Electron's main, with `child_process.fork` of the engine as
 * the ChildLike), a window stand-in that needs a fresh port after every restart, and the engine dying
 * in each of the ways it can: an uncaught exception, process.exit(1) or exit(0), SIGKILL from outside,
 * a hang (event loop blocked: caught by the supervisor's heartbeat timeout).
 *
 * One round: four deaths in a seeded order, each while live with orders just placed. The first three
 * must each be followed by exactly one restart after the back-off (250 ms, 1 s, 4 s), the new engine's
 * port must reach the window within PORT_WITHIN_MS of its `ready`, the engine must come back in paper
 * saying live was on and go live again; the fourth death is the fourth in a minute: the supervisor
 * gives up and its failure message must reach the window (the UI path), with no restart. Then the
 * person restarts (supervisor.start(), as the app's restart does) and the round ends live again. The
 * data dir (journal) is reused by every incarnation: integrity_check after each death, every
 * acknowledged order journalled, no tag twice at the simulator.
 *
 * The harness process (this file) cannot import src-main (test/architecture/boundaries.ts): the host
 * runs as its own process (dist/main/node-host.mjs), driven over Node IPC, which is also where main
 * sits relative to the engine and the windows in the app.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { kiteDeskApi, type KiteDeskApi } from '../contract/api.js';
import type { ModeSetResult } from '../contract/mode-schemas.js';
import type { PlaceResult } from '../contract/trading-schemas.js';
import { RpcClient } from '../contract/rpc-client.js';
import { fromMessagePort } from '../contract/transport.js';
import type { Rng } from '../core/random.js';
import { CHAOS_FAULTS_ENV } from '../host/node-entry.js';
import { socketPortLike } from '../host/socket-port.js';
import type { KiteSimulator } from '../kite-sim/kite-simulator.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET } from '../kite-sim/kite-simulator.js';
import { openDatabaseReadOnly } from '../persistence/read-only.js';
import { duplicateTags, lostRows, markIntegrity } from './checks.js';

/** The deaths of one round (the exit alternates between code 1 and code 0 from round to round). */
export const HOST_FAULTS = ['throw', 'exit', 'sigkill', 'hang'] as const;
export type HostFault = (typeof HOST_FAULTS)[number];
/** A new engine's port must reach the window within this long of its `ready`. */
export const PORT_WITHIN_MS = 2000;
/** The supervisor's defaults (src-main/engine-supervisor.ts), which the host case runs with. */
export const HOST_BACKOFF_MS = [250, 1000, 4000] as const;
export const HOST_MAX_RESTARTS = 3;
export const HOST_WINDOW_MS = 60_000;
/** How much earlier than its back-off (by Date.now()) a restart may come and still count as honouring it. */
const BACKOFF_SLACK_MS = 25;
/** The heartbeat timeout the host case runs with (the app's default is 15 s; a hang costs that long per round). */
export const HOST_HEARTBEAT_TIMEOUT_MS = 3000;

export interface HostFigures {
  deaths: number;
  /** Restarts the supervisor made (forks after a death), and those the person made after a give-up. */
  restarts: number;
  manualStarts: number;
  giveUps: number;
  /** Deaths followed by other than exactly one restart (or, for the 4th in a minute, by any restart). */
  restartMiscounts: number;
  /** Restarts sooner than their back-off, or announced with another back-off than the supervisor's. */
  backoffViolations: number;
  /** Give-ups whose message did not reach the window. */
  failuresNotShown: number;
  /** Slowest: a new engine's `ready` → the window connected on its new port, ms; and those over PORT_WITHIN_MS. */
  maxPortMs: number;
  latePorts: number;
  /** Slowest: a new engine's `ready` → the first answer on the window's new connection (the engine busy starting: restoring the Kite session, loading instruments), ms. */
  maxAnswerMs: number;
  /** Restarts that came back in paper saying live was on. */
  backInPaper: number;
  faults: Partial<Record<string, number>>;
}

export const emptyHostFigures = (): HostFigures => ({
  deaths: 0,
  restarts: 0,
  manualStarts: 0,
  giveUps: 0,
  restartMiscounts: 0,
  backoffViolations: 0,
  failuresNotShown: 0,
  maxPortMs: 0,
  latePorts: 0,
  maxAnswerMs: 0,
  backInPaper: 0,
  faults: {},
});

/** What the host case needs of the harness. */
export interface HostCaseContext {
  sim: KiteSimulator;
  simUrl: string;
  rng: Rng;
  profile: string;
  dataDir: string;
  /** The CLI's node arguments (locates the built or source entries next to it). */
  cli: readonly string[];
  symbols: readonly string[];
  progress: (line: string) => void;
  roundTimeoutMs: number;
  venueOrders(): { orderId: string; tag: string | null }[];
}

/** What the host case reports into the harness's CaseResult. */
export interface HostCaseOut {
  completed: number;
  acknowledged: number;
  integrityOk: number;
  integrityChecks: number;
  integrityRounds: Map<number, boolean>;
  lost: string[];
  failures: string[];
  maxRecoveryMs: number;
  host: HostFigures;
}

interface HostEvent {
  ev: string;
  at: number;
  [k: string]: unknown;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.uniform() * (hi - lo + 1));
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined | false> | T | undefined | false, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last !== undefined ? ` (last error: ${errText(last)})` : ''}`);
    await sleep(everyMs);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<never>((_r, reject) => (t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

/** The host script and the engine entry next to the CLI: built (dist/engine/cli.js) or source (tsx). */
export function hostEntries(cli: readonly string[]): { host: string; hostExecArgv: string[]; entry: string; entryExecArgv: string[] } {
  const self = cli[cli.length - 1]!;
  if (self.endsWith('.ts')) {
    const root = join(dirname(self), '../..');
    const tsx = ['--import', 'tsx'];
    return { host: join(root, 'src-main/node-host.ts'), hostExecArgv: tsx, entry: join(root, 'src-engine/host/node-entry.ts'), entryExecArgv: tsx };
  }
  return { host: join(dirname(self), '../main/node-host.mjs'), hostExecArgv: [], entry: join(dirname(self), 'node-entry.js'), entryExecArgv: [] };
}

/** The Node host process and the window stand-in it brokers ports to. */
class HostDriver {
  readonly events: HostEvent[] = [];
  private waiters = new Set<() => void>();
  /** The window's connection to the engine of `incarnation`, with when it answered. */
  window: { client: RpcClient<KiteDeskApi>; incarnation: number; connectedAt: number; answeredAt: number } | undefined;
  private connecting = 0;

  private constructor(
    readonly proc: ChildProcess,
    private readonly symbol: string,
    private readonly log: (line: string) => void,
  ) {
    proc.on('message', (m: unknown) => this.onEvent(m as HostEvent));
    proc.on('exit', () => this.onEvent({ ev: 'host-exit', at: Date.now() }));
  }

  static async start(ctx: HostCaseContext): Promise<HostDriver> {
    const e = hostEntries(ctx.cli);
    const options = {
      entry: e.entry,
      execArgv: e.entryExecArgv,
      args: [`--data-dir=${ctx.dataDir}`, `--config=${ctx.profile}`],
      // as main passes it (kiteEnvForHost): REST and ticker at the simulator's origin
      env: { [CHAOS_FAULTS_ENV]: '1', KITEDESK_KITE_ROOT: ctx.simUrl },
      faults: true,
      backoffMs: [...HOST_BACKOFF_MS],
      maxRestarts: HOST_MAX_RESTARTS,
      windowMs: HOST_WINDOW_MS,
      heartbeatTimeoutMs: HOST_HEARTBEAT_TIMEOUT_MS,
    };
    const proc = fork(e.host, [JSON.stringify(options)], { execArgv: e.hostExecArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
    const d = new HostDriver(proc, ctx.symbols[0]!, ctx.progress);
    await d.next('host-ready', 0, 30_000);
    return d;
  }

  private onEvent(m: HostEvent): void {
    this.events.push(m);
    if (m.ev === 'log' && m['level'] !== 'info') this.log(`chaos host: supervisor ${String(m['level'])}: ${String(m['message'])}`);
    if (m.ev === 'port') void this.connectWindow(String(m['path']), Number(m['incarnation']));
    for (const w of [...this.waiters]) w();
  }

  send(cmd: Record<string, unknown>): void {
    this.proc.send(cmd);
  }

  /** The first event `ev` at index ≥ from (waits for it). */
  next(ev: string, from: number, timeoutMs: number, where?: (e: HostEvent) => boolean): Promise<HostEvent & { index: number }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = from; i < this.events.length; i++) {
          const e = this.events[i]!;
          if (e.ev === ev && (where === undefined || where(e))) {
            done();
            resolve({ ...e, index: i });
            return;
          }
          if (e.ev === 'host-exit') {
            done();
            reject(new Error(`the Node host exited while waiting for ${ev}`));
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no '${ev}' from the Node host within ${timeoutMs} ms; last events: ${this.events.slice(-6).map((x) => x.ev).join(', ')}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  count(ev: string, from: number, to = this.events.length): number {
    return this.events.slice(from, to).filter((e) => e.ev === ev).length;
  }

  /** The window gets a port (a socket path): connect, attach a contract client, and note when it first answered. */
  private async connectWindow(path: string, incarnation: number): Promise<void> {
    const mine = ++this.connecting;
    const old = this.window;
    this.window = undefined;
    old?.client.detach('a new port');
    const end = Date.now() + 10_000;
    for (;;) {
      if (mine !== this.connecting) return;
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        const connectedAt = Date.now();
        const client = new RpcClient(kiteDeskApi, { timeoutMs: 30_000 });
        client.attach(fromMessagePort(socketPortLike(sock)));
        await client.call('engine.getStatus', {});
        // as the app's depth pane does: a full-mode subscription, whose packets carry the exchange timestamps
        // the engine's clock follows (the simulator's session may be another day than the wall clock's)
        client.subscribe('depth.updated', { symbol: this.symbol }, { snapshot: () => undefined, delta: () => undefined });
        if (mine !== this.connecting) {
          client.detach('superseded');
          return;
        }
        this.window = { client, incarnation, connectedAt, answeredAt: Date.now() };
        this.onEvent({ ev: 'window-connected', at: Date.now(), incarnation });
        return;
      } catch {
        // the engine is not listening yet (it learns the path from attach-window), or it died: try again
        if (Date.now() > end) return;
        await sleep(10);
      }
    }
  }

  async close(): Promise<void> {
    this.window?.client.detach('done');
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const from = this.events.length;
    this.send({ cmd: 'stop' });
    await this.next('stopped', from, 15_000).catch(() => undefined);
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.disconnect();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}

export class HostCase {
  private d!: HostDriver;
  readonly out: HostCaseOut = { completed: 0, acknowledged: 0, integrityOk: 0, integrityChecks: 0, integrityRounds: new Map(), lost: [], failures: [], maxRecoveryMs: 0, host: emptyHostFigures() };
  private acked: string[] = [];

  constructor(private readonly ctx: HostCaseContext) {}

  private get client(): RpcClient<KiteDeskApi> {
    const w = this.d.window;
    if (!w) throw new Error('the window has no connection to the engine');
    return w.client;
  }

  async run(rounds: number): Promise<HostCaseOut> {
    this.d = await HostDriver.start(this.ctx);
    try {
      this.d.send({ cmd: 'attach-window', windowId: 1 });
      const from = this.d.events.length;
      this.d.send({ cmd: 'start' });
      const ready = await this.d.next('ready', from, 60_000);
      await this.windowOn(Number(ready['incarnation']), ready.at);
      await this.login();
      await this.goLive();
      for (let round = 1; round <= rounds; round++) {
        try {
          await withTimeout(this.round(round), this.ctx.roundTimeoutMs, `host round ${round}`);
          this.out.completed++;
        } catch (e) {
          this.out.failures.push(`round ${round}: ${errText(e)}`);
          this.ctx.progress(`chaos host round ${round}: FAILED ${errText(e)}`);
          await this.recover().catch((e2: unknown) => this.out.failures.push(`round ${round}: not running again: ${errText(e2)}`));
        }
        const h = this.out.host;
        this.ctx.progress(`chaos host: ${round}/${rounds} rounds, ${h.deaths} deaths, ${h.restarts} restarts, ${h.giveUps} give-ups, port ≤ ${h.maxPortMs} ms, ${this.out.failures.length} failures`);
      }
    } finally {
      await this.d.close().catch(() => undefined);
    }
    return this.out;
  }

  /** After a failed round: whatever state the supervisor is in, get one engine running and live. */
  private async recover(): Promise<void> {
    const from = this.d.events.length;
    this.d.send({ cmd: 'start' }); // a no-op unless it gave up
    const ready = await this.d.next('ready', Math.max(0, from - 50), 60_000).catch(() => undefined);
    await until('the window connected to a running engine', 60_000, () => this.d.window !== undefined && (ready === undefined || this.d.window.incarnation >= Number(ready['incarnation'])));
    await this.goLive();
  }

  /** The window's connection to incarnation n: connected on its new port within PORT_WITHIN_MS of ready; when it first answered is a figure. */
  private async windowOn(n: number, readyAt: number): Promise<void> {
    await until(`the window's port to engine #${n}`, 30_000, () => this.d.window !== undefined && this.d.window.incarnation === n, 10);
    const w = this.d.window!;
    const ms = Math.max(0, w.connectedAt - readyAt);
    const h = this.out.host;
    h.maxPortMs = Math.max(h.maxPortMs, ms);
    h.maxAnswerMs = Math.max(h.maxAnswerMs, w.answeredAt - readyAt);
    if (ms > PORT_WITHIN_MS) {
      h.latePorts++;
      this.out.failures.push(`engine #${n}: the window connected on its new port ${ms} ms after ready (limit ${PORT_WITHIN_MS} ms)`);
    }
  }

  /** Kite's login as main does it: a request_token from the login page (the simulator's), exchanged by the engine over the control channel. */
  private async login(): Promise<void> {
    const r = await fetch(`${this.ctx.simUrl}/connect/login?v=3&api_key=${DEFAULT_API_KEY}`, { redirect: 'manual' });
    const loc = r.headers.get('location');
    const requestToken = loc ? new URL(loc).searchParams.get('request_token') : null;
    if (!requestToken) throw new Error(`the simulator's login page answered ${r.status} without a request_token`);
    const from = this.d.events.length;
    this.d.send({ cmd: 'kite-login', message: { type: 'kite-login', apiKey: DEFAULT_API_KEY, requestToken, apiSecret: DEFAULT_API_SECRET, root: this.ctx.simUrl } });
    const k = await this.d.next('kite', from, 30_000);
    if (k['type'] !== 'kite-session') throw new Error(`the Kite login through the control channel answered ${String(k['type'])}`);
  }

  private async goLive(): Promise<void> {
    const sim = this.ctx.sim;
    await until('fresh prices from the Kite feed', 30_000, async () => {
      const q = await this.client.call('quotes.get', { symbols: [...this.ctx.symbols] });
      const since = sim.clock.now() - 3000;
      return this.ctx.symbols.every((s) => q.some((x) => x.symbol === s && x.lastPaise > 0 && x.tsEvent >= since));
    }, 100);
    let last: ModeSetResult | undefined;
    await until('live', 60_000, async () => {
      last = await this.client.call('mode.set', { mode: 'live', confirm: 'LIVE' });
      return last.ok;
    }, 250).catch((e: unknown) => {
      throw new Error(`${errText(e)}; last answer: ${last?.message ?? 'none'}`);
    });
  }

  /** A few small MARKET orders through the window, answered before the death (acknowledged = must be journalled). */
  private async placeSome(): Promise<void> {
    const rng = this.ctx.rng;
    const n = int(rng, 1, 3);
    await until('room under the engine\'s per-second cap', 10_000, async () => {
      const o = (await this.client.call('engine.health', {})).orders;
      return o.lastSecond + n <= o.capPerSecond;
    }, 50);
    const rs: PlaceResult[] = [];
    for (let i = 0; i < n; i++) {
      const symbol = this.ctx.symbols[int(rng, 0, this.ctx.symbols.length - 1)]!;
      rs.push(await this.client.call('orders.place', { symbol, side: rng.uniform() < 0.5 ? 'BUY' : 'SELL', qty: 1, orderType: 'MARKET', product: 'MIS' }));
    }
    for (const r of rs) {
      if (r.orders.length === 0) this.out.failures.push(`an order before a death was refused: ${r.decision.rule ?? r.decision.action}: ${r.decision.message ?? ''}`);
      for (const o of r.orders) this.acked.push(o.clientId);
    }
    this.out.acknowledged += rs.reduce((a, r) => a + r.orders.length, 0);
  }

  /** The journal as the death left it (the engine is down: in back-off or given up). */
  private journalCheck(round: number): void {
    const db = openDatabaseReadOnly(join(this.ctx.dataDir, 'kitedesk.sqlite'));
    try {
      const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
      const ids = new Set((db.prepare('SELECT client_id FROM orders').all() as { client_id: string }[]).map((r) => r.client_id));
      this.out.integrityChecks++;
      markIntegrity(this.out.integrityRounds, round, integrity === 'ok');
      if (integrity === 'ok') this.out.integrityOk++;
      else this.out.failures.push(`round ${round}: integrity_check: ${integrity.slice(0, 200)}`);
      const lost = lostRows(this.acked, ids);
      if (lost.length > 0) {
        this.out.lost.push(...lost);
        this.out.failures.push(`round ${round}: acknowledged but not journalled: ${lost.join(', ')}`);
      }
      this.acked = [];
    } finally {
      db.close();
    }
  }

  private async round(round: number): Promise<void> {
    const rng = this.ctx.rng;
    const h = this.out.host;
    // the four deaths in a seeded order
    const order = [...HOST_FAULTS];
    for (let i = order.length - 1; i > 0; i--) {
      const j = int(rng, 0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let k = 0; k < order.length; k++) {
      const f = order[k]!;
      const fault = f === 'exit' ? (round % 2 === 1 ? 'exit1' : 'exit0') : f;
      await this.placeSome();
      const from = this.d.events.length;
      this.d.send({ cmd: 'fault', fault });
      const sent = await this.d.next('fault', from, 10_000);
      if (sent['ok'] !== true) throw new Error(`the host did not pass the fault ${fault} on`);
      h.deaths++;
      h.faults[fault] = (h.faults[fault] ?? 0) + 1;
      const lastOfMinute = k === HOST_MAX_RESTARTS;
      if (!lastOfMinute) {
        // one restart, after the back-off, then the new engine's port to the window
        const crashed = await this.d.next('crashed', from, HOST_HEARTBEAT_TIMEOUT_MS + 15_000);
        this.journalCheck(round);
        const expected = HOST_BACKOFF_MS[Math.min(k, HOST_BACKOFF_MS.length - 1)]!;
        if (crashed['restartInMs'] !== expected) {
          h.backoffViolations++;
          this.out.failures.push(`round ${round} (${fault}): restart announced in ${String(crashed['restartInMs'])} ms, expected ${expected} ms`);
        }
        const spawned = await this.d.next('spawned', crashed.index, expected + 15_000);
        // Node's timers count from the event loop's cached time, which can trail Date.now() by a few ms when
        // the exit was handled late in a loop turn: a restart that early is still the back-off honoured
        if (spawned.at - crashed.at < expected - BACKOFF_SLACK_MS) {
          h.backoffViolations++;
          this.out.failures.push(`round ${round} (${fault}): restarted ${spawned.at - crashed.at} ms after the death, before its ${expected} ms back-off`);
        }
        h.restarts++;
        const ready = await this.d.next('ready', spawned.index, 60_000);
        const spawns = this.d.count('spawned', from, ready.index);
        const crashes = this.d.count('crashed', from, ready.index);
        if (spawns !== 1 || crashes !== 1) {
          h.restartMiscounts++;
          this.out.failures.push(`round ${round} (${fault}): ${crashes} crash reports and ${spawns} restarts for one death`);
        }
        await this.windowOn(Number(ready['incarnation']), ready.at);
        this.out.maxRecoveryMs = Math.max(this.out.maxRecoveryMs, this.d.window!.answeredAt - crashed.at);
        const st = await this.client.call('mode.get', {});
        if (st.mode === 'paper' && st.liveWasOn !== undefined) h.backInPaper++;
        else this.out.failures.push(`round ${round} (${fault}): after the restart: mode ${st.mode}, liveWasOn ${st.liveWasOn === undefined ? 'absent' : 'set'}`);
        const health = await this.client.call('engine.health', {});
        if (health.engine.restarts.count < h.restarts + h.manualStarts) this.out.failures.push(`round ${round}: the engine's Health says ${health.engine.restarts.count} restarts, the supervisor made ${h.restarts + h.manualStarts}`);
        await this.goLive();
      } else {
        // the 4th death inside the minute: the supervisor gives up, the window is told, nothing restarts
        const failed = await this.d.next('failed', from, HOST_HEARTBEAT_TIMEOUT_MS + 15_000);
        this.journalCheck(round);
        h.giveUps++;
        const shown = await this.d.next('window-failure', from, 5000).catch(() => undefined);
        if (shown === undefined || shown['message'] !== failed['message']) {
          h.failuresNotShown++;
          this.out.failures.push(`round ${round}: the supervisor gave up but the window was not told`);
        } else if (!/will not be restarted automatically/.test(String(shown['message']))) {
          this.out.failures.push(`round ${round}: the window's failure message is not the supervisor's: ${String(shown['message']).slice(0, 200)}`);
        }
        // longer than the longest back-off: a restart that should not come would have come
        const quiet = Date.now();
        await until('the longest back-off to pass after the give-up', HOST_BACKOFF_MS[HOST_BACKOFF_MS.length - 1]! + 5000, () => Date.now() - quiet > HOST_BACKOFF_MS[HOST_BACKOFF_MS.length - 1]! + 500, 100);
        if (this.d.count('spawned', from) > 0) {
          h.restartMiscounts++;
          this.out.failures.push(`round ${round} (${fault}): the supervisor restarted the engine after giving up`);
        }
        // the person restarts the engine
        const from2 = this.d.events.length;
        this.d.send({ cmd: 'start' });
        const ready = await this.d.next('ready', from2, 60_000);
        h.manualStarts++;
        await this.windowOn(Number(ready['incarnation']), ready.at);
        await this.goLive();
      }
    }
    const dups = duplicateTags(this.ctx.venueOrders());
    if (dups.length > 0) this.out.failures.push(`round ${round}: duplicate orders at the simulator: ${dups.map((d) => `${d.tag} ×${d.orderIds.length}`).join(', ')}`);
  }
}
