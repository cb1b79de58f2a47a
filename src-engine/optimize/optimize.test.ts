import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOptimize, type OptimizeSpec } from './optimize.js';
import { poolRunner, serialRunner, TaskError, type Runner } from './pool.js';
import { rankResults } from './rank.js';
import { writeSimCandleCsvs } from './sim-data.js';
import { evaluateSma, loadSeries, smaEvaluator } from './sma-evaluator.js';
import { parseParamArgs } from './space.js';
import { DAY_MS } from './walk-forward.js';
import { parseCandleCsvText } from '../indicators/candle-csv.js';

let dir: string;
let files: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-opt-'));
  files = writeSimCandleCsvs(dir, { symbols: ['SIMA', 'SIMB'], from: '2022-03-01', to: '2022-05-31', seed: 11 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const specOf = (extra: Partial<OptimizeSpec> = {}): OptimizeSpec => ({
  evaluator: { module: 'builtin', export: 'sma' },
  data: { files: [dir] },
  space: parseParamArgs(['fast=3:15:4', 'slow=20:60:20']),
  search: { kind: 'grid' },
  metric: 'sharpe',
  ...extra,
});

/** An independent long-only SMA crossover: SMAs by slicing, cross at i → fill at i+1's open, open trade closed at the last close. */
function plainPnl(t: Float64Array, o: Float64Array, c: Float64Array, fast: number, slow: number): { trades: number; pnl: number } {
  const sma = (n: number, i: number) => Array.from(c.slice(i - n + 1, i + 1)).reduce((a, b) => a + b, 0) / n;
  let pos = false;
  let entry = 0;
  let trades = 0;
  let pnl = 0;
  for (let i = slow; i < t.length - 1; i++) {
    const prev = sma(fast, i - 1) - sma(slow, i - 1);
    const now = sma(fast, i) - sma(slow, i);
    if (!pos && prev <= 0 && now > 0) {
      pos = true;
      entry = o[i + 1]!;
    } else if (pos && prev >= 0 && now < 0) {
      pos = false;
      trades++;
      pnl += o[i + 1]! - entry;
    }
  }
  if (pos) {
    trades++;
    pnl += c[c.length - 1]! - entry;
  }
  return { trades, pnl };
}

describe('builtin:sma evaluator', () => {
  it('trades and PnL equal an independent re-computation', () => {
    const series = loadSeries(files);
    expect(series.map((s) => s.symbol)).toEqual(['SIMA', 'SIMB']);
    for (const [fast, slow] of [
      [3, 20],
      [7, 40],
    ] as const) {
      const r = evaluateSma(series, { fast, slow }, 100_000_000);
      const plain = series.map((s) => plainPnl(s.t, s.o, s.c, fast, slow));
      expect(r.metrics.trades).toBe(plain[0]!.trades + plain[1]!.trades);
      expect(r.metrics.netPnlPaise).toBe(plain[0]!.pnl + plain[1]!.pnl);
      expect(r.metrics.trades).toBeGreaterThan(10);
    }
  });

  it('the fast Kite-format reader reads what csv-parse reads (T or space, with or without +05:30, seconds or not)', () => {
    const text = readFileSync(files[0]!, 'utf8');
    const variants = [
      text,
      text.replace(/T(\d\d:\d\d):00\+0530/g, ' $1'),
      text.replace(/T(\d\d:\d\d:\d\d)\+0530/g, ' $1+05:30'),
      text.replace(/\+0530/g, 'Z'), // another offset: the general parser
    ];
    variants.forEach((v, k) => {
      const f = join(dir, `VAR${k}.csv`);
      writeFileSync(f, v);
      const [s] = loadSeries([f]);
      const bars = parseCandleCsvText(v, f).bars;
      expect(s!.t.length).toBe(bars.length);
      expect(Array.from(s!.t)).toEqual(bars.map((b) => b.t));
      expect(Array.from(s!.o)).toEqual(bars.map((b) => Math.round(b.o * 100)));
      expect(Array.from(s!.c)).toEqual(bars.map((b) => Math.round(b.c * 100)));
      rmSync(f);
    });
  });

  it('bad params and data are clear errors', () => {
    expect(() => smaEvaluator.evaluate({ fast: 0, slow: 5 }, { files: [dir] }, {})).toThrow(/fast and slow must be whole numbers/);
    expect(() => smaEvaluator.evaluate({ fast: 2, slow: 5 }, { files: [join(dir, 'nope.csv')] }, {})).toThrow(/data file not found/);
    expect(() => smaEvaluator.evaluate({ fast: 2, slow: 5 }, {}, {})).toThrow(/needs data \{ files/);
  });
});

describe('optimisation runs', () => {
  it('a worker pool gives the serial run’s ranked table; progress counts every task once', async () => {
    const serial = await runOptimize(specOf(), serialRunner());
    const pool: Runner = poolRunner({ threads: 2 });
    const seen: number[] = [];
    const keys = new Set<string>();
    let total = 0;
    let report;
    try {
      report = await runOptimize(specOf(), pool, { onStart: (n) => (total = n), onProgress: (o, done) => (seen.push(done), keys.add(o.key)) });
    } finally {
      await pool.close();
    }
    expect(total).toBe(12);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(keys.size).toBe(12);
    expect(report.ranked).toEqual(serial.ranked);
    expect(report.run.runner).toBe('pool');
    expect(report.run.tasks).toBe(12);
    // the table is really ranked: each row's sharpe ≥ the next (nulls last)
    const vals = report.ranked!.map((r) => r.value);
    for (let i = 1; i < vals.length; i++) if (vals[i] !== null) expect(vals[i - 1]!).toBeGreaterThanOrEqual(vals[i]!);
    // the workers are worker threads, not this one
    expect(report.run.workers.every((w) => !w.worker.endsWith(':0'))).toBe(true);
  });

  it('a failing point fails the run, naming the task, on either runner', async () => {
    const bad = specOf({ space: parseParamArgs(['fast=0,3', 'slow=20']) });
    await expect(runOptimize(bad, serialRunner())).rejects.toThrow(TaskError);
    const pool = poolRunner({ threads: 1 });
    try {
      await expect(runOptimize(bad, pool)).rejects.toThrow(/task p0: .*fast and slow must be whole numbers/);
    } finally {
      await pool.close();
    }
  });

  it('random search runs the seeded sample', async () => {
    const r = await runOptimize(specOf({ search: { kind: 'random', count: 5, seed: 3 } }), serialRunner());
    expect(r.points).toBe(5);
    expect(r.ranked!.map((x) => x.index).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('walk-forward: each window’s point is the in-sample best, measured out of sample; the gap table and stitched curve', async () => {
    const spec = specOf({ walkForward: { mode: 'rolling', inSampleMs: 30 * DAY_MS, outOfSampleMs: 20 * DAY_MS } });
    const r = await runOptimize(spec, serialRunner());
    const wf = r.walkForward!;
    expect(wf.windows.length).toBeGreaterThanOrEqual(2);
    const series = loadSeries(files);
    const grid = [3, 7, 11, 15].flatMap((fast) => [20, 40, 60].map((slow) => ({ fast, slow })));
    for (const w of wf.windows) {
      // independently: every point on the in-sample window, ranked
      const is = grid.map((params, index) => ({ index, params, metrics: evaluateSma(series, params, 100_000_000, w.window.inSample).metrics }));
      const top = rankResults(is, 'sharpe')[0]!;
      expect(w.chosen).toEqual({ index: top.index, params: top.params });
      expect(w.inSampleValue).toBe(top.value);
      const oos = evaluateSma(series, top.params, 100_000_000, w.window.outOfSample).metrics.sharpe;
      expect(w.outOfSampleValue).toBe(oos);
      expect(w.gap).toBe(top.value! - (oos as number));
    }
    expect(wf.summary.windows).toBe(wf.windows.length);
    expect(wf.oosEquity[0]!.valuePaise).toBe(100_000_000);
    const lastOos = wf.windows.at(-1)!.window.outOfSample;
    expect(wf.oosEquity.at(-1)!.ts).toBeLessThan(lastOos.to);
    expect(wf.oosEquity.every((p, i) => i === 0 || p.ts >= wf.oosEquity[i - 1]!.ts)).toBe(true);
  });
});
