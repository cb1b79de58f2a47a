/**
 * `on: contract` F&O strategy instances follow their plan's re-resolution (issue 14), the same on the built-in
 * simulator and on the Kite feed (runtime/fno-kite.ts uses this too).
 *
 * When the plan re-resolves (the ATM moved `reResolveStrikes` strikes, an expiry passed, the future rolled), an
 * instance running on a contract's own candles is replaced by one on the newly resolved contracts: warmed up on
 * the closed candles the engine has of them (backfilled on Kite before the move), with the person's params,
 * weight and on/off state kept (a removed instance stays removed).
 *
 * The held-position rule (real money): an instance that holds a position or a working order in any of its
 * current contracts KEEPS those contracts until it is flat there — its own exit signals, its exits
 * (stop / target / trailing / time / MIS square-off) and the expiry settlement keep managing the position on the
 * candles it was opened on — and moves at the first check after (each feed second). Nothing is orphaned and no
 * strategy ever holds a contract whose candles it no longer sees. Meanwhile `on: underlying` instances already
 * route new entries to the contract resolved now (fno-plan.ts).
 */
import type { StrategyInstanceInfo, Timeframe } from '../contract/schemas.js';
import type { Bar } from '../indicators/indicator.js';
import type { StrategyInstanceInput } from '../strategy/index.js';
import { timeframeMs, type StrategyTimeframe } from '../strategy/strategy.js';
import type { FnoPlan } from './fno-plan.js';
import type { LogFn } from './logger.js';
import type { StrategyService } from './strategies.js';

export interface FnoFollowHost {
  strategies: StrategyService;
  /** Feed time. */
  now(): number;
  /** The engine's candles of a symbol and timeframe, oldest first (the last may be forming). */
  candles(symbol: string, tf: Timeframe): readonly Bar[];
  /** True while `strategy` holds a position or has a working order in `symbol`. */
  holds(strategy: string, symbol: string): boolean;
  /** The contract's candles are in (tracked and backfilled): an instance moves only onto such contracts. */
  ready(symbol: string): boolean;
  log: LogFn;
}

/** An `on: contract` instance not yet on its plan's contracts, and why. */
export interface FnoPendingMove {
  id: string;
  /** The contracts it runs on now. */
  from: string[];
  /** The contracts the plan resolves to now. */
  to: string[];
  /** Contracts of `from` it still holds a position or working order in (it moves once flat there). */
  holding: string[];
}

/** The same symbols, in any order. */
export const sameSymbols = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((s) => b.includes(s));

export class FnoContractFollower {
  private due = false;
  private waiting: FnoPendingMove[] = [];
  private readonly told = new Set<string>();

  constructor(private readonly h: FnoFollowHost) {}

  /** The plan re-resolved: the `on: contract` instances move at the next sync. */
  reResolved(): void {
    this.due = true;
  }

  /** A sync has something to check (a re-resolution not yet followed, or instances waiting to move). */
  needsSync(): boolean {
    return this.due;
  }

  /** Instances waiting to move (holding their old contract, or its successor not in yet). */
  pending(): FnoPendingMove[] {
    return this.waiting.map((w) => ({ ...w, from: [...w.from], to: [...w.to], holding: [...w.holding] }));
  }

  /**
   * Moves every `on: contract` instance whose contracts differ from the plan's and that is flat in them; the
   * others wait (checked again at the next sync while any wait). Returns the ids moved. Never throws.
   */
  sync(plan: FnoPlan): string[] {
    if (!this.due) return [];
    const existing = new Map(this.h.strategies.list().instances.map((i) => [i.id, i]));
    const moved: string[] = [];
    const waiting: FnoPendingMove[] = [];
    for (const x of plan.instances('contract')) {
      const cur = existing.get(x.id);
      if (!cur || sameSymbols(cur.symbols, x.symbols)) continue; // removed by the person, or already there
      const holding = cur.symbols.filter((s) => this.h.holds(x.id, s));
      const notIn = x.symbols.filter((s) => !this.h.ready(s));
      if (holding.length > 0 || notIn.length > 0) {
        waiting.push({ id: x.id, from: [...cur.symbols], to: [...x.symbols], holding });
        const key = `${x.id}|${x.symbols.join(',')}|${holding.join(',')}`;
        if (holding.length > 0 && !this.told.has(key)) {
          if (this.told.size > 200) this.told.clear();
          this.told.add(key);
          this.h.log('info', 'F&O instance keeps its contract until flat there', { instance: x.id, holding: holding.join(','), next: x.symbols.join(',') });
        }
        continue;
      }
      try {
        this.replace(x, cur);
        moved.push(x.id);
        this.h.log('info', 'F&O instance moved to the re-resolved contracts', { instance: x.id, from: cur.symbols.join(','), to: x.symbols.join(',') });
      } catch (e) {
        this.h.log('warn', `fno: strategy instance ${x.id} not moved to ${x.symbols.join(', ')}: ${(e as Error).message}`);
      }
    }
    this.waiting = waiting;
    this.due = waiting.length > 0;
    return moved;
  }

  /**
   * (Re)starts a plan's instance on its resolved symbols: an instance already there is replaced, not edited —
   * the person's params, weight and on/off kept — and warmed up on the engine's closed candles.
   */
  replace(x: StrategyInstanceInput, old: StrategyInstanceInfo | undefined): StrategyInstanceInfo {
    if (old) this.h.strategies.remove(x.id);
    return this.h.strategies.add(
      {
        id: x.id,
        type: x.type,
        params: old ? old.params : (x.params ?? {}),
        symbols: x.symbols,
        timeframe: x.timeframe,
        weight: old ? old.weight : x.weight,
        enabled: old ? old.enabled : (x.enabled ?? true),
      },
      { bars: (s, tf) => this.closedBars(s, tf) },
    );
  }

  /** The closed candles the engine has of (symbol, tf): a new instance warms up on them. */
  closedBars(symbol: string, tf: Timeframe): readonly Bar[] {
    let ms: number;
    try {
      ms = timeframeMs(tf as StrategyTimeframe);
    } catch {
      return [];
    }
    const now = this.h.now();
    return this.h.candles(symbol, tf).filter((c) => c.t + ms <= now);
  }
}
