import { describe, expect, it } from 'vitest';
import { InstrumentMaster, parseInstrumentsCsv } from '../model/instrument-master.js';
import { NIFTY50_SEEDS } from '../model/instruments.js';
import { type UniverseConfig, UniverseError, buildUniverse, parseUniverseConfig, universePool } from './universe.js';
import { NIFTY100_SYMBOLS, NIFTY50_SEED_DIFF, NIFTY50_SYMBOLS } from './universe-seeds.js';

const sorted = (a: readonly string[]) => [...a].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));

describe('seed lists', () => {
  it('NIFTY 50 has 50 and NIFTY 100 has 100 unique symbols, sorted, and NIFTY 50 ⊂ NIFTY 100', () => {
    expect(NIFTY50_SYMBOLS).toHaveLength(50);
    expect(NIFTY100_SYMBOLS).toHaveLength(100);
    expect(new Set(NIFTY50_SYMBOLS).size).toBe(50);
    expect(new Set(NIFTY100_SYMBOLS).size).toBe(100);
    expect(NIFTY50_SYMBOLS).toEqual(sorted(NIFTY50_SYMBOLS));
    expect(NIFTY100_SYMBOLS).toEqual(sorted(NIFTY100_SYMBOLS));
    expect(NIFTY50_SYMBOLS.filter((s) => !NIFTY100_SYMBOLS.includes(s))).toEqual([]);
  });

  it('differs from the simulator NIFTY50_SEEDS exactly by the documented rebalance and rename', () => {
    const seeds = NIFTY50_SEEDS.map((s) => s.symbol);
    expect(sorted(NIFTY50_SYMBOLS.filter((s) => !seeds.includes(s)))).toEqual([...NIFTY50_SEED_DIFF.added]);
    expect(sorted(seeds.filter((s) => !NIFTY50_SYMBOLS.includes(s)))).toEqual([...NIFTY50_SEED_DIFF.removed]);
  });
});

const prices = (entries: Record<string, number>) => new Map(Object.entries(entries));
const cfg = (c: Partial<UniverseConfig>): UniverseConfig => ({ seed: 'custom', minPricePaise: 0, softCap: 100, ...c });

describe('universe config', () => {
  it('rejects bad configs with every problem named', () => {
    expect(() => parseUniverseConfig({ seed: 'custom', minPricePaise: 0, softCap: 5 })).toThrow(/symbols: seed 'custom' needs a non-empty symbols list/);
    expect(() => parseUniverseConfig({ seed: 'NIFTY50', symbols: ['INFY'], minPricePaise: 0, softCap: 5 })).toThrow(/only for seed 'custom'/);
    expect(() => parseUniverseConfig({ seed: 'NIFTY50', minPricePaise: 1.5, softCap: 0 })).toThrow(/minPricePaise.*softCap|softCap.*minPricePaise/);
    expect(() => parseUniverseConfig({ seed: 'NIFTY500', minPricePaise: 0, softCap: 5 })).toThrow(UniverseError);
    expect(() => parseUniverseConfig({ seed: 'NIFTY50', minPricePaise: 0, softCap: 5, include: ['ITC'], exclude: ['ITC'] })).toThrow(/both included and excluded: ITC/);
    expect(() => parseUniverseConfig({ seed: 'NIFTY50', minPricePaise: 0, softCap: 5, include: ['itc'] })).toThrow(/include/);
    expect(() => parseUniverseConfig({ seed: 'NIFTY50', minPricePaise: 0, softCap: 5, extra: 1 })).toThrow(UniverseError);
    expect(() => parseUniverseConfig(cfg({ symbols: ['A', 'B', 'A'] }))).toThrow(/duplicate symbol\(s\) A/);
  });

  it('pool = seed ∪ include − exclude, in order', () => {
    expect(universePool(cfg({ symbols: ['C', 'A', 'B'], include: ['D', 'A'], exclude: ['B'] }))).toEqual(['C', 'A', 'D']);
    expect(universePool({ seed: 'NIFTY100', minPricePaise: 0, softCap: 1 })).toEqual(NIFTY100_SYMBOLS);
  });
});

