/**
 * Issue 14 on the built-in simulator: an `on: contract` option instance follows the plan's re-resolution —
 * when NIFTY has moved a strike from the resolved ATM it runs on the new call and put (the person's params
 * kept), and the plan's state (legs, pending moves) is in the engine status. The same code as on the Kite feed
 * (runtime/fno-follow.ts; the held-position rule is unit-tested in fno-follow.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { istTime } from '../../src-engine/core/nse-calendar.js';
import { parseRunProfile } from '../../src-engine/runtime/config.js';
import { Engine, type WatchlistStore } from '../../src-engine/runtime/engine.js';

const yaml = (backfillMinutes: number) => `
mode: paper
feed: { kind: simulator, speed: 60, seed: 20261207, startTime: '2026-12-07T10:00:00+05:30', backfillMinutes: ${backfillMinutes} }
watchlist: [NIFTY 50]
strategies: []
fno:
  underlyings: [NIFTY]
  options: { strike: ATM, steps: 0, expiry: nearest, right: both, reResolveStrikes: 1 }
  strategies:
    # entries only 09:30–09:31: it stays flat here, so it moves at once
    - { id: own, type: fno_intraday_trend, leg: option, on: contract, params: { fast: 2, slow: 5, entryFrom: '09:30', entryTo: '09:31' } }
trading: { capital: 2000000, product: NRML }
`;

const watchlist = (): WatchlistStore => {
  let s: string[] = [];
  return { get: () => [...s], set: (x) => void (s = [...x]) };
};

describe('on: contract F&O instances on the built-in simulator', () => {
  it('move to the re-resolved ATM call and put, params kept; the plan is in the engine status', () => {
    const e = new Engine({ profile: parseRunProfile(yaml(10), 'inline.yaml'), watchlist: watchlist(), autoStart: false });
    try {
      const first = e.fno!.resolution('NIFTY')!.option!;
      expect(e.strategies.get('own').symbols).toEqual([first.ce, first.pe]);
      e.strategies.setParams('own', { ...e.strategies.get('own').params, fast: 3 });
      expect(e.status().fno).toMatchObject({ state: 'resolved', legs: [{ underlying: 'NIFTY', option: { ce: first.ce, pe: first.pe } }], warnings: [], pendingMoves: [] });
      // a simulated minute at a time until NIFTY has moved a strike (the seeded walk does within the session)
      const end = istTime('2026-12-07', '15:00');
      while (e.fno!.resolution('NIFTY')!.option!.atmPaise === first.atmPaise && e.feed.now() < end) e.simulator.advance(60_000);
      const next = e.fno!.resolution('NIFTY')!.option!;
      expect(next.atmPaise).not.toBe(first.atmPaise);
      const own = e.strategies.get('own');
      expect([own.symbols, own.params['fast'], own.running]).toEqual([[next.ce, next.pe], 3, true]);
      expect(e.status().fno).toMatchObject({ legs: [{ option: { ce: next.ce, pe: next.pe, atmPaise: next.atmPaise } }], pendingMoves: [] });
    } finally {
      e.stop();
    }
  });

  it('re-resolved during the start-up history: the instance moves with the first feed second after it', () => {
    // seeded on the plan made at the previous close; the 30 minutes of history move NIFTY a strike
    const e = new Engine({ profile: parseRunProfile(yaml(30), 'inline.yaml'), watchlist: watchlist(), autoStart: false });
    try {
      const r = e.fno!.resolution('NIFTY')!.option!;
      expect(e.strategies.get('own').symbols).not.toEqual([r.ce, r.pe]);
      e.simulator.advance(1000);
      const now = e.fno!.resolution('NIFTY')!.option!;
      expect(e.strategies.get('own').symbols).toEqual([now.ce, now.pe]);
    } finally {
      e.stop();
    }
  });
});
