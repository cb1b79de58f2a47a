/**
 * KiteLiveBroker + the OMS + our KiteRest against the local Kite simulator, with prices driven by hand
 * (a manual MarketSource) so fills happen exactly when the test moves the price.
 *
 * Two brokers share one KiteRest (each only follows its own tags):
 *  - `live`: fed by the ticker's order messages (KiteTickerPool → onKiteOrderUpdate), as the kernel will;
 *  - `polled`: no stream at all, only poll() and its own lookups — so fills come from the trade rows and
 *    the unknown-outcome lookup by tag actually runs.
 * KiteRest talks to the simulator through a pass-through proxy that can swallow the answer to the next
 * POST /orders (the order IS placed at the simulator; the client times out): a real "outcome unknown".
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KiteLiveBroker } from '../../src-engine/adapters/kite/live-broker.js';
import { exchangeRequestToken, loginUrl, parseRedirect } from '../../src-engine/adapters/kite/login.js';
import { KiteRest } from '../../src-engine/adapters/kite/rest-client.js';
import { KiteTickerPool } from '../../src-engine/adapters/kite/ticker-pool.js';
import { systemClock } from '../../src-engine/core/clock.js';
import { OUTCOME_UNKNOWN } from '../../src-engine/execution/broker.js';
import { OrderManager } from '../../src-engine/execution/order-manager.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { NIFTY50_SEEDS } from '../../src-engine/model/instruments.js';
import type { OrderRequest } from '../../src-engine/model/order.js';
import { ManualMarket } from '../support/manual-market.js';

const API_KEY = 'kitedesk-sim';
const API_SECRET = 'kitedesk-sim-secret';
const WAIT = { timeout: 10_000, interval: 20 };

/** Pass-through HTTP proxy to the simulator; `swallowNextPlace` forwards the next POST /orders/* but never answers it. */
async function startProxy(target: string): Promise<{ url: string; swallowNextPlace: () => void; swallowed: number; orderBodies: URLSearchParams[]; close: () => Promise<void> }> {
  let swallow = false;
  const held: ServerResponse[] = [];
  const state = { swallowed: 0 };
  const orderBodies: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const method = req.method ?? 'GET';
        const headers: Record<string, string> = {};
        for (const h of ['authorization', 'content-type', 'x-kite-version']) {
          const v = req.headers[h];
          if (typeof v === 'string') headers[h] = v;
        }
        if (method === 'POST' && (req.url ?? '').startsWith('/orders/')) orderBodies.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        const up = await fetch(`${target}${req.url ?? '/'}`, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }) });
        const text = await up.text();
        if (swallow && method === 'POST' && (req.url ?? '').startsWith('/orders/')) {
          swallow = false;
          state.swallowed++;
          held.push(res); // the simulator placed it; the client hears nothing and times out
          return;
        }
        res.writeHead(up.status, { 'Content-Type': up.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    swallowNextPlace: () => {
      swallow = true;
    },
    get swallowed() {
      return state.swallowed;
    },
    orderBodies,
    close: () =>
      new Promise<void>((r) => {
        for (const h of held) h.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let seq = 0;
const req = (over: Partial<OrderRequest>): OrderRequest => ({
  clientId: `kdlb${Date.now().toString(36)}${++seq}`,
  symbol: 'INFY',
  exchange: 'NSE',
  side: 'BUY',
  qty: 2,
  orderType: 'LIMIT',
  product: 'MIS',
  validity: 'DAY',
  variety: 'regular',
  strategy: 'it',
  source: 'manual',
  tsInit: Date.now(),
  ...over,
});

describe('KiteLiveBroker against the Kite simulator', () => {
  const sim = new KiteSimulator();
  /** Prices move only when the test says so; the time is a fixed Monday in session (2026-05-04 10:00 IST). */
  const market = new ManualMarket(NIFTY50_SEEDS.filter((s) => ['INFY', 'SBIN', 'ITC', 'TCS'].includes(s.symbol)), Date.UTC(2026, 4, 4, 4, 30));
  let r: RunningKiteSimulator;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let rest: KiteRest;
  let pool: KiteTickerPool;
  let live: KiteLiveBroker;
  let polled: KiteLiveBroker;
  let oms: OrderManager;
  let omsPolled: OrderManager;
  const omsErrors: Error[] = [];
  const logs: string[] = [];

  const simOrdersTagged = (tag: string) => sim.exchange.allOrders().filter((o) => o.tag === tag);

  beforeAll(async () => {
    r = await sim.start({ port: 0, market, flushIntervalMs: 50 });
    proxy = await startProxy(r.url);
    rest = new KiteRest({ apiKey: API_KEY, root: proxy.url, timeoutMs: 1500, getRetryInitialMs: 50 });
    const res = await fetch(loginUrl(API_KEY, r.loginUrl), { redirect: 'manual' });
    const { requestToken } = parseRedirect(res.headers.get('location')!);
    const session = await exchangeRequestToken(rest, requestToken, API_SECRET);

    const log = (lvl: string, m: string) => logs.push(`${lvl}: ${m}`);
    live = new KiteLiveBroker({ rest, clock: systemClock, lookupIntervalMs: 100, log });
    polled = new KiteLiveBroker({ rest, clock: systemClock, lookupIntervalMs: 100, lookupAttempts: 3, log });
    oms = new OrderManager({ broker: live, clock: systemClock });
    omsPolled = new OrderManager({ broker: polled, clock: systemClock });
    oms.onError((e) => omsErrors.push(e));
    omsPolled.onError((e) => omsErrors.push(e));

    pool = new KiteTickerPool({ apiKey: API_KEY, accessToken: session.accessToken, root: r.wsUrl, staleCheckMs: 0, backoff: { initialMs: 100, maxMs: 500, jitter: 0 } });
    pool.onOrderUpdate((d) => live.onKiteOrderUpdate(d));
    pool.subscribe([sim.instruments.find((i) => i.tradingsymbol === 'INFY')!.token], 'ltp');
    await vi.waitFor(() => expect(sim.stats().connections).toBe(1), WAIT);
  });

  afterAll(async () => {
    pool?.close();
    await live?.close();
    await polled?.close();
    await proxy?.close();
    await sim.close();
  });

  it('LIMIT rests OPEN, fills when the price comes down to it (stream), then COMPLETE at the limit', async () => {
    const o = oms.submit(req({ qty: 3, pricePaise: 143_000 })); // INFY starts at 1440.00
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('OPEN'), WAIT);
    const kid = live.brokerOrderId(o.orderId)!;
    expect(kid).toMatch(/^\d{19}$/);
    expect(sim.exchange.get(kid)).toMatchObject({ tag: o.clientId, pricePaise: 143_000, quantity: 3, status: 'OPEN' });
    expect(Object.fromEntries(proxy.orderBodies.find((b) => b.get('tag') === o.clientId)!)).toEqual({
      variety: 'regular', exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', order_type: 'LIMIT', product: 'MIS', quantity: '3', validity: 'DAY', tag: o.clientId, price: '1430', // (the official client repeats the path's variety)
    });

    market.trade('INFY', 143_500); // not yet
    market.trade('INFY', 143_000); // asks now start at 1430.00
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('COMPLETE'), WAIT);
    expect(oms.get(o.orderId)).toMatchObject({ filledQty: 3, pendingQty: 0, filledValuePaise: 3 * 143_000, modifications: 0 });
    const simFilled = sim.exchange.trades(kid).reduce((a, t) => a + t.quantity * t.pricePaise, 0);
    expect(oms.get(o.orderId)!.filledValuePaise).toBe(simFilled);
    expect(omsErrors).toEqual([]);
  });

  it('modify (quantity and price) and cancel reach the simulator; the OMS gets the ack and CANCELLED', async () => {
    const o = oms.submit(req({ qty: 2, pricePaise: 140_000 }));
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('OPEN'), WAIT);
    const kid = live.brokerOrderId(o.orderId)!;
    oms.modify(o.orderId, { qty: 4, pricePaise: 140_500 });
    await vi.waitFor(() => expect(oms.get(o.orderId)).toMatchObject({ status: 'OPEN', qty: 4, pricePaise: 140_500, pendingQty: 4, modifications: 1 }), WAIT);
    expect(sim.exchange.get(kid)).toMatchObject({ quantity: 4, pricePaise: 140_500, modifications: 1 });

    oms.cancel(o.orderId);
    await vi.waitFor(() => expect(oms.get(o.orderId)).toMatchObject({ status: 'CANCELLED', cancelledQty: 4, pendingQty: 0 }), WAIT);
    expect(sim.exchange.get(kid).status).toBe('CANCELLED');
    // a modify of the cancelled order: refused by the OMS before any broker is asked
    expect(() => oms.modify(o.orderId, { qty: 5 })).toThrow(/CANCELLED/);
    await expect(live.modifyAsync(o.orderId, { qty: 5 })).rejects.toMatchObject({ code: 'ORDER_TERMINAL' });
    expect(omsErrors).toEqual([]);
  });

  it('a refused modify surfaces Kite\'s message (modifyAsync rejects; the order stays OPEN with the reason)', async () => {
    const o = oms.submit(req({ qty: 1, pricePaise: 139_000 }));
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('OPEN'), WAIT);
    // not a multiple of the 5-paise tick: KiteRest sends 1390.03, the simulator refuses like Kite
    await expect(live.modifyAsync(o.orderId, { pricePaise: 139_003 })).rejects.toMatchObject({ name: 'BrokerError', code: 'InputException', message: expect.stringMatching(/^Tick size for this script is 0\.10/) }); // INFY's real tick
    await vi.waitFor(() => expect(oms.get(o.orderId)!.statusMessage).toMatch(/^modify rejected: Tick size/), WAIT);
    expect(oms.get(o.orderId)).toMatchObject({ status: 'OPEN', pricePaise: 139_000, modifications: 0 });
    oms.cancel(o.orderId);
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('CANCELLED'), WAIT);
    expect(omsErrors).toEqual([]);
  });

  it('MARKET with market_protection (auto): protected at the simulator, COMPLETE, still MARKET in the OMS', async () => {
    const o = oms.submit(req({ symbol: 'SBIN', orderType: 'MARKET', qty: 2 }));
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('COMPLETE'), WAIT);
    const kid = live.brokerOrderId(o.orderId)!;
    const so = sim.exchange.get(kid);
    const sent = proxy.orderBodies.find((b) => b.get('tag') === o.clientId)!;
    expect(Object.fromEntries(sent)).toMatchObject({ order_type: 'MARKET', market_protection: '-1', quantity: '2', tradingsymbol: 'SBIN' });
    expect(sent.has('price')).toBe(false);
    expect(so.protectionPct).toBe(2); // -1 = auto = 2 % in the simulator
    expect(so.tags).toEqual([o.clientId, 'mktp', 'mktp:2.00']);
    expect(oms.get(o.orderId)).toMatchObject({ orderType: 'MARKET', modifications: 0, filledQty: 2 });
    expect(oms.get(o.orderId)!.filledValuePaise).toBe(sim.exchange.trades(kid).reduce((a, t) => a + t.quantity * t.pricePaise, 0));
    expect(omsErrors).toEqual([]);
  });

  it('refusals: a bad tick size (InputException at placement) and an RMS rejection after acceptance → REJECTED with Kite\'s message', async () => {
    const bad = oms.submit(req({ pricePaise: 143_003 }));
    await vi.waitFor(() => expect(oms.get(bad.orderId)!.status).toBe('REJECTED'), WAIT);
    expect(oms.get(bad.orderId)!.statusMessage).toMatch(/^Tick size for this script is 0\.10/);
    expect(simOrdersTagged(bad.clientId)).toHaveLength(0);

    const rich = oms.submit(req({ qty: 100_000, pricePaise: 144_000 })); // ₹14.4 cr against ₹10 lakh
    await vi.waitFor(() => expect(oms.get(rich.orderId)!.status).toBe('REJECTED'), WAIT);
    expect(oms.get(rich.orderId)!.statusMessage).toMatch(/^Insufficient funds/);
    expect(simOrdersTagged(rich.clientId)).toHaveLength(1);
    expect(omsErrors).toEqual([]);
  });

  it('polled only: a MARKET fill across two book levels → one fill per trade (trade ids, exact prices)', async () => {
    const st = sim.exchange.lookupSymbol('NSE', 'ITC')!;
    const p = st.lastPaise;
    st.book.setLevels([], [
      { pricePaise: p, quantity: 2, orders: 1 },
      { pricePaise: p + 5, quantity: 3, orders: 1 },
    ]);
    const o = omsPolled.submit(req({ symbol: 'ITC', orderType: 'MARKET', qty: 5 }));
    await vi.waitFor(async () => {
      await polled.poll();
      expect(omsPolled.get(o.orderId)!.status).toBe('COMPLETE');
    }, WAIT);
    const kid = polled.brokerOrderId(o.orderId)!;
    const trades = sim.exchange.trades(kid);
    expect(trades).toHaveLength(2);
    expect(omsPolled.fills().filter((f) => f.orderId === o.orderId).map((f) => [f.fillId, f.qty, f.pricePaise])).toEqual(trades.map((t) => [t.tradeId, t.quantity, t.pricePaise]));
    expect(omsPolled.get(o.orderId)!.filledValuePaise).toBe(2 * p + 3 * (p + 5));
    expect(omsErrors).toEqual([]);
  });

  it('timeout on place (the simulator placed it, the answer is lost) → OUTCOME_UNKNOWN → found by tag; exactly one order at the simulator', async () => {
    const before = sim.stats().ordersPlaced;
    proxy.swallowNextPlace();
    const seen: (string | undefined)[] = [];
    const o = omsPolled.submit(req({ qty: 1, pricePaise: 138_000 }));
    omsPolled.onOrder((x) => {
      if (x.orderId === o.orderId) seen.push(x.statusMessage);
    });
    await vi.waitFor(() => expect(omsPolled.get(o.orderId)!.statusMessage).toBe(OUTCOME_UNKNOWN), WAIT);
    expect(omsPolled.needsReconcile().map((x) => x.orderId)).toContain(o.orderId);
    await vi.waitFor(() => expect(omsPolled.get(o.orderId)!.status).toBe('OPEN'), WAIT);
    expect(proxy.swallowed).toBe(1);
    const mine = simOrdersTagged(o.clientId);
    expect(mine).toHaveLength(1);
    expect(polled.brokerOrderId(o.orderId)).toBe(mine[0]!.orderId);
    expect(sim.stats().ordersPlaced).toBe(before + 1);
    expect(seen).toContain(OUTCOME_UNKNOWN);
    omsPolled.cancel(o.orderId);
    // Kite answers the cancel while the order is still CANCEL PENDING; a polled broker learns CANCELLED from a later poll
    await vi.waitFor(async () => {
      await polled.poll();
      expect(omsPolled.get(o.orderId)!.status).toBe('CANCELLED');
    }, WAIT);
    expect(simOrdersTagged(o.clientId)).toHaveLength(1);
    expect(sim.stats().ordersPlaced).toBe(before + 1);
    expect(omsErrors).toEqual([]);
  });

  it('with the stream, a lost place answer needs no lookup: the order message carries the tag', async () => {
    const before = sim.stats().ordersPlaced;
    proxy.swallowNextPlace();
    const o = oms.submit(req({ qty: 1, pricePaise: 137_000 }));
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('OPEN'), WAIT);
    await live.idle(); // the place request has timed out by now
    expect(proxy.swallowed).toBe(2);
    expect(oms.get(o.orderId)!.statusMessage).not.toBe(OUTCOME_UNKNOWN);
    expect(simOrdersTagged(o.clientId)).toHaveLength(1);
    expect(sim.stats().ordersPlaced).toBe(before + 1);
    oms.cancel(o.orderId);
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('CANCELLED'), WAIT);
  });

  it('a 503 on place (refused before the simulator placed anything) → unknown → not found after 3 checks → REJECTED; never resent', async () => {
    await live.idle(); // nothing else may take the injected failure
    await polled.idle();
    const before = sim.stats().ordersPlaced;
    sim.failNext(1, 503);
    const o = omsPolled.submit(req({ qty: 1, pricePaise: 136_000 }));
    await vi.waitFor(() => expect(omsPolled.get(o.orderId)!.status).toBe('REJECTED'), WAIT);
    expect(omsPolled.get(o.orderId)!.statusMessage).toBe('not found at broker after 3 checks');
    expect(simOrdersTagged(o.clientId)).toHaveLength(0);
    expect(sim.stats().ordersPlaced).toBe(before);
    expect(omsErrors).toEqual([]);
  });

  it('startup reconcile: a fresh broker finds restored open orders by tag and brings them up to date', async () => {
    // an order placed by "the previous run" (the polled broker), then filled while nobody listened
    const px = Math.floor((sim.exchange.lookupSymbol('NSE', 'TCS')!.lastPaise * 0.95) / 5) * 5; // below the market: rests
    const o = omsPolled.submit(req({ symbol: 'TCS', qty: 2, pricePaise: px }));
    await vi.waitFor(async () => {
      await polled.poll();
      expect(omsPolled.get(o.orderId)!.status).toBe('OPEN');
    }, WAIT);
    const snapshot = { ...omsPolled.get(o.orderId)! };
    const gone = { ...snapshot, orderId: 'lostone', clientId: `kdlost${Date.now().toString(36)}` };
    market.trade('TCS', px);

    const fresh = new KiteLiveBroker({ rest, clock: systemClock, lookupIntervalMs: 50, lookupAttempts: 2 });
    const oms2 = new OrderManager({ broker: fresh, clock: systemClock });
    const errs: Error[] = [];
    oms2.onError((e) => errs.push(e));
    oms2.restore([snapshot, gone], []);
    const report = await fresh.reconcile(oms2.openOrders());
    expect(report).toEqual({ aligned: [o.orderId], notFound: ['lostone'], unchecked: [] });
    expect(oms2.get(o.orderId)).toMatchObject({ status: 'COMPLETE', filledQty: 2, filledValuePaise: 2 * px });
    expect(oms2.fills().map((f) => f.fillId)).toEqual(sim.exchange.trades(fresh.brokerOrderId(o.orderId)!).map((t) => t.tradeId));
    expect(oms2.get('lostone')).toMatchObject({ status: 'OPEN' }); // never assumed flat or cancelled
    expect(oms2.needsReconcile().map((x) => x.orderId)).toContain('lostone');
    expect(errs).toEqual([]);
    await fresh.close();
  });
});
