import { Rng } from '../../core/random.js';
import { NIFTY50_SEEDS, type SimInstrumentSeed } from '../../model/instruments.js';

/**
 * The built-in simulator's instruments for a count: the NIFTY 50 seeds first, then generated ones
 * (`SIM00051`, `SIM00052`, …) with prices from ₹20 to ₹5,000 and daily volumes from 50 thousand to
 * 5 million, the same for a count on every run (a fixed seed). For load: `feed.instruments: 9000`
 * streams as many instruments as a full Kite ticker subscription set.
 */
export function simulatorSeeds(count: number | undefined): readonly SimInstrumentSeed[] {
  if (count === undefined) return NIFTY50_SEEDS;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`simulator instrument count must be a whole number ≥ 1, got ${count}`);
  if (count <= NIFTY50_SEEDS.length) return NIFTY50_SEEDS.slice(0, count);
  const rng = new Rng(9000);
  const out: SimInstrumentSeed[] = [...NIFTY50_SEEDS];
  for (let i = NIFTY50_SEEDS.length + 1; i <= count; i++) {
    const rupees = 20 * Math.pow(250, rng.uniform()); // log-uniform ₹20 … ₹5,000
    const symbol = `SIM${String(i).padStart(5, '0')}`;
    out.push({ symbol, name: `Simulated ${i}`, basePaise: Math.max(5, Math.round((rupees * 100) / 5) * 5), avgDailyVolume: Math.round(50_000 * Math.pow(100, rng.uniform())) });
  }
  return out;
}
