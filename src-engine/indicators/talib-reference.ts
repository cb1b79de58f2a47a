import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCandleCsv, type CandleTable } from './candle-csv.js';

/**
 * Test support: TA-Lib reference files, each holding `datetime,open,high,low,close,volume` and then the
 * 28 TA-Lib output columns of ../shared/data/README.md §7 (same names, parameters and rounding).
 */

/** Internal data in ../shared, read in place and never copied into the repo; absent on a fresh clone. */
export const TALIB_RELIANCE_DAILY = resolve(import.meta.dirname, '../../../shared/data/indicators/talib_RELIANCE_daily_kite.csv');

/**
 * Our own synthetic series (seeded random walk) with references computed by talib@2.0.5; always in the
 * repository. Made by scripts/fixtures/make-talib-fixture.mjs, see test/fixtures/talib/README.md.
 */
export const TALIB_SYNTHETIC_DAILY = resolve(import.meta.dirname, '../../test/fixtures/talib/synthetic_daily_talib.csv');

export interface TalibReference {
  table: CandleTable;
  /** The named column as numbers; NaN for an empty cell (the indicator's lookback). */
  column(name: string): Float64Array;
}

export interface TalibDataset {
  /** For test titles. */
  name: string;
  path: string;
  /** Number of data rows the file holds. */
  rows: number;
  /** Set for a file outside the repository: why it may be missing. A repository fixture must be there. */
  external?: string;
}

export const TALIB_DATASETS: readonly TalibDataset[] = [
  { name: 'synthetic daily fixture', path: TALIB_SYNTHETIC_DAILY, rows: 600 },
  { name: 'RELIANCE daily', path: TALIB_RELIANCE_DAILY, rows: 1367, external: 'internal data in ../shared, not on a fresh clone or CI' },
];

export function loadTalibReference(path = TALIB_RELIANCE_DAILY): TalibReference | undefined {
  if (!existsSync(path)) return undefined;
  const table = readCandleCsv(path);
  return {
    table,
    column(name: string): Float64Array {
      const i = table.header.indexOf(name);
      if (i < 0) throw new Error(`${path}: no column ${name}`);
      return Float64Array.from(table.records, (r, row) => {
        const cell = r[i] ?? '';
        if (cell === '') return NaN;
        const x = Number(cell);
        if (!Number.isFinite(x)) throw new Error(`${path}: ${name} of data row ${row + 1} is not a number: ${cell}`);
        return x;
      });
    },
  };
}

/**
 * Loads a dataset for a test file: `ref` when the file is there; otherwise `skip` (the reason, which the
 * test declares through test/support/external-inputs.ts) for an external file, and an error for a
 * repository fixture, whose absence is a bug.
 */
export function loadTalibDataset(ds: TalibDataset): { ref: TalibReference; skip?: undefined } | { ref?: undefined; skip: string } {
  const ref = loadTalibReference(ds.path);
  if (ref) return { ref };
  if (!ds.external) throw new Error(`${ds.path}: the TA-Lib fixture is missing (scripts/fixtures/make-talib-fixture.mjs makes it)`);
  return { skip: `${ds.path} not found (${ds.external})` };
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
