import { describe, expect, it } from 'vitest';
import type { Instrument, Timeframe } from '../contract/schemas.js';
import { istTime } from '../core/nse-calendar.js';
import { fnoSymbol } from '../fno/expiries.js';
import type { Bar } from '../indicators/indicator.js';
import { FnoContractFollower } from './fno-follow.js';
import { FnoPlan, fnoProfileSchema } from './fno-plan.js';
import { MemorySignalJournal, MemoryStrategyStore, StrategyService } from './strategies.js';

const EXPIRY = '2026-12-08';
function list(): Instrument[] {
  const out: Instrument[] = [{ symbol: 'NIFTY 50', name: 'NIFTY 50', exchange: 'NSE', tickSizePaise: 5, lotSize: 1, kind: 'INDEX', tradable: false }];
  for (let k = 25_800_00; k <= 26_200_00; k += 50_00) {
    for (const right of ['CE', 'PE'] as const) out.push({ symbol: fnoSymbol('NIFTY', EXPIRY, right, k, false), name: 'NIFTY', exchange: 'NFO', tickSizePaise: 5, lotSize: 65, kind: right, underlying: 'NIFTY', expiry: EXPIRY, strikePaise: k });
  }
  return out;
}
const PROFILE = fnoProfileSchema.parse({
  underlyings: ['NIFTY'],
  options: { strike: 'ATM', right: 'both', reResolveStrikes: 1 },
  strategies: [
    { id: 'own', type: 'fno_intraday_trend', leg: 'option', on: 'contract', params: { fast: 2, slow: 5 } },
    { id: 'routed', type: 'fno_intraday_trend', leg: 'option', on: 'underlying' },
  ],
});
const NOW = istTime('2026-12-07', '11:00');
const CE0 = 'NIFTY26D0826000CE';
const PE0 = 'NIFTY26D0826000PE';
const CE1 = 'NIFTY26D0826100CE';
const PE1 = 'NIFTY26D0826100PE';

function setup() {
  const instruments = list();
  let now = NOW;
  const plan = new FnoPlan(PROFILE, instruments, () => 26_010_00, now);
  const strategies = new StrategyService({ seed: plan.instances(), store: new MemoryStrategyStore(), signals: new MemorySignalJournal(), log: () => {}, now: () => now, knownSymbol: (s) => instruments.some((i) => i.symbol === s) });
  const held = new Set<string>();
  const notIn = new Set<string>();
  const candleCalls: string[] = [];
  const logs: string[] = [];
  // 5-minute candles of every contract, the last one still forming at `now`
  const candles = (s: string, tf: Timeframe): Bar[] => {
    candleCalls.push(`${s}|${tf}`);
    return Array.from({ length: 13 }, (_, i) => ({ t: NOW - (12 - i) * 300_000, o: 100_00, h: 101_00, l: 99_00, c: 100_00 + i * 10, v: 100 }));
  };
  const f = new FnoContractFollower({
    strategies,
    now: () => now,
    candles,
    holds: (id, s) => held.has(`${id}|${s}`),
    ready: (s) => !notIn.has(s),
    log: (level, msg) => logs.push(`${level}: ${msg}`),
  });
  const symbolsOf = (id: string) => strategies.get(id).symbols;
  return { plan, strategies, f, held, notIn, candleCalls, logs, symbolsOf, tick: (ms: number) => (now += ms) };
}

describe('on: contract F&O instances follow re-resolution (FnoContractFollower)', () => {
  it('moves the instance to the re-resolved contracts, warmed on their closed candles, the person’s params and on/off kept; on: underlying untouched', () => {
    const { plan, strategies, f, candleCalls, logs, symbolsOf } = setup();
    expect(symbolsOf('own')).toEqual([CE0, PE0]);
    strategies.setParams('own', { fast: 3, slow: 6 });
    f.reResolved();
    expect(f.sync(plan)).toEqual([]); // nothing re-resolved yet: already on the plan's contracts
    expect(f.pending()).toEqual([]);

    expect(plan.onPrice('NIFTY 50', 26_090_00, NOW + 1000)).toEqual(['NIFTY']);
    f.reResolved();
    expect(f.sync(plan)).toEqual(['own']);
    const own = strategies.get('own');
    expect([own.symbols, own.params['fast'], own.params['slow'], own.enabled, own.running]).toEqual([[CE1, PE1], 3, 6, true, true]);
    expect(symbolsOf('routed')).toEqual(['NIFTY 50']);
    // warmed on the new contracts' candles
    expect(candleCalls).toEqual(expect.arrayContaining([`${CE1}|5m`, `${PE1}|5m`]));
    expect(f.closedBars(CE1, '5m')).toHaveLength(12); // the forming candle is left out
    expect(logs).toContain('info: F&O instance moved to the re-resolved contracts');
    // a later sync with nothing new does nothing
    expect(f.sync(plan)).toEqual([]);

    // an instance the person switched off moves too, and stays off
    strategies.setEnabled('own', false);
    plan.onPrice('NIFTY 50', 26_190_00, NOW + 2000);
    f.reResolved();
    expect(f.sync(plan)).toEqual(['own']);
    expect([strategies.get('own').symbols, strategies.get('own').enabled]).toEqual([['NIFTY26D0826200CE', 'NIFTY26D0826200PE'], false]);
  });

  it('the held-position rule: while the instance holds a position or order in an old contract it keeps it, and moves once flat', () => {
    const { plan, f, held, logs, symbolsOf } = setup();
    held.add(`own|${CE0}`);
    held.add(`routed|${PE0}`); // another instance's position does not hold this one back
    plan.onPrice('NIFTY 50', 26_090_00, NOW + 1000);
    f.reResolved();
    expect(f.sync(plan)).toEqual([]);
    expect(symbolsOf('own')).toEqual([CE0, PE0]);
    expect(f.pending()).toEqual([{ id: 'own', from: [CE0, PE0], to: [CE1, PE1], holding: [CE0] }]);
    expect(logs.filter((l) => l === 'info: F&O instance keeps its contract until flat there')).toHaveLength(1);
    // checked again (each feed second): still held → still waiting, not logged again
    expect(f.sync(plan)).toEqual([]);
    expect(logs.filter((l) => l === 'info: F&O instance keeps its contract until flat there')).toHaveLength(1);
    // flat: moves to the contracts resolved now
    held.delete(`own|${CE0}`);
    expect(f.sync(plan)).toEqual(['own']);
    expect(symbolsOf('own')).toEqual([CE1, PE1]);
    expect(f.pending()).toEqual([]);
  });

  it('waits for the new contracts to be in; a removed instance is not brought back', () => {
    const { plan, strategies, f, notIn, symbolsOf } = setup();
    notIn.add(CE1);
    plan.onPrice('NIFTY 50', 26_090_00, NOW + 1000);
    f.reResolved();
    expect(f.sync(plan)).toEqual([]);
    expect(f.pending()).toEqual([{ id: 'own', from: [CE0, PE0], to: [CE1, PE1], holding: [] }]);
    notIn.clear();
    expect(f.sync(plan)).toEqual(['own']);
    expect(symbolsOf('own')).toEqual([CE1, PE1]);

    strategies.remove('own');
    plan.onPrice('NIFTY 50', 26_190_00, NOW + 2000);
    f.reResolved();
    expect(f.sync(plan)).toEqual([]);
    expect(strategies.list().instances.map((i) => i.id)).toEqual(['routed']);
  });
});
