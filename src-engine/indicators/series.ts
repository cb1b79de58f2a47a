import type { Bar, Indicator } from './indicator.js';
import { createIndicator } from './registry.js';

/**
 * Batch helper: runs the same incremental indicator over `bars` and returns one array per output
 * column (aligned with `indicator.columns`), NaN during warm-up. `spec` is a registry spec such as
 * `macd:12:26:9`, or an indicator (which is reset first).
 */
export function computeSeries(spec: string | Indicator, bars: readonly Bar[]): Float64Array[] {
  const ind = typeof spec === 'string' ? createIndicator(spec) : spec;
  if (typeof spec !== 'string') ind.reset();
  const cols = ind.columns.map(() => new Float64Array(bars.length));
  const k = cols.length;
  for (let i = 0; i < bars.length; i++) {
    ind.update(bars[i]!);
    for (let j = 0; j < k; j++) cols[j]![i] = ind.out[j]!;
  }
  return cols;
}
