import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedFiles } from '../../test/support/external-inputs.js';
import { IST_OFFSET_MS } from '../core/ist.js';
import type { Candle, CandleSeries } from '../kite-sim/csv-replay.js';
import { runProfileSchema, type RunProfile } from '../runtime/config.js';
import { Engine } from '../runtime/engine.js';
import { ReplayFeed } from '../runtime/replay-feed.js';
import { MemoryTradingStore } from '../runtime/trading.js';
import { runBacktest, type BacktestFill } from './backtest.js';
import { loadBacktestData } from './data.js';
import { dataOf, generatedSeries, kiteCsv, plainSmaCrossover, smaConfig } from './testing.js';

const asPlain = (r: ReturnType<typeof runBacktest>) => r.trades.map((t) => ({ entryTime: t.entryTime, entryPaise: t.entryPricePaise, exitTime: t.exitTime, exitPaise: t.exitPricePaise }));

describe('runBacktest on generated data', () => {
  it('an SMA crossover (long only via CNC, qty 1, no charges or slippage, exits none, next open) makes exactly the trades of a plain re-computation', () => {
    const s = generatedSeries('GEN', '2025-03-03', 5);
    const r = runBacktest(smaConfig(['GEN'], 5, 20), dataOf(s));
    const plain = plainSmaCrossover(s.candles, 5, 20);
    expect(plain.length).toBeGreaterThan(30);
    expect(asPlain(r)).toEqual(plain);
    // every fill is a next bar's open, and no order was refused except the CNC shorts the strategy asks for
    expect(r.refusals.every((x) => x.rule === 'holdings' || /Markets are closed/.test(x.message))).toBe(true);
    expect(r.metrics.trades).toBe(plain.length);
    expect(r.metrics.netPnlPaise).toBe(plain.reduce((a, t) => a + t.exitPaise - t.entryPaise, 0));
  });

  it('a symbol without a master entry trades with the declared lot and tick size (default ₹0.05 and lot 1, with a warning)', () => {
    const s = generatedSeries('GEN', '2025-03-03', 1, 4);
    const plain = runBacktest(smaConfig(['GEN'], 5, 20), dataOf(s));
    expect(plain.warnings.some((w) => /GEN: not in an instrument master.*tick ₹0.05 and lot 1/.test(w))).toBe(true);
    expect(plain.symbols[0]).toMatchObject({ symbol: 'GEN', tickSizePaise: 5, lotSize: 1 });
    const lot = (qty: number) => {
      const cfg = smaConfig(['GEN'], 5, 20);
      cfg.backtest.instruments = { GEN: { lotSize: 25, tickSize: 0.05 } };
      cfg.profile.trading.sizing.default = { ...cfg.profile.trading.sizing.default, mode: 'fixed_qty', qty } as typeof cfg.profile.trading.sizing.default;
      return runBacktest(cfg, dataOf(s));
    };
    const odd = lot(1);
    expect(odd.fills).toEqual([]);
    // sizing rounds to whole lots: 1 unit of a 25-lot is 0 lots, never an order
    expect(odd.counts.signals).toBeGreaterThan(0);
    expect(odd.counts.orders).toBe(0);
    const whole = lot(25);
    expect(whole.warnings.some((w) => /not in an instrument master/.test(w))).toBe(false);
    expect(whole.symbols[0]).toMatchObject({ lotSize: 25 });
    expect(whole.fills.map((f) => [f.tsEvent, f.pricePaise])).toEqual(plain.fills.map((f) => [f.tsEvent, f.pricePaise]));
    expect(whole.fills.every((f) => f.qty === 25)).toBe(true);
  });

  it('worker-ready: config, data and result are plain (structured-clonable) values; progress is reported and a signal cancels', () => {
    const s = generatedSeries('GEN', '2025-03-03', 2, 6);
    const cfg = smaConfig(['GEN'], 5, 20);
    const data = dataOf(s);
    expect(structuredClone(cfg)).toEqual(cfg);
    expect(structuredClone(data)).toEqual(data);
    const seen: [number, number][] = [];
    const r = runBacktest(cfg, data, { onProgress: (d, t) => seen.push([d, t]) });
    expect(structuredClone(r)).toEqual(r);
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.at(-1)).toEqual([750 * 60_000, 750 * 60_000]);
    expect(seen.every(([d, t], i) => d <= t && (i === 0 || d >= seen[i - 1]![0]))).toBe(true);
    const ac = new AbortController();
    expect(() => runBacktest(cfg, data, { signal: ac.signal, onProgress: (d, t) => d > t / 2 && ac.abort(new Error('stop here')) })).toThrow('stop here');
  });

  it('intraday rules as live: MIS positions are squared off 5 minutes before the 15:20 MIS cut-off, never carried overnight', () => {
    const s = generatedSeries('GEN', '2025-03-03', 4, 8);
    const cfg = smaConfig(['GEN'], 10, 60);
    cfg.profile.trading.product = 'MIS';
    const r = runBacktest(cfg, dataOf(s));
    const day = (ms: number) => new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10);
    const minute = (ms: number) => new Date(ms + IST_OFFSET_MS).toISOString().slice(11, 16);
    expect(r.trades.length).toBeGreaterThan(5);
    expect(r.trades.some((t) => t.side === 'short')).toBe(true); // MIS may go short
    for (const t of r.trades) {
      expect(day(t.exitTime)).toBe(day(t.entryTime));
      // opened before the cut-off: closed by it at the latest; opened after it: closed at the next print
      if (minute(t.entryTime) < '15:15') expect(minute(t.exitTime) <= '15:15').toBe(true);
      else expect(t.exitTime - t.entryTime).toBeLessThanOrEqual(15_000);
    }
    expect(r.trades.filter((t) => minute(t.exitTime) === '15:15').length).toBeGreaterThan(0);
    expect(r.openPositions).toEqual([]);
  });

  it('this_close fills at the signal bar’s close instead', () => {
    const s = generatedSeries('GEN', '2025-03-03', 2, 11);
    const r = runBacktest(smaConfig(['GEN'], 5, 20, 'this_close'), dataOf(s));
    const closeAt = new Map(s.candles.map((c) => [c.end, c.closePaise]));
    expect(r.fills.length).toBeGreaterThan(10);
    for (const f of r.fills) expect(f.pricePaise).toBe(closeAt.get(f.tsEvent));
  });

  it('several symbols at once: each trades as it would alone, and the same inputs give the same result', () => {
    const a = generatedSeries('AAA', '2025-03-03', 3, 1);
    const b = generatedSeries('BBB', '2025-03-03', 3, 2, 50_000);
    const cfg = smaConfig(['AAA', 'BBB'], 5, 20);
    const both = runBacktest(cfg, dataOf(a, b));
    expect(both.trades.filter((t) => t.symbol === 'AAA').map((t) => [t.entryTime, t.entryPricePaise, t.exitTime, t.exitPricePaise])).toEqual(
      plainSmaCrossover(a.candles, 5, 20).map((t) => [t.entryTime, t.entryPaise, t.exitTime, t.exitPaise]),
    );
    expect(both.trades.filter((t) => t.symbol === 'BBB').length).toBe(plainSmaCrossover(b.candles, 5, 20).length);
    expect(JSON.stringify(runBacktest(cfg, dataOf(a, b)))).toBe(JSON.stringify(both));
  });

  it('backtest = paper: the kernel in paper mode on the same replayed day (its own noisy tick replay, stepped unevenly) gives identical fills', () => {
    const s = generatedSeries('GEN', '2025-03-04', 1, 5);
    const dir = mkdtempSync(join(tmpdir(), 'kitedesk-bt-'));
    writeFileSync(join(dir, 'GEN.csv'), kiteCsv(s));
    const cfg = smaConfig(['GEN'], 5, 20);
    const bt = runBacktest(cfg, loadBacktestData([{ path: dir }]));
    expect(bt.fills.length).toBeGreaterThan(10);

    // the paper kernel: a run profile on the replay feed (default noise, a tick a second), the backtest's trading section
    const profile = runProfileSchema.parse({
      mode: 'paper',
      feed: { kind: 'replay', dir, backfillMinutes: 0, seed: 3 },
      strategies: cfg.profile.strategies,
      trading: bt.settings.trading,
      watchlist: [],
    });
    const store = new MemoryTradingStore();
    const engine = new Engine({ profile, watchlist: { get: () => [], set: () => {} }, autoStart: false, trading: store, dailyHistory: () => new Map() });
    expect(engine.modes.mode).toBe('paper');
    const feed = engine.feed as ReplayFeed;
    for (let i = 0; !feed.replay.done; i++) feed.advance([7_000, 13_000, 61_000, 1_000][i % 4]!);
    engine.stop();
    const key = (f: Pick<BacktestFill, 'symbol' | 'side' | 'qty' | 'pricePaise' | 'tsEvent' | 'product' | 'strategy'>) => `${f.symbol} ${f.side} ${f.qty} ${f.pricePaise} ${f.tsEvent} ${f.product} ${f.strategy}`;
    expect(store.fills().map(key)).toEqual(bt.fills.map(key));
    expect(store.fills()[0]!.clientId.startsWith('P')).toBe(true);
    expect(bt.fills[0]!.orderId).toBeTruthy();
  });
});

