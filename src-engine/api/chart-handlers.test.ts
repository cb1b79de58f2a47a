import { afterEach, describe, expect, it } from 'vitest';
import { kiteDeskApi } from '../contract/api.js';
import { CHART_INDICATORS, chartSpec, type IndicatorDelta } from '../contract/chart-schemas.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import { RpcClient } from '../contract/rpc-client.js';
import type { Candle, Timeframe } from '../contract/schemas.js';
import { createMemoryPair } from '../contract/transport.js';
import { createIndicator } from '../indicators/registry.js';
import { computeSeries } from '../indicators/series.js';
import { parseRunProfile } from '../runtime/config.js';
import { Engine, type WatchlistStore } from '../runtime/engine.js';
import { MemoryTradingStore } from '../runtime/trading.js';
import { createEngineServer } from './server.js';

/**
 * The chart over the contract, against a real engine on the simulator: indicator values equal the
 * indicator library's on the same candles (the forming bar's value is the library's with that bar
 * fed as if closed), live deltas follow the forming and the closed bars, scroll-back history, and
 * markers and levels after a paper trade.
 */

// Friday 2026-11-20 10:00 IST, inside the session
const FRI_10_00 = Date.parse('2026-11-20T10:00:00+05:30');
const SYMBOL = 'RELIANCE';

const PROFILE = `
feed:
  backfillMinutes: 90
  seed: 3
strategies:
  - id: mom
    type: momentum
    params: { period: 2, threshold: 0.01 }
    symbols: [RELIANCE]
    timeframe: 1m
trading:
  capital: 1000000
  autoTrade: false
`;

const watchlist = (): WatchlistStore => {
  let s: string[] = [];
  return { get: () => [...s], set: (x) => void (s = [...x]) };
};

type Client = RpcClient<typeof kiteDeskApi>;

function setup(): { e: Engine; c: Client; stop: () => void } {
  const e = new Engine({ profile: parseRunProfile(PROFILE), watchlist: watchlist(), clock: { now: () => FRI_10_00 }, autoStart: false, trading: new MemoryTradingStore() });
  const server = createEngineServer(e, { coalesceMs: 5 });
  const [client, serverEnd] = createMemoryPair();
  server.accept(serverEnd);
  const c = new RpcClient(kiteDeskApi, { timeoutMs: 5000 });
  c.attach(client);
  return {
    e,
    c,
    stop: () => {
      server.closeAll();
      e.stop();
    },
  };
}

/** The library's values on these candles, as the contract sends them (NaN → null). */
function library(spec: string, candles: readonly Candle[]): (number | null)[][] {
  const cols = computeSeries(spec, candles);
  return candles.map((_, i) => cols.map((col) => (Number.isFinite(col[i]!) ? col[i]! : null)));
}

const settle = (ms = 40): Promise<void> => new Promise((r) => setTimeout(r, ms));

let running: { stop: () => void } | undefined;
afterEach(() => {
  running?.stop();
  running = undefined;
});

