/**
 * An optimisation run: the points of a grid or a seeded random sample, each evaluated by a Runner
 * (this thread, a worker pool, or BullMQ workers), ranked by one metric; or a walk-forward, where for
 * each window the best in-sample point is measured out of sample. The report is JSON; everything in
 * it but `run` (timings, workers) depends only on the inputs. The built-in evaluators' data are pinned
 * first (inputs.ts): files by absolute path and SHA-256, which every worker checks before it evaluates.
 */
import { loadEvaluator, type EvalWindow, type EvaluatorRef, type MetricValue } from './evaluator.js';
import type { OnTaskDone, Runner } from './pool.js';
import { pinData } from './inputs.js';
import { best, defaultDirection, rankResults, type Direction, type PointResult, type RankedRow } from './rank.js';
import { gridPoints, randomPoints, type ParamSpace, type Point } from './space.js';
import { BUILTIN_EVALUATORS, type EvalTask, type TaskOutcome } from './tasks.js';
import { gapOf, stitchEquity, summariseGaps, walkForwardWindows, type GapSummary, type WalkForwardMode, type WindowOutcome } from './walk-forward.js';

export type Search = { kind: 'grid' } | { kind: 'random'; count: number; seed: number };

export interface OptimizeSpec {
  evaluator: EvaluatorRef;
  data: unknown;
  space: ParamSpace;
  search: Search;
  metric: string;
  direction?: Direction;
  walkForward?: { mode: WalkForwardMode; inSampleMs: number; outOfSampleMs: number };
}

export interface RunStats {
  runner: Runner['kind'];
  parallelism: number;
  tasks: number;
  wallMs: number;
  /** CPU time of this process (user + system) over the run; a pool's threads count here. */
  cpuMs: number;
  /**
   * Per worker (host:pid:thread): tasks run, the wall time spent evaluating and its thread's CPU time in
   * it (Linux); on `kitedesk worker`s, `inputs`: per job, how many pinned inputs it read at their own path
   * (`local`) or from its cache of shipped files (`cache`), and in all how many blobs it `fetched` from Redis.
   */
  workers: WorkerStats[];
}

export interface WorkerStats {
  worker: string;
  tasks: number;
  busyMs: number;
  cpuMs?: number;
  inputs?: { local: number; cache: number; fetched: number };
}

export interface OptimizeReport {
  evaluator: EvaluatorRef;
  data: unknown;
  space: ParamSpace;
  search: Search;
  metric: string;
  direction: Direction;
  points: number;
  /** Whole-period ranking (absent for walk-forward). */
  ranked?: RankedRow[];
  walkForward?: {
    mode: WalkForwardMode;
    inSampleMs: number;
    outOfSampleMs: number;
    windows: WindowOutcome[];
    summary: GapSummary;
    /** The chosen points' out-of-sample equity, chained window after window. */
    oosEquity: { ts: number; valuePaise: number }[];
  };
  run: RunStats;
}

export interface OptimizeHooks {
  onProgress?: OnTaskDone;
  /** Called once the task count is known (progress bars). */
  onStart?: (tasks: number) => void;
}

export function pointsOf(spec: Pick<OptimizeSpec, 'space' | 'search'>): Point[] {
  return spec.search.kind === 'grid' ? gridPoints(spec.space) : randomPoints(spec.space, spec.search.count, spec.search.seed);
}

function toResults(points: readonly Point[], outcomes: ReadonlyMap<string, TaskOutcome>, key: (p: Point) => string): PointResult[] {
  return points.map((p) => ({ index: p.index, params: p.params, metrics: outcomes.get(key(p))!.result.metrics }));
}

