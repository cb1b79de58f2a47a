import WebSocket from 'ws';
import { type Clock, systemClock } from '../../core/clock.js';
import { isMarketOpen } from '../../core/nse-calendar.js';
import { redact } from './errors.js';
import { type KiteMode, TickBatch, decodeFrame } from './tick-codec.js';

/**
 * KiteTickerPool: Kite's market-data WebSocket (kite-protocol.md §1) over `ws`, as a pool of up to
 * 3 connections × 3000 tokens. Written instead of the official KiteTicker, which calls process.exit on
 * disconnect, keeps its state at module level and does not resubscribe (§1.10, platform-notes §4.4).
 *
 * - Tokens go to the least-loaded connection; a connection is opened when it gets its first token and
 *   closed when it loses its last one. More than maxConnections × maxTokensPerConnection throws.
 * - The pool's token → mode map is the source of truth: on EVERY (re)connect each connection sends
 *   `subscribe` for all its tokens and then `mode` per mode (batched).
 * - No message (data or heartbeat) for silenceTimeoutMs ⇒ the socket is dead: terminate and reconnect.
 * - Reconnects forever with exponential back-off + jitter; never exits the process.
 * - A 401/403 on the upgrade means the access token is no longer valid: emit `sessionExpired` and stop
 *   reconnecting that connection until updateAccessToken().
 * - Binary frames are decoded into one reused TickBatch per connection; `ticks` listeners must consume
 *   it synchronously. Order updates (`{"type":"order"}`) are delivered; since they travel on the same
 *   socket, a consumer should poll orders() after each reconnect.
 */

export interface TickerSocketHandlers {
  open(): void;
  message(data: Uint8Array | string): void;
  /** HTTP status when the upgrade was refused. */
  error(err: Error, httpStatus?: number): void;
  /** Always called exactly once when the socket is gone. */
  close(code: number): void;
}

export interface TickerSocket {
  send(text: string): void;
  terminate(): void;
}

export type TickerSocketFactory = (url: string, headers: Record<string, string>, h: TickerSocketHandlers) => TickerSocket;

/** The production socket: `ws`. */
export const wsSocketFactory: TickerSocketFactory = (url, headers, h) => {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false, handshakeTimeout: 10_000 });
  ws.binaryType = 'nodebuffer';
  ws.on('open', () => h.open());
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      const buf = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
      h.message(buf);
    } else h.message(String(data));
  });
  ws.on('error', (err) => {
    const m = /Unexpected server response: (\d+)/.exec(err.message);
    h.error(err, m ? Number(m[1]) : undefined);
  });
  ws.on('close', (code) => h.close(code));
  return {
    send: (text) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    terminate: () => ws.terminate(),
  };
};

export interface PoolTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(h: unknown): void;
}

const realTimers: PoolTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0..1: the delay is base × (1 ± jitter), then capped at maxMs */
  jitter: number;
}

/** Delay before reconnect attempt `attempt` (1-based): initialMs × 2^(attempt−1), ± jitter, capped at maxMs. */
export function backoffDelay(attempt: number, b: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  const j = base * b.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(b.maxMs, Math.round(base + j)));
}

export interface KiteTickerPoolOptions {
  apiKey: string;
  accessToken: string;
  root?: string;
  maxConnections?: number;
  maxTokensPerConnection?: number;
  silenceTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** tokens per subscribe/mode/unsubscribe message (default 500) */
  batchSize?: number;
  /** staleness alarm: a subscribed token without a tick for this long is stale (default 60 s) */
  staleAfterMs?: number;
  /** how often the alarm looks (default 5 s); 0 disables the periodic check */
  staleCheckMs?: number;
  /** when the alarm may fire (default: the NSE calendar's isMarketOpen: sessions, holidays, special sessions) */
  isMarketOpen?: (nowMs: number) => boolean;
  clock?: Clock;
  timers?: PoolTimers;
  random?: () => number;
  socketFactory?: TickerSocketFactory;
}

export type ConnState = 'idle' | 'connecting' | 'open' | 'waiting' | 'expired' | 'closed';

