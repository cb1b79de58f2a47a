import { useEffect, useRef, useState } from 'react';
import { CandlestickSeries, HistogramSeries, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { DOWN_COLOR, UP_COLOR, toBar, toVolume } from '../format/chart-data.js';
import { istChartOptions } from './chart-options.js';
import { formatPaise } from '../format/format.js';
import { useAppStore, type ChartState } from '../state/store.js';
import { CHART_TIMEFRAMES, isIntraday, timeframeLabel } from '../state/timeframes.js';

const VISIBLE_BARS = 150;
const RIGHT_OFFSET = 4;

/**
 * Candlestick + volume chart of the selected symbol in the chosen timeframe (picker in the header).
 * Data flows from the store straight into the series (not through React renders): a snapshot is a
 * setData(), a delta an update().
 */
export function Chart() {
  const containerRef = useRef<HTMLDivElement>(null);
  const symbol = useAppStore((s) => s.chart.symbol);
  const tf = useAppStore((s) => s.chart.tf);
  const setTimeframe = useAppStore((s) => s.setTimeframe);
  const last = useAppStore((s) => s.chart.candles[s.chart.candles.length - 1]);
  const [count, setCount] = useState(0);

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const chart: IChartApi = createChart(el, istChartOptions({ top: 0.06, bottom: 0.26, rightOffset: RIGHT_OFFSET }));
    const candles: ISeriesApi<'Candlestick'> = chart.addSeries(CandlestickSeries, {
      upColor: UP_COLOR,
      downColor: DOWN_COLOR,
      borderUpColor: UP_COLOR,
      borderDownColor: DOWN_COLOR,
      wickUpColor: UP_COLOR,
      wickDownColor: DOWN_COLOR,
      priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
    });
    const volume: ISeriesApi<'Histogram'> = chart.addSeries(HistogramSeries, {
      priceScaleId: 'volume',
      priceFormat: { type: 'volume' },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });

    const redraw = (state: ChartState, fit: boolean): void => {
      candles.setData(state.candles.map((c) => ({ ...toBar(c), time: toBar(c).time as UTCTimestamp })));
      volume.setData(state.candles.map((c) => ({ ...toVolume(c), time: toVolume(c).time as UTCTimestamp })));
      const n = state.candles.length;
      // Show the latest ~150 bars; fewer candles start at the left edge rather than mid-chart.
      if (fit && n > 0) chart.timeScale().setVisibleLogicalRange({ from: Math.max(0, n - VISIBLE_BARS), to: n - 1 + RIGHT_OFFSET });
      setCount(candles.data().length);
    };

    let shownSymbol = useAppStore.getState().chart.symbol;
    let shownTf = useAppStore.getState().chart.tf;
    chart.applyOptions({ timeScale: { timeVisible: isIntraday(shownTf) } });
    redraw(useAppStore.getState().chart, true);

    const unsubscribe = useAppStore.subscribe((s, prev) => {
      if (s.chart === prev.chart) return;
      const symbolChanged = s.chart.symbol !== shownSymbol || s.chart.tf !== shownTf;
      if (s.chart.tf !== shownTf) chart.applyOptions({ timeScale: { timeVisible: isIntraday(s.chart.tf) } });
      shownSymbol = s.chart.symbol;
      shownTf = s.chart.tf;
      const c = s.chart.candles[s.chart.candles.length - 1];
      if (symbolChanged || s.chart.lastOp === 'snapshot' || c === undefined) {
        redraw(s.chart, symbolChanged || prev.chart.candles.length === 0);
        return;
      }
      if (s.chart.lastOp === 'replace' || s.chart.lastOp === 'append') {
        const bar = toBar(c);
        const vol = toVolume(c);
        candles.update({ ...bar, time: bar.time as UTCTimestamp });
        volume.update({ ...vol, time: vol.time as UTCTimestamp });
        if (s.chart.lastOp === 'append') setCount(candles.data().length);
      }
    });

    return () => {
      unsubscribe();
      chart.remove();
    };
  }, []);

  const change = last ? last.c - last.o : 0;
  return (
    <section className="chart-panel">
      <header className="chart-header">
        <span className="chart-symbol">{symbol ?? '—'}</span>
        <span className="chart-tf">{timeframeLabel(tf)} · NSE</span>
        <span className="chart-tf-picker" role="group" aria-label="Timeframe">
          {CHART_TIMEFRAMES.map((x) => (
            <button
              key={x.tf}
              type="button"
              className={x.tf === tf ? 'tf-button active' : 'tf-button'}
              data-testid={`tf-${x.tf}`}
              aria-pressed={x.tf === tf}
              onClick={() => setTimeframe(x.tf)}
            >
              {x.label}
            </button>
          ))}
        </span>
        {last && (
          <span className="chart-ohlc">
            O <b>{formatPaise(last.o)}</b> H <b>{formatPaise(last.h)}</b> L <b>{formatPaise(last.l)}</b> C{' '}
            <b className={change >= 0 ? 'up' : 'down'}>{formatPaise(last.c)}</b> V <b>{last.v.toLocaleString('en-IN')}</b>
          </span>
        )}
        <span className="chart-tz">IST</span>
      </header>
      <div
        ref={containerRef}
        className="chart"
        data-testid="chart"
        data-symbol={symbol ?? ''}
        data-tf={tf}
        data-candle-count={count}
      />
    </section>
  );
}
