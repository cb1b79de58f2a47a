/**
 * Logical F&O symbols → concrete Kite contracts, from an InstrumentMaster and the NSE calendar.
 *
 *  - Futures: the CURRENT and NEXT contract of an underlying (NIFTY, BANKNIFTY, FINNIFTY, any stock)
 *    with a rollover day: `rolloverDays` = N means the next contract takes over N trading days
 *    before expiry (N = 1, the default: from the trading day before expiry; N = 0: on expiry day).
 *  - Options: ATM / ITM n / OTM n calls and puts for the nearest (or a chosen) expiry, from the
 *    underlying's price. ATM is the listed strike nearest the price (a tie goes to the higher
 *    strike); ITM/OTM n walk n listed strikes away from ATM, so an uneven chain (50-point steps near
 *    the money, 100-point further out) is followed as listed. strikeStepPaise reports the step there.
 *
 * Instruments carry lot size, tick size (paise) and expiry. Freeze quantity is NOT in the dump
 * (kite-protocol.md §2.16) and is not resolved here.
 */
import { type DayInput, type IsoDay, type NseCalendar, istDay, nseCalendar } from '../core/nse-calendar.js';
import type { InstrumentMaster, KiteInstrument } from './instrument-master.js';

/** The spot instrument (for the underlying price) of the index underlyings; stocks use `NSE:<name>`. */
export const INDEX_SPOT_KEYS: Readonly<Record<string, string>> = Object.freeze({
  NIFTY: 'NSE:NIFTY 50',
  BANKNIFTY: 'NSE:NIFTY BANK',
  FINNIFTY: 'NSE:NIFTY FIN SERVICE',
  MIDCPNIFTY: 'NSE:NIFTY MID SELECT',
  NIFTYNXT50: 'NSE:NIFTY NEXT 50',
});

/** `EXCHANGE:SYMBOL` of the cash-market instrument whose price drives an underlying's options. */
export function spotKeyFor(underlying: string): string {
  const u = underlying.toUpperCase();
  return INDEX_SPOT_KEYS[u] ?? `NSE:${u}`;
}

export class FnoResolveError extends Error {
  override name = 'FnoResolveError';
}

export interface ResolveContext {
  /** The day (IST) to resolve for — a date or an epoch-ms instant. */
  asOf: DayInput;
  calendar?: NseCalendar;
}

export interface FuturesResolution {
  readonly underlying: string;
  readonly current: KiteInstrument;
  /** The contract after `current`, if the dump lists one. */
  readonly next: KiteInstrument | undefined;
  /** The trading day on which `next` takes over from `current`. */
  readonly rolloverDay: IsoDay;
}

function asOfDay(d: DayInput): IsoDay {
  return typeof d === 'number' ? istDay(d) : d;
}

/** The trading day on which a contract expiring on `expiry` stops being current: N trading days before expiry (0: expiry day). */
function rollDay(cal: NseCalendar, expiry: IsoDay, rolloverDays: number): IsoDay {
  if (!Number.isSafeInteger(rolloverDays) || rolloverDays < 0) throw new RangeError(`rolloverDays must be a non-negative integer, got ${String(rolloverDays)}`);
  return rolloverDays === 0 ? expiry : cal.shiftTradingDays(expiry, -rolloverDays);
}

/** Is a contract still current on `today`? Without rolloverDays it is, up to and including expiry day. */
function isLive(cal: NseCalendar, today: IsoDay, expiry: IsoDay, rolloverDays: number | undefined): boolean {
  return rolloverDays === undefined ? today <= expiry : today < rollDay(cal, expiry, rolloverDays);
}

/** Current and next futures of `underlying` as of a day, with the rollover rule above. */
export function resolveFutures(
  master: InstrumentMaster,
  underlying: string,
  ctx: ResolveContext & { rolloverDays?: number },
): FuturesResolution {
  const cal = ctx.calendar ?? nseCalendar;
  const today = asOfDay(ctx.asOf);
  const futs = master.futures(underlying);
  if (futs.length === 0) throw new FnoResolveError(`no futures listed for ${underlying.toUpperCase()}`);
  const rollover = ctx.rolloverDays ?? 1;
  for (let i = 0; i < futs.length; i++) {
    const f = futs[i]!;
    const r = rollDay(cal, f.expiry!, rollover);
    if (today < r) return { underlying: underlying.toUpperCase(), current: f, next: futs[i + 1], rolloverDay: r };
  }
  throw new FnoResolveError(`every listed ${underlying.toUpperCase()} future has expired or rolled by ${today} (last expiry ${futs[futs.length - 1]!.expiry})`);
}

