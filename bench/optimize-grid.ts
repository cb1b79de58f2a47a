/**
 * The optimisation "done when" (issue 13): a 50-point grid (fast 5..25 step 5 × slow 30..120 step 10)
 * over 1-minute bars of 10 symbols — the two real index series in ../shared/data/nse/intraday_1min/
 * (NIFTY, BANKNIFTY, Feb 2022–Jan 2023) plus 8 simulator-generated ones over the same dates — on the
 * local worker pool (one thread per core), next to the same grid serially in this thread (the
 * baseline); prints wall times, the CPU cores used and each worker's busy share. With --redis it also
 * starts a redis-server on loopback and two `kitedesk worker` processes, runs the grid through BullMQ
 * and says whether the ranked table is the pool's.
 *
 *   node --import tsx bench/optimize-grid.ts [--evaluator sma|backtest] [--months 12] [--redis] [--no-serial]
 *
 * sma = the plain crossover evaluator (builtin:sma); backtest = the full backtester per point
 * (builtin:backtest; ~2.5 CPU s a point over 12 months, so minutes: --months 1 for a quick look). Figures are printed, never asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runOptimize, type OptimizeReport, type OptimizeSpec } from '../src-engine/optimize/optimize.js';
import { poolRunner, serialRunner } from '../src-engine/optimize/pool.js';
import { redisRunner } from '../src-engine/optimize/redis.js';
import { writeSimCandleCsvs } from '../src-engine/optimize/sim-data.js';
import { parseParamArgs } from '../src-engine/optimize/space.js';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (f: string) => args.includes(f);
const value = (f: string, d: string) => (args.includes(f) ? args[args.indexOf(f) + 1]! : d);
const evaluatorName = value('--evaluator', 'sma');
const months = Number(value('--months', '12'));
if (!['sma', 'backtest'].includes(evaluatorName) || !(months >= 1 && months <= 12)) throw new Error('usage: --evaluator sma|backtest --months 1..12');

const FIRST = '2022-02-01';
const lastDay = (() => {
  const d = new Date(Date.UTC(2022, 1 + months, 0));
  return d.toISOString().slice(0, 10);
})();

/** Data in Kite candle format (bar start times), cached under the temp dir between runs. */
function prepareData(): { dir: string; symbols: string[]; real: boolean } {
  const dir = join(tmpdir(), `kitedesk-optgrid-${FIRST}-${lastDay}`);
  mkdirSync(dir, { recursive: true });
  const realDir = resolve(root, '../shared/data/nse/intraday_1min/nifty_banknifty_index_2022-02_2023-01');
  const real = existsSync(realDir);
  const sim = Array.from({ length: real ? 8 : 10 }, (_, i) => `SIM${String(i + 1).padStart(2, '0')}`);
  if (!sim.every((s) => existsSync(join(dir, `${s}.csv`)))) writeSimCandleCsvs(dir, { symbols: sim, from: FIRST, to: lastDay, seed: 2026 });
  const symbols = [...sim];
  if (real) {
    // the vendor files label a bar by its END (09:16 = 09:15–09:16): written here as Kite rows labelled by the start, session bars only
    for (const sym of ['NIFTY', 'BANKNIFTY']) {
      symbols.push(sym);
      const out = join(dir, `${sym}.csv`);
      if (existsSync(out)) continue;
      const lines = ['datetime,open,high,low,close,volume'];
      for (const f of readdirSync(realDir).filter((f) => f.startsWith(`${sym}_`)).sort()) {
        for (const row of readFileSync(join(realDir, f), 'utf8').split('\n').slice(1)) {
          const c = row.split(',');
          if (c.length < 7) continue;
          const d = `${c[1]!.slice(0, 4)}-${c[1]!.slice(4, 6)}-${c[1]!.slice(6, 8)}`;
          if (d > lastDay) continue;
          const end = Date.parse(`${d}T${c[2]}:00+05:30`) - 60_000;
          const ist = new Date(end + 19_800_000).toISOString();
          const hm = ist.slice(11, 16);
          if (hm < '09:15' || hm > '15:29') continue;
          lines.push(`${ist.slice(0, 10)} ${hm}:00,${c[3]},${c[4]},${c[5]},${c[6]},${c[7]}`);
        }
      }
      writeFileSync(out, lines.join('\n') + '\n');
    }
  }
  return { dir, symbols, real };
}

function backtestConfig(dir: string, symbols: string[]): string {
  const file = join(dir, 'backtest.yaml');
  writeFileSync(
    file,
    [
      'strategies:',
      '  - { id: sma, type: sma_crossover, params: { fast: 10, slow: 30 }, timeframe: 1m, symbols: [' + symbols.join(', ') + '] }',
      'trading:',
      '  product: CNC',
      '  charges: false',
      '  sizing: { default: { mode: fixed_qty, qty: 1 } }',
      '  paper: { slippage: { ticks: 0 } }',
      '  risk: { maxTradesPerSymbolPerDay: 100000 }',
      'backtest:',
      `  data: [${symbols.map((s) => `{ path: ${JSON.stringify(join(dir, `${s}.csv`))} }`).join(', ')}]`,
      '  exits: none',
      '',
    ].join('\n'),
  );
  return file;
}

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

