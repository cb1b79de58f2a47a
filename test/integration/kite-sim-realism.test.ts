/**
 * The Kite simulator behaves like Kite over the wire (issue 10), on a MANUAL clock so nothing depends on the
 * hour the test runs at: the REST reply comes before the order is worked (and before its order message),
 * per-endpoint 429s with the per-minute and per-day order caps, the static-IP rule, the closed market
 * (no ticks, no price moves, regular orders refused, AMOs accepted), the 06:00 IST token expiry, a second
 * login that ends the first session, and the stuck / exchange-down fault switches.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { istTime, nseCalendar } from '../../src-engine/core/nse-calendar.js';
import { kiteChecksum } from '../../src-engine/kite-sim/auth.js';
import { KiteSimulator, type KiteSimulatorOptions, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';

const KEY = 'k1';
const SECRET = 's1';
// A trading Monday near the close (short clock jumps: the market generates every tick of the session time it
// passes); the next trading day is Wednesday 2026-11-25.
const START = istTime('2026-11-23', '15:22');

interface Res {
  status: number;
  body: { status: string; data?: unknown; error_type?: string; message?: string } & Record<string, unknown>;
}

class Client {
  token = '';
  constructor(
    readonly sim: KiteSimulator,
    readonly r: RunningKiteSimulator,
  ) {}

  async call(method: string, path: string, body?: Record<string, string>, auth = true): Promise<Res> {
    const res = await fetch(`${this.r.url}${path}`, {
      method,
      headers: {
        'X-Kite-Version': '3',
        ...(auth ? { Authorization: `token ${KEY}:${this.token}` } : {}),
        ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body: new URLSearchParams(body).toString() } : {}),
    });
    return { status: res.status, body: (await res.json()) as Res['body'] };
  }

  async login(): Promise<string> {
    const res = await fetch(`${this.r.url}/connect/login?api_key=${KEY}&v=3`, { redirect: 'manual' });
    const rt = new URL(res.headers.get('location')!).searchParams.get('request_token')!;
    const s = await this.call('POST', '/session/token', { api_key: KEY, request_token: rt, checksum: kiteChecksum(KEY, rt, SECRET) }, false);
    expect(s.status).toBe(200);
    this.token = (s.body.data as { access_token: string }).access_token;
    return this.token;
  }

  /** A price `f` × LTP of `symbol` on its tick grid, in rupees (a form value). */
  price(symbol: string, f: number): string {
    const st = this.sim.exchange.lookupSymbol('NSE', symbol)!;
    const tick = st.inst.tickPaise;
    return (Math.round((st.lastPaise * f) / tick) * tick / 100).toFixed(2);
  }

  limitBuy(symbol: string, f = 0.95, extra: Record<string, string> = {}): Promise<Res> {
    return this.call('POST', '/orders/regular', {
      exchange: 'NSE', tradingsymbol: symbol, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '1', product: 'MIS', price: this.price(symbol, f), ...extra,
    });
  }
}

async function startSim(extra: KiteSimulatorOptions = {}): Promise<{ sim: KiteSimulator; r: RunningKiteSimulator; c: Client }> {
  const sim = new KiteSimulator();
  const r = await sim.start({ port: 0, apiKey: KEY, apiSecret: SECRET, clock: 'manual', startTime: START, flushIntervalMs: 50, ...extra });
  const c = new Client(sim, r);
  await c.login();
  return { sim, r, c };
}

