/**
 * The engine on `feed.kind: kite` against our Kite simulator standing in for Kite, pointed at by
 * configuration only (the session's root): a session from the simulator's login flow, the instrument
 * dump fetched and cached, demanded symbols subscribed in their modes, 1-minute candles backfilled from
 * Kite historical and extended by live ticks, Kite's depth in market data, the trading clock on the
 * feed's exchange timestamps. Time comes from the simulator (its own session clock), so this passes
 * at any hour; every wait is for an outcome, never a fixed sleep.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginUrl, parseRedirect } from '../../src-engine/adapters/kite/login.js';
import { KiteRest } from '../../src-engine/adapters/kite/rest-client.js';
import type { KiteFeed } from '../../src-engine/adapters/kite/kite-feed.js';
import { depthProblem } from '../../src-engine/model/depth.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { parseRunProfile } from '../../src-engine/runtime/config.js';
import { Engine } from '../../src-engine/runtime/engine.js';
import { KiteSessionManager } from '../../src-engine/runtime/kite-session.js';
import { tempDataDir } from '../support/serve-process.js';
import { simSessionStart } from '../support/sim-session.js';

const API_KEY = 'kitedesk-sim';
const API_SECRET = 'kitedesk-sim-secret';

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const PROFILE = `
feed: { kind: kite, backfillMinutes: 30 }
watchlist: [INFY, TCS]
universe: { seed: custom, symbols: [INFY, TCS, RELIANCE], softCap: 3 }
strategies:
  - { id: ema-infy, type: ema_crossover, params: { fast: 5, slow: 13 }, symbols: [INFY], timeframe: 1m }
`;

describe('Engine on the Kite feed (against kitedesk sim)', () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;
  let kite: KiteSessionManager;
  let engine: Engine;
  let dataDir: string;
  const history: { phase: string; ticks: number; toMs?: number }[] = [];

  beforeAll(async () => {
    r = await sim.start({ port: 0, seed: 11, expireAt0600: false, startTime: simSessionStart() });
    kite = new KiteSessionManager();
    const res = await fetch(loginUrl(API_KEY, r.loginUrl), { redirect: 'manual' });
    const requestToken = parseRedirect(res.headers.get('location')!).requestToken;
    const login = await kite.login({ apiKey: API_KEY, requestToken, apiSecret: API_SECRET, root: r.url });
    expect(login.ok).toBe(true);
    dataDir = tempDataDir('kitedesk-kitefeed-');
    const saved: string[] = [];
    engine = new Engine({
      profile: parseRunProfile(PROFILE),
      watchlist: { get: () => [...saved], set: (s) => void saved.splice(0, saved.length, ...s) },
      kite,
      dataDir,
      autoStart: false,
    });
    engine.feed.onHistory((phase, info) => history.push({ phase, ...info }));
    engine.start();
  });

  /** The test's own REST client: it shares the api key's 3 historical requests/s with the engine, so it retries a 429 patiently. */
  const testRest = () => new KiteRest({ apiKey: API_KEY, accessToken: kite.connection()!.accessToken, root: r.url, getRetries: 8, getRetryInitialMs: 400 });

  afterAll(async () => {
    engine?.stop();
    kite?.dispose();
    await sim.close();
  });

  it('goes live on Kite: dump, subscriptions by mode, history, live candles, depth, exchange clock', async () => {
    const feed = engine.feed as KiteFeed;
    expect(engine.status()).toMatchObject({ feed: 'kite' });
    await until('the feed to go live', () => engine.status().feedStatus?.state === 'live', 45_000);

    // instruments from the day's dump (cached in the data dir), tokens as the simulator's master has them
    const files = readdirSync(join(dataDir, 'kite')).filter((f) => /^instruments-\d{4}-\d{2}-\d{2}\.csv$/.test(f));
    expect(files).toHaveLength(1);
    const simToken = (s: string) => sim.instruments.find((i) => i.exchange === 'NSE' && i.tradingsymbol === s)!.token;
    for (const s of ['INFY', 'TCS', 'RELIANCE']) expect(feed.tokens().get(s)).toBe(simToken(s));

    // subscriptions: INFY full (a strategy trades it), TCS and RELIANCE quote; the simulator sees the same
    const st = engine.status().feedStatus!;
    expect(st.subscribed).toEqual({ ltp: 0, quote: 2, full: 1 });
    const ours = st.connections!.reduce((a, c) => a + c.tokens, 0);
    expect(ours).toBe(3);
    expect(sim.stats().subscribedTokens.reduce((a, n) => a + n, 0)).toBe(3);

    // candles: backfilled from Kite historical (same OHLCV as Kite serves), then extended by live ticks
    const bars = engine.market.candles('INFY', '1m', 1000);
    expect(bars.length).toBeGreaterThanOrEqual(30);
    const rest = testRest();
    const closed = bars.slice(-12, -2);
    const kiteBars = await rest.historical(simToken('INFY'), 'minute', closed[0]!.t, closed[closed.length - 1]!.t);
    expect(kiteBars.map((c) => [c.time, c.openPaise, c.highPaise, c.lowPaise, c.closePaise, c.volume])).toEqual(
      closed.map((c) => [c.t, c.o, c.h, c.l, c.c, c.v]),
    );
    expect(history.map((h) => h.phase)).toEqual(['start', 'end']);
    const historyEnd = history[1]!.toMs!;
    expect(history[1]!.ticks).toBeGreaterThan(0);
    expect(bars.filter((c) => c.t < historyEnd).length).toBeGreaterThanOrEqual(30);
    await until('a live candle after the history', () => engine.market.candles('INFY', '1m', 5).some((c) => c.t >= historyEnd) || undefined);

    // Kite's 5-level depth reaches market data (the order book panel and the paper broker read it there)
    const d = await until('INFY depth', () => engine.market.depth('INFY'));
    expect(depthProblem(d)).toBeNull();
    expect(d.buy.length).toBeGreaterThan(0);
    expect(d.sell.length).toBeGreaterThan(0);
    expect(d.buy[0]!.pricePaise).toBeLessThan(d.sell[0]!.pricePaise);
    expect(engine.market.depth('TCS')).toBeUndefined(); // quote mode carries no depth

    // the trading clock follows the simulator's exchange time, whatever the wall clock says
    const simNow = sim.clock.now();
    expect(Math.abs(engine.status().feedTime - simNow)).toBeLessThan(5_000);
    expect(engine.market.quote('INFY')!.prevClosePaise).toBeGreaterThan(0);
    expect(existsSync(join(dataDir, 'kite', 'historical'))).toBe(true);
  });

  it('re-plans the day\'s universe on Kite\'s daily candles', async () => {
    const u = await until('the universe from Kite', () => (engine.universe().source === 'kite' ? engine.universe() : undefined));
    expect(u.state).toBe('ok');
    const asOf = u.date;
    const infy = u.entries.find((e) => e.symbol === 'INFY')!;
    const rest = testRest();
    const start = Date.parse(`${asOf}T00:00:00+05:30`);
    const daily = await rest.historical(sim.instruments.find((i) => i.exchange === 'NSE' && i.tradingsymbol === 'INFY')!.token, 'day', start - 400 * 86_400_000, start - 1000);
    expect(infy.factors.lastClosePaise).toBe(daily[daily.length - 1]!.closePaise);
    expect(infy.factors.barsUsed).toBeGreaterThan(200);
    expect(readdirSync(join(dataDir, 'kite', 'historical', String(sim.instruments.find((i) => i.exchange === 'NSE' && i.tradingsymbol === 'INFY')!.token), 'day'))).toEqual([`${asOf}.json`]);
  });

  it('the paper broker fills against Kite depth, not knowing the feed', async () => {
    const book = engine.market.depth('INFY')!;
    const r = engine.trading.placeManual({ symbol: 'INFY', side: 'BUY', qty: 1, orderType: 'MARKET', product: 'CNC', validity: 'DAY', variety: 'regular' });
    expect(r.decision.action).toBe('ALLOW');
    const id = r.orders[0]!.orderId;
    const done = await until('the paper fill', () => engine.trading.orders().find((o) => o.orderId === id && o.status === 'COMPLETE'));
    // a market buy of one share takes the best ask of a book Kite sent (the book may have moved on since)
    expect(done.avgPricePaise).toBeGreaterThan(0);
    expect(Math.abs(done.avgPricePaise! - book.sell[0]!.pricePaise)).toBeLessThan(book.sell[0]!.pricePaise * 0.02);
    expect(done.avgPricePaise! % 5).toBe(0);
  });

  it('follows the demand: a depth listener makes TCS full, and its depth arrives', async () => {
    const off = engine.market.onDepth('TCS', () => undefined);
    try {
      await until('TCS depth', () => engine.market.depth('TCS'), 15_000);
      expect(engine.status().feedStatus!.subscribed).toEqual({ ltp: 0, quote: 1, full: 2 });
    } finally {
      off();
    }
  });

  it('a token Kite refuses at the ticker ends the session ("log in again"), the engine keeps its last data', async () => {
    sim.expireTokens();
    await until('the session to end', () => kite.status().state === 'expired', 20_000);
    expect(engine.status().kite).toMatchObject({ state: 'expired' });
    await until('the feed to say so', () => engine.status().feedStatus?.message?.includes('log in again'));
    expect(engine.market.candles('INFY', '1m', 5).length).toBeGreaterThan(0);
  });
});
