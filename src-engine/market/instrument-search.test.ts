import { describe, expect, it } from 'vitest';
import { searchInstrumentList } from './instrument-search.js';

const list = [
  { symbol: 'TATASTEEL', name: 'Tata Steel' },
  { symbol: 'TCS', name: 'Tata Consultancy Services' },
  { symbol: 'TATAMOTORS', name: 'Tata Motors' },
  { symbol: 'TITAN', name: 'Titan Company' },
  { symbol: 'INFY', name: 'Infosys' },
  { symbol: 'HCLTECH', name: 'HCL Technologies' },
  { symbol: 'TECHM', name: 'Tech Mahindra' },
];

describe('searchInstrumentList', () => {
  it('exact symbol first, then symbol prefix (shorter first), then name prefix, then contains', () => {
    expect(searchInstrumentList(list, 'tcs', 10).map((i) => i.symbol)).toEqual(['TCS']);
    expect(searchInstrumentList(list, 'TATA', 10).map((i) => i.symbol)).toEqual(['TATASTEEL', 'TATAMOTORS', 'TCS']);
    expect(searchInstrumentList(list, 'tech', 10).map((i) => i.symbol)).toEqual(['TECHM', 'HCLTECH']);
    expect(searchInstrumentList(list, 'infosys', 10).map((i) => i.symbol)).toEqual(['INFY']);
    expect(searchInstrumentList(list, ' mahindra ', 10).map((i) => i.symbol)).toEqual(['TECHM']);
  });

  it('is bounded by the limit and answers nothing for an empty query or no match', () => {
    expect(searchInstrumentList(list, 'T', 2)).toHaveLength(2);
    expect(searchInstrumentList(list, '   ', 5)).toEqual([]);
    expect(searchInstrumentList(list, 'ZZZ', 5)).toEqual([]);
  });
});
