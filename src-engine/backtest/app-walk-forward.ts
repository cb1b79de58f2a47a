/**
 * A walk-forward started from the app (`backtest.run` with `walkForward`), as the backtest worker
 * thread runs it: the run's candles are loaded once; the period [from, to] is cut into rolling or
 * anchored in-sample / out-of-sample windows (optimize/walk-forward.ts, in whole IST days from
 * `from`); in each window every point of the swept grid is backtested in sample (the paper kernel,
 * runBacktest, on the window's bars only), the best point by the metric is backtested out of sample;
 * the out-of-sample equity curves are stitched (returns compound) and the in/out-of-sample gap of the
 * metric is reported. Progress counts backtests. report.json / report.html go in the run's folder.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  walkForwardValues,
  type BacktestRunInput,
  type WalkForwardInput,
  type WalkForwardReport,
} from '../contract/backtest-schemas.js';
import { withParams } from '../optimize/backtest-evaluator.js';
import type { EvalWindow } from '../optimize/evaluator.js';
import { best, defaultDirection, rankResults } from '../optimize/rank.js';
import type { ParamPoint } from '../optimize/space.js';
import { DAY_MS, gapOf, stitchEquity, summariseGaps, walkForwardWindows, type WindowOutcome } from '../optimize/walk-forward.js';
import { computeMetrics, type Metrics } from '../portfolio/metrics.js';
import { runBacktest, type BacktestConfig, type BacktestTrade } from './backtest.js';
import type { BacktestData } from './data.js';
import type { StrategyDefinition } from '../strategy/strategy.js';
import { appBacktestConfig, appBacktestData, dayMs, headlineOf, runAppBacktest, type AppBacktestOutcome, type AppBacktestTask } from './app-task.js';
import { esc, istIso, lineChart, money, pct } from './report.js';

/** Points of the stitched curve kept in report.json (and so in `backtest.report`). */
const MAX_CURVE_POINTS = 1000;

/** The swept grid, the first parameter varying slowest; each point on top of the fixed params. */
export function walkForwardPoints(wf: WalkForwardInput): ParamPoint[] {
  let out: ParamPoint[] = [{}];
  for (const p of wf.space) out = out.flatMap((pt) => walkForwardValues(p).map((v) => ({ ...pt, [p.param]: v })));
  return out;
}

/** The windows of the run's period, in whole days from its first day (the contract checked one fits). */
export function appWalkForwardWindows(input: BacktestRunInput) {
  const wf = input.walkForward!;
  return walkForwardWindows({ from: dayMs(input.from, false), to: dayMs(input.to, true) }, wf.mode, wf.inSampleDays * DAY_MS, wf.outOfSampleDays * DAY_MS);
}

function windowed(data: BacktestData, w: EvalWindow): BacktestData {
  const series = data.series.map((s) => ({ ...s, candles: s.candles.filter((c) => c.start >= w.from && c.start < w.to) })).filter((s) => s.candles.length > 0);
  return { ...data, series };
}

