/**
 * The run profile's `fno:` section on the Kite feed (issue 14). Kite's contracts are known only once the day's
 * instrument dump has loaded (after the engine started), so the plan (runtime/fno-plan.ts) is resolved then:
 *
 *  1. Until then the F&O strategy instances do not run (instances kept from an earlier run are held back),
 *     and the underlyings (NIFTY 50 … : Kite's index packets) are subscribed so their price arrives.
 *  2. Once the dump is loaded, the start-up history is in and every underlying has a price, the legs are
 *     resolved against the dump's NFO futures and options of the underlyings (lot and tick sizes, strikes and
 *     expiries all from the dump); the resolved contracts are added to the engine (subscribed, their recent
 *     1-minute candles backfilled), and only when they are in are the F&O instances started — warmed up on the
 *     candles the engine already has (the underlying's history, the contracts' backfill).
 *  3. Each price of an underlying may re-resolve its legs (an ATM move of `reResolveStrikes`, an expiry, a
 *     futures roll): new contracts are added; what the plan no longer names drops out of the feed demand and is
 *     unsubscribed unless an open position, a working order, a strategy instance, an open chart or the watchlist
 *     still needs it (Engine.feedDemand).
 *  4. A contract the profile asks for that the dump lacks, or a plan that cannot be resolved (no such future,
 *     expiry or strike), is a warning in the log (and so in the Health tab) naming the underlying, the expiry
 *     and the strike; resolution is retried each second and with each new dump.
 * `on: underlying` instances always route to the contract resolved now; `on: contract` instances move to the
 * re-resolved contracts once those are in (backfilled) and the instance is flat in its old ones — the same code
 * as on the simulator (runtime/fno-follow.ts). After a restart the same held-position rule applies at the first
 * dump: an instance kept from the earlier run that holds a position or a working order (restored from the
 * journal) in its old contract is restarted on that contract (subscribed, backfilled) and moves once flat.
 */
import type { Instrument } from '../contract/schemas.js';
import type { Bar } from '../indicators/indicator.js';
import type { InstrumentMaster } from '../model/instrument-master.js';
import type { FeedMode } from '../market/data-client.js';
import { nfoInstrumentOf } from '../adapters/kite/kite-feed.js';
import { FnoPlan, fnoInstanceIds, underlyingSymbolOf, type FnoProfile } from './fno-plan.js';
import type { LogFn } from './logger.js';
import type { StrategyService } from './strategies.js';
import type { Timeframe } from '../contract/schemas.js';
import { FnoContractFollower, sameSymbols, type FnoPendingMove } from './fno-follow.js';

/** The NFO futures and options of the underlyings in a Kite dump, as engine instruments (the plan's candidates). */
export function fnoDumpInstruments(master: InstrumentMaster, underlyings: readonly string[]): Instrument[] {
  const out: Instrument[] = [];
  for (const u of underlyings) {
    for (const k of master.derivativesOf(u)) {
      if (k.exchange !== 'NFO' || k.expiry === null || k.lotSize <= 0 || k.tickSizePaise <= 0) continue;
      if (k.instrumentType === 'FUT' || k.instrumentType === 'CE' || k.instrumentType === 'PE') out.push(nfoInstrumentOf(k));
    }
  }
  return out;
}

/** What the binder needs of the engine. */
export interface FnoKiteHost {
  profile: FnoProfile;
  /** The day's instrument master, once loaded. */
  master(): InstrumentMaster | undefined;
  /** Feed time. */
  now(): number;
  /** True while the feed replays its start-up history or the engine stops: nothing is resolved then. */
  busy(): boolean;
  /** The last price of a symbol the engine tracks (or its previous close), paise. */
  priceOf(symbol: string): number | undefined;
  isTracked(symbol: string): boolean;
  /** Adds a symbol of the dump to the engine; resolves when its recent candles are backfilled. Throws the feed's error. */
  track(symbol: string): Promise<void>;
  strategies: StrategyService;
  /** The engine's candles of a symbol and timeframe, oldest first (the last may be forming). */
  candles(symbol: string, tf: Timeframe): readonly Bar[];
  /** True while `strategy` holds a position or has a working order in `symbol` (fno-follow.ts: the held-position rule). */
  holds(strategy: string, symbol: string): boolean;
  /** A tracked symbol's recent candles are in (its backfill settled). */
  ready(symbol: string): boolean;
  /** The plan changed: the feed's subscriptions follow. */
  changed(): void;
  log: LogFn;
}

