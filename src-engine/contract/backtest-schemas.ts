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

/** Where the candles come from: the simulator's history generator (no credentials) or candle CSVs in a folder. */
export const backtestDataSchema = z.discriminatedUnion('kind', [
  /** The Kite simulator's minute history (kite-sim/historical.ts), deterministic per seed; NOT real market data. */
  z.strictObject({ kind: z.literal('sim'), seed: z.number().int().min(0).max(2 ** 31 - 1).default(1) }),
  /** `<dir>/<SYMBOL>.csv` (or a directory `<dir>/<SYMBOL>/` of monthly files) in a layout the CLI reads. */
  z.strictObject({ kind: z.literal('folder'), dir: z.string().min(1).max(1000), barTime: z.enum(['start', 'end']).default('start') }),
]);

const backtestRunObject = z.strictObject({
    /** A built-in strategy type (`strategies.list` types). */
    strategy: z.string().min(1).max(64),
    /** The type's params (keys left out take its defaults); checked against its JSON Schema. */
    params: z.record(z.string(), z.unknown()).default({}),
    symbols: z.array(symbolSchema).min(1).max(20),
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
});

export const backtestRunInputSchema = backtestRunObject.superRefine((v, ctx) => {
    if (v.from > v.to) ctx.addIssue({ code: 'custom', path: ['to'], message: `to (${v.to}) is before from (${v.from})` });
    const days = (Date.parse(`${v.to}T00:00:00Z`) - Date.parse(`${v.from}T00:00:00Z`)) / 86_400_000 + 1;
    if (days > BACKTEST_MAX_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${BACKTEST_MAX_DAYS} days in one run (${days} asked)` });
    if (new Set(v.symbols).size !== v.symbols.length) ctx.addIssue({ code: 'custom', path: ['symbols'], message: 'a symbol is listed twice' });
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

export const backtestRunSummarySchema = z.object({
  id: backtestIdSchema,
  /** When the run was started (wall clock, ms). */
  createdAt: z.number().int(),
  finishedAt: z.number().int().nullable(),
  state: z.enum(BACKTEST_STATES),
  input: backtestRunObject,
  headline: backtestHeadlineSchema.nullable(),
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
});
export type BacktestReportView = z.output<typeof backtestReportSchema>;

const byId = z.strictObject({ id: backtestIdSchema });

export const backtestRequests = {
  /** Start a run (validated: INVALID_INPUT with `details.issues[].path` like `params.fast`, `to`); answers its id at once. */
  'backtest.run': { input: backtestRunInputSchema, output: z.object({ id: backtestIdSchema }) },
  /** Stop a running run (its worker thread is ended); CONFLICT once it finished. */
  'backtest.cancel': { input: byId, output: backtestProgressSchema },
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
} as const;

export const backtestTopics = {
  /** Snapshot: the runs of this engine session; then each change of one (coalesced per run: the latest wins). */
  'backtest.progress': { params: z.strictObject({}), snapshot: z.array(backtestProgressSchema), delta: backtestProgressSchema },
} as const;
