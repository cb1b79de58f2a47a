import type { Clock } from '../core/clock.js';
import type { Bar, Indicator } from '../indicators/indicator.js';
import { createIndicator } from '../indicators/registry.js';
import type { Tick } from '../model/tick.js';
import { BarRing } from './bar-ring.js';
import { StrategyConfigError, validateInstance, type StrategyInstanceConfig } from './config.js';
import { Ensemble, type EnsembleConfigInput, type OrderIntent, type Vote } from './ensemble.js';
import {
  timeframeMs,
  warmupOf,
  type Emission,
  type Signal,
  type StrategyContext,
  type StrategyDefinition,
  type StrategyFill,
  type StrategyHooks,
  type StrategyTimeframe,
} from './strategy.js';

/**
 * Drives strategy instances from closed bars (per symbol and timeframe), ticks, fills and timers;
 * hands out their signals and the ensemble's order intents to listeners.
 *
 * - One unit per (instance, symbol): its own context, indicators and hook closure state.
 * - Closed bars are kept once per (symbol, timeframe) in a ring shared by every unit (read-only).
 * - Per bar: each listening unit's indicators of that timeframe are updated, then (once the unit
 *   has seen `warmup` primary bars) its `onBar` runs; then the event's signals are voted on.
 *   Nothing is allocated on that path unless a strategy emits (plus the stored copy of the bar).
 * - Every hook (and `create`) runs inside one try/catch: a throw disables the whole instance,
 *   records `{instance, symbol, hook, message}` and the others go on. Re-enabling rebuilds it.
 * - An instance added (or re-enabled) mid-stream is warmed from the stored bars with `emit` muted.
 * - `now()` is the event time (bar end, tick time, timer time) unless a clock is given: with the
 *   same inputs the output is the same in backtest, paper and live.
 */
export interface StrategyRunnerOptions {
  definitions: readonly StrategyDefinition[];
  instances?: readonly unknown[];
  ensemble?: EnsembleConfigInput | Ensemble;
  clock?: Clock;
  /** Closed bars kept per (symbol, timeframe), at least each instance's warm-up + 1. Default 300. */
  historyBars?: number;
  /**
   * The only timeframes whose closed bars will come (a backtest's market data builds just those): an
   * instance reading another is refused (StrategyConfigError) instead of never seeing a bar. Default: all.
   */
  timeframes?: readonly StrategyTimeframe[];
}

export interface StrategyErrorReport {
  instance: string;
  type: string;
  symbol: string;
  hook: 'create' | 'onBar' | 'onTick' | 'onFill' | 'onTimer' | 'replay';
  /** The error's message only (no stack), for the UI. */
  message: string;
  ts: number;
}

export interface InstanceStatus {
  config: StrategyInstanceConfig;
  /** False when configured off or disabled by an error. */
  running: boolean;
  error?: StrategyErrorReport;
}

type Hook = StrategyErrorReport['hook'];

interface Instance {
  config: StrategyInstanceConfig;
  def: StrategyDefinition;
  warmup: number;
  order: number;
  running: boolean;
  error?: StrategyErrorReport;
  units: Map<string, Unit>;
}

interface Unit {
  inst: Instance;
  symbol: string;
  tfs: StrategyTimeframe[];
  /** Managed indicators per timeframe index (aligned with `tfs`). */
  inds: Indicator[][];
  /** All indicators with their snapshot keys, in creation order. */
  snap: { ind: Indicator; keys: string[] }[];
  byKey: Map<string, Indicator>;
  hooks: StrategyHooks;
  primaryCount: number;
  muted: boolean;
  /** Indicators created now get no history replay (the build replay feeds them). */
  building: boolean;
  ctx: StrategyContext<unknown>;
}

interface Route {
  ring: BarRing;
  units: Unit[];
  /** tf index of the route's timeframe in each unit. */
  tfIndex: number[];
}

interface SymbolRoutes {
  tfs: Map<StrategyTimeframe, Route>;
  tickUnits: Unit[];
  lastPrice: number;
}

type Listener<T> = (x: T) => void;

const MAX_ERRORS = 200;

export class StrategyRunner {
  readonly ensemble: Ensemble;
  private readonly defs = new Map<string, StrategyDefinition>();
  private readonly list: Instance[] = [];
  private readonly byId = new Map<string, Instance>();
  private readonly symbols = new Map<string, SymbolRoutes>();
  private readonly votes: Vote[] = [];
  private readonly signalListeners: Listener<Signal>[] = [];
  private readonly intentListeners: Listener<OrderIntent>[] = [];
  private readonly errorListeners: Listener<StrategyErrorReport>[] = [];
  private readonly errorLog: StrategyErrorReport[] = [];
  private readonly clock: Clock | undefined;
  private readonly historyBars: number;
  private readonly timeframes: readonly StrategyTimeframe[] | undefined;
  private eventTime = 0;