export interface FnoKiteStatus {
  state: 'waiting' | 'resolved';
  /** Why it is still waiting, or a warning about the resolved plan (a contract missing from the dump). */
  message?: string;
  /** Contract symbols resolved now. */
  symbols: string[];
  /** F&O strategy instances started. */
  started: string[];
  /** `on: contract` instances not on the re-resolved contracts yet (holding the old ones, or the new not in). */
  pendingMoves: FnoPendingMove[];
  /** Warnings about the resolved plan (contracts missing from the dump, contracts that cannot be subscribed). */
  warnings: string[];
}

export class FnoKiteBinder {
  private plan_: FnoPlan | undefined;
  private planMaster: InstrumentMaster | undefined;
  private problem: string | undefined;
  private warned = new Set<string>();
  private readonly ids: Set<string>;
  private started: string[] = [];
  private generation = 0;
  /** A plan whose contracts are in but whose instances wait for the feed (it was busy when they came in). */
  private pendingStart: FnoPlan | undefined;
  /** Instances started on this plan: from then on `on: contract` ones follow its re-resolution. */
  private startedPlan: FnoPlan | undefined;
  private readonly follower: FnoContractFollower;
  private planWarnings: string[] = [];

  constructor(private readonly h: FnoKiteHost) {
    this.ids = new Set(fnoInstanceIds(h.profile));
    this.follower = new FnoContractFollower({ strategies: h.strategies, now: () => h.now(), candles: (s, tf) => h.candles(s, tf), holds: (id, s) => h.holds(id, s), ready: (s) => h.isTracked(s) && h.ready(s), log: h.log });
  }

  /** The resolved plan (undefined until the dump and the underlyings' prices are in). */
  get plan(): FnoPlan | undefined {
    return this.plan_;
  }

  status(): FnoKiteStatus {
    const s: FnoKiteStatus = { state: this.plan_ ? 'resolved' : 'waiting', symbols: this.plan_?.symbols() ?? [], started: [...this.started], pendingMoves: this.follower.pending(), warnings: [...this.planWarnings] };
    const m = this.problem ?? (this.plan_ ? undefined : this.h.master() ? 'waiting for the underlyings’ prices' : 'waiting for Kite’s instrument dump');
    if (m !== undefined) s.message = m;
    return s;
  }

  /** At start: F&O instances kept from an earlier run stay off until their contracts are resolved from today's dump. */
  holdBack(): void {
    for (const i of this.h.strategies.list().instances) {
      if (this.ids.has(i.id) && i.running) this.h.strategies.runner.setEnabled(i.id, false);
    }
  }

  /**
   * The underlyings' symbols (always; full: an index's full packet carries the exchange time, which the feed
   * clock follows) and the resolved contracts (full: depth for the paper fills).
   */
  demand(want: (symbol: string, mode: FeedMode) => void): void {
    for (const u of this.h.profile.underlyings) want(underlyingSymbolOf(u), 'full');
    const p = this.plan_;
    if (!p) return;
    const underlyings = new Set(this.h.profile.underlyings.map(underlyingSymbolOf));
    for (const s of p.symbols()) if (!underlyings.has(s)) want(s, 'full');
  }

