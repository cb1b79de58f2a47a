import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from './indicator.js';
import { CANDLE_PATTERNS, type PatternMatch, PatternDetector } from './patterns.js';

let t = 0;
const bar = (o: number, h: number, l: number, c: number): Bar => ({ t: (t += 60_000), o, h, l, c, v: 1000 });
const white = () => bar(100, 103, 99, 102);
const black = () => bar(102, 103, 99, 100);
/**
 * Quiet context: alternating white/black candles with body 2 and range 4, so with the default
 * settings: doji body ≤ 0.4, short body < 2, long body > 2, very short shadow < 0.4, near = 0.8.
 * It never forms a pattern itself. `endWhite` picks the colour of the last context candle.
 */
const context = (endWhite: boolean): Bar[] => Array.from({ length: 12 }, (_, i) => ((i % 2 === 1) === endWhite ? white() : black()));

/** Feeds context + pattern candles; returns what the LAST candle reported (after checking the context stayed silent). */
function run(endWhite: boolean, ...candles: Bar[]): PatternMatch[] {
  const d = new PatternDetector();
  for (const b of context(endWhite)) expect(d.update(b)).toEqual([]);
  let last: PatternMatch[] = [];
  for (const b of candles) last = d.update(b);
  return last;
}
const names = (m: PatternMatch[]) => m.map((x) => x.pattern);

