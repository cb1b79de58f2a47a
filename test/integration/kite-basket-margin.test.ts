/**
 * Issue 14, live/shadow margin: KiteMarginGate and MarginGatedBroker against the in-process Kite simulator's
 * POST /margins/basket (NFO universe), through our KiteRest and its rate limiter. The simulator's margin
 * calculator is spied on, so the tests see that Kite (the sim) was really asked.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exchangeRequestToken, loginUrl, parseRedirect } from '../../src-engine/adapters/kite/login.js';
import { KiteRest } from '../../src-engine/adapters/kite/rest-client.js';
import type { Broker, BrokerOrderUpdate } from '../../src-engine/execution/broker.js';
import { KiteMarginGate, MarginGatedBroker } from '../../src-engine/adapters/kite/kite-margin-gate.js';
import type { Order } from '../../src-engine/model/order.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { MarginCalculator } from '../../src-engine/kite-sim/rest-extras.js';

const API_KEY = 'kitedesk-sim';
const API_SECRET = 'kitedesk-sim-secret';

describe('Kite basket-margin gate against the simulator (NFO)', () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;
  let rest: KiteRest;
  let now = 1_000_000;
  const clock = { now: () => now };
  const basketSpy = vi.spyOn(MarginCalculator.prototype, 'basket');
  let fut: { tradingsymbol: string; lotSize: number };

  beforeAll(async () => {
    r = await sim.start({ port: 0, speed: 1, seed: 7 });
    rest = new KiteRest({ apiKey: API_KEY, root: r.url });
    const res = await fetch(loginUrl(API_KEY, r.loginUrl), { redirect: 'manual' });
    const { requestToken } = parseRedirect(res.headers.get('location')!);
    await exchangeRequestToken(rest, requestToken, API_SECRET);
    const f = sim.instruments.find((i) => i.exchange === 'NFO' && i.instrumentType === 'FUT' && i.name === 'NIFTY');
    expect(f, 'the simulator universe has NIFTY futures').toBeDefined();
    fut = { tradingsymbol: f!.tradingsymbol, lotSize: f!.lotSize };
    expect(fut.lotSize).toBeGreaterThan(1);
  });

  afterAll(async () => {
    basketSpy.mockRestore();
    await sim.close();
  });

  const order = (lots: number, o: Partial<Order> = {}): Order =>
    ({
      orderId: `O${Math.random().toString(36).slice(2, 10)}`,
      clientId: 'T1',
      symbol: fut.tradingsymbol,
      exchange: 'NFO',
      side: 'BUY',
      qty: lots * fut.lotSize,
      orderType: 'MARKET',
      product: 'NRML',
      validity: 'DAY',
      variety: 'regular',
      strategy: 'test',
      source: 'strategy',
      tsInit: now,
      status: 'PUT ORDER REQ RECEIVED',
      filledQty: 0,
      pendingQty: lots * fut.lotSize,
      cancelledQty: 0,
      filledValuePaise: 0,
      ...o,
    }) as unknown as Order;

  it('one lot fits: Kite is asked (basket), the answer is cached for ttl, then asked again', async () => {
    const gate = new KiteMarginGate({ api: rest, clock, ttlMs: 2000 });
    const before = basketSpy.mock.calls.length;
    const v = await gate.check(order(1));
    expect(v.ok).toBe(true);
    expect(basketSpy.mock.calls.length).toBe(before + 1);
    const sent = basketSpy.mock.calls.at(-1)![0];
    expect(sent).toEqual([expect.objectContaining({ exchange: 'NFO', tradingsymbol: fut.tradingsymbol, transaction_type: 'BUY', quantity: fut.lotSize, product: 'NRML' })]);
    if (!v.ok) return;
    expect(v.requiredPaise).toBeGreaterThan(0);
    expect(v.availablePaise).toBe((await rest.margins('equity')).netPaise);
    await gate.check(order(1));
    expect(basketSpy.mock.calls.length).toBe(before + 1); // cached
    now += 2000;
    await gate.check(order(1));
    expect(basketSpy.mock.calls.length).toBe(before + 2); // expired: asked again
    expect(gate.basketCalls()).toBe(2);
  });

  it("an oversized order is refused with Kite's required vs available", async () => {
    const gate = new KiteMarginGate({ api: rest, clock, ttlMs: 0 });
    const one = await gate.check(order(1));
    expect(one.ok).toBe(true);
    if (!one.ok) return;
    const lots = Math.ceil(one.availablePaise / one.requiredPaise) * 2 + 1;
    const v = await gate.check(order(lots));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.requiredPaise!).toBeGreaterThan(v.availablePaise!);
    expect(v.reason).toMatch(/^margin: Kite requires ₹[\d,.]+ for BUY \d+ NFO:\S+ \(open positions considered\) but only ₹[\d,.]+ is available$/);
    expect(v.reason).toContain(`${lots * fut.lotSize} NFO:${fut.tradingsymbol}`);
  });

  it('a failed margin call refuses the order (never assumes enough margin)', async () => {
    const gate = new KiteMarginGate({ api: rest, clock, ttlMs: 0 });
    const v = await gate.check(order(1, { symbol: 'NIFTYNOSUCHFUT' }));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.reason).toMatch(/^margin check failed: Kite's basket-margin call for \d+ NFO:NIFTYNOSUCHFUT failed \(.*tradingsymbol.*\); the order is refused rather than assume enough margin$/);
    const down = new KiteMarginGate({ api: { basketMargins: () => Promise.reject(new Error('socket hang up')), margins: () => rest.margins('equity') }, clock });
    const d = await down.check(order(1));
    expect(d).toMatchObject({ ok: false, reason: expect.stringContaining('socket hang up') as unknown });
  });

  it('MarginGatedBroker: a fitting NFO order reaches the inner broker; an oversized one is REJECTED with the reason', async () => {
    const placed: string[] = [];
    let innerListener: ((u: BrokerOrderUpdate) => void) | undefined;
    const inner: Broker = {
      kind: 'shadow',
      place: (o) => {
        placed.push(o.orderId);
        innerListener?.({ orderId: o.orderId, status: 'OPEN', tsEvent: now });
      },
      modify: () => undefined,
      cancel: () => undefined,
      onUpdate: (l) => {
        innerListener = l;
        return () => undefined;
      },
    };
    const real = new KiteMarginGate({ api: rest, clock });
    const checks: Promise<unknown>[] = [];
    const gate = { check: (o: Order) => { const p = real.check(o); checks.push(p); return p; }, invalidate: () => real.invalidate() };
    const broker = new MarginGatedBroker(inner, gate, { clock });
    expect(broker.kind).toBe('shadow');
    const next = () => new Promise<BrokerOrderUpdate>((res) => {
      const off = broker.onUpdate((u) => {
        off();
        res(u);
      });
    });
    const small = order(1);
    let u = next();
    broker.place(small);
    expect(placed).toEqual([]); // waits for Kite's answer
    expect(await u).toMatchObject({ orderId: small.orderId, status: 'OPEN' });
    expect(placed).toEqual([small.orderId]);

    const big = order(10_000);
    u = next();
    broker.place(big);
    const rej = await u;
    expect(rej).toMatchObject({ orderId: big.orderId, status: 'REJECTED' });
    expect(rej.statusMessage).toMatch(/^margin: Kite requires ₹.* but only ₹.* is available$/);
    expect(placed).toEqual([small.orderId]);

    // an equity order is not gated
    const eq = order(1, { symbol: 'INFY', exchange: 'NSE', qty: 1 });
    broker.place(eq);
    expect(placed).toEqual([small.orderId, eq.orderId]);

    // cancelled while its check is pending: never sent
    const c = order(1);
    u = next();
    broker.place(c);
    broker.cancel(c.orderId);
    expect(await u).toMatchObject({ orderId: c.orderId, status: 'CANCELLED' });
    await checks.at(-1); // its answer arrives (the broker's own continuation ran first: registered earlier)
    expect(placed).not.toContain(c.orderId);
    expect(broker.pendingCount()).toBe(0);
  });
});
