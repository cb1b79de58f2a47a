import type { Quote } from '../../src-engine/contract/schemas.js';

export type QuoteMap = Readonly<Record<string, Quote>>;

/** A snapshot replaces all quotes, keeping only the symbols we asked for. */
export function applyQuoteSnapshot(snapshot: readonly Quote[], symbols: readonly string[]): QuoteMap {
  const wanted = new Set(symbols);
  const out: Record<string, Quote> = {};
  for (const q of snapshot) if (wanted.has(q.symbol)) out[q.symbol] = q;
  return out;
}

/** A delta replaces one symbol's quote unless it is older than the one we hold or not wanted. */
export function applyQuoteDelta(current: QuoteMap, delta: Quote, symbols: readonly string[]): QuoteMap {
  if (!symbols.includes(delta.symbol)) return current;
  const held = current[delta.symbol];
  if (held && held.tsEvent > delta.tsEvent) return current;
  return { ...current, [delta.symbol]: delta };
}

/** Drop quotes of symbols no longer watched. */
export function pruneQuotes(current: QuoteMap, symbols: readonly string[]): QuoteMap {
  const out: Record<string, Quote> = {};
  let changed = false;
  for (const [sym, q] of Object.entries(current)) {
    if (symbols.includes(sym)) out[sym] = q;
    else changed = true;
  }
  return changed ? out : current;
}
