import { join } from 'node:path';
import { KiteTicker } from 'kiteconnect';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrame, TickBatch } from '../adapters/kite/tick-codec.js';
import { istTime, nseCalendar } from '../core/nse-calendar.js';
import { InstrumentMaster, parseInstrumentsCsv } from '../model/instrument-master.js';
import { NIFTY50_SEEDS } from '../model/instruments.js';
import { SHARED_DIR, sharedFiles } from '../../test/support/external-inputs.js';
import { fairValue } from './derived-market.js';
import { instrumentsCsv } from './instruments.js';
import { KiteSimulator } from './kite-simulator.js';
import { GeneratedMarket } from './market-source.js';
import { fnoSymbol, generateUniverse, monthlyExpiry, universeFromDump, weeklyExpiries } from './universe.js';

const T0 = Date.parse('2026-08-18T04:00:00Z'); // Tue 2026-08-18 09:30 IST

describe('generated universe', () => {
  const u = generateUniverse(NIFTY50_SEEDS, T0);
  const by = (s: string) => u.instruments.find((i) => i.tradingsymbol === s);

  it('has the NIFTY 50 equities with real tokens and ticks, indices with real tokens (segment 9), NFO and BFO derivatives', () => {
    expect(by('INFY')).toMatchObject({ token: 408065, exchangeToken: 1594, tickPaise: 10, segment: 'NSE', lotSize: 1 });
    expect(by('TATASTEEL')!.tickPaise).toBe(1);
    expect(by('NIFTY 50')).toMatchObject({ token: 256265, segment: 'INDICES', tradable: false });
    expect(by('NIFTY BANK')!.token).toBe(260105);
    expect(by('NIFTY FIN SERVICE')!.token).toBe(257801);
    expect(by('SENSEX')).toMatchObject({ token: 265, exchange: 'BSE' });
    for (const i of u.instruments) expect(i.token & 0xff).toBe(i.segment === 'INDICES' ? 9 : { NSE: 1, NFO: 2, BSE: 4, BFO: 5 }[i.exchange]);
    expect(new Set(u.instruments.map((i) => i.token)).size).toBe(u.instruments.length);
    expect(new Set(u.instruments.map((i) => `${i.exchange}:${i.tradingsymbol}`)).size).toBe(u.instruments.length);
    expect(by('NIFTY26AUGFUT')).toMatchObject({ exchange: 'NFO', segment: 'NFO-FUT', lotSize: 65, tickPaise: 10, expiry: '2026-08-25' });
    expect(by('BANKNIFTY26SEPFUT')).toMatchObject({ lotSize: 30, tickPaise: 20, expiry: '2026-09-29' });
    expect(by('RELIANCE26AUGFUT')).toMatchObject({ lotSize: 500, underlyingToken: 738561 });
    expect(u.instruments.filter((i) => i.exchange === 'BFO').length).toBeGreaterThan(100);
  });

  it('expiries: NIFTY weekly on Tuesdays plus the monthlies (last Tuesday), moved before holidays; other indices monthly only', () => {
    const niftyExp = [...new Set(u.instruments.filter((i) => i.name === 'NIFTY' && i.instrumentType === 'CE').map((i) => i.expiry))].sort();
    // the same series the real 2026-08-18 NFO dump lists for its first expiries
    expect(niftyExp.slice(0, 5)).toEqual(['2026-08-18', '2026-08-25', '2026-09-01', '2026-09-08', '2026-09-29']);
    expect(by('NIFTY2681824500CE')).toMatchObject({ strikePaise: 2_450_000, expiry: '2026-08-18', instrumentType: 'CE', tickPaise: 5 });
    expect(by('NIFTY26AUG24500PE')).toBeDefined(); // the monthly uses the month name
    const bank = new Set(u.instruments.filter((i) => i.name === 'BANKNIFTY' && i.instrumentType === 'PE').map((i) => i.expiry));
    expect([...bank].sort()).toEqual(['2026-08-25', '2026-09-29', '2026-10-27']);
    for (const e of niftyExp) expect(nseCalendar.isTradingDay(e!)).toBe(true);
    // 2026-03-31 and 2026-11-24 are Tuesday holidays: those monthlies expire on the Monday before
    // (the real dump does the same for 2029-12-25 → 2029-12-24; the calendar has holiday data for 2024–2026 only)
    expect(monthlyExpiry(2026, 3, 2)).toBe('2026-03-30');
    expect(monthlyExpiry(2026, 11, 2)).toBe('2026-11-23');
    expect(weeklyExpiries(istTime('2026-08-18', '15:31'), 1, 2)).toEqual(['2026-08-25']);
    expect(fnoSymbol('ITC', '2026-08-25', 'CE', 27_750, true)).toBe('ITC26AUG277.5CE');
    expect(fnoSymbol('NIFTY', '2026-10-06', 'PE', 2_500_000, false)).toBe('NIFTY26O0625000PE');
  });

  it('strikes sit on the step around the underlying; options are priced like options (put-call parity, intrinsic ≤ price)', () => {
    const spot = by('NIFTY 50')!.basePaise;
    const ce = by('NIFTY26AUG24500CE')!;
    const pe = by('NIFTY26AUG24500PE')!;
    const c = fairValue(ce, spot, T0);
    const p = fairValue(pe, spot, T0);
    const t = (istTime('2026-08-25', '15:30') - T0) / (365 * 86_400_000);
    const parity = (spot * Math.exp(0.065 * t) - 2_450_000) * Math.exp(-0.065 * t);
    expect(c - p).toBeCloseTo(parity, 0);
    expect(c).toBeGreaterThanOrEqual(Math.max(0, spot - 2_450_000) - 1);
    const strikes = u.instruments.filter((i) => i.name === 'NIFTY' && i.expiry === '2026-08-25' && i.instrumentType === 'CE').map((i) => i.strikePaise!);
    expect(strikes.every((s) => s % 5000 === 0)).toBe(true);
    expect(Math.min(...strikes)).toBeLessThan(spot);
    expect(Math.max(...strikes)).toBeGreaterThan(spot);
  });

  it('custom seeds: real facts where known, bands elsewhere; every index still has a basket', () => {
    const small = generateUniverse([{ symbol: 'ACME', name: 'Acme', basePaise: 12_345, avgDailyVolume: 1000 }, NIFTY50_SEEDS.find((s) => s.symbol === 'SBIN')!], T0);
    expect(small.instruments[0]).toMatchObject({ tradingsymbol: 'ACME', tickPaise: 1, segment: 'NSE' }); // ₹123.45: the < ₹250 band
    expect(small.instruments[0]!.token & 0xff).toBe(1);
    expect(small.instruments[1]).toMatchObject({ tradingsymbol: 'SBIN', token: 779521 });
    for (const members of small.baskets.values()) expect(members.length).toBeGreaterThan(0);
    expect(small.instruments.some((i) => i.tradingsymbol === 'SBIN26AUGFUT')).toBe(true);
    expect(small.instruments.some((i) => i.name === 'ACME' && i.instrumentType === 'FUT')).toBe(false); // no F&O facts for it
  });

  it('the CSV round-trips through the engine\'s instrument master parser (indices: tick 0.0, lot 0)', () => {
    const csv = instrumentsCsv(u.instruments, (i) => i.basePaise);
    const parsed = parseInstrumentsCsv(csv, 'sim.csv');
    expect(parsed.badRows).toEqual([]);
    expect(parsed.instruments).toHaveLength(u.instruments.length);
    const m = new InstrumentMaster(parsed.instruments);
    expect(m.byKey('NSE:NIFTY 50')).toMatchObject({ tickSizePaise: 0, lotSize: 0, segment: 'INDICES' });
    expect(m.optionExpiries('NIFTY').slice(0, 2)).toEqual(['2026-08-18', '2026-08-25']);
    expect(m.futures('RELIANCE').map((f) => f.tradingsymbol)).toEqual(['RELIANCE26AUGFUT', 'RELIANCE26SEPFUT', 'RELIANCE26OCTFUT']);
  });
});

