import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOptimize, type OptimizeSpec } from '../../src-engine/optimize/optimize.js';
import { poolRunner } from '../../src-engine/optimize/pool.js';
import { pinData } from '../../src-engine/optimize/inputs.js';
import { redisRunner } from '../../src-engine/optimize/redis.js';
import { writeSimCandleCsvs } from '../../src-engine/optimize/sim-data.js';
import { parseParamArgs } from '../../src-engine/optimize/space.js';
import { externalInput } from '../support/external-inputs.js';

/**
 * `kitedesk worker --redis` × 2 against a real redis-server on loopback (started here, no persistence):
 * the optimiser queues a 12-point grid as BullMQ jobs; one worker takes a job and is SIGKILLed while
 * it runs; its job is retried by the other worker after the lock expires. The ranked table equals the
 * local worker pool's, and every point is counted once. Then the full backtester per point
 * (builtin:backtest) on two fresh workers: the same ranked table as the pool; and a worker that lacks a
 * file of the run (pinned by SHA-256) fails its job with an error naming the file, so no table is made.
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

  function startWorker(env: Record<string, string>, queue?: string): ChildProcess {
    const w = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-engine/host/cli.ts'), 'worker', '--redis', url, '--concurrency', '1', '--lock-ms', '2000', ...(queue ? ['--queue', queue] : [])], {
      cwd: root,
      env: { ...process.env, KD_OPT_MARKS: marks, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.push(w);
    return w;
  }
  const marksOf = (pid: number | undefined) => readdirSync(marks).filter((f) => f.startsWith(`${pid}-`));

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

  it('builtin:backtest: two workers give the pool’s ranked table; a worker lacking a pinned file fails the job, naming it', async () => {
    const queue = 'kd-itest-backtest';
    const a = startWorker({}, queue);
    const b = startWorker({}, queue);
    const ready = Promise.all([waitFor(a, 'stderr', /worker ready/, 'worker a'), waitFor(b, 'stderr', /worker ready/, 'worker b')]);
    const config = (dataDir: string) => {
      const file = join(dir, `${dataDir}.yaml`);
      writeFileSync(
        file,
        [
          'strategies:',
          '  - { id: sma, type: sma_crossover, params: { fast: 10, slow: 30 }, timeframe: 1m, symbols: [SIMA, SIMB] }',
          'trading: { product: CNC, charges: false, sizing: { default: { mode: fixed_qty, qty: 1 } }, paper: { slippage: { ticks: 0 } }, risk: { maxTradesPerSymbolPerDay: 100000 } }',
          `backtest: { data: [{ path: ${JSON.stringify(join(dir, dataDir))} }], exits: none, to: 2022-03-31 }`,
          '',
        ].join('\n'),
      );
      return file;
    };
    const spec: OptimizeSpec = {
      evaluator: { module: 'builtin', export: 'backtest' },
      data: { config: config('data') },
      space: parseParamArgs(['fast=5:15:5', 'slow=30,60']),
      search: { kind: 'grid' },
      metric: 'sharpe',
    };
    const pool = poolRunner({ threads: 2 });
    const local = await runOptimize(spec, pool).finally(() => pool.close());
    await ready;

    const runner = await redisRunner({ url, queue, runId: 'itestbt', workers: 2 });
    const report = await runOptimize(spec, runner).finally(() => runner.close());
    expect(report.ranked).toEqual(local.ranked);
    expect(report.ranked!.some((r) => (r.metrics['trades'] ?? 0) > 0)).toBe(true);
    expect(report.data).toEqual(local.data);
    expect((report.data as { inputs: unknown[] }).inputs).toHaveLength(3); // the config and two CSV files
    expect(report.run.tasks).toBe(6);
    expect(new Set(report.run.workers.map((w) => w.worker.split(':')[1]))).toEqual(new Set([String(a.pid), String(b.pid)]));

    // a run pinned here, whose file the workers do not have (deleted after pinning: as on another machine without it)
    cpSync(join(dir, 'data'), join(dir, 'data2'), { recursive: true });
    const pinned = pinData(spec.evaluator, { config: config('data2') });
    rmSync(join(dir, 'data2', 'SIMB.csv'));
    const runner2 = await redisRunner({ url, queue, runId: 'itestbtmissing' });
    const failed = runOptimize({ ...spec, data: pinned }, runner2).finally(() => runner2.close());
    await expect(failed).rejects.toThrow(new RegExp(`job itestbtmissing-p\\d+ failed: task p\\d+: input ${join(dir, 'data2', 'SIMB.csv')} is not readable on this worker \\(.+: ENOENT\\)`));
  });
});
