/**
 * KiteLiveBroker + the OMS against the Kite simulator when orders STAY PENDING, as on Kite (issue 10):
 * a placement held in OPEN PENDING, a cancel sent meanwhile (queued, or refused with the fault switch), a fill
 * that beats a pending cancel, and an exchange disconnect. Prices move only when the test trades; the order
 * stream is the ticker's order messages, as the kernel wires it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KiteLiveBroker } from '../../src-engine/adapters/kite/live-broker.js';
import { exchangeRequestToken, loginUrl, parseRedirect } from '../../src-engine/adapters/kite/login.js';
import { KiteRest } from '../../src-engine/adapters/kite/rest-client.js';
import { KiteTickerPool } from '../../src-engine/adapters/kite/ticker-pool.js';
import { systemClock } from '../../src-engine/core/clock.js';
import { OrderManager } from '../../src-engine/execution/order-manager.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { NIFTY50_SEEDS } from '../../src-engine/model/instruments.js';
import type { OrderRequest } from '../../src-engine/model/order.js';
import { orderRequest } from '../../src-engine/model/testing.js';
import { ManualMarket } from '../support/manual-market.js';

const API_KEY = 'kitedesk-sim';
const API_SECRET = 'kitedesk-sim-secret';
const WAIT = { timeout: 10_000, interval: 20 };

let seq = 0;
/** A LIMIT BUY 1 ITC by a person (every test sets its price): the shared order fixture with this suite's fields. */
const req = (over: Partial<OrderRequest>): OrderRequest =>
  orderRequest({ clientId: `kdpd${Date.now().toString(36)}${++seq}`, symbol: 'ITC', qty: 1, strategy: 'it', source: 'manual', tsInit: Date.now(), ...over });