async function waitFor<T>(f: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

function openTicker(r: RunningKiteSimulator, token: string): Promise<{ ws: WebSocket; log: { at: number; binary: boolean; data: Buffer | string }[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${r.wsUrl}?api_key=${KEY}&access_token=${token}`);
    const log: { at: number; binary: boolean; data: Buffer | string }[] = [];
    ws.on('message', (d, binary) => log.push({ at: Date.now(), binary, data: binary ? (d as Buffer) : d.toString() }));
    ws.once('open', () => resolve({ ws, log }));
    ws.once('error', reject);
  });
}

describe('Kite simulator realism over the wire (manual clock)', () => {
  let env: Awaited<ReturnType<typeof startSim>>;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    env = await startSim();
  });
  afterAll(async () => {
    for (const s of sockets) s.terminate();
    await env?.r.close();
  });

  it('async orders: the REST reply comes first; a GET right after a MARKET POST is not COMPLETE; the order message follows the reply', async () => {
    const { c, r } = env;
    const t = await openTicker(r, c.token);
    sockets.push(t.ws);
    const res = await c.call('POST', '/orders/regular', {
      exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', order_type: 'MARKET', quantity: '1', product: 'MIS', market_protection: '-1',
    });
    const repliedAt = Date.now();
    expect(res.status).toBe(200);
    const id = (res.body.data as { order_id: string }).order_id;
    const first = await c.call('GET', `/orders/${id}`);
    const rows = first.body.data as { status: string }[];
    expect(rows.at(-1)!.status).not.toBe('COMPLETE');
    const msg = await waitFor(() => t.log.find((m) => !m.binary && String(m.data).includes(id)), 'the order message');
    expect(msg.at).toBeGreaterThanOrEqual(repliedAt);
    const done = await waitFor(async () => {
      const h = (await c.call('GET', `/orders/${id}`)).body.data as { status: string }[];
      return h.at(-1)!.status === 'COMPLETE' ? h : undefined;
    }, 'COMPLETE');
    expect(done.map((h) => h.status)).toEqual(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'COMPLETE']);
  });

  it('per-endpoint limits: quote 1/s, historical 3/s, other endpoints 10/s (429 NetworkException)', async () => {
    const { c, sim } = env;
    await new Promise((res) => setTimeout(res, 1100));
    const quotes = await Promise.all([0, 1].map(() => c.call('GET', '/quote/ltp?i=NSE:INFY')));
    expect(quotes.map((q) => q.status).sort()).toEqual([200, 429]);
    expect(quotes.find((q) => q.status === 429)!.body).toMatchObject({ status: 'error', error_type: 'NetworkException', message: 'Too many requests' });
    const tok = sim.exchange.lookupSymbol('NSE', 'INFY')!.inst.token;
    const hist = await Promise.all([0, 1, 2, 3].map(() => c.call('GET', `/instruments/historical/${tok}/day?from=2026-11-02+09:15:00&to=2026-11-20+15:30:00`)));
    expect(hist.filter((h) => h.status === 429)).toHaveLength(1);
    const other = await Promise.all(Array.from({ length: 12 }, () => c.call('GET', '/user/profile')));
    expect(other.filter((o) => o.status === 429)).toHaveLength(2);
  });

  it('static IP: order requests from an unregistered address are refused; reads still work', async () => {
    const { c, sim } = env;
    await new Promise((res) => setTimeout(res, 1100));
    sim.setAllowedIps(['203.0.113.7']);
    const refused = await c.limitBuy('ITC');
    expect(refused).toMatchObject({ status: 403, body: { error_type: 'PermissionException' } });
    expect(refused.body.message).toMatch(/registered static IPs/);
    expect((await c.call('GET', '/orders')).status).toBe(200);
    sim.setAllowedIps(['203.0.113.7', '127.0.0.1']);
    expect((await c.limitBuy('ITC')).status).toBe(200);
    sim.setAllowedIps(undefined);
  });

  it('fault switches over HTTP: a stuck OPEN PENDING order stays there; exchange down holds orders until it is back', async () => {
    const { c, sim } = env;
    sim.setFaults({ stuck: ['OPEN PENDING'] });
    const a = await c.limitBuy('SBIN');
    const id = (a.body.data as { order_id: string }).order_id;
    await waitFor(() => (sim.exchange.get(id).status === 'OPEN PENDING' ? true : undefined), 'OPEN PENDING');
    await new Promise((res) => setTimeout(res, 400)); // more than the whole default latency
    expect(((await c.call('GET', `/orders/${id}`)).body.data as { status: string }[]).at(-1)!.status).toBe('OPEN PENDING');
    sim.setFaults({ stuck: [], exchangeDown: true });
    const b = await c.limitBuy('SBIN');
    const idB = (b.body.data as { order_id: string }).order_id;
    await new Promise((res) => setTimeout(res, 400));
    expect(sim.exchange.get(idB).status).toBe('OPEN PENDING');
    sim.setFaults({ exchangeDown: false });
    await waitFor(() => (sim.exchange.get(id).status === 'OPEN' && sim.exchange.get(idB).status === 'OPEN' ? true : undefined), 'both OPEN');
    // a timed disconnect: held while it lasts, released by itself
    sim.exchangeDisconnect(600);
    const cId = ((await c.limitBuy('SBIN')).body.data as { order_id: string }).order_id;
    await new Promise((res) => setTimeout(res, 400));
    expect(sim.exchange.get(cId).status).toBe('OPEN PENDING');
    await waitFor(() => (sim.exchange.get(cId).status === 'OPEN' ? true : undefined), 'OPEN after the reconnect');
    expect(sim.exchange.faultState.exchangeDown).toBe(false);
  });

  it('the market closes: after 15:30 no ticks and no price moves; regular orders refused, AMOs accepted; the day book is still there', async () => {
    const { c, r, sim } = env;
    sim.clock.set(istTime('2026-11-23', '15:45'));
    expect(sim.exchange.phase()).toBe('closed');
    const t = await openTicker(r, c.token);
    sockets.push(t.ws);
    const tok = sim.exchange.lookupSymbol('NSE', 'INFY')!.inst.token;
    t.ws.send(JSON.stringify({ a: 'subscribe', v: [tok] }));
    await waitFor(() => (t.log.some((m) => m.binary && (m.data as Buffer).length > 2) ? true : undefined), 'the subscribe snapshot');
    await new Promise((res) => setTimeout(res, 1100)); // let any previous burst out
    const ltp = sim.exchange.lookupSymbol('NSE', 'INFY')!.lastPaise;
    const n = t.log.length;
    sim.clock.advance(2 * 3_600_000); // 17:45, still closed
    await new Promise((res) => setTimeout(res, 300));
    expect(t.log.slice(n).filter((m) => m.binary && (m.data as Buffer).length > 2)).toEqual([]); // heartbeats only
    expect(sim.exchange.lookupSymbol('NSE', 'INFY')!.lastPaise).toBe(ltp);
    const reg = await c.limitBuy('INFY');
    expect(reg).toMatchObject({ status: 400, body: { error_type: 'InputException', message: expect.stringMatching(/Markets are closed/) } });
    const amo = await c.call('POST', '/orders/amo', {
      exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', order_type: 'LIMIT', quantity: '1', product: 'CNC', price: c.price('INFY', 0.98),
    });
    expect(amo.status).toBe(200);
    expect(((await c.call('GET', '/orders')).body.data as unknown[]).length).toBeGreaterThan(1);
  });

  it('06:00 IST: the access token expires (REST 403, ticker closed); the next day starts with only the AMO in the book', async () => {
    const { c, sim } = env;
    sim.clock.set(istTime('2026-11-24', '05:59'));
    expect((await c.call('GET', '/user/profile')).status).toBe(200);
    sim.clock.set(istTime('2026-11-24', '06:00'));
    expect(await c.call('GET', '/user/profile')).toMatchObject({ status: 403, body: { error_type: 'TokenException' } });
    sim.clock.set(istTime('2026-11-25', '09:05')); // Tuesday is a holiday; Wednesday's pre-open (past 06:00 again)
    await c.login();
    const book = (await c.call('GET', '/orders')).body.data as { variety: string; status: string }[];
    expect(book.map((o) => o.variety)).toEqual(['amo']);
    expect(nseCalendar.phase(sim.clock.now())).toBe('pre-open');
  });
});

describe('Kite simulator: order caps and sessions', () => {
  it('orders per minute and per day are capped (429), and a refused order uses no quota', async () => {
    const { c, r } = await startSim({ limits: { ordersPerMinute: 3, ordersPerDay: 5 } });
    try {
      const first = await Promise.all([0, 1, 2, 3].map(() => c.limitBuy('ITC')));
      expect(first.map((x) => x.status).sort()).toEqual([200, 200, 200, 429]);
      expect(first.find((x) => x.status === 429)!.body.message).toMatch(/per-minute order limit/);
    } finally {
      await r.close();
    }
    const day = await startSim({ limits: { ordersPerMinute: 100, ordersPerDay: 2 } });
    try {
      expect((await day.c.limitBuy('ITC')).status).toBe(200);
      expect((await day.c.limitBuy('ITC')).status).toBe(200);
      expect(await day.c.limitBuy('ITC')).toMatchObject({ status: 429, body: { message: expect.stringMatching(/daily order limit/) } });
    } finally {
      await day.r.close();
    }
  });

  it('25 modifications per order; the 26th is refused', async () => {
    const { c, r, sim } = await startSim({ latencyMs: 0, limits: { perSecond: { order: 1000 } } });
    try {
      const id = ((await c.limitBuy('ITC', 0.9)).body.data as { order_id: string }).order_id;
      for (let i = 0; i < 25; i++) {
        await waitFor(() => (sim.exchange.get(id).status === 'OPEN' ? true : undefined), 'OPEN');
        expect((await c.call('PUT', `/orders/regular/${id}`, { price: c.price('ITC', 0.9 - i / 1000) })).status).toBe(200);
      }
      await waitFor(() => (sim.exchange.get(id).status === 'OPEN' ? true : undefined), 'OPEN');
      expect(await c.call('PUT', `/orders/regular/${id}`, { price: c.price('ITC', 0.85) })).toMatchObject({
        status: 400,
        body: { message: 'Maximum allowed order modifications exceeded.' },
      });
    } finally {
      await r.close();
    }
  });

  it('singleSession: a second login ends the first session', async () => {
    const { c, r, sim } = await startSim();
    try {
      const other = new Client(sim, r);
      await other.login();
      expect((await c.call('GET', '/user/profile')).status).toBe(200); // by default both live
      sim.setSingleSession(true);
      await other.login();
      expect((await c.call('GET', '/user/profile')).status).toBe(403);
      expect((await other.call('GET', '/user/profile')).status).toBe(200);
    } finally {
      await r.close();
    }
  });

  it('auto clock: at the close the market jumps to the next open and the day ends on the way (expiry, roll, T1, 06:00)', async () => {
    const sim = new KiteSimulator();
    // speed 6: 10 s real to the close, room for a loaded machine
    const r = await sim.start({ port: 0, apiKey: KEY, apiSecret: SECRET, startTime: istTime('2026-11-23', '15:29'), speed: 6, latencyMs: 50, flushIntervalMs: 50 });
    try {
      const c = new Client(sim, r);
      await c.login();
      expect(sim.clock.mode).toBe('auto');
      const cnc = await c.limitBuy('ITC', 1.01, { product: 'CNC', quantity: '3' }); // crosses: bought today
      const bought = sim.exchange.get((cnc.body.data as { order_id: string }).order_id);
      const rest = await c.limitBuy('ITC', 0.9); // rests until the close
      const restingOrder = sim.exchange.get((rest.body.data as { order_id: string }).order_id);
      await waitFor(() => (bought.status === 'COMPLETE' ? true : undefined), 'the CNC fill');
      expect(sim.clock.now()).toBeLessThan(istTime('2026-11-23', '15:30')); // still Monday
      await waitFor(() => (sim.clock.now() >= istTime('2026-11-25', '09:15') ? true : undefined), 'the jump to Wednesday', 30_000);
      expect(restingOrder.status).toBe('CANCELLED'); // the DAY order expired at the close
      // 06:00 passed on the way: the token dies at the next clock step (every 50 ms real)
      await waitFor(async () => ((await c.call('GET', '/orders')).status === 403 ? true : undefined), 'the 06:00 expiry');
      await c.login();
      expect((await c.call('GET', '/orders')).body.data).toEqual([]);
      expect((await c.call('GET', '/portfolio/holdings')).body.data).toEqual([expect.objectContaining({ tradingsymbol: 'ITC', t1_quantity: 3, quantity: 0 })]);
    } finally {
      await r.close();
    }
  });

  it('wall clock: the simulator time is the real time and the phase is the calendar’s', async () => {
    const sim = new KiteSimulator();
    const r = await sim.start({ port: 0, clock: 'wall' });
    try {
      expect(Math.abs(sim.clock.now() - Date.now())).toBeLessThan(1000);
      const t = sim.clock.now();
      expect(sim.exchange.phase()).toBe(nseCalendar.phase(t));
    } finally {
      await r.close();
    }
  });
});
