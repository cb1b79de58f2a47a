/**
 * One unit of optimisation work, as it travels to a worker thread or through Redis: plain JSON
 * (an evaluator ref, the params, the data reference, an optional window), never a function.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { loadEvaluator, type EvalResult, type EvalWindow, type Evaluator, type EvaluatorRef } from './evaluator.js';
import type { InputCounts } from './blobs.js';
import type { ParamPoint } from './space.js';

export interface EvalTask {
  /** Unique in a run: `p12`, `w3-is-p12`, `w3-oos`; part of the Redis job id. */
  key: string;
  evaluator: EvaluatorRef;
  params: ParamPoint;
  data: unknown;
  window?: EvalWindow;
  equity?: boolean;
}

export interface TaskOutcome {
  key: string;
  result: EvalResult;
  /** host:pid:thread that ran it. */
  worker: string;
  /** Wall time of the evaluation inside the worker. */
  wallMs: number;
  /** CPU time of the evaluating thread (Linux: /proc/thread-self/stat, 10 ms ticks); absent elsewhere. */
  cpuMs?: number;
  /** On a `kitedesk worker`: how the job's pinned inputs were found (blobs.ts). */
  inputs?: InputCounts;
}

/** This thread's user + system CPU time in ms, where the OS tells (Linux), else undefined. */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 of stat(5) (utime, stime) in clock ticks, 100 a second on Linux
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Evaluators bundled with every worker (`builtin:<name>`). */
export const BUILTIN_EVALUATORS: Readonly<Record<string, () => Promise<Evaluator>>> = {
  backtest: async () => (await import('./backtest-evaluator.js')).backtestEvaluator,
  sma: async () => (await import('./sma-evaluator.js')).smaEvaluator,
};

export async function runTask(task: EvalTask): Promise<TaskOutcome> {
  const ev = await loadEvaluator(task.evaluator, BUILTIN_EVALUATORS);
  const t0 = performance.now();
  const c0 = threadCpuMs();
  const result = await ev.evaluate(task.params, task.data, { ...(task.window ? { window: task.window } : {}), ...(task.equity ? { equity: true } : {}) });
  const c1 = threadCpuMs();
  // as JSON (Redis) would carry them: a non-finite value becomes null on every runner alike
  for (const [k, v] of Object.entries(result.metrics)) if (typeof v !== 'number' || !Number.isFinite(v)) result.metrics[k] = null;
  return { key: task.key, result, worker: `${hostname()}:${process.pid}:${threadId}`, wallMs: performance.now() - t0, ...(c0 !== undefined && c1 !== undefined ? { cpuMs: c1 - c0 } : {}) };
}
