import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Instrument } from '../../contract/schemas.js';
import type { FeedMode } from '../../market/data-client.js';
import type { DepthSnapshot } from '../../model/depth.js';
import type { Tick } from '../../model/tick.js';
import type { HistoricalSource } from './historical-cache.js';
import { CHAIN_IDLE_MS, KiteFeed, tickerRootOf, type HistorySeries, type HistoryTicks, type KiteConnection, type TickerPoolLike } from './kite-feed.js';
import type { KiteCandle } from './rest-types.js';
import { TickBatch, decodeFrame, encodeFrame, type KiteMode, type KiteTick } from './tick-codec.js';
import type { KiteTickerPoolOptions } from './ticker-pool.js';
import { parseRunProfile } from '../../runtime/config.js';
import { Engine } from '../../runtime/engine.js';

const INFY = 408065;
const TCS = 2953217;
const DUMP = [
  'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange',
  `${INFY},1594,INFY,INFOSYS,1500,,0,0.05,1,EQ,NSE,NSE`,
  `${TCS},11536,TCS,TATA CONSULTANCY SERV,4000,,0,0.05,1,EQ,NSE,NSE`,
].join('\n');
const inst = (symbol: string): Instrument => ({ symbol, name: symbol, exchange: 'NSE', tickSizePaise: 5, lotSize: 1 });
const T0 = Date.parse('2026-11-20T11:00:20+05:30');

/** A ticker pool that records what the feed asks and lets the test push frames. */
class FakePool implements TickerPoolLike {
  subs = new Map<number, KiteMode>();
  calls: string[] = [];
  tokenUpdates: string[] = [];
  closed = false;
  capacity = 2;
  private tickL: ((b: TickBatch, c: number) => void) | undefined;
  private readonly batch = new TickBatch();
  constructor(readonly opts: KiteTickerPoolOptions) {}
  subscribe(tokens: Iterable<number>, mode: KiteMode): void {
    const list = [...tokens];
    if (this.subs.size + list.filter((t) => !this.subs.has(t)).length > this.capacity) throw new RangeError(`at most ${this.capacity} tokens (test capacity)`);
    for (const t of list) this.subs.set(t, mode);
    this.calls.push(`subscribe ${mode} ${list.join(',')}`);
  }
  unsubscribe(tokens: Iterable<number>): void {
    const list = [...tokens];
    for (const t of list) this.subs.delete(t);
    this.calls.push(`unsubscribe ${list.join(',')}`);
  }
  setMode(): void {}
  onTicks(fn: (b: TickBatch, c: number) => void): () => void {
    this.tickL = fn;
    return () => undefined;
  }
  readonly listeners = new Map<string, ((...a: unknown[]) => void)[]>();
  on(event: string, fn: (...a: never[]) => void): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as (...a: unknown[]) => void);
    this.listeners.set(event, list);
    return () => undefined;
  }
  fire(event: string, ...a: unknown[]): void {
    for (const f of this.listeners.get(event) ?? []) f(...a);
  }
  stats() {
    return [{ index: 0, state: 'open' as const, tokens: this.subs.size, connects: 1, disconnects: 0, attempts: 0, lastMessageAt: 0 }];
  }
  subscriptions(): Map<number, KiteMode> {
    return new Map(this.subs);
  }
  close(): void {
    this.closed = true;
  }
  updateAccessToken(t: string): void {
    this.tokenUpdates.push(t);
  }
  push(ticks: KiteTick[]): void {
    decodeFrame(encodeFrame(ticks), this.batch);
    this.tickL?.(this.batch, 0);
  }
}

