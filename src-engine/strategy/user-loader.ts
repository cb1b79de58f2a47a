import { createHash } from 'node:crypto';
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { StrategyApprovals } from './approvals.js';
import { BUILTIN_STRATEGIES } from './builtins/index.js';
import { validateInstance } from './config.js';
import type { StrategyRunner } from './runner.js';
import {
  STRATEGY_TIMEFRAMES,
  clamp01,
  defineStrategy,
  timeframeMs,
  type StrategyContext,
  type StrategyDefinition,
  type StrategyHooks,
  type StrategyTimeframe,
} from './strategy.js';

/**
 * User strategies: `.js` / `.mjs` / `.ts` files in a folder (the data dir's `strategies/`), each
 * default-exporting a strategy definition (a plain object, or a function that receives the
 * {@link UserStrategySdk} and returns one). Files are loaded at start, then watched and reloaded on
 * add / change / delete / rename. Nothing a file does while loading reaches the caller as a throw:
 * every problem goes to `onError`, the last good version of the file's type stays registered and
 * the loader keeps watching. Hooks that throw at run time are the runner's business (it disables
 * the instance). User code is NOT sandboxed: it runs with the engine's privileges. So, with
 * `approvals`: a file (or the folder) not owned by this user or writable by others is refused, and a
 * new or changed file is not loaded until the person approves its exact content (sha256); the last
 * approved version stays registered meanwhile. See docs/security.md.
 *
 * Files whose name starts with `.` or `_` are ignored (helpers, editor temp files), as are `.d.ts`.
 * See docs/user-strategies.md.
 */

/** What a factory default export receives: the strategy SDK, so user files need no imports. */
export interface UserStrategySdk {
  z: typeof z;
  defineStrategy: typeof defineStrategy;
  clamp01: typeof clamp01;
  timeframeMs: typeof timeframeMs;
  STRATEGY_TIMEFRAMES: typeof STRATEGY_TIMEFRAMES;
}

export const USER_STRATEGY_SDK: UserStrategySdk = Object.freeze({ z, defineStrategy, clamp01, timeframeMs, STRATEGY_TIMEFRAMES });

export interface UserStrategyError {
  /** Absolute path of the file. */
  file: string;
  /** Names the file (and the bad field, for shape errors); says whether an older version stays registered. */
  message: string;
}

export interface UserStrategyLoaded {
  file: string;
  type: string;
}

interface EsbuildLike {
  transform(source: string, options: Record<string, unknown>): Promise<{ code: string }>;
}

export interface UserStrategyLoaderOptions {
  /** The folder to load from (need not exist yet). */
  dir: string;
  /** Register (or replace) a definition; may throw (reported through `onError`, the old version stays). */
  register(def: StrategyDefinition, file: string): void;
  /** The file that defined `type` was deleted, renamed away or now defines another type. */
  unregister(type: string, file: string): void;
  onError(e: UserStrategyError): void;
  onLoaded?(e: UserStrategyLoaded): void;
  /** Watch the folder after the first load. Default true. */
  watch?: boolean;
  /** Quiet time after the last file event before reloading. Default 200 ms. */
  debounceMs?: number;
  /** Types user files may not take. Default: the built-in strategy types. */
  reservedTypes?: Iterable<string>;
  /** How often the folder's existence / identity is checked (created later, removed, replaced). Default 2000 ms. */
  pollMs?: number;
  /** A file whose import has not settled after this long is reported (its top level hangs). Default 10 s. */
  loadTimeoutMs?: number;
  /** Approved content per file; when given, only approved, privately owned files load. */
  approvals?: StrategyApprovals;
  /** The per-file status changed (a file pending approval, loaded, refused, gone). */
  onStatus?(files: UserStrategyFileStatus[]): void;
  /** Test hook: how esbuild is imported (default `import('esbuild')`). */
  importEsbuild?: () => Promise<EsbuildLike>;
}

export interface UserStrategyFileStatus {
  file: string;
  /** The registered type, if a version of the file loaded. */
  type?: string;
  /** The last load error, if the newest version failed (or was refused). */
  error?: string;
  /** sha256 (hex) of the file's current content (with approvals on). */
  sha256?: string;
  /** Set when the current content waits for the person's approval: its sha256. */
  pendingApproval?: string;
}

