import { afterEach, describe, expect, it } from 'vitest';
import { addIndicator, setView } from './chart-layout.js';
import { LAYOUTS_STORAGE_KEY, createChartStore } from './chart-store.js';

const T = Date.parse('2026-11-20T10:00:00+05:30');
const g = globalThis as { localStorage?: Pick<Storage, 'getItem' | 'setItem'> };

function fakeStorage(): Map<string, string> {
  const m = new Map<string, string>();
  g.localStorage = { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v) };
  return m;
}

afterEach(() => {
  delete g.localStorage;
});

describe('the chart store', () => {
  it('keeps layouts per timeframe in localStorage and reads them back in a new page', () => {
    const stored = fakeStorage();
    const a = createChartStore();
    expect(a.getState().changeLayout('1m', (l) => addIndicator(l, 'ema'))).toBeNull();
    expect(a.getState().changeLayout('1m', (l) => addIndicator(l, 'ema'))).toMatch(/already on the chart/);
    a.getState().changeLayout('5m', (l) => setView(l, { barsVisible: 90, rightOffset: -10 }));
    expect(JSON.parse(stored.get(LAYOUTS_STORAGE_KEY)!)).toEqual({
      '1m': { indicators: [{ name: 'ema', params: [20] }], view: null },
      '5m': { indicators: [], view: { barsVisible: 90, rightOffset: -10 } },
    });
    const b = createChartStore();
    expect(b.getState().layouts).toEqual(a.getState().layouts);
    // unreadable storage: start empty, never throw
    stored.set(LAYOUTS_STORAGE_KEY, '{not json');
    expect(createChartStore().getState().layouts).toEqual({});
    g.localStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    const c = createChartStore();
    expect(c.getState().changeLayout('1m', (l) => addIndicator(l, 'rsi'))).toBeNull();
    expect(c.getState().layouts['1m']?.indicators).toHaveLength(1);
  });

  it('series, markers and levels belong to the key shown: others are dropped, a new key starts over', () => {
    const s = createChartStore(false);
    s.getState().show('INFY|1m');
    s.getState().seriesSnapshot('INFY|1m', { symbol: 'INFY', tf: '1m', spec: 'ema:20', columns: ['ema_20'], points: [{ t: T, v: [1] }] });
    s.getState().seriesSnapshot('TCS|1m', { symbol: 'TCS', tf: '1m', spec: 'rsi:14', columns: ['rsi_14'], points: [] });
    expect(Object.keys(s.getState().series)).toEqual(['ema:20']);
    s.getState().seriesDelta('INFY|1m', 'ema:20', { t: T + 60_000, v: [2], closed: false });
    s.getState().seriesDelta('INFY|1m', 'sma:20', { t: T + 60_000, v: [2], closed: false }); // not subscribed: dropped
    expect(s.getState().series['ema:20']!.points).toEqual([
      { t: T, v: [1] },
      { t: T + 60_000, v: [2] },
    ]);
    s.getState().seriesPrepend('INFY|1m', 'ema:20', [{ t: T - 60_000, v: [0] }]);
    expect(s.getState().lastSeriesChange).toEqual({ spec: 'ema:20', op: 'prepend' });
    s.getState().setLevels('TCS|1m', { symbol: 'TCS', positions: [] });
    expect(s.getState().levels).toBeNull();
    s.getState().setHistory('INFY|1m', { exhausted: true });
    s.getState().show('INFY|5m');
    expect(s.getState()).toMatchObject({ key: 'INFY|5m', series: {}, markers: null, levels: null, history: { loading: false, exhausted: false } });
  });
});