export interface PoolEvents {
  ticks: (batch: TickBatch, conn: number) => void;
  orderUpdate: (data: unknown, conn: number) => void;
  notice: (n: { type: string; data: unknown; conn: number }) => void;
  connect: (e: { conn: number; connects: number; reconnect: boolean }) => void;
  disconnect: (e: { conn: number; disconnects: number; code: number; reason: 'closed' | 'silence' | 'restart' }) => void;
  reconnect: (e: { conn: number; attempt: number; delayMs: number }) => void;
  sessionExpired: (e: { conn: number; status: number }) => void;
  stale: (e: { tokens: number[] }) => void;
  frameError: (e: { conn: number; error: string; skipped: number }) => void;
  error: (e: { conn: number; message: string }) => void;
}

type EventName = keyof PoolEvents;

interface Conn {
  index: number;
  tokens: Map<number, KiteMode>;
  socket: TickerSocket | undefined;
  gen: number;
  state: ConnState;
  attempts: number;
  everOpened: boolean;
  heardSinceOpen: boolean;
  authStatus: number | undefined;
  lastMessageAt: number;
  reconnectTimer: unknown;
  liveTimer: unknown;
  batch: TickBatch;
  connects: number;
  disconnects: number;
}

export interface ConnStats {
  index: number;
  state: ConnState;
  tokens: number;
  connects: number;
  disconnects: number;
  attempts: number;
  lastMessageAt: number;
}

const MODES: readonly KiteMode[] = ['ltp', 'quote', 'full'];

export class KiteTickerPool {
  private accessToken: string;
  private readonly apiKey: string;
  private readonly root: string;
  private readonly maxPer: number;
  private readonly silenceMs: number;
  private readonly backoff: BackoffOptions;
  private readonly batchSize: number;
  private readonly staleAfterMs: number;
  private readonly staleCheckMs: number;
  private readonly isMarketOpen: (now: number) => boolean;
  private readonly clock: Clock;
  private readonly timers: PoolTimers;
  private readonly random: () => number;
  private readonly factory: TickerSocketFactory;
  private readonly conns: Conn[];
  private readonly tokenConn = new Map<number, Conn>();
  private readonly lastTickAt = new Map<number, number>();
  private readonly listeners = new Map<EventName, Set<(...a: never[]) => void>>();
  private staleTimer: unknown;
  private staleSet = new Set<number>();
  private expiredNotified = false;
  private closed = false;

