/**
 * `orders.charges` and `orders.liveParams` of an earlier day's order: the order manager drops finished
 * orders at the day roll, and these answer from the journal (SQLite) instead — the same answer, in the
 * same shape, as on the order's own day (and after a restart the same day, when the new shadow broker
 * has no record of the order). The engine runs on the built-in simulator from a fixed Monday
 * (a fake clock: the simulator's), so this passes at any hour.
 */
import { describe, expect, it } from 'vitest';
import { kiteDeskApi } from '../../src-engine/contract/api.js';
import { ErrorCode } from '../../src-engine/contract/errors.js';
import { RpcClient } from '../../src-engine/contract/rpc-client.js';
import { createMemoryPair } from '../../src-engine/contract/transport.js';
import { createEngineServer } from '../../src-engine/api/server.js';
import { istTime } from '../../src-engine/core/nse-calendar.js';
import { openDatabase } from '../../src-engine/persistence/db.js';
import { TradingRepo } from '../../src-engine/persistence/trading-repo.js';
import { parseRunProfile } from '../../src-engine/runtime/config.js';
import { Engine, type WatchlistStore } from '../../src-engine/runtime/engine.js';

// Mon 2026-11-23 10:00 IST; Tue 24 is an NSE holiday, so the next trading day is Wed 25
const YAML = `
mode: shadow
feed: { kind: simulator, seed: 5, startTime: '2026-11-23T10:00:00+05:30', backfillMinutes: 0, instruments: 3, ticksPerSecond: 2 }
watchlist: [ADANIPORTS]
strategies: []
trading: { paper: { latencyMs: 0 } }
`;

const watchlist = (): WatchlistStore => {
  let s: string[] = [];
  return { get: () => [...s], set: (x) => void (s = [...x]) };
};

describe('orders.charges / orders.liveParams of an earlier day\'s order (from the journal)', () => {
  it('answer as on the order\'s own day after the day roll has dropped the order; an unknown id is still NOT_FOUND', async () => {
    const db = openDatabase(':memory:');
    const e = new Engine({ profile: parseRunProfile(YAML, 'inline.yaml'), watchlist: watchlist(), autoStart: false, trading: new TradingRepo(db, 'shadow') });
    const server = createEngineServer(e, {});
    const [a, b] = createMemoryPair();
    server.accept(a);
    const c = new RpcClient(kiteDeskApi, { timeoutMs: 30_000 });
    c.attach(b);
    const advanceTo = (t: number) => {
      while (e.feed.now() < t) e.simulator.advance(Math.min(600_000, t - e.feed.now()));
    };
    try {
      const symbol = 'ADANIPORTS';
      advanceTo(istTime('2026-11-23', '10:05'));
      expect(e.trading.portfolio().mode).toBe('shadow');
      const last = e.market.quote(symbol)!.lastPaise;
      const tick = 100; // ₹1: on every equity tick grid
      const low = Math.floor((last * 0.985) / tick) * tick; // rests below the market, inside the ±3 % price band

      // a LIMIT that rests, is modified, then cancelled; a MARKET that fills (charges)
      const placed = await c.call('orders.place', { symbol, side: 'BUY', qty: 2, orderType: 'LIMIT', pricePaise: low, clientId: 'jrnlLimit1' });
      expect(placed.decision.action).toBe('ALLOW');
      const rest = placed.orders[0]!;
      expect(rest.status).toBe('OPEN');
      await c.call('orders.modify', { orderId: rest.orderId, pricePaise: low - tick, qty: 3 });
      await c.call('orders.cancel', { orderId: rest.orderId });
      const mkt = (await c.call('orders.place', { symbol, side: 'BUY', qty: 5, orderType: 'MARKET', clientId: 'jrnlMkt1' })).orders[0]!;
      expect(mkt.status).toBe('COMPLETE');

      const sameDay = {
        mktCharges: await c.call('orders.charges', { orderId: mkt.orderId }),
        restCharges: await c.call('orders.charges', { orderId: rest.orderId }),
        mktLive: await c.call('orders.liveParams', { orderId: mkt.orderId }),
        restLive: await c.call('orders.liveParams', { orderId: rest.orderId }),
      };
      expect(sameDay.mktCharges.totalPaise).toBeGreaterThan(0);
      expect(sameDay.restCharges.totalPaise).toBe(0);
      expect(sameDay.mktLive.map((r) => r.kind)).toEqual(['place']);
      expect(sameDay.mktLive[0]!.params).toMatchObject({ tradingsymbol: symbol, order_type: 'MARKET', quantity: 5, tag: 'jrnlMkt1', market_protection: -1 });
      expect(sameDay.restLive.map((r) => r.kind)).toEqual(['place', 'modify', 'cancel']);
      expect(sameDay.restLive[1]!.params).toEqual({ quantity: 3, price: ((low - tick) / 100).toFixed(2) });

      // a restart the same day: the order manager holds the orders again, the new shadow broker has no
      // record of them: the journal answers
      const e2 = new Engine({ profile: parseRunProfile(YAML.replace('10:00:00+05:30', '10:10:00+05:30'), 'inline.yaml'), watchlist: watchlist(), autoStart: false, trading: new TradingRepo(db, 'shadow') });
      try {
        expect(e2.trading.orders().map((o) => o.orderId)).toEqual(expect.arrayContaining([mkt.orderId, rest.orderId]));
        expect(e2.trading.liveParams(rest.orderId)).toEqual(sameDay.restLive);
        expect(e2.trading.liveParams(mkt.orderId)).toEqual(sameDay.mktLive);
        expect(e2.trading.orderCharges(mkt.orderId)).toEqual(sameDay.mktCharges);
      } finally {
        e2.stop();
      }

      // the next trading day: the roll drops the finished orders from the order manager
      advanceTo(istTime('2026-11-25', '09:20'));
      const today = await c.call('orders.list', {});
      expect(today.map((o) => o.orderId)).not.toContain(mkt.orderId);
      expect(today.map((o) => o.orderId)).not.toContain(rest.orderId);

      expect(await c.call('orders.charges', { orderId: mkt.orderId })).toEqual(sameDay.mktCharges);
      expect(await c.call('orders.charges', { orderId: rest.orderId })).toEqual(sameDay.restCharges);
      expect(await c.call('orders.liveParams', { orderId: mkt.orderId })).toEqual(sameDay.mktLive);
      expect(await c.call('orders.liveParams', { orderId: rest.orderId })).toEqual(sameDay.restLive);

      await expect(c.call('orders.charges', { orderId: 'no-such-order' })).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      await expect(c.call('orders.liveParams', { orderId: 'no-such-order' })).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    } finally {
      e.stop();
      db.close();
    }
  });
});