/** Why a file or folder may not be loaded from: not this user's, or writable by others (POSIX). */
export function ownershipProblem(st: { uid: number; mode: number }, what: string, uid: number | undefined = process.getuid?.()): string | undefined {
  if (uid === undefined) return undefined; // Windows: no POSIX owner or mode bits (docs/security.md)
  if (st.uid !== uid) return `${what} is not owned by this user (uid ${st.uid}, expected ${uid}), so it is not loaded`;
  if ((st.mode & 0o022) !== 0) return `${what} is writable by others (mode ${(st.mode & 0o777).toString(8)}), so it is not loaded; chmod go-w it`;
  return undefined;
}

const EXTENSIONS = new Set(['.js', '.mjs', '.ts']);
const TYPE_RE = /^[a-z][a-z0-9_]{0,47}$/;
const DEF_KEYS = ['type', 'description', 'params', 'timeframes', 'warmup', 'create'] as const;
const HOOK_KEYS = ['onBar', 'onTick', 'onFill', 'onTimer'] as const;

/** Whether a folder entry is a candidate user strategy file. */
export function isUserStrategyFile(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('_') || name.endsWith('.d.ts')) return false;
  return EXTENSIONS.has(extname(name));
}

/** A user file's load failed (message names the file and, for shape errors, the field). */
export class UserStrategyLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserStrategyLoadError';
  }
}

interface FileState {
  /** The type this file has registered (its last good version). */
  type?: string;
  /** Hash of the last content tried (identical rewrites are skipped). */
  hash?: string;
  error?: string;
  /** Try again even if unchanged (it clashed with a type that has since been released). */
  retry?: boolean;
  sha256?: string;
  pendingApproval?: string;
}

export class UserStrategyLoader {
  readonly dir: string;
  private readonly opts: UserStrategyLoaderOptions;
  private readonly reserved: Set<string>;
  private readonly debounceMs: number;
  private readonly pollMs: number;
  private readonly loadTimeoutMs: number;
  private readonly files = new Map<string, FileState>();
  /** type → file that registered it */
  private readonly owners = new Map<string, string>();
  private watcher: FSWatcher | undefined;
  /** Identity (inode + birth time) of the watched folder: a folder removed and re-created is re-watched. */
  private watchedId: string | undefined;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private debounceTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly pending = new Set<string>();
  private rescan = false;
  private queue: Promise<void> = Promise.resolve();
  private seq = 0;
  private running = false;
  private polling = false;
  /** Identity of a folder that `fs.watch` refused (not retried every poll). */
  private unwatchable: string | undefined;
  private esbuild: Promise<EsbuildLike> | undefined;

  constructor(opts: UserStrategyLoaderOptions) {
    this.opts = opts;
    this.dir = resolve(opts.dir);
    this.reserved = new Set(opts.reservedTypes ?? BUILTIN_STRATEGIES.map((d) => d.type));
    this.debounceMs = opts.debounceMs ?? 200;
    this.pollMs = opts.pollMs ?? 2000;
    this.loadTimeoutMs = opts.loadTimeoutMs ?? 10_000;
  }

  /** Loads every file present, then (unless `watch: false`) watches the folder. Never rejects. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.opts.watch !== false) {
      await this.arm();
      this.pollTimer = setInterval(() => void this.poll(), this.pollMs);
      this.pollTimer.unref?.();
    }
    await this.enqueue(() => this.syncAll(false));
  }

  /** Stops watching. Registered definitions stay registered. */
  stop(): void {
    this.running = false;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.debounceTimer = this.pollTimer = undefined;
    this.disarm();
    this.pending.clear();
  }

  /** Reloads every file (even unchanged ones) and drops types whose file is gone. Never rejects. */
  reloadAll(): Promise<void> {
    return this.enqueue(() => this.syncAll(true));
  }

