import type { Candle, Instrument, Quote } from '../contract/schemas.js';
import type { Tick } from '../model/tick.js';
import { CandleSeries } from './candle-series.js';

interface SymbolState {
  readonly series: CandleSeries;
  prevClose: number | undefined;
  last: Tick | undefined;
  readonly candleListeners: Set<(c: Candle) => void>;
}

/**
 * Per-symbol market state fed by ticks: last price, day volume, previous close and 1-minute candles.
 *
 * - Ticks for symbols not in the instrument list are ignored and counted (unknownTicks); never throws
 *   for them. A malformed tick for a known symbol throws (see CandleSeries) — that is a feed bug.
 * - Ticks the candle series ignores (late or duplicate) do not move the quote either.
 * - Previous close: set with setPrevClose(). Until it is set, the first price seen stands in for it.
 *   When a tick's cumulative volume goes DOWN (a new trading day) the previous close automatically
 *   rolls to the last price of the day before, matching the simulator's session roll.
 */
export class MarketData {
  private readonly state = new Map<string, SymbolState>();
  private readonly quoteListeners = new Set<(q: Quote) => void>();
  private received = 0;
  private unknown = 0;

  constructor(instruments: Instrument[], opts: { candleCapacity?: number } = {}) {
    for (const [i, inst] of instruments.entries()) {
      if (this.state.has(inst.symbol)) throw new RangeError(`MarketData: instruments[${i}] duplicates symbol '${inst.symbol}'`);
      this.state.set(inst.symbol, {
        series: new CandleSeries(inst.symbol, opts.candleCapacity),
        prevClose: undefined,
        last: undefined,
        candleListeners: new Set(),
      });
    }
  }

  /** Every tick received, including ignored ones. */
  get totalTicks(): number {
    return this.received;
  }

  /** Ticks for symbols not in the instrument list. */
  get unknownTicks(): number {
    return this.unknown;
  }

  onTick(t: Tick): void {
    this.received++;
    const s = this.state.get(t.symbol);
    if (s === undefined) {
      this.unknown++;
      return;
    }
    const candle = s.series.onTick(t);
    if (candle === undefined) return;
    const prev = s.last;
    if (prev === undefined || t.tsEvent >= prev.tsEvent) {
      if (prev !== undefined && t.volume < prev.volume) s.prevClose = prev.lastPaise; // a new day
      s.last = t;
    }
    if (s.prevClose === undefined) s.prevClose = t.lastPaise;
    for (const l of s.candleListeners) l(candle);
    if (this.quoteListeners.size > 0 && s.last === t) {
      const q = this.quote(t.symbol)!;
      for (const l of this.quoteListeners) l(q);
    }
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

  /** The newest `limit` 1-minute candles, oldest → newest; [] for an unknown symbol. */
  candles(symbol: string, limit: number): Candle[] {
    const s = this.state.get(symbol);
    return s === undefined ? [] : s.series.last(limit);
  }

  /** Called with the created/updated candle on every accepted tick of `symbol`. Throws for an unknown symbol. */
  onCandle(symbol: string, listener: (c: Candle) => void): () => void {
    const s = this.state.get(symbol);
    if (s === undefined) throw new RangeError(`MarketData.onCandle: unknown symbol '${symbol}'`);
    s.candleListeners.add(listener);
    return () => {
      s.candleListeners.delete(listener);
    };
  }

  /** Called with the new quote whenever a tick moves a symbol's quote. */
  onQuote(listener: (q: Quote) => void): () => void {
    this.quoteListeners.add(listener);
    return () => {
      this.quoteListeners.delete(listener);
    };
  }
}
