import { TIMEFRAMES, type Candle, type Timeframe } from '../contract/schemas.js';
import { IST_OFFSET_MS } from '../core/ist.js';
import { nseCalendar } from '../core/nse-calendar.js';
import type { Tick } from '../model/tick.js';
import type { BarEvent } from './data-client.js';

export { TIMEFRAMES };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const REGULAR_OPEN_MS = (9 * 60 + 15) * MINUTE_MS;
const REGULAR_CLOSE_MS = (15 * 60 + 30) * MINUTE_MS;
const TF_COUNT = TIMEFRAMES.length;
const DAY_TF = TF_COUNT - 1;
/** Bucket length of each intraday timeframe, ms, in TIMEFRAMES order (`day` is 0: handled apart). */
const TF_MS: readonly number[] = TIMEFRAMES.map((tf) => (tf === 'day' ? 0 : Number(tf.slice(0, -1)) * MINUTE_MS));
const TF_INDEX: Readonly<Record<string, number>> = Object.fromEntries(TIMEFRAMES.map((tf, i) => [tf, i]));

/** Ring slots per timeframe unless configured: ~5 days of 1m, ~2 years of day candles. */
export const DEFAULT_CAPACITY: Readonly<Record<Timeframe, number>> = Object.freeze({
  '1m': 2000,
  '3m': 1000,
  '5m': 1000,
  '10m': 500,
  '15m': 500,
  '30m': 500,
  '60m': 500,
  day: 500,
});

/** What happened to a tick (onTick's return value). Numbers, so the hot path compares integers. */
export const TickOutcome = Object.freeze({
  /** Folded into the forming bar of every timeframe. */
  ACCEPTED: 0,
  /** Same tsEvent, price and cumulative volume as the previous accepted tick. No state changed. */
  DUPLICATE: 1,
  /** Its 1-minute bucket is older than the newest bar, or already closed by the clock. No state changed. */
  LATE: 2,
  /** At or after the session close: not in any candle, but it is the latest print (volume baseline moves). */
  AFTER_CLOSE: 3,
  /** Symbol not tracked. */
  UNKNOWN: 4,
});
export type TickOutcome = (typeof TickOutcome)[keyof typeof TickOutcome];

/** Session times of one IST date. `null` (no session: holiday, weekend) falls back to 09:15–15:30. */
export interface SessionSource {
  session(epochMs: number): { readonly open: number; readonly close: number } | null;
}

export interface MultiTimeframeOptions {
  /** Ring size: one number for every timeframe, or per timeframe (missing ones take DEFAULT_CAPACITY). */
  capacity?: number | Partial<Record<Timeframe, number>>;
  /** Session open/close per day; default the NSE calendar. */
  sessions?: SessionSource;
  /**
   * onClock(now) closes bars whose end ≤ now − closeDelayMs (default 0). A small delay lets a live
   * feed's slightly late exchange timestamps still land in their bar, at the cost of closing later.
   */
  closeDelayMs?: number;
  /**
   * The timeframes to build (default all of TIMEFRAMES; `1m`, the store's base, is always built). A run
   * that knows what reads its candles (a backtest: its strategies' timeframes) builds only those; asking
   * for a timeframe not built (candles, forming, size, onCandle) throws a RangeError naming it, and no
   * bar-closed event comes for it.
   */
  timeframes?: readonly Timeframe[];
}

export type CandleListener = (c: Candle) => void;
export type BarClosedListener = (symbol: string, tf: Timeframe, candle: Candle) => void;

/** Session layout of one IST date, cached. */
interface DayInfo {
  /** Days since epoch of the IST date. */
  day: number;
  /** Epoch ms of 00:00 IST. */
  midnight: number;
  open: number;
  close: number;
}

/**
 * The bucket of `epochMs` in timeframe `tf`: start (label) and end (exclusive, clipped to the session
 * close — the 60m 15:15 bar ends 15:30). Times before the open fall into the first bucket (Kite counts
 * the pre-open auction in the 09:15 candle). Times at or after the close have no intraday bucket:
 * returns null for them (a `day` bucket still exists: the date's).
 */
