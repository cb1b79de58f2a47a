import type { z } from 'zod';
import type { Bar, Indicator } from '../indicators/indicator.js';
import type { Tick } from '../model/tick.js';

/**
 * The strategy API. A strategy is a definition (type, params schema, timeframes, warm-up, `create`)
 * plus the hooks its `create` returns. Strategy code sees only its {@link StrategyContext}: the
 * symbol, its params, managed indicators, recent closed bars, `emit` and `now()`. It never learns
 * whether it runs in a backtest, paper or live: the runner feeding it is the same in all three.
 */

/** Bar timeframes a strategy may ask for (the multi-timeframe candle builder's set). First = shortest. */
export const STRATEGY_TIMEFRAMES = ['1m', '3m', '5m', '10m', '15m', '30m', '60m', 'day'] as const;
export type StrategyTimeframe = (typeof STRATEGY_TIMEFRAMES)[number];

const TF_MS: Record<StrategyTimeframe, number> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '10m': 600_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '60m': 3_600_000,
  day: 86_400_000,
};

/** Nominal length of a timeframe's bar in ms (`day` = 24 h; a start-labelled bar ends at t + this). */
export function timeframeMs(tf: StrategyTimeframe): number {
  return TF_MS[tf];
}

export type Side = 'BUY' | 'SELL';

/** A fill of an order this strategy instance asked for (routed by the execution layer, later). */
export interface StrategyFill {
  symbol: string;
  side: Side;
  qty: number;
  /** Fill price in the same unit as the bars (paise in the engine). */
  price: number;
  tsEvent: number;
  orderId?: string;
}

/** What a strategy hands to `ctx.emit`. */
export interface Emission {
  side: Side;
  /** Short human reason, e.g. "EMA 9 crossed above EMA 21" (cut to 200 characters). */
  reason: string;
  /** 0..1 */
  confidence: number;
}

/** One strategy signal, as journalled and shown in the UI. */
export interface Signal {
  /** `ctx.now()` when it was emitted, epoch ms. */
  ts: number;
  symbol: string;
  /** Instance id. */
  strategy: string;
  /** Definition type, e.g. `ema_crossover`. */
  type: string;
  side: Side;
  confidence: number;
  reason: string;
  /** Last price of the symbol (the closing bar's close, or the last tick's price). */
  price: number;
  /** The instance's primary timeframe. */
  timeframe: StrategyTimeframe;
  /** Start time of the last closed primary bar, epoch ms. */
  barTime: number;
  /** The instance's indicator values at emission: column → value (finite values only; other timeframes as `tf:column`). */
  snapshot: Record<string, number>;
}

/** Journal columns of a signal, in order (see {@link signalRow}). */
export const SIGNAL_COLUMNS = ['ts', 'symbol', 'strategy', 'type', 'side', 'confidence', 'reason', 'price', 'timeframe', 'bar_time', 'snapshot'] as const;
export type SignalColumn = (typeof SIGNAL_COLUMNS)[number];

/** A signal flattened to journal columns (snapshot as JSON text). */
export function signalRow(s: Signal): Record<SignalColumn, string | number> {
  return {
    ts: s.ts,
    symbol: s.symbol,
    strategy: s.strategy,
    type: s.type,
    side: s.side,
    confidence: s.confidence,
    reason: s.reason,
    price: s.price,
    timeframe: s.timeframe,
    bar_time: s.barTime,
    snapshot: JSON.stringify(s.snapshot),
  };
}

