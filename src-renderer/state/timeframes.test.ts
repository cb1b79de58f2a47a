import { describe, expect, it } from 'vitest';
import { TIMEFRAMES, timeframeSchema } from '../../src-engine/contract/schemas.js';
import { CHART_TIMEFRAMES, DEFAULT_TIMEFRAME, isIntraday, timeframeLabel } from './timeframes.js';

describe('chart timeframes', () => {
  it('the picker offers 1m 3m 5m 15m 30m 60m D, all valid contract timeframes, in order', () => {
    expect(CHART_TIMEFRAMES.map((x) => x.label)).toEqual(['1m', '3m', '5m', '15m', '30m', '60m', 'D']);
    for (const x of CHART_TIMEFRAMES) expect(timeframeSchema.safeParse(x.tf).success).toBe(true);
    const order = CHART_TIMEFRAMES.map((x) => TIMEFRAMES.indexOf(x.tf));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(DEFAULT_TIMEFRAME).toBe('1m');
  });

  it('labels and intraday-ness', () => {
    expect(timeframeLabel('day')).toBe('D');
    expect(timeframeLabel('60m')).toBe('60m');
    expect(timeframeLabel('10m')).toBe('10m'); // not in the picker: shown as is
    expect(isIntraday('1m')).toBe(true);
    expect(isIntraday('day')).toBe(false);
  });
});
