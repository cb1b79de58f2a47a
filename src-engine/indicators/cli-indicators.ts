import { renameSync, writeFileSync } from 'node:fs';
import { readCandleCsv } from './candle-csv.js';
import type { Indicator } from './indicator.js';
import { createIndicator, INDICATORS } from './registry.js';
import { computeSeries } from './series.js';

/** `kitedesk indicators`: the logic behind the command, over file paths (the command only wires options). */
export interface IndicatorsCliOptions {
  /** Candle CSV: `datetime,open,high,low,close,volume` (extra columns are copied through). */
  input: string;
  /** Comma-separated indicator specs, e.g. `sma:20,rsi:14,macd:12:26:9,bb:20:2`. */
  spec: string;
  /** Output CSV path, or `-` for stdout. */
  out: string;
}

export interface IndicatorsCliResult {
  rows: number;
  /** Indicator columns appended, in spec order. */
  columns: string[];
  /** The CSV text written. */
  text: string;
}

/** Sorted registered indicator names (for help and errors). */
export function knownIndicators(): string[] {
  return Object.keys(INDICATORS).sort();
}

/** Parses `sma:20, rsi:14` into indicators; RangeError for an empty list, bad specs or duplicate columns. */
export function parseSpecList(spec: string, inputColumns: readonly string[] = []): Indicator[] {
  const parts = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new RangeError(`no indicators in --spec "${spec}"; known: ${knownIndicators().join(', ')}`);
  const seen = new Set(inputColumns.map((c) => c.toLowerCase()));
  return parts.map((p) => {
    const ind = createIndicator(p);
    for (const c of ind.columns) {
      if (seen.has(c.toLowerCase())) throw new RangeError(`indicator "${p}": column ${c} appears twice in the output (repeated spec, or already in the input)`);
      seen.add(c.toLowerCase());
    }
    return ind;
  });
}

/** A CSV field: quoted only if it must be. */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Numbers in shortest round-trip form; NaN (warm-up) as an empty cell. */
export function formatValue(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

/** Reads the candles, computes every indicator with the incremental code, writes input + indicator columns. */
export function runIndicatorsCli(o: IndicatorsCliOptions): IndicatorsCliResult {
  // Check the spec before touching files: a typo should not wait on a large read.
  parseSpecList(o.spec);
  const table = readCandleCsv(o.input);
  const indicators = parseSpecList(o.spec, table.header);
  const columns = indicators.flatMap((i) => [...i.columns]);
  const series = indicators.flatMap((ind) => computeSeries(ind, table.bars));
  const lines: string[] = [[...table.header, ...columns].map(field).join(',')];
  table.records.forEach((rec, r) => {
    lines.push([...rec.map(field), ...series.map((s) => formatValue(s[r]!))].join(','));
  });
  const text = lines.join('\n') + '\n';
  if (o.out === '-') process.stdout.write(text);
  else {
    // write then rename: a failed run never leaves a half-written output behind
    const tmp = `${o.out}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, o.out);
  }
  return { rows: table.records.length, columns, text };
}
