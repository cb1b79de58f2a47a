import { z } from 'zod';

/**
 * Domain shapes that cross the contract. Prices and money are integer paise (₹1 = 100 paise);
 * the renderer divides by 100 only to display. Timestamps are epoch milliseconds.
 */

/**
 * A trading symbol as Kite spells it: M&M, BAJAJ-AUTO, NIFTY26AUGFUT, NIFTY2681824500CE; index names have
 * single spaces (NIFTY 50, NIFTY BANK) — indices are not tradable (Instrument.tradable false).
 */
export const symbolSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Z0-9][A-Z0-9&-]*(?: [A-Z0-9&-]+)*$/, 'expected a trading symbol (A-Z, 0-9, & and -; an index name may have single spaces)');
export type TradingSymbol = z.infer<typeof symbolSchema>;

export const paise = z.number().int().safe();
export const epochMs = z.number().int().nonnegative();

/**
 * Candle timeframes, as Kite's historical API offers them. Intraday buckets are aligned to the
 * session open (09:15 IST on a regular day: 60m runs 09:15, 10:15, …, 15:15, the last a 15:15–15:30
 * stub); `day` candles are labelled 00:00 IST of their date.
 */
export const TIMEFRAMES = ['1m', '3m', '5m', '10m', '15m', '30m', '60m', 'day'] as const;
export const timeframeSchema = z.enum(TIMEFRAMES);
export type Timeframe = z.infer<typeof timeframeSchema>;

export const instrumentSchema = z.object({
  symbol: symbolSchema,
  name: z.string(),
  /** NSE (equities, NSE indices), NFO (NSE derivatives), BSE, BFO. */
  exchange: z.enum(['NSE', 'NFO', 'BSE', 'BFO']),
  tickSizePaise: z.number().int().positive(),
  /** Shares per lot: 1 for equities (and indices), the contract's lot for F&O. */
  lotSize: z.number().int().positive(),
  /** Absent = EQ. INDEX: a price only (no orders, no volume, no depth). */
  kind: z.enum(['EQ', 'INDEX', 'FUT', 'CE', 'PE']).optional(),
  /** F&O: the underlying's F&O name (NIFTY, BANKNIFTY, …). */
  underlying: z.string().optional(),
  /** F&O: expiry day (IST), YYYY-MM-DD. */
  expiry: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  /** Options: strike, paise. */
  strikePaise: paise.positive().optional(),
  /** false: orders are refused (indices). Absent = tradable. */
  tradable: z.boolean().optional(),
});
export type Instrument = z.infer<typeof instrumentSchema>;

/** A start-labelled candle: `t` is when its bucket opens (00:00 IST for `day`), like Kite's historical API. */
export const candleSchema = z.object({
  symbol: symbolSchema,
  tf: timeframeSchema,
  t: epochMs,
  o: paise,
  h: paise,
  l: paise,
  c: paise,
  v: z.number().int().nonnegative(),
});
export type Candle = z.infer<typeof candleSchema>;

export const quoteSchema = z.object({
  symbol: symbolSchema,
  lastPaise: paise,
  prevClosePaise: paise,
  changePaise: paise,
  /** Change in basis points of the previous close (integer, 1 bp = 0.01 %). */
  changeBps: z.number().int(),
  /** Day's cumulative traded volume. */
  volume: z.number().int().nonnegative(),
  tsEvent: epochMs,
});
export type Quote = z.infer<typeof quoteSchema>;

/** One price level of the order book: integer paise, shares, and how many orders are at it. */
export const depthLevelSchema = z.object({
  pricePaise: paise.positive(),
  quantity: z.number().int().nonnegative(),
  orders: z.number().int().nonnegative(),
});
export type DepthLevelDto = z.infer<typeof depthLevelSchema>;

/**
 * Market depth of one instrument at one moment: `buy` best (highest) bid first, `sell` best (lowest)
 * offer first, at most 5 levels a side (empty levels left out). `tsEvent` is exchange (feed) time.
 */
