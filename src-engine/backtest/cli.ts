/**
 * `kitedesk backtest`: a run profile (with an optional `backtest:` section) and candle files in,
 * DIR/report.json and DIR/report.html out, a progress bar with ETA on the terminal and the headline
 * metrics on stdout. Candles come from files, or with `--kite SYMBOL[:INTERVAL]` from Kite's historical
 * API through the live client and the local cache (kite-source.ts; the session from the environment or
 * the keychain: host/kite-cli-session.ts). See docs/backtest.md.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { sizingConfigSchema } from '../portfolio/sizing.js';
import { ConfigError, runProfileSchema } from '../runtime/config.js';
import { StrategyConfigError, validateInstance } from '../strategy/config.js';
import { STRATEGY_TIMEFRAMES, type StrategyDefinition } from '../strategy/strategy.js';
import { loadBacktestStrategies } from './user-strategies.js';
import { backtestSectionSchema, FILL_RULES, parseBacktestConfig, runBacktest, type BacktestConfig, type BacktestResult } from './backtest.js';
import { loadBacktestData, type BacktestData, type DataSource } from './data.js';
import { loadKiteBacktestData, parseKiteSpec, type KiteSourceInfo } from './kite-source.js';
import { cliKiteSession } from '../host/kite-cli-session.js';
import { defaultDataDir } from '../host/paths.js';
import { buildReport, renderReportHtml, reportJsonText, type ReportInputs } from './report.js';

export interface BacktestCliOptions {
  config?: string;
  data?: string[];
  symbol?: string[];
  /** Kite instruments `[EXCHANGE:]SYMBOL[:INTERVAL]` (with from/to); loaded by {@link loadKiteForCli}. */
  kite?: string[];
  /** Where the Kite cache lives (default: the app's data dir). */
  dataDir?: string;
  barTime?: 'start' | 'end';
  from?: string;
  to?: string;
  strategy?: string;
  timeframe?: string;
  set?: string[];
  /** Params as values (the app's form), under `set`'s. */
  params?: Record<string, unknown>;
  product?: 'MIS' | 'CNC';
  qty?: number;
  charges?: boolean;
  slippageTicks?: number;
  exits?: 'none' | 'profile';
  fill?: (typeof FILL_RULES)[number];
  riskFreeRate?: number;
  out: string;
  /** Show the progress bar (default: when stderr is a terminal). */
  progress?: boolean;
  /** User strategy files to load for the run (every file in the folder; no approval asked: docs/backtest.md). */
  strategiesDir?: string;
}

/** User strategy files as the CLI loaded them (`--strategies-dir`): the definitions and the report's record. */
export interface CliUserStrategies {
  definitions: readonly StrategyDefinition[];
  loaded: { file: string; type: string; sha256?: string }[];
}

/**
 * `--strategies-dir DIR`: every user strategy file in DIR, loaded by the engine's loader (files or a folder
 * not owned by this user or writable by others are refused). Files that fail are reported through `warn`
 * (each message names the file); a run that needs one of their types then fails naming the instance.
 */
export async function loadCliStrategies(dir: string, warn: (line: string) => void = () => {}): Promise<CliUserStrategies> {
  const r = await loadBacktestStrategies(dir);
  for (const e of r.errors) warn(e.message);
  return { definitions: r.definitions, loaded: r.loaded };
}