function waitFor(p: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp): Promise<void> {
  return new Promise((res, rej) => {
    let text = '';
    p[stream]!.on('data', (d: Buffer) => {
      text += String(d);
      if (re.test(text)) res();
    });
    p.once('exit', (c) => rej(new Error(`exited ${c} before ${re}: ${text}`)));
  });
}

const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
function describe(label: string, r: OptimizeReport): void {
  const run = r.run;
  console.log(`  ${label.padEnd(34)} wall ${s2(run.wallMs).padStart(9)}   CPU of this process ${(run.cpuMs / run.wallMs).toFixed(2)} cores`);
  for (const w of run.workers) {
    const cpu = w.cpuMs !== undefined ? `, its thread on a CPU ${s2(w.cpuMs)} = ${(w.cpuMs / run.wallMs).toFixed(2)} of a core` : '';
    console.log(`      ${w.worker.padEnd(28)} ${String(w.tasks).padStart(3)} points, evaluating ${((w.busyMs / run.wallMs) * 100).toFixed(0)} % of the wall time${cpu}`);
  }
  const cpuSum = run.workers.reduce((a, w) => a + (w.cpuMs ?? 0), 0);
  if (run.workers.every((w) => w.cpuMs !== undefined)) console.log(`      workers together: ${(cpuSum / run.wallMs).toFixed(2)} cores busy on average`);
}
const table = (r: OptimizeReport) => JSON.stringify(r.ranked!.map((x) => [x.rank, x.index, x.value]));

const data = prepareData();
const bars = data.symbols.reduce((n, s) => n + readFileSync(join(data.dir, `${s}.csv`), 'utf8').split('\n').length - 2, 0);
const spec: OptimizeSpec = {
  evaluator: { module: 'builtin', export: evaluatorName },
  data: evaluatorName === 'sma' ? { files: data.symbols.map((s) => join(data.dir, `${s}.csv`)) } : { config: backtestConfig(data.dir, data.symbols) },
  space: parseParamArgs(['fast=5:25:5', 'slow=30:120:10']),
  search: { kind: 'grid' },
  metric: 'sharpe',
};
console.log(
  `\nOptimisation grid: 50 points × ${data.symbols.length} symbols (${data.symbols.join(' ')}; ${data.real ? 'NIFTY, BANKNIFTY real' : 'no ../shared data: all generated'}), ` +
    `1-minute bars ${FIRST}..${lastDay}, ${(bars / 1e6).toFixed(2)} M bars per point; evaluator builtin:${evaluatorName}; ${availableParallelism()} cores, ` +
    `load average ${loadavg()[0]!.toFixed(1)} (other processes compete for them)`,
);

let serial: OptimizeReport | undefined;
if (!flag('--no-serial')) {
  serial = await runOptimize(spec, serialRunner());
  describe('baseline: serial, this thread', serial);
}
const pool = poolRunner();
const pooled = await runOptimize(spec, pool).finally(() => pool.close());
describe(`worker pool (piscina, ${pool.parallelism} threads)`, pooled);
const busy = pooled.run.workers.filter((w) => (w.cpuMs ?? w.busyMs) / pooled.run.wallMs > 0.5).length;
console.log(
  `  → ${s2(pooled.run.wallMs)} wall for the grid; ${busy} of ${pool.parallelism} workers on a CPU more than half the time` +
    (serial ? `; ${(serial.run.wallMs / pooled.run.wallMs).toFixed(2)}× the serial run; same ranked table: ${table(serial) === table(pooled) ? 'yes' : 'NO'}` : ''),
);
const top = pooled.ranked![0]!;
console.log(`  best: ${JSON.stringify(top.params)} sharpe ${top.value?.toFixed(3)}`);

if (flag('--redis')) {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = `redis://127.0.0.1:${port}`;
  const workers: ChildProcess[] = [];
  try {
    await waitFor(redis, 'stdout', /Ready to accept connections/);
    for (let i = 0; i < 2; i++) {
      const w = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-engine/host/cli.ts'), 'worker', '--redis', url, '--concurrency', '1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      workers.push(w);
      await waitFor(w, 'stderr', /worker ready/);
    }
    const runner = await redisRunner({ url, workers: 2 });
    const viaRedis = await runOptimize(spec, runner).finally(() => runner.close());
    describe('BullMQ, 2 kitedesk worker processes', viaRedis);
    console.log(`  → ${s2(viaRedis.run.wallMs)} wall; same ranked table as the pool: ${table(viaRedis) === table(pooled) ? 'yes' : 'NO'}`);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    redis.kill('SIGTERM');
  }
}
