import type { Subscription } from '../../src-engine/contract/rpc-client.js';
import type { Timeframe } from '../../src-engine/contract/schemas.js';
import type { EngineClient } from '../engine/connection.js';
import { useAppStore } from './store.js';

/** Candles a chart opens with; older ones load as it scrolls back (chart-sync.ts). */
export const CANDLE_LIMIT = 300;

/**
 * Keeps one `candles.updated` subscription for the selected symbol in the chart's timeframe:
 * re-subscribes when either changes (closing the old one first) and feeds the store. Pushes from a
 * subscription that is no longer current, or for another symbol/timeframe, are dropped. Returns a
 * stop function.
 */
export function followCandles(client: Pick<EngineClient, 'subscribe'>, report: (e: unknown) => void, store = useAppStore): () => void {
  const act = () => store.getState();
  let sub: Subscription | undefined;
  /** `SYMBOL|tf` of the current subscription, null without one. */
  let key: string | null = null;

  const sync = (symbol: string | null, tf: Timeframe): void => {
    const next = symbol === null ? null : `${symbol}|${tf}`;
    if (next === key) return;
    key = next;
    sub?.close();
    sub = undefined;
    if (symbol === null) return;
    const mine = client.subscribe(
      'candles.updated',
      { symbol, tf, limit: CANDLE_LIMIT },
      {
        snapshot: (cs) => {
          if (sub === mine) act().candlesSnapshot(symbol, cs, tf);
        },
        delta: (c) => {
          if (sub === mine && c.symbol === symbol && c.tf === tf) act().candleDelta(c);
        },
        error: report,
      },
    );
    sub = mine;
  };

  const off = store.subscribe((s, prev) => {
    if (s.selected !== prev.selected || s.chart.tf !== prev.chart.tf) sync(s.selected, s.chart.tf);
  });
  sync(act().selected, act().chart.tf);
  return () => {
    off();
    sub?.close();
    sub = undefined;
  };
}
