/**
 * Live vs paper slippage (issue 11): when a live order is sent, what the PAPER fill model
 * (fill-model.ts, the paper broker's rules and settings) would have filled at that moment, on the depth
 * and last price seen then; when Kite's fills come in, the two are paired per order and summed per
 * strategy. Pure functions; the kernel records the model at send time (runtime/live-mode.ts) and
 * journals it (persistence: live_slippage_models).
 *
 * Signs: `diffPaise` is per unit and ADVERSE-positive — the real price was worse for us than the model's
 * (a BUY filled higher, a SELL lower); negative means Kite filled us better than paper would have.
 * `bps` is diffPaise over the model price × 10,000; `costPaise` is diffPaise × the filled quantity.
 */
import type { DepthSnapshot } from '../model/depth.js';
import type { OrderSide, OrderType } from '../model/order.js';
import { protectionLimit, restingFillPrice, takerFill, type Slippage } from './fill-model.js';

/**
 * What the model is based on: `depth` (a marketable order walked the fresh book), `last` (no fresh
 * book: the last price moved by the paper slippage), `resting` (a limit not marketable at send, or a
 * stop not triggered yet: paper would fill it at its limit/trigger or better later), `none` (no price
 * to model on, or nothing fillable inside the band: the row has no model price).
 */
export type ModelBasis = 'depth' | 'last' | 'resting' | 'none';

/** Which live order a model quote or a slippage row is about. */
export type ModelOrderKey = Pick<ModelOrder, 'orderId' | 'clientId' | 'strategy' | 'symbol' | 'side' | 'orderType' | 'qty'>;

/** The paper model of one live order at the moment it was sent. */
export interface ModelQuote extends ModelOrderKey {
  /** Feed time the order was sent. */
  ts: number;
  basis: ModelBasis;
  /** Units the model fills (≤ qty; 0 with basis `none`). */
  modelQty: number;
  /** Σ qty × price of the model's slices, paise. */
  modelValuePaise: number;
  /** The last traded price seen at send, paise (0 when none). */
  refLastPaise: number;
  /** The depth snapshot used (its feed time), when basis is `depth`. */
  depthTs?: number;
}

export interface ModelContext {
  /** Last traded price, paise (undefined: none seen). */
  lastPaise: number | undefined;
  tickPaise: number;
  /** The latest depth snapshot (used only when fresh: within `depthStaleAfterMs` of `now`). */
  depth: Readonly<DepthSnapshot> | undefined;
  now: number;
  /** The paper broker's settings. */
  slippage?: Slippage | undefined;
  protectionPct: number;
  depthStaleAfterMs?: number;
}

export interface ModelOrder {
  orderId: string;
  clientId: string;
  strategy: string;
  symbol: string;
  side: OrderSide;
  orderType: OrderType;
  qty: number;
  pricePaise?: number | undefined;
  triggerPaise?: number | undefined;
}

/** The paper fill model's answer for `o` at this moment (see ModelBasis). Never throws for bad market data: basis `none`. */
export function modelQuote(o: ModelOrder, ctx: ModelContext): ModelQuote {
  const base = { orderId: o.orderId, clientId: o.clientId, strategy: o.strategy, symbol: o.symbol, side: o.side, orderType: o.orderType, qty: o.qty, ts: ctx.now };
  const last = ctx.lastPaise !== undefined && Number.isSafeInteger(ctx.lastPaise) && ctx.lastPaise > 0 ? ctx.lastPaise : undefined;
  const none: ModelQuote = { ...base, basis: 'none', modelQty: 0, modelValuePaise: 0, refLastPaise: last ?? 0 };
  if (last === undefined || !(ctx.tickPaise > 0) || !(o.qty > 0)) return none;
  const fresh = ctx.depth !== undefined && ctx.now - ctx.depth.tsEvent <= (ctx.depthStaleAfterMs ?? 5000) ? ctx.depth : undefined;
  const resting = (price: number): ModelQuote => ({ ...base, basis: 'resting', modelQty: o.qty, modelValuePaise: o.qty * price, refLastPaise: last });
  try {
    // a stop that has not triggered rests: paper fills it at its trigger (SL-M, moved by the slippage) or its limit (SL)
    if (o.orderType === 'SL' || o.orderType === 'SL-M') {
      const trig = o.triggerPaise;
      if (trig === undefined) return none;
      const triggered = o.side === 'BUY' ? last >= trig : last <= trig;
      if (!triggered) {
        if (o.orderType === 'SL' && o.pricePaise !== undefined) return resting(o.pricePaise);
        const p = takerFill(o.side, o.qty, protectionLimit(o.side, trig, ctx.protectionPct, ctx.tickPaise), { lastPaise: trig, tickPaise: ctx.tickPaise, slippage: ctx.slippage }, ctx.protectionPct);
        return p.filledQty > 0 ? { ...base, basis: 'resting', modelQty: p.filledQty, modelValuePaise: sumValue(p.slices), refLastPaise: last } : none;
      }
    }
    const limit = o.orderType === 'LIMIT' || o.orderType === 'SL' ? o.pricePaise : undefined;
    if ((o.orderType === 'LIMIT' || o.orderType === 'SL') && limit === undefined) return none;
    if (limit !== undefined) {
      const touch = fresh ? (o.side === 'BUY' ? fresh.sell[0]?.pricePaise : fresh.buy[0]?.pricePaise) : last;
      if (touch === undefined || restingFillPrice(o.side, limit, touch) === undefined) return resting(limit);
    }
    const f = takerFill(o.side, o.qty, limit, { lastPaise: last, tickPaise: ctx.tickPaise, depth: fresh, slippage: ctx.slippage }, ctx.protectionPct);
    if (f.filledQty === 0) return limit !== undefined ? resting(limit) : none;
    return { ...base, basis: fresh ? 'depth' : 'last', modelQty: f.filledQty, modelValuePaise: sumValue(f.slices), refLastPaise: last, ...(fresh ? { depthTs: fresh.tsEvent } : {}) };
  } catch {
    return none;
  }
}

