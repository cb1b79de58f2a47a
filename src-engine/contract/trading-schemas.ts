import { z } from 'zod';
import { epochMs, paise, symbolSchema } from './schemas.js';

/**
 * Orders, fills, positions, PnL and risk as they cross the contract. Money and prices are integer
 * paise; quantities are units (shares; F&O quantities are lots × lot size, as Kite counts them).
 * Net PnL (after charges) is the headline everywhere; each charges breakdown is one request away.
 */

export const orderSideSchema = z.enum(['BUY', 'SELL']);
export const orderTypeSchema = z.enum(['MARKET', 'LIMIT', 'SL', 'SL-M']);
export const productSchema = z.enum(['CNC', 'MIS', 'NRML']);
export const validitySchema = z.enum(['DAY', 'IOC']);
export const varietySchema = z.enum(['regular', 'amo']);
export const orderStatusSchema = z.enum([
  'PUT ORDER REQ RECEIVED',
  'VALIDATION PENDING',
  'OPEN PENDING',
  'OPEN',
  'TRIGGER PENDING',
  'AMO REQ RECEIVED',
  'MODIFY VALIDATION PENDING',
  'MODIFY PENDING',
  'CANCEL PENDING',
  'COMPLETE',
  'CANCELLED',
  'REJECTED',
]);
/** Our idempotency key, sent to Kite as `tag`: 1–20 letters and digits. */
export const clientIdSchema = z.string().regex(/^[A-Za-z0-9]{1,20}$/, 'expected 1-20 letters and digits (it is sent to Kite as the order tag)');

/** A person's order from the ticket. Everything a strategy order passes through (risk, OMS) applies. */
export const manualOrderSchema = z
  .object({
    symbol: symbolSchema,
    side: orderSideSchema,
    /** Units; must be a positive whole number of lots. */
    qty: z.number().int().positive().max(10_000_000),
    orderType: orderTypeSchema,
    product: productSchema.default('MIS'),
    validity: validitySchema.default('DAY'),
    variety: varietySchema.default('regular'),
    /** LIMIT and SL: limit price in paise, on the instrument's tick. */
    pricePaise: paise.positive().optional(),
    /** SL and SL-M: trigger price in paise, on the instrument's tick. */
    triggerPaise: paise.positive().optional(),
    /**
     * Give one to make a retry safe: the same clientId never places a second order, it answers the
     * first. Default: the engine makes one.
     */
    clientId: clientIdSchema.optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const needsPrice = o.orderType === 'LIMIT' || o.orderType === 'SL';
    const needsTrigger = o.orderType === 'SL' || o.orderType === 'SL-M';
    if (needsPrice && o.pricePaise === undefined) ctx.addIssue({ code: 'custom', path: ['pricePaise'], message: `a ${o.orderType} order needs pricePaise` });
    if (!needsPrice && o.pricePaise !== undefined) ctx.addIssue({ code: 'custom', path: ['pricePaise'], message: `a ${o.orderType} order takes no pricePaise` });
    if (needsTrigger && o.triggerPaise === undefined) ctx.addIssue({ code: 'custom', path: ['triggerPaise'], message: `a ${o.orderType} order needs triggerPaise` });
    if (!needsTrigger && o.triggerPaise !== undefined) ctx.addIssue({ code: 'custom', path: ['triggerPaise'], message: `a ${o.orderType} order takes no triggerPaise` });
  });
export type ManualOrderInput = z.input<typeof manualOrderSchema>;

export const orderDtoSchema = z.object({
  orderId: z.string(),
  clientId: z.string(),
  symbol: z.string(),
  exchange: z.string(),
  side: orderSideSchema,
  qty: z.number().int(),
  orderType: orderTypeSchema,
  product: productSchema,
  validity: validitySchema,
  variety: varietySchema,
  pricePaise: paise.optional(),
  triggerPaise: paise.optional(),
  strategy: z.string(),
  source: z.enum(['strategy', 'manual', 'exit', 'squareoff', 'killswitch']),
  status: orderStatusSchema,
  statusMessage: z.string().optional(),
  filledQty: z.number().int(),
  pendingQty: z.number().int(),
  cancelledQty: z.number().int(),
  /** Volume-weighted fill price, rounded to the paisa (display only); 0 before the first fill. */
  avgPricePaise: paise,
  /** Which broker took it: paper, shadow or live. */
  broker: z.enum(['paper', 'shadow', 'live']),
  tsInit: epochMs,
  tsUpdate: epochMs,
});
export type OrderDto = z.infer<typeof orderDtoSchema>;