/** The profile's instances of user types checked against their definitions (params, timeframe): an error naming the instance and param. */
function checkUserInstances(config: BacktestConfig, user: CliUserStrategies | undefined): void {
  if (!user?.definitions.length) return;
  const defs = new Map(user.definitions.map((d) => [d.type, d]));
  for (const s of config.profile.strategies) {
    if (!defs.has(s.type)) continue;
    try {
      validateInstance(s, defs, () => 1);
    } catch (e) {
      if (e instanceof StrategyConfigError) throw new InvalidArgumentError(e.message);
      throw e;
    }
  }
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function parseParam(v: string): unknown {
  const t = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  return t;
}

const dayMs = (d: string, end: boolean): number => Date.parse(`${d}T00:00:00+05:30`) + (end ? 86_400_000 : 0);

/** The config as the command line shapes it (flags override the file). Exported for tests. */
export function resolveBacktestConfig(o: BacktestCliOptions, symbols: readonly string[]): { config: BacktestConfig; overrides: Record<string, unknown> } {
  let config: BacktestConfig;
  if (o.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.config, 'utf8');
    } catch (e) {
      throw new ConfigError(o.config, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    config = parseBacktestConfig(text, o.config);
  } else config = { profile: runProfileSchema.parse({ strategies: [] }), backtest: backtestSectionSchema.parse({}) };
  const overrides: Record<string, unknown> = {};
  const p = config.profile;
  const b = config.backtest;
  if (o.strategy !== undefined) {
    const params: Record<string, unknown> = { ...o.params };
    for (const kv of o.set ?? []) {
      const i = kv.indexOf('=');
      if (i <= 0) throw new InvalidArgumentError(`--set ${kv}: expected param=value`);
      params[kv.slice(0, i)] = parseParam(kv.slice(i + 1));
    }
    const inst = { id: o.strategy.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64), type: o.strategy, params, symbols: [...symbols], ...(o.timeframe !== undefined ? { timeframe: o.timeframe } : {}) };
    const r = runProfileSchema.safeParse({ strategies: [inst] });
    if (!r.success) throw new InvalidArgumentError(`--strategy ${o.strategy}: ${r.error.issues.map((x) => `${x.path.slice(2).join('.') || x.path.join('.')}: ${x.message}`).join('; ')}`);
    p.strategies = r.data.strategies;
    overrides['strategy'] = inst;
  } else {
    if (o.set?.length || o.params !== undefined || o.timeframe !== undefined) throw new InvalidArgumentError('--set and --timeframe go with --strategy TYPE');
    // the profile's instances, on the symbols there are data for
    const known = new Set(symbols);
    p.strategies = p.strategies.map((s) => ({ ...s, symbols: s.symbols.filter((x) => known.has(x)) })).filter((s) => s.symbols.length > 0 && s.enabled);
  }
  // the profile's fno: instances (backtest.options: synthetic option prices) count too
  if (p.strategies.length === 0 && !p.fno?.strategies.some((s) => s.enabled)) throw new InvalidArgumentError(`no strategy runs on ${symbols.join(', ')}: give --strategy TYPE, or a config whose strategies name these symbols`);
  if (o.product !== undefined) p.trading.product = overrides['product'] = o.product;
  if (o.qty !== undefined) {
    p.trading.sizing = { default: sizingConfigSchema.parse({ mode: 'fixed_qty', qty: o.qty }) };
    overrides['qty'] = o.qty;
  }
  if (o.charges === false) p.trading.charges = overrides['charges'] = false;
  if (o.slippageTicks !== undefined) {
    p.trading.paper.slippage = { ticks: o.slippageTicks };
    overrides['slippageTicks'] = o.slippageTicks;
  }
  if (o.exits !== undefined) b.exits = overrides['exits'] = o.exits;
  if (o.fill !== undefined) b.fill = overrides['fill'] = o.fill;
  if (o.riskFreeRate !== undefined) b.riskFreeRate = overrides['riskFreeRate'] = o.riskFreeRate;
  if (o.barTime !== undefined) b.barTime = overrides['barTime'] = o.barTime;
  if (o.from !== undefined) b.from = overrides['from'] = o.from;
  if (o.to !== undefined) b.to = overrides['to'] = o.to;
  return { config, overrides };
}

function sources(o: BacktestCliOptions, fromFile: BacktestConfig['backtest']['data']): DataSource[] {
  const out: DataSource[] = [];
  for (const path of o.data ?? []) out.push({ path });
  for (const kv of o.symbol ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0 || i === kv.length - 1) throw new InvalidArgumentError(`--symbol ${kv}: expected SYM=PATH`);
    out.push({ symbol: kv.slice(0, i), path: kv.slice(i + 1) });
  }
  if (out.length === 0) for (const d of fromFile) out.push(d.symbol !== undefined ? { path: d.path, symbol: d.symbol } : { path: d.path });
  return out;
}

/** The period of a run: the flags over the config's backtest section. */
function period(o: BacktestCliOptions): { pre: BacktestConfig['backtest']; from: string | undefined; to: string | undefined } {
  const pre = o.config !== undefined ? parseBacktestConfig(readFileSync(o.config, 'utf8'), o.config).backtest : backtestSectionSchema.parse({});
  const from = o.from ?? pre.from;
  const to = o.to ?? pre.to;
  if (from !== undefined && to !== undefined && from > to) throw new InvalidArgumentError('--from must not be after --to');
  return { pre, from, to };
}

/**
 * `--kite`: the candles from Kite's historical API (the live client, 3 requests a second, Kite's
 * per-request date ranges) through the cache in `<data dir>/kite/historical`; a progress line on stderr.
 */
