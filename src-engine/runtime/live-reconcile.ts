/**
 * Live reconciliation with Kite: the comparison of one round (pure) and its verdict.
 *
 * Kite nets positions per instrument and product, our ledger keeps them per strategy: what is compared
 * is the NET per (exchange, symbol, product). Ours comes from the live journal's fills: MIS and CNC over
 * the current trading day (Kite's `net` positions hold today's intraday and delivery trades; older
 * delivery is in holdings, older MIS was squared off), NRML over every fill (carried forward).
 *
 *  - A Kite order without one of our tags is EXTERNAL: listed, never traded by strategies.
 *  - A Kite position on an (instrument, product) we never traded and no order of ours touched today is
 *    EXTERNAL: listed (kind `external`), not a mismatch; its net notional counts in the risk engine's
 *    gross exposure cap (externalPositionsOf → RiskEngine.setExternalPositions).
 *  - Both hold it and the numbers differ: `qty`; we hold it and Kite shows nothing: `missing`. Either is
 *    an alarm at once and, when the difference is beyond `toleranceQty` for `haltAfterRounds` rounds in a
 *    row, halts live trading (a fill streamed before Kite's positions show it heals within a round).
 *  - A difference on a SETTLING key (settlingKeys: an order of ours on it that Kite's book and our order
 *    manager see differently, or one of ours not finished and not in the book read) is shown but does not
 *    count toward the halt: orders paced out one by one during a burst keep fills in flight on every
 *    round, and Kite's positions are read a moment after its book (the chaos burst halted on it).
 *  - A read that failed, or an answer that is not complete, is never read as "flat": the round's verdict
 *    is `halted` with the reason.
 */
import type { ExternalOrder, PositionMismatch, Reconciliation } from '../contract/mode-schemas.js';
import type { KiteOrder, KitePosition } from '../adapters/kite/rest-types.js';
import type { ExternalPosition } from '../risk/risk-engine.js';

export interface ReconcileFill {
  symbol: string;
  exchange?: string;
  product: string;
  side: 'BUY' | 'SELL';
  qty: number;
  /** The fill's IST trading day (YYYY-MM-DD). */
  day: string;
}

export interface ReconcileInput {
  /** Our live fills (the live journal). */
  fills: readonly ReconcileFill[];
  /** Kite's `net` positions. */
  positions: readonly KitePosition[];
  /** Kite's order book today. */
  orders: readonly KiteOrder[];
  /** Is this one of our client ids (a Kite `tag` we sent)? */
  isOurTag: (tag: string) => boolean;
  /** The current trading day. */
  today: string;
  /** Exchange of a symbol we trade (default NSE). */
  exchangeOf?: (symbol: string) => string;
}

export interface ReconcileComparison {
  mismatches: PositionMismatch[];
  externalOrders: ExternalOrder[];
}

const key = (exchange: string, symbol: string, product: string) => `${exchange}:${symbol}|${product}`;

function tagOf(o: KiteOrder, isOurTag: (t: string) => boolean): string | undefined {
  if (o.tag !== null && o.tag !== '' && isOurTag(o.tag)) return o.tag;
  return o.tags.find((t) => isOurTag(t));
}

/** One of our live orders as our order manager sees it (settlingKeys). */
export interface OurOrderState {
  clientId: string;
  exchange: string;
  symbol: string;
  product: string;
  filledQty: number;
  terminal: boolean;
}

/**
 * The (exchange, symbol, product) keys whose orders are still settling: an order of ours in Kite's book
 * whose filled quantity our order manager has not (or has already further) seen, or an unfinished order
 * of ours that is not in the book read (on its way to Kite, or placed after the read: Kite's positions,
 * read after its book, may hold its fill already). Keys as in the comparison (`exchange:symbol|product`).
 */
export function settlingKeys(orders: readonly KiteOrder[], isOurTag: (tag: string) => boolean, ours: (clientId: string) => OurOrderState | undefined, open: readonly OurOrderState[]): Set<string> {
  const out = new Set<string>();
  const inBook = new Set<string>();
  for (const o of orders) {
    const tag = tagOf(o, isOurTag);
    if (tag === undefined) continue;
    inBook.add(tag);
    const mine = ours(tag);
    if (mine === undefined || mine.filledQty !== o.filledQuantity) out.add(key(o.exchange, o.tradingsymbol, o.product));
  }
  for (const o of open) if (!o.terminal && !inBook.has(o.clientId)) out.add(key(o.exchange, o.symbol, o.product));
  return out;
}

