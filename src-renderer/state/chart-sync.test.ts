import { beforeEach, describe, expect, it } from 'vitest';
import type { IndicatorSeries } from '../../src-engine/contract/chart-schemas.js';
import type { Candle } from '../../src-engine/contract/schemas.js';
import { CANDLE_LIMIT } from './candle-sync.js';
import { addIndicator, removeIndicator, setIndicatorParams } from './chart-layout.js';
import { createChartStore } from './chart-store.js';
import { HISTORY_PAGE, followChart, loadOlderHistory } from './chart-sync.js';
import { useAppStore } from './store.js';

interface FakeSub {
  topic: string;
  params: Record<string, unknown>;
  handlers: { snapshot: (x: unknown) => void; delta: (x: unknown) => void; error: (e: unknown) => void };
  closed: boolean;
}

const M = 60_000;
const T0 = Date.parse('2026-11-20T09:15:00+05:30');
const candle = (i: number, symbol = 'INFY'): Candle => ({ symbol, tf: '1m', t: T0 + i * M, o: 100, h: 100, l: 100, c: 100, v: 1 });
const series = (spec: string, from: number, to: number, symbol = 'INFY'): IndicatorSeries => ({
  symbol,
  tf: '1m',
  spec,
  columns: [spec],
  points: Array.from({ length: to - from }, (_, i) => ({ t: T0 + (from + i) * M, v: [from + i] })),
});

function fakeClient(answers: Record<string, (p: Record<string, unknown>) => unknown> = {}) {
  const subs: FakeSub[] = [];
  const calls: { method: string; params: Record<string, unknown> }[] = [];
  const client = {
    subscribe: (topic: string, params: Record<string, unknown>, handlers: FakeSub['handlers']) => {
      const s: FakeSub = { topic, params, handlers, closed: false };
      subs.push(s);
      return { close: () => void (s.closed = true) };
    },
    call: (method: string, params: Record<string, unknown>) => {
      calls.push({ method, params });
      const a = answers[method];
      return a ? Promise.resolve(a(params)) : new Promise(() => {});
    },
  };
  return { client: client as unknown as Parameters<typeof followChart>[0], subs, calls };
}

const initial = useAppStore.getState();
const app = () => useAppStore.getState();
const open = (subs: FakeSub[], topic: string) => subs.filter((s) => s.topic === topic && !s.closed);

describe('followChart', () => {
  beforeEach(() => useAppStore.setState(initial, true));

  it('one indicators.updated per indicator of the timeframe, following layout, symbol and timeframe; levels per symbol; markers loaded per symbol', () => {
    const chart = createChartStore(false);
    const { client, subs, calls } = fakeClient();
    app().setWatchlist(['INFY', 'TCS']);
    chart.getState().changeLayout('1m', (l) => addIndicator(l, 'ema'));
    chart.getState().changeLayout('5m', (l) => addIndicator(l, 'rsi'));
    const stop = followChart(client, () => {}, useAppStore, chart);
    expect(open(subs, 'indicators.updated').map((s) => s.params)).toEqual([{ symbol: 'INFY', tf: '1m', spec: 'ema:20', limit: CANDLE_LIMIT }]);
    expect(open(subs, 'exits.updated').map((s) => s.params)).toEqual([{ symbol: 'INFY' }]);
    expect(calls).toEqual([{ method: 'chart.markers', params: { symbol: 'INFY' } }]);
    expect(chart.getState().key).toBe('INFY|1m');

    // add one: only the new one subscribes; change one: the old closes, the new opens
    chart.getState().changeLayout('1m', (l) => addIndicator(l, 'macd'));
    expect(open(subs, 'indicators.updated').map((s) => s.params['spec'])).toEqual(['ema:20', 'macd:12:26:9']);
    chart.getState().changeLayout('1m', (l) => setIndicatorParams(l, 1, ['50']));
    expect(open(subs, 'indicators.updated').map((s) => s.params['spec'])).toEqual(['macd:12:26:9', 'ema:50']);
    expect(subs.filter((s) => s.topic === 'indicators.updated')).toHaveLength(3);

    // another timeframe: its own layout; the levels subscription stays (same symbol)
    app().setTimeframe('5m');
    expect(open(subs, 'indicators.updated').map((s) => [s.params['tf'], s.params['spec']])).toEqual([['5m', 'rsi:14']]);
    expect(subs.filter((s) => s.topic === 'exits.updated')).toHaveLength(1);
    // another symbol: the timeframe's layout is kept
    app().select('TCS');
    expect(open(subs, 'indicators.updated').map((s) => [s.params['symbol'], s.params['tf'], s.params['spec']])).toEqual([['TCS', '5m', 'rsi:14']]);
    expect(open(subs, 'exits.updated').map((s) => s.params)).toEqual([{ symbol: 'TCS' }]);
    expect(calls.map((c) => c.params['symbol'])).toEqual(['INFY', 'INFY', 'TCS']);
    stop();
    expect(subs.every((s) => s.closed)).toBe(true);
  });

  it('feeds the series of what is shown only; a removed indicator\'s series goes', () => {
    const chart = createChartStore(false);
    const { client, subs } = fakeClient();
    app().setWatchlist(['INFY']);
    chart.getState().changeLayout('1m', (l) => addIndicator(l, 'ema'));
    const stop = followChart(client, () => {}, useAppStore, chart);
    const sub = open(subs, 'indicators.updated')[0]!;
    sub.handlers.snapshot(series('ema:20', 0, 3));
    expect(chart.getState().series['ema:20']!.points.map((p) => p.v[0])).toEqual([0, 1, 2]);
    sub.handlers.delta({ t: T0 + 2 * M, v: [9], closed: false });
    expect(chart.getState().lastSeriesChange).toEqual({ spec: 'ema:20', op: 'replace' });
    sub.handlers.delta({ t: T0 + 3 * M, v: [3], closed: false });
    expect(chart.getState().series['ema:20']!.points.map((p) => p.v[0])).toEqual([0, 1, 9, 3]);
    expect(chart.getState().lastSeriesChange).toEqual({ spec: 'ema:20', op: 'append' });

    chart.getState().changeLayout('1m', (l) => removeIndicator(l, 1));
    expect(sub.closed).toBe(true);
    expect(chart.getState().series).toEqual({});
    // a late push of the closed subscription is dropped
    sub.handlers.delta({ t: T0 + 4 * M, v: [4], closed: false });
    expect(chart.getState().series).toEqual({});
    stop();
  });

  it('levels and markers land for the symbol shown', async () => {
    const chart = createChartStore(false);
    const { client, subs } = fakeClient({ 'chart.markers': (p) => ({ symbol: p['symbol'], signals: [], fills: [] }) });
    app().setWatchlist(['INFY']);
    const stop = followChart(client, () => {}, useAppStore, chart);
    await Promise.resolve();
    expect(chart.getState().markers).toEqual({ symbol: 'INFY', signals: [], fills: [] });
    const levels = { symbol: 'INFY', positions: [{ strategy: 'manual', qty: 1, avgPricePaise: 100, stopPaise: 90, targetPaise: 120, trailPaise: null }] };
    open(subs, 'exits.updated')[0]!.handlers.delta(levels);
    expect(chart.getState().levels).toEqual(levels);
    stop();
  });
});

