import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestEvaluator } from './backtest-evaluator.js';
import { hashFile, InputMismatchError, pinData, verifyInputs, type PinnedInput } from './inputs.js';
import { smaEvaluator } from './sma-evaluator.js';
import { writeSimCandleCsvs } from './sim-data.js';

let dir: string;
let config: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-opt-inputs-'));
  writeSimCandleCsvs(join(dir, 'data'), { symbols: ['SIMA', 'SIMB'], from: '2022-03-01', to: '2022-03-15', seed: 4 });
  mkdirSync(join(dir, 'data', 'not-a-csv.csv.d'));
  writeFileSync(join(dir, 'data', 'notes.txt'), 'not data\n');
  config = join(dir, 'bt.yaml');
  writeFileSync(
    config,
    [
      'strategies:',
      '  - { id: a, type: sma_crossover, params: { fast: 10, slow: 30 }, timeframe: 1m, symbols: [SIMA, SIMB] }',
      'trading: { product: CNC, charges: false, sizing: { default: { mode: fixed_qty, qty: 1 } }, paper: { slippage: { ticks: 0 } } }',
      `backtest: { data: [{ path: ${JSON.stringify(join(dir, 'data'))} }], exits: none }`,
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (p: string) => hashFile(p).sha256;

describe('pinned optimisation inputs', () => {
  it('sma: a folder becomes its CSV files, each with its SHA-256 and size', () => {
    const pinned = pinData({ module: 'builtin', export: 'sma' }, { files: [join(dir, 'data')], capitalRupees: 5e5 }) as { files: string[]; inputs: PinnedInput[]; capitalRupees: number };
    const files = [join(dir, 'data', 'SIMA.csv'), join(dir, 'data', 'SIMB.csv')];
    expect(pinned.files).toEqual(files);
    expect(pinned.capitalRupees).toBe(5e5);
    expect(pinned.inputs).toEqual(files.map((path) => ({ path, sha256: sha(path), bytes: readFileSync(path).length })));
    // pinned data and other evaluators' data pass through
    expect(pinData({ module: 'builtin', export: 'sma' }, pinned)).toBe(pinned);
    const custom = { files: ['x'] };
    expect(pinData({ module: '/m.js', export: 'e' }, custom)).toBe(custom);
    expect(() => pinData({ module: 'builtin', export: 'sma' }, { files: [join(dir, 'nope')] })).toThrow(/data .*nope: cannot read \(ENOENT\)/);
  });

  it('backtest: the config and the files its data names, one source per file; the evaluator gives the same metrics pinned or not', async () => {
    const ref = { module: 'builtin', export: 'backtest' };
    const pinned = pinData(ref, { config }) as { config: string; sources: { path: string }[]; inputs: PinnedInput[] };
    expect(pinned.sources).toEqual([{ path: join(dir, 'data', 'SIMA.csv') }, { path: join(dir, 'data', 'SIMB.csv') }]);
    expect(pinned.inputs.map((i) => i.path)).toEqual([config, join(dir, 'data', 'SIMA.csv'), join(dir, 'data', 'SIMB.csv')]);
    expect(pinned.inputs[0]!.sha256).toBe(sha(config));
    // data.files replaces the config's data (a symbol given in the config stays with its files)
    const viaFiles = pinData(ref, { config, files: [join(dir, 'data', 'SIMB.csv')] }) as { sources: unknown[]; files?: unknown };
    expect(viaFiles.sources).toEqual([{ path: join(dir, 'data', 'SIMB.csv') }]);
    expect(viaFiles.files).toBeUndefined();

    const a = await backtestEvaluator.evaluate({ fast: 5 }, { config }, {});
    const b = await backtestEvaluator.evaluate({ fast: 5 }, pinned, {});
    expect(b.metrics).toEqual(a.metrics);
  });

  it('a worker whose file is missing or different refuses to evaluate, naming the file and the hashes', async () => {
    const copy = join(dir, 'copy');
    writeSimCandleCsvs(copy, { symbols: ['SIMA'], from: '2022-03-01', to: '2022-03-15', seed: 4 });
    const file = join(copy, 'SIMA.csv');
    const pinned = pinData({ module: 'builtin', export: 'sma' }, { files: [copy] }) as { inputs: PinnedInput[] };
    expect(() => verifyInputs(pinned.inputs)).not.toThrow();

    appendFileSync(file, '2022-03-16 09:15:00,1000,1001,999,1000,10\n');
    expect(() => verifyInputs(pinned.inputs)).toThrow(InputMismatchError);
    expect(() => verifyInputs(pinned.inputs)).toThrow(new RegExp(`input ${file} differs on this worker \\(.+\\): sha256 [0-9a-f]{16}… \\(\\d+ bytes\\), the run pinned ${pinned.inputs[0]!.sha256.slice(0, 16)}…`));

    rmSync(file);
    expect(() => verifyInputs(pinned.inputs)).toThrow(new RegExp(`input ${file} is not readable on this worker \\(.+: ENOENT\\)`));
    // the evaluator checks before it reads
    expect(() => smaEvaluator.evaluate({ fast: 5, slow: 20 }, pinned, {})).toThrow(InputMismatchError);
  });
});
