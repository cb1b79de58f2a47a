import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NseCalendar } from '../core/nse-calendar.js';
import { FnoResolveError, liveOptionExpiries, parseLogicalSymbol, resolveFutures, resolveLogical, resolveOption, spotKeyFor } from './fno-resolver.js';
import { InstrumentMaster, loadInstrumentsCsvFile, parseInstrumentsCsv } from './instrument-master.js';
import { sharedFiles } from '../../test/support/external-inputs.js';

const HEADER = 'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange';

/** A hand-made underlying around Diwali 2025 (Muhurat Tue 21 Oct, holiday Wed 22 Oct). */
function syntheticMaster(): InstrumentMaster {
  const rows = [HEADER, '1,1,TESTIDX,TEST INDEX,1000,,0,0.05,1,EQ,NSE,NSE'];
  let tok = 100;
  for (const [exp, mon] of [['2025-10-28', 'OCT'], ['2025-11-25', 'NOV'], ['2025-12-30', 'DEC']] as const) {
    rows.push(`${tok},${tok++},TESTIDX25${mon}FUT,TESTIDX,0,${exp},0,0.1,75,FUT,NFO-FUT,NFO`);
  }
  // Weekly 2025-10-20 (Monday, as if moved for a holiday), monthly 2025-10-28; strikes 900..1100 step 20, 1150, 1200.
  for (const exp of ['2025-10-20', '2025-10-28']) {
    for (const strike of [900, 920, 940, 960, 980, 1000, 1020, 1040, 1060, 1080, 1100, 1150, 1200]) {
      for (const right of ['CE', 'PE']) rows.push(`${tok},${tok++},TESTIDX${exp.replaceAll('-', '')}${strike}${right},TESTIDX,0,${exp},${strike}.0,0.05,75,${right},NFO-OPT,NFO`);
    }
  }
  const r = parseInstrumentsCsv(rows.join('\n'), 'synthetic.csv');
  expect(r.badRows).toEqual([]);
  return new InstrumentMaster(r.instruments);
}

describe('futures rollover (synthetic, calendar-aware)', () => {
  const m = syntheticMaster();

  it('default: the next contract takes over one trading day before expiry', () => {
    const a = resolveFutures(m, 'testidx', { asOf: '2025-10-24' });
    expect(a.current.tradingsymbol).toBe('TESTIDX25OCTFUT');
    expect(a.next?.tradingsymbol).toBe('TESTIDX25NOVFUT');
    expect(a.rolloverDay).toBe('2025-10-27');
    expect(a.current).toMatchObject({ lotSize: 75, tickSizePaise: 10, expiry: '2025-10-28' });
    expect(resolveFutures(m, 'TESTIDX', { asOf: '2025-10-27' }).current.tradingsymbol).toBe('TESTIDX25NOVFUT');
    // Epoch-ms input: Monday 27th 10:00 IST.
    expect(resolveFutures(m, 'TESTIDX', { asOf: Date.parse('2025-10-27T10:00:00+05:30') }).current.tradingsymbol).toBe('TESTIDX25NOVFUT');
  });

  it('rolloverDays counts trading days, skipping the Diwali holiday and Muhurat day', () => {
    // 5 trading days before Tue 28 Oct: 27, 24, 23, 20, 17 (21 Muhurat and 22 are holidays).
    expect(resolveFutures(m, 'TESTIDX', { asOf: '2025-10-16', rolloverDays: 5 }).rolloverDay).toBe('2025-10-17');
    expect(resolveFutures(m, 'TESTIDX', { asOf: '2025-10-16', rolloverDays: 5 }).current.tradingsymbol).toBe('TESTIDX25OCTFUT');
    expect(resolveFutures(m, 'TESTIDX', { asOf: '2025-10-17', rolloverDays: 5 }).current.tradingsymbol).toBe('TESTIDX25NOVFUT');
    // Without holidays the same rule would give the 22nd.
    const noHolidays = new NseCalendar({ holidays: [], specialSessions: [] });
    expect(resolveFutures(m, 'TESTIDX', { asOf: '2025-10-16', rolloverDays: 5, calendar: noHolidays }).rolloverDay).toBe('2025-10-21');
  });

  it('rolloverDays 0 keeps the contract until expiry day; the last contract has no next', () => {
    expect(resolveFutures(m, 'TESTIDX', { asOf: '2025-10-27', rolloverDays: 0 }).current.tradingsymbol).toBe('TESTIDX25OCTFUT');
    expect(resolveFutures(m, 'TESTIDX', { asOf: '2025-10-28', rolloverDays: 0 }).current.tradingsymbol).toBe('TESTIDX25NOVFUT');
    const dec = resolveFutures(m, 'TESTIDX', { asOf: '2025-12-01' });
    expect(dec.current.tradingsymbol).toBe('TESTIDX25DECFUT');
    expect(dec.next).toBeUndefined();
    expect(() => resolveFutures(m, 'TESTIDX', { asOf: '2026-01-05' })).toThrow(/every listed TESTIDX future has expired/);
    expect(() => resolveFutures(m, 'NOPE', { asOf: '2025-10-01' })).toThrow(FnoResolveError);
    expect(() => resolveFutures(m, 'TESTIDX', { asOf: '2025-10-01', rolloverDays: -1 })).toThrow(/non-negative/);
  });
});