describe('KiteLiveBroker: orders that stay pending at the Kite simulator', () => {
  const sim = new KiteSimulator();
  /** Prices move only when the test says so; the time is a fixed Monday in session (2026-05-04 10:00 IST). */
  const market = new ManualMarket(NIFTY50_SEEDS.filter((s) => ['INFY', 'ITC'].includes(s.symbol)), Date.UTC(2026, 4, 4, 4, 30));
  let r: RunningKiteSimulator;
  let rest: KiteRest;
  let pool: KiteTickerPool;
  let live: KiteLiveBroker;
  let oms: OrderManager;
  const omsErrors: Error[] = [];
  let itc = 0;
  /** A BUY limit `f` × the seed price of ITC, on its tick grid. */
  const px = (f: number) => {
    const tick = sim.exchange.lookupSymbol('NSE', 'ITC')!.inst.tickPaise;
    return Math.round((itc * f) / tick) * tick;
  };

  beforeAll(async () => {
    r = await sim.start({ port: 0, market, flushIntervalMs: 50 });
    itc = sim.exchange.lookupSymbol('NSE', 'ITC')!.lastPaise;
    rest = new KiteRest({ apiKey: API_KEY, root: r.url, timeoutMs: 2000, getRetryInitialMs: 50 });
    const res = await fetch(loginUrl(API_KEY, r.loginUrl), { redirect: 'manual' });
    const { requestToken } = parseRedirect(res.headers.get('location')!);
    const session = await exchangeRequestToken(rest, requestToken, API_SECRET);
    live = new KiteLiveBroker({ rest, clock: systemClock, lookupIntervalMs: 100 });
    oms = new OrderManager({ broker: live, clock: systemClock });
    oms.onError((e) => omsErrors.push(e));
    pool = new KiteTickerPool({ apiKey: API_KEY, accessToken: session.accessToken, root: r.wsUrl, staleCheckMs: 0, backoff: { initialMs: 100, maxMs: 500, jitter: 0 } });
    pool.onOrderUpdate((d) => live.onKiteOrderUpdate(d));
    pool.subscribe([sim.exchange.lookupSymbol('NSE', 'ITC')!.inst.token], 'ltp');
    await vi.waitFor(() => expect(sim.stats().connections).toBe(1), WAIT);
  });

  afterAll(async () => {
    sim.setFaults({ stuck: [], refuseWhilePending: false, exchangeDown: false });
    pool?.close();
    await live?.close();
    await sim.close();
  });

  it('a placement held in OPEN PENDING is not OPEN in the OMS; a cancel sent meanwhile lands once the exchange has it', async () => {
    sim.setFaults({ stuck: ['OPEN PENDING'] });
    const o = oms.submit(req({ pricePaise: px(0.95) }));
    await vi.waitFor(() => expect(live.brokerOrderId(o.orderId)).toBeDefined(), WAIT);
    const kid = live.brokerOrderId(o.orderId)!;
    await vi.waitFor(() => expect(sim.exchange.get(kid).status).toBe('OPEN PENDING'), WAIT);
    expect(oms.get(o.orderId)!.status).not.toBe('OPEN');
    oms.cancel(o.orderId);
    await new Promise((res) => setTimeout(res, 300));
    expect(sim.exchange.get(kid).status).toBe('OPEN PENDING'); // queued at the simulator
    expect(oms.get(o.orderId)!.status).not.toBe('CANCELLED');
    sim.setFaults({ stuck: [] });
    await vi.waitFor(() => expect(oms.get(o.orderId)).toMatchObject({ status: 'CANCELLED', cancelledQty: 1 }), WAIT);
    expect(sim.exchange.get(kid).status).toBe('CANCELLED');
    expect(omsErrors).toEqual([]);
  });

  it('refuseWhilePending: the cancel is refused with Kite\'s message, the order carries on and can be cancelled later', async () => {
    sim.setFaults({ stuck: ['OPEN PENDING'], refuseWhilePending: true });
    const o = oms.submit(req({ pricePaise: px(0.94) }));
    await vi.waitFor(() => expect(live.brokerOrderId(o.orderId)).toBeDefined(), WAIT);
    const kid = live.brokerOrderId(o.orderId)!;
    await vi.waitFor(() => expect(sim.exchange.get(kid).status).toBe('OPEN PENDING'), WAIT);
    await expect(live.cancelAsync(o.orderId)).rejects.toMatchObject({ name: 'BrokerError', code: 'InputException', message: expect.stringMatching(/being processed/) });
    await vi.waitFor(() => expect(oms.get(o.orderId)!.statusMessage).toMatch(/^cancel rejected: .*being processed/), WAIT);
    expect(oms.get(o.orderId)!.status).not.toBe('CANCELLED');
    sim.setFaults({ stuck: [], refuseWhilePending: false });
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('OPEN'), WAIT);
    oms.cancel(o.orderId);
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('CANCELLED'), WAIT);
    expect(omsErrors).toEqual([]);
  });

  it('a fill that beats a pending cancel: the order ends COMPLETE with its fill, not CANCELLED', async () => {
    const o = oms.submit(req({ qty: 2, pricePaise: px(0.97) }));
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('OPEN'), WAIT);
    const kid = live.brokerOrderId(o.orderId)!;
    sim.setFaults({ stuck: ['CANCEL PENDING'] });
    oms.cancel(o.orderId);
    await vi.waitFor(() => expect(sim.exchange.get(kid).status).toBe('CANCEL PENDING'), WAIT);
    market.trade('ITC', px(0.97)); // the book comes down to the limit: it fills
    await vi.waitFor(() => expect(oms.get(o.orderId)).toMatchObject({ status: 'COMPLETE', filledQty: 2 }), WAIT);
    sim.setFaults({ stuck: [] });
    await new Promise((res) => setTimeout(res, 300));
    expect(oms.get(o.orderId)).toMatchObject({ status: 'COMPLETE', filledQty: 2, filledValuePaise: 2 * px(0.97) });
    expect(sim.exchange.get(kid).status).toBe('COMPLETE');
    market.trade('ITC', itc); // back to where it was
    expect(omsErrors).toEqual([]);
  });

  it('exchange down: the order waits (not OPEN), then rests OPEN when the link is back', async () => {
    sim.setFaults({ exchangeDown: true });
    const o = oms.submit(req({ pricePaise: px(0.93) }));
    await vi.waitFor(() => expect(live.brokerOrderId(o.orderId)).toBeDefined(), WAIT);
    await new Promise((res) => setTimeout(res, 400));
    expect(sim.exchange.get(live.brokerOrderId(o.orderId)!).status).toBe('OPEN PENDING');
    expect(oms.get(o.orderId)!.status).not.toBe('OPEN');
    sim.setFaults({ exchangeDown: false });
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('OPEN'), WAIT);
    oms.cancel(o.orderId);
    await vi.waitFor(() => expect(oms.get(o.orderId)!.status).toBe('CANCELLED'), WAIT);
    expect(omsErrors).toEqual([]);
  });
});
