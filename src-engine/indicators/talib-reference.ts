import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCandleCsv, type CandleTable } from './candle-csv.js';

/**
 * Test support: the TA-Lib reference file of ../shared (never copied into the repo).
 * `undefined` when ../shared is not there; tests skip with a message then.
 */
export const TALIB_RELIANCE_DAILY = resolve(import.meta.dirname, '../../../shared/data/indicators/talib_RELIANCE_daily_kite.csv');

export function loadTalibReference(path = TALIB_RELIANCE_DAILY): { table: CandleTable; column(name: string): Float64Array } | undefined {
  if (!existsSync(path)) return undefined;
  const table = readCandleCsv(path);
  return {
    table,
    column(name: string): Float64Array {
      const i = table.header.indexOf(name);
      if (i < 0) throw new Error(`${path}: no column ${name}`);
      return Float64Array.from(table.records, (r) => (r[i] === '' ? NaN : Number(r[i])));
    },
  };
}

/** Max relative error |a − b|/|b| over rows where the reference is defined (|b| floored at `floor`). */
export function maxRelativeError(a: Float64Array, b: Float64Array, from = 0, floor = 1e-300): { max: number; at: number } {
  let max = 0;
  let at = -1;
  for (let i = from; i < b.length; i++) {
    const y = b[i]!;
    if (y !== y) continue;
    const e = Math.abs(a[i]! - y) / Math.max(Math.abs(y), floor);
    if (!(e <= max)) {
      max = e;
      at = i;
    }
  }
  return { max, at };
}
