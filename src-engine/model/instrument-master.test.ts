import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayNumber, nseCalendar } from '../core/nse-calendar.js';
import {
  InstrumentMaster,
  InstrumentsFileError,
  formatBadRows,
  loadInstrumentsCsvFile,
  parseInstrumentsCsv,
  rupeesToPaise,
  toContractInstrument,
} from './instrument-master.js';
import { sharedFiles } from '../../test/support/external-inputs.js';

const HEADER = 'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange';

const SMALL = [
  HEADER,
  '738561,2885,RELIANCE,RELIANCE INDUSTRIES,1365.5,,0.0,0.1,1,EQ,NSE,NSE',
  '256265,1001,NIFTY 50,NIFTY 50,0.0,,0.0,0.0,0,EQ,INDICES,NSE',
  '3329,13,M&M,"MAHINDRA & MAHINDRA, LTD",3425.05,,0.0,0.05,1,EQ,NSE,NSE',
  '5633,22,"ACC","ACC LIMITED, ""CEMENT""",1800,,0,0.05,1,EQ,NSE,NSE',
  '',
  '14866434,58072,NIFTY26AUGFUT,NIFTY,0.0,2026-08-25,0.0,0.1,65,FUT,NFO-FUT,NFO',
].join('\n');

describe('parseInstrumentsCsv on hand-written CSVs', () => {
  it('parses good rows, quoted commas and escaped quotes, to paise', () => {
    const r = parseInstrumentsCsv(SMALL, 'small.csv');
    expect(r.badRows).toEqual([]);
    expect(r.rowsRead).toBe(5);
    const [rel, nifty, mm, acc, fut] = r.instruments;
    expect(rel).toMatchObject({ instrumentToken: 738561, key: 'NSE:RELIANCE', lastPricePaise: 136550, tickSizePaise: 10, lotSize: 1, expiry: null });
    expect(nifty).toMatchObject({ key: 'NSE:NIFTY 50', segment: 'INDICES', tickSizePaise: 0, lotSize: 0 });
    expect(mm).toMatchObject({ tradingsymbol: 'M&M', name: 'MAHINDRA & MAHINDRA, LTD', lastPricePaise: 342505, tickSizePaise: 5 });
    expect(acc).toMatchObject({ name: 'ACC LIMITED, "CEMENT"', lastPricePaise: 180000 });
    expect(fut).toMatchObject({ expiry: '2026-08-25', expiryCloseMs: Date.parse('2026-08-25T15:30:00+05:30'), lotSize: 65, tickSizePaise: 10 });
  });

  it('counts and reports bad rows with file and line, keeping the good ones', () => {
    const text = [
      HEADER,
      '1,1,GOOD,GOOD LTD,10,,0,0.05,1,EQ,NSE,NSE', // line 2
      '2,2,SHORT,SHORT LTD,10,,0,0.05,1,EQ,NSE', // 3: 11 fields
      '3,3,BADPRICE,X,12.345,,0,0.05,1,EQ,NSE,NSE', // 4: not whole paise
      'x,4,BADTOKEN,X,10,,0,0.05,1,EQ,NSE,NSE', // 5
      '5,5,BADTYPE,X,10,,0,0.05,1,XX,NSE,NSE', // 6
      '6,6,NOEXP26FUT,X,0,,0,0.05,50,FUT,NFO-FUT,NFO', // 7: future without expiry
      '7,7,BADEXP,X,0,2026-02-30,100,0.05,50,CE,NFO-OPT,NFO', // 8: impossible date
      '8,8,ZEROTICK,X,10,,0,0,1,EQ,NSE,NSE', // 9: tick 0 outside INDICES
      '9,9,GOOD,DUPLICATE KEY,10,,0,0.05,1,EQ,NSE,NSE', // 10
      '1,10,DUPTOKEN,X,10,,0,0.05,1,EQ,NSE,NSE', // 11
      '11,11,NOSTRIKE,X,0,2026-08-25,0,0.05,50,PE,NFO-OPT,NFO', // 12
      '12,12,"MULTI', // 13–14: a quoted field spanning lines — still a row, with too few fields
      'LINE",X',
      '13,13,LAST,"LAST, LTD",-5,,0,0.05,1,EQ,NSE,NSE', // 15: negative price
    ].join('\n');
    const r = parseInstrumentsCsv(text, 'bad.csv');
    expect(r.instruments.map((i) => i.tradingsymbol)).toEqual(['GOOD']);
    expect(r.rowsRead).toBe(13);
    expect(r.badRows.map((b) => b.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15]);
    expect(r.badRows.every((b) => b.file === 'bad.csv')).toBe(true);
    const reason = (line: number) => r.badRows.find((b) => b.line === line)!.reason;
    expect(reason(3)).toMatch(/expected 12 fields, found 11/);
    expect(reason(4)).toMatch(/last_price 12.345 is not a whole number of paise/);
    expect(reason(5)).toMatch(/instrument_token/);
    expect(reason(6)).toMatch(/instrument_type "XX"/);
    expect(reason(7)).toMatch(/FUT without an expiry/);
    expect(reason(8)).toMatch(/not a calendar date/);
    expect(reason(9)).toMatch(/tick_size 0 must be positive/);
    expect(reason(10)).toMatch(/duplicate NSE:GOOD/);
    expect(reason(11)).toMatch(/duplicate instrument_token 1/);
    expect(reason(12)).toMatch(/PE with strike 0/);
    expect(reason(15)).toMatch(/last_price "-5"/);
    const summary = formatBadRows(r, 3);
    expect(summary).toContain('12 of 13 rows rejected');
    expect(summary).toContain('bad.csv:3: expected 12 fields');
    expect(summary).toContain('… and 9 more');
  });

  it('whole-file problems throw InstrumentsFileError naming the file (and line)', () => {
    expect(() => parseInstrumentsCsv('', 'empty.csv')).toThrow(/empty\.csv:1: empty file/);
    expect(() => parseInstrumentsCsv('instrument_token,tradingsymbol\n1,X', 'cols.csv')).toThrow(/cols\.csv:1: header lacks column\(s\) exchange_token, name/);
    expect(() => parseInstrumentsCsv(`${HEADER}\n1,1,"X"Y,n,0,,0,0.05,1,EQ,NSE,NSE`, 'quote.csv')).toThrow(InstrumentsFileError);
    expect(() => parseInstrumentsCsv(`${HEADER}\n1,1,"X"Y,n,0,,0,0.05,1,EQ,NSE,NSE`, 'quote.csv')).toThrow(/quote\.csv:2: CSV syntax error/);
    expect(() => loadInstrumentsCsvFile('/nonexistent/instruments.csv')).toThrow(/\/nonexistent\/instruments\.csv: cannot read/);
  });

  it('accepts a reordered header and a BOM', () => {
    const cols = HEADER.split(',');
    const row = '738561,2885,RELIANCE,RELIANCE INDUSTRIES,1365.5,,0.0,0.1,1,EQ,NSE,NSE'.split(',');
    const order = [...cols.keys()].reverse();
    const text = '\uFEFF' + order.map((i) => cols[i]).join(',') + '\n' + order.map((i) => row[i]).join(',');
    const r = parseInstrumentsCsv(text);
    expect(r.badRows).toEqual([]);
    expect(r.instruments[0]).toMatchObject({ key: 'NSE:RELIANCE', tickSizePaise: 10, lastPricePaise: 136550 });
  });

  it('rupeesToPaise is exact (property: n paise printed as rupees parses back to n)', () => {
    expect(rupeesToPaise('0.05', 'x')).toBe(5);
    expect(rupeesToPaise('0.1', 'x')).toBe(10);
    expect(rupeesToPaise('24000.0', 'x')).toBe(2_400_000);
    expect(rupeesToPaise('1.2300', 'x')).toBe(123);
    expect(() => rupeesToPaise('0.0025', 'tick_size')).toThrow(/tick_size 0.0025 is not a whole number of paise/);
    expect(() => rupeesToPaise('1e3', 'x')).toThrow();
    expect(() => rupeesToPaise('', 'x')).toThrow();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e13 }), (n) => {
        const text = `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
        expect(rupeesToPaise(text, 'x')).toBe(n);
      }),
    );
  });
});

describe('InstrumentMaster lookups and search (hand-written)', () => {
  const master = new InstrumentMaster(parseInstrumentsCsv(SMALL).instruments);

  it('indexes by token and by EXCHANGE:TRADINGSYMBOL', () => {
    expect(master.size).toBe(5);
    expect(master.byToken(738561)?.key).toBe('NSE:RELIANCE');
    expect(master.byKey('NSE:RELIANCE')?.instrumentToken).toBe(738561);
    expect(master.byKey('nse:reliance')?.instrumentToken).toBe(738561);
    expect(master.get('NSE', 'M&M')?.name).toContain('MAHINDRA');
    expect(master.byKey('NSE:NOPE')).toBeUndefined();
    expect(master.underlyings()).toEqual(['NIFTY']);
  });

  it('converts NSE equities to the contract Instrument, and nothing else', () => {
    expect(toContractInstrument(master.byKey('NSE:RELIANCE')!)).toEqual({ symbol: 'RELIANCE', name: 'RELIANCE INDUSTRIES', exchange: 'NSE', tickSizePaise: 10, lotSize: 1 });
    expect(toContractInstrument(master.byKey('NSE:M&M')!)?.symbol).toBe('M&M');
    expect(toContractInstrument(master.byKey('NSE:NIFTY 50')!)).toBeNull();
    expect(toContractInstrument(master.byKey('NFO:NIFTY26AUGFUT')!)).toBeNull();
  });

  it('search ranks symbol prefix before name matches', () => {
    const hits = master.search('m');
    expect(hits[0]!.instrument.tradingsymbol).toBe('M&M');
    expect(master.search('mahindra')[0]!.instrument.tradingsymbol).toBe('M&M'); // name prefix
    expect(master.search('cement')[0]!.instrument.tradingsymbol).toBe('ACC'); // name substring
    expect(master.search('nifty').map((h) => h.instrument.key)).toEqual(['NSE:NIFTY 50', 'NFO:NIFTY26AUGFUT']);
    expect(master.search('nifty', { types: ['FUT'] }).map((h) => h.instrument.key)).toEqual(['NFO:NIFTY26AUGFUT']);
    expect(master.search('nifty', { exchanges: ['nse'] })).toHaveLength(1);
    expect(master.search('   ')).toEqual([]);
    expect(master.search('zzz')).toEqual([]);
  });

  it('fromFiles merges files and refuses bad rows unless allowed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-instr-'));
    try {
      const good = join(dir, 'good.csv');
      const bad = join(dir, 'bad.csv');
      writeFileSync(good, SMALL);
      writeFileSync(bad, `${HEADER}\n99,99,OK,OK,1,,0,0.05,1,EQ,NSE,NSE\n98,98,BAD,BAD,1,,0,0.05,1,EQ,NSE`);
      expect(() => InstrumentMaster.fromFiles([good, bad])).toThrow(/bad\.csv:3: 1 bad row\(s\); first: expected 12 fields/);
      const { master: m, results } = InstrumentMaster.fromFiles([good, bad], { allowBadRows: true });
      expect(m.size).toBe(6);
      expect(results[1]!.badRows).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The real Kite dumps in ../shared (never copied into the repo).
const sharedDir = resolve(import.meta.dirname, '../../../shared/data/kite/instruments');
const nseCsv = join(sharedDir, 'instruments_NSE_2025-10-06.csv');
const nfoCsv = join(sharedDir, 'instruments_NFO_2026-08-18.csv');
const haveDumps = sharedFiles(import.meta.url, 'shared-data', nseCsv, nfoCsv);

describe.skipIf(!haveDumps)('real Kite dumps', () => {
  const nse = haveDumps ? loadInstrumentsCsvFile(nseCsv) : undefined;
  const nfo = haveDumps ? loadInstrumentsCsvFile(nfoCsv) : undefined;
  const master = haveDumps ? new InstrumentMaster([...nse!.instruments, ...nfo!.instruments]) : undefined;

  it('every row of both dumps validates', () => {
    expect(formatBadRows(nse!)).toBe('8320 rows, none rejected');
    expect(formatBadRows(nfo!)).toBe('34764 rows, none rejected');
    expect(master!.size).toBe(8320 + 34764);
    expect(nse!.instruments.filter((i) => i.segment === 'INDICES')).toHaveLength(117);
    expect(nfo!.instruments.filter((i) => i.instrumentType === 'FUT')).toHaveLength(640);
  });

  it('RELIANCE/TCS/INFY tick 0.10 after June 2025 → 10 paise; NIFTY 50 index by token', () => {
    for (const s of ['RELIANCE', 'TCS', 'INFY']) expect(master!.get('NSE', s)!.tickSizePaise, s).toBe(10);
    expect(master!.byToken(256265)!.key).toBe('NSE:NIFTY 50');
    expect(master!.byToken(260105)!.key).toBe('NSE:NIFTY BANK');
    expect(master!.byKey('NSE:RELIANCE')!.instrumentToken).toBe(738561);
  });

  it('NIFTY futures: lot 65, tick 0.1 → 10 paise, three monthly contracts', () => {
    const futs = master!.futures('NIFTY');
    expect(futs.map((f) => f.tradingsymbol)).toEqual(['NIFTY26AUGFUT', 'NIFTY26SEPFUT', 'NIFTY26OCTFUT']);
    for (const f of futs) expect(f).toMatchObject({ lotSize: 65, tickSizePaise: 10, exchange: 'NFO', segment: 'NFO-FUT' });
  });

  it('NIFTY weekly expiries are Tuesdays (or the trading day before a Tuesday holiday), all trading days', () => {
    const expiries = master!.optionExpiries('NIFTY');
    expect(expiries.slice(0, 6)).toEqual(['2026-08-18', '2026-08-25', '2026-09-01', '2026-09-08', '2026-09-15', '2026-09-29']);
    const weekday = (e: string) => (((dayNumber(e) + 4) % 7) + 7) % 7;
    for (const e of expiries.filter((x) => x < '2027-01-01')) {
      expect(nseCalendar.isTradingDay(e), e).toBe(true);
      // Not a Tuesday only when that week's Tuesday is a holiday (the expiry moves to the day before).
      if (weekday(e) !== 2) expect(nseCalendar.isTradingDay(new Date((dayNumber(e) + 2 - weekday(e)) * 86_400_000).toISOString().slice(0, 10)), e).toBe(false);
    }
    // Beyond 2026 (no holiday data here) one long-dated expiry moves: Tuesday 2029-12-25 is Christmas.
    expect(expiries.filter((e) => weekday(e) !== 2)).toEqual(['2029-12-24']);
  });

  it('the option chain walks the listed strikes; every option has a positive strike and expiry', () => {
    const opts = nfo!.instruments.filter((i) => i.instrumentType !== 'FUT');
    expect(opts.every((o) => o.strikePaise > 0 && o.expiry !== null)).toBe(true);
    const chain = master!.optionChain('NIFTY', '2026-08-25', 'CE');
    expect(chain.length).toBeGreaterThan(100);
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.strikePaise).toBeGreaterThan(chain[i - 1]!.strikePaise);
  });

  it('search: prefix on symbol first, then names; fast on 43k rows', () => {
    const rel = master!.search('reli', { limit: 5 });
    expect(rel[0]!.instrument.key).toBe('NSE:RELIANCE');
    expect(rel.every((h) => h.rank <= 1)).toBe(true);
    expect(master!.search('RELIANCE')[0]!.rank).toBe(0);
    const bank = master!.search('nifty bank', { limit: 3 });
    expect(bank[0]!.instrument.key).toBe('NSE:NIFTY BANK');
    // A name-only match: "INFOSYS" is the name of INFY.
    expect(master!.search('infosys', { exchanges: ['NSE'] })[0]!.instrument.key).toBe('NSE:INFY');
    // Multi-word: every word somewhere.
    const multi = master!.search('NIFTY 24000 CE', { limit: 50 });
    expect(multi.length).toBeGreaterThan(0);
    expect(multi.every((h) => h.instrument.tradingsymbol.includes('24000') && h.instrument.instrumentType === 'CE')).toBe(true);
    const queries = ['n', 'ni', 'nif', 'nifty', 'bank', 'tata', 'reliance', 'hdfc', 'infy', 'x', 'zzzz', 'NIFTY 25000 PE', 'services'];
    const t0 = performance.now();
    for (let k = 0; k < 4; k++) for (const q of queries) master!.search(q);
    const perQuery = (performance.now() - t0) / (4 * queries.length);
    expect(perQuery).toBeLessThan(25); // typically ~2 ms
  });
});
