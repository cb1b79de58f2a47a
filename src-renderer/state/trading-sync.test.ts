import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FillDto } from '../../src-engine/contract/trading-schemas.js';
import { T0, decision, fill, order, portfolio, riskStatus } from './trading-fixtures.js';
import { initialTradingState, useTradingStore } from './trading-store.js';
import { DECISIONS_LIMIT, TRADES_RELOAD_MS, followTrading } from './trading-sync.js';

interface FakeSub {
  topic: string;
  params: unknown;
  handlers: { snapshot: (v: unknown) => void; delta: (v: unknown) => void; error: (e: unknown) => void };
  closed: boolean;
}

/** Records subscriptions and trades.list calls; each call answers with what `nextFills` holds then. */
function fakeClient() {
  const subs: FakeSub[] = [];
  const calls: { method: string; input: unknown }[] = [];
  let nextFills: FillDto[] = [];
  let fail: Error | null = null;
  const client = {
    subscribe: (topic: string, params: unknown, handlers: FakeSub['handlers']) => {
      const s: FakeSub = { topic, params, handlers, closed: false };
      subs.push(s);
      return { close: () => void (s.closed = true) };
    },
    call: (method: string, input: unknown) => {
      calls.push({ method, input });
      return fail ? Promise.reject(fail) : Promise.resolve(nextFills);
    },
  };
  const sub = (topic: string) => subs.find((s) => s.topic === topic)!;
  return {
    client: client as unknown as Parameters<typeof followTrading>[0],
    subs,
    calls,
    sub,
    setFills: (f: FillDto[]) => void (nextFills = f),
    setFail: (e: Error | null) => void (fail = e),
  };
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));
const s = () => useTradingStore.getState();

describe('followTrading', () => {
  beforeEach(() => useTradingStore.setState(initialTradingState));
  afterEach(() => vi.useRealTimers());

  it('subscribes the four trading topics and feeds the store from them', () => {
    const f = fakeClient();
    const stop = followTrading(f.client, () => {});
    expect(f.subs.map((x) => x.topic).sort()).toEqual(['orders.updated', 'portfolio.updated', 'risk.decided', 'risk.statusChanged']);
    expect(f.sub('risk.decided').params).toEqual({ limit: DECISIONS_LIMIT });

    f.sub('orders.updated').handlers.snapshot([order('A')]);
    f.sub('orders.updated').handlers.delta(order('A', { tsUpdate: T0 + 1, status: 'CANCELLED' }));
    expect(s().orders!.map((o) => o.status)).toEqual(['CANCELLED']);
    f.sub('portfolio.updated').handlers.snapshot(portfolio(T0, 5));
    f.sub('portfolio.updated').handlers.delta(portfolio(T0 + 1, 6));
    expect(s().portfolio!.equityPaise).toBe(6);
    f.sub('risk.statusChanged').handlers.delta(riskStatus({ killSwitch: true }));
    expect(s().risk!.killSwitch).toBe(true);
    f.sub('risk.decided').handlers.snapshot([decision(1)]);
    f.sub('risk.decided').handlers.delta(decision(2));
    expect(s().decisions.map((d) => d.id)).toEqual([2, 1]);

    stop();
    expect(f.subs.every((x) => x.closed)).toBe(true);
  });

  it('loads the trades with every orders snapshot and once more shortly after an order fills', async () => {
    vi.useFakeTimers();
    const f = fakeClient();
    followTrading(f.client, () => {});
    f.setFills([fill('f1', T0)]);
    f.sub('orders.updated').handlers.snapshot([order('A', { filledQty: 0 })]);
    expect(f.calls).toEqual([{ method: 'trades.list', input: { limit: 1000 } }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(s().fills.map((x) => x.fillId)).toEqual(['f1']);

    // a status change without a fill does not reload
    f.sub('orders.updated').handlers.delta(order('A', { tsUpdate: T0 + 1, status: 'OPEN' }));
    await vi.advanceTimersByTimeAsync(TRADES_RELOAD_MS * 2);
    expect(f.calls).toHaveLength(1);

    // two fills in a burst: one reload
    f.setFills([fill('f3', T0 + 2), fill('f2', T0 + 1), fill('f1', T0)]);
    f.sub('orders.updated').handlers.delta(order('A', { tsUpdate: T0 + 2, filledQty: 4 }));
    f.sub('orders.updated').handlers.delta(order('A', { tsUpdate: T0 + 3, filledQty: 10, status: 'COMPLETE' }));
    expect(f.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(TRADES_RELOAD_MS);
    expect(f.calls).toHaveLength(2);
    expect(s().fills.map((x) => x.fillId)).toEqual(['f3', 'f2', 'f1']);
  });

  it('a fill the store already knows from an action answer still reloads the trades', async () => {
    vi.useFakeTimers();
    const f = fakeClient();
    followTrading(f.client, () => {});
    f.sub('orders.updated').handlers.snapshot([]);
    // orders.place answered first with a filled order (the store got it from the action)
    s().orderDelta(order('M', { status: 'COMPLETE', filledQty: 10 }));
    f.sub('orders.updated').handlers.delta(order('M', { status: 'COMPLETE', filledQty: 10 }));
    await vi.advanceTimersByTimeAsync(TRADES_RELOAD_MS);
    expect(f.calls).toHaveLength(2);
  });

  it('reports a failed trades load, but not a dropped connection', async () => {
    const f = fakeClient();
    const errors: unknown[] = [];
    followTrading(f.client, (e) => errors.push(e));
    f.setFail(Object.assign(new Error('gone'), { code: 'DISCONNECTED' }));
    f.sub('orders.updated').handlers.snapshot([]);
    await flush();
    expect(errors).toHaveLength(0);
    f.setFail(new Error('boom'));
    f.sub('orders.updated').handlers.snapshot([]);
    await flush();
    expect(errors).toHaveLength(1);
  });
});
