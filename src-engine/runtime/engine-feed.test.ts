/**
 * The kernel on the market-data port with a hand-driven fake client: what it asks of the feed (demand by
 * consumer), and that ticks, depth, history and the clock from any client reach candles, the paper broker
 * and the status the same way.
 */
import { describe, expect, it } from 'vitest';
import type { Instrument } from '../contract/schemas.js';
import { Listeners, type FeedMode, type FeedStatus, type MarketDataClient } from '../market/data-client.js';
import type { DepthSnapshot } from '../model/depth.js';
import type { Tick } from '../model/tick.js';
import { parseRunProfile } from './config.js';
import { Engine } from './engine.js';

const T0 = Date.parse('2026-11-20T11:00:00+05:30');
const inst = (symbol: string): Instrument => ({ symbol, name: symbol, exchange: 'NSE', tickSizePaise: 5, lotSize: 1 });

class FakeFeed implements MarketDataClient {
  readonly kind = 'kite' as const;
  readonly instruments = ['INFY', 'TCS', 'RELIANCE', 'SBIN'].map(inst);
  t = T0;
  demands: Map<string, FeedMode>[] = [];
  readonly ticks = new Listeners<[Tick]>();
  readonly depth = new Listeners<[DepthSnapshot]>();
  readonly clock = new Listeners<[number]>();
  readonly history = new Listeners<['start' | 'end', { ticks: number }]>();
  now = () => this.t;
  prevClose = () => 100_000;
  onTick = (l: (t: Tick) => void) => this.ticks.add(l);
  onDepth = (l: (d: DepthSnapshot) => void) => this.depth.add(l);
  onClock = (l: (n: number) => void) => this.clock.add(l);
  onPrevClose = () => () => undefined;
  onHistory = (l: (p: 'start' | 'end', i: { ticks: number }) => void) => this.history.add(l);
  prepare(): void {}
  start(): void {}
  stop(): void {}
  setDemand(d: ReadonlyMap<string, FeedMode>): void {
    this.demands.push(new Map(d));
  }
  status(): FeedStatus {
    return { kind: 'kite', state: 'live', connections: [{ index: 0, state: 'open', tokens: 3 }] };
  }
  tick(symbol: string, lastPaise: number, volume: number): void {
    this.t += 1000;
    this.ticks.emit({ symbol, lastPaise, lastQty: 1, volume, tsEvent: this.t });
    this.depth.emit({ symbol, tsEvent: this.t, buy: [{ pricePaise: lastPaise - 5, quantity: 500, orders: 3 }], sell: [{ pricePaise: lastPaise, quantity: 500, orders: 2 }] });
    this.clock.emit(this.t);
  }
}

const PROFILE = `
feed: { kind: kite }
watchlist: [TCS]
universe: { seed: custom, symbols: [INFY, TCS, RELIANCE], softCap: 3 }
strategies:
  - { id: ema-infy, type: ema_crossover, params: { fast: 5, slow: 13 }, symbols: [INFY], timeframe: 1m }
`;

function engine(feed: FakeFeed): Engine {
  const saved: string[] = [];
  return new Engine({ profile: parseRunProfile(PROFILE), feed, watchlist: { get: () => [...saved], set: (s) => void saved.splice(0, saved.length, ...s) }, autoStart: false });
}

describe('Engine on the market-data port', () => {
  it('asks the feed for full depth where strategies, positions, working orders and order books need it, quote elsewhere', () => {
    const feed = new FakeFeed();
    const e = engine(feed);
    expect(Object.fromEntries(e.feedDemand())).toEqual({ INFY: 'full', TCS: 'quote', RELIANCE: 'quote' });
    const off = e.market.onDepth('RELIANCE', () => undefined);
    expect(e.feedDemand().get('RELIANCE')).toBe('full');
    off();
    expect(e.feedDemand().get('RELIANCE')).toBe('quote');
    // a resting limit buy on SBIN (in no list): its book is needed while it works
    feed.tick('SBIN', 50_000, 10);
    const r = e.trading.placeManual({ symbol: 'SBIN', side: 'BUY', qty: 1, orderType: 'LIMIT', pricePaise: 49_000, product: 'CNC', validity: 'DAY', variety: 'regular' });
    expect(r.decision.action).toBe('ALLOW');
    for (let i = 0; i < 5; i++) feed.tick('SBIN', 50_000, 11 + i);
    expect(e.feedDemand().get('SBIN')).toBe('full');
    e.trading.cancel(r.orders[0]!.orderId);
    for (let i = 0; i < 5; i++) feed.tick('SBIN', 50_000, 20 + i);
    expect(e.feedDemand().has('SBIN')).toBe(false);
    e.start();
    expect(feed.demands.at(-1)).toEqual(e.feedDemand());
    e.stop();
  });

  it('history from any feed warms up without trading; live ticks make candles; depth and status pass through', () => {
    const feed = new FakeFeed();
    const e = engine(feed);
    feed.history.emit('start', { ticks: 0 });
    for (let i = 0; i < 120; i++) feed.tick('INFY', 150_000 + (i % 10) * 50, 100 + i);
    feed.history.emit('end', { ticks: 120 });
    expect(e.trading.orders()).toEqual([]);
    expect(e.market.candles('INFY', '1m', 10).length).toBeGreaterThan(1);
    expect(e.market.depth('INFY')?.sell[0]).toEqual({ pricePaise: 150_450, quantity: 500, orders: 2 });
    expect(e.status()).toMatchObject({ feed: 'kite', feedTime: feed.t, feedStatus: { kind: 'kite', state: 'live', connections: [{ index: 0, state: 'open', tokens: 3 }] } });
  });
});
