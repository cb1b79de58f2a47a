import { describe, expect, it } from 'vitest';
import type { Order, OrderStatus } from '../model/order.js';
import type { BrokerOrderUpdate } from './broker.js';
import { ALL_STATUSES, applyUpdate, canTransition, modifyProblem, OrderStateError } from './order-state.js';
import { order as fixtureOrder } from '../model/testing.js';

// The expected table, written out independently of the implementation: from → legal successors.
const P = 'PUT ORDER REQ RECEIVED';
const V = 'VALIDATION PENDING';
const OP = 'OPEN PENDING';
const O = 'OPEN';
const T = 'TRIGGER PENDING';
const A = 'AMO REQ RECEIVED';
const MV = 'MODIFY VALIDATION PENDING';
const MP = 'MODIFY PENDING';
const CP = 'CANCEL PENDING';
const C = 'COMPLETE';
const X = 'CANCELLED';
const R = 'REJECTED';

const EXPECTED: Record<OrderStatus, OrderStatus[]> = {
  [P]: [P, V, OP, O, T, A, CP, C, X, R],
  [V]: [V, OP, O, T, A, CP, C, X, R],
  [OP]: [OP, O, T, CP, C, X, R],
  [A]: [A, V, OP, O, T, CP, C, X, R],
  [O]: [O, MV, MP, CP, C, X],
  [T]: [T, O, MV, MP, CP, C, X],
  [MV]: [MV, MP, O, T, CP, C, X],
  [MP]: [MP, O, T, CP, C, X],
  [CP]: [CP, O, T, A, C, X],
  [C]: [],
  [X]: [],
  [R]: [],
};

const order = (over: Partial<Order> = {}): Order => fixtureOrder({ strategy: 's1', tsInit: 1, triggerPaise: undefined, statusMessage: undefined, ...over });

const upd = (status: OrderStatus, extra: Partial<BrokerOrderUpdate> = {}): BrokerOrderUpdate => ({ orderId: 'o1', status, tsEvent: 2, ...extra });

describe('canTransition', () => {
  it('matches the expected table for every one of the 144 pairs', () => {
    expect(ALL_STATUSES).toHaveLength(12);
    for (const from of ALL_STATUSES) {
      for (const to of ALL_STATUSES) {
        expect([from, to, canTransition(from, to)]).toEqual([from, to, EXPECTED[from].includes(to)]);
      }
    }
  });

  it('follows Kite documented sequences', () => {
    const chains: OrderStatus[][] = [
      [P, V, OP, O, C],
      [P, V, OP, T, O, C],
      [P, V, OP, R],
      [P, V, OP, O, MV, MP, O, CP, X],
      [P, V, OP, T, MV, MP, T, CP, X],
      [P, A, V, OP, O, C],
      [P, A, X],
      [P, V, OP, O, X], // IOC leftover
    ];
    for (const chain of chains) for (let i = 1; i < chain.length; i++) expect(canTransition(chain[i - 1]!, chain[i]!), `${chain[i - 1]} → ${chain[i]}`).toBe(true);
  });
});

