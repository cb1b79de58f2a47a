/**
 * Replay of REAL candles (OHLCV CSV files) as a tick stream for the Kite simulator.
 *
 * Input: a directory of `<SYMBOL>.csv` files, one instrument each (the file name minus `.csv` is the
 * tradingsymbol, e.g. `M&M.csv` → `M&M`). Supported layouts (header names are case-insensitive):
 * - Kite candles `datetime,open,high,low,close,volume[,oi]` (historical API / kiteconnect dumps);
 * - Upstox candles `timestamp,open,high,low,close,volume[,oi]`;
 * - daily `date,open,high,low,close,volume` (also `date,o,h,l,c,v`).
 * Times are `YYYY-MM-DD HH:MM[:SS][±HH:MM|Z]` (a `T` separator is fine) or `YYYY-MM-DD`; without an
 * offset they are IST. Each row's time is the bar's START (Kite convention). A file whose times are all
 * 00:00 is daily: each bar covers that date's 09:15–15:30 IST session. Otherwise the bar length is the
 * most common gap between consecutive bars of the same day, capped at 15:30 IST and at the next bar's
 * start (so Kite's 15:15 `60minute` stub lasts 15 minutes).
 * NOT supported (rejected with a clear error): the vendor 1-minute files `symbol,date,time,…` (bars
 * carry their END time, with pre-open/post-close rows), tick files `date,time,price,…`, instrument dumps.
 *
 * Validation (all problems of all files are collected, then one CandleDataError lists them with
 * file:line; nothing is skipped silently): unknown header, wrong column count, bad time, a price that
 * is not a finite number > 0, volume not an integer ≥ 0, high < low, open or close outside
 * [low, high], a time equal to or earlier than the previous row's.
 * Prices are rupees in the file and become integer paise snapped to the 5-paise tick.
 *
 * Ticks: every bar becomes a deterministic path (seeded per symbol and bar, so it does not depend on
 * --from or on how time is advanced): open first, then the nearer extreme (high or low; on a tie the
 * high first for a falling bar, the low first otherwise), then the other extreme, then close last,
 * with a small Brownian-bridge noise in between that is clamped to [low, high]. So the bar's OHLC are
 * exactly the first, max, min and last tick prices. One tick per `tickIntervalMs` simulated ms (4 to
 * `maxTicksPerBar` per bar); the bar's volume is split over its ticks so the day's cumulative volume
 * is exact (each tick ≥ 1 share when the bar volume allows; bars with volume 0, e.g. indices, give
 * lastQty 0). Simulated time only runs inside bars: a gap with no bar of any symbol (nights,
 * weekends, missing data) is skipped at once, as MarketSimulator skips time outside sessions.
 *
 * Whole bars (`wholeBars`, the backtester's mode): no ticks; each bar is one event (onBar) once time
 * reaches its end, carrying the 4 prints a noise-free 4-tick replay of it would give (open at the start,
 * the nearer extreme, the other, close at start + k/4 of the bar) and the day's cumulative volume. Only
 * for bars that lie inside one 1-minute bucket (1-minute or shorter bars); others are refused.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { systemClock, type Clock } from '../core/clock.js';
import { IST_OFFSET_MS, istSessionBounds } from '../core/ist.js';
import { snapToTick } from '../core/prices.js';
import { Rng } from '../core/random.js';
import { NIFTY50_SEEDS, type SimInstrumentSeed } from '../model/instruments.js';
import type { Tick } from '../model/tick.js';
import type { BarEvent } from '../market/data-client.js';
import type { MarketSource } from './market-source.js';

const TICK_PAISE = 5;
const DAY_MS = 86_400_000;
const TIMER_INTERVAL_MS = 50;
const MAX_REAL_STEP_MS = 1000;
const QTY_LOG_SD = 0.8;

export interface Candle {
  /** Bar start, epoch ms. */
  start: number;
  /** Bar end (exclusive), epoch ms. */
  end: number;
  openPaise: number;
  highPaise: number;
  lowPaise: number;
  closePaise: number;
  /** Shares traded in the bar. */
  volume: number;
  /** 1-based line of the row in its file. */
  line: number;
}

export interface CandleSeries {
  symbol: string;
  file: string;
  /** 'day' (one bar per session) or the intraday bar length in ms. */
  interval: 'day' | number;
  /** Strictly increasing, non-overlapping. */
  candles: Candle[];
}

