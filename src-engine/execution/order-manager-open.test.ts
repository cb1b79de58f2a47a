import { describe, expect, it } from 'vitest';
import { Rng } from '../core/random.js';
import type { Order } from '../model/order.js';
import { orderRequest } from '../model/testing.js';
import type { Broker, BrokerOrderUpdate } from './broker.js';
import { OrderManager } from './order-manager.js';

/** A broker the test drives: it records placements and emits whatever updates the test asks for. */
class DrivenBroker implements Broker {
  readonly kind = 'paper' as const;
  private ls: ((u: BrokerOrderUpdate) => void)[] = [];
  place(): void {}
  modify(): void {}
  cancel(): void {}
  onUpdate(l: (u: BrokerOrderUpdate) => void): () => void {
    this.ls.push(l);
    return () => (this.ls = this.ls.filter((x) => x !== l));
  }
  emit(u: BrokerOrderUpdate): void {
    for (const l of this.ls) l(u);
  }
}

const SYMBOLS = ['INFY', 'SBIN', 'TCS'];
const STRATEGIES = ['ema', 'rsi'];

/** What openOrderOf must answer: the first non-terminal order of (symbol, strategy) in openOrders()' order. */
const expected = (oms: OrderManager, symbol: string, strategy: string): Readonly<Order> | undefined =>
  oms.openOrders().find((o) => o.symbol === symbol && o.strategy === strategy);

describe('OrderManager.openOrderOf', () => {
  it('answers what openOrders() lists first for the symbol and strategy, through fills, cancels, rejections and compaction', () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const broker = new DrivenBroker();
      const oms = new OrderManager({ broker, clock: { now: () => 1_000 } });
      oms.onError((e) => {
        throw e;
      });
      const open: string[] = [];
      let n = 0;
      let checks = 0;
      let found = 0;
      // 1500 steps: well past the 256 finished orders after which the live list is compacted
      for (let step = 0; step < 1500; step++) {
        const r = rng.uniform();
        if (r < 0.5 || open.length === 0) {
          const symbol = SYMBOLS[Math.floor(rng.uniform() * SYMBOLS.length)]!;
          const strategy = STRATEGIES[Math.floor(rng.uniform() * STRATEGIES.length)]!;
          const o = oms.submit(orderRequest({ clientId: `c${++n}`, symbol, strategy }));
          if (rng.uniform() < 0.1) broker.emit({ orderId: o.orderId, status: 'REJECTED', tsEvent: 1_000 });
          else {
            broker.emit({ orderId: o.orderId, status: 'OPEN', tsEvent: 1_000 });
            open.push(o.orderId);
          }
        } else {
          const id = open.splice(Math.floor(rng.uniform() * open.length), 1)[0]!;
          if (rng.uniform() < 0.5) broker.emit({ orderId: id, status: 'COMPLETE', fill: { fillId: `${id}-1`, qty: 10, pricePaise: 150_000 }, tsEvent: 1_000 });
          else broker.emit({ orderId: id, status: 'CANCELLED', tsEvent: 1_000 });
        }
        // every (symbol, strategy) pair, also those not asked about for a while
        const k = step % (SYMBOLS.length * STRATEGIES.length);
        for (const [i, symbol] of SYMBOLS.entries()) {
          for (const [j, strategy] of STRATEGIES.entries()) {
            if (step % 7 !== 0 && i * STRATEGIES.length + j !== k) continue;
            const want = expected(oms, symbol, strategy);
            expect(oms.openOrderOf(symbol, strategy)).toBe(want);
            checks++;
            if (want !== undefined) found++;
          }
        }
      }
      expect(oms.openOrderOf('WIPRO', 'ema')).toBeUndefined();
      expect(checks).toBeGreaterThan(1500);
      // the comparison saw open orders most of the time, not only "none"
      expect(found).toBeGreaterThan(checks / 3);
    }
  });

  it('does not answer an order whose write-ahead journal entry failed (it was never placed)', () => {
    const broker = new DrivenBroker();
    let fail = false;
    const oms = new OrderManager({
      broker,
      clock: { now: () => 1_000 },
      journal: {
        orderChanged: () => {
          if (fail) throw new Error('disk full');
        },
        fill: () => {},
      },
    });
    const first = oms.submit(orderRequest({ clientId: 'a1' }));
    broker.emit({ orderId: first.orderId, status: 'OPEN', tsEvent: 1_000 });
    fail = true;
    expect(() => oms.submit(orderRequest({ clientId: 'a2' }))).toThrow('disk full');
    fail = false;
    expect(oms.openOrderOf('INFY', 'ema')).toBe(first);
    broker.emit({ orderId: first.orderId, status: 'CANCELLED', tsEvent: 1_000 });
    expect(oms.openOrderOf('INFY', 'ema')).toBeUndefined();
    expect(oms.openOrders()).toEqual([]);
  });
});
