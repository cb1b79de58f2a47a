import { describe, expect, it } from 'vitest';
import type { KiteOrder, KitePosition } from '../adapters/kite/rest-types.js';
import { compareWithKite, verdictOf, type ReconcileFill } from './live-reconcile.js';

const pos = (tradingsymbol: string, product: string, quantity: number): KitePosition =>
  ({ tradingsymbol, exchange: 'NSE', product, quantity }) as KitePosition;
const order = (orderId: string, tag: string | null, tradingsymbol = 'INFY', product = 'MIS'): KiteOrder =>
  ({ orderId, tag, tags: tag ? [tag] : [], tradingsymbol, exchange: 'NSE', product, transactionType: 'BUY', quantity: 5, filledQuantity: 5, status: 'COMPLETE' }) as KiteOrder;
const fill = (symbol: string, product: string, side: 'BUY' | 'SELL', qty: number, day = '2026-05-04'): ReconcileFill => ({ symbol, product, side, qty, day });

describe('compareWithKite: net per exchange, symbol and product', () => {
  const ours = new Set(['L1', 'L2']);
  const base = { orders: [] as KiteOrder[], isOurTag: (t: string) => ours.has(t), today: '2026-05-04' };

  it('nets several strategies\' fills; MIS and CNC over today, NRML over every day', () => {
    const r = compareWithKite({
      ...base,
      fills: [
        fill('INFY', 'MIS', 'BUY', 5),
        fill('INFY', 'MIS', 'BUY', 3),
        fill('INFY', 'MIS', 'SELL', 2),
        fill('INFY', 'MIS', 'BUY', 9, '2026-04-30'), // yesterday's MIS: squared off at Kite, not in today's net
        fill('TCS', 'CNC', 'BUY', 4, '2026-04-30'), // yesterday's delivery: holdings now, not positions
        fill('NIFTY26MAYFUT', 'NRML', 'BUY', 50, '2026-04-30'), // carried forward
      ],
      positions: [pos('INFY', 'MIS', 6), pos('NIFTY26MAYFUT', 'NRML', 50)],
    });
    expect(r.mismatches).toEqual([]);
  });

  it('names qty, missing and external differences; same symbol in another product is another position', () => {
    const r = compareWithKite({
      ...base,
      fills: [fill('INFY', 'MIS', 'BUY', 5), fill('SBIN', 'MIS', 'BUY', 10), fill('ITC', 'MIS', 'BUY', 1), fill('ITC', 'MIS', 'SELL', 1)],
      positions: [pos('INFY', 'MIS', 8), pos('INFY', 'CNC', 2), pos('RELIANCE', 'MIS', -3), pos('ITC', 'MIS', 4)],
      orders: [order('K9', 'L2', 'ITC')],
    });
    expect(r.mismatches.map((m) => [m.symbol, m.product, m.oursQty, m.kiteQty, m.kind])).toEqual([
      ['INFY', 'CNC', 0, 2, 'external'],
      ['INFY', 'MIS', 5, 8, 'qty'],
      ['ITC', 'MIS', 0, 4, 'qty'], // we traded it today: not external
      ['RELIANCE', 'MIS', 0, -3, 'external'],
      ['SBIN', 'MIS', 10, 0, 'missing'],
    ]);
  });

  it('orders without one of our tags are external; ours are not listed', () => {
    const r = compareWithKite({ ...base, fills: [], positions: [], orders: [order('K1', 'L1'), order('K2', null, 'SBIN'), order('K3', 'webtag', 'TCS')] });
    expect(r.externalOrders.map((o) => [o.brokerOrderId, o.symbol, o.tag])).toEqual([
      ['K2', 'SBIN', undefined],
      ['K3', 'TCS', 'webtag'],
    ]);
  });
});

describe('verdictOf', () => {
  const comparison = { mismatches: [{ symbol: 'INFY', exchange: 'NSE', product: 'MIS', oursQty: 5, kiteQty: 6, kind: 'qty' as const }], externalOrders: [] };
  const base = { unresolved: [], orphans: [], toleranceQty: 0, haltAfterRounds: 2 };
  it('an alarm first, a halt when the difference persists beyond the tolerance', () => {
    expect(verdictOf({ ...base, comparison, streak: () => 1 })).toMatchObject({ state: 'mismatch', halt: false });
    expect(verdictOf({ ...base, comparison, streak: () => 2 })).toMatchObject({ state: 'halted', halt: true });
    expect(verdictOf({ ...base, comparison, streak: () => 9, toleranceQty: 1 })).toMatchObject({ state: 'mismatch', halt: false });
  });
  it('an untracked order with our tag halts at once; external things alone are clean', () => {
    expect(verdictOf({ ...base, comparison: { mismatches: [], externalOrders: [] }, orphans: [{ brokerOrderId: 'K7', tag: 'L1', reason: 'duplicate' }], streak: () => 0 })).toMatchObject({ state: 'halted', halt: true });
    const ext = { mismatches: [{ ...comparison.mismatches[0]!, kind: 'external' as const }], externalOrders: [] };
    expect(verdictOf({ ...base, comparison: ext, streak: () => 5 })).toMatchObject({ state: 'clean', halt: false });
  });
});
