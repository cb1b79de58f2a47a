import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoricalCache, type HistoricalSource } from '../adapters/kite/historical-cache.js';
import type { HistoricalInterval } from '../adapters/kite/rest-client.js';
import type { KiteCandle } from '../adapters/kite/rest-types.js';
import { runBacktest } from './backtest.js';
import { loadKiteHistorical } from './kite-data.js';
import { generatedSeries, plainSmaCrossover, smaConfig } from './testing.js';

describe('backtest data from Kite historical candles through the cache', () => {
  it('fetches in Kite-sized requests once, then from the cache; the backtest trades as on the same candles from CSV', async () => {
    const s = generatedSeries('INFY', '2025-03-03', 3, 12);
    const asKite: KiteCandle[] = s.candles.map((c) => ({ time: c.start, openPaise: c.openPaise, highPaise: c.highPaise, lowPaise: c.lowPaise, closePaise: c.closePaise, volume: c.volume }));
    const asked: [number, HistoricalInterval, number, number][] = [];
    const source: HistoricalSource = {
      historical: (token, interval, fromMs, toMs) => {
        asked.push([token, interval, fromMs, toMs]);
        return Promise.resolve(asKite.filter((c) => c.time >= fromMs && c.time <= toMs));
      },
    };
    const cache = new HistoricalCache({ source, dir: mkdtempSync(join(tmpdir(), 'kitedesk-bt-kite-')) });
    const req = { instruments: new Map([['INFY', 408065]]), interval: 'minute' as const, fromMs: Date.parse('2025-03-03T00:00:00+05:30'), toMs: Date.parse('2025-03-05T23:59:59+05:30') }; // whole days: the cache keeps complete days
    const data = await loadKiteHistorical(cache, req);
    expect(asked.length).toBe(1);
    expect(asked[0]!.slice(0, 2)).toEqual([408065, 'minute']);
    expect(data.series[0]!.candles.map((c) => [c.start, c.end, c.closePaise])).toEqual(s.candles.map((c) => [c.start, c.end, c.closePaise]));
    const again = await loadKiteHistorical(cache, req);
    expect(asked.length).toBe(1); // complete past days come from the cache
    expect(again.series).toEqual(data.series);
    const r = runBacktest(smaConfig(['INFY'], 5, 20), data);
    expect(r.trades.map((t) => [t.entryTime, t.entryPricePaise, t.exitTime, t.exitPricePaise])).toEqual(plainSmaCrossover(s.candles, 5, 20).map((t) => [t.entryTime, t.entryPaise, t.exitTime, t.exitPaise]));
  });
});
