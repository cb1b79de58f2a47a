import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../runtime/config.js';
import { runBacktest, type BacktestConfig } from './backtest.js';
import { dataOf, generatedSeries, plainSmaCrossover, smaConfig, USER_SMA_SOURCE } from './testing.js';
import { BacktestStrategyError, loadBacktestStrategies } from './user-strategies.js';


const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A private strategies folder (0700) holding `files` (0600). */
function folder(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kitedesk-btuser-'));
  dirs.push(root);
  const dir = join(root, 'strategies');
  mkdirSync(dir, { mode: 0o700 });
  for (const [name, src] of Object.entries(files)) writeFileSync(join(dir, name), src, { mode: 0o600 });
  return dir;
}

const userConfig = (symbols: string[], fast: number, slow: number): BacktestConfig => {
  const c = smaConfig(symbols, fast, slow);
  c.profile.strategies = c.profile.strategies.map((s) => ({ ...s, type: 'user_sma' }));
  return c;
};

const asPlain = (r: ReturnType<typeof runBacktest>) => r.trades.map((t) => ({ entryTime: t.entryTime, entryPaise: t.entryPricePaise, exitTime: t.exitTime, exitPaise: t.exitPricePaise }));

describe('backtesting user strategy files', () => {
  it('a user file (the CLI: the whole folder) backtests with the plain re-computation’s trades and the built-in SMA crossover’s fills', async () => {
    const dir = folder({ 'user_sma.mjs': USER_SMA_SOURCE });
    const user = await loadBacktestStrategies(dir);
    expect(user.errors).toEqual([]);
    expect(user.definitions.map((d) => d.type)).toEqual(['user_sma']);
    expect(user.loaded[0]).toMatchObject({ type: 'user_sma', sha256: sha(USER_SMA_SOURCE) });

    const s = generatedSeries('GEN', '2025-03-03', 3, 11);
    const r = runBacktest(userConfig(['GEN'], 5, 20), dataOf(s), { strategies: user.definitions });
    const plain = plainSmaCrossover(s.candles, 5, 20);
    expect(plain.length).toBeGreaterThan(10);
    expect(asPlain(r)).toEqual(plain);
    const builtin = runBacktest(smaConfig(['GEN'], 5, 20), dataOf(s));
    expect(r.fills).toEqual(builtin.fills);
    expect(r.settings.strategies[0]!.type).toBe('user_sma');
  });

  it('a profile naming a user type with no file loaded for the run is refused, naming the instance and type', () => {
    const s = generatedSeries('GEN', '2025-03-03', 1, 3);
    expect(() => runBacktest(userConfig(['GEN'], 5, 20), dataOf(s))).toThrow(ConfigError);
    expect(() => runBacktest(userConfig(['GEN'], 5, 20), dataOf(s))).toThrow(/sma \(type "user_sma"\).*--strategies-dir/);
  });

  it('the app worker’s path: only the approved content runs; a file changed after approval is refused naming the file; other files are not loaded', async () => {
    const other = USER_SMA_SOURCE.replace("type: 'user_sma'", "type: 'user_other'");
    const dir = folder({ 'user_sma.mjs': USER_SMA_SOURCE, 'other.mjs': other });
    const ok = await loadBacktestStrategies(dir, [{ name: 'user_sma.mjs', sha256: sha(USER_SMA_SOURCE) }]);
    expect(ok.definitions.map((d) => d.type)).toEqual(['user_sma']);

    // approved with one content, then changed on disk: the hash no longer matches
    writeFileSync(join(dir, 'user_sma.mjs'), USER_SMA_SOURCE.replace('crossover written', 'crossover rewritten'), { mode: 0o600 });
    const changed = loadBacktestStrategies(dir, [{ name: 'user_sma.mjs', sha256: sha(USER_SMA_SOURCE) }]);
    await expect(changed).rejects.toThrow(BacktestStrategyError);
    await expect(loadBacktestStrategies(dir, [{ name: 'user_sma.mjs', sha256: sha(USER_SMA_SOURCE) }])).rejects.toThrow(/user_sma\.mjs: new or changed, waiting for approval/);
    await expect(loadBacktestStrategies(dir, [{ name: 'gone.mjs', sha256: sha('x') }])).rejects.toThrow(/gone\.mjs: not found in/);
  });

  it('a file writable by others is refused (CLI too), the message naming the file', async () => {
    const dir = folder({ 'user_sma.mjs': USER_SMA_SOURCE });
    chmodSync(join(dir, 'user_sma.mjs'), 0o666);
    const r = await loadBacktestStrategies(dir);
    expect(r.definitions).toEqual([]);
    expect(r.errors.map((e) => e.message).join('\n')).toMatch(/user_sma\.mjs is writable by others/);
  });
});
