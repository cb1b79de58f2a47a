/**
 * An optimisation's data travel by content. Before a run, the data of the built-in evaluators are
 * PINNED: folders expanded to their files, every path made absolute (against this process's working
 * directory, not a worker's), and the SHA-256 and size of every file — the backtest config too —
 * recorded in `data.inputs`. Every worker (a thread here, or `kitedesk worker` on another machine)
 * checks each pinned file before it evaluates: a file it lacks, or whose content differs, fails the
 * task with an InputMismatchError naming the file, the host and both hashes. So a worker can never
 * score a point on other data than the run's and put a different ranked table together; what it
 * needs is the same files at the same paths.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBacktestConfig } from '../backtest/backtest.js';
import type { EvaluatorRef } from './evaluator.js';

export interface PinnedInput {
  /** Absolute path. */
  path: string;
  sha256: string;
  bytes: number;
}

/** A backtest data source after pinning: one file, with the symbol its source named (if any). */
export interface PinnedSource {
  path: string;
  symbol?: string;
}

export class InputMismatchError extends Error {
  override readonly name = 'InputMismatchError';
}

export class InputPinError extends Error {
  override readonly name = 'InputPinError';
}

export function hashFile(path: string): { sha256: string; bytes: number; buf: Buffer } {
  const buf = readFileSync(path);
  return { sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length, buf };
}

/** A file as is, a folder as its `*.csv` files (sorted); `ci`: the backtester's case-insensitive match. */
function expand(path: string, ci: boolean): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new InputPinError(`data ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isDirectory()) return [path];
  const names = readdirSync(path)
    .filter((n) => (ci ? /\.csv$/i.test(n) : n.endsWith('.csv')) && statSync(join(path, n)).isFile())
    .sort();
  if (names.length === 0) throw new InputPinError(`data ${path}: no *.csv files`);
  return names.map((n) => join(path, n));
}

function pin(path: string): PinnedInput {
  try {
    const { sha256, bytes } = hashFile(path);
    return { path, sha256, bytes };
  } catch (e) {
    throw new InputPinError(`data ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The data with its files pinned, for the built-in evaluators (`builtin:sma`: `{ files }`;
 * `builtin:backtest`: `{ config, files? }` → `{ config, sources, inputs }`); other evaluators' data and
 * data already pinned are returned as they are.
 */
export function pinData(evaluator: EvaluatorRef, data: unknown): unknown {
  if (evaluator.module !== 'builtin' || !isRecord(data) || data['inputs'] !== undefined) return data;
  if (evaluator.export === 'sma') {
    const files = data['files'];
    if (!Array.isArray(files) || files.some((f) => typeof f !== 'string')) return data; // the evaluator says what is wrong
    const expanded = (files as string[]).flatMap((f) => expand(resolve(f), false));
    return { ...data, files: expanded, inputs: expanded.map(pin) };
  }
  if (evaluator.export === 'backtest') {
    if (typeof data['config'] !== 'string') return data;
    const config = resolve(data['config']);
    const cfg = pin(config);
    const files = data['files'];
    let sources: PinnedSource[];
    if (Array.isArray(files) && files.every((f) => typeof f === 'string')) sources = (files as string[]).map((path) => ({ path }));
    else {
      const parsed = parseBacktestConfig(readFileSync(config, 'utf8'), config);
      sources = parsed.backtest.data.map((d) => (d.symbol !== undefined ? { path: d.path, symbol: d.symbol } : { path: d.path }));
    }
    // relative paths of the config are read from this process's working directory, as `kitedesk backtest` does
    const pinned = sources.flatMap((s) => expand(resolve(s.path), true).map((path) => (s.symbol !== undefined ? { path, symbol: s.symbol } : { path })));
    const { files: _replaced, ...rest } = data;
    const strategies = pinStrategies(data['strategies']);
    return {
      ...rest,
      config,
      sources: pinned,
      ...(strategies ? { strategies: strategies.map(({ path, type, sha256 }) => ({ path, type, sha256 })) } : {}),
      inputs: [cfg, ...pinned.map((s) => pin(s.path)), ...(strategies ?? []).map(({ path, sha256, bytes }) => ({ path, sha256, bytes }))],
    };
  }
  return data;
}

/**
 * `data.strategies` of builtin:backtest (user strategy files, `{ path, type, sha256? }`, as
 * `optimize --strategies-dir` loaded them) pinned like the data: a file whose content is no longer the
 * one loaded is refused.
 */
function pinStrategies(v: unknown): (PinnedInput & { type: string })[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => !isRecord(x) || typeof x['path'] !== 'string' || typeof x['type'] !== 'string' || (x['sha256'] !== undefined && typeof x['sha256'] !== 'string'))) {
    throw new InputPinError('data.strategies must be a list of { path, type, sha256? } (user strategy files)');
  }
  return (v as { path: string; type: string; sha256?: string }[]).map((x) => {
    const p = pin(resolve(x.path));
    if (x.sha256 !== undefined && x.sha256 !== p.sha256) throw new InputPinError(`user strategy ${p.path} (type ${x.type}) changed since it was loaded: sha256 ${p.sha256.slice(0, 16)}…, loaded ${x.sha256.slice(0, 16)}…`);
    return { ...p, type: x.type };
  });
}

/** The pinned inputs of some data, checked as a list (undefined: not pinned). */
export function pinnedInputs(data: unknown): PinnedInput[] | undefined {
  if (!isRecord(data) || data['inputs'] === undefined) return undefined;
  const v = data['inputs'];
  if (!Array.isArray(v) || v.some((x) => !isRecord(x) || typeof x['path'] !== 'string' || typeof x['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(x['sha256']))) {
    throw new InputMismatchError('data.inputs must be a list of { path, sha256 (64 hex digits), bytes }');
  }
  return v as PinnedInput[];
}

/**
 * Checks every pinned file on this machine (once per thread and content: the evaluators cache by the
 * pinned hashes); throws an InputMismatchError for the first file that is missing or different.
 */
export function verifyInputs(inputs: readonly PinnedInput[] | undefined): void {
  if (!inputs) return;
  const host = hostname();
  for (const i of inputs) {
    let got: { sha256: string; bytes: number };
    try {
      got = hashFile(i.path);
    } catch (e) {
      throw new InputMismatchError(
        `input ${i.path} is not readable on this worker (${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); every worker needs the run's files at the same paths with the same content (sha256 ${i.sha256.slice(0, 16)}…)`,
      );
    }
    if (got.sha256 !== i.sha256) {
      throw new InputMismatchError(
        `input ${i.path} differs on this worker (${host}): sha256 ${got.sha256.slice(0, 16)}… (${got.bytes} bytes), the run pinned ${i.sha256.slice(0, 16)}… (${i.bytes} bytes); every worker needs the same content`,
      );
    }
  }
}
