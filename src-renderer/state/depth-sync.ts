import type { Subscription } from '../../src-engine/contract/rpc-client.js';
import type { EngineClient } from '../engine/connection.js';
import { useDepthStore } from './depth.js';
import { useAppStore } from './store.js';

/**
 * Keeps one `depth.updated` subscription for the selected symbol: re-subscribes when the selection
 * changes (closing the old one first) and feeds the depth store. Pushes from a subscription that is
 * no longer current are dropped. Returns a stop function.
 */
export function followDepth(
  client: Pick<EngineClient, 'subscribe'>,
  report: (e: unknown) => void,
  store = useAppStore,
  depthStore = useDepthStore,
): () => void {
  let sub: Subscription | undefined;
  let key: string | null | undefined;

  const sync = (symbol: string | null): void => {
    if (symbol === key) return;
    key = symbol;
    sub?.close();
    sub = undefined;
    depthStore.getState().follow(symbol);
    if (symbol === null) return;
    const mine = client.subscribe(
      'depth.updated',
      { symbol },
      {
        snapshot: (d) => {
          if (sub === mine) depthStore.getState().apply(symbol, d);
        },
        delta: (d) => {
          if (sub === mine) depthStore.getState().apply(symbol, d);
        },
        error: report,
      },
    );
    sub = mine;
  };

  const off = store.subscribe((s, prev) => {
    if (s.selected !== prev.selected) sync(s.selected);
  });
  sync(store.getState().selected);
  return () => {
    off();
    sub?.close();
    sub = undefined;
  };
}
