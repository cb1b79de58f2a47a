import { parseChartSpec, type ChartMarkers, type IndicatorDelta, type IndicatorPoint, type IndicatorSeries, type SymbolLevels } from '../contract/chart-schemas.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import type { Candle, SignalRecord, Timeframe } from '../contract/schemas.js';
import type { FillDto, PortfolioDto } from '../contract/trading-schemas.js';
import { PreviewIndicator } from '../indicators/state-copy.js';
import type { MarketData } from '../market/market-data.js';
import type { ExitManager } from '../portfolio/exits.js';

/** What the chart service reads from the kernel (the Engine has all of it). */
export interface ChartSources {
  market: MarketData;
  signals(limit: number): SignalRecord[];
  fills(limit: number): FillDto[];
  portfolio(): PortfolioDto;
  onPortfolio(listener: (p: PortfolioDto) => void): () => void;
  exits: Pick<ExitManager, 'armed'>;
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Most signals looked through for one symbol's markers (the journal's newest). */
const SIGNAL_SCAN = 1000;
/** Most fills looked through for one symbol's markers. */
const FILL_SCAN = 5000;

/**
 * The chart's engine side: indicators over the candles market data keeps (the same incremental
 * indicators and registry strategies use: values are of paise candles, as strategies see them),
 * older candles for scrolling back, a symbol's signal and fill markers, and its open positions'
 * levels (average price from the ledger, stop/target/trailing stop from the exits module).
 *
 * An indicator series runs from the oldest candle the engine still holds for (symbol, tf); the
 * forming bar's value is the indicator's value if that bar closed now (a preview on a scratch copy:
 * the committed state only ever sees closed bars).
 */
export class ChartService {
  /** `symbol|tf` → the live series being pushed. */
  private readonly live = new Map<string, Set<LiveSeries>>();
  private readonly offClosed: () => void;

  constructor(private readonly src: ChartSources) {
    this.offClosed = src.market.onBarClosed((symbol, tf, candle) => {
      const set = this.live.get(`${symbol}|${tf}`);
      if (set !== undefined) for (const s of set) s.closed(candle);
    });
  }

  stop(): void {
    this.offClosed();
    this.live.clear();
  }

  /** The indicator over every held candle of (symbol, tf): the newest `limit` points before `before`. */
  indicator(symbol: string, tf: Timeframe, spec: string, limit: number, before?: number): IndicatorSeries {
    const ind = build(spec);
    const { closed, forming } = this.bars(symbol, tf);
    const points: IndicatorPoint[] = [];
    for (const c of closed) points.push({ t: c.t, v: Array.from(ind.commit(c), num) });
    if (forming !== undefined) points.push({ t: forming.t, v: Array.from(ind.preview(forming), num) });
    const end = before === undefined ? points.length : lowerBound(points, before);
    return { symbol, tf, spec, columns: [...ind.columns], points: points.slice(Math.max(0, end - limit), end) };
  }

  /**
   * Pushes the forming bar's value on each of its changes and each closed bar's final value.
   * Returns the function that stops it.
   */
  followIndicator(symbol: string, tf: Timeframe, spec: string, push: (d: IndicatorDelta) => void): () => void {
    const series = new LiveSeries(build(spec), push);
    const { closed } = this.bars(symbol, tf);
    for (const c of closed) series.closed(c);
    series.quiet = false;
    const key = `${symbol}|${tf}`;
    let set = this.live.get(key);
    if (set === undefined) this.live.set(key, (set = new Set()));
    set.add(series);
    const offCandle = this.src.market.onCandle(symbol, tf, (c) => series.forming(c));
    return () => {
      offCandle();
      set.delete(series);
      if (set.size === 0) this.live.delete(key);
    };
  }

  /** The newest `limit` held candles that start before `before`, oldest first. */
  history(symbol: string, tf: Timeframe, before: number, limit: number): Candle[] {
    const ic = this.src.market.candleStore.instrument(symbol);
    if (ic === undefined) return [];
    const all = ic.last(tf, ic.size(tf));
    const end = lowerBound(all, before);
    return all.slice(Math.max(0, end - limit), end);
  }

  markers(symbol: string, limit: number): ChartMarkers {
    return {
      symbol,
      signals: this.src
        .signals(SIGNAL_SCAN)
        .filter((s) => s.symbol === symbol)
        .slice(0, limit),
      fills: this.src
        .fills(FILL_SCAN)
        .filter((f) => f.symbol === symbol)
        .slice(0, limit),
    };
  }

  levels(symbol: string, portfolio: PortfolioDto = this.src.portfolio()): SymbolLevels {
    return {
      symbol,
      positions: portfolio.positions
        .filter((p) => p.symbol === symbol && p.qty !== 0)
        .map((p) => {
          const armed = this.src.exits.armed(p.strategy, symbol);
          return {
            strategy: p.strategy,
            qty: p.qty,
            avgPricePaise: p.avgPricePaise,
            stopPaise: armed?.stopPaise ?? null,
            targetPaise: armed?.targetPaise ?? null,
            trailPaise: armed?.trailPaise ?? null,
          };
        }),
    };
  }

  /** Pushes the symbol's levels whenever they differ from the last pushed (checked on each portfolio push). */
  followLevels(symbol: string, push: (l: SymbolLevels) => void): () => void {
    let last = JSON.stringify(this.levels(symbol));
    return this.src.onPortfolio((p) => {
      const now = this.levels(symbol, p);
      const key = JSON.stringify(now);
      if (key === last) return;
      last = key;
      push(now);
    });
  }

  /** The held candles of (symbol, tf): the closed ones, oldest first, and the forming one if any. */
  private bars(symbol: string, tf: Timeframe): { closed: Candle[]; forming: Candle | undefined } {
    const ic = this.src.market.candleStore.instrument(symbol);
    if (ic === undefined) throw new RpcError(ErrorCode.NOT_FOUND, `unknown symbol ${symbol}`);
    const all = ic.last(tf, ic.size(tf));
    const forming = ic.forming(tf);
    if (forming !== undefined) all.pop();
    return { closed: all, forming };
  }
}

/** One pushed series: the committed indicator follows closed bars; the forming bar is previewed. */
class LiveSeries {
  /** Start of the newest committed (closed) bar. */
  private lastClosed = -Infinity;
  /** No pushes while catching up on the held bars. */
  quiet = true;

  constructor(
    private readonly ind: PreviewIndicator,
    private readonly push: (d: IndicatorDelta) => void,
  ) {}

  closed(c: Candle): void {
    if (c.t <= this.lastClosed) return;
    this.lastClosed = c.t;
    const out = this.ind.commit(c);
    if (!this.quiet) this.push({ t: c.t, v: Array.from(out, num), closed: true });
  }

  forming(c: Candle): void {
    if (c.t <= this.lastClosed) return;
    this.push({ t: c.t, v: Array.from(this.ind.preview(c), num), closed: false });
  }
}

function build(spec: string): PreviewIndicator {
  const parsed = parseChartSpec(spec);
  if (typeof parsed === 'string') throw new RpcError(ErrorCode.INVALID_INPUT, parsed);
  try {
    return new PreviewIndicator(spec);
  } catch (e) {
    throw new RpcError(ErrorCode.INVALID_INPUT, (e as Error).message);
  }
}

/** Index of the first item with t ≥ `t` (items sorted by t). */
function lowerBound(items: readonly { t: number }[], t: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
