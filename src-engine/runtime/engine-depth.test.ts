import { describe, expect, it } from 'vitest';
import { depthProblem } from '../model/depth.js';
import { parseRunProfile } from './config.js';
import { Engine } from './engine.js';

const FRI_11_00 = Date.parse('2026-11-20T11:00:00+05:30');

describe('Engine depth wiring', () => {
  it('feeds the simulator books into market data after the backfill', () => {
    const symbols: string[] = [];
    const e = new Engine({
      profile: parseRunProfile('feed:\n  backfillMinutes: 5\n'),
      watchlist: { get: () => [...symbols], set: (s) => void symbols.splice(0, symbols.length, ...s) },
      clock: { now: () => FRI_11_00 },
      autoStart: false,
    });
    expect(e.market.depth('RELIANCE')).toBeUndefined(); // none for the backfilled history
    e.simulator.advance(10_000);
    const d = e.market.depth('RELIANCE')!;
    expect(depthProblem(d)).toBeNull();
    expect(d.buy[0]!.pricePaise).toBeLessThan(d.sell[0]!.pricePaise);
    expect(d.tsEvent).toBeGreaterThanOrEqual(FRI_11_00);
  });
});