describe('applyUpdate', () => {
  it('rejects every illegal transition with an error naming the order, from and to; the input is untouched', () => {
    let illegal = 0;
    for (const from of ALL_STATUSES) {
      for (const to of ALL_STATUSES) {
        if (EXPECTED[from].includes(to)) continue;
        illegal++;
        const o = order({ status: from });
        const before = JSON.stringify(o);
        let err: unknown;
        try {
          applyUpdate(o, upd(to));
        } catch (e) {
          err = e;
        }
        expect(err, `${from} → ${to}`).toBeInstanceOf(OrderStateError);
        const msg = (err as Error).message;
        expect(msg).toContain('o1');
        expect(msg).toContain(from);
        expect(msg).toContain(to);
        expect(JSON.stringify(o)).toBe(before);
      }
    }
    expect(illegal).toBe(144 - Object.values(EXPECTED).reduce((n, l) => n + l.length, 0));
  });

  it('applies every legal status-only transition (except COMPLETE, which needs the fills)', () => {
    for (const from of ALL_STATUSES) {
      for (const to of EXPECTED[from]) {
        if (to === C) continue;
        const next = applyUpdate(order({ status: from }), upd(to, { statusMessage: 'm' }));
        expect(next.status).toBe(to);
        expect(next.filledQty + next.pendingQty + next.cancelledQty).toBe(next.qty);
      }
    }
  });

  it('accumulates partial fills and completes', () => {
    let o = order();
    o = applyUpdate(o, upd(O, { fill: { fillId: 'f1', qty: 4, pricePaise: 150_000 } }));
    expect(o).toMatchObject({ status: O, filledQty: 4, pendingQty: 6, filledValuePaise: 600_000 });
    o = applyUpdate(o, upd(C, { fill: { fillId: 'f2', qty: 6, pricePaise: 149_995 } }));
    expect(o).toMatchObject({ status: C, filledQty: 10, pendingQty: 0, cancelledQty: 0, filledValuePaise: 600_000 + 6 * 149_995 });
  });

  it('refuses a fill beyond the pending quantity, a fill on a terminal order, and COMPLETE short of qty', () => {
    expect(() => applyUpdate(order(), upd(O, { fill: { fillId: 'f', qty: 11, pricePaise: 1 } }))).toThrow(/exceeds the pending quantity 10/);
    expect(() => applyUpdate(order({ status: C, filledQty: 10, pendingQty: 0 }), upd(C, { fill: { fillId: 'f', qty: 1, pricePaise: 1 } }))).toThrow(
      /fill on a terminal order/,
    );
    expect(() => applyUpdate(order(), upd(C, { fill: { fillId: 'f', qty: 9, pricePaise: 1 } }))).toThrow(/COMPLETE with 9 of 10/);
    expect(() => applyUpdate(order(), upd(C))).toThrow(OrderStateError);
    expect(() => applyUpdate(order(), upd(O, { fill: { fillId: 'f', qty: 1.5, pricePaise: 1 } }))).toThrow(/positive integer/);
    expect(() => applyUpdate(order(), upd(O, { fill: { fillId: 'f', qty: 1, pricePaise: 0 } }))).toThrow(/positive integer/);
    expect(() => applyUpdate(order({ status: T }), upd(T, { fill: { fillId: 'f', qty: 1, pricePaise: 1 } }))).toThrow(/a fill must come with/);
    expect(() => applyUpdate(order(), { ...upd(O), orderId: 'other' })).toThrow(/update is for order other/);
  });

  it('moves the remainder to cancelledQty on CANCELLED and REJECTED', () => {
    const partly = applyUpdate(order(), upd(O, { fill: { fillId: 'f1', qty: 3, pricePaise: 100 } }));
    expect(applyUpdate(partly, upd(X))).toMatchObject({ filledQty: 3, pendingQty: 0, cancelledQty: 7 });
    expect(applyUpdate(order({ status: OP }), upd(R, { statusMessage: 'RMS' }))).toMatchObject({ pendingQty: 0, cancelledQty: 10, statusMessage: 'RMS' });
  });

  it('applies a modify ack and counts it', () => {
    const o = applyUpdate(order({ status: MP }), upd(O, { modified: { qty: 20, pricePaise: 151_000 } }));
    expect(o).toMatchObject({ qty: 20, pendingQty: 20, pricePaise: 151_000, modifications: 1 });
    const sl = applyUpdate(order({ status: MP }), upd(T, { modified: { orderType: 'SL-M', triggerPaise: 149_000 } }));
    expect(sl).toMatchObject({ orderType: 'SL-M', pricePaise: undefined, triggerPaise: 149_000 });
    const mkt = applyUpdate(order({ status: MP }), upd(O, { modified: { orderType: 'MARKET' } }));
    expect(mkt.pricePaise).toBeUndefined();
  });

  it('refuses malformed modify acks', () => {
    const partly = applyUpdate(order(), upd(O, { fill: { fillId: 'f1', qty: 3, pricePaise: 100 } }));
    expect(() => applyUpdate(partly, upd(O, { modified: { qty: 3 } }))).toThrow(/must exceed the filled quantity 3/);
    expect(() => applyUpdate(order({ status: MP }), upd(T, { modified: { orderType: 'SL' } }))).toThrow(/needs a trigger price/);
    expect(() => applyUpdate(order({ status: OP }), upd(O, { modified: { qty: 5 } }))).toThrow(/modify ack/);
    expect(() => applyUpdate(order({ status: MP }), upd(CP, { modified: { qty: 5 } }))).toThrow(/modify ack/);
  });

  it('keeps a status message only while the status stays', () => {
    const o = applyUpdate(order({ status: P }), upd(P, { statusMessage: 'outcome unknown' }));
    expect(o.statusMessage).toBe('outcome unknown');
    expect(applyUpdate(o, upd(P)).statusMessage).toBe('outcome unknown');
    expect(applyUpdate(o, upd(V)).statusMessage).toBeUndefined();
  });
});

describe('modifyProblem', () => {
  it('checks the merged order', () => {
    expect(modifyProblem(order(), {})).toBe('nothing to modify');
    expect(modifyProblem(order(), { qty: 0 })).toMatch(/positive integer/);
    expect(modifyProblem(order({ filledQty: 4, pendingQty: 6 }), { qty: 4 })).toMatch(/exceed the filled/);
    expect(modifyProblem(order(), { orderType: 'MARKET', pricePaise: 100 })).toMatch(/takes no price/);
    expect(modifyProblem(order(), { orderType: 'SL' })).toMatch(/needs a trigger/);
    expect(modifyProblem(order(), { orderType: 'SL', triggerPaise: 149_000 })).toBeNull();
    expect(modifyProblem(order(), { pricePaise: 151_000 })).toBeNull();
  });
});
