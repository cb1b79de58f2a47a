import { z } from 'zod';
import { ORDERS_PACE_PER_SECOND } from '../core/rate-limiter.js';

/**
 * Risk limits, as configured in a profile (`risk:`), with per-strategy overrides:
 *
 * ```yaml
 * risk:
 *   maxDailyLossBps: 300
 *   strategies:
 *     ema-fast-1m: { maxOpenPositions: 3, maxOrderValuePaise: 5000000 }
 * ```
 *
 * Money is integer paise, percentages are integer basis points (100 bps = 1 %). Unknown keys are
 * errors so a typo never silently leaves a limit at its default. Defaults keep Kite's own caps
 * (1,00,000 units and ₹10 crore per order; 400 orders/min, 5,000/day); profiles lower them. The
 * per-second cap defaults to the live order pace (8/s, `trading.live.ordersPerSecond`, below Kite's 10/s)
 * and a profile may not set it above that pace (runtime/trading.ts): a stream the cap lets through is
 * never one the pacer has to queue.
 *
 * Per-strategy overrides may set any limit except `rate` (Kite counts orders per account, so the
 * counters are account-wide). The session circuit breaker (daily loss, drawdown → halt) always uses
 * the profile limits; a strategy's tighter loss limits only block that strategy's orders.
 */

/** Largest money amount a limit may hold: products with it stay exact in a double. */
const MAX_PAISE = 1e15;

const paise = (what: string) =>
  z
    .number({ error: `${what} must be a number of paise (integer)` })
    .int(`${what} must be an integer number of paise`)
    .positive(`${what} must be positive`)
    .max(MAX_PAISE, `${what} must be at most ${MAX_PAISE} paise`);
const bps = (what: string) =>
  z
    .number({ error: `${what} must be a number of basis points` })
    .int(`${what} must be whole basis points (100 bps = 1 %)`)
    .min(1, `${what} must be at least 1 bps`)
    .max(10_000, `${what} must be at most 10000 bps (100 %)`);
