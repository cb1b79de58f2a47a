/**
 * `serve`'s HTTP and WebSocket edge (issue 15): no token cookie (cookies are not separated by port),
 * the page keeps the token in sessionStorage and sends it as a WebSocket subprotocol; exact Origin
 * comparison; refused requests are logged in a bounded way; the token file goes on close.
 * In-process, against a stub renderer directory (the edge does not care what the page is).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode, PROTOCOL_VERSION } from '../../src-engine/contract/index.js';
import { startServe, WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX, type RunningServe } from '../../src-engine/host/serve.js';
import { tempDataDir } from '../support/serve-process.js';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openWs(port: number, query: string, headers: Record<string, string> = {}, protocols?: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api${query}`, protocols, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function stubRenderer(): string {
  const dir = join(tempDataDir('kitedesk-renderer-'), 'renderer');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>stub</title>\n');
  return dir;
}

describe('serve: the HTTP and WebSocket edge', () => {
  let s: RunningServe;
  let token: string;
  const logs: { level: string; message: string; data?: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    s = await startServe({
      port: 0,
      dataDir: tempDataDir(),
      rendererDir: stubRenderer(),
      log: (level, message, data) => void logs.push({ level, message, ...(data ? { data } : {}) }),
      secretStore: async () => {
        throw new Error('no keychain in this test');
      },
      env: () => ({}),
    });
    token = new URL(s.url).searchParams.get('token')!;
  });
  afterAll(async () => {
    await s?.close();
  });

  it('sets no cookie: the token is not handed to every server on 127.0.0.1', async () => {
    const r = await get(s.port, `/?token=${token}`);
    expect(r.status).toBe(200);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('serves the static page without the token (a reload has none) but never the API', async () => {
    const r = await get(s.port, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    await expect(openWs(s.port, '')).rejects.toThrow('HTTP 401');
  });

  it('a cookie carrying the token authenticates nothing', async () => {
    await expect(openWs(s.port, '', { Cookie: `kd_token_${s.port}=${token}` })).rejects.toThrow('HTTP 401');
  });

  it('accepts the token as a WebSocket subprotocol (the page) and in the query (programmatic clients)', async () => {
    const a = await openWs(s.port, '', { Origin: `http://127.0.0.1:${s.port}` }, [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${token}`]);
    expect(a.protocol).toBe(WS_PROTOCOL); // the token is never echoed back
    a.close();
    const b = await openWs(s.port, `?token=${token}`);
    b.close();
    await expect(openWs(s.port, '', {}, [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${'A'.repeat(43)}`])).rejects.toThrow('HTTP 403');
  });

  it('compares origins exactly: a scheme-less or foreign origin is refused', async () => {
    for (const origin of [`127.0.0.1:${s.port}`, `https://127.0.0.1:${s.port}`, `http://127.0.0.1:${s.port + 1}`, 'http://evil.example', `http://127.0.0.1:${s.port}.evil.example`, 'null']) {
      await expect(openWs(s.port, `?token=${token}`, { Origin: origin }), origin).rejects.toThrow('HTTP 403');
    }
    for (const origin of [`http://127.0.0.1:${s.port}`, `http://localhost:${s.port}`]) {
      const ws = await openWs(s.port, `?token=${token}`, { Origin: origin });
      ws.close();
    }
  });

  it('logs refused requests in a bounded way: a flood gives a few lines and a count, not a line each', async () => {
    const before = logs.filter((l) => /refused/.test(l.message)).length;
    await Promise.all(Array.from({ length: 200 }, () => get(s.port, '/?token=wrong')));
    const lines = logs.filter((l) => /refused/.test(l.message)).length - before;
    expect(lines).toBeLessThan(20);
  });

  it('/kite/login is gone: the login URL comes over the authenticated API, carrying its one-time state', async () => {
    const r = await get(s.port, `/kite/login?token=${token}`);
    expect(r.status).toBe(404);
  });

  it('answers a connection past the cap UNAVAILABLE and closes it', async () => {
    const open: WebSocket[] = [];
    let refused: Record<string, unknown> | undefined;
    for (let i = 0; i < 64 && !refused; i++) {
      // The first frame tells: the answer to our ping, or the refusal sent on accept.
      const first = new Promise<Record<string, unknown> | undefined>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api?token=${token}`);
        open.push(ws);
        ws.once('message', (d) => resolve(JSON.parse(String(d)) as Record<string, unknown>));
        ws.once('close', () => resolve(undefined));
        ws.once('error', reject);
        ws.once('open', () => ws.send(JSON.stringify({ v: PROTOCOL_VERSION, t: 'req', id: 1, m: 'engine.ping', p: { echo: 'x' } })));
      });
      const f = await first;
      if (f && f['t'] === 'err') refused = f;
    }
    expect(refused).toMatchObject({ t: 'err', e: { code: ErrorCode.UNAVAILABLE } });
    expect(open.length).toBeGreaterThan(2);
    for (const ws of open) ws.close();
  });

  it('removes the token file on close, and summarises the refusals it held back', async () => {
    expect(existsSync(s.tokenFile)).toBe(true);
    await s.close();
    expect(existsSync(s.tokenFile)).toBe(false);
    const summary = logs.find((l) => /not logged one by one/.test(l.message));
    expect(summary?.data?.['count']).toBeGreaterThan(150);
  });
});
