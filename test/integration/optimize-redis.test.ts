import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_SMA_SOURCE } from '../../src-engine/backtest/testing.js';
import { userStrategiesForOptimize } from '../../src-engine/host/optimize-cli.js';
import { blobKey } from '../../src-engine/optimize/blobs.js';
import { runOptimize, type OptimizeReport, type OptimizeSpec } from '../../src-engine/optimize/optimize.js';
import { poolRunner } from '../../src-engine/optimize/pool.js';
import { redisRunner, type RedisRunnerOptions } from '../../src-engine/optimize/redis.js';
import { writeSimCandleCsvs } from '../../src-engine/optimize/sim-data.js';
import { parseParamArgs } from '../../src-engine/optimize/space.js';
import { externalInput } from '../support/external-inputs.js';

/**
 * `kitedesk worker --redis` × 2 against a real redis-server on loopback (started here, no persistence):
 * the optimiser queues a 12-point grid as BullMQ jobs; one worker takes a job and is SIGKILLed while
 * it runs; its job is retried by the other worker after the lock expires. The ranked table equals the
 * local worker pool's, and every point is counted once. Then the full backtester per point
 * (builtin:backtest) on two fresh workers that hold the files: the same ranked table as the pool, every
 * input read locally. The data shipped through Redis: a run whose data folder and config are deleted once
 * they are uploaded is evaluated by two fresh workers from the blobs, with the pool's table; a blob
 * corrupted in Redis fails the job naming the hash mismatch. User strategy files (--strategies-dir) never
 * travel: a worker without the file refuses the job naming file, type and hash; one whose own folder
 * holds a file with the same SHA-256 runs it, with the local pool's table.
 */
const root = resolve(import.meta.dirname, '../..');
const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
const present = externalInput(import.meta.url, 'redis-server', hasRedis, 'redis-server is not on PATH; install it: apt-get install -y redis-server');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Resolves when `re` shows up in the stream's text, rejects when the process exits first. */
function waitFor(p: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp, what: string): Promise<void> {
  return new Promise((res, rej) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += String(d);
      if (re.test(text)) {
        p[stream]!.off('data', onData);
        res();
      }
    };
    p[stream]!.on('data', onData);
    p.once('exit', (code, sig) => rej(new Error(`${what} exited (${code ?? sig}) before ${re}: ${text}`)));
  });
}