describe('the chart over the contract', () => {
  it('every menu indicator builds in the registry with its defaults, one line per engine column', () => {
    for (const d of CHART_INDICATORS) {
      const ind = createIndicator(chartSpec(d.name, d.params.map((p) => p.default)));
      expect(ind.columns.length, d.name).toBe(d.lines.length);
    }
  });

  it('indicators.get equals the library on the same candles, for every menu indicator, on 1m and 5m, forming bar included', async () => {
    const { e, c, stop } = setup();
    running = { stop };
    e.simulator.advance(90_500); // mid-bar: the last candle of each timeframe is forming
    for (const tf of ['1m', '5m'] as Timeframe[]) {
      const candles = await c.call('candles.get', { symbol: SYMBOL, tf, limit: 5000 });
      expect(candles.length).toBeGreaterThan(tf === '1m' ? 40 : 8); // the session opened 09:15
      expect(e.market.candleStore.instrument(SYMBOL)!.forming(tf)?.t).toBe(candles[candles.length - 1]!.t);
      for (const d of CHART_INDICATORS) {
        const spec = chartSpec(d.name, d.params.map((p) => p.default));
        const s = await c.call('indicators.get', { symbol: SYMBOL, tf, spec, limit: 5000 });
        expect(s.columns).toEqual([...createIndicator(spec).columns]);
        expect(s.points.map((p) => p.t)).toEqual(candles.map((x) => x.t));
        expect(s.points.map((p) => p.v), `${spec} on ${tf}`).toEqual(library(spec, candles));
        // 1m is warm for each (the simulator trades with volume, so VWAP and OBV too)
        if (tf === '1m') expect(s.points[s.points.length - 1]!.v.every((v) => v !== null), `${spec} on ${tf}`).toBe(true);
      }
    }
  });

  it('indicators.get with before/limit is the same series cut, and candles.history pages back', async () => {
    const { c, stop } = setup();
    running = { stop };
    const all = await c.call('candles.get', { symbol: SYMBOL, tf: '1m', limit: 5000 });
    const before = all[40]!.t;
    const older = await c.call('candles.history', { symbol: SYMBOL, tf: '1m', before, limit: 10 });
    expect(older).toEqual(all.slice(30, 40));
    expect(await c.call('candles.history', { symbol: SYMBOL, tf: '1m', before: all[0]!.t, limit: 10 })).toEqual([]);
    const full = await c.call('indicators.get', { symbol: SYMBOL, tf: '1m', spec: 'ema:9', limit: 5000 });
    const cut = await c.call('indicators.get', { symbol: SYMBOL, tf: '1m', spec: 'ema:9', limit: 10, before });
    expect(cut.points).toEqual(full.points.slice(30, 40));
  });

  it('refuses specs the menu does not know or parameters out of range, before any work', async () => {
    const { c, stop } = setup();
    running = { stop };
    for (const spec of ['foo:3', 'ema', 'ema:0', 'ema:2.5', 'macd:26:12:9', 'bb:20', 'vwap:3', 'cci:20']) {
      const err = await c.call('indicators.get', { symbol: SYMBOL, spec }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(err, spec).toBeInstanceOf(RpcError);
      expect((err as RpcError).code, spec).toBe(ErrorCode.INVALID_INPUT);
    }
    await expect(c.call('indicators.get', { symbol: 'NOSUCH', spec: 'ema:9' })).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('indicators.updated: the forming bar as it changes, then each closed bar final; the values are the library\'s', async () => {
    const { e, c, stop } = setup();
    running = { stop };
    const spec = 'macd:12:26:9';
    const deltas: IndicatorDelta[] = [];
    let snapshotT: number[] = [];
    const sub = c.subscribe('indicators.updated', { symbol: SYMBOL, tf: '1m', spec }, { snapshot: (s) => (snapshotT = s.points.map((p) => p.t)), delta: (d) => deltas.push(d) });
    await settle();
    expect(snapshotT.length).toBeGreaterThan(40);
    // three minutes in 1-second steps, letting each coalescing window flush now and then
    for (let i = 0; i < 180; i++) {
      e.simulator.advance(1000);
      if (i % 20 === 19) await settle(15);
    }
    e.simulator.advance(500);
    await settle();
    const candles = await c.call('candles.get', { symbol: SYMBOL, tf: '1m', limit: 5000 });
    const want = new Map(candles.map((x, i) => [x.t, library(spec, candles)[i]!]));
    const closed = deltas.filter((d) => d.closed);
    expect(closed.length).toBeGreaterThanOrEqual(3);
    for (const d of closed) expect(d.v).toEqual(want.get(d.t));
    // forming values came for the bars being formed, and the last pushed one is the live value now
    expect(deltas.some((d) => !d.closed)).toBe(true);
    const last = deltas[deltas.length - 1]!;
    expect(last.closed).toBe(false);
    expect(last.t).toBe(candles[candles.length - 1]!.t);
    expect(last.v).toEqual(want.get(last.t));
    // closed bars arrive in time order, each once
    const ts = closed.map((d) => d.t);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    expect(new Set(ts).size).toBe(ts.length);
    sub.close();
  });

  it('markers and levels: the symbol\'s signals and fills, and the position with its exits after a paper trade', async () => {
    const { e, c, stop } = setup();
    running = { stop };
    e.simulator.advance(5_000); // a live tick and depth
    const levels: unknown[] = [];
    const sub = c.subscribe('exits.updated', { symbol: SYMBOL }, { snapshot: (l) => levels.push(l), delta: (l) => levels.push(l) });
    await settle();
    expect(levels).toEqual([{ symbol: SYMBOL, positions: [] }]);
    const placed = await c.call('orders.place', { symbol: SYMBOL, side: 'BUY', qty: 3, orderType: 'MARKET' });
    expect(placed.decision.action).toBe('ALLOW');
    for (let i = 0; i < 5; i++) e.simulator.advance(1000);
    e.trading.flush();
    await settle(80);

    const m = await c.call('chart.markers', { symbol: SYMBOL });
    expect(m.fills.length).toBeGreaterThan(0);
    expect(m.fills.every((f) => f.symbol === SYMBOL && f.side === 'BUY')).toBe(true);
    expect(m.fills.reduce((s, f) => s + f.qty, 0)).toBe(3);
    expect(m.signals.length).toBeGreaterThan(0); // the momentum strategy on RELIANCE journals signals
    expect(m.signals.every((s) => s.symbol === SYMBOL && s.strategy === 'mom')).toBe(true);
    const other = await c.call('chart.markers', { symbol: 'SBIN' });
    expect(other.fills).toEqual([]);
    expect(other.signals).toEqual([]);

    const got = await c.call('exits.get', { symbol: SYMBOL });
    expect(got.positions).toHaveLength(1);
    const p = got.positions[0]!;
    const armed = e.trading.exits.armed('manual', SYMBOL)!;
    expect(p).toEqual({
      strategy: 'manual',
      qty: 3,
      avgPricePaise: e.trading.ledger.avgPricePaise(SYMBOL, 'manual'),
      stopPaise: armed.stopPaise ?? null,
      targetPaise: armed.targetPaise ?? null,
      trailPaise: armed.trailPaise ?? null,
    });
    expect(p.stopPaise).not.toBeNull(); // ATR(14) of 1m bars is warm after the backfill
    expect(p.stopPaise!).toBeLessThan(p.avgPricePaise);
    expect(p.targetPaise!).toBeGreaterThan(p.avgPricePaise);
    // the topic pushed the new position
    expect(levels[levels.length - 1]).toEqual(got);
    sub.close();
  });
});
