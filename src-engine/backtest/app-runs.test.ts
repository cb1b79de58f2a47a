import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backtestRunInputSchema, backtestStrategyLabel, type BacktestProgress } from '../contract/backtest-schemas.js';
import { RpcError } from '../contract/errors.js';
import { BacktestRunRepo } from '../persistence/backtest-repo.js';
import { openDatabase } from '../persistence/db.js';
import { BacktestRuns } from './app-runs.js';
import { dayMs, runAppBacktest } from './app-task.js';
import { backtestSectionSchema, runBacktest } from './backtest.js';
import { loadBacktestData } from './data.js';
import { buildReport } from './report.js';
import { runProfileSchema } from '../runtime/config.js';
import { generatedSeries, kiteCsv, USER_SMA_SOURCE } from './testing.js';
import { loadBacktestStrategies } from './user-strategies.js';
import type { UserStrategyFile } from '../contract/strategy-file-schemas.js';
import { createHash } from 'node:crypto';

const dirs: string[] = [];
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kitedesk-btapp-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'k.sqlite'));
  const runs = new BacktestRuns({ repo: new BacktestRunRepo(db), dir: join(dir, 'backtests') });
  closers.push(async () => {
    await runs.close();
    db.close();
  });
  return { dir, db, runs };
}

/** Resolves with the run's final progress (done, failed or cancelled); `onRunning` sees each running update. */
function settled(runs: BacktestRuns, id: string, onRunning?: (p: BacktestProgress) => void): Promise<BacktestProgress> {
  return new Promise((resolve) => {
    const off = runs.onProgress((p) => {
      if (p.id !== id) return;
      if (p.state === 'running') onRunning?.(p);
      else {
        off();
        resolve(p);
      }
    });
  });
}

const input = (over: Record<string, unknown> = {}) =>
  backtestRunInputSchema.parse({ strategy: 'sma_crossover', params: { fast: 5, slow: 20 }, symbols: ['SIMA'], timeframe: '5m', from: '2025-03-03', to: '2025-03-05', charges: false, ...over });

