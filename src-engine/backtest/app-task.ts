/**
 * One backtest started from the app (`backtest.run`), as a worker thread runs it: the candles (the
 * simulator's minute history written as Kite candle CSVs into the run's folder, or the CSV files of a
 * chosen folder), then exactly the CLI's path — `resolveBacktestConfig`, `loadBacktestData`,
 * `runBacktest`, `buildReport` — and report.json / report.html in the run's folder.
 * Plain data in and out (structured-clone safe).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BacktestInstance, BacktestRunHeadline, BacktestRunInput } from '../contract/backtest-schemas.js';
import { writeSimCandleCsvs } from '../optimize/sim-data.js';
import type { Metrics } from '../portfolio/metrics.js';
import { runProfileSchema, type RunProfile } from '../runtime/config.js';
import type { StrategyDefinition } from '../strategy/strategy.js';
import { runBacktest } from './backtest.js';
import { resolveBacktestConfig } from './cli.js';
import { BacktestDataError, loadBacktestData, type BacktestData, type DataSource } from './data.js';
import { buildReport, renderReportHtml, reportJsonText } from './report.js';

export interface AppBacktestTask {
  input: BacktestRunInput;
  /** The run's folder: report.json, report.html (and data/ for simulator candles). */
  outDir: string;
  /** Candles the host already loaded (Kite historical through its cache); else read per `input.data`. */
  preloaded?: BacktestData;
  /**
   * The user strategy file the run's type comes from, as the engine approved it: the worker loads it
   * (user-strategies.ts) only if its content still has this sha256.
   */
  userStrategy?: { dir: string; name: string; sha256: string };
  /** More than one approved user file (a profile set with several user types): each loaded only with its sha256. */
  userStrategies?: { dir: string; files: { name: string; sha256: string }[] };
  /** `input.useProfile` (or a profile set): the engine's run profile sections the run takes (plain data, copied at start). */
  profileSections?: AppProfileSections;
  /**
   * `strategy: { kind: 'profile' }`: the engine's enabled instances as they run (type defaults filled in),
   * narrowed to the run's symbols, and the enabled instances left out with why.
   */
  profileSet?: { instances: BacktestInstance[]; skipped: { id: string; reason: string }[] };
}

/** What `useProfile` copies from the engine's run profile. */
export interface AppProfileSections {
  capital: RunProfile['trading']['capital'];
  risk: RunProfile['trading']['risk'];
  exits: RunProfile['trading']['exits'];
  sizing: RunProfile['trading']['sizing'];
  ensemble: RunProfile['ensemble'];
}

/** The sections `useProfile` takes from a run profile (a deep copy). */
export function profileSectionsOf(p: RunProfile): AppProfileSections {
  return structuredClone({ capital: p.trading.capital, risk: p.trading.risk, exits: p.trading.exits, sizing: p.trading.sizing, ensemble: p.ensemble });
}

export interface AppBacktestOutcome {
  headline: BacktestRunHeadline;
  warnings: number;
}

