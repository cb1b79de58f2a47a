import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { volatilityFactories } from './factories-volatility.js';
import type { Bar, Indicator } from './indicator.js';
import { SuperTrend } from './supertrend.js';
import { Vwap } from './vwap.js';

const MIN = 60_000;
const IST = 5.5 * 60 * MIN;
/** Epoch ms of an IST wall-clock time. */
const ist = (y: number, mo: number, d: number, h: number, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi) - IST;
/** IST calendar date, computed independently of src-engine/core/ist.ts. */
const istDate = (t: number): string => new Date(t + IST).toISOString().slice(0, 10);

/** Random-walk OHLCV bars with gaps of 1 min .. 10 h (so sessions change), some flat bars and zero volumes. */
const barsArb = (maxLength: number) =>
  fc
    .array(
      fc.record({
        move: fc.oneof(fc.constant(0), fc.double({ min: -0.06, max: 0.06, noNaN: true })),
        up: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.04, noNaN: true })),
        down: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.04, noNaN: true })),
        v: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5_000_000 })),
        gap: fc.integer({ min: 1, max: 600 }),
      }),
      { minLength: 1, maxLength },
    )
    .map((steps) => {
      let t = ist(2024, 3, 4, 9, 15);
      let c = 100;
      return steps.map((s): Bar => {
        const o = c;
        c = Math.max(1, o * (1 + s.move));
        t += s.gap * MIN;
        return { t, o, h: Math.max(o, c) * (1 + s.up), l: Math.min(o, c) * (1 - s.down), c, v: s.v };
      });
    });

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

// ── Straightforward (whole-history, non-incremental) references ──────────────────────────────────

function vwapRef(bars: Bar[]): number[] {
  return bars.map((b, i) => {
    const day = istDate(b.t);
    let pv = 0;
    let vol = 0;
    for (let j = 0; j <= i; j++) {
      const x = bars[j]!;
      if (istDate(x.t) !== day) continue;
      pv += ((x.h + x.l + x.c) / 3) * x.v;
      vol += x.v;
    }
    return vol > 0 ? pv / vol : NaN;
  });
}

/** TradingView's ta.supertrend written out over arrays, with a TA-Lib-seeded Wilder ATR; direction negated. */
function superTrendRef(bars: Bar[], n: number, mult: number): { line: number[]; dir: number[] } {
  const tr = bars.map((b, i) => (i === 0 ? NaN : Math.max(b.h - b.l, Math.abs(b.h - bars[i - 1]!.c), Math.abs(b.l - bars[i - 1]!.c))));
  const atr: number[] = bars.map(() => NaN);
  for (let i = n; i < bars.length; i++) {
    if (i === n) atr[i] = tr.slice(1, n + 1).reduce((a, x) => a + x, 0) / n;
    else atr[i] = (atr[i - 1]! * (n - 1) + tr[i]!) / n;
  }
  const nz = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 0 : x);
  const upper: number[] = [];
  const lower: number[] = [];
  const line: number[] = [];
  const pineDir: number[] = [];
  bars.forEach((b, i) => {
    upper[i] = lower[i] = line[i] = pineDir[i] = NaN;
    if (Number.isNaN(atr[i]!)) return;
    const src = (b.h + b.l) / 2;
    let up = src + mult * atr[i]!;
    let lo = src - mult * atr[i]!;
    const prevLo = nz(lower[i - 1]);
    const prevUp = nz(upper[i - 1]);
    const prevClose = bars[i - 1]!.c;
    lo = lo > prevLo || prevClose < prevLo ? lo : prevLo;
    up = up < prevUp || prevClose > prevUp ? up : prevUp;
    let d: number;
    if (Number.isNaN(atr[i - 1] ?? NaN)) d = 1;
    else if (line[i - 1] === upper[i - 1]) d = b.c > up ? -1 : 1;
    else d = b.c < lo ? 1 : -1;
    upper[i] = up;
    lower[i] = lo;
    pineDir[i] = d;
    line[i] = d === -1 ? lo : up;
  });
  return { line, dir: pineDir.map((d) => -d) };
}

// ── VWAP ────────────────────────────────────────────────────────────────────────────────────────

