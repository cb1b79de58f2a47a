import type { Bar } from './indicator.js';

/**
 * Candlestick patterns, detected incrementally: feed closed bars to a {@link PatternDetector}; each
 * `update` returns the patterns completed on that bar (O(1) per bar: running sums over short windows).
 *
 * Definitions and thresholds follow TA-Lib's CDL* functions and its default "candle settings". A
 * setting turns a candle's average over the `period` bars BEFORE it into a threshold:
 *
 *   threshold = factor · (Σ of the measure over the previous `period` bars / period) / (2 for shadows)
 *
 * where the measure is the real body |c−o|, the range h−l, or the sum of both shadows; with period 0
 * it is the candle's own measure. Defaults (TA-Lib's):
 *
 * | setting           | measure | period | factor | meaning                               |
 * |-------------------|---------|--------|--------|---------------------------------------|
 * | `bodyDoji`        | range   | 10     | 0.1    | body ≤ 10 % of the average range       |
 * | `bodyShort`       | body    | 10     | 1.0    | body below the average body            |
 * | `bodyLong`        | body    | 10     | 1.0    | body above the average body            |
 * | `shadowLong`      | body    | 0      | 1.0    | shadow longer than the candle's body   |
 * | `shadowVeryShort` | range   | 10     | 0.1    | shadow < 10 % of the average range     |
 * | `near`            | range   | 5      | 0.2    | within 20 % of the average range       |
 *
 * A candle is white when c ≥ o, black otherwise. Patterns (signal as TA-Lib: +100 bullish, −100
 * bearish, 100 for the neutral doji; engulfing is ±80 when an open equals the other candle's close):
 *
 * - `doji`: body ≤ bodyDoji.
 * - `hammer` (+100) / `hanging_man` (−100): body < bodyShort, lower shadow > shadowLong, upper shadow <
 *   shadowVeryShort; the body's low is ≤ the previous low + near (hammer) or ≥ the previous high − near
 *   (hanging man; `near` averaged as of the previous candle).
 * - `inverted_hammer` (+100) / `shooting_star` (−100): body < bodyShort, upper shadow > shadowLong,
 *   lower shadow < shadowVeryShort, and the body gaps down (inverted hammer) / up (shooting star) from
 *   the previous body.
 * - `bullish_engulfing` / `bearish_engulfing`: an opposite-colour candle whose body covers the previous
 *   body, with at most one edge equal (TA-Lib 0.6 CDLENGULFING).
 * - `morning_star` (+100): a long black candle (body > bodyLong), a short body (≤ bodyShort) gapping
 *   down from it, then a white candle with body > bodyShort closing above the first close by more than
 *   `penetration` (0.3) of the first body. `evening_star` (−100) mirrors it.
 *
 * Like TA-Lib, these are shape rules only: no trend filter beyond the "near the previous low/high" and
 * gap conditions. A pattern is not reported until every average it uses covers a full window, i.e.
 * after about 10 bars of history.
 */

export type CandlePattern =
  | 'doji'
  | 'hammer'
  | 'hanging_man'
  | 'inverted_hammer'
  | 'shooting_star'
  | 'bullish_engulfing'
  | 'bearish_engulfing'
  | 'morning_star'
  | 'evening_star';

export const CANDLE_PATTERNS: readonly CandlePattern[] = [
  'doji',
  'hammer',
  'hanging_man',
  'inverted_hammer',
  'shooting_star',
  'bullish_engulfing',
  'bearish_engulfing',
  'morning_star',
  'evening_star',
];

export interface PatternMatch {
  readonly pattern: CandlePattern;
  /** TA-Lib-style: +100 bullish, −100 bearish, ±80 weaker engulfing, 100 for doji (neutral). */
  readonly signal: number;
  /** Number of candles in the pattern, the last being the bar just fed. */
  readonly bars: number;
}

export type CandleMeasure = 'body' | 'range' | 'shadows';