/** The CSV sources of the run's symbols. A folder symbol without `<SYM>.csv` or `<SYM>/` is an error naming both. */
export function appDataSources(input: BacktestRunInput, outDir: string): DataSource[] {
  const d = input.data;
  if (d.kind === 'kite') throw new Error('Kite candles are loaded by the engine before the run (task.preloaded)');
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

/** Epoch ms of an IST day's midnight (`end`: the next midnight). */
export const dayMs = (d: string, end: boolean): number => Date.parse(`${d}T00:00:00+05:30`) + (end ? 86_400_000 : 0);

/** The run's candles: the simulator's, a folder's CSVs, or (the host loaded them) Kite's. */
export function appBacktestData(task: AppBacktestTask): BacktestData {
  const { input, outDir } = task;
  mkdirSync(outDir, { recursive: true });
  if (task.preloaded) return task.preloaded;
  const barTime = input.data.kind === 'folder' ? input.data.barTime : 'start';
  return loadBacktestData(appDataSources(input, outDir), { barTime, from: dayMs(input.from, false), to: dayMs(input.to, true) });
}

/** The run's config (the CLI's resolution of the same options). */
export function appBacktestConfig(input: BacktestRunInput, outDir: string, symbols: readonly string[], sections?: AppProfileSections, set?: AppBacktestTask['profileSet']): ReturnType<typeof resolveBacktestConfig> {
  const barTime = input.data.kind === 'folder' ? input.data.barTime : 'start';
  if (input.useProfile && !sections) throw new Error('useProfile: the engine did not hand over its run profile sections');
  if (typeof input.strategy !== 'string' && (!sections || !set?.instances.length)) throw new Error("a profile-set run: the engine did not hand over the profile's instances and sections");
  // a profile set goes through the CLI's resolution with its first instance, then runs the whole set (as `--config` without `--strategy`)
  const first = set?.instances[0];
  const r = resolveBacktestConfig(
    {
      strategy: first ? first.type : (input.strategy as string),
      params: first ? first.params : input.params,
      ...(input.timeframe !== undefined ? { timeframe: input.timeframe } : {}),
      product: input.product,
      ...(sections ? {} : { qty: input.qty }),
      charges: input.charges,
      slippageTicks: input.slippageTicks,
      fill: input.fill,
      exits: input.exits,
      barTime,
      from: input.from,
      to: input.to,
      out: outDir,
    },
    symbols,
  );
  if (sections) {
    const t = r.config.profile.trading;
    t.capital = sections.capital;
    t.risk = structuredClone(sections.risk);
    t.exits = structuredClone(sections.exits);
    t.sizing = structuredClone(sections.sizing);
    r.config.profile.ensemble = structuredClone(sections.ensemble);
    r.overrides['profile'] = structuredClone(sections);
  }
  if (set) {
    const have = new Set(symbols);
    r.config.profile.strategies = runProfileSchema.parse({
      strategies: set.instances.map((i) => ({ id: i.id, type: i.type, params: i.params, symbols: i.symbols.filter((s) => have.has(s)), timeframe: i.timeframe, weight: i.weight })).filter((i) => i.symbols.length > 0),
    }).strategies;
    delete r.overrides['strategy'];
    r.overrides['strategies'] = 'profile';
  }
  return r;
}

/** The list's headline of a run's metrics. */
export function headlineOf(m: Metrics, fills: number): BacktestRunHeadline {
  return {
      trades: m.trades,
      winRate: m.winRate,
      profitFactor: m.profitFactor,
      netPnlPaise: Math.round(m.netPnlPaise),
      netReturn: m.netReturn,
      chargesPaise: Math.round(m.chargesPaise),
      sharpe: m.sharpe,
      maxDrawdown: m.maxDrawdown,
      expectancyPaise: m.expectancyPaise,
      fills,
  };
}

/** Runs one backtest; `onProgress(done, total)` in bar-time ms (at most ~200 calls). A walk-forward is app-walk-forward.ts. */
export function runAppBacktest(task: AppBacktestTask, onProgress?: (done: number, total: number) => void, strategies?: readonly StrategyDefinition[]): AppBacktestOutcome {
  const { input, outDir } = task;
  const data = appBacktestData(task);
  if (data.series.length === 0) throw new BacktestDataError([{ file: input.data.kind, line: 0, message: `no candles for ${input.symbols.join(', ')} from ${input.from} to ${input.to}${data.warnings.length ? ` (${data.warnings.join('; ')})` : ''}` }]);
  const { config, overrides } = appBacktestConfig(input, outDir, data.series.map((s) => s.symbol), task.profileSections, task.profileSet);
  const result = runBacktest(config, data, { ...(onProgress ? { onProgress } : {}), ...(strategies?.length ? { strategies } : {}) });
  if (task.profileSet) for (const s of task.profileSet.skipped) result.warnings.push(`strategy ${s.id}: not run (${s.reason})`);
  const users = task.userStrategies?.files ?? (task.userStrategy ? [task.userStrategy] : []);
  const report = buildReport(result, {
    files: data.files,
    overrides: { ...overrides, data: input.data, ...(task.userStrategy ? { userStrategy: { file: task.userStrategy.name, sha256: task.userStrategy.sha256 } } : {}), ...(task.userStrategies ? { userStrategies: users.map((u) => ({ file: u.name, sha256: u.sha256 })) } : {}) },
    ...(task.profileSet ? { strategies: { instances: task.profileSet.instances, skipped: task.profileSet.skipped } } : {}),
  });
  writeFileSync(join(outDir, 'report.json'), reportJsonText(report));
  writeFileSync(join(outDir, 'report.html'), renderReportHtml(report, result));
  return { headline: headlineOf(result.metrics, result.counts.fills), warnings: result.warnings.length };
}
