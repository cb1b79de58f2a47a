import { describe, expect, it } from 'vitest';
import { duplicateTags, lostRows, markIntegrity, maxInWindow, netOfFills, ordersDuring, positionDiffs, rateViolations, resubscribeCheck, retriesAfter429, type Placement } from './checks.js';

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

  const ok = (at: number, tag: string | null = null): Placement => ({ at, tag, status: 200 });

  it('11 orders within one rolling second break a cap of 10; 10 do not, nor 11 spread over more than a second', () => {
    const ten = Array.from({ length: 10 }, (_, i) => ok(1000 + i * 90));
    expect(rateViolations(ten, 10, 1000)).toEqual([]);
    expect(maxInWindow(ten, 1000)).toBe(10);
    // the 11th 999 ms after the first: one window holds 11
    const eleven = [...ten, ok(1999)];
    expect(rateViolations(eleven, 10, 1000)).toEqual([{ from: 1000, count: 11, cap: 10 }]);
    expect(maxInWindow(eleven, 1000)).toBe(11);
    // the 11th exactly a second later: a new window
    expect(rateViolations([...ten, ok(2000)], 10, 1000)).toEqual([]);
    // refused requests (429) do not count as orders at the broker
    expect(rateViolations([...ten, { at: 1500, tag: null, status: 429 }], 10, 1000)).toEqual([]);
    // a per-minute cap the same way
    const many = Array.from({ length: 401 }, (_, i) => ok(i * 100));
    expect(rateViolations(many, 400, 60_000)).toHaveLength(1);
    expect(rateViolations(many.slice(0, 400), 400, 60_000)).toEqual([]);
  });

  it('a tag sent again after its 429 is a blind retry; other tags and resends before a 429 are not', () => {
    const log: Placement[] = [
      { at: 1, tag: 'A', status: 200 },
      { at: 2, tag: 'B', status: 429 },
      { at: 3, tag: 'C', status: 429 },
      { at: 4, tag: 'B', status: 200 },
    ];
    expect(retriesAfter429(log)).toEqual([{ tag: 'B', after429: 2, resent: 1 }]);
    expect(retriesAfter429(log.slice(0, 3))).toEqual([]);
  });

  it('counts accepted orders that arrive during a silence', () => {
    const log = [ok(100), ok(1500), { at: 1600, tag: null, status: 429 }, ok(3000)];
    expect(ordersDuring(log, [{ from: 1000, to: 2000 }])).toEqual([ok(1500)]);
    expect(ordersDuring(log, [{ from: 200, to: 1000 }])).toEqual([]);
  });

  it('a token not subscribed within 2 s of the socket being back is late; no socket back makes every token late', () => {
    const expected = [1, 2, 3];
    const old = { id: 1, openedAt: 0, closedAt: 5000, subscribedAt: new Map([[1, 10], [2, 10], [3, 10]]) };
    const good = { id: 2, openedAt: 6000, subscribedAt: new Map([[1, 6100], [2, 6100], [3, 7900]]) };
    expect(resubscribeCheck([old, good], expected, 5000, 2000)).toEqual({ connections: [2], slowestMs: 1900, late: [] });
    // tokens spread over two sockets that are back, each measured from its own socket's opening
    const a = { id: 3, openedAt: 6000, subscribedAt: new Map([[1, 6100]]) };
    const b = { id: 4, openedAt: 9000, subscribedAt: new Map([[2, 9500], [3, 10_900]]) };
    expect(resubscribeCheck([old, a, b], expected, 5000, 2000)).toEqual({ connections: [3, 4], slowestMs: 1900, late: [] });
    expect(resubscribeCheck([old, a, { ...b, subscribedAt: new Map([[2, 9500], [3, 11_001]]) }], expected, 5000, 2000).late).toEqual([{ token: 3, ms: 2001 }]);
    const slow = { id: 2, openedAt: 6000, subscribedAt: new Map([[1, 6100], [2, 8001]]) };
    expect(resubscribeCheck([old, slow], expected, 5000, 2000).late).toEqual([{ token: 2, ms: 2001 }, { token: 3, ms: Infinity }]);
    // only the old connection (or one that closed again): nothing is back
    expect(resubscribeCheck([old], expected, 5000, 2000).late).toHaveLength(3);
    expect(resubscribeCheck([old, { ...good, closedAt: 9000 }], expected, 5000, 2000).late).toHaveLength(3);
  });

  it('a round is integrity-ok only when every check of it passed (the last line counts rounds, not checks)', () => {
    const rounds = new Map<number, boolean>();
    for (const ok of [true, true, true, true]) markIntegrity(rounds, 1, ok);
    for (const ok of [true, false, true, true]) markIntegrity(rounds, 2, ok);
    markIntegrity(rounds, 3, true);
    expect([...rounds]).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
  });
});
