/**
 * The `fno:` section of a run profile (issue 14): which derivatives a run trades and how its strategies
 * reach them, resolved against the feed's instrument list (the built-in simulator's NFO contracts, or the
 * Kite instrument master's) — no symbol is typed by hand.
 *
 *   fno:
 *     underlyings: [NIFTY]
 *     futures: { contract: current, rolloverDays: 1 }      # current | next; next takes over N trading days before expiry
 *     options: { strike: ATM, steps: 0, expiry: nearest, right: both, reResolveStrikes: 1 }
 *     strategies:
 *       - { id: nifty-fut-trend, type: fno_intraday_trend, leg: future, on: contract }
 *       - { id: nifty-atm-trend, type: fno_intraday_trend, leg: option, on: underlying }
 *
 * - `strike`: ATM, or ITM / OTM by `steps` listed strikes (a CE's ITM is below the money, a PE's above).
 * - `expiry`: nearest, next, or a date (YYYY-MM-DD) that must be listed.
 * - Re-resolution: the option leg re-resolves when the underlying has moved `reResolveStrikes` strikes away
 *   from the resolved ATM, and when its expiry has passed (15:30 IST of expiry day); the future leg at its
 *   rollover day. A position already open stays in its contract until it is closed or settled at expiry
 *   (runtime/fno-settlement.ts); only new entries go to the re-resolved contract.
 * - `on: contract`: the instance runs on the contract's own candles (the future's; for the option leg one
 *   instance on the resolved CE and PE) and follows re-resolution: it moves to the new contracts, warmed on
 *   their candles, once it is flat in the old ones (runtime/fno-follow.ts: the held-position rule).
 *   `on: underlying`: the instance runs on the underlying index's candles (NIFTY 50) and its intents are
 *   ROUTED: future leg → the same side on the future; option leg → long premium: a BUY opens a CE (or closes a
 *   PE held), a SELL opens a PE (or closes a CE held); with `right: CE` only (PE only) the other direction only
 *   closes. The route always names the currently resolved contract.
 * On the Kite feed the plan is made once the day's instrument dump has loaded (runtime/fno-kite.ts: the dump's
 * contracts, subscribed, instances started after); on the built-in simulator when the engine starts.
 */
import { z } from 'zod';
import type { Instrument } from '../contract/schemas.js';
import { istDay, nseCalendar, type IsoDay } from '../core/nse-calendar.js';
import { expiryCloseMs } from '../fno/expiries.js';
import { INDEX_FNO } from '../fno/specs.js';
import type { OrderSide } from '../model/order.js';
import { intentOwner, type SizingIntent } from '../portfolio/sizing.js';
import type { StrategyInstanceInput } from '../strategy/index.js';

const nameSchema = z.string().regex(/^[A-Z][A-Z0-9&-]{0,19}$/, 'an F&O underlying name in capitals (NIFTY, BANKNIFTY, RELIANCE)');

export const fnoStrategySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/, 'id must be 1–48 characters of letters, digits, _ . - (starting with a letter or digit)'),
  type: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  timeframe: z.string().optional(),
  weight: z.number().min(0).max(100).optional(),
  enabled: z.boolean().default(true),
  /** Which leg the instance trades. */
  leg: z.enum(['future', 'option']),
  /** contract: on the contract's own candles; underlying: on the underlying's, orders routed to the contract. */
  on: z.enum(['contract', 'underlying']),
});