export interface CandleIssue {
  file: string;
  /** 1-based; 0 = the file as a whole. */
  line: number;
  message: string;
}

/** Thrown by loadCandleDir / parseCandleCsv with every problem found, each naming file and line. */
export class CandleDataError extends Error {
  constructor(readonly issues: readonly CandleIssue[]) {
    const shown = issues.slice(0, 20).map((i) => `  ${i.file}${i.line > 0 ? `:${i.line}` : ''}: ${i.message}`);
    const more = issues.length > 20 ? `\n  … and ${issues.length - 20} more` : '';
    const formats = issues.some((i) => /^(unsupported|no <SYMBOL>)/.test(i.message)) ? `\nSupported: ${SUPPORTED_CANDLE_FORMATS}` : '';
    super(`candle data: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${shown.join('\n')}${more}${formats}`);
    this.name = 'CandleDataError';
  }
}

export const SUPPORTED_CANDLE_FORMATS =
  'Kite candles "datetime,open,high,low,close,volume[,oi]", Upstox "timestamp,open,…", daily "date,open,…" or "date,o,h,l,c,v"; ' +
  'one <SYMBOL>.csv per instrument; row time = bar start, IST unless an offset is given. ' +
  'Not supported: 1-minute "symbol,date,time,…" files (end-time bars), tick files, instrument dumps.';

const COLUMN_ALIASES: Record<string, readonly string[]> = {
  time: ['datetime', 'timestamp', 'date'],
  open: ['open', 'o'],
  high: ['high', 'h'],
  low: ['low', 'l'],
  close: ['close', 'c'],
  volume: ['volume', 'v'],
};

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch ms of a candle time, or undefined if it is not one of the accepted forms. */
export function parseCandleTime(s: string): number | undefined {
  const m = TIME_RE.exec(s.trim());
  if (!m) return undefined;
  const [y, mo, d, hh = '0', mi = '0', ss = '0'] = [m[1]!, m[2]!, m[3]!, m[4], m[5], m[6]];
  const fields = [Number(y), Number(mo), Number(d), Number(hh), Number(mi), Number(ss)] as const;
  const [Y, M, D, H, Mi, S] = fields;
  if (M < 1 || M > 12 || D < 1 || D > 31 || H > 23 || Mi > 59 || S > 59) return undefined;
  const utc = Date.UTC(Y, M - 1, D, H, Mi, S);
  if (new Date(utc).getUTCDate() !== D) return undefined; // 2025-02-30
  let offsetMs = IST_OFFSET_MS;
  const off = m[7];
  if (off === 'Z') offsetMs = 0;
  else if (off !== undefined) {
    const sign = off.startsWith('-') ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return utc - offsetMs;
}

/** The IST calendar day number of an epoch ms (days since 1970-01-01 IST). */
export function istDay(epochMs: number): number {
  return Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS);
}

/** Above this a price is refused (1e12 rupees: still a safe integer of paise). */
const MAX_PRICE_RUPEES = 1e12;

function rupeesToPaise(s: string): number | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  const r = Number(t);
  // an absurd price (1e308: paise overflow to Infinity) is a bad price, not a crash (found by fuzzing)
  if (!Number.isFinite(r) || r <= 0 || r > MAX_PRICE_RUPEES) return undefined;
  const p = snapToTick(r * 100, TICK_PAISE);
  return p > 0 ? p : undefined;
}

interface CsvRow {
  record: string[];
  info: { lines: number };
}

