import './chart.css';
import { useEffect, useRef, useState } from 'react';
import type { Candle } from '../../src-engine/contract/schemas.js';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { buildLegend } from '../format/chart-legend.js';
import { buildMarkers, levelLines, mergeMarkerSources } from '../format/chart-markers.js';
import { defOf, indicatorTitle, layoutOf, rangeFor, setView, specOf } from '../state/chart-layout.js';
import { atTime } from '../state/chart-series.js';
import { useChartStore } from '../state/chart-store.js';
import { loadOlderHistory } from '../state/chart-sync.js';
import { useAppStore } from '../state/store.js';
import { CHART_TIMEFRAMES, isIntraday, timeframeLabel } from '../state/timeframes.js';
import { useTradingStore } from '../state/trading-store.js';
import { ChartController, type DrawnIndicator } from './chart-controller.js';
import { ChartIndicators } from './ChartIndicators.js';
import { ChartLegend } from './ChartLegend.js';

/** Scrolling this close to the oldest bar loads older ones. */
const HISTORY_EDGE_BARS = 10;

interface ChartStats {
  count: number;
  indicatorSeries: number;
  panes: number;
  signalMarkers: number;
  fillMarkers: number;
  priceLines: number;
}

const noStats: ChartStats = { count: 0, indicatorSeries: 0, panes: 1, signalMarkers: 0, fillMarkers: 0, priceLines: 0 };

/**
 * Test hooks of the chart (besides App.tsx's `chart`, `data-symbol`, `data-tf`, `data-candle-count`):
 * - on `chart`: `data-indicator-series` (indicator lines and histograms drawn), `data-panes` (1 = price
 *   only), `data-signal-markers`, `data-fill-markers`, `data-price-lines` (position levels drawn),
 *   `data-oldest-t` (epoch ms of the oldest candle loaded), `data-history` (idle | loading | exhausted).
 * - indicator bar: `chart-indicators` (`data-count`); `indicators-button` opens `indicator-menu` with
 *   `indicator-add-<name>` (ema, sma, wma, vwap, bb, supertrend, psar, rsi, macd, adx, stoch, atr, obv);
 *   chips `indicator-chip` (`data-spec` e.g. `ema:20`, `data-name`) with `indicator-edit` (opens
 *   `indicator-form`: inputs `indicator-param-<key>`, submit `indicator-apply`) and `indicator-remove`;
 *   a refusal shows in `indicator-error`.
 * - legend: `chart-legend` (`data-t` = the bar shown, `data-hovering`), `legend-ohlcv` with `legend-o`,
 *   `legend-h`, `legend-l`, `legend-c`, `legend-v`; per indicator `legend-indicator` (`data-spec`,
 *   `data-ready` = every value defined) with `legend-value` spans (`data-label`, `data-raw` = the engine's
 *   number, empty while warming up).
 */

/**
 * Candlestick + volume chart of the selected symbol in the chosen timeframe, with the engine's
 * indicators (overlays and panes), signal and fill markers, the open position's price lines, a
 * crosshair legend and scroll-back. Data flows from the stores straight into the chart (not through
 * React renders): a snapshot is a setData(), a forming or new bar an update().
 */
