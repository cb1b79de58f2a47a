/**
 * Keeps the engine utility process alive. Pure and injectable: `main.ts` passes
 * `() => utilityProcess.fork(…)`, tests pass a fake. Rules (platform-notes 1.3):
 * - restart on any unexpected exit (a crash may report code 0, electron#42283), with back-off;
 * - at most `maxRestarts` restarts in any `windowMs`; the next crash inside the window gives up;
 * - idempotent per incarnation: `exit` may fire twice (electron#44012), and events of an old child
 *   are ignored;
 * - never post to a dead child (before PR #53293 that crashed the main process);
 * - a clean `stop()` does not restart;
 * - a hung engine (event loop blocked: no `heartbeat` for `heartbeatTimeoutMs`) is killed and restarted
 *   as a crash. The timeout arms on the first heartbeat, so an engine that sends none is never judged.
 */
import { engineToMainSchema, mainToEngineSchema, type EngineToMain, type MainToEngine } from '../src-engine/contract/control.js';

/** The part of Electron's UtilityProcess the supervisor uses. `P` is the transferable port type. */
export interface ChildLike<P = unknown> {
  readonly pid: number | undefined;
  postMessage(message: unknown, transfer?: P[]): void;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  kill(): unknown;
}

export interface SupervisorTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type SupervisorState = 'idle' | 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'failed';

export interface ReadyInfo {
  incarnation: number;
  pid: number;
  version: string;
}
export interface CrashInfo {
  incarnation: number;
  code: number | null;
  reason: string;
  restartInMs: number;
}

/** Restarts since the supervisor was made (told to each new engine for its Health tab). */
export interface RestartStats {
  count: number;
  /** The newest: when the crashed engine went away, and why. */
  last?: { at: number; reason: string };
}