/** Parses one candle CSV. Returns the series (undefined if there were issues) and the issues. */
export function parseCandleCsv(text: string, file: string, symbol: string): { series: CandleSeries | undefined; issues: CandleIssue[] } {
  const issues: CandleIssue[] = [];
  const bad = (line: number, message: string) => issues.push({ file, line, message });
  let rows: CsvRow[];
  try {
    rows = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, bom: true, trim: true }) as unknown as CsvRow[];
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 0;
    bad(line, `CSV syntax: ${(e as Error).message}`);
    return { series: undefined, issues };
  }
  const header = rows[0];
  if (!header) {
    bad(0, 'empty file');
    return { series: undefined, issues };
  }
  const names = header.record.map((h) => h.toLowerCase());
  if (names.includes('symbol') && names.includes('time')) {
    bad(header.info.lines, `unsupported format (vendor 1-minute "symbol,date,time,…" bars carry their end time)`);
    return { series: undefined, issues };
  }
  const col: Record<string, number> = {};
  const missing: string[] = [];
  for (const [key, aliases] of Object.entries(COLUMN_ALIASES)) {
    const idx = names.findIndex((n) => aliases.includes(n));
    if (idx < 0) missing.push(aliases.join('|'));
    else col[key] = idx;
  }
  if (missing.length > 0) {
    bad(header.info.lines, `unsupported header "${header.record.join(',')}": missing ${missing.join(', ')}`);
    return { series: undefined, issues };
  }

  interface Row {
    t: number;
    o: number;
    h: number;
    l: number;
    c: number;
    v: number;
    line: number;
  }
  const out: Row[] = [];
  let prevT = -Infinity;
  let prevLine = 0;
  for (const { record, info } of rows.slice(1)) {
    const line = info.lines;
    if (record.length !== header.record.length) {
      bad(line, `expected ${header.record.length} columns, got ${record.length}`);
      continue;
    }
    const rowIssues: string[] = [];
    const timeText = record[col['time']!]!;
    const t = parseCandleTime(timeText);
    if (t === undefined) rowIssues.push(`bad time "${timeText}" (expected YYYY-MM-DD[ HH:MM[:SS][+05:30]])`);
    const price = (k: 'open' | 'high' | 'low' | 'close') => {
      const raw = record[col[k]!]!;
      const p = rupeesToPaise(raw);
      if (p === undefined) rowIssues.push(`bad ${k} "${raw}" (expected a number of rupees > 0 and ≤ 1e12)`);
      return p;
    };
    const [o, h, l, c] = [price('open'), price('high'), price('low'), price('close')];
    const vRaw = record[col['volume']!]!;
    const v = vRaw === '' ? NaN : Number(vRaw);
    if (!Number.isSafeInteger(v) || v < 0) rowIssues.push(`bad volume "${vRaw}" (expected an integer ≥ 0)`);
    if (h !== undefined && l !== undefined) {
      if (h < l) rowIssues.push(`high ${record[col['high']!]} < low ${record[col['low']!]}`);
      else {
        if (o !== undefined && (o < l || o > h)) rowIssues.push(`open ${record[col['open']!]} outside [low, high]`);
        if (c !== undefined && (c < l || c > h)) rowIssues.push(`close ${record[col['close']!]} outside [low, high]`);
      }
    }
    if (t !== undefined) {
      if (t <= prevT) rowIssues.push(`time ${timeText} is ${t === prevT ? 'the same as' : 'before'} line ${prevLine}'s (rows must be in increasing time)`);
      else {
        prevT = t;
        prevLine = line;
      }
    }
    if (rowIssues.length > 0) {
      for (const m of rowIssues) bad(line, m);
      continue;
    }
    out.push({ t: t!, o: o!, h: h!, l: l!, c: c!, v, line });
  }
  if (issues.length === 0 && out.length === 0) bad(0, 'no data rows');
  if (issues.length > 0) return { series: undefined, issues };

  const IST_MIDNIGHT = (t: number) => (t + IST_OFFSET_MS) % DAY_MS === 0;
  const daily = out.every((r) => IST_MIDNIGHT(r.t));
  let interval: 'day' | number = 'day';
  if (!daily) {
    const gaps = new Map<number, number>();
    for (let i = 1; i < out.length; i++) {
      if (istDay(out[i]!.t) === istDay(out[i - 1]!.t)) {
        const g = out[i]!.t - out[i - 1]!.t;
        gaps.set(g, (gaps.get(g) ?? 0) + 1);
      }
    }
    let best = 0;
    let bestCount = 0;
    for (const [g, n] of gaps) if (n > bestCount || (n === bestCount && g < best)) [best, bestCount] = [g, n];
    interval = best > 0 ? best : 0; // 0: one bar per day → until the session close
  }
  const candles: Candle[] = out.map((r, i) => {
    let start = r.t;
    let end: number;
    if (interval === 'day') ({ open: start, close: end } = istSessionBounds(r.t));
    else {
      const { close } = istSessionBounds(r.t);
      end = interval > 0 ? r.t + interval : close;
      if (r.t < close) end = Math.min(end, close);
      if (end <= start) end = start + 60_000;
    }
    const next = out[i + 1];
    if (next && interval !== 'day') end = Math.min(end, next.t);
    return { start, end, openPaise: r.o, highPaise: r.h, lowPaise: r.l, closePaise: r.c, volume: r.v, line: r.line };
  });
  return { series: { symbol, file, interval, candles }, issues };
}

