/**
 * Where tasks run. `serialRunner` evaluates in this thread, one after the other (the reference);
 * `poolRunner` spreads them over worker threads with piscina (default: one per core). Both return
 * outcomes in task order, and call `onDone` as each finishes (progress).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { runTask, type EvalTask, type TaskOutcome } from './tasks.js';

export type OnTaskDone = (outcome: TaskOutcome, done: number, total: number) => void;

export interface Runner {
  readonly kind: 'serial' | 'pool' | 'redis';
  /** Threads or workers evaluating at once (for the report). */
  readonly parallelism: number;
  run(tasks: readonly EvalTask[], onDone?: OnTaskDone): Promise<TaskOutcome[]>;
  close(): Promise<void>;
}

export class TaskError extends Error {
  override readonly name = 'TaskError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`task ${key}: ${message}`);
  }
}

export function serialRunner(): Runner {
  return {
    kind: 'serial',
    parallelism: 1,
    async run(tasks, onDone) {
      const out: TaskOutcome[] = [];
      for (const t of tasks) {
        let o: TaskOutcome;
        try {
          o = await runTask(t);
        } catch (e) {
          throw new TaskError(t.key, (e as Error).message);
        }
        out.push(o);
        onDone?.(o, out.length, tasks.length);
      }
      return out;
    },
    close: async () => {},
  };
}

/**
 * The worker file: dist/engine/optimize-worker.js next to the bundled CLI, else the source tree's
 * pool-worker-tsx.mjs (tsx, then pool-worker.ts).
 */
export function workerEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const bundled = join(here, 'optimize-worker.js');
  return existsSync(bundled) ? bundled : join(here, 'pool-worker-tsx.mjs');
}

export function poolRunner(opts: { threads?: number } = {}): Runner {
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a whole number ≥ 1, got ${threads}`);
  const pool = new Piscina({ filename: workerEntry(), minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  return {
    kind: 'pool',
    parallelism: threads,
    async run(tasks, onDone) {
      let done = 0;
      return Promise.all(
        tasks.map(async (t) => {
          let o: TaskOutcome;
          try {
            o = (await pool.run(t)) as TaskOutcome;
          } catch (e) {
            throw new TaskError(t.key, (e as Error).message);
          }
          onDone?.(o, ++done, tasks.length);
          return o;
        }),
      );
    },
    close: () => pool.destroy(),
  };
}