  /** Resolves the plan when it can (dump loaded, history in, prices known) and has not on this dump. Never throws. */
  tryResolve(): void {
    const master = this.h.master();
    if (master === undefined || this.h.busy()) return;
    if (this.pendingStart !== undefined && this.pendingStart === this.plan_) {
      const p = this.pendingStart;
      this.pendingStart = undefined;
      this.startInstances(p);
    }
    // an `on: contract` instance waiting to move (flat yet? its new contracts in?) is checked each second
    if (this.plan_ !== undefined && this.plan_ === this.startedPlan) this.follower.sync(this.plan_);
    if (master === this.planMaster) return;
    const profile = this.h.profile;
    for (const u of profile.underlyings) {
      const sym = underlyingSymbolOf(u);
      if (!this.h.isTracked(sym)) {
        try {
          void this.h.track(sym);
        } catch (e) {
          this.fail(`fno: the underlying ${u} (${sym}) cannot be followed on Kite: ${(e as Error).message}`);
          return;
        }
      }
      if (profile.options && this.h.priceOf(sym) === undefined) return; // its first price is on the way
    }
    let plan: FnoPlan;
    try {
      plan = new FnoPlan(profile, fnoDumpInstruments(master, profile.underlyings), (s) => this.h.priceOf(s), this.h.now(), (msg, data) => this.h.log('info', msg, data));
    } catch (e) {
      this.fail(`${(e as Error).message} (Kite instrument dump)`);
      return;
    }
    this.problem = undefined;
    this.plan_ = plan;
    this.planMaster = master;
    const gen = ++this.generation;
    this.h.log('info', 'F&O legs resolved from the Kite instrument dump', { ...this.describe(plan) });
    const added = [...this.follow(), ...this.trackHeld(plan)];
    this.h.changed();
    // the instances start once their contracts are in (subscribed, recent candles backfilled)
    void Promise.allSettled(added).then(() => {
      if (gen !== this.generation) return;
      if (this.h.busy()) this.pendingStart = plan; // started by the next tryResolve (each second)
      else this.startInstances(plan);
    });
  }

  /** A tick: re-resolves the legs of the underlying it prices when due (fno-plan.ts) and follows the new contracts. */
  onPrice(symbol: string, pricePaise: number, ts: number): void {
    const p = this.plan_;
    if (!p) {
      if (this.h.profile.underlyings.some((u) => underlyingSymbolOf(u) === symbol)) this.tryResolve();
      return;
    }
    if (p.onPrice(symbol, pricePaise, ts).length === 0) return;
    const added = this.follow();
    this.h.changed();
    if (p !== this.startedPlan) return; // instances not started yet: they start on the plan's contracts of then
    this.follower.reResolved();
    // the `on: contract` instances move once the new contracts are in (subscribed, backfilled)
    void Promise.allSettled(added).then(() => {
      if (this.plan_ === p && !this.h.busy()) this.follower.sync(p);
    });
  }

  /** Adds the plan's contracts the engine does not track yet; warns about contracts the dump lacks. */
  private follow(): Promise<void>[] {
    const p = this.plan_!;
    const out: Promise<void>[] = [];
    for (const s of p.symbols()) {
      if (this.h.isTracked(s)) continue;
      try {
        out.push(this.h.track(s));
      } catch (e) {
        this.warnOnce(`fno: resolved contract ${s} cannot be subscribed: ${(e as Error).message}`);
      }
    }
    const warnings: string[] = [];
    for (const u of this.h.profile.underlyings) {
      for (const m of p.resolution(u)?.option?.missing ?? []) {
        const w = `fno: ${m} is not in Kite's instrument dump: that leg is not traded`;
        warnings.push(w);
        this.warnOnce(w);
      }
    }
    this.planWarnings = warnings;
    return out;
  }