describe('the bar path (the replay client delivering whole bars) is the same trading path', () => {
  /** The kernel on a replay of `series`, bar mode or 4 ticks a bar (noise 0), stepped by `stepMs`. */
  function kernelFills(series: CandleSeries[], profile: RunProfile, bars: boolean, mode: 'paper' | 'backtest', stepMs = 60_000) {
    const feed = new ReplayFeed({ series, speed: 1, seed: 1, backfillMinutes: 0, noise: 0, tickIntervalMs: 7 * 86_400_000, baseSeeds: [], bars });
    expect(typeof feed.onBar === 'function').toBe(bars);
    const store = new MemoryTradingStore();
    const engine = new Engine({
      profile,
      watchlist: { get: () => [], set: () => {} },
      feed,
      clock: { now: () => feed.now() },
      autoStart: false,
      trading: store,
      dailyHistory: () => new Map(),
      ...(mode === 'backtest' ? { tradingMode: 'backtest' as const } : {}),
    });
    while (!feed.replay.done) feed.advance(stepMs);
    engine.stop();
    return { fills: store.fills(), orders: store.orders().map((o) => `${o.order.symbol} ${o.order.side} ${o.order.qty} ${o.order.status} ${o.order.source} ${o.order.tsInit}`) };
  }
  const key = (f: Pick<BacktestFill, 'symbol' | 'side' | 'qty' | 'pricePaise' | 'tsEvent' | 'product' | 'strategy'>) => `${f.symbol} ${f.side} ${f.qty} ${f.pricePaise} ${f.tsEvent} ${f.product} ${f.strategy}`;

  it('backtest = paper on the bar-mode replay: the kernel in paper mode on the same bars (stepped unevenly) gives the backtest’s fills', () => {
    const a = generatedSeries('AAA', '2025-03-04', 2, 31);
    const b = generatedSeries('BBB', '2025-03-04', 2, 32, 60_000);
    const cfg = smaConfig(['AAA', 'BBB'], 5, 20);
    cfg.profile.trading.product = 'MIS';
    const bt = runBacktest(cfg, dataOf(a, b));
    expect(bt.fills.length).toBeGreaterThan(20);
    const profile = runProfileSchema.parse({ mode: 'paper', strategies: cfg.profile.strategies, trading: bt.settings.trading, watchlist: [] });
    const paper = kernelFills([a, b], profile, true, 'paper', 37_000);
    expect(paper.fills.map(key)).toEqual(bt.fills.map(key));
    expect(paper.fills[0]!.clientId.startsWith('P')).toBe(true);
  });

  it('with stops, targets and trailing exits, MIS and charges: whole bars and 4 ticks a bar give identical orders and fills', () => {
    const a = generatedSeries('AAA', '2025-03-04', 3, 33);
    const b = generatedSeries('BBB', '2025-03-04', 3, 34, 30_000);
    const cfg = smaConfig(['AAA', 'BBB'], 5, 20);
    const profile = runProfileSchema.parse({
      mode: 'paper',
      strategies: cfg.profile.strategies,
      trading: { ...cfg.profile.trading, product: 'MIS', charges: true, paper: { slippage: { ticks: 1 }, marketFill: 'next_tick', staleAfterMs: 120_000 }, risk: { ...cfg.profile.trading.risk, staleAfterMs: 120_000 }, exits: { default: { atrMultipleStop: 1, atrMultipleTarget: 2, trailingBps: 30 } } },
      watchlist: [],
    });
    const viaBars = kernelFills([a, b], profile, true, 'backtest');
    const viaTicks = kernelFills([a, b], profile, false, 'backtest');
    expect(viaBars.fills.length).toBeGreaterThan(40);
    expect(viaBars.orders.filter((o) => / exit /.test(o)).length).toBeGreaterThan(5);
    expect(viaBars.orders).toEqual(viaTicks.orders);
    // the same fills; within one print time, the 4-tick path interleaves the symbols' prints where the bar path
    // gives one symbol's bar after the other's, so fills of the same instant may come in another symbol order
    const sorted = (fs: typeof viaBars.fills) => fs.map((f) => `${f.tsEvent} ${key(f)} ${f.chargesPaise}`).sort();
    expect(sorted(viaBars.fills)).toEqual(sorted(viaTicks.fills));
  });

  it('an order placed when a bar closes fills at the next bar’s open (+ slippage), at that bar’s start', () => {
    const s = generatedSeries('GEN', '2025-03-03', 2, 35);
    const cfg = smaConfig(['GEN'], 5, 20);
    cfg.profile.trading.paper.slippage = { ticks: 2 };
    const r = runBacktest(cfg, dataOf(s));
    const byStart = new Map(s.candles.map((c) => [c.start, c]));
    expect(r.fills.length).toBeGreaterThan(10);
    for (const f of r.fills) {
      const bar = byStart.get(f.tsEvent)!;
      expect(bar).toBeDefined();
      expect(f.pricePaise).toBe(bar.openPaise + (f.side === 'BUY' ? 10 : -10));
    }
  });
});