describe('loadOlderHistory', () => {
  beforeEach(() => useAppStore.setState(initial, true));

  it('prepends a page of candles and of each indicator before the oldest shown; stops when the engine has none older', async () => {
    const chart = createChartStore(false);
    const { client, subs, calls } = fakeClient({
      'candles.history': (p) => (p['before'] === T0 + 100 * M ? Array.from({ length: 100 }, (_, i) => candle(i)) : []),
      'indicators.get': (p) => series(String(p['spec']), 0, p['before'] === T0 + 100 * M ? 100 : 0),
    });
    app().setWatchlist(['INFY']);
    chart.getState().changeLayout('1m', (l) => addIndicator(l, 'ema'));
    const stop = followChart(client, () => {}, useAppStore, chart);
    app().candlesSnapshot('INFY', Array.from({ length: 50 }, (_, i) => candle(100 + i)), '1m');
    open(subs, 'indicators.updated')[0]!.handlers.snapshot(series('ema:20', 100, 150));

    const p = loadOlderHistory(client, useAppStore, chart);
    expect(chart.getState().history.loading).toBe(true);
    await loadOlderHistory(client, useAppStore, chart); // one page at a time: this one does nothing
    await p;
    expect(calls.filter((c) => c.method !== 'chart.markers')).toEqual([
      { method: 'candles.history', params: { symbol: 'INFY', tf: '1m', before: T0 + 100 * M, limit: HISTORY_PAGE } },
      { method: 'indicators.get', params: { symbol: 'INFY', tf: '1m', spec: 'ema:20', before: T0 + 100 * M, limit: HISTORY_PAGE } },
    ]);
    expect(app().chart.candles).toHaveLength(150);
    expect(app().chart.lastOp).toBe('prepend');
    expect(chart.getState().series['ema:20']!.points).toHaveLength(150);
    expect(chart.getState().history).toEqual({ loading: false, exhausted: false });

    await loadOlderHistory(client, useAppStore, chart);
    expect(chart.getState().history).toEqual({ loading: false, exhausted: true });
    const n = calls.length;
    await loadOlderHistory(client, useAppStore, chart);
    expect(calls.length).toBe(n); // exhausted: asks no more
    // another symbol starts over
    app().setWatchlist(['INFY', 'TCS']);
    app().select('TCS');
    expect(chart.getState().history).toEqual({ loading: false, exhausted: false });
    stop();
  });
});
