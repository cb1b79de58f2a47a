/**
 * User strategy files for a backtest: loaded once (no watching) by the engine's own loader
 * (strategy/user-loader.ts), so a backtest runs them exactly as paper and live do.
 *
 *  - The app's worker passes the files the engine has APPROVED, each with the approved sha256: the
 *    loader hashes the file's content as it is now and loads it only when that equals the approved
 *    hash (a file changed after approval waits for approval again and is not run).
 *  - The CLI (`kitedesk backtest --strategies-dir DIR`) loads every file in DIR: the person at the
 *    terminal chose the folder, so no approval is asked (docs/backtest.md).
 * Both refuse a file (or folder) not owned by this user or writable by others, as the engine's loader does.
 */
import { basename, join, resolve } from 'node:path';
import type { StrategyApprovals } from '../strategy/approvals.js';
import { UserStrategyLoader, type UserStrategyError } from '../strategy/user-loader.js';
import type { StrategyDefinition } from '../strategy/strategy.js';

/** A file the engine approved: its name in the strategies folder and the approved content's sha256. */
export interface ApprovedStrategyFile {
  name: string;
  sha256: string;
}

export interface BacktestStrategies {
  definitions: StrategyDefinition[];
  /** Loaded files: absolute path, type, sha256 of the content run. */
  loaded: { file: string; type: string; sha256?: string }[];
  /** Files not loaded, each message naming the file. */
  errors: UserStrategyError[];
}

/** A user strategy file required by the run was not loaded (the message names the file and why). */
export class BacktestStrategyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BacktestStrategyError';
  }
}

/**
 * Loads the user strategy files of `dir` for one backtest. With `approved`, only those files, and
 * only with that exact content; every one of them must load, else {@link BacktestStrategyError}.
 * Without it (the CLI), every file; files that fail are listed in `errors`.
 */
export async function loadBacktestStrategies(dir: string, approved?: readonly ApprovedStrategyFile[]): Promise<BacktestStrategies> {
  const want = approved ? new Map(approved.map((a) => [a.name, a.sha256.toLowerCase()])) : undefined;
  const approvals: StrategyApprovals = {
    // the CLI approves every file (ownership checks still apply); the worker only the approved content
    isApproved: (name, sha256) => (want ? want.get(name) === sha256 : true),
    approve: () => {
      throw new Error('approvals are given in the app, not in a backtest');
    },
  };
  const definitions = new Map<string, StrategyDefinition>();
  const errors: UserStrategyError[] = [];
  const root = resolve(dir);
  const loader = new UserStrategyLoader({
    dir: root,
    watch: false,
    approvals,
    register: (def) => void definitions.set(def.type, def),
    unregister: (type) => void definitions.delete(type),
    onError: (e) => void errors.push(e),
  });
  await loader.start();
  loader.stop();
  const status = loader.status();
  const loaded = status.filter((s) => s.type !== undefined && s.error === undefined).map((s) => ({ file: s.file, type: s.type!, ...(s.sha256 !== undefined ? { sha256: s.sha256 } : {}) }));
  if (!want) return { definitions: [...definitions.values()], loaded, errors };
  // only the approved files count; the others in the folder are none of this run's business
  const mine = errors.filter((e) => want.has(basename(e.file)) || e.file === root);
  const missing = [...want.keys()].filter((name) => !loaded.some((l) => l.file === join(root, name)));
  if (missing.length > 0) {
    const why = missing.map((name) => {
      const e = mine.find((x) => basename(x.file) === name) ?? mine.find((x) => x.file === root);
      return e ? e.message : `${name}: not found in ${root}`;
    });
    throw new BacktestStrategyError(`user strategy not run: ${why.join('; ')}`);
  }
  const types = new Set(loaded.filter((l) => want.has(basename(l.file))).map((l) => l.type));
  return { definitions: [...definitions.values()].filter((d) => types.has(d.type)), loaded: loaded.filter((l) => want.has(basename(l.file))), errors: mine };
}
