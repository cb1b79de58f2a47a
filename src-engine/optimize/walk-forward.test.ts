import { describe, expect, it } from 'vitest';
import { DAY_MS, gapOf, parseSpan, stitchEquity, summariseGaps, walkForwardWindows } from './walk-forward.js';

const D = DAY_MS;

describe('walk-forward windows', () => {
  it('rolling: fixed in-sample length sliding by the out-of-sample length; out-of-sample spans tile without overlap', () => {
    const w = walkForwardWindows({ from: 0, to: 100 * D }, 'rolling', 30 * D, 20 * D);
    expect(w.map((x) => [x.inSample.from / D, x.inSample.to / D, x.outOfSample.from / D, x.outOfSample.to / D])).toEqual([
      [0, 30, 30, 50],
      [20, 50, 50, 70],
      [40, 70, 70, 90],
    ]);
  });

  it('anchored: in-sample always from the start, growing', () => {
    const w = walkForwardWindows({ from: 0, to: 100 * D }, 'anchored', 30 * D, 20 * D);
    expect(w.map((x) => [x.inSample.from / D, x.inSample.to / D, x.outOfSample.from / D, x.outOfSample.to / D])).toEqual([
      [0, 30, 30, 50],
      [0, 50, 50, 70],
      [0, 70, 70, 90],
    ]);
  });

  it('too little data, bad spans: clear errors', () => {
    expect(() => walkForwardWindows({ from: 0, to: 40 * D }, 'rolling', 30 * D, 20 * D)).toThrow(/spans 40 d: too short for one in-sample \(30 d\) \+ out-of-sample \(20 d\)/);
    expect(parseSpan('90d', '--is')).toBe(90 * D);
    expect(parseSpan('12w', '--is')).toBe(84 * D);
    expect(parseSpan('7', '--is')).toBe(7 * D);
    expect(() => parseSpan('3mo', '--oos')).toThrow(/--oos: expected a length in days/);
    expect(() => parseSpan('0d', '--oos')).toThrow(/--oos/);
  });

  it('the gap is positive when out-of-sample is worse, for either direction; means skip missing values', () => {
    expect(gapOf(2, 0.5, 'max')).toBe(1.5);
    expect(gapOf(0.1, 0.3, 'min')).toBeCloseTo(0.2);
    expect(gapOf(null, 1, 'max')).toBeNull();
    const w = walkForwardWindows({ from: 0, to: 100 * D }, 'rolling', 30 * D, 20 * D);
    const s = summariseGaps([
      { window: w[0]!, inSampleValue: 2, outOfSampleValue: 1, gap: 1 },
      { window: w[1]!, inSampleValue: 4, outOfSampleValue: null, gap: null },
    ]);
    expect(s).toEqual({ windows: 2, meanInSample: 3, meanOutOfSample: 1, meanGap: 1 });
  });

  it('stitched out-of-sample equity compounds window after window', () => {
    const e = stitchEquity(
      [
        [
          { ts: 1, valuePaise: 1000 },
          { ts: 2, valuePaise: 1100 },
        ],
        [
          { ts: 3, valuePaise: 1000 },
          { ts: 4, valuePaise: 900 },
        ],
      ],
      1000,
    );
    expect(e).toEqual([
      { ts: 1, valuePaise: 1000 },
      { ts: 2, valuePaise: 1100 },
      { ts: 3, valuePaise: 1100 },
      { ts: 4, valuePaise: 990 },
    ]);
  });
});
