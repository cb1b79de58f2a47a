import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import sirv from 'sirv';
import { WebSocketServer } from 'ws';
import { RENDERER_CSP } from '../contract/renderer-policy.js';
import { fromWebSocket } from '../contract/transport.js';
import type { LogFn } from '../runtime/logger.js';
import { bootEngine, type BootedEngine, type BootOptions } from './bootstrap.js';

export interface ServeOptions extends BootOptions {
  /** 0 picks a free port. Always bound to 127.0.0.1. */
  port: number;
  /** The built renderer (index.html + assets). */
  rendererDir: string;
}

export interface RunningServe {
  url: string;
  port: number;
  tokenFile: string;
  booted: BootedEngine;
  close(): Promise<void>;
}

export const TOKEN_FILE = 'serve-token';
/** Largest WebSocket message ws accepts; bigger frames close the socket (the RPC layer's own limit is lower and answers typed). */
const WS_MAX_PAYLOAD = 4 * 1024 * 1024;


function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

type Verdict = { ok: true; via: 'query' | 'cookie' } | { ok: false; status: 401 | 403; why: string };

/**
 * Headless serve: the engine under Node, the built renderer and the WebSocket API on 127.0.0.1
 * only, behind a random token. The token reaches the page once in the URL; the server then sets
 * an HttpOnly cookie so reloads and the WebSocket work without it.
 */
export async function startServe(opts: ServeOptions): Promise<RunningServe> {
  const log: LogFn = opts.log;
  if (!existsSync(join(opts.rendererDir, 'index.html'))) {
    throw new Error(`the renderer is not built: ${join(opts.rendererDir, 'index.html')} is missing (run npm run build)`);
  }
  const booted = bootEngine(opts);
  const token = randomBytes(32).toString('base64url');
  const tokenFile = join(opts.dataDir, TOKEN_FILE);
  writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  chmodSync(tokenFile, 0o600); // an older file keeps its mode on overwrite

  let port = opts.port;
  const cookieName = () => `kd_token_${port}`;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const check = (req: IncomingMessage): Verdict => {
    // DNS-rebinding guard: a page on another name resolving to 127.0.0.1 is refused.
    if (!allowedHosts().has(req.headers.host ?? '')) return { ok: false, status: 403, why: 'host not allowed' };
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const q = url.searchParams.get('token');
    if (q !== null) return safeEqual(q, token) ? { ok: true, via: 'query' } : { ok: false, status: 403, why: 'wrong token' };
    const c = cookieValue(req.headers.cookie, cookieName());
    if (c !== undefined) return safeEqual(c, token) ? { ok: true, via: 'cookie' } : { ok: false, status: 403, why: 'wrong token' };
    return { ok: false, status: 401, why: 'token required' };
  };

  const assets = sirv(opts.rendererDir, { dev: false, etag: true, gzip: false, brotli: false, dotfiles: false });

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const v = check(req);
    if (!v.ok) {
      log('warn', 'http request refused', { status: v.status, why: v.why, path: (req.url ?? '').split('?')[0] });
      res.writeHead(v.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(v.status === 401 ? 'Unauthorized: open the URL that `kitedesk serve` printed (it carries the token).\n' : 'Forbidden\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (v.via === 'query') {
      res.setHeader('Set-Cookie', `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    res.setHeader('Content-Security-Policy', RENDERER_CSP);
    res.setHeader('Cache-Control', 'no-store');
    assets(req, res, () => {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
    });
  };

  const http = createServer(onRequest);
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });
  const refuse = (socket: Duplex, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/api') return refuse(socket, 404, 'Not Found');
    const v = check(req);
    if (!v.ok) {
      log('warn', 'websocket refused', { status: v.status, why: v.why });
      return refuse(socket, v.status, v.status === 401 ? 'Unauthorized' : 'Forbidden');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts().has(origin.replace(/^http:\/\//, ''))) {
      log('warn', 'websocket refused', { status: 403, why: 'origin not allowed' });
      return refuse(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const t = fromWebSocket(ws);
      booted.accept(t);
      log('info', 'client connected', { connections: booted.server.connectionCount });
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

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    tokenFile,
    booted,
    close() {
      closing ??= new Promise<void>((resolve) => {
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
