import { z } from 'zod';
import { candleSchema, epochMs, paise, signalSchema, symbolSchema, timeframeSchema } from './schemas.js';
import { fillDtoSchema } from './trading-schemas.js';

/**
 * The chart's part of the contract: indicators the engine computes on its candles (the same
 * incremental indicators strategies use), older candles for scrolling back, the symbol's signal and
 * fill markers, and the open positions' average price with the exits' stop, target and trailing stop.
 */

// ---- the indicators a chart can show ------------------------------------------------------------

export interface ChartIndicatorParam {
  key: string;
  label: string;
  default: number;
  min: number;
  max: number;
  /** Whole numbers only (periods). */
  integer: boolean;
}

/** One output column of an indicator, in the engine's column order. */
export interface ChartIndicatorLine {
  label: string;
  /** `hidden`: in the legend, not drawn (SuperTrend's direction). */
  style: 'line' | 'histogram' | 'dots' | 'hidden';
}

export interface ChartIndicatorDef {
  /** The engine's registry name (`createIndicator` spec prefix). */
  name: string;
  label: string;
  /** On the price chart, or in a pane of its own below it. */
  place: 'price' | 'pane';
  /** What the values are: `price` values are paise (the engine feeds paise candles), shown in rupees. */
  unit: 'price' | 'plain' | 'volume';
  params: readonly ChartIndicatorParam[];
  lines: readonly ChartIndicatorLine[];
  /** Horizontal guides in a pane (RSI 30/70, Stochastic 20/80). */
  guides?: readonly number[];
}

const period = (def: number, min = 1, max = 500): ChartIndicatorParam => ({ key: 'n', label: 'Length', default: def, min, max, integer: true });
const line = (label: string, style: ChartIndicatorLine['style'] = 'line'): ChartIndicatorLine => ({ label, style });

/** The chart's indicator menu, in menu order. Every entry builds in the engine's registry (tested). */
export const CHART_INDICATORS: readonly ChartIndicatorDef[] = [
  { name: 'ema', label: 'EMA', place: 'price', unit: 'price', params: [period(20)], lines: [line('EMA')] },
  { name: 'sma', label: 'SMA', place: 'price', unit: 'price', params: [period(20)], lines: [line('SMA')] },
  { name: 'wma', label: 'WMA', place: 'price', unit: 'price', params: [period(20)], lines: [line('WMA')] },
  { name: 'vwap', label: 'VWAP', place: 'price', unit: 'price', params: [], lines: [line('VWAP')] },
  {
    name: 'bb',
    label: 'Bollinger',
    place: 'price',
    unit: 'price',
    params: [period(20, 2), { key: 'k', label: 'StdDev', default: 2, min: 0.1, max: 10, integer: false }],
    lines: [line('Upper'), line('Middle'), line('Lower')],
  },
  {
    name: 'supertrend',
    label: 'SuperTrend',
    place: 'price',
    unit: 'price',
    params: [{ ...period(10), label: 'ATR length', max: 200 }, { key: 'mult', label: 'Multiplier', default: 3, min: 0.1, max: 20, integer: false }],
    lines: [line('SuperTrend'), line('Dir', 'hidden')],
  },
  {
    name: 'psar',
    label: 'Parabolic SAR',
    place: 'price',
    unit: 'price',
    params: [
      { key: 'accel', label: 'Step', default: 0.02, min: 0.001, max: 1, integer: false },
      { key: 'max', label: 'Max', default: 0.2, min: 0.01, max: 1, integer: false },
    ],
    lines: [line('PSAR', 'dots')],
  },
  { name: 'rsi', label: 'RSI', place: 'pane', unit: 'plain', params: [period(14, 2, 200)], lines: [line('RSI')], guides: [30, 70] },
  {
    name: 'macd',
    label: 'MACD',
    place: 'pane',
    unit: 'price',
    params: [
      { key: 'fast', label: 'Fast', default: 12, min: 1, max: 200, integer: true },
      { key: 'slow', label: 'Slow', default: 26, min: 2, max: 500, integer: true },
      { key: 'signal', label: 'Signal', default: 9, min: 1, max: 200, integer: true },
    ],
    lines: [line('MACD'), line('Signal'), line('Hist', 'histogram')],
  },
  { name: 'adx', label: 'ADX', place: 'pane', unit: 'plain', params: [period(14, 2, 200)], lines: [line('ADX'), line('+DI'), line('−DI')], guides: [25] },
  {
    name: 'stoch',
    label: 'Stochastic',
    place: 'pane',
    unit: 'plain',
    params: [
      { key: 'k', label: '%K', default: 14, min: 1, max: 200, integer: true },
      { key: 'ksmooth', label: 'Smooth', default: 3, min: 1, max: 50, integer: true },
      { key: 'd', label: '%D', default: 3, min: 1, max: 50, integer: true },
    ],
    lines: [line('%K'), line('%D')],
    guides: [20, 80],
  },
  { name: 'atr', label: 'ATR', place: 'pane', unit: 'price', params: [period(14, 1, 200)], lines: [line('ATR')] },
  { name: 'obv', label: 'OBV', place: 'pane', unit: 'volume', params: [], lines: [line('OBV')] },
];

const BY_NAME: ReadonlyMap<string, ChartIndicatorDef> = new Map(CHART_INDICATORS.map((d) => [d.name, d]));

export function chartIndicatorDef(name: string): ChartIndicatorDef | undefined {
  return BY_NAME.get(name);
}

/** The canonical spec of a chart indicator: `ema:20`, `bb:20:2`, `vwap` (the engine's registry form). */
export function chartSpec(name: string, params: readonly number[]): string {
  return [name, ...params.map((p) => String(p))].join(':');
}

