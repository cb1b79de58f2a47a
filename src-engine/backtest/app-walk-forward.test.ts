import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backtestRunInputSchema, type BacktestProgress } from '../contract/backtest-schemas.js';
import { RpcError } from '../contract/errors.js';
import { withParams } from '../optimize/backtest-evaluator.js';
import { BacktestRunRepo } from '../persistence/backtest-repo.js';
import { openDatabase } from '../persistence/db.js';
import { BacktestRuns } from './app-runs.js';
import { appBacktestConfig, appBacktestData, dayMs } from './app-task.js';
import { appWalkForwardWindows, runAppWalkForward, walkForwardPoints } from './app-walk-forward.js';
import { runBacktest } from './backtest.js';
import type { BacktestData } from './data.js';

const dirs: string[] = [];
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kitedesk-btwf-'));
  dirs.push(d);
  return d;
};

const wfInput = (over: Record<string, unknown> = {}, wf: Record<string, unknown> = {}) =>
  backtestRunInputSchema.parse({
    strategy: 'sma_crossover',
    params: { slow: 12 },
    symbols: ['SIMA'],
    timeframe: '5m',
    from: '2025-03-03',
    to: '2025-03-14',
    charges: false,
    walkForward: { mode: 'rolling', inSampleDays: 6, outOfSampleDays: 2, metric: 'netReturn', space: [{ param: 'fast', from: 3, to: 7, step: 2 }], ...wf },
    ...over,
  });

function windowed(data: BacktestData, w: { from: number; to: number }): BacktestData {
  return { ...data, series: data.series.map((s) => ({ ...s, candles: s.candles.filter((c) => c.start >= w.from && c.start < w.to) })).filter((s) => s.candles.length > 0) };
}

