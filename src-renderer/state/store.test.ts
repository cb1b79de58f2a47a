import { beforeEach, describe, expect, it } from 'vitest';
import type { Candle, Quote, Timeframe } from '../../src-engine/contract/schemas.js';
import { useAppStore } from './store.js';

const T0 = Date.UTC(2026, 10, 20, 3, 45);
const candle = (symbol: string, i: number, c = 100_00, tf: Timeframe = '1m'): Candle => ({ symbol, tf, t: T0 + i * 60_000, o: c, h: c, l: c, c, v: 1 });
const quote = (symbol: string, lastPaise: number): Quote => ({
  symbol,
  lastPaise,
  prevClosePaise: 100_00,
  changePaise: lastPaise - 100_00,
  changeBps: 0,
  volume: 0,
  tsEvent: T0,
});

const initial = useAppStore.getState();
const s = () => useAppStore.getState();

describe('app store', () => {
  beforeEach(() => useAppStore.setState(initial, true));

  it('selects the first watchlist symbol and keeps a still-watched selection', () => {
    s().setWatchlist(['INFY', 'TCS']);
    expect(s().selected).toBe('INFY');
    expect(s().chart.symbol).toBe('INFY');
    s().select('TCS');
    s().setWatchlist(['RELIANCE', 'TCS']);
    expect(s().selected).toBe('TCS');
    s().setWatchlist(['RELIANCE']);
    expect(s().selected).toBe('RELIANCE');
    s().setWatchlist([]);
    expect(s().selected).toBeNull();
  });

  it('empties the chart on a new selection and ignores a stale snapshot or delta', () => {
    s().setWatchlist(['INFY', 'TCS']);
    s().candlesSnapshot('INFY', [candle('INFY', 0), candle('INFY', 1)]);
    expect(s().chart.candles).toHaveLength(2);
    s().select('TCS');
    expect(s().chart).toMatchObject({ symbol: 'TCS', candles: [], lastOp: 'snapshot' });
    s().candlesSnapshot('INFY', [candle('INFY', 0)]);
    s().candleDelta(candle('INFY', 2));
    expect(s().chart.candles).toHaveLength(0);
  });

  it('applies candle deltas and records the operation for the chart', () => {
    s().setWatchlist(['INFY']);
    s().candlesSnapshot('INFY', [candle('INFY', 0), candle('INFY', 1)]);
    const rev = s().chart.rev;
    s().candleDelta(candle('INFY', 1, 200_00));
    expect(s().chart.lastOp).toBe('replace');
    s().candleDelta(candle('INFY', 2));
    expect(s().chart.lastOp).toBe('append');
    expect(s().chart.candles).toHaveLength(3);
    const before = s().chart;
    s().candleDelta(candle('INFY', 0, 1));
    expect(s().chart).toBe(before); // older: ignored, no re-render
    expect(s().chart.rev).toBe(rev + 2);
  });

  it('starts on 1m; a new timeframe empties the chart (symbol kept) until its own snapshot arrives', () => {
    s().setWatchlist(['INFY']);
    expect(s().chart.tf).toBe('1m');
    s().candlesSnapshot('INFY', [candle('INFY', 0), candle('INFY', 1)], '1m');
    const rev = s().chart.rev;
    s().setTimeframe('15m');
    expect(s().chart).toMatchObject({ symbol: 'INFY', tf: '15m', candles: [], lastOp: 'snapshot', rev: rev + 1 });
    // A late 1m snapshot or delta (the old subscription) does not land in the 15m chart.
    s().candlesSnapshot('INFY', [candle('INFY', 0)], '1m');
    s().candleDelta(candle('INFY', 2));
    expect(s().chart.candles).toEqual([]);
    s().candlesSnapshot('INFY', [candle('INFY', 0, 1, '15m'), candle('INFY', 15, 2, '15m')], '15m');
    expect(s().chart.candles.map((c) => [c.tf, c.c])).toEqual([
      ['15m', 1],
      ['15m', 2],
    ]);
    s().candleDelta(candle('INFY', 15, 3, '15m'));
    expect(s().chart).toMatchObject({ lastOp: 'replace', tf: '15m' });
    const before = s().chart;
    s().setTimeframe('15m'); // same timeframe: nothing changes
    expect(s().chart).toBe(before);
  });

  it('the timeframe survives a change of symbol; a snapshot without tf is a 1m one', () => {
    s().setWatchlist(['INFY', 'TCS']);
    s().setTimeframe('day');
    s().select('TCS');
    expect(s().chart).toMatchObject({ symbol: 'TCS', tf: 'day', candles: [] });
    s().candlesSnapshot('TCS', [candle('TCS', 0)]);
    expect(s().chart.candles).toEqual([]);
    s().candlesSnapshot('TCS', [candle('TCS', 0, 5, 'day')], 'day');
    expect(s().chart.candles).toHaveLength(1);
  });

  it('keeps quotes for watched symbols only', () => {
    s().setWatchlist(['INFY', 'TCS']);
    s().quotesSnapshot([quote('INFY', 1), quote('TCS', 2), quote('SBIN', 3)], ['INFY', 'TCS', 'SBIN']);
    expect(Object.keys(s().quotes).sort()).toEqual(['INFY', 'TCS']);
    s().quoteDelta(quote('SBIN', 4));
    expect(s().quotes.SBIN).toBeUndefined();
    s().setWatchlist(['TCS']);
    expect(Object.keys(s().quotes)).toEqual(['TCS']);
  });

  it('dedupes repeated errors and dismisses by id', () => {
    s().pushError({ code: 'NOT_FOUND', message: 'x' });
    s().pushError({ code: 'NOT_FOUND', message: 'x' });
    expect(s().errors).toHaveLength(1);
    s().dismissError(s().errors[0]!.id);
    expect(s().errors).toHaveLength(0);
  });
});
