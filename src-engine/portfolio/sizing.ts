import { z } from 'zod';
import { formatRupees, mulDivFloor } from '../core/money.js';
import type { OrderSide, TradableInstrument } from '../model/order.js';
import type { ClosedTradeStats } from './ledger.js';

/**
 * Position sizing: how many units an intent becomes, before risk. All money is integer paise; the
 * quantity is always a non-negative safe integer (never a float), a whole number of lots.
 *
 * Base quantity by mode (price = the intent's price, paise):
 *  - `fixed_qty {qty}`: qty.
 *  - `fixed_value {valuePaise}`: floor(valuePaise / price).
 *  - `fixed_lots {lots}`: lots × the instrument's lot size (F&O sizing in lots; 1 lot = 1 unit for equity).
 *  - `risk_pct {bps, atrMultiple = 2}`: floor(floor(equity × bps / 10000) / ceil(ATR × atrMultiple)) —
 *    the stop distance is ATR × atrMultiple (rounded up to whole paise, so the risk never exceeds
 *    the budget); no ATR yet → 0.
 *  - `half_kelly {fallback, minTrades = 20, capBps = 2500}`: from the strategy's closed trades (net PnL),
 *    W = wins / trades (breakevens are non-wins), R = (Σwin / wins) / (Σloss / losses),
 *    Kelly f = W − (1 − W) / R (R = ∞ when there are no losses, so f = W); we use f / 2 clamped to
 *    [0, capBps / 10000], floored to whole bps, as the fraction of equity to put in the position:
 *    qty = floor(floor(equity × fBps / 10000) / price). Fewer than minTrades closed trades → `fallback`.
 *
 * Caps (each a maximum on qty; the smallest wins; then rounded DOWN to a multiple of the lot size,
 * 0 when under one lot):
 *  - `maxQty` (optional).
 *  - `budgetPaise` (optional): the strategy's open exposure + qty × price ≤ budgetPaise.
 *  - gross exposure: account gross exposure + qty × price ≤ equity × leverage × exposureBps / 10000
 *    (defaults leverage 2.0, exposureBps 8000 → at most 1.6 × equity in positions). `leverage` is the
 *    most gross exposure may be as a multiple of equity; `exposureBps` is the share of that levered
 *    buying power sizing may use (the rest is headroom for slippage, charges and MTM swings).
 *
 * An intent against an existing position of the strategy (ctx.positionQty of the opposite sign)
 * closes it: qty = |positionQty|, no caps (it only reduces exposure).
 */

export const SIZING_MODES = ['fixed_qty', 'fixed_value', 'fixed_lots', 'risk_pct', 'half_kelly'] as const;
export type SizingMode = (typeof SIZING_MODES)[number];

const fixedQtyShape = { mode: z.literal('fixed_qty'), qty: z.number().int().min(1).max(10_000_000) };
const fixedValueShape = { mode: z.literal('fixed_value'), valuePaise: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) };
/** Whole lots per order (F&O): qty = lots × lot size. */
const fixedLotsShape = { mode: z.literal('fixed_lots'), lots: z.number().int().min(1).max(100_000) };
const riskPctShape = {
  mode: z.literal('risk_pct'),
  /** Share of equity at risk per trade, in basis points (50 = 0.5 %). */
  bps: z.number().int().min(1).max(10_000),
  atrMultiple: z.number().positive().max(100).default(2),
};

/** The modes a half_kelly fallback may use. */
export const baseSizingSchema = z.discriminatedUnion('mode', [z.strictObject(fixedQtyShape), z.strictObject(fixedValueShape), z.strictObject(fixedLotsShape), z.strictObject(riskPctShape)]);

const halfKellyShape = {
  mode: z.literal('half_kelly'),
  fallback: baseSizingSchema,
  minTrades: z.number().int().min(1).max(1_000_000).default(20),
  /** Most of equity half-Kelly may put in one position, bps. */
  capBps: z.number().int().min(0).max(10_000).default(2_500),
};

const capsShape = {
  /** Strategy capital budget: its open exposure + this order ≤ budgetPaise. */
  budgetPaise: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Gross exposure ≤ equity × leverage × exposureBps / 10000. */
  leverage: z.number().positive().max(100).default(2),
  exposureBps: z.number().int().min(0).max(10_000).default(8_000),
  maxQty: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
};

/** One strategy's sizing config. */
export const sizingConfigSchema = z.discriminatedUnion('mode', [
  z.strictObject({ ...fixedQtyShape, ...capsShape }),
  z.strictObject({ ...fixedValueShape, ...capsShape }),
  z.strictObject({ ...fixedLotsShape, ...capsShape }),
  z.strictObject({ ...riskPctShape, ...capsShape }),
  z.strictObject({ ...halfKellyShape, ...capsShape }),
]);
export type SizingConfig = z.output<typeof sizingConfigSchema>;
export type SizingConfigInput = z.input<typeof sizingConfigSchema>;
type BaseSizing = z.output<typeof baseSizingSchema>;

