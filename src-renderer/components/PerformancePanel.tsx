import { useEffect, useMemo, useRef, useState } from 'react';
import { AreaSeries, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { formatPnlPaise } from '../format/format.js';
import { metricCells, pnlBars, presetRange, formatSpan, formatPct, type Performance, type RangePreset } from '../format/performance.js';
import { useAppStore } from '../state/store.js';
import { useFollowPortfolio } from '../state/use-follow-portfolio.js';
import { errorText } from '../state/trading-actions.js';
import { istChartOptions } from './chart-options.js';
import { LiveSlippagePanel } from './LiveSlippage.js';
import { InlineError } from './Modal.js';

const PRESETS: { id: RangePreset; label: string }[] = [
  { id: 'today', label: 'Today' },
  { id: '7d', label: '7 days' },
  { id: '30d', label: '30 days' },
  { id: 'all', label: 'All' },
];

/** A small area chart of one series in rupees (equity, or drawdown drawn below zero). */
function SeriesChart({ points, color, testId }: { points: readonly { t: number; v: number }[]; color: string; testId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<{ chart: IChartApi; series: ISeriesApi<'Area'> } | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const chart = createChart(el, istChartOptions({ top: 0.1, bottom: 0.08 }));
    const series = chart.addSeries(AreaSeries, { lineColor: color, lineWidth: 2, topColor: `${color}55`, bottomColor: `${color}08`, priceFormat: { type: 'price', precision: 2, minMove: 0.01 } });
    chartRef.current = { chart, series };
    return () => {
      chartRef.current = null;
      chart.remove();
    };
  }, [color]);
  useEffect(() => {
    const c = chartRef.current;
    if (!c) return;
    // one point per second at most (the chart needs strictly increasing times): the last one wins
    const bySecond = new Map<number, number>();
    for (const p of points) bySecond.set(Math.floor(p.t / 1000), p.v / 100);
    c.series.setData([...bySecond].map(([time, value]) => ({ time: time as UTCTimestamp, value })));
    c.chart.timeScale().fitContent();
  }, [points]);
  return <div ref={ref} className="performance-chart" data-testid={testId} data-points={points.length} />;
}

/**
 * Performance: the account and each strategy over a range of IST days (today by default): net PnL after
 * charges, trades, win rate, profit factor, expectancy, average win/loss, max drawdown, Sharpe, charges;
 * the equity and drawdown charts and a per-strategy PnL bar chart. Every figure comes from the engine
 * (`performance.get`, portfolio/metrics.ts), reloaded on portfolio pushes at most every 2 s.
 */
export function PerformancePanel() {
  const [preset, setPreset] = useState<RangePreset>('today');
  const feedTime = useAppStore((s) => s.status?.feedTime ?? null);
  const tradingDay = useAppStore((s) => s.status?.tradingDay?.date);
  // the range follows the engine's trading day (the feed's clock), not the wall clock
  const feedDay = feedTime === null ? null : Math.floor((feedTime + 19_800_000) / 86_400_000);
  const range = useMemo(() => (feedTime === null ? null : presetRange(preset, feedTime, tradingDay)), [preset, feedDay, tradingDay]);
  const [data, setData] = useState<{ key: string; perf: Performance } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = range ? `${range.from}..${range.to}` : '';

  useFollowPortfolio(
    range ? key : null,
    () => client.call('performance.get', range!),
    (perf) => {
      setData({ key, perf });
      setError(null);
    },
    (e) => setError(errorText(describeError(e))),
  );

  const perf = data !== null && data.key === key ? data.perf : null;
  const rows = perf ? [{ id: 'account', label: 'Account', metrics: perf.overall }, ...perf.strategies.map((s) => ({ id: s.strategy, label: s.strategy, metrics: s.metrics }))] : [];
  const header = perf ? metricCells(perf.overall) : [];
  const bars = useMemo(() => (perf ? pnlBars(perf.strategies) : []), [perf]);
  const equity = useMemo(() => (perf ? perf.equity.map((p) => ({ t: p.t, v: p.equityPaise })) : []), [perf]);
  const drawdown = useMemo(() => (perf ? perf.drawdown.map((p) => ({ t: p.t, v: -p.drawdownPaise })) : []), [perf]);

  return (
    <div className="tab-body performance-panel" data-testid="performance-panel" data-ready={perf !== null} data-range={key}>
      <div className="tab-toolbar">
        <span className="chart-tf-picker" role="group" aria-label="Range">
          {PRESETS.map((p) => (
            <button key={p.id} type="button" className={preset === p.id ? 'tf-button active' : 'tf-button'} data-testid={`perf-range-${p.id}`} onClick={() => setPreset(p.id)}>
              {p.label}
            </button>
          ))}
        </span>
        <span className="muted">{range ? (range.from === range.to ? `${range.from} IST` : `${range.from} – ${range.to} IST`) : 'waiting for the feed…'}</span>
        <span className="status-spacer" />
        {perf && (
          <span className="muted" title="Share of the period with a trade open; mean holding time; longest time under a previous equity peak">
            exposure {formatPct(perf.overall.exposure, 1)} · hold {formatSpan(perf.overall.avgHoldingMs)} · DD span {formatSpan(perf.overall.maxDrawdownDurationMs)}
          </span>
        )}
      </div>
      <InlineError testId="performance-error" text={error} onDismiss={() => setError(null)} />
      {perf === null ? (
        <div className="equity-empty">{error ? '' : 'Loading performance…'}</div>
      ) : (
        <div className="performance-body">
          <table className="grid-table performance-table" data-testid="performance-table">
            <thead>
              <tr>
                <th />
                {header.map((c) => (
                  <th key={c.key} title={c.title}>
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid={`perf-row-${r.id}`} data-trades={r.metrics.trades} data-net={r.metrics.netPnlPaise}>
                  <td>{r.label}</td>
                  {metricCells(r.metrics).map((c) => (
                    <td key={c.key} className={`num ${c.tone}`} data-key={c.key}>
                      {c.text}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <div className="performance-charts">
            <div className="performance-chart-box">
              <div className="muted">Equity ₹</div>
              <SeriesChart points={equity} color="#4f8cff" testId="perf-equity" />
            </div>
            <div className="performance-chart-box">
              <div className="muted">Drawdown ₹</div>
              <SeriesChart points={drawdown} color="#e5534b" testId="perf-drawdown" />
            </div>
            <div className="performance-chart-box" data-testid="perf-bars">
              <div className="muted">Net PnL by strategy ₹</div>
              {bars.length === 0 && <div className="muted">No strategy has traded in this range.</div>}
              {bars.map((b) => (
                <div key={b.strategy} className="pnl-bar-row" data-testid={`perf-bar-${b.strategy}`} data-net={b.netPnlPaise}>
                  <span className="pnl-bar-label">{b.strategy}</span>
                  <span className="pnl-bar-track">
                    <span className={`pnl-bar ${b.tone}`} style={{ width: `${b.widthPct}%` }} />
                  </span>
                  <span className={`num ${b.tone}`}>{formatPnlPaise(b.netPnlPaise)}</span>
                </div>
              ))}
            </div>
          </div>
          <LiveSlippagePanel />
        </div>
      )}
    </div>
  );
}
