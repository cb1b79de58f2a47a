/**
 * Backtest input data: candle CSV files read into the replay feed's series (kite-sim/csv-replay.ts
 * CandleSeries), several symbols at once, each symbol's files merged in time order, with the SHA-256
 * of every file for the report. Two layouts:
 *  - Kite candles `datetime,open,high,low,close,volume[,oi]` (and the Upstox / daily layouts csv-replay
 *    reads): the row time is the bar's START (Kite's convention); the symbol is the file name
 *    (`<SYMBOL>.csv`) unless one is given (`SYM=PATH`).
 *  - Vendor 1-minute bars `symbol,date,time,open,high,low,close,volume[,oi]` (`../shared/data/nse/intraday_1min`):
 *    the row time is the bar's END, which must be DECLARED (`barTime: 'end'`); rows outside the NSE
 *    session of their day (the 09:08 pre-open row, the 15:31/15:32 post-close rows, a Muhurat evening)
 *    are dropped and counted in the warnings.
 *  - Tick files `date,time,price,volume[,open_interest]` (`../shared/data/nse/ticks`, several trades a second):
 *    each second's trades become a 1-second bar (first, highest, lowest, last price; summed volume), which
 *    the replay plays as four prints inside that second; the symbol is the file name without a trailing
 *    `_YYYYMMDD`. Trades outside the session are dropped, with a warning.
 * Every problem of every file is collected and thrown as one BacktestDataError naming file:line.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { IST_OFFSET_MS } from '../core/ist.js';
import { nseCalendar } from '../core/nse-calendar.js';
import { snapToTick } from '../core/prices.js';
import { parseCandleCsv, type Candle, type CandleSeries } from '../kite-sim/csv-replay.js';

/** When a row's time falls in its bar: its start (Kite) or its end (the vendor 1-minute files). */
export type BarTime = 'start' | 'end';

export interface DataSource {
  /** A file or a directory of `*.csv` files. */
  path: string;
  /** The symbol of every row (default: the file name, or the file's `symbol` column). */
  symbol?: string;
}

export interface InputFile {
  path: string;
  symbol: string;
  sha256: string;
  rows: number;
}

export interface BacktestData {
  series: CandleSeries[];
  files: InputFile[];
  warnings: string[];
}

export interface DataIssue {
  file: string;
  line: number;
  message: string;
}

export class BacktestDataError extends Error {
  constructor(readonly issues: readonly DataIssue[]) {
    const shown = issues.slice(0, 20).map((i) => `  ${i.file}${i.line > 0 ? `:${i.line}` : ''}: ${i.message}`);
    super(`backtest data: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${shown.join('\n')}${issues.length > 20 ? `\n  … and ${issues.length - 20} more` : ''}`);
    this.name = 'BacktestDataError';
  }
}

export interface LoadOptions {
  /** Declared time convention of the rows (default 'start'; the vendor 1-minute files need 'end'). */
  barTime?: BarTime;
  /** Keep bars starting at or after this epoch ms. */
  from?: number;
  /** Keep bars starting before this epoch ms. */
  to?: number;
}

const DAY_MS = 86_400_000;

function csvFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new BacktestDataError([{ file: path, line: 0, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
  }
  if (st.isFile()) return [path];
  const names = readdirSync(path)
    .filter((n) => /\.csv$/i.test(n) && statSync(join(path, n)).isFile())
    .sort();
  if (names.length === 0) throw new BacktestDataError([{ file: path, line: 0, message: 'no *.csv files' }]);
  return names.map((n) => join(path, n));
}

/** The vendor layout's rows as candles (end-time bars), rows outside the session dropped. */
function parseVendorCsv(text: string, file: string, want: string | undefined, issues: DataIssue[]): { symbol: string; candles: Candle[]; dropped: number } | undefined {
  const rows = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, bom: true, trim: true }) as unknown as { record: string[]; info: { lines: number } }[];
  const names = rows[0]!.record.map((h) => h.toLowerCase());
  const at = (n: string) => names.indexOf(n);
  const [iS, iD, iT, iO, iH, iL, iC, iV] = ['symbol', 'date', 'time', 'open', 'high', 'low', 'close', 'volume'].map(at) as number[];
  if ([iS, iD, iT, iO, iH, iL, iC, iV].some((i) => i! < 0)) {
    issues.push({ file, line: 1, message: `unsupported header "${rows[0]!.record.join(',')}": expected symbol,date,time,open,high,low,close,volume[,oi]` });
    return undefined;
  }
  const raw: { t: number; o: number; h: number; l: number; c: number; v: number; line: number }[] = [];
  let symbol: string | undefined;
  const before = issues.length;
  for (const { record, info } of rows.slice(1)) {
    const line = info.lines;
    const sym = record[iS!]!;
    if (want !== undefined && sym !== want) continue;
    if (symbol === undefined) symbol = sym;
    else if (sym !== symbol) {
      issues.push({ file, line, message: `symbol ${sym} in a file of ${symbol} (one symbol per file, or name it with SYM=PATH)` });
      continue;
    }
    const d = /^(\d{4})(\d{2})(\d{2})$/.exec(record[iD!]!);
    const tm = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(record[iT!]!);
    if (!d || !tm) {
      issues.push({ file, line, message: `bad date/time "${record[iD!]} ${record[iT!]}" (expected YYYYMMDD and HH:MM)` });
      continue;
    }
    const t = Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +tm[1]!, +tm[2]!, +(tm[3] ?? 0)) - IST_OFFSET_MS;
    const px = [iO, iH, iL, iC].map((i) => Number(record[i!]));
    const v = Number(record[iV!]);
    if (px.some((p) => !Number.isFinite(p) || p <= 0) || !Number.isSafeInteger(v) || v < 0) {
      issues.push({ file, line, message: `bad price or volume in "${record.join(',')}"` });
      continue;
    }
    const [o, h, l, c] = px.map((p) => snapToTick(p * 100, 5)) as [number, number, number, number];
    if (h < l || o < l || o > h || c < l || c > h) {
      issues.push({ file, line, message: `inconsistent OHLC (open ${px[0]}, high ${px[1]}, low ${px[2]}, close ${px[3]})` });
      continue;
    }
    raw.push({ t, o, h, l, c, v, line });
  }
  if (issues.length > before) return undefined;
  if (symbol === undefined) return want === undefined ? (issues.push({ file, line: 0, message: 'no data rows' }), undefined) : undefined;
  raw.sort((a, b) => a.t - b.t);
  // the bar length: the most common gap between rows of one day (1 minute in the vendor files)
  const gaps = new Map<number, number>();
  for (let i = 1; i < raw.length; i++) {
    const g = raw[i]!.t - raw[i - 1]!.t;
    if (g > 0 && g < DAY_MS / 2) gaps.set(g, (gaps.get(g) ?? 0) + 1);
  }
  let len = 60_000;
  let best = 0;
  for (const [g, n] of gaps) if (n > best || (n === best && g < len)) [len, best] = [g, n];
  const candles: Candle[] = [];
  let dropped = 0;
  for (const r of raw) {
    const start = r.t - len;
    const windows = nseCalendar.session(start)?.windows ?? [];
    if (!windows.some((w) => start >= w.start && r.t <= w.end)) {
      dropped++;
      continue;
    }
    candles.push({ start, end: r.t, openPaise: r.o, highPaise: r.h, lowPaise: r.l, closePaise: r.c, volume: r.v, line: r.line });
  }
  return { symbol, candles, dropped };
}

/** A tick file's trades as 1-second bars (see the file comment). */
function parseTickCsv(text: string, file: string, issues: DataIssue[]): { candles: Candle[]; dropped: number; trades: number } | undefined {
  const rows = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, bom: true, trim: true }) as unknown as { record: string[]; info: { lines: number } }[];
  const names = rows[0]!.record.map((h) => h.toLowerCase());
  const [iD, iT, iP, iV] = ['date', 'time', 'price', 'volume'].map((n) => names.indexOf(n)) as [number, number, number, number];
  if (iD < 0 || iT < 0 || iP < 0 || iV < 0) {
    issues.push({ file, line: 1, message: `unsupported header "${rows[0]!.record.join(',')}": expected date,time,price,volume[,open_interest]` });
    return undefined;
  }
  const before = issues.length;
  const candles: Candle[] = [];
  let dropped = 0;
  let trades = 0;
  let cur: Candle | undefined;
  let prevT = -Infinity;
  for (const { record, info } of rows.slice(1)) {
    const line = info.lines;
    const d = /^(\d{4})(\d{2})(\d{2})$/.exec(record[iD] ?? '');
    const tm = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(record[iT] ?? '');
    const price = Number(record[iP]);
    const vol = Number(record[iV]);
    if (!d || !tm) {
      issues.push({ file, line, message: `bad date/time "${record[iD]} ${record[iT]}" (expected YYYYMMDD and HH:MM:SS)` });
      continue;
    }
    if (!Number.isFinite(price) || price <= 0 || !Number.isSafeInteger(vol) || vol < 0) {
      issues.push({ file, line, message: `bad price or volume in "${record.join(',')}"` });
      continue;
    }
    const t = Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +tm[1]!, +tm[2]!, +tm[3]!) - IST_OFFSET_MS;
    if (t < prevT) {
      issues.push({ file, line, message: `time ${record[iD]} ${record[iT]} is before the previous row's (rows must be in time order)` });
      continue;
    }
    prevT = t;
    const windows = nseCalendar.session(t)?.windows ?? [];
    if (!windows.some((w) => t >= w.start && t + 1000 <= w.end)) {
      dropped++;
      continue;
    }
    trades++;
    const p = snapToTick(price * 100, 5);
    if (cur && cur.start === t) {
      if (p > cur.highPaise) cur.highPaise = p;
      if (p < cur.lowPaise) cur.lowPaise = p;
      cur.closePaise = p;
      cur.volume += vol;
    } else {
      cur = { start: t, end: t + 1000, openPaise: p, highPaise: p, lowPaise: p, closePaise: p, volume: vol, line };
      candles.push(cur);
    }
  }
  if (issues.length > before) return undefined;
  return { candles, dropped, trades };
}