export async function loadKiteForCli(o: BacktestCliOptions, log: (line: string) => void = () => {}): Promise<{ data: BacktestData; kite: KiteSourceInfo }> {
  if (o.data?.length || o.symbol?.length) throw new InvalidArgumentError('--kite cannot be combined with --data or --symbol');
  if (o.barTime === 'end') throw new InvalidArgumentError('--bar-time end does not apply to Kite candles (they carry their start)');
  const specs = (o.kite ?? []).map((s) => {
    try {
      return parseKiteSpec(s);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  });
  const { from, to } = period(o);
  if (from === undefined || to === undefined) throw new InvalidArgumentError("--kite needs --from and --to (YYYY-MM-DD, IST), on the command line or in the config's backtest section");
  const session = await cliKiteSession();
  const dataDir = resolve(o.dataDir ?? defaultDataDir());
  const r = await loadKiteBacktestData({ specs, from, to, dataDir, session });
  const rows = r.data.files.reduce((n, f) => n + f.rows, 0);
  log(
    `Kite candles of ${r.info.instruments.join(', ')} ${from}..${to}: ${rows} bars, ${r.stats.historicalRequests === 0 ? 'all from the cache' : `${r.stats.historicalRequests} historical request${r.stats.historicalRequests === 1 ? '' : 's'} to Kite`} (cache ${r.stats.cacheDir}; instrument dump ${r.stats.instrumentDump === 'cache' ? 'from the cache' : 'fetched'}); session from the ${session.from === 'env' ? 'environment' : 'keychain'}`,
  );
  return { data: r.data, kite: r.info };
}

/**
 * Runs the command: loads (or takes `loaded`: the Kite candles), runs, writes the two files; returns
 * the result and where they are.
 */
export function runBacktestCli(o: BacktestCliOptions, loaded?: { data: BacktestData; kite: KiteSourceInfo }, user?: CliUserStrategies): { result: BacktestResult; json: string; html: string } {
  // the data first (the strategy's symbols default to the data's), with the file's section for barTime and dates
  const { pre, from, to } = period(o);
  const barTime = o.barTime ?? pre.barTime;
  const data = loaded?.data ?? loadBacktestData(sources(o, pre.data), { barTime, ...(from !== undefined ? { from: dayMs(from, false) } : {}), ...(to !== undefined ? { to: dayMs(to, true) } : {}) });
  const { config, overrides } = resolveBacktestConfig(o, data.series.map((s) => s.symbol));
  if (loaded) {
    overrides['kite'] = loaded.kite;
    // the candles are the data: the config's file list does not apply
    config.backtest.data = [];
  }
  checkUserInstances(config, user);
  if (user?.loaded.length) overrides['userStrategies'] = user.loaded.map((l) => ({ file: l.file, type: l.type, ...(l.sha256 ? { sha256: l.sha256 } : {}) }));
  const show = o.progress ?? process.stderr.isTTY === true;
  const bar = show ? new SingleBar({ format: 'backtest |{bar}| {percentage}% | ETA {eta_formatted} | {value}/{total} bar-minutes', stream: process.stderr, hideCursor: true }, Presets.shades_classic) : undefined;
  let started = false;
  const result = runBacktest(config, data, {
    ...(user?.definitions.length ? { strategies: user.definitions } : {}),
    onProgress: (done, total) => {
      if (!bar) return;
      const v = Math.round(done / 60_000);
      const t = Math.max(1, Math.round(total / 60_000));
      if (!started) {
        bar.start(t, v);
        started = true;
      } else bar.update(v);
    },
  });
  if (bar && started) bar.stop();
  const inputs: ReportInputs = {
    ...(o.config !== undefined ? { config: { path: o.config, sha256: createHash('sha256').update(readFileSync(o.config)).digest('hex') } } : {}),
    files: data.files,
    overrides,
  };
  const report = buildReport(result, inputs);
  mkdirSync(o.out, { recursive: true });
  const json = join(o.out, 'report.json');
  const html = join(o.out, 'report.html');
  writeFileSync(json, reportJsonText(report));
  writeFileSync(html, renderReportHtml(report, result));
  return { result, json: resolve(json), html: resolve(html) };
}

/** The headline metrics, one per line. */
export function headline(r: BacktestResult): string {
  const m = r.metrics;
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
  const f = (x: number | null) => (x === null ? '—' : x.toFixed(2));
  const rs = (p: number) => `₹${(p / 100).toFixed(2)}`;
  return [
    `trades ${m.trades}  win rate ${pct(m.winRate)}  profit factor ${f(m.profitFactor)}  expectancy ${m.expectancyPaise === null ? '—' : rs(m.expectancyPaise)}`,
    `net ${rs(m.netPnlPaise)} (${pct(m.netReturn)})  gross ${pct(m.grossReturn)}  CAGR ${pct(m.cagr)}  charges ${rs(m.chargesPaise)}`,
    `Sharpe ${f(m.sharpe)}  Sortino ${f(m.sortino)} (rf ${pct(m.riskFreeRate)})  max drawdown ${pct(m.maxDrawdown)}  Calmar ${f(m.calmar)}  exposure ${pct(m.exposure)}`,
  ].join('\n');
}

const nonNegInt = (flag: string) => (v: string) => {
  const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${flag}: expected a whole number ≥ 0`);
  return n;
};
const isoDay = (flag: string) => (v: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new InvalidArgumentError(`${flag}: expected YYYY-MM-DD (IST)`);
  return v;
};

export function backtestCommand(): Command {
  return new Command('backtest')
    .description('run strategies over candle files or Kite historical candles (--kite) through the paper kernel; writes DIR/report.json and DIR/report.html and prints the headline metrics')
    .option('-c, --config <file>', 'run profile (YAML) with an optional backtest: section (docs/backtest.md)')
    .option('--data <path...>', 'candle CSV files or directories (<SYMBOL>.csv; vendor symbol,date,time files need --bar-time end)')
    .option('--symbol <SYM=PATH>', 'a symbol and its file or directory (repeatable)', collect)
    .option(
      '--kite <[EXCHANGE:]SYMBOL[:INTERVAL]>',
      "Kite historical candles instead of files (repeatable; exchange NSE and interval minute by default, e.g. INFY, INFY:5minute, 'NSE:NIFTY 50:day'); needs --from and --to and today's Kite session",
      collect,
    )
    .option('-d, --data-dir <dir>', 'with --kite: the data dir whose Kite cache (kite/historical, the instrument dump) is used and filled', defaultDataDir())
    .addOption(new Option('--bar-time <when>', "the rows' time is the bar's start (Kite) or end (vendor 1-minute files)").choices(['start', 'end']))
    .option('--from <YYYY-MM-DD>', 'first IST day (inclusive)', isoDay('--from'))
    .option('--to <YYYY-MM-DD>', 'last IST day (inclusive)', isoDay('--to'))
    .option('--strategy <type>', 'run this one strategy type on every data symbol instead of the profile\'s strategies')
    .addOption(new Option('--timeframe <tf>', 'its timeframe').choices([...STRATEGY_TIMEFRAMES]))
    .option('--set <param=value>', 'a strategy parameter (repeatable)', collect)
    .addOption(new Option('--product <product>', 'product of strategy orders').choices(['MIS', 'CNC']))
    .option('--qty <n>', 'fixed quantity per order', (v: string) => {
      const n = nonNegInt('--qty')(v);
      if (n < 1) throw new InvalidArgumentError('--qty: expected a whole number ≥ 1');
      return n;
    })
    .option('--no-charges', "no Zerodha charges on fills")
    .option('--slippage-ticks <n>', 'adverse slippage of market fills, in ticks', nonNegInt('--slippage-ticks'))
    .addOption(new Option('--exits <exits>', "none: signals only (the MIS square-off stays); profile: the profile's trading.exits").choices(['none', 'profile']))
    .addOption(new Option('--fill <rule>', 'fill rule of market orders (default next_open)').choices([...FILL_RULES]))
    .option('--risk-free-rate <fraction>', 'annual risk-free rate for Sharpe and Sortino, e.g. 0.065', (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('--risk-free-rate: expected a fraction between 0 and 1');
      return n;
    })
    .option('--strategies-dir <dir>', 'load the user strategy files of this folder (e.g. <data dir>/strategies) for --strategy TYPE or the profile; no approval asked (you chose the folder), files writable by others are refused')
    .requiredOption('-o, --out <dir>', 'where report.json and report.html go')
    .addHelpText(
      'after',
      '\nFill rules, data layouts and the report: docs/backtest.md.\n' +
        'With --kite the Kite session comes from the environment (KITEDESK_KITE_API_KEY, KITEDESK_KITE_ACCESS_TOKEN, KITEDESK_KITE_ROOT)\n' +
        "or else the keychain (today's login in the app or `kitedesk serve`); requests are paced at Kite's 3/s, finished days are cached.\n",
    )
    .action(async (o: BacktestCliOptions) => {
      const loaded = o.kite?.length ? await loadKiteForCli(o, (l) => process.stderr.write(`kitedesk: ${l}\n`)) : undefined;
      const user = o.strategiesDir !== undefined ? await loadCliStrategies(o.strategiesDir, (l) => process.stderr.write(`kitedesk: warning: ${l}\n`)) : undefined;
      const r = runBacktestCli(o, loaded, user);
      process.stdout.write(`${headline(r.result)}\n`);
      for (const w of r.result.warnings) process.stderr.write(`kitedesk: warning: ${w}\n`);
      process.stderr.write(`kitedesk: ${r.json}\nkitedesk: ${r.html}\n`);
    });
}
