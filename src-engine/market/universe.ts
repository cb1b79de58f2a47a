/**
 * The equity universe: which NSE cash equities the engine watches and trades today. Pure: a
 * config (validated with zod), a price source and, optionally, the pre-market scanner's ranking
 * go in; the day's symbol list and an account of every symbol left out come out.
 *
 * Pipeline, in order:
 *  1. pool      = seed list (NIFTY50 / NIFTY100 / the config's `symbols`) ∪ include − exclude
 *  2. unknown   : seed-list symbols the price source does not know are dropped ('unknown', index
 *                 lists drift against a dump or the simulator); user-named symbols (custom
 *                 `symbols`, `include`, `exclude`) that are unknown are an error (UniverseError).
 *  3. min price : non-included symbols priced below minPricePaise are dropped ('below-min-price');
 *                 symbols the source knows but has no price for are dropped ('no-price') when
 *                 minPricePaise > 0 — a real Kite instruments dump has last_price 0 on every row,
 *                 so pass previous closes (a Map) for the price filter to mean anything.
 *  4. soft cap  : `include` symbols are always kept (that is what makes the cap soft); the others
 *                 fill the remaining softCap places by the given rank (best first; e.g. the
 *                 scanner's order), then, unranked, in pool order (seed-list order, which is
 *                 sorted by symbol). The rest are dropped ('over-cap').
 */
import { z } from 'zod';
import { symbolSchema } from '../contract/schemas.js';
import { InstrumentMaster } from '../model/instrument-master.js';
import { UNIVERSE_SEEDS } from './universe-seeds.js';

const symbolList = z.array(symbolSchema);

export const universeConfigSchema = z
  .object({
    seed: z.enum(['NIFTY50', 'NIFTY100', 'custom']),
    /** The symbols of a 'custom' seed (required there, not allowed otherwise). */
    symbols: symbolList.optional(),
    /** Last price (integer paise) below which a symbol is left out; 0 disables the filter. */
    minPricePaise: z.number().int().safe().nonnegative(),
    /** Maximum number of symbols, exceeded only by `include`. */
    softCap: z.number().int().positive(),
    /** Always in the universe (added to the seed if needed), whatever the price filter and cap. */
    include: symbolList.optional(),
    /** Never in the universe. */
    exclude: symbolList.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.seed === 'custom' && (!c.symbols || c.symbols.length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['symbols'], message: "seed 'custom' needs a non-empty symbols list" });
    }
    if (c.seed !== 'custom' && c.symbols !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['symbols'], message: `symbols is only for seed 'custom' (seed is ${c.seed})` });
    }
    for (const key of ['symbols', 'include', 'exclude'] as const) {
      const list = c[key] ?? [];
      const dup = list.filter((s, i) => list.indexOf(s) !== i);
      if (dup.length) ctx.addIssue({ code: 'custom', path: [key], message: `duplicate symbol(s) ${[...new Set(dup)].join(', ')}` });
    }
    const both = (c.include ?? []).filter((s) => (c.exclude ?? []).includes(s));
    if (both.length) ctx.addIssue({ code: 'custom', path: ['exclude'], message: `symbol(s) both included and excluded: ${both.join(', ')}` });
  });

export type UniverseConfig = z.infer<typeof universeConfigSchema>;

/** Validates a universe config (e.g. from YAML); throws UniverseError naming every problem. */
export function parseUniverseConfig(input: unknown): UniverseConfig {
  const r = universeConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(config)'}: ${i.message}`);
  throw new UniverseError(`invalid universe config: ${lines.join('; ')}`, []);
}

/** A bad config or symbols the price source does not know. `unknown` lists the latter. */
export class UniverseError extends Error {
  constructor(
    message: string,
    readonly unknown: readonly string[],
  ) {
    super(message);
    this.name = 'UniverseError';
  }
}

/**
 * Where prices come from: an InstrumentMaster (NSE cash equities; lastPricePaise 0 counts as "no
 * price") or a map symbol → last price in paise (e.g. the previous close from daily candles).
 */
export type UniversePriceSource = InstrumentMaster | ReadonlyMap<string, number>;

export type DropReason = 'unknown' | 'no-price' | 'below-min-price' | 'excluded' | 'over-cap';

export interface DroppedSymbol {
  readonly symbol: string;
  readonly reason: DropReason;
  /** Last price in paise when known. */
  readonly pricePaise?: number;
}

export interface Universe {
  /** The day's symbols: forced (`include`) first in config order, then the rest in rank/pool order. */
  readonly symbols: readonly string[];
  /** Symbols that passed every filter, before the cap, in pool order (what the scanner should scan). */
  readonly candidates: readonly string[];
  /** Symbols kept because of `include`. */
  readonly forced: readonly string[];
  /** Every pool symbol that is not in `symbols`, and why, in pool order. */
  readonly dropped: readonly DroppedSymbol[];
}

export interface BuildUniverseOptions {
  /** Symbols best first (e.g. the scanner's ranked list); decides who survives the soft cap. */
  rank?: readonly string[];
}

interface PriceLookup {
  /** undefined: unknown symbol; 0: known, no price. */
  (symbol: string): number | undefined;
}

