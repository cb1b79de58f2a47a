import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { istTime, nseCalendar } from '../core/nse-calendar.js';
import { readCandleCsv } from '../indicators/candle-csv.js';
import type { Bar } from '../indicators/indicator.js';
import { UniverseError } from '../market/universe.js';
import { InstrumentMaster, INSTRUMENT_COLUMNS, parseInstrumentsCsv } from '../model/instrument-master.js';
import { candlesNeeded, planPreMarket } from './pre-market.js';
import { MemoryUniverseJournal, closesFromScan, journalEntries, normalisedRanks, scanUniverse } from './scanner.js';
import { sharedFiles } from '../../test/support/external-inputs.js';

/** Daily bars on the trading days before `asOf`, oldest first, from a price path. */
function dailyBars(asOf: string, n: number, path: (i: number) => { c: number; range: number; v: number }): Bar[] {
  const days: string[] = [];
  for (let d = nseCalendar.previousTradingDay(asOf); days.length < n; d = nseCalendar.previousTradingDay(d)) days.unshift(d);
  return days.map((day, i) => {
    const { c, range, v } = path(i);
    return { t: istTime(day, '00:00'), o: c, h: c + range / 2, l: c - range / 2, c, v };
  });
}

const ASOF = '2025-06-02';
const INSTRUMENTS_HEADER = INSTRUMENT_COLUMNS.join(',');
// A flat, quiet, middling stock; the others differ from it in one respect each (prices in paise).
const flat = (i: number) => ({ c: 100_000 + (i % 2) * 200, range: 1_000, v: 100_000 });
const base = () =>
  new Map<string, Bar[]>([
    ['QUIET', dailyBars(ASOF, 120, flat)],
    ['WILD', dailyBars(ASOF, 120, (i) => ({ ...flat(i), range: 6_000 }))],
    ['LIQUID', dailyBars(ASOF, 120, (i) => ({ ...flat(i), v: 5_000_000 }))],
    ['TREND', dailyBars(ASOF, 120, (i) => ({ c: 60_000 + 400 * i, range: 1_000, v: 100_000 }))],
  ]);
const SYMS = ['QUIET', 'WILD', 'LIQUID', 'TREND'];

