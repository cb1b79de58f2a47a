import type { IndicatorDelta, IndicatorPoint } from '../../src-engine/contract/chart-schemas.js';
import type { Candle } from '../../src-engine/contract/schemas.js';

/**
 * Merge rules for the chart's indicator series and for older candles loaded by scrolling back.
 * Pure: every function returns new arrays (or the same one when nothing changed).
 */

export type SeriesOp = 'snapshot' | 'replace' | 'append' | 'prepend' | 'ignore';

/** Most points kept per indicator series (as many as candles). */
export const MAX_POINTS = 2000;

/** A snapshot: sorted by `t`, one point per `t` (the later wins), the newest `max`. */
export function applyPointsSnapshot(points: readonly IndicatorPoint[], max = MAX_POINTS): IndicatorPoint[] {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const out: IndicatorPoint[] = [];
  for (const p of sorted) {
    if (out.length > 0 && out[out.length - 1]!.t === p.t) out[out.length - 1] = p;
    else out.push(p);
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

/**
 * A delta: the same `t` as the newest point replaces it (the forming bar again, or its final value),
 * a newer `t` appends (dropping the oldest beyond `max`), an older one is ignored.
 */
export function applyPointDelta(points: readonly IndicatorPoint[], d: IndicatorDelta, max = MAX_POINTS): { points: IndicatorPoint[]; op: SeriesOp } {
  const p: IndicatorPoint = { t: d.t, v: d.v };
  const last = points[points.length - 1];
  if (last === undefined || d.t > last.t) {
    const next = [...points, p];
    return { points: next.length > max ? next.slice(next.length - max) : next, op: next.length > max ? 'snapshot' : 'append' };
  }
  if (d.t === last.t) {
    const next = points.slice(0, -1);
    next.push(p);
    return { points: next, op: 'replace' };
  }
  return { points: points as IndicatorPoint[], op: 'ignore' };
}

/** Older items in front: only those before the current oldest, sorted, one per `t`; as many as fit in `max` (the nearest ones). */
function prepend<T extends { t: number }>(current: readonly T[], older: readonly T[], max: number): T[] {
  const first = current[0]?.t ?? Infinity;
  const fresh = [...older].filter((x) => x.t < first).sort((a, b) => a.t - b.t);
  const unique: T[] = [];
  for (const x of fresh) if (unique.length === 0 || unique[unique.length - 1]!.t !== x.t) unique.push(x);
  if (unique.length === 0) return current as T[];
  const room = Math.max(0, max - current.length);
  return [...unique.slice(Math.max(0, unique.length - room)), ...current];
}

/** Older indicator points in front of the series (scrolling back); at most `max` in all. */
export function prependPoints(points: readonly IndicatorPoint[], older: readonly IndicatorPoint[], max = MAX_POINTS): IndicatorPoint[] {
  return prepend(points, older, max);
}

/** Older candles in front of the chart's (scrolling back); at most `max` in all (the newest are never dropped for them). */
export function prependCandles(candles: readonly Candle[], older: readonly Candle[], max: number): Candle[] {
  return prepend(candles, older, max);
}

/** The item at exactly `t` (binary search over items sorted by `t`). */
export function atTime<T extends { t: number }>(items: readonly T[], t: number): T | undefined {
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = items[mid]!.t;
    if (m === t) return items[mid];
    if (m < t) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** The start of the bar that holds `ts`: the newest item with t ≤ ts (items sorted by t), undefined before the first. */
export function barAt<T extends { t: number }>(items: readonly T[], ts: number): T | undefined {
  let lo = 0;
  let hi = items.length - 1;
  let found: T | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.t <= ts) {
      found = items[mid];
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
