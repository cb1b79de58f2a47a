import { beforeEach, describe, expect, it } from 'vitest';
import type { Candle, Timeframe } from '../../src-engine/contract/schemas.js';
import { CANDLE_LIMIT, followCandles } from './candle-sync.js';
import { useAppStore } from './store.js';

interface FakeSub {
  params: { symbol: string; tf: Timeframe; limit: number };
  handlers: { snapshot: (cs: Candle[]) => void; delta: (c: Candle) => void; error: (e: unknown) => void };
  closed: boolean;
}

/** Records every subscribe() and lets the test push snapshots/deltas into it. */
function fakeClient() {
  const subs: FakeSub[] = [];
  const client = {
    subscribe: (topic: string, params: FakeSub['params'], handlers: FakeSub['handlers']) => {
      expect(topic).toBe('candles.updated');
      const s: FakeSub = { params, handlers, closed: false };
      subs.push(s);
      return { close: () => void (s.closed = true) };
    },
  };
  return { client: client as unknown as Parameters<typeof followCandles>[0], subs };
}

const T0 = Date.UTC(2026, 10, 20, 3, 45);
const candle = (symbol: string, tf: Timeframe, i: number, c = 100): Candle => ({ symbol, tf, t: T0 + i * 60_000, o: c, h: c, l: c, c, v: 1 });
const initial = useAppStore.getState();
const s = () => useAppStore.getState();

describe('followCandles', () => {
  beforeEach(() => useAppStore.setState(initial, true));

  it('subscribes the selected symbol in the chosen timeframe and re-subscribes when either changes', () => {
    const { client, subs } = fakeClient();
    s().setWatchlist(['INFY', 'TCS']);
    const stop = followCandles(client, () => {});
    expect(subs.map((x) => x.params)).toEqual([{ symbol: 'INFY', tf: '1m', limit: CANDLE_LIMIT }]);

    s().setTimeframe('5m');
    expect(subs.map((x) => [x.params.symbol, x.params.tf, x.closed])).toEqual([
      ['INFY', '1m', true],
      ['INFY', '5m', false],
    ]);
    s().setTimeframe('5m'); // unchanged: no new subscription
    s().select('TCS');
    s().setTimeframe('day');
    expect(subs.map((x) => `${x.params.symbol} ${x.params.tf}${x.closed ? ' closed' : ''}`)).toEqual([
      'INFY 1m closed',
      'INFY 5m closed',
      'TCS 5m closed',
      'TCS day',
    ]);
    stop();
    expect(subs.every((x) => x.closed)).toBe(true);
  });

  it('feeds the store from the current subscription only, and only with its symbol and timeframe', () => {
    const { client, subs } = fakeClient();
    s().setWatchlist(['INFY']);
    followCandles(client, () => {});
    const old = subs[0]!;
    s().setTimeframe('60m');
    const cur = subs[1]!;
    old.handlers.snapshot([candle('INFY', '1m', 0)]); // the closed 1m subscription answering late
    expect(s().chart.candles).toEqual([]);
    cur.handlers.snapshot([candle('INFY', '60m', 0, 1)]);
    cur.handlers.delta(candle('INFY', '60m', 60, 2));
    cur.handlers.delta(candle('INFY', '1m', 61, 3)); // wrong timeframe: dropped
    expect(s().chart).toMatchObject({ symbol: 'INFY', tf: '60m' });
    expect(s().chart.candles.map((c) => c.c)).toEqual([1, 2]);
  });

  it('passes subscription errors on and has no subscription without a selection', () => {
    const { client, subs } = fakeClient();
    const errors: unknown[] = [];
    followCandles(client, (e) => errors.push(e));
    expect(subs).toHaveLength(0);
    s().setWatchlist(['INFY']);
    subs[0]!.handlers.error(new Error('nope'));
    expect(errors).toHaveLength(1);
    s().setWatchlist([]);
    expect(subs[0]!.closed).toBe(true);
  });
});
