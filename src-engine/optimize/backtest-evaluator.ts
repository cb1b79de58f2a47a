/**
 * `builtin:backtest`: each point is a full backtest (backtest/backtest.ts, the kernel on history)
 * of the config file in `data.config`, with the point's values set as strategy params: `fast` sets
 * `fast` on every strategy instance of the profile, `sma.fast` only on the instance with id `sma`.
 * `data.files` (optional) replaces the config's `backtest.data`. Pinned data (inputs.ts: `sources`,
 * one per file, and `inputs`, the SHA-256 of the config and of every file) are checked on this machine
 * before they are used: a missing or different file fails the task. The config and candles are read
 * once per thread and content; a walk-forward window replays only the bars that start inside it.
 */
import { readFileSync } from 'node:fs';
import { parseBacktestConfig, runBacktest, type BacktestConfig } from '../backtest/backtest.js';
import { loadBacktestData, type BacktestData } from '../backtest/data.js';
import type { EvalWindow, Evaluator } from './evaluator.js';
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
}

function ref(data: unknown): Ref {
  const d = data as Ref;
  if (typeof d !== 'object' || d === null || typeof d.config !== 'string') throw new BacktestEvalError('builtin:backtest needs data { config: <backtest config file> } (kitedesk optimize --config FILE)');
  if (d.files !== undefined && (!Array.isArray(d.files) || d.files.some((f) => typeof f !== 'string'))) throw new BacktestEvalError('data.files must be a list of paths');
  if (d.sources !== undefined && (!Array.isArray(d.sources) || d.sources.some((s) => typeof s?.path !== 'string' || (s.symbol !== undefined && typeof s.symbol !== 'string')))) {
    throw new BacktestEvalError('data.sources must be a list of { path, symbol? }');
  }
  pinnedInputs(d);
  return d;
}

const istMidnight = (day: string) => Date.parse(`${day}T00:00:00+05:30`);

const cache = new Map<string, { config: BacktestConfig; data: BacktestData }>();
function load(d: Ref): { config: BacktestConfig; data: BacktestData } {
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
    const { config, data: all } = load(ref(data));
    const input = opts.window ? windowed(all, opts.window) : all;
    if (input.series.length === 0) throw new BacktestEvalError('no bars in the window');
    const r = runBacktest(withParams(config, params), input, { pricePoints: 1 });
    const metrics: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(r.metrics)) metrics[k] = v;
    if (!opts.equity) return { metrics };
    const start = opts.window?.from ?? r.period.from;
    const equity = r.equity[0]?.ts === start ? r.equity : [{ ts: start, valuePaise: r.settings.capitalPaise }, ...r.equity];
    return { metrics, equity };
  },
  range(data) {
    const { data: all } = load(ref(data));
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