const count = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be an integer`)
    .min(0, `${what} must not be negative`)
    .max(max, `${what} must be at most ${max}`);
const posCount = (what: string, max: number) => count(what, max).min(1, `${what} must be at least 1`);

/** The limits that a strategy may override, without defaults. */
const limitFields = {
  /** Capital the profile trades with; the base for bps limits when day-start equity is not known (≤ 0). */
  capitalPaise: paise('capitalPaise'),
  /** Absolute daily loss that trips the circuit breaker (in addition to maxDailyLossBps). */
  maxDailyLossPaise: paise('maxDailyLossPaise'),
  /** Daily loss, in bps of day-start equity, that trips the circuit breaker. */
  maxDailyLossBps: bps('maxDailyLossBps'),
  /** Fall from the day's peak equity, in bps of that peak, that trips the circuit breaker. */
  maxDrawdownBps: bps('maxDrawdownBps'),
  /** Orders that would open a position are blocked while this many positions are open. */
  maxOpenPositions: count('maxOpenPositions', 100_000),
  maxTradesPerSymbolPerDay: count('maxTradesPerSymbolPerDay', 1_000_000),
  /** Per-symbol kill switch: at a day PnL ≤ −this in a symbol only position-reducing orders pass. */
  perSymbolMaxLossPaise: paise('perSymbolMaxLossPaise'),
  /** qty × max(price, trigger, LTP) per order. Kite's cap is ₹10 crore. */
  maxOrderValuePaise: paise('maxOrderValuePaise'),
  /**
   * Gross exposure cap: Σ |net qty| × last price over the account's positions, PLUS the net notional of
   * external positions at Kite (held there, not placed by the app; live reconciliation reports them),
   * after the order. Unset: no cap.
   */
  maxGrossExposurePaise: paise('maxGrossExposurePaise'),
  /** Units per order. Kite's equity cap is 1,00,000. */
  maxQty: posCount('maxQty', 1_000_000_000),
  /** Above the exchange freeze quantity: split into slices (each ≤ freeze, whole lots) or block. */
  freeze: z.enum(['split', 'block'], { error: "freeze must be 'split' or 'block'" }),
  /** Fat-finger band: LIMIT/SL prices and SL/SL-M triggers must be within ± this of the last price. */
  priceBandBps: bps('priceBandBps'),
  /** A regular order is blocked when the symbol's last tick is older than this. */
  staleAfterMs: posCount('staleAfterMs', 86_400_000),
  /** Block regular orders outside the NSE session (AMO orders only outside it). */
  marketHours: z.boolean({ error: 'marketHours must be true or false' }),
  checkMargin: z.boolean({ error: 'checkMargin must be true or false' }),
};

export const KITE_MAX_QTY = 100_000;
/** ₹10 crore. */
export const KITE_MAX_ORDER_VALUE_PAISE = 10_000_000_000;

const rateSchema = z
  .strictObject({
    perSecond: posCount('rate.perSecond', 1000).default(ORDERS_PACE_PER_SECOND),
    perMinute: posCount('rate.perMinute', 100_000).default(400),
    perDay: posCount('rate.perDay', 10_000_000).default(5000),
  })
  .superRefine((r, ctx) => {
    if (r.perMinute < r.perSecond) ctx.addIssue({ code: 'custom', path: ['perMinute'], message: `perMinute (${r.perMinute}) must be at least perSecond (${r.perSecond})` });
    if (r.perDay < r.perMinute) ctx.addIssue({ code: 'custom', path: ['perDay'], message: `perDay (${r.perDay}) must be at least perMinute (${r.perMinute})` });
  });

/** A strategy's overrides: any subset of the limits (not `rate`). */
export const riskOverrideSchema = z.strictObject({
  capitalPaise: limitFields.capitalPaise.optional(),
  maxDailyLossPaise: limitFields.maxDailyLossPaise.optional(),
  maxDailyLossBps: limitFields.maxDailyLossBps.optional(),
  maxDrawdownBps: limitFields.maxDrawdownBps.optional(),
  maxOpenPositions: limitFields.maxOpenPositions.optional(),
  maxTradesPerSymbolPerDay: limitFields.maxTradesPerSymbolPerDay.optional(),
  perSymbolMaxLossPaise: limitFields.perSymbolMaxLossPaise.optional(),
  maxOrderValuePaise: limitFields.maxOrderValuePaise.optional(),
  maxGrossExposurePaise: limitFields.maxGrossExposurePaise.optional(),
  maxQty: limitFields.maxQty.optional(),
  freeze: limitFields.freeze.optional(),
  priceBandBps: limitFields.priceBandBps.optional(),
  staleAfterMs: limitFields.staleAfterMs.optional(),
  marketHours: limitFields.marketHours.optional(),
  checkMargin: limitFields.checkMargin.optional(),
});

export const riskConfigSchema = z.strictObject({
  capitalPaise: limitFields.capitalPaise.default(10_00_000_00),
  maxDailyLossPaise: limitFields.maxDailyLossPaise.optional(),
  maxDailyLossBps: limitFields.maxDailyLossBps.default(500),
  maxDrawdownBps: limitFields.maxDrawdownBps.default(2000),
  maxOpenPositions: limitFields.maxOpenPositions.default(10),
  maxTradesPerSymbolPerDay: limitFields.maxTradesPerSymbolPerDay.default(20),
  perSymbolMaxLossPaise: limitFields.perSymbolMaxLossPaise.optional(),
  maxOrderValuePaise: limitFields.maxOrderValuePaise.default(KITE_MAX_ORDER_VALUE_PAISE),
  maxGrossExposurePaise: limitFields.maxGrossExposurePaise.optional(),
  maxQty: limitFields.maxQty.default(KITE_MAX_QTY),
  freeze: limitFields.freeze.default('split'),
  priceBandBps: limitFields.priceBandBps.default(300),
  rate: rateSchema.default({ perSecond: ORDERS_PACE_PER_SECOND, perMinute: 400, perDay: 5000 }),
  staleAfterMs: limitFields.staleAfterMs.default(5000),
  marketHours: limitFields.marketHours.default(true),
  checkMargin: limitFields.checkMargin.default(true),
  /** Overrides by strategy instance id (`OrderRequest.strategy`; 'manual' for a person's orders). */
  strategies: z.record(z.string().min(1, 'strategy id must not be empty'), riskOverrideSchema).default({}),
});

export type RiskConfigInput = z.input<typeof riskConfigSchema>;
export type RiskConfig = z.output<typeof riskConfigSchema>;
export type RiskOverride = z.output<typeof riskOverrideSchema>;
export type RiskRateLimits = RiskConfig['rate'];

/** The limits in force for one strategy: the profile's, with its overrides applied. */
export interface RiskLimits {
  capitalPaise: number;
  maxDailyLossPaise: number | undefined;
  maxDailyLossBps: number;
  maxDrawdownBps: number;
  maxOpenPositions: number;
  maxTradesPerSymbolPerDay: number;
  perSymbolMaxLossPaise: number | undefined;
  maxOrderValuePaise: number;
  maxGrossExposurePaise: number | undefined;
  maxQty: number;
  freeze: 'split' | 'block';
  priceBandBps: number;
  staleAfterMs: number;
  marketHours: boolean;
  checkMargin: boolean;
}

export interface RiskConfigIssue {
  /** Dotted path inside the risk config, e.g. `strategies.ema-fast.maxQty` or `rate.perSecond`. */
  path: string;
  message: string;
}

/** A bad risk config; `message` lists every issue with its path. */
export class RiskConfigError extends Error {
  constructor(
    readonly where: string,
    readonly issues: readonly RiskConfigIssue[],
  ) {
    super(`${where}: invalid risk config: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'RiskConfigError';
  }
}

