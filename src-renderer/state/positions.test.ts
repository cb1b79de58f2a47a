import { describe, expect, it } from 'vitest';
import type { PositionDto } from '../../src-engine/contract/trading-schemas.js';
import { positionRows, positionTotals } from './positions.js';

const pos = (symbol: string, strategy: string, qty: number, realisedPaise: number, unrealisedPaise: number, chargesPaise = 0): PositionDto => ({
  strategy,
  symbol,
  qty,
  avgPricePaise: 100_000,
  markPaise: 100_500,
  unrealisedPaise,
  realisedPaise,
  chargesPaise,
});

describe('positions', () => {
  it('open positions first, then by symbol and strategy; net = realised + unrealised', () => {
    const rows = positionRows([pos('TCS', 'b', 0, 500, 0), pos('TCS', 'a', -5, 0, -250), pos('INFY', 'z', 10, -100, 4000), pos('ACC', 'a', 0, 1, 0)]);
    expect(rows.map((r) => `${r.symbol}/${r.strategy}`)).toEqual(['INFY/z', 'TCS/a', 'ACC/a', 'TCS/b']);
    expect(rows.map((r) => r.netPaise)).toEqual([3900, -250, 1, 500]);
  });

  it('totals are integer column sums', () => {
    const t = positionTotals(positionRows([pos('A', 's', 1, 101, -203, 7), pos('B', 's', 0, -50, 0, 3)]));
    expect(t).toEqual({ unrealisedPaise: -203, realisedPaise: 51, netPaise: -152, chargesPaise: 10 });
  });
});