export function Chart() {
  const containerRef = useRef<HTMLDivElement>(null);
  const symbol = useAppStore((s) => s.chart.symbol);
  const tf = useAppStore((s) => s.chart.tf);
  const candles = useAppStore((s) => s.chart.candles);
  const setTimeframe = useAppStore((s) => s.setTimeframe);
  const layout = useChartStore((s) => layoutOf(s.layouts, tf));
  const series = useChartStore((s) => s.series);
  const history = useChartStore((s) => s.history);
  const [stats, setStats] = useState<ChartStats>(noStats);
  const [hoverT, setHoverT] = useState<number | null>(null);

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const app = useAppStore;
    const store = useChartStore;
    const trading = useTradingStore;
    const report = (e: unknown) => app.getState().pushError(describeError(e));
    let viewTimer: ReturnType<typeof setTimeout> | undefined;
    let shownKey: string | null = null;
    let markerCounts = { signals: 0, fills: 0 };
    let markersKey = '';
    let priceLines = 0;

    const ctl = new ChartController(el, {
      crosshair: (t) => setHoverT(t),
      range: (r) => {
        const n = ctl.count;
        if (r === null || n === 0) return;
        if (r.from < HISTORY_EDGE_BARS) void loadOlderHistory(client).catch(report);
        // the view (zoom and scroll) is kept per timeframe
        clearTimeout(viewTimer);
        viewTimer = setTimeout(() => {
          const now = ctl.getRange();
          if (now === null || ctl.count === 0) return;
          const view = { barsVisible: Math.max(2, Math.round(now.to - now.from)), rightOffset: Math.round(now.to - (ctl.count - 1)) };
          store.getState().changeLayout(app.getState().chart.tf, (l) => setView(l, view));
        }, 400);
      },
    });

    const refreshStats = (): void =>
      setStats({
        count: ctl.count,
        indicatorSeries: ctl.indicatorSeriesCount,
        panes: ctl.paneCount,
        signalMarkers: markerCounts.signals,
        fillMarkers: markerCounts.fills,
        priceLines,
      });

    const drawnList = (): DrawnIndicator[] =>
      layoutOf(store.getState().layouts, app.getState().chart.tf).indicators.map((c, slot) => ({ spec: specOf(c), def: defOf(c), slot }));
    let drawnKey = '';
    const applyIndicators = (force: boolean): void => {
      const list = drawnList();
      const key = list.map((x) => x.spec).join(',');
      if (!force && key === drawnKey) return;
      drawnKey = key;
      ctl.setIndicators(list, (spec) => store.getState().series[spec]?.points);
      refreshStats();
    };

    const refreshMarkers = (): void => {
      const a = app.getState();
      const sym = a.chart.symbol;
      const list = sym === null ? [] : (() => {
        const src = mergeMarkerSources(sym, store.getState().markers, a.signals, trading.getState().fills);
        return buildMarkers(a.chart.candles, src.signals, src.fills);
      })();
      // most pushes (other symbols' signals, a forming bar) leave the markers as they are: no redraw then
      const key = list.map((m) => `${m.id}@${m.time}`).join(',');
      if (key === markersKey) return;
      markersKey = key;
      ctl.setMarkers(list);
      markerCounts = { signals: list.filter((m) => m.kind === 'signal').length, fills: list.filter((m) => m.kind === 'fill').length };
      refreshStats();
    };

    const showCandles = (): void => {
      const chart = app.getState().chart;
      const key = chart.symbol === null ? null : `${chart.symbol}|${chart.tf}`;
      const changed = key !== shownKey;
      shownKey = key;
      const last: Candle | undefined = chart.candles[chart.candles.length - 1];
      if (changed || chart.lastOp === 'snapshot' || last === undefined) {
        const wasEmpty = ctl.count === 0;
        ctl.setCandles(chart.candles);
        if ((changed || wasEmpty) && chart.candles.length > 0) {
          const r = rangeFor(chart.candles.length, layoutOf(store.getState().layouts, chart.tf).view);
          ctl.setRange(r.from, r.to);
        }
        refreshMarkers();
      } else if (chart.lastOp === 'prepend') {
        const r = ctl.getRange();
        const before = ctl.count;
        ctl.setCandles(chart.candles);
        const shift = chart.candles.length - before;
        if (r !== null) ctl.setRange(r.from + shift, r.to + shift);
        refreshMarkers();
      } else if (chart.lastOp === 'replace' || chart.lastOp === 'append') {
        ctl.updateCandle(last);
        if (chart.lastOp === 'append') refreshMarkers();
      }
      refreshStats();
    };

    ctl.setTimeVisible(isIntraday(app.getState().chart.tf));
    showCandles();
    applyIndicators(true);
    const lines0 = levelLines(store.getState().levels);
    ctl.setLevels(lines0);
    priceLines = lines0.length;

    const offApp = app.subscribe((s, prev) => {
      if (s.chart.tf !== prev.chart.tf) {
        ctl.setTimeVisible(isIntraday(s.chart.tf));
        applyIndicators(false);
      }
      if (s.chart !== prev.chart) showCandles();
      if (s.signals !== prev.signals) refreshMarkers();
    });
    const offStore = store.subscribe((s, prev) => {
      if (s.layouts !== prev.layouts) applyIndicators(false);
      if (s.series !== prev.series) {
        const ch = s.lastSeriesChange;
        const pts = ch ? s.series[ch.spec]?.points : undefined;
        if (ch && pts && (ch.op === 'replace' || ch.op === 'append') && pts.length > 0) ctl.updateIndicator(ch.spec, pts[pts.length - 1]!);
        else if (ch && pts) ctl.setIndicatorData(ch.spec, pts);
        else applyIndicators(true);
      }
      if (s.markers !== prev.markers) refreshMarkers();
      if (s.levels !== prev.levels) {
        const lines = levelLines(s.levels);
        ctl.setLevels(lines);
        priceLines = lines.length;
        refreshStats();
      }
    });
    const offTrading = trading.subscribe((s, prev) => {
      if (s.fills !== prev.fills) refreshMarkers();
    });

    return () => {
      clearTimeout(viewTimer);
      offApp();
      offStore();
      offTrading();
      ctl.destroy();
    };
  }, []);

  const last = candles[candles.length - 1];
  const shown = (hoverT !== null ? atTime(candles, hoverT) : undefined) ?? last;
  const legend = buildLegend(
    shown,
    layout.indicators.map((c) => {
      const spec = specOf(c);
      const pts = series[spec]?.points ?? [];
      return { spec, title: indicatorTitle(c), def: defOf(c), values: shown ? atTime(pts, shown.t)?.v : undefined };
    }),
    isIntraday(tf),
  );

  return (
    <section className="chart-panel">
      <header className="chart-header">
        <span className="chart-symbol">{symbol ?? '—'}</span>
        <span className="chart-tf">{timeframeLabel(tf)} · NSE</span>
        <span className="chart-tf-picker" role="group" aria-label="Timeframe">
          {CHART_TIMEFRAMES.map((x) => (
            <button
              key={x.tf}
              type="button"
              className={x.tf === tf ? 'tf-button active' : 'tf-button'}
              data-testid={`tf-${x.tf}`}
              aria-pressed={x.tf === tf}
              onClick={() => setTimeframe(x.tf)}
            >
              {x.label}
            </button>
          ))}
        </span>
        <ChartIndicators />
        <span className="chart-tz">IST</span>
      </header>
      <div className="chart-area">
        <div
          ref={containerRef}
          className="chart"
          data-testid="chart"
          data-symbol={symbol ?? ''}
          data-tf={tf}
          data-candle-count={stats.count}
          data-oldest-t={candles[0]?.t ?? ''}
          data-history={history.loading ? 'loading' : history.exhausted ? 'exhausted' : 'idle'}
          data-indicator-series={stats.indicatorSeries}
          data-panes={stats.panes}
          data-signal-markers={stats.signalMarkers}
          data-fill-markers={stats.fillMarkers}
          data-price-lines={stats.priceLines}
        />
        <ChartLegend legend={legend} hovering={hoverT !== null} />
      </div>
    </section>
  );
}