export async function runOptimize(spec: OptimizeSpec, runner: Runner, hooks: OptimizeHooks = {}): Promise<OptimizeReport> {
  const direction = spec.direction ?? defaultDirection(spec.metric);
  const points = pointsOf(spec);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const data = pinData(spec.evaluator, spec.data);
  const all: TaskOutcome[] = [];
  const task = (key: string, p: Point, extra: { window?: EvalWindow; equity?: boolean } = {}): EvalTask => ({ key, evaluator: spec.evaluator, params: p.params, data, ...extra });
  const base: Omit<OptimizeReport, 'run'> = { evaluator: spec.evaluator, data, space: spec.space, search: spec.search, metric: spec.metric, direction, points: points.length };
  let body: Omit<OptimizeReport, 'run'>;

  if (!spec.walkForward) {
    const tasks = points.map((p) => task(`p${p.index}`, p));
    hooks.onStart?.(tasks.length);
    const outcomes = await runner.run(tasks, hooks.onProgress);
    all.push(...outcomes);
    const byKey = new Map(outcomes.map((o) => [o.key, o]));
    body = { ...base, ranked: rankResults(toResults(points, byKey, (p) => `p${p.index}`), spec.metric, direction) };
  } else {
    const wf = spec.walkForward;
    const ev = await loadEvaluator(spec.evaluator, BUILTIN_EVALUATORS);
    if (!ev.range) throw new Error(`evaluator ${spec.evaluator.module}#${spec.evaluator.export} cannot tell its data's time range (no range()): walk-forward needs it`);
    const windows = walkForwardWindows(await ev.range(data), wf.mode, wf.inSampleMs, wf.outOfSampleMs);
    const isKey = (w: number) => (p: Point) => `w${w}-is-p${p.index}`;
    const isTasks = windows.flatMap((w) => points.map((p) => task(isKey(w.index)(p), p, { window: w.inSample })));
    hooks.onStart?.(isTasks.length + windows.length);
    let done = 0;
    const total = isTasks.length + windows.length;
    const progress: OnTaskDone = (o) => hooks.onProgress?.(o, ++done, total);
    const isOut = await runner.run(isTasks, progress);
    all.push(...isOut);
    const byKey = new Map(isOut.map((o) => [o.key, o]));
    const chosen = windows.map((w) => best(rankResults(toResults(points, byKey, isKey(w.index)), spec.metric, direction)));
    const oosTasks = windows.flatMap((w, k) => {
      const c = chosen[k];
      return c ? [task(`w${w.index}-oos`, c, { window: w.outOfSample, equity: true })] : [];
    });
    const oosOut = await runner.run(oosTasks, progress);
    all.push(...oosOut);
    const oosByKey = new Map(oosOut.map((o) => [o.key, o]));
    const rows: WindowOutcome[] = windows.map((w, k) => {
      const c = chosen[k];
      const oos = oosByKey.get(`w${w.index}-oos`)?.result.metrics[spec.metric];
      const oosValue: MetricValue = typeof oos === 'number' && Number.isFinite(oos) ? oos : null;
      const isValue = c?.value ?? null;
      return { window: w, ...(c ? { chosen: { index: c.index, params: c.params } } : {}), inSampleValue: isValue, outOfSampleValue: oosValue, gap: gapOf(isValue, oosValue, direction) };
    });
    const curves = windows.map((w) => oosByKey.get(`w${w.index}-oos`)?.result.equity ?? []);
    body = {
      ...base,
      walkForward: { mode: wf.mode, inSampleMs: wf.inSampleMs, outOfSampleMs: wf.outOfSampleMs, windows: rows, summary: summariseGaps(rows), oosEquity: stitchEquity(curves, curves.find((c) => c.length)?.[0]?.valuePaise ?? 1) },
    };
  }

  const cpu = process.cpuUsage(c0);
  const perWorker = new Map<string, WorkerStats>();
  for (const o of all) {
    const w = perWorker.get(o.worker) ?? { worker: o.worker, tasks: 0, busyMs: 0, ...(o.cpuMs !== undefined ? { cpuMs: 0 } : {}) };
    w.tasks++;
    w.busyMs += o.wallMs;
    if (w.cpuMs !== undefined && o.cpuMs !== undefined) w.cpuMs += o.cpuMs;
    if (o.inputs) {
      const i = (w.inputs ??= { local: 0, cache: 0, fetched: 0 });
      i.local = Math.max(i.local, o.inputs.local);
      i.cache = Math.max(i.cache, o.inputs.cache);
      i.fetched += o.inputs.fetched;
    }
    perWorker.set(o.worker, w);
  }
  const run: RunStats = {
    runner: runner.kind,
    parallelism: runner.parallelism,
    tasks: all.length,
    wallMs: performance.now() - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    workers: [...perWorker.values()].sort((a, b) => (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0)),
  };
  return { ...body, run };
}