export function bucketOf(tf: Timeframe, epochMs: number, sessions: SessionSource = nseCalendar): { start: number; end: number } | null {
  const k = TF_INDEX[tf];
  if (k === undefined) throw new RangeError(`bucketOf: unknown timeframe '${String(tf)}'`);
  if (!Number.isFinite(epochMs)) throw new RangeError(`bucketOf: epochMs must be finite, got ${String(epochMs)}`);
  const d = dayInfo(Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS), sessions);
  if (k === DAY_TF) return { start: d.midnight, end: d.close };
  if (epochMs >= d.close) return null;
  const size = TF_MS[k]!;
  const rel = epochMs > d.open ? epochMs - d.open : 0;
  const start = d.open + Math.floor(rel / size) * size;
  return { start, end: Math.min(start + size, d.close) };
}

function dayInfo(day: number, sessions: SessionSource): DayInfo {
  const midnight = day * DAY_MS - IST_OFFSET_MS;
  const s = sessions.session(midnight);
  if (s === null) return { day, midnight, open: midnight + REGULAR_OPEN_MS, close: midnight + REGULAR_CLOSE_MS };
  return { day, midnight, open: s.open, close: s.close };
}

function capacityOf(opt: MultiTimeframeOptions['capacity'], tf: Timeframe): number {
  const n = typeof opt === 'number' ? opt : (opt?.[tf] ?? DEFAULT_CAPACITY[tf]);
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`MultiTimeframeCandles: capacity of ${tf} must be a positive integer, got ${String(n)}`);
  return n;
}

const F = 6; // fields per bar: t, o, h, l, c, v
const INITIAL_SLOTS = 64;

/**
 * A ring of bars in one Float64Array (6 numbers a bar). It starts small and doubles up to `cap`
 * slots, then wraps, evicting the oldest: memory follows use, the bound is fixed.
 */
class BarRing {
  buf: Float64Array;
  private slots: number;
  /** Slot of the newest bar. */
  head = -1;
  count = 0;
  /** The newest bar is still forming (not closed yet). */
  forming = false;
  /** End (exclusive) of the newest bar. */
  end = 0;

  constructor(readonly cap: number) {
    this.slots = Math.min(cap, INITIAL_SLOTS);
    this.buf = new Float64Array(this.slots * F);
  }

  /** Offset of the newest bar in buf. */
  get at(): number {
    return this.head * F;
  }

  push(t: number, price: number, v: number, end: number): void {
    if (this.count === this.slots && this.slots < this.cap) this.grow();
    this.head = this.head + 1 === this.slots ? 0 : this.head + 1;
    if (this.count < this.slots) this.count++;
    const o = this.head * F;
    const b = this.buf;
    b[o] = t;
    b[o + 1] = price;
    b[o + 2] = price;
    b[o + 3] = price;
    b[o + 4] = price;
    b[o + 5] = v;
    this.forming = true;
    this.end = end;
  }

  /** Offset in buf of the k-th newest bar (0 = newest). */
  offsetBack(k: number): number {
    let s = this.head - k;
    if (s < 0) s += this.slots;
    return s * F;
  }

  private grow(): void {
    // Before the first wrap the bars sit in slots 0..count-1 in order, so a plain copy keeps them.
    const slots = Math.min(this.cap, this.slots * 2);
    const next = new Float64Array(slots * F);
    next.set(this.buf);
    this.buf = next;
    this.slots = slots;
  }
}

/** Candles of every timeframe of one instrument. Create through MultiTimeframeCandles. */
export class InstrumentCandles {
  /** Per timeframe, in TIMEFRAMES order (undefined: a timeframe the store does not build). */
  private readonly rings: (BarRing | undefined)[];
  private readonly listeners: CandleListener[][];
  private prevTs = Number.NaN;
  private prevPrice = Number.NaN;
  private prevVolume = 0;
  /** IST day number of the last tick taken (accepted or after close); NaN before the first. */
  private prevDay = Number.NaN;
  /** Earliest end among forming bars (the 1m bar's, while one forms); Infinity when none forms. */
  nextCloseAt = Number.POSITIVE_INFINITY;
  /**
   * While true, ticks of bars the clock has already passed are taken (not LATE): the history of an
   * instrument added at run time (MultiTimeframeCandles.add), replayed before its live ticks.
   */
  backfilling = false;

