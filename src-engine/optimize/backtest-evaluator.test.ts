import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBacktestConfig, runBacktest } from '../backtest/backtest.js';
import { loadBacktestData } from '../backtest/data.js';
import { USER_SMA_SOURCE } from '../backtest/testing.js';
import { backtestEvaluator, withParams } from './backtest-evaluator.js';
import { pinData } from './inputs.js';
import { writeSimCandleCsvs } from './sim-data.js';

let dir: string;
let config: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-opt-bt-'));
  writeSimCandleCsvs(dir, { symbols: ['SIMA', 'SIMB'], from: '2022-03-01', to: '2022-03-31', seed: 3 });
  config = join(dir, 'bt.yaml');
  writeFileSync(
    config,
    [
      'strategies:',
      '  - { id: a, type: sma_crossover, params: { fast: 10, slow: 30 }, timeframe: 1m, symbols: [SIMA] }',
      '  - { id: b, type: sma_crossover, params: { fast: 10, slow: 30 }, timeframe: 1m, symbols: [SIMB] }',
      'trading: { product: CNC, charges: false, sizing: { default: { mode: fixed_qty, qty: 1 } }, paper: { slippage: { ticks: 0 } }, risk: { maxTradesPerSymbolPerDay: 100000 } }',
      `backtest: { data: [{ path: ${JSON.stringify(dir)} }], exits: none }`,
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('builtin:backtest evaluator', () => {
  it('a point is runBacktest of the config with the params set: bare names on every instance, id.name on one', () => {
    const cfg = parseBacktestConfig(readFileSync(config, 'utf8'), config);
    const both = withParams(cfg, { fast: 5 });
    expect(both.profile.strategies.map((s) => s.params)).toEqual([
      { fast: 5, slow: 30 },
      { fast: 5, slow: 30 },
    ]);
    const one = withParams(cfg, { 'b.slow': 40 });
    expect(one.profile.strategies.map((s) => s.params)).toEqual([
      { fast: 10, slow: 30 },
      { fast: 10, slow: 40 },
    ]);
    expect(cfg.profile.strategies[0]!.params).toEqual({ fast: 10, slow: 30 }); // the loaded config is not changed
    expect(() => withParams(cfg, { 'zz.fast': 3 })).toThrow(/no strategy instance with id zz/);

    const data = loadBacktestData(cfg.backtest.data, { barTime: cfg.backtest.barTime });
    const direct = runBacktest(withParams(cfg, { fast: 5, 'b.slow': 40 }), data).metrics;
    const viaEval = backtestEvaluator.evaluate({ fast: 5, 'b.slow': 40 }, { config }, {}) as { metrics: Record<string, unknown> };
    expect(viaEval.metrics).toEqual({ ...direct });
    expect(direct.trades).toBeGreaterThan(10);
  });

  it('a window replays only its bars; range is the data span; the equity starts at the capital', async () => {
    const range = await backtestEvaluator.range!({ config });
    expect(range.from).toBe(Date.parse('2022-03-01T09:15:00+05:30'));
    expect(range.to).toBe(Date.parse('2022-03-31T15:30:00+05:30'));
    const window = { from: Date.parse('2022-03-07T00:00:00+05:30'), to: Date.parse('2022-03-19T00:00:00+05:30') };
    const r = (await backtestEvaluator.evaluate({ fast: 5 }, { config }, { window, equity: true }))!;
    expect(r.equity![0]).toEqual({ ts: window.from, valuePaise: r.metrics.capitalPaise });
    expect(r.equity!.every((p) => p.ts >= window.from && p.ts < window.to)).toBe(true);
    expect(r.metrics.trades).toBeGreaterThan(0);
    expect(() => backtestEvaluator.evaluate({ fast: 5 }, {}, {})).toThrow(/needs data \{ config/);
  });

  it('data.strategies: the config’s user-type instances run the pinned user file (the engine’s loader), with the built-in’s metrics', async () => {
    const strategies = join(dir, 'strategies');
    mkdirSync(strategies, { mode: 0o700 });
    const file = join(strategies, 'user_sma.mjs');
    writeFileSync(file, USER_SMA_SOURCE, { mode: 0o600 });
    const userConfig = join(dir, 'user.yaml');
    writeFileSync(userConfig, readFileSync(config, 'utf8').replaceAll('type: sma_crossover', 'type: user_sma'));
    const sha256 = createHash('sha256').update(USER_SMA_SOURCE).digest('hex');
    const data = pinData({ module: 'builtin', export: 'backtest' }, { config: userConfig, strategies: [{ path: file, type: 'user_sma' }] }) as { strategies: unknown[]; inputs: { path: string; sha256: string }[] };
    expect(data.strategies).toEqual([{ path: file, type: 'user_sma', sha256 }]);
    expect(data.inputs.at(-1)).toMatchObject({ path: file, sha256 });

    const builtin = backtestEvaluator.evaluate({ fast: 5, 'b.slow': 40 }, { config }, {}) as { metrics: Record<string, unknown> };
    const user = await backtestEvaluator.evaluate({ fast: 5, 'b.slow': 40 }, data, {});
    expect(user.metrics).toEqual(builtin.metrics);
    expect(user.metrics['trades']).toBeGreaterThan(10);
    // without the file the type is unknown; a file whose content is not the pinned one is not run
    await expect(async () => backtestEvaluator.evaluate({}, { config: userConfig }, {})).rejects.toThrow(/a \(type "user_sma"\).*--strategies-dir/);
    const other = join(dir, 'strategies2');
    mkdirSync(other, { mode: 0o700 });
    writeFileSync(join(other, 'user_sma.mjs'), USER_SMA_SOURCE.replace('written', 'rewritten'), { mode: 0o600 });
    const wrong = { ...data, strategies: [{ path: join(other, 'user_sma.mjs'), type: 'user_sma', sha256 }] };
    await expect(async () => backtestEvaluator.evaluate({}, wrong, {})).rejects.toThrow(/user strategy not run: user_sma\.mjs: new or changed/);
    expect(() => pinData({ module: 'builtin', export: 'backtest' }, { config: userConfig, strategies: [{ path: file, type: 'user_sma', sha256: 'f'.repeat(64) }] })).toThrow(
      `user strategy ${file} (type user_sma) changed since it was loaded`,
    );
  });
});
