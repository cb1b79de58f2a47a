/**
 * The app's backtests on Kite historical candles (`data: { kind: kite }`) against our Kite simulator:
 * the engine fetches the candles through the live client and its cache with the session it holds, the
 * worker runs them; the headline equals the in-thread run on the same candles; the second run is served
 * from the cache; without a session the run is refused and `backtest.sources` says Kite is unavailable.
 * Nothing secret reaches the run's files or the journal.
 */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginUrl, parseRedirect } from '../../src-engine/adapters/kite/login.js';
import { KiteRest } from '../../src-engine/adapters/kite/rest-client.js';
import { BacktestRuns } from '../../src-engine/backtest/app-runs.js';
import { runAppBacktest } from '../../src-engine/backtest/app-task.js';
import { loadKiteBacktestData, type KiteSourceSession } from '../../src-engine/backtest/kite-source.js';
import { backtestRunInputSchema, type BacktestProgress } from '../../src-engine/contract/backtest-schemas.js';
import { RpcError } from '../../src-engine/contract/errors.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { BacktestRunRepo } from '../../src-engine/persistence/backtest-repo.js';
import { openDatabase } from '../../src-engine/persistence/db.js';
import { tempDataDir } from '../support/serve-process.js';

let r: RunningKiteSimulator;
let session: KiteSourceSession;
let dataDir: string;

beforeAll(async () => {
  r = await new KiteSimulator().start({ port: 0, expireAt0600: false });
  const res = await fetch(loginUrl(DEFAULT_API_KEY, r.loginUrl), { redirect: 'manual' });
  const requestToken = parseRedirect(res.headers.get('location')!).requestToken;
  const accessToken = (await new KiteRest({ apiKey: DEFAULT_API_KEY, root: r.url }).generateSession(requestToken, DEFAULT_API_SECRET)).accessToken;
  session = { apiKey: DEFAULT_API_KEY, accessToken, root: r.url };
  dataDir = tempDataDir('kd-bt-app-kite-');
});
afterAll(async () => {
  await r?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const settled = (runs: BacktestRuns, id: string) =>
  new Promise<BacktestProgress>((resolve) => {
    const off = runs.onProgress((p) => {
      if (p.id === id && p.state !== 'running') {
        off();
        resolve(p);
      }
    });
  });

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('backtests from the app on Kite historical candles', () => {
  it('fetches with the engine’s session, runs in the worker, equals the in-thread run; the cache serves the next run; no session: refused', async () => {
    const db = openDatabase(join(dataDir, 'kitedesk.sqlite'));
    let on: KiteSourceSession | undefined = session;
    const runs = new BacktestRuns({ repo: new BacktestRunRepo(db), dir: join(dataDir, 'backtests'), kite: { session: () => on, dataDir } });
    try {
      expect(runs.sources().kite).toEqual({ available: true, reason: null });
      const input = backtestRunInputSchema.parse({ strategy: 'sma_crossover', params: { fast: 5, slow: 20 }, symbols: ['INFY', 'RELIANCE'], timeframe: '5m', from: '2026-10-05', to: '2026-10-07', charges: false, data: { kind: 'kite', interval: 'minute' } });
      const { id } = runs.start(input);
      const end = await settled(runs, id);
      expect(end.error).toBeNull();
      expect(end.state).toBe('done');

      // the same candles (now from the cache), run in this thread
      const direct = await loadKiteBacktestData({ specs: input.symbols.map((symbol) => ({ exchange: 'NSE', symbol, interval: 'minute' })), from: input.from, to: input.to, dataDir, session });
      expect(direct.stats.historicalRequests).toBe(0);
      const inThread = runAppBacktest({ input, outDir: join(dataDir, 'direct'), preloaded: direct.data });
      const row = runs.list(5)[0]!;
      expect(row).toMatchObject({ id, state: 'done', input });
      expect(row.headline).toEqual(inThread.headline);
      expect(row.headline!.trades).toBeGreaterThan(0);
      const report = JSON.parse(readFileSync(join(runs.runDir(id), 'report.json'), 'utf8')) as { inputs: { files: { path: string }[] } };
      expect(report.inputs.files.map((f) => f.path)).toEqual([expect.stringMatching(/^kite:NSE:INFY:minute:\d+$/), expect.stringMatching(/^kite:NSE:RELIANCE:minute:\d+$/)]);

      // nothing secret in the run's files, the cache or the journal
      for (const f of [...filesUnder(join(dataDir, 'backtests')), ...filesUnder(join(dataDir, 'kite')), join(dataDir, 'kitedesk.sqlite')]) {
        const text = readFileSync(f).toString('latin1');
        expect(text.includes(session.accessToken), f).toBe(false);
      }

      // the session ends: sources say so and a Kite run is refused before it starts
      on = undefined;
      expect(runs.sources().kite).toEqual({ available: false, reason: expect.stringMatching(/no Kite session/) });
      try {
        runs.start(input);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(RpcError);
        expect((e as RpcError).code).toBe('UNAVAILABLE');
        expect((e as RpcError).details).toEqual({ issues: [{ path: 'data.kind', message: expect.stringMatching(/log in to Kite/) }] });
      }
      expect(runs.list(5)).toHaveLength(1);
    } finally {
      await runs.close();
      db.close();
    }
  });
});