  constructor(
    readonly symbol: string,
    private readonly owner: MultiTimeframeCandles,
    capacity: MultiTimeframeOptions['capacity'],
  ) {
    const built = owner.built;
    this.rings = TIMEFRAMES.map((tf, k) => (built.includes(k) ? new BarRing(capacityOf(capacity, tf)) : undefined));
    this.listeners = TIMEFRAMES.map(() => []);
  }

  /** Applies a tick; see TickOutcome. Throws RangeError on a malformed tick (wrong symbol, bad numbers). */
  onTick(t: Tick): TickOutcome {
    const ts = t.tsEvent;
    const price = t.lastPaise;
    const volume = t.volume;
    if (
      t.symbol !== this.symbol ||
      !Number.isSafeInteger(ts) ||
      ts < 0 ||
      !Number.isSafeInteger(price) ||
      price <= 0 ||
      !Number.isSafeInteger(t.lastQty) ||
      t.lastQty < 0 ||
      !Number.isSafeInteger(volume) ||
      volume < 0
    ) {
      badTick(this.symbol, t);
    }
    if (ts === this.prevTs && price === this.prevPrice && volume === this.prevVolume) {
      this.owner.duplicates++;
      return TickOutcome.DUPLICATE;
    }
    const owner = this.owner;
    const d = owner.day(ts);
    const open = d.open;
    const close = d.close;

    const newDay = d.day !== this.prevDay;
    if (ts >= close) {
      // After the close: not a candle tick, but the day's latest print (the volume baseline moves on).
      if (!newDay && ts < this.prevTs) {
        owner.late++;
        return TickOutcome.LATE;
      }
      this.prevTs = ts;
      this.prevPrice = price;
      this.prevVolume = volume;
      this.prevDay = d.day;
      owner.afterClose++;
      return TickOutcome.AFTER_CLOSE;
    }

    const rel = ts > open ? ts - open : 0;
    const mStart = open + Math.floor(rel / MINUTE_MS) * MINUTE_MS;
    const r1 = this.rings[0]!;
    if (r1.count > 0) {
      const headT = r1.buf[r1.at]!;
      if (mStart < headT || (mStart === headT && !r1.forming)) {
        owner.late++;
        return TickOutcome.LATE;
      }
    }
    const mEnd = mStart + MINUTE_MS < close ? mStart + MINUTE_MS : close;
    if (mEnd <= owner.watermark && !this.backfilling) {
      owner.late++;
      return TickOutcome.LATE;
    }

    // Volume: the delta of the day's cumulative volume. The first tick of a day takes the whole
    // cumulative figure when it falls in the session's first minute (pre-open volume belongs to the
    // 09:15 bar, as in Kite's candles), else only its own trade (joined mid-day: earlier volume belongs
    // to bars we never saw). Cumulative volume going down within a day (a feed reset) also takes lastQty.
    let delta: number;
    if (newDay) delta = mStart === open ? volume : t.lastQty;
    else if (volume < this.prevVolume) delta = t.lastQty;
    else delta = volume - this.prevVolume;
    this.prevTs = ts;
    this.prevPrice = price;
    this.prevVolume = volume;
    this.prevDay = d.day;

    const rings = this.rings;
    for (let k = 0; k < TF_COUNT; k++) {
      const ring = rings[k];
      if (ring === undefined) continue; // a timeframe not built (MultiTimeframeOptions.timeframes)
      let start: number;
      let end: number;
      if (k === 0) {
        start = mStart;
        end = mEnd;
      } else if (k === DAY_TF) {
        start = d.midnight;
        end = close;
      } else {
        const size = TF_MS[k]!;
        start = open + Math.floor(rel / size) * size;
        end = start + size < close ? start + size : close;
      }
      if (ring.forming && ring.buf[ring.at] === start) {
        const b = ring.buf;
        const o = ring.at;
        if (price > b[o + 2]!) b[o + 2] = price;
        if (price < b[o + 3]!) b[o + 3] = price;
        b[o + 4] = price;
        b[o + 5] = b[o + 5]! + delta;
      } else {
        if (ring.forming) {
          ring.forming = false;
          if (owner.closedListeners.length > 0) owner.emitClosed(this.symbol, k, this.candleAt(k, 0));
        }
        ring.push(start, price, delta, end);
      }
      const ls = this.listeners[k]!;
      if (ls.length > 0) owner.emitCandle(ls, this.candleAt(k, 0));
    }
    this.nextCloseAt = mEnd;
    if (mEnd < owner.nextCloseAt) owner.nextCloseAt = mEnd;
    owner.rethrow();
    return TickOutcome.ACCEPTED;
  }

