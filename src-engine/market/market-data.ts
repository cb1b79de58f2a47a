import type { Candle, Instrument, Quote, Timeframe } from '../contract/schemas.js';
import { IST_OFFSET_MS } from '../core/ist.js';
import type { TradingDay } from '../core/trading-day.js';
import { depthProblem, type DepthSnapshot } from '../model/depth.js';
import type { Tick } from '../model/tick.js';
import type { BarEvent } from './data-client.js';
import {
  type BarClosedListener,
  type CandleListener,
  type InstrumentCandles,
  MultiTimeframeCandles,
  type MultiTimeframeOptions,
  TickOutcome,
} from './multi-timeframe.js';

interface SymbolState {
  readonly candles: InstrumentCandles;
  prevClose: number | undefined;
  last: Tick | undefined;
  depth: DepthSnapshot | undefined;
  depthListeners: Set<(d: Readonly<DepthSnapshot>) => void> | undefined;
  /** 00:00 IST of the last trading-day roll applied to prevClose (-Infinity: none). */
  rolledAt: number;
  /** The print object the bar path made for this symbol's quote (updated in place while it is `last`). */
  barLast?: { symbol: string; lastPaise: number; lastQty: number; volume: number; tsEvent: number };
}

const DAY_MS = 86_400_000;
const istDayNum = (ts: number): number => Math.floor((ts + IST_OFFSET_MS) / DAY_MS);

export interface MarketDataOptions {
  /** Candle ring size: one number for every timeframe, or per timeframe (see MultiTimeframeCandles). */
  candleCapacity?: MultiTimeframeOptions['capacity'];
  /** Session times for candle alignment; default the NSE calendar. */
  sessions?: MultiTimeframeOptions['sessions'];
  /** See MultiTimeframeOptions.closeDelayMs. */
  closeDelayMs?: number;
  /** The trading-day service: previous closes roll on its roll (see onDayRoll). */
  tradingDay?: TradingDay;
  /**
   * The candle timeframes to build (see MultiTimeframeOptions.timeframes): default all eight (live and
   * paper: charts can ask for any); a backtest passes what its strategies and exits read.
   */
  timeframes?: readonly Timeframe[];
}

/**
 * Per-symbol market state fed by ticks: last price, day volume, previous close, candles of every
 * timeframe (MultiTimeframeCandles) and the latest depth snapshot.
 *
 * - Ticks for symbols not in the instrument list are ignored and counted (unknownTicks); never throws
 *   for them. A malformed tick for a known symbol throws (a feed bug).
 * - Ticks the candles ignore (late or duplicate) do not move the quote either. A tick after the session
 *   close is in no candle but does move the quote.
 * - Previous close: set with setPrevClose(). Until it is set, the first price seen stands in for it.
 *   On a new trading day (the IST date changes, or the cumulative volume goes DOWN) the previous close
 *   automatically rolls to the last price of the day before, matching the simulator's session roll.
 *   With a trading-day service the previous close also rolls on its day roll (onDayRoll), so a quote
 *   read before the new day's first tick already compares with the right close.
 * - onClock(now) is the feed clock: it closes bars on time (see MultiTimeframeCandles.onClock).
 */
export class MarketData {
  private readonly state = new Map<string, SymbolState>();
  private readonly quoteListeners = new Set<(q: Quote) => void>();
  private readonly bars: MultiTimeframeCandles;
  private received = 0;
  private unknown = 0;

  private readonly candleCapacity: MarketDataOptions['candleCapacity'];

  constructor(instruments: Instrument[], opts: MarketDataOptions = {}) {
    this.candleCapacity = opts.candleCapacity;
    const seen = new Set<string>();
    for (const [i, inst] of instruments.entries()) {
      if (seen.has(inst.symbol)) throw new RangeError(`MarketData: instruments[${i}] duplicates symbol '${inst.symbol}'`);
      seen.add(inst.symbol);
    }
    this.bars = new MultiTimeframeCandles(
      instruments.map((i) => i.symbol),
      { capacity: opts.candleCapacity, sessions: opts.sessions, closeDelayMs: opts.closeDelayMs, ...(opts.timeframes !== undefined ? { timeframes: opts.timeframes } : {}) },
    );
    for (const inst of instruments) {
      this.state.set(inst.symbol, { candles: this.bars.instrument(inst.symbol)!, prevClose: undefined, last: undefined, depth: undefined, depthListeners: undefined, rolledAt: -Infinity });
    }
    opts.tradingDay?.onRoll((r) => this.onDayRoll(r.startMs));
  }

  /** Tracks an instrument added at run time (a symbol a person added from the instrument master). No-op when known. */
  addInstrument(inst: Instrument): void {
    if (this.state.has(inst.symbol)) return;
    const candles = this.bars.add(inst.symbol, this.candleCapacity);
    this.state.set(inst.symbol, { candles, prevClose: undefined, last: undefined, depth: undefined, depthListeners: undefined, rolledAt: -Infinity });
  }

