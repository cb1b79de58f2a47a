import { beforeEach, describe, expect, it } from 'vitest';
import type { RiskDecisionDto } from '../../src-engine/contract/trading-schemas.js';
import {
  MAX_DECISIONS,
  applyDecisionDelta,
  applyDecisionsSnapshot,
  applyFillsSnapshot,
  applyOrderDelta,
  applyOrdersSnapshot,
  applyPortfolio,
  canModifyPrice,
  canModifyTrigger,
  isOpenOrder,
} from './trading.js';
import { initialTradingState, useTradingStore } from './trading-store.js';
import { T0, decision, fill, order, portfolio, riskStatus } from './trading-fixtures.js';

describe('orders', () => {
  it('a snapshot sorts newest first and keeps the latest update of a repeated order', () => {
    const out = applyOrdersSnapshot([
      order('A', { tsInit: T0 }),
      order('C', { tsInit: T0 + 2000 }),
      order('B', { tsInit: T0 + 1000, tsUpdate: T0 + 5000, status: 'COMPLETE' }),
      order('B', { tsInit: T0 + 1000, tsUpdate: T0 + 1000, status: 'OPEN' }),
    ]);
    expect(out.map((o) => o.orderId)).toEqual(['C', 'B', 'A']);
    expect(out[1]!.status).toBe('COMPLETE');
  });

  it('a delta replaces the order with the same id in place and inserts a new one newest first', () => {
    const list = applyOrdersSnapshot([order('A', { tsInit: T0 }), order('B', { tsInit: T0 + 1000 })]);
    const filled = applyOrderDelta(list, order('A', { tsUpdate: T0 + 3000, status: 'COMPLETE', filledQty: 10, pendingQty: 0 }));
    expect(filled.map((o) => `${o.orderId} ${o.status}`)).toEqual(['B OPEN', 'A COMPLETE']);
    expect(list.map((o) => o.status)).toEqual(['OPEN', 'OPEN']); // input untouched

    const added = applyOrderDelta(filled, order('N', { tsInit: T0 + 9000, tsUpdate: T0 + 9000 }));
    expect(added.map((o) => o.orderId)).toEqual(['N', 'B', 'A']);
    const middle = applyOrderDelta(added, order('M', { tsInit: T0 + 500, tsUpdate: T0 + 500 }));
    expect(middle.map((o) => o.orderId)).toEqual(['N', 'B', 'M', 'A']);
    expect(applyOrderDelta([], order('X')).map((o) => o.orderId)).toEqual(['X']);
  });

  it('an older update never overwrites a newer one (same array back)', () => {
    const list = [order('A', { tsUpdate: T0 + 5000, status: 'COMPLETE' })];
    expect(applyOrderDelta(list, order('A', { tsUpdate: T0 + 1000, status: 'OPEN' }))).toBe(list);
  });

  it('with equal update times the later message wins, but a terminal order is not reopened', () => {
    const list = [order('A', { tsUpdate: T0, status: 'OPEN PENDING' })];
    const open = applyOrderDelta(list, order('A', { tsUpdate: T0, status: 'OPEN' }));
    expect(open[0]!.status).toBe('OPEN');
    const done = applyOrderDelta(open, order('A', { tsUpdate: T0, status: 'CANCELLED' }));
    expect(done[0]!.status).toBe('CANCELLED');
    expect(applyOrderDelta(done, order('A', { tsUpdate: T0, status: 'OPEN' }))).toBe(done);
  });

  it('knows which orders can be cancelled or modified', () => {
    expect(isOpenOrder(order('A', { status: 'OPEN' }))).toBe(true);
    expect(isOpenOrder(order('A', { status: 'TRIGGER PENDING' }))).toBe(true);
    expect(isOpenOrder(order('A', { status: 'AMO REQ RECEIVED' }))).toBe(true);
    for (const s of ['COMPLETE', 'CANCELLED', 'REJECTED', 'CANCEL PENDING'] as const) expect(isOpenOrder(order('A', { status: s })), s).toBe(false);
    expect(canModifyPrice(order('A', { orderType: 'LIMIT' }))).toBe(true);
    expect(canModifyPrice(order('A', { orderType: 'SL' }))).toBe(true);
    expect(canModifyPrice(order('A', { orderType: 'MARKET' }))).toBe(false);
    expect(canModifyPrice(order('A', { orderType: 'SL-M' }))).toBe(false);
    expect(canModifyPrice(order('A', { orderType: 'LIMIT', status: 'COMPLETE' }))).toBe(false);
    expect(canModifyTrigger(order('A', { orderType: 'SL-M', status: 'TRIGGER PENDING' }))).toBe(true);
    expect(canModifyTrigger(order('A', { orderType: 'LIMIT' }))).toBe(false);
  });
});

