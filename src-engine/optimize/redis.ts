/**
 * Optimisation past one machine: the same EvalTasks as BullMQ jobs over Redis. `redisRunner` (used
 * by `kitedesk optimize --redis URL`) queues one job per task with a deterministic id
 * (`<runId>-<task key>`, so a task is one job however often it is queued or retried) and gathers each
 * job's return value through QueueEvents; `startRedisWorker` (`kitedesk worker --redis URL`) takes
 * jobs and runs them on a local worker pool, which keeps this process's event loop free to renew
 * the job locks. A worker that dies mid-job stops renewing its lock; after `lockMs` another worker's
 * stalled-job check puts the job back in the queue and it runs elsewhere; its result is gathered
 * once, from the job. The run's data travel with it (blobs.ts): the optimiser uploads every pinned input
 * once, by content; a worker lacking a file fetches it into its cache folder. User strategy files never
 * travel: a worker runs one only from its own --strategies-dir, matched by SHA-256.
 */
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { BLOB_TTL_S, DEFAULT_MAX_BLOB_BYTES, defaultCacheDir, localizeTask, privateCacheDir, shippedInputs, strategyFolderIndex, uploadInputs, type BlobStore } from './blobs.js';
import { poolRunner, TaskError, type Runner } from './pool.js';
import type { EvalTask, TaskOutcome } from './tasks.js';

export const DEFAULT_QUEUE = 'kitedesk-optimize';
/** BullMQ's default lock: a dead worker's job is retried this long after its last renewal. */
export const DEFAULT_LOCK_MS = 30_000;

export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
}

/** Checks `redis://[user:pass@]host:port[/db]` (or rediss://); the error never repeats a password. */
export function checkRedisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisUrlError('--redis: expected a URL like redis://127.0.0.1:6379');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new RedisUrlError(`--redis: expected redis:// or rediss://, got ${u.protocol}//`);
  if (!u.hostname) throw new RedisUrlError('--redis: the URL has no host');
  return url;
}

/** The URL without credentials, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/** Connections we made (BullMQ leaves closing a passed-in connection to its owner). */
function connect(url: string, owned: Redis[], log?: (line: string) => void): Redis {
  // BullMQ's blocking connections need maxRetriesPerRequest null
  const r = new Redis(checkRedisUrl(url), { maxRetriesPerRequest: null });
  let last = '';
  r.on('error', (e: Error) => {
    if (e.message !== last) log?.(`redis: ${e.message}`);
    last = e.message;
  });
  owned.push(r);
  return r;
}

