/**
 * The app's backtest runs (`backtest.*` in the contract): each run goes to a piscina worker thread
 * (app-worker.ts → app-task.ts: the CLI's own path, the paper kernel on history), so the live
 * engine's event loop only sees progress messages. One thread: runs queue behind each other and
 * leave the other core to the live engine. Cancelling aborts the task, which ends its thread.
 * Runs are persisted in `backtest_runs` (inputs, state, headline); the report files are in
 * `<dir>/<id>/`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import {
  BACKTEST_MAX_SYMBOLS,
  BACKTEST_REPORT_MAX_TRADES,
  type BacktestInstance,
  type BacktestProgress,
  type BacktestReportView,
  type BacktestRunInput,
  type BacktestRunRecord,
  type BacktestRunSummary,
  type BacktestSources,
  type WalkForwardReport,
} from '../contract/backtest-schemas.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import type { BacktestRunRepo } from '../persistence/backtest-repo.js';
import type { LogFn } from '../runtime/logger.js';
import { BUILTIN_STRATEGIES } from '../strategy/builtins/index.js';
import { DEFAULT_WEIGHTS } from '../strategy/ensemble.js';
import { StrategyConfigError, validateInstance } from '../strategy/config.js';
import type { StrategyDefinition } from '../strategy/strategy.js';
import type { UserStrategyFile } from '../contract/strategy-file-schemas.js';
import { profileSectionsOf, type AppBacktestOutcome, type AppBacktestTask } from './app-task.js';
import type { RunProfile } from '../runtime/config.js';
import { walkForwardPoints } from './app-walk-forward.js';
import { loadKiteBacktestData, type KiteSourceSession } from './kite-source.js';
import { attributionByStrategy } from './report.js';

/** A report link's ticket lives this long and opens one report once. */
export const REPORT_TICKET_MS = 60_000;

/** dist/engine/backtest-worker.js next to the bundled CLI, else the source tree's tsx shim. */
export function backtestWorkerEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const bundled = join(here, 'backtest-worker.js');
  return existsSync(bundled) ? bundled : join(here, 'app-worker-tsx.mjs');
}

export interface BacktestRunsOptions {
  repo: BacktestRunRepo;
  /** Where each run's folder goes (`<dataDir>/backtests`). */
  dir: string;
  log?: LogFn;
  /** Wall clock (run times, the ETA, ticket expiry). */
  now?: () => number;
  workerFile?: string;
  /**
   * Kite historical as a source (bootstrap): the session's credentials (never sent to the renderer or the
   * worker) and the data dir whose `kite/` holds the instrument dump and the historical cache.
   */
  kite?: { session: () => KiteSourceSession | undefined; dataDir: string };
  /** Candle folders to offer (`<dataDir>/candles`): itself and its sub-folders, when they hold candles. */
  candlesDir?: string;
  /** Strategy types a run may use (default the built-ins). */
  definitions?: readonly StrategyDefinition[];
  /**
   * User strategy files (bootstrap: the engine's loader). A run may name a user type whose file is
   * loaded and whose current content is approved; the worker loads that file again and runs it only
   * if its sha256 still equals the approved one (user-strategies.ts).
   */
  userStrategies?: {
    dir: string;
    /** The files as the engine's loader last saw them (file names in `dir`). */
    files: () => readonly UserStrategyFile[];
    /** The definitions the engine has registered (built-in and user). */
    definitions: () => readonly StrategyDefinition[];
  };
  /** The engine's run profile, for runs with `useProfile` (its risk, exits, sizing and ensemble sections). */
  profile?: () => RunProfile;
  /**
   * The strategy instances the engine runs (bootstrap: the strategy service's list, as the Strategies tab
   * shows it), for `strategy: { kind: 'profile' }`; default the profile's `strategies`.
   */
  instances?: () => readonly ProfileInstance[];
}

/** A strategy instance as the engine holds it (a run profile entry or the strategy service's record). */
export interface ProfileInstance {
  id: string;
  type: string;
  params?: Record<string, unknown>;
  symbols: readonly string[];
  timeframe?: string;
  weight?: number;
  enabled?: boolean;
}

/** What a profile-set run resolves to in the engine: the instances, skipped ones, the symbols and the user files. */
interface ResolvedProfileSet {
  instances: BacktestInstance[];
  skipped: { id: string; reason: string }[];
  symbols: string[];
  userFiles: { name: string; sha256: string }[];
}

