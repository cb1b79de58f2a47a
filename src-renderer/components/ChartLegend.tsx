import type { LegendModel } from '../format/chart-legend.js';

/**
 * The crosshair legend over the chart's top-left corner: the bar's time, OHLCV and change, then one
 * line per indicator with its values at that bar (the newest bar when the crosshair is away).
 */
export function ChartLegend({ legend, hovering }: { legend: LegendModel; hovering: boolean }) {
  return (
    <div className="chart-legend" data-testid="chart-legend" data-t={legend.t ?? ''} data-hovering={hovering}>
      {legend.ohlcv && (
        <div className="legend-ohlcv" data-testid="legend-ohlcv">
          <span className="legend-time">{legend.time}</span>
          O <b data-testid="legend-o">{legend.ohlcv.o}</b> H <b data-testid="legend-h">{legend.ohlcv.h}</b> L <b data-testid="legend-l">{legend.ohlcv.l}</b> C{' '}
          <b data-testid="legend-c" className={legend.ohlcv.up ? 'up' : 'down'}>
            {legend.ohlcv.c}
          </b>{' '}
          <span className={legend.ohlcv.up ? 'up' : 'down'}>{legend.ohlcv.change}</span> V <b data-testid="legend-v">{legend.ohlcv.v}</b>
        </div>
      )}
      {legend.indicators.map((x) => (
        <div
          key={x.spec}
          className="legend-indicator"
          data-testid="legend-indicator"
          data-spec={x.spec}
          data-ready={x.values.length > 0 && x.values.every((v) => v.raw !== null)}
        >
          <span className="legend-title">{x.title}</span>
          {x.values.map((v) => (
            <span key={v.label} className="legend-value" data-testid="legend-value" data-label={v.label} data-raw={v.raw ?? ''}>
              {x.values.length > 1 && <span className="muted">{v.label} </span>}
              {v.text}
            </span>
          ))}
        </div>
      ))}
    </div>
  );
}