  /**
   * Applies a whole bar (the feed's bar capability, BarEvent) lying inside one 1-minute bucket: the same
   * state as its 4 prints taken as ticks (open at the start, the extremes, the close; the bar's volume),
   * in one update. Late, after-close and new-day rules are the tick rules, judged at the bar's start.
   * Throws RangeError on a malformed bar or one spanning 1-minute buckets.
   */
  onBar(b: Readonly<BarEvent>): TickOutcome {
    const ts = b.start;
    const lastTs = b.printTs[b.printTs.length - 1]!;
    const O = b.openPaise;
    const H = b.highPaise;
    const L = b.lowPaise;
    const C = b.closePaise;
    const volume = b.dayVolume;
    if (
      b.symbol !== this.symbol ||
      !Number.isSafeInteger(ts) ||
      ts < 0 ||
      !Number.isSafeInteger(lastTs) ||
      lastTs < ts ||
      !Number.isSafeInteger(O) ||
      !Number.isSafeInteger(H) ||
      !Number.isSafeInteger(L) ||
      !Number.isSafeInteger(C) ||
      !(L > 0 && L <= O && L <= C && H >= O && H >= C) ||
      !Number.isSafeInteger(b.volume) ||
      b.volume < 0 ||
      !Number.isSafeInteger(volume) ||
      volume < 0
    ) {
      throw new RangeError(
        `MultiTimeframeCandles(${this.symbol}): bar ${String(b.symbol)} at ${String(ts)} is malformed (start/print times non-negative integers in order, 0 < low ≤ open, close ≤ high, volumes non-negative integers), got O ${String(O)} H ${String(H)} L ${String(L)} C ${String(C)} volume ${String(b.volume)}/${String(volume)}`,
      );
    }
    const owner = this.owner;
    const d = owner.day(ts);
    const open = d.open;
    const close = d.close;
    const newDay = d.day !== this.prevDay;
    if (ts >= close) {
      if (!newDay && ts < this.prevTs) {
        owner.late++;
        return TickOutcome.LATE;
      }
      this.prevTs = lastTs;
      this.prevPrice = C;
      this.prevVolume = volume;
      this.prevDay = d.day;
      owner.afterClose++;
      return TickOutcome.AFTER_CLOSE;
    }
    const rel = ts > open ? ts - open : 0;
    const mStart = open + Math.floor(rel / MINUTE_MS) * MINUTE_MS;
    const lastRel = lastTs > open ? lastTs - open : 0;
    if (lastTs >= close || open + Math.floor(lastRel / MINUTE_MS) * MINUTE_MS !== mStart) {
      throw new RangeError(`MultiTimeframeCandles(${this.symbol}): the bar at ${String(ts)} spans more than one 1-minute bucket (take it as ticks)`);
    }
    const r1 = this.rings[0]!;
    if (r1.count > 0) {
      const headT = r1.buf[r1.at]!;
      if (mStart < headT || (mStart === headT && !r1.forming)) {
        owner.late++;
        return TickOutcome.LATE;
      }
    }
    const mEnd = mStart + MINUTE_MS < close ? mStart + MINUTE_MS : close;
    if (mEnd <= owner.watermark && !this.backfilling) {
      owner.late++;
      return TickOutcome.LATE;
    }
    // the ticks' volume rule for the bar's first print, then its other prints' deltas: the bar's volume
    let delta: number;
    if (newDay) delta = mStart === open ? volume : b.volume;
    else if (volume < this.prevVolume) delta = b.volume;
    else delta = volume - this.prevVolume;
    this.prevTs = lastTs;
    this.prevPrice = C;
    this.prevVolume = volume;
    this.prevDay = d.day;

    const rings = this.rings;
    for (let k = 0; k < TF_COUNT; k++) {
      const ring = rings[k];
      if (ring === undefined) continue; // a timeframe not built (MultiTimeframeOptions.timeframes)
      let start: number;
      let end: number;
      if (k === 0) {
        start = mStart;
        end = mEnd;
      } else if (k === DAY_TF) {
        start = d.midnight;
        end = close;
      } else {
        const size = TF_MS[k]!;
        start = open + Math.floor(rel / size) * size;
        end = start + size < close ? start + size : close;
      }
      if (!(ring.forming && ring.buf[ring.at] === start)) {
        if (ring.forming) {
          ring.forming = false;
          if (owner.closedListeners.length > 0) owner.emitClosed(this.symbol, k, this.candleAt(k, 0));
        }
        ring.push(start, O, 0, end);
      }
      const bf = ring.buf;
      const o = ring.at;
      if (H > bf[o + 2]!) bf[o + 2] = H;
      if (L < bf[o + 3]!) bf[o + 3] = L;
      bf[o + 4] = C;
      bf[o + 5] = bf[o + 5]! + delta;
      const ls = this.listeners[k]!;
      if (ls.length > 0) owner.emitCandle(ls, this.candleAt(k, 0));
    }
    this.nextCloseAt = mEnd;
    if (mEnd < owner.nextCloseAt) owner.nextCloseAt = mEnd;
    owner.rethrow();
    return TickOutcome.ACCEPTED;
  }

