import { z } from 'zod';
import { ErrorCode, RpcError } from '../contract/errors.js';
import type { EnsembleInfo } from '../contract/ensemble-schemas.js';
import type { UserStrategyFile } from '../contract/strategy-file-schemas.js';
import { symbolSchema, type SignalRecord, type StrategiesList, type StrategyError, type StrategyInstanceInfo, type StrategyTypeInfo, type Timeframe } from '../contract/schemas.js';
import type { Bar } from '../indicators/indicator.js';
import type { Tick } from '../model/tick.js';
import type { IntentEntry } from '../persistence/journal-repo.js';
import {
  BUILTIN_STRATEGIES,
  CONFLICT_MODES,
  DEFAULT_WEIGHTS,
  ENSEMBLE_SETTING_KEYS,
  ensembleConfigSchema,
  StrategyConfigError,
  StrategyRunner,
  type EnsembleConfig,
  type EnsembleConfigInput,
  type EnsembleSettings,
  type OrderIntent,
  type Signal,
  type StrategyDefinition,
  type StrategyErrorReport,
  type StrategyInstanceInput,
  validateInstance,
} from '../strategy/index.js';
import type { LogFn } from './logger.js';

/**
 * The engine's strategy layer: a StrategyRunner fed by the kernel (closed bars of every timeframe,
 * ticks, timers), its instances kept in a store, every signal journalled and streamed, every
 * ensemble intent journalled.
 *
 * Prices: the runner sees the engine's candles as they are, in integer paise. Signals carry the
 * price in paise (`pricePaise`); indicator snapshots are in paise units too.
 *
 * State: the store is the truth. On first start (an empty store) it is seeded from the run profile.
 * An instance that throws is switched off by the runner; here that is persisted as enabled=false with
 * its `lastError`, so a restart does not loop on a broken strategy. Enabling it again clears the error.
 */

/** A strategy instance as stored (params are the user's overrides; the type fills in defaults). */
export interface StrategyRecord {
  id: string;
  type: string;
  params: Record<string, unknown>;
  symbols: string[];
  timeframe?: string | undefined;
  weight?: number | undefined;
  enabled: boolean;
  lastError?: StrategyError | undefined;
}

/** Where strategy instances live between runs (SQLite: StrategyInstanceRepo). */
export interface StrategyStore {
  list(): StrategyRecord[];
  replaceAll(list: readonly StrategyRecord[]): void;
  save(x: StrategyRecord): void;
  remove(id: string): void;
  /** True once the run profile has seeded the store (so an emptied store stays empty). */
  seeded(): boolean;
  markSeeded(): void;
  /** The person's changes to the ensemble's settings (undefined: none yet). */
  ensembleOverrides(): Record<string, unknown> | undefined;
  saveEnsembleOverrides(o: Record<string, unknown>): void;
}

/**
 * What `ensemble.set` accepts: any of the editable settings (the rest take the run profile's). Symbols
 * as in the contract; sellThreshold ≤ buyThreshold is checked on the merged settings.
 */
export const ensembleSettingsInputSchema = z.strictObject({
  buyThreshold: z.number().min(-1).max(1).optional(),
  sellThreshold: z.number().min(-1).max(1).optional(),
  conflict: z.enum(CONFLICT_MODES).optional(),
  conflictBySymbol: z.record(symbolSchema, z.enum(CONFLICT_MODES)).optional(),
});

/** The signal journal (SQLite: SignalJournal). */
export interface SignalJournalPort {
  append(s: Omit<SignalRecord, 'id'>): SignalRecord;
  recent(limit: number): SignalRecord[];
}

/** The intent journal (SQLite: IntentJournal). */
export interface IntentJournalPort {
  append(i: IntentEntry): unknown;
}