/** Which expiry: the nearest live one, the one after it, the nearest monthly (a futures expiry), a date, or an index into the live ones. */
export type ExpiryChoice = 'nearest' | 'next' | 'monthly' | IsoDay | number;

export interface OptionRequest extends ResolveContext {
  underlying: string;
  right: 'CE' | 'PE';
  /** The underlying's price, integer paise. */
  spotPaise: number;
  /** 0 = ATM, +n = n strikes out of the money, −n = n strikes in the money. */
  moneyness: number;
  expiry?: ExpiryChoice;
  /** Skip expiries within this many trading days (same rule as futures). Default: keep through expiry day. */
  rolloverDays?: number;
}

export interface OptionResolution {
  readonly instrument: KiteInstrument;
  readonly underlying: string;
  readonly expiry: IsoDay;
  readonly atmStrikePaise: number;
  /** The most common strike gap around ATM, paise. */
  readonly strikeStepPaise: number;
  readonly moneyness: number;
}

/** Option expiries of an underlying still live as of a day (after applying rolloverDays), ascending. */
export function liveOptionExpiries(master: InstrumentMaster, underlying: string, ctx: ResolveContext & { rolloverDays?: number }): IsoDay[] {
  const cal = ctx.calendar ?? nseCalendar;
  const today = asOfDay(ctx.asOf);
  return master.optionExpiries(underlying).filter((e) => isLive(cal, today, e, ctx.rolloverDays));
}

export function resolveOption(master: InstrumentMaster, req: OptionRequest): OptionResolution {
  const u = req.underlying.toUpperCase();
  if (!Number.isSafeInteger(req.spotPaise) || req.spotPaise <= 0) throw new RangeError(`spotPaise must be a positive integer, got ${String(req.spotPaise)}`);
  if (!Number.isSafeInteger(req.moneyness)) throw new RangeError(`moneyness must be an integer, got ${String(req.moneyness)}`);
  const live = liveOptionExpiries(master, u, req);
  if (live.length === 0) throw new FnoResolveError(`no live ${u} option expiries as of ${asOfDay(req.asOf)}`);
  const expiry = pickExpiry(master, u, live, req.expiry ?? 'nearest');
  const chain = master.optionChain(u, expiry, req.right);
  if (chain.length === 0) throw new FnoResolveError(`no ${u} ${req.right} options for ${expiry}`);

  let atm = 0;
  for (let i = 1; i < chain.length; i++) {
    const d = Math.abs(chain[i]!.strikePaise - req.spotPaise);
    const best = Math.abs(chain[atm]!.strikePaise - req.spotPaise);
    if (d <= best) atm = i;
    else break; // ascending strikes: distance only grows from here
  }
  const dir = req.right === 'CE' ? 1 : -1; // OTM calls are above, OTM puts below
  const idx = atm + dir * req.moneyness;
  const instrument = chain[idx];
  if (!instrument) {
    throw new FnoResolveError(
      `${u} ${expiry} ${req.right}: moneyness ${req.moneyness} from ATM ${chain[atm]!.strikePaise / 100} is outside the listed strikes ${chain[0]!.strikePaise / 100}–${chain[chain.length - 1]!.strikePaise / 100}`,
    );
  }
  return { instrument, underlying: u, expiry, atmStrikePaise: chain[atm]!.strikePaise, strikeStepPaise: localStep(chain, atm), moneyness: req.moneyness };
}

function pickExpiry(master: InstrumentMaster, u: string, live: IsoDay[], choice: ExpiryChoice): IsoDay {
  if (choice === 'nearest') return live[0]!;
  if (choice === 'next') {
    if (!live[1]) throw new FnoResolveError(`${u}: no expiry after ${live[0]}`);
    return live[1];
  }
  if (choice === 'monthly') {
    const monthly = new Set(master.futures(u).map((f) => f.expiry));
    const e = live.find((x) => monthly.has(x));
    if (!e) throw new FnoResolveError(`${u}: no live monthly expiry (no matching futures expiry)`);
    return e;
  }
  if (typeof choice === 'number') {
    const e = live[choice];
    if (!Number.isSafeInteger(choice) || !e) throw new FnoResolveError(`${u}: expiry index ${choice} out of range (0–${live.length - 1})`);
    return e;
  }
  if (!live.includes(choice)) throw new FnoResolveError(`${u}: ${choice} is not a live option expiry (live: ${live.slice(0, 6).join(', ')}${live.length > 6 ? ', …' : ''})`);
  return choice;
}