/** Polls the file system until `pred` holds (an outcome, not a fixed delay); fails after `ms`. */
async function until(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// two worker processes start tsx and read the candles: tens of seconds on a loaded 2-core machine
describe.skipIf(!present)('optimisation on BullMQ over a real redis-server, two workers, one killed mid-job', { timeout: 180_000 }, () => {
  let dir: string;
  let marks: string;
  let redis: ChildProcess | undefined;
  let url: string;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kd-opt-redis-'));
    marks = join(dir, 'marks');
    mkdirSync(marks);
    writeSimCandleCsvs(join(dir, 'data'), { symbols: ['SIMA', 'SIMB'], from: '2022-03-01', to: '2022-05-31', seed: 11 });
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        await waitFor(p, 'stdout', /Ready to accept connections/, 'redis-server');
        redis = p;
        url = `redis://127.0.0.1:${port}`;
        break;
      } catch (e) {
        if (attempt >= 2) throw e; // the port was taken between the probe and the start: try another
      }
    }
  });

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    redis?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let workerNo = 0;
  function startWorker(env: Record<string, string>, queue?: string, extra: string[] = []): ChildProcess {
    // each worker its own cache folder, as on its own machine
    const cache = join(dir, `cache-${++workerNo}`);
    const args = ['worker', '--redis', url, '--concurrency', '1', '--lock-ms', '2000', '--cache-dir', cache, ...(queue ? ['--queue', queue] : []), ...extra];
    const w = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-engine/host/cli.ts'), ...args], {
      cwd: root,
      env: { ...process.env, KD_OPT_MARKS: marks, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.push(w);
    return w;
  }
  const marksOf = (pid: number | undefined) => readdirSync(marks).filter((f) => f.startsWith(`${pid}-`));
  const stopWorkers = async (...ws: ChildProcess[]) => {
    await Promise.all(ws.map((w) => (w.exitCode !== null || w.signalCode !== null ? undefined : new Promise((r) => (w.once('exit', r), w.kill('SIGKILL'))))));
  };
  const readyAll = (...ws: ChildProcess[]) => Promise.all(ws.map((w, i) => waitFor(w, 'stderr', /worker ready/, `worker ${i + 1}`)));

  /** A backtest config on the data folder `dir/<dataDir>` (1 month), its strategies of `type`. */
  const config = (dataDir: string, type = 'sma_crossover') => {
    const file = join(dir, `${dataDir}-${type}.yaml`);
    writeFileSync(
      file,
      [
        'strategies:',
        `  - { id: sma, type: ${type}, params: { fast: 10, slow: 30 }, timeframe: 1m, symbols: [SIMA, SIMB] }`,
        'trading: { product: CNC, charges: false, sizing: { default: { mode: fixed_qty, qty: 1 } }, paper: { slippage: { ticks: 0 } }, risk: { maxTradesPerSymbolPerDay: 100000 } }',
        `backtest: { data: [{ path: ${JSON.stringify(join(dir, dataDir))} }], exits: none, to: 2022-03-31 }`,
        '',
      ].join('\n'),
    );
    return file;
  };
  const backtestSpec = (data: unknown): OptimizeSpec => ({
    evaluator: { module: 'builtin', export: 'backtest' },
    data,
    space: parseParamArgs(['fast=5:15:5', 'slow=30,60']),
    search: { kind: 'grid' },
    metric: 'sharpe',
  });
  /** The pool's ranked table of the built-in SMA crossover on `data` (the reference of every backtest run here). */
  let builtinPool: OptimizeReport | undefined;
  const reference = async () => {
    if (!builtinPool) {
      const pool = poolRunner({ threads: 2 });
      builtinPool = await runOptimize(backtestSpec({ config: config('data') }), pool).finally(() => pool.close());
    }
    return builtinPool;
  };

  /** Starts a run on Redis and resolves once its data are uploaded (before its jobs are queued). */
  async function queueRun(spec: OptimizeSpec, o: Omit<RedisRunnerOptions, 'url' | 'log'>): Promise<{ done: Promise<OptimizeReport>; logs: string[] }> {
    const logs: string[] = [];
    let shipped!: () => void;
    const uploaded = new Promise<void>((r) => (shipped = r));
    const runner = await redisRunner({ url, ...o, log: (l) => (logs.push(l), /data shipped/.test(l) && shipped()) });
    const done = runOptimize(spec, runner).finally(() => runner.close());
    done.catch(() => {}); // awaited by the caller
    await Promise.race([uploaded, done.then(() => Promise.reject(new Error(`the run ended before its data were shipped: ${logs.join('; ')}`)))]);
    return { done, logs };
  }

  it('the killed worker’s job runs elsewhere; the ranked table equals the local pool’s; every point once', async () => {
    const spec: OptimizeSpec = {
      evaluator: { module: join(root, 'test/support/optimize-evaluator.ts'), export: 'markingSma' },
      data: { files: [join(dir, 'data')] },
      space: parseParamArgs(['fast=3:15:4', 'slow=20:60:20']),
      search: { kind: 'grid' },
      metric: 'sharpe',
    };

    // the reference: the local worker pool
    const pool = poolRunner({ threads: 2 });
    const local = await runOptimize(spec, pool).finally(() => pool.close());

    // worker 1 takes a job and never finishes it
    const victim = startWorker({ KD_OPT_HANG: '1' });
    await waitFor(victim, 'stderr', /worker ready/, 'worker 1');
    const runner = await redisRunner({ url, runId: 'itest1' });
    const gathered = new Map<string, number>();
    const done = runOptimize(spec, runner, { onProgress: (o) => gathered.set(o.key, (gathered.get(o.key) ?? 0) + 1) }).finally(() => runner.close());
    await until(() => marksOf(victim.pid).length === 1, 'worker 1 to start a job');
    const [, fast, slow] = marksOf(victim.pid)[0]!.split('-');

    // worker 2 starts working; then worker 1 dies mid-job
    const healthy = startWorker({});
    await until(() => marksOf(healthy.pid).length >= 1, 'worker 2 to start a job');
    const killed = new Promise((r) => victim.once('exit', (_c, sig) => r(sig)));
    victim.kill('SIGKILL');
    expect(await killed).toBe('SIGKILL');

    const report = await done;
    expect(report.ranked).toEqual(local.ranked);
    expect(report.run.runner).toBe('redis');
    // every point gathered exactly once, none from the dead worker
    expect(report.run.tasks).toBe(12);
    expect([...gathered.values()]).toEqual(Array(12).fill(1));
    expect(report.run.workers.map((w) => w.worker.split(':')[1])).toEqual([String(healthy.pid)]);
    // the dead worker's point was retried by the other one
    expect(marksOf(healthy.pid)).toContain(`${healthy.pid}-${fast}-${slow}`);
    expect(marksOf(victim.pid)).toHaveLength(1);
  });

  it('builtin:backtest: two workers holding the files give the pool’s ranked table, reading every input locally', async () => {
    const queue = 'kd-itest-backtest';
    const a = startWorker({}, queue);
    const b = startWorker({}, queue);
    const ready = readyAll(a, b);
    const local = await reference();
    await ready;

    const runner = await redisRunner({ url, queue, runId: 'itestbt', workers: 2 });
    const report = await runOptimize(backtestSpec({ config: config('data') }), runner).finally(() => runner.close());
    await stopWorkers(a, b);
    expect(report.ranked).toEqual(local.ranked);
    expect(report.ranked!.some((r) => (r.metrics['trades'] ?? 0) > 0)).toBe(true);
    expect(report.data).toEqual(local.data);
    expect((report.data as { inputs: unknown[] }).inputs).toHaveLength(3); // the config and two CSV files
    expect(report.run.tasks).toBe(6);
    expect(new Set(report.run.workers.map((w) => w.worker.split(':')[1]))).toEqual(new Set([String(a.pid), String(b.pid)]));
    // the files are where the run pinned them: read there, nothing downloaded
    for (const w of report.run.workers) expect(w.inputs).toEqual({ local: 3, cache: 0, fetched: 0 });
  });

  it('data shipped through Redis: the data folder deleted after upload, two fresh workers evaluate from the blobs with the pool’s table; a corrupted blob fails the job naming the mismatch', async () => {
    const local = await reference();
    cpSync(join(dir, 'data'), join(dir, 'shipped'), { recursive: true });
    const cfg = config('shipped');
    const queue = 'kd-itest-shipped';
    const run = await queueRun(backtestSpec({ config: cfg }), { queue, runId: 'itestship', workers: 2 });
    // as on machines that never had them: the folder and the config are gone before any worker starts
    rmSync(join(dir, 'shipped'), { recursive: true });
    rmSync(cfg);
    const a = startWorker({}, queue);
    const b = startWorker({}, queue);
    const report = await run.done;
    await stopWorkers(a, b);
    expect(report.ranked).toEqual(local.ranked);
    expect(report.run.tasks).toBe(6);
    expect(report.run.workers.length).toBeGreaterThanOrEqual(1);
    // each worker process fetched the three files once, and read them from its cache folder
    for (const w of report.run.workers) expect(w.inputs).toEqual({ local: 0, cache: 3, fetched: 3 });
    const inputs = (report.data as { inputs: { path: string; sha256: string }[] }).inputs;
    expect(run.logs.join('\n')).toMatch(/data shipped through Redis: \d file\(s\) uploaded/);

    // new content (another seed), so a blob of its own; corrupted in Redis once uploaded
    writeSimCandleCsvs(join(dir, 'corrupt'), { symbols: ['SIMA', 'SIMB'], from: '2022-03-01', to: '2022-03-31', seed: 12 });
    const cfg2 = config('corrupt');
    const queue2 = 'kd-itest-corrupt';
    const run2 = await queueRun(backtestSpec({ config: cfg2 }), { queue: queue2, runId: 'itestcorrupt' });
    const simb = readFileSync(join(dir, 'corrupt', 'SIMB.csv'));
    const sha = createHash('sha256').update(simb).digest('hex');
    expect(inputs.some((i) => i.sha256 === sha)).toBe(false);
    const r = new Redis(url);
    // the same size, one price changed: only the hash tells
    const lastDigit = simb.lastIndexOf(Buffer.from(','), simb.length - 2) - 1;
    const wrong = Buffer.from(simb);
    wrong[lastDigit] = wrong[lastDigit] === 0x31 ? 0x32 : 0x31;
    await r.set(blobKey(sha), gzipSync(wrong)).finally(() => r.disconnect());
    rmSync(join(dir, 'corrupt'), { recursive: true });
    const c = startWorker({}, queue2);
    await expect(run2.done).rejects.toThrow(
      `the blob kitedesk:blob:${sha} in Redis is corrupt: its content has sha256 ${createHash('sha256').update(wrong).digest('hex')}, not the pinned ${sha}; nothing was read`,
    );
    await expect(run2.done).rejects.toThrow(new RegExp(`job itestcorrupt-p\\d+ failed: input ${join(dir, 'corrupt', 'SIMB.csv')}: the blob`));
    await stopWorkers(c);
  });

  it('user strategy files: the local pool runs them (--strategies-dir) with the built-in’s table; a remote worker runs one only from its own --strategies-dir, by SHA-256', async () => {
    const local = await reference();
    const mine = join(dir, 'strategies');
    mkdirSync(mine, { mode: 0o700 });
    writeFileSync(join(mine, 'user_sma.mjs'), USER_SMA_SOURCE, { mode: 0o600 });
    const cfg = config('data', 'user_sma');
    const warnings: string[] = [];
    const strategies = await userStrategiesForOptimize(mine, cfg, (l) => warnings.push(l));
    expect(warnings).toEqual([]);
    const spec = backtestSpec({ config: cfg, strategies });

    const pool = poolRunner({ threads: 2 });
    const user = await runOptimize(spec, pool).finally(() => pool.close());
    expect(user.ranked).toEqual(local.ranked);
    const sha = createHash('sha256').update(USER_SMA_SOURCE).digest('hex');
    expect((user.data as { strategies: unknown }).strategies).toEqual([{ path: join(mine, 'user_sma.mjs'), type: 'user_sma', sha256: sha }]);
    expect((user.data as { inputs: { sha256: string }[] }).inputs.map((i) => i.sha256)).toContain(sha);

    // a worker without --strategies-dir, and one whose folder holds other content under the same name: refused
    const theirs = join(dir, 'worker-strategies-other');
    mkdirSync(theirs, { mode: 0o700 });
    writeFileSync(join(theirs, 'user_sma.mjs'), USER_SMA_SOURCE.replace('written', 'rewritten'), { mode: 0o600 });
    for (const [extra, why] of [
      [[], 'this worker was started without --strategies-dir'],
      [['--strategies-dir', theirs], `no file in ${theirs} has this content`],
    ] as const) {
      const queue = `kd-itest-refuse-${extra.length}`;
      const w = startWorker({}, queue, [...extra]);
      const runner = await redisRunner({ url, queue, runId: `itestrefuse${extra.length}` });
      const refused = runOptimize(spec, runner).finally(() => runner.close());
      await expect(refused).rejects.toThrow(
        `user strategy user_sma.mjs (type user_sma, sha256 ${sha}) is not allowed on this worker (`,
      );
      await expect(refused).rejects.toThrow(`${why}. Workers never run code that came through Redis; to allow it, put that exact file into a folder and start the worker with kitedesk worker --strategies-dir DIR`);
      await stopWorkers(w);
    }
    // the blobs carry the data, never the strategy file
    const r = new Redis(url);
    expect(await r.exists(blobKey(sha)).finally(() => r.disconnect())).toBe(0);

    // its own copy, same content under another name: runs it
    const own = join(dir, 'worker-strategies');
    mkdirSync(own, { mode: 0o700 });
    writeFileSync(join(own, 'sma-copy.mjs'), USER_SMA_SOURCE, { mode: 0o600 });
    const queue = 'kd-itest-user';
    const w = startWorker({}, queue, ['--strategies-dir', own]);
    const runner = await redisRunner({ url, queue, runId: 'itestuser' });
    const remote = await runOptimize(spec, runner).finally(() => runner.close());
    await stopWorkers(w);
    expect(remote.ranked).toEqual(local.ranked);
    expect(remote.run.workers.map((x) => x.worker.split(':')[1])).toEqual([String(w.pid)]);
  });
});
