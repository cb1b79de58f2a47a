/**
 * The backtest worker (piscina): one app backtest or walk-forward per call, its progress posted on the port it was
 * given. A run of a user strategy type first loads its file, only with the content the engine approved
 * (user-strategies.ts). Built to dist/engine/backtest-worker.js (scripts/build.mjs); from source it runs under tsx
 * (app-worker-tsx.mjs).
 */
import type { MessagePort } from 'node:worker_threads';
import type { AppBacktestOutcome, AppBacktestTask } from './app-task.js';
import { runAppTask } from './app-walk-forward.js';
import { loadBacktestStrategies } from './user-strategies.js';

export default async function backtestInWorker({ task, port }: { task: AppBacktestTask; port: MessagePort }): Promise<AppBacktestOutcome> {
  try {
    // the run's user strategy files (one type, or a profile set's), each only with the sha256 the engine approved
    const u = task.userStrategies ?? (task.userStrategy ? { dir: task.userStrategy.dir, files: [{ name: task.userStrategy.name, sha256: task.userStrategy.sha256 }] } : undefined);
    const strategies = u?.files.length ? (await loadBacktestStrategies(u.dir, u.files)).definitions : undefined;
    return runAppTask(task, (done, total) => port.postMessage({ done, total }), strategies);
  } finally {
    port.close();
  }
}