/** The vendor files: `symbol,date,time,…`, time = the bar's END; only rows of the regular session are bars. */
function plainVendorBars(text: string): Candle[] {
  const out: Candle[] = [];
  for (const line of text.trim().split('\n').slice(1)) {
    const [, date, time, o, h, l, c] = line.split(',');
    const [hh, mm] = time!.split(':').map(Number) as [number, number];
    const minute = hh * 60 + mm;
    if (minute < 9 * 60 + 16 || minute > 15 * 60 + 30) continue;
    const end = Date.UTC(+date!.slice(0, 4), +date!.slice(4, 6) - 1, +date!.slice(6, 8), hh, mm) - IST_OFFSET_MS;
    const p = (x: string) => Math.round(Number(x) * 20) * 5;
    out.push({ start: end - 60_000, end, openPaise: p(o!), highPaise: p(h!), lowPaise: p(l!), closePaise: p(c!), volume: 0, line: 0 });
  }
  return out;
}

const NIFTY_DIR = resolve(import.meta.dirname, '../../../shared/data/nse/intraday_1min/nifty_banknifty_index_2022-02_2023-01');
const MONTHS = ['2022-11', '2022-12', '2023-01'].map((m) => join(NIFTY_DIR, `NIFTY_1min_${m}.csv`));

