import { describe, expect, it } from 'vitest';
import { instrumentSchema, symbolSchema } from '../contract/schemas.js';
import { NIFTY50_SEEDS, toInstrument } from './instruments.js';

describe('NIFTY50_SEEDS', () => {
  it('has exactly 50 unique, valid NSE symbols', () => {
    expect(NIFTY50_SEEDS).toHaveLength(50);
    const symbols = NIFTY50_SEEDS.map((s) => s.symbol);
    expect(new Set(symbols).size).toBe(50);
    for (const s of symbols) expect(symbolSchema.safeParse(s).success, s).toBe(true);
  });

  it('follows the Sep-2025 composition: the newer entrants are in, the dropped names are out', () => {
    const symbols = new Set(NIFTY50_SEEDS.map((s) => s.symbol));
    for (const s of ['ADANIENT', 'BEL', 'ETERNAL', 'JIOFIN', 'SBILIFE', 'SHRIRAMFIN', 'TRENT', 'M&M', 'BAJAJ-AUTO']) {
      expect(symbols.has(s), s).toBe(true);
    }
    for (const s of ['BPCL', 'BRITANNIA', 'DIVISLAB', 'SHREECEM', 'UPL']) expect(symbols.has(s), s).toBe(false);
  });

  it('prices are positive multiples of 5 paise and volumes positive integers', () => {
    for (const s of NIFTY50_SEEDS) {
      expect(Number.isSafeInteger(s.basePaise) && s.basePaise > 0 && s.basePaise % 5 === 0, s.symbol).toBe(true);
      expect(Number.isSafeInteger(s.avgDailyVolume) && s.avgDailyVolume > 0, s.symbol).toBe(true);
    }
  });

  it('toInstrument produces a schema-valid NSE instrument with tick 5 and lot 1', () => {
    for (const s of NIFTY50_SEEDS) {
      const i = toInstrument(s);
      expect(instrumentSchema.parse(i)).toEqual({ symbol: s.symbol, name: s.name, exchange: 'NSE', tickSizePaise: 5, lotSize: 1 });
    }
  });
});
