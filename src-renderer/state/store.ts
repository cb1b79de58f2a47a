import { create } from 'zustand';
import type { Candle, EngineStatus, Quote, SignalRecord, StrategyInstanceInfo, Timeframe, UniverseScan } from '../../src-engine/contract/schemas.js';
import type { ShownError } from '../engine/errors.js';
import { MAX_CANDLES, applyCandleDelta, applyCandleSnapshot, type CandleOp } from './candles.js';
import { prependCandles } from './chart-series.js';
import { applySignalDelta, applySignalSnapshot, applyStrategyDelta } from './signals.js';
import { applyQuoteDelta, applyQuoteSnapshot, pruneQuotes, type QuoteMap } from './quotes.js';
import { DEFAULT_TIMEFRAME } from './timeframes.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface ConnectionInfo {
  state: ConnectionState;
  via: 'bridge' | 'websocket';
  lastError: string | null;
}

export interface ChartState {
  /** Symbol these candles belong to (null before the first snapshot). */
  symbol: string | null;
  /** Timeframe shown; the candles are of this timeframe. */
  tf: Timeframe;
  candles: Candle[];
  /** The last change, so the chart can apply it incrementally. */
  lastOp: CandleOp;
  /** Bumped on every change that altered `candles`. */
  rev: number;
}

export interface BannerError extends ShownError {
  id: number;
}

export interface AppState {
  connection: ConnectionInfo;
  status: EngineStatus | null;
  watchlist: string[];
  quotes: QuoteMap;
  selected: string | null;
  chart: ChartState;
  errors: BannerError[];
  /** Latest strategy signals, newest first. */
  signals: readonly SignalRecord[];
  /** Strategy instances in run order (null before the first snapshot). */
  strategies: StrategyInstanceInfo[] | null;
  /** The day's pre-market scan (null before it was loaded). */
  universe: UniverseScan | null;

  setConnection(patch: Partial<ConnectionInfo>): void;
  setStatus(status: EngineStatus): void;
  setWatchlist(symbols: string[]): void;
  quotesSnapshot(quotes: Quote[], forSymbols: readonly string[]): void;
  quoteDelta(quote: Quote): void;
  select(symbol: string): void;
  /** Shows another timeframe: the chart empties until that timeframe's snapshot arrives. */
  setTimeframe(tf: Timeframe): void;
  /** A snapshot for (symbol, tf); ignored unless the chart shows exactly that. */
  candlesSnapshot(symbol: string, candles: Candle[], tf?: Timeframe): void;
  candleDelta(candle: Candle): void;
  /** Older candles loaded by scrolling back, for (symbol, tf); ignored unless the chart shows exactly that. */
  candlesPrepend(symbol: string, tf: Timeframe, older: readonly Candle[]): void;
  signalsSnapshot(signals: readonly SignalRecord[]): void;
  signalDelta(signal: SignalRecord): void;
  strategiesSnapshot(instances: StrategyInstanceInfo[]): void;
  strategyDelta(instance: StrategyInstanceInfo): void;
  setUniverse(scan: UniverseScan): void;
  pushError(e: ShownError): void;
  dismissError(id: number): void;
}

let nextErrorId = 1;
const MAX_BANNERS = 4;

const emptyChart: ChartState = { symbol: null, tf: DEFAULT_TIMEFRAME, candles: [], lastOp: 'snapshot', rev: 0 };

/** Selecting another symbol empties the chart until that symbol's snapshot arrives; the timeframe stays. */
function selectPatch(s: AppState, symbol: string | null): Partial<AppState> {
  if (s.selected === symbol) return { selected: symbol };
  return { selected: symbol, chart: { symbol, tf: s.chart.tf, candles: [], lastOp: 'snapshot', rev: s.chart.rev + 1 } };
}

export const useAppStore = create<AppState>()((set) => ({
  connection: { state: 'connecting', via: 'websocket', lastError: null },
  status: null,
  watchlist: [],
  quotes: {},
  selected: null,
  chart: emptyChart,
  errors: [],
  signals: [],
  strategies: null,
  universe: null,

  setConnection: (patch) => set((s) => ({ connection: { ...s.connection, ...patch } })),
  setStatus: (status) => set({ status }),
  setWatchlist: (symbols) =>
    set((s) => {
      const selected = s.selected !== null && symbols.includes(s.selected) ? s.selected : (symbols[0] ?? null);
      return { watchlist: symbols, quotes: pruneQuotes(s.quotes, symbols), ...selectPatch(s, selected) };
    }),
  quotesSnapshot: (quotes, forSymbols) =>
    set((s) => ({ quotes: applyQuoteSnapshot(quotes, forSymbols.filter((x) => s.watchlist.includes(x))) })),
  quoteDelta: (quote) =>
    set((s) => {
      const quotes = applyQuoteDelta(s.quotes, quote, s.watchlist);
      return quotes === s.quotes ? s : { quotes };
    }),
  select: (symbol) => set((s) => (s.selected === symbol ? s : selectPatch(s, symbol))),
  setTimeframe: (tf) =>
    set((s) => (s.chart.tf === tf ? s : { chart: { symbol: s.chart.symbol, tf, candles: [], lastOp: 'snapshot', rev: s.chart.rev + 1 } })),
  candlesSnapshot: (symbol, candles, tf = DEFAULT_TIMEFRAME) =>
    set((s) =>
      s.chart.symbol !== symbol || s.chart.tf !== tf
        ? s
        : { chart: { symbol, tf, candles: applyCandleSnapshot(candles.filter((c) => c.tf === tf)), lastOp: 'snapshot', rev: s.chart.rev + 1 } },
    ),
  candleDelta: (candle) =>
    set((s) => {
      if (s.chart.symbol !== candle.symbol || s.chart.tf !== candle.tf) return s;
      const r = applyCandleDelta(s.chart.candles, candle);
      if (r.op === 'ignore') return s;
      // An append that dropped the oldest candle cannot be applied with series.update(): redraw.
      const lastOp: CandleOp = r.trimmed > 0 ? 'snapshot' : r.op;
      return { chart: { symbol: s.chart.symbol, tf: s.chart.tf, candles: r.candles, lastOp, rev: s.chart.rev + 1 } };
    }),
  candlesPrepend: (symbol, tf, older) =>
    set((s) => {
      if (s.chart.symbol !== symbol || s.chart.tf !== tf || s.chart.candles.length === 0) return s;
      const candles = prependCandles(s.chart.candles, older, MAX_CANDLES);
      if (candles === s.chart.candles) return s;
      return { chart: { symbol, tf, candles, lastOp: 'prepend', rev: s.chart.rev + 1 } };
    }),
  signalsSnapshot: (signals) => set({ signals: applySignalSnapshot(signals) }),
  signalDelta: (signal) =>
    set((s) => {
      const signals = applySignalDelta(s.signals, signal);
      return signals === s.signals ? s : { signals };
    }),
  strategiesSnapshot: (instances) => set({ strategies: [...instances] }),
  strategyDelta: (instance) => set((s) => ({ strategies: applyStrategyDelta(s.strategies ?? [], instance) })),
  setUniverse: (universe) => set({ universe }),
  pushError: (e) =>
    set((s) => {
      const last = s.errors[s.errors.length - 1];
      if (last && last.code === e.code && last.message === e.message) return s;
      return { errors: [...s.errors, { ...e, id: nextErrorId++ }].slice(-MAX_BANNERS) };
    }),
  dismissError: (id) => set((s) => ({ errors: s.errors.filter((e) => e.id !== id) })),
}));
