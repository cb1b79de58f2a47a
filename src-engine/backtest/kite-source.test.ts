import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBacktestData } from './data.js';
import { parseKiteSpec, writeKiteCsvs } from './kite-source.js';
import type { BacktestData } from './data.js';

describe('--kite specs and the CSVs optimize hands its workers', () => {
  it('parses [EXCHANGE:]SYMBOL[:INTERVAL] with NSE and minute by default', () => {
    expect(parseKiteSpec('INFY')).toEqual({ exchange: 'NSE', symbol: 'INFY', interval: 'minute' });
    expect(parseKiteSpec('INFY:5minute')).toEqual({ exchange: 'NSE', symbol: 'INFY', interval: '5minute' });
    expect(parseKiteSpec('bse:INFY')).toEqual({ exchange: 'BSE', symbol: 'INFY', interval: 'minute' });
    expect(parseKiteSpec('NSE:NIFTY 50:day')).toEqual({ exchange: 'NSE', symbol: 'NIFTY 50', interval: 'day' });
    expect(() => parseKiteSpec('INFY:2minute')).toThrow(/unknown interval "2minute"/);
    expect(() => parseKiteSpec('NSE:A:B:day')).toThrow(/expected \[EXCHANGE:\]SYMBOL\[:INTERVAL\]/);
    expect(() => parseKiteSpec('')).toThrow(/expected/);
  });

  it('writes Kite candle CSVs that the backtest loader reads back to the same bars', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-kite-csv-'));
    try {
      const t0 = Date.parse('2026-10-05T09:15:00+05:30');
      const candles = [0, 1, 2].map((k) => ({ start: t0 + k * 60_000, end: t0 + (k + 1) * 60_000, openPaise: 100_000 + k * 5, highPaise: 100_100 + k * 5, lowPaise: 99_900, closePaise: 100_050, volume: 10 + k, line: k + 1 }));
      const data: BacktestData = { series: [{ symbol: 'INFY', file: 'kite:INFY:minute', interval: 60_000, candles }], files: [], warnings: [] };
      const [file] = writeKiteCsvs(data, dir);
      expect(readFileSync(file!, 'utf8').split('\n').slice(0, 2)).toEqual(['datetime,open,high,low,close,volume', '2026-10-05 09:15:00,1000.00,1001.00,999.00,1000.50,10']);
      const back = loadBacktestData([{ path: file! }]);
      expect(back.series[0]!.candles.map(({ line: _l, ...c }) => c)).toEqual(candles.map(({ line: _l, ...c }) => c));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