function full(token: number, lastPrice: number, exSec: number, volume: number): KiteTick {
  return {
    token,
    mode: 'full',
    tradable: true,
    lastPrice,
    lastQty: 3,
    avgPrice: lastPrice,
    volume,
    buyQty: 100,
    sellQty: 100,
    open: lastPrice,
    high: lastPrice,
    low: lastPrice,
    close: 149000,
    lastTradeTime: exSec,
    oi: 0,
    oiDayHigh: 0,
    oiDayLow: 0,
    exchangeTime: exSec,
    depth: {
      buy: [
        { quantity: 10, price: lastPrice - 5, orders: 2 },
        { quantity: 0, price: 0, orders: 0 },
        { quantity: 0, price: 0, orders: 0 },
        { quantity: 0, price: 0, orders: 0 },
        { quantity: 0, price: 0, orders: 0 },
      ],
      sell: [
        { quantity: 7, price: lastPrice, orders: 1 },
        { quantity: 9, price: lastPrice + 5, orders: 3 },
        { quantity: 0, price: 0, orders: 0 },
        { quantity: 0, price: 0, orders: 0 },
        { quantity: 0, price: 0, orders: 0 },
      ],
    },
  };
}

/** History as ticks: each candle's close at its start + 59 s (enough to check wiring; the kernel uses CandleReplay). */
function simpleHistory(series: readonly HistorySeries[]): HistoryTicks {
  const ticks: Tick[] = series.flatMap((s) => s.candles.map((c) => ({ symbol: s.symbol, lastPaise: c.closePaise, lastQty: c.volume, volume: c.volume, tsEvent: c.time + 59_000 }))).sort((a, b) => a.tsEvent - b.tsEvent);
  let now = ticks[0]?.tsEvent ?? 0;
  let i = 0;
  const ls = new Set<(t: Tick) => void>();
  return {
    onTick: (l) => (ls.add(l), () => ls.delete(l)),
    advance: (ms) => {
      now += ms;
      while (i < ticks.length && ticks[i]!.tsEvent <= now) for (const l of ls) l(ticks[i++]!);
    },
    now: () => Math.min(now, ticks[ticks.length - 1]?.tsEvent ?? now),
    get done() {
      return i >= ticks.length;
    },
  };
}

function candles(fromMs: number, n: number, closePaise: number): KiteCandle[] {
  return Array.from({ length: n }, (_, k) => ({ time: fromMs + k * 60_000, openPaise: closePaise, highPaise: closePaise + 5, lowPaise: closePaise - 5, closePaise, volume: 10 }));
}

interface Rig {
  feed: KiteFeed;
  pool: () => FakePool;
  wall: { now: number };
  session: { conn: KiteConnection | undefined; fire(): void; rejected: string[] };
  fetches: number;
  histReqs: { token: number; from: number; to: number }[];
  ticks: Tick[];
  depth: DepthSnapshot[];
  phases: string[];
  prevCloses: [string, number][];
  clocks: number[];
}

const feeds: KiteFeed[] = [];
afterEach(() => {
  for (const f of feeds.splice(0)) f.stop();
});

function rig(o: { dataDir?: string; backfillMinutes?: number; badCandle?: boolean; logs?: string[]; dump?: string } = {}): Rig {
  const wall = { now: T0 };
  const listeners = new Set<() => void>();
  const session = {
    conn: undefined as KiteConnection | undefined,
    fire: () => listeners.forEach((l) => l()),
    rejected: [] as string[],
  };
  let pool: FakePool | undefined;
  const r: Partial<Rig> = { wall, session, fetches: 0, histReqs: [], ticks: [], depth: [], phases: [], prevCloses: [], clocks: [] };
  const historical: HistoricalSource = {
    historical: (token, _iv, from, to) => {
      r.histReqs!.push({ token, from, to });
      const list = candles(Date.parse('2026-11-20T10:00:00+05:30'), 60, token === INFY ? 150000 : 400000).filter((c) => c.time >= from && c.time <= to);
      if (o.badCandle && token === TCS && list[3]) list[3] = { ...list[3], highPaise: list[3].lowPaise - 5 };
      return Promise.resolve(list);
    },
  };
  const feed = new KiteFeed({
    instruments: [inst('INFY'), inst('TCS'), inst('NOSUCH')],
    session: { connection: () => session.conn, onChange: (l) => (listeners.add(l), () => listeners.delete(l)), reportRejected: (t) => void session.rejected.push(t) },
    ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
    backfillMinutes: o.backfillMinutes ?? 30,
    syncTimeoutMs: 300,
    clockIntervalMs: 10,
    historyTicks: simpleHistory,
    ...(o.logs ? { log: (_l: string, m: string, f?: Record<string, unknown>) => void o.logs!.push(`${m} ${JSON.stringify(f ?? {})}`) } : {}),
    clock: { now: () => wall.now },
    createPool: (opts) => (pool = new FakePool(opts)),
    createHistorical: () => historical,
    fetchInstrumentsCsv: () => {
      r.fetches!++;
      return Promise.resolve(o.dump ?? DUMP);
    },
  });
  feeds.push(feed);
  feed.onTick((t) => r.ticks!.push(t));
  feed.onDepth((d) => r.depth!.push(d));
  feed.onHistory((p) => r.phases!.push(p));
  feed.onPrevClose((s, p) => r.prevCloses!.push([s, p]));
  feed.onClock((t) => r.clocks!.push(t));
  return Object.assign(r, { feed, pool: () => pool! }) as Rig;
}

