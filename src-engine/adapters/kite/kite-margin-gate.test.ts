import { describe, expect, it } from 'vitest';
import type { Broker, BrokerOrderUpdate } from '../../execution/broker.js';
import { KiteMarginGate, MarginGatedBroker, type KiteMarginApi } from './kite-margin-gate.js';
import type { Order } from '../../model/order.js';

const order = (o: Partial<Order> = {}): Order =>
  ({ orderId: 'O1', clientId: 'C1', symbol: 'NIFTY26DECFUT', exchange: 'NFO', side: 'BUY', qty: 65, orderType: 'MARKET', product: 'NRML', validity: 'DAY', variety: 'regular', strategy: 's', source: 'manual', tsInit: 0, status: 'PUT ORDER REQ RECEIVED', filledQty: 0, ...o }) as unknown as Order;

function fakeApi(requiredPaise: number, netPaise: number) {
  const calls = { basket: 0, margins: 0 };
  const api: KiteMarginApi = {
    basketMargins: () => {
      calls.basket++;
      return Promise.resolve({ initialTotalPaise: requiredPaise, finalTotalPaise: requiredPaise, orders: [] });
    },
    margins: () => {
      calls.margins++;
      return Promise.resolve({ enabled: true, netPaise, available: {}, utilised: {} });
    },
  };
  return { api, calls };
}

describe('KiteMarginGate', () => {
  it('required above available refuses quoting both; equal fits', async () => {
    const clock = { now: () => 0 };
    expect(await new KiteMarginGate({ api: fakeApi(1_000_01, 1_000_00).api, clock }).check(order())).toMatchObject({ ok: false, requiredPaise: 1_000_01, availablePaise: 1_000_00, reason: expect.stringMatching(/Kite requires ₹1000\.01 for BUY 65 NFO:NIFTY26DECFUT \(open positions considered\) but only ₹1000\.00 is available/) as unknown });
    expect(await new KiteMarginGate({ api: fakeApi(1_000_00, 1_000_00).api, clock }).check(order())).toEqual({ ok: true, requiredPaise: 1_000_00, availablePaise: 1_000_00 });
  });

  it('a failing available-margin call refuses; invalidate() asks again', async () => {
    const t = 0;
    const { api, calls } = fakeApi(10, 100);
    const gate = new KiteMarginGate({ api, clock: { now: () => t } });
    await gate.check(order());
    await gate.check(order());
    expect(calls).toEqual({ basket: 1, margins: 1 });
    gate.invalidate();
    await gate.check(order());
    expect(calls).toEqual({ basket: 2, margins: 2 });
    const broken = new KiteMarginGate({ api: { ...api, margins: () => Promise.reject(new Error('503 Service Unavailable')) } });
    expect(await broken.check(order())).toMatchObject({ ok: false, reason: expect.stringContaining("available-margin call failed (503 Service Unavailable)") as unknown });
  });
});

describe('MarginGatedBroker', () => {
  it('refuses a modify while the margin answer is pending; a fill drops the cached answers', async () => {
    let emit: ((u: BrokerOrderUpdate) => void) | undefined;
    const placed: string[] = [];
    const inner: Broker = { kind: 'live', place: (o) => void placed.push(o.orderId), modify: () => undefined, cancel: () => undefined, onUpdate: (l) => ((emit = l), () => undefined) };
    const { api, calls } = fakeApi(10, 100);
    const gate = new KiteMarginGate({ api, clock: { now: () => 0 }, ttlMs: 60_000 });
    const b = new MarginGatedBroker(inner, gate);
    const p = gate.check(order({ orderId: 'warm' }));
    await p;
    b.place(order());
    expect(() => b.modify('O1', { qty: 130 })).toThrow(/waiting for its margin check/);
    expect(() => b.place(order())).toThrow(/already waiting/);
    await gate.check(order()); // the same cached answer: the broker's continuation has run
    await Promise.resolve();
    expect(placed).toEqual(['O1']);
    expect(calls.basket).toBe(1);
    emit!({ orderId: 'O1', status: 'COMPLETE', fill: { fillId: 'F1', qty: 65, pricePaise: 100 }, tsEvent: 0 });
    await gate.check(order());
    expect(calls.basket).toBe(2);
  });
});