describe('options (synthetic)', () => {
  const m = syntheticMaster();
  const base = { underlying: 'TESTIDX', asOf: '2025-10-17' } as const;

  it('ATM, OTM and ITM for calls and puts on the nearest expiry', () => {
    const atm = resolveOption(m, { ...base, right: 'CE', spotPaise: 100_700, moneyness: 0 });
    expect(atm).toMatchObject({ expiry: '2025-10-20', atmStrikePaise: 100_000, strikeStepPaise: 2000 });
    expect(atm.instrument).toMatchObject({ strikePaise: 100_000, instrumentType: 'CE', lotSize: 75, tickSizePaise: 5 });
    expect(resolveOption(m, { ...base, right: 'CE', spotPaise: 100_700, moneyness: 2 }).instrument.strikePaise).toBe(104_000);
    expect(resolveOption(m, { ...base, right: 'CE', spotPaise: 100_700, moneyness: -1 }).instrument.strikePaise).toBe(98_000);
    expect(resolveOption(m, { ...base, right: 'PE', spotPaise: 100_700, moneyness: 2 }).instrument.strikePaise).toBe(96_000);
    expect(resolveOption(m, { ...base, right: 'PE', spotPaise: 100_700, moneyness: -1 }).instrument.strikePaise).toBe(102_000);
  });

  it('a tie goes to the higher strike; beyond the even steps the listed strikes are walked', () => {
    expect(resolveOption(m, { ...base, right: 'CE', spotPaise: 101_000, moneyness: 0 }).atmStrikePaise).toBe(102_000);
    expect(resolveOption(m, { ...base, right: 'CE', spotPaise: 108_000, moneyness: 2 }).instrument.strikePaise).toBe(115_000);
    expect(resolveOption(m, { ...base, right: 'CE', spotPaise: 500_000, moneyness: 0 }).atmStrikePaise).toBe(120_000);
    expect(() => resolveOption(m, { ...base, right: 'CE', spotPaise: 118_000, moneyness: 3 })).toThrow(/outside the listed strikes 900–1200/);
  });

  it('expiry choice: nearest (kept through expiry day), next, monthly, explicit date, index, rolloverDays', () => {
    const req = { ...base, right: 'CE' as const, spotPaise: 100_000, moneyness: 0 };
    expect(resolveOption(m, { ...req, asOf: '2025-10-20' }).expiry).toBe('2025-10-20'); // expiry day itself
    expect(resolveOption(m, { ...req, asOf: '2025-10-20', rolloverDays: 0 }).expiry).toBe('2025-10-28');
    expect(resolveOption(m, { ...req, expiry: 'next' }).expiry).toBe('2025-10-28');
    expect(resolveOption(m, { ...req, expiry: 'monthly' }).expiry).toBe('2025-10-28');
    expect(resolveOption(m, { ...req, expiry: '2025-10-28' }).expiry).toBe('2025-10-28');
    expect(resolveOption(m, { ...req, expiry: 1 }).expiry).toBe('2025-10-28');
    expect(() => resolveOption(m, { ...req, expiry: '2025-10-21' })).toThrow(/not a live option expiry/);
    expect(() => resolveOption(m, { ...req, expiry: 5 })).toThrow(/out of range/);
    expect(liveOptionExpiries(m, 'TESTIDX', { asOf: '2025-10-21' })).toEqual(['2025-10-28']);
    expect(() => resolveOption(m, { ...req, asOf: '2025-10-29' })).toThrow(/no live TESTIDX option expiries/);
    expect(() => resolveOption(m, { ...req, spotPaise: 0 })).toThrow(RangeError);
  });
});

