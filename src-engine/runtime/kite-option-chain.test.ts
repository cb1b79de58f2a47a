import { describe, expect, it } from 'vitest';
import type { KiteQuote } from '../adapters/kite/rest-types.js';
import { istTime } from '../core/nse-calendar.js';
import { black76Price, forwardOf } from '../fno/black76.js';
import { computeChain } from '../fno/chain.js';
import { yearsToExpiry } from '../fno/expiries.js';
import { InstrumentMaster, parseInstrumentsCsv } from '../model/instrument-master.js';
import type { ChainQuote } from '../adapters/kite/kite-feed.js';
import { KiteOptionChain } from './kite-option-chain.js';

/** A small dump: NIFTY 50, two futures, the 2026-08-18 weekly and 2026-08-25 monthly at 24,900–25,100. */
function dump(): InstrumentMaster {
  const rows = ['instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange', '256265,1001,NIFTY 50,NIFTY 50,0.0,,0.0,0.0,0,EQ,INDICES,NSE'];
  rows.push('14866434,58072,NIFTY26AUGFUT,NIFTY,0.0,2026-08-25,0.0,0.1,65,FUT,NFO-FUT,NFO', '17512194,68407,NIFTY26SEPFUT,NIFTY,0.0,2026-09-29,0.0,0.1,65,FUT,NFO-FUT,NFO', '17512195,68408,NIFTY26OCTFUT,NIFTY,0.0,2026-10-27,0.0,0.1,65,FUT,NFO-FUT,NFO');
  let token = 20_000_002;
  for (const [expiry, form] of [['2026-08-18', (k: number, r: string) => `NIFTY26818${k}${r}`], ['2026-08-25', (k: number, r: string) => `NIFTY26AUG${k}${r}`]] as const)
    for (let k = 24_900; k <= 25_100; k += 50) for (const r of ['CE', 'PE']) rows.push(`${(token += 256)},${token >> 8},${form(k, r)},NIFTY,0.0,${expiry},${k}.0,0.05,65,${r},NFO-OPT,NFO`);
  const p = parseInstrumentsCsv(rows.join('\n'));
  expect(p.badRows).toEqual([]);
  return new InstrumentMaster(p.instruments);
}

const level = (price: number, qty: number) => ({ pricePaise: price, quantity: qty, orders: qty > 0 ? 1 : 0 });
function quote(lastPaise: number, close: number, oi: number, bid: number, ask: number): KiteQuote {
  return {
    instrumentToken: 0, timestamp: null, lastTradeTime: null, lastPricePaise: lastPaise, lastQuantity: 65, averagePricePaise: lastPaise, volume: 6500, buyQuantity: 0, sellQuantity: 0,
    oi, netChangePaise: 0, lowerCircuitPaise: 0, upperCircuitPaise: 0, ohlc: { open: close, high: close, low: close, close },
    depth: { buy: [level(bid, bid > 0 ? 650 : 0), level(0, 0)], sell: [level(ask, 650)] },
  };
}

