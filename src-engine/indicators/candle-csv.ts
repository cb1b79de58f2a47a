import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Bar } from './indicator.js';

/**
 * Reader for Kite-style candle CSVs: a header naming at least `datetime,open,high,low,close,volume`
 * (case-insensitive; `date`/`timestamp` accepted for `datetime`; other columns such as `oi` are
 * kept but unused). Times are `YYYY-MM-DD[ HH:MM[:SS]][±HH:MM|Z]`, IST when no offset is given, and
 * must strictly increase. Prices are plain numbers (rupees as in the file); no OHLC consistency
 * check is made beyond finiteness. Errors name the file and line.
 */
export interface CandleTable {
  file: string;
  /** Header fields as written. */
  header: string[];
  /** Raw fields of each data row, as written (after csv-parse unquoting and trimming). */
  records: string[][];
  bars: Bar[];
}

export class CandleCsvError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'CandleCsvError';
  }
}

const IST_OFFSET_MS = (5 * 60 + 30) * 60_000;
const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch ms of a candle time (IST when no offset), or undefined. */
export function parseCandleDateTime(s: string): number | undefined {
  const m = TIME_RE.exec(s.trim());
  if (!m) return undefined;
  const [Y, M, D, H, Mi, S] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (M < 1 || M > 12 || D < 1 || D > 31 || H > 23 || Mi > 59 || S > 59) return undefined;
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const utc = Date.UTC(Y, M - 1, D, H, Mi, S, ms);
  if (new Date(utc).getUTCDate() !== D) return undefined;
  const off = m[8];
  let offsetMs = IST_OFFSET_MS;
  if (off === 'Z') offsetMs = 0;
  else if (off !== undefined) {
    const digits = off.slice(1).replace(':', '');
    offsetMs = (off.startsWith('-') ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return utc - offsetMs;
}

const COLUMNS: Record<keyof Bar, readonly string[]> = {
  t: ['datetime', 'timestamp', 'date'],
  o: ['open'],
  h: ['high'],
  l: ['low'],
  c: ['close'],
  v: ['volume'],
};

interface Row {
  record: string[];
  info: { lines: number };
}

/** Parses candle CSV text; `file` is used in error messages only. Throws CandleCsvError. */
export function parseCandleCsvText(text: string, file: string): CandleTable {
  let rows: Row[];
  try {
    rows = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, bom: true, trim: true }) as unknown as Row[];
  } catch (e) {
    throw new CandleCsvError(file, (e as { lines?: number }).lines ?? 0, `CSV syntax: ${(e as Error).message}`);
  }
  const head = rows[0];
  if (!head) throw new CandleCsvError(file, 1, 'empty file (expected a header datetime,open,high,low,close,volume)');
  const names = head.record.map((h) => h.toLowerCase());
  const col = {} as Record<keyof Bar, number>;
  const missing: string[] = [];
  for (const [k, aliases] of Object.entries(COLUMNS) as [keyof Bar, readonly string[]][]) {
    const i = names.findIndex((n) => aliases.includes(n));
    if (i < 0) missing.push(aliases.join('|'));
    else col[k] = i;
  }
  if (missing.length > 0) throw new CandleCsvError(file, head.info.lines, `header "${head.record.join(',')}" lacks ${missing.join(', ')}`);

  const records: string[][] = [];
  const bars: Bar[] = [];
  let prevT = -Infinity;
  for (const { record, info } of rows.slice(1)) {
    const line = info.lines;
    const fail = (msg: string): never => {
      throw new CandleCsvError(file, line, msg);
    };
    if (record.length !== head.record.length) fail(`expected ${head.record.length} fields, got ${record.length}`);
    const timeText = record[col.t]!;
    const t = parseCandleDateTime(timeText);
    if (t === undefined) fail(`bad ${names[col.t]} "${timeText}" (expected YYYY-MM-DD[ HH:MM[:SS]][+05:30])`);
    if (t! <= prevT) fail(`time ${timeText} is not after the previous row's (rows must be in strictly increasing time)`);
    prevT = t!;
    const num = (k: 'o' | 'h' | 'l' | 'c' | 'v'): number => {
      const raw = record[col[k]]!;
      const x = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(x)) fail(`bad ${names[col[k]]} "${raw}" (expected a number)`);
      if (k === 'v' && x < 0) fail(`bad ${names[col[k]]} "${raw}" (expected ≥ 0)`);
      return x;
    };
    bars.push({ t: t!, o: num('o'), h: num('h'), l: num('l'), c: num('c'), v: num('v') });
    records.push(record);
  }
  return { file, header: head.record, records, bars };
}

/** Reads and parses a candle CSV file. Throws CandleCsvError (file:line: …), also when the file cannot be read. */
export function readCandleCsv(path: string): CandleTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CandleCsvError(path, 0, `cannot read: ${(e as Error).message}`);
  }
  return parseCandleCsvText(text, path);
}
