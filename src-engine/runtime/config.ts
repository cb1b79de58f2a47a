import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { symbolSchema } from '../contract/schemas.js';
import { universeConfigSchema } from '../market/universe.js';
import { fnoProfileSchema } from './fno-plan.js';
import { tradingConfigSchema } from './trading.js';
import {
  BUILTIN_STRATEGIES,
  StrategyConfigError,
  ensembleConfigSchema,
  strategyInstanceSchema,
  validateInstance,
  type StrategyDefinition,
  type StrategyInstanceInput,
} from '../strategy/index.js';

const BUILTIN_DEFS: ReadonlyMap<string, StrategyDefinition> = new Map(BUILTIN_STRATEGIES.map((d) => [d.type, d]));
/** A user strategy type's name (as the loader requires it). */
const USER_TYPE_RE = /^[a-z][a-z0-9_]{0,47}$/;

/** Stands in for a user type when the profile is read: any params (its own schema checks them when it loads). */
function userTypePlaceholder(type: string): ReadonlyMap<string, StrategyDefinition> {
  return new Map([[type, { ...BUILTIN_STRATEGIES[0]!, type, params: z.record(z.string(), z.unknown()) } as StrategyDefinition]]);
}

/**
 * One strategy instance of the profile: the strategy package's own instance schema, then its
 * type's params schema (issues keep their path, so errors read `strategies.2.params.fast: …`).
 * Params stay as written (overrides); the type fills in defaults when it runs. A type that is not
 * built in is taken for a user strategy from <dataDir>/strategies/ (not known when the profile is
 * read): its name must be one the loader accepts and its params are checked once it loads (until
 * then the instance stays off with an error).
 */
const profileStrategySchema = strategyInstanceSchema.superRefine((cfg, ctx) => {
  const builtin = BUILTIN_DEFS.has(cfg.type);
  if (!builtin && !USER_TYPE_RE.test(cfg.type)) {
    const known = [...BUILTIN_DEFS.keys()].sort().join(', ');
    ctx.addIssue({ code: 'custom', message: `unknown strategy type "${cfg.type}": neither built in (${known}) nor a user strategy type name (snake_case)`, path: ['type'] });
    return;
  }
  try {
    validateInstance(cfg, builtin ? BUILTIN_DEFS : userTypePlaceholder(cfg.type), () => 1);
  } catch (e) {
    if (!(e instanceof StrategyConfigError)) throw e;
    for (const i of e.issues) {
      ctx.addIssue({ code: 'custom', message: i.message, path: i.path ? i.path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)) : [] });
    }
  }
});

const profileStrategiesSchema = z
  .array(profileStrategySchema)
  .max(200)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      if (seen.has(x.id)) ctx.addIssue({ code: 'custom', message: `duplicate instance id "${x.id}"`, path: [i, 'id'] });
      seen.add(x.id);
    });
  });

const WL1 = ['RELIANCE', 'HDFCBANK', 'ICICIBANK', 'INFY', 'TCS'];
const WL2 = ['SBIN', 'ITC', 'LT', 'BHARTIARTL', 'AXISBANK'];

/**
 * The strategy set of a profile that has no `strategies:` key (configs/paper.yaml spells out the
 * same set): short periods on 1m/5m/15m bars of the default watchlist, so the simulator produces
 * signals within minutes at speed 1 and within seconds at speed 60. `strategies: []` runs none.
 */
export const DEFAULT_STRATEGIES: readonly StrategyInstanceInput[] = Object.freeze([
  { id: 'ema-fast-1m', type: 'ema_crossover', params: { fast: 5, slow: 13 }, symbols: WL1, timeframe: '1m' },
  { id: 'rsi-1m', type: 'rsi_reversion', params: { period: 7, oversold: 25, overbought: 75 }, symbols: [...WL1, ...WL2], timeframe: '1m' },
  { id: 'momentum-1m', type: 'momentum', params: { period: 5, threshold: 0.3 }, symbols: WL2, timeframe: '1m' },
  { id: 'bollinger-5m', type: 'bollinger_reversion', params: { period: 10 }, symbols: WL1, timeframe: '5m' },
  { id: 'supertrend-5m', type: 'supertrend', params: { period: 7, multiplier: 2 }, symbols: ['RELIANCE', 'INFY', 'SBIN', 'LT'], timeframe: '5m' },
  { id: 'macd-15m', type: 'macd', symbols: ['RELIANCE', 'HDFCBANK', 'ICICIBANK'], timeframe: '15m', weight: 0.5 },
]);

/** The profile's universe when it has no `universe:` key: NIFTY 50, no price filter, at most 30 symbols. */
export const DEFAULT_UNIVERSE = Object.freeze({ seed: 'NIFTY50', minPricePaise: 0, softCap: 30 } as const);

/**
 * `universe:` of a profile: the universe config schema (market/universe.ts), keys left out taking
 * DEFAULT_UNIVERSE's values (so `universe: { softCap: 20 }` is enough). Errors read `universe.softCap: …`.
 */
const profileUniverseSchema = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...DEFAULT_UNIVERSE, ...v } : v),
  universeConfigSchema,
);

