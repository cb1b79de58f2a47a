import { describe, expect, it } from 'vitest';
import { symbolSchema } from '../../contract/schemas.js';
import { NIFTY50_SEEDS } from '../../model/instruments.js';
import { parseRunProfile } from '../../runtime/config.js';
import { simulatorSeeds } from './generated-seeds.js';

describe('the built-in simulator’s instrument count', () => {
  it('is the NIFTY 50 by default, a prefix of it below 50, and generated symbols after it', () => {
    expect(simulatorSeeds(undefined)).toBe(NIFTY50_SEEDS);
    expect(simulatorSeeds(3).map((s) => s.symbol)).toEqual(NIFTY50_SEEDS.slice(0, 3).map((s) => s.symbol));
    const s = simulatorSeeds(9000);
    expect(s).toHaveLength(9000);
    expect(new Set(s.map((x) => x.symbol)).size).toBe(9000);
    expect(s[50]!.symbol).toBe('SIM00051');
    expect(s.at(-1)!.symbol).toBe('SIM09000');
    for (const x of s.slice(50)) {
      expect(symbolSchema.safeParse(x.symbol).success).toBe(true);
      expect(x.basePaise % 5).toBe(0);
      expect(x.basePaise).toBeGreaterThanOrEqual(2000 - 5);
      expect(x.basePaise).toBeLessThanOrEqual(500_000);
      expect(x.avgDailyVolume).toBeGreaterThanOrEqual(50_000);
    }
    expect(simulatorSeeds(9000)).toEqual(s); // the same on every run
    expect(() => simulatorSeeds(0)).toThrow(/≥ 1/);
  });

  it('is a simulator key of the run profile', () => {
    expect(parseRunProfile('feed: { instruments: 9000 }\n').feed.instruments).toBe(9000);
    expect(() => parseRunProfile('feed: { instruments: 0 }\n')).toThrow(/feed\.instruments/);
    expect(() => parseRunProfile('feed: { kind: kite, instruments: 100 }\n')).toThrow(/instruments.*simulator/);
  });
});