describe('BacktestRuns (backtest.* from the app)', () => {
  it('runs in a worker thread: progress reaches the total, the headline is the in-thread run of the same input, the run is listed and its report read', async () => {
    const { dir, runs } = setup();
    runs.enableHttpReports();
    const seen: BacktestProgress[] = [];
    const inp = input();
    const { id } = runs.start(inp);
    expect(id).toMatch(/^bt-/);
    expect(runs.list(10)[0]).toMatchObject({ id, state: 'running', headline: null });
    const end = await settled(runs, id, (p) => seen.push(p));
    expect(end.state).toBe('done');
    expect(end.done).toBe(end.total);
    expect(seen.some((p) => p.total > 0 && p.done > 0)).toBe(true);

    const direct = runAppBacktest({ input: inp, outDir: join(dir, 'direct') });
    const [row] = runs.list(10);
    expect(row).toMatchObject({ id, state: 'done', error: null, input: inp });
    expect(row!.headline).toEqual(direct.headline);
    expect(direct.headline.trades).toBeGreaterThan(0);
    // the same report.json as the in-thread run (inputs name the run's own data files, so compare the rest)
    const a = JSON.parse(readFileSync(join(runs.runDir(id), 'report.json'), 'utf8')) as Record<string, unknown>;
    const b = JSON.parse(readFileSync(join(dir, 'direct', 'report.json'), 'utf8')) as Record<string, unknown>;
    expect(a['trades']).toEqual(b['trades']);
    expect(a['metrics']).toEqual(b['metrics']);

    const rep = runs.report(id);
    expect(rep.tradeCount).toBe(direct.headline.trades);
    expect(rep.trades.reduce((s, t) => s + t.netPnlPaise, 0)).toBe(direct.headline.netPnlPaise);

    const link = runs.reportLink(id);
    expect(link.file).toBe(join(runs.runDir(id), 'report.html'));
    const ticket = new URL(link.url!, 'http://x').searchParams.get('ticket')!;
    expect(runs.reportHtmlForTicket('bt-other-000', ticket)).toBeNull(); // a ticket opens its own report only, and is spent by a wrong try
    const again = new URL(runs.reportLink(id).url!, 'http://x').searchParams.get('ticket')!;
    expect(runs.reportHtmlForTicket(id, again)).toContain('<html');
    expect(runs.reportHtmlForTicket(id, again)).toBeNull(); // once
  });

  it('cancel ends the worker mid-run: state cancelled, persisted, no report', async () => {
    const { runs } = setup();
    const { id } = runs.start(input({ to: '2025-04-30', symbols: ['SIMA', 'SIMB'] }));
    let cancelled: BacktestProgress | undefined;
    const end = await settled(runs, id, (p) => {
      if (p.done > 0 && !cancelled) cancelled = runs.cancel(id);
    });
    expect(end.state).toBe('cancelled');
    expect(end.done).toBeLessThan(end.total);
    expect(runs.list(5)[0]).toMatchObject({ id, state: 'cancelled', headline: null });
    expect(() => runs.cancel(id)).toThrow(/not running \(cancelled\)/);
    expect(() => runs.report(id)).toThrow(/has no report \(cancelled/);
    // the worker is free again: the next run completes
    const next = runs.start(input({ to: '2025-03-03' }));
    expect((await settled(runs, next.id)).state).toBe('done');
  });

  it('refuses bad input with typed errors saying where, and records a data failure as failed with the file named', async () => {
    const { dir, runs } = setup();
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof RpcError ? { code: e.code, message: e.message, details: e.details } : { code: 'other', message: String(e) };
      }
      return null;
    };
    expect(code(() => runs.start(input({ strategy: 'nope' })))).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/unknown strategy type "nope".*sma_crossover/) });
    const bad = code(() => runs.start(input({ params: { fast: 30, slow: 20 } })));
    expect(bad).toMatchObject({ code: 'INVALID_INPUT' });
    expect(JSON.stringify(bad!.details)).toMatch(/params/);
    expect(code(() => runs.start(input({ data: { kind: 'folder', dir: join(dir, 'missing') } })))).toMatchObject({ code: 'INVALID_INPUT', details: { issues: [{ path: 'data.dir' }] } });
    const r = backtestRunInputSchema.safeParse({ ...input(), from: '2025-03-05', to: '2025-03-03' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['to']);
    expect(runs.list(10)).toEqual([]);

    // a folder of candle CSVs: a symbol without its file fails the run, naming it; one with it runs
    const csvDir = join(dir, 'csv');
    rmSync(csvDir, { recursive: true, force: true });
    mkdirSync(csvDir);
    writeFileSync(join(csvDir, 'GEN.csv'), kiteCsv(generatedSeries('GEN', '2025-03-03', 2)));
    const miss = runs.start(input({ symbols: ['GEN', 'OTHER'], data: { kind: 'folder', dir: csvDir } }));
    const failed = await settled(runs, miss.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/no candles for OTHER: expected OTHER\.csv/);
    const ok = runs.start(input({ symbols: ['GEN'], data: { kind: 'folder', dir: csvDir } }));
    expect((await settled(runs, ok.id)).state).toBe('done');
    expect(runs.list(10).map((x) => x.state)).toEqual(['done', 'failed']);
  });

  it('sources: the backtestable types, and the candle folders of the data dir and of past runs with their symbols', async () => {
    const { dir, db } = setup();
    const candles = join(dir, 'candles');
    mkdirSync(join(candles, 'nse', 'INFY'), { recursive: true });
    mkdirSync(join(candles, 'RELIANCE'), { recursive: true }); // a symbol's monthly files, not a folder of its own
    mkdirSync(join(candles, 'empty'));
    writeFileSync(join(candles, 'GEN.csv'), kiteCsv(generatedSeries('GEN', '2025-03-03', 1)));
    writeFileSync(join(candles, 'notes.txt'), 'x');
    writeFileSync(join(candles, 'nse', 'TCS.csv'), 'x');
    const other = join(dir, 'elsewhere');
    mkdirSync(other);
    writeFileSync(join(other, 'GEN.csv'), kiteCsv(generatedSeries('GEN', '2025-03-03', 1)));
    const runs = new BacktestRuns({ repo: new BacktestRunRepo(db), dir: join(dir, 'bt2'), candlesDir: candles });
    closers.push(() => runs.close());
    const ran = runs.start(input({ symbols: ['GEN'], to: '2025-03-03', data: { kind: 'folder', dir: other } }));
    expect((await settled(runs, ran.id)).state).toBe('done');
    const s = runs.sources();
    expect(s.strategyTypes).toContain('sma_crossover');
    expect(s.folders).toEqual([
      { dir: candles, origin: 'data-dir', symbols: ['GEN', 'RELIANCE'] },
      { dir: join(candles, 'nse'), origin: 'data-dir', symbols: ['INFY', 'TCS'] },
      { dir: other, origin: 'past-run', symbols: ['GEN'] },
    ]);
    // no candles folder at all: only past runs' folders
    const bare = new BacktestRuns({ repo: new BacktestRunRepo(db), dir: join(dir, 'bt3'), candlesDir: join(dir, 'missing') });
    closers.push(() => bare.close());
    expect(bare.sources().folders.map((f) => f.dir)).toEqual([other]);
  });

  it('a run left running by a stopped engine is marked failed at the next start', () => {
    const { dir, db } = setup();
    const repo = new BacktestRunRepo(db);
    repo.insert('bt-orphan-1', 1, input());
    const runs = new BacktestRuns({ repo, dir: join(dir, 'backtests') });
    closers.push(() => runs.close());
    expect(runs.list(5)[0]).toMatchObject({ id: 'bt-orphan-1', state: 'failed', error: 'the engine stopped during the run' });
    expect(existsSync(runs.runDir('bt-orphan-1'))).toBe(false);
  });

  it('a user strategy file: offered once loaded with its content approved; the worker runs the approved content (the built-in’s headline for the same logic); changed since approval, it is refused naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kitedesk-btapp-'));
    dirs.push(dir);
    const sdir = join(dir, 'strategies');
    mkdirSync(sdir, { mode: 0o700 });
    writeFileSync(join(sdir, 'user_sma.mjs'), USER_SMA_SOURCE, { mode: 0o600 });
    const sha256 = createHash('sha256').update(USER_SMA_SOURCE).digest('hex');
    const defs = (await loadBacktestStrategies(sdir)).definitions;
    // the engine's loader status as bootstrap hands it over
    let files: UserStrategyFile[] = [{ file: 'user_sma.mjs', type: 'user_sma', sha256 }];
    const db = openDatabase(join(dir, 'k.sqlite'));
    const runs = new BacktestRuns({ repo: new BacktestRunRepo(db), dir: join(dir, 'backtests'), userStrategies: { dir: sdir, files: () => files, definitions: () => defs } });
    closers.push(async () => {
      await runs.close();
      db.close();
    });
    expect(runs.sources().strategyTypes).toContain('user_sma');
    // params are checked against the file's schema
    expect(() => runs.start(input({ strategy: 'user_sma', params: { fast: 'x' } }))).toThrow(/params\.fast/);

    const inp = input({ strategy: 'user_sma' });
    const { id } = runs.start(inp);
    const end = await settled(runs, id);
    expect(end).toMatchObject({ state: 'done', error: null });
    const builtin = runAppBacktest({ input: input(), outDir: join(dir, 'direct') });
    expect(builtin.headline.trades).toBeGreaterThan(0);
    expect(runs.list(1)[0]!.headline).toEqual(builtin.headline);
    const report = JSON.parse(readFileSync(join(runs.runDir(id), 'report.json'), 'utf8')) as { inputs: { overrides: Record<string, unknown> } };
    expect(JSON.stringify(report)).toContain(sha256);

    // the file changes after approval, before the loader noticed: the worker's hash check refuses it
    writeFileSync(join(sdir, 'user_sma.mjs'), USER_SMA_SOURCE.replace('written in', 'rewritten in'), { mode: 0o600 });
    const changed = runs.start(inp);
    const failed = await settled(runs, changed.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/user_sma\.mjs: new or changed, waiting for approval/);

    // once the loader saw it: refused at once, naming the file; then no longer offered
    files = [{ file: 'user_sma.mjs', type: 'user_sma', sha256: 'a'.repeat(64), pendingApproval: 'a'.repeat(64), error: 'user_sma.mjs: new or changed, waiting for approval' }];
    expect(() => runs.start(inp)).toThrow(RpcError);
    expect(() => runs.start(inp)).toThrow(/user_sma\.mjs changed since it was approved/);
    expect(runs.sources().strategyTypes).not.toContain('user_sma');
  });
});

