/**
 * Ranking of evaluated points by one metric. Deterministic: a missing or non-finite value ranks last,
 * and equal values keep the search order (the point's index), so the same results always give the
 * same table, whichever thread or machine finished first.
 */
import type { MetricValue } from './evaluator.js';
import type { ParamPoint } from './space.js';

export type Direction = 'max' | 'min';

/** Metrics where smaller is better; every other metric is maximised unless told otherwise. */
const MINIMISED = new Set(['maxDrawdown', 'maxDrawdownPaise', 'maxDrawdownDurationMs', 'chargesPaise', 'avgLossPaise', 'losses', 'turnoverPaise']);

export function defaultDirection(metric: string): Direction {
  return MINIMISED.has(metric) ? 'min' : 'max';
}

export interface PointResult {
  index: number;
  params: ParamPoint;
  metrics: Record<string, MetricValue>;
}

export interface RankedRow extends PointResult {
  /** 1-based. */
  rank: number;
  /** The ranking metric's value (null when missing). */
  value: MetricValue;
}

export class RankError extends Error {
  override readonly name = 'RankError';
}

const usable = (v: MetricValue | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function rankResults(results: readonly PointResult[], metric: string, direction: Direction = defaultDirection(metric)): RankedRow[] {
  if (results.length > 0 && !results.some((r) => metric in r.metrics)) {
    throw new RankError(`metric ${JSON.stringify(metric)} is not among the evaluator's metrics: ${Object.keys(results[0]!.metrics).join(', ')}`);
  }
  const sign = direction === 'max' ? -1 : 1;
  const sorted = [...results].sort((a, b) => {
    const va = a.metrics[metric];
    const vb = b.metrics[metric];
    const ua = usable(va);
    const ub = usable(vb);
    if (ua && ub && va !== vb) return sign * (va - vb);
    if (ua !== ub) return ua ? -1 : 1;
    return a.index - b.index;
  });
  return sorted.map((r, i) => ({ ...r, rank: i + 1, value: usable(r.metrics[metric]) ? r.metrics[metric]! : null }));
}

/** The best row, or undefined when no point has a usable value. */
export function best(rows: readonly RankedRow[]): RankedRow | undefined {
  return rows.find((r) => r.value !== null);
}