  constructor(opts: StrategyRunnerOptions) {
    this.ensemble = opts.ensemble instanceof Ensemble ? opts.ensemble : new Ensemble(opts.ensemble);
    this.clock = opts.clock;
    this.historyBars = opts.historyBars ?? 300;
    this.timeframes = opts.timeframes;
    if (!Number.isSafeInteger(this.historyBars) || this.historyBars < 1) throw new RangeError(`StrategyRunner: historyBars must be a positive integer, got ${opts.historyBars}`);
    for (const d of opts.definitions) this.registerDefinition(d);
    // validate all before adding any, so a bad config leaves nothing half-built
    const configs = (opts.instances ?? []).map((raw, i) => this.validate(raw, `instances[${i}]`));
    const seen = new Set<string>();
    configs.forEach((c, i) => {
      if (seen.has(c.id)) throw new StrategyConfigError(`"${c.id}" instances[${i}]`, [{ path: 'id', message: `duplicate instance id "${c.id}"` }]);
      seen.add(c.id);
    });
    for (const c of configs) this.install(c);
  }

  // ---- definitions and instances -------------------------------------------------------------

  /** Adds (or with `replace`, swaps) a definition; instances of a replaced type are not rebuilt. */
  registerDefinition(def: StrategyDefinition, replace = false): void {
    if (this.defs.has(def.type) && !replace) throw new RangeError(`strategy type "${def.type}" is already registered`);
    this.defs.set(def.type, def);
  }

  get definitions(): readonly StrategyDefinition[] {
    return [...this.defs.values()];
  }

  /** Validates without adding. Throws StrategyConfigError. */
  validate(raw: unknown, label?: string): StrategyInstanceConfig {
    const cfg = validateInstance(raw, this.defs, (t) => this.ensemble.weightOf(t), label);
    const only = this.timeframes;
    if (only !== undefined) {
      const missing = timeframesOf(cfg, this.defs.get(cfg.type)!).filter((tf) => !only.includes(tf));
      if (missing.length > 0) {
        throw new StrategyConfigError(`"${cfg.id}"${label ? ` ${label}` : ''}`, [
          { path: 'timeframe', message: `needs ${missing.join(', ')} candles, but this run builds only ${only.join(', ')}` },
        ]);
      }
    }
    return cfg;
  }

  /**
   * Adds an instance (validated); warms it from stored bars. Throws StrategyConfigError. `bars`, when given,
   * fills a (symbol, timeframe) the runner keeps no bars of yet (no other instance listens to it) with
   * closed bars from elsewhere (the engine's market data) before the warm-up: an instance started mid-session.
   */
  add(raw: unknown, bars?: (symbol: string, tf: StrategyTimeframe) => readonly Readonly<Bar>[]): StrategyInstanceConfig {
    const cfg = this.validate(raw);
    if (this.byId.has(cfg.id)) throw new StrategyConfigError(`"${cfg.id}"`, [{ path: 'id', message: `duplicate instance id "${cfg.id}"` }]);
    this.install(cfg, bars);
    return cfg;
  }

  /** Removes an instance; returns whether it existed. */
  remove(id: string): boolean {
    const inst = this.byId.get(id);
    if (!inst) return false;
    this.teardown(inst);
    this.byId.delete(id);
    this.list.splice(this.list.indexOf(inst), 1);
    this.list.forEach((x, i) => (x.order = i));
    return true;
  }

  /** Turns an instance on (rebuilt fresh, warmed from stored bars, error cleared) or off. */
  setEnabled(id: string, enabled: boolean): void {
    const inst = this.byId.get(id);
    if (!inst) throw new RangeError(`no strategy instance "${id}"`);
    inst.config.enabled = enabled;
    this.teardown(inst);
    delete inst.error;
    if (enabled) this.build(inst);
  }

  status(): InstanceStatus[] {
    return this.list.map((i) => (i.error ? { config: i.config, running: i.running, error: i.error } : { config: i.config, running: i.running }));
  }

  /** Recent strategy errors, oldest first. */
  get errors(): readonly StrategyErrorReport[] {
    return this.errorLog;
  }

  onSignal(fn: Listener<Signal>): () => void {
    return subscribe(this.signalListeners, fn);
  }

  onIntent(fn: Listener<OrderIntent>): () => void {
    return subscribe(this.intentListeners, fn);
  }