const metricOf = (m: Metrics, name: string): number | null => {
  const v = (m as unknown as Record<string, number | null>)[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** A thinned copy of a curve (every k-th point, the last kept). */
function thin<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  const k = Math.ceil(xs.length / max);
  const out = xs.filter((_, i) => i % k === 0);
  if (out.at(-1) !== xs.at(-1)) out.push(xs.at(-1)!);
  return out;
}

/** Runs a task: a walk-forward when the input has one, else one backtest. */
export function runAppTask(task: AppBacktestTask, onProgress?: (done: number, total: number) => void, strategies?: readonly StrategyDefinition[]): AppBacktestOutcome {
  return task.input.walkForward ? runAppWalkForward(task, onProgress, strategies) : runAppBacktest(task, onProgress, strategies);
}

/** `strategies`: the run's user strategy definitions (app-worker.ts loads the approved files). */
export function runAppWalkForward(task: AppBacktestTask, onProgress?: (done: number, total: number) => void, strategies?: readonly StrategyDefinition[]): AppBacktestOutcome {
  const { input, outDir } = task;
  const wf = input.walkForward;
  if (!wf) throw new Error('runAppWalkForward: the input has no walkForward');
  const data = appBacktestData(task);
  const symbols = data.series.map((s) => s.symbol);
  if (symbols.length === 0) throw new Error(`no candles for ${input.symbols.join(', ')} from ${input.from} to ${input.to}`);
  const { config, overrides } = appBacktestConfig(input, outDir, symbols, task.profileSections);
  const direction = defaultDirection(wf.metric);
  const points = walkForwardPoints(wf);
  const windows = appWalkForwardWindows(input);
  const total = windows.length * (points.length + 1);
  let done = 0;
  onProgress?.(0, total);
  const tick = () => onProgress?.(++done, total);
  const warnings = new Set<string>(data.warnings);
  const run = (cfg: BacktestConfig, w: EvalWindow) => {
    const part = windowed(data, w);
    if (part.series.length === 0) return null;
    const r = runBacktest(cfg, part, { pricePoints: 1, ...(strategies?.length ? { strategies } : {}) });
    for (const x of r.warnings) warnings.add(x);
    return r;
  };

  const rows: WindowOutcome[] = [];
  const curves: { ts: number; valuePaise: number }[][] = [];
  const trades: BacktestTrade[] = [];
  let fills = 0;
  let capitalPaise = config.profile.trading.capital * 100;
  for (const w of windows) {
    const results = points.map((params, index) => {
      const r = run(withParams(config, params), w.inSample);
      tick();
      return { index, params, metrics: { [wf.metric]: r ? metricOf(r.metrics, wf.metric) : null } };
    });
    const chosen = best(rankResults(results, wf.metric, direction));
    let oosValue: number | null = null;
    if (chosen) {
      const r = run(withParams(config, chosen.params), w.outOfSample);
      if (r) {
        oosValue = metricOf(r.metrics, wf.metric);
        capitalPaise = r.settings.capitalPaise;
        const start = w.outOfSample.from;
        curves.push(r.equity[0]?.ts === start ? r.equity : [{ ts: start, valuePaise: r.settings.capitalPaise }, ...r.equity]);
        trades.push(...r.trades);
        fills += r.counts.fills;
      } else warnings.add(`window ${w.index + 1}: no bars out of sample`);
    } else warnings.add(`window ${w.index + 1}: no point had a ${wf.metric} in sample (no trades?)`);
    tick();
    const isValue = chosen?.value ?? null;
    rows.push({ window: w, ...(chosen ? { chosen: { index: chosen.index, params: chosen.params } } : {}), inSampleValue: isValue, outOfSampleValue: oosValue, gap: gapOf(isValue, oosValue, direction) });
  }

  const stitched = stitchEquity(curves, capitalPaise);
  const summary = summariseGaps(rows);
  const gap = { metric: wf.metric, windows: summary.windows, meanInSample: summary.meanInSample, meanOutOfSample: summary.meanOutOfSample, meanGap: summary.meanGap };
  // the out-of-sample run's metrics: the stitched curve, and the out-of-sample trades as they were
  const equity = stitched.length ? stitched : [{ ts: dayMs(input.from, false), valuePaise: capitalPaise }];
  const metrics = computeMetrics({
    capitalPaise,
    trades: trades.map((t) => ({ grossPnlPaise: t.grossPnlPaise, chargesPaise: t.chargesPaise, netPnlPaise: t.netPnlPaise, entryValuePaise: Math.round(t.entryPricePaise * t.qty), exitValuePaise: Math.round(t.exitPricePaise * t.qty), openedAt: t.entryTime, closedAt: t.exitTime })),
    equity,
    riskFreeRate: config.backtest.riskFreeRate,
  });
  const report: WalkForwardReport = {
    mode: wf.mode,
    gap,
    windows: rows.map((r) => ({ index: r.window.index, inSample: r.window.inSample, outOfSample: r.window.outOfSample, params: r.chosen ? (r.chosen.params as Record<string, number | string>) : null, inSampleValue: r.inSampleValue, outOfSampleValue: r.outOfSampleValue, gap: r.gap })),
    oosEquity: thin(stitched, MAX_CURVE_POINTS),
  };
  const period = { fromMs: windows[0]!.outOfSample.from, toMs: windows.at(-1)!.outOfSample.to };
  const json = {
    kind: 'walk-forward',
    period,
    inputs: { files: data.files, overrides: { ...overrides, data: input.data, walkForward: wf } },
    points: points.length,
    metrics,
    walkForward: report,
    trades: trades.map((t) => ({ strategy: t.strategy, symbol: t.symbol, side: t.side, qty: t.qty, entryTimeMs: t.entryTime, entryPricePaise: t.entryPricePaise, exitTimeMs: t.exitTime, exitPricePaise: t.exitPricePaise, chargesPaise: t.chargesPaise, netPnlPaise: t.netPnlPaise })),
    warnings: [...warnings],
  };
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(outDir, 'report.html'), renderWalkForwardHtml(input, report, metrics, stitched, points.length, [...warnings]));
  return { headline: { ...headlineOf(metrics, fills), walkForward: gap }, warnings: warnings.size };
}