/** Parses a sizing config, throwing a RangeError that lists every problem. */
export function parseSizingConfig(input: unknown, what = 'sizing config'): SizingConfig {
  const r = sizingConfigSchema.safeParse(input);
  if (!r.success) throw new RangeError(`${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** The fields of the ensemble's OrderIntent sizing reads (structural: portfolio may not import strategy). */
export interface SizingIntent {
  symbol: string;
  side: OrderSide;
  /** −1..1 */
  score: number;
  /** Last price, paise. */
  price: number;
  reasons?: readonly { strategy: string; weight?: number; confidence?: number; overruled?: true }[];
}

export interface SizingContext {
  config: SizingConfig;
  equityPaise: number;
  /** ATR of the symbol in paise (may be fractional: indicator output); undefined/NaN while warming up. */
  atrPaise?: number | undefined;
  instrument: Pick<TradableInstrument, 'lotSize'>;
  /** The strategy's open exposure (Σ |qty| × mark), paise. */
  strategyExposurePaise: number;
  /** The account's gross exposure, paise. */
  grossExposurePaise: number;
  /** The strategy's closed-trade statistics (half_kelly). */
  stats?: ClosedTradeStats | undefined;
  /** The strategy's current signed position in the symbol. */
  positionQty?: number | undefined;
}

export interface SizingResult {
  qty: number;
  reason: string;
}

/** The instance that owns an ensemble intent: the non-overruled reason with the largest weight × confidence (first on ties). */
export function intentOwner(intent: SizingIntent): string | undefined {
  let best: string | undefined;
  let bestScore = -Infinity;
  for (const r of intent.reasons ?? []) {
    if (r.overruled) continue;
    const s = (r.weight ?? 1) * (r.confidence ?? 1);
    if (s > bestScore) {
      bestScore = s;
      best = r.strategy;
    }
  }
  return best;
}

const rupees = (p: number): string => `₹${formatRupees(p)}`;

function baseQty(mode: BaseSizing | SizingConfig, price: number, ctx: SizingContext): SizingResult {
  switch (mode.mode) {
    case 'fixed_qty':
      return { qty: mode.qty, reason: `fixed_qty ${mode.qty}` };
    case 'fixed_value':
      return { qty: mulDivFloor(mode.valuePaise, 1, price), reason: `fixed_value ${rupees(mode.valuePaise)} / ${rupees(price)}` };
    case 'fixed_lots':
      return { qty: mode.lots * ctx.instrument.lotSize, reason: `fixed_lots ${mode.lots} × lot ${ctx.instrument.lotSize}` };
    case 'risk_pct': {
      const atr = ctx.atrPaise;
      if (atr === undefined || !Number.isFinite(atr) || atr <= 0) return { qty: 0, reason: 'risk_pct: no ATR yet' };
      const perUnit = Math.max(1, Math.ceil(atr * mode.atrMultiple));
      if (!Number.isSafeInteger(perUnit)) return { qty: 0, reason: 'risk_pct: ATR out of range' };
      const risk = mulDivFloor(ctx.equityPaise, mode.bps, 10_000);
      return { qty: mulDivFloor(risk, 1, perUnit), reason: `risk_pct ${mode.bps} bps = ${rupees(risk)} / (${mode.atrMultiple} × ATR = ${perUnit} paise)` };
    }
    case 'half_kelly': {
      const st = ctx.stats;
      const n = st?.trades ?? 0;
      if (st === undefined || n < mode.minTrades) {
        const fb = baseQty(mode.fallback, price, ctx);
        return { qty: fb.qty, reason: `half_kelly: ${n} trades < ${mode.minTrades}, fallback ${fb.reason}` };
      }
      const fBps = halfKellyBps(st, mode.capBps);
      if (fBps <= 0) return { qty: 0, reason: `half_kelly: no edge (${st.wins}/${n} wins)` };
      const value = mulDivFloor(ctx.equityPaise, fBps, 10_000);
      return { qty: mulDivFloor(value, 1, price), reason: `half_kelly ${fBps} bps of equity = ${rupees(value)} / ${rupees(price)}` };
    }
  }
}

/**
 * Half-Kelly as whole basis points of equity, clamped to [0, capBps] (see the module comment), computed
 * exactly: with n trades, w wins, l losses, Σwin SW and Σloss SL,
 *   f = W − (1 − W) / R = w·(SW·l − (n − w)·SL) / (n·SW·l),   bps = floor(5000 · f).
 */
export function halfKellyBps(st: ClosedTradeStats, capBps: number): number {
  const { trades: n, wins: w, losses: l, sumWinPaise: sw, sumLossPaise: sl } = st;
  if (![n, w, l, sw, sl].every(Number.isSafeInteger) || !(n > 0 && w > 0 && sw > 0)) return 0;
  let bps: bigint;
  if (l <= 0 || sl <= 0) bps = (5000n * BigInt(w)) / BigInt(n);
  else {
    const num = 5000n * BigInt(w) * (BigInt(sw) * BigInt(l) - BigInt(n - w) * BigInt(sl));
    if (num <= 0n) return 0;
    bps = num / (BigInt(n) * BigInt(sw) * BigInt(l));
  }
  return bps > BigInt(capBps) ? capBps : Number(bps);
}

/**
 * Units for an intent under `ctx.config` (see the module comment). Returns qty 0 with the reason when
 * nothing may be traded.
 */
export function sizeOrder(intent: SizingIntent, ctx: SizingContext): SizingResult {
  const price = Math.round(intent.price);
  if (!Number.isSafeInteger(price) || price <= 0) return { qty: 0, reason: `no usable price (${String(intent.price)})` };
  const lot = ctx.instrument.lotSize;
  if (!Number.isSafeInteger(lot) || lot < 1) return { qty: 0, reason: `bad lot size ${String(lot)}` };
  const pos = ctx.positionQty ?? 0;
  if (pos !== 0 && (pos > 0) !== (intent.side === 'BUY')) {
    return { qty: Math.abs(pos), reason: `closes the ${pos > 0 ? 'long' : 'short'} position of ${Math.abs(pos)}` };
  }
  if (!Number.isSafeInteger(ctx.equityPaise) || ctx.equityPaise <= 0) return { qty: 0, reason: 'no equity' };

  const cfg = ctx.config;
  const base = baseQty(cfg, price, ctx);
  let qty = base.qty;
  let reason = base.reason;
  if (qty <= 0) return { qty: 0, reason };

  // each cap's reason is formatted only when it bites (sizing runs for every intent: no rupee strings,
  // and no closure, otherwise)
  if (cfg.maxQty !== undefined && cfg.maxQty < qty) {
    qty = Math.max(0, cfg.maxQty);
    reason += `; capped by maxQty ${cfg.maxQty}`;
  }
  if (cfg.budgetPaise !== undefined) {
    const room = cfg.budgetPaise - ctx.strategyExposurePaise;
    const max = room > 0 ? mulDivFloor(room, 1, price) : 0;
    if (max < qty) {
      qty = Math.max(0, max);
      reason += `; capped by budget ${rupees(cfg.budgetPaise)} (strategy exposure ${rupees(ctx.strategyExposurePaise)})`;
    }
  }
  const leverageBps = Math.round(cfg.leverage * 10_000);
  const limit = mulDivFloor(ctx.equityPaise, leverageBps * cfg.exposureBps, 100_000_000);
  const room = limit - ctx.grossExposurePaise;
  const maxGross = room > 0 ? mulDivFloor(room, 1, price) : 0;
  if (maxGross < qty) {
    qty = Math.max(0, maxGross);
    reason += `; capped by gross exposure ${rupees(limit)} (= equity × ${cfg.leverage} × ${cfg.exposureBps} bps; in use ${rupees(ctx.grossExposurePaise)})`;
  }

  if (lot > 1) {
    const lots = Math.floor(qty / lot);
    if (lots * lot !== qty) reason += `; rounded down to ${lots} lot(s) of ${lot}`;
    qty = lots * lot;
  }
  if (qty <= 0) return { qty: 0, reason: `${reason}; nothing left` };
  return { qty, reason };
}

/** Per-strategy sizing configs with a default. */
export class Sizer {
  private readonly configs = new Map<string, SizingConfig>();
  readonly defaultConfig: SizingConfig;

  constructor(opts: { default: SizingConfigInput; strategies?: Record<string, SizingConfigInput> }) {
    this.defaultConfig = parseSizingConfig(opts.default, 'sizing default');
    for (const [id, c] of Object.entries(opts.strategies ?? {})) this.configs.set(id, parseSizingConfig(c, `sizing ${id}`));
  }

  configFor(strategy: string | undefined): SizingConfig {
    return (strategy === undefined ? undefined : this.configs.get(strategy)) ?? this.defaultConfig;
  }

  /** Sizes under the config of `strategy` (default: the intent's owner, see intentOwner). */
  size(intent: SizingIntent, ctx: Omit<SizingContext, 'config'>, strategy = intentOwner(intent)): SizingResult {
    return sizeOrder(intent, { ...ctx, config: this.configFor(strategy) });
  }
}