describe('logical symbols', () => {
  it('parses futures and option forms', () => {
    expect(parseLogicalSymbol('NIFTY-I')).toEqual({ kind: 'future', underlying: 'NIFTY', which: 'current' });
    expect(parseLogicalSymbol('banknifty-ii')).toEqual({ kind: 'future', underlying: 'BANKNIFTY', which: 'next' });
    expect(parseLogicalSymbol('BAJAJ-AUTO FUT NEXT')).toEqual({ kind: 'future', underlying: 'BAJAJ-AUTO', which: 'next' });
    expect(parseLogicalSymbol('M&M fut')).toEqual({ kind: 'future', underlying: 'M&M', which: 'current' });
    expect(parseLogicalSymbol('nifty  atm ce')).toEqual({ kind: 'option', underlying: 'NIFTY', right: 'CE', moneyness: 0, expiry: 'nearest' });
    expect(parseLogicalSymbol('FINNIFTY OTM2 PE NEXT')).toEqual({ kind: 'option', underlying: 'FINNIFTY', right: 'PE', moneyness: 2, expiry: 'next' });
    expect(parseLogicalSymbol('RELIANCE ITM1 CE 2026-08-25')).toEqual({ kind: 'option', underlying: 'RELIANCE', right: 'CE', moneyness: -1, expiry: '2026-08-25' });
    expect(parseLogicalSymbol('RELIANCE ITM3 PE monthly')).toMatchObject({ moneyness: -3, expiry: 'monthly' });
    expect(parseLogicalSymbol('RELIANCE')).toBeNull();
    expect(parseLogicalSymbol('NIFTY26AUGFUT')).toBeNull();
    expect(parseLogicalSymbol('NIFTY ATM XX')).toBeNull();
  });

  it('spot keys for index underlyings and stocks', () => {
    expect(spotKeyFor('nifty')).toBe('NSE:NIFTY 50');
    expect(spotKeyFor('BANKNIFTY')).toBe('NSE:NIFTY BANK');
    expect(spotKeyFor('FINNIFTY')).toBe('NSE:NIFTY FIN SERVICE');
    expect(spotKeyFor('RELIANCE')).toBe('NSE:RELIANCE');
  });

  it('resolves against the synthetic master, using the dump last_price when no spot is given', () => {
    const m = syntheticMaster();
    expect(resolveLogical(m, 'TESTIDX-I', { asOf: '2025-10-24' }).tradingsymbol).toBe('TESTIDX25OCTFUT');
    expect(resolveLogical(m, 'TESTIDX-II', { asOf: '2025-10-24' }).tradingsymbol).toBe('TESTIDX25NOVFUT');
    // NSE:TESTIDX last_price is 1000.00 → ATM 1000.
    expect(resolveLogical(m, 'TESTIDX OTM1 CE', { asOf: '2025-10-17' }).strikePaise).toBe(102_000);
    expect(resolveLogical(m, 'TESTIDX ATM PE MONTHLY', { asOf: '2025-10-17', spotPaise: 94_100 }).tradingsymbol).toBe('TESTIDX2025102894' + '0PE');
    expect(() => resolveLogical(m, 'TESTIDX-II', { asOf: '2025-12-01' })).toThrow(/no future after TESTIDX25DECFUT/);
    expect(() => resolveLogical(m, 'hello world', { asOf: '2025-10-17' })).toThrow(/not a logical symbol/);
  });
});

// ---------------------------------------------------------------------------------------------
const sharedDir = resolve(import.meta.dirname, '../../../shared/data/kite/instruments');
const nseCsv = join(sharedDir, 'instruments_NSE_2025-10-06.csv');
const nfoCsv = join(sharedDir, 'instruments_NFO_2026-08-18.csv');
const haveDumps = sharedFiles(import.meta.url, 'shared-data', nseCsv, nfoCsv);