export class MemoryStrategyStore implements StrategyStore {
  constructor(public records: StrategyRecord[] = []) {}
  list(): StrategyRecord[] {
    return this.records.map((r) => structuredClone(r));
  }
  replaceAll(list: readonly StrategyRecord[]): void {
    this.records = list.map((r) => structuredClone(r));
  }
  save(x: StrategyRecord): void {
    const i = this.records.findIndex((r) => r.id === x.id);
    if (i >= 0) this.records[i] = structuredClone(x);
    else this.records.push(structuredClone(x));
  }
  remove(id: string): void {
    this.records = this.records.filter((r) => r.id !== id);
  }
  private wasSeeded = false;
  ensemble: Record<string, unknown> | undefined;
  ensembleOverrides(): Record<string, unknown> | undefined {
    return this.ensemble ? structuredClone(this.ensemble) : undefined;
  }
  saveEnsembleOverrides(o: Record<string, unknown>): void {
    this.ensemble = structuredClone(o);
  }
  seeded(): boolean {
    return this.wasSeeded;
  }
  markSeeded(): void {
    this.wasSeeded = true;
  }
}

export class MemorySignalJournal implements SignalJournalPort {
  readonly rows: SignalRecord[] = [];
  append(s: Omit<SignalRecord, 'id'>): SignalRecord {
    const r = { id: this.rows.length + 1, ...s };
    this.rows.push(r);
    if (this.rows.length > 5000) this.rows.splice(0, this.rows.length - 5000);
    return r;
  }
  recent(limit: number): SignalRecord[] {
    return this.rows.slice(-limit).reverse();
  }
}

export interface StrategyServiceOptions {
  /** Instances seeding an empty store (the run profile's `strategies`). */
  seed: readonly StrategyInstanceInput[];
  ensemble?: EnsembleConfigInput;
  store: StrategyStore;
  signals: SignalJournalPort;
  intents?: IntentJournalPort;
  definitions?: readonly StrategyDefinition[];
  log: LogFn;
  /** Feed time, epoch ms (for error reports made outside an event). */
  now: () => number;
  /** Whether a symbol is known to the engine (`add` refuses others with NOT_FOUND); default: any. */
  knownSymbol?: (symbol: string) => boolean;
  /** Where user strategy files live (<dataDir>/strategies), named in "type not loaded" errors. */
  userStrategiesDir?: string;
  /** The only bar timeframes market data builds (a backtest's; StrategyRunnerOptions.timeframes). Default: all. */
  timeframes?: readonly Timeframe[];
}

/** `add`'s input: an instance config (params are overrides; the type fills in defaults). */
export interface StrategyAddInput {
  id: string;
  type: string;
  params?: Record<string, unknown> | undefined;
  symbols: string[];
  timeframe?: string | undefined;
  weight?: number | undefined;
  enabled?: boolean | undefined;
}

const TIMER_EVERY_MS = 1000;

export class StrategyService {
  readonly runner: StrategyRunner;
  private readonly records: StrategyRecord[];
  private readonly typeInfo = new Map<string, StrategyTypeInfo>();
  private readonly signalListeners = new Set<(s: SignalRecord) => void>();
  private readonly changeListeners = new Set<(i: StrategyInstanceInfo) => void>();
  private lastTimer = 0;
  /** The run profile's ensemble config (the person's changes go over it). */
  private readonly profileEnsemble: EnsembleConfig;
  private ensembleChanges: Record<string, unknown> = {};
  private ensembleSchema: Record<string, unknown> | undefined;

  constructor(private readonly opts: StrategyServiceOptions) {
    this.runner = new StrategyRunner({ definitions: opts.definitions ?? BUILTIN_STRATEGIES, ...(opts.ensemble ? { ensemble: opts.ensemble } : {}), ...(opts.timeframes ? { timeframes: opts.timeframes } : {}) });
    this.profileEnsemble = this.runner.ensemble.config;
    this.restoreEnsemble();
    let records = opts.store.list();
    // Seed once per database: a store the person emptied on purpose stays empty across restarts.
    const seedNow = !opts.store.seeded() && records.length === 0 && opts.seed.length > 0;
    if (!opts.store.seeded()) opts.store.markSeeded();
    if (seedNow) {
      records = opts.seed.map((s) => ({
        id: s.id,
        type: s.type,
        params: { ...(s.params ?? {}) },
        symbols: [...s.symbols],
        timeframe: s.timeframe,
        weight: s.weight,
        enabled: s.enabled ?? true,
      }));
      opts.store.replaceAll(records);
      opts.log('info', 'strategy instances seeded from the run profile', { count: records.length });
    }
    this.records = records;
    this.runner.onSignal((s) => this.journal(s));
    this.runner.onIntent((i) => this.onIntent(i));
    this.runner.onError((e) => this.onRunnerError(e));
    for (const r of this.records) this.install(r);
  }

