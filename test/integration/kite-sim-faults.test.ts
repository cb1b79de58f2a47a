/**
 * The Kite simulator's protocol edges with raw HTTP and `ws` clients: envelope and error mapping,
 * the 429 order limiter, ticker auth and limits, heartbeats, and the fault controls.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiteChecksum } from '../../src-engine/kite-sim/auth.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { simSessionStart } from '../support/sim-session.js';

const KEY = 'k1';
const SECRET = 's1';

describe('Kite simulator: envelope, limits and fault controls', () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;
  let token: string;
  const sockets: WebSocket[] = [];

  const call = async (method: string, path: string, body?: Record<string, string>, auth = true) => {
    const res = await fetch(`${r.url}${path}`, {
      method,
      headers: {
        'X-Kite-Version': '3',
        ...(auth ? { Authorization: `token ${KEY}:${token}` } : {}),
        ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body: new URLSearchParams(body).toString() } : {}),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), body: res.headers.get('content-type') === 'application/json' ? JSON.parse(text) : text };
  };

  const login = async () => {
    const res = await fetch(`${r.url}/connect/login?api_key=${KEY}&v=3`, { redirect: 'manual' });
    const rt = new URL(res.headers.get('location')!).searchParams.get('request_token')!;
    const s = await call('POST', '/session/token', { api_key: KEY, request_token: rt, checksum: kiteChecksum(KEY, rt, SECRET) }, false);
    expect(s.status).toBe(200);
    return s.body.data.access_token as string;
  };

  const open = (t = token) =>
    new Promise<{ ws: WebSocket; frames: (Buffer | string)[] }>((resolve, reject) => {
      const ws = new WebSocket(`${r.wsUrl}?api_key=${KEY}&access_token=${t}&uid=1`);
      sockets.push(ws);
      const frames: (Buffer | string)[] = [];
      ws.on('message', (d, isBinary) => frames.push(isBinary ? (d as Buffer) : d.toString()));
      ws.once('open', () => resolve({ ws, frames }));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  const closeAll = async () => {
    await Promise.all(
      sockets.splice(0).map(
        (ws) => new Promise<void>((res) => (ws.readyState === ws.CLOSED ? res() : (ws.once('close', () => res()), ws.terminate()))),
      ),
    );
    await new Promise((res) => setTimeout(res, 50));
  };
  const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

  beforeAll(async () => {
    r = await sim.start({ port: 0, apiKey: KEY, apiSecret: SECRET, redirectUrl: 'http://127.0.0.1:1/cb?x=1', flushIntervalMs: 100, startTime: simSessionStart() });
    token = await login();
  });
  afterAll(async () => {
    await closeAll();
    await r?.close();
  });

  it('login redirect goes to the configured URL; a wrong checksum is a 403 TokenException envelope', async () => {
    const res = await fetch(`${r.url}/connect/login?api_key=${KEY}&v=3&redirect_params=${encodeURIComponent('state=abc')}`, { redirect: 'manual' });
    const loc = new URL(res.headers.get('location')!);
    expect(loc.origin + loc.pathname).toBe('http://127.0.0.1:1/cb');
    expect(Object.fromEntries(loc.searchParams)).toMatchObject({ x: '1', state: 'abc', status: 'success', action: 'login' });
    const bad = await call('POST', '/session/token', { api_key: KEY, request_token: loc.searchParams.get('request_token')!, checksum: 'f'.repeat(64) }, false);
    expect(bad).toMatchObject({ status: 403, type: 'application/json', body: { status: 'error', data: null, error_type: 'TokenException' } });
    const badKey = await fetch(`${r.url}/connect/login?api_key=nope&v=3`, { redirect: 'manual' });
    expect(badKey.status).toBe(400);
  });

  it('envelope and error mapping: 403 bad token, 400 bad input, 404 unknown route, JSON content type, CSV exactly text/csv', async () => {
    const ok = await call('GET', '/user/profile');
    expect(ok).toMatchObject({ status: 200, type: 'application/json', body: { status: 'success' } });
    const saved = token;
    token = 'bogus';
    expect(await call('GET', '/orders')).toMatchObject({ status: 403, body: { status: 'error', error_type: 'TokenException', data: null } });
    token = saved;
    expect(await call('GET', '/orders', undefined, false)).toMatchObject({ status: 403, body: { error_type: 'TokenException' } });
    expect(await call('POST', '/orders/regular', { exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', order_type: 'LIMIT', quantity: 'x', product: 'MIS', price: '1' })).toMatchObject({
      status: 400,
      body: { status: 'error', error_type: 'InputException', data: null, message: expect.any(String) },
    });
    expect(await call('GET', '/nope')).toMatchObject({ status: 404, body: { status: 'error', error_type: 'GeneralException' } });
    expect(await call('GET', '/orders/999')).toMatchObject({ status: 400, body: { error_type: 'InputException' } });
    expect(await call('GET', '/user/margins/forex')).toMatchObject({ status: 400, body: { error_type: 'InputException' } });
    const csv = await call('GET', '/instruments/NSE');
    expect(csv.type).toBe('text/csv');
    expect((csv.body as string).split('\r\n')[0]).toBe('instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange');
    expect(await call('GET', '/instruments/XYZ')).toMatchObject({ status: 400, body: { error_type: 'InputException' } });
    const hist = await call('GET', `/instruments/historical/${sim.instruments[0]!.token}/5minute?from=2026-01-05+09:15:00&to=2026-01-05+10:15:00`);
    expect(hist.status).toBe(200);
    expect(hist.body.data.candles).toHaveLength(13); // 09:15 … 10:15: `to` is inclusive
    expect(hist.body.data.candles[0][0]).toBe('2026-01-05T09:15:00+0530');
    expect(await call('GET', `/instruments/historical/${sim.instruments[0]!.token}/minute?from=2025-01-01&to=2025-06-01`)).toMatchObject({
      status: 400,
      body: { message: 'interval exceeds max limit: 60 days' },
    });
  });

  it('429 NetworkException beyond 10 order requests per second', async () => {
    await sleep(1100);
    // 10 % under the market: inside the circuit band, so only the rate limit can refuse it
    const price = (Math.floor((sim.exchange.lookupSymbol('NSE', 'ITC')!.lastPaise * 0.9) / 5) * 5 / 100).toFixed(2);
    const place = () =>
      call('POST', '/orders/regular', { exchange: 'NSE', tradingsymbol: 'ITC', transaction_type: 'BUY', order_type: 'LIMIT', quantity: '1', product: 'MIS', price });
    const results = await Promise.all(Array.from({ length: 12 }, place));
    const statuses = results.map((x) => x.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    const limited = results.filter((x) => x.status === 429);
    expect(limited).toHaveLength(2);
    expect(limited[0]!.body).toMatchObject({ status: 'error', error_type: 'NetworkException', message: 'Too many requests', data: null });
    await sleep(1100);
    expect((await place()).status).toBe(200);
  });

  it('failNext(n, status) answers the next n calls with the envelope, then recovers', async () => {
    sim.failNext(2);
    expect(await call('GET', '/user/profile')).toMatchObject({ status: 503, body: { status: 'error', error_type: 'NetworkException', data: null } });
    expect((await call('GET', '/user/profile')).status).toBe(503);
    expect((await call('GET', '/user/profile')).status).toBe(200);
    sim.failNext(1, 500);
    expect(await call('GET', '/orders')).toMatchObject({ status: 500, body: { error_type: 'GeneralException' } });
  });

  it('dropReplies(n): the order is placed at the exchange but its reply never comes; refusals answer as usual and do not count', async () => {
    await sleep(1100); // a fresh second of the order rate limit
    const price = (Math.floor((sim.exchange.lookupSymbol('NSE', 'ITC')!.lastPaise * 0.9) / 5) * 5 / 100).toFixed(2);
    const place = (tag: string, quantity = '1') =>
      call('POST', '/orders/regular', { exchange: 'NSE', tradingsymbol: 'ITC', transaction_type: 'BUY', order_type: 'LIMIT', quantity, product: 'MIS', price, tag });
    const before = sim.droppedReplies().dropped;
    sim.dropReplies(1);
    expect(sim.droppedReplies().armed).toBe(1);
    // a refused placement answers (400) and leaves the fault armed
    expect((await place('dropRefused', 'x')).status).toBe(400);
    expect(sim.droppedReplies().armed).toBe(1);
    // an accepted one: no status, no body — the connection is reset
    const lost = await place('dropLost1').then(
      (r2) => ({ answered: r2.status }),
      (e: unknown) => ({ error: String((e as Error & { cause?: unknown }).cause ?? e) }),
    );
    expect(lost).toMatchObject({ error: expect.stringMatching(/socket|closed|reset|terminated/i) });
    expect(sim.droppedReplies()).toEqual({ dropped: before + 1, armed: 0 });
    // …yet the order exists, once, under its tag
    const book = (await call('GET', '/orders')).body.data as { tag: string | null; order_id: string }[];
    expect(book.filter((o) => o.tag === 'dropLost1')).toHaveLength(1);
    expect(book.filter((o) => o.tag === 'dropRefused')).toHaveLength(0);
    // the next placement answers as usual
    expect((await place('dropAfter')).status).toBe(200);
  });

  it('ticker: bad token refused with 403; 3 connections per key, the 4th refused; 3000 tokens per connection', async () => {
    await expect(open('wrong')).rejects.toMatchObject({ status: 403 });
    const a = await open();
    await open();
    await open();
    await expect(open()).rejects.toMatchObject({ status: 429 });
    expect(sim.stats().connections).toBe(3);
    const many = Array.from({ length: 3005 }, (_, i) => i + 1);
    a.ws.send(JSON.stringify({ a: 'subscribe', v: many }));
    await sleep(200);
    expect(sim.stats().subscribedTokens).toContain(3000);
    const err = a.frames.find((f) => typeof f === 'string' && f.includes('"error"')) as string;
    expect(JSON.parse(err)).toMatchObject({ type: 'error', data: expect.stringMatching(/3000/) });
    a.ws.send('not json');
    await sleep(100);
    expect(a.frames.filter((f) => typeof f === 'string' && f.includes('not JSON'))).toHaveLength(1);
    await closeAll();
    expect(sim.stats().connections).toBe(0);
  });

  it('ticker: ltp/quote/full packet sizes per mode, 1-byte heartbeats when idle, silence(ms) sends nothing', async () => {
    const [i0, i1, i2] = sim.instruments.map((i) => i.token);
    const c = await open();
    c.ws.send(JSON.stringify({ a: 'subscribe', v: [i0, i1, i2] }));
    c.ws.send(JSON.stringify({ a: 'mode', v: ['ltp', [i0]] }));
    c.ws.send(JSON.stringify({ a: 'mode', v: ['full', [i2]] }));
    await sleep(300);
    const sizes = new Map<number, Set<number>>();
    for (const f of c.frames) {
      if (typeof f === 'string' || f.length < 4) continue;
      const n = f.readUInt16BE(0);
      let off = 2;
      for (let k = 0; k < n; k++) {
        const len = f.readUInt16BE(off);
        const tok = f.readInt32BE(off + 2);
        if (!sizes.has(tok)) sizes.set(tok, new Set());
        sizes.get(tok)!.add(len);
        off += 2 + len;
      }
    }
    expect(sizes.get(i1!)).toEqual(new Set([44]));
    expect(sizes.get(i2!)?.has(184)).toBe(true);
    expect(sizes.get(i0!)?.has(8)).toBe(true);
    // unsubscribe everything: only heartbeats remain
    c.ws.send(JSON.stringify({ a: 'unsubscribe', v: [i0, i1, i2] }));
    await sleep(200);
    c.frames.length = 0;
    await sleep(2200);
    const hb = c.frames.filter((f) => typeof f !== 'string' && f.length === 1);
    expect(hb.length).toBeGreaterThanOrEqual(1);
    expect(c.frames.every((f) => typeof f !== 'string' && f.length === 1)).toBe(true);
    sim.silence(1500);
    c.frames.length = 0;
    await sleep(1300);
    expect(c.frames).toHaveLength(0);
    await sleep(1500);
    expect(c.frames.length).toBeGreaterThan(0);
    await closeAll();
  });

  it('killSockets() terminates ticker sockets; expireTokens() → 403 everywhere and sockets closed', async () => {
    const a = await open();
    const closed = new Promise<number>((res) => a.ws.once('close', (code) => res(code)));
    sim.killSockets();
    expect(await closed).toBe(1006);
    const b = await open();
    const closedB = new Promise<number>((res) => b.ws.once('close', (code) => res(code)));
    sim.expireTokens();
    expect(await closedB).toBe(1008);
    expect(await call('GET', '/user/profile')).toMatchObject({ status: 403, body: { error_type: 'TokenException' } });
    await expect(open()).rejects.toMatchObject({ status: 403 });
    expect(sim.stats()).toMatchObject({ connections: 0, sessions: 0 });
    token = await login();
    expect((await call('GET', '/user/profile')).status).toBe(200);
    expect(sim.stats().ordersPlaced).toBeGreaterThanOrEqual(11);
    await closeAll();
  });
});