  /** Per-file state, sorted by file name. */
  status(): UserStrategyFileStatus[] {
    return [...this.files.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([file, s]) => ({
        file,
        ...(s.type !== undefined ? { type: s.type } : {}),
        ...(s.error !== undefined ? { error: s.error } : {}),
        ...(s.sha256 !== undefined ? { sha256: s.sha256 } : {}),
        ...(s.pendingApproval !== undefined ? { pendingApproval: s.pendingApproval } : {}),
      }));
  }

  /**
   * The person approved `name` (a file in the folder) with the content whose sha256 they saw; it
   * loads now. Rejects when there is no approval store, no such file, or the content changed since.
   */
  async approve(name: string, sha256: string): Promise<UserStrategyFileStatus[]> {
    const approvals = this.opts.approvals;
    if (!approvals) throw new UserStrategyLoadError('user strategy approvals are not enabled here');
    if (basename(name) !== name || !isUserStrategyFile(name)) throw new UserStrategyLoadError(`${name}: not a strategy file name in ${this.dir}`);
    const file = join(this.dir, name);
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch {
      throw new UserStrategyLoadError(`${name}: no such file in ${this.dir}`);
    }
    const now = sha256Of(source);
    if (now !== sha256.toLowerCase()) throw new UserStrategyLoadError(`${name}: the file changed since it was shown (its sha256 is now ${now}); look at it again`);
    // Outside the load queue: in the desktop app this waits for the person's answer in main's dialog.
    // The load below checks the approval again against the content then on disk.
    try {
      await approvals.approve(name, now);
    } catch (e) {
      throw new UserStrategyLoadError(`${name}: not approved: ${messageOf(e)}`);
    }
    await this.enqueue(() => this.sync(file, true), true);
    return this.status();
  }

  /** Asks the approval store (main, in the desktop app); an unanswered check approves nothing. */
  private async isApproved(name: string, hash: string): Promise<{ ok: boolean; error?: string }> {
    try {
      return { ok: (await this.opts.approvals?.isApproved(name, hash)) === true };
    } catch (e) {
      return { ok: false, error: messageOf(e) };
    }
  }

  /** Resolves when every load queued so far is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.enqueue(async () => {});
  }

  // ---- watching ------------------------------------------------------------------------------

  private async arm(): Promise<void> {
    const st = await stat(this.dir).catch(() => undefined);
    if (!st?.isDirectory()) return;
    try {
      const w = fsWatch(this.dir, { persistent: false }, (_event, name) => this.onEvent(name === null ? null : String(name)));
      w.on('error', () => {
        // the folder went away (or the watch broke): the poll re-arms when it is back
        if (this.watcher === w) this.disarm();
        this.schedule(null);
      });
      this.watcher = w;
      this.watchedId = folderId(st);
    } catch (e) {
      // reported once per folder identity, not on every poll
      if (this.unwatchable !== folderId(st)) this.report(this.dir, `cannot watch ${this.dir}: ${messageOf(e)}; changes are picked up on reloadAll() only`);
      this.unwatchable = folderId(st);
    }
  }

  private disarm(): void {
    try {
      this.watcher?.close();
    } catch {
      // already closed
    }
    this.watcher = undefined;
    this.watchedId = undefined;
  }

  private onEvent(name: string | null): void {
    if (!this.running) return;
    // the folder itself deleted or renamed (inotify reports its own name), or no name given: rescan
    this.schedule(name === null || name === basename(this.dir) ? null : name);
  }

  private schedule(name: string | null): void {
    if (!this.running) return;
    if (name === null) this.rescan = true;
    else if (isUserStrategyFile(name)) this.pending.add(name);
    else return;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      const names = [...this.pending];
      const all = this.rescan;
      this.pending.clear();
      this.rescan = false;
      void this.enqueue(() => (all ? this.syncAll(false) : this.syncPaths(names.map((n) => join(this.dir, n)), false)));
    }, this.debounceMs);
  }

  /** Folder created later, removed, or replaced by another folder of the same name. */
  private async poll(): Promise<void> {
    if (!this.running || this.polling) return;
    this.polling = true;
    try {
      const st = await stat(this.dir).catch(() => undefined);
      if (!this.running) return;
      const id = st?.isDirectory() ? folderId(st) : undefined;
      if (id === this.watchedId && (this.watcher !== undefined || id === undefined)) return;
      if (id !== undefined && id === this.unwatchable) return;
      this.disarm();
      if (id !== undefined) await this.arm();
      if (this.running) this.schedule(null);
    } finally {
      this.polling = false;
    }
  }

