import { describe, expect, it } from 'vitest';
import { parseRunProfile } from './config.js';
import { Engine, type WatchlistStore } from './engine.js';
import { MemoryTradingStore } from './trading.js';

const watchlist = (): WatchlistStore => {
  let s: string[] = [];
  return { get: () => [...s], set: (x) => void (s = [...x]) };
};

// Friday 2026-11-20 10:00 IST, inside the session
const FRI_10_00 = Date.parse('2026-11-20T10:00:00+05:30');

const PROFILE = `
feed:
  backfillMinutes: 30
  seed: 7
strategies:
  - id: mom
    type: momentum
    params: { period: 2, threshold: 0.01 }
    symbols: [RELIANCE, SBIN, INFY]
    timeframe: 1m
trading:
  capital: 1000000
`;

describe('Engine: strategies trade through the kernel on the paper broker', () => {
  it('backfill intents are not traded; live intents become risk-checked, journalled, charged paper fills', () => {
    const store = new MemoryTradingStore();
    const e = new Engine({ profile: parseRunProfile(PROFILE), watchlist: watchlist(), clock: { now: () => FRI_10_00 }, autoStart: false, trading: store });
    // 30 backfilled minutes warmed the strategy up but placed nothing
    expect(e.strategies.recentSignals(1000).length).toBeGreaterThan(0);
    expect(e.trading.orders()).toEqual([]);
    expect(store.decisions).toEqual([]);

    e.simulator.advance(60 * 60_000);
    const orders = e.trading.orders();
    expect(orders.length).toBeGreaterThan(0);
    expect(new Set(orders.map((o) => o.strategy))).toEqual(new Set(['mom']));
    // every order passed risk first, and each decision is journalled with the same client id
    const decided = new Set(store.decisions.map((d) => d.clientId));
    for (const o of orders) expect(decided.has(o.clientId)).toBe(true);
    const filled = orders.filter((o) => o.status === 'COMPLETE');
    expect(filled.length).toBeGreaterThan(0);
    const p = e.trading.portfolio();
    expect(p.chargesPaise).toBeGreaterThan(0);
    expect(p.charges.totalPaise).toBe(p.chargesPaise);
    // the ledger's identity at the engine level: equity = cash + Σ qty × mark
    const marked = p.positions.reduce((s, x) => s + x.qty * x.markPaise, 0);
    expect(p.equityPaise).toBe(p.cashPaise + marked);
    expect(p.equityPaise - p.capitalPaise).toBe(p.realisedPaise + p.unrealisedPaise);
    e.stop();
  });
});