  /**
   * The contracts `on: contract` instances kept from an earlier run (held back since the engine started) hold a
   * position or a working order in (the journal restored the ledger per strategy and the working orders): they are
   * added to the engine (subscribed, backfilled) so the instance can keep them until flat (the held-position rule
   * after a restart). A contract that cannot be followed (not in today's dump: expired) is a warning.
   */
  private trackHeld(plan: FnoPlan): Promise<void>[] {
    const out: Promise<void>[] = [];
    const existing = new Map(this.h.strategies.list().instances.map((i) => [i.id, i]));
    for (const x of plan.instances('contract')) {
      const old = existing.get(x.id);
      if (!old || sameSymbols(old.symbols, x.symbols) || !old.symbols.some((s) => this.h.holds(x.id, s))) continue;
      for (const s of old.symbols) {
        if (this.h.isTracked(s)) continue;
        try {
          out.push(this.h.track(s));
        } catch (e) {
          this.warnOnce(`fno: strategy instance ${x.id} holds ${s}, which cannot be followed on Kite: ${(e as Error).message}`);
        }
      }
    }
    return out;
  }

  private startInstances(plan: FnoPlan): void {
    const existing = new Map(this.h.strategies.list().instances.map((i) => [i.id, i]));
    const started: string[] = [];
    // the held-position rule: an `on: contract` instance holding a position or a working order in its contracts
    // keeps them until flat there — on a new dump while running (the next day) and on the first dump after a
    // restart (an instance kept from the earlier run, its position or order restored from the journal)
    const running = this.startedPlan !== undefined;
    const contractBound = new Set(plan.instances('contract').map((x) => x.id));
    let deferred = false;
    this.startedPlan = plan;
    for (const x of plan.instances()) {
      const old = existing.get(x.id);
      const holding = old && contractBound.has(x.id) ? old.symbols.filter((s) => this.h.holds(x.id, s)) : [];
      if (old && holding.length > 0 && running) {
        deferred = true;
        if (old.running) started.push(x.id);
        continue;
      }
      if (old && holding.length > 0 && !sameSymbols(old.symbols, x.symbols)) {
        // after a restart: held back since start; restarted on the contracts it holds (tracked and backfilled by
        // now), warmed up on their candles, the person's params, weight and on/off kept
        const keep = old.symbols.filter((s) => this.h.isTracked(s));
        const lost = holding.filter((s) => !this.h.isTracked(s));
        if (lost.length === 0) {
          try {
            const info = this.follower.replace({ ...x, symbols: keep }, old);
            deferred = true;
            if (info.running) started.push(x.id);
            this.h.log('info', 'F&O instance restarted on the contract it holds (kept until flat there)', { instance: x.id, holding: holding.join(','), next: x.symbols.join(',') });
            continue;
          } catch (e) {
            this.warnOnce(`fno: strategy instance ${x.id} not restarted on ${keep.join(', ')}, which it holds: ${(e as Error).message}; started on today's contracts (its exits and the expiry settlement manage that position)`);
          }
        } else {
          this.warnOnce(`fno: strategy instance ${x.id} holds ${lost.join(', ')}, not followed on Kite today: started on today's contracts (its exits and the expiry settlement manage that position)`);
        }
      }
      try {
        // replaced, not edited: its symbols are today's contracts; a person's params, weight and on/off are kept
        const info = this.follower.replace(x, old);
        if (info.running) started.push(x.id);
      } catch (e) {
        this.warnOnce(`fno: strategy instance ${x.id} not started: ${(e as Error).message}`);
      }
    }
    this.started = started;
    if (deferred) {
      this.follower.reResolved();
      this.follower.sync(plan);
    }
    this.h.log('info', 'F&O strategy instances started', { instances: started.join(',') });
  }

  private describe(plan: FnoPlan): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const u of this.h.profile.underlyings) {
      const r = plan.resolution(u);
      out[u] = [r?.future, r?.option?.ce, r?.option?.pe].filter((x) => x !== undefined).join(',');
    }
    return out;
  }

  private fail(message: string): void {
    this.problem = message;
    this.warnOnce(message);
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    if (this.warned.size > 200) this.warned = new Set();
    this.warned.add(message);
    this.h.log('warn', message);
  }
}