  /** Closes every forming bar whose end ≤ cutoff; returns how many closed. */
  closeUntil(cutoff: number): number {
    let closed = 0;
    let next = Number.POSITIVE_INFINITY;
    const rings = this.rings;
    for (let k = 0; k < TF_COUNT; k++) {
      const ring = rings[k];
      if (ring === undefined || !ring.forming) continue;
      if (ring.end <= cutoff) {
        ring.forming = false;
        closed++;
        if (this.owner.closedListeners.length > 0) this.owner.emitClosed(this.symbol, k, this.candleAt(k, 0));
      } else if (ring.end < next) {
        next = ring.end;
      }
    }
    this.nextCloseAt = next;
    return closed;
  }

  /** Bars held for `tf` (the forming one included). */
  size(tf: Timeframe): number {
    return this.rings[this.owner.builtIndex(tf)]!.count;
  }

  /** The newest `limit` candles of `tf` (fresh objects), oldest → newest; the last may be forming. */
  last(tf: Timeframe, limit: number): Candle[] {
    const k = this.owner.builtIndex(tf);
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new RangeError(`candles(${this.symbol}, ${tf}): limit must be a non-negative integer, got ${String(limit)}`);
    }
    const n = Math.min(limit, this.rings[k]!.count);
    const out = new Array<Candle>(n);
    for (let i = 0; i < n; i++) out[i] = this.candleAt(k, n - 1 - i);
    return out;
  }

  /** The newest bar of `tf` if it is still forming. */
  forming(tf: Timeframe): Candle | undefined {
    const k = this.owner.builtIndex(tf);
    return this.rings[k]!.forming ? this.candleAt(k, 0) : undefined;
  }

  /** Called with a fresh candle on every accepted tick (the forming bar of `tf`, new or updated). */
  onCandle(tf: Timeframe, listener: CandleListener): () => void {
    const k = this.owner.builtIndex(tf);
    this.listeners[k] = [...this.listeners[k]!, listener];
    return () => {
      this.listeners[k] = this.listeners[k]!.filter((l) => l !== listener);
    };
  }

  private candleAt(k: number, back: number): Candle {
    const ring = this.rings[k]!;
    const o = ring.offsetBack(back);
    const b = ring.buf;
    return { symbol: this.symbol, tf: TIMEFRAMES[k]!, t: b[o]!, o: b[o + 1]!, h: b[o + 2]!, l: b[o + 3]!, c: b[o + 4]!, v: b[o + 5]! };
  }
}

