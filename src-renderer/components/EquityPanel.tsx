import { useEffect, useMemo, useRef, useState } from 'react';
import { AreaSeries, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { currentValuePaise, dayMaxDrawdown, equitySeriesOptions, toEquityLine, type EquityPoint, type LinePoint } from '../format/equity.js';
import { formatMoneyPaise, formatPnlPaise, pnlTone } from '../format/format.js';
import { useAppStore } from '../state/store.js';
import { useFollowPortfolio } from '../state/use-follow-portfolio.js';
import { errorText } from '../state/trading-actions.js';
import { useTradingStore } from '../state/trading-store.js';
import { istChartOptions } from './chart-options.js';
import { InlineError } from './Modal.js';

const LINE = '#4f8cff';
const NO_POINTS: readonly EquityPoint[] = [];


/**
 * The area chart: created once (removed on unmount), fed by setData() when the points change;
 * autoSize follows the panel. The view fits the data when the series changes or its first points
 * arrive, and is left alone on refreshes (so a zoom survives them).
 */
function EquityChart({ line, seriesKey }: { line: readonly LinePoint[]; seriesKey: string }) {
  const containerRef = useRef<HTMLDivElement>(null);
  const seriesRef = useRef<{ chart: IChartApi; series: ISeriesApi<'Area'>; fitted: string | null } | null>(null);

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const chart = createChart(el, istChartOptions({ top: 0.1, bottom: 0.08 }));
    const series = chart.addSeries(AreaSeries, {
      lineColor: LINE,
      lineWidth: 2,
      topColor: 'rgba(79, 140, 255, 0.28)',
      bottomColor: 'rgba(79, 140, 255, 0.02)',
      priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
    });
    seriesRef.current = { chart, series, fitted: null };
    return () => {
      seriesRef.current = null;
      chart.remove();
    };
  }, []);

  useEffect(() => {
    const s = seriesRef.current;
    if (!s) return;
    s.series.setData(line.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    if (line.length === 0) s.fitted = null;
    else if (s.fitted !== seriesKey) {
      s.chart.timeScale().fitContent();
      s.fitted = seriesKey;
    }
  }, [line, seriesKey]);

  return <div ref={containerRef} className="equity-chart" />;
}

/**
 * The account's equity (or one strategy's cumulative net PnL) over time in rupees, IST axis. Loaded
 * with `portfolio.equityCurve` when the tab opens and reloaded on portfolio pushes (throttled, only
 * while this tab is mounted and the page visible). The current value and the day's max drawdown
 * come from the loaded points.
 */
export function EquityPanel() {
  const [strategy, setStrategy] = useState<string | null>(null);
  // answers are kept with the series they belong to: after a switch nothing of the old series is shown
  const [loaded, setLoaded] = useState<{ strategy: string | null; points: readonly EquityPoint[] } | null>(null);
  const [failed, setFailed] = useState<{ strategy: string | null; text: string } | null>(null);
  // ids joined into one string: a stable selector value, so a re-marked portfolio does not re-render the tab
  const strategyIds = useTradingStore((s) => s.portfolio?.strategies.map((x) => x.strategy).join('\n') ?? '');
  const connected = useAppStore((s) => s.connection.state === 'open');

  useFollowPortfolio(
    strategy ?? '',
    () => client.call('portfolio.equityCurve', strategy === null ? {} : { strategy }),
    (list) => {
      setLoaded({ strategy, points: list });
      setFailed(null);
    },
    (e) => setFailed({ strategy, text: errorText(describeError(e)) }),
  );

  const points = loaded !== null && loaded.strategy === strategy ? loaded.points : null;
  const error = failed !== null && failed.strategy === strategy ? failed.text : null;
  const list = points ?? NO_POINTS;
  const now = currentValuePaise(list);
  // the chart's data, computed here so `data-points` matches it in the same render
  const line = useMemo(() => toEquityLine(list), [list]);
  const shown = line.length;
  const dd = useMemo(() => dayMaxDrawdown(list), [list]);
  const options = useMemo(
    () => equitySeriesOptions(strategyIds === '' ? [] : strategyIds.split('\n').map((id) => ({ strategy: id })), strategy),
    [strategyIds, strategy],
  );
  const isAccount = strategy === null;

  return (
    <div
      className="tab-body equity-panel"
      data-testid="equity-panel"
      data-points={shown}
      data-series={strategy ?? 'account'}
      data-ready={points !== null}
      data-last-t={list[list.length - 1]?.t ?? ''}
    >
      <div className="tab-toolbar">
        <label className="equity-select">
          <span className="muted">Series</span>
          <select
            data-testid="equity-series"
            value={strategy ?? ''}
            onChange={(e) => setStrategy(e.target.value === '' ? null : e.target.value)}
          >
            {options.map((o) => (
              <option key={o.value ?? ''} value={o.value ?? ''}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <span
          className="equity-stat"
          data-testid="equity-current"
          data-paise={now ?? ''}
          title="The curve's newest point (sampled at each fill and about once a minute); the account strip shows the live figure"
        >
          <span className="muted">{isAccount ? 'Equity ₹' : 'Net PnL ₹'}</span>{' '}
          <b className={isAccount || now === null ? '' : pnlTone(now)}>{now === null ? '—' : isAccount ? formatMoneyPaise(now) : formatPnlPaise(now)}</b>
        </span>
        <span className="equity-stat" data-testid="equity-drawdown" data-paise={dd.drawdownPaise} title="Largest fall from a peak among today's points (IST)">
          <span className="muted">Day max DD ₹</span>{' '}
          <b className={dd.drawdownPaise > 0 ? 'down' : ''}>{dd.points === 0 ? '—' : formatPnlPaise(-dd.drawdownPaise)}</b>
        </span>
        <span className="status-spacer" />
        <span className="muted">
          {shown} point{shown === 1 ? '' : 's'} · IST
        </span>
      </div>
      <InlineError testId="equity-error" text={error} onDismiss={() => setFailed(null)} />
      <div className="equity-body">
        <EquityChart line={line} seriesKey={strategy ?? ''} />
        {shown === 0 && (
          <div className="equity-empty" data-testid="equity-empty">
            {points !== null
              ? isAccount
                ? 'No equity points yet.'
                : `No points for ${strategy} yet.`
              : connected
                ? 'Loading the equity curve…'
                : 'Waiting for the engine…'}
          </div>
        )}
      </div>
    </div>
  );
}
