import { create } from 'zustand';
import type { ChartMarkers, IndicatorDelta, IndicatorPoint, IndicatorSeries, SymbolLevels } from '../../src-engine/contract/chart-schemas.js';
import type { Timeframe } from '../../src-engine/contract/schemas.js';
import { layoutOf, parseLayouts, serializeLayouts, type ChartLayouts, type LayoutChange, type TimeframeLayout } from './chart-layout.js';
import { applyPointDelta, applyPointsSnapshot, prependPoints, type SeriesOp } from './chart-series.js';

/**
 * The chart's own state, apart from the app store: per-timeframe layouts (indicators and view, kept
 * when the symbol changes and stored in localStorage), the indicator series of the symbol and
 * timeframe shown, its markers snapshot, its position levels and the scroll-back state.
 */

export interface IndicatorSeriesState {
  spec: string;
  columns: string[];
  points: IndicatorPoint[];
}

export interface HistoryState {
  loading: boolean;
  /** The engine has nothing older for this symbol and timeframe. */
  exhausted: boolean;
}

export interface ChartStoreState {
  layouts: ChartLayouts;
  /** `SYMBOL|tf` the series, markers and history belong to (null: nothing shown). */
  key: string | null;
  series: Readonly<Record<string, IndicatorSeriesState>>;
  /** The last series change, so the chart applies it incrementally (update() for replace/append). */
  lastSeriesChange: { spec: string; op: SeriesOp } | null;
  markers: ChartMarkers | null;
  levels: SymbolLevels | null;
  history: HistoryState;

  /** Changes one timeframe's layout; answers the refusal's text, or null. */
  changeLayout(tf: Timeframe, change: (l: TimeframeLayout) => LayoutChange | TimeframeLayout): string | null;
  /** A new symbol or timeframe: series, markers, levels and history start over. */
  show(key: string | null): void;
  seriesSnapshot(key: string, s: IndicatorSeries): void;
  seriesDelta(key: string, spec: string, d: IndicatorDelta): void;
  seriesPrepend(key: string, spec: string, older: readonly IndicatorPoint[]): void;
  /** An indicator left the chart. */
  dropSeries(spec: string): void;
  setMarkers(key: string, m: ChartMarkers): void;
  setLevels(key: string, l: SymbolLevels): void;
  setHistory(key: string, h: Partial<HistoryState>): void;
}

export const LAYOUTS_STORAGE_KEY = 'kitedesk.chart.layouts.v1';

function loadLayouts(): ChartLayouts {
  try {
    const raw = globalThis.localStorage?.getItem(LAYOUTS_STORAGE_KEY);
    return raw ? parseLayouts(JSON.parse(raw)) : {};
  } catch {
    return {};
  }
}

function saveLayouts(layouts: ChartLayouts): void {
  try {
    globalThis.localStorage?.setItem(LAYOUTS_STORAGE_KEY, serializeLayouts(layouts));
  } catch {
    // private mode or full storage: the layout lives for this page only
  }
}

const idleHistory: HistoryState = { loading: false, exhausted: false };

export function createChartStore(persist = true) {
  return create<ChartStoreState>()((set, get) => ({
    layouts: persist ? loadLayouts() : {},
    key: null,
    series: {},
    lastSeriesChange: null,
    markers: null,
    levels: null,
    history: idleHistory,

    changeLayout: (tf, change) => {
      const before = layoutOf(get().layouts, tf);
      const r = change(before);
      const next = 'error' in r ? undefined : 'layout' in r ? r.layout : r;
      if (next === undefined) return (r as { error: string }).error;
      if (next === before) return null;
      const layouts = { ...get().layouts, [tf]: next };
      set({ layouts });
      if (persist) saveLayouts(layouts);
      return null;
    },
    show: (key) =>
      set((s) => (s.key === key ? s : { key, series: {}, lastSeriesChange: null, markers: null, levels: null, history: idleHistory })),
    seriesSnapshot: (key, x) =>
      set((s) =>
        s.key !== key
          ? s
          : { series: { ...s.series, [x.spec]: { spec: x.spec, columns: x.columns, points: applyPointsSnapshot(x.points) } }, lastSeriesChange: { spec: x.spec, op: 'snapshot' } },
      ),
    seriesDelta: (key, spec, d) =>
      set((s) => {
        const cur = s.series[spec];
        if (s.key !== key || cur === undefined) return s;
        const r = applyPointDelta(cur.points, d);
        if (r.op === 'ignore') return s;
        return { series: { ...s.series, [spec]: { ...cur, points: r.points } }, lastSeriesChange: { spec, op: r.op } };
      }),
    seriesPrepend: (key, spec, older) =>
      set((s) => {
        const cur = s.series[spec];
        if (s.key !== key || cur === undefined) return s;
        const points = prependPoints(cur.points, older);
        if (points === cur.points) return s;
        return { series: { ...s.series, [spec]: { ...cur, points } }, lastSeriesChange: { spec, op: 'prepend' } };
      }),
    dropSeries: (spec) =>
      set((s) => {
        if (!(spec in s.series)) return s;
        const series = { ...s.series };
        delete series[spec];
        return { series, lastSeriesChange: null };
      }),
    setMarkers: (key, markers) => set((s) => (s.key === key ? { markers } : s)),
    setLevels: (key, levels) => set((s) => (s.key === key ? { levels } : s)),
    setHistory: (key, h) => set((s) => (s.key === key ? { history: { ...s.history, ...h } } : s)),
  }));
}

export const useChartStore = createChartStore();