  // ---- loading -------------------------------------------------------------------------------

  /** Runs `task` after the queued ones; a failure is reported (or, with `rethrow`, returned to the caller). */
  private enqueue(task: () => Promise<void>, rethrow = false): Promise<void> {
    const result = this.queue.then(task);
    const run = result
      .catch((e: unknown) => {
        if (!rethrow) this.report(this.dir, `user strategy loader: ${messageOf(e)}`);
      })
      .finally(() => this.emitStatus());
    this.queue = run;
    return rethrow ? result.finally(() => run) : run;
  }

  private lastStatus = '';
  private emitStatus(): void {
    if (!this.opts.onStatus) return;
    const st = this.status();
    const key = JSON.stringify(st);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    try {
      this.opts.onStatus(st);
    } catch {
      // a throwing sink must not stop the loader
    }
  }

  /** With approvals on, the folder must be this user's and not writable by others. */
  private async folderProblem(): Promise<string | undefined> {
    if (!this.opts.approvals) return undefined;
    const st = await stat(this.dir).catch(() => undefined);
    return st ? ownershipProblem(st, `the strategies folder ${this.dir}`) : undefined;
  }

  private async syncAll(force: boolean): Promise<void> {
    let names: string[] = [];
    try {
      names = (await readdir(this.dir, { withFileTypes: true })).filter((e) => e.isFile() && isUserStrategyFile(e.name)).map((e) => e.name);
    } catch {
      // no folder: everything known is gone, and the watch (if any) is dead; the poll re-arms
      this.disarm();
    }
    const paths = [...new Set([...names.map((n) => join(this.dir, n)), ...this.files.keys()])].sort();
    const folder = await this.folderProblem();
    if (folder !== undefined) {
      this.report(this.dir, folder);
      for (const p of paths) if (names.includes(basename(p))) this.refuse(p, folder);
      return;
    }
    await this.syncPaths(paths, force);
  }

  /** Not loaded for a reason outside the file's content (ownership, mode): marked, reported once per reason. */
  private refuse(file: string, why: string): void {
    const state = this.files.get(file) ?? {};
    this.files.set(file, state);
    state.hash = undefined; // look again once the reason is gone
    delete state.pendingApproval;
    if (state.error?.includes(why)) return;
    this.fail(file, why);
  }

  /** Gone files first, so a rename (or a type moved to another file) frees the type before it is claimed. */
  private async syncPaths(paths: readonly string[], force: boolean): Promise<void> {
    const present = await Promise.all(paths.map((p) => stat(p).then((st) => st.isFile(), () => false)));
    for (let i = 0; i < paths.length; i++) if (!present[i]) this.drop(paths[i]!);
    for (let i = 0; i < paths.length; i++) if (present[i]) await this.sync(paths[i]!, force);
  }