describe('scanUniverse on synthetic candles', () => {
  const scan = scanUniverse(SYMS, base(), { asOf: ASOF, topN: 2 });
  const by = (s: string) => scan.entries.find((e) => e.symbol === s)!;

  it('the volatile one has the top ATR%, the liquid one the top value, the trending one the top ADX', () => {
    expect(by('WILD').ranks.volatility).toBe(1);
    expect(by('WILD').atrPct).toBeGreaterThan(3 * by('QUIET').atrPct);
    expect(by('LIQUID').ranks.liquidity).toBe(1);
    expect(by('LIQUID').avgValuePaise).toBe(Math.round(5_000_000 * 100_100)); // mean of v × c over 20 alternating bars
    expect(by('TREND').ranks.trend).toBe(1);
    expect(by('TREND').trend).toBeGreaterThan(90);
    expect(by('TREND').direction).toBe(1);
    expect(by('QUIET').trend).toBeLessThan(by('TREND').trend);
  });

  it('sorted by score, ranks 1..n, universe = top N, the quiet one last', () => {
    expect(scan.entries.map((e) => e.rank)).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < scan.entries.length; i++) expect(scan.entries[i - 1]!.score).toBeGreaterThanOrEqual(scan.entries[i]!.score);
    expect(scan.entries.at(-1)!.symbol).toBe('QUIET');
    expect(scan.universe).toEqual(scan.entries.slice(0, 2).map((e) => e.symbol));
    expect(scan.skipped).toEqual([]);
    expect(by('QUIET').lastClosePaise).toBe(100_200);
    expect(by('QUIET').lastBarDay).toBe('2025-05-30');
  });

  it('weights select the factor: liquidity alone puts LIQUID first, volatility alone WILD, trend alone TREND', () => {
    const top = (w: object) => scanUniverse(SYMS, base(), { asOf: ASOF, weights: { volatility: 0, liquidity: 0, trend: 0, ...w } }).entries[0]!.symbol;
    expect(top({ liquidity: 1 })).toBe('LIQUID');
    expect(top({ volatility: 1 })).toBe('WILD');
    expect(top({ trend: 1 })).toBe('TREND');
    expect(() => scanUniverse(SYMS, base(), { asOf: ASOF, weights: { volatility: 0, liquidity: 0, trend: 0 } })).toThrow(/at least one weight/);
    expect(() => scanUniverse(SYMS, base(), { asOf: ASOF, weights: { trend: -1 } })).toThrow(/weight trend/);
  });

  it('identical candles tie: equal scores keep the order of the symbols argument; the result is deterministic', () => {
    const m = new Map<string, Bar[]>(['B', 'A', 'C'].map((s) => [s, dailyBars(ASOF, 80, flat)]));
    expect(scanUniverse(['B', 'A', 'C'], m, { asOf: ASOF }).entries.map((e) => e.symbol)).toEqual(['B', 'A', 'C']);
    expect(scanUniverse(['C', 'B', 'A'], m, { asOf: ASOF }).entries.map((e) => e.symbol)).toEqual(['C', 'B', 'A']);
    expect(new Set(scanUniverse(['B', 'A', 'C'], m, { asOf: ASOF }).entries.map((e) => e.score))).toEqual(new Set([0.5]));
    expect(scanUniverse(SYMS, base(), { asOf: ASOF })).toEqual(scanUniverse(SYMS, base(), { asOf: ASOF }));
  });

  it('no look-ahead: bars dated asOf or later are ignored, and adding them changes nothing', () => {
    const m = base();
    const future = dailyBars('2025-07-01', 200, (i) => ({ c: 500_000 + i, range: 90_000, v: 1 })).filter((b) => b.t >= istTime(ASOF, '00:00'));
    const withFuture = new Map([...m].map(([s, bars]) => [s, [...bars, ...future]]));
    const a = scanUniverse(SYMS, m, { asOf: ASOF });
    expect(scanUniverse(SYMS, withFuture, { asOf: ASOF })).toEqual(a);
    for (const e of a.entries) expect(e.lastBarDay < ASOF).toBe(true);
  });

  it('skips symbols without data, with too little history, stale or bad, and says why', () => {
    const m = base();
    m.set('SHORT', dailyBars(ASOF, 30, flat));
    m.set('STALE', dailyBars('2025-05-01', 120, flat));
    m.set('BAD', dailyBars(ASOF, 120, (i) => ({ ...flat(i), c: i === 100 ? 0 : 100_000 })));
    const r = scanUniverse([...SYMS, 'NONE', 'SHORT', 'STALE', 'BAD'], m, { asOf: ASOF });
    expect(r.entries).toHaveLength(4);
    expect(r.skipped.map((s) => `${s.symbol}:${s.reason}`)).toEqual(['NONE:no-data', 'SHORT:insufficient-history', 'STALE:stale', 'BAD:bad-data']);
    expect(r.skipped[1]!.detail).toBe('30 bar(s) before 2025-06-02, need 50');
    expect(() => scanUniverse(['A', 'A'], m, { asOf: ASOF })).toThrow(/listed twice/);
    expect(() => scanUniverse(SYMS, m, { asOf: '2025-6-2' })).toThrow(/asOf must be YYYY-MM-DD/);
  });

  it('rupee bars give paise values', () => {
    const rupees = new Map([...base()].map(([s, bars]) => [s, bars.map((b) => ({ ...b, o: b.o / 100, h: b.h / 100, l: b.l / 100, c: b.c / 100 }))]));
    const r = scanUniverse(SYMS, rupees, { asOf: ASOF, barUnit: 'rupees' });
    const p = scanUniverse(SYMS, base(), { asOf: ASOF });
    expect(r.entries.map((e) => [e.symbol, e.lastClosePaise, e.avgValuePaise])).toEqual(p.entries.map((e) => [e.symbol, e.lastClosePaise, e.avgValuePaise]));
  });

  it('normalisedRanks: 0 for the smallest, 1 for the largest, ties averaged', () => {
    expect(normalisedRanks([30, 10, 20])).toEqual([1, 0, 0.5]);
    expect(normalisedRanks([5, 5, 1, 9, 5])).toEqual([0.5, 0.5, 0, 1, 0.5]);
    expect(normalisedRanks([1, 1 + 1e-12, 2])).toEqual([0.25, 0.25, 1]);
    expect(normalisedRanks([1, 1 + 1e-12, 2], 0)).toEqual([0, 0.5, 1]);
    expect(normalisedRanks([7])).toEqual([1]);
    expect(normalisedRanks([])).toEqual([]);
  });
});

