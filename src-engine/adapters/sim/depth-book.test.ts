import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEPTH_LEVELS, depthProblem, type DepthSnapshot } from '../../model/depth.js';
import { NIFTY50_SEEDS } from '../../model/instruments.js';
import type { Tick } from '../../model/tick.js';
import { DepthBooks } from './depth-book.js';
import { MarketSimulator } from './market-simulator.js';

const T0 = Date.parse('2026-11-20T09:15:00+05:30');

function invariants(d: DepthSnapshot, tick: number): void {
  expect(depthProblem(d)).toBeNull();
  expect(d.sell).toHaveLength(DEPTH_LEVELS);
  expect(d.buy.length).toBeLessThanOrEqual(DEPTH_LEVELS);
  for (let k = 1; k < d.buy.length; k++) expect(d.buy[k]!.pricePaise).toBeLessThan(d.buy[k - 1]!.pricePaise);
  for (let k = 1; k < d.sell.length; k++) expect(d.sell[k]!.pricePaise).toBeGreaterThan(d.sell[k - 1]!.pricePaise);
  if (d.buy[0]) expect(d.buy[0].pricePaise).toBeLessThan(d.sell[0]!.pricePaise);
  for (const l of [...d.buy, ...d.sell]) {
    expect(Number.isSafeInteger(l.pricePaise)).toBe(true);
    expect(l.pricePaise).toBeGreaterThan(0);
    expect(l.pricePaise % tick).toBe(0);
    expect(Number.isSafeInteger(l.quantity) && l.quantity > 0).toBe(true);
    expect(Number.isSafeInteger(l.orders) && l.orders >= 1 && l.orders <= l.quantity).toBe(true);
  }
}

