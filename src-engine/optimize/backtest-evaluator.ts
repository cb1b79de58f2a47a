/**
 * `builtin:backtest`: each point is a full backtest (backtest/backtest.ts, the kernel on history)
 * of the config file in `data.config`, with the point's values set as strategy params: `fast` sets
 * `fast` on every strategy instance of the profile, `sma.fast` only on the instance with id `sma`.
 * `data.files` (optional) replaces the config's `backtest.data`. Pinned data (inputs.ts: `sources`,
 * one per file, and `inputs`, the SHA-256 of the config and of every file) are checked on this machine
 * before they are used: a missing or different file fails the task. The config and candles are read
 * once per thread and content; a walk-forward window replays only the bars that start inside it.
 * `data.strategies` (`optimize --strategies-dir`): user strategy files `{ path, type, sha256 }`, loaded by
 * the engine's loader only with that exact content, so the config's instances of those types run them
 * (on a `kitedesk worker` the paths are already the worker's own files: blobs.ts localizeTask).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseBacktestConfig, runBacktest, type BacktestConfig } from '../backtest/backtest.js';
import { loadBacktestData, type BacktestData } from '../backtest/data.js';
import { loadBacktestStrategies } from '../backtest/user-strategies.js';
import type { StrategyDefinition } from '../strategy/strategy.js';
import { strategyFiles, type PinnedStrategy } from './blobs.js';
import type { EvalResult, EvalWindow, Evaluator } from './evaluator.js';
import { pinnedInputs, verifyInputs, type PinnedInput, type PinnedSource } from './inputs.js';
import type { ParamPoint } from './space.js';

export class BacktestEvalError extends Error {
  override readonly name = 'BacktestEvalError';
}

interface Ref {
  config: string;
  files?: string[];
  /** Pinned: the files to read (instead of files or the config's data). */
  sources?: PinnedSource[];
  inputs?: PinnedInput[];
  strategies?: PinnedStrategy[];
}

function ref(data: unknown): Ref {
  const d = data as Ref;
  if (typeof d !== 'object' || d === null || typeof d.config !== 'string') throw new BacktestEvalError('builtin:backtest needs data { config: <backtest config file> } (kitedesk optimize --config FILE)');
  if (d.files !== undefined && (!Array.isArray(d.files) || d.files.some((f) => typeof f !== 'string'))) throw new BacktestEvalError('data.files must be a list of paths');
  if (d.sources !== undefined && (!Array.isArray(d.sources) || d.sources.some((s) => typeof s?.path !== 'string' || (s.symbol !== undefined && typeof s.symbol !== 'string')))) {
    throw new BacktestEvalError('data.sources must be a list of { path, symbol? }');
  }
  pinnedInputs(d);
  try {
    strategyFiles(d);
  } catch (e) {
    throw new BacktestEvalError((e as Error).message);
  }
  return d;
}

const istMidnight = (day: string) => Date.parse(`${day}T00:00:00+05:30`);

/** The user strategy files, each loaded only with its pinned content (per folder: the engine's loader reads a folder). */
async function loadStrategies(list: readonly PinnedStrategy[]): Promise<StrategyDefinition[]> {
  const byDir = new Map<string, PinnedStrategy[]>();
  for (const s of list) byDir.set(dirname(s.path), [...(byDir.get(dirname(s.path)) ?? []), s]);
  const defs: StrategyDefinition[] = [];
  for (const [dir, files] of byDir) {
    const r = await loadBacktestStrategies(dir, files.map((s) => ({ name: basename(s.path), sha256: s.sha256 })));
    for (const s of files) {
      if (!r.definitions.some((x) => x.type === s.type)) throw new BacktestEvalError(`user strategy ${s.path} (sha256 ${s.sha256.slice(0, 16)}…) loaded, but defines no type ${s.type}`);
    }
    defs.push(...r.definitions);
  }
  return defs;
}