describe('journal and pre-market plan', () => {
  it('MemoryUniverseJournal stores a frozen copy per day; recording a day again replaces it', () => {
    const scan = scanUniverse(SYMS, base(), { asOf: ASOF, topN: 1 });
    const j = new MemoryUniverseJournal();
    const rows = journalEntries(scan);
    j.recordUniverse(ASOF, rows);
    expect(j.get(ASOF)!.filter((e) => e.selected).map((e) => e.symbol)).toEqual(scan.universe);
    expect(Object.isFrozen(j.get(ASOF)![0])).toBe(true);
    j.recordUniverse(ASOF, rows.slice(0, 2));
    expect(j.get(ASOF)).toHaveLength(2);
    j.recordUniverse('2025-05-30', []);
    expect(j.dates()).toEqual(['2025-05-30', ASOF]);
    expect(() => j.recordUniverse('30-05-2025', [])).toThrow(/bad IST date/);
    expect(closesFromScan(scan).get('QUIET')).toBe(100_200);
  });

  it('planPreMarket: scan the pool, cap by scan rank, min price on the previous close, include/exclude', () => {
    const m = base();
    m.set('CHEAP', dailyBars(ASOF, 120, (i) => ({ c: 4_000 + i, range: 900, v: 9_000_000 })));
    const config = { seed: 'custom' as const, symbols: ['QUIET', 'WILD', 'LIQUID', 'TREND', 'CHEAP', 'NODATA'], minPricePaise: 5_000, softCap: 2, include: ['QUIET'], exclude: ['LIQUID'] };
    expect(candlesNeeded(config)).toEqual(['QUIET', 'WILD', 'TREND', 'CHEAP', 'NODATA']);
    const master = new InstrumentMaster(
      parseInstrumentsCsv(
        [INSTRUMENTS_HEADER, ...['QUIET', 'WILD', 'LIQUID', 'TREND', 'CHEAP', 'NODATA'].map((s, i) => `${1000 + i},${i + 1},${s},${s},0.0,,0.0,0.05,1,EQ,NSE,NSE`)].join('\n'),
      ).instruments,
    );
    const plan = planPreMarket(config, m, { asOf: ASOF }, master);
    expect(plan.scan.entries.map((e) => e.symbol).sort()).toEqual(['CHEAP', 'QUIET', 'TREND', 'WILD']);
    expect(plan.scan.skipped.map((s) => s.symbol)).toEqual(['NODATA']);
    const best = plan.scan.entries.find((e) => e.symbol !== 'QUIET' && e.symbol !== 'CHEAP')!.symbol;
    expect(plan.universe.symbols).toEqual(['QUIET', best]);
    expect(plan.universe.dropped.map((d) => `${d.symbol}:${d.reason}`)).toEqual(
      expect.arrayContaining(['LIQUID:excluded', 'CHEAP:below-min-price', 'NODATA:no-price']),
    );
    expect(plan.journal.filter((e) => e.selected).map((e) => e.symbol).sort()).toEqual([...plan.universe.symbols].sort());
    // Unknown names: the master catches them before the scan; without a master, no candles = unknown.
    expect(() => planPreMarket({ ...config, include: ['QUIET', 'GHOST'] }, m, { asOf: ASOF }, master)).toThrow(/unknown symbol\(s\) GHOST: not in the instrument master/);
    expect(() => candlesNeeded({ ...config, include: ['GHOST'] }, master)).toThrow(UniverseError);
    expect(() => planPreMarket(config, m, { asOf: ASOF })).toThrow(/unknown symbol\(s\) NODATA: not in the price map/);
    expect(planPreMarket({ ...config, symbols: config.symbols.slice(0, 5) }, m, { asOf: ASOF }).universe.symbols).toEqual(plan.universe.symbols);
  });
});

// ---------------------------------------------------------------------------------------------
// The real Kite daily candles in ../shared (never copied into the repo).
const kiteDir = resolve(import.meta.dirname, '../../../shared/data/nse/daily/kite_nifty50_stocks');
const haveKite = sharedFiles(import.meta.url, 'shared-data', kiteDir);

