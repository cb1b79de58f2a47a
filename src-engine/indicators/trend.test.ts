import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from './indicator.js';
import { OrderedWindow } from './ordered-window.js';
import { createIndicator } from './registry.js';
import { CompensatedSum, RollingExtreme, RollingMoments, RollingSum } from './rolling.js';
import { computeSeries } from './series.js';

// ---------- naive whole-window references (definitions, TA-Lib conventions) ----------

type Arr = number[];
const firstDefined = (x: Arr): number => x.findIndex((v) => v === v);
const nans = (n: number): Arr => new Array<number>(n).fill(NaN);

function sma(x: Arr, n: number): Arr {
  const s = firstDefined(x);
  return x.map((_, i) => (s < 0 || i < s + n - 1 ? NaN : x.slice(i - n + 1, i + 1).reduce((a, b) => a + b, 0) / n));
}
function ema(x: Arr, n: number, start = firstDefined(x)): Arr {
  const out = nans(x.length);
  if (start < 0 || start + n > x.length) return out;
  let e = x.slice(start, start + n).reduce((a, b) => a + b, 0) / n;
  out[start + n - 1] = e;
  const k = 2 / (n + 1);
  for (let i = start + n; i < x.length; i++) out[i] = e = (x[i]! - e) * k + e;
  return out;
}
function wma(x: Arr, n: number): Arr {
  return x.map((_, i) => (i < n - 1 ? NaN : x.slice(i - n + 1, i + 1).reduce((a, b, j) => a + b * (j + 1), 0) / ((n * (n + 1)) / 2)));
}
function rsi(x: Arr, n: number): Arr {
  const out = nans(x.length);
  let g = 0;
  let l = 0;
  for (let i = 1; i < x.length; i++) {
    const d = x[i]! - x[i - 1]!;
    if (i <= n) {
      if (d < 0) l -= d;
      else g += d;
      if (i < n) continue;
      g /= n;
      l /= n;
    } else {
      g = (g * (n - 1) + (d > 0 ? d : 0)) / n;
      l = (l * (n - 1) + (d < 0 ? -d : 0)) / n;
    }
    out[i] = Math.abs(g + l) < 1e-8 ? 0 : (100 * g) / (g + l);
  }
  return out;
}
function popStd(w: Arr): number {
  const m = w.reduce((a, b) => a + b, 0) / w.length;
  const v = w.reduce((a, b) => a + (b - m) ** 2, 0) / w.length;
  return v < 1e-8 ? 0 : Math.sqrt(v);
}
function fastK(h: Arr, l: Arr, c: Arr, n: number, flatTolerance = 0): Arr {
  const s = firstDefined(c);
  return c.map((ci, i) => {
    if (s < 0 || i < s + n - 1) return NaN;
    const hh = Math.max(...h.slice(i - n + 1, i + 1));
    const ll = Math.min(...l.slice(i - n + 1, i + 1));
    const range = hh - ll;
    return range !== 0 && range > flatTolerance * Math.max(1, Math.abs(hh)) ? (100 * (ci - ll)) / range : 0;
  });
}
const lagged = (x: Arr, n: number, f: (now: number, then: number) => number): Arr => x.map((v, i) => (i < n ? NaN : f(v, x[i - n]!)));

/** spec → naive columns. */
function naive(spec: string, bars: Bar[]): Arr[] {
  const c = bars.map((b) => b.c);
  const h = bars.map((b) => b.h);
  const l = bars.map((b) => b.l);
  const [name, ...p] = spec.split(':');
  const [a = 0, b = 0, d = 0] = p.map(Number);
  switch (name) {
    case 'sma':
      return [sma(c, a)];
    case 'ema':
      return [ema(c, a)];
    case 'wma':
      return [wma(c, a)];
    case 'dema': {
      const e1 = ema(c, a);
      const e2 = ema(e1, a);
      return [e2.map((v, i) => (v === v ? 2 * e1[i]! - v : NaN))];
    }
    case 'tema': {
      const e1 = ema(c, a);
      const e2 = ema(e1, a);
      const e3 = ema(e2, a);
      return [e3.map((v, i) => (v === v ? 3 * e1[i]! - 3 * e2[i]! + v : NaN))];
    }
    case 'rsi':
      return [rsi(c, a)];
    case 'macd': {
      const slow = ema(c, b);
      const fast = ema(c, a, b - a);
      const m = slow.map((s, i) => fast[i]! - s);
      const sig = ema(m, d);
      return [m.map((v, i) => (sig[i]! === sig[i]! ? v : NaN)), sig, sig.map((s, i) => m[i]! - s)];
    }
    case 'bb': {
      const mid = sma(c, a);
      const sd = c.map((_, i) => (i < a - 1 ? NaN : popStd(c.slice(i - a + 1, i + 1))));
      return [mid.map((m, i) => m + b * sd[i]!), mid, mid.map((m, i) => m - b * sd[i]!)];
    }
    case 'stddev':
      return [c.map((_, i) => (i < a - 1 ? NaN : popStd(c.slice(i - a + 1, i + 1))))];
    case 'stoch': {
      const k = sma(fastK(h, l, c, a), b);
      const dd = sma(k, d);
      return [k.map((v, i) => (dd[i]! === dd[i]! ? v : NaN)), dd];
    }
    case 'stochrsi': {
      const r = rsi(c, a);
      // a flat RSI window (prices flat: Wilder keeps the ratio) is flat, not rounding noise stretched to 0..100
      const k = fastK(r, r, r, b, 1e-9);
      const dd = sma(k, d);
      return [k.map((v, i) => (dd[i]! === dd[i]! ? v : NaN)), dd];
    }
    case 'willr':
      return [fastK(h, l, c, a).map((k) => k - 100)];
    case 'cci': {
      const tp = bars.map((x) => (x.h + x.l + x.c) / 3);
      return [
        tp.map((t, i) => {
          if (i < a - 1) return NaN;
          const w = tp.slice(i - a + 1, i + 1);
          const m = w.reduce((x, y) => x + y, 0) / a;
          const mad = w.reduce((x, y) => x + Math.abs(y - m), 0) / a;
          return t - m !== 0 && mad !== 0 ? (t - m) / (0.015 * mad) : 0;
        }),
      ];
    }
    case 'roc':
      return [lagged(c, a, (now, then) => (then !== 0 ? (now / then - 1) * 100 : 0))];
    case 'mom':
      return [lagged(c, a, (now, then) => now - then)];
  }
  throw new Error(`no naive ${spec}`);
}