  /**
   * The history of a symbol added at run time, as ticks in time order (its candles were never seen by
   * this store): taken even for bars the feed clock has already closed. Returns the ticks taken.
   */
  backfill(symbol: string, ticks: Iterable<Tick>): number {
    const s = this.state.get(symbol);
    if (s === undefined) throw new RangeError(`MarketData.backfill: unknown symbol '${symbol}'`);
    s.candles.backfilling = true;
    let n = 0;
    try {
      for (const t of ticks) {
        if (t.symbol !== symbol) continue;
        this.onTick(t);
        n++;
      }
    } finally {
      s.candles.backfilling = false;
    }
    return n;
  }

  /** Every tick received, including ignored ones. */
  get totalTicks(): number {
    return this.received;
  }

  /** Ticks for symbols not in the instrument list. */
  get unknownTicks(): number {
    return this.unknown;
  }

  /** The candle store itself (counters, per-instrument views). */
  get candleStore(): MultiTimeframeCandles {
    return this.bars;
  }

  onTick(t: Tick): void {
    this.received++;
    const s = this.state.get(t.symbol);
    if (s === undefined) {
      this.unknown++;
      return;
    }
    const outcome = s.candles.onTick(t);
    if (outcome !== TickOutcome.ACCEPTED && outcome !== TickOutcome.AFTER_CLOSE) return;
    this.takeLast(s, t);
  }

  /**
   * A whole bar (the feed's bar capability, data-client.ts BarEvent): its candle in one update (the same
   * candles as its 4 prints taken as ticks) and the quote at its close print. Unknown symbols are
   * counted (unknownTicks) and ignored; a malformed bar throws.
   */
  onBar(b: Readonly<BarEvent>): void {
    this.received++;
    const s = this.state.get(b.symbol);
    if (s === undefined) {
      this.unknown++;
      return;
    }
    const outcome = s.candles.onBar(b);
    if (outcome !== TickOutcome.ACCEPTED && outcome !== TickOutcome.AFTER_CLOSE) return;
    // as the bar's ticks would: the first print (the open) stands in for a previous close not known yet
    if (s.prevClose === undefined && s.last === undefined) s.prevClose = b.openPaise;
    const ts = b.printTs[b.printTs.length - 1]!;
    const own = s.barLast;
    if (own !== undefined && s.last === own && ts >= own.tsEvent && b.dayVolume >= own.volume && istDayNum(ts) === istDayNum(own.tsEvent)) {
      // the same day's next bar of a bar feed: the quote's print is updated in place (no object a bar)
      own.lastPaise = b.closePaise;
      own.lastQty = b.volume;
      own.volume = b.dayVolume;
      own.tsEvent = ts;
      if (this.quoteListeners.size > 0) {
        const q = this.quote(b.symbol)!;
        for (const l of this.quoteListeners) l(q);
      }
      return;
    }
    const t = { symbol: b.symbol, lastPaise: b.closePaise, lastQty: b.volume, volume: b.dayVolume, tsEvent: ts };
    s.barLast = t;
    this.takeLast(s, t);
  }

  /** The newest print of a symbol (a tick, or a bar's close) becomes its quote; the previous close rolls on a new day. */
  private takeLast(s: SymbolState, t: Tick): void {
    const prev = s.last;
    if (prev === undefined || t.tsEvent >= prev.tsEvent) {
      // a new day, unless the trading-day roll already set the close (a close the feed reported since then stays)
      if (prev !== undefined && prev.tsEvent >= s.rolledAt && (t.volume < prev.volume || istDayNum(t.tsEvent) !== istDayNum(prev.tsEvent))) s.prevClose = prev.lastPaise;
      s.last = t;
    }
    if (s.prevClose === undefined) s.prevClose = t.lastPaise;
    if (this.quoteListeners.size > 0 && s.last === t) {
      const q = this.quote(t.symbol)!;
      for (const l of this.quoteListeners) l(q);
    }
  }

  /**
   * A new trading day began at `dayStartMs` (00:00 IST): every symbol whose last tick is older takes
   * that last price as its previous close (the same as its first tick of the new day would do, so the
   * two never disagree). A close the feed reports later (setPrevClose) still wins.
   */
  onDayRoll(dayStartMs: number): void {
    for (const s of this.state.values()) {
      if (s.last === undefined || s.last.tsEvent >= dayStartMs) continue;
      s.prevClose = s.last.lastPaise;
      s.rolledAt = dayStartMs;
    }
  }

  /** The feed clock (epoch ms): closes every bar whose end has passed. Returns the number of bars closed. */
  onClock(nowMs: number): number {
    return this.bars.onClock(nowMs);
  }

  setPrevClose(symbol: string, paise: number): void {
    const s = this.state.get(symbol);
    if (s === undefined) throw new RangeError(`MarketData.setPrevClose: unknown symbol '${symbol}'`);
    if (!Number.isSafeInteger(paise) || paise <= 0) {
      throw new RangeError(`MarketData.setPrevClose(${symbol}): paise must be a positive integer, got ${String(paise)}`);
    }
    s.prevClose = paise;
  }

