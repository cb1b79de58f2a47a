import type { UniverseScan } from '../../src-engine/contract/schemas.js';

/** Rows shown in the Universe section. */
export const UNIVERSE_ROWS = 30;

export interface UniverseRow {
  symbol: string;
  rank: number;
  /** Score as a whole percentage (0..100). */
  scorePct: number;
  selected: boolean;
}

/** The day's universe for display: the selected symbols first (in the universe's order), then the best of the rest by rank; capped. */
export function universeRows(scan: UniverseScan | null, limit = UNIVERSE_ROWS): UniverseRow[] {
  if (!scan || scan.state !== 'ok') return [];
  const bySymbol = new Map(scan.entries.map((e) => [e.symbol, e]));
  const rows: UniverseRow[] = [];
  const seen = new Set<string>();
  for (const s of scan.symbols) {
    const e = bySymbol.get(s);
    seen.add(s);
    // a symbol forced in by `include` may have no scan entry (unscored)
    rows.push(e ? toRow(e.symbol, e.rank, e.score, true) : { symbol: s, rank: 0, scorePct: 0, selected: true });
  }
  const rest = [...scan.entries].filter((e) => !seen.has(e.symbol)).sort((a, b) => a.rank - b.rank);
  for (const e of rest) rows.push(toRow(e.symbol, e.rank, e.score, e.selected));
  return rows.slice(0, Math.max(0, limit));
}

function toRow(symbol: string, rank: number, score: number, selected: boolean): UniverseRow {
  return { symbol, rank, scorePct: Math.round(score * 100), selected };
}

/** The section's title line: the date and how many symbols are in, or why there is none. */
export function universeSummary(scan: UniverseScan | null): string {
  if (!scan) return 'not loaded';
  if (scan.state === 'failed') return `${scan.date}: failed — ${scan.error ?? 'unknown error'}`;
  return `${scan.date} · ${scan.symbols.length} of ${scan.entries.length}`;
}
