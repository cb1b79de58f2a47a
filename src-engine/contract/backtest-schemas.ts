import { z } from 'zod';
import { symbolSchema, timeframeSchema } from './schemas.js';
import { istDaySchema } from './trading-schemas.js';

/**
 * The in-app backtester (docs/backtest.md "In the app"): start a run, follow its progress, cancel it,
 * list past runs, read a run's headline and trades, open its report.html. The run itself is
 * src-engine/backtest/ (the paper kernel on history) in a worker thread.
 */

export const BACKTEST_FILL_RULES = ['next_open', 'this_close', 'next_tick'] as const;
export const BACKTEST_STATES = ['running', 'done', 'failed', 'cancelled'] as const;
/** Longest period of one run from the app (days, inclusive). */
export const BACKTEST_MAX_DAYS = 366;

export const backtestIdSchema = z.string().regex(/^bt-[a-z0-9-]{4,40}$/, 'expected a backtest run id (bt-…)');

/** Kite historical candle intervals (Kite's names). */
export const KITE_HISTORICAL_INTERVALS = ['minute', '3minute', '5minute', '10minute', '15minute', '30minute', '60minute', 'day'] as const;

/** Where the candles come from: the simulator's history generator (no credentials), candle CSVs in a folder, or Kite historical. */
export const backtestDataSchema = z.discriminatedUnion('kind', [
  /** The Kite simulator's minute history (kite-sim/historical.ts), deterministic per seed; NOT real market data. */
  z.strictObject({ kind: z.literal('sim'), seed: z.number().int().min(0).max(2 ** 31 - 1).default(1) }),
  /** `<dir>/<SYMBOL>.csv` (or a directory `<dir>/<SYMBOL>/` of monthly files) in a layout the CLI reads. */
  z.strictObject({ kind: z.literal('folder'), dir: z.string().min(1).max(1000), barTime: z.enum(['start', 'end']).default('start') }),
  /**
   * Kite's historical candles of the symbols (needs a Kite session): fetched by the engine through the live
   * client (3 requests a second) into its cache `<dataDir>/kite/historical`, complete days from the cache.
   */
  z.strictObject({ kind: z.literal('kite'), exchange: z.enum(['NSE', 'BSE']).default('NSE'), interval: z.enum(KITE_HISTORICAL_INTERVALS).default('minute') }),
]);

export const WALK_FORWARD_METRICS = ['sharpe', 'netReturn', 'profitFactor', 'netPnlPaise', 'calmar', 'sortino', 'winRate', 'maxDrawdown'] as const;
/** Most parameter points a walk-forward from the app tries in each in-sample window. */
export const WALK_FORWARD_MAX_POINTS = 200;
/** Most backtests (points × windows + one per window out of sample) in one walk-forward from the app. */
export const WALK_FORWARD_MAX_RUNS = 5000;

/** One swept parameter: a stepped numeric range, or a list of values. */
export const walkForwardParamSchema = z.union([
  z.strictObject({ param: z.string().min(1).max(64), from: z.number().finite(), to: z.number().finite(), step: z.number().finite().positive() }),
  z.strictObject({ param: z.string().min(1).max(64), values: z.array(z.union([z.number().finite(), z.string().min(1).max(64)])).min(1).max(WALK_FORWARD_MAX_POINTS) }),
]);
export type WalkForwardParam = z.output<typeof walkForwardParamSchema>;

/**
 * A walk-forward instead of one backtest (optimize/walk-forward.ts): for each window the grid of
 * `space` (the other params as in `params`) is backtested in sample, the best point by `metric` is
 * backtested on the following out-of-sample span; the out-of-sample curves are stitched.
 */
export const walkForwardInputSchema = z.strictObject({
  mode: z.enum(['rolling', 'anchored']).default('rolling'),
  /** In-sample length (calendar days). */
  inSampleDays: z.number().int().min(1).max(BACKTEST_MAX_DAYS),
  /** Out-of-sample length (calendar days); the windows step by it. */
  outOfSampleDays: z.number().int().min(1).max(BACKTEST_MAX_DAYS),
  metric: z.enum(WALK_FORWARD_METRICS).default('sharpe'),
  space: z.array(walkForwardParamSchema).min(1).max(4),
});
export type WalkForwardInput = z.output<typeof walkForwardInputSchema>;

