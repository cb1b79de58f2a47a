import { afterEach, describe, expect, it } from 'vitest';
import type { Instrument } from '../../contract/schemas.js';
import type { DepthSnapshot } from '../../model/depth.js';
import type { Tick } from '../../model/tick.js';
import { KiteFeed, type TickerPoolLike } from './kite-feed.js';
import { TickBatch, decodeFrame, encodeFrame, type KiteMode, type KiteTick } from './tick-codec.js';

/**
 * Index ticks end to end on the Kite feed: NIFTY 50 (token 256265, segment 9) arrives in Kite's index
 * packets — 32 B full with OHLC in the index order, no volume, no depth — and becomes a tick with no
 * quantity and no volume, its close the previous close, and never a depth snapshot.
 */
const NIFTY = 256265;
const INFY = 408065;
const DUMP = [
  'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange',
  `${NIFTY},1001,NIFTY 50,NIFTY 50,0.0,,0.0,0.0,0,EQ,INDICES,NSE`,
  `${INFY},1594,INFY,INFOSYS,0,,0,0.1,1,EQ,NSE,NSE`,
].join('\n');

class Pool implements Partial<TickerPoolLike> {
  subs = new Map<number, KiteMode>();
  private fn: ((b: TickBatch, c: number) => void) | undefined;
  private readonly batch = new TickBatch();
  subscribe(tokens: Iterable<number>, mode: KiteMode): void {
    for (const t of tokens) this.subs.set(t, mode);
  }
  unsubscribe(tokens: Iterable<number>): void {
    for (const t of tokens) this.subs.delete(t);
  }
  setMode(): void {}
  onTicks(fn: (b: TickBatch, c: number) => void): () => void {
    this.fn = fn;
    return () => undefined;
  }
  on(): () => void {
    return () => undefined;
  }
  stats() {
    return [{ index: 0, state: 'open' as const, tokens: this.subs.size, connects: 1, disconnects: 0, attempts: 0, lastMessageAt: 0 }];
  }
  subscriptions(): Map<number, KiteMode> {
    return new Map(this.subs);
  }
  close(): void {}
  updateAccessToken(): void {}
  push(ticks: KiteTick[]): void {
    decodeFrame(encodeFrame(ticks), this.batch);
    this.fn?.(this.batch, 0);
  }
}

const feeds: KiteFeed[] = [];
afterEach(() => {
  for (const f of feeds.splice(0)) f.stop();
});

async function until<T>(what: string, fn: () => T | undefined | false): Promise<T> {
  const end = Date.now() + 5000;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('KiteFeed: index packets', () => {
  it('an index full packet → a tick without quantity or volume, its close the previous close, no depth', async () => {
    const ex = Date.parse('2026-11-20T11:05:30+05:30') / 1000;
    let pool: Pool | undefined;
    const instruments: Instrument[] = [
      { symbol: 'NIFTY 50', name: 'NIFTY 50', exchange: 'NSE', tickSizePaise: 5, lotSize: 1, kind: 'INDEX', tradable: false },
      { symbol: 'INFY', name: 'INFY', exchange: 'NSE', tickSizePaise: 10, lotSize: 1 },
    ];
    const logs: string[] = [];
    const feed = new KiteFeed({
      instruments,
      session: { connection: () => ({ apiKey: 'k', accessToken: 't', root: 'http://127.0.0.1:9' }), onChange: () => () => undefined },
      backfillMinutes: 0,
      syncTimeoutMs: 50,
      clockIntervalMs: 10,
      historyTicks: () => ({ onTick: () => () => undefined, advance: () => undefined, now: () => ex * 1000, done: true }),
      log: (_l, m, f) => void logs.push(`${m} ${JSON.stringify(f ?? {})}`),
      clock: { now: () => ex * 1000 },
      createPool: () => (pool = new Pool()) as unknown as TickerPoolLike,
      createHistorical: () => ({ historical: () => Promise.resolve([]) }),
      fetchInstrumentsCsv: () => Promise.resolve(DUMP),
    } as ConstructorParameters<typeof KiteFeed>[0]);
    feeds.push(feed);
    const ticks: Tick[] = [];
    const depth: DepthSnapshot[] = [];
    const closes: [string, number][] = [];
    feed.onTick((t) => ticks.push(t));
    feed.onDepth((d) => depth.push(d));
    feed.onPrevClose((s, p) => closes.push([s, p]));
    feed.setDemand(new Map([['NIFTY 50', 'full'], ['INFY', 'full']]));
    feed.start();
    const p = await until('the pool', () => pool);
    await until('subscriptions', () => p.subs.size === 2);
    expect(p.subs.get(NIFTY)).toBe('full');
    await until('live', () => feed.status().state === 'live');
    expect(feed.status().clockSkewMs).toBeUndefined(); // no exchange time seen yet
    p.push([{ token: NIFTY, mode: 'full', tradable: false, lastPrice: 2_451_230, high: 2_460_000, low: 2_440_000, open: 2_445_000, close: 2_448_000, netChange: 3230, exchangeTime: ex }]);
    await until('the index tick', () => ticks.find((t) => t.symbol === 'NIFTY 50'));
    expect(ticks.filter((t) => t.symbol === 'NIFTY 50')).toEqual([{ symbol: 'NIFTY 50', lastPaise: 2_451_230, lastQty: 0, volume: 0, tsEvent: expect.any(Number) as number }]);
    expect(closes).toContainEqual(['NIFTY 50', 2_448_000]);
    expect(depth).toEqual([]);
    // the index's full packet carries the exchange time: the feed clock follows it (an index-only demand is synced)
    expect(feed.status().clockSkewMs).toBeDefined();
    expect(feed.status().message ?? '').not.toContain('NIFTY 50'); // found in the dump
    expect(logs.some((l) => l.includes('differs') && l.includes('NIFTY 50'))).toBe(false); // tick 0.0 / lot 0 of an index is not a mismatch
  });
});