  onError(fn: Listener<StrategyErrorReport>): () => void {
    return subscribe(this.errorListeners, fn);
  }

  // ---- events --------------------------------------------------------------------------------

  /**
   * A closed bar of `symbol` on `tf` (prices in any unit; the engine uses paise). The runner keeps a copy,
   * unless `owned`: the caller hands over a fresh object that nobody changes afterwards (market data's
   * bar-closed candles), kept as it is — one object a bar less.
   */
  onBarClosed(symbol: string, tf: StrategyTimeframe, bar: Readonly<Bar>, owned = false): void {
    const sr = this.symbols.get(symbol);
    if (sr === undefined) return;
    const route = sr.tfs.get(tf);
    if (route === undefined) return;
    const b = owned ? route.ring.keep(bar) : route.ring.push(bar);
    sr.lastPrice = b.c;
    const end = b.t + timeframeMs(tf);
    if (end > this.eventTime) this.eventTime = end;
    const units = route.units;
    const idx = route.tfIndex;
    for (let i = 0; i < units.length; i++) {
      const u = units[i]!;
      if (u.inst.running) this.runBar(u, idx[i]!, tf, b);
    }
    if (this.votes.length > 0) this.flush(tf);
  }

  onTick(tick: Readonly<Tick>): void {
    const sr = this.symbols.get(tick.symbol);
    if (sr === undefined) return;
    sr.lastPrice = tick.lastPaise;
    if (tick.tsEvent > this.eventTime) this.eventTime = tick.tsEvent;
    const units = sr.tickUnits;
    for (let i = 0; i < units.length; i++) {
      const u = units[i]!;
      if (!u.inst.running || u.primaryCount < u.inst.warmup) continue;
      try {
        u.hooks.onTick!(tick);
      } catch (e) {
        this.fail(u, 'onTick', e);
      }
    }
    if (this.votes.length > 0) this.flush(undefined);
  }

  /**
   * A print given as numbers (a whole bar's prints, data-client.ts BarEvent): the same as onTick, but a
   * Tick object is made only when one of the symbol's strategies has an onTick hook.
   */
  onPrint(symbol: string, pricePaise: number, lastQty: number, volume: number, tsEvent: number): void {
    const sr = this.symbols.get(symbol);
    if (sr === undefined) return;
    if (sr.tickUnits.length > 0) {
      this.onTick({ symbol, lastPaise: pricePaise, lastQty, volume, tsEvent });
      return;
    }
    sr.lastPrice = pricePaise;
    if (tsEvent > this.eventTime) this.eventTime = tsEvent;
    if (this.votes.length > 0) this.flush(undefined);
  }

  /**
   * True when onPrint(symbol, …) does no more than note the price and time: no strategy of the symbol has
   * an onTick hook and no vote waits. Then a bar's prints but the last can be left out (the engine's
   * quiet-bar path).
   */
  printsOnly(symbol: string): boolean {
    const sr = this.symbols.get(symbol);
    return this.votes.length === 0 && (sr === undefined || sr.tickUnits.length === 0);
  }

  /** A fill for instance `instanceId` (ignored when it is unknown or not running). */
  onFill(instanceId: string, fill: Readonly<StrategyFill>): void {
    const inst = this.byId.get(instanceId);
    const u = inst?.units.get(fill.symbol);
    if (!inst?.running || u === undefined || u.hooks.onFill === undefined) return;
    if (fill.tsEvent > this.eventTime) this.eventTime = fill.tsEvent;
    try {
      u.hooks.onFill(fill);
    } catch (e) {
      this.fail(u, 'onFill', e);
    }
    if (this.votes.length > 0) this.flush(undefined);
  }

  onTimer(nowMs: number): void {
    if (nowMs > this.eventTime) this.eventTime = nowMs;
    for (const inst of this.list) {
      for (const u of inst.units.values()) {
        if (!inst.running || u.hooks.onTimer === undefined || u.primaryCount < inst.warmup) continue;
        try {
          u.hooks.onTimer(nowMs);
        } catch (e) {
          this.fail(u, 'onTimer', e);
        }
      }
    }
    if (this.votes.length > 0) this.flush(undefined);
  }

  now(): number {
    return this.clock ? this.clock.now() : this.eventTime;
  }

  // ---- internals -----------------------------------------------------------------------------

  private runBar(u: Unit, tfi: number, tf: StrategyTimeframe, bar: Readonly<Bar>): void {
    const inds = u.inds[tfi]!;
    for (let j = 0; j < inds.length; j++) inds[j]!.update(bar);
    if (tfi === 0) u.primaryCount++;
    const onBar = u.hooks.onBar;
    if (onBar === undefined || u.primaryCount < u.inst.warmup) return;
    try {
      onBar(tf, bar);
    } catch (e) {
      this.fail(u, u.muted ? 'replay' : 'onBar', e);
    }
  }