describe('option chain under Kite: the dump and one /quote call', () => {
  const now = istTime('2026-08-18', '11:00');
  const spot = 2_498_730;

  it('expiries, futures and the underlyings from the dump; one quote call for the index and every listed option', async () => {
    const asked: string[][] = [];
    const t = yearsToExpiry('2026-08-25', now);
    const f = forwardOf(spot / 100, 0.065, t);
    const chain = new KiteOptionChain(dump(), {
      quote: (keys) => {
        asked.push([...keys]);
        const out: Record<string, KiteQuote> = { 'NSE:NIFTY 50': quote(spot, 2_490_000, 0, 0, 0) };
        for (const k of keys.slice(1)) {
          const m = /NIFTY26AUG(\d+)(CE|PE)$/.exec(k);
          if (!m) continue;
          const fair = Math.round(black76Price({ forward: f, strike: Number(m[1]), t, vol: 0.14, rate: 0.065, right: m[2] as 'CE' | 'PE' }) * 20) * 5;
          out[k] = quote(fair, fair - 500, 130_000, fair - 5, fair + 5);
        }
        return Promise.resolve(out);
      },
    });
    expect(chain.underlyings()).toEqual(['NIFTY']); // BANKNIFTY and FINNIFTY are not in this dump
    expect(chain.expiries('NIFTY', now)).toEqual(['2026-08-18', '2026-08-25']);
    expect(chain.expiries('NIFTY', istTime('2026-08-18', '15:30'))).toEqual(['2026-08-25']);
    expect(chain.futures('NIFTY', now)).toEqual([{ symbol: 'NIFTY26AUGFUT', expiry: '2026-08-25' }, { symbol: 'NIFTY26SEPFUT', expiry: '2026-09-29' }]);

    const { spotPaise, states } = await chain.load('NIFTY', '2026-08-25');
    expect(asked).toHaveLength(1);
    expect(asked[0]![0]).toBe('NSE:NIFTY 50');
    expect(asked[0]).toHaveLength(1 + 10);
    expect(spotPaise).toBe(spot);
    const ce = states.find((s) => s.symbol === 'NIFTY26AUG25000CE')!;
    expect(ce).toMatchObject({ right: 'CE', strikePaise: 2_500_000, volume: 6500, oi: 130_000 });
    expect(ce.prevClosePaise).toBe(ce.lastPaise! - 500);
    expect(ce.askPaise! - ce.bidPaise!).toBe(10);
    // through the chain: the IV Kite's quotes imply is the 14 % they were made with
    const c = computeChain({ expiry: '2026-08-25', now, spotPaise: spotPaise!, rate: 0.065, contracts: states, strikesEachSide: 2 });
    expect(c.atmStrikePaise).toBe(2_500_000);
    for (const r of c.rows) expect(Math.abs(r.ce!.iv! - 0.14)).toBeLessThan(0.003);
    expect(c.pcr).toBe(1);
  });

  it('a quote without depth or a trade: no bid/ask or LTP (no IV), never made up', async () => {
    const chain = new KiteOptionChain(dump(), { quote: () => Promise.resolve({ 'NSE:NIFTY 50': quote(spot, spot, 0, 0, 0) }) });
    const { states } = await chain.load('NIFTY', '2026-08-18');
    expect(states).toHaveLength(10);
    for (const s of states) expect(s).toMatchObject({ lastPaise: undefined, bidPaise: undefined, askPaise: undefined, oi: 0, volume: 0 });
  });
});

describe('option chain under Kite: the shown strikes on the ticker', () => {
  it('follows the index and ATM ± (strikes + 2) of the expiry; states from the last packets; the index from elsewhere until its own', async () => {
    const m = dump();
    const watched: number[][] = [];
    const packets = new Map<number, ChainQuote>();
    let elsewhere: number | undefined = 2_501_000;
    const chain = new KiteOptionChain(m, { ticker: { watch: (t) => void watched.push([...t]), quote: (t) => packets.get(t), spot: () => elsewhere } });
    const tok = (s: string) => m.get('NFO', s)!.instrumentToken;
    // 24,900–25,100 listed, ATM 25,000, 0 strikes each side + the 2 margin: all five strikes of the weekly
    let r = await chain.load('NIFTY', '2026-08-18', 0);
    expect(r.spotPaise).toBe(2_501_000);
    expect(watched.at(-1)![0]).toBe(256265); // the index first
    expect(watched.at(-1)!.slice(1).sort()).toEqual(m.optionChain('NIFTY', '2026-08-18', 'CE').concat(m.optionChain('NIFTY', '2026-08-18', 'PE')).map((i) => i.instrumentToken).sort());
    expect(r.states.every((s) => s.lastPaise === undefined)).toBe(true); // no packet yet: no price, never made up
    packets.set(tok('NIFTY2681825000CE'), { lastPaise: 9_000, closePaise: 8_500, volume: 650, oi: 13_000, bidPaise: 8_995, askPaise: 9_005 });
    packets.set(256265, { lastPaise: 2_498_000, closePaise: 2_490_000, volume: 0, oi: 0 });
    elsewhere = undefined;
    r = await chain.load('NIFTY', '2026-08-18', 0);
    expect(r.spotPaise).toBe(2_498_000);
    expect(r.states.find((s) => s.symbol === 'NIFTY2681825000CE')).toEqual({ symbol: 'NIFTY2681825000CE', right: 'CE', strikePaise: 2_500_000, lastPaise: 9_000, prevClosePaise: 8_500, volume: 650, oi: 13_000, bidPaise: 8_995, askPaise: 9_005 });
  });
});
