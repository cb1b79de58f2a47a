import type { Handlers, TopicHandlers } from '../contract/api-def.js';
import type { KiteDeskApi } from '../contract/api.js';
import type { Candle, DepthSnapshotDto, EngineStatus, Quote, SignalRecord, StrategiesList } from '../contract/schemas.js';
import type { Engine } from '../runtime/engine.js';

/** Every request of the contract, answered from the kernel. A missing one does not compile. */
export function createHandlers(engine: Engine): Handlers<KiteDeskApi> {
  return {
    'engine.getStatus': () => engine.status(),
    'engine.ping': ({ echo }) => ({ ...(echo !== undefined ? { echo } : {}), serverTime: Date.now() }),
    'instruments.list': () => engine.instruments,
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
    'signals.recent': ({ limit }) => engine.strategies.recentSignals(limit),
    'universe.get': () => engine.universe(),
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
  };
}