/** Waits for BullMQ's connection, at most `ms` (ioredis itself retries for ever). */
async function ready(p: Promise<unknown>, ms = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** ioredis as the blobs' store. */
function blobStore(r: Redis): BlobStore {
  return {
    exists: (key) => r.exists(key),
    expire: (key, s) => r.expire(key, s),
    set: (key, value, ex, s, nx) => r.set(key, value, ex, s, nx),
    getBuffer: (key) => r.getBuffer(key),
  };
}

export function newRunId(): string {
  return `opt${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

export interface RedisRunnerOptions {
  url: string;
  queue?: string;
  /** Job ids are `<runId>-<key>`; a run id repeated gathers the jobs already there. */
  runId?: string;
  /** How many workers are expected (for the report only). */
  workers?: number;
  /** Upload the pinned inputs before queueing (default true; user strategy files never). */
  ship?: boolean;
  /** Largest file shipped, bytes (default 256 MiB). */
  maxBlobBytes?: number;
  log?: (line: string) => void;
}

export async function redisRunner(o: RedisRunnerOptions): Promise<Runner & { runId: string }> {
  const name = o.queue ?? DEFAULT_QUEUE;
  const runId = o.runId ?? newRunId();
  if (!/^[A-Za-z0-9_]+$/.test(runId)) throw new RangeError(`run id ${JSON.stringify(runId)}: letters, digits and _ only`);
  const owned: Redis[] = [];
  const queue = new Queue(name, { connection: connect(o.url, owned) });
  const events = new QueueEvents(name, { connection: connect(o.url, owned) });
  let blobs: BlobStore | undefined;
  const shipped = new Set<unknown>();
  const closeAll = async () => {
    await Promise.allSettled([events.close(), queue.close()]);
    for (const r of owned) r.disconnect();
  };
  // one waiter per job listens on both (a 1000-point grid is 1000 listeners, not a leak)
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  try {
    await ready(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]));
  } catch (e) {
    await closeAll();
    throw new Error(`cannot reach Redis at ${redactRedisUrl(o.url)}: ${(e as Error).message}`);
  }
  return {
    kind: 'redis',
    runId,
    parallelism: o.workers ?? 0,
    async run(tasks, onDone) {
      if (o.ship !== false) {
        // every task of a run shares its data: each data object's inputs are shipped once
        for (const t of tasks) {
          if (shipped.has(t.data)) continue;
          shipped.add(t.data);
          const inputs = shippedInputs(t.data);
          if (inputs.length === 0) continue;
          blobs ??= blobStore(connect(o.url, owned));
          const r = await uploadInputs(blobs, inputs, { maxBytes: o.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES, ttlS: BLOB_TTL_S });
          o.log?.(`data shipped through Redis: ${r.uploaded} file(s) uploaded (${(r.bytes / 1024).toFixed(0)} KiB gzipped), ${r.present} already there`);
        }
      }
      const jobs = await queue.addBulk(
        tasks.map((t) => ({
          name: 'evaluate',
          data: t,
          opts: { jobId: `${runId}-${t.key}`, attempts: 1, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 } },
        })),
      );
      let done = 0;
      return Promise.all(
        jobs.map(async (job: Job, i) => {
          const t = tasks[i]!;
          let o: TaskOutcome;
          try {
            o = (await job.waitUntilFinished(events)) as TaskOutcome;
          } catch (e) {
            throw new TaskError(t.key, `job ${job.id} failed: ${(e as Error).message}`);
          }
          if (!o || o.key !== t.key) throw new TaskError(t.key, `job ${job.id} returned the result of ${o?.key ?? 'nothing'}`);
          onDone?.(o, ++done, tasks.length);
          return o;
        }),
      );
    },
    close: closeAll,
  };
}

export interface RedisWorkerOptions {
  url: string;
  queue?: string;
  /** Jobs at once = worker threads (default: cores). */
  concurrency?: number;
  lockMs?: number;
  /** Where shipped inputs are kept (default: defaultCacheDir()). */
  cacheDir?: string;
  /** The user strategy files this worker may run (matched by SHA-256); none without it. */
  strategiesDir?: string;
  log?: (line: string) => void;
}

export interface RedisWorker {
  close(): Promise<void>;
  readonly completed: number;
}

export async function startRedisWorker(o: RedisWorkerOptions): Promise<RedisWorker> {
  const cacheDir = privateCacheDir(o.cacheDir ?? defaultCacheDir()); // refused now, not per job, when it is not private
  if (o.strategiesDir !== undefined) strategyFolderIndex(o.strategiesDir); // a folder that cannot be read: said now, not per job
  const lockMs = o.lockMs ?? DEFAULT_LOCK_MS;
  if (!(Number.isInteger(lockMs) && lockMs >= 500)) throw new RangeError(`--lock-ms: expected whole ms ≥ 500, got ${lockMs}`);
  const pool = poolRunner(o.concurrency !== undefined ? { threads: o.concurrency } : {});
  let completed = 0;
  const owned: Redis[] = [];
  let blobs: BlobStore | undefined;
  const memo = new Map();
  const worker = new Worker(
    o.queue ?? DEFAULT_QUEUE,
    async (job: Job<EvalTask>) => {
      const local = await localizeTask(job.data, { store: () => (blobs ??= blobStore(connect(o.url, owned, o.log))), cacheDir, ...(o.strategiesDir !== undefined ? { strategiesDir: o.strategiesDir } : {}) }, memo);
      const [out] = await pool.run([local.task]);
      return local.counts ? { ...out!, inputs: local.counts } : out;
    },
    { connection: connect(o.url, owned, o.log), concurrency: pool.parallelism, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 3, autorun: false },
  );
  worker.on('completed', (job: Job) => {
    completed++;
    o.log?.(`done ${job.id}`);
  });
  worker.on('failed', (job: Job | undefined, err: Error) => o.log?.(`failed ${job?.id ?? '?'}: ${err.message}`));
  worker.on('error', (err: Error) => o.log?.(`error: ${err.message}`));
  try {
    await ready(worker.waitUntilReady());
  } catch (e) {
    await Promise.allSettled([worker.close(true), pool.close()]);
    for (const r of owned) r.disconnect();
    throw new Error(`cannot reach Redis at ${redactRedisUrl(o.url)}: ${(e as Error).message}`);
  }
  void worker.run();
  o.log?.(`worker ready: ${pool.parallelism} at once on queue ${o.queue ?? DEFAULT_QUEUE} at ${redactRedisUrl(o.url)}; shipped data cached in ${cacheDir}; ${o.strategiesDir !== undefined ? `user strategies from ${o.strategiesDir} only` : 'no user strategies (--strategies-dir)'}`);
  return {
    get completed() {
      return completed;
    },
    async close() {
      await worker.close();
      await pool.close();
      for (const r of owned) r.disconnect();
    },
  };
}