/** A run profile (configs/*.yaml). Only what works today is accepted; unknown keys are errors. */
export const runProfileSchema = z
  .object({
    /**
     * paper: simulated fills; shadow: simulated fills, and every order also records the exact Kite
     * request a live order would have sent (`orders.liveParams`). Live needs the Kite feed (not wired yet).
     */
    mode: z.enum(['paper', 'shadow']).default('paper'),
    feed: z
      .object({
        /**
         * simulator: the built-in random walk (no credentials); kite: Kite's ticker and REST with the
         * session the app logged in (KITEDESK_KITE_ROOT points both at another origin, e.g. `kitedesk sim`);
         * replay: the candle CSV files in `dir` replayed as ticks.
         */
        kind: z.enum(['simulator', 'kite', 'replay']).default('simulator'),
        /** Simulator and replay: simulated ms per real ms. */
        speed: z.number().positive().max(10_000).default(1),
        /** Simulator: the random walk's seed; replay: the intra-bar noise's. */
        seed: z.number().int().nonnegative().default(20261121),
        ticksPerSecond: z.number().positive().max(100_000).default(150),
        /**
         * Simulator: how many instruments it streams — the NIFTY 50 seeds, then generated ones (SIM00051, …)
         * up to this count (adapters/sim/generated-seeds.ts); default the 50 seeds. `npm run bench` streams 9,000.
         */
        instruments: z.number().int().min(1).max(20_000).optional(),
        /**
         * Minutes of history before the live feed, so the chart opens with history (0 = none). Simulator and
         * replay generate them at once; Kite fetches its historical 1-minute candles (all of today's session
         * so far, and at least this many minutes).
         */
        backfillMinutes: z.number().int().min(0).max(375).default(60),
        /** Simulator: ISO time to start the simulated clock at (default: now, or the next session open); replay: where in the data to start. */
        startTime: z.iso.datetime({ offset: true }).optional(),
        /** Replay: the directory of `<SYMBOL>.csv` candle files (Kite's `datetime,open,high,low,close,volume[,oi]`). */
        dir: z.string().min(1).optional(),
        /** Kite: how far the feed's exchange time may drift from the wall clock before the status raises an alarm. */
        clockToleranceMs: z.number().int().positive().default(120_000),
      })
      .strict()
      .superRefine((f, ctx) => {
        if (f.kind === 'replay' && f.dir === undefined) ctx.addIssue({ code: 'custom', message: 'a replay feed needs `dir`: the directory of <SYMBOL>.csv candle files', path: ['dir'] });
        if (f.kind !== 'replay' && f.dir !== undefined) ctx.addIssue({ code: 'custom', message: `\`dir\` is for feed.kind replay, not ${f.kind}`, path: ['dir'] });
        if (f.kind !== 'simulator' && f.instruments !== undefined) ctx.addIssue({ code: 'custom', message: `\`instruments\` is for feed.kind simulator, not ${f.kind}`, path: ['instruments'] });
      })
      .prefault({}),
    watchlist: z.array(symbolSchema).max(100).default(['RELIANCE', 'HDFCBANK', 'ICICIBANK', 'INFY', 'TCS', 'SBIN', 'ITC', 'LT', 'BHARTIARTL', 'AXISBANK']),
    /** Strategy instances seeding an empty store on first start (later they live in the database). */
    strategies: profileStrategiesSchema.prefault(DEFAULT_STRATEGIES.map((x) => ({ ...x }))),
    /** How the instances' signals are voted into order intents. */
    ensemble: ensembleConfigSchema.prefault({}),
    /** The pool the pre-market scanner ranks each trading day and the soft cap on the day's universe. */
    universe: profileUniverseSchema.prefault({}),
    /** Capital, sizing, risk limits, exits and the paper broker's fill model. */
    trading: tradingConfigSchema.prefault({}),
    /**
     * F&O (issue 14, runtime/fno-plan.ts): underlyings, futures (current/next, rollover day), options (ATM or
     * ITM/OTM by N strikes, nearest/next/dated expiry, CE/PE/both, re-resolved on an ATM move and at expiry)
     * and the strategy instances that trade them (`on: contract` or `on: underlying` with routed orders).
     */
    fno: fnoProfileSchema.optional(),
    /**
     * The journal in SQLite. Signals, the ensemble's intents and the pre-market scans are kept for
     * `retentionDays` IST days before today (0 = for ever), pruned at start and at each day roll;
     * orders, fills and risk decisions are never deleted.
     */
    journal: z.object({ retentionDays: z.number().int().min(0).max(36_500).default(30) }).strict().prefault({}),
  })
  .strict()
  .superRefine((p, ctx) => {
    // the plan resolves against the simulator's instrument list at start, or Kite's day's dump once it is loaded (fno-kite.ts)
    if (p.fno !== undefined && p.feed.kind === 'replay') {
      ctx.addIssue({ code: 'custom', message: 'works on feed.kind simulator and kite, not replay (candle files list no F&O contracts)', path: ['fno'] });
    }
  });
export type RunProfile = z.infer<typeof runProfileSchema>;

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Parse and validate a profile's text; errors name the file, the line (for YAML) or the key path. */
export function parseRunProfile(text: string, file = '<config>'): RunProfile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : 'unknown position';
    throw new ConfigError(file, `invalid YAML at ${where}: ${e.message.split('\n')[0]}`);
  }
  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (e) {
    // e.g. an alias to an anchor that is not set (`*x`): yaml throws a ReferenceError here (found by fuzzing)
    throw new ConfigError(file, `invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = runProfileSchema.safeParse(data);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new ConfigError(file, `invalid run profile:\n  ${lines.join('\n  ')}`);
  }
  return r.data;
}

export function loadRunProfile(file: string | undefined): RunProfile {
  if (!file) return runProfileSchema.parse({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseRunProfile(text, file);
}
