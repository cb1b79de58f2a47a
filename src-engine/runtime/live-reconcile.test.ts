import { describe, expect, it } from 'vitest';
import type { KiteOrder, KitePosition } from '../adapters/kite/rest-types.js';
import { compareWithKite, settlingKeys, verdictOf, type OurOrderState, type ReconcileFill } from './live-reconcile.js';

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

describe('settlingKeys: where fills are still in flight (a difference there is shown, not counted toward the halt)', () => {
  const mine = (clientId: string, symbol: string, filledQty: number, terminal: boolean, product = 'MIS'): OurOrderState => ({ clientId, exchange: 'NSE', symbol, product, filledQty, terminal });
  const isOurTag = (t: string) => t.startsWith('L');

  it('an order of ours Kite shows filled further than we know (or less), and an unfinished one of ours not in the book read', () => {
    const ours = new Map<string, OurOrderState>([
      ['L1', mine('L1', 'INFY', 0, false)], // Kite: filled 5, we have not seen the fill yet
      ['L2', mine('L2', 'TCS', 5, true)], // both see 5: settled
      ['L3', mine('L3', 'SBIN', 5, true)], // we saw a fill Kite's book (read earlier) does not show yet
      ['L4', mine('L4', 'ITC', 0, false)], // on its way (in the pacer's queue or in transit): not in the book
      ['L5', mine('L5', 'RELIANCE', 0, false)], // a resting LIMIT order, in the book, nothing filled: settled
    ]);
    const book = [order('K1', 'L1', 'INFY'), order('K2', 'L2', 'TCS'), { ...order('K3', 'L3', 'SBIN'), filledQuantity: 0 }, { ...order('K5', 'L5', 'RELIANCE'), filledQuantity: 0, status: 'OPEN' }, order('K9', 'X1', 'HDFCBANK')];
    const s = settlingKeys(book, isOurTag, (t) => ours.get(t), [...ours.values()].filter((o) => !o.terminal));
    expect([...s].sort()).toEqual(['NSE:INFY|MIS', 'NSE:ITC|MIS', 'NSE:SBIN|MIS']);
  });

  it('nothing in flight: nothing settling (a real difference keeps counting)', () => {
    const ours = new Map<string, OurOrderState>([['L1', mine('L1', 'INFY', 5, true)]]);
    expect(settlingKeys([order('K1', 'L1', 'INFY')], isOurTag, (t) => ours.get(t), []).size).toBe(0);
  });
});
