import type { Subscription } from '../../src-engine/contract/rpc-client.js';
import { connectEngine, type EngineClient } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { followCandles } from './candle-sync.js';
import { followChart } from './chart-sync.js';
import { followDepth } from './depth-sync.js';
import { useAppStore } from './store.js';
import { followTrading } from './trading-sync.js';

/**
 * Wire the engine to the store: the connection itself, engine status, the watchlist (loaded on
 * every (re)connect), quotes for the watched symbols and candles for the selected symbol in the
 * chosen timeframe (re-subscribed when either changes), and the trading streams. Returns a stop
 * function.
 */
export function startSync(client: EngineClient): () => void {
  const store = useAppStore;
  const act = () => store.getState();
  const report = (e: unknown) => act().pushError(describeError(e));

  const stopConnection = connectEngine({
    state: (state, lastError) => act().setConnection(lastError === undefined ? { state } : { state, lastError }),
    via: (via) => act().setConnection({ via }),
    failure: (message) => act().pushError({ code: 'ENGINE_FAILED', message }),
  });

  const statusSub = client.subscribe(
    'engine.statusChanged',
    {},
    {
      snapshot: (s) => act().setStatus(s),
      delta: (s) => act().setStatus(s),
      error: report,
    },
  );

  // Strategy signals (newest 100, then each new one) and the strategy instances.
  const signalsSub = client.subscribe(
    'signals.emitted',
    { limit: 100 },
    { snapshot: (list) => act().signalsSnapshot(list), delta: (sig) => act().signalDelta(sig), error: report },
  );
  const strategiesSub = client.subscribe(
    'strategies.changed',
    {},
    { snapshot: (l) => act().strategiesSnapshot(l.instances), delta: (i) => act().strategyDelta(i), error: report },
  );

  const loadWatchlist = (): void => {
    client.call('watchlist.get', {}).then(
      (w) => act().setWatchlist(w.symbols),
      (e: unknown) => {
        // a drop mid-call is retried on the next connect; anything else is worth showing
        if (!(e instanceof Error && 'code' in e && e.code === 'DISCONNECTED')) report(e);
      },
    );
  };
  const offConn = client.onConnectionChange((connected) => {
    if (connected) loadWatchlist();
  });
  if (client.connected) loadWatchlist();

  // Quotes follow the watchlist; candles follow the selection and the chart's timeframe (candle-sync.ts).
  let quotesSub: Subscription | undefined;
  let quotesKey = '';

  const syncQuotes = (symbols: string[]): void => {
    const key = symbols.join(',');
    if (key === quotesKey) return;
    quotesKey = key;
    quotesSub?.close();
    quotesSub = undefined;
    if (symbols.length === 0) return;
    const wanted = [...symbols];
    const sub = client.subscribe(
      'quotes.updated',
      { symbols: wanted },
      {
        snapshot: (qs) => {
          if (quotesSub === sub) act().quotesSnapshot(qs, wanted);
        },
        delta: (q) => {
          if (quotesSub === sub) act().quoteDelta(q);
        },
        error: report,
      },
    );
    quotesSub = sub;
  };

  const apply = (): void => {
    const s = act();
    syncQuotes(s.watchlist);
  };
  const offStore = store.subscribe((s, prev) => {
    if (s.watchlist !== prev.watchlist) apply();
  });
  apply();
  const stopCandles = followCandles(client, report);
  // Indicators, levels and markers of the chart (chart-sync.ts).
  const stopChart = followChart(client, report);
  const stopDepth = followDepth(client, report);
  // Orders, portfolio, risk status and decisions (pushed), fills (loaded): trading-sync.ts.
  const stopTrading = followTrading(client, report);

  return () => {
    offStore();
    offConn();
    statusSub.close();
    signalsSub.close();
    strategiesSub.close();
    quotesSub?.close();
    stopCandles();
    stopChart();
    stopDepth();
    stopTrading();
    stopConnection();
  };
}

/** Replace the watchlist through the engine; resolves to the engine's error text if it refused. */
export async function saveWatchlist(client: EngineClient, symbols: string[]): Promise<string | null> {
  try {
    const w = await client.call('watchlist.set', { symbols });
    useAppStore.getState().setWatchlist(w.symbols);
    return null;
  } catch (e) {
    const shown = describeError(e);
    return `${shown.code}: ${shown.message}`;
  }
}

/** Switch a strategy instance on or off through the engine; resolves to the engine's error text if it refused. */
export async function saveStrategyEnabled(client: EngineClient, id: string, enabled: boolean): Promise<string | null> {
  try {
    const info = await client.call('strategies.setEnabled', { id, enabled });
    useAppStore.getState().strategyDelta(info);
    return null;
  } catch (e) {
    const shown = describeError(e);
    return `${shown.code}: ${shown.message}`;
  }
}