export const depthSnapshotSchema = z.object({
  symbol: symbolSchema,
  tsEvent: epochMs,
  buy: z.array(depthLevelSchema).max(5),
  sell: z.array(depthLevelSchema).max(5),
});
export type DepthSnapshotDto = z.infer<typeof depthSnapshotSchema>;

/**
 * The Kite Connect session as the renderer may see it: never a token or a secret (those stay in
 * the engine's memory and main's keychain). `message` says why the state is what it is.
 */
export const kiteSessionStatusSchema = z.object({
  state: z.enum(['none', 'active', 'expired', 'error']),
  userId: z.string().max(64).optional(),
  /** epoch ms: when the day's access token stops working (06:00 IST) */
  expiresAt: epochMs.optional(),
  message: z.string().max(300).optional(),
});
export type KiteSessionStatus = z.infer<typeof kiteSessionStatusSchema>;

/** How the day's pre-market universe step went (engine status; `universe.get` has the detail). */
export const universeStepStatusSchema = z.object({
  state: z.enum(['ok', 'failed']),
  /** The trading day planned (IST, YYYY-MM-DD). */
  date: z.string(),
  /** Symbols in the day's universe (0 when failed). */
  selected: z.number().int().nonnegative(),
  /** Why it failed. */
  message: z.string().max(500).optional(),
});
export type UniverseStepStatus = z.infer<typeof universeStepStatusSchema>;

/** The market-data feed's own state (engine status `feedStatus`). */
export const feedStatusSchema = z.object({
  kind: z.enum(['simulator', 'kite', 'replay']),
  /** waiting: for a Kite session; loading: instruments and history; live; ended: a replay ran out of data; error. */
  state: z.enum(['waiting', 'loading', 'live', 'ended', 'error']),
  message: z.string().max(500).optional(),
  /** Kite: each ticker connection and the instrument tokens subscribed on it. */
  connections: z.array(z.object({ index: z.number().int().nonnegative(), state: z.string().max(20), tokens: z.number().int().nonnegative() })).max(10).optional(),
  /** Kite: instruments subscribed per mode. */
  subscribed: z.object({ ltp: z.number().int().nonnegative(), quote: z.number().int().nonnegative(), full: z.number().int().nonnegative() }).optional(),
  /** Kite: the IST date of the instrument dump in use. */
  instrumentsDate: z.string().max(10).optional(),
  /** Feed (exchange) time minus the wall clock, ms. */
  clockSkewMs: z.number().int().optional(),
});
export type FeedStatusDto = z.infer<typeof feedStatusSchema>;

/**
 * The run profile's F&O plan (`fno:`; runtime/fno-plan.ts) in the engine status and the Health tab: waiting
 * (Kite: for the day's instrument dump or the underlyings' prices, or a plan the dump cannot satisfy: `message`)
 * or resolved, the contracts per underlying, warnings (a contract missing from the instrument list) and the
 * `on: contract` instances still on an old contract (holding a position or order there: they move once flat).
 */
export const fnoStatusSchema = z.object({
  state: z.enum(['waiting', 'resolved']),
  message: z.string().max(500).optional(),
  legs: z
    .array(
      z.object({
        underlying: z.string().max(20),
        underlyingSymbol: z.string().max(40),
        future: z.string().max(40).optional(),
        option: z
          .object({
            expiry: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
            atmPaise: z.number().int().nonnegative(),
            strikePaise: z.number().int().nonnegative(),
            ce: z.string().max(40).optional(),
            pe: z.string().max(40).optional(),
            /** Contracts asked for that the instrument list lacks ("NIFTY 2026-12-08 24500 PE"). */
            missing: z.array(z.string().max(80)).max(10).optional(),
          })
          .optional(),
      }),
    )
    .max(10),
  warnings: z.array(z.string().max(300)).max(20),
  pendingMoves: z
    .array(
      z.object({
        id: z.string().max(80),
        from: z.array(z.string().max(40)).max(10),
        to: z.array(z.string().max(40)).max(10),
        /** Contracts of `from` with a position or working order of the instance. */
        holding: z.array(z.string().max(40)).max(10),
      }),
    )
    .max(50),
});
export type FnoStatus = z.infer<typeof fnoStatusSchema>;

