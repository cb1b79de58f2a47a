import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_SMA_SOURCE } from '../../src-engine/backtest/testing.js';
import { runOptimize, type OptimizeReport } from '../../src-engine/optimize/optimize.js';
import { serialRunner } from '../../src-engine/optimize/pool.js';
import { writeSimCandleCsvs } from '../../src-engine/optimize/sim-data.js';
import { parseParamArgs } from '../../src-engine/optimize/space.js';

/** `kitedesk optimize` from the source tree (tsx), on generated candles, against an in-process serial run. */
const root = resolve(import.meta.dirname, '../..');
let dir: string;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src-engine/host/cli.ts'), 'optimize', ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-opt-cli-'));
  writeSimCandleCsvs(join(dir, 'data'), { symbols: ['SIMA', 'SIMB'], from: '2022-03-01', to: '2022-05-31', seed: 5 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// each case starts tsx; on a loaded 2-core machine a start takes seconds
describe('kitedesk optimize', { timeout: 180_000 }, () => {
  it('grid on the worker pool: optimize.json equals an in-process serial run; the table and wall time are printed', async () => {
    const out = join(dir, 'grid');
    const r = cli('--evaluator', 'builtin:sma', '--data', join(dir, 'data'), '--param', 'fast=3:11:4', '--param', 'slow=20,40', '--metric', 'netReturn', '--threads', '2', '--out', out, '--top', '4');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'optimize.json'), 'utf8')) as OptimizeReport;
    const ref = await runOptimize(
      { evaluator: { module: 'builtin', export: 'sma' }, data: { files: [join(dir, 'data')] }, space: parseParamArgs(['fast=3:11:4', 'slow=20,40']), search: { kind: 'grid' }, metric: 'netReturn' },
      serialRunner(),
    );
    expect(report.ranked).toEqual(ref.ranked);
    expect(report.run).toMatchObject({ runner: 'pool', parallelism: 2, tasks: 6 });
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]!.trim().split(/\s+/)).toEqual(['rank', 'fast', 'slow', 'netReturn', 'maxDrawdown', 'trades']);
    expect(lines.slice(1, 5).map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual(ref.ranked!.slice(0, 4).map((x) => `${x.rank} ${x.params.fast} ${x.params.slow}`));
    expect(r.stdout).toMatch(/wall time \d+\.\d\d s for 6 evaluations on pool \(2 at once\)/);
    expect(readFileSync(join(out, 'optimize.html'), 'utf8')).toContain('<td>1</td>');
  });

  it('walk-forward prints the gap table', () => {
    const out = join(dir, 'wf');
    const r = cli('--evaluator', 'builtin:sma', '--data', join(dir, 'data'), '--param', 'fast=3,7', '--param', 'slow=20', '--walk-forward', 'anchored', '--is', '30d', '--oos', '20d', '--threads', '0', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'optimize.json'), 'utf8')) as OptimizeReport;
    expect(report.walkForward!.windows.length).toBeGreaterThanOrEqual(2);
    expect(report.walkForward!.windows.every((w) => w.window.inSample.from === report.walkForward!.windows[0]!.window.inSample.from)).toBe(true);
    expect(r.stdout).toMatch(/^window\s+in-sample\s+out-of-sample\s+chosen\s+IS sharpe\s+OOS sharpe\s+gap/);
    expect(r.stdout).toMatch(/\nmean\s/);
    const html = readFileSync(join(out, 'optimize.html'), 'utf8');
    expect(html).toContain('Out-of-sample equity, windows chained');
    expect(html.match(/<polyline [^>]*points="([^"]+)"/)![1]!.split(' ')).toHaveLength(report.walkForward!.oosEquity.length);
  });

  it('--strategies-dir: the config’s user-type instances run the folder’s file (pinned by SHA-256) with the built-in’s ranked table', async () => {
    const strategies = join(dir, 'strategies');
    mkdirSync(strategies, { mode: 0o700 });
    writeFileSync(join(strategies, 'user_sma.mjs'), USER_SMA_SOURCE, { mode: 0o600 });
    const cfg = (type: string) => {
      const file = join(dir, `${type}.yaml`);
      writeFileSync(
        file,
        [
          'strategies:',
          `  - { id: sma, type: ${type}, params: { fast: 10, slow: 30 }, timeframe: 1m, symbols: [SIMA, SIMB] }`,
          'trading: { product: CNC, charges: false, sizing: { default: { mode: fixed_qty, qty: 1 } }, paper: { slippage: { ticks: 0 } }, risk: { maxTradesPerSymbolPerDay: 100000 } }',
          `backtest: { data: [{ path: ${JSON.stringify(join(dir, 'data'))} }], exits: none, to: 2022-03-31 }`,
          '',
        ].join('\n'),
      );
      return file;
    };
    const out = join(dir, 'user');
    const r = cli('--config', cfg('user_sma'), '--strategies-dir', strategies, '--param', 'fast=5,10', '--param', 'slow=30', '--metric', 'netReturn', '--threads', '2', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'optimize.json'), 'utf8')) as OptimizeReport;
    const sha256 = createHash('sha256').update(USER_SMA_SOURCE).digest('hex');
    expect((report.data as { strategies: unknown }).strategies).toEqual([{ path: join(strategies, 'user_sma.mjs'), type: 'user_sma', sha256 }]);
    const ref = await runOptimize(
      { evaluator: { module: 'builtin', export: 'backtest' }, data: { config: cfg('sma_crossover') }, space: parseParamArgs(['fast=5,10', 'slow=30']), search: { kind: 'grid' }, metric: 'netReturn' },
      serialRunner(),
    );
    expect(report.ranked).toEqual(ref.ranked);
    expect(ref.ranked!.every((x) => (x.metrics['trades'] ?? 0) > 0)).toBe(true);
    // without the folder the type is unknown, named with the instance
    const bare = cli('--config', cfg('user_sma'), '--param', 'fast=5', '--threads', '0', '--out', join(dir, 'user-bare'));
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/sma \(type "user_sma"\).*--strategies-dir/);
  });

  it('bad input: one clear line, exit 1, nothing written', () => {
    const out = join(dir, 'bad');
    const cases: [string[], RegExp][] = [
      [['--evaluator', 'builtin:sma', '--data', join(dir, 'data'), '--param', 'fast=5:1:1', '--out', out], /--param "fast=5:1:1": from \(5\) is after to \(1\)/],
      [['--param', 'fast=1:5:1', '--out', out], /the backtest evaluator needs --config FILE/],
      [['--evaluator', 'builtin:sma', '--data', join(dir, 'data'), '--param', 'fast=1:5:1', '--walk-forward', 'rolling', '--out', out], /--walk-forward needs --is and --oos/],
      [['--evaluator', 'builtin:nope', '--data', join(dir, 'data'), '--param', 'fast=1:5:1', '--threads', '0', '--out', out], /unknown built-in evaluator "nope"; known: backtest, sma/],
      [['--evaluator', 'builtin:sma', '--data', join(dir, 'data'), '--param', 'fast=1:5:1', '--redis', 'http://x', '--out', out], /--redis: expected redis:\/\/ or rediss:\/\//],
      [['--evaluator', 'builtin:sma', '--data', join(dir, 'data'), '--param', 'fast=1:5:1', '--strategies-dir', dir, '--out', out], /--strategies-dir goes with the backtest evaluator \(builtin:backtest\)/],
    ];
    for (const [args, re] of cases) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(re);
    }
    expect(existsSync(join(out, 'optimize.json'))).toBe(false);
  });
});
