import type { IndicatorFactory } from './indicator.js';

/** Range, volume and trend-following indicators (atr, adx, vwap, supertrend, obv, mfi, psar). */
export const volatilityFactories: Record<string, IndicatorFactory> = {};
