import { describe, expect, it } from 'vitest';
import { quoteSchema, type Candle, type Instrument, type Quote } from '../contract/schemas.js';
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

  it('candles() delegates to the series with its capacity', () => {
    const md = new MarketData([inst('A')], { candleCapacity: 2 });
    for (let m = 0; m < 4; m++) md.onTick(tick('A', 100 + m, m + 1, T0 + m * 60_000));
    expect(md.candles('A', 10).map((c) => c.o)).toEqual([102, 103]);
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
