import type { Handlers, TopicHandlers } from '../contract/api-def.js';
import type { KiteDeskApi } from '../contract/api.js';
import type { Candle, DepthSnapshotDto, EngineStatus, Quote, SignalRecord, StrategiesList } from '../contract/schemas.js';
import type { OrderDto, PortfolioDto, RiskDecisionDto, RiskStatus } from '../contract/trading-schemas.js';
import type { IsoDay } from '../core/nse-calendar.js';
import type { Engine } from '../runtime/engine.js';
import { buildHealth, processHealth } from '../runtime/health.js';
import { KiteCredentialsError } from '../contract/kite-credentials.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import { noKiteHost, type KiteHost } from '../runtime/kite-host.js';
import { createBacktestHandlers, createBacktestTopics } from './backtest-handlers.js';
import { createChartHandlers, createChartTopics } from './chart-handlers.js';
import { createModeHandlers, createModeTopics } from './mode-handlers.js';
import { createOptionsHandlers } from './options-handlers.js';
import { createRecordsHandlers } from './records-handlers.js';

/** A keychain owner's refusal as a typed contract error (its message is secret-free by construction). */
async function kiteCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof KiteCredentialsError) throw new RpcError(ErrorCode[e.code], e.message);
    throw e;
  }
}

/** Every request of the contract, answered from the kernel. A missing one does not compile. */
export function createHandlers(engine: Engine, kite: KiteHost = noKiteHost): Handlers<KiteDeskApi> {
  return {
    'engine.getStatus': () => engine.status(),
    'engine.health': () => buildHealth({ status: engine.status(), rate: engine.trading.rateUsage(), process: processHealth, now: Date.now() }),
    'engine.ping': ({ echo }) => ({ ...(echo !== undefined ? { echo } : {}), serverTime: Date.now() }),
    'instruments.list': () => engine.instruments,
    'instruments.search': ({ query, exchanges, limit }) => engine.searchInstruments(query, { exchanges, limit }),
    'watchlist.get': () => ({ symbols: engine.watchlist() }),
    'watchlist.set': ({ symbols }) => ({ symbols: engine.setWatchlist(symbols) }),
    'quotes.get': ({ symbols }) => {
      for (const s of symbols) engine.requireSymbol(s);
      return engine.market.quotes(symbols);
    },
    'candles.get': ({ symbol, tf, limit }) => {
      engine.requireSymbol(symbol);
      return engine.market.candles(symbol, tf, limit);
    },
    'depth.get': ({ symbol }) => {
      engine.requireSymbol(symbol);
      return engine.market.depth(symbol) ?? null;
    },
    'strategies.list': () => engine.strategies.list(),
    'strategies.setEnabled': ({ id, enabled }) => engine.strategies.setEnabled(id, enabled),
    'strategies.setParams': ({ id, params }) => engine.strategies.setParams(id, params),
    'strategies.add': (input) => engine.strategies.add(input),
    'strategies.remove': ({ id }) => engine.strategies.remove(id),
    'strategies.files': () => engine.strategies.userFiles(),
    'strategies.approve': ({ file, sha256 }) => engine.strategies.approveUserFile(file, sha256),
    'ensemble.get': () => engine.strategies.ensembleInfo(),
    'ensemble.set': ({ settings }) => engine.strategies.setEnsemble(settings),
    'signals.recent': ({ limit }) => engine.strategies.recentSignals(limit),
    'universe.get': () => engine.universe(),
    'orders.place': (input) => {
      engine.requireSymbol(input.symbol);
      return engine.trading.placeManual(input);
    },
    'orders.modify': ({ orderId, ...changes }) => engine.trading.modify(orderId, changes),
    'orders.cancel': ({ orderId }) => engine.trading.cancel(orderId),
    'orders.list': () => engine.trading.orders(),
    'orders.charges': ({ orderId }) => engine.trading.orderCharges(orderId),
    'orders.liveParams': ({ orderId }) => engine.trading.liveParams(orderId),
    'trades.list': ({ limit }) => engine.trading.fills(limit),
    'portfolio.get': () => engine.trading.portfolio(),
    'portfolio.equityCurve': ({ strategy }) => engine.trading.equityCurve(strategy),
    'performance.get': (range) => engine.trading.performance(range as { from?: IsoDay; to?: IsoDay; riskFreeRate?: number }),
    'positions.squareOff': ({ symbol, strategy }) => engine.trading.squareOff({ symbol, strategy }),
    'risk.get': () => engine.trading.riskStatus(),
    'risk.halt': ({ reason }) => engine.trading.halt(reason),
    'risk.resume': () => engine.trading.resume('user'),
    'risk.setKillSwitch': ({ engaged, squareOff, reason }) => engine.trading.setKillSwitch(engaged, { squareOff, reason }),
    'risk.decisions': ({ limit }) => engine.trading.recentDecisions(limit),
    ...createChartHandlers(engine),
    ...createModeHandlers(engine),
    ...createRecordsHandlers(engine),
    ...createBacktestHandlers(engine),
    ...createOptionsHandlers(engine),
    'kiteSettings.get': () => kiteCall(() => kite.settings()),
    'kiteSettings.set': (input) => kiteCall(() => kite.saveSettings(input)),
    'kiteSettings.clear': () => kiteCall(() => kite.clearSettings()),
    'kiteSession.get': () => engine.status().kite,
    'kiteSession.login': () => kiteCall(() => kite.startLogin()),
    'kiteSession.logout': async () => {
      await kiteCall(() => kite.logout());
      return engine.status().kite;
    },
  };
}