/** The values a swept parameter takes (a range's values rounded to its step's decimals). */
export function walkForwardValues(p: WalkForwardParam): (number | string)[] {
  if ('values' in p) return [...p.values];
  const dec = (x: number) => (String(x).split('.')[1] ?? '').length;
  const d = Math.max(dec(p.from), dec(p.step));
  const n = Math.floor((p.to - p.from) / p.step + 1e-9) + 1;
  const out: number[] = [];
  for (let k = 0; k < n && k <= WALK_FORWARD_MAX_POINTS; k++) out.push(Number((p.from + k * p.step).toFixed(d)));
  return out;
}

/** The number of walk-forward windows a period fits ((days − IS) / OOS, rounded down). */
export function walkForwardWindowCount(days: number, inSampleDays: number, outOfSampleDays: number): number {
  return Math.max(0, Math.floor((days - inSampleDays) / outOfSampleDays));
}

/** Most symbols in one run from the app. */
export const BACKTEST_MAX_SYMBOLS = 20;

/**
 * `strategy: { kind: 'profile' }`: every enabled strategy instance the engine runs (the run profile's set,
 * as the Strategies tab shows it), with its own type, params, symbols, timeframe and weight, combined by
 * the ensemble, as one run. Implies `useProfile` (the profile's risk, exits, sizing, ensemble, capital).
 */
export const backtestProfileSetSchema = z.strictObject({ kind: z.literal('profile') });

/** One instance of a profile-set run as it was run (type defaults filled in); recorded with the run. */
export const backtestInstanceSchema = z.object({
  id: z.string(),
  type: z.string(),
  params: z.record(z.string(), z.unknown()),
  /** The symbols it ran on (the instance's, narrowed to the run's symbols). */
  symbols: z.array(z.string()),
  timeframe: z.string(),
  weight: z.number(),
});
export type BacktestInstance = z.output<typeof backtestInstanceSchema>;

const runFields = {
    /**
     * A backtestable strategy type (`backtest.sources`: built in, or a user file loaded with its content
     * approved), or `{ kind: 'profile' }`: the run profile's whole strategy set (then no params or timeframe).
     */
    strategy: z.union([z.string().min(1).max(64), backtestProfileSetSchema]),
    /** The type's params (keys left out take its defaults); checked against its JSON Schema. */
    params: z.record(z.string(), z.unknown()).default({}),
    /** At least one for a strategy type; for the profile set, empty = the union of its instances' symbols (or a narrower list). */
    symbols: z.array(symbolSchema).max(BACKTEST_MAX_SYMBOLS).default([]),
    timeframe: timeframeSchema.optional(),
    /** IST days, inclusive. */
    from: istDaySchema,
    to: istDaySchema,
    product: z.enum(['MIS', 'CNC']).default('CNC'),
    qty: z.number().int().min(1).max(1_000_000).default(1),
    fill: z.enum(BACKTEST_FILL_RULES).default('next_open'),
    slippageTicks: z.number().int().min(0).max(1000).default(0),
    charges: z.boolean().default(true),
    /** none: the strategy's signals only (the MIS square-off stays); profile: the run profile's exits. */
    exits: z.enum(['none', 'profile']).default('none'),
    data: backtestDataSchema.default({ kind: 'sim', seed: 1 }),
    /**
     * true: the engine's run profile's risk, exits, sizing and ensemble sections (and its capital) apply,
     * not the defaults; `qty` is then ignored (the profile's sizing decides). false: one instance with
     * fixed `qty` under the default risk limits.
     */
    useProfile: z.boolean().default(false),
    /** Present: a walk-forward of `space` (docs/backtest.md "Walk-forward in the app"). */
    walkForward: walkForwardInputSchema.optional(),
};
const backtestRunObject = z.strictObject(runFields);