export const engineStatusSchema = z.object({
  state: z.enum(['starting', 'running', 'degraded', 'stopping']),
  mode: z.enum(['paper', 'shadow', 'live', 'backtest']),
  feed: z.enum(['simulator', 'kite', 'replay']),
  /** The feed's own state (absent from engines before it existed). */
  feedStatus: feedStatusSchema.optional(),
  version: z.string(),
  protocol: z.number().int(),
  startedAt: epochMs,
  /** Ticks received in the last second. */
  ticksPerSec: z.number().nonnegative(),
  totalTicks: z.number().int().nonnegative(),
  /** Exchange time of the feed (simulated time on the simulator). */
  feedTime: epochMs,
  instruments: z.number().int().nonnegative(),
  connections: z.number().int().nonnegative(),
  kite: kiteSessionStatusSchema,
  /** The pre-market universe step (absent before it ran). A failure there does not stop the engine. */
  universe: universeStepStatusSchema.optional(),
  /**
   * The trading day (IST `YYYY-MM-DD`: on a weekend or holiday the session day before it) and the
   * session phase at the feed time (core/trading-day.ts). Absent from engines before it existed.
   */
  tradingDay: z
    .object({
      date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      phase: z.enum(['pre-market', 'pre-open', 'open', 'break', 'post-close', 'closed']),
    })
    .optional(),
  /** The profile's F&O plan (absent without `fno:`). */
  fno: fnoStatusSchema.optional(),
});
export type EngineStatus = z.infer<typeof engineStatusSchema>;

export const watchlistSchema = z.object({
  symbols: z
    .array(symbolSchema)
    .max(100)
    .refine((a) => new Set(a).size === a.length, 'symbols must be unique'),
});
export type Watchlist = z.infer<typeof watchlistSchema>;

/**
 * One strategy signal as journalled and streamed. Prices are integer paise like everything else:
 * the engine feeds strategies its paise candles, so `pricePaise` and the snapshot's price-like
 * indicator values are paise too (the snapshot values are not rounded).
 */
export const signalSchema = z.object({
  /** Journal row id (increasing); deltas and snapshots share it, so a client can drop duplicates. */
  id: z.number().int().nonnegative(),
  /** When it was emitted (feed time), epoch ms. */
  ts: epochMs,
  symbol: z.string().min(1).max(64),
  /** Strategy instance id. */
  strategy: z.string().min(1).max(64),
  /** Strategy type, e.g. `ema_crossover`. */
  type: z.string().min(1).max(64),
  side: z.enum(['BUY', 'SELL']),
  /** 0..1 */
  confidence: z.number().min(0).max(1),
  reason: z.string().max(200),
  /** Last price of the symbol when it fired, paise. */
  pricePaise: paise,
  /** The instance's primary timeframe. */
  timeframe: timeframeSchema,
  /** Start of the last closed primary bar, or null when none had closed yet. */
  barTime: epochMs.nullable(),
  /** Indicator values at emission (column → value; other timeframes as `tf:column`). */
  snapshot: z.record(z.string(), z.number()),
});
export type SignalRecord = z.infer<typeof signalSchema>;

/** Why a strategy instance is not running (the message only, never a stack). */
export const strategyErrorSchema = z.object({
  /** Where it failed: `config` (its stored config is invalid), `unloaded` (its user strategy file is gone), `create`, `onBar`, `onTick`, `onFill`, `onTimer`, `replay`. */
  hook: z.string().max(32),
  /** The symbol whose unit failed ('' for a config error). */
  symbol: z.string().max(64),
  message: z.string().max(500),
  ts: epochMs,
});
export type StrategyError = z.infer<typeof strategyErrorSchema>;

