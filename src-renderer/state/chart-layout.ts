import { CHART_INDICATORS, chartIndicatorDef, chartSpec, parseChartSpec, type ChartIndicatorDef } from '../../src-engine/contract/chart-schemas.js';
import { TIMEFRAMES, type Timeframe } from '../../src-engine/contract/schemas.js';

/**
 * What the chart shows per timeframe, kept when the symbol changes (and across reloads): the
 * indicators with their parameters, and the view (how many bars are visible and how far the right
 * edge is scrolled back). Pure functions; the chart store holds the value.
 */

export interface IndicatorChoice {
  /** Stable within the layout (React keys, the edit form). */
  id: number;
  name: string;
  params: number[];
}

export interface ChartView {
  /** Bars across the visible range. */
  barsVisible: number;
  /** Bars between the newest bar and the right edge (negative: scrolled back). */
  rightOffset: number;
}

export interface TimeframeLayout {
  indicators: IndicatorChoice[];
  view: ChartView | null;
}

export type ChartLayouts = Partial<Record<Timeframe, TimeframeLayout>>;

/** Indicators on one timeframe's chart at most (each is one engine subscription). */
export const MAX_INDICATORS = 8;
/** Panes below the price at most (the price pane keeps most of the height). */
export const MAX_PANES = 3;

export const EMPTY_LAYOUT: TimeframeLayout = Object.freeze({ indicators: [], view: null }) as TimeframeLayout;

export function layoutOf(layouts: ChartLayouts, tf: Timeframe): TimeframeLayout {
  return layouts[tf] ?? EMPTY_LAYOUT;
}

export function specOf(c: Pick<IndicatorChoice, 'name' | 'params'>): string {
  return chartSpec(c.name, c.params);
}

export function defOf(c: Pick<IndicatorChoice, 'name'>): ChartIndicatorDef {
  const d = chartIndicatorDef(c.name);
  if (d === undefined) throw new RangeError(`unknown chart indicator ${c.name}`);
  return d;
}

/** "EMA 20", "Bollinger 20 2", "VWAP". */
export function indicatorTitle(c: Pick<IndicatorChoice, 'name' | 'params'>): string {
  return [defOf(c).label, ...c.params.map(String)].join(' ');
}

export type LayoutChange = { layout: TimeframeLayout } | { error: string };

const paneCount = (list: readonly IndicatorChoice[]): number => list.filter((c) => defOf(c).place === 'pane').length;

/** Adds `name` with its default parameters; an error when it is already there (same parameters) or the chart is full. */
export function addIndicator(layout: TimeframeLayout, name: string): LayoutChange {
  const def = chartIndicatorDef(name);
  if (def === undefined) return { error: `unknown indicator ${name}` };
  const choice = { id: nextId(layout), name, params: def.params.map((p) => p.default) };
  return place(layout, choice, undefined);
}

/** New parameters (as typed: strings or numbers) for indicator `id`; the contract's rules decide. */
export function setIndicatorParams(layout: TimeframeLayout, id: number, raw: readonly (string | number)[]): LayoutChange {
  const at = layout.indicators.findIndex((c) => c.id === id);
  if (at < 0) return { error: 'that indicator is no longer on the chart' };
  const name = layout.indicators[at]!.name;
  const parsed = parseChartSpec([name, ...raw.map((x) => String(x).trim())].join(':'));
  if (typeof parsed === 'string') return { error: parsed };
  return place(layout, { id, name, params: parsed.params }, at);
}

export function removeIndicator(layout: TimeframeLayout, id: number): TimeframeLayout {
  const indicators = layout.indicators.filter((c) => c.id !== id);
  return indicators.length === layout.indicators.length ? layout : { ...layout, indicators };
}

/** Bars a chart shows at first, and the empty bars right of the newest. */
export const DEFAULT_VISIBLE_BARS = 150;
export const DEFAULT_RIGHT_OFFSET = 4;