  // ---- the ensemble's settings -------------------------------------------------------------------

  ensembleInfo(): EnsembleInfo {
    const c = this.runner.ensemble.config;
    return {
      settings: settingsOf(c),
      overrides: structuredClone(this.ensembleChanges),
      profile: settingsOf(this.profileEnsemble),
      schema: this.ensembleFormSchema(),
      weights: { ...DEFAULT_WEIGHTS, ...c.weights },
    };
  }

  /**
   * Replaces the person's changes to the ensemble's settings (keys left out take the run profile's).
   * INVALID_INPUT with `details.issues[].path` (`settings.<key>`) for a bad value, an unknown key or
   * a sell threshold above the buy threshold; nothing changes then. Persisted; the next vote uses it.
   */
  setEnsemble(input: Record<string, unknown>): EnsembleInfo {
    const next = this.checkEnsemble(input);
    this.opts.store.saveEnsembleOverrides(next.changes);
    this.runner.ensemble.reconfigure(next.config);
    this.ensembleChanges = next.changes;
    this.opts.log('info', 'ensemble settings changed', { ...settingsOf(next.config) });
    return this.ensembleInfo();
  }

  private checkEnsemble(input: Record<string, unknown>): { changes: Record<string, unknown>; config: EnsembleConfig } {
    const fail = (issues: { path: string; message: string }[]): never => {
      throw new RpcError(ErrorCode.INVALID_INPUT, `invalid ensemble settings: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
    };
    const r = ensembleSettingsInputSchema.safeParse(input);
    if (!r.success) {
      const issues = r.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => ({ path: `settings.${k}`, message: `unknown setting (editable: ${ENSEMBLE_SETTING_KEYS.join(', ')})` }))
          : [{ path: ['settings', ...i.path.map(String)].join('.'), message: i.message }],
      );
      fail(issues);
    }
    const changes = Object.fromEntries(Object.entries(r.data!).filter(([, v]) => v !== undefined));
    const config = ensembleConfigSchema.parse({ ...this.profileEnsemble, ...changes });
    if (config.sellThreshold > config.buyThreshold) {
      fail([{ path: 'settings.sellThreshold', message: `must be ≤ the buy threshold (${config.buyThreshold})` }]);
    }
    return { changes, config };
  }

  /** The stored changes, when they still pass against this profile (a bad row is logged and left unused). */
  private restoreEnsemble(): void {
    const stored = this.opts.store.ensembleOverrides();
    if (!stored || Object.keys(stored).length === 0) return;
    try {
      const next = this.checkEnsemble(stored);
      this.runner.ensemble.reconfigure(next.config);
      this.ensembleChanges = next.changes;
    } catch (e) {
      this.opts.log('warn', 'stored ensemble settings ignored (the run profile’s are in force)', { error: (e as Error).message });
    }
  }

  private ensembleFormSchema(): Record<string, unknown> {
    if (!this.ensembleSchema) {
      const s = z.toJSONSchema(ensembleSettingsInputSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      const props = (s['properties'] ?? {}) as Record<string, Record<string, unknown>>;
      const profile = settingsOf(this.profileEnsemble);
      for (const k of ENSEMBLE_SETTING_KEYS) if (props[k]) props[k]['default'] = structuredClone(profile[k]);
      this.ensembleSchema = s;
    }
    return structuredClone(this.ensembleSchema);
  }

  // ---- feed ------------------------------------------------------------------------------------

  /** A closed bar; `owned`: a fresh object nobody changes later, kept without a copy (StrategyRunner.onBarClosed). */
  onBarClosed(symbol: string, tf: Timeframe, bar: { t: number; o: number; h: number; l: number; c: number; v: number }, owned = false): void {
    this.runner.onBarClosed(symbol, tf, bar, owned);
  }

  onTick(t: Readonly<Tick>): void {
    this.runner.onTick(t);
  }

  /** A print of a whole bar (see StrategyRunner.onPrint). */
  onPrint(symbol: string, pricePaise: number, lastQty: number, volume: number, tsEvent: number): void {
    this.runner.onPrint(symbol, pricePaise, lastQty, volume, tsEvent);
  }

  /** See StrategyRunner.printsOnly. */
  printsOnly(symbol: string): boolean {
    return this.runner.printsOnly(symbol);
  }

  /** The feed clock; strategies' onTimer runs at most once per simulated/exchange second. */
  onClock(now: number): void {
    if (now - this.lastTimer < TIMER_EVERY_MS) return;
    this.lastTimer = now;
    this.runner.onTimer(now);
  }

  // ---- queries and changes ---------------------------------------------------------------------

  list(): StrategiesList {
    return { instances: this.records.map((r) => this.info(r)), types: this.runner.definitions.map((d) => this.describeType(d)) };
  }

  get(id: string): StrategyInstanceInfo {
    return this.info(this.record(id));
  }

  recentSignals(limit: number): SignalRecord[] {
    return this.opts.signals.recent(limit);
  }

  /** Switch an instance on (rebuilt, warmed, error cleared) or off; persisted. */
  setEnabled(id: string, enabled: boolean): StrategyInstanceInfo {
    const r = this.record(id);
    if (enabled) {
      delete r.lastError;
      r.enabled = true;
      this.opts.store.save(r);
      if (this.inRunner(id)) this.runner.setEnabled(id, true);
      else this.install(r); // a config error before: the type may be known now
    } else {
      r.enabled = false;
      this.opts.store.save(r);
      if (this.inRunner(id)) this.runner.setEnabled(id, false);
    }
    return this.changed(r);
  }

  /**
   * Replace an instance's params (overrides; missing keys take the type's defaults). Validated by the
   * type's schema first: a bad one throws INVALID_INPUT with `details.issues[].path` (e.g.
   * `params.fast`) and changes nothing. The instance is rebuilt in place (run order kept).
   */
  setParams(id: string, params: Record<string, unknown>): StrategyInstanceInfo {
    const r = this.record(id);
    const next: StrategyRecord = { ...r, params: { ...params } };
    this.validateOrThrow(next, `invalid params for strategy ${id}`);
    r.params = next.params;
    if (r.lastError?.hook === 'config') delete r.lastError;
    this.opts.store.save(r);
    if (this.inRunner(id)) this.reinstallFrom(id);
    else this.install(r);
    return this.changed(r);
  }

  /**
   * Adds an instance (at the end of the run order) of a registered type, built-in or loaded user
   * type; persisted. NOT_FOUND for an unknown type or symbol; INVALID_INPUT (with
   * `details.issues[].path`, e.g. `params.fast` or `id`) for a bad config or an id already in use.
   * `opts.bars`: closed bars of a (symbol, timeframe) no instance listens to yet, to warm the new one up
   * (the engine passes its market data's: an F&O instance started once its contracts are resolved).
   */
  add(input: StrategyAddInput, opts: { bars?: (symbol: string, tf: Timeframe) => readonly Bar[] } = {}): StrategyInstanceInfo {
    if (!this.runner.definitions.some((d) => d.type === input.type)) {
      const known = this.runner.definitions.map((d) => d.type).sort();
      throw new RpcError(ErrorCode.NOT_FOUND, `unknown strategy type "${input.type}"; known: ${known.join(', ')}`, { type: input.type });
    }
    const known = this.opts.knownSymbol;
    const unknown = known ? input.symbols.filter((s) => !known(s)) : [];
    if (unknown.length > 0) throw new RpcError(ErrorCode.NOT_FOUND, `unknown symbol: ${unknown.join(', ')}`, { symbol: unknown[0] });
    if (this.records.some((r) => r.id === input.id)) {
      const message = `duplicate instance id "${input.id}"`;
      throw new RpcError(ErrorCode.INVALID_INPUT, message, { issues: [{ path: 'id', message }] });
    }
    const r: StrategyRecord = {
      id: input.id,
      type: input.type,
      params: { ...(input.params ?? {}) },
      symbols: [...input.symbols],
      timeframe: input.timeframe,
      weight: input.weight,
      enabled: input.enabled ?? true,
    };
    this.validateOrThrow(r, `invalid strategy instance ${input.id}`);
    this.opts.store.save(r);
    this.records.push(r);
    this.install(r, opts.bars);
    return this.changed(r);
  }

  /** Removes an instance (stopped, forgotten; persisted). NOT_FOUND for an unknown id. */
  remove(id: string): StrategyInstanceInfo {
    const r = this.record(id);
    const last = this.info(r);
    this.opts.store.remove(id);
    this.records.splice(this.records.indexOf(r), 1);
    this.runner.remove(id);
    const gone: StrategyInstanceInfo = { ...last, enabled: false, running: false, removed: true };
    for (const l of this.changeListeners) l(gone);
    return gone;
  }

  /**
   * Adds or replaces a strategy type at run time: the `register` of the user-strategy loader
   * (<dataDir>/strategies/, hot-reloaded). Instances of that type are (re)built with the new code,
   * run order kept. A new version whose params schema rejects a stored instance's params is refused
   * (throws StrategyConfigError naming the instance and param; the old version keeps running).
   */
  registerDefinition(def: StrategyDefinition): void {
    const defs = new Map([[def.type, def]]);
    for (const r of this.records) {
      if (r.type === def.type && this.inRunner(r.id)) validateInstance(this.raw(r), defs, (t) => this.runner.ensemble.weightOf(t));
    }
    this.typeInfo.delete(def.type);
    this.runner.registerDefinition(def, true);
    const mine = this.records.filter((r) => r.type === def.type);
    const first = mine.find((r) => this.inRunner(r.id));
    if (first) this.reinstallFrom(first.id);
    for (const r of mine) {
      if (!this.inRunner(r.id)) this.install(r);
      else if (r.lastError?.hook === 'unloaded') delete r.lastError;
      this.changed(r);
    }
  }

  /**
   * The loader's `unregister`: the type's file is gone. Its running instances stop (not persisted:
   * they keep `enabled` and come back when the type is registered again) and show why.
   */
  unregisterDefinition(type: string, file?: string): void {
    for (const r of this.records) {
      if (r.type !== type || !this.inRunner(r.id)) continue;
      this.runner.setEnabled(r.id, false);
      if (r.enabled) r.lastError = { hook: 'unloaded', symbol: '', message: `strategy type "${type}" was unloaded${file ? ` (${file} is gone)` : ''}`, ts: Math.max(0, this.opts.now()) };
      this.changed(r);
    }
  }

  private userFileList: UserStrategyFile[] = [];
  private readonly userFileListeners = new Set<(files: UserStrategyFile[]) => void>();
  private userFileApprover: ((file: string, sha256: string) => Promise<unknown>) | undefined;

  /** The user strategy files as the loader last saw them (loaded, refused, waiting for approval). */
  userFiles(): UserStrategyFile[] {
    return this.userFileList;
  }

  setUserFiles(files: UserStrategyFile[]): void {
    this.userFileList = files;
    for (const l of this.userFileListeners) l(files);
  }

  onUserFiles(fn: (files: UserStrategyFile[]) => void): () => void {
    this.userFileListeners.add(fn);
    return () => this.userFileListeners.delete(fn);
  }

  /** The host's approval step (bootstrap: the user strategy loader with its approval store). */
  setUserFileApprover(fn: (file: string, sha256: string) => Promise<unknown>): void {
    this.userFileApprover = fn;
  }

  /** The person approved this content of a user strategy file: it loads now. */
  async approveUserFile(file: string, sha256: string): Promise<UserStrategyFile[]> {
    if (!this.userFileApprover) throw new RpcError(ErrorCode.UNAVAILABLE, 'user strategy files are not loaded by this engine');
    try {
      await this.userFileApprover(file, sha256);
    } catch (e) {
      throw new RpcError(ErrorCode.INVALID_INPUT, (e instanceof Error ? e.message : String(e)).slice(0, 500), { file });
    }
    const st = this.userFileList.find((f) => f.file === file);
    this.opts.log('info', 'user strategy approved', { file, sha256, type: st?.type });
    return this.userFileList;
  }

  /** A strategy-type loading problem (e.g. a user strategy file that does not compile). */
  reportDefinitionError(file: string, message: string): void {
    this.opts.log('warn', 'user strategy not loaded', { file, error: message.slice(0, 500) });
  }

  /** Each journalled signal (with its row id). */
  onSignal(fn: (s: SignalRecord) => void): () => void {
    this.signalListeners.add(fn);
    return () => this.signalListeners.delete(fn);
  }

  onChange(fn: (i: StrategyInstanceInfo) => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  // ---- internals -------------------------------------------------------------------------------

  private journal(s: Signal): void {
    let rec: SignalRecord;
    try {
      rec = this.opts.signals.append({
        ts: s.ts,
        symbol: s.symbol,
        strategy: s.strategy,
        type: s.type,
        side: s.side,
        confidence: s.confidence,
        reason: s.reason,
        pricePaise: Number.isFinite(s.price) ? Math.round(s.price) : 0,
        timeframe: s.timeframe,
        barTime: Number.isFinite(s.barTime) ? s.barTime : null,
        snapshot: s.snapshot,
      });
    } catch (e) {
      this.opts.log('error', 'signal not journalled', { strategy: s.strategy, symbol: s.symbol, error: (e as Error).message });
      return;
    }
    for (const l of this.signalListeners) l(rec);
  }

  private onIntent(i: OrderIntent): void {
    if (!this.opts.intents) return;
    try {
      this.opts.intents.append({
        tsEvent: i.tsEvent,
        symbol: i.symbol,
        side: i.side,
        score: Math.max(-1, Math.min(1, i.score)),
        timeframe: i.timeframe,
        price: Number.isFinite(i.price) ? Math.round(i.price) : 0,
        conflict: i.conflict,
        reasons: i.reasons,
        snapshot: i.snapshot,
      });
    } catch (e) {
      this.opts.log('error', 'intent not journalled', { symbol: i.symbol, error: (e as Error).message });
    }
  }

  /** The runner switched an instance off after a throw: persist that with the message. */
  private onRunnerError(e: StrategyErrorReport): void {
    const r = this.records.find((x) => x.id === e.instance);
    this.opts.log('warn', 'strategy instance failed and was switched off', { instance: e.instance, type: e.type, symbol: e.symbol, hook: e.hook, error: e.message });
    if (!r) return;
    r.enabled = false;
    r.lastError = { hook: e.hook, symbol: e.symbol, message: e.message.slice(0, 500), ts: Number.isFinite(e.ts) && e.ts >= 0 ? e.ts : this.opts.now() };
    try {
      this.opts.store.save(r);
    } catch (err) {
      this.opts.log('error', 'strategy state not saved', { instance: r.id, error: (err as Error).message });
    }
    this.changed(r);
  }

  private record(id: string): StrategyRecord {
    const r = this.records.find((x) => x.id === id);
    if (!r) throw new RpcError(ErrorCode.NOT_FOUND, `no strategy instance "${id}"`, { id });
    return r;
  }

  /** The type's schema (and the instance schema) or INVALID_INPUT with each issue's path. */
  private validateOrThrow(r: StrategyRecord, what: string): void {
    try {
      this.runner.validate(this.raw(r));
    } catch (e) {
      if (e instanceof StrategyConfigError) {
        throw new RpcError(ErrorCode.INVALID_INPUT, `${what}: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
          issues: e.issues.map((i) => ({ path: i.path, message: i.message })),
        });
      }
      throw e;
    }
  }

  private inRunner(id: string): boolean {
    return this.runner.status().some((s) => s.config.id === id);
  }

  private raw(r: StrategyRecord): Record<string, unknown> {
    return {
      id: r.id,
      type: r.type,
      params: r.params,
      symbols: r.symbols,
      ...(r.timeframe !== undefined ? { timeframe: r.timeframe } : {}),
      ...(r.weight !== undefined ? { weight: r.weight } : {}),
      enabled: r.enabled,
    };
  }

  /**
   * Adds a record to the runner; a config error is kept on the record (shown, not thrown). A type
   * that is not registered (a user type whose file has not loaded) waits like an unloaded one: off,
   * with an `unloaded` error, until registerDefinition brings it in.
   */
  private install(r: StrategyRecord, bars?: (symbol: string, tf: Timeframe) => readonly Bar[]): void {
    if (!this.runner.definitions.some((d) => d.type === r.type)) {
      const where = this.opts.userStrategiesDir ?? '<dataDir>/strategies';
      const message = `type ${r.type} is not loaded (no file in ${where} defines it)`;
      if (r.enabled) r.lastError = { hook: 'unloaded', symbol: '', message: message.slice(0, 500), ts: Math.max(0, this.opts.now()) };
      this.opts.log('warn', 'strategy instance not started: type not loaded', { instance: r.id, type: r.type });
      return;
    }
    try {
      this.runner.add(this.raw(r), bars);
      if (r.lastError?.hook === 'config' || r.lastError?.hook === 'unloaded') delete r.lastError;
    } catch (e) {
      if (!(e instanceof StrategyConfigError)) throw e;
      r.lastError = { hook: 'config', symbol: '', message: e.message.slice(0, 500), ts: Math.max(0, this.opts.now()) };
      this.opts.log('warn', 'strategy instance not started: invalid config', { instance: r.id, error: e.message });
    }
  }

  /** Rebuilds `id` and every instance after it, so the run order (ensemble priority) is kept. */
  private reinstallFrom(id: string): void {
    const order = this.runner.status().map((s) => s.config.id);
    const tail = order.slice(order.indexOf(id));
    for (const x of tail) this.runner.remove(x);
    for (const x of tail) {
      const r = this.records.find((y) => y.id === x);
      if (r) this.install(r);
    }
  }

  private info(r: StrategyRecord): StrategyInstanceInfo {
    const st = this.runner.status().find((s) => s.config.id === r.id);
    const def = this.runner.definitions.find((d) => d.type === r.type);
    const info: StrategyInstanceInfo = {
      id: r.id,
      type: r.type,
      params: st ? { ...st.config.params } : { ...r.params },
      symbols: [...r.symbols],
      timeframe: (st?.config.timeframe ?? r.timeframe ?? def?.timeframes[0] ?? '1m') as Timeframe,
      weight: st?.config.weight ?? r.weight ?? this.runner.ensemble.weightOf(r.type),
      enabled: r.enabled,
      running: st?.running ?? false,
    };
    if (r.lastError) info.error = r.lastError;
    return info;
  }

  private changed(r: StrategyRecord): StrategyInstanceInfo {
    const i = this.info(r);
    for (const l of this.changeListeners) l(i);
    return i;
  }

  private describeType(d: StrategyDefinition): StrategyTypeInfo {
    let t = this.typeInfo.get(d.type);
    if (!t) {
      let paramsSchema: Record<string, unknown>;
      try {
        paramsSchema = z.toJSONSchema(d.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      } catch {
        paramsSchema = {};
      }
      t = { type: d.type, description: d.description, timeframes: [...d.timeframes], paramsSchema };
      this.typeInfo.set(d.type, t);
    }
    return t;
  }
}

function settingsOf(c: EnsembleConfig): EnsembleSettings {
  return { buyThreshold: c.buyThreshold, sellThreshold: c.sellThreshold, conflict: c.conflict, conflictBySymbol: { ...c.conflictBySymbol } };
}
