import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backtestRunInputSchema, type BacktestProgress } from '../contract/backtest-schemas.js';
import { RpcError } from '../contract/errors.js';
import { BacktestRunRepo } from '../persistence/backtest-repo.js';
import { openDatabase } from '../persistence/db.js';
import { BacktestRuns } from './app-runs.js';
import { runAppBacktest } from './app-task.js';
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
