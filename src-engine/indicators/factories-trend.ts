import { bollingerFactory, stddevFactory } from './bollinger.js';
import { cciFactory } from './cci.js';
import { demaFactory } from './dema.js';
import { emaFactory } from './ema.js';
import type { IndicatorFactory } from './indicator.js';
import { macdFactory } from './macd.js';
import { momFactory, rocFactory } from './roc.js';
import { rsiFactory } from './rsi.js';
import { smaFactory } from './sma.js';
import { stochFactory } from './stoch.js';
import { stochRsiFactory } from './stoch-rsi.js';
import { temaFactory } from './tema.js';
import { willrFactory } from './willr.js';
import { wmaFactory } from './wma.js';

/** Moving averages and oscillators (sma, ema, wma, dema, tema, rsi, macd, bb, stddev, stoch, stochrsi, willr, cci, roc, mom). */
export const trendFactories: Record<string, IndicatorFactory> = {
  sma: smaFactory,
  ema: emaFactory,
  wma: wmaFactory,
  dema: demaFactory,
  tema: temaFactory,
  rsi: rsiFactory,
  macd: macdFactory,
  bb: bollingerFactory,
  stddev: stddevFactory,
  stoch: stochFactory,
  stochrsi: stochRsiFactory,
  willr: willrFactory,
  cci: cciFactory,
  roc: rocFactory,
  mom: momFactory,
};