describe('BacktestRuns: the run profile’s strategy set as one run (strategy: { kind: profile })', () => {
  /** Two enabled instances of different types on different symbols, one disabled; the profile's own sizing and ensemble. */
  const profile = () =>
    runProfileSchema.parse({
      strategies: [
        { id: 'sma-a', type: 'sma_crossover', params: { fast: 5, slow: 20 }, symbols: ['SIMA'], timeframe: '5m' },
        { id: 'ema-b', type: 'ema_crossover', params: { fast: 4, slow: 12 }, symbols: ['SIMB'], timeframe: '5m', weight: 2 },
        { id: 'off-c', type: 'macd', symbols: ['SIMC'], enabled: false },
      ],
      ensemble: { buyThreshold: 0.2, sellThreshold: -0.2 },
      trading: { capital: 500_000, sizing: { default: { mode: 'fixed_qty', qty: 3 } } },
    });
  const setInput = (over: Record<string, unknown> = {}) => backtestRunInputSchema.parse({ strategy: { kind: 'profile' }, from: '2025-03-03', to: '2025-03-05', charges: false, ...over });

  function setupWith(opts: Partial<ConstructorParameters<typeof BacktestRuns>[0]> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'kitedesk-btset-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'k.sqlite'));
    const runs = new BacktestRuns({ repo: new BacktestRunRepo(db), dir: join(dir, 'backtests'), profile, ...opts });
    closers.push(async () => {
      await runs.close();
      db.close();
    });
    return { dir, runs };
  }

  const refusal = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (e instanceof RpcError) return { code: e.code, message: e.message, paths: ((e.details as { issues?: { path: string }[] } | undefined)?.issues ?? []).map((i) => i.path) };
      throw e;
    }
    throw new Error('not refused');
  };

  it('runs every enabled instance in the worker, equal to runBacktest of that profile called directly (same trades), with the instances and per-instance attribution in report.json', async () => {
    const { runs } = setupWith();
    const { id } = runs.start(setInput());
    const end = await settled(runs, id);
    expect(end).toMatchObject({ state: 'done', error: null });

    type Rep = { inputs: { files: { path: string; symbol: string }[]; strategies: { instances: { id: string; type: string; symbols: string[]; timeframe: string; weight: number; params: Record<string, unknown> }[]; skipped: unknown[] } }; trades: { strategy: string; netPnlPaise: number }[]; metrics: unknown; byStrategy: { strategy: string; trades: number; netPnlPaise: number }[]; settings: { strategies: { id: string }[] } };
    const rep = JSON.parse(readFileSync(join(runs.runDir(id), 'report.json'), 'utf8')) as Rep;
    // the instances run, with the types' defaults, the timeframes and the weights (ema-b's own, sma's the type's)
    expect(rep.inputs.strategies.instances).toEqual([
      { id: 'sma-a', type: 'sma_crossover', params: { fast: 5, slow: 20 }, symbols: ['SIMA'], timeframe: '5m', weight: 1 },
      { id: 'ema-b', type: 'ema_crossover', params: expect.objectContaining({ fast: 4, slow: 12 }), symbols: ['SIMB'], timeframe: '5m', weight: 2 },
    ]);
    expect(rep.inputs.strategies.skipped).toEqual([]);
    expect(rep.inputs.files.map((f) => f.symbol)).toEqual(['SIMA', 'SIMB']);

    // the same profile straight into runBacktest, on the run's own candle files, with the form's settings (CNC, no charges, no exits, next open)
    const p = profile();
    p.strategies = p.strategies.filter((s) => s.enabled);
    p.trading.product = 'CNC';
    p.trading.charges = false;
    p.trading.paper.slippage = { ticks: 0 };
    const data = loadBacktestData(rep.inputs.files, { barTime: 'start', from: dayMs('2025-03-03', false), to: dayMs('2025-03-05', true) });
    const direct = runBacktest({ profile: p, backtest: backtestSectionSchema.parse({ from: '2025-03-03', to: '2025-03-05', exits: 'none', fill: 'next_open' }) }, data);
    const directReport = buildReport(direct, { files: data.files, overrides: {} });
    expect(direct.trades.length).toBeGreaterThan(0);
    expect(rep.trades).toEqual(directReport['trades']);
    expect(rep.metrics).toEqual(directReport['metrics']);
    // both instances traded, each on its own symbol, and the attribution adds up to the run's net PnL
    const owners = new Set(rep.trades.map((t) => t.strategy));
    expect(owners).toEqual(new Set(['sma-a', 'ema-b']));
    expect(rep.settings.strategies.map((s) => s.id)).toEqual(['sma-a', 'ema-b']);
    expect(rep.byStrategy.map((b) => b.strategy).sort()).toEqual(['ema-b', 'sma-a']);
    for (const b of rep.byStrategy) {
      const mine = rep.trades.filter((t) => t.strategy === b.strategy);
      expect(b.trades).toBe(mine.length);
      expect(b.netPnlPaise).toBeCloseTo(mine.reduce((s, t) => s + t.netPnlPaise, 0), 6);
    }
    const view = runs.report(id);
    expect(view.byStrategy).toEqual(rep.byStrategy);
    expect(view.trades.map((t) => t.strategy)).toEqual(rep.trades.map((t) => t.strategy));
    // the list records the resolved set: its kind, the instances, the union of their symbols, useProfile
    const [row] = runs.list(1);
    expect(row!.input).toMatchObject({ symbols: ['SIMA', 'SIMB'], useProfile: true, strategy: { kind: 'profile', instances: [{ id: 'sma-a' }, { id: 'ema-b' }] } });
    expect(backtestStrategyLabel(row!.input.strategy)).toBe('profile (2 strategies)');
    expect(row!.headline!.trades).toBe(direct.trades.length);
    const html = readFileSync(join(runs.runDir(id), 'report.html'), 'utf8');
    expect(html).toContain('id="by-strategy"');
    expect(html).toContain('<td>ema-b</td>');
  });

  it('narrowed symbols: an instance left without any is skipped and the report says so; a symbol of no instance is refused', async () => {
    const { runs } = setupWith();
    const { id } = runs.start(setInput({ symbols: ['SIMA'], to: '2025-03-03' }));
    expect((await settled(runs, id)).state).toBe('done');
    const rep = JSON.parse(readFileSync(join(runs.runDir(id), 'report.json'), 'utf8')) as { inputs: { strategies: { instances: { id: string }[]; skipped: { id: string; reason: string }[] } }; warnings: string[] };
    expect(rep.inputs.strategies.instances.map((i) => i.id)).toEqual(['sma-a']);
    expect(rep.inputs.strategies.skipped).toEqual([{ id: 'ema-b', reason: 'none of its symbols (SIMB) is in the run' }]);
    expect(rep.warnings).toContain('strategy ema-b: not run (none of its symbols (SIMB) is in the run)');
    expect(readFileSync(join(runs.runDir(id), 'report.html'), 'utf8')).toContain('Not run: ema-b');
    expect(refusal(() => runs.start(setInput({ symbols: ['SIMA', 'INFY'] })))).toMatchObject({ code: 'INVALID_INPUT', paths: ['symbols'], message: expect.stringMatching(/INFY: not a symbol of any enabled instance/) });
  });

  it('refusals name the instance and field: data without a symbol, an unapproved user file, bad params, walk-forward, params or timeframe with the set, no profile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kitedesk-btset-'));
    dirs.push(dir);
    // a folder with SIMA only: the refusal names SIMB at data.dir, before any run
    const csv = join(dir, 'csv');
    mkdirSync(csv);
    writeFileSync(join(csv, 'SIMA.csv'), kiteCsv(generatedSeries('SIMA', '2025-03-03', 1)));
    const { runs } = setupWith();
    expect(refusal(() => runs.start(setInput({ data: { kind: 'folder', dir: csv } })))).toMatchObject({ code: 'INVALID_INPUT', paths: ['data.dir'], message: expect.stringMatching(/no candles for SIMB in .*csv/) });
    expect(runs.list(5)).toEqual([]);

    // a user-type instance whose file changed since approval: CONFLICT naming the instance, its type field and the file
    const files: UserStrategyFile[] = [{ file: 'user_sma.mjs', type: 'user_sma', sha256: 'a'.repeat(64), pendingApproval: 'b'.repeat(64), error: 'user_sma.mjs: new or changed, waiting for approval' }];
    const withUser = setupWith({
      instances: () => [...profile().strategies, { id: 'mine', type: 'user_sma', params: {}, symbols: ['SIMA'], enabled: true }],
      userStrategies: { dir: join(dir, 'strategies'), files: () => files, definitions: () => [] },
    }).runs;
    expect(refusal(() => withUser.start(setInput()))).toMatchObject({ code: 'CONFLICT', paths: ['strategy.instances.mine.type'], message: expect.stringMatching(/instance mine \(type "user_sma"\).*user_sma\.mjs changed since it was approved/) });
    // an instance whose params its type refuses: INVALID_INPUT at strategy.instances.<id>.params.<key>
    const badParams = setupWith({ instances: () => [{ id: 'bad', type: 'sma_crossover', params: { fast: 30, slow: 20 }, symbols: ['SIMA'] }] }).runs;
    const bad = refusal(() => badParams.start(setInput()));
    expect(bad.code).toBe('INVALID_INPUT');
    expect(bad.paths.every((p) => p.startsWith('strategy.instances.bad.params'))).toBe(true);
    // nothing enabled
    expect(refusal(() => setupWith({ instances: () => [{ id: 'x', type: 'macd', symbols: ['SIMA'], enabled: false }] }).runs.start(setInput()))).toMatchObject({ code: 'CONFLICT', paths: ['strategy'] });
    // no run profile in this engine
    const dir2 = mkdtempSync(join(tmpdir(), 'kitedesk-btset-'));
    dirs.push(dir2);
    const db = openDatabase(join(dir2, 'k.sqlite'));
    const bare = new BacktestRuns({ repo: new BacktestRunRepo(db), dir: join(dir2, 'b') });
    closers.push(async () => {
      await bare.close();
      db.close();
    });
    expect(refusal(() => bare.start(setInput()))).toMatchObject({ code: 'UNAVAILABLE', paths: ['strategy'] });

    // the contract: walk-forward, params and a timeframe do not go with the set
    const paths = (over: Record<string, unknown>) => backtestRunInputSchema.safeParse({ strategy: { kind: 'profile' }, from: '2025-03-03', to: '2025-04-30', ...over }).error?.issues.map((i) => i.path.join('.'));
    expect(paths({ walkForward: { inSampleDays: 20, outOfSampleDays: 5, space: [{ param: 'fast', from: 3, to: 5, step: 1 }] } })).toEqual(['walkForward']);
    expect(paths({ params: { fast: 3 } })).toEqual(['params']);
    expect(paths({ timeframe: '5m' })).toEqual(['timeframe']);
    expect(paths({ strategy: { kind: 'profile', instances: [] } })).toEqual(['strategy']);
    expect(paths({})).toBeUndefined();
    // a single type still needs its symbols
    expect(paths({ strategy: 'sma_crossover' })).toEqual(['symbols']);
  });
});