/** The most frequent strike gap among up to five strikes either side of `atm` (ties: the smaller gap). */
function localStep(chain: readonly KiteInstrument[], atm: number): number {
  const counts = new Map<number, number>();
  const lo = Math.max(0, atm - 5);
  const hi = Math.min(chain.length - 1, atm + 5);
  for (let i = lo; i < hi; i++) {
    const gap = chain[i + 1]!.strikePaise - chain[i]!.strikePaise;
    counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [gap, n] of counts) if (n > bestCount || (n === bestCount && gap < best)) [best, bestCount] = [gap, n];
  return best;
}

/** A parsed logical symbol. */
export type LogicalSymbol =
  | { kind: 'future'; underlying: string; which: 'current' | 'next' }
  | { kind: 'option'; underlying: string; right: 'CE' | 'PE'; moneyness: number; expiry: ExpiryChoice };

const FUT_RE = /^([A-Z0-9&-]+)(?:-(I{1,2})|\s+FUT(?:\s+(NEXT|CURRENT))?)$/;
const OPT_RE = /^([A-Z0-9&-]+)\s+(ATM|ITM(\d+)|OTM(\d+))\s+(CE|PE)(?:\s+(NEAREST|NEXT|MONTHLY|\d{4}-\d{2}-\d{2}))?$/;

/**
 * Parses the UI's logical symbols (case-insensitive):
 *   `NIFTY-I`, `NIFTY FUT`, `NIFTY FUT CURRENT` → current future; `NIFTY-II`, `NIFTY FUT NEXT` → next;
 *   `NIFTY ATM CE`, `BANKNIFTY OTM2 PE`, `RELIANCE ITM1 CE MONTHLY`, `NIFTY ATM PE 2026-08-25`, `… NEXT`.
 * Returns null when the text is not a logical symbol (e.g. a plain tradingsymbol).
 */
export function parseLogicalSymbol(text: string): LogicalSymbol | null {
  const t = text.trim().toUpperCase().replace(/\s+/g, ' ');
  const f = FUT_RE.exec(t);
  if (f) return { kind: 'future', underlying: f[1]!, which: f[2] === 'II' || f[3] === 'NEXT' ? 'next' : 'current' };
  const o = OPT_RE.exec(t);
  if (o) {
    const moneyness = o[2] === 'ATM' ? 0 : o[3] !== undefined ? -Number(o[3]) : Number(o[4]);
    const e = o[6];
    const expiry: ExpiryChoice = e === undefined || e === 'NEAREST' ? 'nearest' : e === 'NEXT' ? 'next' : e === 'MONTHLY' ? 'monthly' : e;
    return { kind: 'option', underlying: o[1]!, right: o[5] as 'CE' | 'PE', moneyness, expiry };
  }
  return null;
}

/**
 * Resolves a logical symbol (see parseLogicalSymbol) to a contract. Options need the underlying's
 * price: pass `spotPaise`, or the master's `last_price` of spotKeyFor(underlying) is used when non-zero
 * (only a daily snapshot — pass a live price in real use).
 */
export function resolveLogical(
  master: InstrumentMaster,
  text: string,
  ctx: ResolveContext & { spotPaise?: number; rolloverDays?: number },
): KiteInstrument {
  const ls = parseLogicalSymbol(text);
  if (!ls) throw new FnoResolveError(`not a logical symbol: ${JSON.stringify(text)}`);
  if (ls.kind === 'future') {
    const r = resolveFutures(master, ls.underlying, ctx);
    if (ls.which === 'current') return r.current;
    if (!r.next) throw new FnoResolveError(`${ls.underlying}: no future after ${r.current.tradingsymbol}`);
    return r.next;
  }
  const spotPaise = ctx.spotPaise ?? master.byKey(spotKeyFor(ls.underlying))?.lastPricePaise ?? 0;
  if (!spotPaise) throw new FnoResolveError(`${text}: no underlying price — pass spotPaise`);
  // Futures' default rollover is 1 day; options keep their expiry through expiry day unless asked.
  return resolveOption(master, { ...ctx, underlying: ls.underlying, right: ls.right, moneyness: ls.moneyness, expiry: ls.expiry, spotPaise }).instrument;
}
