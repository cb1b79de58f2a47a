import type { IndicatorFactory } from './indicator.js';

/** Moving averages and oscillators (sma, ema, wma, dema, tema, rsi, macd, bb, stoch, stochrsi, willr, cci, roc). */
export const trendFactories: Record<string, IndicatorFactory> = {};
