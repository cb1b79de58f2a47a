import { describe, expect, it } from 'vitest';
import type { Timeframe } from '../contract/schemas.js';
import { istTime } from '../core/nse-calendar.js';
import type { Bar } from '../indicators/indicator.js';
import type { FeedMode } from '../market/data-client.js';
import { InstrumentMaster, parseInstrumentsCsv } from '../model/instrument-master.js';
import { FnoKiteBinder, fnoDumpInstruments } from './fno-kite.js';
import { fnoProfileSchema } from './fno-plan.js';
import { MemorySignalJournal, MemoryStrategyStore, StrategyService, type StrategyRecord } from './strategies.js';

const HEADER = 'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange';
/** A hand-made dump: lot 75 and a 0.10 option tick (not the built-in specs' 65 and 0.05); the 24500 PE left out. */
function dump(): InstrumentMaster {
  const rows = [HEADER, '256265,1001,NIFTY 50,NIFTY 50,0.0,,0.0,0.0,0,EQ,INDICES,NSE', '9001,1,NIFTY26DECFUT,NIFTY,0.0,2026-12-29,0.0,0.1,75,FUT,NFO-FUT,NFO'];
  let token = 9100;
  for (let k = 24_300; k <= 24_700; k += 50) {
    for (const r of ['CE', 'PE']) {
      if (k === 24_500 && r === 'PE') continue;
      rows.push(`${token},${token >> 8},NIFTY26D08${k}${r},NIFTY,0.0,2026-12-08,${k}.0,0.1,75,${r},NFO-OPT,NFO`);
      token++;
    }
  }
  const p = parseInstrumentsCsv(rows.join('\n'), 'dump.csv');
  expect(p.badRows).toEqual([]);
  return new InstrumentMaster(p.instruments);
}

const PROFILE = fnoProfileSchema.parse({
  underlyings: ['NIFTY'],
  futures: { contract: 'current', rolloverDays: 1 },
  options: { strike: 'ATM', right: 'both', reResolveStrikes: 2 },
  strategies: [
    { id: 'fut', type: 'fno_intraday_trend', leg: 'future', on: 'contract', params: { fast: 2, slow: 5 } },
    { id: 'atm', type: 'fno_intraday_trend', leg: 'option', on: 'underlying' },
  ],
});
const NOW = istTime('2026-12-07', '10:00');

// an instance kept from yesterday's run, on yesterday's contract
const KEPT: StrategyRecord[] = [{ id: 'fut', type: 'fno_intraday_trend', params: { fast: 3 }, symbols: ['NIFTY26NOVFUT'], enabled: true }];