describe.skipIf(!haveKite)('scan of 48 NIFTY stocks on real Kite daily candles', () => {
  const files = haveKite ? readdirSync(kiteDir).filter((f) => f.endsWith('.csv')) : [];
  const candles = new Map(files.map((f) => [f.replace(/\.csv$/, ''), readCandleCsv(join(kiteDir, f)).bars]));
  const symbols = [...candles.keys()].sort();
  const asOf = '2025-06-02';

  it('ranks all 48 on candles before the day only, with sensible values', () => {
    expect(symbols).toHaveLength(48);
    const scan = scanUniverse(symbols, candles, { asOf, barUnit: 'rupees', topN: 10 });
    expect(scan.skipped).toEqual([]);
    expect(scan.entries).toHaveLength(48);
    expect(scan.universe).toHaveLength(10);
    // No look-ahead: every symbol's last bar is the trading day before asOf, and the data goes on past it.
    const prev = nseCalendar.previousTradingDay(asOf);
    expect(prev).toBe('2025-05-30');
    for (const e of scan.entries) {
      expect(e.lastBarDay).toBe(prev);
      expect(candles.get(e.symbol)!.some((b) => b.t >= istTime(asOf, '00:00'))).toBe(true);
      expect(e.barsUsed).toBe(250);
      expect(e.atrPct).toBeGreaterThan(0.5);
      expect(e.atrPct).toBeLessThan(8);
      expect(e.trend).toBeGreaterThan(0);
      expect(e.trend).toBeLessThan(100);
      expect(Number.isSafeInteger(e.avgValuePaise)).toBe(true);
    }
    // The last close is the file's 2025-05-30 close (₹1,420.90 for RELIANCE), in paise.
    const rel = candles.get('RELIANCE')!;
    const relLast = rel.filter((b) => b.t < istTime(asOf, '00:00')).at(-1)!;
    expect(scan.entries.find((e) => e.symbol === 'RELIANCE')!.lastClosePaise).toBe(Math.round(relLast.c * 100));
    expect(scan.entries.find((e) => e.symbol === 'RELIANCE')!.lastClosePaise).toBe(142_090);
    // Liquidity: the big banks and RELIANCE trade thousands of crores a day; SHREECEM far less.
    const liq = [...scan.entries].sort((a, b) => b.avgValuePaise - a.avgValuePaise).map((e) => e.symbol);
    expect(liq.slice(0, 8)).toEqual(expect.arrayContaining(['HDFCBANK']));
    expect(liq.indexOf('SHREECEM')).toBeGreaterThan(30);
    // A crore is 1e9 paise: HDFCBANK averages well over ₹1,000 crore a day.
    expect(scan.entries.find((e) => e.symbol === 'HDFCBANK')!.avgValuePaise).toBeGreaterThan(1_000 * 1e9);
  });

  it('is the same whether or not the candles after the day are present', () => {
    const cut = new Map([...candles].map(([s, bars]) => [s, bars.filter((b) => b.t < istTime(asOf, '00:00'))]));
    expect(scanUniverse(symbols, cut, { asOf, barUnit: 'rupees' })).toEqual(scanUniverse(symbols, candles, { asOf, barUnit: 'rupees' }));
  });

  it('planPreMarket over the Kite symbols: a capped, ranked universe and journal rows', () => {
    const plan = planPreMarket({ seed: 'custom', symbols, minPricePaise: 100_00, softCap: 15, exclude: ['UPL'] }, candles, { asOf, barUnit: 'rupees' });
    expect(plan.universe.symbols).toHaveLength(15);
    expect(plan.universe.symbols).not.toContain('UPL');
    expect(plan.journal).toHaveLength(47);
    expect(plan.journal.filter((e) => e.selected)).toHaveLength(15);
    const j = new MemoryUniverseJournal();
    j.recordUniverse(plan.asOf, plan.journal);
    expect(j.get(asOf)!.filter((e) => e.selected).map((e) => e.symbol)).toEqual(plan.scan.entries.filter((e) => plan.universe.symbols.includes(e.symbol)).map((e) => e.symbol));
  });
});