describe('fills', () => {
  it('newest first, one per fill id, capped; the same array back when nothing is new', () => {
    const a = applyFillsSnapshot([], [fill('f1', T0), fill('f3', T0 + 2), fill('f2', T0 + 1), fill('f2', T0 + 1)]);
    expect(a.map((f) => f.fillId)).toEqual(['f3', 'f2', 'f1']);
    expect(applyFillsSnapshot(a, [fill('f2', T0 + 1), fill('f1', T0), fill('f3', T0 + 2)])).toBe(a);
    const b = applyFillsSnapshot(a, [fill('f4', T0 + 3), fill('f3', T0 + 2), fill('f2', T0 + 1), fill('f1', T0)], 3);
    expect(b.map((f) => f.fillId)).toEqual(['f4', 'f3', 'f2']);
  });
});

describe('portfolio', () => {
  it('latest wins: an older delta is dropped, a snapshot always replaces', () => {
    const p1 = portfolio(T0 + 1000, 100);
    expect(applyPortfolio(null, p1)).toBe(p1);
    const p2 = portfolio(T0 + 2000, 200);
    expect(applyPortfolio(p1, p2)).toBe(p2);
    expect(applyPortfolio(p2, p1)).toBe(p2);
    expect(applyPortfolio(p2, p1, true)).toBe(p1);
    const same = portfolio(T0 + 2000, 300);
    expect(applyPortfolio(p2, same)).toBe(same);
  });
});

describe('risk decisions', () => {
  it('snapshot: newest first by id, deduplicated, capped', () => {
    const out = applyDecisionsSnapshot([decision(1), decision(3), decision(2), decision(3)]);
    expect(out.map((d) => d.id)).toEqual([3, 2, 1]);
    expect(applyDecisionsSnapshot([decision(1), decision(2), decision(3)], 2).map((d) => d.id)).toEqual([3, 2]);
  });

  it('delta: a newer one goes first, a duplicate is ignored, a late one is put in place, the list stays bounded', () => {
    let list: readonly RiskDecisionDto[] = applyDecisionsSnapshot([decision(5), decision(3)]);
    list = applyDecisionDelta(list, decision(7));
    expect(list.map((d) => d.id)).toEqual([7, 5, 3]);
    expect(applyDecisionDelta(list, decision(5))).toBe(list);
    list = applyDecisionDelta(list, decision(4));
    expect(list.map((d) => d.id)).toEqual([7, 5, 4, 3]);

    const full = applyDecisionsSnapshot(Array.from({ length: MAX_DECISIONS }, (_, i) => decision(i + 10)));
    expect(applyDecisionDelta(full, decision(1))).toBe(full); // older than everything kept
    const grown = applyDecisionDelta(full, decision(10_000));
    expect(grown).toHaveLength(MAX_DECISIONS);
    expect(grown[0]!.id).toBe(10_000);
    expect(grown[grown.length - 1]!.id).toBe(11);
  });
});

describe('useTradingStore', () => {
  beforeEach(() => useTradingStore.setState(initialTradingState));
  const s = () => useTradingStore.getState();

  it('merges order deltas before and after the snapshot', () => {
    expect(s().orders).toBeNull();
    s().orderDelta(order('A')); // the answer of orders.place may beat the snapshot
    expect(s().orders!.map((o) => o.orderId)).toEqual(['A']);
    s().ordersSnapshot([order('B', { tsInit: T0 + 1 }), order('A')]);
    s().orderDelta(order('B', { tsInit: T0 + 1, tsUpdate: T0 + 10, status: 'CANCELLED' }));
    expect(s().orders!.map((o) => `${o.orderId} ${o.status}`)).toEqual(['B CANCELLED', 'A OPEN']);
    const before = s().orders;
    s().orderDelta(order('B', { tsInit: T0 + 1, tsUpdate: T0 + 5, status: 'OPEN' }));
    expect(s().orders).toBe(before);
  });

  it('keeps the latest portfolio and risk status, and a bounded decision list', () => {
    s().portfolioSnapshot(portfolio(T0 + 10, 1));
    s().portfolioDelta(portfolio(T0 + 5, 2));
    expect(s().portfolio!.equityPaise).toBe(1);
    s().portfolioDelta(portfolio(T0 + 20, 3));
    expect(s().portfolio!.equityPaise).toBe(3);

    const r = riskStatus({ halted: true, haltReason: 'lunch' });
    s().riskStatus(r);
    s().riskStatus({ ...r, halted: false });
    expect(s().risk!.halted).toBe(false);

    s().decisionsSnapshot([decision(1)]);
    s().decisionDelta(decision(2, { action: 'BLOCK', rule: 'max_daily_loss' }));
    expect(s().decisions.map((d) => `${d.id} ${d.action}`)).toEqual(['2 BLOCK', '1 ALLOW']);
  });
});
