import type { Candle } from '../../src-engine/contract/schemas.js';

/** Most candles kept for the chart; older ones fall off the left. */
export const MAX_CANDLES = 2000;

/** What a merge did, so the chart can apply the same change incrementally. */
export type CandleOp = 'snapshot' | 'replace' | 'append' | 'prepend' | 'ignore';

export interface CandleMerge {
  candles: Candle[];
  op: CandleOp;
  /** Candles dropped from the front to respect the cap (append only). */
  trimmed: number;
}

/** A snapshot replaces everything: sorted by `t`, one candle per `t` (the later wins), last `max`. */
export function applyCandleSnapshot(snapshot: readonly Candle[], max = MAX_CANDLES): Candle[] {
  const sorted = [...snapshot].sort((a, b) => a.t - b.t);
  const out: Candle[] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && last.t === c.t) out[out.length - 1] = c;
    else out.push(c);
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

/**
 * A delta is the forming candle or a new one: same `t` as the last replaces it, a newer `t` appends
 * (dropping the oldest beyond `max`), an older `t` is ignored. Never mutates `current`.
 */
export function applyCandleDelta(current: readonly Candle[], delta: Candle, max = MAX_CANDLES): CandleMerge {
  const last = current[current.length - 1];
  if (last === undefined || delta.t > last.t) {
    const appended = [...current, delta];
    const trimmed = Math.max(0, appended.length - max);
    return { candles: trimmed > 0 ? appended.slice(trimmed) : appended, op: 'append', trimmed };
  }
  if (delta.t === last.t) {
    const replaced = current.slice(0, -1);
    replaced.push(delta);
    return { candles: replaced, op: 'replace', trimmed: 0 };
  }
  return { candles: current as Candle[], op: 'ignore', trimmed: 0 };
}
