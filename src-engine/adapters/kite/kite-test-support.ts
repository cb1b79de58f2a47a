/**
 * Test fakes for the Kite client (tests only): a node:http REST fake and a `ws` ticker fake that speak
 * just enough of Kite's protocol. Not used by production code.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  body: string;
  headers: IncomingMessage['headers'];
}

export interface FakeReply {
  status?: number;
  /** object → JSON (application/json); string → sent as is */
  body?: unknown;
  contentType?: string;
  /** wait before answering */
  delayMs?: number;
  /** destroy the socket without answering */
  hangUp?: boolean;
}

export type FakeHandler = (req: FakeRequest) => FakeReply | undefined;

export interface FakeRest {
  url: string;
  requests: FakeRequest[];
  /** handlers tried newest first; the first one returning a reply wins */
  handle(h: FakeHandler): void;
  close(): Promise<void>;
}

export const ok = (data: unknown): FakeReply => ({ status: 200, body: { status: 'success', data } });
export const kiteErr = (status: number, error_type: string, message: string): FakeReply => ({ status, body: { status: 'error', message, error_type, data: null } });

export async function startFakeRest(): Promise<FakeRest> {
  const handlers: FakeHandler[] = [];
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const r: FakeRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, form: new URLSearchParams(body), body, headers: req.headers };
      requests.push(r);
      let reply: FakeReply | undefined;
      for (let i = handlers.length - 1; i >= 0 && !reply; i--) reply = handlers[i]!(r);
      reply ??= kiteErr(404, 'GeneralException', `no fake route for ${r.method} ${r.path}`);
      const send = () => {
        if (reply.hangUp) {
          req.socket.destroy();
          return;
        }
        const isObj = typeof reply.body === 'object' && reply.body !== null;
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? (isObj ? 'application/json' : 'text/plain') });
        res.end(isObj ? JSON.stringify(reply.body) : String(reply.body ?? ''));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (h) => void handlers.push(h),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// -------------------------------------------------------------------------------------------------
// Ticker fake

export interface FakeTickerConn {
  ws: WebSocket;
  url: URL;
  /** parsed JSON text frames received from the client */
  received: { a: string; v: unknown }[];
  /** token → mode, as the client asked (subscribe without mode = 'quote', Kite's documented default is unclear) */
  modes: Map<number, string>;
}

export interface FakeTicker {
  url: string;
  port: number;
  conns: FakeTickerConn[];
  /** status to answer the next upgrades with (e.g. 403); undefined = accept */
  rejectWith: number | undefined;
  upgradeAttempts: number;
  onConnection(fn: (c: FakeTickerConn) => void): void;
  open(): FakeTickerConn[];
  /** kill every open socket from the server side (no close frame) */
  killAll(): void;
  close(): Promise<void>;
}

export async function startFakeTicker(): Promise<FakeTicker> {
  const { createServer: mk } = await import('node:http');
  const http = mk();
  const wss = new WebSocketServer({ noServer: true });
  const conns: FakeTickerConn[] = [];
  const listeners: ((c: FakeTickerConn) => void)[] = [];
  const fake: FakeTicker = {
    url: '',
    port: 0,
    conns,
    rejectWith: undefined,
    upgradeAttempts: 0,
    onConnection: (fn) => void listeners.push(fn),
    open: () => conns.filter((c) => c.ws.readyState === c.ws.OPEN),
    killAll: () => {
      for (const c of conns) if (c.ws.readyState === c.ws.OPEN) c.ws.terminate();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of conns) c.ws.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => r());
      }),
  };
  http.on('upgrade', (req, socket, head) => {
    fake.upgradeAttempts++;
    if (fake.rejectWith !== undefined) {
      socket.write(`HTTP/1.1 ${fake.rejectWith} Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: FakeTickerConn = { ws, url: new URL(req.url ?? '/', 'ws://x'), received: [], modes: new Map() };
      conns.push(c);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        try {
          const m = JSON.parse(String(data)) as { a: string; v: unknown };
          c.received.push(m);
          if (m.a === 'subscribe') for (const t of m.v as number[]) if (!c.modes.has(t)) c.modes.set(t, 'quote');
          if (m.a === 'unsubscribe') for (const t of m.v as number[]) c.modes.delete(t);
          if (m.a === 'mode') {
            const [mode, toks] = m.v as [string, number[]];
            for (const t of toks) if (c.modes.has(t)) c.modes.set(t, mode);
          }
        } catch {
          // ignore
        }
      });
      for (const fn of listeners) fn(c);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  fake.port = (http.address() as AddressInfo).port;
  fake.url = `ws://127.0.0.1:${fake.port}/`;
  return fake;
}

/** Polls `cond` every 5 ms (real time) until it holds or `timeoutMs` passes. */
export async function until(cond: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// -------------------------------------------------------------------------------------------------
// Manual timers + clock (inject into KiteTickerPool; global timers stay real so `ws` I/O works)

export class ManualTimers {
  now: number;
  private seq = 0;
  private readonly tasks = new Map<number, { at: number; fn: () => void; every?: number }>();

  constructor(start: number) {
    this.now = start;
  }

  readonly clock = { now: () => this.now };

  readonly timers = {
    setTimeout: (fn: () => void, ms: number): unknown => this.add(fn, ms),
    clearTimeout: (h: unknown): void => void this.tasks.delete(h as number),
    setInterval: (fn: () => void, ms: number): unknown => this.add(fn, ms, Math.max(1, ms)),
    clearInterval: (h: unknown): void => void this.tasks.delete(h as number),
  };

  private add(fn: () => void, ms: number, every?: number): number {
    const id = ++this.seq;
    this.tasks.set(id, { at: this.now + Math.max(0, ms), fn, ...(every ? { every } : {}) });
    return id;
  }

  /** Pending timers (intervals count once). */
  pending(): number {
    return this.tasks.size;
  }

  /** Delays of the pending one-shot timers, relative to now. */
  pendingDelays(): number[] {
    return [...this.tasks.values()].filter((t) => t.every === undefined).map((t) => t.at - this.now);
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let nextId = -1;
      let next: { at: number; fn: () => void; every?: number } | undefined;
      for (const [id, t] of this.tasks) if (t.at <= end && (!next || t.at < next.at)) [nextId, next] = [id, t];
      if (!next) break;
      this.now = Math.max(this.now, next.at);
      if (next.every) next.at += next.every;
      else this.tasks.delete(nextId);
      next.fn();
    }
    this.now = end;
  }
}
