import { describe, expect, it } from 'vitest';
import { MarketSimulator } from '../adapters/sim/market-simulator.js';
import type { DepthSnapshot } from '../model/depth.js';
import { NIFTY50_SEEDS } from '../model/instruments.js';
import { MarketData } from './market-data.js';

const T0 = Date.parse('2026-11-20T09:15:00+05:30');

describe('MarketData depth from the simulator', () => {
  it('stores every simulator snapshot, tells onDepth listeners of its symbol only, and stays in step with the quote', () => {
    const sim = new MarketSimulator({ seeds: NIFTY50_SEEDS, seed: 4, startTime: T0 });
    const md = new MarketData(sim.instruments);
    sim.onTick((t) => md.onTick(t));
    sim.onDepth((d) => md.setDepth(d));
    const seen: Readonly<DepthSnapshot>[] = [];
    const off = md.onDepth('INFY', (d) => seen.push(d));
    expect(md.depth('INFY')).toBeUndefined();
    sim.advance(30_000);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.every((d) => d.symbol === 'INFY')).toBe(true);
    const d = md.depth('INFY')!;
    expect(d).toBe(seen[seen.length - 1]);
    expect(Object.isFrozen(d)).toBe(true);
    const q = md.quote('INFY')!;
    expect(d.tsEvent).toBeLessThanOrEqual(q.tsEvent);
    // the simulator's current book is never older than the stored snapshot
    expect(sim.depth('INFY')!.tsEvent).toBeGreaterThanOrEqual(d.tsEvent);
    for (const inst of sim.instruments) expect(md.depth(inst.symbol)).toBeDefined();

    off();
    const n = seen.length;
    sim.advance(10_000);
    expect(seen.length).toBe(n);
    expect(() => md.onDepth('NOPE', () => {})).toThrow(RangeError);
  });
});
