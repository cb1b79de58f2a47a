import { z } from 'zod';
import type { Side, Signal, StrategyTimeframe } from './strategy.js';

/**
 * Weighted voting of strategy signals per symbol per event (a closed bar, a tick, a timer):
 *
 *   score = Σ(weight × confidence × ±1) / Σ weight of the voters      (BUY = +1, SELL = −1)
 *
 * BUY when score > buyThreshold, SELL when score < sellThreshold, otherwise no intent. Voters are
 * the signals of instances with weight > 0 (one vote per instance: its last signal of the event).
 *
 * When voters disagree (both sides present) the symbol's conflict mode decides:
 * - `net_out`: opposite votes cancel in the score above.
 * - `highest_confidence`: the side of the vote with the highest weight × confidence wins (ties: the
 *   earlier instance); the losing side's votes are dropped, the score is taken over the winners.
 * - `priority`: the side of the earliest instance (runner order) wins; as above otherwise.
 * Dropped votes stay in `reasons` with `overruled: true`.
 */
export const CONFLICT_MODES = ['highest_confidence', 'priority', 'net_out'] as const;
export type ConflictMode = (typeof CONFLICT_MODES)[number];

/** Seed weights by strategy type (instances may override; unknown types weigh 1). */
export const DEFAULT_WEIGHTS: Readonly<Record<string, number>> = {
  sma_crossover: 1.0,
  ema_crossover: 1.0,
  ema_intraday: 1.0,
  rsi_reversion: 0.8,
  bollinger_reversion: 0.7,
  macd: 1.0,
  vwap: 0.9,
  supertrend: 1.2,
  stoch_rsi: 0.8,
};

export const ensembleConfigSchema = z.strictObject({
  buyThreshold: z.number().min(-1).max(1).default(0.3),
  sellThreshold: z.number().min(-1).max(1).default(-0.3),
  conflict: z.enum(CONFLICT_MODES).default('net_out'),
  /** Per-symbol conflict mode overriding `conflict`. */
  conflictBySymbol: z.record(z.string(), z.enum(CONFLICT_MODES)).default({}),
  /** Weights by strategy type, merged over {@link DEFAULT_WEIGHTS}. */
  weights: z.record(z.string(), z.number().min(0).max(100)).default({}),
});
export type EnsembleConfig = z.output<typeof ensembleConfigSchema>;

/**
 * The settings a person edits at run time (the `ensemble.*` contract methods): the thresholds and the
 * conflict modes. Weights by type stay in the run profile (each instance's own weight is editable).
 */
export const ENSEMBLE_SETTING_KEYS = ['buyThreshold', 'sellThreshold', 'conflict', 'conflictBySymbol'] as const;
export type EnsembleSettings = Pick<EnsembleConfig, (typeof ENSEMBLE_SETTING_KEYS)[number]>;
export type EnsembleConfigInput = z.input<typeof ensembleConfigSchema>;

export interface Vote {
  signal: Signal;
  weight: number;
  /** Instance order in the runner (lower = higher priority). */
  priority: number;
}

export interface IntentReason {
  strategy: string;
  type: string;
  side: Side;
  confidence: number;
  weight: number;
  reason: string;
  overruled?: true;
}

/** What the ensemble asks for; sizing and risk come later. */
export interface OrderIntent {
  symbol: string;
  side: Side;
  /** −1..1 */
  score: number;
  reasons: IntentReason[];
  /** Merged indicator snapshots of the voters. */
  snapshot: Record<string, number>;
  tsEvent: number;
  timeframe: StrategyTimeframe;
  /** Last price (as in the signals). */
  price: number;
  /** Set when the voters disagreed: the mode that settled it. */
  conflict?: ConflictMode;
}

export class Ensemble {
  private _config: EnsembleConfig;
  private weights: Record<string, number>;

  constructor(config: EnsembleConfigInput = {}) {
    this._config = Ensemble.parse(config);
    this.weights = { ...DEFAULT_WEIGHTS, ...this._config.weights };
  }

  get config(): EnsembleConfig {
    return this._config;
  }

  /** Replaces the whole config (checked as in the constructor; a bad one throws RangeError and changes nothing). */
  reconfigure(config: EnsembleConfigInput): void {
    const next = Ensemble.parse(config);
    this._config = next;
    this.weights = { ...DEFAULT_WEIGHTS, ...next.weights };
  }