  private flush(tf: StrategyTimeframe | undefined): void {
    const votes = this.votes;
    const ts = this.now();
    for (let i = 0; i < votes.length; i++) {
      const sym = votes[i]!.signal.symbol;
      let first = true;
      for (let j = 0; j < i; j++) if (votes[j]!.signal.symbol === sym) first = false;
      if (!first) continue;
      const intent = this.ensemble.decide(sym, votes, ts, tf ?? votes[i]!.signal.timeframe);
      if (intent !== undefined) for (const l of this.intentListeners) l(intent);
    }
    votes.length = 0;
  }

  private emit(u: Unit, e: Emission): void {
    if (e === null || typeof e !== 'object') throw new TypeError('emit: expected { side, reason, confidence }');
    if (e.side !== 'BUY' && e.side !== 'SELL') throw new RangeError(`emit: side must be BUY or SELL, got ${String(e.side)}`);
    if (typeof e.confidence !== 'number' || !(e.confidence >= 0 && e.confidence <= 1)) throw new RangeError(`emit: confidence must be in 0..1, got ${String(e.confidence)}`);
    if (typeof e.reason !== 'string') throw new TypeError('emit: reason must be a string');
    if (u.muted || !u.inst.running) return;
    const snapshot: Record<string, number> = {};
    for (const { ind, keys } of u.snap) {
      const out = ind.out;
      for (let j = 0; j < keys.length; j++) {
        const v = out[j]!;
        if (Number.isFinite(v)) snapshot[keys[j]!] = v;
      }
    }
    const inst = u.inst;
    const primary = this.symbols.get(u.symbol)!;
    const signal: Signal = {
      ts: this.now(),
      symbol: u.symbol,
      strategy: inst.config.id,
      type: inst.config.type,
      side: e.side,
      confidence: e.confidence,
      reason: e.reason.length > 200 ? e.reason.slice(0, 200) : e.reason,
      price: primary.lastPrice,
      timeframe: inst.config.timeframe,
      barTime: primary.tfs.get(inst.config.timeframe)!.ring.get(0)?.t ?? NaN,
      snapshot,
    };
    this.votes.push({ signal, weight: inst.config.weight, priority: inst.order });
    for (const l of this.signalListeners) l(signal);
  }

  private fail(u: Unit, hook: Hook, e: unknown): void {
    const inst = u.inst;
    if (!inst.running && inst.error) return;
    inst.running = false;
    const message = (e instanceof Error ? e.message : String(e)).slice(0, 500);
    const report: StrategyErrorReport = { instance: inst.config.id, type: inst.config.type, symbol: u.symbol, hook, message, ts: this.now() };
    inst.error = report;
    this.errorLog.push(report);
    if (this.errorLog.length > MAX_ERRORS) this.errorLog.shift();
    // drop the failing instance's votes of this event
    for (let i = this.votes.length - 1; i >= 0; i--) if (this.votes[i]!.signal.strategy === inst.config.id) this.votes.splice(i, 1);
    for (const l of this.errorListeners) l(report);
  }

  private install(cfg: StrategyInstanceConfig, bars?: (symbol: string, tf: StrategyTimeframe) => readonly Readonly<Bar>[]): void {
    const def = this.defs.get(cfg.type)!;
    const inst: Instance = { config: cfg, def, warmup: warmupOf(def, cfg.params), order: this.list.length, running: false, units: new Map() };
    this.list.push(inst);
    this.byId.set(cfg.id, inst);
    if (cfg.enabled) this.build(inst, bars);
  }

  private build(inst: Instance, bars?: (symbol: string, tf: StrategyTimeframe) => readonly Readonly<Bar>[]): void {
    const cfg = inst.config;
    const tfs = timeframesOf(cfg, inst.def);
    inst.running = true;
    for (const symbol of cfg.symbols) {
      const u = this.makeUnit(inst, symbol, tfs);
      inst.units.set(symbol, u);
      let sr = this.symbols.get(symbol);
      if (sr === undefined) {
        sr = { tfs: new Map(), tickUnits: [], lastPrice: NaN };
        this.symbols.set(symbol, sr);
      }
      tfs.forEach((tf, i) => {
        let route = sr.tfs.get(tf);
        if (route === undefined) {
          route = { ring: new BarRing(Math.max(this.historyBars, inst.warmup + 1)), units: [], tfIndex: [] };
          sr.tfs.set(tf, route);
          for (const b of bars?.(symbol, tf) ?? []) route.ring.push(b);
        }
        route.ring.ensureCapacity(inst.warmup + 1);
        route.units.push(u);
        route.tfIndex.push(i);
      });
      try {
        u.hooks = inst.def.create(u.ctx) ?? {};
      } catch (e) {
        this.fail(u, 'create', e);
        return;
      }
      u.building = false;
      if (u.hooks.onTick) sr.tickUnits.push(u);
      this.replay(u, sr);
      if (!inst.running) return;
    }
  }

