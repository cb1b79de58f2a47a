/**
 * The simulated Kite ticker: WebSocket connections on the simulator's HTTP server (noServer +
 * upgrade), Kite's subscribe / unsubscribe / mode messages, binary tick frames per connection mode,
 * 1-byte heartbeats, order updates as text, and the per-connection / per-key limits.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { encodeFrame, HEARTBEAT, type KiteMode, type KiteTick } from '../adapters/kite/tick-codec.js';
import type { SessionStore } from './auth.js';
import type { OrderEvent, SimExchange } from './exchange.js';
import { errorBody, type KiteErrorType } from './kite-json.js';

export const MAX_TOKENS_PER_CONNECTION = 3000;
export const MAX_CONNECTIONS_PER_KEY = 3;
const MODES: readonly string[] = ['ltp', 'quote', 'full'];
/** Mode of a token subscribed without a `mode` message (Kite's default is unconfirmed, see §5; pykiteconnect assumes quote). */
export const DEFAULT_MODE: KiteMode = 'quote';
const MAX_BUFFERED = 8 * 1024 * 1024;

export interface TickerHubOptions {
  exchange: SimExchange;
  sessions: SessionStore;
  /** How often dirty instruments are pushed, real ms; default 200. */
  flushIntervalMs?: number;
  /** Heartbeat after this much real silence on a connection; default 1000 (Kite: "every couple of seconds", client timeout 5 s). */
  heartbeatMs?: number;
  maxTokensPerConnection?: number;
  maxConnectionsPerKey?: number;
  now?: () => number;
  /** The `data` of an order text message; default the order row. The simulator adds the postback fields. */
  orderData?: (e: OrderEvent) => unknown;
}

interface Conn {
  ws: WebSocket;
  apiKey: string;
  accessToken: string;
  subs: Map<number, KiteMode>;
  lastSent: number;
  log: TickerConnectionLog;
}

/** One ticker connection's history (subscriptionLog()): wall-clock ms. */
export interface TickerConnectionLog {
  id: number;
  openedAt: number;
  closedAt?: number;
  /** token → when it was first subscribed on this connection. */
  subscribedAt: Map<number, number>;
}

const LOG_CONNECTIONS = 1000;

export interface TickerStats {
  connections: number;
  subscribedTokens: number[];
}

