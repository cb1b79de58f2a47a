import type { Timeframe } from '../../src-engine/contract/schemas.js';

/** The chart's timeframe picker, in order: the value sent to the engine and the button label. */
export const CHART_TIMEFRAMES: readonly { readonly tf: Timeframe; readonly label: string }[] = Object.freeze([
  { tf: '1m', label: '1m' },
  { tf: '3m', label: '3m' },
  { tf: '5m', label: '5m' },
  { tf: '15m', label: '15m' },
  { tf: '30m', label: '30m' },
  { tf: '60m', label: '60m' },
  { tf: 'day', label: 'D' },
]);

export const DEFAULT_TIMEFRAME: Timeframe = '1m';

/** The picker's label of a timeframe (`day` → `D`); timeframes not in the picker show as they are. */
export function timeframeLabel(tf: Timeframe): string {
  return CHART_TIMEFRAMES.find((x) => x.tf === tf)?.label ?? tf;
}

/** True for timeframes whose candles carry a time of day (everything but `day`). */
export function isIntraday(tf: Timeframe): boolean {
  return tf !== 'day';
}
