import { describe, expect, it } from 'vitest';
import type { OrderRequest, OrderStatus, TradableInstrument } from '../model/order.js';
import { orderRequest } from '../model/testing.js';
import type { BrokerOrderUpdate, MarketView } from './broker.js';
import { OrderManager } from './order-manager.js';
import { PaperBroker } from './paper-broker.js';

/**
 * PaperBrokerOptions.transientStatuses false (the backtester's): the same checks, fills and final order
 * states as Kite's full sequence, without VALIDATION PENDING and OPEN PENDING on the way.
 */

const T0 = 1_750_000_000_000;
const INFY: TradableInstrument = { symbol: 'INFY', exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 };

function rig(transientStatuses: boolean, marketFill: 'last' | 'next_tick') {
  const t = { now: T0, open: true };
  const last = new Map<string, { p: number; at: number }>([['INFY', { p: 100_00, at: T0 }]]);
  const market: MarketView = {
    lastPricePaise: (s) => last.get(s)?.p,
    lastTickAt: (s) => last.get(s)?.at,
    depth: () => undefined,
    instrument: (s) => (s === 'INFY' ? INFY : undefined),
  };
  const clock = { now: () => t.now };
  const broker = new PaperBroker({ market, clock, marketHours: () => t.open, nextOpen: (ms) => ms + 60_000, marketFill, transientStatuses, slippage: { ticks: 1 } });
  const updates: BrokerOrderUpdate[] = [];
  broker.onUpdate((u) => updates.push(u));
  const oms = new OrderManager({ broker, clock });
  oms.onError((e) => {
    throw e;
  });
  let n = 0;
  return {
    t,
    oms,
    updates,
    submit: (over: Partial<OrderRequest> = {}) => oms.submit(orderRequest({ clientId: `c${++n}`, tsInit: t.now, ...over })).orderId,
    tick: (p: number) => {
      t.now += 1_000;
      last.set('INFY', { p, at: t.now });
      broker.onTick('INFY', p, t.now);
    },
    clock: (ms: number) => {
      t.now += ms;
      broker.onClock(t.now);
    },
  };
}

type Rig = ReturnType<typeof rig>;

/** Every kind of placement: filled at once, next print, resting limit, stop, rejections, an AMO released at the open. */
function scenario(r: Rig): void {
  r.submit({ orderType: 'MARKET', pricePaise: undefined });
  r.submit({ orderType: 'LIMIT', pricePaise: 99_50 });
  r.submit({ orderType: 'LIMIT', pricePaise: 90_00 }); // rests
  r.submit({ orderType: 'SL-M', side: 'SELL', pricePaise: undefined, triggerPaise: 99_00 });
  r.submit({ orderType: 'LIMIT', pricePaise: 100_02 }); // not a tick multiple: rejected
  r.submit({ symbol: 'WIPRO', orderType: 'MARKET', pricePaise: undefined }); // unknown: rejected
  r.tick(99_50);
  r.tick(98_95);
  r.t.open = false;
  r.submit({ orderType: 'MARKET', pricePaise: undefined }); // market closed: rejected
  r.submit({ orderType: 'LIMIT', pricePaise: 99_00, variety: 'amo' }); // queued for the open
  r.clock(60_000);
  r.t.open = true;
  r.tick(99_00);
  r.tick(98_90);
}

const TRANSIENT: OrderStatus[] = ['VALIDATION PENDING', 'OPEN PENDING'];

describe('paper broker without transient placement statuses', () => {
  for (const fill of ['last', 'next_tick'] as const) {
    it(`ends every order where Kite's full sequence does, with the same fills (marketFill ${fill})`, () => {
      const full = rig(true, fill);
      const short = rig(false, fill);
      scenario(full);
      scenario(short);
      const snap = (r: Rig) => r.oms.orders().map((o) => ({ ...o }));
      expect(snap(short)).toEqual(snap(full));
      expect(short.oms.fills()).toEqual(full.oms.fills());
      const statuses = snap(full).map((o) => o.status);
      // the scenario covers completed, resting, triggered, rejected and AMO orders
      expect(new Set(statuses)).toEqual(new Set(['COMPLETE', 'REJECTED', 'OPEN']));
      expect(full.oms.fills().length).toBeGreaterThanOrEqual(4);
      expect(full.updates.some((u) => TRANSIENT.includes(u.status))).toBe(true);
      expect(short.updates.filter((u) => TRANSIENT.includes(u.status))).toEqual([]);
      // the same updates otherwise, in the same order
      expect(short.updates).toEqual(full.updates.filter((u) => !TRANSIENT.includes(u.status)));
    });
  }
});
