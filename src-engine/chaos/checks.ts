/**
 * The chaos harness's verdicts, as pure functions over what it read (the simulator's order book and
 * positions, the engine's journal), so each can be shown to fail on a constructed case.
 */

/** One row of the simulator's (Kite's) order book, as far as the checks need it. */
export interface VenueOrder {
  orderId: string;
  tag: string | null;
}

/** One net position row at the venue (Kite's `net`). */
export interface VenuePosition {
  exchange: string;
  tradingsymbol: string;
  product: string;
  quantity: number;
}

/** One journalled fill of ours. */
export interface OurFill {
  exchange: string;
  symbol: string;
  product: string;
  side: 'BUY' | 'SELL';
  qty: number;
}

export interface DuplicateTag {
  tag: string;
  orderIds: string[];
}

/**
 * Tags carried by more than one order at the venue: each is a duplicate placement (Kite does not
 * de-duplicate on tag, so a second order with one of our tags is one we sent twice). Untagged rows
 * and tags `ours` rejects are not counted.
 */
export function duplicateTags(rows: readonly VenueOrder[], ours: (tag: string) => boolean = () => true): DuplicateTag[] {
  const byTag = new Map<string, string[]>();
  for (const r of rows) {
    if (r.tag === null || r.tag === '' || !ours(r.tag)) continue;
    const l = byTag.get(r.tag);
    if (l === undefined) byTag.set(r.tag, [r.orderId]);
    else l.push(r.orderId);
  }
  return [...byTag].filter(([, ids]) => ids.length > 1).map(([tag, orderIds]) => ({ tag, orderIds }));
}

/** Acknowledged client ids (the engine answered them through the contract) that the journal does not hold. */
export function lostRows(acknowledged: Iterable<string>, journal: ReadonlySet<string>): string[] {
  return [...new Set(acknowledged)].filter((id) => !journal.has(id));
}

const key = (exchange: string, symbol: string, product: string) => `${exchange}:${symbol}|${product}`;

/** Our net quantity per exchange:symbol|product from the fills (zeros dropped). */
export function netOfFills(fills: readonly OurFill[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of fills) {
    const k = key(f.exchange, f.symbol, f.product);
    m.set(k, (m.get(k) ?? 0) + (f.side === 'BUY' ? f.qty : -f.qty));
  }
  for (const [k, q] of m) if (q === 0) m.delete(k);
  return m;
}

export interface PositionDiff {
  key: string;
  ours: number;
  venue: number;
}

/** Every instrument+product where our net differs from the venue's (a side with nothing counts as 0). */
export function positionDiffs(ours: ReadonlyMap<string, number>, venue: readonly VenuePosition[]): PositionDiff[] {
  const theirs = new Map<string, number>();
  for (const p of venue) {
    const k = key(p.exchange, p.tradingsymbol, p.product);
    theirs.set(k, (theirs.get(k) ?? 0) + p.quantity);
  }
  const keys = new Set([...ours.keys(), ...theirs.keys()]);
  const out: PositionDiff[] = [];
  for (const k of [...keys].sort()) {
    const a = ours.get(k) ?? 0;
    const b = theirs.get(k) ?? 0;
    if (a !== b) out.push({ key: k, ours: a, venue: b });
  }
  return out;
}
