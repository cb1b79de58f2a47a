import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import sirv from 'sirv';
import { WebSocketServer } from 'ws';
import { RENDERER_CSP, WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '../contract/renderer-policy.js';
import { fromWebSocket } from '../contract/transport.js';
import type { LogFn } from '../runtime/logger.js';
import type { KiteEnv, KiteSecretStore } from '../contract/kite-credentials.js';
import { KiteSessionManager } from '../runtime/kite-session.js';
import { bootEngine, type BootedEngine, type BootOptions } from './bootstrap.js';
import { openHostKeychain } from './keychain.js';
import { ServeKite } from './kite-serve.js';
import { RefusalLog } from './refusal-log.js';
import { registerSecret } from '../adapters/kite/errors.js';

export interface ServeOptions extends BootOptions {
  /** 0 picks a free port. Always bound to 127.0.0.1. */
  port: number;
  /** The built renderer (index.html + assets). */
  rendererDir: string;
  /** The keychain for Kite settings and the day's session (tests inject one); default the OS keychain through keytar. */
  secretStore?: () => Promise<KiteSecretStore>;
  /** Environment overrides (KITEDESK_KITE_*); default process.env, read on every use. */
  env?: () => KiteEnv;
}

export interface RunningServe {
  url: string;
  port: number;
  tokenFile: string;
  booted: BootedEngine;
  /** Kite settings and the browser login (this process owns the keychain). */
  kite: ServeKite;
  close(): Promise<void>;
}

export const TOKEN_FILE = 'serve-token';
export { WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX };
/** Largest WebSocket message ws accepts; bigger frames close the socket (the RPC layer's own limit is lower and answers typed). */
const WS_MAX_PAYLOAD = 4 * 1024 * 1024;


function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const escapeHtml = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page of our own (the login's landing): no script; on success it moves on to the app by itself. */
function landingPage(title: string, message: string, refresh: boolean): string {
  return `<!doctype html><html><head><meta charset="utf-8">${refresh ? '<meta http-equiv="refresh" content="0;url=/">' : ''}<title>${escapeHtml(title)}</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/">Back to KiteDesk</a></p></body></html>\n`;
}
/** A backtest report page: its own inline styles and data: images, nothing else; sandboxed (no script, opaque origin). */
const BACKTEST_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox";
const LANDING_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

type Verdict = { ok: true } | { ok: false; status: 401 | 403; why: string };

/** The token offered as a WebSocket subprotocol, if any. */
function protocolToken(header: string | undefined): string | undefined {
  for (const p of (header ?? '').split(',')) {
    const t = p.trim();
    if (t.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return t.slice(WS_TOKEN_PROTOCOL_PREFIX.length);
  }
  return undefined;
}

/**
 * Headless serve: the engine under Node, the built renderer and the WebSocket API on 127.0.0.1
 * only. The page itself is the public build (no data, no secret) and loads without a token; the API
 * needs the random token. It reaches the page once in the URL; the page keeps it in sessionStorage
 * (per origin, so per port, and per tab) and offers it as a WebSocket subprotocol. No cookie: cookies
 * are not separated by port, so any other server on 127.0.0.1 the browser visits would receive it.
 * Programmatic clients may send it in the query: ws://127.0.0.1:P/api?token=….
 */
export async function startServe(opts: ServeOptions): Promise<RunningServe> {
  const log: LogFn = opts.log;
  if (!existsSync(join(opts.rendererDir, 'index.html'))) {
    throw new Error(`the renderer is not built: ${join(opts.rendererDir, 'index.html')} is missing (run npm run build)`);
  }
  const kiteSession = opts.kite ?? new KiteSessionManager({ log });
  let keychain: Promise<KiteSecretStore> | undefined;
  // Opened on first use; a failure is not kept, so a keyring unlocked later is picked up.
  const secretStore =
    opts.secretStore ??
    (() =>
      (keychain ??= openHostKeychain().catch((e: unknown) => {
        keychain = undefined;
        throw e;
      })));
  let kite!: ServeKite;
  const booted = bootEngine({
    ...opts,
    kite: kiteSession,
    kiteHost: (k) =>
      (kite = new ServeKite({
        kite: k,
        store: secretStore,
        ...(opts.env ? { env: opts.env } : {}),
        callbackUrl: () => `http://127.0.0.1:${port}/kite/callback`,
        log,
      })),
  });
  const token = randomBytes(32).toString('base64url');
  registerSecret(token); // masked in every log line and error message
  const tokenFile = join(opts.dataDir, TOKEN_FILE);
  writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  chmodSync(tokenFile, 0o600); // an older file keeps its mode on overwrite

  let port = opts.port;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  /** Exact origins: scheme, host and port (a prefix strip would let `Origin: 127.0.0.1:P` through). */
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const refusals = new RefusalLog(log);

  /** The Host guard (DNS rebinding: a page on another name resolving to 127.0.0.1 is refused), then the token if one is needed. */
  const check = (req: IncomingMessage, needToken: boolean): Verdict => {
    if (!allowedHosts().has(req.headers.host ?? '')) return { ok: false, status: 403, why: 'host not allowed' };
    const q = new URL(req.url ?? '/', `http://127.0.0.1:${port}`).searchParams.get('token');
    const presented = q ?? protocolToken(req.headers['sec-websocket-protocol']);
    if (presented !== undefined && presented !== null) return safeEqual(presented, token) ? { ok: true } : { ok: false, status: 403, why: 'wrong token' };
    return needToken ? { ok: false, status: 401, why: 'token required' } : { ok: true };
  };

  const assets = sirv(opts.rendererDir, { dev: false, etag: true, gzip: false, brotli: false, dotfiles: false });

  const sendPage = (res: ServerResponse, status: number, title: string, message: string, refresh = false) => {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': LANDING_CSP });
    res.end(landingPage(title, message, refresh));
  };

  /** Kite's redirect back: authenticated by its one-time state (a cross-site redirect carries no SameSite=Strict cookie). */
  const onKiteCallback = (req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Forbidden\n');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET' }).end();
      return;
    }
    const q = new URL(req.url ?? '/', `http://127.0.0.1:${port}`).searchParams;
    kite.callback(q).then(
      (r) => {
        if (r.ok) {
          log('info', 'kite login completed in the browser', { user: r.userId });
          sendPage(res, 200, 'Logged in to Kite', `Logged in as ${r.userId}. Returning to KiteDesk…`, true);
        } else {
          log('warn', 'kite login failed in the browser', { status: r.status, message: r.message });
          sendPage(res, r.status, 'Kite login failed', r.message);
        }
      },
      () => sendPage(res, 500, 'Kite login failed', 'The login could not be completed; see the engine log.'),
    );
  };

  /**
   * A backtest's report.html (`backtest.reportLink`): authenticated by a one-time ticket of that report
   * (60 s), not the serve token, so the token never lands in a tab's URL or history. The report has no
   * script; its CSP allows only its inline styles and data: images, and sandboxes it.
   */
  booted.backtests.enableHttpReports();
  const onBacktestReport = (req: IncomingMessage, res: ServerResponse, id: string) => {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Forbidden\n');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET' }).end();
      return;
    }
    const ticket = new URL(req.url ?? '/', `http://127.0.0.1:${port}`).searchParams.get('ticket') ?? '';
    const html = booted.backtests.reportHtmlForTicket(id, ticket);
    if (html === null) {
      refusals.note('http request refused', { status: 403, why: 'backtest report ticket not valid', path: `/backtests/${id}/report.html` });
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('Forbidden: open the report again from the Backtest tab (a link works once, for a minute).\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': BACKTEST_REPORT_CSP });
    res.end(html);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/kite/callback') return onKiteCallback(req, res);
    const report = /^\/backtests\/(bt-[a-z0-9-]{4,40})\/report\.html$/.exec(path);
    if (report) return onBacktestReport(req, res, report[1]!);
    const v = check(req, false);
    if (!v.ok) {
      refusals.note('http request refused', { status: v.status, why: v.why, path: path.slice(0, 100) });
      res.writeHead(v.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(v.status === 401 ? 'Unauthorized: open the URL that `kitedesk serve` printed (it carries the token).\n' : 'Forbidden\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    res.setHeader('Content-Security-Policy', RENDERER_CSP);
    res.setHeader('Cache-Control', 'no-store');
    assets(req, res, () => {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
    });
  };

  const http = createServer(onRequest);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: WS_MAX_PAYLOAD,
    // Select our protocol only; the token protocol is never echoed back.
    handleProtocols: (offered) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const refuse = (socket: Duplex, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/api') return refuse(socket, 404, 'Not Found');
    const v = check(req, true);
    if (!v.ok) {
      refusals.note('websocket refused', { status: v.status, why: v.why });
      return refuse(socket, v.status, v.status === 401 ? 'Unauthorized' : 'Forbidden');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) {
      refusals.note('websocket refused', { status: 403, why: 'origin not allowed' });
      return refuse(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const t = fromWebSocket(ws);
      // Past the connection cap the engine answers UNAVAILABLE and closes (rpc-server.ts).
      if (booted.accept(t)) log('info', 'client connected', { connections: booted.server.connectionCount });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  }).catch((e: NodeJS.ErrnoException) => {
    booted.shutdown();
    throw e.code === 'EADDRINUSE' ? new Error(`port ${opts.port} on 127.0.0.1 is already in use; pick another with --port`) : e;
  });
  port = (http.address() as AddressInfo).port;
  log('info', 'serve listening', { port });
  // Today's Kite session from the keychain, if one is stored (quietly nothing without a keychain).
  void kite.restore().then((ok) => ok && log('info', 'kite session restored from the keychain'));

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    tokenFile,
    booted,
    kite,
    close() {
      closing ??= new Promise<void>((resolve) => {
        refusals.flush();
        rmSync(tokenFile, { force: true }); // a stale token file only invites guessing which server it opens
        for (const c of wss.clients) c.terminate();
        wss.close();
        booted.shutdown();
        http.closeAllConnections();
        http.close(() => resolve());
      });
      return closing;
    },
  };
}