function lookup(source: UniversePriceSource): PriceLookup {
  if (source instanceof InstrumentMaster) {
    return (s) => {
      const inst = source.get('NSE', s);
      return inst && inst.instrumentType === 'EQ' && inst.segment === 'NSE' ? inst.lastPricePaise : undefined;
    };
  }
  return (s) => {
    const p = source.get(s);
    if (p !== undefined && !(Number.isSafeInteger(p) && p >= 0)) throw new UniverseError(`price of ${s} is ${p}, not a non-negative integer number of paise`, []);
    return p;
  };
}

/** The seed list of a config plus include, minus exclude, in order, without duplicates. */
export function universePool(config: UniverseConfig): string[] {
  const seed = config.seed === 'custom' ? (config.symbols ?? []) : UNIVERSE_SEEDS[config.seed];
  const exclude = new Set(config.exclude ?? []);
  const pool: string[] = [];
  const seen = new Set<string>();
  for (const s of [...seed, ...(config.include ?? [])]) {
    if (seen.has(s) || exclude.has(s)) continue;
    seen.add(s);
    pool.push(s);
  }
  return pool;
}

/** Applies the pipeline in the module comment. Throws UniverseError for unknown user-named symbols. */
export function buildUniverse(configInput: UniverseConfig, source: UniversePriceSource, opts: BuildUniverseOptions = {}): Universe {
  const config = parseUniverseConfig(configInput);
  const price = lookup(source);
  const seed = config.seed === 'custom' ? [] : UNIVERSE_SEEDS[config.seed];
  const include = config.include ?? [];
  const exclude = config.exclude ?? [];

  // User-named symbols must exist (an exclude may also name a seed-list symbol the source lacks).
  const unknownNamed = [...new Set([...(config.symbols ?? []), ...include])].filter((s) => price(s) === undefined);
  const unknownExcluded = exclude.filter((s) => price(s) === undefined && !seed.includes(s));
  const unknown = [...unknownNamed, ...unknownExcluded.filter((s) => !unknownNamed.includes(s))];
  if (unknown.length) {
    const from = source instanceof InstrumentMaster ? 'the instrument master (NSE EQ)' : 'the price map';
    throw new UniverseError(`unknown symbol(s) ${unknown.join(', ')}: not in ${from}`, unknown);
  }

  const dropped: DroppedSymbol[] = [];
  const forcedSet = new Set(include);
  const candidates: string[] = [];
  const seedAndCustom = config.seed === 'custom' ? (config.symbols ?? []) : seed;
  for (const s of seedAndCustom) if (exclude.includes(s)) dropped.push(withPrice({ symbol: s, reason: 'excluded' }, price(s)));
  for (const s of universePool(config)) {
    const p = price(s);
    if (forcedSet.has(s)) {
      candidates.push(s);
      continue;
    }
    if (p === undefined) dropped.push({ symbol: s, reason: 'unknown' });
    else if (config.minPricePaise > 0 && p === 0) dropped.push({ symbol: s, reason: 'no-price' });
    else if (p < config.minPricePaise) dropped.push({ symbol: s, reason: 'below-min-price', pricePaise: p });
    else candidates.push(s);
  }
  const knownUnforced = universePool(config).filter((s) => !forcedSet.has(s) && price(s) !== undefined);
  if (config.minPricePaise > 0 && knownUnforced.length > 0 && knownUnforced.every((s) => price(s) === 0)) {
    throw new UniverseError(
      `no symbol has a price to apply minPricePaise ${config.minPricePaise} to (a Kite instruments dump has last_price 0 on every row): pass a map of previous closes in paise`,
      [],
    );
  }

  // Soft cap: forced first (config order), then ranked, then pool order.
  const forced = include.filter((s) => candidates.includes(s));
  const rest = candidates.filter((s) => !forcedSet.has(s));
  const rankPos = new Map<string, number>();
  (opts.rank ?? []).forEach((s, i) => {
    if (!rankPos.has(s)) rankPos.set(s, i);
  });
  const ordered = rest
    .map((s, i) => ({ s, i, r: rankPos.get(s) ?? Infinity }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.s);
  const room = Math.max(0, config.softCap - forced.length);
  const kept = new Set([...forced, ...ordered.slice(0, room)]);
  for (const s of ordered.slice(room)) dropped.push(withPrice({ symbol: s, reason: 'over-cap' }, price(s)));
  const order = new Map<string, number>();
  for (const sym of [...seedAndCustom, ...include]) if (!order.has(sym)) order.set(sym, order.size);
  const droppedSorted = dropped
    .map((d, i) => ({ d, i, p: order.get(d.symbol) ?? Infinity }))
    .sort((a, b) => a.p - b.p || a.i - b.i)
    .map((x) => x.d);
  return Object.freeze({
    symbols: Object.freeze([...forced, ...ordered.filter((s) => kept.has(s))]),
    candidates: Object.freeze(candidates),
    forced: Object.freeze(forced),
    dropped: Object.freeze(droppedSorted),
  });
}

function withPrice(d: { symbol: string; reason: DropReason }, p: number | undefined): DroppedSymbol {
  return p !== undefined && p > 0 ? { ...d, pricePaise: p } : d;
}