export interface CandleSetting {
  readonly measure: CandleMeasure;
  /** Bars averaged before the candle; 0 = the candle's own measure. */
  readonly period: number;
  readonly factor: number;
}

export type CandleSettingName = 'bodyDoji' | 'bodyShort' | 'bodyLong' | 'shadowLong' | 'shadowVeryShort' | 'near';

const SETTING_NAMES: readonly CandleSettingName[] = ['bodyDoji', 'bodyShort', 'bodyLong', 'shadowLong', 'shadowVeryShort', 'near'];

/** TA-Lib's default candle settings (ta_global.c). */
export const DEFAULT_CANDLE_SETTINGS: Readonly<Record<CandleSettingName, CandleSetting>> = {
  bodyDoji: { measure: 'range', period: 10, factor: 0.1 },
  bodyShort: { measure: 'body', period: 10, factor: 1 },
  bodyLong: { measure: 'body', period: 10, factor: 1 },
  shadowLong: { measure: 'body', period: 0, factor: 1 },
  shadowVeryShort: { measure: 'range', period: 10, factor: 0.1 },
  near: { measure: 'range', period: 5, factor: 0.2 },
};

export interface PatternDetectorOptions {
  /** Override some of the {@link DEFAULT_CANDLE_SETTINGS}. */
  readonly settings?: Partial<Record<CandleSettingName, CandleSetting>>;
  /** Morning/evening star: how far into the first body the third candle must close (TA-Lib default 0.3). */
  readonly penetration?: number;
}

interface Candle {
  o: number;
  h: number;
  l: number;
  c: number;
  body: number;
  upper: number;
  lower: number;
  /** +1 white (c ≥ o), −1 black. */
  color: number;
  /** Threshold per setting (SETTING_NAMES order) as of this candle; NaN while its window is not full. */
  avg: Float64Array;
}

function measureOf(m: CandleMeasure, b: Candle): number {
  if (m === 'body') return b.body;
  if (m === 'range') return b.h - b.l;
  return b.upper + b.lower;
}

/** Running sum of one measure over the last `period` candles. */
class Window {
  private readonly ring: Float64Array;
  private idx = 0;
  private count = 0;
  private sum = 0;

  constructor(readonly setting: CandleSetting) {
    this.ring = new Float64Array(Math.max(1, setting.period));
  }

  /** Threshold for `c` from the candles before it, then adds `c` to the window. */
  next(c: Candle): number {
    const { measure, period, factor } = this.setting;
    const div = measure === 'shadows' ? 2 : 1;
    const own = measureOf(measure, c);
    if (period === 0) return (factor * own) / div;
    const avg = this.count >= period ? (factor * (this.sum / period)) / div : NaN;
    if (this.count >= period) this.sum -= this.ring[this.idx]!;
    else this.count++;
    this.ring[this.idx] = own;
    this.sum += own;
    this.idx = this.idx + 1 === period ? 0 : this.idx + 1;
    return avg;
  }

  reset(): void {
    this.ring.fill(0);
    this.idx = this.count = this.sum = 0;
  }
}

const S = { bodyDoji: 0, bodyShort: 1, bodyLong: 2, shadowLong: 3, shadowVeryShort: 4, near: 5 } as const;

export class PatternDetector {
  private readonly windows: Window[];
  private readonly penetration: number;
  /** The last three candles, newest last. */
  private recent: Candle[] = [];

  constructor(opts: PatternDetectorOptions = {}) {
    this.windows = SETTING_NAMES.map((name) => {
      const s = opts.settings?.[name] ?? DEFAULT_CANDLE_SETTINGS[name];
      if (!Number.isInteger(s.period) || s.period < 0) throw new RangeError(`PatternDetector: ${name}.period must be an integer ≥ 0, got ${s.period}`);
      if (!(Number.isFinite(s.factor) && s.factor >= 0)) throw new RangeError(`PatternDetector: ${name}.factor must be ≥ 0, got ${s.factor}`);
      return new Window(s);
    });
    this.penetration = opts.penetration ?? 0.3;
    if (!(Number.isFinite(this.penetration) && this.penetration >= 0)) {
      throw new RangeError(`PatternDetector: penetration must be ≥ 0, got ${this.penetration}`);
    }
  }

