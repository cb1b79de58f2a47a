import type { ChartIndicatorDef } from '../../src-engine/contract/chart-schemas.js';
import type { Candle } from '../../src-engine/contract/schemas.js';
import { formatIstDateTime, formatPaise } from './format.js';

/**
 * The crosshair legend: the hovered bar's OHLCV and each indicator's values at that bar (or the
 * newest bar when the crosshair is off the chart). Indicator values come from the engine as numbers
 * of its paise candles: price-like ones (`unit: price`) are shown in rupees.
 */

export interface LegendValue {
  label: string;
  text: string;
  /** The engine's value (null while warming up). */
  raw: number | null;
}

export interface LegendIndicator {
  spec: string;
  title: string;
  values: LegendValue[];
}

export interface LegendModel {
  /** Bar start, epoch ms (null without a bar). */
  t: number | null;
  time: string;
  ohlcv: { o: string; h: string; l: string; c: string; v: string; change: string; up: boolean } | null;
  indicators: LegendIndicator[];
}

const plainFmt = new Intl.NumberFormat('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const volumeFmt = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 0 });

/** One indicator value as the legend shows it; "—" while the indicator warms up. */
export function formatIndicatorValue(v: number | null | undefined, unit: ChartIndicatorDef['unit']): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (unit === 'price') return plainFmt.format(v / 100);
  if (unit === 'volume') return volumeFmt.format(Math.round(v));
  return plainFmt.format(v);
}

/** Candle change within the bar: "+1.25 (+0.10%)". */
function changeText(c: Candle): string {
  const d = c.c - c.o;
  const pct = c.o !== 0 ? (d / c.o) * 100 : 0;
  const sign = d > 0 ? '+' : d < 0 ? '\u2212' : '';
  return `${sign}${formatPaise(Math.abs(d))} (${sign}${Math.abs(pct).toFixed(2)}%)`;
}

export function buildLegend(
  candle: Candle | undefined,
  indicators: readonly { spec: string; title: string; def: ChartIndicatorDef; values: readonly (number | null)[] | undefined }[],
  intraday: boolean,
): LegendModel {
  const time = candle === undefined ? '' : intraday ? `${formatIstDateTime(candle.t)} IST` : formatIstDateTime(candle.t).split(',')[0]!;
  return {
    t: candle?.t ?? null,
    time,
    ohlcv:
      candle === undefined
        ? null
        : {
            o: formatPaise(candle.o),
            h: formatPaise(candle.h),
            l: formatPaise(candle.l),
            c: formatPaise(candle.c),
            v: volumeFmt.format(candle.v),
            change: changeText(candle),
            up: candle.c >= candle.o,
          },
    indicators: indicators.map((x) => ({
      spec: x.spec,
      title: x.title,
      values: x.def.lines.map((line, i) => {
        const raw = x.values?.[i] ?? null;
        const text = line.style === 'hidden' && x.def.name === 'supertrend' ? (raw === null ? '—' : raw > 0 ? 'up' : 'down') : formatIndicatorValue(raw, x.def.unit);
        return { label: line.label, text, raw };
      }),
    })),
  };
}