function tfIndex(tf: Timeframe): number {
  const k = TF_INDEX[tf];
  if (k === undefined) throw new RangeError(`unknown timeframe '${String(tf)}' (expected one of ${TIMEFRAMES.join(', ')})`);
  return k;
}

function badTick(symbol: string, t: Tick): never {
  const at = `MultiTimeframeCandles(${symbol}): tick at tsEvent ${String(t.tsEvent)} has`;
  if (t.symbol !== symbol) throw new RangeError(`${at} the wrong symbol, got ${String(t.symbol)}`);
  if (!Number.isSafeInteger(t.tsEvent) || t.tsEvent < 0) throw new RangeError(`${at} a tsEvent that is not a non-negative integer epoch ms, got ${String(t.tsEvent)}`);
  if (!Number.isSafeInteger(t.lastPaise) || t.lastPaise <= 0) throw new RangeError(`${at} a lastPaise that is not a positive integer, got ${String(t.lastPaise)}`);
  if (!Number.isSafeInteger(t.lastQty) || t.lastQty < 0) throw new RangeError(`${at} a lastQty that is not a non-negative integer, got ${String(t.lastQty)}`);
  throw new RangeError(`${at} a volume that is not a non-negative integer, got ${String(t.volume)}`);
}

/**
 * Candles of every timeframe (1m 3m 5m 10m 15m 30m 60m day) for a set of instruments, from ticks.
 *
 * - Start-labelled like Kite's historical API. Intraday buckets are aligned to the session open of
 *   the tick's IST date (09:15 on a regular day; a special session's own open), so 60m runs 09:15,
 *   10:15, …, 15:15 and the last bar of a timeframe that does not divide the session is a stub ending at
 *   the close. `day` bars are labelled 00:00 IST of the date and end at the session close. Days with no
 *   session in the calendar (the simulator ignores holidays) use 09:15–15:30.
 * - Ticks before the open go into the first bar; ticks at/after the close go into no bar (AFTER_CLOSE).
 * - Volume: deltas of the day's cumulative volume (see InstrumentCandles.onTick for the first tick of a day).
 * - Late ticks (1-minute bucket older than the newest bar, or a bar the clock already closed) and exact
 *   duplicates of the previous accepted tick are ignored without touching any state.
 * - Bars close ON TIME: onClock(now) closes every forming bar whose end has passed and emits bar-closed,
 *   even if no tick came. A tick in a later bucket also closes the bar before it. Each bar closes once.
 * - Each (instrument, timeframe) keeps a fixed-capacity ring; the oldest bars are evicted.
 * - Option `timeframes`: only those (and 1m) are built, closed and emitted — the backtest's choice; live
 *   builds all eight (a chart may ask for any). Reading a timeframe not built throws.
 * - Per accepted tick the hot path allocates nothing unless someone listens (then one Candle per event).
 * - A listener that throws does not leave state half-updated: the rest of the update and the other
 *   listeners run, then the first error is rethrown.
 */
export class MultiTimeframeCandles {
  private readonly bySymbol = new Map<string, InstrumentCandles>();
  private readonly all: InstrumentCandles[] = [];
  private readonly sessions: SessionSource;
  private readonly closeDelayMs: number;
  private readonly dayCache = new Map<number, DayInfo>();
  private cachedDay: DayInfo = { day: Number.NaN, midnight: 0, open: 0, close: 0 };
  private pendingError: unknown = undefined;
  private hasPendingError = false;

