import { ColorType, CrosshairMode, type ChartOptions, type DeepPartial, type Time } from 'lightweight-charts';
import { formatIstDateTime, formatIstTick, formatPaise } from '../format/format.js';

/** Our series use UTCTimestamp seconds; anything else has no IST label. */
function timeToSeconds(t: Time): number | null {
  return typeof t === 'number' ? t : null;
}

/**
 * The look every chart shares: dark theme, IST time axis and crosshair, prices in rupees from a
 * series kept in rupees (the engine's paise ÷ 100), Indian digit grouping.
 */
export function istChartOptions(o: { top: number; bottom: number; rightOffset?: number }): DeepPartial<ChartOptions> {
  return {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: '#0f1217' }, textColor: '#9aa4b2', fontSize: 11, attributionLogo: false },
    grid: { vertLines: { color: '#1b2028' }, horzLines: { color: '#1b2028' } },
    crosshair: { mode: CrosshairMode.Normal },
    rightPriceScale: { borderColor: '#252b35', scaleMargins: { top: o.top, bottom: o.bottom } },
    timeScale: {
      borderColor: '#252b35',
      timeVisible: true,
      secondsVisible: false,
      ...(o.rightOffset !== undefined ? { rightOffset: o.rightOffset } : {}),
      tickMarkFormatter: (time: Time, kind: number) => {
        const s = timeToSeconds(time);
        return s === null ? null : formatIstTick(s, kind);
      },
    },
    localization: {
      locale: 'en-IN',
      timeFormatter: (time: Time) => {
        const s = timeToSeconds(time);
        return s === null ? String(time) : `${formatIstDateTime(s * 1000)} IST`;
      },
      priceFormatter: (p: number) => formatPaise(Math.round(p * 100)),
    },
  };
}