describe('walk-forward from the app (runAppWalkForward)', () => {
  it('chooses each window’s best in-sample point, measures it out of sample, stitches the curves and reports the gap', () => {
    const dir = tmp();
    const input = wfInput();
    const progress: [number, number][] = [];
    const out = runAppWalkForward({ input, outDir: join(dir, 'run') }, (d, t) => progress.push([d, t]));

    const windows = appWalkForwardWindows(input);
    // 12 days, 6 in sample, 2 out: (12 − 6) / 2 = 3 rolling windows, each in-sample span 6 days long
    expect(windows).toHaveLength(3);
    for (const w of windows) expect(w.inSample.to - w.inSample.from).toBe(6 * 86_400_000);
    expect(windows[0]!.inSample.from).toBe(dayMs('2025-03-03', false));
    const points = walkForwardPoints(input.walkForward!);
    expect(points).toEqual([{ fast: 3 }, { fast: 5 }, { fast: 7 }]);
    expect(progress[0]).toEqual([0, 3 * 4]);
    expect(progress.at(-1)).toEqual([12, 12]);

    // recompute every window with plain runBacktest calls on the same candles
    const data = appBacktestData({ input, outDir: join(dir, 'check') });
    const { config } = appBacktestConfig(input, join(dir, 'check'), ['SIMA']);
    const rep = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8')) as { walkForward: { windows: { params: Record<string, number> | null; inSampleValue: number | null; outOfSampleValue: number | null; gap: number | null }[]; gap: { meanGap: number | null; windows: number }; oosEquity: { ts: number; valuePaise: number }[] } };
    let level = config.profile.trading.capital * 100;
    windows.forEach((w, k) => {
      const isValues = points.map((p) => runBacktest(withParams(config, p), windowed(data, w.inSample), { pricePoints: 1 }).metrics.netReturn);
      const bestIdx = isValues.indexOf(Math.max(...isValues)); // ties: the first point
      const row = rep.walkForward.windows[k]!;
      expect(row.params).toEqual(points[bestIdx]);
      expect(row.inSampleValue).toBeCloseTo(isValues[bestIdx]!, 12);
      const oos = runBacktest(withParams(config, points[bestIdx]!), windowed(data, w.outOfSample), { pricePoints: 1 });
      expect(row.outOfSampleValue).toBeCloseTo(oos.metrics.netReturn, 12);
      expect(row.gap).toBeCloseTo(isValues[bestIdx]! - oos.metrics.netReturn, 12);
      level *= 1 + oos.metrics.netReturn;
    });
    // the stitched curve compounds the windows' returns
    const curve = rep.walkForward.oosEquity;
    expect(curve[0]!.ts).toBe(windows[0]!.outOfSample.from);
    expect(curve.at(-1)!.valuePaise / 100).toBeCloseTo(level / 100, 0);
    expect(out.headline.walkForward).toMatchObject({ metric: 'netReturn', windows: 3, meanGap: rep.walkForward.gap.meanGap });
    expect(out.headline.netReturn).toBeCloseTo(level / (config.profile.trading.capital * 100) - 1, 4);
    const html = readFileSync(join(dir, 'run', 'report.html'), 'utf8');
    expect(html).toContain('Walk-forward report');
    expect(html).not.toMatch(/<script/i);
  });

  it('anchored windows all start at the first day and grow by the out-of-sample length', () => {
    const ws = appWalkForwardWindows(wfInput({}, { mode: 'anchored' }));
    expect(ws.map((w) => w.inSample.from)).toEqual(ws.map(() => dayMs('2025-03-03', false)));
    expect(ws.map((w) => (w.inSample.to - w.inSample.from) / 86_400_000)).toEqual([6, 8, 10]);
  });

  it('the contract refuses a walk-forward that cannot run, saying where', () => {
    const issue = (over: Record<string, unknown>, wf: Record<string, unknown>) => {
      const r = backtestRunInputSchema.safeParse({ ...wfInput(), ...over, walkForward: { ...wfInput().walkForward, ...wf } });
      return r.success ? null : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(issue({}, {})).toBeNull();
    expect(issue({}, { inSampleDays: 11 })).toMatch(/^walkForward\.inSampleDays: 12 days are too short/);
    expect(issue({}, { space: [{ param: 'fast', from: 1, to: 1000, step: 1 }] })).toMatch(/^walkForward\.space: the grid has \d+ points; at most 200/);
    expect(issue({}, { space: [{ param: 'fast', from: 9, to: 3, step: 2 }] })).toMatch(/^walkForward\.space\.0\.to: fast: to \(3\) is below from \(9\)/);
    expect(issue({}, { space: [{ param: 'fast', values: [3] }, { param: 'fast', values: [5] }] })).toMatch(/walkForward\.space\.1\.param: fast is swept twice/);
    expect(issue({}, { mode: 'sliding' })).toMatch(/^walkForward\.mode/);
    expect(issue({}, { metric: 'luck' })).toMatch(/^walkForward\.metric/);
  });
});

describe('walk-forward through BacktestRuns (worker thread)', () => {
  function setup() {
    const dir = tmp();
    const db = openDatabase(join(dir, 'k.sqlite'));
    const runs = new BacktestRuns({ repo: new BacktestRunRepo(db), dir: join(dir, 'backtests') });
    closers.push(async () => {
      await runs.close();
      db.close();
    });
    return { dir, runs };
  }
  const settled = (runs: BacktestRuns, id: string, onRunning?: (p: BacktestProgress) => void) =>
    new Promise<BacktestProgress>((resolve) => {
      const off = runs.onProgress((p) => {
        if (p.id !== id) return;
        if (p.state === 'running') onRunning?.(p);
        else {
          off();
          resolve(p);
        }
      });
    });

  it('runs in the worker with progress in backtests; listed with the gap; its report carries the windows and the stitched curve; cancel stops one; openReport hands the id to the host', async () => {
    const { dir, runs } = setup();
    const input = wfInput();
    const seen: BacktestProgress[] = [];
    const { id } = runs.start(input);
    const end = await settled(runs, id, (p) => seen.push(p));
    expect(end).toMatchObject({ state: 'done', done: 12, total: 12 });
    expect(seen.some((p) => p.total === 12 && p.done > 0 && p.done < 12)).toBe(true);

    const direct = runAppWalkForward({ input, outDir: join(dir, 'direct') });
    const row = runs.list(5)[0]!;
    expect(row).toMatchObject({ id, state: 'done', input });
    expect(row.headline).toEqual(direct.headline);
    const rep = runs.report(id);
    expect(rep.walkForward?.windows).toHaveLength(3);
    expect(rep.walkForward?.gap).toEqual(direct.headline.walkForward);
    expect(rep.walkForward!.oosEquity.length).toBeGreaterThan(1);
    expect(rep.tradeCount).toBe(direct.headline.trades);

    // a longer walk-forward, cancelled once it has started: cancelled, no report
    const long = runs.start(wfInput({ to: '2025-05-30', symbols: ['SIMA', 'SIMB'] }, { inSampleDays: 20, outOfSampleDays: 5, space: [{ param: 'fast', from: 2, to: 10, step: 1 }] }));
    let cancelled = false;
    const stopped = await settled(runs, long.id, (p) => {
      if (p.done > 0 && !cancelled) {
        cancelled = true;
        runs.cancel(long.id);
      }
    });
    expect(stopped.state).toBe('cancelled');
    expect(stopped.done).toBeLessThan(stopped.total);
    expect(() => runs.report(long.id)).toThrow(/has no report \(cancelled/);

    // backtest.openReport: only a host with windows (desktop main) opens a report, and it gets the id only
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return e instanceof RpcError ? e.code : String(e);
      }
    };
    expect(code(() => runs.openReport(id))).toBe('UNAVAILABLE');
    const asked: string[] = [];
    runs.setReportOpener((x) => asked.push(x));
    expect(runs.openReport(id)).toEqual({ opened: true });
    expect(code(() => runs.openReport(long.id))).toBe('CONFLICT');
    expect(code(() => runs.openReport('bt-nope-0000'))).toBe('NOT_FOUND');
    expect(asked).toEqual([id]);
  });

  it('a swept value the strategy refuses is an INVALID_INPUT at its range', () => {
    const { runs } = setup();
    try {
      runs.start(wfInput({}, { space: [{ param: 'fast', values: [3, 40] }] }));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RpcError);
      expect((e as RpcError).code).toBe('INVALID_INPUT');
      expect(JSON.stringify((e as RpcError).details)).toContain('walkForward.space.0');
    }
    expect(runs.list(5)).toEqual([]);
  });
});
