/**
 * `builtin:sma`: a small, self-contained evaluator for optimisation runs and tests, independent of
 * the backtester: a long-only SMA crossover per symbol (qty 1, enter at the next bar's open after
 * the fast SMA closes above the slow, exit at the next open after it closes below, an open position
 * valued at the last close), no charges or slippage; metrics from portfolio/metrics.ts on the
 * summed daily equity. Params: `fast`, `slow` (bars, whole numbers, fast < slow).
 *
 * Data: `{ files: [...] }`, CSV files or folders of them, in the Kite candle format
 * (`datetime,open,high,low,close,volume[,oi]`, the file name is the symbol) or the 1-minute vendor
 * format `symbol,date,time,open,high,low,close,…` (`20220201,09:16`, IST; a symbol may be split over
 * several monthly files). Optional `capitalRupees` (default 10,00,000). Loaded once per thread.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { IST_OFFSET_MS } from '../core/ist.js';
import { parseCandleCsvText, parseCandleDateTime } from '../indicators/candle-csv.js';
import { computeMetrics, type Metrics } from '../portfolio/metrics.js';
import type { EvalResult, EvalWindow, Evaluator } from './evaluator.js';
import { pinnedInputs, verifyInputs, type PinnedInput } from './inputs.js';
import type { ParamPoint } from './space.js';

const DAY_MS = 86_400_000;

export class SmaDataError extends Error {
  override readonly name = 'SmaDataError';
}

/** One symbol's bars, columns in paise, ascending time. */
export interface Series {
  symbol: string;
  t: Float64Array;
  o: Float64Array;
  c: Float64Array;
}

interface SmaData {
  files: string[];
  capitalRupees?: number;
  /** Pinned (inputs.ts): the SHA-256 of every file, checked before the files are read. */
  inputs?: PinnedInput[];
}

function parseData(data: unknown): SmaData {
  const d = data as SmaData;
  if (typeof d !== 'object' || d === null || !Array.isArray(d.files) || d.files.length === 0 || d.files.some((f) => typeof f !== 'string')) {
    throw new SmaDataError('builtin:sma needs data { files: [CSV files or folders] }');
  }
  if (d.capitalRupees !== undefined && !(typeof d.capitalRupees === 'number' && d.capitalRupees > 0)) throw new SmaDataError('capitalRupees must be > 0');
  pinnedInputs(d);
  return d;
}

function expand(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new SmaDataError(`data file not found: ${p}`);
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p).filter((f) => f.endsWith('.csv')).sort()) out.push(join(p, f));
    } else out.push(p);
  }
  return out;
}

/** Vendor rows `symbol,date,time,open,high,low,close,…` → rows per symbol. */
function readVendor(file: string, text: string, into: Map<string, [number, number, number][]>): void {
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const f = line.split(',');
    const d = f[1] ?? '';
    const tm = f[2] ?? '';
    const o = Number(f[3]);
    const c = Number(f[6]);
    if (!/^\d{8}$/.test(d) || !/^\d{2}:\d{2}$/.test(tm) || !Number.isFinite(o) || !Number.isFinite(c)) throw new SmaDataError(`${file}:${i + 1}: expected symbol,YYYYMMDD,HH:MM,open,high,low,close`);
    const t = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)), Number(tm.slice(0, 2)), Number(tm.slice(3, 5))) - IST_OFFSET_MS;
    const sym = f[0]!;
    let rows = into.get(sym);
    if (!rows) into.set(sym, (rows = []));
    rows.push([t, Math.round(o * 100), Math.round(c * 100)]);
  }
}

/**
 * The plain Kite layout `datetime,open,high,low,close,volume[,oi]` without quoting, read line by line
 * (a year of minute bars is ~100k lines; csv-parse takes seconds for it); undefined → use csv-parse.
 */
