import { describe, expect, it } from 'vitest';
import {
  EMPTY_LAYOUT,
  MAX_INDICATORS,
  MAX_PANES,
  addIndicator,
  indicatorTitle,
  layoutOf,
  parseLayouts,
  rangeFor,
  removeIndicator,
  serializeLayouts,
  setIndicatorParams,
  setView,
  specOf,
  type LayoutChange,
  type TimeframeLayout,
} from './chart-layout.js';

const ok = (r: LayoutChange): TimeframeLayout => {
  if ('error' in r) throw new Error(r.error);
  return r.layout;
};
const err = (r: LayoutChange): string => {
  if (!('error' in r)) throw new Error('expected a refusal');
  return r.error;
};

describe('chart layouts', () => {
  it('adds an indicator with its defaults, as the engine spec', () => {
    const l = ok(addIndicator(EMPTY_LAYOUT, 'ema'));
    expect(l.indicators).toEqual([{ id: 1, name: 'ema', params: [20] }]);
    expect(specOf(l.indicators[0]!)).toBe('ema:20');
    const l2 = ok(addIndicator(l, 'macd'));
    expect(l2.indicators.map(specOf)).toEqual(['ema:20', 'macd:12:26:9']);
    expect(l2.indicators[1]!.id).toBe(2);
    expect(specOf(ok(addIndicator(EMPTY_LAYOUT, 'vwap')).indicators[0]!)).toBe('vwap');
    expect(indicatorTitle({ name: 'bb', params: [20, 2] })).toBe('Bollinger 20 2');
    expect(EMPTY_LAYOUT.indicators).toEqual([]); // never mutated
  });

  it('refuses a duplicate, an unknown name, a full chart and too many panes', () => {
    const l = ok(addIndicator(EMPTY_LAYOUT, 'ema'));
    expect(err(addIndicator(l, 'ema'))).toMatch(/EMA 20 is already on the chart/);
    expect(err(addIndicator(l, 'ichimoku'))).toMatch(/unknown/);
    let panes = EMPTY_LAYOUT;
    for (const n of ['rsi', 'macd', 'adx']) panes = ok(addIndicator(panes, n));
    expect(MAX_PANES).toBe(3);
    expect(err(addIndicator(panes, 'atr'))).toMatch(/at most 3 indicator panes/);
    let full = EMPTY_LAYOUT;
    for (const n of ['ema', 'sma', 'wma', 'vwap', 'bb', 'supertrend', 'psar', 'rsi']) full = ok(addIndicator(full, n));
    expect(full.indicators).toHaveLength(MAX_INDICATORS);
    expect(err(addIndicator(full, 'atr'))).toMatch(/at most 8 indicators/);
  });

  it('changes parameters by the contract\'s rules, keeping the id and place', () => {
    let l = ok(addIndicator(EMPTY_LAYOUT, 'ema'));
    l = ok(addIndicator(l, 'bb'));
    const changed = ok(setIndicatorParams(l, 1, [' 50 ']));
    expect(changed.indicators.map(specOf)).toEqual(['ema:50', 'bb:20:2']);
    expect(changed.indicators[0]!.id).toBe(1);
    expect(ok(setIndicatorParams(l, 2, ['30', '2.5'])).indicators[1]).toEqual({ id: 2, name: 'bb', params: [30, 2.5] });
    expect(err(setIndicatorParams(l, 1, ['0']))).toMatch(/Length must be within 1…500, got 0/);
    expect(err(setIndicatorParams(l, 1, ['abc']))).toMatch(/is not a number/);
    expect(err(setIndicatorParams(l, 1, ['2.5']))).toMatch(/whole number/);
    expect(err(setIndicatorParams(l, 2, ['20']))).toMatch(/takes 2 parameter/);
    expect(err(setIndicatorParams(l, 9, ['20']))).toMatch(/no longer on the chart/);
    const macd = ok(addIndicator(EMPTY_LAYOUT, 'macd'));
    expect(err(setIndicatorParams(macd, 1, [26, 12, 9]))).toMatch(/Fast must be shorter than Slow/);
    // the same spec as another indicator is a duplicate; the same as itself is fine
    const two = ok(addIndicator(ok(setIndicatorParams(l, 1, ['20'])), 'sma'));
    expect(ok(setIndicatorParams(two, 1, ['20'])).indicators.map(specOf)).toEqual(['ema:20', 'bb:20:2', 'sma:20']);
    const emas = ok(addIndicator(changed, 'ema')); // ema:50 and ema:20
    expect(err(setIndicatorParams(emas, 3, ['50']))).toMatch(/EMA 50 is already on the chart/);
  });

  it('removes an indicator; an unknown id changes nothing', () => {
    const l = ok(addIndicator(ok(addIndicator(EMPTY_LAYOUT, 'ema')), 'rsi'));
    expect(removeIndicator(l, 1).indicators.map(specOf)).toEqual(['rsi:14']);
    expect(removeIndicator(l, 42)).toBe(l);
  });

  it('keeps the view; the same view is no change', () => {
    const l = setView(EMPTY_LAYOUT, { barsVisible: 80, rightOffset: -20 });
    expect(l.view).toEqual({ barsVisible: 80, rightOffset: -20 });
    expect(setView(l, { barsVisible: 80, rightOffset: -20 })).toBe(l);
  });

  it('round-trips through storage, dropping what is no longer valid', () => {
    const one = ok(addIndicator(ok(addIndicator(EMPTY_LAYOUT, 'ema')), 'macd'));
    const layouts = { '1m': setView(one, { barsVisible: 100, rightOffset: 4 }), '5m': ok(addIndicator(EMPTY_LAYOUT, 'vwap')) };
    const back = parseLayouts(JSON.parse(serializeLayouts(layouts)));
    expect(back).toEqual(layouts);
    expect(layoutOf(back, '15m')).toBe(EMPTY_LAYOUT);
    const dirty = {
      '1m': { indicators: [{ name: 'ema', params: [20] }, { name: 'nope', params: [] }, { name: 'rsi', params: [1] }, { name: 'ema', params: [20] }, 'x'], view: { barsVisible: 1, rightOffset: 0 } },
      '2m': { indicators: [{ name: 'ema', params: [9] }] },
      day: null,
    };
    expect(parseLayouts(dirty)).toEqual({ '1m': { indicators: [{ id: 1, name: 'ema', params: [20] }], view: null } });
    expect(parseLayouts('garbage')).toEqual({});
    expect(parseLayouts(null)).toEqual({});
  });

  it('turns a stored view into the visible range for another symbol\'s bars', () => {
    expect(rangeFor(300, null)).toEqual({ from: 150, to: 303 });
    expect(rangeFor(40, null)).toEqual({ from: 0, to: 43 });
    expect(rangeFor(300, { barsVisible: 60, rightOffset: -100 })).toEqual({ from: 139, to: 199 });
    expect(rangeFor(300, { barsVisible: 60, rightOffset: 4 })).toEqual({ from: 243, to: 303 });
    // scrolled back further than the new symbol has bars: the default view
    expect(rangeFor(50, { barsVisible: 60, rightOffset: -100 })).toEqual({ from: 0, to: 53 });
  });
});