export interface SupervisorEvents {
  /** A new child was forked (before it is ready). */
  spawned: { incarnation: number; pid: number | undefined };
  /** The child's control channel is up; windows may be attached now. Fires once per incarnation. */
  ready: ReadyInfo;
  /** An unexpected exit; a restart is scheduled. */
  crashed: CrashInfo;
  /** Gave up restarting; `message` is meant for the person using the app. */
  failed: { message: string };
  /** A requested stop completed. */
  stopped: { incarnation: number; code: number | null };
  /** A Kite session message of the current child (may carry secrets: never log it). */
  kite: { incarnation: number; message: Extract<EngineToMain, { type: `kite-${string}` }> };
  /** The engine asks about (or for) a user strategy file's approval, which main keeps; answer with `strategy-approval-reply`. */
  approval: { incarnation: number; message: Extract<EngineToMain, { type: 'strategy-approval-request' }> };
  /** The engine asks main to show a finished backtest's report (the run id only). */
  report: { incarnation: number; id: string };
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface EngineSupervisorOptions<P = unknown> {
  fork: () => ChildLike<P>;
  clock?: { now(): number };
  timers?: SupervisorTimers;
  /** Delay before the 1st, 2nd, 3rd… restart inside the window. Default 250 ms, 1 s, 4 s. */
  backoffMs?: readonly number[];
  /** Default 3. */
  maxRestarts?: number;
  /** Default 60 s. */
  windowMs?: number;
  /** A child that has not said `ready` by then is killed (and restarted as a crash). Default 30 s. */
  readyTimeoutMs?: number;
  /** After asking for shutdown, kill the child if it has not exited by then. Default 5 s. */
  stopTimeoutMs?: number;
  /**
   * A child that said `heartbeat` once and then nothing for this long is hung (its event loop is blocked):
   * it is killed and restarted as a crash. Default 15 s (the engine beats every second); 0 turns it off.
   */
  heartbeatTimeoutMs?: number;
  log?: (level: LogLevel, message: string) => void;
}

interface Incarnation<P> {
  readonly n: number;
  readonly child: ChildLike<P>;
  exited: boolean;
  ready: boolean;
  lastFatal: string | undefined;
  readyTimer: unknown;
  /** Armed by the first heartbeat, re-armed by each. */
  heartbeatTimer: unknown;
}

type Listener<T> = (payload: T) => void;

const defaultTimers: SupervisorTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class EngineSupervisor<P = unknown> {
  private readonly fork: () => ChildLike<P>;
  private readonly clock: { now(): number };
  private readonly timers: SupervisorTimers;
  private readonly backoffMs: readonly number[];
  private readonly maxRestarts: number;
  private readonly windowMs: number;
  private readonly readyTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly log: (level: LogLevel, message: string) => void;

  private listeners: { [K in keyof SupervisorEvents]: Set<Listener<SupervisorEvents[K]>> } = {
    spawned: new Set(),
    ready: new Set(),
    crashed: new Set(),
    failed: new Set(),
    stopped: new Set(),
    kite: new Set(),
    approval: new Set(),
    report: new Set(),
  };
  private _state: SupervisorState = 'idle';
  private current: Incarnation<P> | undefined;
  private counter = 0;
  /** Times of restarts (forks after a crash), for the rolling window. */
  private restarts: number[] = [];
  private restartTimer: unknown;
  private stopTimer: unknown;
  private stopWaiters: (() => void)[] = [];
  private _failure: string | undefined;
  private restartCount = 0;
  /** The crash a restart is pending for (set on a crash, counted when the new engine is forked). */
  private lastCrash: { at: number; reason: string } | undefined;
  private lastRestart: { at: number; reason: string } | undefined;

  constructor(opts: EngineSupervisorOptions<P>) {
    this.fork = opts.fork;
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.timers = opts.timers ?? defaultTimers;
    this.backoffMs = opts.backoffMs ?? [250, 1_000, 4_000];
    this.maxRestarts = opts.maxRestarts ?? 3;
    this.windowMs = opts.windowMs ?? 60_000;
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
    this.heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? 15_000;
    this.log = opts.log ?? (() => {});
    if (this.backoffMs.length === 0) throw new Error('backoffMs must not be empty');
  }

  get state(): SupervisorState {
    return this._state;
  }
  /** The current incarnation number (0 before the first start). */
  get incarnation(): number {
    return this.current?.n ?? 0;
  }
  /** True when the current child is alive and has said `ready`. */
  get isReady(): boolean {
    const c = this.current;
    return this._state === 'running' && !!c && c.ready && this.alive(c);
  }
  get failureMessage(): string | undefined {
    return this._failure;
  }
  /** Restarts (forks after a crash, including a manual start after giving up) and the newest one's reason. */
  get restartStats(): RestartStats {
    return { count: this.restartCount, ...(this.lastRestart ? { last: { ...this.lastRestart } } : {}) };
  }

  on<K extends keyof SupervisorEvents>(event: K, listener: Listener<SupervisorEvents[K]>): () => void {
    const set = this.listeners[event] as Set<Listener<SupervisorEvents[K]>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Start from idle, after a stop, or after giving up (a manual retry). No-op otherwise. */
  start(): void {
    if (this._state !== 'idle' && this._state !== 'stopped' && this._state !== 'failed') return;
    if (this._state === 'failed') this.countRestart();
    this.restarts = [];
    this._failure = undefined;
    this.spawn();
  }

  /**
   * Send a control message to the live child. Returns false (and sends nothing) when there is no
   * live child or the message does not match the contract.
   */
  postMessage(message: MainToEngine, transfer?: P[]): boolean {
    const c = this.current;
    if (!c || !this.alive(c) || this._state === 'stopping') return false;
    const parsed = mainToEngineSchema.safeParse(message);
    if (!parsed.success) {
      // Only the type: kite-* messages carry secrets.
      const type = typeof (message as { type?: unknown } | null)?.type === 'string' ? (message as { type: string }).type.slice(0, 40) : '?';
      this.log('error', `engine supervisor: refusing malformed control message of type '${type}'`);
      return false;
    }
    try {
      if (transfer && transfer.length > 0) c.child.postMessage(parsed.data, transfer);
      else c.child.postMessage(parsed.data);
      return true;
    } catch (err) {
      this.log('error', `engine supervisor: postMessage failed: ${String(err)}`);
      return false;
    }
  }

  /** Ask the engine to shut down; kill it if it does not exit in time. Never restarts. */
  stop(reason = 'app quitting'): Promise<void> {
    this.clearRestartTimer();
    const c = this.current;
    if (this._state === 'backoff' || this._state === 'failed' || this._state === 'idle' || !c || !this.alive(c)) {
      if (this._state !== 'failed') this._state = 'stopped';
      return Promise.resolve();
    }
    if (this._state === 'stopping') return new Promise((r) => this.stopWaiters.push(r));
    this.postMessage({ type: 'shutdown', reason: reason.slice(0, 200) });
    this._state = 'stopping';
    this.clearTimer(c.readyTimer);
    this.clearHeartbeat(c);
    this.stopTimer = this.timers.setTimeout(() => {
      this.stopTimer = undefined;
      if (this.current === c && this.alive(c)) {
        this.log('warn', `engine #${c.n} did not exit within ${this.stopTimeoutMs} ms; killing it`);
        this.safeKill(c);
      }
    }, this.stopTimeoutMs);
    return new Promise((r) => this.stopWaiters.push(r));
  }

  private alive(c: Incarnation<P>): boolean {
    return !c.exited && c.child.pid !== undefined;
  }

  private emit<K extends keyof SupervisorEvents>(event: K, payload: SupervisorEvents[K]): void {
    for (const l of [...this.listeners[event]] as Listener<SupervisorEvents[K]>[]) {
      try {
        l(payload);
      } catch (err) {
        this.log('error', `engine supervisor: '${event}' listener threw: ${String(err)}`);
      }
    }
  }

  private spawn(): void {
    const n = ++this.counter;
    this._state = 'starting';
    let child: ChildLike<P>;
    try {
      child = this.fork();
    } catch (err) {
      this.log('error', `engine #${n}: fork failed: ${String(err)}`);
      // A launch failure counts as a crash of this incarnation.
      const dead: Incarnation<P> = { n, child: deadChild<P>(), exited: true, ready: false, lastFatal: String(err), readyTimer: undefined, heartbeatTimer: undefined };
      this.current = dead;
      this.onCrash(dead, null, `launch failed: ${String(err)}`);
      return;
    }
    const inc: Incarnation<P> = { n, child, exited: false, ready: false, lastFatal: undefined, readyTimer: undefined, heartbeatTimer: undefined };
    this.current = inc;
    child.on('exit', (code) => this.onExit(inc, code));
    child.on('message', (m) => this.onMessage(inc, m));
    inc.readyTimer = this.timers.setTimeout(() => {
      inc.readyTimer = undefined;
      if (this.current !== inc || inc.ready || !this.alive(inc)) return;
      this.log('error', `engine #${n} not ready after ${this.readyTimeoutMs} ms; killing it`);
      inc.lastFatal = `not ready after ${this.readyTimeoutMs} ms`;
      this.safeKill(inc);
    }, this.readyTimeoutMs);
    this.log('info', `engine #${n} forked (pid ${String(child.pid)})`);
    this.emit('spawned', { incarnation: n, pid: child.pid });
  }

  private onMessage(inc: Incarnation<P>, raw: unknown): void {
    if (inc !== this.current || inc.exited) return;
    const parsed = engineToMainSchema.safeParse(raw);
    if (!parsed.success) {
      this.log('warn', `engine #${inc.n}: ignoring malformed control message`);
      return;
    }
    const m = parsed.data;
    switch (m.type) {
      case 'ready':
        if (inc.ready) return;
        inc.ready = true;
        this.clearTimer(inc.readyTimer);
        inc.readyTimer = undefined;
        if (this._state === 'starting') this._state = 'running';
        this.log('info', `engine #${inc.n} ready (pid ${m.pid}, version ${m.version})`);
        this.emit('ready', { incarnation: inc.n, pid: m.pid, version: m.version });
        return;
      case 'fatal':
        inc.lastFatal = m.message.slice(0, 500);
        this.log('error', `engine #${inc.n} fatal: ${inc.lastFatal}`);
        return;
      case 'stopped':
        this.log('info', `engine #${inc.n} reports stopped`);
        return;
      case 'heartbeat':
        this.armHeartbeat(inc);
        return;
      case 'kite-session':
      case 'kite-login-failed':
      case 'kite-session-ended':
      case 'kite-host-request':
        this.emit('kite', { incarnation: inc.n, message: m });
        return;
      case 'strategy-approval-request':
        this.emit('approval', { incarnation: inc.n, message: m });
        return;
      case 'backtest-report-open':
        this.emit('report', { incarnation: inc.n, id: m.id });
        return;
    }
  }

  private onExit(inc: Incarnation<P>, code: number | null): void {
    if (inc.exited) return; // duplicate exit
    inc.exited = true;
    this.clearTimer(inc.readyTimer);
    inc.readyTimer = undefined;
    this.clearHeartbeat(inc);
    if (inc !== this.current) return; // an old incarnation
    if (this._state === 'stopping') {
      this.clearTimer(this.stopTimer);
      this.stopTimer = undefined;
      this._state = 'stopped';
      this.log('info', `engine #${inc.n} stopped (code ${String(code)})`);
      this.emit('stopped', { incarnation: inc.n, code });
      for (const w of this.stopWaiters.splice(0)) w();
      return;
    }
    this.onCrash(inc, code, inc.lastFatal ?? `exited with code ${String(code)}`);
  }

  private countRestart(): void {
    this.restartCount++;
    if (this.lastCrash) this.lastRestart = this.lastCrash;
    this.lastCrash = undefined;
  }

  private onCrash(inc: Incarnation<P>, code: number | null, reason: string): void {
    const now = this.clock.now();
    this.lastCrash = { at: now, reason: reason.slice(0, 300) };
    this.restarts = this.restarts.filter((t) => now - t < this.windowMs);
    if (this.restarts.length >= this.maxRestarts) {
      this._state = 'failed';
      const minutes = Math.round(this.windowMs / 60_000);
      const span = minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(this.windowMs / 1000)} seconds`;
      this._failure =
        `The trading engine stopped unexpectedly ${this.restarts.length + 1} times within ${span} and will not be restarted ` +
        `automatically (last error: ${reason}). No new orders are being placed. Check your open positions and orders ` +
        `in Kite, then restart KiteDesk.`;
      this.log('error', `engine #${inc.n} crashed (${reason}); giving up`);
      this.emit('failed', { message: this._failure });
      return;
    }
    const delay = this.backoffMs[Math.min(this.restarts.length, this.backoffMs.length - 1)] ?? 0;
    this._state = 'backoff';
    this.log('warn', `engine #${inc.n} crashed (${reason}); restarting in ${delay} ms`);
    this.emit('crashed', { incarnation: inc.n, code, reason, restartInMs: delay });
    this.restartTimer = this.timers.setTimeout(() => {
      this.restartTimer = undefined;
      if (this._state !== 'backoff') return;
      this.restarts.push(this.clock.now());
      this.countRestart();
      this.spawn();
    }, delay);
  }

  private armHeartbeat(inc: Incarnation<P>): void {
    if (this.heartbeatTimeoutMs <= 0 || this._state === 'stopping') return;
    this.clearHeartbeat(inc);
    inc.heartbeatTimer = this.timers.setTimeout(() => {
      inc.heartbeatTimer = undefined;
      if (this.current !== inc || !this.alive(inc) || this._state === 'stopping') return;
      this.log('error', `engine #${inc.n} sent no heartbeat for ${this.heartbeatTimeoutMs} ms (hung); killing it`);
      inc.lastFatal = `hung: no heartbeat for ${this.heartbeatTimeoutMs} ms`;
      this.safeKill(inc);
    }, this.heartbeatTimeoutMs);
  }

  private clearHeartbeat(inc: Incarnation<P>): void {
    this.clearTimer(inc.heartbeatTimer);
    inc.heartbeatTimer = undefined;
  }

  private safeKill(inc: Incarnation<P>): void {
    try {
      inc.child.kill();
    } catch (err) {
      this.log('error', `engine #${inc.n}: kill failed: ${String(err)}`);
    }
  }

  private clearRestartTimer(): void {
    this.clearTimer(this.restartTimer);
    this.restartTimer = undefined;
  }

  private clearTimer(h: unknown): void {
    if (h !== undefined) this.timers.clearTimeout(h);
  }
}

function deadChild<P>(): ChildLike<P> {
  return { pid: undefined, postMessage: () => {}, on: () => undefined, kill: () => undefined };
}