function setup(profile = PROFILE, kept = KEPT) {
  const store = new MemoryStrategyStore();
  store.replaceAll(kept);
  store.markSeeded();
  const logs: string[] = [];
  const strategies = new StrategyService({ seed: [], store, signals: new MemorySignalJournal(), log: () => {}, now: () => NOW });
  const tracked = new Set(['NIFTY 50']);
  const trackCalls: string[] = [];
  const candleCalls: string[] = [];
  const prices = new Map<string, number>();
  const env = { master: undefined as InstrumentMaster | undefined, busy: false, changed: 0 };
  const held = new Set<string>();
  const b = new FnoKiteBinder({
    profile,
    master: () => env.master,
    now: () => NOW,
    busy: () => env.busy,
    priceOf: (s) => prices.get(s),
    isTracked: (s) => tracked.has(s),
    track: (s) => {
      trackCalls.push(s);
      // the engine's addInstrument: a symbol the day's dump lacks is the feed's error
      if (env.master !== undefined && env.master.get('NFO', s) === undefined && s !== 'NIFTY 50') throw new Error(`unknown symbol: ${s}`);
      tracked.add(s);
      return Promise.resolve();
    },
    strategies,
    candles: (s: string, tf: Timeframe): Bar[] => {
      candleCalls.push(`${s}|${tf}`);
      return [];
    },
    holds: (id, s) => held.has(`${id}|${s}`),
    ready: () => true,
    changed: () => env.changed++,
    log: (level, msg) => logs.push(`${level}: ${msg}`),
  });
  return { b, strategies, env, prices, trackCalls, candleCalls, logs, held };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('the fno: profile on the Kite feed (FnoKiteBinder)', () => {
  it('fnoDumpInstruments: the contracts with the dump’s lot, tick, expiry and strike', () => {
    const list = fnoDumpInstruments(dump(), ['NIFTY']);
    expect(list.find((i) => i.symbol === 'NIFTY26DECFUT')).toEqual({ symbol: 'NIFTY26DECFUT', name: 'NIFTY', exchange: 'NFO', tickSizePaise: 10, lotSize: 75, kind: 'FUT', underlying: 'NIFTY', expiry: '2026-12-29' });
    expect(list.find((i) => i.symbol === 'NIFTY26D0824550CE')).toMatchObject({ kind: 'CE', lotSize: 75, tickSizePaise: 10, strikePaise: 2_455_000, expiry: '2026-12-08' });
    expect(list.some((i) => i.symbol === 'NIFTY 50')).toBe(false);
  });

  it('holds back, waits for the dump, the live feed and a price; resolves; starts the instances only once the contracts are in', async () => {
    const { b, strategies, env, prices, trackCalls, candleCalls, logs } = setup();
    b.holdBack();
    expect(strategies.list().instances.map((i) => [i.id, i.running])).toEqual([['fut', false]]);
    b.tryResolve();
    expect(b.status()).toMatchObject({ state: 'waiting', message: 'waiting for Kite’s instrument dump' });

    env.master = dump();
    env.busy = true;
    b.tryResolve();
    expect(b.plan).toBeUndefined();
    env.busy = false;
    b.tryResolve();
    expect(b.status()).toMatchObject({ state: 'waiting', message: 'waiting for the underlyings’ prices' });
    // the underlyings are demanded while waiting
    const want: [string, FeedMode][] = [];
    b.demand((s, m) => want.push([s, m]));
    expect(want).toEqual([['NIFTY 50', 'full']]);

    // the first index price resolves the plan
    prices.set('NIFTY 50', 2_451_000);
    b.onPrice('NIFTY 50', 2_451_000, NOW);
    const r = b.plan!.resolution('NIFTY')!;
    expect(r).toMatchObject({ future: 'NIFTY26DECFUT', option: { expiry: '2026-12-08', atmPaise: 2_450_000, ce: 'NIFTY26D0824500CE', missing: ['NIFTY 2026-12-08 24500 PE'] } });
    expect(r.option!.pe).toBeUndefined();
    expect(trackCalls.sort()).toEqual(['NIFTY26D0824500CE', 'NIFTY26DECFUT']);
    expect(env.changed).toBe(1);
    expect(logs).toContain("warn: fno: NIFTY 2026-12-08 24500 PE is not in Kite's instrument dump: that leg is not traded");
    // not started until the contracts' backfill has settled
    expect(strategies.list().instances.map((i) => [i.id, i.running])).toEqual([['fut', false]]);
    await settle();
    expect(strategies.list().instances.map((i) => [i.id, i.symbols, i.running, i.params['fast']])).toEqual([
      ['fut', ['NIFTY26DECFUT'], true, 3], // today's contract; the person's params kept
      ['atm', ['NIFTY 50'], true, 9],
    ]);
    expect(b.status()).toMatchObject({ state: 'resolved', started: ['fut', 'atm'], warnings: ["fno: NIFTY 2026-12-08 24500 PE is not in Kite's instrument dump: that leg is not traded"], pendingMoves: [] });
    expect(candleCalls).toContain('NIFTY 50|5m');
    expect(candleCalls).toContain('NIFTY26DECFUT|5m');
    want.length = 0;
    b.demand((s, m) => want.push([s, m]));
    expect(want).toEqual([['NIFTY 50', 'full'], ['NIFTY26DECFUT', 'full'], ['NIFTY26D0824500CE', 'full']]);

    // the same dump again: not resolved twice
    b.tryResolve();
    expect(env.changed).toBe(1);
    // one strike away: below reResolveStrikes 2, nothing; two strikes: re-resolved, the new contracts followed
    b.onPrice('NIFTY 50', 2_456_000, NOW + 1000);
    expect(b.plan!.resolution('NIFTY')!.option!.ce).toBe('NIFTY26D0824500CE');
    b.onPrice('NIFTY 50', 2_460_500, NOW + 2000);
    expect(b.plan!.resolution('NIFTY')!.option).toMatchObject({ ce: 'NIFTY26D0824600CE', pe: 'NIFTY26D0824600PE' });
    expect(trackCalls.slice(2).sort()).toEqual(['NIFTY26D0824600CE', 'NIFTY26D0824600PE']);
    expect(env.changed).toBe(2);
    want.length = 0;
    b.demand((s, m) => want.push([s, m]));
    expect(want.map(([s]) => s)).not.toContain('NIFTY26D0824500CE');
  });

  it('on: contract option instances move to the re-resolved contracts once those are in and the instance is flat in the old', async () => {
    const profile = fnoProfileSchema.parse({
      underlyings: ['NIFTY'],
      options: { strike: 'ATM', right: 'CE', reResolveStrikes: 1 },
      strategies: [{ id: 'own', type: 'fno_intraday_trend', leg: 'option', on: 'contract', params: { fast: 2, slow: 5 } }],
    });
    const { b, strategies, env, prices, candleCalls, held } = setup(profile);
    env.master = dump();
    prices.set('NIFTY 50', 2_451_000);
    b.tryResolve();
    await settle();
    strategies.setParams('own', { fast: 4, slow: 5 });
    expect(strategies.get('own').symbols).toEqual(['NIFTY26D0824500CE']);
    // it holds the call: it keeps it after the ATM moves
    held.add('own|NIFTY26D0824500CE');
    b.onPrice('NIFTY 50', 2_456_000, NOW + 1000);
    await settle();
    expect(strategies.get('own').symbols).toEqual(['NIFTY26D0824500CE']);
    expect(b.status().pendingMoves).toEqual([{ id: 'own', from: ['NIFTY26D0824500CE'], to: ['NIFTY26D0824550CE'], holding: ['NIFTY26D0824500CE'] }]);
    // flat: the next check (each second) moves it, warmed on the new contract's candles, params kept
    held.clear();
    b.tryResolve();
    const own = strategies.get('own');
    expect([own.symbols, own.params['fast'], own.running]).toEqual([['NIFTY26D0824550CE'], 4, true]);
    expect(candleCalls).toContain('NIFTY26D0824550CE|5m');
    expect(b.status().pendingMoves).toEqual([]);
    // flat at the next move: it moves as soon as the new contract is in
    b.onPrice('NIFTY 50', 2_461_000, NOW + 2000);
    expect(strategies.get('own').symbols).toEqual(['NIFTY26D0824550CE']); // backfill not settled yet
    await settle();
    expect(strategies.get('own').symbols).toEqual(['NIFTY26D0824600CE']);

    // the next day's dump while running (the index back at 24,510): held, it keeps its call until flat
    held.add('own|NIFTY26D0824600CE');
    env.master = dump();
    b.tryResolve();
    await settle();
    expect(b.plan!.resolution('NIFTY')!.option!.ce).toBe('NIFTY26D0824500CE');
    expect(strategies.get('own').symbols).toEqual(['NIFTY26D0824600CE']);
    expect(b.status()).toMatchObject({ started: ['own'], pendingMoves: [{ id: 'own', from: ['NIFTY26D0824600CE'], to: ['NIFTY26D0824500CE'], holding: ['NIFTY26D0824600CE'] }] });
    held.clear();
    b.tryResolve();
    expect(strategies.get('own').symbols).toEqual(['NIFTY26D0824500CE']);
  });

  it('after a restart: an on: contract instance holding its old contract (ledger and orders restored from the journal) keeps it until flat there', async () => {
    const profile = fnoProfileSchema.parse({
      underlyings: ['NIFTY'],
      options: { strike: 'ATM', right: 'CE', reResolveStrikes: 1 },
      strategies: [{ id: 'own', type: 'fno_intraday_trend', leg: 'option', on: 'contract', params: { fast: 2, slow: 5 } }],
    });
    // the earlier run left `own` on the 24400 call (its ATM then), with a position in it
    const old = 'NIFTY26D0824400CE';
    const { b, strategies, env, prices, trackCalls, held, logs } = setup(profile, [{ id: 'own', type: 'fno_intraday_trend', params: { fast: 4, slow: 5 }, symbols: [old], enabled: true }]);
    held.add(`own|${old}`);
    b.holdBack();
    expect(strategies.get('own').running).toBe(false);
    env.master = dump();
    prices.set('NIFTY 50', 2_451_000); // today's ATM: 24500
    b.tryResolve();
    expect(b.plan!.resolution('NIFTY')!.option!.ce).toBe('NIFTY26D0824500CE');
    // the held contract is followed too (subscribed, backfilled) before the instance starts
    expect(trackCalls.sort()).toEqual([old, 'NIFTY26D0824500CE']);
    expect(strategies.get('own').running).toBe(false);
    await settle();
    const own = strategies.get('own');
    expect([own.symbols, own.running, own.params['fast']]).toEqual([[old], true, 4]);
    expect(b.status()).toMatchObject({ state: 'resolved', started: ['own'], pendingMoves: [{ id: 'own', from: [old], to: ['NIFTY26D0824500CE'], holding: [old] }] });
    expect(logs).toContain('info: F&O instance restarted on the contract it holds (kept until flat there)');
    // checked each second: still held, still there
    b.tryResolve();
    expect(strategies.get('own').symbols).toEqual([old]);
    // flat (its exit or strategy closed it): moves to today's contract, the person's params kept
    held.clear();
    b.tryResolve();
    const moved = strategies.get('own');
    expect([moved.symbols, moved.running, moved.params['fast']]).toEqual([['NIFTY26D0824500CE'], true, 4]);
    expect(b.status().pendingMoves).toEqual([]);
  });

  it('after a restart: a held contract today’s dump lacks (expired) is a warning; the instance starts on today’s contracts', async () => {
    const profile = fnoProfileSchema.parse({
      underlyings: ['NIFTY'],
      options: { strike: 'ATM', right: 'CE', reResolveStrikes: 1 },
      strategies: [{ id: 'own', type: 'fno_intraday_trend', leg: 'option', on: 'contract' }],
    });
    const gone = 'NIFTY26D0124400CE';
    const { b, strategies, env, prices, held, logs } = setup(profile, [{ id: 'own', type: 'fno_intraday_trend', params: {}, symbols: [gone], enabled: true }]);
    held.add(`own|${gone}`);
    b.holdBack();
    env.master = dump();
    prices.set('NIFTY 50', 2_451_000);
    b.tryResolve();
    await settle();
    expect(strategies.get('own').symbols).toEqual(['NIFTY26D0824500CE']);
    expect(logs).toContain(`warn: fno: strategy instance own holds ${gone}, which cannot be followed on Kite: unknown symbol: ${gone}`);
    expect(logs).toContain(`warn: fno: strategy instance own holds ${gone}, not followed on Kite today: started on today's contracts (its exits and the expiry settlement manage that position)`);
  });

  it('contracts in while the feed is busy (a reload): the instances start with the next try once it is not', async () => {
    const { b, strategies, env, prices } = setup();
    env.master = dump();
    prices.set('NIFTY 50', 2_451_000);
    b.tryResolve();
    env.busy = true;
    await settle();
    expect(strategies.list().instances.map((i) => [i.id, i.running])).toEqual([['fut', true]]); // yesterday's record, not held back here
    expect(b.status().started).toEqual([]);
    b.tryResolve(); // still busy
    expect(b.status().started).toEqual([]);
    env.busy = false;
    b.tryResolve();
    expect(b.status().started).toEqual(['fut', 'atm']);
    expect(strategies.list().instances.find((i) => i.id === 'fut')!.symbols).toEqual(['NIFTY26DECFUT']);
  });

  it('a plan the dump cannot satisfy is a warning naming what is missing, retried with the next dump', () => {
    const { b, env, prices, logs } = setup();
    const rows = dump().instruments.filter((i) => i.instrumentType !== 'FUT');
    env.master = new InstrumentMaster(rows);
    prices.set('NIFTY 50', 2_451_000);
    b.tryResolve();
    b.tryResolve();
    expect(b.plan).toBeUndefined();
    expect(b.status().message).toMatch(/^fno: no current future of NIFTY listed on 2026-12-07 \(0 live: none\) \(Kite instrument dump\)$/);
    expect(logs.filter((l) => l.startsWith('warn: fno: no current future'))).toHaveLength(1);
    env.master = dump();
    b.tryResolve();
    expect(b.plan?.resolution('NIFTY')?.future).toBe('NIFTY26DECFUT');
  });
});