export interface StrategyContext<P> {
  readonly symbol: string;
  /** Validated params, defaults filled in. */
  readonly params: Readonly<P>;
  /** The primary timeframe (the instance's `timeframe`, else the definition's first). */
  readonly timeframe: StrategyTimeframe;
  /** Every timeframe this instance receives bars for, primary first. */
  readonly timeframes: readonly StrategyTimeframe[];
  /**
   * A managed indicator (`createIndicator` spec, e.g. `macd:12:26:9`) on `tf` (default primary):
   * created once per spec and timeframe, updated with each closed bar of that timeframe BEFORE
   * `onBar` runs. Call it from `create`; later calls return the same object (a map lookup).
   */
  indicator(spec: string, tf?: StrategyTimeframe): Indicator;
  /** The last `n` closed bars of `tf`, oldest first (fewer early on). Bars are shared: do not mutate. */
  bars(tf: StrategyTimeframe, n: number): readonly Readonly<Bar>[];
  /** The closed bar `ago` bars back on `tf` (0 = the latest), or undefined. No allocation. */
  bar(tf: StrategyTimeframe, ago?: number): Readonly<Bar> | undefined;
  /** Emit a signal; the runner attaches the indicator snapshot, price and bar time. Throws on a bad emission. */
  emit(e: Emission): void;
  /** Current time, epoch ms (event time unless the runner was given a clock). */
  now(): number;
}

export interface StrategyHooks {
  /** A closed bar on one of the instance's timeframes (indicators of that timeframe already updated). */
  onBar?(tf: StrategyTimeframe, bar: Readonly<Bar>): void;
  onTick?(tick: Readonly<Tick>): void;
  onFill?(fill: Readonly<StrategyFill>): void;
  onTimer?(nowMs: number): void;
}

export interface StrategyDefinition<S extends z.ZodType = z.ZodType> {
  /** snake_case identifier used in configs, e.g. `ema_crossover`. */
  readonly type: string;
  /** One line for the UI. */
  readonly description: string;
  /** Params schema; every field should have a default so `{}` is a valid config. */
  readonly params: S;
  /** Timeframes the strategy listens to; the first is the primary (an instance may override it). */
  readonly timeframes: readonly [StrategyTimeframe, ...StrategyTimeframe[]];
  /** Primary-timeframe bars before hooks run (indicators are updated from the first bar). */
  readonly warmup: number | ((params: z.output<S>) => number);
  create(ctx: StrategyContext<z.output<S>>): StrategyHooks;
}

const TYPE_RE = /^[a-z][a-z0-9_]{0,47}$/;

/** Checks and freezes a strategy definition. */
export function defineStrategy<S extends z.ZodType>(def: StrategyDefinition<S>): StrategyDefinition<S> {
  if (!TYPE_RE.test(def.type)) throw new RangeError(`defineStrategy: type "${def.type}" must be snake_case (${TYPE_RE.source})`);
  if (!def.description.trim()) throw new RangeError(`defineStrategy(${def.type}): description is empty`);
  if (def.timeframes.length === 0) throw new RangeError(`defineStrategy(${def.type}): needs at least one timeframe`);
  for (const tf of def.timeframes) {
    if (!(STRATEGY_TIMEFRAMES as readonly string[]).includes(tf)) {
      throw new RangeError(`defineStrategy(${def.type}): unknown timeframe "${tf}"; known: ${STRATEGY_TIMEFRAMES.join(', ')}`);
    }
  }
  if (typeof def.warmup === 'number' && !(Number.isInteger(def.warmup) && def.warmup >= 0)) {
    throw new RangeError(`defineStrategy(${def.type}): warmup must be a non-negative integer, got ${def.warmup}`);
  }
  const probe = def.params.safeParse({});
  if (!probe.success) throw new RangeError(`defineStrategy(${def.type}): params schema must accept {} (give every field a default): ${probe.error.message}`);
  return Object.freeze({ ...def });
}

/** Resolves a definition's warm-up for validated params. */
export function warmupOf<S extends z.ZodType>(def: StrategyDefinition<S>, params: z.output<S>): number {
  const w = typeof def.warmup === 'function' ? def.warmup(params) : def.warmup;
  if (!(Number.isInteger(w) && w >= 0)) throw new RangeError(`strategy ${def.type}: warmup must be a non-negative integer, got ${String(w)}`);
  return w;
}

/** Clamp to 0..1 (NaN → 0). */
export function clamp01(x: number): number {
  return x > 1 ? 1 : x >= 0 ? x : 0;
}