/**
 * Reads every `<SYMBOL>.csv` (case-insensitive extension) in `dir`; other files and subdirectories
 * are ignored. Throws CandleDataError listing every problem (file:line) if any file is bad.
 */
export function loadCandleDir(dir: string): CandleSeries[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new CandleDataError([{ file: dir, line: 0, message: `cannot read directory: ${(e as Error).message}` }]);
  }
  const files = names.filter((n) => /\.csv$/i.test(n) && statSync(join(dir, n)).isFile()).sort();
  if (files.length === 0) throw new CandleDataError([{ file: dir, line: 0, message: 'no <SYMBOL>.csv files' }]);
  const issues: CandleIssue[] = [];
  const series: CandleSeries[] = [];
  const seen = new Map<string, string>();
  for (const name of files) {
    const file = join(dir, name);
    const symbol = basename(name).replace(/\.csv$/i, '');
    const other = seen.get(symbol.toUpperCase());
    if (other) {
      issues.push({ file, line: 0, message: `symbol ${symbol} also comes from ${other}` });
      continue;
    }
    seen.set(symbol.toUpperCase(), file);
    const r = parseCandleCsv(readFileSync(file, 'utf8'), file, symbol);
    issues.push(...r.issues);
    if (r.series) series.push(r.series);
  }
  if (issues.length > 0) throw new CandleDataError(issues);
  return series;
}

export interface CandleReplayOptions {
  series: readonly CandleSeries[];
  /** The simulator's instrument list; data symbols found here keep their position (and so their token)
   * and name, with basePaise replaced by the data's; symbols not found are appended. Default NIFTY50_SEEDS. */
  baseSeeds?: readonly SimInstrumentSeed[];
  /** Seed of the intra-bar noise and volume split; default 1. */
  seed?: number;
  /** Simulated ms per real ms, used by start(); default 1. */
  speed?: number;
  /** Replay from the first bar starting at or after this epoch ms; earlier bars only set prevClose and the day volume. */
  from?: number;
  /** Simulated ms between a symbol's ticks; default 1000. */
  tickIntervalMs?: number;
  /** Default 3600. At least 4. */
  maxTicksPerBar?: number;
  /** Noise scale as a fraction of the bar's range; default 0.1 (0 = straight lines between O, H, L, C). */
  noise?: number;
  /** Whole bars instead of ticks (see the file comment): onBar, no onTick. */
  wholeBars?: boolean;
}

/** The order of a bar's extremes on its path: the shorter way round O → X → Y → C (a tie: high first for a falling bar). */
function highFirst(c: Candle): boolean {
  const viaHigh = c.highPaise - c.openPaise + (c.closePaise - c.lowPaise);
  const viaLow = c.openPaise - c.lowPaise + (c.highPaise - c.closePaise);
  return viaHigh < viaLow || (viaHigh === viaLow && c.closePaise < c.openPaise);
}

interface SymbolState {
  symbol: string;
  candles: Candle[];
  /** Next bar to open. */
  nextBar: number;
  bar: Candle | undefined;
  ts: number[];
  px: number[];
  qty: number[];
  pos: number;
  dayVolume: number;
  lastDay: number | undefined;
  lastClose: number | undefined;
  prevClose: number;
}

function fail(what: string): never {
  throw new RangeError(`CandleReplay: ${what}`);
}

function hash32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ (Math.trunc(seed) >>> 0)) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Candles replayed as ticks. See the file comment for the model. */
export class CandleReplay implements MarketSource {
  readonly seeds: readonly SimInstrumentSeed[];
  private readonly st: SymbolState[];
  private readonly bySymbol = new Map<string, SymbolState>();
  /** Merged [start, end) of all bars still to replay, disjoint and sorted. */
  private readonly segments: { start: number; end: number }[] = [];
  private seg = 0;
  private cursor: number;
  private readonly nextTs: Float64Array;
  private readonly listeners = new Set<(t: Tick) => void>();
  private readonly barListeners = new Set<(b: Readonly<BarEvent>) => void>();
  private readonly wholeBars: boolean;
  /** The one bar event, refilled per bar (BarEvent: listeners keep nothing of it). */
  private readonly barEvent: BarEvent & { printPaise: number[]; printTs: number[] } = {
    symbol: '',
    start: 0,
    end: 0,
    openPaise: 0,
    highPaise: 0,
    lowPaise: 0,
    closePaise: 0,
    volume: 0,
    dayVolume: 0,
    printPaise: [0, 0, 0, 0],
    printTs: [0, 0, 0, 0],
  };
  private readonly endListeners = new Set<() => void>();
  private readonly segmentEndListeners = new Set<(endMs: number) => void>();
  private readonly seed: number;
  private readonly speed: number;
  private readonly tickIntervalMs: number;
  private readonly maxTicksPerBar: number;
  private readonly noise: number;
  private advancing = false;
  private finished = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastReal = 0;

