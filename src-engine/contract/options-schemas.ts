import { z } from 'zod';
import { epochMs, paise, symbolSchema } from './schemas.js';
import { chargesBreakdownSchema, orderSideSchema, productSchema } from './trading-schemas.js';

/**
 * The option chain (issue 14): strikes around ATM of one underlying and expiry with last price, change,
 * OI, OI change, volume, and IV, delta, gamma, theta (per day), vega (per volatility point) by Black-76 on
 * the mid price (IST time to 15:30 of the expiry day, the given rate, forward = spot·e^(rT)); PCR and max
 * pain over every listed strike. A snapshot per call: the app polls it (about once a second) for live.
 * docs/options.md has the model and formulas.
 */
const isoDay = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected an IST day YYYY-MM-DD');

export const optionChainInputSchema = z
  .object({
    /** The F&O name (NIFTY, BANKNIFTY, FINNIFTY); default the first the feed has. */
    underlying: z.string().regex(/^[A-Z0-9&-]{1,20}$/, 'expected an F&O underlying name such as NIFTY').optional(),
    /** Default the nearest live expiry. */
    expiry: isoDay.optional(),
    /** Strikes either side of ATM (default 10). */
    strikes: z.number().int().min(1).max(50).default(10),
    /** Annual rate for discounting and the forward, e.g. 0.065 (default 6.5 %). */
    rate: z.number().min(0).max(0.5).default(0.065),
  })
  .strict();

const num = z.number().finite();

export const optionSideSchema = z.object({
  symbol: symbolSchema,
  lastPaise: paise.nullable(),
  changePaise: paise.nullable(),
  volume: z.number().int().nonnegative(),
  oi: z.number().int().nonnegative(),
  oiChange: z.number().int(),
  bidPaise: paise.nullable(),
  askPaise: paise.nullable(),
  /** Annualised, 0.15 = 15 %. */
  iv: num.nullable(),
  delta: num.nullable(),
  /** Per rupee of the forward. */
  gamma: num.nullable(),
  /** Rupees per calendar day, per unit. */
  theta: num.nullable(),
  /** Rupees per volatility point, per unit. */
  vega: num.nullable(),
});
export type OptionSide = z.infer<typeof optionSideSchema>;

export const optionChainSchema = z.object({
  underlyings: z.array(z.string()),
  underlying: z.string(),
  /** The index the options are on (NIFTY 50). */
  index: symbolSchema,
  expiry: isoDay,
  /** Live option expiries, ascending. */
  expiries: z.array(isoDay),
  /** Current and next futures. */
  futures: z.array(z.object({ symbol: symbolSchema, expiry: isoDay })),
  lotSize: z.number().int().positive(),
  /** Feed time of the snapshot. */
  now: epochMs,
  spotPaise: paise,
  forwardPaise: paise,
  atmStrikePaise: paise,
  /** Calendar days to 15:30 IST of expiry (fractional). */
  daysToExpiry: num,
  rate: num,
  pcr: num.nullable(),
  maxPainPaise: paise.nullable(),
  totals: z.object({ ceOi: z.number().int(), peOi: z.number().int(), ceVolume: z.number().int(), peVolume: z.number().int() }),
  rows: z.array(z.object({ strikePaise: paise, ce: optionSideSchema.nullable(), pe: optionSideSchema.nullable() })),
});
export type OptionChainDto = z.infer<typeof optionChainSchema>;

/** The payoff of the open F&O positions of one underlying (portfolio/fno-payoff.ts): at expiry and today, one model. */
export const optionPayoffInputSchema = z
  .object({
    /** The F&O name; default the underlying of the first open F&O position (else NIFTY). */
    underlying: z.string().regex(/^[A-Z0-9&-]{1,20}$/, 'expected an F&O underlying name such as NIFTY').optional(),
    /** The grid: ± this % of the underlying's price (default 5). */
    rangePct: z.number().positive().max(50).default(5),
    points: z.number().int().min(2).max(401).default(81),
  })
  .strict();
export type OptionPayoffInput = z.input<typeof optionPayoffInputSchema>;

export const optionPayoffSchema = z.object({
  underlying: z.string(),
  index: z.string(),
  now: epochMs,
  spotPaise: paise,
  positions: z.array(z.object({ strategy: z.string(), symbol: symbolSchema, qty: z.number().int(), avgPricePaise: paise, markPaise: paise })),
  points: z.array(z.object({ underlyingPaise: paise, expiryPnlPaise: z.number().int(), todayPnlPaise: z.number().int() })),
});
export type OptionPayoffDto = z.infer<typeof optionPayoffSchema>;

/** A planned order's margin and charges before it is sent (the order ticket shows them). */
export const orderPreviewInputSchema = z
  .object({
    symbol: symbolSchema,
    side: orderSideSchema,
    qty: z.number().int().positive().max(10_000_000),
    product: productSchema.default('MIS'),
    /** The limit price; default the last price. */
    pricePaise: paise.positive().optional(),
  })
  .strict();
export const orderPreviewSchema = z.object({
  symbol: z.string(),
  qty: z.number().int(),
  lotSize: z.number().int().positive(),
  /** qty / lotSize (fractional: not a whole lot, the order would be refused). */
  lots: z.number(),
  refPricePaise: paise,
  valuePaise: paise,
  marginRequiredPaise: paise,
  marginAvailablePaise: z.number().int(),
  charges: chargesBreakdownSchema,
});
export type OrderPreviewDto = z.infer<typeof orderPreviewSchema>;

export const optionsRequests = {
  /** Margin (paper model; F&O: SPAN + exposure approximation, long options = premium) and charges of a planned order. NOT_FOUND: unknown symbol; UNAVAILABLE: no price yet. */
  'orders.preview': { input: orderPreviewInputSchema, output: orderPreviewSchema },
  /** Payoff of the open F&O positions of an underlying at expiry and today (empty positions: a flat line). UNAVAILABLE: no price of the underlying yet. */
  'options.payoff': { input: optionPayoffInputSchema, output: optionPayoffSchema },
  /** One underlying's option chain around ATM (snapshot; poll for live). NOT_FOUND: unknown underlying or expiry; UNAVAILABLE: the feed has no options. */
  'options.chain': { input: optionChainInputSchema, output: optionChainSchema },
} as const;