  private async sync(file: string, force: boolean): Promise<void> {
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) {
      this.drop(file);
      return;
    }
    if (this.opts.approvals) {
      const problem = ownershipProblem(st, basename(file)) ?? (await this.folderProblem());
      if (problem !== undefined) {
        this.refuse(file, problem);
        return;
      }
    }
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (e) {
      if (!(await stat(file).catch(() => undefined))) this.drop(file);
      else this.fail(file, `cannot read: ${messageOf(e)}`);
      return;
    }
    const state = this.files.get(file) ?? {};
    this.files.set(file, state);
    const hash = sha256Of(source);
    if (!force && state.hash === hash && !state.retry) return;
    state.hash = hash;
    if (this.opts.approvals) state.sha256 = hash;
    state.retry = false;
    const verdict = this.opts.approvals ? await this.isApproved(basename(file), hash) : { ok: true };
    if (!verdict.ok) {
      // new or changed: the person approves this exact content first (the approved version stays)
      state.pendingApproval = hash;
      // a check that could not be answered is tried again on the next reload or change
      if (verdict.error !== undefined) state.hash = undefined;
      this.fail(file, `${basename(file)}: new or changed, waiting for approval of its content (sha256 ${hash})${verdict.error !== undefined ? `; the approval could not be checked: ${verdict.error}` : ''}`);
      return;
    }
    delete state.pendingApproval;
    let def: StrategyDefinition;
    try {
      def = await this.load(file, source);
    } catch (e) {
      this.fail(file, messageOf(e));
      return;
    }
    const name = basename(file);
    const owner = this.owners.get(def.type);
    if (this.reserved.has(def.type)) {
      this.fail(file, `${name}: field "type": "${def.type}" is a built-in strategy type; user strategies must use another type (e.g. "user_${def.type}")`);
      return;
    }
    if (owner !== undefined && owner !== file) {
      this.fail(file, `${name}: field "type": "${def.type}" is already defined by ${basename(owner)}`);
      return;
    }
    try {
      this.opts.register(def, file);
    } catch (e) {
      this.fail(file, `${name}: not registered: ${messageOf(e)}`);
      return;
    }
    const old = state.type;
    state.type = def.type;
    delete state.error;
    this.owners.set(def.type, file);
    if (old !== undefined && old !== def.type) this.release(old, file);
    this.opts.onLoaded?.({ file, type: def.type });
  }

  /** The file is gone: unregister its type; let files that clashed on that type try again. */
  private drop(file: string): void {
    const state = this.files.get(file);
    if (state === undefined) return;
    this.files.delete(file);
    if (state.type !== undefined) this.release(state.type, file);
  }

  private release(type: string, file: string): void {
    if (this.owners.get(type) === file) this.owners.delete(type);
    try {
      this.opts.unregister(type, file);
    } catch (e) {
      this.report(file, `${basename(file)}: unregistering "${type}" failed: ${messageOf(e)}`);
    }
    // a file that was refused because it clashed with this type may load now
    let retry = false;
    for (const [other, s] of this.files) {
      if (other !== file && s.error !== undefined && s.error.includes(`"${type}" is already defined by`)) s.retry = retry = true;
    }
    if (retry) this.schedule(null);
  }

  private fail(file: string, message: string): void {
    const state = this.files.get(file) ?? {};
    this.files.set(file, state);
    const name = basename(file);
    let msg = message.startsWith(`${name}:`) ? message : `${name}: ${message}`;
    if (state.type !== undefined) msg += ` (the previous version of "${state.type}" stays registered)`;
    state.error = msg;
    this.report(file, msg);
  }

  private report(file: string, message: string): void {
    try {
      this.opts.onError({ file, message });
    } catch {
      // a throwing error sink must not stop the loader
    }
  }

  private async load(file: string, source: string): Promise<StrategyDefinition> {
    const name = basename(file);
    const ext = extname(file);
    const v = ++this.seq;
    let url: string;
    if (ext === '.ts') {
      const esbuild = await this.loadEsbuild().catch((e: unknown) => {
        throw new UserStrategyLoadError(
          `${name}: .ts strategies are not supported in this build (esbuild cannot be imported: ${messageOf(e)}); write it as .mjs instead`,
        );
      });
      let code: string;
      try {
        code = (await esbuild.transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: name })).code;
      } catch (e) {
        throw new UserStrategyLoadError(`${name}: TypeScript error: ${messageOf(e)}`);
      }
      url = `data:text/javascript;base64,${Buffer.from(`${code}\n// ${name} v${v}\n`).toString('base64')}`;
    } else {
      url = `${pathToFileURL(file).href}?v=${v}`;
    }
    let mod: unknown;
    try {
      mod = await withTimeout(import(/* @vite-ignore */ url), this.loadTimeoutMs, `${name}: did not finish loading within ${this.loadTimeoutMs} ms`);
    } catch (e) {
      if (e instanceof UserStrategyLoadError) throw e;
      throw new UserStrategyLoadError(`${name}: failed to load: ${messageOf(e)}`);
    }
    let exported = (mod as { default?: unknown }).default;
    if (exported === undefined) throw new UserStrategyLoadError(`${name}: no default export (export default { type, description, timeframes, create, ... })`);
    if (typeof exported === 'function') {
      try {
        exported = await (exported as (sdk: UserStrategySdk) => unknown)(USER_STRATEGY_SDK);
      } catch (e) {
        throw new UserStrategyLoadError(`${name}: the default-exported function threw: ${messageOf(e)}`);
      }
    }
    return toDefinition(exported, name);
  }

  private loadEsbuild(): Promise<EsbuildLike> {
    this.esbuild ??= (this.opts.importEsbuild ?? (() => import('esbuild') as Promise<EsbuildLike>))();
    return this.esbuild;
  }
}