  constructor(
    opts: CandleReplayOptions,
    private readonly realClock: Clock = systemClock,
  ) {
    this.seed = opts.seed ?? 1;
    if (!Number.isFinite(this.seed)) fail(`seed must be a finite number, got ${String(opts.seed)}`);
    const pos = (name: string, v: number | undefined, d: number) => {
      if (v === undefined) return d;
      if (!Number.isFinite(v) || v <= 0) fail(`${name} must be a finite number > 0, got ${String(v)}`);
      return v;
    };
    this.speed = pos('speed', opts.speed, 1);
    this.tickIntervalMs = pos('tickIntervalMs', opts.tickIntervalMs, 1000);
    this.maxTicksPerBar = Math.max(4, Math.floor(pos('maxTicksPerBar', opts.maxTicksPerBar, 3600)));
    this.noise = opts.noise ?? 0.1;
    this.wholeBars = opts.wholeBars === true;
    if (!Number.isFinite(this.noise) || this.noise < 0) fail(`noise must be a finite number ≥ 0, got ${String(opts.noise)}`);
    const from = opts.from ?? -Infinity;
    if (Number.isNaN(from)) fail('from must be an epoch ms');
    if (opts.series.length === 0) fail('no candle series');

    const base = opts.baseSeeds ?? NIFTY50_SEEDS;
    const seeds: SimInstrumentSeed[] = base.map((s) => ({ ...s }));
    const seedIndex = new Map(seeds.map((s, i) => [s.symbol, i]));
    const extra: SimInstrumentSeed[] = [];
    this.st = [];
    const intervals: { start: number; end: number }[] = [];
    for (const series of opts.series) {
      if (this.bySymbol.has(series.symbol)) fail(`duplicate symbol ${series.symbol}`);
      const c = series.candles;
      if (c.length === 0) fail(`${series.symbol}: no candles`);
      const state: SymbolState = {
        symbol: series.symbol,
        candles: c,
        nextBar: 0,
        bar: undefined,
        ts: [],
        px: [],
        qty: [],
        pos: 0,
        dayVolume: 0,
        lastDay: undefined,
        lastClose: undefined,
        prevClose: 0,
      };
      // Bars before `from` only set the day state (prevClose, day volume so far).
      while (state.nextBar < c.length && c[state.nextBar]!.start < from) this.closeBarState(state, c[state.nextBar++]!);
      const first = c[state.nextBar];
      if (first && istDay(first.start) !== state.lastDay) this.rollDay(state, first);
      // The reference (base) price: the real previous close if the data has one, else the first replayed close.
      const ref = first ? (state.lastClose !== undefined ? state.prevClose : first.closePaise) : state.lastClose!;
      if (state.lastClose === undefined) state.prevClose = ref;
      // the series' own stretches of touching bars first (one a day, not one a bar: the merge below sorts few)
      let run: { start: number; end: number } | undefined;
      const dayNums = new Set<number>();
      let lastDayNum = NaN;
      let volumeSum = 0;
      for (let i = 0; i < c.length; i++) {
        const k = c[i]!;
        const dn = istDay(k.start);
        if (dn !== lastDayNum) dayNums.add((lastDayNum = dn));
        volumeSum += k.volume;
        if (i < state.nextBar) continue;
        if (this.wholeBars && Math.floor(k.start / 60_000) !== Math.floor((k.end - 1) / 60_000)) {
          fail(`${series.symbol}: the bar at ${new Date(k.start).toISOString()} spans more than one minute; whole-bar replay takes only 1-minute or shorter bars (replay it as ticks)`);
        }
        if (run !== undefined && k.start >= run.start && k.start <= run.end) {
          if (k.end > run.end) run.end = k.end;
        } else {
          if (run !== undefined) intervals.push(run);
          run = { start: k.start, end: k.end };
        }
      }
      if (run !== undefined) intervals.push(run);

      const days = dayNums.size;
      const avgDailyVolume = Math.max(1, Math.round(volumeSum / days));
      const at = seedIndex.get(series.symbol);
      if (at !== undefined) seeds[at] = { ...seeds[at]!, basePaise: ref };
      else extra.push({ symbol: series.symbol, name: series.symbol, basePaise: ref, avgDailyVolume });
      this.st.push(state);
      this.bySymbol.set(series.symbol, state);
    }
    if (intervals.length === 0) fail(`no candles at or after ${new Date(from).toISOString()}`);
    extra.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    this.seeds = Object.freeze([...seeds, ...extra]);
    // Tie order between symbols at the same ms: instrument-list order.
    const order = new Map(this.seeds.map((s, i) => [s.symbol, i]));
    this.st.sort((a, b) => order.get(a.symbol)! - order.get(b.symbol)!);

    intervals.sort((a, b) => a.start - b.start);
    for (const iv of intervals) {
      const last = this.segments[this.segments.length - 1];
      if (last && iv.start <= last.end) last.end = Math.max(last.end, iv.end);
      else this.segments.push({ ...iv });
    }
    this.cursor = this.segments[0]!.start;
    this.nextTs = new Float64Array(this.st.length);
    this.st.forEach((s, i) => (this.nextTs[i] = this.wholeBars ? this.peekBar(s) : this.peek(s)));
  }

