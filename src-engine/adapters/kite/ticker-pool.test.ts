import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeTicker, ManualTimers, startFakeTicker, until } from './kite-test-support.js';
import { HEARTBEAT, type KiteTick, encodeFrame } from './tick-codec.js';
import { KiteTickerPool, type KiteTickerPoolOptions, backoffDelay } from './ticker-pool.js';

const ist = (s: string): number => Date.parse(`${s}+05:30`);
const TOKEN = 'wsAccessTok3nSecret';

let server: FakeTicker;
let pools: KiteTickerPool[];
let exitSpy: ReturnType<typeof vi.spyOn>;

beforeEach(async () => {
  server = await startFakeTicker();
  pools = [];
  exitSpy = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    throw new Error(`process.exit(${String(code)}) called`);
  }) as never);
});

afterEach(async () => {
  for (const p of pools) p.close();
  await server.close();
  expect(exitSpy).not.toHaveBeenCalled();
  exitSpy.mockRestore();
});

function pool(extra: Partial<KiteTickerPoolOptions> = {}): KiteTickerPool {
  const p = new KiteTickerPool({ apiKey: 'kk', accessToken: TOKEN, root: server.url, backoff: { initialMs: 50, maxMs: 400, jitter: 0.2 }, staleCheckMs: 0, ...extra });
  pools.push(p);
  return p;
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const ltp = (token: number, lastPrice: number): KiteTick => ({ token, mode: 'ltp', tradable: true, lastPrice });

describe('KiteTickerPool: spreading', () => {
  it('spreads 9000 tokens over 3 connections (3000 each) and rejects the 9001st', async () => {
    const p = pool();
    p.subscribe(range(1, 9000), 'full');
    await until(() => server.open().length === 3 && server.conns.every((c) => c.modes.size === 3000 && [...c.modes.values()].every((m) => m === 'full')), 15_000, '3 × 3000 full');
    expect(p.stats().map((s) => s.tokens)).toEqual([3000, 3000, 3000]);
    expect(() => p.subscribe([9001], 'ltp')).toThrow(/at most 9000 \(3 connections × 3000 tokens\)/);
    // atomic: nothing of a rejected request is subscribed
    expect(() => p.subscribe([...range(1, 10), 9001], 'ltp')).toThrow(RangeError);
    expect(p.size).toBe(9000);
    // batched: no message carries more than 500 tokens
    for (const c of server.conns) for (const m of c.received) expect(JSON.stringify(m.v).split(',').length).toBeLessThanOrEqual(501);
    // the URL carries the credentials
    expect(server.conns[0]!.url.searchParams.get('api_key')).toBe('kk');
    expect(server.conns[0]!.url.searchParams.get('access_token')).toBe(TOKEN);
  });

  it('opens connections lazily, balances, and closes a connection that loses its last token', async () => {
    const p = pool({ maxTokensPerConnection: 2 });
    p.subscribe([11], 'quote');
    await until(() => server.open().length === 1, 15_000, 'first connection');
    expect(p.stats().map((s) => s.state)).toEqual(['open', 'idle', 'idle']);
    p.subscribe([12, 13], 'ltp');
    await until(() => server.open().length === 3, 15_000, 'three connections');
    expect(p.stats().map((s) => s.tokens)).toEqual([1, 1, 1]);
    p.unsubscribe([12]);
    await until(() => server.open().length === 2, 15_000, 'connection closed');
    expect(p.stats()[1]!.state).toBe('idle');
    p.setMode([11], 'full');
    await until(() => server.conns[0]!.modes.get(11) === 'full', 15_000, 'mode change');
    p.subscribe([11], 'ltp'); // re-subscribing an existing token only changes its mode
    await until(() => server.conns[0]!.modes.get(11) === 'ltp', 15_000, 'mode change via subscribe');
    expect(p.subscriptions()).toEqual(new Map([[11, 'ltp'], [13, 'ltp']]));
    expect(() => p.subscribe([0], 'ltp')).toThrow(RangeError);
    expect(() => p.subscribe([1], 'bogus' as never)).toThrow(RangeError);
  });
});

describe('KiteTickerPool: reconnect', () => {
  it('after a server-side kill, resubscribes EVERY token with its mode on the first back-off step', async () => {
    const p = pool();
    const tokens = range(1000, 4500);
    p.subscribe(tokens.slice(0, 1500), 'full');
    p.subscribe(tokens.slice(1500, 3000), 'ltp');
    p.subscribe(tokens.slice(3000), 'quote');
    p.setMode(tokens.slice(0, 10), 'ltp');
    const expected = p.subscriptions();
    const serverModes = () => {
      const m = new Map<number, string>();
      for (const c of server.open()) for (const [t, mode] of c.modes) m.set(t, mode);
      return m;
    };
    await until(() => server.open().length === 3 && serverModes().size === 4500, 15_000, 'initial subscribe');
    const before = server.conns.length;
    const events: string[] = [];
    p.on('disconnect', (e) => events.push(`d${e.conn}`));
    const reconnects: { attempt: number; delayMs: number }[] = [];
    p.on('reconnect', (e) => {
      events.push(`r${e.conn}`);
      reconnects.push({ attempt: e.attempt, delayMs: e.delayMs });
    });
    p.on('connect', (e) => e.reconnect && events.push(`c${e.conn}`));
    server.killAll();
    await until(() => server.conns.length === before + 3 && server.open().length === 3 && serverModes().size === 4500, 15_000, 'resubscribed');
    // Back on the first back-off step (50 ms ± 20 % jitter), not a wall-clock deadline: the wait above allows for a loaded machine.
    expect(reconnects).toHaveLength(3);
    for (const r of reconnects) {
      expect(r.attempt).toBe(1);
      expect(r.delayMs).toBeLessThanOrEqual(60);
    }
    expect(serverModes()).toEqual(new Map([...expected].map(([t, m]) => [t, m])));
    for (const c of server.open()) {
      const subs = c.received.filter((m) => m.a === 'subscribe');
      expect(subs.length).toBeGreaterThan(0);
      expect(c.received[0]!.a).toBe('subscribe'); // subscribe first, then mode
    }
    expect(events.filter((e) => e.startsWith('d')).length).toBe(3);
    expect(events.filter((e) => e.startsWith('c')).length).toBe(3);
    expect(p.stats().map((s) => [s.connects, s.disconnects])).toEqual([
      [2, 1],
      [2, 1],
      [2, 1],
    ]);
  });

  it('treats > silenceTimeoutMs without a message as dead; heartbeats keep it alive', async () => {
    const mt = new ManualTimers(ist('2026-05-04T10:00:00'));
    const p = pool({ timers: mt.timers, clock: mt.clock, random: () => 0.5 });
    const reasons: string[] = [];
    p.on('disconnect', (e) => reasons.push(e.reason));
    p.subscribe([408065], 'ltp');
    await until(() => server.open().length === 1, 15_000, 'open');
    const first = server.conns[0]!;
    await until(() => first.modes.size === 1, 15_000, 'subscribed');
    // heartbeats every 4 s for 20 s: no disconnect
    for (let i = 0; i < 5; i++) {
      mt.advance(4000);
      const at = p.stats()[0]!.lastMessageAt;
      first.ws.send(HEARTBEAT);
      await until(() => p.stats()[0]!.lastMessageAt !== at, 15_000, 'heartbeat seen');
    }
    expect(reasons).toEqual([]);
    // now silence
    mt.advance(5000);
    expect(reasons).toEqual([]);
    mt.advance(1000);
    expect(reasons).toEqual(['silence']);
    await until(() => first.ws.readyState === first.ws.CLOSED, 15_000, 'server saw the socket die');
    expect(p.stats()[0]!.state).toBe('waiting');
    mt.advance(50); // back-off (random 0.5 → no jitter)
    await until(() => server.open().length === 1 && server.conns.length === 2 && server.conns[1]!.modes.get(408065) === 'ltp', 15_000, 'reconnected + resubscribed');
  });

  it('back-off grows exponentially with jitter and is capped', () => {
    const b = { initialMs: 1000, maxMs: 30_000, jitter: 0.2 };
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelay(n, b, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffDelay(1, b, () => 0)).toBe(800);
    expect(backoffDelay(1, b, () => 0.999999)).toBe(1200);
    expect(backoffDelay(3, b, () => 0)).toBe(3200);
    for (let i = 0; i < 200; i++) {
      const n = 1 + (i % 12);
      const d = backoffDelay(n, b);
      const base = Math.min(30_000, 1000 * 2 ** (n - 1));
      expect(d).toBeGreaterThanOrEqual(base * 0.8 - 1);
      expect(d).toBeLessThanOrEqual(Math.min(30_000, base * 1.2 + 1));
    }
  });

  it('a refusing server gets growing, capped delays — never a storm', async () => {
    server.rejectWith = 503;
    const mt = new ManualTimers(ist('2026-05-04T10:00:00'));
    const delays: number[] = [];
    const p = pool({ timers: mt.timers, clock: mt.clock, random: () => 0.5, backoff: { initialMs: 100, maxMs: 1000, jitter: 0.2 } });
    p.on('reconnect', (e) => delays.push(e.delayMs));
    p.subscribe([1], 'ltp');
    for (let i = 1; i <= 6; i++) {
      await until(() => delays.length === i, 15_000, `attempt ${i}`);
      expect(server.upgradeAttempts).toBe(i);
      mt.advance(delays[i - 1]! - 1);
      expect(server.upgradeAttempts).toBe(i); // not before its time
      mt.advance(1);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe('KiteTickerPool: session expiry', () => {
  it('403 on upgrade → sessionExpired once, no reconnects; updateAccessToken reconnects with the new token', async () => {
    server.rejectWith = 403;
    const mt = new ManualTimers(ist('2026-05-04T10:00:00'));
    const p = pool({ timers: mt.timers, clock: mt.clock });
    const expired: number[] = [];
    const errors: string[] = [];
    p.on('sessionExpired', (e) => expired.push(e.status));
    p.on('error', (e) => errors.push(e.message));
    p.subscribe([1, 2, 3], 'quote');
    await until(() => p.stats().every((s) => s.state === 'expired'), 15_000, 'all expired');
    expect(expired).toEqual([403]);
    expect(server.upgradeAttempts).toBe(3);
    mt.advance(10 * 60_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.upgradeAttempts).toBe(3);
    expect(mt.pendingDelays()).toEqual([]);
    for (const m of errors) expect(m).not.toContain(TOKEN);

    server.rejectWith = undefined;
    p.updateAccessToken('brandNewToken');
    await until(() => server.open().length === 3, 15_000, 'reconnected');
    expect(server.open().every((c) => c.url.searchParams.get('access_token') === 'brandNewToken')).toBe(true);
    await until(() => server.open().reduce((n, c) => n + c.modes.size, 0) === 3, 15_000, 'resubscribed');
  });

  it('updateAccessToken on a live pool restarts its connections with the new token', async () => {
    const p = pool();
    p.subscribe([5], 'ltp');
    await until(() => server.open().length === 1, 15_000, 'open');
    p.updateAccessToken('second');
    await until(() => server.open().length === 1 && server.open()[0]!.url.searchParams.get('access_token') === 'second' && server.open()[0]!.modes.size === 1, 15_000, 'restarted');
  });
});

describe('KiteTickerPool: messages', () => {
  it('decodes binary frames into ticks for the right connection; heartbeats are not ticks', async () => {
    const p = pool();
    const got: { conn: number; ticks: KiteTick[] }[] = [];
    p.onTicks((batch, conn) => got.push({ conn, ticks: batch.toTicks() }));
    p.subscribe([408065, 884737], 'ltp');
    await until(() => server.open().length === 2, 15_000, 'open');
    const c = server.open()[1]!;
    c.ws.send(HEARTBEAT);
    c.ws.send(encodeFrame([ltp(408065, 157315), ltp(884737, 50000)]));
    await until(() => got.length === 1, 15_000, 'ticks');
    expect(got[0]!.conn).toBe(c.modes.has(408065) ? 0 : 1); // the first token went to connection 0
    expect(got[0]!.ticks.map((t) => [t.token, t.lastPrice])).toEqual([
      [408065, 157315],
      [884737, 50000],
    ]);
  });

  it('delivers order updates and notices; ignores junk text', async () => {
    const p = pool();
    const orders: unknown[] = [];
    const notices: { type: string; data: unknown }[] = [];
    p.onOrderUpdate((d) => orders.push(d));
    p.onNotice((n) => notices.push({ type: n.type, data: n.data }));
    p.subscribe([1], 'ltp');
    await until(() => server.open().length === 1, 15_000, 'open');
    const ws = server.open()[0]!.ws;
    ws.send('not json');
    ws.send(JSON.stringify({ type: 'order', data: { order_id: '1953341975595868160', status: 'COMPLETE', tag: 'kd1' } }));
    ws.send(JSON.stringify({ type: 'error', data: 'bad things' }));
    ws.send(JSON.stringify({ type: 'message', data: 'hello from the broker' }));
    await until(() => notices.length === 2, 15_000, 'notices');
    expect(orders).toEqual([{ order_id: '1953341975595868160', status: 'COMPLETE', tag: 'kd1' }]);
    expect(notices).toEqual([
      { type: 'error', data: 'bad things' },
      { type: 'message', data: 'hello from the broker' },
    ]);
  });

  it('malformed binary frames and throwing listeners never escape the pool', async () => {
    const p = pool();
    const frameErrors: string[] = [];
    const listenerErrors: string[] = [];
    const ticks: number[] = [];
    p.on('frameError', (e) => frameErrors.push(e.error));
    p.on('error', (e) => listenerErrors.push(e.message));
    p.onTicks(() => {
      throw new Error('listener boom');
    });
    p.onTicks((b) => ticks.push(b.count));
    p.subscribe([408065], 'quote');
    await until(() => server.open().length === 1, 15_000, 'open');
    const ws = server.open()[0]!.ws;
    const junk = [Uint8Array.of(0, 5, 0, 8, 1, 2), Uint8Array.of(0xff, 0xff), Uint8Array.of(0, 1, 0, 7, 1, 2, 3, 4, 5, 6, 7), Uint8Array.of(0, 2, 0, 8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 200)];
    let seed = 7;
    for (let i = 0; i < 30; i++) {
      const n = 2 + (i * 13) % 60;
      junk.push(Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff));
    }
    for (const j of junk) ws.send(j);
    ws.send(encodeFrame([ltp(408065, 1)]));
    await until(() => ticks.includes(1) && ticks.length >= 1, 15_000, 'valid frame after junk');
    expect(frameErrors.length).toBeGreaterThan(0);
    expect(listenerErrors.some((m) => m.includes('listener boom'))).toBe(true);
    expect(p.stats()[0]!.state).toBe('open');
  });
});

describe('KiteTickerPool: staleness', () => {
  it('staleTokens and the in-session stale alarm', async () => {
    const mt = new ManualTimers(ist('2026-05-04T10:00:00'));
    const p = pool({ timers: mt.timers, clock: mt.clock, staleAfterMs: 30_000, staleCheckMs: 5000, silenceTimeoutMs: 3_600_000 });
    const stale: number[][] = [];
    p.on('stale', (e) => stale.push(e.tokens));
    p.subscribe([1, 2], 'ltp');
    // wait until the server has processed both subscriptions, not just seen two sockets open
    await until(() => server.open().length === 2 && server.conns.some((c) => c.modes.has(1)) && server.conns.some((c) => c.modes.has(2)), 15_000, 'subscribed');
    mt.advance(20_000);
    const c1 = server.conns.find((c) => c.modes.has(1))!;
    c1.ws.send(encodeFrame([ltp(1, 100)]));
    await until(() => p.staleTokens(mt.now + 10_001 + 1, 30_000).length === 1, 15_000, 'tick seen');
    mt.advance(15_000); // t = 35 s: token 2 never ticked since subscribe
    expect(p.staleTokens(mt.now, 30_000)).toEqual([2]);
    expect(stale).toEqual([[2]]);
    mt.advance(5_000);
    expect(stale).toEqual([[2]]); // not repeated
    mt.advance(20_000); // token 1's tick is now 40 s old
    expect(stale).toEqual([[2], [1]]);
  });

  it('the alarm stays quiet outside market hours (isInSessionIst)', async () => {
    const mt = new ManualTimers(ist('2026-05-04T16:00:00'));
    const p = pool({ timers: mt.timers, clock: mt.clock, staleAfterMs: 1000, staleCheckMs: 500, silenceTimeoutMs: 3_600_000 });
    const stale: number[][] = [];
    p.on('stale', (e) => stale.push(e.tokens));
    p.subscribe([1], 'ltp');
    mt.advance(60_000);
    expect(stale).toEqual([]);
    expect(p.staleTokens(mt.now, 1000)).toEqual([1]);
  });
});

describe('KiteTickerPool: close', () => {
  it('close() stops sockets and leaves no timers; nothing reconnects afterwards', async () => {
    const mt = new ManualTimers(ist('2026-05-04T10:00:00'));
    const p = pool({ timers: mt.timers, clock: mt.clock, staleCheckMs: 1000 });
    p.subscribe(range(1, 10), 'full');
    await until(() => server.open().length === 3, 15_000, 'open');
    expect(mt.pending()).toBeGreaterThan(0);
    server.killAll();
    await until(() => p.stats().every((s) => s.state === 'waiting'), 15_000, 'waiting to reconnect');
    p.close();
    expect(mt.pending()).toBe(0);
    expect(p.stats().every((s) => s.state === 'closed')).toBe(true);
    const n = server.upgradeAttempts;
    mt.advance(120_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.upgradeAttempts).toBe(n);
    expect(() => p.subscribe([99], 'ltp')).toThrow(/closed/);
    p.close(); // idempotent
  });

  it('close() with real timers leaves no live sockets', async () => {
    const p = pool();
    p.subscribe([1, 2, 3], 'ltp');
    await until(() => server.open().length === 3, 15_000, 'open');
    p.close();
    await until(() => server.open().length === 0, 15_000, 'all closed');
  });
});
