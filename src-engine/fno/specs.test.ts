import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedFiles } from '../../test/support/external-inputs.js';
import { istTime } from '../core/nse-calendar.js';
import { InstrumentMaster, loadInstrumentsCsvFile } from '../model/instrument-master.js';
import { expiryCloseMs, fnoSymbol, monthlyExpiries, monthlyExpiry, parseFnoSymbol, weeklyExpiries, yearsToExpiry } from './expiries.js';
import { INDEX_FNO, contractSpec, listedOptionExpiries } from './specs.js';

describe('expiry calendar', () => {
  it('monthly = last Tuesday, a holiday moves it to the previous trading day', () => {
    expect(monthlyExpiry(2026, 8, 2)).toBe('2026-08-25');
    expect(monthlyExpiry(2026, 9, 2)).toBe('2026-09-29');
    expect(monthlyExpiry(2026, 12, 2)).toBe('2026-12-29');
    // 2026-03-31 (Tue) is Mahavir Jayanti on the NSE 2026 list → Monday 30th
    expect(monthlyExpiry(2026, 3, 2)).toBe('2026-03-30');
  });

  it('weeklies every Tuesday; an expiry is live until 15:30 IST of its day', () => {
    const before = istTime('2026-08-18', '15:29');
    const after = istTime('2026-08-18', '15:30');
    expect(weeklyExpiries(before, 3, 2)).toEqual(['2026-08-18', '2026-08-25', '2026-09-01']);
    expect(weeklyExpiries(after, 3, 2)).toEqual(['2026-08-25', '2026-09-01', '2026-09-08']);
    expect(monthlyExpiries(after, 2, 2)).toEqual(['2026-08-25', '2026-09-29']);
    expect(monthlyExpiries(istTime('2026-08-25', '15:30'), 2, 2)).toEqual(['2026-09-29', '2026-10-27']);
    expect(yearsToExpiry('2026-08-18', before)).toBeCloseTo(60_000 / (365 * 86_400_000), 15);
    expect(yearsToExpiry('2026-08-18', after)).toBe(0);
    expect(expiryCloseMs('2026-08-18')).toBe(Date.parse('2026-08-18T10:00:00Z'));
  });

  it('NIFTY lists weeklies and monthlies; BANKNIFTY and FINNIFTY monthlies only (SEBI, Nov 2024)', () => {
    const now = istTime('2026-08-18', '10:00');
    expect(listedOptionExpiries(INDEX_FNO['NIFTY']!, now).expiries).toEqual(['2026-08-18', '2026-08-25', '2026-09-01', '2026-09-08', '2026-09-29', '2026-10-27']);
    expect(listedOptionExpiries(INDEX_FNO['BANKNIFTY']!, now).expiries).toEqual(['2026-08-25', '2026-09-29', '2026-10-27']);
    expect(listedOptionExpiries(INDEX_FNO['FINNIFTY']!, now).expiries).toEqual(['2026-08-25', '2026-09-29', '2026-10-27']);
  });

  it('symbols round-trip through the parser', () => {
    const wd = (n: string) => INDEX_FNO[n]?.weekday;
    for (const [sym, want] of [
      [fnoSymbol('NIFTY', '2026-08-25', 'FUT', 0, true), { name: 'NIFTY', kind: 'FUT', expiry: '2026-08-25', monthly: true, strikePaise: 0 }],
      [fnoSymbol('NIFTY', '2026-08-18', 'CE', 2_450_000, false), { name: 'NIFTY', kind: 'CE', expiry: '2026-08-18', monthly: false, strikePaise: 2_450_000 }],
      [fnoSymbol('BANKNIFTY', '2026-09-29', 'PE', 5_500_000, true), { name: 'BANKNIFTY', kind: 'PE', expiry: '2026-09-29', monthly: true, strikePaise: 5_500_000 }],
      [fnoSymbol('NIFTYNXT50', '2026-10-27', 'FUT', 0, true), { name: 'NIFTYNXT50', kind: 'FUT', expiry: '2026-10-27', monthly: true, strikePaise: 0 }],
      [fnoSymbol('NIFTY', '2026-10-20', 'PE', 2_405_000, false), { name: 'NIFTY', kind: 'PE', expiry: '2026-10-20', monthly: false, strikePaise: 2_405_000 }],
    ] as const) {
      expect(parseFnoSymbol(sym, wd), sym).toEqual(want);
    }
    expect(fnoSymbol('NIFTY', '2026-10-20', 'PE', 2_405_000, false)).toBe('NIFTY26O2024050PE');
    expect(parseFnoSymbol('RELIANCE', wd)).toBeNull();
    expect(parseFnoSymbol('NIFTY2683224500CE', wd)).toBeNull(); // no 32nd
    expect(parseFnoSymbol('FOO26AUGFUT', wd)).toBeNull(); // unknown underlying
  });

  it('contractSpec: lot, freeze, tick and expiry by symbol; no BANKNIFTY weeklies', () => {
    expect(contractSpec('NIFTY2681824500CE')).toMatchObject({ name: 'NIFTY', kind: 'CE', expiry: '2026-08-18', lot: 65, freezeQty: 1800, tickPaise: 5, exchange: 'NFO', index: 'NIFTY 50' });
    expect(contractSpec('BANKNIFTY26AUGFUT')).toMatchObject({ lot: 30, tickPaise: 20, expiry: '2026-08-25' });
    expect(contractSpec('BANKNIFTY2681855000CE')).toBeNull();
    expect(contractSpec('INFY')).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
const dir = resolve(import.meta.dirname, '../../../shared/data/kite/instruments');
const nfoCsv = join(dir, 'instruments_NFO_2026-08-18.csv');
const haveDump = sharedFiles(import.meta.url, 'shared-data', nfoCsv);

describe.skipIf(!haveDump)('specs agree with the real NFO dump of 2026-08-18', () => {
  const m = haveDump ? new InstrumentMaster(loadInstrumentsCsvFile(nfoCsv).instruments) : undefined;
  const asOf = istTime('2026-08-18', '09:15');

  it.each(Object.values(INDEX_FNO).filter((s) => s.exchange === 'NFO'))('$name: lot, ticks, strike step, weeklies, expiries, symbols', (s) => {
    const futs = m!.futures(s.name);
    expect(futs.length).toBeGreaterThanOrEqual(3);
    for (const f of futs) {
      expect(f.lotSize).toBe(s.lot);
      expect(f.tickSizePaise).toBe(s.futTickPaise);
      expect(f.tradingsymbol).toBe(fnoSymbol(s.name, f.expiry!, 'FUT', 0, true));
    }
    // the first three futures expiries are the next three monthlies of our calendar
    expect(futs.slice(0, 3).map((f) => f.expiry)).toEqual(monthlyExpiries(asOf, 3, s.weekday));
    const expiries = m!.optionExpiries(s.name);
    const listed = listedOptionExpiries(s, asOf, { weeklies: 4, monthlies: 3 });
    // every expiry we generate is in the dump; the dump's near ones (≤ our horizon) are ours
    for (const e of listed.expiries) expect(expiries).toContain(e);
    const horizon = listed.expiries[listed.expiries.length - 1]!;
    const nearMonthlyOnly = expiries.filter((e) => e <= horizon && !listed.expiries.includes(e));
    // NIFTY's dump lists a 5th weekly inside the horizon (the generator lists 4); monthly-only indices nothing else
    expect(nearMonthlyOnly.length).toBeLessThanOrEqual(s.weekly ? 1 : 0);
    expect(expiries.some((e) => !listed.monthly.has(e) && e <= horizon)).toBe(s.weekly);
    // strike step near the money of the nearest expiry, option tick, lot and symbol form
    const chain = m!.optionChain(s.name, expiries[0]!, 'CE');
    const gaps = new Map<number, number>();
    for (let i = 1; i < chain.length; i++) gaps.set(chain[i]!.strikePaise - chain[i - 1]!.strikePaise, (gaps.get(chain[i]!.strikePaise - chain[i - 1]!.strikePaise) ?? 0) + 1);
    const commonest = [...gaps].sort((a, b) => b[1] - a[1])[0]![0];
    expect(commonest).toBe(s.strikeStepPaise);
    for (const o of chain) {
      expect(o.lotSize).toBe(s.lot);
      expect(o.tickSizePaise).toBe(s.optTickPaise);
      expect(o.tradingsymbol).toBe(fnoSymbol(s.name, o.expiry!, 'CE', o.strikePaise, listed.monthly.has(o.expiry!) || futs.some((f) => f.expiry === o.expiry)));
      expect(contractSpec(o.tradingsymbol)).toMatchObject({ expiry: o.expiry, strikePaise: o.strikePaise, lot: o.lotSize, kind: 'CE' });
    }
  });
});
