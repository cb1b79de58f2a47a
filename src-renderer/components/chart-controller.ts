import {
  CandlestickSeries,
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LogicalRange,
  type MouseEventParams,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { ChartIndicatorDef, IndicatorPoint } from '../../src-engine/contract/chart-schemas.js';
import type { Candle } from '../../src-engine/contract/schemas.js';
import { DOWN_COLOR, UP_COLOR, toBar, toVolume } from '../format/chart-data.js';
import { columnData, columnPoint, lineColor } from '../format/chart-indicator-data.js';
import type { ChartMarker, LevelLine } from '../format/chart-markers.js';
import { istChartOptions } from './chart-options.js';

/** An indicator as the chart draws it. */
export interface DrawnIndicator {
  spec: string;
  def: ChartIndicatorDef;
  /** Palette slot (the indicator's place in the layout). */
  slot: number;
}

type IndicatorSeries = ISeriesApi<'Line'> | ISeriesApi<'Histogram'>;

interface Drawn {
  ind: DrawnIndicator;
  /** One per output column; null for a hidden column. */
  lines: (IndicatorSeries | null)[];
}

export interface ChartCallbacks {
  /** The crosshair's bar (epoch ms), or null when it left the chart. */
  crosshair(t: number | null): void;
  /** The visible logical range changed (by the user or by us). */
  range(range: LogicalRange | null): void;
}

const t = (ms: number): UTCTimestamp => Math.floor(ms / 1000) as UTCTimestamp;

/**
 * The lightweight-charts side of the chart, outside React: candles and volume on the price pane,
 * indicator overlays on it and indicator panes below, markers, price lines, the crosshair and the
 * visible range. Snapshots are setData(); a forming bar or a new one is update().
 */
export class ChartController {
  readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  private readonly markers: ISeriesMarkersPluginApi<Time>;
  private drawn: Drawn[] = [];
  private priceLines: IPriceLine[] = [];
  private candleCount = 0;

  constructor(el: HTMLElement, cb: ChartCallbacks) {
    this.chart = createChart(el, istChartOptions({ top: 0.06, bottom: 0.26, rightOffset: 4 }));
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: UP_COLOR,
      downColor: DOWN_COLOR,
      borderUpColor: UP_COLOR,
      borderDownColor: DOWN_COLOR,
      wickUpColor: UP_COLOR,
      wickDownColor: DOWN_COLOR,
      priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
    });
    this.volume = this.chart.addSeries(HistogramSeries, {
      priceScaleId: 'volume',
      priceFormat: { type: 'volume' },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    this.markers = createSeriesMarkers(this.candles, []);
    this.chart.subscribeCrosshairMove((p: MouseEventParams<Time>) => cb.crosshair(typeof p.time === 'number' ? p.time * 1000 : null));
    this.chart.timeScale().subscribeVisibleLogicalRangeChange((r) => cb.range(r));
  }

  get count(): number {
    return this.candleCount;
  }

  setTimeVisible(on: boolean): void {
    this.chart.applyOptions({ timeScale: { timeVisible: on } });
  }

  /** Every candle anew. */
  setCandles(candles: readonly Candle[]): void {
    this.candles.setData(candles.map((c) => ({ ...toBar(c), time: t(c.t) })));
    this.volume.setData(candles.map((c) => ({ ...toVolume(c), time: t(c.t) })));
    this.candleCount = candles.length;
  }

  /** The forming candle changed, or a new one started. */
  updateCandle(c: Candle): void {
    this.candles.update({ ...toBar(c), time: t(c.t) });
    this.volume.update({ ...toVolume(c), time: t(c.t) });
    this.candleCount = this.candles.data().length;
  }

  getRange(): LogicalRange | null {
    return this.chart.timeScale().getVisibleLogicalRange();
  }

  setRange(from: number, to: number): void {
    this.chart.timeScale().setVisibleLogicalRange({ from, to });
  }

  /** The indicators drawn, in layout order; series are rebuilt only when the list changed. */
  setIndicators(list: readonly DrawnIndicator[], data: (spec: string) => readonly IndicatorPoint[] | undefined): void {
    const same = list.length === this.drawn.length && list.every((x, i) => x.spec === this.drawn[i]!.ind.spec && x.slot === this.drawn[i]!.ind.slot);
    if (!same) {
      for (const d of this.drawn) for (const s of d.lines) if (s) this.chart.removeSeries(s);
      // empty panes below the price go with their last series
      this.drawn = [];
      let pane = 0;
      for (const ind of list) {
        const paneIndex = ind.def.place === 'pane' ? ++pane : 0;
        this.drawn.push({ ind, lines: this.addLines(ind, paneIndex) });
      }
      const panes = this.chart.panes();
      panes[0]?.setStretchFactor(pane === 0 ? 1 : Math.max(2, pane * 1.5));
      for (let i = 1; i < panes.length; i++) panes[i]!.setStretchFactor(1);
    }
    for (const d of this.drawn) this.setIndicatorData(d.ind.spec, data(d.ind.spec) ?? []);
  }

  setIndicatorData(spec: string, points: readonly IndicatorPoint[]): void {
    const d = this.drawn.find((x) => x.ind.spec === spec);
    if (!d) return;
    d.lines.forEach((s, col) => s?.setData(columnData(points, d.ind.def, col) as never));
  }

  updateIndicator(spec: string, p: IndicatorPoint): void {
    const d = this.drawn.find((x) => x.ind.spec === spec);
    if (!d) return;
    d.lines.forEach((s, col) => s?.update(columnPoint(p, d.ind.def, col) as never));
  }

  /** Indicator series drawn now (lines and histograms, not hidden columns). */
  get indicatorSeriesCount(): number {
    return this.drawn.reduce((n, d) => n + d.lines.filter(Boolean).length, 0);
  }

  get paneCount(): number {
    return this.chart.panes().length;
  }

  setMarkers(list: readonly ChartMarker[]): void {
    this.markers.setMarkers(
      list.map((m): SeriesMarker<Time> => {
        const base = { time: m.time as UTCTimestamp, shape: m.shape, color: m.color, text: m.text, id: m.id, size: m.kind === 'fill' ? 0.6 : 1 };
        return m.position === 'atPriceMiddle' ? { ...base, position: 'atPriceMiddle', price: m.price ?? 0 } : { ...base, position: m.position };
      }),
    );
  }

  setLevels(lines: readonly LevelLine[]): void {
    for (const l of this.priceLines) this.candles.removePriceLine(l);
    this.priceLines = lines.map((l) =>
      this.candles.createPriceLine({ price: l.price, color: l.color, title: l.title, lineStyle: l.lineStyle, lineWidth: 1, axisLabelVisible: true }),
    );
  }

  destroy(): void {
    this.chart.remove();
  }

  private addLines(ind: DrawnIndicator, paneIndex: number): (IndicatorSeries | null)[] {
    const common = { lastValueVisible: paneIndex > 0, priceLineVisible: false, crosshairMarkerVisible: false };
    const lines = ind.def.lines.map((line, col): IndicatorSeries | null => {
      const color = lineColor(ind.def, ind.slot, col);
      if (line.style === 'hidden') return null;
      if (line.style === 'histogram') return this.chart.addSeries(HistogramSeries, { ...common, color, priceFormat: { type: 'price', precision: 2, minMove: 0.01 } }, paneIndex);
      return this.chart.addSeries(
        LineSeries,
        {
          ...common,
          color,
          lineWidth: 1,
          ...(line.style === 'dots' ? { lineVisible: false, pointMarkersVisible: true, pointMarkersRadius: 1.5 } : {}),
          ...(ind.def.name === 'bb' && col === 1 ? { lineStyle: LineStyle.Dashed } : {}),
          ...(ind.def.unit === 'volume' ? { priceFormat: { type: 'volume' as const } } : { priceFormat: { type: 'price' as const, precision: 2, minMove: 0.01 } }),
        },
        paneIndex,
      );
    });
    const first = lines.find((s) => s !== null);
    for (const g of ind.def.guides ?? []) {
      first?.createPriceLine({ price: g, color: '#5c6470', lineStyle: LineStyle.Dotted, lineWidth: 1, axisLabelVisible: false, title: '' });
    }
    return lines;
  }
}
