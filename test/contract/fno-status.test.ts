/**
 * The F&O plan's state in the contract (issue 14): `engine.getStatus` / `engine.statusChanged` carry `fno`, and
 * `engine.health` the same for the Health tab — an engine's real status parses; bad values are refused saying where.
 */
import { describe, expect, it } from 'vitest';
import { kiteDeskApi } from '../../src-engine/contract/api.js';
import { fnoStatusSchema, type FnoStatus } from '../../src-engine/contract/schemas.js';
import { parseRunProfile } from '../../src-engine/runtime/config.js';
import { Engine, type WatchlistStore } from '../../src-engine/runtime/engine.js';
import { buildHealth, processHealth } from '../../src-engine/runtime/health.js';

const YAML = `
feed: { kind: simulator, seed: 7, startTime: '2026-12-07T10:00:00+05:30', backfillMinutes: 0 }
strategies: []
fno:
  underlyings: [NIFTY]
  futures: { contract: current }
  options: { strike: ATM, right: both }
  strategies:
    - { id: own, type: fno_intraday_trend, leg: option, on: contract }
`;

const watchlist = (): WatchlistStore => {
  let s: string[] = [];
  return { get: () => [...s], set: (x) => void (s = [...x]) };
};

const sample: FnoStatus = {
  state: 'resolved',
  legs: [{ underlying: 'NIFTY', underlyingSymbol: 'NIFTY 50', future: 'NIFTY26DECFUT', option: { expiry: '2026-12-08', atmPaise: 2_450_000, strikePaise: 2_450_000, ce: 'NIFTY26D0824500CE', missing: ['NIFTY 2026-12-08 24500 PE'] } }],
  warnings: ["fno: NIFTY 2026-12-08 24500 PE is not in Kite's instrument dump: that leg is not traded"],
  pendingMoves: [{ id: 'own', from: ['NIFTY26D0824500CE'], to: ['NIFTY26D0824550CE'], holding: ['NIFTY26D0824500CE'] }],
};

describe('the F&O plan in engine.getStatus and engine.health', () => {
  it('an engine with fno: reports its resolved legs; its status and health parse against the contract', () => {
    const e = new Engine({ profile: parseRunProfile(YAML, 'inline.yaml'), watchlist: watchlist(), autoStart: false });
    try {
      const status = kiteDeskApi.requests['engine.getStatus'].output.parse(e.status());
      const r = e.fno!.resolution('NIFTY')!;
      expect(status.fno).toEqual({
        state: 'resolved',
        legs: [{ underlying: 'NIFTY', underlyingSymbol: 'NIFTY 50', future: r.future, option: { expiry: r.option!.expiry, atmPaise: r.option!.atmPaise, strikePaise: r.option!.strikePaise, ce: r.option!.ce, pe: r.option!.pe } }],
        warnings: [],
        pendingMoves: [],
      });
      const health = kiteDeskApi.requests['engine.health'].output.parse(buildHealth({ status: e.status(), rate: e.trading.rateUsage(), process: processHealth, now: Date.now() }));
      expect(health.fno).toEqual(status.fno);
    } finally {
      e.stop();
    }
  });

  it('no fno: section, no fno field', () => {
    const e = new Engine({ profile: parseRunProfile('feed: { kind: simulator, backfillMinutes: 0 }\nstrategies: []\n', 'inline.yaml'), watchlist: watchlist(), autoStart: false });
    try {
      expect(e.status().fno).toBeUndefined();
    } finally {
      e.stop();
    }
  });

  it('waiting with a message, warnings and pending moves round-trip; bad values are refused with their path', () => {
    expect(fnoStatusSchema.parse(sample)).toEqual(sample);
    expect(fnoStatusSchema.parse({ state: 'waiting', message: 'waiting for Kite’s instrument dump', legs: [], warnings: [], pendingMoves: [] }).state).toBe('waiting');
    const bad = fnoStatusSchema.safeParse({ ...sample, legs: [{ ...sample.legs[0], option: { ...sample.legs[0]!.option, expiry: '8 Dec' } }] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['legs', 0, 'option', 'expiry']);
    const state = fnoStatusSchema.safeParse({ ...sample, state: 'done' });
    expect(state.error!.issues[0]!.path).toEqual(['state']);
    expect(kiteDeskApi.requests['engine.getStatus'].output.shape.fno).toBeDefined();
  });
});