  /** The latest quote, or undefined before the symbol's first tick (or for an unknown symbol). */
  quote(symbol: string): Quote | undefined {
    const s = this.state.get(symbol);
    if (s?.last === undefined) return undefined;
    const last = s.last.lastPaise;
    const prevClose = s.prevClose ?? last;
    const change = last - prevClose;
    return {
      symbol,
      lastPaise: last,
      prevClosePaise: prevClose,
      changePaise: change,
      changeBps: Math.round((change * 10_000) / prevClose),
      volume: s.last.volume,
      tsEvent: s.last.tsEvent,
    };
  }

  /** Quotes for the given symbols, in the given order, skipping those without a quote. */
  quotes(symbols: readonly string[]): Quote[] {
    const out: Quote[] = [];
    for (const sym of symbols) {
      const q = this.quote(sym);
      if (q !== undefined) out.push(q);
    }
    return out;
  }

  /**
   * The newest `limit` candles of a timeframe, oldest → newest (the last may be forming); [] for an
   * unknown symbol. `candles(symbol, limit)` is the 1-minute series.
   */
  candles(symbol: string, tf: Timeframe, limit: number): Candle[];
  candles(symbol: string, limit: number): Candle[];
  candles(symbol: string, tfOrLimit: Timeframe | number, limit?: number): Candle[] {
    const [tf, n] = typeof tfOrLimit === 'number' ? (['1m', tfOrLimit] as const) : ([tfOrLimit, limit ?? 0] as const);
    return this.bars.candles(symbol, tf, n);
  }

  /**
   * Called with the new or updated forming candle of (symbol, tf) on every accepted tick of `symbol`.
   * `onCandle(symbol, listener)` listens to 1-minute candles. Throws for an unknown symbol.
   */
  onCandle(symbol: string, tf: Timeframe, listener: CandleListener): () => void;
  onCandle(symbol: string, listener: CandleListener): () => void;
  onCandle(symbol: string, tfOrListener: Timeframe | CandleListener, listener?: CandleListener): () => void {
    const s = this.state.get(symbol);
    if (s === undefined) throw new RangeError(`MarketData.onCandle: unknown symbol '${symbol}'`);
    if (typeof tfOrListener === 'function') return s.candles.onCandle('1m', tfOrListener);
    if (listener === undefined) throw new RangeError('MarketData.onCandle: listener missing');
    return s.candles.onCandle(tfOrListener, listener);
  }

  /**
   * Called once per closed bar, any symbol and timeframe: at its end time via onClock, or when a later
   * bucket's tick arrives first. The candle is a fresh object per bar, the same one for every listener:
   * listeners read it and never change it (the strategy runner keeps it as its stored bar).
   */
  onBarClosed(listener: BarClosedListener): () => void {
    return this.bars.onBarClosed(listener);
  }

  /** Called with the new quote whenever a tick moves a symbol's quote. */
  onQuote(listener: (q: Quote) => void): () => void {
    this.quoteListeners.add(listener);
    return () => {
      this.quoteListeners.delete(listener);
    };
  }

  /**
   * Stores the latest depth snapshot of its symbol. An older snapshot than the stored one is ignored
   * (returns false). Throws for an unknown symbol or a malformed snapshot. The snapshot is copied.
   */
  setDepth(d: DepthSnapshot): boolean {
    const problem = depthProblem(d);
    if (problem !== null) throw new RangeError(`MarketData.setDepth(${String(d?.symbol)}): ${problem}`);
    const s = this.state.get(d.symbol);
    if (s === undefined) throw new RangeError(`MarketData.setDepth: unknown symbol '${d.symbol}'`);
    if (s.depth !== undefined && d.tsEvent < s.depth.tsEvent) return false;
    s.depth = Object.freeze({
      symbol: d.symbol,
      tsEvent: d.tsEvent,
      buy: Object.freeze(d.buy.map((l) => Object.freeze({ ...l }))) as DepthSnapshot['buy'],
      sell: Object.freeze(d.sell.map((l) => Object.freeze({ ...l }))) as DepthSnapshot['sell'],
    });
    if (s.depthListeners !== undefined) for (const l of s.depthListeners) l(s.depth);
    return true;
  }

  /** Called with each stored depth snapshot (frozen) of `symbol`. Throws for an unknown symbol. */
  onDepth(symbol: string, listener: (d: Readonly<DepthSnapshot>) => void): () => void {
    const s = this.state.get(symbol);
    if (s === undefined) throw new RangeError(`MarketData.onDepth: unknown symbol '${symbol}'`);
    const set = (s.depthListeners ??= new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Symbols someone listens to the depth of (an open order book): the feed must deliver their depth. */
  depthWatched(): string[] {
    const out: string[] = [];
    for (const [symbol, s] of this.state) if (s.depthListeners !== undefined && s.depthListeners.size > 0) out.push(symbol);
    return out;
  }

  /** The latest depth snapshot (frozen), or undefined before the first one or for an unknown symbol. */
  depth(symbol: string): Readonly<DepthSnapshot> | undefined {
    return this.state.get(symbol)?.depth;
  }
}
