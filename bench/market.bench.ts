import { MarketSimulator } from '../src-engine/adapters/sim/market-simulator.js';
import type { SimFnoOptions } from '../src-engine/adapters/sim/fno-market.js';
import { SimulatorFeed } from '../src-engine/adapters/sim/simulator-feed.js';
import { Rng } from '../src-engine/core/random.js';
import { MultiTimeframeCandles } from '../src-engine/market/multi-timeframe.js';
import { NIFTY50_SEEDS } from '../src-engine/model/instruments.js';
import type { Tick } from '../src-engine/model/tick.js';
import { compare } from './harness.js';

/** The hand-written hot paths of the market slice, each against the cheapest thing that could stand in for it. */
export async function marketBench(): Promise<void> {
  // A pre-generated tick stream: one symbol, 4 ticks per second inside 09:15–15:30 IST (about 2.2
  // sessions; at the close it jumps to the next day's open and the cumulative volume restarts).
  const ticks: Tick[] = [];
  const rng = new Rng(7);
  let price = 130_000;
  let vol = 0;
  let ts = Date.parse('2026-11-18T09:15:00+05:30');
  let close = Date.parse('2026-11-18T15:30:00+05:30');
  for (let i = 0; i < 200_000; i++) {
    price = Math.max(5, price + Math.round(rng.normal() * 2) * 5);
    const q = 1 + Math.floor(rng.uniform() * 50);
    vol += q;
    ts += 250;
    if (ts >= close) {
      ts += 86_400_000 - 375 * 60_000;
      close += 86_400_000;
      vol = q;
    }
    ticks.push({ symbol: 'RELIANCE', lastPaise: price, lastQty: q, volume: vol, tsEvent: ts });
  }

  // The feed clock runs every other tick (every 500 ms of feed time), as the engine's simulator steps drive it.
  const mtf = (): MultiTimeframeCandles => new MultiTimeframeCandles(['RELIANCE'], { capacity: 2000 });
  let candles = mtf();
  let cursor = 0;
  await compare(
    'candles of all 8 timeframes from ticks (one symbol, rings of 2000, feed clock every 500 ms)',
    {
      name: 'MultiTimeframeCandles.onTick + onClock',
      unit: 'ticks',
      run: (n) => {
        for (let i = 0; i < n; i++) {
          if (cursor === ticks.length) {
            cursor = 0;
            candles = mtf();
          }
          const t = ticks[cursor++]!;
          candles.onTick(t);
          if ((cursor & 1) === 0) candles.onClock(t.tsEvent);
        }
      },
    },
    {
      name: 'bare OHLC fold into one object (no buckets, no checks)',
      unit: 'ticks',
      run: (n) => {
        const o = { h: 0, l: Number.MAX_SAFE_INTEGER, c: 0, v: 0 };
        for (let i = 0; i < n; i++) {
          const t = ticks[i % ticks.length]!;
          if (t.lastPaise > o.h) o.h = t.lastPaise;
          if (t.lastPaise < o.l) o.l = t.lastPaise;
          o.c = t.lastPaise;
          o.v += t.lastQty;
        }
        if (o.v < 0) console.log(o);
      },
    },
    200_000,
  );

  // With a listener on the forming 1m bar (what a chart subscription adds) and on bar closes.
  let withListeners = mtf();
  let seen = 0;
  const listen = (m: MultiTimeframeCandles): MultiTimeframeCandles => {
    m.onCandle('RELIANCE', '1m', () => seen++);
    m.onBarClosed(() => seen++);
    return m;
  };
  listen(withListeners);
  let cursor2 = 0;
  await compare(
    'all 8 timeframes, with a 1m candle listener and a bar-closed listener',
    {
      name: 'MultiTimeframeCandles.onTick + listeners',
      unit: 'ticks',
      run: (n) => {
        for (let i = 0; i < n; i++) {
          if (cursor2 === ticks.length) {
            cursor2 = 0;
            withListeners = listen(mtf());
          }
          const t = ticks[cursor2++]!;
          withListeners.onTick(t);
          if ((cursor2 & 1) === 0) withListeners.onClock(t.tsEvent);
        }
        if (seen < 0) console.log(seen);
      },
    },
    {
      name: 'object spread of one candle per tick (the event copy alone)',
      unit: 'ticks',
      run: (n) => {
        let s = 0;
        const base = { symbol: 'RELIANCE', tf: '1m', t: 0, o: 1, h: 1, l: 1, c: 1, v: 1 };
        for (let i = 0; i < n; i++) {
          const c = { ...base, c: ticks[i % ticks.length]!.lastPaise };
          s += c.c;
        }
        if (s < 0) console.log(s);
      },
    },
    200_000,
  );

  const sim = new MarketSimulator({ seeds: NIFTY50_SEEDS, seed: 1, startTime: Date.parse('2026-11-20T09:15:00+05:30') });
  let produced = 0;
  sim.onTick(() => produced++);
  const base = new Rng(1);
  await compare(
    'market simulator: 50 instruments, default 150 ticks per simulated second',
    {
      name: 'MarketSimulator.advance (per tick emitted)',
      unit: 'ticks',
      run: (n) => {
        const target = produced + n;
        while (produced < target) sim.advance(10_000);
      },
    },
    {
      name: 'Rng.normal() twice per tick (price step + quantity draw)',
      unit: 'ticks',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += base.normal() + base.normal();
        if (Number.isNaN(s)) console.log(s);
      },
    },
    300_000,
  );

  // The same with a depth listener: every tick rebuilds its instrument's 5-level book, and a snapshot
  // object is built at most every 250 ms of feed time per instrument (what the engine wires).
  const simDepth = new MarketSimulator({ seeds: NIFTY50_SEEDS, seed: 1, startTime: Date.parse('2026-11-20T09:15:00+05:30') });
  let producedD = 0;
  let books = 0;
  simDepth.onTick(() => producedD++);
  simDepth.onDepth(() => books++);
  await compare(
    'market simulator with depth: 50 instruments, 150 ticks/s, books rebuilt per tick, snapshots ≤ 4/s per instrument',
    {
      name: 'MarketSimulator.advance + onDepth (per tick emitted)',
      unit: 'ticks',
      run: (n) => {
        const target = producedD + n;
        while (producedD < target) simDepth.advance(10_000);
      },
    },
    {
      name: 'MarketSimulator.advance, ticks only (per tick emitted)',
      unit: 'ticks',
      run: (n) => {
        const target = produced + n;
        while (produced < target) sim.advance(10_000);
      },
    },
    300_000,
  );
  if (books < 0) console.log(books);

  // The built-in feed with the indices, futures and options of issue 14 (adapters/sim/fno-market.ts) against
  // the same feed of the 50 stocks alone, per simulated second of session (depth listeners on, as the engine).
  const feed = (fno: SimFnoOptions | false) => {
    const f = new SimulatorFeed({ seeds: NIFTY50_SEEDS, seed: 1, speed: 1, ticksPerSecond: 150, backfillMinutes: 0, startTime: Date.parse('2026-11-20T09:15:00+05:30'), fno });
    f.onTick(() => undefined);
    f.onDepth(() => undefined);
    f.prepare();
    return f;
  };
  const withFno = feed({});
  const without = feed(false);
  await compare(
    'built-in feed with index F&O (3 indices, 6 futures, ~560 options) vs the 50 stocks alone',
    { name: 'SimulatorFeed + F&O, advance', unit: 'sim-seconds', run: (n) => withFno.simulator.advance(n * 1000) },
    { name: 'SimulatorFeed equities only, advance', unit: 'sim-seconds', run: (n) => without.simulator.advance(n * 1000) },
    1_000,
  );
}
