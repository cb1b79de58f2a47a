import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NIFTY50_SEEDS } from '../model/instruments.js';
import type { Tick } from '../model/tick.js';
import { CandleDataError, CandleReplay, loadCandleDir, parseCandleCsv, parseCandleTime, type CandleSeries } from './csv-replay.js';
import { sharedFiles } from '../../test/support/external-inputs.js';

const dirs: string[] = [];
function tempDir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'kd-replay-'));
  dirs.push(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const HEADER = 'datetime,open,high,low,close,volume,oi';
// Synthetic (made-up) hourly candles, two days, Kite layout. Day 2's first bar falls, so high first.
const RELIANCE = [
  HEADER,
  '2025-01-06 09:15:00+05:30,100.00,101.50,99.50,101.00,12345,0',
  '2025-01-06 10:15:00+05:30,101.00,101.20,100.10,100.50,777,0',
  '2025-01-06 15:15:00+05:30,100.50,100.50,100.50,100.50,3,0',
  '2025-01-07 09:15:00+05:30,100.40,100.90,98.00,98.25,5000,0',
  '2025-01-07 10:15:00+05:30,98.25,99.03,98.10,99.00,4001,0',
].join('\n');
const FOO = [HEADER, '2025-01-06 09:15:00+05:30,50.00,50.50,49.00,49.50,100,0', '2025-01-07 09:15:00+05:30,49.50,52.00,49.50,51.95,20000,0'].join('\n');

function replayAll(r: CandleReplay, chunkMs = 7 * 86_400_000): Tick[] {
  const ticks: Tick[] = [];
  r.onTick((t) => ticks.push(t));
  while (!r.done) r.advance(chunkMs);
  return ticks;
}

describe('loadCandleDir', () => {
  it('reads <SYMBOL>.csv files, converts rupees to paise snapped to 5 and infers bar ends', () => {
    const dir = tempDir({ 'RELIANCE.csv': RELIANCE, 'FOO.csv': FOO, 'notes.txt': 'ignored' });
    const series = loadCandleDir(dir);
    expect(series.map((s) => s.symbol)).toEqual(['FOO', 'RELIANCE']);
    const rel = series.find((s) => s.symbol === 'RELIANCE')!;
    expect(rel.interval).toBe(3_600_000);
    const c = rel.candles;
    expect(c[0]).toMatchObject({ openPaise: 10000, highPaise: 10150, lowPaise: 9950, closePaise: 10100, volume: 12345, line: 2 });
    expect(c[0]!.start).toBe(parseCandleTime('2025-01-06 09:15:00+05:30'));
    expect(c[0]!.end - c[0]!.start).toBe(3_600_000);
    // The 15:15 bar is the 15-minute stub up to 15:30.
    expect(c[2]!.end - c[2]!.start).toBe(15 * 60_000);
    // 99.03 → 9903 paise → snapped to 9905.
    expect(c[4]!.highPaise).toBe(9905);
  });

  it('treats all-midnight files as daily bars over the 09:15–15:30 session', () => {
    const { series } = parseCandleCsv('date,o,h,l,c,v\n2025-01-06,10,11,9,10.5,0\n', 'IDX.csv', 'IDX');
    expect(series!.interval).toBe('day');
    expect(series!.candles[0]!.start).toBe(parseCandleTime('2025-01-06 09:15:00+05:30'));
    expect(series!.candles[0]!.end).toBe(parseCandleTime('2025-01-06 15:30:00+05:30'));
  });

  it('accepts the Upstox header and times without an offset (IST)', () => {
    const { series, issues } = parseCandleCsv('timestamp,open,high,low,close,volume,oi\n2025-01-06T09:15,1,1,1,1,5,0\n', 'X.csv', 'X');
    expect(issues).toEqual([]);
    expect(series!.candles[0]!.start).toBe(parseCandleTime('2025-01-06 09:15:00+05:30'));
  });

  it('malformed rows give one error naming every file and line', () => {
    const bad = [
      HEADER,
      '2025-01-06 09:15:00+05:30,100,101,99,100,10,0',
      '2025-01-06 10:15:00+05:30,abc,101,99,100,10,0', // line 3: bad number
      '2025-01-06 11:15:00+05:30,100,98,99,100,10,0', // line 4: high < low
      '2025-01-06 10:45:00+05:30,100,101,99,100,10,0', // line 5: backwards
      '2025-01-06 12:15:00+05:30,100,101,99,100,1.5,0', // line 6: volume
      '2025-01-06 13:15:00+05:30,100,101', // line 7: columns
      'yesterday,100,101,99,100,10,0', // line 8: time
      '2025-01-06 14:15:00+05:30,102,101,99,100,10,0', // line 9: open outside
    ].join('\n');
    const dir = tempDir({ 'BAD.csv': bad, 'ODD.csv': 'symbol,date,time,open,high,low,close,volume,oi\nNIFTY,20220201,09:16,1,1,1,1,0,0\n', 'OK.csv': FOO });
    let err: unknown;
    try {
      loadCandleDir(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CandleDataError);
    const issues = (err as CandleDataError).issues.map((i) => `${i.file.slice(dir.length + 1)}:${i.line} ${i.message}`);
    expect(issues).toEqual([
      expect.stringMatching(/^BAD\.csv:3 bad open "abc"/),
      expect.stringMatching(/^BAD\.csv:4 high 98 < low 99/),
      expect.stringMatching(/^BAD\.csv:5 time .* before line 4/),
      expect.stringMatching(/^BAD\.csv:6 bad volume "1\.5"/),
      expect.stringMatching(/^BAD\.csv:7 expected 7 columns, got 3/),
      expect.stringMatching(/^BAD\.csv:8 bad time "yesterday"/),
      expect.stringMatching(/^BAD\.csv:9 open 102 outside/),
      expect.stringMatching(/^ODD\.csv:1 unsupported format/),
    ]);
    expect((err as Error).message).toContain(`${join(dir, 'BAD.csv')}:3: bad open`);
  });

  it('rejects an unknown header, an empty directory and a missing one', () => {
    expect(() => loadCandleDir(tempDir({ 'A.csv': 'when,price\n1,2\n' }))).toThrow(/A\.csv:1: unsupported header "when,price": missing datetime\|timestamp\|date/);
    expect(() => loadCandleDir(tempDir({}))).toThrow(/no <SYMBOL>\.csv files/);
    expect(() => loadCandleDir('/nonexistent/kd-replay')).toThrow(/cannot read directory/);
  });
});

describe('CandleReplay', () => {
  const series = (): CandleSeries[] => loadCandleDir(tempDir({ 'RELIANCE.csv': RELIANCE, 'FOO.csv': FOO }));

  it('each bar: ticks inside the bar in time order, prices on the 5-paise grid within [low, high], O/H/L/C exact, volume exact', () => {
    const all = series();
    const ticks = replayAll(new CandleReplay({ series: all, seed: 7 }));
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.tsEvent).toBeGreaterThanOrEqual(ticks[i - 1]!.tsEvent);
    for (const s of all) {
      const mine = ticks.filter((t) => t.symbol === s.symbol);
      let dayVolume = 0;
      let day = '';
      let seen = 0;
      for (const c of s.candles) {
        const bar = mine.filter((t) => t.tsEvent >= c.start && t.tsEvent < c.end);
        seen += bar.length;
        expect(bar.length).toBeGreaterThanOrEqual(4);
        const px = bar.map((t) => t.lastPaise);
        expect(px[0]).toBe(c.openPaise);
        expect(px[px.length - 1]).toBe(c.closePaise);
        expect(Math.max(...px)).toBe(c.highPaise);
        expect(Math.min(...px)).toBe(c.lowPaise);
        for (const p of px) {
          expect(Number.isInteger(p) && p % 5 === 0).toBe(true);
        }
        expect(bar.reduce((a, t) => a + t.lastQty, 0)).toBe(c.volume);
        const d = new Date(c.start).toISOString().slice(0, 10);
        if (d !== day) [day, dayVolume] = [d, 0];
        for (const t of bar) {
          dayVolume += t.lastQty;
          expect(t.volume).toBe(dayVolume);
        }
      }
      expect(seen).toBe(mine.length);
    }
    // Bars with enough volume give every tick at least one share.
    expect(ticks.filter((t) => t.symbol === 'RELIANCE' && t.tsEvent < parseCandleTime('2025-01-06 15:15')!).every((t) => t.lastQty >= 1)).toBe(true);
  });

  it('is deterministic and independent of how time is advanced', () => {
    const a = replayAll(new CandleReplay({ series: series(), seed: 3 }));
    const b = replayAll(new CandleReplay({ series: series(), seed: 3 }), 1234);
    expect(b).toEqual(a);
    const c = replayAll(new CandleReplay({ series: series(), seed: 4 }));
    expect(c.map((t) => t.lastPaise)).not.toEqual(a.map((t) => t.lastPaise));
  });

  it('skips the gaps between bars, tracks prevClose per day, and merges symbols into the instrument list', () => {
    const r = new CandleReplay({ series: series() });
    const relIdx = NIFTY50_SEEDS.findIndex((s) => s.symbol === 'RELIANCE');
    expect(r.seeds.length).toBe(NIFTY50_SEEDS.length + 1);
    expect(r.seeds[relIdx]).toMatchObject({ symbol: 'RELIANCE', basePaise: 10100 }); // first close: no earlier day
    expect(r.seeds[r.seeds.length - 1]).toEqual({ symbol: 'FOO', name: 'FOO', basePaise: 4950, avgDailyVolume: 10050 });
    expect(r.now()).toBe(parseCandleTime('2025-01-06 09:15:00+05:30'));
    expect(r.prevClose('RELIANCE')).toBe(10100);
    expect(r.prevClose('INFY')).toBe(NIFTY50_SEEDS.find((s) => s.symbol === 'INFY')!.basePaise);
    expect(() => r.prevClose('NOPE')).toThrow(RangeError);

    // FOO has one bar a day, so its bars run to 15:30: day 1 is 6 h 15 m of bar time, then the night is skipped.
    r.advance(6 * 3_600_000 + 15 * 60_000 - 1);
    expect(r.now()).toBe(parseCandleTime('2025-01-06 15:30:00+05:30')! - 1);
    r.advance(1);
    expect(r.now()).toBe(parseCandleTime('2025-01-07 09:15:00+05:30'));
    r.advance(1);
    expect(r.prevClose('RELIANCE')).toBe(10050);
    expect(r.prevClose('FOO')).toBe(4950);
    r.advance(1e12);
    expect(r.done).toBe(true);
    expect(r.now()).toBe(parseCandleTime('2025-01-07 15:30:00+05:30'));
  });

  it('from: starts at the first bar on/after it, with the real previous close as the reference price', () => {
    const r = new CandleReplay({ series: series(), from: parseCandleTime('2025-01-07')! });
    expect(r.now()).toBe(parseCandleTime('2025-01-07 09:15:00+05:30'));
    expect(r.prevClose('RELIANCE')).toBe(10050);
    expect(r.seeds.find((s) => s.symbol === 'RELIANCE')!.basePaise).toBe(10050);
    const ticks = replayAll(r);
    expect(ticks[0]).toMatchObject({ symbol: 'RELIANCE', lastPaise: 10040 });
    expect(ticks.filter((t) => t.symbol === 'RELIANCE').at(-1)!.volume).toBe(9001);
    expect(() => new CandleReplay({ series: series(), from: parseCandleTime('2030-01-01')! })).toThrow(/no candles at or after/);
  });

  it('start() advances by real elapsed × speed', () => {
    let now = 0;
    const r = new CandleReplay({ series: series(), speed: 60 }, { now: () => now });
    const t0 = r.now();
    r.start();
    now = 500;
    (r as unknown as { step(): void }).step();
    r.stop();
    expect(r.now()).toBe(t0 + 30_000);
  });
});

// Real NSE data from ../shared (internal use only; read in place, never copied into the repo).
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const realDir = resolve(repoRoot, '..', 'shared', 'data', 'nse', 'hourly', 'kite_nifty50_stocks_60minute');
const haveReal = sharedFiles(import.meta.url, 'shared-data', join(realDir, 'RELIANCE.csv'));

describe.skipIf(!haveReal)('CandleReplay on real Kite 60minute candles', () => {
  it('RELIANCE: the first bar’s open/high/low/close come out of the ticks exactly', () => {
    const all = loadCandleDir(realDir);
    expect(all.length).toBeGreaterThan(40);
    const rel = all.find((s) => s.symbol === 'RELIANCE')!;
    expect(all.some((s) => s.symbol === 'M&M')).toBe(true);
    // Independent reading of the first data row.
    const [time, o, h, l, c, v] = readFileSync(join(realDir, 'RELIANCE.csv'), 'utf8').split('\n')[1]!.split(',');
    const paise = (s: string | undefined) => Math.round(Number(s) * 100);
    const r = new CandleReplay({ series: [rel] });
    const ticks: Tick[] = [];
    r.onTick((t) => ticks.push(t));
    r.advance(3_600_000);
    const start = parseCandleTime(time!)!;
    const bar = ticks.filter((t) => t.tsEvent >= start && t.tsEvent < start + 3_600_000);
    expect(bar.length).toBe(ticks.length);
    const px = bar.map((t) => t.lastPaise);
    expect([px[0], Math.max(...px), Math.min(...px), px.at(-1)]).toEqual([paise(o), paise(h), paise(l), paise(c)]);
    expect(bar.at(-1)!.volume).toBe(Number(v));
  });
});