export const strategyInstanceIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected a strategy instance id (letters, digits, _ . -)');

/** A configured strategy instance and how it is doing. */
export const strategyInstanceInfoSchema = z.object({
  id: strategyInstanceIdSchema,
  type: z.string(),
  /** Params with the type's defaults filled in. */
  params: z.record(z.string(), z.unknown()),
  symbols: z.array(z.string()),
  timeframe: timeframeSchema,
  /** Ensemble weight (0 = journal only). */
  weight: z.number().nonnegative(),
  /** What the user asked for (persisted). An instance that threw is switched off: enabled false, with `error`. */
  enabled: z.boolean(),
  /** Actually receiving data now. */
  running: z.boolean(),
  error: strategyErrorSchema.optional(),
  /** Only on `strategies.remove`'s answer and its `strategies.changed` delta: the instance is gone. */
  removed: z.literal(true).optional(),
});
export type StrategyInstanceInfo = z.infer<typeof strategyInstanceInfoSchema>;

/** A strategy type the engine can run: what the UI needs to describe it and edit its params. */
export const strategyTypeInfoSchema = z.object({
  type: z.string(),
  description: z.string(),
  /** Timeframes it listens to; the first is the default primary. */
  timeframes: z.array(timeframeSchema),
  /** JSON Schema (draft 2020-12, input side: defaults shown, all optional) of its params. */
  paramsSchema: z.record(z.string(), z.unknown()),
});
export type StrategyTypeInfo = z.infer<typeof strategyTypeInfoSchema>;

export const strategiesListSchema = z.object({
  instances: z.array(strategyInstanceInfoSchema),
  types: z.array(strategyTypeInfoSchema),
});
export type StrategiesList = z.infer<typeof strategiesListSchema>;

/** One scanned symbol of the day's pre-market scan, as journalled (`universe_scans`). */
export const universeEntrySchema = z.object({
  symbol: symbolSchema,
  /** 1 = best. */
  rank: z.number().int().positive(),
  /** Weighted mean of the factor ranks, 0..1. */
  score: z.number().min(0).max(1),
  factors: z.object({
    /** ATR / last close × 100. */
    atrPct: z.number(),
    /** Mean daily traded value, paise. */
    avgValuePaise: paise,
    /** ADX, 0..100. */
    trend: z.number(),
    /** +1 last close above its SMA, −1 below. */
    direction: z.union([z.literal(1), z.literal(-1), z.literal(0)]),
    /** Normalised factor ranks, 0..1 (1 = most volatile / liquid / trending). */
    ranks: z.object({ volatility: z.number(), liquidity: z.number(), trend: z.number() }),
    lastClosePaise: paise,
    /** IST date of the last daily candle used. */
    lastBarDay: z.string(),
    barsUsed: z.number().int().nonnegative(),
  }),
  /** In the day's universe. */
  selected: z.boolean(),
});
export type UniverseEntry = z.infer<typeof universeEntrySchema>;

/** The day's pre-market scan and universe. */
export const universeScanSchema = z.object({
  /** The trading day planned (IST, YYYY-MM-DD). */
  date: z.string(),
  state: z.enum(['ok', 'failed']),
  /** Why the step failed (entries are then empty). */
  error: z.string().max(500).optional(),
  /** Where the daily candles came from: synthetic on the simulator, Kite historical candles live. */
  source: z.enum(['simulator', 'kite']),
  /** Every scored symbol, best rank first. */
  entries: z.array(universeEntrySchema),
  /** The day's universe in order (include-forced first, then by rank). */
  symbols: z.array(symbolSchema),
  /** Symbols left out of the universe or not scored, and why (e.g. `over-cap`, `stale`). */
  dropped: z.array(z.object({ symbol: z.string(), reason: z.string(), detail: z.string().optional() })),
});
export type UniverseScan = z.infer<typeof universeScanSchema>;