async function until<T>(what: string, fn: () => T | undefined | false): Promise<T> {
  const end = Date.now() + 5000;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

const demand = (o: Record<string, FeedMode>) => new Map(Object.entries(o));

describe('KiteFeed', () => {
  it('waits for a session, then loads the dump, subscribes by mode, holds live ticks until the history is in', async () => {
    const r = rig();
    r.feed.setDemand(demand({ INFY: 'full', TCS: 'quote', NOSUCH: 'quote' }));
    r.feed.start();
    expect(r.feed.status()).toMatchObject({ kind: 'kite', state: 'waiting' });
    r.session.conn = { apiKey: 'k', accessToken: 'tok', root: 'http://127.0.0.1:9' };
    r.session.fire();
    const pool = await until('the pool', () => r.pool());
    expect(pool.opts).toMatchObject({ apiKey: 'k', accessToken: 'tok', root: 'ws://127.0.0.1:9/' });
    expect(pool.calls).toEqual([`subscribe full ${INFY}`, `subscribe quote ${TCS}`]);
    expect(r.feed.status().message).toContain('not in the instrument dump: NOSUCH');

    // the first full packet fixes the feed clock at the exchange's time (11:05:30 while the wall says 11:00:20)
    const ex = Date.parse('2026-11-20T11:05:30+05:30') / 1000;
    pool.push([full(INFY, 150100, ex, 5000)]);
    expect(r.ticks).toEqual([]); // held back until the history is in
    await until('live', () => r.feed.status().state === 'live');
    expect(r.phases).toEqual(['start', 'end']);
    // history: the last complete minute before 11:05 is 11:04; at least 30 minutes (all of 10:00–11:04 are "today")
    expect(r.histReqs.map((h) => h.token).sort()).toEqual([INFY, TCS].sort());
    expect(r.histReqs[0]!.to).toBe(Date.parse('2026-11-20T11:04:59+05:30'));
    const hist = r.ticks.filter((t) => t.tsEvent < ex * 1000);
    expect(hist.filter((t) => t.symbol === 'INFY')).toHaveLength(60); // 10:00 … 10:59 (the fake's data)
    const live = r.ticks[r.ticks.length - 1]!;
    expect(live).toMatchObject({ symbol: 'INFY', lastPaise: 150100, lastQty: 3, volume: 5000 });
    expect(live.tsEvent).toBeGreaterThanOrEqual(ex * 1000);
    expect(r.feed.now()).toBeGreaterThanOrEqual(ex * 1000);
    expect(r.feed.status().clockSkewMs).toBe(ex * 1000 - T0);
    // Kite's depth, empty levels left out
    expect(r.depth.at(-1)).toMatchObject({ symbol: 'INFY', buy: [{ pricePaise: 150095, quantity: 10, orders: 2 }], sell: [{ pricePaise: 150100 }, { pricePaise: 150105 }] });
    expect(r.prevCloses).toEqual([['INFY', 149000], ['INFY', 149000]]); // after the history, and again after INFY's first live tick
    expect(r.feed.status()).toMatchObject({ state: 'live', subscribed: { ltp: 0, quote: 1, full: 1 }, connections: [{ index: 0, tokens: 2 }], instrumentsDate: '2026-11-20' });

    // without ticks the feed clock still ticks on exchange time (bars close on time)
    r.clocks.length = 0;
    r.wall.now += 500;
    await until('a clock event', () => r.clocks.some((t) => t >= ex * 1000 + 500));

    // exchange time 5 min 10 s off the wall clock: beyond the default 2 min tolerance, an alarm in the status
    await until('the clock alarm', () => r.feed.status().message?.includes('clock alarm: exchange time is 310 s from the wall clock'));

    // after going live ticks pass straight through, on the exchange clock
    r.wall.now += 1000;
    pool.push([full(TCS, 400000, ex + 1, 77)]);
    expect(r.ticks.at(-1)).toMatchObject({ symbol: 'TCS', lastPaise: 400000, volume: 77 });
    expect(r.ticks.at(-1)!.tsEvent).toBe(ex * 1000 + 1000);

    // demand changes are diffed onto the pool: TCS up to full, INFY dropped
    pool.calls.length = 0;
    r.feed.setDemand(demand({ TCS: 'full' }));
    expect(pool.calls).toEqual([`unsubscribe ${INFY}`, `subscribe full ${TCS}`]);

    // the app runs into the next IST day: that day's dump is loaded, the subscriptions stay
    r.wall.now += 86_400_000;
    await until('the next day\'s dump', () => r.feed.status().instrumentsDate === '2026-11-21');
    expect(r.fetches).toBe(2);
    expect(pool.subs).toEqual(new Map([[TCS, 'full']]));
  });

  it('in the engine: Kite\'s previous close survives the seam where live volume is below the history\'s sum', async () => {
    const r = rig();
    const saved: string[] = [];
    const e = new Engine({
      profile: parseRunProfile('feed: { kind: kite }\nwatchlist: [TCS]\nuniverse: { seed: custom, symbols: [INFY, TCS], softCap: 2 }\nstrategies: []\n'),
      feed: r.feed,
      watchlist: { get: () => [...saved], set: (s) => void saved.splice(0, saved.length, ...s) },
    });
    try {
      r.session.conn = { apiKey: 'k', accessToken: 'tok' };
      r.session.fire();
      const pool = await until('the pool', () => r.pool());
      const ex = Date.parse('2026-11-20T11:05:30+05:30') / 1000;
      pool.push([full(TCS, 400000, ex, 3)]); // the history summed 60 × 10 shares today: Kite says 3
      await until('live', () => r.feed.status().state === 'live');
      expect(e.market.quote('TCS')).toMatchObject({ lastPaise: 400000, prevClosePaise: 149000 });
      expect(e.market.candles('TCS', '1m', 100).length).toBeGreaterThanOrEqual(60);
    } finally {
      e.stop();
    }
  });

  it('follows the option chain\'s tokens in full mode besides the demand, keeps their last packets, drops them when the chain is idle', async () => {
    const r = rig({ backfillMinutes: 0 });
    r.session.conn = { apiKey: 'k', accessToken: 'tok' };
    r.feed.setDemand(demand({ INFY: 'quote' }));
    r.feed.start();
    const pool = await until('the pool', () => r.pool());
    pool.capacity = 10;
    await until('live', () => r.feed.status().state === 'live');
    const OPT = 12_345_602; // a contract the engine does not track
    r.feed.watchChain([OPT, INFY]);
    expect(pool.subs).toEqual(new Map([[INFY, 'full'], [OPT, 'full']]));
    const calls = pool.calls.length;
    r.feed.watchChain([INFY, OPT]); // the same set: nothing to do
    expect(pool.calls.length).toBe(calls);
    expect(r.feed.chainQuote(OPT)).toBeUndefined();
    pool.push([{ ...full(OPT, 12_340, Math.floor(T0 / 1000), 650), oi: 9_750 }]);
    expect(r.feed.chainQuote(OPT)).toEqual({ lastPaise: 12_340, closePaise: 149_000, volume: 650, oi: 9_750, bidPaise: 12_335, askPaise: 12_340 });
    expect(r.ticks.some((t) => t.lastPaise === 12_340)).toBe(false); // not an engine instrument: no tick
    // not asked for CHAIN_IDLE_MS: the chain's tokens go; the engine's demand stays as it was
    r.wall.now += CHAIN_IDLE_MS + 1;
    await until('the chain dropped', () => !pool.subs.has(OPT));
    expect(pool.subs).toEqual(new Map([[INFY, 'quote']]));
    expect(r.feed.chainQuote(OPT)).toBeUndefined();
  });

  it('reports a demand beyond the ticker capacity instead of throwing', async () => {
    const r = rig({ backfillMinutes: 0 });
    r.session.conn = { apiKey: 'k', accessToken: 'tok' };
    r.feed.setDemand(demand({ INFY: 'full' }));
    r.feed.start();
    const pool = await until('the pool', () => r.pool());
    pool.capacity = 1;
    expect(() => r.feed.setDemand(demand({ INFY: 'full', TCS: 'quote' }))).not.toThrow();
    expect(r.feed.status().message).toMatch(/subscriptions: at most 1 tokens/);
    expect(pool.subs).toEqual(new Map([[INFY, 'full']]));
    r.feed.setDemand(demand({ TCS: 'quote' }));
    expect(r.feed.status().message).not.toMatch(/subscriptions/);
  });

  it('fetches the dump once a day: a second start the same day reads the cached file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kitefeed-'));
    const a = rig({ dataDir: dir, backfillMinutes: 0 });
    a.session.conn = { apiKey: 'k', accessToken: 'tok' };
    a.feed.start();
    await until('the pool', () => a.pool());
    expect(a.fetches).toBe(1);
    expect(readdirSync(join(dir, 'kite'))).toEqual(['instruments-2026-11-20.csv']);
    const b = rig({ dataDir: dir, backfillMinutes: 0 });
    b.session.conn = { apiKey: 'k', accessToken: 'tok' };
    b.feed.start();
    await until('the pool', () => b.pool());
    expect(b.fetches).toBe(0);
    expect(b.feed.tokens().get('TCS')).toBe(TCS);
    // the next IST day fetches again
    const c = rig({ dataDir: dir, backfillMinutes: 0 });
    c.wall.now += 86_400_000;
    c.session.conn = { apiKey: 'k', accessToken: 'tok' };
    c.feed.start();
    await until('the pool', () => c.pool());
    expect(c.fetches).toBe(1);
  });

  it('a bad historical candle is reported naming the instrument and the candle; the others still load', async () => {
    const logs: string[] = [];
    const r = rig({ badCandle: true, logs });
    r.feed.setDemand(demand({ INFY: 'full', TCS: 'quote' }));
    r.session.conn = { apiKey: 'k', accessToken: 'tok' };
    r.feed.start();
    await until('live', () => r.feed.status().state === 'live'); // no exchange timestamp: the wall clock after the sync timeout
    expect(r.feed.status().message).toContain('no history for TCS');
    expect(logs.join('\n')).toMatch(/NSE:TCS minute: candle 4 \(2026-11-20 10:03:00 IST\): high is below low/);
    expect(r.ticks.filter((t) => t.symbol === 'INFY').length).toBeGreaterThan(30);
  });

  it('a re-login with a new token reconnects the same pool', async () => {
    const r = rig({ backfillMinutes: 0 });
    r.session.conn = { apiKey: 'k', accessToken: 'tok1' };
    r.feed.start();
    const pool = await until('the pool', () => r.pool());
    r.session.conn = { apiKey: 'k', accessToken: 'tok2' };
    r.session.fire();
    expect(pool.tokenUpdates).toEqual(['tok2']);
    expect(r.pool()).toBe(pool);
    // the ticker refuses the token: the session hears it (it ends as rejected), the feed says so
    expect(r.session.rejected).toEqual([]);
    pool.fire('sessionExpired', { conn: 0, status: 403 });
    expect(r.session.rejected).toEqual(['tok1']);
    expect(r.feed.status().message).toMatch(/refused the ticker token: log in again/);
    r.session.conn = undefined;
    r.session.fire();
    expect(r.feed.status().message).toMatch(/session ended/);
  });

  it('derives the ticker root from the REST root', () => {
    expect(tickerRootOf('http://127.0.0.1:8777')).toBe('ws://127.0.0.1:8777/');
    expect(tickerRootOf('https://example.test/api')).toBe('wss://example.test/');
    expect(tickerRootOf(undefined)).toBeUndefined();
  });
});

