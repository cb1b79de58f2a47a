/**
 * The fill model: pure functions that decide at what prices and quantities an order executes. The
 * paper broker and the backtester share them, so a backtest fills exactly like paper trading.
 * Prices are integer paise on the instrument's tick; quantities are units.
 *
 *  - A TAKER (an order that is marketable on arrival, a triggered stop, a market order) walks the
 *    opposite side of a fresh 5-level depth snapshot up to its limit — partial fills when the book is
 *    thin — or, without depth, fills its whole quantity at the last price moved against it by the
 *    slippage (adverse, snapped outward to the tick), never beyond its limit.
 *  - A MARKET order is protected like Kite's (mandatory since 2026-04-01): its limit is the last
 *    price ± protection % (default 2 %), snapped inward to the tick. What cannot fill inside the band
 *    is left over; the caller rests it as a limit at the band (DAY) or cancels it (IOC), as Kite does
 *    with its "mktp" orders.
 *  - A RESTING limit fills when a later trade prints at or through it, at the trade price (never
 *    worse than the limit); no slippage (it is the passive side).
 *  - Stops: a BUY SL/SL-M triggers when the last price ≥ trigger, a SELL when ≤ trigger.
 */
import type { DepthLevel, DepthSnapshot } from '../model/depth.js';
import type { OrderSide } from '../model/order.js';

export interface Slippage {
  /** Whole ticks against the taker. */
  ticks?: number;
  /** Basis points of the reference price against the taker. */
  bps?: number;
}

export interface FillSlice {
  qty: number;
  pricePaise: number;
}

/** Kite's automatic market protection band is not documented; 2 % like the Kite simulator. */
export const DEFAULT_PROTECTION_PCT = 2;

/** When a resting limit fills: a trade AT the limit ('touch', optimistic) or only THROUGH it. */
export type RestingFillRule = 'touch' | 'through';

function checkTick(tickPaise: number): void {
  if (!Number.isSafeInteger(tickPaise) || tickPaise <= 0) throw new RangeError(`tickPaise must be a positive integer, got ${String(tickPaise)}`);
}

function checkPrice(p: number, what: string): void {
  if (!Number.isSafeInteger(p) || p <= 0) throw new RangeError(`${what} must be a positive integer (paise), got ${String(p)}`);
}

const ceilTo = (p: number, tick: number): number => Math.ceil(p / tick) * tick;
const floorTo = (p: number, tick: number): number => Math.floor(p / tick) * tick;

/** A BUY's trigger fires when the last price reaches it from below; a SELL's from above. */
export function isTriggered(side: OrderSide, triggerPaise: number, lastPaise: number): boolean {
  return side === 'BUY' ? lastPaise >= triggerPaise : lastPaise <= triggerPaise;
}

/** Whether a limit order would trade against `refPaise` (an offer for a BUY, a bid for a SELL). */
export function isMarketable(side: OrderSide, limitPaise: number, refPaise: number): boolean {
  return side === 'BUY' ? refPaise <= limitPaise : refPaise >= limitPaise;
}

/** The better of two prices for `side` (lower for a BUY). */
export function betterPrice(side: OrderSide, a: number, b: number): number {
  return side === 'BUY' ? Math.min(a, b) : Math.max(a, b);
}

/**
 * `refPaise` moved against the taker by the slippage: ticks × tick + refPaise × bps / 10 000, then
 * snapped to the tick away from the taker (up for a BUY, down for a SELL). A SELL never goes below one tick.
 */
export function slippedPrice(side: OrderSide, refPaise: number, tickPaise: number, slippage?: Slippage): number {
  checkTick(tickPaise);
  checkPrice(refPaise, 'slippedPrice: refPaise');
  const ticks = slippage?.ticks ?? 0;
  const bps = slippage?.bps ?? 0;
  if (!(ticks >= 0 && bps >= 0 && Number.isFinite(ticks) && Number.isFinite(bps))) {
    throw new RangeError(`slippage must be non-negative, got ticks ${String(ticks)}, bps ${String(bps)}`);
  }
  const offset = ticks * tickPaise + (refPaise * bps) / 10_000;
  if (side === 'BUY') return ceilTo(refPaise + offset, tickPaise);
  return Math.max(tickPaise, floorTo(refPaise - offset, tickPaise));
}

/**
 * The protected limit of a market-type order: `refPaise` ± `pct` %, snapped inward to the tick
 * (down for a BUY, up for a SELL), never below one tick. pct 0 < pct ≤ 100.
 */
