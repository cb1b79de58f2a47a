/**
 * Order-update texts: arbitrary strings and mutated `{"type":"order"}` messages through the real ticker
 * pool's text handler into the live broker and the OMS. Each must be applied, ignored, or refused with a
 * logged reason — never a throw into the ticker loop — and the order's figures must stay sane.
 */
import fc from 'fast-check';
import { KiteLiveBroker, type KiteRestPort } from '../adapters/kite/live-broker.js';
import type { PlaceOrderResult } from '../adapters/kite/rest-client.js';
import { KiteTickerPool } from '../adapters/kite/ticker-pool.js';
import { ALL_STATUSES } from '../execution/order-state.js';
import { OrderManager } from '../execution/order-manager.js';
import { Failures, type FuzzResult, describeError, forEachSampleAsync } from './common.js';

const TAG = 'fz1';
const KITE_ID = '250101000000001';

/** A Kite that accepts the one order and has empty books. */
function fakeRest(): KiteRestPort {
  return {
    placeOrder: async (p): Promise<PlaceOrderResult> => ({ outcome: 'placed', orderId: KITE_ID, tag: p.tag }),
    modifyOrder: async () => KITE_ID,
    cancelOrder: async () => KITE_ID,
    orders: async () => [],
    orderHistory: async () => [],
    trades: async () => [],
    orderTrades: async () => [],
  };
}

const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 10 }), fc.constant(''), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const row = fc.record(
  {
    order_id: fc.oneof(fc.constant(KITE_ID), fc.constant('999'), junk),
    tag: fc.oneof(fc.constant(TAG), junk),
    status: fc.oneof(fc.constantFrom(...ALL_STATUSES, 'UPDATE', 'TRIGGER PENDING', 'COMPLETE', 'REJECTED', 'CANCELLED'), junk),
    status_message: fc.oneof(fc.string({ maxLength: 20 }), junk),
    exchange: fc.oneof(fc.constant('NSE'), junk),
    tradingsymbol: fc.oneof(fc.constant('INFY'), junk),
    transaction_type: fc.oneof(fc.constantFrom('BUY', 'SELL'), junk),
    order_type: fc.oneof(fc.constantFrom('LIMIT', 'MARKET', 'SL', 'SL-M'), junk),
    product: fc.oneof(fc.constant('MIS'), junk),
    validity: fc.oneof(fc.constant('DAY'), junk),
    variety: fc.oneof(fc.constant('regular'), junk),
    quantity: fc.oneof(fc.constant(10), fc.integer({ min: -5, max: 30 }), junk),
    filled_quantity: fc.oneof(fc.integer({ min: -5, max: 30 }), junk),
    pending_quantity: fc.oneof(fc.integer({ min: -5, max: 30 }), junk),
    cancelled_quantity: fc.oneof(fc.integer({ min: -5, max: 30 }), junk),
    price: fc.oneof(fc.constant(1500), fc.double(), junk),
    trigger_price: fc.oneof(fc.constant(0), junk),
    average_price: fc.oneof(fc.constant(1499.5), fc.double(), junk),
    order_timestamp: fc.oneof(fc.constant('2026-11-20 10:00:00'), junk),
    exchange_timestamp: fc.oneof(fc.constant('2026-11-20 10:00:01'), junk),
  },
  { requiredKeys: [] },
);
const text = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.record({ type: fc.oneof(fc.constant('order'), junk), data: fc.oneof(row, junk) }).map((v) => JSON.stringify(v)) },
  { weight: 6, arbitrary: row.map((r) => JSON.stringify({ type: 'order', data: r })) },
  { weight: 1, arbitrary: row.map((r) => JSON.stringify({ type: 'order', data: r }).slice(0, 40)) },
);

interface Rig {
  pool: KiteTickerPool;
  broker: KiteLiveBroker;
  oms: OrderManager;
  orderId: string;
  problems: string[];
}

async function rig(): Promise<Rig> {
  const problems: string[] = [];
  const clock = { now: () => Date.parse('2026-11-20T10:00:00+05:30') };
  const broker = new KiteLiveBroker({ rest: fakeRest(), clock, sleep: async () => undefined, lookupIntervalMs: 0, refreshAfterAction: false });
  const oms = new OrderManager({ broker, clock, newOrderId: () => 'ord1' });
  oms.onError(() => undefined); // refused updates are reported there: a reason, not a crash
  const o = oms.submit({ clientId: TAG, symbol: 'INFY', exchange: 'NSE', side: 'BUY', qty: 10, orderType: 'LIMIT', product: 'MIS', validity: 'DAY', variety: 'regular', pricePaise: 150_000, strategy: 'manual', source: 'manual', tsInit: clock.now() });
  await broker.idle();
  const pool = new KiteTickerPool({ apiKey: 'fuzzkey', accessToken: 'fuzztoken' });
  pool.onOrderUpdate((d) => broker.onKiteOrderUpdate(d));
  pool.on('error', (e) => problems.push(`ticker pool reported: ${e.message}`));
  return { pool, broker, oms, orderId: o.orderId, problems };
}

export async function fuzzOrderUpdates(runs: number, seed: number): Promise<FuzzResult> {
  const fails = new Failures();
  let cases = 0;
  let r: Rig | undefined;
  const conn = { index: 0 };
  await forEachSampleAsync(text, runs, seed, async (t) => {
    if (cases % 100 === 0) {
      await r?.broker.close();
      r = await rig();
    }
    cases++;
    const x = r!;
    try {
      (x.pool as unknown as { onText(c: unknown, t: string): void }).onText(conn, t);
      await x.broker.idle();
    } catch (e) {
      return fails.add(`threw into the ticker loop: ${describeError(e)}`, t);
    }
    if (x.problems.length) return fails.add(x.problems.splice(0).join('; '), t);
    const o = x.oms.get(x.orderId);
    if (!o) return fails.add('the order is gone from the OMS', t);
    const nums = [o.filledQty, o.pendingQty, o.cancelledQty, o.filledValuePaise];
    if (!nums.every((n) => Number.isSafeInteger(n) && n >= 0)) fails.add(`order figures broken: ${JSON.stringify(o)}`, t);
    else if (o.filledQty + o.cancelledQty > o.qty) fails.add(`filled ${o.filledQty} + cancelled ${o.cancelledQty} > qty ${o.qty}`, t);
  });
  await r?.broker.close();
  return fails.result(cases);
}
