import { MarketSimulator } from '../src-engine/adapters/sim/market-simulator.js';
import { Rng } from '../src-engine/core/random.js';
import { CandleSeries } from '../src-engine/market/candle-series.js';
import { NIFTY50_SEEDS } from '../src-engine/model/instruments.js';
import type { Tick } from '../src-engine/model/tick.js';
import { compare } from './harness.js';

/** The hand-written hot paths of the market slice, each against the cheapest thing that could stand in for it. */
export async function marketBench(): Promise<void> {
  // A pre-generated tick stream: one symbol, ~4 ticks per second over a session.
  const ticks: Tick[] = [];
  const rng = new Rng(7);
  let price = 130_000;
  let vol = 0;
  let ts = Date.parse('2026-11-20T09:15:00+05:30');
  for (let i = 0; i < 200_000; i++) {
    price = Math.max(5, price + Math.round(rng.normal() * 2) * 5);
    const q = 1 + Math.floor(rng.uniform() * 50);
    vol += q;
    ts += 250;
    ticks.push({ symbol: 'RELIANCE', lastPaise: price, lastQty: q, volume: vol, tsEvent: ts });
  }

  let series = new CandleSeries('RELIANCE', 2000);
  let cursor = 0;
  await compare(
    '1-minute candles from ticks (one symbol, ring buffer of 2000)',
    {
      name: 'CandleSeries.onTick',
      unit: 'ticks',
      run: (n) => {
        for (let i = 0; i < n; i++) {
          if (cursor === ticks.length) {
            cursor = 0;
            series = new CandleSeries('RELIANCE', 2000);
          }
          series.onTick(ticks[cursor++]!);
        }
      },
    },
    {
      name: 'bare OHLC fold into one object (no minutes, no checks)',
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
}