  /** @internal Bars ending at or before this have been closed by the clock. */
  watermark = Number.NEGATIVE_INFINITY;
  /** @internal Earliest end of any forming bar (may be stale-low; onClock recomputes it). */
  nextCloseAt = Number.POSITIVE_INFINITY;
  /** @internal */
  closedListeners: BarClosedListener[] = [];
  /** @internal Indices (TIMEFRAMES order) of the timeframes built, ascending; always starts with 1m's 0. */
  readonly built: readonly number[];
  /** @internal counters */
  duplicates = 0;
  late = 0;
  afterClose = 0;

  constructor(symbols: readonly string[], opts: MultiTimeframeOptions = {}) {
    this.sessions = opts.sessions ?? nseCalendar;
    const delay = opts.closeDelayMs ?? 0;
    if (!Number.isFinite(delay) || delay < 0) throw new RangeError(`MultiTimeframeCandles: closeDelayMs must be a finite number ≥ 0, got ${String(delay)}`);
    this.closeDelayMs = delay;
    for (const tf of TIMEFRAMES) capacityOf(opts.capacity, tf); // validate once, with a clear message
    const want = new Set<number>([0]);
    if (opts.timeframes === undefined) for (let k = 1; k < TF_COUNT; k++) want.add(k);
    else {
      for (const [i, tf] of opts.timeframes.entries()) {
        const k = TF_INDEX[tf];
        if (k === undefined) throw new RangeError(`MultiTimeframeCandles: timeframes[${i}] '${String(tf)}' is not a timeframe (expected one of ${TIMEFRAMES.join(', ')})`);
        want.add(k);
      }
    }
    this.built = [...want].sort((a, b) => a - b);
    for (const [i, sym] of symbols.entries()) {
      if (typeof sym !== 'string' || sym.length === 0) throw new RangeError(`MultiTimeframeCandles: symbols[${i}] must be a non-empty string`);
      if (this.bySymbol.has(sym)) throw new RangeError(`MultiTimeframeCandles: symbols[${i}] duplicates '${sym}'`);
      const ic = new InstrumentCandles(sym, this, opts.capacity);
      this.bySymbol.set(sym, ic);
      this.all.push(ic);
    }
  }

  get duplicateTicks(): number {
    return this.duplicates;
  }

  get lateTicks(): number {
    return this.late;
  }

  get afterCloseTicks(): number {
    return this.afterClose;
  }

  /** Tracks one more symbol (added at run time); its view. A known symbol answers its existing view. */
  add(symbol: string, capacity?: MultiTimeframeOptions['capacity']): InstrumentCandles {
    if (typeof symbol !== 'string' || symbol.length === 0) throw new RangeError('MultiTimeframeCandles.add: symbol must be a non-empty string');
    let ic = this.bySymbol.get(symbol);
    if (ic === undefined) {
      ic = new InstrumentCandles(symbol, this, capacity);
      this.bySymbol.set(symbol, ic);
      this.all.push(ic);
    }
    return ic;
  }

  /** The per-instrument view, or undefined for an untracked symbol. */
  instrument(symbol: string): InstrumentCandles | undefined {
    return this.bySymbol.get(symbol);
  }

  onTick(t: Tick): TickOutcome {
    const ic = this.bySymbol.get(t.symbol);
    return ic === undefined ? TickOutcome.UNKNOWN : ic.onTick(t);
  }

  /** A whole bar (see InstrumentCandles.onBar). */
  onBar(b: Readonly<BarEvent>): TickOutcome {
    const ic = this.bySymbol.get(b.symbol);
    return ic === undefined ? TickOutcome.UNKNOWN : ic.onBar(b);
  }