/**
 * The visible logical range for `n` bars from a timeframe's stored view (same zoom, same distance from
 * the newest bar); the default view (the newest 150 bars) when there is none or it would show no bar.
 */
export function rangeFor(n: number, view: ChartView | null): { from: number; to: number } {
  if (view !== null) {
    const to = n - 1 + view.rightOffset;
    const from = to - view.barsVisible;
    if (to > 0 && from < n - 1) return { from, to };
  }
  return { from: Math.max(0, n - DEFAULT_VISIBLE_BARS), to: n - 1 + DEFAULT_RIGHT_OFFSET };
}

export function setView(layout: TimeframeLayout, view: ChartView): TimeframeLayout {
  const same = layout.view !== null && layout.view.barsVisible === view.barsVisible && layout.view.rightOffset === view.rightOffset;
  return same ? layout : { ...layout, view };
}

function place(layout: TimeframeLayout, choice: IndicatorChoice, replacing: number | undefined): LayoutChange {
  const spec = specOf(choice);
  const others = layout.indicators.filter((_, i) => i !== replacing);
  if (others.some((c) => specOf(c) === spec)) return { error: `${indicatorTitle(choice)} is already on the chart` };
  if (replacing === undefined && others.length >= MAX_INDICATORS) return { error: `at most ${MAX_INDICATORS} indicators per chart` };
  if (replacing === undefined && defOf(choice).place === 'pane' && paneCount(others) >= MAX_PANES) return { error: `at most ${MAX_PANES} indicator panes` };
  const indicators = [...layout.indicators];
  if (replacing === undefined) indicators.push(choice);
  else indicators[replacing] = choice;
  return { layout: { ...layout, indicators } };
}

function nextId(layout: TimeframeLayout): number {
  return layout.indicators.reduce((m, c) => Math.max(m, c.id), 0) + 1;
}

/** Layouts read back from storage: anything malformed or no longer valid is dropped, the rest kept. */
export function parseLayouts(raw: unknown): ChartLayouts {
  const out: ChartLayouts = {};
  if (raw === null || typeof raw !== 'object') return out;
  const rec = raw as Record<string, unknown>;
  for (const tf of TIMEFRAMES) {
    const l = rec[tf] as { indicators?: unknown; view?: unknown } | undefined;
    if (l === undefined || l === null || typeof l !== 'object') continue;
    let layout: TimeframeLayout = { indicators: [], view: null };
    if (Array.isArray(l.indicators)) {
      for (const c of l.indicators as unknown[]) {
        const x = c as { name?: unknown; params?: unknown };
        if (typeof x?.name !== 'string' || !Array.isArray(x.params)) continue;
        const parsed = parseChartSpec(chartSpec(x.name, x.params as number[]));
        if (typeof parsed === 'string') continue;
        const r = place(layout, { id: layout.indicators.length + 1, name: x.name, params: parsed.params }, undefined);
        if ('layout' in r) layout = r.layout;
      }
    }
    const v = l.view as Partial<ChartView> | null | undefined;
    if (v && Number.isFinite(v.barsVisible) && Number.isFinite(v.rightOffset) && v.barsVisible! >= 2 && v.barsVisible! <= 10_000) {
      layout = { ...layout, view: { barsVisible: v.barsVisible!, rightOffset: v.rightOffset! } };
    }
    if (layout.indicators.length > 0 || layout.view !== null) out[tf] = layout;
  }
  return out;
}

/** The storable form (ids are not stored: they are renumbered on load). */
export function serializeLayouts(layouts: ChartLayouts): string {
  const out: Record<string, { indicators: { name: string; params: number[] }[]; view: ChartView | null }> = {};
  for (const [tf, l] of Object.entries(layouts)) {
    if (l) out[tf] = { indicators: l.indicators.map((c) => ({ name: c.name, params: c.params })), view: l.view };
  }
  return JSON.stringify(out);
}

/** The indicator menu: every chart indicator, price overlays first. */
export const INDICATOR_MENU: readonly ChartIndicatorDef[] = [...CHART_INDICATORS];
