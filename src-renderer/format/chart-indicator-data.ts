import type { ChartIndicatorDef, IndicatorPoint } from '../../src-engine/contract/chart-schemas.js';

/**
 * Indicator points (the engine's values of paise candles, epoch ms) → the chart library's line and
 * histogram data (UTC seconds; price-like values in rupees, as the candles are drawn). A point
 * still warming up is whitespace (`{ time }`): the bar exists, the line has no value there.
 */

export interface IndicatorDataPoint {
  time: number;
  value?: number;
  color?: string;
}

/** Line colours by indicator slot (the n-th indicator on the chart). */
export const INDICATOR_PALETTE = ['#f5a623', '#4fc3f7', '#ba68c8', '#ffd54f', '#81c784', '#ff8a65', '#90caf9', '#f06292'] as const;

const UP = 'rgba(38, 166, 154, 0.8)';
const DOWN = 'rgba(239, 83, 80, 0.8)';

/** The colour of line `line` of the indicator in slot `slot`: Bollinger's three bands share one, others step through the palette. */
export function lineColor(def: ChartIndicatorDef, slot: number, line: number): string {
  const n = INDICATOR_PALETTE.length;
  if (def.name === 'bb') return INDICATOR_PALETTE[slot % n]!;
  return INDICATOR_PALETTE[(slot + line * 3) % n]!;
}

/** The value as drawn: price-like values in rupees. */
export function drawnValue(v: number, def: ChartIndicatorDef): number {
  return def.unit === 'price' ? v / 100 : v;
}

/** Data of one output column, for the series that draws it. */
export function columnData(points: readonly IndicatorPoint[], def: ChartIndicatorDef, column: number): IndicatorDataPoint[] {
  const out = new Array<IndicatorDataPoint>(points.length);
  for (let i = 0; i < points.length; i++) out[i] = columnPoint(points[i]!, def, column);
  return out;
}

/** One point of one column (for series.update()). */
export function columnPoint(p: IndicatorPoint, def: ChartIndicatorDef, column: number): IndicatorDataPoint {
  const time = Math.floor(p.t / 1000);
  const v = p.v[column];
  if (v === null || v === undefined) return { time };
  const style = def.lines[column]?.style;
  if (style === 'histogram') return { time, value: drawnValue(v, def), color: v >= 0 ? UP : DOWN };
  // SuperTrend's line takes the colour of its direction (column 1: +1 up, −1 down)
  if (def.name === 'supertrend' && column === 0) {
    const dir = p.v[1];
    return dir === null || dir === undefined ? { time, value: drawnValue(v, def) } : { time, value: drawnValue(v, def), color: dir > 0 ? UP : DOWN };
  }
  return { time, value: drawnValue(v, def) };
}