const refuse = (code: ErrorCode, path: string, message: string): RpcError => new RpcError(code, message, { issues: [{ path, message }] });

interface Active {
  abort: AbortController;
  firstProgressAt: number | null;
}

export class BacktestRuns {
  private pool: Piscina | undefined;
  private readonly active = new Map<string, Active>();
  /** The runs of this session (the progress topic's snapshot). */
  private readonly session = new Map<string, BacktestProgress>();
  private readonly listeners = new Set<(p: BacktestProgress) => void>();
  private readonly tickets = new Map<string, { id: string; expires: number }>();
  private readonly builtins: ReadonlyMap<string, StrategyDefinition>;
  private readonly now: () => number;
  private httpReports = false;
  private reportOpener: ((id: string) => void) | undefined;
  private closed = false;

  constructor(private readonly opts: BacktestRunsOptions) {
    this.now = opts.now ?? Date.now;
    this.builtins = new Map((opts.definitions ?? BUILTIN_STRATEGIES).map((d) => [d.type, d]));
    const orphans = opts.repo.failOrphans(this.now());
    if (orphans > 0) opts.log?.('warn', 'backtest runs left running by a previous engine marked failed', { runs: orphans });
  }

  /** The desktop host: `openReport` passes a run id to main, which opens its report.html itself. */
  setReportOpener(open: (id: string) => void): void {
    this.reportOpener = open;
  }

  /** Asks the host (main) to show a finished run's report.html; only the id leaves the engine. */
  openReport(id: string): { opened: true } {
    this.doneRun(id);
    if (!this.reportOpener) throw new RpcError(ErrorCode.UNAVAILABLE, 'this engine has no desktop window to open the report in: use backtest.reportLink');
    if (!existsSync(join(this.runDir(id), 'report.html'))) throw new RpcError(ErrorCode.NOT_FOUND, `the report of ${id} is missing (report.html)`);
    this.reportOpener(id);
    this.opts.log?.('info', 'backtest report opened in the desktop app', { id });
    return { opened: true };
  }

  /** The host serves report.html over HTTP (`serve`): `reportLink` answers a URL. */
  enableHttpReports(): void {
    this.httpReports = true;
  }

  /** The user types a run may name now: file loaded, its current content approved (and that content's sha256). */
  private userTypes(): Map<string, { def: StrategyDefinition; name: string; sha256: string }> {
    const u = this.opts.userStrategies;
    const out = new Map<string, { def: StrategyDefinition; name: string; sha256: string }>();
    if (!u) return out;
    const defs = new Map(u.definitions().map((d) => [d.type, d]));
    for (const f of u.files()) {
      const def = f.type !== undefined ? defs.get(f.type) : undefined;
      if (def && !this.builtins.has(def.type) && f.error === undefined && f.pendingApproval === undefined && f.sha256 !== undefined) out.set(def.type, { def, name: f.file, sha256: f.sha256 });
    }
    return out;
  }

  /** Why a user type cannot be backtested now (its file changed since approval or failed to load), or undefined. */
  private userTypeProblem(type: string): { file: string; why: string } | undefined {
    const file = this.opts.userStrategies?.files().find((f) => f.type === type);
    if (!file) return undefined;
    const why = file.pendingApproval !== undefined ? `${file.file} changed since it was approved (sha256 ${file.pendingApproval}): approve it in the Strategies tab to backtest it` : `${file.file} is not loaded: ${file.error ?? 'no approved content'}`;
    return { file: file.file, why };
  }

