/**
 * The Node host: what Electron's main does for the engine (main.ts), on plain Node — the SAME
 * EngineSupervisor (restart on any death, back-off, at most `maxRestarts` a `windowMs`, heartbeat
 * timeout for a hung engine) and PortBroker (a fresh port to every window on each `ready`, the failure
 * message to every window when the supervisor gives up), with `child_process.fork` of the engine
 * (dist/engine/node-entry.js) as the ChildLike. A window's "port" is a local socket path the engine
 * listens on (src-engine/host/node-entry.ts); the window connects to it.
 *
 * Run as a script (`node dist/main/node-host.mjs '<json options>'`, forked with an IPC channel) it is
 * driven by its parent, the chaos harness's `host` case (src-engine/chaos/host-case.ts), which plays the
 * windows and the person: commands `start`, `stop`, `fault`, `kite-login`, `attach-window`; events
 * `spawned`, `ready`, `crashed`, `failed`, `port`, `window-failure`, `kite`, `stopped`. Faults are passed on only
 * when the options say `faults: true` (the engine then also needs KITEDESK_CHAOS_FAULTS=1 to obey them).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MainToEngine } from '../src-engine/contract/control.js';
import { EngineSupervisor, type ChildLike, type SupervisorTimers } from './engine-supervisor.js';
import { PortBroker, type WindowHandle } from './port-broker.js';

/** One end of a window's channel: the socket path both ends meet at. */
export interface SocketEnd {
  readonly path: string;
  close(): void;
}

export interface NodeHostOptions {
  /** The engine's entry (dist/engine/node-entry.js, or the .ts source with execArgv ['--import', 'tsx']). */
  entry: string;
  /** Its arguments (`--data-dir=…`, `--config=…`). */
  args?: string[];
  execArgv?: string[];
  /** Added to the engine's environment. */
  env?: Record<string, string>;
  backoffMs?: number[];
  maxRestarts?: number;
  windowMs?: number;
  readyTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  /** The supervisor's clock and timers (tests inject fakes). */
  clock?: { now(): number };
  timers?: SupervisorTimers;
  /** Where the window sockets are made (default the OS temp dir; a named pipe on Windows). */
  socketDir?: string;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const signalNumber = (sig: NodeJS.Signals | null): number => (sig ? 128 + ((constants.signals as Record<string, number>)[sig] ?? 0) : -1);

/** `child_process.fork` as Electron's UtilityProcess looks to the supervisor. */
export function forkChild(o: NodeHostOptions, onProcess: (cp: ChildProcess) => void): ChildLike<SocketEnd> {
  const cp = fork(o.entry, o.args ?? [], {
    execArgv: o.execArgv ?? [],
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
  });
  let tail = '';
  cp.stderr?.setEncoding('utf8');
  cp.stderr?.on('data', (d: string) => void (tail = (tail + d).slice(-4000)));
  cp.on('error', (e) => o.log?.('warn', `engine pid ${String(cp.pid)}: ${e.message}`));
  cp.on('exit', (code, sig) => {
    if (code !== 0 && tail.trim() !== '') o.log?.('warn', `engine pid ${String(cp.pid)} exited (${code ?? sig}); stderr tail: ${tail.trim().split('\n').slice(-3).join(' | ').slice(0, 600)}`);
  });
  onProcess(cp);
  return {
    get pid() {
      return cp.exitCode === null && cp.signalCode === null && cp.connected ? cp.pid : undefined;
    },
    postMessage(message: unknown, transfer?: SocketEnd[]) {
      const end = transfer?.[0];
      cp.send(end ? { ...(message as object), socketPath: end.path } : (message as object));
    },
    on(event: 'exit' | 'message', listener: ((code: number) => void) | ((m: unknown) => void)) {
      if (event === 'exit') cp.on('exit', (code, sig) => (listener as (c: number) => void)(code ?? signalNumber(sig)));
      else cp.on('message', listener as (m: unknown) => void);
      return cp;
    },
    // the supervisor kills only an engine that is not answering (no ready, no heartbeat, no exit after
    // shutdown): a blocked event loop would never run a SIGTERM handler
    kill: () => cp.kill('SIGKILL'),
  } as ChildLike<SocketEnd>;
}

let socketSeq = 0;
function socketPath(dir: string | undefined): string {
  const name = `kd-${process.pid}-${++socketSeq}-${Math.random().toString(36).slice(2, 8)}`;
  return process.platform === 'win32' ? `\\\\.\\pipe\\${name}` : join(dir ?? tmpdir(), `${name}.sock`);
}

export interface StoredSession {
  apiKey: string;
  accessToken: string;
  userId: string;
  loginTime: number;
  root?: string;
}

export class NodeHost {
  readonly supervisor: EngineSupervisor<SocketEnd>;
  readonly broker: PortBroker<SocketEnd>;
  /** The engine process of the current incarnation (for a fault from outside: SIGKILL). */
  process: ChildProcess | undefined;
  /** The Kite session as main keeps it in the keychain: restored into every new engine. */
  private session: StoredSession | undefined;
  private root: string | undefined;