describe('the simulator on the generated universe', () => {
  const sim = new KiteSimulator();
  afterAll(() => sim.close());

  it('indices tick as baskets of their constituents; futures and options trade with OI; the index packets are 28/32 B end to end', async () => {
    const market = new GeneratedMarket({ seeds: NIFTY50_SEEDS, seed: 5, startTime: T0 });
    await sim.start({ port: 0, market, flushIntervalMs: 1_000_000 });
    market.stop();
    const ex = sim.exchange;
    const nifty = ex.lookup('NSE:NIFTY 50')!;
    const fut = ex.lookup('NFO:NIFTY26AUGFUT')!;
    const start = { idx: nifty.lastPaise, fut: fut.lastPaise };
    market.advance(10 * 60_000);
    expect(nifty.lastPaise).not.toBe(start.idx);
    expect(fut.lastPaise).not.toBe(start.fut);
    expect(fut.lastPaise % 10).toBe(0);
    expect(Math.abs(fut.lastPaise / nifty.lastPaise - 1)).toBeLessThan(0.01); // a week of carry
    expect(fut.oi).toBeGreaterThan(0);
    expect(fut.oi! % 65).toBe(0);
    expect(fut.volume % 65).toBe(0);
    const traded = [...ex.states.values()].filter((s) => s.inst.instrumentType === 'CE' && s.traded);
    expect(traded.length).toBeGreaterThan(20);
    for (const s of traded) expect(s.lastPaise % s.inst.tickPaise).toBe(0);
    // quotes: an index has no depth or volume; an option carries OI
    expect(ex.quoteRow(nifty, 'quote')).toMatchObject({ volume: 0, buy_quantity: 0, depth: { buy: [{ price: 0, quantity: 0, orders: 0 }, {}, {}, {}, {}] } });
    expect((ex.quoteRow(traded[0]!, 'quote') as { oi: number }).oi).toBeGreaterThan(0);
    // ticker packets of the index: tradable false, 8 / 28 / 32 bytes
    for (const [mode, len] of [['ltp', 8], ['quote', 28], ['full', 32]] as const) {
      const t = ex.tickOf(nifty, mode);
      expect(t.tradable).toBe(false);
      const b = new TickBatch();
      const { encodeFrame } = await import('../adapters/kite/tick-codec.js');
      const frame = encodeFrame([t]);
      expect(frame.length).toBe(4 + len);
      decodeFrame(frame, b);
      expect(b.toTicks()[0]!.lastPrice).toBe(nifty.lastPaise);
    }
    // the official JS client's parser reads them as index ticks (kiteconnect 5.3.0, KiteTicker.prototype.parseBinary)
    const { encodeFrame: enc } = await import('../adapters/kite/tick-codec.js');
    const frame = enc([ex.tickOf(nifty, 'quote'), ex.tickOf(nifty, 'full')]);
    const parse = (KiteTicker as unknown as { prototype: { parseBinary(b: ArrayBuffer): Record<string, unknown>[] } }).prototype.parseBinary;
    const [jq, jf] = parse(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer);
    expect(jq).toMatchObject({ tradable: false, mode: 'quote', instrument_token: 256265, last_price: nifty.lastPaise / 100, ohlc: { close: nifty.closePaise / 100 } });
    expect(jf).toMatchObject({ tradable: false, mode: 'full', exchange_timestamp: expect.any(Date) });
    expect(jf).not.toHaveProperty('depth');
    // an index cannot be ordered
    expect(() => ex.place('regular', { exchange: 'NSE', tradingsymbol: 'NIFTY 50', transaction_type: 'BUY', order_type: 'LIMIT', quantity: '1', product: 'MIS', price: '100' })).toThrow(/index/);
  });
});