function readKiteFast(text: string): [number, number, number][] | undefined {
  const nl = text.indexOf('\n');
  const head = text.slice(0, nl).trim().toLowerCase();
  if (!/^(datetime|date|timestamp),open,high,low,close,volume(,oi)?$/.test(head) || text.includes('"')) return undefined;
  const out: [number, number, number][] = [];
  let prevDay = '';
  let dayBase = NaN;
  for (const line of text.slice(nl + 1).split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split(',');
    const dt = f[0]!.trim();
    // the date part's midnight is parsed once a day; the time of day is added
    let t: number | undefined;
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(\+05:?30)?$/.exec(dt);
    if (m) {
      if (m[1] !== prevDay) {
        prevDay = m[1]!;
        dayBase = Date.parse(`${prevDay}T00:00:00+05:30`);
      }
      t = dayBase + (Number(m[2]) * 60 + Number(m[3])) * 60_000 + Number(m[4] ?? 0) * 1000;
    } else t = parseCandleDateTime(dt);
    const o = Number(f[1]);
    const c = Number(f[4]);
    if (t === undefined || !Number.isFinite(t) || !Number.isFinite(o) || !Number.isFinite(c) || f.length < 6) return undefined;
    out.push([t, Math.round(o * 100), Math.round(c * 100)]);
  }
  return out;
}

export function loadSeries(paths: readonly string[]): Series[] {
  const rows = new Map<string, [number, number, number][]>();
  for (const file of expand(paths)) {
    const text = readFileSync(file, 'utf8');
    const head = text.slice(0, text.indexOf('\n')).trim().toLowerCase();
    if (head.startsWith('symbol,date,time')) readVendor(file, text, rows);
    else {
      const sym = basename(file).replace(/\.csv$/i, '');
      let r = rows.get(sym);
      if (!r) rows.set(sym, (r = []));
      const fast = readKiteFast(text);
      if (fast) for (const row of fast) r.push(row);
      else for (const b of parseCandleCsvText(text, file).bars) r.push([b.t, Math.round(b.o * 100), Math.round(b.c * 100)]);
    }
  }
  return [...rows.keys()].sort().map((symbol) => {
    const r = rows.get(symbol)!.sort((a, b) => a[0] - b[0]);
    const n = r.length;
    const s: Series = { symbol, t: new Float64Array(n), o: new Float64Array(n), c: new Float64Array(n) };
    r.forEach(([t, o, c], i) => ((s.t[i] = t), (s.o[i] = o), (s.c[i] = c)));
    return s;
  });
}

const cache = new Map<string, Series[]>();
function seriesFor(d: SmaData): Series[] {
  const key = JSON.stringify([d.files, d.inputs?.map((i) => i.sha256) ?? null]);
  let s = cache.get(key);
  if (!s) {
    verifyInputs(d.inputs);
    cache.set(key, (s = loadSeries(d.files)));
  }
  return s;
}

interface Trade {
  entryValuePaise: number;
  exitValuePaise: number;
  grossPnlPaise: number;
  chargesPaise: number;
  netPnlPaise: number;
  openedAt: number;
  closedAt: number;
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m]! < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

const istDayOf = (t: number) => Math.floor((t + IST_OFFSET_MS) / DAY_MS);

/**
 * One symbol over bars [i0, i1): its trades and its cumulative PnL at each IST day's last bar
 * (day number → [ts, pnl]).
 */
export function smaCrossRun(s: Series, i0: number, i1: number, fast: number, slow: number, trades: Trade[], daily: Map<number, [number, number]>): void {
  let sumF = 0;
  let sumS = 0;
  let prevDiff = NaN;
  let pos = false;
  let entry = 0;
  let entryT = 0;
  let realised = 0;
  let pending: 'BUY' | 'SELL' | undefined;
  for (let i = i0; i < i1; i++) {
    const t = s.t[i]!;
    // fills of the previous bar's signal at this bar's open
    if (pending === 'BUY' && !pos) {
      pos = true;
      entry = s.o[i]!;
      entryT = t;
    } else if (pending === 'SELL' && pos) {
      const exit = s.o[i]!;
      trades.push({ entryValuePaise: entry, exitValuePaise: exit, grossPnlPaise: exit - entry, chargesPaise: 0, netPnlPaise: exit - entry, openedAt: entryT, closedAt: t });
      realised += exit - entry;
      pos = false;
    }
    pending = undefined;
    const c = s.c[i]!;
    const k = i - i0;
    sumF += c;
    sumS += c;
    if (k >= fast) sumF -= s.c[i - fast]!;
    if (k >= slow) sumS -= s.c[i - slow]!;
    if (k >= slow - 1) {
      const diff = sumF / fast - sumS / slow;
      if (prevDiff <= 0 && diff > 0) pending = 'BUY';
      else if (prevDiff >= 0 && diff < 0) pending = 'SELL';
      prevDiff = diff;
    }
    const nextT = i + 1 < i1 ? s.t[i + 1]! : Infinity;
    if (istDayOf(nextT) !== istDayOf(t)) daily.set(istDayOf(t), [t, realised + (pos ? c - entry : 0)]);
  }
  if (pos && i1 > i0) {
    const exit = s.c[i1 - 1]!;
    trades.push({ entryValuePaise: entry, exitValuePaise: exit, grossPnlPaise: exit - entry, chargesPaise: 0, netPnlPaise: exit - entry, openedAt: entryT, closedAt: s.t[i1 - 1]! });
  }
}