export function createTopics(engine: Engine): TopicHandlers<KiteDeskApi> {
  return {
    'engine.statusChanged': () => ({
      snapshot: (): EngineStatus => engine.status(),
      listen: (push) => engine.onStatus(push),
    }),
    'quotes.updated': ({ symbols }) => {
      for (const s of symbols) engine.requireSymbol(s);
      const wanted = new Set(symbols);
      return {
        snapshot: (): Quote[] => engine.market.quotes(symbols),
        listen: (push) => engine.market.onQuote((q) => {
          if (wanted.has(q.symbol)) push(q);
        }),
        coalesceKey: (q) => q.symbol,
      };
    },
    'candles.updated': ({ symbol, tf, limit }) => {
      engine.requireSymbol(symbol);
      return {
        snapshot: (): Candle[] => engine.market.candles(symbol, tf, limit),
        listen: (push) => engine.market.onCandle(symbol, tf, push),
        coalesceKey: (c) => String(c.t),
      };
    },
    'depth.updated': ({ symbol }) => {
      engine.requireSymbol(symbol);
      return {
        snapshot: (): DepthSnapshotDto | null => engine.market.depth(symbol) ?? null,
        listen: (push) => engine.market.onDepth(symbol, push),
        coalesceKey: () => symbol,
      };
    },
    'signals.emitted': ({ limit }) => ({
      snapshot: (): SignalRecord[] => engine.strategies.recentSignals(limit),
      listen: (push) => engine.strategies.onSignal(push),
    }),
    'strategies.changed': () => ({
      snapshot: (): StrategiesList => engine.strategies.list(),
      listen: (push) => engine.strategies.onChange(push),
      coalesceKey: (i) => i.id,
    }),
    'strategies.filesChanged': () => ({
      snapshot: () => engine.strategies.userFiles(),
      listen: (push) => engine.strategies.onUserFiles(push),
      coalesceKey: () => 'files',
    }),
    'orders.updated': () => ({
      snapshot: (): OrderDto[] => engine.trading.orders(),
      listen: (push) => engine.trading.onOrderChanged(push),
      coalesceKey: (o) => o.orderId,
    }),
    'portfolio.updated': () => ({
      snapshot: (): PortfolioDto => engine.trading.portfolio(),
      listen: (push) => engine.trading.onPortfolio(push),
      coalesceKey: () => 'portfolio',
    }),
    'risk.decided': ({ limit }) => ({
      snapshot: (): RiskDecisionDto[] => engine.trading.recentDecisions(limit),
      listen: (push) => engine.trading.onDecided(push),
    }),
    'risk.statusChanged': () => ({
      snapshot: (): RiskStatus => engine.trading.riskStatus(),
      listen: (push) => engine.trading.onRiskStatus(push),
      coalesceKey: () => 'risk',
    }),
    ...createChartTopics(engine),
    ...createModeTopics(engine),
    ...createBacktestTopics(engine),
  };
}