describe('KiteFeed: the instrument master searched and symbols added at run time', () => {
  const WIPRO = 969473;
  const HDFCBANK = 341249;
  const MASTER = [
    DUMP,
    `${WIPRO},3787,WIPRO,WIPRO,250,,0,0.01,1,EQ,NSE,NSE`,
    `${HDFCBANK},1333,HDFCBANK,HDFC BANK,1700,,0,0.1,1,EQ,NSE,NSE`,
    '256265,1001,NIFTY 50,NIFTY 50,24000,,0,0.0,0,EQ,INDICES,NSE',
    '13368834,52222,NIFTY26NOVFUT,NIFTY,24050,2026-11-24,0,0.1,75,FUT,NFO-FUT,NFO',
    '13369090,52223,NIFTY26NOV24000CE,NIFTY,300,2026-11-24,24000,0.05,75,CE,NFO-OPT,NFO',
    '500209,1953,INFY,INFOSYS,1500,,0,0.05,1,EQ,BSE,BSE',
  ].join('\n');

  it('searches the day\'s dump (ranked, bounded, by exchange), adds an NSE equity, subscribes it, refuses beyond the ticker limit', async () => {
    const r = rig({ dump: MASTER });
    expect(r.feed.searchInstruments('INFY', { limit: 5 })).toBeUndefined(); // no dump yet
    expect(() => r.feed.addInstrument('WIPRO')).toThrow(/instrument master is not loaded yet/);
    r.feed.setDemand(demand({ INFY: 'full' }));
    r.feed.start();
    r.session.conn = { apiKey: 'k', accessToken: 'tok' };
    r.session.fire();
    const pool = await until('the pool', () => r.pool());
    const ex = Date.parse('2026-11-20T11:05:30+05:30') / 1000;
    pool.push([full(INFY, 150100, ex, 5000)]);
    await until('live', () => r.feed.status().state === 'live');

    // ranked: the exact symbol first (NSE and BSE), then by name
    expect(r.feed.searchInstruments('infy', { limit: 5 })!.map((i) => i.key)).toEqual(['NSE:INFY', 'BSE:INFY']);
    expect(r.feed.searchInstruments('infosys', { limit: 5 })!.map((i) => i.key)).toEqual(['NSE:INFY', 'BSE:INFY']);
    expect(r.feed.searchInstruments('NIFTY', { limit: 10 })!.map((i) => i.key)).toEqual(['NSE:NIFTY 50', 'NFO:NIFTY26NOVFUT', 'NFO:NIFTY26NOV24000CE']);
    expect(r.feed.searchInstruments('NIFTY', { limit: 1 })).toHaveLength(1);
    expect(r.feed.searchInstruments('NIFTY', { limit: 10, exchanges: ['INDICES'] })!.map((i) => i.key)).toEqual(['NSE:NIFTY 50']);
    expect(r.feed.searchInstruments('NIFTY', { limit: 10, exchanges: ['NFO'] })!.map((i) => i.key)).toEqual(['NFO:NIFTY26NOVFUT', 'NFO:NIFTY26NOV24000CE']);
    expect(r.feed.searchInstruments('INFY', { limit: 10, exchanges: ['BSE'] })!.map((i) => i.key)).toEqual(['BSE:INFY']);

    // an NSE equity is added with the dump's tick and lot, subscribed with the next demand, and ticks
    expect(r.feed.addInstrument('WIPRO')).toEqual({ symbol: 'WIPRO', name: 'WIPRO', exchange: 'NSE', tickSizePaise: 1, lotSize: 1 });
    expect(r.feed.instruments.map((i) => i.symbol)).toContain('WIPRO');
    pool.calls.length = 0;
    r.feed.setDemand(demand({ INFY: 'full', WIPRO: 'quote' }));
    expect(pool.calls).toEqual([`subscribe quote ${WIPRO}`]);
    pool.push([full(WIPRO, 25010, ex + 2, 900)]);
    expect(r.ticks.at(-1)).toMatchObject({ symbol: 'WIPRO', lastPaise: 25010, volume: 900 });
    // its recent 1-minute candles, for the kernel's backfill
    expect((await r.feed.recentCandles('WIPRO')).length).toBeGreaterThanOrEqual(30);

    // not in the dump, or the ticker full (the fake pool holds 2 tokens): a clear error; an NFO future passes
    // the kind check (issue 14) and meets the full ticker
    expect(() => r.feed.addInstrument('NOPE')).toThrow(/not an NSE equity or an NFO future\/option in Kite's instrument master of 2026-11-20/);
    expect(() => r.feed.addInstrument('NIFTY26NOVFUT')).toThrow(/ticker is full/);
    expect(() => r.feed.addInstrument('HDFCBANK')).toThrow(/ticker is full \(2 instruments subscribed; Kite allows 2 = 3 connections × 3,000 tokens\)/);
    expect(r.feed.instruments.map((i) => i.symbol)).not.toContain('HDFCBANK');
  });

  it('in the engine: instruments.search answers from the dump, watchlist.set adds and backfills the symbol; ticks then arrive for it', async () => {
    const r = rig({ dump: MASTER });
    const saved: string[] = [];
    const e = new Engine({
      profile: parseRunProfile('feed: { kind: kite }\nwatchlist: [INFY]\nuniverse: { seed: custom, symbols: [INFY], softCap: 1 }\nstrategies: []\n'),
      feed: r.feed,
      watchlist: { get: () => [...saved], set: (s) => void saved.splice(0, saved.length, ...s) },
    });
    try {
      // before the dump: the engine's own instruments answer
      expect(e.searchInstruments('TC', { limit: 5 })).toMatchObject({ source: 'engine', hits: [{ symbol: 'TCS', known: true, addable: true, token: null }] });
      r.session.conn = { apiKey: 'k', accessToken: 'tok' };
      r.session.fire();
      const pool = await until('the pool', () => r.pool());
      const ex = Date.parse('2026-11-20T11:05:30+05:30') / 1000;
      pool.push([full(INFY, 150100, ex, 5000)]);
      await until('live', () => r.feed.status().state === 'live');
      const res = e.searchInstruments('WIP', { limit: 5 });
      expect(res).toEqual({ source: 'kite', hits: [{ symbol: 'WIPRO', exchange: 'NSE', name: 'WIPRO', type: 'EQ', expiry: null, strikePaise: 0, lotSize: 1, tickSizePaise: 1, token: WIPRO, known: false, addable: true }] });
      expect(e.searchInstruments('NIFTY', { limit: 5 }).hits.map((h) => [h.symbol, h.type, h.addable])).toEqual([['NIFTY 50', 'INDEX', false], ['NIFTY26NOVFUT', 'FUT', true], ['NIFTY26NOV24000CE', 'CE', true]]);

      expect(e.setWatchlist(['INFY', 'WIPRO'])).toEqual(['INFY', 'WIPRO']);
      expect(e.isKnownSymbol('WIPRO')).toBe(true);
      expect(e.searchInstruments('WIPRO', { limit: 1 }).hits[0]).toMatchObject({ known: true });
      e.start();
      await until('WIPRO subscribed', () => pool.subs.has(WIPRO));
      // its history is backfilled into 1-minute candles before its live ticks
      await until('WIPRO backfilled', () => e.market.candles('WIPRO', '1m', 500).length >= 30);
      pool.push([full(WIPRO, 25010, ex + 5, 900)]);
      await until('the WIPRO quote', () => e.market.quote('WIPRO')?.lastPaise === 25010);
      // an order can name it now
      expect(e.trading.placeManual({ symbol: 'WIPRO', side: 'BUY', qty: 1, orderType: 'LIMIT', pricePaise: 24000, product: 'MIS', validity: 'DAY', variety: 'regular' }).decision.rule).not.toBe('unknown_instrument');
      // beyond the ticker's limit: a clear CONFLICT; an index or a future: NOT_FOUND naming why
      expect(() => e.setWatchlist(['INFY', 'WIPRO', 'HDFCBANK'])).toThrow(/ticker is full/);
      expect(() => e.setWatchlist(['INFY', 'NIFTY26NOVFUT'])).toThrow(/ticker is full/);
      expect(e.watchlist()).toEqual(['INFY', 'WIPRO']);
    } finally {
      e.stop();
    }
  });
});
