import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatedSeries, kiteCsv, plainSmaCrossover, USER_SMA_SOURCE } from '../../src-engine/backtest/testing.js';
import { ensureBuilt, repoRoot } from '../support/serve-process.js';

/** `kitedesk backtest` from dist/, as users run it. */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/engine/cli.js'), 'backtest', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kitedesk backtest (built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kitedesk-bt-cli-'));
  const a = generatedSeries('AAA', '2025-03-03', 3, 1);
  const b = generatedSeries('BBB', '2025-03-03', 3, 2, 50_000);
  beforeAll(() => {
    ensureBuilt();
    writeFileSync(join(dir, 'AAA.csv'), kiteCsv(a));
    writeFileSync(join(dir, 'BBB.csv'), kiteCsv(b));
    writeFileSync(join(dir, 'bt.yaml'), 'trading:\n  capital: 500000\n  risk: { maxTradesPerSymbolPerDay: 1000 }\nbacktest:\n  riskFreeRate: 0.065\n');
  });
  const args = (out: string) => ['--config', join(dir, 'bt.yaml'), '--data', join(dir, 'AAA.csv'), '--symbol', `BBB=${join(dir, 'BBB.csv')}`, '--strategy', 'sma_crossover', '--timeframe', '1m', '--set', 'fast=5', '--set', 'slow=20', '--product', 'CNC', '--qty', '1', '--no-charges', '--slippage-ticks', '0', '--exits', 'none', '--out', out];

  it('writes report.json (inputs with hashes, metrics, every trade, equity) and report.html, prints the headline; the same inputs give byte-identical report.json', () => {
    const r1 = cli(...args(join(dir, 'out1')));
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toMatch(/^trades \d+ {2}win rate/m);
    expect(r1.stdout).toMatch(/Sharpe .* \(rf 6\.50%\)/);
    const json = readFileSync(join(dir, 'out1', 'report.json'), 'utf8');
    const rep = JSON.parse(json) as { inputs: { config: { sha256: string }; files: { symbol: string; sha256: string; rows: number }[] }; metrics: { trades: number; riskFreeRate: number; capitalPaise: number }; trades: { symbol: string; entryTimeMs: number; entryPricePaise: number; exitTimeMs: number; exitPricePaise: number }[]; equity: [number, number][] };
    expect(rep.inputs.files.map((f) => [f.symbol, f.rows])).toEqual([['AAA', a.candles.length], ['BBB', b.candles.length]]);
    expect(rep.inputs.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256)) && /^[0-9a-f]{64}$/.test(rep.inputs.config.sha256)).toBe(true);
    expect(rep.metrics.riskFreeRate).toBe(0.065);
    expect(rep.metrics.capitalPaise).toBe(50_000_000);
    // each symbol's trades are the plain re-computation's
    for (const s of [a, b]) {
      const mine = rep.trades.filter((t) => t.symbol === s.symbol).map((t) => [t.entryTimeMs, t.entryPricePaise, t.exitTimeMs, t.exitPricePaise]);
      expect(mine).toEqual(plainSmaCrossover(s.candles, 5, 20).map((t) => [t.entryTime, t.entryPaise, t.exitTime, t.exitPaise]));
    }
    expect(rep.metrics.trades).toBe(rep.trades.length);
    expect(rep.equity.length).toBeGreaterThan(10);
    const html = readFileSync(join(dir, 'out1', 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|src="http|href="http/);

    const r2 = cli(...args(join(dir, 'out2')));
    expect(r2.code, r2.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out2', 'report.json'), 'utf8')).toBe(json);
  });

  it('bad input is a clear error naming the file and line', () => {
    writeFileSync(join(dir, 'BAD.csv'), 'datetime,open,high,low,close,volume\n2025-03-03 09:15:00,100,99,98,100,10\n');
    const r = cli('--data', join(dir, 'BAD.csv'), '--strategy', 'sma_crossover', '--out', join(dir, 'bad'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'BAD.csv')}:2`);
    expect(r.stderr).toMatch(/high 99 < low 98|open 100 outside/);
    const v = cli('--data', join(repoRoot, 'test', 'fixtures', 'nope.csv'), '--strategy', 'sma_crossover', '--out', join(dir, 'bad'));
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/nope\.csv: cannot read: ENOENT/);
  });

  it('--strategies-dir: a user strategy file backtests (no approval asked) with the plain re-computation’s trades; a file writable by others is refused, the run naming the instance', () => {
    const sdir = join(dir, 'strategies');
    mkdirSync(sdir, { mode: 0o700 });
    writeFileSync(join(sdir, 'user_sma.mjs'), USER_SMA_SOURCE, { mode: 0o600 });
    const user = (out: string) => ['--data', join(dir, 'AAA.csv'), '--strategies-dir', sdir, '--strategy', 'user_sma', '--timeframe', '1m', '--set', 'fast=5', '--set', 'slow=20', '--product', 'CNC', '--qty', '1', '--no-charges', '--slippage-ticks', '0', '--exits', 'none', '--config', join(dir, 'bt.yaml'), '--out', out];
    const r = cli(...user(join(dir, 'user1')));
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(readFileSync(join(dir, 'user1', 'report.json'), 'utf8')) as { trades: { entryTimeMs: number; entryPricePaise: number; exitTimeMs: number; exitPricePaise: number }[] };
    const plain = plainSmaCrossover(a.candles, 5, 20);
    expect(plain.length).toBeGreaterThan(10);
    expect(rep.trades.map((t) => [t.entryTimeMs, t.entryPricePaise, t.exitTimeMs, t.exitPricePaise])).toEqual(plain.map((t) => [t.entryTime, t.entryPaise, t.exitTime, t.exitPaise]));

    chmodSync(join(sdir, 'user_sma.mjs'), 0o666);
    const refused = cli(...user(join(dir, 'user2')));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/user_sma\.mjs is writable by others/);
    expect(refused.stderr).toMatch(/user_sma \(type "user_sma"\)/);
  });
});

