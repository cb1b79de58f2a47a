/**
 * The piscina worker: runs one EvalTask per call. Built to dist/engine/optimize-worker.js
 * (scripts/build.mjs); from source it runs under tsx (pool.ts passes --import tsx).
 */
import { runTask, type EvalTask, type TaskOutcome } from './tasks.js';

export default function evaluateTask(task: EvalTask): Promise<TaskOutcome> {
  return runTask(task);
}