// Prices on a coarse 0.05 grid in a narrow band: many ties, flat windows and zero ranges.
const barsArb = fc
  .array(fc.tuple(fc.integer({ min: 2000, max: 2040 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 1000 })), {
    minLength: 0,
    maxLength: 160,
    size: 'max',
  })
  .map((rows) => rows.map(([c, up, dn, v], i): Bar => ({ t: i * 60_000, o: c * 0.05, h: (c + up) * 0.05, l: (c - dn) * 0.05, c: c * 0.05, v })));

const SPECS = [
  'sma:1',
  'sma:7',
  'ema:5',
  'ema:1',
  'wma:6',
  'dema:5',
  'tema:4',
  'rsi:5',
  'rsi:1',
  'macd:3:8:4',
  'macd:5:5:2',
  'bb:8:2',
  'bb:5:1.5',
  'stddev:6',
  'stoch:5:3:3',
  'stoch:1:1:1',
  'stochrsi:5:4:3',
  'willr:6',
  'cci:7',
  'cci:1',
  'roc:3',
  'mom:4',
];

const close = (a: number, b: number): boolean => (a !== a && b !== b) || Math.abs(a - b) <= 1e-8 * Math.max(1, Math.abs(b));

describe('part A indicators agree with naive whole-window definitions', () => {
  for (const spec of SPECS) {
    it(spec, () => {
      fc.assert(
        fc.property(barsArb, (bars) => {
          const ours = computeSeries(spec, bars);
          const want = naive(spec, bars);
          expect(ours.length).toBe(want.length);
          ours.forEach((col, j) => {
            col.forEach((v, i) => {
              if (!close(v, want[j]![i]!)) throw new Error(`${spec} column ${j} row ${i}: ${v} vs ${want[j]![i]}`);
            });
          });
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('bar-by-bar, batch and reset', () => {
  const bars = fc.sample(barsArb, { numRuns: 20, seed: 7 }).reduce((a, b) => (b.length > a.length ? b : a));
  for (const spec of SPECS) {
    it(`${spec}: update() loop equals computeSeries bit for bit; ready ⇔ warmup; reset replays identically`, () => {
      const ind = createIndicator(spec);
      const batch = computeSeries(spec, bars);
      const run = () =>
        bars.map((b, i) => {
          const ready = ind.update(b);
          expect(ready).toBe(i + 1 >= ind.warmup);
          for (const v of ind.out) expect(Number.isNaN(v)).toBe(!ready);
          return Array.from(ind.out);
        });
      const first = run();
      first.forEach((row, i) => row.forEach((v, j) => expect(Object.is(v, batch[j]![i])).toBe(true)));
      ind.reset();
      expect(Array.from(ind.out).every(Number.isNaN)).toBe(true);
      expect(run()).toEqual(first);
      // an indicator instance passed to computeSeries is reset first
      const again = computeSeries(ind, bars);
      again.forEach((col, j) => col.forEach((v, i) => expect(Object.is(v, batch[j]![i])).toBe(true)));
    });
  }
});

describe('registry: names, columns, warm-up, parameter errors', () => {
  it.each([
    ['sma:20', ['sma_20'], 20],
    ['ema:20', ['ema_20'], 20],
    ['wma:20', ['wma_20'], 20],
    ['dema:20', ['dema_20'], 39],
    ['tema:20', ['tema_20'], 58],
    ['rsi:14', ['rsi_14'], 15],
    ['macd:12:26:9', ['macd_12_26_9', 'macd_12_26_9_signal', 'macd_12_26_9_hist'], 34],
    ['bb:20:2', ['bb_20_2_upper', 'bb_20_2_middle', 'bb_20_2_lower'], 20],
    ['stddev:20', ['stddev_20'], 20],
    ['stoch:14:3:3', ['stoch_14_3_3_k', 'stoch_14_3_3_d'], 18],
    ['stochrsi:14:14:3', ['stochrsi_14_14_3_k', 'stochrsi_14_14_3_d'], 30],
    ['willr:14', ['willr_14'], 14],
    ['cci:20', ['cci_20'], 20],
    ['roc:10', ['roc_10'], 11],
    ['mom:10', ['mom_10'], 11],
    ['MACD:12:26:9', ['macd_12_26_9', 'macd_12_26_9_signal', 'macd_12_26_9_hist'], 34],
    ['bb:20:2.5', ['bb_20_2.5_upper', 'bb_20_2.5_middle', 'bb_20_2.5_lower'], 20],
  ])('%s → %j, warmup %i', (spec, columns, warmup) => {
    const ind = createIndicator(spec);
    expect(ind.columns).toEqual(columns);
    expect(ind.id).toBe(columns[0]!.replace(/_(upper|k)$/, ''));
    expect(ind.warmup).toBe(warmup);
    expect(ind.out.length).toBe(columns.length);
  });

  it.each([
    ['sma', /sma: expected 1 parameter \(sma:n\), got 0/],
    ['sma:0', /sma: n must be an integer ≥ 1/],
    ['ema:2.5', /ema: n must be an integer/],
    ['macd:12:26', /macd: expected 3 parameters \(macd:fast:slow:signal\)/],
    ['bb:20:-1', /bb: k must be a number > 0/],
    ['stoch:14:3', /stoch:k:ksmooth:d/],
    ['rsi:x', /parameter "x" is not a number/],
    ['nope:3', /unknown indicator "nope".*known: .*sma/],
  ])('%s throws', (spec, msg) => {
    expect(() => createIndicator(spec)).toThrow(msg);
  });
});

describe('rolling primitives', () => {
  it('RollingExtreme equals the naive window max/min (ties included)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 200 }), fc.integer({ min: 1, max: 12 }), (xs, n) => {
        const mx = new RollingExtreme(n, true);
        const mn = new RollingExtreme(n, false);
        xs.forEach((x, i) => {
          const w = xs.slice(Math.max(0, i - n + 1), i + 1);
          expect(mx.push(x)).toBe(Math.max(...w));
          expect(mn.push(x)).toBe(Math.min(...w));
        });
      }),
    );
  });

  it('OrderedWindow: total and Σ|x − m| equal the naive ones (duplicates included)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 150 }), fc.integer({ min: 1, max: 15 }), fc.integer({ min: -25, max: 25 }), (xs, n, m) => {
        const w = new OrderedWindow(n);
        xs.forEach((x, i) => {
          w.push(x);
          const win = xs.slice(Math.max(0, i - n + 1), i + 1);
          expect(w.total).toBe(win.reduce((a, b) => a + b, 0));
          expect(w.absDeviationSum(m)).toBe(win.reduce((a, b) => a + Math.abs(b - m), 0));
        });
      }),
    );
  });

  it('no drift: a million pushes of paise-scale prices keep the window sum and variance exact', () => {
    const n = 50;
    const s = new RollingSum(n);
    const mom = new RollingMoments(n);
    let seed = 12345;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const xs: number[] = [];
    for (let i = 0; i < 1_000_000 + 17; i++) {
      const x = 250_000 + Math.round(next() * 100_000) / 7; // paise with fractional noise
      xs.push(x);
      s.push(x);
      mom.push(x);
    }
    const win = xs.slice(-n);
    const exact = new CompensatedSum();
    win.forEach((x) => exact.add(x));
    expect(Math.abs(s.sum - exact.value) / exact.value).toBeLessThan(1e-15);
    const m = exact.value / n;
    const v = win.reduce((a, x) => a + (x - m) ** 2, 0) / n;
    expect(Math.abs(mom.mean - m) / m).toBeLessThan(1e-15);
    expect(Math.abs(mom.variance - v) / v).toBeLessThan(1e-12);
  });

  // No timed assertion (figures belong in `npm run bench`): a window re-scan would be 200k × 50k ≈ 1e10
  // steps per indicator and blow the generous test timeout; O(1)/O(log n) updates finish in well under a second.
  it('O(1)/O(log n) per update: huge windows over long series finish (no window or history re-scan)', { timeout: 120_000 }, () => {
    const bars: Bar[] = Array.from({ length: 200_000 }, (_, i) => {
      const c = 1000 + 50 * Math.sin(i / 500) + (i % 7);
      return { t: i, o: c, h: c + 2, l: c - 2, c, v: 1 };
    });
    for (const spec of ['sma:50000', 'wma:50000', 'bb:50000:2', 'stoch:50000:3:3', 'willr:50000', 'cci:50000']) {
      const [col] = computeSeries(spec, bars);
      expect(Number.isFinite(col![bars.length - 1]!)).toBe(true);
    }
  });
});
