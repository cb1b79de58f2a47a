/**
 * The kernel's choice of market-data client (market/data-client.ts) from the run profile's `feed.kind`.
 * Only here does the engine know which one runs.
 */
import { join } from 'node:path';
import type { Instrument } from '../contract/schemas.js';
import type { Clock } from '../core/clock.js';
import { latestCachedDump } from '../adapters/kite/instrument-cache.js';
import { KiteFeed, type HistorySeries, type HistoryTicks, type KiteConnectionSource, type KiteFeedOptions, type TickerPoolLike } from '../adapters/kite/kite-feed.js';
import { KiteTickerPool } from '../adapters/kite/ticker-pool.js';
import { SimulatorFeed } from '../adapters/sim/simulator-feed.js';
import { CandleReplay, type CandleSeries } from '../kite-sim/csv-replay.js';
import type { MarketDataClient } from '../market/data-client.js';
import { INDEX_FNO } from '../fno/specs.js';
import { universePool } from '../market/universe.js';
import { NIFTY50_SEEDS, toInstrument } from '../model/instruments.js';
import type { RunProfile } from './config.js';
import type { LogFn } from './logger.js';
import { ReplayFeed } from './replay-feed.js';
import { simulatorSeeds } from '../adapters/sim/generated-seeds.js';
import { kiteEndpointOverride } from '../contract/kite-credentials.js';

export type { KiteConnectionSource } from '../adapters/kite/kite-feed.js';

export interface FeedContext {
  clock: Clock;
  log: LogFn;
  /** The Kite session (credentials for the Kite feed). */
  kite?: KiteConnectionSource;
  dataDir?: string;
  /** Sees each ticker pool the Kite feed makes (the kernel takes order messages and reconnects from it). */
  onKitePool?: (pool: TickerPoolLike) => void;
  /** Test seams of the Kite feed (fake pool, historical source, dump). */
  kiteOverrides?: Partial<Pick<KiteFeedOptions, 'createPool' | 'createHistorical' | 'fetchInstrumentsCsv' | 'syncTimeoutMs' | 'clockIntervalMs'>>;
  /** The saved watchlist: symbols a person added at run time on Kite come back (when the cached dump has them). */
  watchlist?: readonly string[];
}

/** Kite's 1-minute candles as ticks: csv-replay's CandleReplay (noise-free, so the replayed 1-minute bars are Kite's). */
export function candleReplayHistory(series: readonly HistorySeries[]): HistoryTicks {
  const cs: CandleSeries[] = series.map((s) => ({
    symbol: s.symbol,
    file: `Kite historical NSE:${s.symbol}`,
    interval: 60_000,
    candles: s.candles.map((c, i) => ({ start: c.time, end: c.time + 60_000, openPaise: c.openPaise, highPaise: c.highPaise, lowPaise: c.lowPaise, closePaise: c.closePaise, volume: c.volume, line: i + 1 })),
  }));
  return new CandleReplay({ series: cs, baseSeeds: [], noise: 0, tickIntervalMs: 15_000 });
}

/**
 * The symbols the engine tracks on Kite: the simulator's NIFTY 50 list, the profile's universe pool,
 * watchlist and strategy symbols; tick and lot sizes from the newest cached instrument dump when there
 * is one (else ₹0.05 and 1, until a dump has been cached); then NIFTY 50, NIFTY BANK and NIFTY FIN SERVICE.
 */
export function kiteInstruments(profile: RunProfile, dataDir: string | undefined, saved: readonly string[] = []): Instrument[] {
  const names = new Map(NIFTY50_SEEDS.map((s) => [s.symbol, s.name]));
  const symbols = new Set<string>(NIFTY50_SEEDS.map((s) => s.symbol));
  for (const s of universePool(profile.universe)) symbols.add(s);
  for (const s of profile.watchlist) symbols.add(s);
  for (const i of profile.strategies) for (const s of i.symbols) symbols.add(s);
  const dump = latestCachedDump(dataDir !== undefined ? join(dataDir, 'kite') : undefined);
  // symbols added to the watchlist at run time (instruments.search) come back when the cached dump lists them as NSE equities
  for (const s of saved) {
    const k = dump?.master.get('NSE', s);
    if (k !== undefined && k.instrumentType === 'EQ' && k.segment === 'NSE') symbols.add(s);
  }
  const indices = KITE_INDICES.map((n) => INDEX_FNO[n]!.index);
  for (const i of indices) symbols.delete(i);
  const equities = [...symbols].map((symbol) => {
    const k = dump?.master.get('NSE', symbol);
    const base = toInstrument({ symbol, name: names.get(symbol) ?? k?.name ?? symbol, basePaise: 5, avgDailyVolume: 1 });
    return k && k.instrumentType === 'EQ' && k.tickSizePaise > 0 && k.lotSize > 0 ? { ...base, name: k.name || base.name, tickSizePaise: k.tickSizePaise, lotSize: k.lotSize } : base;
  });
  // the F&O indices: prices only (Kite's index packets: no volume, no depth; orders refused)
  return [...equities, ...indices.map((symbol): Instrument => ({ symbol, name: symbol, exchange: 'NSE', tickSizePaise: 5, lotSize: 1, kind: 'INDEX', tradable: false }))];
}

/** F&O underlyings whose index the engine follows on Kite (their tradingsymbols in the NSE INDICES segment). */
export const KITE_INDICES = ['NIFTY', 'BANKNIFTY', 'FINNIFTY'] as const;

/** The feed's pool factory, with `tap` seeing every pool it makes (one ticker connection set, shared). */
function tapPool(make: KiteFeedOptions['createPool'], tap: (pool: TickerPoolLike) => void): NonNullable<KiteFeedOptions['createPool']> {
  return (o) => {
    const pool = make ? make(o) : new KiteTickerPool(o);
    tap(pool);
    return pool;
  };
}

export function createFeed(profile: RunProfile, ctx: FeedContext): MarketDataClient {
  const f = profile.feed;
  switch (f.kind) {
    case 'simulator':
      return new SimulatorFeed(
        { seeds: simulatorSeeds(f.instruments), seed: f.seed, speed: f.speed, ticksPerSecond: f.ticksPerSecond, backfillMinutes: f.backfillMinutes, ...(f.startTime ? { startTime: Date.parse(f.startTime) } : {}) },
        ctx.clock,
      );
    case 'replay':
      return new ReplayFeed({ dir: f.dir!, speed: f.speed, seed: f.seed, backfillMinutes: f.backfillMinutes, ...(f.startTime ? { from: Date.parse(f.startTime) } : {}) }, ctx.clock);
    case 'kite': {
      const none: KiteConnectionSource = { connection: () => undefined, onChange: () => () => undefined };
      return new KiteFeed({
        instruments: kiteInstruments(profile, ctx.dataDir, ctx.watchlist),
        session: ctx.kite ?? none,
        defaultRoot: kiteEndpointOverride(process.env, 'KITEDESK_KITE_ROOT'), // https or loopback only; main drops it when packaged
        dataDir: ctx.dataDir,
        backfillMinutes: f.backfillMinutes,
        clockToleranceMs: f.clockToleranceMs,
        historyTicks: candleReplayHistory,
        log: ctx.log,
        ...ctx.kiteOverrides,
        ...(ctx.onKitePool ? { createPool: tapPool(ctx.kiteOverrides?.createPool, ctx.onKitePool) } : {}),
      });
    }
  }
}