describe('PatternDetector', () => {
  it('doji: a body within 10 % of the average range', () => {
    expect(run(false, bar(101, 103, 99, 101.1))).toEqual([{ pattern: 'doji', signal: 100, bars: 1 }]);
    expect(run(false, bar(101, 103, 99, 101.6))).toEqual([]); // body 0.6 > 0.4
  });

  it('hammer: small body at the prior low, long lower shadow, almost no upper shadow', () => {
    expect(run(false, bar(99.5, 100.2, 97, 100))).toEqual([{ pattern: 'hammer', signal: 100, bars: 2 }]);
    expect(run(false, bar(99.5, 101, 97, 100))).toEqual([]); // upper shadow 1.0 ≥ 0.4
    expect(run(false, bar(101, 101.7, 98, 101.5))).toEqual([]); // body low 101 > prior low 99 + 0.8
  });

  it('hanging man: the hammer shape at the prior high', () => {
    expect(run(true, bar(102.5, 103.2, 100.5, 103))).toEqual([{ pattern: 'hanging_man', signal: -100, bars: 2 }]);
    expect(run(true, bar(102.5, 103.2, 102.2, 103))).toEqual([]); // lower shadow 0.3 not longer than the body 0.5
  });

  it('inverted hammer: long upper shadow, body gapping down from the previous body', () => {
    expect(run(false, bar(99, 102, 98.9, 99.6))).toEqual([{ pattern: 'inverted_hammer', signal: 100, bars: 2 }]);
    expect(run(false, bar(100.2, 103, 100.1, 100.8))).toEqual([]); // no gap: top 100.8 ≥ previous body low 100
  });

  it('shooting star: long upper shadow, body gapping up from the previous body', () => {
    expect(run(true, bar(102.8, 105, 102.1, 102.2))).toEqual([{ pattern: 'shooting_star', signal: -100, bars: 2 }]);
    expect(run(true, bar(101.8, 104, 101.1, 101.2))).toEqual([]); // no gap: bottom 101.2 ≤ previous body top 102
  });

  it('bullish engulfing: a white body covering the previous black body (80 when an edge is equal)', () => {
    expect(run(false, bar(99.5, 103, 99.4, 102.5))).toEqual([{ pattern: 'bullish_engulfing', signal: 100, bars: 2 }]);
    expect(run(false, bar(100, 103, 99.9, 102.5))).toEqual([{ pattern: 'bullish_engulfing', signal: 80, bars: 2 }]);
    expect(run(false, bar(100.5, 103, 99, 101.5))).toEqual([]); // inside the previous body
    expect(run(true, bar(99.5, 103, 99.4, 102.5))).toEqual([]); // previous candle white: no engulfing
  });

  it('bearish engulfing: a black body covering the previous white body', () => {
    expect(run(true, bar(102.5, 103, 99.4, 99.5))).toEqual([{ pattern: 'bearish_engulfing', signal: -100, bars: 2 }]);
    expect(run(true, bar(101.5, 103, 99, 100.5))).toEqual([]);
  });

  it('morning star: long black, short body gapping down, white closing well into the first body', () => {
    const first = bar(104, 104.5, 98.5, 99);
    const star = bar(98.1, 98.2, 97.2, 97.6);
    expect(run(true, first, star, bar(98, 102.2, 97.9, 102))).toEqual([{ pattern: 'morning_star', signal: 100, bars: 3 }]);
    // Third close 100.2 is not above 99 + 0.3 · 5 = 100.5.
    expect(run(true, bar(104, 104.5, 98.5, 99), bar(98.1, 98.2, 97.2, 97.6), bar(98, 100.4, 97.9, 100.2))).toEqual([]);
    // No gap: the star's body top 99.5 is not below the first close 99.
    expect(run(true, bar(104, 104.5, 98.5, 99), bar(99.5, 99.7, 98.7, 99.0), bar(98, 102.2, 97.9, 102))).not.toContainEqual(
      expect.objectContaining({ pattern: 'morning_star' }),
    );
  });

  it('evening star: long white, short body gapping up, black closing well into the first body', () => {
    expect(run(false, bar(99, 104.5, 98.5, 104), bar(104.9, 105.6, 104.8, 105.4), bar(105, 105.1, 100.8, 101))).toEqual([
      { pattern: 'evening_star', signal: -100, bars: 3 },
    ]);
    // Third close 102.8 is not below 104 − 1.5 = 102.5.
    expect(run(false, bar(99, 104.5, 98.5, 104), bar(104.9, 105.6, 104.8, 105.4), bar(105, 105.1, 102.7, 102.8))).toEqual([]);
  });

  it('reports several patterns completed on the same bar', () => {
    // A hammer whose body is also a doji: body 0.3 ≤ 0.4, lower shadow 2.5, upper 0.1.
    expect(names(run(false, bar(99.5, 99.9, 97, 99.8))).sort()).toEqual(['doji', 'hammer']);
  });

  it('stays silent until the averages cover a full window, and reset() forgets the history', () => {
    const d = new PatternDetector();
    const doji = () => bar(101, 103, 99, 101);
    for (let i = 0; i < 10; i++) expect(d.update(i === 9 ? doji() : white())).toEqual([]);
    expect(d.update(doji())).toEqual([{ pattern: 'doji', signal: 100, bars: 1 }]);
    d.reset();
    expect(d.update(doji())).toEqual([]);
  });

  it('settings are configurable (a looser doji)', () => {
    const d = new PatternDetector({ settings: { bodyDoji: { measure: 'range', period: 10, factor: 0.2 } } });
    for (const b of context(false)) d.update(b);
    expect(names(d.update(bar(101, 103, 99, 101.6)))).toEqual(['doji']); // 0.6 ≤ 0.8
    expect(() => new PatternDetector({ settings: { near: { measure: 'range', period: -1, factor: 0.2 } } })).toThrow(RangeError);
    expect(() => new PatternDetector({ penetration: Number.NaN })).toThrow(RangeError);
  });

  it('on random bars: only known patterns, signals consistent, replay after reset identical', () => {
    const barArb = fc
      .tuple(fc.double({ min: 90, max: 110, noNaN: true }), fc.double({ min: 90, max: 110, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }))
      .map(([o, c, up, down]) => bar(o, Math.max(o, c) + up, Math.min(o, c) - down, c));
    fc.assert(
      fc.property(fc.array(barArb, { maxLength: 80 }), (bars) => {
        const d = new PatternDetector();
        const first = bars.map((b) => d.update(b));
        for (const m of first.flat()) {
          expect(CANDLE_PATTERNS).toContain(m.pattern);
          const bullish = ['hammer', 'inverted_hammer', 'bullish_engulfing', 'morning_star', 'doji'].includes(m.pattern);
          expect(Math.sign(m.signal)).toBe(bullish ? 1 : -1);
        }
        // Engulfing uses no averages (TA-Lib lookback 2); everything else needs 10 bars of history.
        expect(first.slice(0, 10).flat().filter((m) => !m.pattern.endsWith('engulfing'))).toEqual([]);
        d.reset();
        expect(bars.map((b) => d.update(b))).toEqual(first);
      }),
      { numRuns: 100 },
    );
  });
});
