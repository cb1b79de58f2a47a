/**
 * Incremental indicators: O(1) per bar, no re-scan of history. Values are plain floating-point
 * numbers (indicators are analysis, not the ledger); feed them prices in whatever unit you like
 * (rupees for TA-Lib comparisons, paise in the engine): scale-dependent outputs scale with it.
 */
export interface Bar {
  /** Bar start, epoch ms. */
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export interface Indicator {
  /** Column stem, e.g. `macd_12_26_9`. */
  readonly id: string;
  /** Output column names, e.g. `macd_12_26_9`, `macd_12_26_9_signal`, `macd_12_26_9_hist`. */
  readonly columns: readonly string[];
  /** Bars consumed before every output is defined (TA-Lib's lookback + 1 where TA-Lib has the indicator). */
  readonly warmup: number;
  /** Feed the next closed bar; returns true once every output is defined. */
  update(bar: Bar): boolean;
  /** Current outputs aligned with `columns`; NaN while warming up. Reused between updates: copy to keep. */
  readonly out: Float64Array;
  /** Forget everything (a new session for VWAP is handled inside VWAP itself). */
  reset(): void;
}

/** Builds an indicator from numeric parameters (`sma:20` → [20]); throws RangeError on bad params. */
export type IndicatorFactory = (params: readonly number[]) => Indicator;
