import { describe, expect, it } from 'vitest';
import { TIMEFRAMES, type Instrument, type Timeframe } from '../contract/schemas.js';
import { generatedSeries } from '../backtest/testing.js';
import { CandleReplay, type CandleSeries } from '../kite-sim/csv-replay.js';
import { MarketData } from './market-data.js';
import { MultiTimeframeCandles } from './multi-timeframe.js';

const inst = (symbol: string): Instrument => ({ symbol, name: symbol, exchange: 'NSE', tickSizePaise: 5, lotSize: 1 });

/** The bars through market data built with `timeframes` (undefined: all eight), whole bars or 4 ticks a bar; every bar-closed event. */
function run(series: CandleSeries[], timeframes: readonly Timeframe[] | undefined, bars: boolean) {
  const md = new MarketData(series.map((s) => inst(s.symbol)), timeframes ? { timeframes } : {});
  const closed: string[] = [];
  md.onBarClosed((s, tf, c) => closed.push(`${s} ${tf} ${JSON.stringify(c)}`));
  const replay = new CandleReplay({ series, baseSeeds: [], noise: 0, tickIntervalMs: 7 * 86_400_000, ...(bars ? { wholeBars: true } : {}) });
  if (bars) replay.onBar((b) => md.onBar(b));
  else replay.onTick((t) => md.onTick(t));
  replay.onSegmentEnd((t) => md.onClock(t));
  while (!replay.done) {
    replay.advance(60_000);
    md.onClock(replay.now());
  }
  return { md, closed };
}

describe('MarketData option timeframes (the backtest builds only the candles something reads)', () => {
  const series = [generatedSeries('AAA', '2025-03-04', 2, 3), generatedSeries('BBB', '2025-03-04', 2, 4, 40_000)];

  it('the timeframes built get the same candles and bar-closed events as the full store, in the same order; the others none', () => {
    for (const bars of [true, false]) {
      const all = run(series, undefined, bars);
      const some = run(series, ['15m', '5m'], bars);
      expect(some.md.candleStore.timeframes).toEqual(['1m', '5m', '15m']); // 1m always, TIMEFRAMES order
      expect(all.md.candleStore.timeframes).toEqual([...TIMEFRAMES]);
      const keep = (lines: string[]) => lines.filter((l) => / (1m|5m|15m) /.test(l));
      expect(some.closed.length).toBeGreaterThan(2 * 2 * (375 + 75 + 25) - 10);
      expect(some.closed).toEqual(keep(all.closed));
      expect(all.closed.length).toBeGreaterThan(some.closed.length);
      for (const s of ['AAA', 'BBB']) {
        for (const tf of ['1m', '5m', '15m'] as const) expect(some.md.candles(s, tf, 10_000)).toEqual(all.md.candles(s, tf, 10_000));
        expect(some.md.quote(s)).toEqual(all.md.quote(s));
      }
    }
  });

  it('asking for a timeframe not built is an error naming it and what is built, not an empty series', () => {
    const { md } = run([series[0]!], ['5m'], true);
    const msg = /candles of timeframe '60m' are not built in this run \(it builds 1m, 5m: MarketData option timeframes\)/;
    expect(() => md.candles('AAA', '60m', 10)).toThrow(msg);
    expect(() => md.candles('NOPE', '60m', 10)).toThrow(msg); // an unknown symbol too
    expect(() => md.onCandle('AAA', '60m', () => undefined)).toThrow(msg);
    expect(() => md.candleStore.instrument('AAA')!.forming('60m')).toThrow(msg);
    expect(() => md.candleStore.instrument('AAA')!.size('day')).toThrow(/'day' are not built/);
    expect(md.candles('AAA', '5m', 3)).toHaveLength(3);
    // a symbol added at run time builds the same timeframes
    md.addInstrument(inst('CCC'));
    expect(md.candles('CCC', '5m', 3)).toEqual([]);
    expect(() => md.candles('CCC', '3m', 3)).toThrow(/'3m' are not built/);
  });

  it('rejects an unknown timeframe with a clear message', () => {
    expect(() => new MultiTimeframeCandles(['X'], { timeframes: ['1m', '7m' as Timeframe] })).toThrow(/timeframes\[1\] '7m' is not a timeframe \(expected one of 1m, 3m/);
  });
});