export const fnoProfileSchema = z
  .strictObject({
    underlyings: z.array(nameSchema).min(1).max(10),
    futures: z
      .strictObject({
        contract: z.enum(['current', 'next']).default('current'),
        /** The next contract takes over this many trading days before expiry (0 = on expiry day). */
        rolloverDays: z.number().int().min(0).max(15).default(1),
      })
      .optional(),
    options: z
      .strictObject({
        strike: z.enum(['ATM', 'ITM', 'OTM']).default('ATM'),
        /** ITM / OTM: this many listed strikes from ATM (ATM: must be 0). */
        steps: z.number().int().min(0).max(30).default(0),
        expiry: z.union([z.enum(['nearest', 'next']), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expiry: nearest, next or YYYY-MM-DD')]).default('nearest'),
        right: z.enum(['CE', 'PE', 'both']).default('both'),
        /** Re-resolve when the underlying moves this many strikes from the resolved ATM. */
        reResolveStrikes: z.number().int().min(1).max(50).default(1),
      })
      .superRefine((o, ctx) => {
        if (o.strike === 'ATM' && o.steps !== 0) ctx.addIssue({ code: 'custom', message: 'steps is for ITM/OTM; ATM takes steps 0', path: ['steps'] });
        if (o.strike !== 'ATM' && o.steps === 0) ctx.addIssue({ code: 'custom', message: `${o.strike} needs steps ≥ 1 (strikes from ATM)`, path: ['steps'] });
      })
      .optional(),
    strategies: z.array(fnoStrategySchema).max(50).default([]),
  })
  .superRefine((f, ctx) => {
    f.strategies.forEach((s, i) => {
      if (s.leg === 'future' && !f.futures) ctx.addIssue({ code: 'custom', message: 'leg future needs a `futures:` section', path: ['strategies', i, 'leg'] });
      if (s.leg === 'option' && !f.options) ctx.addIssue({ code: 'custom', message: 'leg option needs an `options:` section', path: ['strategies', i, 'leg'] });
    });
    const ids = new Set<string>();
    f.strategies.forEach((s, i) => {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', message: `duplicate instance id "${s.id}"`, path: ['strategies', i, 'id'] });
      ids.add(s.id);
    });
  });
export type FnoProfile = z.output<typeof fnoProfileSchema>;
export type FnoProfileInput = z.input<typeof fnoProfileSchema>;

export class FnoPlanError extends Error {
  override name = 'FnoPlanError';
}

/** The symbol whose price is an underlying's (NIFTY → NIFTY 50; a stock → itself). */
export const underlyingSymbolOf = (name: string): string => INDEX_FNO[name]?.index ?? name;

export interface ResolvedOption {
  expiry: IsoDay;
  atmPaise: number;
  strikePaise: number;
  ce?: string;
  pe?: string;
  /** Contracts the profile asks for that the instrument list lacks (`NIFTY 2026-12-08 24500 PE`): warned, not traded. */
  missing?: string[];
}

/** A strike in rupees as the exchange writes it (24500, 97.5). */
const formatStrike = (paise: number): string => (paise % 100 === 0 ? String(paise / 100) : (paise / 100).toFixed(2).replace(/0$/, ''));

/**
 * The strategy instance ids a profile's `fno.strategies` seed (as FnoPlan.instances names them), known before
 * the plan is resolved: the Kite feed holds these instances back until its instrument dump has resolved the legs.
 */
export function fnoInstanceIds(profile: FnoProfile): string[] {
  const many = profile.underlyings.length > 1;
  return profile.strategies.flatMap((s) => profile.underlyings.map((u) => (many ? `${s.id}-${u}` : s.id)));
}

export interface FnoResolution {
  underlying: string;
  underlyingSymbol: string;
  future?: string;
  option?: ResolvedOption;
}

function futureOf(list: readonly Instrument[], u: string, f: NonNullable<FnoProfile['futures']>, now: number): string {
  const today = istDay(now);
  const futs = list.filter((i) => i.kind === 'FUT' && i.underlying === u && i.expiry !== undefined && expiryCloseMs(i.expiry) > now).sort((a, b) => (a.expiry! < b.expiry! ? -1 : 1));
  // current: the first whose rollover day has not come (rollover N: the next takes over N trading days before expiry)
  const idx = futs.findIndex((i) => today < (f.rolloverDays === 0 ? i.expiry! : nseCalendar.shiftTradingDays(i.expiry!, -f.rolloverDays)) || (f.rolloverDays === 0 && today === i.expiry));
  const cur = idx < 0 ? futs.length - 1 : idx;
  const pick = futs[f.contract === 'next' ? cur + 1 : cur];
  if (!pick) throw new FnoPlanError(`fno: no ${f.contract} future of ${u} listed on ${today} (${futs.length} live: ${futs.map((x) => x.symbol).join(', ') || 'none'})`);
  return pick.symbol;
}

function optionOf(list: readonly Instrument[], u: string, o: NonNullable<FnoProfile['options']>, underlyingPaise: number, now: number): ResolvedOption {
  const opts = list.filter((i) => (i.kind === 'CE' || i.kind === 'PE') && i.underlying === u && i.expiry !== undefined && i.strikePaise !== undefined && expiryCloseMs(i.expiry) > now);
  const expiries = [...new Set(opts.map((i) => i.expiry!))].sort();
  const expiry = o.expiry === 'nearest' ? expiries[0] : o.expiry === 'next' ? expiries[1] : expiries.includes(o.expiry) ? o.expiry : undefined;
  if (expiry === undefined) throw new FnoPlanError(`fno.options.expiry: ${o.expiry} is not a live ${u} option expiry (listed: ${expiries.join(', ') || 'none'})`);
  const at = opts.filter((i) => i.expiry === expiry);
  const strikes = [...new Set(at.map((i) => i.strikePaise!))].sort((a, b) => a - b);
  let atm = 0;
  for (let i = 1; i < strikes.length; i++) if (Math.abs(strikes[i]! - underlyingPaise) <= Math.abs(strikes[atm]! - underlyingPaise)) atm = i;
  const missing: string[] = [];
  const sym = (right: 'CE' | 'PE'): string | undefined => {
    const dir = o.strike === 'ATM' ? 0 : (o.strike === 'ITM') === (right === 'CE') ? -1 : 1;
    const k = strikes[atm + dir * o.steps];
    if (k === undefined) throw new FnoPlanError(`fno.options: ${o.strike}${o.steps ? ` ${o.steps}` : ''} ${right} of ${u} ${expiry} is outside the listed strikes (${strikes.length} listed)`);
    const s = at.find((i) => i.kind === right && i.strikePaise === k)?.symbol;
    // the chain lists the strike for one right only: the instrument list (Kite's dump) lacks this contract
    if (s === undefined) missing.push(`${u} ${expiry} ${formatStrike(k)} ${right}`);
    return s;
  };
  const r: ResolvedOption = { expiry, atmPaise: strikes[atm]!, strikePaise: strikes[atm]! };
  if (o.right !== 'PE') {
    const s = sym('CE');
    if (s) r.ce = s;
  }
  if (o.right !== 'CE') {
    const s = sym('PE');
    if (s) r.pe = s;
  }
  if (!r.ce && !r.pe) throw new FnoPlanError(`fno.options: not in the instrument list: ${missing.join(', ')}`);
  if (missing.length > 0) r.missing = missing;
  return r;
}

/** Resolves one underlying's legs against an instrument list at `now` with the underlying at `underlyingPaise`. */
export function resolveFno(profile: FnoProfile, list: readonly Instrument[], u: string, underlyingPaise: number | undefined, now: number): FnoResolution {
  const out: FnoResolution = { underlying: u, underlyingSymbol: underlyingSymbolOf(u) };
  if (profile.futures) out.future = futureOf(list, u, profile.futures, now);
  if (profile.options) {
    if (underlyingPaise === undefined) throw new FnoPlanError(`fno: no price yet for ${out.underlyingSymbol}; the option strike cannot be resolved`);
    out.option = optionOf(list, u, profile.options, underlyingPaise, now);
  }
  return out;
}

/** A routed intent's target: the contract symbol and the side on it. */
export interface Route {
  symbol: string;
  side: OrderSide;
}

/**
 * The resolved plan of a run: instances to seed, routes for `on: underlying` instances, re-resolution as
 * the underlying moves and expiries pass. Resolutions change only through onPrice (the kernel's ticks).
 */
export class FnoPlan {
  private readonly res = new Map<string, FnoResolution>();
  private readonly log: (msg: string, data: Record<string, unknown>) => void;

  constructor(
    readonly profile: FnoProfile,
    private readonly list: readonly Instrument[],
    priceOf: (symbol: string) => number | undefined,
    now: number,
    log?: (msg: string, data: Record<string, unknown>) => void,
  ) {
    this.log = log ?? (() => {});
    for (const u of profile.underlyings) {
      const known = list.some((i) => i.underlying === u);
      if (!known) throw new FnoPlanError(`fno.underlyings: ${u} has no derivatives in the instrument list`);
      this.res.set(u, resolveFno(profile, list, u, priceOf(underlyingSymbolOf(u)), now));
    }
  }

  resolution(u: string): FnoResolution | undefined {
    return this.res.get(u);
  }

  /** Every contract symbol resolved now (what the feed must subscribe). */
  symbols(): string[] {
    const out = new Set<string>();
    for (const r of this.res.values()) {
      out.add(r.underlyingSymbol);
      if (r.future) out.add(r.future);
      if (r.option?.ce) out.add(r.option.ce);
      if (r.option?.pe) out.add(r.option.pe);
    }
    return [...out];
  }

  /**
   * Strategy instances to seed (ids `<id>` per underlying; with more than one underlying `<id>-<UNDERLYING>`)
   * on the contracts resolved now; `on`: only the `on: contract` (or `on: underlying`) ones.
   */
  instances(on?: 'contract' | 'underlying'): StrategyInstanceInput[] {
    const out: StrategyInstanceInput[] = [];
    const many = this.res.size > 1;
    for (const s of this.profile.strategies) {
      if (on !== undefined && s.on !== on) continue;
      for (const r of this.res.values()) {
        const symbols = s.on === 'underlying' ? [r.underlyingSymbol] : s.leg === 'future' ? [r.future!] : [r.option!.ce, r.option!.pe].filter((x): x is string => x !== undefined);
        const x: StrategyInstanceInput = { id: many ? `${s.id}-${r.underlying}` : s.id, type: s.type, params: s.params, symbols, enabled: s.enabled };
        if (s.timeframe !== undefined) x.timeframe = s.timeframe as StrategyInstanceInput['timeframe'];
        if (s.weight !== undefined) x.weight = s.weight;
        out.push(x);
      }
    }
    return out;
  }

  /** The `on: underlying` instance behind an id, and its underlying. */
  private routed(strategy: string): { leg: 'future' | 'option'; r: FnoResolution } | undefined {
    const many = this.res.size > 1;
    for (const s of this.profile.strategies) {
      if (s.on !== 'underlying') continue;
      for (const r of this.res.values()) if ((many ? `${s.id}-${r.underlying}` : s.id) === strategy) return { leg: s.leg, r };
    }
    return undefined;
  }

  /**
   * Where an intent of `strategy` on `symbol` goes: undefined when it is not an `on: underlying` instance's
   * intent on its underlying (trade it as it is); null when the route has nothing to do (e.g. a SELL with
   * only CE configured and none held). `held(symbol)` is the strategy's signed position in a contract.
   */
  route(strategy: string, symbol: string, side: OrderSide, held: (symbol: string) => number): Route | null | undefined {
    const x = this.routed(strategy);
    if (!x || symbol !== x.r.underlyingSymbol) return undefined;
    if (x.leg === 'future') {
      // a position held in an older contract is closed there first
      const open = this.heldContract(held, x.r.underlying, 'FUT');
      return open ?? { symbol: x.r.future!, side };
    }
    // long premium: BUY → close a PE held, else open a CE; SELL → close a CE held, else open a PE
    const closeKind = side === 'BUY' ? 'PE' : 'CE';
    const open = this.heldContract(held, x.r.underlying, closeKind);
    if (open) return { symbol: open.symbol, side: 'SELL' };
    const target = side === 'BUY' ? x.r.option!.ce : x.r.option!.pe;
    return target ? { symbol: target, side: 'BUY' } : null;
  }

  /**
   * An ensemble intent as it should be traded: an `on: underlying` instance's intent on its underlying goes
   * to the routed contract and side; null = nothing to do; any other intent comes back unchanged.
   * `held(symbol, strategy)` is a strategy's signed position.
   */
  routeIntent<T extends SizingIntent>(intent: T, held: (symbol: string, strategy: string) => number): T | null {
    const owner = intentOwner(intent);
    if (owner === undefined) return intent;
    const r = this.route(owner, intent.symbol, intent.side, (s) => held(s, owner));
    if (r === undefined) return intent;
    if (r === null) return null;
    return { ...intent, symbol: r.symbol, side: r.side };
  }

  private heldContract(held: (symbol: string) => number, u: string, kind: 'FUT' | 'CE' | 'PE'): Route | undefined {
    for (const i of this.list) {
      if (i.underlying !== u || i.kind !== kind) continue;
      const q = held(i.symbol);
      if (q !== 0) return { symbol: i.symbol, side: q > 0 ? 'SELL' : 'BUY' };
    }
    return undefined;
  }

  /**
   * A price of `symbol` at `now`: re-resolves the underlying whose index it is when the ATM moved
   * `reResolveStrikes` strikes or the resolved expiry / future has expired. Returns the underlyings re-resolved.
   */
  onPrice(symbol: string, pricePaise: number, now: number): string[] {
    const changed: string[] = [];
    for (const r of this.res.values()) {
      if (r.underlyingSymbol !== symbol) continue;
      const o = r.option;
      const opt = this.profile.options;
      let due = false;
      if (o && opt) {
        if (now >= expiryCloseMs(o.expiry)) due = true;
        else {
          const strikes = this.strikesOf(r.underlying, o.expiry);
          const atmNow = nearestIndex(strikes, pricePaise);
          if (Math.abs(atmNow - strikes.indexOf(o.atmPaise)) >= opt.reResolveStrikes) due = true;
        }
      }
      if (r.future) {
        const f = this.list.find((i) => i.symbol === r.future);
        if (f?.expiry !== undefined && now >= expiryCloseMs(f.expiry)) due = true;
        else if (this.profile.futures && f?.expiry !== undefined && futureOf(this.list, r.underlying, this.profile.futures, now) !== r.future) due = true;
      }
      if (!due) continue;
      try {
        const next = resolveFno(this.profile, this.list, r.underlying, pricePaise, now);
        this.res.set(r.underlying, next);
        changed.push(r.underlying);
        this.log('F&O legs re-resolved', { underlying: r.underlying, future: next.future ?? '', ce: next.option?.ce ?? '', pe: next.option?.pe ?? '', atmPaise: next.option?.atmPaise ?? 0 });
      } catch (e) {
        this.log('F&O legs could not be re-resolved', { underlying: r.underlying, error: (e as Error).message });
      }
    }
    return changed;
  }

  private strikesOf(u: string, expiry: string): number[] {
    return [...new Set(this.list.filter((i) => i.underlying === u && i.expiry === expiry && i.strikePaise !== undefined).map((i) => i.strikePaise!))].sort((a, b) => a - b);
  }
}

function nearestIndex(sorted: readonly number[], x: number): number {
  let best = 0;
  for (let i = 1; i < sorted.length; i++) if (Math.abs(sorted[i]! - x) <= Math.abs(sorted[best]! - x)) best = i;
  return best;
}
