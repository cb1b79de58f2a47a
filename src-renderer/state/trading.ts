import type { FillDto, OrderDto, PortfolioDto, RiskDecisionDto } from '../../src-engine/contract/trading-schemas.js';

/**
 * Pure merge rules for the trading streams (orders, fills, portfolio, risk decisions). The store
 * (trading-store.ts) only calls these; every function returns the same array/object back when
 * nothing changed, so zustand subscribers do not re-render for a no-op.
 */

/** Risk decisions kept for the risk log. */
export const MAX_DECISIONS = 300;
/** Fills kept for the trades tab. */
export const MAX_FILLS = 1000;

const TERMINAL = new Set<OrderDto['status']>(['COMPLETE', 'CANCELLED', 'REJECTED']);

/** COMPLETE, CANCELLED and REJECTED: nothing more happens to the order. */
export function isTerminal(status: OrderDto['status']): boolean {
  return TERMINAL.has(status);
}

/** Still working at the broker and worth a Cancel button (a cancel already on its way is not). */
export function isOpenOrder(o: Pick<OrderDto, 'status'>): boolean {
  return !isTerminal(o.status) && o.status !== 'CANCEL PENDING';
}

/** Open and of a type whose price (LIMIT, SL) or trigger (SL, SL-M) can be changed in place. */
export function canModifyPrice(o: Pick<OrderDto, 'status' | 'orderType'>): boolean {
  return isOpenOrder(o) && (o.orderType === 'LIMIT' || o.orderType === 'SL');
}
export function canModifyTrigger(o: Pick<OrderDto, 'status' | 'orderType'>): boolean {
  return isOpenOrder(o) && (o.orderType === 'SL' || o.orderType === 'SL-M');
}

/** Newest first: by placement time, then order id (descending) so equal times keep a stable order. */
function orderNewerFirst(a: OrderDto, b: OrderDto): number {
  if (a.tsInit !== b.tsInit) return b.tsInit - a.tsInit;
  return a.orderId < b.orderId ? 1 : a.orderId > b.orderId ? -1 : 0;
}

/** A snapshot replaces every order: one per orderId (the latest tsUpdate wins), newest first. */
export function applyOrdersSnapshot(list: readonly OrderDto[]): OrderDto[] {
  const byId = new Map<string, OrderDto>();
  for (const o of list) {
    const held = byId.get(o.orderId);
    if (held === undefined || o.tsUpdate >= held.tsUpdate) byId.set(o.orderId, o);
  }
  return [...byId.values()].sort(orderNewerFirst);
}

/**
 * One changed order: replaces the order with the same orderId unless it is older (tsUpdate) than
 * the one held — a late answer or a snapshot/delta overlap must not turn a COMPLETE back into OPEN.
 * With equal tsUpdate the later message wins. A new order goes in at its place (newest first).
 */
export function applyOrderDelta(list: readonly OrderDto[], o: OrderDto): readonly OrderDto[] {
  const i = list.findIndex((x) => x.orderId === o.orderId);
  if (i >= 0) {
    const held = list[i]!;
    if (o.tsUpdate < held.tsUpdate) return list;
    // a terminal order stays terminal even if a same-time non-terminal update arrives after it
    if (o.tsUpdate === held.tsUpdate && isTerminal(held.status) && !isTerminal(o.status)) return list;
    const next = [...list];
    next[i] = o;
    if (o.tsInit !== held.tsInit) next.sort(orderNewerFirst);
    return next;
  }
  let at = list.findIndex((x) => orderNewerFirst(o, x) < 0);
  if (at < 0) at = list.length;
  return [...list.slice(0, at), o, ...list.slice(at)];
}

/** Newest first by event time, then fill id (descending). */
function fillNewerFirst(a: FillDto, b: FillDto): number {
  if (a.tsEvent !== b.tsEvent) return b.tsEvent - a.tsEvent;
  return a.fillId < b.fillId ? 1 : a.fillId > b.fillId ? -1 : 0;
}

/**
 * `trades.list` answers the newest fills: they replace what is held (one per fillId, newest first,
 * capped). The same array comes back when the answer holds exactly the fills already shown (fills
 * never change once made), so a periodic refresh does not re-render the trades tab.
 */
export function applyFillsSnapshot(held: readonly FillDto[], incoming: readonly FillDto[], max = MAX_FILLS): readonly FillDto[] {
  const byId = new Map<string, FillDto>();
  for (const f of incoming) byId.set(f.fillId, f);
  const next = [...byId.values()].sort(fillNewerFirst).slice(0, max);
  if (next.length === held.length && next.every((f, i) => f.fillId === held[i]!.fillId)) return held;
  return next;
}

/**
 * The portfolio is a whole state: the latest wins. A snapshot (`force`) always replaces (after a
 * reconnect the engine may have restarted and its clock — feed time in paper mode — moved back); a
 * delta older than the one held is dropped.
 */
export function applyPortfolio(held: PortfolioDto | null, next: PortfolioDto, force = false): PortfolioDto | null {
  if (!force && held !== null && next.tsEvent < held.tsEvent) return held;
  return next;
}

/** A snapshot of decisions: newest first (by journal id), one per id, capped. */
export function applyDecisionsSnapshot(list: readonly RiskDecisionDto[], max = MAX_DECISIONS): RiskDecisionDto[] {
  const byId = new Map<number, RiskDecisionDto>();
  for (const d of list) byId.set(d.id, d);
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, max);
}

/** One new decision: in place by id (newest first), a duplicate ignored, the oldest dropped beyond `max`. */
export function applyDecisionDelta(list: readonly RiskDecisionDto[], d: RiskDecisionDto, max = MAX_DECISIONS): readonly RiskDecisionDto[] {
  const first = list[0];
  if (first === undefined || d.id > first.id) return [d, ...list].slice(0, max);
  if (list.some((x) => x.id === d.id)) return list;
  if (list.length >= max && d.id < list[list.length - 1]!.id) return list;
  return applyDecisionsSnapshot([...list, d], max);
}