  /** Whole bars (wholeBars mode): each bar once time reaches its end. See BarEvent. */
  onBar(listener: (b: Readonly<BarEvent>) => void): () => void {
    this.barListeners.add(listener);
    return () => {
      this.barListeners.delete(listener);
    };
  }

  /** Bar time to replay from the start, ms: the length of the merged stretches of bars (gaps excluded). */
  get spanMs(): number {
    let t = 0;
    for (const g of this.segments) t += g.end - g.start;
    return t;
  }

  /** True in whole-bar mode (bars, no ticks). */
  get barMode(): boolean {
    return this.wholeBars;
  }

  onTick(listener: (t: Tick) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Called once when the last bar has been replayed (time then stops at its end). */
  onEnd(listener: () => void): () => void {
    this.endListeners.add(listener);
    return () => {
      this.endListeners.delete(listener);
    };
  }

  /**
   * Called when time reaches the end of a stretch of bars (before a gap is skipped, and at the very end),
   * with now() equal to that end: a clock listener can see 15:30 before the replay jumps to the next session.
   */
  onSegmentEnd(listener: (endMs: number) => void): () => void {
    this.segmentEndListeners.add(listener);
    return () => {
      this.segmentEndListeners.delete(listener);
    };
  }

  /** True once every bar has been replayed. */
  get done(): boolean {
    return this.finished;
  }

  /** Drives advance() from an unref'd real timer: every ~50 ms real, by real elapsed × speed (at most 1 s real per step). */
  start(): void {
    if (this.timer !== undefined) return;
    this.lastReal = this.realClock.now();
    this.timer = setInterval(() => this.step(), TIMER_INTERVAL_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Current simulated epoch ms (inside a bar, or the end of the last bar once done). */
  now(): number {
    return Math.floor(this.cursor);
  }

  /** The data's bars of `symbol` that end at or before `t` (the real history before a replay position), oldest first. */
  barsBefore(symbol: string, t: number): readonly Candle[] {
    const s = this.bySymbol.get(symbol);
    if (!s) return [];
    let n = 0;
    while (n < s.candles.length && s.candles[n]!.end <= t) n++;
    return s.candles.slice(0, n);
  }

  /** Close of the symbol's last bar on an earlier IST day (before any: the replay's reference price). */
  prevClose(symbol: string): number {
    const s = this.bySymbol.get(symbol);
    if (s) return s.prevClose;
    const seed = this.seeds.find((x) => x.symbol === symbol);
    if (seed) return seed.basePaise; // in the instrument list but not in the data: never ticks
    throw new RangeError(`CandleReplay.prevClose: unknown symbol '${symbol}'`);
  }

  /** Emits, in time order, every tick of the next `simMs` of bar time (gaps between bars are skipped). */
  advance(simMs: number): void {
    if (!Number.isFinite(simMs) || simMs < 0) fail(`advance: simMs must be a finite number ≥ 0, got ${String(simMs)}`);
    if (this.advancing) fail('advance: called re-entrantly from a tick listener');
    if (this.finished) return;
    this.advancing = true;
    try {
      let remaining = simMs;
      for (;;) {
        const seg = this.segments[this.seg]!;
        const left = seg.end - this.cursor;
        if (remaining < left) {
          this.cursor += remaining;
          this.emitBefore(this.cursor);
          return;
        }
        remaining -= left;
        this.cursor = seg.end;
        this.emitBefore(seg.end);
        for (const l of this.segmentEndListeners) l(seg.end);
        if (this.seg + 1 >= this.segments.length) {
          this.finished = true;
          this.stop();
          for (const l of this.endListeners) l();
          return;
        }
        this.seg++;
        this.cursor = this.segments[this.seg]!.start;
      }
    } finally {
      this.advancing = false;
    }
  }

  /** Every tick path of one bar, for tests and tools (deterministic for seed, symbol and bar start). */
  barPath(symbol: string, bar: Candle): { ts: number[]; px: number[]; qty: number[] } {
    return this.buildPath(symbol, bar);
  }

  private step(): void {
    const now = this.realClock.now();
    const elapsed = now - this.lastReal;
    this.lastReal = now;
    if (!(elapsed > 0)) return;
    this.advance(Math.min(elapsed, MAX_REAL_STEP_MS) * this.speed);
  }

  private closeBarState(s: SymbolState, c: Candle): void {
    if (istDay(c.start) !== s.lastDay) this.rollDay(s, c);
    s.dayVolume += c.volume;
    s.lastClose = c.closePaise;
  }

  private rollDay(s: SymbolState, c: Candle): void {
    if (s.lastClose !== undefined) s.prevClose = s.lastClose;
    s.dayVolume = 0;
    s.lastDay = istDay(c.start);
  }

  /** The symbol's next tick time (opening its next bar's path if needed), Infinity when exhausted. */
  private peek(s: SymbolState): number {
    if (s.bar && s.pos < s.ts.length) return s.ts[s.pos]!;
    if (s.nextBar >= s.candles.length) return Infinity;
    const bar = s.candles[s.nextBar++]!;
    const p = this.buildPath(s.symbol, bar);
    Object.assign(s, { bar, ts: p.ts, px: p.px, qty: p.qty, pos: 0 });
    return s.ts[0]!;
  }

  /** Whole-bar mode: the end of the symbol's next bar, Infinity when exhausted. */
  private peekBar(s: SymbolState): number {
    return s.nextBar < s.candles.length ? s.candles[s.nextBar]!.end : Infinity;
  }

  /** Whole-bar mode: every bar ending at or before t, by end time (ties: instrument order). */
  private emitBarsUntil(t: number): void {
    const n = this.st.length;
    const nextTs = this.nextTs;
    for (;;) {
      // the earliest end due; then every symbol's bar ending then, in instrument order (one scan per
      // instant, not one per bar: aligned bars of many symbols share their end)
      let m = Infinity;
      for (let i = 0; i < n; i++) if (nextTs[i]! < m) m = nextTs[i]!;
      if (!(m <= t)) return;
      for (let i = 0; i < n; i++) while (nextTs[i] === m) this.emitBar(i);
    }
  }

  /** Whole-bar mode: the next bar of symbol state `i`, to the bar listeners. */
  private emitBar(i: number): void {
    const e = this.barEvent;
    const s = this.st[i]!;
    const bar = s.candles[s.nextBar++]!;
    this.nextTs[i] = this.peekBar(s);
    if (istDay(bar.start) !== s.lastDay) this.rollDay(s, bar);
    s.dayVolume += bar.volume;
    s.lastClose = bar.closePaise;
    s.bar = bar;
    if (this.barListeners.size === 0) return;
    const dur = Math.max(1, bar.end - bar.start);
    const hf = highFirst(bar);
    e.symbol = s.symbol;
    e.start = bar.start;
    e.end = bar.end;
    e.openPaise = bar.openPaise;
    e.highPaise = bar.highPaise;
    e.lowPaise = bar.lowPaise;
    e.closePaise = bar.closePaise;
    e.volume = bar.volume;
    e.dayVolume = s.dayVolume;
    const px = e.printPaise;
    const pt = e.printTs;
    px[0] = bar.openPaise;
    px[1] = hf ? bar.highPaise : bar.lowPaise;
    px[2] = hf ? bar.lowPaise : bar.highPaise;
    px[3] = bar.closePaise;
    pt[0] = bar.start;
    pt[1] = bar.start + Math.floor(dur / 4);
    pt[2] = bar.start + Math.floor(dur / 2);
    pt[3] = bar.start + Math.floor((3 * dur) / 4);
    for (const l of this.barListeners) l(e);
  }

  private emitBefore(t: number): void {
    if (this.wholeBars) {
      this.emitBarsUntil(t);
      return;
    }
    const n = this.st.length;
    for (;;) {
      let best = -1;
      let bestTs = t;
      for (let i = 0; i < n; i++) {
        const ts = this.nextTs[i]!;
        if (ts < bestTs) [best, bestTs] = [i, ts];
      }
      if (best < 0) return;
      const s = this.st[best]!;
      const bar = s.bar!;
      if (s.pos === 0 && istDay(bar.start) !== s.lastDay) this.rollDay(s, bar);
      const qty = s.qty[s.pos]!;
      const price = s.px[s.pos]!;
      s.dayVolume += qty;
      s.pos++;
      if (s.pos === s.ts.length) s.lastClose = bar.closePaise;
      this.nextTs[best] = this.peek(s);
      if (this.listeners.size > 0) {
        const tick: Tick = { symbol: s.symbol, lastPaise: price, lastQty: qty, volume: s.dayVolume, tsEvent: Math.floor(bestTs) };
        for (const l of this.listeners) l(tick);
      }
    }
  }

  private buildPath(symbol: string, c: Candle): { ts: number[]; px: number[]; qty: number[] } {
    const dur = Math.max(1, c.end - c.start);
    let n = Math.min(this.maxTicksPerBar, Math.max(4, Math.round(dur / this.tickIntervalMs)));
    if (c.volume >= 4 && c.volume < n) n = c.volume; // every tick ≥ 1 share
    const rng = new Rng(hash32(`${symbol}|${c.start}`, this.seed));
    const { openPaise: O, highPaise: H, lowPaise: L, closePaise: C } = c;

    const ts = new Array<number>(n);
    for (let k = 0; k < n; k++) ts[k] = c.start + Math.floor((k * dur) / n);

    // Waypoints O → X → Y → C through both extremes, the shorter way round.
    const [X, Y] = highFirst(c) ? [H, L] : [L, H];
    const d1 = Math.abs(X - O);
    const d2 = Math.abs(Y - X);
    const total = d1 + d2 + Math.abs(C - Y);
    const px = new Array<number>(n).fill(O);
    if (total > 0) {
      const i1 = Math.min(n - 3, Math.max(1, Math.round(((n - 1) * d1) / total)));
      const i2 = Math.min(n - 2, Math.max(i1 + 1, Math.round(((n - 1) * (d1 + d2)) / total)));
      const amp = this.noise * (H - L);
      const fill = (a: number, pa: number, b: number, pb: number) => {
        px[a] = pa;
        px[b] = pb;
        const m = b - a;
        if (m <= 1) return;
        const sd = amp / Math.sqrt(m);
        const walk = new Float64Array(m + 1);
        for (let j = 1; j <= m; j++) walk[j] = walk[j - 1]! + sd * rng.normal();
        for (let j = 1; j < m; j++) {
          const x = pa + ((pb - pa) * j) / m + walk[j]! - (walk[m]! * j) / m;
          // L and H are multiples of the tick, so snapping a value inside [L, H] stays inside.
          px[a + j] = snapToTick(Math.min(H, Math.max(L, x)), TICK_PAISE);
        }
      };
      fill(0, O, i1, X);
      fill(i1, X, i2, Y);
      fill(i2, Y, n - 1, C);
    }

    // Volume: 1 share per tick when possible, the rest by lognormal weights; the sum is exact.
    const qty = new Array<number>(n).fill(c.volume >= n ? 1 : 0);
    const rest = c.volume >= n ? c.volume - n : c.volume;
    const w = new Float64Array(n);
    let wSum = 0;
    for (let k = 0; k < n; k++) {
      w[k] = Math.exp(QTY_LOG_SD * rng.normal());
      wSum += w[k]!;
    }
    let acc = 0;
    let given = 0;
    for (let k = 0; k < n; k++) {
      acc += w[k]!;
      const upTo = k === n - 1 ? rest : Math.min(rest, Math.floor((rest * acc) / wSum));
      qty[k] = qty[k]! + upTo - given;
      given = upTo;
    }
    return { ts, px, qty };
  }
}
