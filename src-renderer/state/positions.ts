import type { PositionDto } from '../../src-engine/contract/trading-schemas.js';

export interface PositionRow extends PositionDto {
  /** realised + unrealised: both already net of charges. */
  netPaise: number;
}

/** Rows for the positions tab: open positions first, then by symbol and strategy; each with its net PnL. */
export function positionRows(positions: readonly PositionDto[]): PositionRow[] {
  return positions
    .map((p) => ({ ...p, netPaise: p.realisedPaise + p.unrealisedPaise }))
    .sort((a, b) => {
      const openA = a.qty !== 0 ? 0 : 1;
      const openB = b.qty !== 0 ? 0 : 1;
      if (openA !== openB) return openA - openB;
      if (a.symbol !== b.symbol) return a.symbol < b.symbol ? -1 : 1;
      return a.strategy < b.strategy ? -1 : a.strategy > b.strategy ? 1 : 0;
    });
}

export interface PositionTotals {
  unrealisedPaise: number;
  realisedPaise: number;
  netPaise: number;
  chargesPaise: number;
}

/** Column sums (integer paise) for the totals row. */
export function positionTotals(rows: readonly PositionRow[]): PositionTotals {
  const t: PositionTotals = { unrealisedPaise: 0, realisedPaise: 0, netPaise: 0, chargesPaise: 0 };
  for (const r of rows) {
    t.unrealisedPaise += r.unrealisedPaise;
    t.realisedPaise += r.realisedPaise;
    t.netPaise += r.netPaise;
    t.chargesPaise += r.chargesPaise;
  }
  return t;
}