describe.skipIf(!haveDumps)('real NFO dump (2026-08-18)', () => {
  const m = haveDumps ? new InstrumentMaster([...loadInstrumentsCsvFile(nseCsv).instruments, ...loadInstrumentsCsvFile(nfoCsv).instruments]) : undefined;

  it('NIFTY / BANKNIFTY / FINNIFTY / RELIANCE current and next futures', () => {
    const n = resolveFutures(m!, 'NIFTY', { asOf: '2026-08-18' });
    expect([n.current.tradingsymbol, n.next?.tradingsymbol, n.rolloverDay]).toEqual(['NIFTY26AUGFUT', 'NIFTY26SEPFUT', '2026-08-24']);
    expect(n.current).toMatchObject({ lotSize: 65, tickSizePaise: 10, expiry: '2026-08-25' });
    const n2 = resolveFutures(m!, 'NIFTY', { asOf: '2026-08-24' });
    expect([n2.current.tradingsymbol, n2.next?.tradingsymbol, n2.rolloverDay]).toEqual(['NIFTY26SEPFUT', 'NIFTY26OCTFUT', '2026-09-28']);
    expect(resolveFutures(m!, 'BANKNIFTY', { asOf: '2026-08-18' }).current).toMatchObject({ tradingsymbol: 'BANKNIFTY26AUGFUT', lotSize: 30, tickSizePaise: 20 });
    expect(resolveFutures(m!, 'FINNIFTY', { asOf: '2026-08-18' }).current).toMatchObject({ tradingsymbol: 'FINNIFTY26AUGFUT', lotSize: 60 });
    expect(resolveFutures(m!, 'RELIANCE', { asOf: '2026-08-18' }).current).toMatchObject({ tradingsymbol: 'RELIANCE26AUGFUT', lotSize: 500, tickSizePaise: 10 });
    // Rollover across Ganesh Chaturthi (Mon 2026-09-14): 12 trading days before Tue 09-29 is Thu 09-10.
    expect(resolveFutures(m!, 'NIFTY', { asOf: '2026-08-26', rolloverDays: 12 }).rolloverDay).toBe('2026-09-10');
    // A stock with only one listed future.
    expect(resolveFutures(m!, 'DALBHARAT', { asOf: '2026-08-18' }).next).toBeUndefined();
  });

  it('NIFTY weekly options on expiry day 2026-08-18, spot 24,987.30', () => {
    const req = { underlying: 'NIFTY', asOf: '2026-08-18', spotPaise: 2_498_730 } as const;
    const atmCe = resolveOption(m!, { ...req, right: 'CE', moneyness: 0 });
    expect(atmCe).toMatchObject({ expiry: '2026-08-18', atmStrikePaise: 2_500_000, strikeStepPaise: 5000 });
    expect(atmCe.instrument).toMatchObject({ tradingsymbol: 'NIFTY2681825000CE', lotSize: 65, tickSizePaise: 5 });
    expect(resolveOption(m!, { ...req, right: 'CE', moneyness: 1 }).instrument.tradingsymbol).toBe('NIFTY2681825050CE');
    expect(resolveOption(m!, { ...req, right: 'CE', moneyness: -2 }).instrument.tradingsymbol).toBe('NIFTY2681824900CE');
    expect(resolveOption(m!, { ...req, right: 'PE', moneyness: 1 }).instrument.tradingsymbol).toBe('NIFTY2681824950PE');
    expect(resolveOption(m!, { ...req, right: 'PE', moneyness: -1 }).instrument.tradingsymbol).toBe('NIFTY2681825050PE');
    expect(resolveOption(m!, { ...req, right: 'CE', moneyness: 0, expiry: 'next' }).expiry).toBe('2026-08-25');
    expect(resolveOption(m!, { ...req, right: 'CE', moneyness: 0, rolloverDays: 0 }).expiry).toBe('2026-08-25');
    expect(resolveOption(m!, { ...req, right: 'CE', moneyness: 0, expiry: 'monthly' }).instrument.tradingsymbol).toBe('NIFTY26AUG25000CE');
  });

  it('RELIANCE monthly options follow the uneven listed strikes', () => {
    const r = resolveOption(m!, { underlying: 'RELIANCE', asOf: '2026-08-18', spotPaise: 130_420, right: 'CE', moneyness: 0 });
    expect(r).toMatchObject({ expiry: '2026-08-25', atmStrikePaise: 130_000, strikeStepPaise: 1000 });
    expect(r.instrument.lotSize).toBe(500);
    // Below 1140 the listed step is 20: ITM… for calls walks down 1140 → 1120 → 1100.
    const low = resolveOption(m!, { underlying: 'RELIANCE', asOf: '2026-08-18', spotPaise: 114_000, right: 'CE', moneyness: -2 });
    expect(low.instrument.strikePaise).toBe(110_000);
  });

  it('logical symbols on the real dump', () => {
    expect(resolveLogical(m!, 'NIFTY-I', { asOf: '2026-08-18' }).tradingsymbol).toBe('NIFTY26AUGFUT');
    expect(resolveLogical(m!, 'BANKNIFTY FUT NEXT', { asOf: '2026-08-18' }).tradingsymbol).toBe('BANKNIFTY26SEPFUT');
    expect(resolveLogical(m!, 'NIFTY OTM2 PE NEXT', { asOf: '2026-08-18', spotPaise: 2_498_730 }).tradingsymbol).toBe('NIFTY26AUG24900PE');
    // The NSE dump's last_price is 0, so a spot price must be supplied.
    expect(() => resolveLogical(m!, 'NIFTY ATM CE', { asOf: '2026-08-18' })).toThrow(/pass spotPaise/);
  });
});
