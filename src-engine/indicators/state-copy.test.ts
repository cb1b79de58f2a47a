import { describe, expect, it } from 'vitest';
import type { Bar } from './indicator.js';
import { createIndicator, INDICATORS } from './registry.js';
import { PreviewIndicator, copyIndicatorState } from './state-copy.js';

/** A seeded random walk in paise with volume, 1-minute bars. */
function walk(n: number, seed = 11): Bar[] {
  let s = seed;
  const rnd = (): number => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const out: Bar[] = [];
  let c = 150_000;
  const t0 = Date.parse('2026-11-20T09:15:00+05:30');
  for (let i = 0; i < n; i++) {
    const o = c;
    c = Math.max(100, Math.round(o + (rnd() - 0.5) * 400));
    const h = Math.max(o, c) + Math.round(rnd() * 150);
    const l = Math.min(o, c) - Math.round(rnd() * 150);
    out.push({ t: t0 + i * 60_000, o, h, l, c, v: 1 + Math.round(rnd() * 5000) });
  }
  return out;
}

/** One spec per registry entry (the usual parameters), so a new indicator is covered by default. */
const SPECS: Record<string, string> = {
  sma: 'sma:10', ema: 'ema:10', wma: 'wma:10', dema: 'dema:5', tema: 'tema:5', rsi: 'rsi:14', macd: 'macd:12:26:9', bb: 'bb:20:2',
  stddev: 'stddev:10', stoch: 'stoch:14:3:3', stochrsi: 'stochrsi:14:5:3', willr: 'willr:14', cci: 'cci:14', roc: 'roc:10', mom: 'mom:10',
  trange: 'trange', atr: 'atr:14', natr: 'natr:14', adx: 'adx:14', vwap: 'vwap', supertrend: 'supertrend:10:3', obv: 'obv', mfi: 'mfi:14',
  psar: 'psar:0.02:0.2',
};

const same = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
  expect(Array.from(a).map((x) => (Number.isNaN(x) ? null : x))).toEqual(Array.from(b).map((x) => (Number.isNaN(x) ? null : x)));
};

describe('copyIndicatorState / PreviewIndicator', () => {
  it('has a spec for every registered indicator', () => {
    expect(Object.keys(SPECS).sort()).toEqual(Object.keys(INDICATORS).sort());
  });

  it.each(Object.values(SPECS))('%s: a preview equals feeding the bar for real, and leaves the committed state alone', (spec) => {
    const bars = walk(160);
    const p = new PreviewIndicator(spec);
    const reference = createIndicator(spec);
    for (let i = 0; i < bars.length - 1; i++) {
      const bar = bars[i]!;
      // the forming bar seen three times as it grows, then closed
      for (const part of [0.3, 0.7, 1]) {
        const forming = { ...bar, c: Math.round(bar.o + (bar.c - bar.o) * part) };
        const scratchRef = createIndicator(spec);
        for (let j = 0; j < i; j++) scratchRef.update(bars[j]!);
        scratchRef.update(forming);
        same(p.preview(forming), scratchRef.out);
      }
      same(p.commit(bar), (reference.update(bar), reference.out));
    }
    // after all the previews, the committed series is still the plain one
    const last = bars[bars.length - 1]!;
    same(p.commit(last), (reference.update(last), reference.out));
  });

  it('refuses indicators of different shapes', () => {
    expect(() => copyIndicatorState(createIndicator('sma:5'), createIndicator('sma:6'))).toThrow(/differs in shape/);
  });
});