describe('buildUniverse', () => {
  const px = prices({ AAA: 10_000, BBB: 5_000, CCC: 900, DDD: 20_000, EEE: 0, FFF: 30_000 });

  it('applies the min-price filter (prices in paise) and reports why each symbol was dropped', () => {
    const u = buildUniverse(cfg({ symbols: ['AAA', 'BBB', 'CCC', 'DDD'], minPricePaise: 1_000 }), px);
    expect(u.symbols).toEqual(['AAA', 'BBB', 'DDD']);
    expect(u.candidates).toEqual(['AAA', 'BBB', 'DDD']);
    expect(u.dropped).toEqual([{ symbol: 'CCC', reason: 'below-min-price', pricePaise: 900 }]);
    // exactly at the minimum is kept
    expect(buildUniverse(cfg({ symbols: ['CCC'], minPricePaise: 900 }), px).symbols).toEqual(['CCC']);
  });

  it('soft cap keeps the first in list order, or in the given rank order; include always stays', () => {
    const c = cfg({ symbols: ['AAA', 'BBB', 'DDD', 'FFF'], softCap: 2 });
    expect(buildUniverse(c, px).symbols).toEqual(['AAA', 'BBB']);
    const ranked = buildUniverse(c, px, { rank: ['FFF', 'XXX', 'BBB'] });
    expect(ranked.symbols).toEqual(['FFF', 'BBB']);
    expect(ranked.dropped).toEqual([
      { symbol: 'AAA', reason: 'over-cap', pricePaise: 10_000 },
      { symbol: 'DDD', reason: 'over-cap', pricePaise: 20_000 },
    ]);
    // unranked symbols follow the ranked ones, in list order
    expect(buildUniverse({ ...c, softCap: 3 }, px, { rank: ['DDD'] }).symbols).toEqual(['DDD', 'AAA', 'BBB']);
    // include beyond the cap and below the min price: kept, first
    const forced = buildUniverse({ ...c, softCap: 2, minPricePaise: 1_000, include: ['CCC', 'EEE', 'DDD'] }, px, { rank: ['FFF'] });
    expect(forced.forced).toEqual(['CCC', 'EEE', 'DDD']);
    expect(forced.symbols).toEqual(['CCC', 'EEE', 'DDD']);
    expect(forced.dropped.map((d) => `${d.symbol}:${d.reason}`)).toEqual(['AAA:over-cap', 'BBB:over-cap', 'FFF:over-cap']);
  });

  it('exclude removes a symbol whatever the seed, rank or cap', () => {
    const u = buildUniverse(cfg({ symbols: ['AAA', 'BBB', 'DDD'], exclude: ['BBB', 'FFF'] }), px, { rank: ['BBB'] });
    expect(u.symbols).toEqual(['AAA', 'DDD']);
    expect(u.dropped).toEqual([{ symbol: 'BBB', reason: 'excluded', pricePaise: 5_000 }]);
  });

  it('unknown user-named symbols are an error listing all of them; unknown seed-list symbols are dropped', () => {
    let err: unknown;
    try {
      buildUniverse(cfg({ symbols: ['AAA', 'NOPE'], include: ['ZZZ'], exclude: ['QQQ'] }), px);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UniverseError);
    expect((err as UniverseError).unknown).toEqual(['NOPE', 'ZZZ', 'QQQ']);
    expect((err as Error).message).toBe('unknown symbol(s) NOPE, ZZZ, QQQ: not in the price map');

    // NIFTY 50 against the simulator's seeds: the three post-rebalance names are unknown there.
    const sim = new Map(NIFTY50_SEEDS.map((s) => [s.symbol, s.basePaise]));
    const u = buildUniverse({ seed: 'NIFTY50', minPricePaise: 0, softCap: 50, exclude: ['MAXHEALTH'] }, sim);
    expect(u.symbols).toHaveLength(47);
    expect(u.dropped.map((d) => `${d.symbol}:${d.reason}`)).toEqual(['INDIGO:unknown', 'MAXHEALTH:excluded', 'TMPV:unknown']);
    // but naming one of them yourself is an error
    expect(() => buildUniverse({ seed: 'NIFTY50', minPricePaise: 0, softCap: 50, include: ['TMPV'] }, sim)).toThrow(/unknown symbol\(s\) TMPV/);
  });

  it('a minimum price over a source without prices fails loudly instead of emptying the universe', () => {
    const csv = [
      'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange',
      '738561,2885,RELIANCE,RELIANCE INDUSTRIES,0.0,,0.0,0.1,1,EQ,NSE,NSE',
      '408065,1594,INFY,INFOSYS,0.0,,0.0,0.1,1,EQ,NSE,NSE',
      '256265,0,NIFTY 50,NIFTY 50,0.0,,0.0,0.0,0,EQ,INDICES,NSE',
    ].join('\n');
    const master = new InstrumentMaster(parseInstrumentsCsv(csv).instruments);
    const c = cfg({ symbols: ['RELIANCE', 'INFY'], minPricePaise: 10_000 });
    expect(() => buildUniverse(c, master)).toThrow(/no symbol has a price.*pass a map of previous closes/);
    // without a price filter the master is a fine source (it validates the symbols)
    expect(buildUniverse({ ...c, minPricePaise: 0 }, master).symbols).toEqual(['RELIANCE', 'INFY']);
    expect(() => buildUniverse(cfg({ symbols: ['RELIANCE', 'TCS'] }), master)).toThrow(/unknown symbol\(s\) TCS: not in the instrument master/);
    // some priced, some not: the unpriced are dropped as no-price
    expect(buildUniverse(cfg({ symbols: ['AAA', 'EEE'], minPricePaise: 1 }), px).dropped).toEqual([{ symbol: 'EEE', reason: 'no-price' }]);
  });

  it('rejects a price that is not integer paise', () => {
    expect(() => buildUniverse(cfg({ symbols: ['AAA'] }), prices({ AAA: 12.5 }))).toThrow(/price of AAA is 12.5/);
  });
});
