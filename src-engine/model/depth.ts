/** One price level of the order book: integer paise, shares, and the number of orders at it. */
export interface DepthLevel {
  pricePaise: number;
  quantity: number;
  orders: number;
}

/** Market depth levels per side (Kite's full-mode packets carry 5). */
export const DEPTH_LEVELS = 5;

/**
 * The top of an instrument's order book at one moment. `buy` is best (highest) bid first, `sell`
 * best (lowest) offer first; each side has at most DEPTH_LEVELS levels and omits empty ones.
 */
export interface DepthSnapshot {
  symbol: string;
  /** Exchange time of the snapshot, epoch ms. */
  tsEvent: number;
  buy: DepthLevel[];
  sell: DepthLevel[];
}

/** Why a snapshot is malformed, or null if it is fine. Checks shape, integers, level count and ordering. */
export function depthProblem(d: DepthSnapshot): string | null {
  if (typeof d?.symbol !== 'string' || d.symbol.length === 0) return 'symbol must be a non-empty string';
  if (!Number.isSafeInteger(d.tsEvent) || d.tsEvent < 0) return `tsEvent must be a non-negative integer epoch ms, got ${String(d.tsEvent)}`;
  for (const side of ['buy', 'sell'] as const) {
    const levels = d[side];
    if (!Array.isArray(levels)) return `${side} must be an array`;
    if (levels.length > DEPTH_LEVELS) return `${side} has ${levels.length} levels, at most ${DEPTH_LEVELS}`;
    for (const [i, l] of levels.entries()) {
      const where = `${side}[${i}]`;
      if (!Number.isSafeInteger(l?.pricePaise) || l.pricePaise <= 0) return `${where}.pricePaise must be a positive integer, got ${String(l?.pricePaise)}`;
      if (!Number.isSafeInteger(l.quantity) || l.quantity < 0) return `${where}.quantity must be a non-negative integer, got ${String(l.quantity)}`;
      if (!Number.isSafeInteger(l.orders) || l.orders < 0) return `${where}.orders must be a non-negative integer, got ${String(l.orders)}`;
      const prev = levels[i - 1];
      if (prev !== undefined && (side === 'buy' ? l.pricePaise >= prev.pricePaise : l.pricePaise <= prev.pricePaise)) {
        return `${where}: prices must be strictly ${side === 'buy' ? 'falling' : 'rising'} from the best level`;
      }
    }
  }
  return null;
}
