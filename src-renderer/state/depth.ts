import { create } from 'zustand';
import type { DepthLevelDto, DepthSnapshotDto } from '../../src-engine/contract/schemas.js';

/** Levels a side the order-book panel shows (Kite's market depth). */
export const DEPTH_ROWS = 5;

export interface DepthRow {
  side: 'buy' | 'sell';
  /** 0 = best level. */
  level: number;
  /** null for an empty level (the side has fewer than DEPTH_ROWS). */
  pricePaise: number | null;
  quantity: number;
  orders: number;
  /** quantity / the largest quantity of both sides, 0…1 (the bar width). */
  fraction: number;
}

export interface DepthView {
  /** Asks, worst (highest) first so the best ask sits just above the best bid; always DEPTH_ROWS. */
  sell: DepthRow[];
  /** Bids, best (highest) first; always DEPTH_ROWS. */
  buy: DepthRow[];
  totalBuy: number;
  totalSell: number;
  /** best ask − best bid in paise, or null when a side is empty. */
  spreadPaise: number | null;
}

const row = (side: DepthRow['side'], level: number, l: DepthLevelDto | undefined, max: number): DepthRow =>
  l === undefined
    ? { side, level, pricePaise: null, quantity: 0, orders: 0, fraction: 0 }
    : { side, level, pricePaise: l.pricePaise, quantity: l.quantity, orders: l.orders, fraction: max > 0 ? Math.min(1, l.quantity / max) : 0 };

/** What the panel draws: always DEPTH_ROWS rows a side (empty levels padded), bars relative to the biggest level. */
export function depthView(d: DepthSnapshotDto | null): DepthView {
  const buy = d?.buy.slice(0, DEPTH_ROWS) ?? [];
  const sell = d?.sell.slice(0, DEPTH_ROWS) ?? [];
  let max = 0;
  let totalBuy = 0;
  let totalSell = 0;
  for (const l of buy) {
    totalBuy += l.quantity;
    if (l.quantity > max) max = l.quantity;
  }
  for (const l of sell) {
    totalSell += l.quantity;
    if (l.quantity > max) max = l.quantity;
  }
  const sellRows = Array.from({ length: DEPTH_ROWS }, (_, k) => row('sell', k, sell[k], max)).reverse();
  const buyRows = Array.from({ length: DEPTH_ROWS }, (_, k) => row('buy', k, buy[k], max));
  const spreadPaise = buy[0] !== undefined && sell[0] !== undefined ? sell[0].pricePaise - buy[0].pricePaise : null;
  return { sell: sellRows, buy: buyRows, totalBuy, totalSell, spreadPaise };
}

export interface DepthState {
  /** The symbol the panel follows (null: none selected). */
  symbol: string | null;
  /** Its latest depth, null before the first snapshot (or when the engine has none yet). */
  depth: DepthSnapshotDto | null;
  /** Follow another symbol: the book empties until that symbol's snapshot arrives. */
  follow(symbol: string | null): void;
  /** A snapshot or delta; ignored unless it is for the followed symbol and not older than what is shown. */
  apply(symbol: string, d: DepthSnapshotDto | null): void;
}

/** Kept apart from the app store: depth changes 4 times a second and only the order-book panel reads it. */
export const useDepthStore = create<DepthState>()((set) => ({
  symbol: null,
  depth: null,
  follow: (symbol) => set((s) => (s.symbol === symbol ? s : { symbol, depth: null })),
  apply: (symbol, d) =>
    set((s) => {
      if (s.symbol !== symbol) return s;
      if (d === null) return { depth: null };
      if (d.symbol !== symbol) return s;
      if (s.depth !== null && d.tsEvent < s.depth.tsEvent) return s;
      return { depth: d };
    }),
}));
