/**
 * The watchlist's instrument search and run-time subscriptions on the Kite feed, against our Kite simulator
 * (its master has one more NSE equity than the engine tracks at start, IRCTC, plus indices and F&O):
 * `instruments.search` answers from Kite's instrument master (ranked, by exchange), `watchlist.set` with the
 * new symbol adds it at run time, the feed subscribes it, its 1-minute candles are backfilled and live ticks
 * arrive for it. Everything through the contract, as the UI calls it; every wait is for an outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KiteFeed } from '../../src-engine/adapters/kite/kite-feed.js';
import type { KiteDeskApi } from '../../src-engine/contract/api.js';
import type { RpcClient } from '../../src-engine/contract/rpc-client.js';
import { KiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { NIFTY50_SEEDS } from '../../src-engine/model/instruments.js';
import type { Engine } from '../../src-engine/runtime/engine.js';
import type { KiteSessionManager } from '../../src-engine/runtime/kite-session.js';
import { startKiteEngine, until } from '../support/kite-engine.js';

describe('instrument search and run-time subscriptions on the Kite feed (kitedesk sim)', () => {
  const sim = new KiteSimulator();
  let kite: KiteSessionManager;
  let engine: Engine;
  let client: RpcClient<KiteDeskApi>;

  beforeAll(async () => {
    ({ kite, engine, client } = await startKiteEngine(sim, {
      sim: { seed: 5, seeds: [...NIFTY50_SEEDS, { symbol: 'IRCTC', name: 'Indian Railway Catering', basePaise: 75_000, avgDailyVolume: 2_000_000 }] },
      profileYaml: 'feed: { kind: kite, backfillMinutes: 10 }\nwatchlist: [INFY]\nuniverse: { seed: custom, symbols: [INFY], softCap: 1 }\nstrategies: []\n',
      dataDirPrefix: 'kitedesk-search-',
    }));
  });

  afterAll(async () => {
    engine?.stop();
    kite?.dispose();
    await sim.close();
  });

  it('searches Kite\'s instrument master, adds a symbol the engine did not track, backfills it and ticks arrive for it', async () => {
    await until('the Kite feed to go live', () => engine.status().feedStatus?.state === 'live', 45_000);
    expect(engine.isKnownSymbol('IRCTC')).toBe(false);

    const irctc = await client.call('instruments.search', { query: 'irctc' });
    expect(irctc.source).toBe('kite');
    expect(irctc.hits[0]).toMatchObject({ symbol: 'IRCTC', exchange: 'NSE', type: 'EQ', known: false, addable: true, lotSize: 1 });
    expect(irctc.hits[0]!.token).toBeGreaterThan(0);
    // by name, ranked after exact symbols; indices and F&O are in the master too, bounded by the limit
    expect((await client.call('instruments.search', { query: 'Indian Railway' })).hits[0]).toMatchObject({ symbol: 'IRCTC' });
    const indices = await client.call('instruments.search', { query: 'NIFTY', exchanges: ['INDICES'], limit: 3 });
    expect(indices.hits.length).toBeGreaterThan(0);
    expect(indices.hits.length).toBeLessThanOrEqual(3);
    // an index can be watched only when the engine tracks it (its price only; never an order)
    expect(indices.hits.every((h) => h.type === 'INDEX' && h.addable === h.known)).toBe(true);
    const fno = await client.call('instruments.search', { query: 'INFY', exchanges: ['NFO'], limit: 5 });
    expect(fno.hits.length).toBeGreaterThan(0);
    expect(fno.hits.every((h) => h.exchange === 'NFO' && h.expiry !== null && h.lotSize > 1)).toBe(true);

    // adding it: subscribed at run time, backfilled, live ticks follow
    expect(await client.call('watchlist.set', { symbols: ['INFY', 'IRCTC'] })).toEqual({ symbols: ['INFY', 'IRCTC'] });
    const token = irctc.hits[0]!.token!;
    const feed = engine.feed as KiteFeed;
    await until('IRCTC subscribed', () => feed.tokens().get('IRCTC') === token && (engine.status().feedStatus?.subscribed?.quote ?? 0) >= 2);
    const backfilled = await until('IRCTC backfilled', async () => {
      const c = await client.call('candles.get', { symbol: 'IRCTC', tf: '1m', limit: 500 });
      return c.length >= 5 ? c : undefined;
    });
    expect(backfilled.every((c) => c.symbol === 'IRCTC' && c.l <= c.o && c.o <= c.h)).toBe(true);
    const ticksBefore = engine.market.quote('IRCTC')?.tsEvent ?? 0;
    const q = await until('a live IRCTC tick', async () => {
      const [quote] = await client.call('quotes.get', { symbols: ['IRCTC'] });
      return quote !== undefined && quote.lastPaise > 0 && quote.tsEvent > ticksBefore ? quote : undefined;
    });
    expect(q.symbol).toBe('IRCTC');
    expect((await client.call('instruments.search', { query: 'IRCTC', limit: 1 })).hits[0]).toMatchObject({ known: true });
    // an NFO future can go on the watchlist too (issue 14): an engine instrument on the NFO exchange
    const fut = fno.hits[0]!.symbol;
    expect(fno.hits[0]).toMatchObject({ addable: true });
    await client.call('watchlist.set', { symbols: ['INFY', 'IRCTC', fut] });
    expect((await client.call('watchlist.get', {})).symbols).toEqual(['INFY', 'IRCTC', fut]);
    expect(engine.instruments.find((i) => i.symbol === fut)).toMatchObject({ exchange: 'NFO', lotSize: fno.hits[0]!.lotSize });
  }, 90_000);
});