type Loaded = { config: BacktestConfig; data: BacktestData };
const strategyCache = new Map<string, Promise<StrategyDefinition[]>>();
const cache = new Map<string, Loaded>();
/** Once per thread and content. */
function cachedStrategies(list: readonly PinnedStrategy[]): Promise<StrategyDefinition[]> {
  const key = JSON.stringify(list);
  let p = strategyCache.get(key);
  if (!p) {
    p = loadStrategies(list);
    strategyCache.set(key, p);
    p.catch(() => strategyCache.delete(key));
  }
  return p;
}

function loadData(d: Ref): Loaded {
  const key = JSON.stringify([d.config, d.files ?? null, d.sources ?? null, d.inputs?.map((i) => i.sha256) ?? null]);
  let v = cache.get(key);
  if (!v) {
    verifyInputs(d.inputs);
    const config = parseBacktestConfig(readFileSync(d.config, 'utf8'), d.config);
    const sources = d.sources ?? (d.files ? d.files.map((path) => ({ path })) : config.backtest.data);
    const b = config.backtest;
    const data = loadBacktestData(sources, {
      barTime: b.barTime,
      ...(b.from ? { from: istMidnight(b.from) } : {}),
      ...(b.to ? { to: istMidnight(b.to) + 86_400_000 } : {}),
    });
    cache.set(key, (v = { config, data }));
  }
  return v;
}

/** The config with the point's params set on its strategy instances. */
export function withParams(config: BacktestConfig, params: ParamPoint): BacktestConfig {
  const c = structuredClone(config);
  const instances = c.profile.strategies;
  for (const [name, value] of Object.entries(params)) {
    const dot = name.indexOf('.');
    const targets = dot > 0 ? instances.filter((s) => s.id === name.slice(0, dot)) : instances;
    const key = dot > 0 ? name.slice(dot + 1) : name;
    if (targets.length === 0) throw new BacktestEvalError(`param ${name}: no strategy instance ${dot > 0 ? `with id ${name.slice(0, dot)}` : ''} in the config`);
    for (const s of targets) s.params = { ...(s.params ?? {}), [key]: value };
  }
  return c;
}

function windowed(data: BacktestData, w: EvalWindow): BacktestData {
  const series = data.series.map((s) => ({ ...s, candles: s.candles.filter((c) => c.start >= w.from && c.start < w.to) })).filter((s) => s.candles.length > 0);
  return { ...data, series };
}

export const backtestEvaluator: Evaluator = {
  evaluate(params, data, opts) {
    const d = ref(data);
    const loaded = loadData(d);
    // built-in strategies only: synchronously, as before
    if (!d.strategies?.length) return evaluateLoaded(loaded, undefined, params, opts);
    return cachedStrategies(d.strategies).then((strategies) => evaluateLoaded(loaded, strategies, params, opts));
  },
  range(data) {
    const { data: all } = loadData(ref(data));
    let from = Infinity;
    let to = -Infinity;
    for (const s of all.series) {
      if (s.candles.length === 0) continue;
      from = Math.min(from, s.candles[0]!.start);
      to = Math.max(to, s.candles.at(-1)!.end);
    }
    if (!Number.isFinite(from)) throw new BacktestEvalError('the data has no bars');
    return { from, to };
  },
};

function evaluateLoaded({ config, data: all }: Loaded, strategies: StrategyDefinition[] | undefined, params: ParamPoint, opts: { window?: EvalWindow; equity?: boolean }): EvalResult {
  const input = opts.window ? windowed(all, opts.window) : all;
  if (input.series.length === 0) throw new BacktestEvalError('no bars in the window');
  const r = runBacktest(withParams(config, params), input, { pricePoints: 1, ...(strategies ? { strategies } : {}) });
  const metrics: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(r.metrics)) metrics[k] = v;
  if (!opts.equity) return { metrics };
  const start = opts.window?.from ?? r.period.from;
  const equity = r.equity[0]?.ts === start ? r.equity : [{ ts: start, valuePaise: r.settings.capitalPaise }, ...r.equity];
  return { metrics, equity };
}
