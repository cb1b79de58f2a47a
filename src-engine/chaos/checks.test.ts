import { describe, expect, it } from 'vitest';
import { duplicateTags, lostRows, netOfFills, positionDiffs } from './checks.js';

describe('chaos checks', () => {
  it('counts a duplicate when the venue holds two orders with one tag (and nothing else)', () => {
    const rows = [
      { orderId: '1', tag: 'Lab1' },
      { orderId: '2', tag: 'Lab2' },
      { orderId: '3', tag: 'Lab1' },
      { orderId: '4', tag: null },
      { orderId: '5', tag: null },
      { orderId: '6', tag: 'X9' },
      { orderId: '7', tag: 'X9' },
    ];
    expect(duplicateTags(rows, (t) => t.startsWith('L'))).toEqual([{ tag: 'Lab1', orderIds: ['1', '3'] }]);
    expect(duplicateTags(rows)).toHaveLength(2);
    expect(duplicateTags(rows.filter((r) => r.orderId !== '3'), (t) => t.startsWith('L'))).toEqual([]);
  });

  it('a lost row is an acknowledged client id the journal does not hold', () => {
    expect(lostRows(['a', 'b', 'c', 'b'], new Set(['a', 'c', 'z']))).toEqual(['b']);
    expect(lostRows([], new Set())).toEqual([]);
  });

  it('net positions per exchange:symbol|product; a difference on either side is reported', () => {
    const ours = netOfFills([
      { exchange: 'NSE', symbol: 'INFY', product: 'MIS', side: 'BUY', qty: 5 },
      { exchange: 'NSE', symbol: 'INFY', product: 'MIS', side: 'SELL', qty: 2 },
      { exchange: 'NSE', symbol: 'INFY', product: 'CNC', side: 'BUY', qty: 1 },
      { exchange: 'NSE', symbol: 'TCS', product: 'MIS', side: 'BUY', qty: 2 },
      { exchange: 'NSE', symbol: 'TCS', product: 'MIS', side: 'SELL', qty: 2 },
    ]);
    expect([...ours]).toEqual([
      ['NSE:INFY|MIS', 3],
      ['NSE:INFY|CNC', 1],
    ]);
    const venue = [
      { exchange: 'NSE', tradingsymbol: 'INFY', product: 'MIS', quantity: 3 },
      { exchange: 'NSE', tradingsymbol: 'INFY', product: 'CNC', quantity: 1 },
      { exchange: 'NSE', tradingsymbol: 'TCS', product: 'MIS', quantity: 0 },
    ];
    expect(positionDiffs(ours, venue)).toEqual([]);
    // the same quantity under another product is a difference on both
    expect(positionDiffs(ours, [{ exchange: 'NSE', tradingsymbol: 'INFY', product: 'MIS', quantity: 4 }])).toEqual([
      { key: 'NSE:INFY|CNC', ours: 1, venue: 0 },
      { key: 'NSE:INFY|MIS', ours: 3, venue: 4 },
    ]);
    expect(positionDiffs(new Map(), [{ exchange: 'NSE', tradingsymbol: 'ITC', product: 'MIS', quantity: -2 }])).toEqual([{ key: 'NSE:ITC|MIS', ours: 0, venue: -2 }]);
  });
});