/**
 * Validates a risk config (defaults filled in). `where` names it in errors (e.g. `profile paper.yaml
 * risk`). Throws {@link RiskConfigError} naming each issue's path.
 */
export function parseRiskConfig(input: unknown, where: string): RiskConfig {
  const r = riskConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    throw new RiskConfigError(
      where,
      r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  }
  return r.data;
}

/** The default config (Kite's caps, 5 % daily loss, 20 % drawdown). */
export function defaultRiskConfig(): RiskConfig {
  return parseRiskConfig({}, 'default risk config');
}

/** The profile's limits with `override` applied (undefined fields keep the profile's value). */
export function resolveLimits(config: RiskConfig, override?: RiskOverride): RiskLimits {
  const base: RiskLimits = {
    capitalPaise: config.capitalPaise,
    maxDailyLossPaise: config.maxDailyLossPaise,
    maxDailyLossBps: config.maxDailyLossBps,
    maxDrawdownBps: config.maxDrawdownBps,
    maxOpenPositions: config.maxOpenPositions,
    maxTradesPerSymbolPerDay: config.maxTradesPerSymbolPerDay,
    perSymbolMaxLossPaise: config.perSymbolMaxLossPaise,
    maxOrderValuePaise: config.maxOrderValuePaise,
    maxGrossExposurePaise: config.maxGrossExposurePaise,
    maxQty: config.maxQty,
    freeze: config.freeze,
    priceBandBps: config.priceBandBps,
    staleAfterMs: config.staleAfterMs,
    marketHours: config.marketHours,
    checkMargin: config.checkMargin,
  };
  if (!override) return base;
  for (const k of Object.keys(base) as (keyof RiskLimits)[]) {
    const v = override[k];
    if (v !== undefined) (base as unknown as Record<string, unknown>)[k] = v;
  }
  return base;
}
