import { describe, expect, it } from 'vitest';
import { TIMEFRAMES, type Instrument } from '../contract/schemas.js';
import { generatedSeries } from '../backtest/testing.js';
import { CandleReplay, type CandleSeries } from '../kite-sim/csv-replay.js';
import type { BarEvent } from './data-client.js';
import { MarketData } from './market-data.js';

const inst = (symbol: string): Instrument => ({ symbol, name: symbol, exchange: 'NSE', tickSizePaise: 5, lotSize: 1 });

/** The same bars through the two paths: the 4-tick replay (noise 0) and whole bars; the clock after every minute. */
function both(series: CandleSeries[], stepMs = 60_000) {
  const symbols = series.map((s) => s.symbol);
  const viaTicks = new MarketData(symbols.map(inst));
  const viaBars = new MarketData(symbols.map(inst));
  const closedTicks: string[] = [];
  const closedBars: string[] = [];
  viaTicks.onBarClosed((s, tf, c) => closedTicks.push(`${s} ${tf} ${JSON.stringify(c)}`));
  viaBars.onBarClosed((s, tf, c) => closedBars.push(`${s} ${tf} ${JSON.stringify(c)}`));
  const ticks = new CandleReplay({ series, baseSeeds: [], noise: 0, tickIntervalMs: 7 * 86_400_000 });
  const bars = new CandleReplay({ series, baseSeeds: [], noise: 0, wholeBars: true });
  ticks.onTick((t) => viaTicks.onTick(t));
  const seen: BarEvent[] = [];
  bars.onBar((b) => {
    seen.push({ ...b, printPaise: [...b.printPaise], printTs: [...b.printTs] });
    viaBars.onBar(b);
  });
  ticks.onSegmentEnd((t) => viaTicks.onClock(t));
  bars.onSegmentEnd((t) => viaBars.onClock(t));
  while (!ticks.done) {
    ticks.advance(stepMs);
    viaTicks.onClock(ticks.now());
  }
  while (!bars.done) {
    bars.advance(stepMs);
    viaBars.onClock(bars.now());
  }
  return { viaTicks, viaBars, closedTicks, closedBars, seen, ticks };
}

describe('the bar path (a feed delivering whole bars)', () => {
  it('candles from onBar equal candles from the 4-tick path for the same bars: every timeframe, every close, in the same order; quotes too', () => {
    const a = generatedSeries('AAA', '2025-03-03', 3, 21);
    const b = generatedSeries('BBB', '2025-03-03', 3, 22, 40_000);
    const { viaTicks, viaBars, closedTicks, closedBars } = both([a, b]);
    expect(closedTicks.length).toBeGreaterThan(3 * 375 * 2);
    expect(closedBars).toEqual(closedTicks);
    for (const s of ['AAA', 'BBB']) {
      for (const tf of TIMEFRAMES) expect(viaBars.candles(s, tf, 5000)).toEqual(viaTicks.candles(s, tf, 5000));
      expect(viaBars.quote(s)).toEqual(viaTicks.quote(s));
    }
    // the candles are the data's bars, exactly
    expect(viaBars.candles('AAA', '1m', 5000).map((c) => [c.t, c.o, c.h, c.l, c.c, c.v])).toEqual(a.candles.map((c) => [c.start, c.openPaise, c.highPaise, c.lowPaise, c.closePaise, c.volume]));
  });

  it('each bar comes once its end is reached, with the prints its 4 ticks carry (open at the start, nearer extreme, other extreme, close)', () => {
    const s = generatedSeries('AAA', '2025-03-03', 1, 23);
    // stepped unevenly: a bar is never delivered before its end
    const { seen, ticks } = both([s], 13_000);
    expect(seen.length).toBe(s.candles.length);
    const path = s.candles.map((c) => ticks.barPath('AAA', c));
    seen.forEach((b, i) => {
      const c = s.candles[i]!;
      expect([b.start, b.end, b.openPaise, b.highPaise, b.lowPaise, b.closePaise, b.volume]).toEqual([c.start, c.end, c.openPaise, c.highPaise, c.lowPaise, c.closePaise, c.volume]);
      expect(b.printTs).toEqual(path[i]!.ts);
      expect(b.printPaise).toEqual(path[i]!.px);
    });
    expect(seen.at(-1)!.dayVolume).toBe(s.candles.reduce((x, c) => x + c.volume, 0));
  });

  it('refuses bars longer than one minute in whole-bar mode (those replay as ticks), and malformed bars', () => {
    const s = generatedSeries('AAA', '2025-03-03', 1, 24);
    const fiveMin: CandleSeries = { ...s, interval: 300_000, candles: s.candles.filter((_, i) => i % 5 === 0).map((c) => ({ ...c, end: c.start + 300_000 })) };
    expect(() => new CandleReplay({ series: [fiveMin], baseSeeds: [], wholeBars: true })).toThrow(/spans more than one minute.*replay it as ticks/);
    const md = new MarketData([inst('AAA')]);
    const c = s.candles[0]!;
    const bar: BarEvent = { symbol: 'AAA', start: c.start, end: c.end, openPaise: c.openPaise, highPaise: c.lowPaise - 5, lowPaise: c.lowPaise, closePaise: c.closePaise, volume: 1, dayVolume: 1, printPaise: [], printTs: [c.start, c.start] };
    expect(() => md.onBar(bar)).toThrow(/AAA.*malformed/);
    expect(() => md.onBar({ ...bar, highPaise: c.highPaise, printTs: [c.start, c.start + 60_000] })).toThrow(/spans more than one 1-minute bucket/);
    md.onBar({ ...bar, symbol: 'ZZZ' });
    expect(md.unknownTicks).toBe(1);
  });
});
