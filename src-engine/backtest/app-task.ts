/**
 * One backtest started from the app (`backtest.run`), as a worker thread runs it: the candles (the
 * simulator's minute history written as Kite candle CSVs into the run's folder, or the CSV files of a
 * chosen folder), then exactly the CLI's path — `resolveBacktestConfig`, `loadBacktestData`,
 * `runBacktest`, `buildReport` — and report.json / report.html in the run's folder.
 * Plain data in and out (structured-clone safe).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BacktestHeadline, BacktestRunInput } from '../contract/backtest-schemas.js';
import { writeSimCandleCsvs } from '../optimize/sim-data.js';
import { runBacktest } from './backtest.js';
import { resolveBacktestConfig } from './cli.js';
import { BacktestDataError, loadBacktestData, type DataSource } from './data.js';
import { buildReport, renderReportHtml, reportJsonText } from './report.js';

export interface AppBacktestTask {
  input: BacktestRunInput;
  /** The run's folder: report.json, report.html (and data/ for simulator candles). */
  outDir: string;
}

export interface AppBacktestOutcome {
  headline: BacktestHeadline;
  warnings: number;
}

/** The CSV sources of the run's symbols. A folder symbol without `<SYM>.csv` or `<SYM>/` is an error naming both. */
export function appDataSources(input: BacktestRunInput, outDir: string): DataSource[] {
  const d = input.data;
  if (d.kind === 'sim') {
    const files = writeSimCandleCsvs(join(outDir, 'data'), { symbols: input.symbols, from: input.from, to: input.to, seed: d.seed });
    return files.map((path, i) => ({ path, symbol: input.symbols[i]! }));
  }
  const missing: string[] = [];
  const out: DataSource[] = [];
  for (const symbol of input.symbols) {
    const file = join(d.dir, `${symbol}.csv`);
    const dir = join(d.dir, symbol);
    if (existsSync(file)) out.push({ path: file, symbol });
    else if (existsSync(dir) && statSync(dir).isDirectory()) out.push({ path: dir, symbol });
    else missing.push(symbol);
  }
  if (missing.length > 0) {
    throw new BacktestDataError(missing.map((s) => ({ file: d.dir, line: 0, message: `no candles for ${s}: expected ${s}.csv or a folder ${s}/ here` })));
  }
  return out;
}

const dayMs = (d: string, end: boolean): number => Date.parse(`${d}T00:00:00+05:30`) + (end ? 86_400_000 : 0);

/** Runs the task; `onProgress(done, total)` in bar-time ms (at most ~200 calls). */
export function runAppBacktest(task: AppBacktestTask, onProgress?: (done: number, total: number) => void): AppBacktestOutcome {
  const { input, outDir } = task;
  mkdirSync(outDir, { recursive: true });
  const barTime = input.data.kind === 'folder' ? input.data.barTime : 'start';
  const data = loadBacktestData(appDataSources(input, outDir), { barTime, from: dayMs(input.from, false), to: dayMs(input.to, true) });
  const { config, overrides } = resolveBacktestConfig(
    {
      strategy: input.strategy,
      params: input.params,
      ...(input.timeframe !== undefined ? { timeframe: input.timeframe } : {}),
      product: input.product,
      qty: input.qty,
      charges: input.charges,
      slippageTicks: input.slippageTicks,
      fill: input.fill,
      exits: input.exits,
      barTime,
      from: input.from,
      to: input.to,
      out: outDir,
    },
    data.series.map((s) => s.symbol),
  );
  const result = runBacktest(config, data, onProgress ? { onProgress } : {});
  const report = buildReport(result, { files: data.files, overrides: { ...overrides, data: input.data } });
  writeFileSync(join(outDir, 'report.json'), reportJsonText(report));
  writeFileSync(join(outDir, 'report.html'), renderReportHtml(report, result));
  const m = result.metrics;
  return {
    headline: {
      trades: m.trades,
      winRate: m.winRate,
      profitFactor: m.profitFactor,
      netPnlPaise: Math.round(m.netPnlPaise),
      netReturn: m.netReturn,
      chargesPaise: Math.round(m.chargesPaise),
      sharpe: m.sharpe,
      maxDrawdown: m.maxDrawdown,
      expectancyPaise: m.expectancyPaise,
      fills: result.counts.fills,
    },
    warnings: result.warnings.length,
  };
}