  constructor(opts: KiteTickerPoolOptions) {
    if (!opts.apiKey || !opts.accessToken) throw new Error('KiteTickerPool: apiKey and accessToken are required');
    this.apiKey = opts.apiKey;
    this.accessToken = opts.accessToken;
    this.root = opts.root ?? 'wss://ws.kite.trade/';
    const maxConnections = opts.maxConnections ?? 3;
    this.maxPer = opts.maxTokensPerConnection ?? 3000;
    if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) throw new RangeError('KiteTickerPool: maxConnections must be ≥ 1');
    if (!Number.isSafeInteger(this.maxPer) || this.maxPer < 1) throw new RangeError('KiteTickerPool: maxTokensPerConnection must be ≥ 1');
    this.silenceMs = opts.silenceTimeoutMs ?? 5000;
    this.backoff = { initialMs: 1000, maxMs: 30_000, jitter: 0.2, ...opts.backoff };
    this.batchSize = opts.batchSize ?? 500;
    this.staleAfterMs = opts.staleAfterMs ?? 60_000;
    this.staleCheckMs = opts.staleCheckMs ?? 5000;
    this.isMarketOpen = opts.isMarketOpen ?? isMarketOpen;
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? realTimers;
    this.random = opts.random ?? Math.random;
    this.factory = opts.socketFactory ?? wsSocketFactory;
    this.conns = Array.from({ length: maxConnections }, (_, index) => ({
      index,
      tokens: new Map(),
      socket: undefined,
      gen: 0,
      state: 'idle' as ConnState,
      attempts: 0,
      everOpened: false,
      heardSinceOpen: false,
      authStatus: undefined,
      lastMessageAt: 0,
      reconnectTimer: undefined,
      liveTimer: undefined,
      batch: new TickBatch(256),
      connects: 0,
      disconnects: 0,
    }));
  }

  /** Most tokens the pool can carry. */
  get capacity(): number {
    return this.conns.length * this.maxPer;
  }

  get size(): number {
    return this.tokenConn.size;
  }

  // ----------------------------------------------------------------------------------------------
  // Events

  on<E extends EventName>(event: E, fn: PoolEvents[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as (...a: never[]) => void);
    return () => void set.delete(fn as (...a: never[]) => void);
  }

  onTicks(fn: PoolEvents['ticks']): () => void {
    return this.on('ticks', fn);
  }

  onOrderUpdate(fn: PoolEvents['orderUpdate']): () => void {
    return this.on('orderUpdate', fn);
  }

  onNotice(fn: PoolEvents['notice']): () => void {
    return this.on('notice', fn);
  }

  private emit<E extends EventName>(event: E, ...args: Parameters<PoolEvents[E]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as unknown as (...a: Parameters<PoolEvents[E]>) => void)(...args);
      } catch (e) {
        if (event !== 'error') this.emit('error', { conn: -1, message: redact(`${event} listener threw: ${e instanceof Error ? e.message : String(e)}`, [this.accessToken]) });
      }
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Subscriptions

  /** Subscribes tokens in `mode` (already-subscribed tokens just change mode). Throws beyond capacity. */
  subscribe(tokens: Iterable<number>, mode: KiteMode): void {
    this.assertOpen();
    checkMode(mode);
    const unique = [...new Set(tokens)];
    for (const t of unique) if (!Number.isInteger(t) || t <= 0 || t > 0xffffffff) throw new RangeError(`KiteTickerPool: invalid instrument token ${String(t)}`);
    const fresh = unique.filter((t) => !this.tokenConn.has(t));
    const existing = unique.filter((t) => this.tokenConn.has(t));
    if (this.tokenConn.size + fresh.length > this.capacity) {
      throw new RangeError(
        `KiteTickerPool: cannot subscribe ${fresh.length} more tokens (${this.tokenConn.size} subscribed): Kite allows at most ${this.capacity} (${this.conns.length} connections × ${this.maxPer} tokens)`,
      );
    }
    const now = this.clock.now();
    const added = new Map<Conn, number[]>();
    for (const t of fresh) {
      let best: Conn | undefined;
      for (const c of this.conns) if (c.tokens.size < this.maxPer && (!best || c.tokens.size < best.tokens.size)) best = c;
      best!.tokens.set(t, mode);
      this.tokenConn.set(t, best!);
      this.lastTickAt.set(t, now);
      let list = added.get(best!);
      if (!list) added.set(best!, (list = []));
      list.push(t);
    }
    for (const [c, list] of added) {
      if (c.state === 'open') {
        this.sendBatched(c, 'subscribe', list);
        this.sendBatched(c, 'mode', list, mode);
      } else if (c.state === 'idle') this.connect(c);
    }
    if (existing.length > 0) this.setMode(existing, mode);
    this.ensureStaleTimer();
  }

  unsubscribe(tokens: Iterable<number>): void {
    this.assertOpen();
    const by = new Map<Conn, number[]>();
    for (const t of new Set(tokens)) {
      const c = this.tokenConn.get(t);
      if (!c) continue;
      c.tokens.delete(t);
      this.tokenConn.delete(t);
      this.lastTickAt.delete(t);
      this.staleSet.delete(t);
      let list = by.get(c);
      if (!list) by.set(c, (list = []));
      list.push(t);
    }
    for (const [c, list] of by) {
      if (c.tokens.size === 0) this.stopConn(c, 'idle');
      else if (c.state === 'open') this.sendBatched(c, 'unsubscribe', list);
    }
    if (this.tokenConn.size === 0) this.stopStaleTimer();
  }

  /** Changes the mode of subscribed tokens (unknown tokens are ignored). */
  setMode(tokens: Iterable<number>, mode: KiteMode): void {
    this.assertOpen();
    checkMode(mode);
    const by = new Map<Conn, number[]>();
    for (const t of new Set(tokens)) {
      const c = this.tokenConn.get(t);
      if (!c) continue;
      c.tokens.set(t, mode);
      let list = by.get(c);
      if (!list) by.set(c, (list = []));
      list.push(t);
    }
    for (const [c, list] of by) if (c.state === 'open') this.sendBatched(c, 'mode', list, mode);
  }

  /** token → mode of every subscription. */
  subscriptions(): Map<number, KiteMode> {
    const out = new Map<number, KiteMode>();
    for (const c of this.conns) for (const [t, m] of c.tokens) out.set(t, m);
    return out;
  }

  stats(): ConnStats[] {
    return this.conns.map((c) => ({ index: c.index, state: c.state, tokens: c.tokens.size, connects: c.connects, disconnects: c.disconnects, attempts: c.attempts, lastMessageAt: c.lastMessageAt }));
  }

  /** After a re-login: reconnect every connection with the new token (and leave the expired state). */
  updateAccessToken(token: string): void {
    this.assertOpen();
    if (!token) throw new Error('KiteTickerPool: empty access token');
    this.accessToken = token;
    this.expiredNotified = false;
    for (const c of this.conns) {
      if (c.tokens.size === 0) continue;
      this.stopConn(c, 'idle', 'restart');
      c.attempts = 0;
      this.connect(c);
    }
  }

  /** Stops everything: sockets, reconnects, liveness and staleness timers. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.conns) this.stopConn(c, 'closed');
    this.stopStaleTimer();
  }

  // ----------------------------------------------------------------------------------------------
  // Staleness

  /** Subscribed tokens whose last tick (or subscription, if none) is older than maxAgeMs at nowMs. */
  staleTokens(nowMs: number, maxAgeMs: number): number[] {
    const out: number[] = [];
    for (const t of this.tokenConn.keys()) if (nowMs - (this.lastTickAt.get(t) ?? 0) > maxAgeMs) out.push(t);
    return out;
  }

  /** Runs one staleness check (the periodic timer calls this); emits `stale` with tokens that newly went stale. */
  checkStale(): void {
    const now = this.clock.now();
    if (!this.isMarketOpen(now)) {
      this.staleSet.clear();
      return;
    }
    const stale = this.staleTokens(now, this.staleAfterMs);
    const fresh = stale.filter((t) => !this.staleSet.has(t));
    this.staleSet = new Set(stale);
    if (fresh.length > 0) this.emit('stale', { tokens: fresh });
  }

  private ensureStaleTimer(): void {
    if (this.staleTimer !== undefined || this.staleCheckMs <= 0) return;
    this.staleTimer = this.timers.setInterval(() => this.checkStale(), this.staleCheckMs);
  }

  private stopStaleTimer(): void {
    if (this.staleTimer !== undefined) this.timers.clearInterval(this.staleTimer);
    this.staleTimer = undefined;
  }

  // ----------------------------------------------------------------------------------------------
  // Connection lifecycle

  private assertOpen(): void {
    if (this.closed) throw new Error('KiteTickerPool is closed');
  }

  private url(): string {
    const u = new URL(this.root);
    u.searchParams.set('api_key', this.apiKey);
    u.searchParams.set('access_token', this.accessToken);
    return u.toString();
  }

  private connect(c: Conn): void {
    if (this.closed) return;
    this.clearTimers(c);
    const gen = ++c.gen;
    c.state = 'connecting';
    c.authStatus = undefined;
    c.heardSinceOpen = false;
    const cur = () => gen === c.gen;
    try {
      c.socket = this.factory(this.url(), { 'X-Kite-Version': '3' }, {
        open: () => cur() && this.onOpen(c),
        message: (d) => cur() && this.onMessage(c, d),
        error: (err, status) => {
          if (!cur()) return;
          if (status === 401 || status === 403) c.authStatus = status;
          this.emit('error', { conn: c.index, message: redact(err.message, [this.accessToken]) });
        },
        close: (code) => cur() && this.onDown(c, code, 'closed'),
      });
    } catch (e) {
      this.emit('error', { conn: c.index, message: redact(e instanceof Error ? e.message : String(e), [this.accessToken]) });
      c.socket = undefined;
      this.scheduleReconnect(c);
    }
  }

  private onOpen(c: Conn): void {
    c.state = 'open';
    c.connects++;
    c.lastMessageAt = this.clock.now();
    const reconnect = c.everOpened;
    c.everOpened = true;
    // resubscribe EVERYTHING this connection owns, each with its mode
    const all = [...c.tokens.keys()];
    this.sendBatched(c, 'subscribe', all);
    for (const m of MODES) {
      const list = all.filter((t) => c.tokens.get(t) === m);
      if (list.length > 0) this.sendBatched(c, 'mode', list, m);
    }
    const check = Math.max(10, Math.min(1000, Math.floor(this.silenceMs / 5)));
    c.liveTimer = this.timers.setInterval(() => {
      if (c.state === 'open' && this.clock.now() - c.lastMessageAt > this.silenceMs) this.drop(c, 'silence');
    }, check);
    this.emit('connect', { conn: c.index, connects: c.connects, reconnect });
  }

  private onMessage(c: Conn, data: Uint8Array | string): void {
    const now = this.clock.now();
    c.lastMessageAt = now;
    if (!c.heardSinceOpen) {
      c.heardSinceOpen = true;
      c.attempts = 0; // the server is really talking to us: back-off starts over
    }
    if (typeof data === 'string') {
      this.onText(c, data);
      return;
    }
    let res;
    try {
      res = decodeFrame(data, c.batch);
    } catch (e) {
      // decodeFrame promises never to throw; belt and braces
      this.emit('frameError', { conn: c.index, error: e instanceof Error ? e.message : String(e), skipped: 0 });
      return;
    }
    if (res.heartbeat) return;
    if (res.error) this.emit('frameError', { conn: c.index, error: res.error, skipped: res.skipped });
    if (res.packets > 0) {
      const b = c.batch;
      for (let i = 0; i < b.count; i++) {
        const t = b.token[i]!;
        if (this.lastTickAt.has(t)) this.lastTickAt.set(t, now);
      }
      this.emit('ticks', b, c.index);
    }
  }

  private onText(c: Conn, text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.emit('frameError', { conn: c.index, error: 'unparseable text message', skipped: 0 });
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    const { type, data } = msg as { type?: unknown; data?: unknown };
    if (type === 'order') this.emit('orderUpdate', data, c.index);
    else if (typeof type === 'string') this.emit('notice', { type, data, conn: c.index });
  }

  /** Kills the socket ourselves (silence): ignore its later events, then handle the loss now. */
  private drop(c: Conn, reason: 'silence'): void {
    const s = c.socket;
    c.gen++;
    c.socket = undefined;
    try {
      s?.terminate();
    } catch {
      // already gone
    }
    this.onDown(c, 1006, reason);
  }

  private onDown(c: Conn, code: number, reason: 'closed' | 'silence'): void {
    const wasOpen = c.state === 'open';
    this.clearTimers(c);
    c.socket = undefined;
    if (wasOpen) {
      c.disconnects++;
      this.emit('disconnect', { conn: c.index, disconnects: c.disconnects, code, reason });
    }
    if (this.closed || c.state === 'closed') return;
    if (c.authStatus !== undefined) {
      c.state = 'expired';
      if (!this.expiredNotified) {
        this.expiredNotified = true;
        this.emit('sessionExpired', { conn: c.index, status: c.authStatus });
      }
      return;
    }
    if (c.tokens.size === 0) {
      c.state = 'idle';
      return;
    }
    this.scheduleReconnect(c);
  }

  private scheduleReconnect(c: Conn): void {
    c.attempts++;
    const delayMs = backoffDelay(c.attempts, this.backoff, this.random);
    c.state = 'waiting';
    c.reconnectTimer = this.timers.setTimeout(() => {
      c.reconnectTimer = undefined;
      if (c.state === 'waiting') this.connect(c);
    }, delayMs);
    this.emit('reconnect', { conn: c.index, attempt: c.attempts, delayMs });
  }

  private stopConn(c: Conn, state: 'idle' | 'closed', reason: 'closed' | 'restart' = 'closed'): void {
    const wasOpen = c.state === 'open';
    this.clearTimers(c);
    const s = c.socket;
    c.gen++;
    c.socket = undefined;
    c.state = state;
    try {
      s?.terminate();
    } catch {
      // already gone
    }
    if (wasOpen) {
      c.disconnects++;
      this.emit('disconnect', { conn: c.index, disconnects: c.disconnects, code: 1000, reason });
    }
  }

  private clearTimers(c: Conn): void {
    if (c.reconnectTimer !== undefined) this.timers.clearTimeout(c.reconnectTimer);
    if (c.liveTimer !== undefined) this.timers.clearInterval(c.liveTimer);
    c.reconnectTimer = undefined;
    c.liveTimer = undefined;
  }

  private sendBatched(c: Conn, a: 'subscribe' | 'unsubscribe' | 'mode', tokens: number[], mode?: KiteMode): void {
    const s = c.socket;
    if (!s || c.state !== 'open') return;
    for (let i = 0; i < tokens.length; i += this.batchSize) {
      const part = tokens.slice(i, i + this.batchSize);
      s.send(JSON.stringify(a === 'mode' ? { a, v: [mode, part] } : { a, v: part }));
    }
  }
}

function checkMode(mode: string): asserts mode is KiteMode {
  if (!MODES.includes(mode as KiteMode)) throw new RangeError(`KiteTickerPool: mode must be ltp, quote or full, got ${String(mode)}`);
}
