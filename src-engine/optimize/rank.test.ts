import { describe, expect, it } from 'vitest';
import { defaultDirection, rankResults, RankError } from './rank.js';

const r = (index: number, sharpe: number | null, dd = 0.1) => ({ index, params: { p: index }, metrics: { sharpe, maxDrawdown: dd } });

describe('ranking', () => {
  it('orders by the metric, missing values last, ties by the search order', () => {
    const rows = rankResults([r(0, 1), r(1, null), r(2, 2), r(3, 1), r(4, Number.NaN), r(5, 3)], 'sharpe');
    expect(rows.map((x) => [x.rank, x.index, x.value])).toEqual([
      [1, 5, 3],
      [2, 2, 2],
      [3, 0, 1],
      [4, 3, 1],
      [5, 1, null],
      [6, 4, null],
    ]);
  });

  it('is independent of the order results arrive in', () => {
    const res = Array.from({ length: 40 }, (_, i) => r(i, [0.5, 1, null, 1][i % 4]!, (i % 7) / 10));
    const shuffled = [...res].reverse().sort((a, b) => (a.index * 7919) % 13 - (b.index * 7919) % 13);
    expect(rankResults(shuffled, 'sharpe')).toEqual(rankResults(res, 'sharpe'));
    expect(rankResults(shuffled, 'maxDrawdown')).toEqual(rankResults(res, 'maxDrawdown'));
  });

  it('drawdowns are minimised by default; the direction can be given', () => {
    expect(defaultDirection('maxDrawdown')).toBe('min');
    expect(defaultDirection('sharpe')).toBe('max');
    const res = [r(0, 1, 0.3), r(1, 2, 0.1), r(2, 3, 0.2)];
    expect(rankResults(res, 'maxDrawdown').map((x) => x.index)).toEqual([1, 2, 0]);
    expect(rankResults(res, 'sharpe', 'min').map((x) => x.index)).toEqual([0, 1, 2]);
  });

  it('an unknown metric is an error naming the known ones', () => {
    expect(() => rankResults([r(0, 1)], 'sharp')).toThrow(RankError);
    expect(() => rankResults([r(0, 1)], 'sharp')).toThrow(/sharpe, maxDrawdown/);
  });
});