  private static parse(config: EnsembleConfigInput): EnsembleConfig {
    const r = ensembleConfigSchema.safeParse(config);
    if (!r.success) {
      throw new RangeError(`ensemble config: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    }
    if (r.data.sellThreshold > r.data.buyThreshold) throw new RangeError('ensemble config: sellThreshold must be ≤ buyThreshold');
    return r.data;
  }

  /** The configured weight of a strategy type. */
  weightOf(type: string): number {
    return this.weights[type] ?? 1;
  }

  conflictModeOf(symbol: string): ConflictMode {
    return this.config.conflictBySymbol[symbol] ?? this.config.conflict;
  }

  /**
   * Votes over one symbol's signals of one event; `votes` may hold other symbols' votes (skipped).
   * Returns an intent or undefined. Allocates only when there is something to vote on.
   */
  decide(symbol: string, votes: readonly Vote[], tsEvent: number, timeframe: StrategyTimeframe): OrderIntent | undefined {
    // one vote per instance: its last signal of this event
    let n = 0;
    let buys = 0;
    let sells = 0;
    for (let i = 0; i < votes.length; i++) {
      const v = votes[i]!;
      if (v.signal.symbol !== symbol || !(v.weight > 0) || this.supersededLater(votes, i)) continue;
      n++;
      if (v.signal.side === 'BUY') buys++;
      else sells++;
    }
    if (n === 0) return undefined;
    const conflicting = buys > 0 && sells > 0;
    const mode = conflicting ? this.conflictModeOf(symbol) : 'net_out';
    let winner: Side | undefined;
    if (mode !== 'net_out') {
      let best: Vote | undefined;
      for (let i = 0; i < votes.length; i++) {
        const v = votes[i]!;
        if (v.signal.symbol !== symbol || !(v.weight > 0) || this.supersededLater(votes, i)) continue;
        if (best === undefined) best = v;
        else if (mode === 'priority' ? v.priority < best.priority : v.weight * v.signal.confidence > best.weight * best.signal.confidence) best = v;
        else if (mode === 'highest_confidence' && v.weight * v.signal.confidence === best.weight * best.signal.confidence && v.priority < best.priority) best = v;
      }
      winner = best!.signal.side;
    }
    let num = 0;
    let den = 0;
    for (let i = 0; i < votes.length; i++) {
      const v = votes[i]!;
      if (v.signal.symbol !== symbol || !(v.weight > 0) || this.supersededLater(votes, i)) continue;
      if (winner !== undefined && v.signal.side !== winner) continue;
      num += v.weight * v.signal.confidence * (v.signal.side === 'BUY' ? 1 : -1);
      den += v.weight;
    }
    const score = den > 0 ? num / den : 0;
    const side: Side | undefined = score > this.config.buyThreshold ? 'BUY' : score < this.config.sellThreshold ? 'SELL' : undefined;
    if (side === undefined) return undefined;

    const reasons: IntentReason[] = [];
    const snapshot: Record<string, number> = {};
    let price = NaN;
    for (let i = 0; i < votes.length; i++) {
      const v = votes[i]!;
      const s = v.signal;
      if (s.symbol !== symbol || !(v.weight > 0) || this.supersededLater(votes, i)) continue;
      const r: IntentReason = { strategy: s.strategy, type: s.type, side: s.side, confidence: s.confidence, weight: v.weight, reason: s.reason };
      if (winner !== undefined && s.side !== winner) r.overruled = true;
      reasons.push(r);
      Object.assign(snapshot, s.snapshot);
      price = s.price;
    }
    const intent: OrderIntent = { symbol, side, score, reasons, snapshot, tsEvent, timeframe, price };
    if (conflicting) intent.conflict = mode;
    return intent;
  }

  /** True when the same instance has a later vote for the same symbol in this event. */
  private supersededLater(votes: readonly Vote[], i: number): boolean {
    const s = votes[i]!.signal;
    for (let j = i + 1; j < votes.length; j++) {
      const t = votes[j]!.signal;
      if (t.strategy === s.strategy && t.symbol === s.symbol) return true;
    }
    return false;
  }
}
