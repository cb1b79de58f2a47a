import { describe, expect, it } from 'vitest';
import { parseRunProfile } from '../runtime/config.js';
import { median, parseSoakDuration, slope, soakProfile } from './soak.js';

describe('soak figures', () => {
  it('least-squares slope: exact on a line, NaN without two distinct x', () => {
    expect(slope([0, 1, 2, 3], [5, 7, 9, 11])).toBeCloseTo(2, 12);
    expect(slope([0, 1, 2, 3], [10, 10, 10, 10])).toBe(0);
    expect(slope([0, 1, 2], [3, 1, 2])).toBeCloseTo(-0.5, 12);
    expect(slope([1], [1])).toBeNaN();
    expect(slope([2, 2], [1, 5])).toBeNaN();
  });

  it('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('durations: 30m, 90s, 1h30m, bare minutes; anything else is refused', () => {
    expect(parseSoakDuration('30m')).toBe(1_800_000);
    expect(parseSoakDuration('90s')).toBe(90_000);
    expect(parseSoakDuration('1h30m')).toBe(5_400_000);
    expect(parseSoakDuration('2')).toBe(120_000);
    for (const bad of ['', 'm', '10x', '-5m', '0m', '5 min']) expect(() => parseSoakDuration(bad), bad).toThrow(/duration/);
  });

  it('the profile: paper on the simulator with 500 instruments, every one traded by a strategy, valid as a run profile', () => {
    const { yaml, symbols } = soakProfile({ instruments: 500, speed: 60, ticksPerSecond: 20, seed: 7, startIso: '2026-12-08T09:16:00+05:30' });
    expect(symbols).toHaveLength(500);
    expect(new Set(symbols).size).toBe(500);
    const p = parseRunProfile(yaml);
    expect(p.mode).toBe('paper');
    expect(p.feed).toMatchObject({ kind: 'simulator', speed: 60, instruments: 500, backfillMinutes: 0 });
    const traded = new Set(p.strategies.flatMap((s) => s.symbols));
    expect(symbols.every((s) => traded.has(s))).toBe(true);
  });
});
