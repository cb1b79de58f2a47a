import { describe, expect, it } from 'vitest';
import type { ChartMarkers } from '../../src-engine/contract/chart-schemas.js';
import type { Candle, SignalRecord } from '../../src-engine/contract/schemas.js';
import type { FillDto } from '../../src-engine/contract/trading-schemas.js';
import { buildMarkers, levelLines, mergeMarkerSources, signalTime } from './chart-markers.js';

const T0 = Date.parse('2026-11-20T10:00:00+05:30');
const M = 60_000;
const candle = (i: number, tf: Candle['tf'] = '5m'): Candle => ({ symbol: 'INFY', tf, t: T0 + i * 5 * M, o: 100, h: 100, l: 100, c: 100, v: 1 });
const signal = (id: number, side: 'BUY' | 'SELL', ts: number, barTime: number | null, symbol = 'INFY'): SignalRecord => ({
  id,
  ts,
  symbol,
  strategy: `s${id}`,
  type: 'momentum',
  side,
  confidence: 0.5,
  reason: '',
  pricePaise: 150_000,
  timeframe: '1m',
  barTime,
  snapshot: {},
});
const fill = (id: string, side: 'BUY' | 'SELL', ts: number, symbol = 'INFY'): FillDto => ({
  fillId: id,
  orderId: `o${id}`,
  clientId: `c${id}`,
  symbol,
  side,
  product: 'MIS',
  strategy: 'manual',
  qty: 3,
  pricePaise: 150_025,
  chargesPaise: 20,
  tsEvent: ts,
});

describe('chart markers', () => {
  it('merges the engine snapshot with live signals and fills of the symbol, once each, newest first', () => {
    const snap: ChartMarkers = { symbol: 'INFY', signals: [signal(1, 'BUY', T0, null)], fills: [fill('a', 'BUY', T0)] };
    const m = mergeMarkerSources('INFY', snap, [signal(2, 'SELL', T0 + M, null), signal(1, 'BUY', T0, null), signal(3, 'BUY', T0, null, 'TCS')], [fill('a', 'BUY', T0), fill('b', 'SELL', T0 + 2 * M)]);
    expect(m.signals.map((s) => s.id)).toEqual([2, 1]);
    expect(m.fills.map((f) => f.fillId)).toEqual(['b', 'a']);
    // a snapshot of another symbol is not used
    expect(mergeMarkerSources('TCS', snap, [], []).fills).toEqual([]);
  });

  it('places a signal at the shown bar holding the bar it fired on, a fill at its price, sorted by time', () => {
    const candles = [candle(0), candle(1), candle(2)];
    const list = buildMarkers(
      candles,
      [signal(7, 'SELL', T0 + 11 * M, T0 + 10 * M), signal(8, 'BUY', T0 + 6 * M, null), signal(9, 'BUY', T0 - M, T0 - 2 * M)],
      [fill('f1', 'BUY', T0 + 7 * M + 500)],
    );
    expect(list).toEqual([
      { time: (T0 + 5 * M) / 1000, position: 'belowBar', shape: 'arrowUp', color: '#26a69a', text: 's8', id: 's8', kind: 'signal' },
      { time: (T0 + 5 * M) / 1000, position: 'atPriceMiddle', shape: 'circle', color: '#4fc3f7', text: 'B 3 @ 1,500.25', price: 1500.25, id: 'ff1', kind: 'fill' },
      { time: (T0 + 10 * M) / 1000, position: 'aboveBar', shape: 'arrowDown', color: '#ef5350', text: 's7', id: 's7', kind: 'signal' },
    ]);
    expect(buildMarkers([], [signal(1, 'BUY', T0, null)], [])).toEqual([]);
  });

  it('a signal belongs to the last moment of the bar that fired it, in the strategy\'s timeframe', () => {
    const five = { ...signal(1, 'BUY', T0 + 5 * M + 200, T0), timeframe: '5m' as const };
    expect(signalTime(five)).toBe(T0 + 5 * M - 1);
    expect(signalTime({ ...five, barTime: null })).toBe(T0 + 5 * M + 200);
    expect(signalTime({ ...five, timeframe: 'day' })).toBe(T0);
    // on a 1-minute chart a 5-minute signal sits on the bar that closed it (the fifth minute)
    const ones = Array.from({ length: 8 }, (_, i) => ({ ...candle(0, '1m'), t: T0 + i * M }));
    expect(buildMarkers(ones, [five], [])[0]!.time).toBe((T0 + 4 * M) / 1000);
  });

  it('draws the average price and the armed exits as price lines', () => {
    expect(levelLines(null)).toEqual([]);
    const one = levelLines({ symbol: 'INFY', positions: [{ strategy: 'manual', qty: 3, avgPricePaise: 150_000, stopPaise: 149_000, targetPaise: 152_000, trailPaise: null }] });
    expect(one.map((l) => [l.kind, l.price, l.title, l.lineStyle])).toEqual([
      ['avg', 1500, 'avg long 3', 0],
      ['stop', 1490, 'SL', 2],
      ['target', 1520, 'TGT', 2],
    ]);
    const two = levelLines({
      symbol: 'INFY',
      positions: [
        { strategy: 'manual', qty: -2, avgPricePaise: 150_000, stopPaise: null, targetPaise: null, trailPaise: 151_500 },
        { strategy: 'mom', qty: 5, avgPricePaise: 149_500, stopPaise: null, targetPaise: null, trailPaise: null },
      ],
    });
    expect(two.map((l) => l.title)).toEqual(['avg short 2 manual', 'trail manual', 'avg long 5 mom']);
  });
});