/**
 * Checks a user file's export and turns it into a frozen definition. `params` may be a zod schema,
 * a plain object of defaults (numbers, strings, booleans) or omitted; `warmup` defaults to 0;
 * `timeframes` may be a single timeframe. Throws {@link UserStrategyLoadError} naming the field.
 */
export function toDefinition(exported: unknown, name: string): StrategyDefinition {
  const bad = (field: string, msg: string): never => {
    throw new UserStrategyLoadError(`${name}: field "${field}": ${msg}`);
  };
  if (exported === null || typeof exported !== 'object' || Array.isArray(exported)) {
    throw new UserStrategyLoadError(`${name}: the default export must be a strategy object (or a function returning one), got ${describe(exported)}`);
  }
  const o = exported as Record<string, unknown>;
  const unknownKeys = Object.keys(o).filter((k) => !(DEF_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length > 0) bad(unknownKeys[0]!, `unknown field (allowed: ${DEF_KEYS.join(', ')})`);
  if (typeof o.type !== 'string') bad('type', `must be a string, got ${describe(o.type)}`);
  const type = o.type as string;
  if (!TYPE_RE.test(type)) bad('type', `"${type}" must be snake_case: a lowercase letter, then lowercase letters, digits or _ (at most 48)`);
  if (typeof o.description !== 'string' || !o.description.trim()) bad('description', `must be a non-empty string, got ${describe(o.description)}`);
  const tfsRaw = typeof o.timeframes === 'string' ? [o.timeframes] : o.timeframes;
  if (!Array.isArray(tfsRaw) || tfsRaw.length === 0) bad('timeframes', `must be a non-empty array of ${STRATEGY_TIMEFRAMES.join(', ')}; got ${describe(o.timeframes)}`);
  const tfs = tfsRaw as unknown[];
  tfs.forEach((tf, i) => {
    if (!(STRATEGY_TIMEFRAMES as readonly unknown[]).includes(tf)) bad(`timeframes[${i}]`, `unknown timeframe ${describe(tf)}; known: ${STRATEGY_TIMEFRAMES.join(', ')}`);
  });
  const warmup = o.warmup ?? 0;
  if (typeof warmup !== 'function' && !(typeof warmup === 'number' && Number.isInteger(warmup) && warmup >= 0)) {
    bad('warmup', `must be a non-negative integer or a function of params, got ${describe(warmup)}`);
  }
  if (typeof o.create !== 'function') bad('create', `must be a function (ctx) => ({ onBar?, onTick?, onFill?, onTimer? }), got ${describe(o.create)}`);
  const params = paramsSchema(o.params, bad);
  const userCreate = o.create as (ctx: StrategyContext<unknown>) => unknown;
  const create = (ctx: StrategyContext<unknown>): StrategyHooks => {
    const hooks = userCreate(ctx);
    if (hooks === undefined || hooks === null) return {};
    if (typeof hooks !== 'object') throw new TypeError(`${name}: create() must return an object of hooks, got ${describe(hooks)}`);
    const h = hooks as Record<string, unknown>;
    for (const k of HOOK_KEYS) {
      if (h[k] !== undefined && typeof h[k] !== 'function') throw new TypeError(`${name}: create() returned ${k} that is not a function (${describe(h[k])})`);
    }
    return hooks as StrategyHooks;
  };
  try {
    return defineStrategy({
      type,
      description: o.description as string,
      params,
      timeframes: tfs as [StrategyTimeframe, ...StrategyTimeframe[]],
      warmup: warmup as number | ((p: unknown) => number),
      create,
    }) as unknown as StrategyDefinition;
  } catch (e) {
    const msg = messageOf(e);
    const field = /params schema/.test(msg) ? 'params' : /warmup/.test(msg) ? 'warmup' : /timeframe/.test(msg) ? 'timeframes' : /description/.test(msg) ? 'description' : 'type';
    return bad(field, msg);
  }
}

function paramsSchema(p: unknown, bad: (field: string, msg: string) => never): z.ZodType {
  if (p === undefined) return z.strictObject({});
  if (p !== null && typeof p === 'object' && typeof (p as { safeParse?: unknown }).safeParse === 'function') return p as z.ZodType;
  const proto = p !== null && typeof p === 'object' ? Object.getPrototypeOf(p) : undefined;
  if (proto !== Object.prototype && proto !== null) bad('params', `must be a zod schema (sdk.z.object(...)), a plain object of defaults, or omitted; got ${describe(p)}`);
  const shape: Record<string, z.ZodType> = {};
  for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
    if (typeof v === 'number' && Number.isFinite(v)) shape[k] = z.number().default(v);
    else if (typeof v === 'string') shape[k] = z.string().default(v);
    else if (typeof v === 'boolean') shape[k] = z.boolean().default(v);
    else bad(`params.${k}`, `a default must be a finite number, string or boolean (use a zod schema for anything else); got ${describe(v)}`);
  }
  return z.strictObject(shape);
}

