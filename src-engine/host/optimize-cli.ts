/**
 * `kitedesk optimize` and `kitedesk worker` (issue 13, optimisation): grid or random search, optional
 * walk-forward, on a local worker pool or on BullMQ workers over Redis. Writes DIR/optimize.json and
 * DIR/optimize.html, prints the ranked table (or the walk-forward gap table) and the wall time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseBacktestConfig } from '../backtest/backtest.js';
import { loadCliStrategies, loadKiteForCli } from '../backtest/cli.js';
import { writeKiteCsvs } from '../backtest/kite-source.js';
import { defaultDataDir } from './paths.js';
import { formatEvaluatorRef, parseEvaluatorRef, type EvaluatorRef } from '../optimize/evaluator.js';
import { runOptimize, type OptimizeReport, type OptimizeSpec } from '../optimize/optimize.js';
import { poolRunner, serialRunner, type Runner } from '../optimize/pool.js';
import { DEFAULT_MAX_BLOB_BYTES, defaultCacheDir } from '../optimize/blobs.js';
import { DEFAULT_LOCK_MS, DEFAULT_QUEUE, checkRedisUrl, redactRedisUrl, redisRunner, startRedisWorker } from '../optimize/redis.js';
import { parseParamArgs, type ParamSpace } from '../optimize/space.js';
import { parseSpan, type WalkForwardMode } from '../optimize/walk-forward.js';
import type { RankedRow } from '../optimize/rank.js';

/** The evaluator `optimize` uses unless --evaluator names another. */
export const DEFAULT_EVALUATOR = 'builtin:backtest';