const NSE_DUMP = join(SHARED_DIR, 'data/kite/instruments/instruments_NSE_2025-10-06.csv');
const NFO_DUMP = join(SHARED_DIR, 'data/kite/instruments/instruments_NFO_2026-08-18.csv');
const haveDumps = sharedFiles(import.meta.url, 'shared-data', NSE_DUMP, NFO_DUMP);

describe.skipIf(!haveDumps)('the simulator on the real NSE + NFO dumps (../shared/data/kite/instruments)', () => {
  it('builds a universe: every row served, derivatives priced from their underlying (NSE equity or index basket)', () => {
    const { master } = InstrumentMaster.fromFiles([NSE_DUMP, NFO_DUMP]);
    const u = universeFromDump(master.instruments, NIFTY50_SEEDS);
    expect(u.instruments).toHaveLength(master.size);
    const rel = u.instruments.find((i) => i.exchange === 'NFO' && i.tradingsymbol === 'RELIANCE26AUGFUT')!;
    expect(rel.underlyingToken).toBe(738561);
    const nifty = u.instruments.find((i) => i.tradingsymbol === 'NIFTY26AUGFUT')!;
    expect(nifty).toMatchObject({ underlyingToken: 256265, underlyingIsIndex: true, lotSize: 65, tickPaise: 10 });
    expect(u.baskets.get(256265)!.length).toBeGreaterThan(40);
    expect(u.hidden.size).toBeGreaterThan(0); // the NSE dump is older than the NFO dump: some underlyings are missing
  });

  it('serves both dumps: /instruments/NFO round-trips, NIFTY options get prices near their fair value and OI; the index ticks', async () => {
    const sim = new KiteSimulator();
    const r = await sim.start({ port: 0, instruments: [NSE_DUMP, NFO_DUMP], seed: 3, startTime: T0, speed: 1, flushIntervalMs: 1_000_000 });
    try {
      const m = sim.marketSource as GeneratedMarket;
      m.stop();
      const res = await fetch(`${r.url}/instruments/NFO`);
      expect(res.headers.get('content-type')).toBe('text/csv');
      const parsed = parseInstrumentsCsv(await res.text(), 'NFO');
      expect(parsed.badRows).toEqual([]);
      expect(parsed.instruments).toHaveLength(34_764);
      const nse = parseInstrumentsCsv(await (await fetch(`${r.url}/instruments/NSE`)).text(), 'NSE');
      expect(nse.instruments).toHaveLength(8_320);
      expect(nse.instruments.find((i) => i.tradingsymbol === 'NIFTY 50')).toMatchObject({ instrumentToken: 256265, segment: 'INDICES', tickSizePaise: 0 });
      m.advance(5 * 60_000);
      const ex = sim.exchange;
      const idx = ex.lookup('NSE:NIFTY 50')!;
      expect(idx.traded).toBe(true);
      const opts = [...ex.states.values()].filter((s) => s.inst.name === 'NIFTY' && s.inst.instrumentType !== 'FUT' && s.traded);
      expect(opts.length).toBeGreaterThan(10);
      for (const s of opts) {
        expect(s.lastPaise % 5).toBe(0);
        expect(s.oi).toBeGreaterThan(0);
        expect(s.volume % 65).toBe(0);
      }
    } finally {
      await r.close();
    }
  }, 60_000);
});