  /** Feed the next closed bar; returns the patterns that complete on it (a fresh array, possibly empty). */
  update(bar: Bar): PatternMatch[] {
    const c: Candle = {
      o: bar.o,
      h: bar.h,
      l: bar.l,
      c: bar.c,
      body: Math.abs(bar.c - bar.o),
      upper: bar.h - Math.max(bar.o, bar.c),
      lower: Math.min(bar.o, bar.c) - bar.l,
      color: bar.c >= bar.o ? 1 : -1,
      avg: new Float64Array(SETTING_NAMES.length),
    };
    this.windows.forEach((w, i) => (c.avg[i] = w.next(c)));
    this.recent.push(c);
    if (this.recent.length > 3) this.recent.shift();
    return this.detect();
  }

  reset(): void {
    for (const w of this.windows) w.reset();
    this.recent = [];
  }

  private detect(): PatternMatch[] {
    const r = this.recent;
    const c0 = r[r.length - 1]!;
    const c1 = r[r.length - 2];
    const c2 = r[r.length - 3];
    const out: PatternMatch[] = [];
    const hit = (pattern: CandlePattern, signal: number, bars: number) => out.push({ pattern, signal, bars });
    const top = (c: Candle) => Math.max(c.o, c.c);
    const bottom = (c: Candle) => Math.min(c.o, c.c);

    if (c0.body <= c0.avg[S.bodyDoji]!) hit('doji', 100, 1);
    if (!c1) return out;

    const smallBody = c0.body < c0.avg[S.bodyShort]!;
    if (smallBody && c0.lower > c0.avg[S.shadowLong]! && c0.upper < c0.avg[S.shadowVeryShort]!) {
      if (bottom(c0) <= c1.l + c1.avg[S.near]!) hit('hammer', 100, 2);
      if (bottom(c0) >= c1.h - c1.avg[S.near]!) hit('hanging_man', -100, 2);
    }
    if (smallBody && c0.upper > c0.avg[S.shadowLong]! && c0.lower < c0.avg[S.shadowVeryShort]!) {
      if (top(c0) < bottom(c1)) hit('inverted_hammer', 100, 2);
      if (bottom(c0) > top(c1)) hit('shooting_star', -100, 2);
    }

    const whiteEngulfs =
      c0.color === 1 && c1.color === -1 && ((c0.c >= c1.o && c0.o < c1.c) || (c0.c > c1.o && c0.o <= c1.c));
    const blackEngulfs =
      c0.color === -1 && c1.color === 1 && ((c0.o >= c1.c && c0.c < c1.o) || (c0.o > c1.c && c0.c <= c1.o));
    if (whiteEngulfs || blackEngulfs) {
      const strength = c0.o !== c1.c && c0.c !== c1.o ? 100 : 80;
      if (whiteEngulfs) hit('bullish_engulfing', strength, 2);
      else hit('bearish_engulfing', -strength, 2);
    }

    if (!c2) return out;
    const starShape =
      c2.body > c2.avg[S.bodyLong]! && c1.body <= c1.avg[S.bodyShort]! && c0.body > c0.avg[S.bodyShort]! && c2.color === -c0.color;
    if (starShape && c2.color === -1 && top(c1) < bottom(c2) && c0.c > c2.c + c2.body * this.penetration) hit('morning_star', 100, 3);
    if (starShape && c2.color === 1 && bottom(c1) > top(c2) && c0.c < c2.c - c2.body * this.penetration) hit('evening_star', -100, 3);
    return out;
  }
}
