/**
 * The watchlist's instrument search over a plain instrument list (the simulator's, or the Kite feed's
 * before its master is loaded): exact symbol first, then symbol prefix, then name prefix, then symbol or
 * name contains; ties by symbol. Bounded by `limit`. The Kite master has its own indexed search
 * (model/instrument-master.ts) with the same order at the top.
 */
import type { Instrument } from '../contract/schemas.js';

export function searchInstrumentList<I extends Pick<Instrument, 'symbol' | 'name'>>(list: readonly I[], query: string, limit: number): I[] {
  const q = query.trim().toUpperCase().replace(/\s+/g, ' ');
  if (q === '' || limit <= 0) return [];
  const ranked: { i: I; rank: number }[] = [];
  for (const i of list) {
    const sym = i.symbol.toUpperCase();
    const name = i.name.toUpperCase();
    const rank = sym === q ? 0 : sym.startsWith(q) ? 1 : name.startsWith(q) ? 2 : sym.includes(q) ? 3 : name.includes(q) ? 4 : -1;
    if (rank >= 0) ranked.push({ i, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.i.symbol.length - b.i.symbol.length || a.i.symbol.localeCompare(b.i.symbol));
  return ranked.slice(0, limit).map((r) => r.i);
}