describe('DepthBooks (simulator order books)', () => {
  it('every book: bids strictly falling, asks strictly rising, best bid < best ask, on the tick grid, positive sizes; the last price within the touch', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom(1, 5, 10),
        fc.integer({ min: 1, max: 50_000_000 }),
        fc.array(fc.integer({ min: 1, max: 2_000_000 }), { minLength: 1, maxLength: 40 }),
        (seed, tick, adv, lastsInTicks) => {
          const books = new DepthBooks({ instruments: [{ symbol: 'X', tickSizePaise: tick, avgDailyVolume: adv }], seed, intervalMs: 0 });
          lastsInTicks.forEach((n, k) => {
            const last = n * tick;
            const d = books.onTick(0, last, T0 + k)!;
            invariants(d, tick);
            expect(d.sell[0]!.pricePaise).toBeGreaterThanOrEqual(last);
            if (d.buy[0]) expect(d.buy[0].pricePaise).toBeLessThanOrEqual(last);
            expect(d.sell[0]!.pricePaise - (d.buy[0]?.pricePaise ?? 0)).toBeLessThanOrEqual(d.buy[0] ? 2 * tick : Infinity);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a price near zero leaves out the bids that would be ≤ 0 (never a non-positive price)', () => {
    const books = new DepthBooks({ instruments: [{ symbol: 'X', tickSizePaise: 5, avgDailyVolume: 1000 }], seed: 3, intervalMs: 0 });
    for (let k = 0; k < 200; k++) {
      const d = books.onTick(0, 5 * (1 + (k % 3)), T0 + k)!;
      invariants(d, 5);
      expect(d.buy.length).toBeLessThan(DEPTH_LEVELS);
    }
  });

  it('is deterministic: same seed and ticks → same books; another seed → other books', () => {
    const run = (seed: number) => {
      const b = new DepthBooks({ instruments: [{ symbol: 'X', tickSizePaise: 5, avgDailyVolume: 1e6 }], seed, intervalMs: 0 });
      return Array.from({ length: 50 }, (_, k) => b.onTick(0, 100_000 + 5 * (k % 7), T0 + k));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('level sizes scale with the daily volume', () => {
    const mean = (adv: number) => {
      const b = new DepthBooks({ instruments: [{ symbol: 'X', tickSizePaise: 5, avgDailyVolume: adv }], seed: 1, intervalMs: 0 });
      let sum = 0;
      let n = 0;
      for (let k = 0; k < 500; k++) {
        for (const l of b.onTick(0, 100_000, T0 + k)!.sell) {
          sum += l.quantity;
          n++;
        }
      }
      return sum / n;
    };
    const small = mean(100_000);
    const big = mean(10_000_000);
    expect(big / small).toBeGreaterThan(50);
    expect(big).toBeGreaterThan(500);
    expect(big).toBeLessThan(3000);
  });

  it('rebuilds on every tick but hands out a snapshot at most every intervalMs of feed time per instrument', () => {
    const b = new DepthBooks({
      instruments: [
        { symbol: 'A', tickSizePaise: 5, avgDailyVolume: 1e6 },
        { symbol: 'B', tickSizePaise: 5, avgDailyVolume: 1e6 },
      ],
      seed: 1,
    });
    expect(b.intervalMs).toBe(250);
    expect(b.snapshot('A')).toBeNull();
    expect(b.onTick(0, 1000, T0)).not.toBeNull();
    expect(b.onTick(1, 1000, T0 + 10)).not.toBeNull(); // per instrument
    expect(b.onTick(0, 1005, T0 + 100)).toBeNull();
    expect(b.snapshot('A')!.tsEvent).toBe(T0 + 100); // the book itself moved
    expect(b.onTick(0, 1005, T0 + 249)).toBeNull();
    expect(b.onTick(0, 1010, T0 + 250)!.tsEvent).toBe(T0 + 250);
    expect(b.snapshot('NOPE')).toBeNull();
  });
});

describe('MarketSimulator depth', () => {
  const sim = (depth: boolean) => {
    const s = new MarketSimulator({ seeds: NIFTY50_SEEDS, seed: 9, startTime: T0 });
    const ticks: Tick[] = [];
    const depths: DepthSnapshot[] = [];
    /** The symbol's last price when each snapshot arrived (tick listeners run first). */
    const lastAtDepth: number[] = [];
    const last = new Map<string, number>();
    s.onTick((t) => {
      ticks.push(t);
      last.set(t.symbol, t.lastPaise);
    });
    if (depth) {
      s.onDepth((d) => {
        depths.push(d);
        lastAtDepth.push(last.get(d.symbol)!);
      });
    }
    s.advance(20_000);
    return { s, ticks, depths, lastAtDepth };
  };

  it('pushes valid books around the last price, ≥ 250 ms of feed time apart per instrument, without changing the tick stream', () => {
    const a = sim(true);
    const b = sim(false);
    expect(a.ticks).toEqual(b.ticks);
    expect(a.depths.length).toBeGreaterThan(500);
    const lastBySymbol = new Map<string, number>();
    for (const [k, d] of a.depths.entries()) {
      invariants(d, 5);
      // the snapshot follows its tick: the symbol's last price is within the touch
      const last = a.lastAtDepth[k]!;
      expect(d.sell[0]!.pricePaise).toBeGreaterThanOrEqual(last);
      expect(d.buy[0]!.pricePaise).toBeLessThanOrEqual(last);
      const prev = lastBySymbol.get(d.symbol);
      if (prev !== undefined) expect(d.tsEvent - prev).toBeGreaterThanOrEqual(250);
      lastBySymbol.set(d.symbol, d.tsEvent);
    }
    expect(lastBySymbol.size).toBe(NIFTY50_SEEDS.length);
    expect(a.s.depth('RELIANCE')).not.toBeNull();
    expect(b.s.depth('RELIANCE')).toBeNull(); // no listener: no books built
  });

  it('is deterministic for a seed', () => {
    expect(sim(true).depths).toEqual(sim(true).depths);
  });
});