function refuse(socket: Duplex, status: number, reason: string, errorType: KiteErrorType, message: string): void {
  const body = JSON.stringify(errorBody(errorType, message));
  socket.write(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.destroy();
}

export class TickerHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly conns = new Set<Conn>();
  private readonly dirty = new Set<number>();
  private readonly now: () => number;
  private readonly maxTokens: number;
  private readonly maxConns: number;
  private readonly heartbeatMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private silentUntil = 0;
  private readonly log: TickerConnectionLog[] = [];
  private nextConnId = 1;
  private readonly unsubscribeOrders: () => void;

  constructor(private readonly o: TickerHubOptions) {
    this.now = o.now ?? Date.now;
    this.maxTokens = o.maxTokensPerConnection ?? MAX_TOKENS_PER_CONNECTION;
    this.maxConns = o.maxConnectionsPerKey ?? MAX_CONNECTIONS_PER_KEY;
    this.heartbeatMs = o.heartbeatMs ?? 1000;
    const orderData = o.orderData ?? ((e: OrderEvent) => e.row);
    this.unsubscribeOrders = o.exchange.onOrderEvent((e) => this.pushText({ type: 'order', data: orderData(e) }));
    this.timer = setInterval(() => this.flush(), o.flushIntervalMs ?? 200);
    this.timer.unref?.();
  }

  /** An instrument changed; it goes out on the next flush to connections subscribed to it. */
  markDirty(token: number): void {
    this.dirty.add(token);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const apiKey = url.searchParams.get('api_key');
    const accessToken = url.searchParams.get('access_token');
    if (!this.o.sessions.isValid(apiKey, accessToken)) {
      refuse(socket, 403, 'Forbidden', 'TokenException', 'Incorrect `api_key` or `access_token`.');
      return;
    }
    const mine = [...this.conns].filter((c) => c.apiKey === apiKey).length;
    if (mine >= this.maxConns) {
      refuse(socket, 429, 'Too Many Requests', 'NetworkException', `Maximum ${this.maxConns} WebSocket connections per api_key.`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const log: TickerConnectionLog = { id: this.nextConnId++, openedAt: Date.now(), subscribedAt: new Map() };
      this.log.push(log);
      if (this.log.length > LOG_CONNECTIONS) this.log.splice(0, this.log.length - LOG_CONNECTIONS);
      const conn: Conn = { ws, apiKey: apiKey!, accessToken: accessToken!, subs: new Map(), lastSent: this.now(), log };
      this.conns.add(conn);
      const gone = () => {
        this.conns.delete(conn);
        log.closedAt ??= Date.now();
      };
      ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
      ws.on('close', gone);
      ws.on('error', gone);
    });
  }

  /** Sends a text message to every connection (order updates cover all of the user's orders). */
  pushText(msg: unknown): void {
    if (this.silenced()) return;
    const text = JSON.stringify(msg);
    for (const c of this.conns) this.send(c, text);
  }

  /** Terminates every ticker socket (no close handshake). */
  killSockets(): void {
    const at = Date.now();
    for (const c of this.conns) {
      c.log.closedAt ??= at;
      c.ws.terminate();
    }
    this.conns.clear();
  }

  /** Closes sockets whose access token is no longer valid. */
  closeInvalid(): void {
    for (const c of [...this.conns]) {
      if (!this.o.sessions.isValid(c.apiKey, c.accessToken)) {
        c.log.closedAt ??= Date.now();
        c.ws.close(1008, 'TokenException');
        this.conns.delete(c);
      }
    }
  }

  /** Send nothing at all (no ticks, no heartbeats, no order updates) for `ms` real milliseconds. */
  silence(ms: number): void {
    this.silentUntil = Math.max(this.silentUntil, this.now() + ms);
  }

  stats(): TickerStats {
    const list = [...this.conns];
    return { connections: list.length, subscribedTokens: list.map((c) => c.subs.size) };
  }

  /** Every token subscribed now on any open connection, with its mode (white-box tests: what a client is subscribed to). */
  subscribedModes(): Map<number, KiteMode> {
    const out = new Map<number, KiteMode>();
    for (const c of this.conns) for (const [t, m] of c.subs) out.set(t, m);
    return out;
  }

  /** The ticker connections (the last 1,000), oldest first: when each opened and closed, when each token was first subscribed. */
  subscriptionLog(): readonly TickerConnectionLog[] {
    return this.log;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribeOrders();
    this.killSockets();
    this.wss.close();
  }

  private silenced(): boolean {
    return this.now() < this.silentUntil;
  }

  private send(c: Conn, data: string | Uint8Array): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    c.ws.send(data, { binary: typeof data !== 'string' });
    c.lastSent = this.now();
  }

  private sendError(c: Conn, message: string): void {
    this.send(c, JSON.stringify({ type: 'error', data: message }));
  }

  private onMessage(c: Conn, data: RawData, isBinary: boolean): void {
    if (isBinary) return this.sendError(c, 'Binary messages are not supported.');
    let msg: unknown;
    try {
      msg = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
    } catch {
      return this.sendError(c, 'Invalid message: not JSON.');
    }
    const m = msg as { a?: unknown; v?: unknown };
    if (m === null || typeof m !== 'object') return this.sendError(c, 'Invalid message.');
    if (m.a === 'subscribe') {
      const tokens = this.tokens(c, m.v);
      if (tokens) this.subscribe(c, tokens, undefined);
    } else if (m.a === 'unsubscribe') {
      const tokens = this.tokens(c, m.v);
      if (tokens) for (const t of tokens) c.subs.delete(t);
    } else if (m.a === 'mode') {
      const v = m.v;
      if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !MODES.includes(v[0])) {
        return this.sendError(c, 'Invalid mode message: expected {"a":"mode","v":["ltp|quote|full",[tokens]]}.');
      }
      const tokens = this.tokens(c, v[1]);
      if (tokens) this.subscribe(c, tokens, v[0] as KiteMode);
    } else {
      this.sendError(c, `Unknown action: ${String(m.a)}.`);
    }
  }

  private tokens(c: Conn, v: unknown): number[] | undefined {
    if (!Array.isArray(v) || !v.every((t) => Number.isSafeInteger(t) && (t as number) > 0)) {
      this.sendError(c, 'Invalid instrument tokens: expected an array of positive integers.');
      return undefined;
    }
    return [...new Set(v as number[])];
  }

  /** Subscribes (or re-modes) tokens within the per-connection limit and sends a snapshot of them. */
  private subscribe(c: Conn, tokens: number[], mode: KiteMode | undefined): void {
    const accepted: number[] = [];
    let refused = 0;
    for (const t of tokens) {
      if (!c.subs.has(t) && c.subs.size >= this.maxTokens) {
        refused++;
        continue;
      }
      c.subs.set(t, mode ?? c.subs.get(t) ?? DEFAULT_MODE);
      if (!c.log.subscribedAt.has(t)) c.log.subscribedAt.set(t, Date.now());
      accepted.push(t);
    }
    if (refused > 0) {
      this.sendError(c, `Maximum ${this.maxTokens} instruments per connection: ${refused} tokens beyond the limit were ignored.`);
    }
    if (!this.silenced()) this.sendTicks(c, accepted);
  }

  private sendTicks(c: Conn, tokens: Iterable<number>): boolean {
    if (c.ws.bufferedAmount > MAX_BUFFERED) return false;
    const ticks: KiteTick[] = [];
    for (const t of tokens) {
      const mode = c.subs.get(t);
      const st = this.o.exchange.states.get(t);
      if (mode && st) ticks.push(this.o.exchange.tickOf(st, mode));
    }
    // u16 packet count per frame: split very large batches.
    for (let i = 0; i < ticks.length; i += 1000) this.send(c, encodeFrame(ticks.slice(i, i + 1000)));
    return ticks.length > 0;
  }

  private flush(): void {
    if (this.silenced()) {
      this.dirty.clear();
      return;
    }
    const now = this.now();
    for (const c of this.conns) {
      const due = [...this.dirty].filter((t) => c.subs.has(t));
      const sent = due.length > 0 && this.sendTicks(c, due);
      if (!sent && now - c.lastSent >= this.heartbeatMs) this.send(c, HEARTBEAT);
    }
    this.dirty.clear();
  }
}
