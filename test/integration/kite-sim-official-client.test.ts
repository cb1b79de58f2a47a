/**
 * Acceptance: the OFFICIAL kiteconnect 5.3.0 clients against the local Kite simulator.
 * REST runs in-process (KiteConnect is a plain axios wrapper). The ticker runs in a child Node
 * process, because the official KiteTicker keeps module-level state and calls process.exit(1)
 * on some disconnect paths; a misbehaving client then cannot take the test runner down.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { KiteConnect } from 'kiteconnect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { simSessionStart } from '../support/sim-session.js';

const API_KEY = 'kitedesk-sim';
const API_SECRET = 'kitedesk-sim-secret';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** The ticker child: plain ESM JavaScript run with `node --input-type=module -e` from the repo root. */
const CHILD = String.raw`
import kite from 'kiteconnect';
const { KiteTicker } = kite;
const [root, api_key, access_token, tokensJson] = process.argv.slice(1);
const tokens = JSON.parse(tokensJson);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const ticker = new KiteTicker({ api_key, access_token, root });
const seen = new Map();
let reported = false;
ticker.on('connect', () => {
  out({ ev: 'connect' });
  ticker.subscribe(tokens);
  ticker.setMode(ticker.modeFull, tokens);
});
ticker.on('ticks', (ticks) => {
  for (const t of ticks) {
    if (t.mode === 'full' && t.depth && t.depth.buy.length === 5 && t.depth.sell.length === 5 && t.depth.sell[0].price > 0) seen.set(t.instrument_token, t);
  }
  if (!reported && tokens.every((k) => seen.has(k))) {
    reported = true;
    const s = seen.get(tokens[0]);
    out({ ev: 'all-depth', count: seen.size, sample: { token: s.instrument_token, last_price: s.last_price, depth: s.depth, ohlc: s.ohlc, tradable: s.tradable } });
  }
});
ticker.on('order_update', (o) => out({ ev: 'order', data: o }));
ticker.on('error', (e) => out({ ev: 'error', message: String(e && e.message || e) }));
ticker.on('noreconnect', () => out({ ev: 'noreconnect' }));
process.stdin.on('data', (d) => {
  if (String(d).includes('stop')) {
    ticker.autoReconnect(false, 0, 0);
    ticker.disconnect();
    setTimeout(() => process.exit(0), 100);
  }
});
ticker.connect();
`;

interface ChildEvent {
  ev: string;
  [k: string]: unknown;
}