function sumValue(slices: readonly { qty: number; pricePaise: number }[]): number {
  let v = 0;
  for (const s of slices) v += s.qty * s.pricePaise;
  return v;
}

/** One real fill of a live order. */
export interface RealFill {
  orderId: string;
  qty: number;
  pricePaise: number;
}

/** One live order: the model at send time against Kite's fills. */
export interface SlippageRow extends ModelOrderKey {
  ts: number;
  basis: ModelBasis;
  modelQty: number;
  /** The model's average price (paise, rounded to the paisa); absent with basis `none`. */
  modelPricePaise?: number;
  /** Units Kite filled. */
  filledQty: number;
  /** Kite's average fill price (paise, rounded); absent before the first fill. */
  realPricePaise?: number;
  /** Per unit, adverse-positive: BUY real − model, SELL model − real. Absent without both prices. */
  diffPaise?: number;
  /** diffPaise over the model price, basis points (2 decimals). */
  bps?: number;
  /** diffPaise × filledQty. */
  costPaise?: number;
}

/** A strategy's (or all orders') slippage: sums over its rows with both prices. */
export interface SlippageAggregate {
  strategy: string;
  /** Live orders with a model. */
  orders: number;
  /** Orders with both a model price and at least one fill (the ones summed below). */
  paired: number;
  filledQty: number;
  /** Σ costPaise. */
  costPaise: number;
  /** Σ model price × filled qty (the notional the bps are of). */
  modelNotionalPaise: number;
  /** costPaise over modelNotionalPaise × 10,000 (2 decimals); 0 with nothing paired. */
  bps: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Pairs one order's model with its real fills (see the file comment for the signs). */
export function slippageRow(m: Readonly<ModelQuote>, fills: readonly RealFill[]): SlippageRow {
  let filledQty = 0;
  let value = 0;
  for (const f of fills) {
    if (f.orderId !== m.orderId) continue;
    filledQty += f.qty;
    value += f.qty * f.pricePaise;
  }
  const row: SlippageRow = {
    orderId: m.orderId,
    clientId: m.clientId,
    strategy: m.strategy,
    symbol: m.symbol,
    side: m.side,
    orderType: m.orderType,
    ts: m.ts,
    qty: m.qty,
    basis: m.basis,
    modelQty: m.modelQty,
    filledQty,
  };
  if (m.modelQty > 0) row.modelPricePaise = Math.round(m.modelValuePaise / m.modelQty);
  if (filledQty > 0) row.realPricePaise = Math.round(value / filledQty);
  if (row.modelPricePaise !== undefined && row.realPricePaise !== undefined && row.modelPricePaise > 0) {
    const diff = m.side === 'BUY' ? row.realPricePaise - row.modelPricePaise : row.modelPricePaise - row.realPricePaise;
    row.diffPaise = diff;
    row.bps = round2((diff * 10_000) / row.modelPricePaise);
    row.costPaise = diff * filledQty;
  }
  return row;
}

/** Per-strategy sums, plus the whole (`strategy: '*'`) first. */
export function aggregateSlippage(rows: readonly SlippageRow[]): SlippageAggregate[] {
  const by = new Map<string, SlippageAggregate>();
  const total: SlippageAggregate = { strategy: '*', orders: 0, paired: 0, filledQty: 0, costPaise: 0, modelNotionalPaise: 0, bps: 0 };
  for (const r of rows) {
    let a = by.get(r.strategy);
    if (a === undefined) by.set(r.strategy, (a = { strategy: r.strategy, orders: 0, paired: 0, filledQty: 0, costPaise: 0, modelNotionalPaise: 0, bps: 0 }));
    for (const x of [a, total]) {
      x.orders++;
      if (r.costPaise === undefined || r.modelPricePaise === undefined) continue;
      x.paired++;
      x.filledQty += r.filledQty;
      x.costPaise += r.costPaise;
      x.modelNotionalPaise += r.modelPricePaise * r.filledQty;
    }
  }
  const out = [total, ...[...by.values()].sort((a, b) => a.strategy.localeCompare(b.strategy))];
  for (const a of out) a.bps = a.modelNotionalPaise > 0 ? round2((a.costPaise * 10_000) / a.modelNotionalPaise) : 0;
  return out;
}