  /** Warms a new unit from stored bars, all timeframes merged by bar end time, with emit muted. */
  private replay(u: Unit, sr: SymbolRoutes): void {
    const events: { end: number; tfi: number; bar: Readonly<Bar> }[] = [];
    u.tfs.forEach((tf, tfi) => {
      for (const bar of sr.tfs.get(tf)!.ring.last(Infinity)) events.push({ end: bar.t + timeframeMs(tf), tfi, bar });
    });
    if (events.length === 0) return;
    events.sort((a, b) => a.end - b.end || timeframeMs(u.tfs[a.tfi]!) - timeframeMs(u.tfs[b.tfi]!));
    u.muted = true;
    for (const ev of events) {
      if (!u.inst.running) break;
      this.runBar(u, ev.tfi, u.tfs[ev.tfi]!, ev.bar);
    }
    u.muted = false;
  }

  private teardown(inst: Instance): void {
    for (const u of inst.units.values()) {
      const sr = this.symbols.get(u.symbol);
      if (sr === undefined) continue;
      for (const route of sr.tfs.values()) {
        for (let i = route.units.length - 1; i >= 0; i--) {
          if (route.units[i] === u) {
            route.units.splice(i, 1);
            route.tfIndex.splice(i, 1);
          }
        }
      }
      const k = sr.tickUnits.indexOf(u);
      if (k >= 0) sr.tickUnits.splice(k, 1);
    }
    inst.units.clear();
    inst.running = false;
  }

  private makeUnit(inst: Instance, symbol: string, tfs: StrategyTimeframe[]): Unit {
    const primary = tfs[0]!;
    const tfIndex = (tf: StrategyTimeframe | undefined, what: string): number => {
      const i = tf === undefined ? 0 : tfs.indexOf(tf);
      if (i < 0) throw new RangeError(`${what}: timeframe "${String(tf)}" is not one of this strategy's (${tfs.join(', ')})`);
      return i;
    };
    const ring = (tf: StrategyTimeframe, what: string): BarRing => {
      tfIndex(tf, what);
      return this.symbols.get(symbol)!.tfs.get(tf)!.ring;
    };
    const u: Unit = {
      inst,
      symbol,
      tfs,
      inds: tfs.map(() => []),
      snap: [],
      byKey: new Map(),
      hooks: {},
      primaryCount: 0,
      muted: false,
      building: true,
      ctx: undefined as unknown as StrategyContext<unknown>,
    };
    u.ctx = Object.freeze({
      symbol,
      params: Object.freeze({ ...inst.config.params }),
      timeframe: primary,
      timeframes: Object.freeze([...tfs]),
      indicator: (spec: string, tf?: StrategyTimeframe): Indicator => {
        const i = tfIndex(tf, `indicator("${spec}")`);
        const key = `${tfs[i]}|${spec}`;
        const have = u.byKey.get(key);
        if (have) return have;
        const ind = createIndicator(spec);
        u.byKey.set(key, ind);
        u.inds[i]!.push(ind);
        const prefix = i === 0 ? '' : `${tfs[i]}:`;
        u.snap.push({ ind, keys: ind.columns.map((c) => prefix + c) });
        if (!u.building) for (const b of ring(tfs[i]!, 'indicator').last(Infinity)) ind.update(b);
        return ind;
      },
      bars: (tf: StrategyTimeframe, n: number) => ring(tf, 'bars').last(n),
      bar: (tf: StrategyTimeframe, ago = 0) => ring(tf, 'bar').get(ago),
      emit: (e: Emission) => this.emit(u, e),
      now: () => this.now(),
    });
    return u;
  }
}

/** The bar timeframes an instance reads: its primary, then its definition's other timeframes. */
export function timeframesOf(cfg: { readonly timeframe: StrategyTimeframe }, def: Pick<StrategyDefinition, 'timeframes'>): StrategyTimeframe[] {
  return [...new Set([cfg.timeframe, ...def.timeframes.slice(1)])];
}

function subscribe<T>(list: Listener<T>[], fn: Listener<T>): () => void {
  list.push(fn);
  return () => {
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };
}