/** `strategy` of a stored run: a type, or the profile set with the instances it ran and those skipped. */
const recordedStrategySchema = z.union([
  z.string(),
  backtestProfileSetSchema.extend({
    instances: z.array(backtestInstanceSchema).optional(),
    /** Enabled instances left out (none of their symbols in the run), with why. */
    skipped: z.array(z.object({ id: z.string(), reason: z.string() })).optional(),
  }),
]);
/** A run's input as the engine recorded it (a profile set resolved: its instances and symbols filled in). */
export const backtestRunRecordSchema = z.strictObject({ ...runFields, strategy: recordedStrategySchema });
export type BacktestRunRecord = z.output<typeof backtestRunRecordSchema>;

/** A run's strategy as the past-runs list names it: the type, or `profile (N strategies)`. */
export const backtestStrategyLabel = (s: BacktestRunRecord['strategy']): string => (typeof s === 'string' ? s : `profile (${s.instances?.length ?? '?'} strateg${s.instances?.length === 1 ? 'y' : 'ies'})`);

export const backtestRunInputSchema = backtestRunObject.superRefine((v, ctx) => {
    if (v.from > v.to) ctx.addIssue({ code: 'custom', path: ['to'], message: `to (${v.to}) is before from (${v.from})` });
    const days = (Date.parse(`${v.to}T00:00:00Z`) - Date.parse(`${v.from}T00:00:00Z`)) / 86_400_000 + 1;
    if (days > BACKTEST_MAX_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${BACKTEST_MAX_DAYS} days in one run (${days} asked)` });
    if (new Set(v.symbols).size !== v.symbols.length) ctx.addIssue({ code: 'custom', path: ['symbols'], message: 'a symbol is listed twice' });
    if (typeof v.strategy === 'string') {
      if (v.symbols.length === 0) ctx.addIssue({ code: 'custom', path: ['symbols'], message: 'give at least one symbol' });
    } else {
      // the profile's instances keep their own params and timeframes; a walk-forward sweeps one type's params
      if (Object.keys(v.params).length > 0) ctx.addIssue({ code: 'custom', path: ['params'], message: "params go with a single strategy type; the profile's instances run with their own" });
      if (v.timeframe !== undefined) ctx.addIssue({ code: 'custom', path: ['timeframe'], message: "a timeframe goes with a single strategy type; the profile's instances run on their own" });
      if (v.walkForward) ctx.addIssue({ code: 'custom', path: ['walkForward'], message: "a walk-forward sweeps one strategy type's params: it cannot run over the profile's strategy set (pick one type)" });
    }
    // (over a profile set it is refused above, whatever its windows)
    const wf = typeof v.strategy === 'string' ? v.walkForward : undefined;
    if (wf) {
      const seen = new Set<string>();
      wf.space.forEach((p, i) => {
        if (seen.has(p.param)) ctx.addIssue({ code: 'custom', path: ['walkForward', 'space', i, 'param'], message: `${p.param} is swept twice` });
        seen.add(p.param);
        if ('from' in p && p.from > p.to) ctx.addIssue({ code: 'custom', path: ['walkForward', 'space', i, 'to'], message: `${p.param}: to (${p.to}) is below from (${p.from})` });
        if ('values' in p && new Set(p.values).size !== p.values.length) ctx.addIssue({ code: 'custom', path: ['walkForward', 'space', i, 'values'], message: `${p.param}: a value is repeated` });
      });
      const points = wf.space.reduce((n, p) => n * walkForwardValues(p).length, 1);
      if (points > WALK_FORWARD_MAX_POINTS) ctx.addIssue({ code: 'custom', path: ['walkForward', 'space'], message: `the grid has ${points > 1e6 ? 'over a million' : points} points; at most ${WALK_FORWARD_MAX_POINTS} (narrow a range or widen its step)` });
      const windows = walkForwardWindowCount(days, wf.inSampleDays, wf.outOfSampleDays);
      if (windows < 1) ctx.addIssue({ code: 'custom', path: ['walkForward', 'inSampleDays'], message: `${days} days are too short for one in-sample (${wf.inSampleDays} d) + out-of-sample (${wf.outOfSampleDays} d) window` });
      else if (points <= WALK_FORWARD_MAX_POINTS && windows * (points + 1) > WALK_FORWARD_MAX_RUNS) ctx.addIssue({ code: 'custom', path: ['walkForward', 'space'], message: `${windows} windows × (${points} points + 1) = ${windows * (points + 1)} backtests; at most ${WALK_FORWARD_MAX_RUNS}` });
    }
});
export type BacktestRunInput = z.output<typeof backtestRunInputSchema>;

/** One run's progress: bar time replayed so far of all (ms), an estimate of the time left. */
export const backtestProgressSchema = z.object({
  id: backtestIdSchema,
  state: z.enum(BACKTEST_STATES),
  done: z.number().nonnegative(),
  total: z.number().nonnegative(),
  /** Wall-clock estimate of the time left (ms); null until it can be estimated or once finished. */
  etaMs: z.number().nonnegative().nullable(),
  error: z.string().nullable(),
});
export type BacktestProgress = z.output<typeof backtestProgressSchema>;

/** The report's headline (src-engine/portfolio/metrics.ts; money in paise, returns as fractions). */
export const backtestHeadlineSchema = z.object({
  trades: z.number().int().nonnegative(),
  winRate: z.number().nullable(),
  profitFactor: z.number().nullable(),
  netPnlPaise: z.number().int(),
  netReturn: z.number(),
  chargesPaise: z.number().int(),
  sharpe: z.number().nullable(),
  maxDrawdown: z.number(),
  expectancyPaise: z.number().nullable(),
  fills: z.number().int().nonnegative(),
});
export type BacktestHeadline = z.output<typeof backtestHeadlineSchema>;

/** A walk-forward's in/out-of-sample summary (means over the windows of the chosen metric). */
export const walkForwardGapSchema = z.object({
  metric: z.enum(WALK_FORWARD_METRICS),
  windows: z.number().int().nonnegative(),
  meanInSample: z.number().nullable(),
  meanOutOfSample: z.number().nullable(),
  /** IS − OOS (OOS − IS for maxDrawdown): positive is worse out of sample. */
  meanGap: z.number().nullable(),
});

/** A run's headline in the list: a walk-forward's is its stitched out-of-sample run, with the gap. */
export const backtestRunHeadlineSchema = backtestHeadlineSchema.extend({ walkForward: walkForwardGapSchema.optional() });
export type BacktestRunHeadline = z.output<typeof backtestRunHeadlineSchema>;

export const walkForwardReportSchema = z.object({
  mode: z.enum(['rolling', 'anchored']),
  gap: walkForwardGapSchema,
  windows: z.array(
    z.object({
      index: z.number().int(),
      inSample: z.object({ from: z.number(), to: z.number() }),
      outOfSample: z.object({ from: z.number(), to: z.number() }),
      /** The point chosen in sample (null when no point had a value there). */
      params: z.record(z.string(), z.union([z.number(), z.string()])).nullable(),
      inSampleValue: z.number().nullable(),
      outOfSampleValue: z.number().nullable(),
      gap: z.number().nullable(),
    }),
  ),
  /** The chosen points' out-of-sample equity, chained window after window (at most 1000 points). */
  oosEquity: z.array(z.object({ ts: z.number(), valuePaise: z.number() })),
});
export type WalkForwardReport = z.output<typeof walkForwardReportSchema>;

export const backtestRunSummarySchema = z.object({
  id: backtestIdSchema,
  /** When the run was started (wall clock, ms). */
  createdAt: z.number().int(),
  finishedAt: z.number().int().nullable(),
  state: z.enum(BACKTEST_STATES),
  input: backtestRunRecordSchema,
  headline: backtestRunHeadlineSchema.nullable(),
  error: z.string().nullable(),
});
export type BacktestRunSummary = z.output<typeof backtestRunSummarySchema>;

export const backtestTradeSchema = z.object({
  strategy: z.string(),
  symbol: z.string(),
  side: z.enum(['long', 'short']),
  qty: z.number(),
  entryTime: z.number(),
  entryPricePaise: z.number(),
  exitTime: z.number(),
  exitPricePaise: z.number(),
  grossPnlPaise: z.number(),
  chargesPaise: z.number(),
  netPnlPaise: z.number(),
});

/** At most this many trades in a `backtest.report` answer (report.json has them all). */
export const BACKTEST_REPORT_MAX_TRADES = 2000;

export const backtestReportSchema = z.object({
  run: backtestRunSummarySchema,
  period: z.object({ from: z.number(), to: z.number() }),
  trades: z.array(backtestTradeSchema),
  tradeCount: z.number().int().nonnegative(),
  warnings: z.array(z.string()),
  /**
   * Closed trades and net PnL per strategy instance (a trade belongs to the instance that owned the
   * ensemble intent which opened it: the agreeing voter with the highest weight × confidence).
   */
  byStrategy: z.array(z.object({ strategy: z.string(), trades: z.number().int().nonnegative(), wins: z.number().int().nonnegative(), netPnlPaise: z.number(), chargesPaise: z.number() })),
  /** A walk-forward's windows, gap and stitched out-of-sample curve (trades are its out-of-sample trades). */
  walkForward: walkForwardReportSchema.optional(),
});
export type BacktestReportView = z.output<typeof backtestReportSchema>;

const byId = z.strictObject({ id: backtestIdSchema });

/** What a run can use: the strategy types the backtester runs, and the candle folders the engine knows. */
export const backtestSourcesSchema = z.object({
  /** Strategy types a backtest may name: the built-ins and the user types whose file is loaded with its current content approved. */
  strategyTypes: z.array(z.string()),
  /**
   * Candle folders: `<dataDir>/candles` and its sub-folders, and the folders of past runs, that exist;
   * each with the symbols it has (`<SYM>.csv` files or `<SYM>/` folders, at most 500).
   */
  folders: z.array(z.object({ dir: z.string(), origin: z.enum(['data-dir', 'past-run']), symbols: z.array(z.string()) })),
  /** Kite historical as a source: available while a Kite session is on (`reason` says why not). */
  kite: z.object({ available: z.boolean(), reason: z.string().nullable() }),
});
export type BacktestSources = z.output<typeof backtestSourcesSchema>;

export const backtestRequests = {
  /** Start a run (validated: INVALID_INPUT with `details.issues[].path` like `params.fast`, `to`); answers its id at once. */
  'backtest.run': { input: backtestRunInputSchema, output: z.object({ id: backtestIdSchema }) },
  /** Stop a running run (its worker thread is ended); CONFLICT once it finished. */
  'backtest.cancel': { input: byId, output: backtestProgressSchema },
  /** The strategy types and candle folders a run can use (the tab's pickers). */
  'backtest.sources': { input: z.strictObject({}), output: backtestSourcesSchema },
  /** Past runs, newest first (persisted). */
  'backtest.list': { input: z.strictObject({ limit: z.number().int().min(1).max(500).default(50) }), output: z.array(backtestRunSummarySchema) },
  /** A finished run's headline, trades (the first 2000) and warnings, read from its report.json. */
  'backtest.report': { input: byId, output: backtestReportSchema },
  /**
   * Where to open the run's report.html: under `serve`, a same-origin URL with a one-time ticket
   * (valid 60 s, for this report only); `url` is null where the engine has no HTTP server (desktop),
   * and `file` is where report.html lies.
   */
  'backtest.reportLink': { input: byId, output: z.object({ url: z.string().nullable(), file: z.string() }) },
  /**
   * Open the run's report.html in the desktop app: the engine passes only the run id to main, which
   * finds the file under its data dir and shows it in a sandboxed window without script. UNAVAILABLE
   * where the host has no windows (`serve`: use `reportLink`); CONFLICT while the run has no report.
   */
  'backtest.openReport': { input: byId, output: z.object({ opened: z.literal(true) }) },
} as const;

export const backtestTopics = {
  /** Snapshot: the runs of this engine session; then each change of one (coalesced per run: the latest wins). */
  'backtest.progress': { params: z.strictObject({}), snapshot: z.array(backtestProgressSchema), delta: backtestProgressSchema },
} as const;