  /**
   * The feed clock: closes every forming bar (all instruments, all timeframes) whose end ≤
   * nowMs − closeDelayMs and emits bar-closed for each; later ticks for those bars count as late.
   * Time never goes back: an older nowMs is a no-op. Returns the number of bars closed.
   */
  onClock(nowMs: number): number {
    if (!Number.isFinite(nowMs)) throw new RangeError(`MultiTimeframeCandles.onClock: nowMs must be finite, got ${String(nowMs)}`);
    const cutoff = nowMs - this.closeDelayMs;
    if (cutoff <= this.watermark) return 0;
    this.watermark = cutoff;
    if (cutoff < this.nextCloseAt) return 0;
    let closed = 0;
    let next = Number.POSITIVE_INFINITY;
    for (const ic of this.all) {
      if (ic.nextCloseAt <= cutoff) closed += ic.closeUntil(cutoff);
      if (ic.nextCloseAt < next) next = ic.nextCloseAt;
    }
    this.nextCloseAt = next;
    this.rethrow();
    return closed;
  }

  /** The newest `limit` candles of (symbol, tf), oldest → newest; [] for an untracked symbol. */
  candles(symbol: string, tf: Timeframe, limit: number): Candle[] {
    const ic = this.bySymbol.get(symbol);
    if (ic === undefined) {
      this.builtIndex(tf);
      return [];
    }
    return ic.last(tf, limit);
  }

  /** Every update of the forming bar of (symbol, tf). Throws for an untracked symbol. */
  onCandle(symbol: string, tf: Timeframe, listener: CandleListener): () => void {
    const ic = this.bySymbol.get(symbol);
    if (ic === undefined) throw new RangeError(`MultiTimeframeCandles.onCandle: unknown symbol '${symbol}'`);
    return ic.onCandle(tf, listener);
  }

  /**
   * Every bar that closes, of every symbol and timeframe, at its end time (on the clock) or on the next
   * bucket's tick; a fresh candle per bar, shared by the listeners, which must not change it.
   */
  onBarClosed(listener: BarClosedListener): () => void {
    this.closedListeners = [...this.closedListeners, listener];
    return () => {
      this.closedListeners = this.closedListeners.filter((l) => l !== listener);
    };
  }

  /** The timeframes this store builds (TIMEFRAMES order). */
  get timeframes(): Timeframe[] {
    return this.built.map((k) => TIMEFRAMES[k]!);
  }

  /** @internal The index of `tf`; throws for an unknown timeframe or one this store does not build. */
  builtIndex(tf: Timeframe): number {
    const k = tfIndex(tf);
    if (!this.built.includes(k)) {
      throw new RangeError(`candles of timeframe '${tf}' are not built in this run (it builds ${this.timeframes.join(', ')}: MarketData option timeframes)`);
    }
    return k;
  }

  /** @internal The session layout of the IST date containing ts (one-entry fast path, then a map). */
  day(ts: number): DayInfo {
    const dayNum = Math.floor((ts + IST_OFFSET_MS) / DAY_MS);
    if (dayNum === this.cachedDay.day) return this.cachedDay;
    let d = this.dayCache.get(dayNum);
    if (d === undefined) {
      d = dayInfo(dayNum, this.sessions);
      if (this.dayCache.size > 64) this.dayCache.clear();
      this.dayCache.set(dayNum, d);
    }
    this.cachedDay = d;
    return d;
  }

  /** @internal */
  emitCandle(ls: readonly CandleListener[], c: Candle): void {
    for (const l of ls) {
      try {
        l(c);
      } catch (e) {
        this.keep(e);
      }
    }
  }

  /** @internal */
  emitClosed(symbol: string, k: number, c: Candle): void {
    const tf = TIMEFRAMES[k]!;
    for (const l of this.closedListeners) {
      try {
        l(symbol, tf, c);
      } catch (e) {
        this.keep(e);
      }
    }
  }

  /** @internal Rethrows the first listener error of the update that just finished. */
  rethrow(): void {
    if (!this.hasPendingError) return;
    const e = this.pendingError;
    this.hasPendingError = false;
    this.pendingError = undefined;
    throw e;
  }

  private keep(e: unknown): void {
    if (this.hasPendingError) return;
    this.hasPendingError = true;
    this.pendingError = e;
  }
}
