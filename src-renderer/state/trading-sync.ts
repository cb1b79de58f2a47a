import type { EngineClient } from '../engine/connection.js';
import { useTradingStore } from './trading-store.js';

/** Risk decisions asked for on (re)subscribe. */
export const DECISIONS_LIMIT = 200;
/** Fills asked for per `trades.list`. */
export const TRADES_LIMIT = 1000;
/** A burst of fills (a freeze split, a square-off) reloads the trades once, this long after the first. */
export const TRADES_RELOAD_MS = 250;

const isDisconnect = (e: unknown): boolean => e instanceof Error && 'code' in e && e.code === 'DISCONNECTED';

/**
 * Keeps the trading store fed: today's orders, the portfolio, the risk status and the risk
 * decisions are pushed topics (re-snapshotted by the client after every reconnect); fills have no
 * topic, so `trades.list` is loaded with every orders snapshot and again shortly after an order
 * reports more filled quantity. Returns a stop function.
 */
export function followTrading(
  client: Pick<EngineClient, 'subscribe' | 'call'>,
  report: (e: unknown) => void,
  store = useTradingStore,
): () => void {
  const act = () => store.getState();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let again = false;
  /** filledQty per order as this subscription last saw it (the store may be ahead: action answers land there too). */
  const seenFilled = new Map<string, number>();

  const loadTrades = (): void => {
    if (stopped) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    client.call('trades.list', { limit: TRADES_LIMIT }).then(
      (fills) => {
        if (!stopped) act().fillsSnapshot(fills);
      },
      (e: unknown) => {
        if (!stopped && !isDisconnect(e)) report(e);
      },
    ).finally(() => {
      inFlight = false;
      if (again) {
        again = false;
        loadTrades();
      }
    });
  };
  const reloadTradesSoon = (): void => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      loadTrades();
    }, TRADES_RELOAD_MS);
  };

  const subs = [
    client.subscribe(
      'orders.updated',
      {},
      {
        snapshot: (list) => {
          seenFilled.clear();
          for (const o of list) seenFilled.set(o.orderId, o.filledQty);
          act().ordersSnapshot(list);
          loadTrades();
        },
        delta: (o) => {
          const filled = o.filledQty > (seenFilled.get(o.orderId) ?? 0);
          seenFilled.set(o.orderId, Math.max(o.filledQty, seenFilled.get(o.orderId) ?? 0));
          act().orderDelta(o);
          if (filled) reloadTradesSoon();
        },
        error: report,
      },
    ),
    client.subscribe(
      'portfolio.updated',
      {},
      { snapshot: (p) => act().portfolioSnapshot(p), delta: (p) => act().portfolioDelta(p), error: report },
    ),
    client.subscribe(
      'risk.statusChanged',
      {},
      { snapshot: (r) => act().riskStatus(r), delta: (r) => act().riskStatus(r), error: report },
    ),
    client.subscribe(
      'risk.decided',
      { limit: DECISIONS_LIMIT },
      { snapshot: (list) => act().decisionsSnapshot(list), delta: (d) => act().decisionDelta(d), error: report },
    ),
  ];

  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const s of subs) s.close();
  };
}