export interface ParsedChartSpec {
  def: ChartIndicatorDef;
  params: number[];
}

/**
 * Parses and checks a chart spec against the menu: a known name, one number per parameter within its
 * limits (whole where it must be). Returns the reason as a string when it is not valid.
 */
export function parseChartSpec(spec: string): ParsedChartSpec | string {
  const [name = '', ...rest] = spec.split(':');
  const def = BY_NAME.get(name);
  if (def === undefined) return `unknown chart indicator "${name}" (known: ${CHART_INDICATORS.map((d) => d.name).join(', ')})`;
  if (rest.length !== def.params.length) return `${name} takes ${def.params.length} parameter(s) (${chartSpec(name, def.params.map((p) => p.default)) || name}), got ${rest.length}`;
  const params: number[] = [];
  for (const [i, p] of def.params.entries()) {
    const raw = rest[i]!;
    const v = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(v)) return `${name}: ${p.label} "${raw}" is not a number`;
    if (p.integer && !Number.isInteger(v)) return `${name}: ${p.label} must be a whole number, got ${raw}`;
    if (v < p.min || v > p.max) return `${name}: ${p.label} must be within ${p.min}…${p.max}, got ${raw}`;
    params.push(v);
  }
  if (name === 'macd' && params[0]! >= params[1]!) return 'macd: Fast must be shorter than Slow';
  return { def, params };
}

/** A chart indicator spec the menu knows, with valid parameters (`ema:20`, `macd:12:26:9`, `vwap`). */
export const chartSpecSchema = z
  .string()
  .min(1)
  .max(64)
  .superRefine((s, ctx) => {
    const r = parseChartSpec(s);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
  });

// ---- shapes --------------------------------------------------------------------------------------

/** One bar's values, aligned with the series' `columns`; null while the indicator warms up. */
export const indicatorPointSchema = z.object({ t: epochMs, v: z.array(z.number().nullable()) });
export type IndicatorPoint = z.infer<typeof indicatorPointSchema>;

export const indicatorSeriesSchema = z.object({
  symbol: symbolSchema,
  tf: timeframeSchema,
  spec: z.string(),
  /** The engine's output columns (`macd_12_26_9`, `…_signal`, `…_hist`). */
  columns: z.array(z.string()),
  /** Oldest first, one per candle; the last is the forming bar's value when that bar is still forming. */
  points: z.array(indicatorPointSchema),
});
export type IndicatorSeries = z.infer<typeof indicatorSeriesSchema>;

/** A new or changed value: the forming bar's (`closed: false`, as if it closed now) or a closed bar's final one. */
export const indicatorDeltaSchema = indicatorPointSchema.extend({ closed: z.boolean() });
export type IndicatorDelta = z.infer<typeof indicatorDeltaSchema>;

export const chartMarkersSchema = z.object({
  symbol: symbolSchema,
  /** The symbol's journalled signals, newest first. */
  signals: z.array(signalSchema),
  /** The symbol's fills, newest first. */
  fills: z.array(fillDtoSchema),
});
export type ChartMarkers = z.infer<typeof chartMarkersSchema>;

/** An open position's levels: the ledger's average price and what the exits module has armed. */
export const positionLevelsSchema = z.object({
  strategy: z.string(),
  /** Signed: > 0 long. */
  qty: z.number().int(),
  avgPricePaise: paise,
  stopPaise: paise.nullable(),
  targetPaise: paise.nullable(),
  trailPaise: paise.nullable(),
});
export const symbolLevelsSchema = z.object({ symbol: symbolSchema, positions: z.array(positionLevelsSchema) });
export type SymbolLevels = z.infer<typeof symbolLevelsSchema>;

const seriesParams = {
  symbol: symbolSchema,
  tf: timeframeSchema.default('1m'),
  spec: chartSpecSchema,
  limit: z.number().int().min(1).max(5000).default(500),
};

/** Requests of the chart; spread into `kiteDeskApi.requests`. */
export const chartRequests = {
  /** An indicator over the symbol's candles: the newest `limit` points before `before` (epoch ms, exclusive; default: up to the forming bar). */
  'indicators.get': {
    input: z.object({ ...seriesParams, before: epochMs.optional() }).strict(),
    output: indicatorSeriesSchema,
  },
  /** The newest `limit` candles that start before `before`, oldest first (scrolling back); [] when the engine keeps none older. */
  'candles.history': {
    input: z.object({ symbol: symbolSchema, tf: timeframeSchema.default('1m'), before: epochMs, limit: z.number().int().min(1).max(5000).default(500) }).strict(),
    output: z.array(candleSchema),
  },
  /** The symbol's signals and fills for chart markers, newest first. */
  'chart.markers': {
    input: z.object({ symbol: symbolSchema, limit: z.number().int().min(1).max(1000).default(500) }).strict(),
    output: chartMarkersSchema,
  },
  /** The symbol's open positions with average price, stop, target and trailing stop. */
  'exits.get': { input: z.object({ symbol: symbolSchema }).strict(), output: symbolLevelsSchema },
} as const;

/** Topics of the chart; spread into `kiteDeskApi.topics`. */
export const chartTopics = {
  /**
   * Snapshot: as `indicators.get` without `before`; delta: the forming bar's value on every candle
   * change (coalesced per bar: latest wins), and each closed bar's final value.
   */
  'indicators.updated': { params: z.object(seriesParams).strict(), snapshot: indicatorSeriesSchema, delta: indicatorDeltaSchema },
  /** Snapshot and deltas: `exits.get` for the symbol, pushed when a level or a position changes (latest wins). */
  'exits.updated': { params: z.object({ symbol: symbolSchema }).strict(), snapshot: symbolLevelsSchema, delta: symbolLevelsSchema },
} as const;
