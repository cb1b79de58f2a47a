import type { Handlers, TopicHandlers } from '../contract/api-def.js';
import type { KiteDeskApi } from '../contract/api.js';
import type { chartRequests, chartTopics, IndicatorSeries, SymbolLevels } from '../contract/chart-schemas.js';
import { ChartService } from '../runtime/chart-service.js';
import type { Engine } from '../runtime/engine.js';

/** One chart service per engine, made on first use (it listens to closed bars only while someone follows a series). */
const services = new WeakMap<Engine, ChartService>();

export function chartService(engine: Engine): ChartService {
  let s = services.get(engine);
  if (s === undefined) {
    s = new ChartService({
      market: engine.market,
      signals: (limit) => engine.strategies.recentSignals(limit),
      fills: (limit) => engine.trading.fills(limit),
      portfolio: () => engine.trading.portfolio(),
      onPortfolio: (l) => engine.trading.onPortfolio(l),
      // the active mode's exits, read on each call (a mode switch replaces the trading service)
      exits: { armed: (strategy, symbol) => engine.trading.exits.armed(strategy, symbol) },
    });
    services.set(engine, s);
  }
  return s;
}

type ChartRequestHandlers = Pick<Handlers<KiteDeskApi>, keyof typeof chartRequests>;
type ChartTopicHandlers = Pick<TopicHandlers<KiteDeskApi>, keyof typeof chartTopics>;

/** The chart's requests (spread into createHandlers). */
export function createChartHandlers(engine: Engine): ChartRequestHandlers {
  return {
    'indicators.get': ({ symbol, tf, spec, limit, before }) => {
      engine.requireSymbol(symbol);
      return chartService(engine).indicator(symbol, tf, spec, limit, before);
    },
    'candles.history': ({ symbol, tf, before, limit }) => {
      engine.requireSymbol(symbol);
      return chartService(engine).history(symbol, tf, before, limit);
    },
    'chart.markers': ({ symbol, limit }) => {
      engine.requireSymbol(symbol);
      return chartService(engine).markers(symbol, limit);
    },
    'exits.get': ({ symbol }) => {
      engine.requireSymbol(symbol);
      return chartService(engine).levels(symbol);
    },
  };
}

/** The chart's topics (spread into createTopics). */
export function createChartTopics(engine: Engine): ChartTopicHandlers {
  return {
    'indicators.updated': ({ symbol, tf, spec, limit }) => {
      engine.requireSymbol(symbol);
      const svc = chartService(engine);
      svc.indicator(symbol, tf, spec, 1); // a bad spec fails the subscription now
      return {
        snapshot: (): IndicatorSeries => svc.indicator(symbol, tf, spec, limit),
        listen: (push) => svc.followIndicator(symbol, tf, spec, push),
        coalesceKey: (d) => String(d.t),
      };
    },
    'exits.updated': ({ symbol }) => {
      engine.requireSymbol(symbol);
      const svc = chartService(engine);
      return {
        snapshot: (): SymbolLevels => svc.levels(symbol),
        listen: (push) => svc.followLevels(symbol, push),
        coalesceKey: () => symbol,
      };
    },
  };
}
