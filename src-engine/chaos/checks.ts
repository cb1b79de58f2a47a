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

/** One order placement request at the venue (the simulator's orderPlacements()): wall-clock ms, tag, HTTP status. */
export interface Placement {
  at: number;
  tag: string | null;
  status: number;
}

export interface RateViolation {
  /** Start of the window (the first order in it), ms. */
  from: number;
  count: number;
  cap: number;
}

/**
 * Windows of `windowMs` (rolling: each starts at an order) holding more than `cap` accepted orders
 * (status 200). One violation per overfull run (the window at its worst), so 11 orders within one
 * second with a cap of 10 is one violation of count 11.
 */
export function rateViolations(placements: readonly Placement[], cap: number, windowMs: number): RateViolation[] {
  const ts = placements.filter((p) => p.status === 200).map((p) => p.at).sort((a, b) => a - b);
  const out: RateViolation[] = [];
  let j = 0;
  for (let i = 0; i < ts.length; i++) {
    while (j < ts.length && ts[j]! - ts[i]! < windowMs) j++;
    const count = j - i;
    if (count <= cap) continue;
    const last = out.at(-1);
    // the same overfull run as the last window (it still reaches into it): keep the worst count
    if (last !== undefined && ts[i]! - last.from < windowMs) {
      if (count > last.count) last.count = count;
    } else out.push({ from: ts[i]!, count, cap });
  }
  return out;
}

/** The most accepted orders in any rolling window of `windowMs`. */
export function maxInWindow(placements: readonly Placement[], windowMs: number): number {
  const ts = placements.filter((p) => p.status === 200).map((p) => p.at).sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < ts.length; i++) {
    while (j < ts.length && ts[j]! - ts[i]! < windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

/**
 * Blind retries: a tag that got a 429 and was sent again (any later request with the same tag). An
 * engine that gets a 429 has to treat the intent as refused (or look the tag up), never resend it.
 */
export function retriesAfter429(placements: readonly Placement[]): { tag: string; after429: number; resent: number }[] {
  const sorted = [...placements].sort((a, b) => a.at - b.at);
  const first429 = new Map<string, number>();
  const resent = new Map<string, number>();
  for (const p of sorted) {
    if (p.tag === null) continue;
    if (first429.has(p.tag)) resent.set(p.tag, (resent.get(p.tag) ?? 0) + 1);
    if (p.status === 429 && !first429.has(p.tag)) first429.set(p.tag, p.at);
  }
  return [...resent].map(([tag, n]) => ({ tag, after429: first429.get(tag)!, resent: n }));
}

/** Accepted orders whose arrival falls inside one of the intervals [from, to) (e.g. a feed silence). */
export function ordersDuring(placements: readonly Placement[], intervals: readonly { from: number; to: number }[]): Placement[] {
  return placements.filter((p) => p.status === 200 && intervals.some((w) => p.at >= w.from && p.at < w.to));
}

/** A ticker connection as the simulator logged it (opened / closed, first subscription per token), wall-clock ms. */
export interface ConnectionLog {
  id: number;
  openedAt: number;
  closedAt?: number;
  subscribedAt: ReadonlyMap<number, number>;
}

export interface ResubscribeResult {
  /** The connections that came back (opened at or after `since`, not closed since). */
  connections: number[];
  /** Slowest token: its first subscription on a connection that is back minus that connection's opening, ms (Infinity when one never came). */
  slowestMs: number;
  /** Tokens not subscribed within `withinMs` of their socket being back (never, or too late). */
  late: { token: number; ms: number }[];
}

/**
 * After a feed fault at `since`: the sockets that are back (connections opened at or after `since`
 * and not closed; the engine may spread its tokens over several) must carry every token of `expected`,
 * each within `withinMs` of the opening of the socket it is on. A token on no socket that is back
 * (none back at all, or only on a connection from before the fault) is late with Infinity.
 */
export function resubscribeCheck(log: readonly ConnectionLog[], expected: readonly number[], since: number, withinMs: number): ResubscribeResult {
  const back = log.filter((c) => c.openedAt >= since && c.closedAt === undefined);
  let slowestMs = 0;
  const late: { token: number; ms: number }[] = [];
  for (const token of expected) {
    let ms = Infinity;
    for (const c of back) {
      const at = c.subscribedAt.get(token);
      if (at !== undefined) ms = Math.min(ms, at - c.openedAt);
    }
    slowestMs = Math.max(slowestMs, ms);
    if (ms > withinMs) late.push({ token, ms });
  }
  return { connections: back.map((c) => c.id), slowestMs, late };
}

/** Records one integrity check of a round: the round stays ok only while every check of it passed. */
export function markIntegrity(rounds: Map<number, boolean>, round: number, ok: boolean): void {
  rounds.set(round, (rounds.get(round) ?? true) && ok);
}