export const fillDtoSchema = z.object({
  fillId: z.string(),
  orderId: z.string(),
  clientId: z.string(),
  symbol: z.string(),
  side: orderSideSchema,
  product: productSchema,
  strategy: z.string(),
  qty: z.number().int().positive(),
  pricePaise: paise,
  chargesPaise: paise,
  tsEvent: epochMs,
});
export type FillDto = z.infer<typeof fillDtoSchema>;

export const chargesBreakdownSchema = z.object({
  brokeragePaise: paise,
  sttPaise: paise,
  exchangeTxnPaise: paise,
  sebiPaise: paise,
  stampDutyPaise: paise,
  gstPaise: paise,
  dpPaise: paise,
  totalPaise: paise,
});
export type ChargesBreakdownDto = z.infer<typeof chargesBreakdownSchema>;

/** A breakdown of nothing (the start of every sum). Frozen: copy it to accumulate. */
export const ZERO_CHARGES: Readonly<ChargesBreakdownDto> = Object.freeze({
  brokeragePaise: 0,
  sttPaise: 0,
  exchangeTxnPaise: 0,
  sebiPaise: 0,
  stampDutyPaise: 0,
  gstPaise: 0,
  dpPaise: 0,
  totalPaise: 0,
});

export const positionDtoSchema = z.object({
  strategy: z.string(),
  symbol: z.string(),
  /** Signed: > 0 long, < 0 short. */
  qty: z.number().int(),
  avgPricePaise: paise,
  markPaise: paise,
  /** Net of the entry charges still carried by the open quantity. */
  unrealisedPaise: paise,
  /** Net of charges, for the closed parts of this strategy's position in this symbol. */
  realisedPaise: paise,
  chargesPaise: paise,
});
export type PositionDto = z.infer<typeof positionDtoSchema>;

export const strategyPnlSchema = z.object({
  strategy: z.string(),
  realisedPaise: paise,
  unrealisedPaise: paise,
  chargesPaise: paise,
  dayPnlPaise: paise,
  trades: z.number().int().nonnegative(),
  wins: z.number().int().nonnegative(),
  losses: z.number().int().nonnegative(),
});

export const portfolioSchema = z.object({
  mode: z.enum(['paper', 'shadow', 'live', 'backtest']),
  capitalPaise: paise,
  cashPaise: paise,
  equityPaise: paise,
  /** Net of charges. */
  realisedPaise: paise,
  unrealisedPaise: paise,
  chargesPaise: paise,
  /** Equity now − equity at the day's start (net of charges). */
  dayPnlPaise: paise,
  dayPeakEquityPaise: paise,
  /** Sum of every fill's charges, by component. */
  charges: chargesBreakdownSchema,
  positions: z.array(positionDtoSchema),
  strategies: z.array(strategyPnlSchema),
  tsEvent: epochMs,
});
export type PortfolioDto = z.infer<typeof portfolioSchema>;

export const equityPointSchema = z.object({ t: epochMs, equityPaise: paise });

export const riskActionSchema = z.enum(['ALLOW', 'REDUCE', 'BLOCK', 'HALT_SESSION']);

/** One risk decision as journalled and streamed, with the numbers that led to it. */
export const riskDecisionDtoSchema = z.object({
  id: z.number().int(),
  ts: epochMs,
  clientId: z.string(),
  symbol: z.string(),
  side: orderSideSchema,
  qty: z.number(),
  strategy: z.string(),
  source: z.string(),
  action: riskActionSchema,
  /** The rule behind a REDUCE, BLOCK or HALT_SESSION (e.g. `lot_size`, `max_daily_loss`). */
  rule: z.string().optional(),
  message: z.string().optional(),
  /** REDUCE: the quantity allowed. */
  reducedQty: z.number().int().optional(),
  /** Freeze-quantity split: the slice quantities. */
  slices: z.array(z.number().int()).optional(),
  numbers: z.record(z.string(), z.number()),
});
export type RiskDecisionDto = z.infer<typeof riskDecisionDtoSchema>;

