import type { StrategyDefinition } from '../strategy.js';
import { bollingerReversion } from './bollinger-reversion.js';
import { emaCrossover } from './ema-crossover.js';
import { emaIntraday } from './ema-intraday.js';
import { fnoIntradayTrend } from './fno-intraday-trend.js';
import { macdStrategy } from './macd.js';
import { momentumStrategy } from './momentum.js';
import { rsiReversion } from './rsi-reversion.js';
import { smaCrossover } from './sma-crossover.js';
import { stochRsiStrategy } from './stoch-rsi.js';
import { supertrendStrategy } from './supertrend.js';
import { vwapStrategy } from './vwap.js';
import { zscoreReversion } from './zscore-reversion.js';

export {
  bollingerReversion,
  emaCrossover,
  emaIntraday,
  fnoIntradayTrend,
  macdStrategy,
  momentumStrategy,
  rsiReversion,
  smaCrossover,
  stochRsiStrategy,
  supertrendStrategy,
  vwapStrategy,
  zscoreReversion,
};

/** Every built-in strategy definition (register these with the runner). */
export const BUILTIN_STRATEGIES: readonly StrategyDefinition[] = [
  smaCrossover,
  emaCrossover,
  emaIntraday,
  rsiReversion,
  macdStrategy,
  bollingerReversion,
  vwapStrategy,
  supertrendStrategy,
  stochRsiStrategy,
  momentumStrategy,
  zscoreReversion,
  fnoIntradayTrend,
];