describe.skipIf(!sharedFiles(import.meta.url, 'shared-data', ...MONTHS))('runBacktest on the real 1-minute NIFTY data', () => {
  it('SMA 10/30 crossover on NIFTY Nov 2022 – Jan 2023 (bars carry their end time, declared) makes exactly the plain re-computation’s trades', () => {
    const data = loadBacktestData(MONTHS.map((path) => ({ path })), { barTime: 'end' });
    expect(data.series.map((s) => s.symbol)).toEqual(['NIFTY']);
    expect(data.warnings.some((w) => /outside the NSE session dropped/.test(w))).toBe(true);
    const bars = MONTHS.flatMap((f) => plainVendorBars(readFileSync(f, 'utf8')));
    expect(data.series[0]!.candles.length).toBe(bars.length);
    const r = runBacktest(smaConfig(['NIFTY'], 10, 30), data);
    const plain = plainSmaCrossover(bars, 10, 30);
    expect(plain.length).toBeGreaterThan(300);
    expect(asPlain(r)).toEqual(plain);
    expect(data.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
  });
});

const TICKS = resolve(import.meta.dirname, '../../../shared/data/nse/ticks/nfo_index_futures_2022-11-01_and_18/NIFTY-I_20221118.csv');

describe.skipIf(!sharedFiles(import.meta.url, 'shared-data', TICKS))('runBacktest on real tick data', () => {
  it('NIFTY futures ticks of 2022-11-18: each second’s trades a 1-second bar, 1-minute strategy bars exact, next-tick fills at a traded price', () => {
    const data = loadBacktestData([{ path: TICKS }]);
    expect(data.series.map((s) => s.symbol)).toEqual(['NIFTY-I']);
    const rows = readFileSync(TICKS, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const traded = new Set(rows.map((r) => Math.round(Number(r[2]) * 20) * 5));
    const r = runBacktest(smaConfig(['NIFTY-I'], 5, 20), data);
    expect(r.fills.length).toBeGreaterThan(10);
    for (const f of r.fills) expect(traded.has(f.pricePaise)).toBe(true);
    // the plain re-computation over the minute bars of the ticks (each fill at the next traded price after the bar)
    const minutes = new Map<number, { o: number; c: number; t: number }>();
    for (const c of data.series[0]!.candles) {
      const m = Math.floor(c.start / 60_000) * 60_000;
      const b = minutes.get(m);
      if (b) b.c = c.closePaise;
      else minutes.set(m, { o: c.openPaise, c: c.closePaise, t: c.start });
    }
    const bars = [...minutes].map(([m, b]) => ({ start: m, end: m + 60_000, openPaise: b.o, highPaise: b.o, lowPaise: b.o, closePaise: b.c, volume: 0, line: 0 }));
    // the next print after a minute bar closes is that next minute's first trade: the plain rule's "next open"
    expect(asPlain(r)).toEqual(plainSmaCrossover(bars, 5, 20).map((t) => ({ ...t, entryTime: minutes.get(t.entryTime)!.t, exitTime: minutes.get(t.exitTime)!.t })));
  });
});
