import { describe, expect, it } from 'vitest';
import { RpcError } from '../contract/errors.js';
import { parseRunProfile } from './config.js';
import { MemoryUniverseJournal } from '../scanner/scanner.js';
import { Engine, type WatchlistStore } from './engine.js';

class MemoryWatchlist implements WatchlistStore {
  constructor(public symbols: string[] = []) {}
  get() {
    return [...this.symbols];
  }
  set(s: readonly string[]) {
    this.symbols = [...s];
  }
}

const fixedClock = (t: number) => ({ now: () => t });
// Friday 2026-11-20 11:00 IST, inside the session
const FRI_11_00 = Date.parse('2026-11-20T11:00:00+05:30');

describe('Engine (kernel)', () => {
  it('seeds an empty watchlist from the profile and keeps a stored one', () => {
    const store = new MemoryWatchlist();
    const e1 = new Engine({ profile: parseRunProfile('watchlist: [TCS, INFY]\nfeed:\n  backfillMinutes: 0\n'), watchlist: store, autoStart: false });
    expect(e1.watchlist()).toEqual(['TCS', 'INFY']);
    expect(store.symbols).toEqual(['TCS', 'INFY']);
    store.symbols = ['SBIN'];
    const e2 = new Engine({ profile: parseRunProfile('watchlist: [TCS]\nfeed:\n  backfillMinutes: 0\n'), watchlist: store, autoStart: false });
    expect(e2.watchlist()).toEqual(['SBIN']);
  });

  it('refuses unknown symbols in the watchlist and leaves the stored one alone', () => {
    const store = new MemoryWatchlist(['SBIN']);
    const e = new Engine({ profile: parseRunProfile('feed:\n  backfillMinutes: 0\n'), watchlist: store, autoStart: false });
    expect(() => e.setWatchlist(['SBIN', 'NOTREAL'])).toThrow(RpcError);
    expect(store.symbols).toEqual(['SBIN']);
    expect(e.setWatchlist(['M&M', 'SBIN'])).toEqual(['M&M', 'SBIN']);
    expect(store.symbols).toEqual(['M&M', 'SBIN']);
  });

  it('backfills history up to the requested time inside a session, never past it', () => {
    const e = new Engine({
      profile: parseRunProfile('feed:\n  backfillMinutes: 30\n'),
      watchlist: new MemoryWatchlist(),
      clock: fixedClock(FRI_11_00),
      autoStart: false,
    });
    expect(e.simulator.now()).toBe(FRI_11_00);
    const candles = e.market.candles('RELIANCE', 100);
    expect(candles.length).toBeGreaterThanOrEqual(29);
    expect(candles.length).toBeLessThanOrEqual(30);
    expect(candles[0]!.t).toBe(FRI_11_00 - 30 * 60_000);
    // backfill does not show up as a tick rate
    expect(e.status().ticksPerSec).toBe(0);
    expect(e.status().totalTicks).toBeGreaterThan(1000);
  });

  it('drives the candles from the feed clock: bars close at their end time, every timeframe is served', () => {
    const e = new Engine({
      profile: parseRunProfile('feed:\n  backfillMinutes: 30\n'),
      watchlist: new MemoryWatchlist(),
      clock: fixedClock(FRI_11_00),
      autoStart: false,
    });
    const reliance = e.market.candleStore.instrument('RELIANCE')!;
    // The feed clock stands at 11:00: the 10:59 bar closed on time, the 10:15 hour still forms.
    expect(reliance.forming('1m')).toBeUndefined();
    expect(reliance.forming('60m')).toMatchObject({ t: Date.parse('2026-11-20T10:15:00+05:30') });
    expect(e.market.candles('RELIANCE', '60m', 10).map((c) => c.t)).toEqual([Date.parse('2026-11-20T10:15:00+05:30')]);
    expect(e.market.candles('RELIANCE', 'day', 10).map((c) => c.t)).toEqual([Date.parse('2026-11-20T00:00:00+05:30')]);
    const closed: string[] = [];
    e.market.onBarClosed((sym, tf, c) => {
      if (sym === 'RELIANCE') closed.push(`${tf} ${c.t}`);
    });
    e.simulator.advance(5 * 60_000);
    const at = (hhmm: string) => Date.parse(`2026-11-20T${hhmm}:00+05:30`);
    expect(closed).toEqual(
      expect.arrayContaining([`1m ${at('11:00')}`, `1m ${at('11:04')}`, `3m ${at('11:00')}`, `5m ${at('11:00')}`]),
    );
    expect(closed.filter((x) => x.startsWith('1m '))).toHaveLength(5);
  });

  it('on an exchange holiday it simulates the next trading day (the calendar decides, not the weekday)', () => {
    // 2026-01-26 (a Monday) is Republic Day: no session, so the full 30 min are simulated from the next
    // open (2026-01-27 09:15 IST); a weekday-only check would have clipped the backfill to 5 min
    const e = new Engine({
      profile: parseRunProfile('feed:\n  backfillMinutes: 30\n  startTime: "2026-01-26T09:20:00+05:30"\n'),
      watchlist: new MemoryWatchlist(),
      autoStart: false,
    });
    expect(e.simulator.now()).toBe(Date.parse('2026-01-27T09:45:00+05:30'));
  });

  it('backfills only from the session open when asked for more than the day has', () => {
    const open = Date.parse('2026-11-20T09:15:00+05:30');
    const e = new Engine({
      profile: parseRunProfile('feed:\n  backfillMinutes: 60\n  startTime: "2026-11-20T09:25:00+05:30"\n'),
      watchlist: new MemoryWatchlist(),
      autoStart: false,
    });
    expect(e.simulator.now()).toBe(open + 10 * 60_000);
    expect(e.market.candles('TCS', 100)[0]!.t).toBe(open);
  });

  it('reports status with the mode, feed and instrument count', () => {
    const e = new Engine({ profile: parseRunProfile('feed:\n  backfillMinutes: 0\n'), watchlist: new MemoryWatchlist(), autoStart: false });
    // the NIFTY 50 stocks, the three indices and their futures and listed options
    const fno = e.instruments.filter((i) => i.kind !== undefined && i.kind !== 'EQ').length;
    expect(e.instruments.filter((i) => i.kind === 'INDEX')).toHaveLength(3);
    expect(fno).toBeGreaterThan(300);
    expect(e.status()).toMatchObject({ state: 'starting', mode: 'paper', feed: 'simulator', instruments: 50 + fno });
    e.start();
    expect(e.status().state).toBe('running');
    e.stop();
    expect(e.status().state).toBe('stopping');
  });

  it('plans the simulated day\'s universe at start, journals it and keeps it (engine.universe(), status)', () => {
    const journal = new MemoryUniverseJournal();
    const e = new Engine({
      profile: parseRunProfile('universe:\n  softCap: 5\n  include: [WIPRO]\nfeed:\n  backfillMinutes: 0\n'),
      watchlist: new MemoryWatchlist(),
      clock: fixedClock(FRI_11_00),
      universeJournal: journal,
      autoStart: false,
    });
    const u = e.universe();
    expect(u).toMatchObject({ date: '2026-11-20', state: 'ok', source: 'simulator' });
    expect(u.symbols).toHaveLength(5);
    expect(u.symbols[0]).toBe('WIPRO');
    expect(u.entries.length).toBeGreaterThanOrEqual(45);
    expect(u.entries.map((x) => x.rank)).toEqual(u.entries.map((_, i) => i + 1));
    expect(u.entries.filter((x) => x.selected).map((x) => x.symbol).sort()).toEqual([...u.symbols].sort());
    expect(u.dropped.filter((d) => d.reason === 'over-cap')).toHaveLength(u.entries.length - 5);
    expect(journal.dates()).toEqual(['2026-11-20']);
    expect(journal.get('2026-11-20')!.map((x) => x.symbol)).toEqual(u.entries.map((x) => x.symbol));
    expect(e.status().universe).toEqual({ state: 'ok', date: '2026-11-20', selected: 5 });
    expect(() => parseRunProfile('universe:\n  softCap: 0\n')).toThrow(/universe\.softCap/);
  });

  it('a failing pre-market step is logged and reported in status, and the engine still runs', () => {
    const logs: string[] = [];
    const failing = { recordUniverse: () => { throw new Error('disk full'); } };
    const e = new Engine({
      profile: parseRunProfile('feed:\n  backfillMinutes: 0\n'),
      watchlist: new MemoryWatchlist(),
      clock: fixedClock(FRI_11_00),
      universeJournal: failing,
      log: (level, msg) => logs.push(`${level} ${msg}`),
    });
    try {
      expect(e.universe()).toMatchObject({ state: 'failed', error: 'disk full', entries: [] });
      expect(e.status()).toMatchObject({ state: 'running', universe: { state: 'failed', message: 'disk full', selected: 0 } });
      expect(logs).toContain('error pre-market universe failed');
      // an unknown include (no candles, no master) fails the scan the same way
      const e2 = new Engine({
        profile: parseRunProfile('universe:\n  include: [NOTREAL]\nfeed:\n  backfillMinutes: 0\n'),
        watchlist: new MemoryWatchlist(),
        clock: fixedClock(FRI_11_00),
        autoStart: false,
      });
      expect(e2.universe().state).toBe('failed');
      expect(e2.universe().error).toMatch(/NOTREAL/);
    } finally {
      e.stop();
    }
  });
});
