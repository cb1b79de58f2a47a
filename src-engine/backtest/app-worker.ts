/**
 * The backtest worker (piscina): one app backtest or walk-forward per call, its progress posted on the port it was
 * given. Built to dist/engine/backtest-worker.js (scripts/build.mjs); from source it runs under tsx
 * (app-worker-tsx.mjs).
 */
import type { MessagePort } from 'node:worker_threads';
import type { AppBacktestOutcome, AppBacktestTask } from './app-task.js';
import { runAppTask } from './app-walk-forward.js';

export default function backtestInWorker({ task, port }: { task: AppBacktestTask; port: MessagePort }): AppBacktestOutcome {
  try {
    return runAppTask(task, (done, total) => port.postMessage({ done, total }));
  } finally {
    port.close();
  }
}