/** One round's comparison of our live journal with Kite's positions and order book. */
export function compareWithKite(input: ReconcileInput): ReconcileComparison {
  const ours = new Map<string, { exchange: string; symbol: string; product: string; qty: number }>();
  const everTraded = new Set<string>();
  for (const f of input.fills) {
    const exchange = f.exchange ?? input.exchangeOf?.(f.symbol) ?? 'NSE';
    const k = key(exchange, f.symbol, f.product);
    everTraded.add(k);
    if (f.product !== 'NRML' && f.day !== input.today) continue;
    let p = ours.get(k);
    if (p === undefined) ours.set(k, (p = { exchange, symbol: f.symbol, product: f.product, qty: 0 }));
    p.qty += f.side === 'BUY' ? f.qty : -f.qty;
  }
  const externalOrders: ExternalOrder[] = [];
  const ourOrderKeys = new Set<string>();
  for (const o of input.orders) {
    const tag = tagOf(o, input.isOurTag);
    if (tag !== undefined) {
      ourOrderKeys.add(key(o.exchange, o.tradingsymbol, o.product));
      continue;
    }
    externalOrders.push({
      brokerOrderId: o.orderId,
      symbol: o.tradingsymbol,
      exchange: o.exchange,
      side: o.transactionType,
      qty: o.quantity,
      filledQty: o.filledQuantity,
      status: o.status,
      product: o.product,
      ...(o.tag !== null && o.tag !== '' ? { tag: o.tag } : {}),
    });
  }
  const kite = new Map<string, { exchange: string; symbol: string; product: string; qty: number }>();
  for (const p of input.positions) {
    const k = key(p.exchange, p.tradingsymbol, p.product);
    const cur = kite.get(k);
    if (cur) cur.qty += p.quantity;
    else kite.set(k, { exchange: p.exchange, symbol: p.tradingsymbol, product: p.product, qty: p.quantity });
  }
  const mismatches: PositionMismatch[] = [];
  for (const [k, p] of kite) {
    const o = ours.get(k)?.qty ?? 0;
    if (o === p.qty) continue;
    const external = o === 0 && !everTraded.has(k) && !ourOrderKeys.has(k);
    mismatches.push({ symbol: p.symbol, exchange: p.exchange, product: p.product, oursQty: o, kiteQty: p.qty, kind: external ? 'external' : 'qty' });
  }
  for (const [k, p] of ours) {
    if (kite.has(k) || p.qty === 0) continue;
    mismatches.push({ symbol: p.symbol, exchange: p.exchange, product: p.product, oursQty: p.qty, kiteQty: 0, kind: 'missing' });
  }
  mismatches.sort((a, b) => (a.symbol === b.symbol ? a.product.localeCompare(b.product) : a.symbol.localeCompare(b.symbol)));
  return { mismatches, externalOrders };
}

export interface VerdictInput {
  comparison: ReconcileComparison;
  /** Our live orders whose state at Kite is not known (client ids). */
  unresolved: readonly string[];
  /** Kite orders carrying one of our tags that we do not track (a duplicate or a late one). */
  orphans: readonly { brokerOrderId: string; tag: string; reason: string }[];
  /** Consecutive rounds each (qty/missing) mismatch key has been seen, this round included. */
  streak: (m: PositionMismatch) => number;
  toleranceQty: number;
  haltAfterRounds: number;
}

export interface Verdict {
  state: Reconciliation['state'];
  message?: string;
  /** Live trading must stop (risk halt) with `message`. */
  halt: boolean;
}

/** The state a round ends in (docs/trading.md, "Live reconciliation"). */
export function verdictOf(v: VerdictInput): Verdict {
  if (v.orphans.length > 0) {
    const o = v.orphans[0]!;
    return { state: 'halted', halt: true, message: `Kite order ${o.brokerOrderId} carries our tag ${o.tag} but is not tracked (${o.reason}): a possible duplicate; check it at Kite` };
  }
  const real = v.comparison.mismatches.filter((m) => m.kind !== 'external');
  const beyond = real.filter((m) => Math.abs(m.kiteQty - m.oursQty) > v.toleranceQty && v.streak(m) >= v.haltAfterRounds);
  const describe = (m: PositionMismatch) => `${m.exchange}:${m.symbol} ${m.product}: ours ${m.oursQty}, Kite ${m.kiteQty}`;
  if (beyond.length > 0) {
    return { state: 'halted', halt: true, message: `net positions differ from Kite beyond the tolerance for ${v.haltAfterRounds} rounds (${beyond.map(describe).join('; ')})` };
  }
  if (real.length > 0) return { state: 'mismatch', halt: false, message: `net positions differ from Kite (${real.map(describe).join('; ')})` };
  if (v.unresolved.length > 0) return { state: 'mismatch', halt: false, message: `${v.unresolved.length} live order(s) without a known state at Kite yet (${v.unresolved.slice(0, 5).join(', ')})` };
  const ext = v.comparison.mismatches.length + v.comparison.externalOrders.length;
  return { state: 'clean', halt: false, ...(ext > 0 ? { message: `clean; ${ext} external order(s)/position(s) at Kite shown as external` } : {}) };
}

/** The external positions of a round, with Kite's last price, as the risk engine counts them in its exposure cap. */
export function externalPositionsOf(comparison: ReconcileComparison, positions: readonly KitePosition[]): ExternalPosition[] {
  const price = new Map<string, number>();
  for (const p of positions) if (p.lastPricePaise > 0) price.set(key(p.exchange, p.tradingsymbol, p.product), p.lastPricePaise);
  return comparison.mismatches
    .filter((m) => m.kind === 'external' && m.kiteQty !== 0)
    .map((m) => {
      const px = price.get(key(m.exchange, m.symbol, m.product));
      return { symbol: m.symbol, exchange: m.exchange, product: m.product, qty: m.kiteQty, ...(px !== undefined ? { lastPricePaise: px } : {}) };
    });
}
