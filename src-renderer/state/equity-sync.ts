import type { EngineClient } from '../engine/connection.js';
import type { EquityPoint } from '../format/equity.js';
import { useTradingStore } from './trading-store.js';

/** The equity curve is reloaded at most this often while it is shown. */
export const EQUITY_REFRESH_MS = 2000;

export interface EquityFeed {
  /** Ask for a reload (throttled: at most one load starts every `intervalMs`). */
  refresh(): void;
  stop(): void;
}

export interface EquitySink {
  points(list: readonly EquityPoint[]): void;
  /** A failed load (not a disconnect: the reconnect's portfolio snapshot triggers a reload anyway). */
  error(e: unknown): void;
}

const isDisconnect = (e: unknown): boolean => e instanceof Error && 'code' in e && e.code === 'DISCONNECTED';

/**
 * Loads `portfolio.equityCurve` for one series (null = the account) at once, then again whenever the
 * portfolio in the trading store changes (see followPortfolio).
 */
export function followEquity(
  client: Pick<EngineClient, 'call'>,
  strategy: string | null,
  sink: EquitySink,
  opts: { store?: typeof useTradingStore; intervalMs?: number; visible?: () => boolean } = {},
): EquityFeed {
  return followPortfolio(() => client.call('portfolio.equityCurve', strategy === null ? {} : { strategy }), { value: sink.points, error: sink.error }, opts);
}

/**
 * Runs `load` at once, then again whenever the portfolio in the trading store changes — throttled so
 * that loads start at least `intervalMs` apart and at most one runs at a time; pushes in between
 * collapse into one trailing load. `visible()` false skips refreshes (a hidden page); call `refresh()`
 * when it is visible again. Used by every tab that shows something derived from the portfolio
 * (equity, performance).
 */
export function followPortfolio<T>(
  loadOnce: () => Promise<T>,
  sink: { value(v: T): void; error(e: unknown): void },
  opts: { store?: typeof useTradingStore; intervalMs?: number; visible?: () => boolean } = {},
): EquityFeed {
  const store = opts.store ?? useTradingStore;
  const intervalMs = opts.intervalMs ?? EQUITY_REFRESH_MS;
  const visible = opts.visible ?? (() => true);
  let stopped = false;
  let inFlight = false;
  let pending = false;
  let lastStart = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const load = (): void => {
    pending = false;
    inFlight = true;
    lastStart = Date.now();
    loadOnce().then(
      (v) => {
        if (!stopped) sink.value(v);
      },
      (e: unknown) => {
        if (!stopped && !isDisconnect(e)) sink.error(e);
      },
    ).finally(() => {
      inFlight = false;
      if (pending) schedule();
    });
  };

  /** Start a load now if allowed, else make sure one follows as soon as it is. */
  const schedule = (): void => {
    if (stopped) return;
    pending = true;
    if (inFlight || timer !== undefined) return;
    if (!visible()) {
      pending = false;
      return;
    }
    const wait = lastStart + intervalMs - Date.now();
    if (wait <= 0) {
      load();
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      if (visible()) load();
      else pending = false;
    }, wait);
  };

  const unsubscribe = store.subscribe((s, prev) => {
    if (s.portfolio !== prev.portfolio) schedule();
  });
  schedule();

  return {
    refresh: schedule,
    stop: () => {
      stopped = true;
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
