/**
 * One unit of optimisation work, as it travels to a worker thread or through Redis: plain JSON
 * (an evaluator ref, the params, the data reference, an optional window), never a function.
 */
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { loadEvaluator, type EvalResult, type EvalWindow, type Evaluator, type EvaluatorRef } from './evaluator.js';
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
}

/** Evaluators bundled with every worker (`builtin:<name>`). */
export const BUILTIN_EVALUATORS: Readonly<Record<string, () => Promise<Evaluator>>> = {
  backtest: async () => (await import('./backtest-evaluator.js')).backtestEvaluator,
  sma: async () => (await import('./sma-evaluator.js')).smaEvaluator,
};

export async function runTask(task: EvalTask): Promise<TaskOutcome> {
  const ev = await loadEvaluator(task.evaluator, BUILTIN_EVALUATORS);
  const t0 = performance.now();
  const result = await ev.evaluate(task.params, task.data, { ...(task.window ? { window: task.window } : {}), ...(task.equity ? { equity: true } : {}) });
  return { key: task.key, result, worker: `${hostname()}:${process.pid}:${threadId}`, wallMs: performance.now() - t0 };
}