function sha256Of(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

function folderId(st: { ino: number; birthtimeMs: number }): string {
  return `${st.ino}:${st.birthtimeMs}`;
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x);
  if (typeof x === 'object') return 'an object';
  if (typeof x === 'function') return 'a function';
  return `${typeof x} ${String(x)}`;
}

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 6).join('\n').slice(0, 1000);
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UserStrategyLoadError(message)), ms);
    timer.unref?.();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * `register` / `unregister` for a {@link StrategyRunner}: registers with `replace`, and rebuilds
 * the runner's instances of the type from the new version (remove + add, same config; a rebuilt
 * instance moves to the end of the ensemble's priority order). Params (and the primary timeframe)
 * that still hold the old version's defaults take the new version's defaults. A new version whose
 * params schema rejects an instance's params is refused (the loader reports it; the old one stays).
 * On unregister the type's instances are disabled (the runner has no way to drop a definition).
 */
export function runnerBinding(runner: StrategyRunner): Pick<UserStrategyLoaderOptions, 'register' | 'unregister'> {
  /** Instances this binding turned off when their type's file went away (turned back on when it returns). */
  const parked = new Set<string>();
  return {
    register(def) {
      const oldDef = runner.definitions.find((d) => d.type === def.type);
      const oldDefaults = (oldDef?.params.safeParse({}).data ?? {}) as Record<string, unknown>;
      const defs = new Map([[def.type, def]]);
      const rebuilt = runner
        .status()
        .filter((s) => s.config.type === def.type)
        .map(({ config: c }) => {
          // params and timeframe the old version filled in by default take the new version's defaults
          const params = Object.fromEntries(Object.entries(c.params).filter(([k, v]) => !(k in oldDefaults && Object.is(oldDefaults[k], v))));
          const keepTf = oldDef === undefined || c.timeframe !== oldDef.timeframes[0];
          const cfg = { id: c.id, type: c.type, params, symbols: [...c.symbols], weight: c.weight, enabled: c.enabled || parked.has(c.id), ...(keepTf ? { timeframe: c.timeframe } : {}) };
          validateInstance(cfg, defs, () => c.weight); // throws StrategyConfigError naming the instance and param
          return cfg;
        });
      runner.registerDefinition(def, true);
      for (const cfg of rebuilt) {
        parked.delete(cfg.id);
        runner.remove(cfg.id);
        runner.add(cfg);
      }
    },
    unregister(type) {
      for (const s of runner.status()) {
        if (s.config.type === type && s.config.enabled) {
          parked.add(s.config.id);
          runner.setEnabled(s.config.id, false);
        }
      }
    },
  };
}
