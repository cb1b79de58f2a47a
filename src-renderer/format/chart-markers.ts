import type { ChartMarkers, SymbolLevels } from '../../src-engine/contract/chart-schemas.js';
import type { Candle, SignalRecord } from '../../src-engine/contract/schemas.js';
import type { FillDto } from '../../src-engine/contract/trading-schemas.js';
import { barAt } from '../state/chart-series.js';
import { formatPaise } from './format.js';

/**
 * Chart markers and price lines, free of the chart library (structurally lightweight-charts'
 * SeriesMarker and price-line options). Times are UTC seconds of the bar that holds the event in the
 * timeframe shown; events before the first loaded candle get no marker.
 */

export const BUY_COLOR = '#26a69a';
export const SELL_COLOR = '#ef5350';

export interface ChartMarker {
  time: number;
  position: 'aboveBar' | 'belowBar' | 'atPriceMiddle';
  shape: 'arrowUp' | 'arrowDown' | 'circle';
  color: string;
  text: string;
  /** atPriceMiddle only: rupees. */
  price?: number;
  id: string;
  kind: 'signal' | 'fill';
}

/** The symbol's signals and fills: the engine's snapshot merged with what arrived since (dedup by id), newest first. */
export function mergeMarkerSources(
  symbol: string,
  snapshot: ChartMarkers | null,
  liveSignals: readonly SignalRecord[],
  liveFills: readonly FillDto[],
): { signals: SignalRecord[]; fills: FillDto[] } {
  const signals = new Map<number, SignalRecord>();
  const fills = new Map<string, FillDto>();
  if (snapshot?.symbol === symbol) {
    for (const s of snapshot.signals) signals.set(s.id, s);
    for (const f of snapshot.fills) fills.set(f.fillId, f);
  }
  for (const s of liveSignals) if (s.symbol === symbol) signals.set(s.id, s);
  for (const f of liveFills) if (f.symbol === symbol) fills.set(f.fillId, f);
  return {
    signals: [...signals.values()].sort((a, b) => b.ts - a.ts || b.id - a.id),
    fills: [...fills.values()].sort((a, b) => b.tsEvent - a.tsEvent),
  };
}

/** The last moment of the bar a signal fired on (its emission time when it names no bar; the bar's start for `day`). */
export function signalTime(s: Pick<SignalRecord, 'ts' | 'barTime' | 'timeframe'>): number {
  if (s.barTime === null) return s.ts;
  if (s.timeframe === 'day') return s.barTime;
  return s.barTime + Number(s.timeframe.slice(0, -1)) * 60_000 - 1;
}

/**
 * Markers for the candles shown: a signal as an arrow at the bar it fired on (below a bar for BUY,
 * above for SELL; its strategy as the text), a fill as a dot at its price ("B 3 @ 1,234.50").
 * Sorted by time, as the chart library wants them.
 */
export function buildMarkers(candles: readonly Candle[], signals: readonly SignalRecord[], fills: readonly FillDto[]): ChartMarker[] {
  const out: ChartMarker[] = [];
  if (candles.length === 0) return out;
  for (const s of signals) {
    // the bar whose close fired it (in the strategy's timeframe), placed in the bar shown that holds its last moment
    const bar = barAt(candles, signalTime(s));
    if (bar === undefined) continue;
    const buy = s.side === 'BUY';
    out.push({
      time: Math.floor(bar.t / 1000),
      position: buy ? 'belowBar' : 'aboveBar',
      shape: buy ? 'arrowUp' : 'arrowDown',
      color: buy ? BUY_COLOR : SELL_COLOR,
      text: s.strategy,
      id: `s${s.id}`,
      kind: 'signal',
    });
  }
  for (const f of fills) {
    const bar = barAt(candles, f.tsEvent);
    if (bar === undefined) continue;
    const buy = f.side === 'BUY';
    out.push({
      time: Math.floor(bar.t / 1000),
      position: 'atPriceMiddle',
      shape: 'circle',
      color: buy ? '#4fc3f7' : '#ffb74d',
      text: `${buy ? 'B' : 'S'} ${f.qty} @ ${formatPaise(f.pricePaise)}`,
      price: f.pricePaise / 100,
      id: `f${f.fillId}`,
      kind: 'fill',
    });
  }
  return out.sort((a, b) => a.time - b.time || (a.kind === b.kind ? 0 : a.kind === 'signal' ? -1 : 1));
}

export interface LevelLine {
  /** Rupees. */
  price: number;
  color: string;
  title: string;
  /** 0 solid, 1 dotted, 2 dashed (lightweight-charts' LineStyle). */
  lineStyle: 0 | 1 | 2;
  kind: 'avg' | 'stop' | 'target' | 'trail';
}

/** The open positions' price lines: average price, and the exits' stop, target and trailing stop. */
export function levelLines(levels: SymbolLevels | null): LevelLine[] {
  const out: LevelLine[] = [];
  if (levels === null) return out;
  const many = levels.positions.length > 1;
  for (const p of levels.positions) {
    const who = many ? ` ${p.strategy}` : '';
    const side = p.qty > 0 ? 'long' : 'short';
    out.push({ price: p.avgPricePaise / 100, color: '#b0bec5', title: `avg ${side} ${Math.abs(p.qty)}${who}`, lineStyle: 0, kind: 'avg' });
    if (p.stopPaise !== null) out.push({ price: p.stopPaise / 100, color: SELL_COLOR, title: `SL${who}`, lineStyle: 2, kind: 'stop' });
    if (p.targetPaise !== null) out.push({ price: p.targetPaise / 100, color: BUY_COLOR, title: `TGT${who}`, lineStyle: 2, kind: 'target' });
    if (p.trailPaise !== null) out.push({ price: p.trailPaise / 100, color: '#ffb74d', title: `trail${who}`, lineStyle: 1, kind: 'trail' });
  }
  return out;
}