const val = (x: number | null, metric: string): string => (x === null ? '—' : /Return|winRate|maxDrawdown/.test(metric) ? pct(x) : metric.endsWith('Paise') ? money(x) : x.toFixed(3));

/** The walk-forward's report page: no script, inline styles and SVG only (served under the report CSP). */
export function renderWalkForwardHtml(input: BacktestRunInput, wf: WalkForwardReport, m: Metrics, stitched: readonly { ts: number; valuePaise: number }[], points: number, warnings: readonly string[]): string {
  const w = input.walkForward!;
  const day = (ms: number) => esc(istIso(ms).slice(0, 10));
  const lastDay = (ms: number) => day(ms - 1);
  const rows = wf.windows
    .map(
      (r) =>
        `<tr><td>${r.index + 1}</td><td>${day(r.inSample.from)} – ${lastDay(r.inSample.to)}</td><td>${day(r.outOfSample.from)} – ${lastDay(r.outOfSample.to)}</td><td>${r.params ? esc(Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(', ')) : '—'}</td><td>${esc(val(r.inSampleValue, w.metric))}</td><td>${esc(val(r.outOfSampleValue, w.metric))}</td><td>${esc(val(r.gap, w.metric))}</td></tr>`,
    )
    .join('');
  const eq = { t: stitched.map((p) => p.ts), v: stitched.map((p) => p.valuePaise) };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>KiteDesk walk-forward ${esc(input.from)} – ${esc(input.to)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.muted{color:#656d76}.grid{stroke:#e5e7eb}svg{width:100%;max-width:960px;height:auto;font-size:11px;fill:#656d76}
figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}
table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#f6f8fa}.kv td:first-child{text-align:left;color:#656d76}
</style></head><body>
<h1>Walk-forward report</h1>
<p class="muted">${esc(typeof input.strategy === 'string' ? input.strategy : 'profile')} on ${input.symbols.map(esc).join(', ')} · ${esc(input.from)} → ${esc(input.to)} · ${esc(w.mode)} · in-sample ${w.inSampleDays} d, out-of-sample ${w.outOfSampleDays} d · ${points} points per window, chosen by ${esc(w.metric)} · fixed params ${esc(JSON.stringify(input.params))} · fill ${esc(input.fill)} · product ${esc(input.product)} · charges ${input.charges ? 'on' : 'off'}</p>
<h2>In-sample vs out-of-sample (${esc(w.metric)})</h2>
<table class="kv" id="gap"><tbody>
<tr><td>Windows</td><td>${wf.gap.windows}</td></tr>
<tr><td>Mean in-sample</td><td>${esc(val(wf.gap.meanInSample, w.metric))}</td></tr>
<tr><td>Mean out-of-sample</td><td>${esc(val(wf.gap.meanOutOfSample, w.metric))}</td></tr>
<tr><td>Mean gap (positive: worse out of sample)</td><td>${esc(val(wf.gap.meanGap, w.metric))}</td></tr>
</tbody></table>
<h2>Stitched out-of-sample run</h2>
${lineChart(eq, { title: 'Out-of-sample equity, windows chained (₹)', color: '#0969da', fmt: (v) => (v / 100).toFixed(0) })}
<table class="kv" id="metrics"><tbody>
<tr><td>Net return</td><td>${esc(pct(m.netReturn))}</td></tr>
<tr><td>Sharpe</td><td>${m.sharpe === null ? '—' : m.sharpe.toFixed(2)}</td></tr>
<tr><td>Max drawdown</td><td>${esc(pct(m.maxDrawdown))}</td></tr>
<tr><td>Trades</td><td>${m.trades}</td></tr>
<tr><td>Win rate</td><td>${esc(pct(m.winRate))}</td></tr>
<tr><td>Charges</td><td>${esc(money(m.chargesPaise))}</td></tr>
</tbody></table>
<h2>Windows</h2>
<table id="windows"><thead><tr><th>#</th><th>in sample</th><th>out of sample</th><th>chosen</th><th>in-sample ${esc(w.metric)}</th><th>out-of-sample</th><th>gap</th></tr></thead><tbody>${rows}</tbody></table>
${warnings.length ? `<h2>Warnings</h2><ul>${warnings.slice(0, 200).map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