  constructor(readonly o: NodeHostOptions) {
    this.supervisor = new EngineSupervisor<SocketEnd>({
      fork: () => forkChild(o, (cp) => (this.process = cp)),
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.timers ? { timers: o.timers } : {}),
      ...(o.backoffMs ? { backoffMs: o.backoffMs } : {}),
      ...(o.maxRestarts !== undefined ? { maxRestarts: o.maxRestarts } : {}),
      ...(o.windowMs !== undefined ? { windowMs: o.windowMs } : {}),
      ...(o.readyTimeoutMs !== undefined ? { readyTimeoutMs: o.readyTimeoutMs } : {}),
      ...(o.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: o.heartbeatTimeoutMs } : {}),
      ...(o.log ? { log: o.log } : {}),
    });
    this.broker = new PortBroker<SocketEnd>({
      engine: this.supervisor,
      createChannel: () => {
        const path = socketPath(o.socketDir);
        const end = { path, close: () => undefined };
        return { port1: end, port2: { ...end } };
      },
      ...(o.log ? { log: o.log } : {}),
    });
    // as main.ts: each new engine learns its restarts (Health tab) and gets the stored Kite session back
    this.supervisor.on('ready', () => {
      this.supervisor.postMessage({ type: 'host-restarts', ...this.supervisor.restartStats });
      const s = this.session;
      if (s) this.supervisor.postMessage({ type: 'kite-session-restore', ...s });
    });
    this.supervisor.on('kite', ({ message: m }) => {
      if (m.type === 'kite-session') this.session = { apiKey: m.apiKey, accessToken: m.accessToken, userId: m.userId, loginTime: m.loginTime, ...(this.root ? { root: this.root } : {}) };
      else if (m.type === 'kite-session-ended') this.session = undefined;
    });
  }

  get hasSession(): boolean {
    return this.session !== undefined;
  }

  addWindow(win: WindowHandle<SocketEnd>): void {
    this.broker.addWindow(win);
  }

  /** The request_token exchange main does after its login window (the harness brings the token). */
  kiteLogin(m: Extract<MainToEngine, { type: 'kite-login' }>): boolean {
    this.root = m.root;
    return this.supervisor.postMessage(m);
  }

  /** A test-only fault for the current engine: SIGKILL from outside, or a `chaos-fault` message it obeys only when started with KITEDESK_CHAOS_FAULTS=1. */
  fault(f: string): boolean {
    const cp = this.process;
    if (!cp || cp.exitCode !== null || cp.signalCode !== null) return false;
    if (f === 'sigkill') return cp.kill('SIGKILL');
    if (!cp.connected) return false;
    cp.send({ type: 'chaos-fault', fault: f });
    return true;
  }
}

// ---------------------------------------------------------------------------------------------------
// Driven over IPC by the chaos harness

type Command =
  | { cmd: 'start' }
  | { cmd: 'stop' }
  | { cmd: 'fault'; fault: string }
  | { cmd: 'attach-window'; windowId: number }
  | { cmd: 'kite-login'; message: Extract<MainToEngine, { type: 'kite-login' }> };

function drive(o: NodeHostOptions & { faults?: boolean }): void {
  const emit = (ev: string, data: Record<string, unknown> = {}) => void process.send?.({ ev, at: Date.now(), ...data });
  const host = new NodeHost({ ...o, log: (level, message) => emit('log', { level, message: message.slice(0, 1000) }) });
  const sup = host.supervisor;
  sup.on('spawned', (e) => emit('spawned', e));
  sup.on('ready', (e) => emit('ready', { ...e }));
  sup.on('crashed', (e) => emit('crashed', { ...e }));
  sup.on('failed', (e) => emit('failed', e));
  sup.on('stopped', (e) => emit('stopped-engine', e));
  sup.on('kite', ({ message }) => emit('kite', { type: message.type }));
  process.on('message', (raw: unknown) => {
    const c = raw as Command;
    if (c.cmd === 'start') sup.start();
    else if (c.cmd === 'stop') void sup.stop('host stopping').then(() => emit('stopped'));
    else if (c.cmd === 'fault') emit('fault', { fault: c.fault, ok: o.faults === true && host.fault(c.fault) });
    else if (c.cmd === 'kite-login') emit('kite-login', { ok: host.kiteLogin(c.message) });
    else if (c.cmd === 'attach-window') {
      host.addWindow({
        id: c.windowId,
        isDestroyed: () => false,
        sendPort: (port) => emit('port', { windowId: c.windowId, path: port.path, incarnation: sup.incarnation }),
        sendFailure: (message) => emit('window-failure', { windowId: c.windowId, message }),
      });
    }
  });
  // the harness going away ends the host and its engine
  process.on('disconnect', () => {
    host.process?.kill('SIGKILL');
    process.exit(0);
  });
  emit('host-ready', { pid: process.pid });
}

if (process.send && process.argv[1] && /node-host\.(m?js|ts)$/.test(process.argv[1])) {
  drive(JSON.parse(process.argv[2] ?? '{}') as NodeHostOptions & { faults?: boolean });
}