class TickerChild {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly events: ChildEvent[] = [];
  private waiters: { pred: (e: ChildEvent) => boolean; resolve: (e: ChildEvent) => void }[] = [];
  stderr = '';

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, ['--input-type=module', '-e', CHILD, ...args], { cwd: process.cwd(), stdio: 'pipe' });
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      let e: ChildEvent;
      try {
        e = JSON.parse(line) as ChildEvent;
      } catch {
        return;
      }
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
    });
  }

  wait(pred: (e: ChildEvent) => boolean, ms: number, what: string): Promise<ChildEvent> {
    const hit = this.events.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; events: ${JSON.stringify(this.events.map((e) => e.ev))}; stderr: ${this.stderr}`)), ms);
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  async stop(): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    const exited = new Promise<number | null>((r) => this.proc.once('exit', (code) => r(code)));
    this.proc.stdin.write('stop\n');
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    const code = await exited;
    clearTimeout(killer);
    return code;
  }
}

describe('Kite simulator vs the official kiteconnect 5.3.0 clients', () => {
  const sim = new KiteSimulator();
  let running: RunningKiteSimulator;
  let kc: Any;
  let child: TickerChild | undefined;

  let lastQuote = 0;
  /**
   * One quote-class call, at least 1.05 s after the previous one ANSWERED (Kite: 1 req/s, counted on
   * arrival; the official client does not pace). Counting from the answer, not from the send, keeps a
   * slow arrival on a loaded machine from landing two requests in one second.
   */
  const paced = async <T>(call: () => Promise<T>): Promise<T> => {
    const wait = lastQuote + 1050 - Date.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    try {
      return await call();
    } finally {
      lastQuote = Date.now();
    }
  };
  /** Polls the order history until its last row has `status` (Kite works orders after the REST reply). */
  const historyUntil = async (orderId: string, status: string): Promise<Any[]> => {
    const end = Date.now() + 10_000;
    for (;;) {
      const hist: Any[] = await kc.getOrderHistory(orderId);
      if (hist.at(-1).status === status) return hist;
      if (Date.now() > end) throw new Error(`order ${orderId} never reached ${status}: ${hist.map((h) => h.status).join(' → ')}`);
      await new Promise((res) => setTimeout(res, 200)); // well under Kite's 10 req/s for other endpoints
    }
  };

  beforeAll(async () => {
    running = await sim.start({ port: 0, speed: 1, seed: 42, startTime: simSessionStart() });
    kc = new KiteConnect({ api_key: API_KEY, root: running.url } as Any);
    // The constructor ignores params.login_uri (kite-protocol.md §3).
    kc.default_login_uri = running.loginUrl;
  });

  afterAll(async () => {
    if (child) await child.stop();
    await running?.close();
  });

  it('logs in: login URL → 302 with request_token → generateSession with the checksum', async () => {
    const loginUrl: string = kc.getLoginURL();
    expect(loginUrl).toBe(`${running.url}/connect/login?api_key=${API_KEY}&v=3`);
    const res = await fetch(loginUrl, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!);
    expect(loc.searchParams.get('status')).toBe('success');
    expect(loc.searchParams.get('action')).toBe('login');
    const requestToken = loc.searchParams.get('request_token')!;
    expect(requestToken).toMatch(/^\w+$/);
    const session = await kc.generateSession(requestToken, API_SECRET);
    expect(session.access_token).toMatch(/^\w{16,}$/);
    expect(session.api_key).toBe(API_KEY);
    expect(session.login_time).toBeInstanceOf(Date);
    expect(kc.access_token).toBe(session.access_token);
    // single use
    await expect(kc.generateSession(requestToken, API_SECRET)).rejects.toMatchObject({ error_type: 'TokenException' });
  });

  it('profile, margins, instruments (CSV parsed by the client) and quotes', async () => {
    const profile = await kc.getProfile();
    expect(profile).toMatchObject({ user_id: expect.any(String), broker: 'ZERODHA', exchanges: expect.arrayContaining(['NSE']) });
    const margins = await kc.getMargins();
    expect(margins.equity).toMatchObject({ enabled: true, net: expect.any(Number), available: { cash: expect.any(Number) } });
    const equity = await kc.getMargins('equity');
    expect(equity.net).toBe(margins.equity.net);

    const instruments: Any[] = (await kc.getInstruments(['NSE'])).filter((r: Any) => r.instrument_token && r.segment === 'NSE');
    expect(instruments).toHaveLength(50);
    const infy = instruments.find((r) => r.tradingsymbol === 'INFY');
    expect(infy).toMatchObject({ exchange: 'NSE', segment: 'NSE', instrument_type: 'EQ', tick_size: 0.1, lot_size: 1 }); // INFY's real tick since 2025
    expect(Number(infy.instrument_token) & 0xff).toBe(1);
    expect(Number(infy.instrument_token) >> 8).toBe(Number(infy.exchange_token));

    const q = await paced<Any>(() => kc.getQuote(['NSE:INFY', 'NSE:RELIANCE', 'NSE:NOSUCH']));
    expect(Object.keys(q).sort()).toEqual(['NSE:INFY', 'NSE:RELIANCE']);
    expect(q['NSE:INFY']).toMatchObject({ instrument_token: Number(infy.instrument_token), last_price: expect.any(Number), ohlc: expect.any(Object) });
    expect(q['NSE:INFY'].depth.buy).toHaveLength(5);
    expect(q['NSE:INFY'].timestamp).toBeInstanceOf(Date);
    const ltp = await paced<Any>(() => kc.getLTP(['NSE:INFY'])); // Kite: 1 quote-class request per second (kite-protocol.md §2.14)
    expect(ltp['NSE:INFY'].last_price).toBeGreaterThan(0);
    const ohlc = await paced<Any>(() => kc.getOHLC(['NSE:INFY']));
    expect(ohlc['NSE:INFY'].ohlc.close).toBeGreaterThan(0);
  });

  it('places LIMIT and MARKET orders, shows the status sequence, cancels a resting LIMIT, updates positions', async () => {
    const ltp: number = (await paced<Any>(() => kc.getLTP(['NSE:SBIN'])))['NSE:SBIN'].last_price;
    const far = Math.round((ltp * 0.9) * 20) / 20; // 10 % below: rests OPEN
    const resting = await kc.placeOrder('regular', {
      exchange: 'NSE', tradingsymbol: 'SBIN', transaction_type: 'BUY', order_type: 'LIMIT', quantity: 3, product: 'MIS', price: far,
    });
    expect(typeof resting.order_id).toBe('string');
    const mkt = await kc.placeOrder('regular', {
      exchange: 'NSE', tradingsymbol: 'SBIN', transaction_type: 'BUY', order_type: 'MARKET', quantity: 2, product: 'MIS', market_protection: -1,
    });
    // the REST reply comes first: right after it the order is still being processed
    expect(((await kc.getOrderHistory(mkt.order_id)) as Any[]).at(-1).status).not.toBe('COMPLETE');
    const hist = await historyUntil(mkt.order_id, 'COMPLETE');
    expect(hist.map((h) => h.status)).toEqual(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'COMPLETE']);
    expect(hist.at(-1)).toMatchObject({ filled_quantity: 2, pending_quantity: 0, order_id: mkt.order_id });

    await expect(
      kc.placeOrder('regular', { exchange: 'NSE', tradingsymbol: 'SBIN', transaction_type: 'BUY', order_type: 'MARKET', quantity: 1, product: 'MIS' }),
    ).rejects.toMatchObject({ error_type: 'InputException', message: expect.stringMatching(/market protection/) });

    await historyUntil(resting.order_id, 'OPEN');
    const cancelled = await kc.cancelOrder('regular', resting.order_id);
    expect(cancelled.order_id).toBe(resting.order_id);
    const rh = await historyUntil(resting.order_id, 'CANCELLED');
    expect(rh.map((h) => h.status)).toEqual(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'CANCEL PENDING', 'CANCELLED']);

    const orders: Any[] = await kc.getOrders();
    expect(orders.map((o) => o.order_id)).toEqual(expect.arrayContaining([resting.order_id, mkt.order_id]));
    const trades: Any[] = await kc.getOrderTrades(mkt.order_id);
    expect(trades.reduce((a, t) => a + t.quantity, 0)).toBe(2);

    const positions = await kc.getPositions();
    const sbin = positions.net.find((p: Any) => p.tradingsymbol === 'SBIN');
    expect(sbin).toMatchObject({ quantity: 2, product: 'MIS', buy_quantity: 2 });
  });

  it('ticker: full mode on 50 instruments gets depth for all 50, then an order update arrives as text', async () => {
    const tokens = sim.instruments.filter((i) => i.segment === 'NSE').map((i) => i.token);
    expect(tokens).toHaveLength(50);
    child = new TickerChild([running.wsUrl, API_KEY, kc.access_token, JSON.stringify(tokens)]);
    await child.wait((e) => e.ev === 'connect', 10_000, 'connect');
    const all = await child.wait((e) => e.ev === 'all-depth', 10_000, 'ticks with depth for all 50');
    expect(all['count']).toBe(50);
    const sample = all['sample'] as Any;
    expect(sample.tradable).toBe(true);
    expect(sample.depth.buy).toHaveLength(5);
    expect(sample.depth.sell[0].price).toBeGreaterThan(sample.depth.buy[0].price);
    expect(sim.stats()).toMatchObject({ connections: 1, subscribedTokens: [50] });

    const placed = await kc.placeOrder('regular', {
      exchange: 'NSE', tradingsymbol: 'ITC', transaction_type: 'BUY', order_type: 'MARKET', quantity: 1, product: 'CNC', market_protection: 2,
    });
    const upd = await child.wait((e) => e.ev === 'order' && (e['data'] as Any).order_id === placed.order_id, 10_000, 'order update');
    expect(upd['data']).toMatchObject({ order_id: placed.order_id, tradingsymbol: 'ITC', status: 'COMPLETE', unfilled_quantity: 0 });
    expect((upd['data'] as Any).checksum).toMatch(/^[0-9a-f]{64}$/);

    const code = await child.stop();
    child = undefined;
    expect(code).toBe(0);
  });
});
