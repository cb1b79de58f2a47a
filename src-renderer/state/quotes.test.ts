import { describe, expect, it } from 'vitest';
import type { Quote } from '../../src-engine/contract/schemas.js';
import { applyQuoteDelta, applyQuoteSnapshot, pruneQuotes } from './quotes.js';

function q(symbol: string, lastPaise: number, tsEvent = 1000): Quote {
  return { symbol, lastPaise, prevClosePaise: 100_00, changePaise: lastPaise - 100_00, changeBps: 0, volume: 1, tsEvent };
}

describe('quotes', () => {
  it('snapshot keeps only watched symbols', () => {
    const m = applyQuoteSnapshot([q('INFY', 1), q('TCS', 2)], ['INFY']);
    expect(Object.keys(m)).toEqual(['INFY']);
  });

  it('delta replaces a watched symbol', () => {
    const m = applyQuoteDelta({ INFY: q('INFY', 1) }, q('INFY', 5, 2000), ['INFY']);
    expect(m.INFY?.lastPaise).toBe(5);
  });

  it('delta for an unwatched symbol or an older event is ignored', () => {
    const cur = { INFY: q('INFY', 1, 2000) };
    expect(applyQuoteDelta(cur, q('TCS', 5), ['INFY'])).toBe(cur);
    expect(applyQuoteDelta(cur, q('INFY', 9, 1000), ['INFY'])).toBe(cur);
  });

  it('prunes removed symbols and keeps identity when nothing changed', () => {
    const cur = { INFY: q('INFY', 1), TCS: q('TCS', 2) };
    expect(Object.keys(pruneQuotes(cur, ['TCS']))).toEqual(['TCS']);
    expect(pruneQuotes(cur, ['INFY', 'TCS'])).toBe(cur);
  });
});
