import { z } from 'zod';
import { epochMs, paise } from './schemas.js';

/**
 * Modes and the switch (issue 11): paper, shadow and live, the live preflight, the mode journal and
 * live reconciliation with Kite. Live is never the default and never restored silently: after a
 * restart the engine comes back in paper (or shadow) and `liveWasOn` says that live was on before.
 */

export const tradingModeSchema = z.enum(['paper', 'shadow', 'live']);
export type TradingModeName = z.infer<typeof tradingModeSchema>;

/** The literal a person types to go live. */
export const LIVE_CONFIRMATION = 'LIVE';

export const PREFLIGHT_CHECKS = ['session', 'token', 'margins', 'instruments', 'reconciliation', 'risk', 'killSwitch'] as const;
export const preflightCheckSchema = z.object({
  id: z.enum(PREFLIGHT_CHECKS),
  ok: z.boolean(),
  /** Why it passed or failed, for people (secret-free). */
  reason: z.string(),
});
export type PreflightCheck = z.infer<typeof preflightCheckSchema>;

export const preflightSchema = z.object({
  ok: z.boolean(),
  ts: epochMs,
  checks: z.array(preflightCheckSchema),
});
export type Preflight = z.infer<typeof preflightSchema>;

/** One instrument and product where our live ledger and Kite's net position differ (or Kite alone has one). */
export const positionMismatchSchema = z.object({
  symbol: z.string(),
  exchange: z.string(),
  product: z.string(),
  /** Our live ledger's net quantity (all strategies). */
  oursQty: z.number().int(),
  /** Kite's net quantity. */
  kiteQty: z.number().int(),
  /** `external`: Kite holds it and we never traded it; `qty`: both hold it, the numbers differ; `missing`: we hold it, Kite does not. */
  kind: z.enum(['qty', 'external', 'missing']),
});
export type PositionMismatch = z.infer<typeof positionMismatchSchema>;

/** An order at Kite that the app did not place (no tag of ours): shown, never traded by strategies. */
export const externalOrderSchema = z.object({
  brokerOrderId: z.string(),
  symbol: z.string(),
  exchange: z.string(),
  side: z.string(),
  qty: z.number().int(),
  filledQty: z.number().int(),
  status: z.string(),
  product: z.string(),
  tag: z.string().optional(),
});
export type ExternalOrder = z.infer<typeof externalOrderSchema>;

export const reconciliationSchema = z.object({
  /**
   * `idle`: not live (nothing to compare); `clean`: orders, trades and net positions agree; `mismatch`:
   * a difference within the tolerance (alarm); `halted`: beyond it, or an answer Kite could not give
   * completely (never read as flat): live trading is halted; `error`: the last round could not run.
   */
  state: z.enum(['idle', 'clean', 'mismatch', 'halted', 'error']),
  at: epochMs.optional(),
  rounds: z.number().int().nonnegative(),
  message: z.string().optional(),
  mismatches: z.array(positionMismatchSchema),
  externalOrders: z.array(externalOrderSchema),
  /** Our live orders whose state at Kite is not known yet (client ids). */
  unresolved: z.array(z.string()),
});
export type Reconciliation = z.infer<typeof reconciliationSchema>;

export const modeStateSchema = z.object({
  mode: tradingModeSchema,
  /** A Kite session is active (live can be asked for; the preflight decides). */
  liveAvailable: z.boolean(),
  /** Set after a restart when live was on before it: the engine came back in `mode`, asking. Cleared by the next switch. */
  liveWasOn: z.object({ since: epochMs, note: z.string() }).optional(),
  since: epochMs,
  /** The last preflight run (passed or not). */
  preflight: preflightSchema.optional(),
  reconciliation: reconciliationSchema,
  /** Something that stopped live trading and what to do about it (the static-IP rejection, an expired token…). */
  alarm: z.string().optional(),
});
export type ModeState = z.infer<typeof modeStateSchema>;

export const modeSetInputSchema = z
  .object({
    mode: tradingModeSchema,
    /** Live only: must be the literal `LIVE`. */
    confirm: z.string().max(16).optional(),
  })
  .strict();

export const modeSetResultSchema = z.object({
  ok: z.boolean(),
  /** Why it was refused (`confirm`, `session`, `preflight`, `busy`), absent when it switched. */
  refused: z.enum(['confirm', 'session', 'preflight', 'busy']).optional(),
  message: z.string(),
  preflight: preflightSchema.optional(),
  state: modeStateSchema,
});
export type ModeSetResult = z.infer<typeof modeSetResultSchema>;

