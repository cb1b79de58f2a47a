import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode, PROTOCOL_VERSION, RpcClient, RpcError, fromWebSocket, kiteDeskApi, type Candle } from '../../src-engine/contract/index.js';
import { ensureBuilt, repoRoot, startServeProcess, tempDataDir, type ServeProcess } from '../support/serve-process.js';

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

function openWs(port: number, query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function client(s: ServeProcess): Promise<{ c: RpcClient<typeof kiteDeskApi>; ws: WebSocket }> {
  const ws = await openWs(s.port, `?token=${s.token}`);
  const c = new RpcClient(kiteDeskApi, { timeoutMs: 5000 });
  c.attach(fromWebSocket(ws));
  return { c, ws };
}

const until = async (cond: () => boolean, what: string, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('kitedesk serve (the built CLI, a real process)', () => {
  let s: ServeProcess;
  let dataDir: string;

  beforeAll(async () => {
    ensureBuilt();
    dataDir = tempDataDir();
    s = await startServeProcess(['--data-dir', dataDir, '--sim-speed', '120', '--sim-start', '2026-11-20T09:15:00+05:30']);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('prints exactly one line, the URL with a strong token, on 127.0.0.1', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.stdoutLines).toEqual([s.url]);
  });

  it('stores the token 0600 in the data dir, next to the database and the log, and never logs it', () => {
    const tokenFile = join(dataDir, 'serve-token');
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(s.token);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dataDir, 'kitedesk.sqlite'))).toBe(true);
    const log = readFileSync(join(dataDir, 'logs', 'engine.log'), 'utf8');
    expect(log).toContain('serve listening');
    expect(log).not.toContain(s.token);
  });

  it('creates every file and folder in the data dir for the user only (umask 077), whatever the shell umask', () => {
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => [join(dir, e.name), ...(e.isDirectory() ? walk(join(dir, e.name)) : [])]);
    const entries = walk(dataDir);
    expect(entries.some((f) => f.endsWith('kitedesk.sqlite'))).toBe(true);
    for (const f of entries) expect(`${f} ${(statSync(f).mode & 0o077).toString(8)}`).toBe(`${f} 0`);
  });

  it('serves the public page without the token, refuses a wrong one (403), and the API without one (401)', async () => {
    expect((await get(s.port, '/')).status).toBe(200);
    const wrong = await get(s.port, '/?token=' + 'A'.repeat(43));
    expect(wrong.status).toBe(403);
    expect(wrong.body).not.toContain('<script');
    expect((await get(s.port, '/api')).status).toBe(404); // the API is WebSocket only
  });

  it('refuses a foreign Host header even with the token (DNS rebinding)', async () => {
    const r = await get(s.port, `/?token=${s.token}`, { Host: `evil.example:${s.port}` });
    expect(r.status).toBe(403);
  });

  it('serves the app with the token, under a strict CSP, and sets no cookie (cookies are not separated by port)', async () => {
    const r = await get(s.port, `/?token=${s.token}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<div id="root"');
    expect(String(r.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('refuses the WebSocket API without the token, with a wrong one, or from a foreign origin', async () => {
    await expect(openWs(s.port, '')).rejects.toThrow('HTTP 401');
    await expect(openWs(s.port, '?token=wrong')).rejects.toThrow('HTTP 403');
    await expect(openWs(s.port, `?token=${s.token}`, { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
  });

  it('listens on loopback only', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!external) return; // no non-loopback interface on this machine: nothing to probe
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const sock = connect({ host: external.address, port: s.port });
      sock.once('connect', () => {
        sock.destroy();
        resolve(undefined);
      });
      sock.once('error', (e) => resolve(e));
    });
    expect(err?.code).toBe('ECONNREFUSED');
  });

  it('answers status and streams live 1-minute candles from the simulator', async () => {
    const { c, ws } = await client(s);
    const st = await c.call('engine.getStatus', {});
    const listed = await c.call('instruments.list', {});
    expect(listed.filter((i) => (i.kind ?? 'EQ') === 'EQ')).toHaveLength(50); // the NIFTY 50; then indices, futures, options
    expect(st).toMatchObject({ state: 'running', mode: 'paper', feed: 'simulator', protocol: PROTOCOL_VERSION, instruments: listed.length });
    let candles: Candle[] = [];
    c.subscribe('candles.updated', { symbol: 'RELIANCE', tf: '1m', limit: 500 }, {
      snapshot: (snap) => (candles = [...snap]),
      delta: (d) => {
        if (candles.length && candles[candles.length - 1]!.t === d.t) candles[candles.length - 1] = d;
        else candles.push(d);
      },
    });
    await until(() => candles.length >= 1, 'first candle');
    const first = candles.length;
    await until(() => candles.length >= first + 2, 'new candles at 120x speed', 15_000);
    for (const k of candles) {
      expect(k.t % 60_000).toBe(0);
      expect(k.l).toBeLessThanOrEqual(Math.min(k.o, k.c));
      expect(k.h).toBeGreaterThanOrEqual(Math.max(k.o, k.c));
      expect(k.o % 5).toBe(0);
    }
    const st2 = await c.call('engine.getStatus', {});
    expect(st2.totalTicks).toBeGreaterThan(st.totalTicks);
    // Every timeframe is served; 60m bars start at 09:15 + k hours IST, day bars at 00:00 IST.
    const IST = 19_800_000;
    const hourly = await c.call('candles.get', { symbol: 'RELIANCE', tf: '60m', limit: 50 });
    expect(hourly.length).toBeGreaterThan(0);
    for (const k of hourly) expect([k.tf, (k.t + IST - 555 * 60_000) % 3_600_000]).toEqual(['60m', 0]);
    const daily = await c.call('candles.get', { symbol: 'RELIANCE', tf: 'day', limit: 5 });
    expect(daily.length).toBeGreaterThan(0);
    for (const k of daily) expect([k.tf, (k.t + IST) % 86_400_000]).toEqual(['day', 0]);
    ws.close();
  });

  it('answers bad input on the real socket with typed errors and stays up', async () => {
    const ws = await openWs(s.port, `?token=${s.token}`);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    const sendAndWait = async (text: string) => {
      const n = frames.length;
      ws.send(text);
      await until(() => frames.length > n, 'reply');
      return frames[n]!;
    };
    expect(await sendAndWait('{oops')).toMatchObject({ t: 'err', e: { code: ErrorCode.BAD_FRAME } });
    expect(await sendAndWait(JSON.stringify({ v: PROTOCOL_VERSION, t: 'req', id: 1, m: 'orders.vanish', p: {} }))).toMatchObject({
      id: 1,
      e: { code: ErrorCode.UNKNOWN_METHOD },
    });
    expect(await sendAndWait(JSON.stringify({ v: 0, t: 'req', id: 2, m: 'engine.getStatus', p: {} }))).toMatchObject({
      id: 2,
      e: { code: ErrorCode.PROTOCOL_VERSION },
    });
    expect(await sendAndWait(JSON.stringify({ v: PROTOCOL_VERSION, t: 'req', id: 3, m: 'candles.get', p: { symbol: 'reliance; drop table', limit: 1e9 } }))).toMatchObject({
      id: 3,
      e: { code: ErrorCode.INVALID_INPUT },
    });
    const big = JSON.stringify({ v: PROTOCOL_VERSION, t: 'req', id: 4, m: 'engine.ping', p: { echo: 'x'.repeat(300_000) } });
    expect(await sendAndWait(big)).toMatchObject({ id: 4, e: { code: ErrorCode.FRAME_TOO_LARGE } });
    expect(await sendAndWait(JSON.stringify({ v: PROTOCOL_VERSION, t: 'req', id: 5, m: 'engine.ping', p: { echo: 'alive' } }))).toMatchObject({
      id: 5,
      ok: true,
      r: { echo: 'alive' },
    });
    // Past the socket's own ceiling the socket is closed (1009), but the engine is untouched.
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(5 * 1024 * 1024));
    expect(await closed).toBe(1009);
    const { c, ws: ws2 } = await client(s);
    expect((await c.call('engine.getStatus', {})).state).toBe('running');
    ws2.close();
  });

  it('refuses an unknown symbol in the watchlist with NOT_FOUND and keeps the old one', async () => {
    const { c, ws } = await client(s);
    const before = await c.call('watchlist.get', {});
    const e = await c.call('watchlist.set', { symbols: ['RELIANCE', 'NOPE'] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RpcError);
    expect((e as RpcError).code).toBe(ErrorCode.NOT_FOUND);
    expect((e as RpcError).message).toContain('NOPE');
    expect(await c.call('watchlist.get', {})).toEqual(before);
    ws.close();
  });

  it('keeps the watchlist in SQLite across a restart', async () => {
    const { c, ws } = await client(s);
    await c.call('watchlist.set', { symbols: ['TCS', 'M&M', 'BAJAJ-AUTO'] });
    ws.close();
    expect(await s.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'serve-token')), 'the token file is removed on exit').toBe(false);
    s = await startServeProcess(['--data-dir', dataDir, '--sim-speed', '120']);
    const again = await client(s);
    expect(await again.c.call('watchlist.get', {})).toEqual({ symbols: ['TCS', 'M&M', 'BAJAJ-AUTO'] });
    again.ws.close();
  });
});

describe('kitedesk CLI', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'dist/engine/cli.js'), ...args], { encoding: 'utf8', timeout: 20_000 });

  beforeAll(() => ensureBuilt());

  it.each([[[]], [['serve']], [['check-config']], [['data-dir']]])('has --help for %j', (sub) => {
    const r = cli([...sub, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: kitedesk');
    if (sub[0] === 'serve') expect(r.stdout).toContain('--data-dir');
  });

  it('rejects a bad run profile naming the file and the key, without a stack', () => {
    const dir = tempDataDir();
    const bad = join(dir, 'bad.yaml');
    spawnSync('sh', ['-c', `printf 'mode: paper\\nfeed:\\n  speed: -3\\nwatchlist: [reliance]\\nbogus: 1\\n' > ${bad}`]);
    const r = cli(['check-config', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toContain('feed.speed');
    expect(r.stderr).toContain('watchlist.0');
    expect(r.stderr).toContain('bogus');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects broken YAML with the line number', () => {
    const dir = tempDataDir();
    const bad = join(dir, 'broken.yaml');
    spawnSync('sh', ['-c', `printf 'mode: paper\\nfeed: [unclosed\\n' > ${bad}`]);
    const r = cli(['check-config', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/line \d+/);
  });

  it('accepts the shipped paper profile', () => {
    const r = cli(['check-config', join(repoRoot, 'configs/paper.yaml')]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'paper', feed: { kind: 'simulator' } });
  });

  it('refuses to serve on a port that is taken, with a clear message', async () => {
    const dir = tempDataDir();
    const first = await startServeProcess(['--data-dir', dir]);
    try {
      const r = spawnSync(process.execPath, [join(repoRoot, 'dist/engine/cli.js'), 'serve', '--port', String(first.port), '--data-dir', tempDataDir()], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`port ${first.port}`);
    } finally {
      await first.stop();
    }
  });
});
