/**
 * A kill-switch flatten of many positions through the live broker's order pacer, against the Kite
 * simulator: 100 square-off orders submitted at once all reach Kite — none refused by the pacer's
 * "wait beyond 10 s" rule, which still refuses a new entry decided behind them — at the pace
 * (trading.live.ordersPerSecond, default 8/s), with 0 HTTP 429s (docs/trading.md "Order pace").
 * Prices stand still and the time is a fixed Monday in session, so the run does not depend on the hour.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KiteLiveBroker } from '../../src-engine/adapters/kite/live-broker.js';
import { exchangeRequestToken, loginUrl, parseRedirect } from '../../src-engine/adapters/kite/login.js';
import { KiteRest } from '../../src-engine/adapters/kite/rest-client.js';
import { KiteTickerPool } from '../../src-engine/adapters/kite/ticker-pool.js';
import { systemClock } from '../../src-engine/core/clock.js';
import { OrderManager } from '../../src-engine/execution/order-manager.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import type { MarketSource } from '../../src-engine/kite-sim/market-source.js';
import { NIFTY50_SEEDS, type SimInstrumentSeed } from '../../src-engine/model/instruments.js';
import { orderRequest } from '../../src-engine/model/testing.js';
import type { Tick } from '../../src-engine/model/tick.js';

const API_KEY = 'kitedesk-sim';
const API_SECRET = 'kitedesk-sim-secret';
const N = 100;

/** No price moves; the time is Mon 2026-05-04 10:00 IST (in session) whatever the hour of the run. */
class StillMarket implements MarketSource {
  readonly seeds: readonly SimInstrumentSeed[] = NIFTY50_SEEDS.filter((s) => s.symbol === 'ITC');
  onTick(_l: (t: Tick) => void): () => void {
    return () => undefined;
  }
  start(): void {}
  stop(): void {}
  now(): number {
    return Date.UTC(2026, 4, 4, 4, 30);
  }
  prevClose(symbol: string): number {
    return this.seeds.find((x) => x.symbol === symbol)!.basePaise;
  }
}

describe('KiteLiveBroker: a flatten of 100 positions through the order pacer at the Kite simulator', () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;
  let pool: KiteTickerPool;
  let live: KiteLiveBroker;
  let oms: OrderManager;

  beforeAll(async () => {
    r = await sim.start({ port: 0, market: new StillMarket(), flushIntervalMs: 50 });
    // the default order limits: pace 8/s, a wait beyond 10 s refused, Kite's 10/s
    const rest = new KiteRest({ apiKey: API_KEY, root: r.url, timeoutMs: 5000 });
    const res = await fetch(loginUrl(API_KEY, r.loginUrl), { redirect: 'manual' });
    const session = await exchangeRequestToken(rest, parseRedirect(res.headers.get('location')!).requestToken, API_SECRET);
    live = new KiteLiveBroker({ rest, clock: systemClock, lookupIntervalMs: 200 });
    oms = new OrderManager({ broker: live, clock: systemClock });
    pool = new KiteTickerPool({ apiKey: API_KEY, accessToken: session.accessToken, root: r.wsUrl, staleCheckMs: 0, backoff: { initialMs: 100, maxMs: 500, jitter: 0 } });
    pool.onOrderUpdate((d) => live.onKiteOrderUpdate(d));
    pool.subscribe([sim.exchange.lookupSymbol('NSE', 'ITC')!.inst.token], 'ltp');
    await vi.waitFor(() => expect(sim.stats().connections).toBe(1), { timeout: 10_000, interval: 20 });
  });

  afterAll(async () => {
    pool?.close();
    await live?.close();
    await sim.close();
  });

  it('all 100 square-offs are sent, in order, at the pace, none refused, 0 HTTP 429; an entry behind them is refused before sending', async () => {
    const run = Date.now().toString(36).slice(-6);
    const tags = Array.from({ length: N }, (_, i) => `kdfl${run}${i}`);
    const exits = tags.map((clientId) =>
      oms.submit(orderRequest({ clientId, symbol: 'ITC', side: 'SELL', qty: 1, orderType: 'MARKET', pricePaise: undefined, source: 'killswitch', strategy: 'flat', tsInit: Date.now() })),
    );
    // a new entry decided now would wait ≈ 12.5 s behind the flatten: the pacer refuses it before sending
    const entry = oms.submit(orderRequest({ clientId: `kden${run}`, symbol: 'ITC', side: 'BUY', qty: 1, orderType: 'MARKET', pricePaise: undefined, source: 'strategy', strategy: 'flat', tsInit: Date.now() }));
    await vi.waitFor(() => expect(oms.get(entry.orderId)!.status).toBe('REJECTED'), { timeout: 10_000, interval: 50 });
    expect(oms.get(entry.orderId)!.statusMessage).toMatch(/paced at 8 requests\/s and the queue is full/);

    await vi.waitFor(() => expect(exits.filter((o) => live.brokerOrderId(o.orderId) !== undefined).length).toBe(N), { timeout: 60_000, interval: 100 });
    for (const o of exits) expect(oms.get(o.orderId)!.status, o.clientId).not.toBe('REJECTED');

    const mine = sim.orderPlacements().filter((p) => p.tag !== null && p.tag.includes(run));
    expect(mine.filter((p) => p.status === 429)).toEqual([]);
    expect(mine.map((p) => p.tag)).not.toContain(`kden${run}`);
    const placed = mine.filter((p) => p.status === 200);
    expect(placed.map((p) => p.tag).sort()).toEqual([...tags].sort());
    // sent in submission order, one at a time (exact order: core/rate-limiter.test.ts; here two sockets may swap neighbours)
    const arrival = placed.map((p) => tags.indexOf(p.tag!));
    for (let k = 0; k < N; k++) expect(Math.abs(arrival[k]! - k), `arrival ${k}`).toBeLessThanOrEqual(2);
    // at the pace: never more than Kite's 10 arrive in a rolling second, and the 100 take ≥ 99 × 125 ms less the arrival jitter
    const at = placed.map((p) => p.at);
    for (const t of at) expect(at.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(10);
    expect(at.at(-1)! - at[0]!).toBeGreaterThanOrEqual(99 * 125 - 500);
  }, 90_000);
});