/** What the live confirmation shows: account, funds, risk limits, the strategies that will trade. */
export const liveSummarySchema = z.object({
  preflight: preflightSchema,
  userId: z.string().optional(),
  /** Kite's available equity margin (cash + collateral), paise; absent when margins were unreadable. */
  fundsPaise: paise.optional(),
  risk: z.object({
    dailyLossLimitPaise: paise,
    drawdownLimitPaise: paise,
    maxOpenPositions: z.number().int(),
    maxOrderValuePaise: paise,
    capitalPaise: paise,
  }),
  strategies: z.array(z.object({ id: z.string(), type: z.string(), symbols: z.array(z.string()) })),
  autoTrade: z.boolean(),
  /** Kite accepts orders only from the static IP registered in the developer console (since 2026-04-01). */
  staticIpNote: z.string(),
});
export type LiveSummary = z.infer<typeof liveSummarySchema>;

export const modeEventSchema = z.object({
  id: z.number().int(),
  ts: epochMs,
  /** `switch`: the mode changed; `refused`: a switch was refused; `preflight`: a preflight ran; `restart`: the engine came back after live; `halt`: live trading stopped by itself. */
  kind: z.enum(['switch', 'refused', 'preflight', 'restart', 'halt']),
  from: tradingModeSchema.optional(),
  to: tradingModeSchema.optional(),
  message: z.string(),
  preflight: preflightSchema.optional(),
});
export type ModeEvent = z.infer<typeof modeEventSchema>;

/**
 * One live order: what the paper fill model would have filled when it was sent (on the depth and last
 * price seen then) against Kite's real fills. `diffPaise` is per unit and adverse-positive (a BUY filled
 * above the model, a SELL below it); negative = Kite filled better than paper would have.
 */
export const slippageRowSchema = z.object({
  orderId: z.string(),
  clientId: z.string(),
  strategy: z.string(),
  symbol: z.string(),
  side: z.enum(['BUY', 'SELL']),
  orderType: z.string(),
  ts: epochMs,
  qty: z.number().int(),
  /** `depth`: the fresh book walked; `last`: no fresh book, last price ± the paper slippage; `resting`: a limit/stop not marketable at send (its limit/trigger); `none`: nothing to model on. */
  basis: z.enum(['depth', 'last', 'resting', 'none']),
  modelQty: z.number().int(),
  modelPricePaise: paise.optional(),
  filledQty: z.number().int(),
  realPricePaise: paise.optional(),
  diffPaise: paise.optional(),
  /** diffPaise over the model price, basis points (2 decimals). */
  bps: z.number().optional(),
  /** diffPaise × filledQty. */
  costPaise: paise.optional(),
});
export type SlippageRowDto = z.infer<typeof slippageRowSchema>;

/** Sums per strategy (`strategy: '*'` = every live order) over the orders with both a model price and fills. */
export const slippageAggregateSchema = z.object({
  strategy: z.string(),
  orders: z.number().int(),
  paired: z.number().int(),
  filledQty: z.number().int(),
  costPaise: paise,
  modelNotionalPaise: paise,
  bps: z.number(),
});

export const liveSlippageSchema = z.object({
  /** Newest first. */
  orders: z.array(slippageRowSchema),
  /** The whole (`*`) first, then each strategy. */
  strategies: z.array(slippageAggregateSchema),
});
export type LiveSlippage = z.infer<typeof liveSlippageSchema>;

const empty = z.object({}).strict();

export const modeRequests = {
  /** The mode, whether live is available, the last preflight and the live reconciliation. */
  'mode.get': { input: empty, output: modeStateSchema },
  /** Switch modes. Live: a Kite session, a passing preflight and `confirm: 'LIVE'`; the answer carries the preflight. Journalled either way. */
  'mode.set': { input: modeSetInputSchema, output: modeSetResultSchema },
  /** Runs the live preflight (journalled) and returns what the live confirmation shows. */
  'mode.liveSummary': { input: empty, output: liveSummarySchema },
  /** The mode journal, newest first. */
  'mode.history': { input: z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict(), output: z.array(modeEventSchema) },
  /** The live slippage report (model vs real per live order, per strategy), from the live journal whatever the mode. */
  'live.slippage': {
    input: z.object({ sinceMs: epochMs.optional(), limit: z.number().int().min(1).max(2000).default(200) }).strict(),
    output: liveSlippageSchema,
  },
} as const;

export const modeTopics = {
  'mode.changed': { params: empty, snapshot: modeStateSchema, delta: modeStateSchema },
} as const;