export const riskStatusSchema = z.object({
  halted: z.boolean(),
  haltReason: z.string().optional(),
  haltedAt: epochMs.optional(),
  /** While halted: 'day-end' (the circuit breaker: ends at the next trading day's roll) or 'resume' (until a person resumes). */
  haltUntil: z.enum(['day-end', 'resume']).optional(),
  killSwitch: z.boolean(),
  killReason: z.string().optional(),
  killedAt: epochMs.optional(),
  /** Day PnL (net of charges), paise. */
  dayPnlPaise: paise,
  /** The day PnL at which the circuit breaker halts the session: ≤ 0. */
  dailyLossLimitPaise: paise,
  /** The fall from the day's peak equity: ≥ 0. */
  drawdownPaise: paise,
  /** The fall from the peak at which the circuit breaker halts the session: ≥ 0. */
  drawdownLimitPaise: paise,
  openPositions: z.number().int().nonnegative(),
  maxOpenPositions: z.number().int().nonnegative(),
  /** Σ |net qty| × last price of the mode's positions, paise. */
  grossExposurePaise: paise.optional(),
  /** Live: the net notional of positions at Kite the app did not make (external), counted in the exposure cap. */
  externalExposurePaise: paise.optional(),
  /** The gross exposure cap (risk.maxGrossExposurePaise), when set. */
  maxGrossExposurePaise: paise.optional(),
});
export type RiskStatus = z.infer<typeof riskStatusSchema>;

/** Answer of `orders.place`: the risk decision and the orders it produced (several after a freeze split; none when blocked). */
export const placeResultSchema = z.object({
  decision: riskDecisionDtoSchema,
  orders: z.array(orderDtoSchema),
});
export type PlaceResult = z.infer<typeof placeResultSchema>;

/** In shadow mode: one request a live Kite order would have sent (form parameters, prices as rupee strings). */
export const liveRequestSchema = z.object({
  kind: z.enum(['place', 'modify', 'cancel']),
  variety: varietySchema,
  params: z.record(z.string(), z.union([z.string(), z.number()])),
  tsEvent: epochMs,
});
export type LiveRequest = z.infer<typeof liveRequestSchema>;

/** An IST calendar day, YYYY-MM-DD. */
export const istDaySchema = z.iso.date();

/** Performance metrics (src-engine/portfolio/metrics.ts; formulas in docs/metrics.md). Undefined ratios are null. */
export const metricsSchema = z.object({
  capitalPaise: paise,
  endEquityPaise: paise,
  netPnlPaise: paise,
  grossPnlPaise: paise,
  chargesPaise: paise,
  netReturn: z.number(),
  grossReturn: z.number(),
  cagr: z.number().nullable(),
  sharpe: z.number().nullable(),
  sortino: z.number().nullable(),
  riskFreeRate: z.number(),
  days: z.number().int().nonnegative(),
  maxDrawdown: z.number().nonnegative(),
  maxDrawdownPaise: paise,
  maxDrawdownDurationMs: z.number().nonnegative(),
  calmar: z.number().nullable(),
  trades: z.number().int().nonnegative(),
  wins: z.number().int().nonnegative(),
  losses: z.number().int().nonnegative(),
  winRate: z.number().nullable(),
  profitFactor: z.number().nullable(),
  expectancyPaise: z.number().int().nullable(),
  avgWinPaise: z.number().int().nullable(),
  avgLossPaise: z.number().int().nullable(),
  exposure: z.number().nonnegative(),
  avgHoldingMs: z.number().nullable(),
  turnoverPaise: paise,
});
export type MetricsDto = z.infer<typeof metricsSchema>;

/** The Performance tab: overall and per strategy for a range of IST days, with the equity and drawdown behind them. */
export const performanceSchema = z.object({
  mode: z.enum(['paper', 'shadow', 'live', 'backtest']),
  from: istDaySchema,
  to: istDaySchema,
  overall: metricsSchema,
  strategies: z.array(z.object({ strategy: z.string(), metrics: metricsSchema })),
  equity: z.array(equityPointSchema),
  drawdown: z.array(z.object({ t: epochMs, drawdownPaise: paise, drawdown: z.number() })),
});
export type PerformanceDto = z.infer<typeof performanceSchema>;