const wholeAtLeast = (min: number, what: string) => (v: string) => {
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${what}: expected a whole number ≥ ${min}`);
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(4);
  return String(v);
}

const EXTRA = ['netReturn', 'maxDrawdown', 'trades'];

/** Plain-text table of the first `top` rows. */
export function rankedTable(rows: readonly RankedRow[], space: ParamSpace, metric: string, top: number): string {
  const extras = EXTRA.filter((m) => m !== metric);
  const head = ['rank', ...space.map((p) => p.name), metric, ...extras];
  const body = rows.slice(0, top).map((r) => [String(r.rank), ...space.map((p) => fmt(r.params[p.name])), fmt(r.value), ...extras.map((m) => fmt(r.metrics[m]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

const day = (ms: number) => new Date(ms + 19_800_000).toISOString().slice(0, 10);

export function gapTable(report: OptimizeReport): string {
  const wf = report.walkForward!;
  const head = ['window', 'in-sample', 'out-of-sample', 'chosen', `IS ${report.metric}`, `OOS ${report.metric}`, 'gap'];
  const body = wf.windows.map((w) => [
    String(w.window.index),
    `${day(w.window.inSample.from)}..${day(w.window.inSample.to - 1)}`,
    `${day(w.window.outOfSample.from)}..${day(w.window.outOfSample.to - 1)}`,
    w.chosen ? Object.entries(w.chosen.params).map(([k, v]) => `${k}=${v}`).join(' ') : '—',
    fmt(w.inSampleValue),
    fmt(w.outOfSampleValue),
    fmt(w.gap),
  ]);
  body.push(['mean', '', '', '', fmt(wf.summary.meanInSample), fmt(wf.summary.meanOutOfSample), fmt(wf.summary.meanGap)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body].map((cells) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** One self-contained page: the inputs, the ranked or gap table, the run's figures. */
export function reportHtml(report: OptimizeReport, top = 200): string {
  const table = (text: string) => {
    const [h, ...rows] = text.split('\n');
    const cells = (l: string) => l.trim().split(/\s{2,}/);
    return `<table><thead><tr>${cells(h!).map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${cells(r).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  };
  const main = report.walkForward ? table(gapTable(report)) : table(rankedTable(report.ranked ?? [], report.space, report.metric, top));
  const curve = report.walkForward ? equitySvg(report.walkForward.oosEquity) : '';
  const r = report.run;
  return `<!doctype html><html><head><meta charset="utf-8"><title>KiteDesk optimisation</title><style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}code{background:#f6f6f6;padding:1px 4px}
</style></head><body><h1>Optimisation</h1>
<p>Evaluator <code>${esc(formatEvaluatorRef(report.evaluator))}</code>, ${report.search.kind === 'grid' ? 'grid' : `random (${report.search.count}, seed ${report.search.seed})`}, ${report.points} points, ranked by <code>${esc(report.metric)}</code> (${report.direction === 'max' ? 'higher is better' : 'lower is better'})${report.walkForward ? `, walk-forward ${report.walkForward.mode}` : ''}.</p>
${main}
${curve ? `<h2>Out-of-sample equity, windows chained</h2>${curve}` : ''}
<p>${r.tasks} evaluations on ${r.runner}${r.parallelism ? ` (${r.parallelism} at once)` : ''} in ${(r.wallMs / 1000).toFixed(2)} s.</p>
</body></html>\n`;
}

/** The stitched out-of-sample equity as an inline SVG line (no script, no requests); '' without points. */
export function equitySvg(points: readonly { ts: number; valuePaise: number }[], w = 720, h = 200): string {
  if (points.length < 2) return '';
  const t0 = points[0]!.ts;
  const t1 = points.at(-1)!.ts;
  const vs = points.map((p) => p.valuePaise);
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  const x = (t: number) => (t1 > t0 ? ((t - t0) / (t1 - t0)) * (w - 2) + 1 : 1);
  const y = (v: number) => (hi > lo ? h - 1 - ((v - lo) / (hi - lo)) * (h - 2) : h / 2);
  const pts = points.map((p) => `${x(p.ts).toFixed(1)},${y(p.valuePaise).toFixed(1)}`).join(' ');
  const rupees = (v: number) => `₹${(v / 100).toLocaleString('en-IN', { maximumFractionDigits: 0 })}`;
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="out-of-sample equity from ${rupees(vs[0]!)} to ${rupees(vs.at(-1)!)}"><rect width="${w}" height="${h}" fill="#fafafa" stroke="#ddd"/><polyline fill="none" stroke="#2962ff" stroke-width="1.5" points="${pts}"/></svg><p>${day(t0)} ${rupees(vs[0]!)} → ${day(t1)} ${rupees(vs.at(-1)!)} (low ${rupees(lo)}, high ${rupees(hi)})</p>`;
}

interface OptimizeOpts {
  config?: string;
  data?: string[];
  evaluator: string;
  param: string[];
  random?: number;
  seed: number;
  metric: string;
  direction?: 'max' | 'min';
  walkForward?: WalkForwardMode;
  is?: string;
  oos?: string;
  redis?: string;
  queue: string;
  runId?: string;
  threads?: number;
  out: string;
  top: number;
  kite?: string[];
  from?: string;
  to?: string;
  dataDir: string;
  strategiesDir?: string;
  maxBlobMb: number;
}

/**
 * `optimize --strategies-dir DIR`: the user strategy files of DIR, loaded as `kitedesk backtest --strategies-dir`
 * does (no approval asked; files writable by group/others refused), those defining a type the config uses
 * added to the data as `strategies` (pinned by SHA-256 with the other inputs).
 */
export async function userStrategiesForOptimize(dir: string, config: string, warn: (line: string) => void): Promise<{ path: string; type: string; sha256?: string }[]> {
  const user = await loadCliStrategies(dir, warn);
  const cfg = parseBacktestConfig(readFileSync(config, 'utf8'), config);
  const used = new Set([...cfg.profile.strategies, ...(cfg.profile.fno?.strategies ?? [])].map((s) => s.type));
  const files = user.loaded.filter((l) => used.has(l.type)).map((l) => ({ path: l.file, type: l.type, ...(l.sha256 !== undefined ? { sha256: l.sha256 } : {}) }));
  if (files.length === 0) warn(`--strategies-dir ${dir}: no file there defines a strategy type the config uses (${[...used].join(', ')})`);
  return files;
}

export function specFromOptions(o: OptimizeOpts): OptimizeSpec {
  const ref = parseEvaluatorRef(o.evaluator);
  // absolute: worker threads and --redis workers load it by this path
  const evaluator: EvaluatorRef = ref.module === 'builtin' || /^(file|data|node):/.test(ref.module) ? ref : { ...ref, module: resolve(ref.module) };
  const space = parseParamArgs(o.param);
  if (o.walkForward && (o.is === undefined || o.oos === undefined)) throw new InvalidArgumentError('--walk-forward needs --is and --oos (e.g. --is 120d --oos 30d)');
  if (!o.walkForward && (o.is !== undefined || o.oos !== undefined)) throw new InvalidArgumentError('--is/--oos need --walk-forward rolling|anchored');
  if (evaluator.module === 'builtin' && evaluator.export === 'backtest' && o.config === undefined) {
    throw new InvalidArgumentError('the backtest evaluator needs --config FILE (a backtest config); or use --evaluator builtin:sma --data PATH');
  }
  if (o.kite?.length && o.data?.length) throw new InvalidArgumentError('--kite cannot be combined with --data');
  if (!o.kite?.length && (o.from !== undefined || o.to !== undefined)) throw new InvalidArgumentError('--from/--to go with --kite (a backtest config has its own backtest.from/to)');
  if (o.config === undefined && !o.data?.length && !o.kite?.length) throw new InvalidArgumentError('give --config FILE and/or --data PATH (or --kite SYMBOL)');
  // paths absolute: the data reference travels to worker threads and, with --redis, to other machines (runOptimize pins them by SHA-256)
  const data = { ...(o.config !== undefined ? { config: resolve(o.config) } : {}), ...(o.data?.length ? { files: o.data.map((d) => resolve(d)) } : {}) };
  return {
    evaluator,
    data,
    space,
    search: o.random !== undefined ? { kind: 'random', count: o.random, seed: o.seed } : { kind: 'grid' },
    metric: o.metric,
    ...(o.direction ? { direction: o.direction } : {}),
    ...(o.walkForward ? { walkForward: { mode: o.walkForward, inSampleMs: parseSpan(o.is!, '--is'), outOfSampleMs: parseSpan(o.oos!, '--oos') } } : {}),
  };
}

export function addOptimizeCommands(program: Command): void {
  program
    .command('optimize')
    .description('grid or random search over strategy parameters, ranked by a metric, on all cores or on BullMQ workers (--redis); optional walk-forward')
    .option('-c, --config <file>', 'the backtest config the evaluator runs (passed to it as data.config)')
    .option('--data <path>', 'candle CSV file or folder (repeatable), passed to the evaluator as data.files', collect)
    .option('--evaluator <ref>', 'builtin:<name> or <module path>#<export> (an object with evaluate(params, data, opts))', DEFAULT_EVALUATOR)
    .requiredOption('--param <spec>', 'a parameter: name=from:to:step, name=from:to (--random only) or name=a,b,c (repeatable)', collect)
    .addOption(new Option('--random <n>', 'random search: n points drawn with --seed instead of the full grid').argParser(wholeAtLeast(1, '--random')))
    .addOption(new Option('--seed <n>', 'seed of --random').argParser(wholeAtLeast(0, '--seed')).default(1))
    .option('--metric <name>', 'rank by this metric (sharpe, sortino, netReturn, cagr, calmar, profitFactor, maxDrawdown…)', 'sharpe')
    .addOption(new Option('--direction <d>', 'max or min (default: min for drawdowns and charges, else max)').choices(['max', 'min']))
    .addOption(new Option('--walk-forward <mode>', 'choose in-sample, measure out-of-sample, window by window').choices(['rolling', 'anchored']))
    .option('--is <span>', 'in-sample length, e.g. 120d or 16w')
    .option('--oos <span>', 'out-of-sample length (and the step between windows), e.g. 30d')
    .option('--redis <url>', 'queue the evaluations on BullMQ at this Redis (redis://host:port) for `kitedesk worker`s and gather the results')
    .option('--queue <name>', 'BullMQ queue name', DEFAULT_QUEUE)
    .option('--run-id <id>', 'with --redis: job ids are <id>-<task>; repeat an id to gather a run already queued')
    .addOption(new Option('--max-blob-mb <n>', 'with --redis: the largest input file shipped to the workers through Redis, MiB').argParser(wholeAtLeast(1, '--max-blob-mb')).default(DEFAULT_MAX_BLOB_BYTES / 1024 / 1024))
    .option('--strategies-dir <dir>', "builtin:backtest: load the user strategy files of this folder for the config's instances of their types (as `kitedesk backtest --strategies-dir`: no approval asked, files writable by others refused); --redis workers run them only from their own --strategies-dir")
    .option('--kite <[EXCHANGE:]SYMBOL[:INTERVAL]>', "Kite historical candles instead of --data (repeatable; as `kitedesk backtest --kite`): fetched once here, through the cache, and handed to the evaluator as CSV files in OUT/kite-data", collect)
    .option('--from <YYYY-MM-DD>', 'with --kite: first IST day (default: the config\'s backtest.from)')
    .option('--to <YYYY-MM-DD>', 'with --kite: last IST day (default: the config\'s backtest.to)')
    .option('-d, --data-dir <dir>', 'with --kite: the data dir whose Kite cache is used and filled', defaultDataDir())
    .addOption(new Option('--threads <n>', 'local worker threads (default: one per core; 0 = this thread, serially)').argParser(wholeAtLeast(0, '--threads')))
    .requiredOption('-o, --out <dir>', 'where optimize.json and optimize.html go')
    .addOption(new Option('--top <n>', 'rows of the ranked table printed').argParser(wholeAtLeast(1, '--top')).default(20))
    .addHelpText('after', `\nThe built-in evaluators' data are pinned before the run: folders expanded to their files, paths made absolute, the SHA-256 of the config and
of every file recorded in optimize.json (data.inputs). Every worker checks them before it evaluates. With --redis the files (not user strategy
files) are uploaded once, gzipped, by content (kitedesk:blob:<sha256>, kept 7 days after their last use); a worker that lacks a file or has a
different one fetches it into its --cache-dir and checks its SHA-256. User strategy files (--strategies-dir) never travel: a worker runs one only
when its own --strategies-dir holds a file with that exact SHA-256.\nBuilt-in evaluators: builtin:backtest (default: the backtester on --config, each param set on the profile's strategies; name.param targets the instance with that id; --data replaces backtest.data),
builtin:sma (a plain long-only SMA crossover on --data files; params fast, slow).\n`)
    .action(async (o: OptimizeOpts) => {
      let spec = specFromOptions(o);
      if (o.kite?.length) {
        for (const [flag, v] of [['--from', o.from], ['--to', o.to]] as const) if (v !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new InvalidArgumentError(`${flag}: expected YYYY-MM-DD (IST)`);
        const loaded = await loadKiteForCli(
          { kite: o.kite, ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}), ...(o.config !== undefined ? { config: o.config } : {}), dataDir: o.dataDir, out: o.out },
          (l) => process.stderr.write(`kitedesk: ${l}\n`),
        );
        // the workers read files (by path and SHA-256): the candles as Kite candle CSVs next to the report
        const files = writeKiteCsvs(loaded.data, join(resolve(o.out), 'kite-data'));
        spec = { ...spec, data: { ...(spec.data as object), files, kite: loaded.kite } };
      }
      if (o.strategiesDir !== undefined) {
        if (spec.evaluator.module !== 'builtin' || spec.evaluator.export !== 'backtest') throw new InvalidArgumentError('--strategies-dir goes with the backtest evaluator (builtin:backtest)');
        const strategies = await userStrategiesForOptimize(resolve(o.strategiesDir), resolve(o.config!), (l) => process.stderr.write(`kitedesk: warning: ${l}\n`));
        spec = { ...spec, data: { ...(spec.data as object), strategies } };
      }
      if (o.redis !== undefined) checkRedisUrl(o.redis);
      const runner: Runner =
        o.redis !== undefined
          ? await redisRunner({ url: o.redis, queue: o.queue, maxBlobBytes: o.maxBlobMb * 1024 * 1024, log: (l) => process.stderr.write(`kitedesk: ${l}\n`), ...(o.runId ? { runId: o.runId } : {}) })
          : o.threads === 0
            ? serialRunner()
            : poolRunner(o.threads !== undefined ? { threads: o.threads } : {});
      if (o.redis !== undefined) process.stderr.write(`kitedesk: queueing on ${redactRedisUrl(o.redis)} (queue ${o.queue}, run ${(runner as { runId?: string }).runId}); start workers with: kitedesk worker --redis URL\n`);
      const bar = new cliProgress.SingleBar({ format: 'optimize [{bar}] {value}/{total} evaluations  ETA {eta_formatted}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
      let report: OptimizeReport;
      try {
        report = await runOptimize(spec, runner, { onStart: (n) => bar.start(n, 0), onProgress: (_o, done) => bar.update(done) });
      } finally {
        bar.stop();
        await runner.close();
      }
      const out = resolve(o.out);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'optimize.json'), JSON.stringify(report, null, 2) + '\n');
      writeFileSync(join(out, 'optimize.html'), reportHtml(report));
      process.stdout.write(`${report.walkForward ? gapTable(report) : rankedTable(report.ranked!, report.space, report.metric, o.top)}\n`);
      const r = report.run;
      const busy = r.workers.map((w) => `${w.worker} ${w.tasks} tasks, evaluating ${((w.busyMs / r.wallMs) * 100).toFixed(0)}%${w.cpuMs !== undefined ? `, on a CPU ${((w.cpuMs / r.wallMs) * 100).toFixed(0)}%` : ''} of the wall time${w.inputs ? `, inputs: ${w.inputs.local} read locally, ${w.inputs.cache} shipped (${w.inputs.fetched} fetched)` : ''}`).join('; ');
      process.stdout.write(
        `wall time ${(r.wallMs / 1000).toFixed(2)} s for ${r.tasks} evaluations on ${r.runner}${r.parallelism ? ` (${r.parallelism} at once)` : ''}; ` +
          `CPU ${(r.cpuMs / 1000).toFixed(2)} s here (${(r.cpuMs / r.wallMs).toFixed(2)} cores)\n  workers: ${busy}\n`,
      );
      process.stderr.write(`kitedesk: report → ${join(out, 'optimize.json')}, ${join(out, 'optimize.html')}\n`);
    });

  program
    .command('worker')
    .description('take optimisation jobs from BullMQ at --redis and run them on this machine (any number of machines may run one)')
    .requiredOption('--redis <url>', 'the Redis the optimiser queues on (redis://host:port)')
    .option('--queue <name>', 'BullMQ queue name', DEFAULT_QUEUE)
    .addOption(new Option('--concurrency <n>', 'jobs at once, one worker thread each (default: one per core)').argParser(wholeAtLeast(1, '--concurrency')))
    .addOption(
      new Option('--lock-ms <ms>', "job lock: a dead worker's job is retried elsewhere this long after it stopped renewing (all workers should agree)")
        .argParser(wholeAtLeast(500, '--lock-ms'))
        .default(DEFAULT_LOCK_MS),
    )
    .option('--cache-dir <dir>', 'where input files shipped through Redis are kept (by SHA-256)', defaultCacheDir())
    .option('--strategies-dir <dir>', 'the user strategy files this worker may run: a job naming one runs only if a file here has its exact SHA-256 (code never comes through Redis)')
    .action(async (o: { redis: string; queue: string; concurrency?: number; lockMs: number; cacheDir: string; strategiesDir?: string }) => {
      const log = (l: string) => process.stderr.write(`kitedesk worker: ${l}\n`);
      const w = await startRedisWorker({
        url: checkRedisUrl(o.redis),
        queue: o.queue,
        lockMs: o.lockMs,
        log,
        cacheDir: resolve(o.cacheDir),
        ...(o.strategiesDir !== undefined ? { strategiesDir: resolve(o.strategiesDir) } : {}),
        ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
      });
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        log(`stopping after ${w.completed} jobs`);
        void w.close().then(() => process.exit(0));
        setTimeout(() => process.exit(0), 10_000).unref();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