describe('vwap', () => {
  it('matches a whole-history recomputation per IST day on random bars', () => {
    fc.assert(
      fc.property(barsArb(200), (bars) => {
        const v = new Vwap();
        const ref = vwapRef(bars);
        bars.forEach((b, i) => {
          const ready = v.update(b);
          const want = ref[i]!;
          expect(ready).toBe(!Number.isNaN(want));
          if (Number.isNaN(want)) expect(v.out[0]).toBeNaN();
          else expect(near(v.out[0]!, want), `bar ${i}: ${v.out[0]} vs ${want}`).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('resets at the first bar of a new IST day, not at UTC midnight', () => {
    const v = new Vwap();
    const bar = (t: number, p: number, vol: number): Bar => ({ t, o: p, h: p, l: p, c: p, v: vol });
    v.update(bar(ist(2024, 3, 4, 9, 15), 100, 10));
    v.update(bar(ist(2024, 3, 4, 15, 29), 110, 30));
    expect(v.out[0]).toBeCloseTo(107.5, 12);
    // 05:00 and 06:00 IST straddle UTC midnight (05:30 IST) but are one IST day.
    v.update(bar(ist(2024, 3, 5, 5, 0), 200, 1));
    expect(v.out[0]).toBe(200);
    v.update(bar(ist(2024, 3, 5, 6, 0), 300, 1));
    expect(v.out[0]).toBe(250);
    // 23:59 IST and 00:00 IST the next day are different sessions.
    v.update(bar(ist(2024, 3, 5, 23, 59), 400, 2));
    expect(v.out[0]).toBe(325);
    v.update(bar(ist(2024, 3, 6, 0, 0), 50, 3));
    expect(v.out[0]).toBe(50);
  });

  it('uses the typical price and is NaN until the session trades', () => {
    const v = new Vwap();
    expect(v.update({ t: ist(2024, 3, 4, 9, 15), o: 1, h: 12, l: 6, c: 9, v: 0 })).toBe(false);
    expect(v.out[0]).toBeNaN();
    expect(v.update({ t: ist(2024, 3, 4, 9, 16), o: 1, h: 12, l: 6, c: 9, v: 5 })).toBe(true);
    expect(v.out[0]).toBe(9);
  });
});

// ── SuperTrend ──────────────────────────────────────────────────────────────────────────────────

describe('supertrend', () => {
  it('matches an array-based TradingView definition on random bars', () => {
    fc.assert(
      fc.property(barsArb(250), fc.integer({ min: 1, max: 20 }), fc.constantFrom(0.5, 1, 2, 3, 4.5), (bars, n, mult) => {
        const st = new SuperTrend(n, mult);
        const ref = superTrendRef(bars, n, mult);
        bars.forEach((b, i) => {
          const ready = st.update(b);
          expect(ready).toBe(i >= n);
          if (!ready) {
            expect(st.out[0]).toBeNaN();
            expect(st.out[1]).toBeNaN();
            return;
          }
          expect(near(st.out[0]!, ref.line[i]!), `bar ${i}: ${st.out[0]} vs ${ref.line[i]}`).toBe(true);
          expect(st.out[1]).toBe(ref.dir[i]);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('flips up in a rally and down in a sell-off (+1 = up, line below the close)', () => {
    const st = new SuperTrend(3, 1);
    const seq: number[] = [100, 101, 100, 101, 100, 104, 108, 112, 116, 120, 110, 100, 90, 80];
    const dirs: number[] = [];
    seq.forEach((c, i) => {
      st.update({ t: i * MIN, o: c, h: c + 1, l: c - 1, c, v: 1 });
      dirs.push(st.out[1]!);
      if (st.out[1] === 1) expect(st.out[0]).toBeLessThan(c);
      if (st.out[1] === -1) expect(st.out[0]).toBeGreaterThan(c);
    });
    expect(dirs.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(dirs[3]).toBe(-1); // Pine's starting direction: down
    expect(dirs[9]).toBe(1);
    expect(dirs[13]).toBe(-1);
  });
});

// ── Registry part and common contract ───────────────────────────────────────────────────────────

describe('volatilityFactories', () => {
  it.each([
    ['atr', [14], ['atr_14'], 15],
    ['natr', [14], ['natr_14'], 15],
    ['trange', [], ['trange'], 2],
    ['adx', [14], ['adx_14', 'adx_14_plus_di', 'adx_14_minus_di'], 28],
    ['vwap', [], ['vwap'], 1],
    ['supertrend', [10, 3], ['supertrend_10_3', 'supertrend_10_3_direction'], 11],
    ['obv', [], ['obv'], 1],
    ['mfi', [14], ['mfi_14'], 15],
    ['psar', [0.02, 0.2], ['psar_0.02_0.2'], 2],
  ] as const)('%s:%j → columns %j, warmup %i', (name, params, columns, warmup) => {
    const ind = volatilityFactories[name]!(params);
    expect(ind.columns).toEqual(columns);
    expect(ind.id).toBe(columns[0]);
    expect(ind.warmup).toBe(warmup);
    expect(ind.out.length).toBe(columns.length);
    // Defaults are the usual parameters.
    expect(volatilityFactories[name]!([]).columns).toEqual(columns);
  });

  it.each([
    ['atr', [0]],
    ['atr', [2.5]],
    ['atr', [14, 2]],
    ['adx', [1]],
    ['mfi', [1]],
    ['natr', [-3]],
    ['supertrend', [10, 0]],
    ['supertrend', [0, 3]],
    ['psar', [0, 0.2]],
    ['psar', [0.02, Number.NaN]],
    ['obv', [1]],
    ['vwap', [5]],
    ['trange', [1]],
  ] as const)('%s:%j → RangeError', (name, params) => {
    expect(() => volatilityFactories[name]!(params)).toThrow(RangeError);
  });

  it('every indicator: NaN before warmup, ready from warmup on, and reset() replays identically', () => {
    const specs: [string, number[]][] = [
      ['atr', [5]],
      ['natr', [5]],
      ['trange', []],
      ['adx', [4]],
      ['supertrend', [4, 2]],
      ['obv', []],
      ['mfi', [4]],
      ['psar', [0.02, 0.2]],
    ];
    fc.assert(
      fc.property(barsArb(60), (bars) => {
        for (const [name, params] of specs) {
          const ind: Indicator = volatilityFactories[name]!(params);
          const run = () =>
            bars.map((b, i) => {
              const ready = ind.update(b);
              expect(ready, `${ind.id} bar ${i}`).toBe(i + 1 >= ind.warmup);
              if (!ready) expect(Number.isNaN(ind.out[0]!), `${ind.id} bar ${i}`).toBe(true);
              else for (const x of ind.out) expect(Number.isFinite(x), `${ind.id} bar ${i}`).toBe(true);
              return Array.from(ind.out);
            });
          const first = run();
          ind.reset();
          expect(Array.from(ind.out).every(Number.isNaN)).toBe(true);
          expect(run()).toEqual(first);
        }
      }),
      { numRuns: 100 },
    );
  });
});