function checkParams(p: ParamPoint): { fast: number; slow: number } {
  const { fast, slow } = p;
  if (typeof fast !== 'number' || typeof slow !== 'number' || !Number.isInteger(fast) || !Number.isInteger(slow) || fast < 1 || slow < 2) {
    throw new SmaDataError(`builtin:sma: params fast and slow must be whole numbers of bars (fast ≥ 1, slow ≥ 2), got ${JSON.stringify(p)}`);
  }
  return { fast, slow };
}

export function evaluateSma(series: readonly Series[], params: ParamPoint, capitalPaise: number, window?: EvalWindow, withEquity = false): EvalResult {
  const { fast, slow } = checkParams(params);
  const trades: Trade[] = [];
  const perSymbol: Map<number, [number, number]>[] = [];
  let first = Infinity;
  let last = -Infinity;
  if (fast < slow) {
    for (const s of series) {
      const i0 = window ? lowerBound(s.t, window.from) : 0;
      const i1 = window ? lowerBound(s.t, window.to) : s.t.length;
      if (i1 <= i0) continue;
      first = Math.min(first, s.t[i0]!);
      last = Math.max(last, s.t[i1 - 1]!);
      const daily = new Map<number, [number, number]>();
      smaCrossRun(s, i0, i1, fast, slow, trades, daily);
      perSymbol.push(daily);
    }
  }
  // equity at each IST day's end: capital + Σ symbols' cumulative PnL (a symbol without bars that day keeps its last)
  const days = [...new Set(perSymbol.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const lastPnl = perSymbol.map(() => 0);
  const equity: { ts: number; valuePaise: number }[] = [];
  const start = window?.from ?? (Number.isFinite(first) ? first : 0);
  equity.push({ ts: Math.min(start, first), valuePaise: capitalPaise });
  for (const d of days) {
    let ts = 0;
    perSymbol.forEach((m, k) => {
      const v = m.get(d);
      if (v) {
        lastPnl[k] = v[1];
        ts = Math.max(ts, v[0]);
      }
    });
    equity.push({ ts, valuePaise: capitalPaise + lastPnl.reduce((a, b) => a + b, 0) });
  }
  const m: Metrics = computeMetrics({ capitalPaise, trades, equity, ...(Number.isFinite(last) ? { to: last } : {}) });
  const metrics: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(m)) metrics[k] = v;
  return withEquity ? { metrics, equity } : { metrics };
}

export const smaEvaluator: Evaluator = {
  evaluate(params, data, opts) {
    const d = parseData(data);
    return evaluateSma(seriesFor(d), params, Math.round((d.capitalRupees ?? 1_000_000) * 100), opts.window, opts.equity === true);
  },
  range(data) {
    const series = seriesFor(parseData(data));
    let from = Infinity;
    let to = -Infinity;
    for (const s of series) {
      if (s.t.length === 0) continue;
      from = Math.min(from, s.t[0]!);
      to = Math.max(to, s.t[s.t.length - 1]!);
    }
    if (!Number.isFinite(from)) throw new SmaDataError('the data has no bars');
    return { from, to: to + 1 };
  },
};
