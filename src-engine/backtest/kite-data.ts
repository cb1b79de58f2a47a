/**
 * Backtest data from Kite's historical candles, through the live client's local cache
 * (adapters/kite/historical-cache.ts: complete days kept on disk, missing days fetched in Kite's
 * per-request date ranges, the REST client pacing 3 requests a second). The candles become the replay's
 * series exactly as the CSV loader makes them (bar start = Kite's candle time). Each instrument is an input
 * `kite:NSE:<symbol>:<interval>:<token>` whose sha256 is that of its candles as JSON (the same candles,
 * fetched or from the cache, give the same hash).
 */
import { createHash } from 'node:crypto';
import { istSessionBounds } from '../core/ist.js';
import type { HistoricalCache } from '../adapters/kite/historical-cache.js';
import type { HistoricalInterval } from '../adapters/kite/rest-client.js';
import type { Candle, CandleSeries } from '../kite-sim/csv-replay.js';
import type { BacktestData } from './data.js';

const INTERVAL_MS: Readonly<Record<Exclude<HistoricalInterval, 'day'>, number>> = {
  minute: 60_000,
  '3minute': 180_000,
  '5minute': 300_000,
  '10minute': 600_000,
  '15minute': 900_000,
  '30minute': 1_800_000,
  '60minute': 3_600_000,
};

export interface KiteHistoricalRequest {
  /** Tradingsymbol → instrument token (from the instrument master). */
  instruments: ReadonlyMap<string, number>;
  interval: HistoricalInterval;
  /** The instruments' exchange, for the input names (default NSE). */
  exchange?: string;
  /** Epoch ms, inclusive (by candle start). */
  fromMs: number;
  toMs: number;
}

/** Kite's candles of every instrument as backtest data (one series per symbol, in symbol order). */
export async function loadKiteHistorical(cache: HistoricalCache, req: KiteHistoricalRequest): Promise<BacktestData> {
  const series: CandleSeries[] = [];
  const files: BacktestData['files'] = [];
  const warnings: string[] = [];
  for (const [symbol, token] of [...req.instruments].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const got = await cache.candles(token, req.interval, req.fromMs, req.toMs);
    if (got.length === 0) {
      warnings.push(`${symbol}: Kite has no ${req.interval} candles in the period`);
      continue;
    }
    const candles: Candle[] = got.map((c, i) => {
      const { open, close } = istSessionBounds(c.time);
      const start = req.interval === 'day' ? open : c.time;
      // Kite's last 60minute candle of the day is the 15:15–15:30 stub: a bar never runs past the close
      const end = req.interval === 'day' ? close : Math.min(c.time + INTERVAL_MS[req.interval], c.time < close ? close : Infinity, got[i + 1]?.time ?? Infinity);
      return { start, end, openPaise: c.openPaise, highPaise: c.highPaise, lowPaise: c.lowPaise, closePaise: c.closePaise, volume: c.volume, line: i + 1 };
    });
    series.push({ symbol, file: `kite:${symbol}:${req.interval}`, interval: req.interval === 'day' ? 'day' : INTERVAL_MS[req.interval], candles });
    files.push({ path: `kite:${req.exchange ?? 'NSE'}:${symbol}:${req.interval}:${token}`, symbol, sha256: createHash('sha256').update(JSON.stringify(got)).digest('hex'), rows: candles.length });
  }
  return { series, files, warnings };
}