/**
 * Reads every source (files, or directories of `*.csv`), merges each symbol's bars in time order and
 * keeps those in [from, to). Throws BacktestDataError with every problem found.
 */
export function loadBacktestData(sources: readonly DataSource[], opts: LoadOptions = {}): BacktestData {
  const issues: DataIssue[] = [];
  const warnings: string[] = [];
  const files: InputFile[] = [];
  const bySymbol = new Map<string, { candles: Candle[]; file: string; intervals: Set<string> }>();
  const barTime = opts.barTime ?? 'start';
  if (sources.length === 0) throw new BacktestDataError([{ file: '(none)', line: 0, message: 'no data: give --data PATH or --symbol SYM=PATH' }]);
  for (const src of sources) {
    let paths: string[];
    try {
      paths = csvFiles(src.path);
    } catch (e) {
      if (e instanceof BacktestDataError) {
        issues.push(...e.issues);
        continue;
      }
      throw e;
    }
    for (const file of paths) {
      const buf = readFileSync(file);
      const text = buf.toString('utf8');
      const head = (text.split('\n', 1)[0] ?? '').toLowerCase().replace(/^\ufeff/, '');
      const vendor = /(^|,)symbol(,|$)/.test(head) && /(^|,)time(,|$)/.test(head);
      const ticks = !vendor && /(^|,)price(,|$)/.test(head) && /(^|,)time(,|$)/.test(head);
      let symbol: string;
      let candles: Candle[];
      let interval: string;
      if (ticks) {
        const r = parseTickCsv(text, file, issues);
        if (!r) continue;
        symbol = src.symbol ?? basename(file).replace(/\.csv$/i, '').replace(/_\d{8}$/, '');
        candles = r.candles;
        interval = 'ticks';
        if (r.dropped > 0) warnings.push(`${file}: ${r.dropped} trade(s) outside the NSE session dropped`);
        warnings.push(`${file}: ${r.trades} trades replayed as ${r.candles.length} one-second bars (4 prints each: first, high, low, last)`);
      } else if (vendor) {
        if (barTime !== 'end') {
          issues.push({ file, line: 1, message: 'rows "symbol,date,time,…" carry their bar END time: declare it (barTime: end, --bar-time end)' });
          continue;
        }
        const r = parseVendorCsv(text, file, src.symbol, issues);
        if (!r) continue;
        symbol = src.symbol ?? r.symbol;
        candles = r.candles;
        interval = 'vendor';
        if (r.dropped > 0) warnings.push(`${file}: ${r.dropped} row(s) outside the NSE session dropped (pre-open, post-close or special-session rows)`);
      } else {
        if (barTime !== 'start') {
          issues.push({ file, line: 1, message: 'a Kite candle file ("datetime,open,…") labels bars by their START: barTime end does not apply' });
          continue;
        }
        symbol = src.symbol ?? basename(file).replace(/\.csv$/i, '');
        const r = parseCandleCsv(text, file, symbol);
        if (!r.series) {
          issues.push(...r.issues);
          continue;
        }
        candles = r.series.candles;
        interval = String(r.series.interval);
      }
      files.push({ path: file, symbol, sha256: createHash('sha256').update(buf).digest('hex'), rows: candles.length });
      let e = bySymbol.get(symbol);
      if (!e) bySymbol.set(symbol, (e = { candles: [], file, intervals: new Set() }));
      e.intervals.add(interval);
      for (const c of candles) e.candles.push(c);
    }
  }
  const series: CandleSeries[] = [];
  for (const [symbol, e] of [...bySymbol].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const from = opts.from ?? -Infinity;
    const to = opts.to ?? Infinity;
    const cs = e.candles.filter((c) => c.start >= from && c.start < to).sort((a, b) => a.start - b.start);
    for (let i = 1; i < cs.length; i++) {
      if (cs[i]!.start < cs[i - 1]!.end) issues.push({ file: e.file, line: cs[i]!.line, message: `${symbol}: bar at ${new Date(cs[i]!.start).toISOString()} overlaps the previous one (the same bars in two files?)` });
    }
    if (cs.length === 0) {
      warnings.push(`${symbol}: no bars in the chosen period`);
      continue;
    }
    let shortest = Infinity;
    for (const c of cs) if (c.end - c.start < shortest) shortest = c.end - c.start;
    series.push({ symbol, file: e.file, interval: shortest, candles: cs });
  }
  if (issues.length > 0) throw new BacktestDataError(issues);
  if (series.length === 0) throw new BacktestDataError([{ file: sources.map((s) => s.path).join(', '), line: 0, message: 'no bars in the chosen period' }]);
  return { series, files, warnings };
}
