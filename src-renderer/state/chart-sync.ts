import type { Subscription } from '../../src-engine/contract/rpc-client.js';
import type { EngineClient } from '../engine/connection.js';
import { CANDLE_LIMIT } from './candle-sync.js';
import { layoutOf, specOf } from './chart-layout.js';
import { useChartStore } from './chart-store.js';
import { useAppStore } from './store.js';

/** Candles and indicator points asked for per scroll-back step. */
export const HISTORY_PAGE = 300;

type Client = Pick<EngineClient, 'subscribe' | 'call'>;

/** The chart's key: what its series, markers and levels belong to. */
export function chartKey(symbol: string | null, tf: string): string | null {
  return symbol === null ? null : `${symbol}|${tf}`;
}

/**
 * Keeps the chart's engine streams in step with what it shows: one `indicators.updated` per indicator
 * of the timeframe's layout for the selected symbol (opened and closed as the layout changes, all
 * re-opened for another symbol or timeframe), `exits.updated` for the symbol's levels, and the
 * symbol's markers (`chart.markers`, loaded once per symbol; later signals and fills come from the
 * app's own streams). Pushes for anything no longer shown are dropped. Returns a stop function.
 */
export function followChart(client: Client, report: (e: unknown) => void, app = useAppStore, chart = useChartStore): () => void {
  const subs = new Map<string, Subscription>();
  let key: string | null = null;
  let levelsSub: Subscription | undefined;
  let levelsSymbol: string | null = null;

  const closeAll = (): void => {
    for (const s of subs.values()) s.close();
    subs.clear();
  };

  const sync = (): void => {
    const a = app.getState();
    const symbol = a.selected;
    const tf = a.chart.tf;
    const next = chartKey(symbol, tf);
    if (next !== key) {
      closeAll();
      key = next;
      chart.getState().show(next);
      if (symbol !== null && next !== null) loadMarkers(symbol, next);
    }
    // levels follow the symbol only
    if (symbol !== levelsSymbol) {
      levelsSub?.close();
      levelsSub = undefined;
      levelsSymbol = symbol;
      if (symbol !== null) {
        const mine: Subscription = client.subscribe(
          'exits.updated',
          { symbol },
          {
            snapshot: (l) => {
              if (levelsSub === mine && key !== null) chart.getState().setLevels(key, l);
            },
            delta: (l) => {
              if (levelsSub === mine && key !== null && l.symbol === levelsSymbol) chart.getState().setLevels(key, l);
            },
            error: report,
          },
        );
        levelsSub = mine;
      }
    }
    if (symbol === null || next === null) return;
    const wanted = new Set(layoutOf(chart.getState().layouts, tf).indicators.map(specOf));
    for (const [spec, s] of subs) {
      if (wanted.has(spec)) continue;
      s.close();
      subs.delete(spec);
      chart.getState().dropSeries(spec);
    }
    for (const spec of wanted) {
      if (subs.has(spec)) continue;
      const k = next;
      const mine: Subscription = client.subscribe(
        'indicators.updated',
        // as many points as the chart opens with candles: the lines start where the candles do
        { symbol, tf, spec, limit: CANDLE_LIMIT },
        {
          snapshot: (x) => {
            if (subs.get(spec) === mine) chart.getState().seriesSnapshot(k, x);
          },
          delta: (d) => {
            if (subs.get(spec) === mine) chart.getState().seriesDelta(k, spec, d);
          },
          error: report,
        },
      );
      subs.set(spec, mine);
    }
  };

  const loadMarkers = (symbol: string, k: string): void => {
    client.call('chart.markers', { symbol }).then(
      (m) => chart.getState().setMarkers(k, m),
      (e: unknown) => {
        if (!(e instanceof Error && 'code' in e && e.code === 'DISCONNECTED')) report(e);
      },
    );
  };

  const offApp = app.subscribe((s, prev) => {
    if (s.selected !== prev.selected || s.chart.tf !== prev.chart.tf) sync();
  });
  const offChart = chart.subscribe((s, prev) => {
    if (s.layouts !== prev.layouts) sync();
  });
  sync();
  return () => {
    offApp();
    offChart();
    closeAll();
    levelsSub?.close();
  };
}

/**
 * Scrolling back: the candles before the oldest shown and, for each indicator, its points over them,
 * prepended to the chart. One page at a time; nothing when the engine has nothing older.
 */
export async function loadOlderHistory(client: Pick<EngineClient, 'call'>, app = useAppStore, chart = useChartStore): Promise<void> {
  const a = app.getState();
  const symbol = a.chart.symbol;
  const tf = a.chart.tf;
  const oldest = a.chart.candles[0];
  const k = chartKey(symbol, tf);
  const c = chart.getState();
  if (symbol === null || oldest === undefined || k === null || c.key !== k || c.history.loading || c.history.exhausted) return;
  c.setHistory(k, { loading: true });
  const specs = Object.keys(c.series);
  try {
    const [candles, ...series] = await Promise.all([
      client.call('candles.history', { symbol, tf, before: oldest.t, limit: HISTORY_PAGE }),
      ...specs.map((spec) => client.call('indicators.get', { symbol, tf, spec, before: oldest.t, limit: HISTORY_PAGE })),
    ]);
    // indicators first: the chart redraws on the candles and reads the series then
    series.forEach((x, i) => chart.getState().seriesPrepend(k, specs[i]!, x.points));
    app.getState().candlesPrepend(symbol, tf, candles);
    chart.getState().setHistory(k, { loading: false, exhausted: candles.length === 0 });
  } catch (e) {
    chart.getState().setHistory(k, { loading: false });
    throw e;
  }
}