export function protectionLimit(side: OrderSide, refPaise: number, pct: number, tickPaise: number): number {
  checkTick(tickPaise);
  checkPrice(refPaise, 'protectionLimit: refPaise');
  if (!(pct > 0 && pct <= 100)) throw new RangeError(`protection must be 0 < pct ≤ 100, got ${String(pct)}`);
  // in hundredths of a percent so the arithmetic stays in integers
  const bp = Math.round(pct * 100);
  const num = refPaise * (side === 'BUY' ? 10_000 + bp : 10_000 - bp);
  const den = 10_000 * tickPaise;
  const steps = side === 'BUY' ? Math.floor(num / den) : Math.ceil(num / den);
  return Math.max(tickPaise, steps * tickPaise);
}

/**
 * Walks the side of `depth` a `side` order takes from (asks for a BUY, bids for a SELL), best level
 * first, up to `limitPaise`, appending one slice per level used to `out`. `taken[i]` is how much of
 * level i earlier orders already consumed from this same snapshot; it is increased here. Returns the
 * quantity filled (≤ qty).
 */
export function walkDepth(
  side: OrderSide,
  qty: number,
  depth: Readonly<DepthSnapshot>,
  limitPaise: number,
  out: FillSlice[],
  taken?: number[],
): number {
  const levels: readonly DepthLevel[] = side === 'BUY' ? depth.sell : depth.buy;
  let left = qty;
  for (let i = 0; i < levels.length && left > 0; i++) {
    const l = levels[i]!;
    if (!isMarketable(side, limitPaise, l.pricePaise)) break;
    const avail = l.quantity - (taken?.[i] ?? 0);
    if (avail <= 0) continue;
    const q = avail < left ? avail : left;
    out.push({ qty: q, pricePaise: l.pricePaise });
    if (taken) taken[i] = (taken[i] ?? 0) + q;
    left -= q;
  }
  return qty - left;
}

export interface TakerContext {
  /** Last traded price (the reference for slippage, protection and marketability without depth). */
  lastPaise: number;
  tickPaise: number;
  /** A FRESH depth snapshot, or undefined to fill at the last price. */
  depth?: Readonly<DepthSnapshot> | undefined;
  /** Consumption of `depth` by earlier orders (see walkDepth). */
  taken?: number[] | undefined;
  slippage?: Slippage | undefined;
}

export interface TakerFill {
  slices: FillSlice[];
  filledQty: number;
  /** The price limit applied: the order's limit, or the protection band of a market order. */
  limitPaise: number;
}

/**
 * What a taker order gets right now. `limitPaise` undefined = a MARKET order protected by
 * `protectionPct` around the last price. With depth: walk the book (partial fills possible). Without:
 * all of `qty` at the slipped last price, capped at the limit — or nothing if the last price itself is
 * not marketable against the limit.
 */
export function takerFill(
  side: OrderSide,
  qty: number,
  limitPaise: number | undefined,
  ctx: Readonly<TakerContext>,
  protectionPct: number = DEFAULT_PROTECTION_PCT,
): TakerFill {
  if (!Number.isSafeInteger(qty) || qty <= 0) throw new RangeError(`takerFill: qty must be a positive integer, got ${String(qty)}`);
  const limit = limitPaise ?? protectionLimit(side, ctx.lastPaise, protectionPct, ctx.tickPaise);
  const slices: FillSlice[] = [];
  let filledQty = 0;
  if (ctx.depth !== undefined) {
    filledQty = walkDepth(side, qty, ctx.depth, limit, slices, ctx.taken);
  } else if (isMarketable(side, limit, ctx.lastPaise)) {
    const p = betterPrice(side, slippedPrice(side, ctx.lastPaise, ctx.tickPaise, ctx.slippage), limit);
    slices.push({ qty, pricePaise: p });
    filledQty = qty;
  }
  return { slices, filledQty, limitPaise: limit };
}

/**
 * The price a RESTING limit order fills at when a trade prints at `tradePaise`, or undefined if the
 * trade does not reach it: the trade price (better than or equal to the limit).
 */
export function restingFillPrice(side: OrderSide, limitPaise: number, tradePaise: number, rule: RestingFillRule = 'touch'): number | undefined {
  const reached = rule === 'touch' ? isMarketable(side, limitPaise, tradePaise) : side === 'BUY' ? tradePaise < limitPaise : tradePaise > limitPaise;
  return reached ? betterPrice(side, limitPaise, tradePaise) : undefined;
}
