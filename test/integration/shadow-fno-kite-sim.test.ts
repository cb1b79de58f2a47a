/**
 * Issue 14, shadow mode on the Kite feed against kitedesk sim: an NFO future from the day's dump is added
 * (watchlist), subscribed and ticks; a shadow order on it in whole lots passes Kite's basket-margin check
 * (the simulator sees POST /margins/basket) and is simulated; an oversized one is refused by Kite's margin
 * answer (the engine's own paper approximation is switched off here so that Kite's answer decides).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KiteDeskApi } from '../../src-engine/contract/api.js';
import type { RpcClient } from '../../src-engine/contract/rpc-client.js';
import { KiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { MarginCalculator } from '../../src-engine/kite-sim/rest-extras.js';
import type { Engine } from '../../src-engine/runtime/engine.js';
import type { KiteSessionManager } from '../../src-engine/runtime/kite-session.js';
import { isMarketOpen } from '../../src-engine/core/nse-calendar.js';
import { startKiteEngine, until } from '../support/kite-engine.js';

const PROFILE = `
mode: shadow
feed: { kind: kite, backfillMinutes: 5 }
watchlist: [INFY]
universe: { seed: custom, symbols: [INFY], softCap: 1 }
strategies: []
trading: { risk: { checkMargin: false, maxOrderValuePaise: 100000000000, maxGrossExposurePaise: 100000000000 } }
`;

describe('shadow F&O on the Kite feed against kitedesk sim: basket margins', () => {
  const sim = new KiteSimulator();
  let kite: KiteSessionManager;
  let engine: Engine;
  let client: RpcClient<KiteDeskApi>;
  const basketSpy = vi.spyOn(MarginCalculator.prototype, 'basket');
  let fut: { symbol: string; lot: number };
  let offDepth: (() => void) | undefined;

  beforeAll(async () => {
    ({ kite, engine, client } = await startKiteEngine(sim, { sim: { seed: 7 }, profileYaml: PROFILE, dataDirPrefix: 'kitedesk-shadow-fno-' }));
    const f = sim.instruments.find((i) => i.exchange === 'NFO' && i.instrumentType === 'FUT' && i.name === 'NIFTY')!;
    fut = { symbol: f.tradingsymbol, lot: f.lotSize };
  });

  afterAll(async () => {
    offDepth?.();
    basketSpy.mockRestore();
    engine?.stop();
    kite?.dispose();
    await sim.close();
  });

  it('an NFO future from the dump is added, subscribed and ticks', async () => {
    await until("the Kite dump is loaded", () => engine.feed.status().instrumentsDate !== undefined);
    engine.setWatchlist(['INFY', fut.symbol]);
    const inst = engine.instruments.find((i) => i.symbol === fut.symbol);
    expect(inst).toMatchObject({ exchange: 'NFO', kind: 'FUT', lotSize: fut.lot, underlying: 'NIFTY' });
    // an order book open on the future (as the depth panel does): full packets, whose exchange time is the
    // engine's clock — quote packets carry none, and the engine would run on the wall clock (closed at night)
    offDepth = engine.market.onDepth(fut.symbol, () => {});
    await until(`a live tick of ${fut.symbol}`, () => {
      const q = engine.market.quote(fut.symbol);
      return q !== undefined && q.lastPaise > 0 && q.tsEvent > engine.feed.now() - 2000;
    });
    await until("the engine's clock on the simulator's session", () => isMarketOpen(engine.feed.now()));
  });

  it('a one-lot shadow order passes Kite basket margins; an oversized one is REJECTED with Kite required vs available', async () => {
    const before = basketSpy.mock.calls.length;
    const ok = await client.call('orders.place', { symbol: fut.symbol, side: 'BUY', qty: fut.lot, orderType: 'MARKET', product: 'NRML' });
    expect(ok.decision, JSON.stringify(ok.decision)).toMatchObject({ action: 'ALLOW' });
    expect(ok.orders[0]!.broker).toBe('shadow');
    const okId = ok.orders[0]!.orderId;
    const done = await until('the one-lot order is worked', () => {
      const o = engine.trading.orders().find((x) => x.orderId === okId);
      return o && o.status !== 'PUT ORDER REQ RECEIVED' ? o : undefined;
    });
    expect(done.status, done.statusMessage).not.toBe('REJECTED');
    expect(basketSpy.mock.calls.length).toBeGreaterThan(before);
    expect(basketSpy.mock.calls.at(-1)![0]).toEqual([expect.objectContaining({ exchange: 'NFO', tradingsymbol: fut.symbol, quantity: fut.lot, transaction_type: 'BUY' })]);

    // the simulator's account holds ₹10 lakh; ten NIFTY lots need well over that
    const big = await client.call('orders.place', { symbol: fut.symbol, side: 'BUY', qty: fut.lot * 10, orderType: 'MARKET', product: 'NRML' });
    expect(big.decision, JSON.stringify(big.decision)).toMatchObject({ action: 'ALLOW' });
    const bigId = big.orders[0]!.orderId;
    const rej = await until('the oversized order is refused', () => {
      const o = engine.trading.orders().find((x) => x.orderId === bigId);
      return o && o.status !== 'PUT ORDER REQ RECEIVED' ? o : undefined;
    });
    expect(rej.status).toBe('REJECTED');
    expect(rej.statusMessage).toMatch(/^margin: Kite requires ₹[\d,.]+ for BUY \d+ NFO:\S+ \(open positions considered\) but only ₹[\d,.]+ is available$/);
  });
});
