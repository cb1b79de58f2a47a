import { describe, expect, it } from 'vitest';
import { quoteSchema, type Candle, type Instrument, type Quote } from '../contract/schemas.js';
import type { DepthSnapshot } from '../model/depth.js';
import type { Tick } from '../model/tick.js';
import { MarketData } from './market-data.js';

const T0 = Date.parse('2025-10-03T09:15:00+05:30');
const inst = (symbol: string): Instrument => ({ symbol, name: symbol, exchange: 'NSE', tickSizePaise: 5, lotSize: 1 });
const tick = (symbol: string, lastPaise: number, volume: number, tsEvent: number, lastQty = 1): Tick => ({
  symbol,
  lastPaise,
  lastQty,
  volume,
  tsEvent,
});

describe('MarketData', () => {
  it('quote: change = last − prevClose and changeBps rounded, for gains and losses', () => {
    const md = new MarketData([inst('INFY'), inst('TCS')]);
    md.setPrevClose('INFY', 144_000);
    md.setPrevClose('TCS', 300_000);
    md.onTick(tick('INFY', 145_005, 10, T0)); // +1005 paise → 69.79 bps → 70
    md.onTick(tick('TCS', 299_950, 7, T0 + 5)); // −50 → −1.67 bps → −2
    const infy = md.quote('INFY')!;
    expect(infy).toEqual({
      symbol: 'INFY',
      lastPaise: 145_005,
      prevClosePaise: 144_000,
      changePaise: 1005,
      changeBps: 70,
      volume: 10,
      tsEvent: T0,
    });
    expect(quoteSchema.safeParse(infy).success).toBe(true);
    expect(md.quote('TCS')).toMatchObject({ changePaise: -50, changeBps: -2 });
  });

  it('quotes(): only symbols that have a quote, in the requested order', () => {
    const md = new MarketData([inst('A'), inst('B'), inst('C')]);
    md.onTick(tick('C', 100, 1, T0));
    md.onTick(tick('A', 200, 1, T0));
    expect(md.quotes(['A', 'B', 'C', 'ZZZ']).map((q) => q.symbol)).toEqual(['A', 'C']);
    expect(md.quote('B')).toBeUndefined();
  });

  it('without setPrevClose the first price stands in; a volume reset rolls prevClose to the last price', () => {
    const md = new MarketData([inst('A')]);
    md.onTick(tick('A', 1000, 5, T0));
    md.onTick(tick('A', 1010, 9, T0 + 1000));
    expect(md.quote('A')).toMatchObject({ prevClosePaise: 1000, changePaise: 10, changeBps: 100 });
    md.onTick(tick('A', 1030, 2, T0 + 86_400_000)); // next day: cumulative volume went down
    expect(md.quote('A')).toMatchObject({ prevClosePaise: 1010, changePaise: 20, volume: 2 });
  });

  it('unknown symbols are ignored and counted, never thrown', () => {
    const md = new MarketData([inst('A')]);
    expect(() => md.onTick(tick('NOPE', 100, 1, T0))).not.toThrow();
    md.onTick(tick('A', 100, 1, T0));
    expect(md.totalTicks).toBe(2);
    expect(md.unknownTicks).toBe(1);
    expect(md.quote('NOPE')).toBeUndefined();
    expect(md.candles('NOPE', 10)).toEqual([]);
  });

  it('candles() serves every timeframe with its capacity; candles(symbol, limit) is 1m', () => {
    const md = new MarketData([inst('A')], { candleCapacity: 2 });
    for (let m = 0; m < 4; m++) md.onTick(tick('A', 100 + m, m + 1, T0 + m * 60_000));
    expect(md.candles('A', 10).map((c) => c.o)).toEqual([102, 103]);
    expect(md.candles('A', '1m', 10).map((c) => c.o)).toEqual([102, 103]);
    expect(md.candles('A', '3m', 10).map((c) => [c.tf, c.t, c.o, c.c, c.v])).toEqual([
      ['3m', T0, 100, 102, 3],
      ['3m', T0 + 180_000, 103, 103, 1],
    ]);
    expect(md.candles('A', 'day', 10).map((c) => [c.t, c.o, c.h, c.l, c.c, c.v])).toEqual([[Date.parse('2025-10-03T00:00:00+05:30'), 100, 103, 100, 103, 4]]);
    const big = new MarketData([inst('A')], { candleCapacity: { '1m': 1, day: 5 } });
    for (let m = 0; m < 4; m++) big.onTick(tick('A', 100 + m, m + 1, T0 + m * 60_000));
    expect(big.candles('A', '1m', 10)).toHaveLength(1);
    expect(big.candles('A', '5m', 10)).toHaveLength(1);
  });

  it('onCandle(symbol, tf) follows one timeframe; onClock closes bars on time and onBarClosed reports them', () => {
    const md = new MarketData([inst('A'), inst('B')]);
    const hourly: Candle[] = [];
    const closed: string[] = [];
    md.onCandle('A', '60m', (c) => hourly.push(c));
    md.onBarClosed((sym, tf, c) => closed.push(`${sym} ${tf} ${c.c}`));
    md.onTick(tick('A', 100, 1, T0));
    md.onTick(tick('A', 105, 2, T0 + 59 * 60_000));
    md.onTick(tick('B', 500, 1, T0 + 30_000));
    expect(hourly.map((c) => [c.tf, c.t, c.c])).toEqual([
      ['60m', T0, 100],
      ['60m', T0, 105],
    ]);
    expect(closed).toEqual(['A 1m 100', 'A 3m 100', 'A 5m 100', 'A 10m 100', 'A 15m 100', 'A 30m 100']); // by A's 10:14 tick
    closed.length = 0;
    // 10:15 — without a tick: every intraday bar of A and B ends by then; the day bars stay open.
    expect(md.onClock(T0 + 60 * 60_000)).toBe(14);
    const intraday = ['1m', '3m', '5m', '10m', '15m', '30m', '60m'];
    expect(closed).toEqual([...intraday.map((tf) => `A ${tf} 105`), ...intraday.map((tf) => `B ${tf} 500`)]);
  });

  it('onCandle and onQuote listeners fire per accepted tick and stop after unsubscribe', () => {
    const md = new MarketData([inst('A'), inst('B')]);
    const candles: Candle[] = [];
    const quotes: Quote[] = [];
    const offCandle = md.onCandle('A', (c) => candles.push(c));
    const offQuote = md.onQuote((q) => quotes.push(q));
    md.onTick(tick('A', 100, 1, T0));
    md.onTick(tick('A', 105, 2, T0 + 1000));
    md.onTick(tick('B', 500, 1, T0 + 2000)); // other symbol: quote yes, A's candle no
    md.onTick(tick('A', 105, 2, T0 + 1000)); // duplicate: ignored by the series, no events
    expect(candles.map((c) => [c.o, c.c, c.v])).toEqual([
      [100, 100, 1],
      [100, 105, 2],
    ]);
    expect(quotes.map((q) => [q.symbol, q.lastPaise])).toEqual([
      ['A', 100],
      ['A', 105],
      ['B', 500],
    ]);
    offCandle();
    offQuote();
    md.onTick(tick('A', 110, 3, T0 + 3000));
    expect(candles).toHaveLength(2);
    expect(quotes).toHaveLength(3);
    expect(md.quote('A')!.lastPaise).toBe(110);
  });

  it('a new IST date rolls prevClose even when the cumulative volume did not go down', () => {
    const md = new MarketData([inst('A')]);
    md.onTick(tick('A', 1000, 5, T0));
    md.onTick(tick('A', 1010, 9, T0 + 1000));
    md.onTick(tick('A', 1020, 50, T0 + 86_400_000));
    expect(md.quote('A')).toMatchObject({ prevClosePaise: 1010, lastPaise: 1020 });
  });

  it('a tick after the close is in no candle but moves the quote', () => {
    const md = new MarketData([inst('A')]);
    md.onTick(tick('A', 1000, 5, T0));
    md.onTick(tick('A', 1005, 9, Date.parse('2025-10-03T15:45:00+05:30')));
    expect(md.quote('A')).toMatchObject({ lastPaise: 1005, volume: 9 });
    expect(md.candles('A', 'day', 5).map((c) => c.c)).toEqual([1000]);
  });

  it('stores a depth snapshot per instrument (copied, frozen; older ones ignored) and validates it', () => {
    const md = new MarketData([inst('A'), inst('B')]);
    expect(md.depth('A')).toBeUndefined();
    const snap: DepthSnapshot = {
      symbol: 'A',
      tsEvent: T0,
      buy: [
        { pricePaise: 100_00, quantity: 50, orders: 3 },
        { pricePaise: 99_95, quantity: 10, orders: 1 },
      ],
      sell: [{ pricePaise: 100_05, quantity: 7, orders: 2 }],
    };
    expect(md.setDepth(snap)).toBe(true);
    snap.buy[0]!.quantity = 1;
    const d = md.depth('A')!;
    expect(d.buy[0]).toEqual({ pricePaise: 100_00, quantity: 50, orders: 3 });
    expect(Object.isFrozen(d) && Object.isFrozen(d.buy) && Object.isFrozen(d.buy[0])).toBe(true);
    expect(md.depth('B')).toBeUndefined();
    expect(md.setDepth({ ...snap, tsEvent: T0 - 1, buy: [] })).toBe(false);
    expect(md.depth('A')!.buy).toHaveLength(2);
    expect(md.setDepth({ ...snap, tsEvent: T0 + 1, buy: [] })).toBe(true);
    expect(md.depth('A')!.buy).toEqual([]);
    expect(md.depth('NOPE')).toBeUndefined();

    const level = { pricePaise: 100, quantity: 1, orders: 1 };
    expect(() => md.setDepth({ ...snap, symbol: 'ZZZ' })).toThrow(/unknown symbol 'ZZZ'/);
    expect(() => md.setDepth({ ...snap, buy: Array.from({ length: 6 }, (_, i) => ({ ...level, pricePaise: 200 - i })) })).toThrow(/buy has 6 levels, at most 5/);
    expect(() => md.setDepth({ ...snap, sell: [{ ...level, pricePaise: 100.5 }] })).toThrow(/sell\[0\]\.pricePaise must be a positive integer, got 100.5/);
    expect(() => md.setDepth({ ...snap, sell: [{ ...level, quantity: -1 }] })).toThrow(/sell\[0\]\.quantity/);
    expect(() => md.setDepth({ ...snap, buy: [level, { ...level, pricePaise: 101 }] })).toThrow(/buy\[1\]: prices must be strictly falling/);
    expect(() => md.setDepth({ ...snap, sell: [level, level] })).toThrow(/sell\[1\]: prices must be strictly rising/);
    expect(() => md.setDepth({ ...snap, tsEvent: -1 })).toThrow(/tsEvent/);
  });

  it('a late tick (older minute) moves neither candles nor quote', () => {
    const md = new MarketData([inst('A')]);
    md.onTick(tick('A', 100, 1, T0 + 60_000));
    md.onTick(tick('A', 90, 2, T0));
    expect(md.quote('A')!.lastPaise).toBe(100);
    expect(md.candles('A', 5)).toHaveLength(1);
  });

  it('rejects bad calls with clear messages', () => {
    const md = new MarketData([inst('A')]);
    expect(() => md.setPrevClose('ZZZ', 100)).toThrow(/setPrevClose: unknown symbol 'ZZZ'/);
    expect(() => md.setPrevClose('A', 10.5)).toThrow(/setPrevClose\(A\): paise must be a positive integer, got 10.5/);
    expect(() => md.onCandle('ZZZ', () => {})).toThrow(/onCandle: unknown symbol 'ZZZ'/);
    expect(() => new MarketData([inst('A'), inst('A')])).toThrow(/instruments\[1\] duplicates symbol 'A'/);
  });
});