  /**
   * `strategy: { kind: 'profile' }`: the engine's enabled instances, each checked (type backtestable, params
   * by its schema), narrowed to the asked symbols (an instance left without any is skipped), the symbols
   * (default the union), the user files to re-check in the worker. Refusals name the instance and field.
   */
  private resolveProfileSet(input: BacktestRunInput, users: ReturnType<BacktestRuns['userTypes']>): ResolvedProfileSet {
    if (!this.opts.profile) throw refuse(ErrorCode.UNAVAILABLE, 'strategy', 'this engine has no run profile whose strategies could be run');
    const profile = this.opts.profile();
    const all = this.opts.instances?.() ?? profile.strategies;
    const enabled = all.filter((i) => i.enabled !== false);
    if (enabled.length === 0) throw refuse(ErrorCode.CONFLICT, 'strategy', `the run profile has no enabled strategy instance to run (${all.length} configured, none enabled)`);
    const weights: Record<string, number> = { ...DEFAULT_WEIGHTS, ...profile.ensemble.weights };
    const union = [...new Set(enabled.flatMap((i) => i.symbols))];
    if (input.symbols.length > 0) {
      const stray = input.symbols.filter((s) => !union.includes(s));
      if (stray.length > 0) throw refuse(ErrorCode.INVALID_INPUT, 'symbols', `${stray.join(', ')}: not a symbol of any enabled instance of the run profile (${union.join(', ')})`);
    } else if (union.length > BACKTEST_MAX_SYMBOLS) {
      throw refuse(ErrorCode.INVALID_INPUT, 'symbols', `the profile's enabled instances trade ${union.length} symbols; at most ${BACKTEST_MAX_SYMBOLS} in one run: list the ones to run`);
    }
    const symbols = input.symbols.length > 0 ? [...input.symbols] : union;
    const want = new Set(symbols);
    const instances: BacktestInstance[] = [];
    const skipped: ResolvedProfileSet['skipped'] = [];
    const files = new Map<string, string>();
    for (const inst of enabled) {
      const at = `strategy.instances.${inst.id}`;
      const user = users.get(inst.type);
      if (!this.builtins.has(inst.type) && !user) {
        const p = this.userTypeProblem(inst.type);
        if (p) throw refuse(ErrorCode.CONFLICT, `${at}.type`, `instance ${inst.id} (type "${inst.type}") cannot be backtested: ${p.why}`);
        throw refuse(ErrorCode.NOT_FOUND, `${at}.type`, `instance ${inst.id}: unknown strategy type "${inst.type}" (neither built in nor an approved user strategy file)`);
      }
      const mine = inst.symbols.filter((s) => want.has(s));
      if (mine.length === 0) {
        skipped.push({ id: inst.id, reason: `none of its symbols (${inst.symbols.join(', ')}) is in the run` });
        continue;
      }
      const defs: ReadonlyMap<string, StrategyDefinition> = user ? new Map([[inst.type, user.def]]) : this.builtins;
      try {
        const v = validateInstance({ id: inst.id, type: inst.type, params: inst.params ?? {}, symbols: mine, ...(inst.timeframe ? { timeframe: inst.timeframe } : {}), ...(inst.weight !== undefined ? { weight: inst.weight } : {}) }, defs, (t) => weights[t] ?? 1);
        instances.push({ id: v.id, type: v.type, params: v.params, symbols: v.symbols, timeframe: v.timeframe, weight: v.weight });
      } catch (e) {
        if (!(e instanceof StrategyConfigError)) throw e;
        const issues = e.issues.map((i) => ({ path: `${at}.${i.path}`, message: i.message }));
        throw new RpcError(ErrorCode.INVALID_INPUT, `instance ${inst.id} of the run profile cannot be backtested: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
      }
      if (user) files.set(user.name, user.sha256);
    }
    if (instances.length === 0) throw refuse(ErrorCode.INVALID_INPUT, 'symbols', `no enabled instance trades ${symbols.join(', ')}`);
    // the data must have every symbol: a folder is checked here, naming the missing ones
    if (input.data.kind === 'folder' && isDir(input.data.dir)) {
      const have = new Set(candleSymbols(input.data.dir));
      const missing = symbols.filter((s) => !have.has(s));
      if (missing.length > 0) throw refuse(ErrorCode.INVALID_INPUT, 'data.dir', `no candles for ${missing.join(', ')} in ${input.data.dir} (expected <SYMBOL>.csv or a folder <SYMBOL>/): narrow the symbols or pick another folder`);
    }
    return { instances, skipped, symbols, userFiles: [...files].map(([name, sha256]) => ({ name, sha256 })) };
  }

  /** Validates and starts a run; answers its id at once. */
  start(asked: BacktestRunInput): { id: string } {
    if (this.closed) throw new RpcError(ErrorCode.UNAVAILABLE, 'the engine is shutting down');
    const users = this.userTypes();
    let input = asked;
    let record: BacktestRunRecord = asked;
    let set: ResolvedProfileSet | undefined;
    let user: { def: StrategyDefinition; name: string; sha256: string } | undefined;
    if (typeof asked.strategy !== 'string') {
      set = this.resolveProfileSet(asked, users);
      // a profile set runs under the profile's sections; the record names what was run
      input = { ...asked, symbols: set.symbols, useProfile: true };
      record = { ...input, strategy: { kind: 'profile', instances: set.instances, skipped: set.skipped } };
    } else {
      const type = asked.strategy;
      user = users.get(type);
      if (!this.builtins.has(type) && !user) {
        // a user type whose file changed since approval (or failed to load) names the file and why
        const p = this.userTypeProblem(type);
        if (p) throw new RpcError(ErrorCode.CONFLICT, `strategy type "${type}" cannot be backtested: ${p.why}`, { issues: [{ path: 'strategy', message: p.why }] });
        const known = [...this.builtins.keys(), ...users.keys()].sort();
        throw new RpcError(ErrorCode.NOT_FOUND, `unknown strategy type "${type}" for a backtest; known: ${known.join(', ')}`, {
          issues: [{ path: 'strategy', message: 'neither built in nor an approved user strategy file' }],
        });
      }
      const defs: ReadonlyMap<string, StrategyDefinition> = user ? new Map([[type, user.def]]) : this.builtins;
      const check = (params: Record<string, unknown>, where: (path: string) => string) => {
        try {
          validateInstance({ id: 'backtest', type, params, symbols: input.symbols, ...(input.timeframe ? { timeframe: input.timeframe } : {}) }, defs, () => 1);
        } catch (e) {
          if (e instanceof StrategyConfigError) {
            const issues = e.issues.map((i) => ({ path: where(i.path), message: i.message }));
            throw new RpcError(ErrorCode.INVALID_INPUT, `invalid ${input.walkForward ? 'walk-forward' : 'backtest'} of ${type}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
          }
          throw e;
        }
      };
      if (!input.walkForward) check(input.params, (p) => p);
      else {
        // every point of the grid is a valid instance; a bad swept value is reported at its range
        const space = input.walkForward.space;
        const at = (path: string) => {
          const i = space.findIndex((p) => path === `params.${p.param}` || path.startsWith(`params.${p.param}.`));
          return i < 0 ? path : `walkForward.space.${i}`;
        };
        for (const point of walkForwardPoints(input.walkForward)) check({ ...input.params, ...point }, at);
      }
    }
    if (input.useProfile && !this.opts.profile) {
      const message = 'this engine has no run profile to apply';
      throw new RpcError(ErrorCode.UNAVAILABLE, message, { issues: [{ path: 'useProfile', message }] });
    }
    const kiteSession = input.data.kind === 'kite' ? this.opts.kite?.session() : undefined;
    if (input.data.kind === 'kite' && !kiteSession) {
      const message = this.opts.kite ? 'no Kite session: log in to Kite (Settings) to backtest on its historical candles' : 'this engine has no Kite connection';
      throw new RpcError(ErrorCode.UNAVAILABLE, message, { issues: [{ path: 'data.kind', message }] });
    }
    if (input.data.kind === 'folder') {
      const dir = input.data.dir;
      if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        const message = `no such folder: ${dir}`;
        throw new RpcError(ErrorCode.INVALID_INPUT, message, { issues: [{ path: 'data.dir', message }] });
      }
    }
    const createdAt = this.now();
    const id = `bt-${createdAt.toString(36)}-${randomBytes(3).toString('hex')}`;
    this.opts.repo.insert(id, createdAt, record);
    const act: Active = { abort: new AbortController(), firstProgressAt: null };
    this.active.set(id, act);
    this.emit({ id, state: 'running', done: 0, total: 0, etaMs: null, error: null });

    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: { done: number; total: number }) => {
      const p = this.session.get(id);
      if (!p || p.state !== 'running') return;
      const t = this.now();
      act.firstProgressAt ??= t;
      const elapsed = t - act.firstProgressAt;
      const etaMs = m.done > 0 && m.total > m.done && elapsed > 0 ? Math.round((elapsed * (m.total - m.done)) / m.done) : null;
      this.emit({ ...p, done: m.done, total: m.total, etaMs });
    });
    const task: AppBacktestTask = {
      input,
      outDir: this.runDir(id),
      ...(input.useProfile && this.opts.profile ? { profileSections: profileSectionsOf(this.opts.profile()) } : {}),
      ...(user ? { userStrategy: { dir: this.opts.userStrategies!.dir, name: user.name, sha256: user.sha256 } } : {}),
      ...(set ? { profileSet: { instances: set.instances, skipped: set.skipped } } : {}),
      ...(set?.userFiles.length ? { userStrategies: { dir: this.opts.userStrategies!.dir, files: set.userFiles } } : {}),
    };
    // Kite candles are fetched here (the session stays in this thread), then handed to the worker with the task
    const d = input.data;
    const ready: Promise<AppBacktestTask> =
      d.kind === 'kite' && kiteSession
        ? loadKiteBacktestData({ specs: input.symbols.map((symbol) => ({ exchange: d.exchange, symbol, interval: d.interval })), from: input.from, to: input.to, dataDir: this.opts.kite!.dataDir, session: kiteSession, now: this.now }).then(({ data, stats }) => {
            this.opts.log?.('info', 'backtest kite candles loaded', { id, historicalRequests: stats.historicalRequests, dump: stats.instrumentDump });
            return { ...task, preloaded: data };
          })
        : Promise.resolve(task);
    ready
      .then((t) => {
        if (act.abort.signal.aborted) throw act.abort.signal.reason;
        return this.poolOf().run({ task: t, port: port2 }, { transferList: [port2] as never, signal: act.abort.signal }) as Promise<AppBacktestOutcome>;
      })
      .then(
        (o: AppBacktestOutcome) => this.finish(id, 'done', o, null),
        (e: unknown) => {
          if (act.abort.signal.aborted) return; // cancel() already recorded it
          let message = e instanceof Error ? e.message : String(e);
          if (kiteSession) message = message.replaceAll(kiteSession.accessToken, '***').replaceAll(kiteSession.apiKey, '***');
          this.opts.log?.('warn', 'backtest failed', { id, error: message.slice(0, 500) });
          this.finish(id, 'failed', null, message.slice(0, 4000));
        },
      )
      .finally(() => port1.close());
    this.opts.log?.('info', input.walkForward ? 'walk-forward started' : 'backtest started', { id, strategy: set ? `profile (${set.instances.length} strategies)` : input.strategy, symbols: input.symbols.join(','), from: input.from, to: input.to, data: input.data.kind });
    return { id };
  }

  cancel(id: string): BacktestProgress {
    const act = this.active.get(id);
    if (!act) {
      const r = this.opts.repo.get(id);
      if (!r) throw new RpcError(ErrorCode.NOT_FOUND, `no backtest run ${id}`);
      throw new RpcError(ErrorCode.CONFLICT, `backtest run ${id} is not running (${r.state})`);
    }
    this.finish(id, 'cancelled', null, 'cancelled by the user');
    act.abort.abort();
    return this.session.get(id)!;
  }

  /** The strategy types a run may name and the candle folders the engine knows (with their symbols). */
  sources(): BacktestSources {
    const folders: BacktestSources['folders'] = [];
    const seen = new Set<string>();
    const add = (dir: string, origin: 'data-dir' | 'past-run') => {
      if (seen.has(dir)) return;
      seen.add(dir);
      const symbols = candleSymbols(dir);
      if (symbols.length > 0) folders.push({ dir, origin, symbols });
    };
    const root = this.opts.candlesDir;
    if (root !== undefined && isDir(root)) {
      add(root, 'data-dir');
      for (const e of safeReaddir(root)) if (e.isDirectory() && !/^[A-Z0-9&_-]+$/.test(e.name)) add(join(root, e.name), 'data-dir');
    }
    for (const r of this.opts.repo.list(500)) if (r.input.data.kind === 'folder' && isDir(r.input.data.dir)) add(r.input.data.dir, 'past-run');
    const kite = !this.opts.kite ? { available: false, reason: 'this engine has no Kite connection' } : this.opts.kite.session() ? { available: true, reason: null } : { available: false, reason: 'no Kite session: log in to Kite (Settings)' };
    return { strategyTypes: [...this.builtins.keys(), ...this.userTypes().keys()].sort(), folders, kite };
  }

  list(limit: number): BacktestRunSummary[] {
    return this.opts.repo.list(limit);
  }

  progress(): BacktestProgress[] {
    return [...this.session.values()];
  }

  onProgress(l: (p: BacktestProgress) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  runDir(id: string): string {
    return join(this.opts.dir, id);
  }

  private doneRun(id: string): BacktestRunSummary {
    const r = this.opts.repo.get(id);
    if (!r) throw new RpcError(ErrorCode.NOT_FOUND, `no backtest run ${id}`);
    if (r.state !== 'done') throw new RpcError(ErrorCode.CONFLICT, `backtest run ${id} has no report (${r.state}${r.error ? `: ${r.error.split('\n')[0]}` : ''})`);
    return r;
  }

  report(id: string): BacktestReportView {
    const run = this.doneRun(id);
    const file = join(this.runDir(id), 'report.json');
    let json: { period: { fromMs: number; toMs: number }; trades: Record<string, unknown>[]; warnings: string[]; byStrategy?: BacktestReportView['byStrategy']; walkForward?: WalkForwardReport };
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as typeof json;
    } catch (e) {
      throw new RpcError(ErrorCode.NOT_FOUND, `the report of ${id} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const n = (v: unknown) => Number(v);
    return {
      run,
      period: { from: json.period.fromMs, to: json.period.toMs },
      tradeCount: json.trades.length,
      trades: json.trades.slice(0, BACKTEST_REPORT_MAX_TRADES).map((t) => ({
        strategy: String(t['strategy']),
        symbol: String(t['symbol']),
        side: t['side'] === 'short' ? 'short' : 'long',
        qty: n(t['qty']),
        entryTime: n(t['entryTimeMs']),
        entryPricePaise: n(t['entryPricePaise']),
        exitTime: n(t['exitTimeMs']),
        exitPricePaise: n(t['exitPricePaise']),
        grossPnlPaise: n(t['netPnlPaise']) + n(t['chargesPaise']),
        chargesPaise: n(t['chargesPaise']),
        netPnlPaise: n(t['netPnlPaise']),
      })),
      warnings: json.warnings,
      // reports written before the attribution section: computed from the trades
      byStrategy: json.byStrategy ?? attributionByStrategy(json.trades.map((t) => ({ strategy: String(t['strategy']), netPnlPaise: n(t['netPnlPaise']), chargesPaise: n(t['chargesPaise']) }))),
      ...(json.walkForward ? { walkForward: json.walkForward } : {}),
    };
  }

  /** Where report.html is, and (under `serve`) a one-time URL for it. */
  reportLink(id: string): { url: string | null; file: string } {
    this.doneRun(id);
    const file = join(this.runDir(id), 'report.html');
    if (!this.httpReports) return { url: null, file };
    const t = this.now();
    for (const [k, v] of this.tickets) if (v.expires <= t) this.tickets.delete(k);
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(ticket, { id, expires: t + REPORT_TICKET_MS });
    return { url: `/backtests/${id}/report.html?ticket=${ticket}`, file };
  }

  /** report.html for a valid ticket of this run (used up), else null. */
  reportHtmlForTicket(id: string, ticket: string): string | null {
    const v = this.tickets.get(ticket);
    if (!v) return null;
    this.tickets.delete(ticket);
    if (v.id !== id || v.expires <= this.now()) return null;
    try {
      return readFileSync(join(this.runDir(id), 'report.html'), 'utf8');
    } catch {
      return null;
    }
  }

  /** Cancels what runs and ends the worker thread. */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.active.keys()]) this.cancel(id);
    await this.pool?.destroy();
  }

  private poolOf(): Piscina {
    this.pool ??= new Piscina({
      filename: this.opts.workerFile ?? backtestWorkerEntry(),
      minThreads: 0,
      maxThreads: Math.min(1, availableParallelism()),
      idleTimeout: 30_000,
    });
    return this.pool;
  }

  private finish(id: string, state: 'done' | 'failed' | 'cancelled', o: AppBacktestOutcome | null, error: string | null): void {
    if (!this.active.delete(id)) return;
    this.opts.repo.finish(id, this.now(), state, o?.headline ?? null, error);
    const p = this.session.get(id)!;
    const total = state === 'done' ? Math.max(p.total, 1) : p.total;
    this.emit({ ...p, state, total, done: state === 'done' ? total : p.done, etaMs: null, error });
    this.opts.log?.('info', 'backtest finished', { id, state });
  }

  private emit(p: BacktestProgress): void {
    this.session.set(p.id, p);
    for (const l of this.listeners) l(p);
  }
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

function safeReaddir(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Symbols with candles in a folder: `<SYM>.csv` files and `<SYM>/` folders (upper-case names), at most 500. */
export function candleSymbols(dir: string): string[] {
  const out = new Set<string>();
  for (const e of safeReaddir(dir)) {
    const m = e.isFile() ? /^([A-Z0-9&_-]+)\.csv$/.exec(e.name) : e.isDirectory() ? /^([A-Z0-9&_-]+)$/.exec(e.name) : null;
    if (m) out.add(m[1]!);
    if (out.size >= 500) break;
  }
  return [...out].sort();
}
