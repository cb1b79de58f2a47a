import { afterEach, describe, expect, it, vi } from 'vitest';
import { IST_OFFSET_MS } from '../core/ist.js';
import type { Candle, CandleSeries } from '../kite-sim/csv-replay.js';
import { TradingService } from '../runtime/trading.js';
import { runBacktest } from './backtest.js';
import { dataOf, smaConfig } from './testing.js';

/**
 * The bar path's quiet bars (TradingService.quietFor / onQuietBar): a symbol with no working order, armed
 * exit or position takes only its bar's first and last prints; everything that can act on a print in
 * between (a next-open fill, a stop, a target) exists only when the symbol is not quiet.
 */

/** 1-minute bars of 2025-03-04 from 09:15 IST, each [open, high, low, close]. */
function bars(symbol: string, ohlc: [number, number, number, number][]): CandleSeries {
  const open = Date.parse('2025-03-04T00:00:00Z') - IST_OFFSET_MS + (9 * 60 + 15) * 60_000;
  const candles: Candle[] = ohlc.map(([o, h, l, c], i) => ({ start: open + i * 60_000, end: open + (i + 1) * 60_000, openPaise: o, highPaise: h, lowPaise: l, closePaise: c, volume: 100, line: i + 2 }));
  return { symbol, file: `test:${symbol}`, interval: 60_000, candles };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('quiet bars on the bar path', () => {
  // falling closes (the slow SMA above the fast), then rising ones: one BUY crossover; then flat bars and one
  // bar whose low alone reaches far below the stop (open and close stay where the flat bars are)
  const path: [number, number, number, number][] = [];
  let px = 100_000;
  for (let i = 0; i < 20; i++, px -= 20) path.push([px, px + 10, px - 30, px - 20]);
  for (let i = 0; i < 8; i++, px += 40) path.push([px, px + 50, px - 10, px + 40]);
  const flat = px;
  for (let i = 0; i < 10; i++) path.push([flat, flat + 10, flat - 10, flat]);
  const spike = path.length;
  path.push([flat, flat + 10, flat - 2_000, flat]);
  for (let i = 0; i < 10; i++) path.push([flat, flat + 10, flat - 10, flat]);
  const series = bars('QQQ', path);

  function run() {
    const cfg = smaConfig(['QQQ'], 3, 8);
    cfg.backtest.exits = 'profile';
    cfg.profile.trading.exits = { default: { ...cfg.profile.trading.exits.default, atrMultipleStop: 2, atrMultipleTarget: 0, trailingBps: 0 } };
    return runBacktest(cfg, dataOf(series));
  }

  it('a stop that only the intrabar low touches fires on that bar, at the low print, with the quiet path on for flat bars', () => {
    const quiet = vi.spyOn(TradingService.prototype, 'onQuietBar');
    const r = run();
    // flat before the entry: those bars took the quiet path
    expect(quiet.mock.calls.length).toBeGreaterThan(10);
    const buy = r.fills.find((f) => f.side === 'BUY');
    expect(buy).toBeDefined();
    // the bars from the entry fill to the stop were not quiet (a position is open): none of them took the quiet path
    const quietStarts = new Set(quiet.mock.calls.map((c) => c[2]));
    const bar = series.candles[spike]!;
    for (const c of series.candles) if (c.start >= buy!.tsEvent && c.start <= bar.start) expect(quietStarts.has(c.start)).toBe(false);
    // the stop: the spike bar's low print (open = close, so the prints are open, low, high, close at 0/15/30/45 s)
    const sell = r.fills.find((f) => f.side === 'SELL');
    expect(sell).toBeDefined();
    expect(r.trades).toHaveLength(1);
    expect(sell!.tsEvent).toBeGreaterThanOrEqual(bar.start);
    expect(sell!.tsEvent).toBeLessThan(bar.end);
    // the exit order placed on the low print fills on the next print (next-tick fill): the high, 30 s into the bar
    expect(sell!.tsEvent).toBe(bar.start + 30_000);
    expect(sell!.pricePaise).toBe(flat + 10);
    // flat again after the stop: quiet once more
    expect(quiet.mock.calls.some((c) => c[2] > bar.start)).toBe(true);
  });

  it('the same run without the quiet path (every print through onTick) gives the same result', () => {
    const withQuiet = run();
    vi.spyOn(TradingService.prototype, 'quietFor').mockReturnValue(false);
    const quiet = vi.spyOn(TradingService.prototype, 'onQuietBar');
    const without = run();
    expect(quiet).not.toHaveBeenCalled();
    expect(without).toEqual(withQuiet);
  });
});
