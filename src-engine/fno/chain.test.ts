import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import { black76Price, forwardOf, smileVol } from './black76.js';
import { computeChain, maxPain, midPrice, type ContractState } from './chain.js';
import { yearsToExpiry } from './expiries.js';

const now = istTime('2026-08-18', '11:00');
const expiry = '2026-08-25';
const spot = 2_498_730;
const rate = 0.065;

/** A chain priced by Black-76 with a smile, quoted one tick either side of fair value. */
function chain(oi: (k: number, r: 'CE' | 'PE') => number): ContractState[] {
  const t = yearsToExpiry(expiry, now);
  const f = forwardOf(spot / 100, rate, t);
  const out: ContractState[] = [];
  for (let k = 2_400_000; k <= 2_600_000; k += 5000)
    for (const right of ['CE', 'PE'] as const) {
      const fair = Math.round(black76Price({ forward: f, strike: k / 100, t, vol: smileVol(0.13, k / 100, f), rate, right }) * 100);
      out.push({ symbol: `NIFTY26AUG${k / 100}${right}`, right, strikePaise: k, lastPaise: fair + 5, prevClosePaise: fair - 100, volume: 650, oi: oi(k, right), oiDayStart: 6500, bidPaise: fair - 5, askPaise: fair + 5 });
    }
  return out;
}

describe('option chain', () => {
  it('rows around ATM with IV recovering the smile from mid prices, Greeks, change and OI change', () => {
    const c = computeChain({ expiry, now, spotPaise: spot, rate, contracts: chain(() => 13_000), strikesEachSide: 5 });
    expect(c.atmStrikePaise).toBe(2_500_000);
    expect(c.rows.map((r) => r.strikePaise)).toEqual([2_475_000, 2_480_000, 2_485_000, 2_490_000, 2_495_000, 2_500_000, 2_505_000, 2_510_000, 2_515_000, 2_520_000, 2_525_000]);
    const f = c.forwardPaise / 100;
    for (const r of c.rows) {
      for (const s of [r.ce!, r.pe!]) {
        // the mid is the fair value rounded to a paisa: the IV is the smile's to a few 1e-5
        expect(Math.abs(s.iv! - smileVol(0.13, r.strikePaise / 100, f))).toBeLessThan(2e-4);
        expect(s.changePaise).toBe(105);
        expect(s.oiChange).toBe(6500);
      }
      expect(r.ce!.delta! - r.pe!.delta!).toBeCloseTo(Math.exp(-rate * c.t), 4); // CE and PE IVs differ by their mids' rounding
      expect(r.ce!.theta!).toBeLessThan(0);
      expect(r.ce!.vega!).toBeGreaterThan(0);
    }
    const atm = c.rows.find((r) => r.strikePaise === 2_500_000)!;
    expect(atm.ce!.delta!).toBeGreaterThan(0.4);
    expect(atm.ce!.delta!).toBeLessThan(0.6);
    expect(c.pcr).toBe(1);
  });

  it('PCR and max pain from open interest across every listed strike', () => {
    // heavy call writing at 25,200 and put writing at 24,800: pain is least in between
    const oi = (k: number, r: 'CE' | 'PE') => (r === 'CE' ? (k === 2_520_000 ? 500_000 : 10_000) : k === 2_480_000 ? 300_000 : 10_000);
    const c = computeChain({ expiry, now, spotPaise: spot, rate, contracts: chain(oi) });
    const ce = 40 * 10_000 + 500_000;
    const pe = 40 * 10_000 + 300_000;
    expect(c.totals).toMatchObject({ ceOi: ce, peOi: pe });
    expect(c.pcr).toBeCloseTo(pe / ce, 12);
    const mp = c.maxPainPaise!;
    expect(mp).toBeGreaterThanOrEqual(2_480_000);
    expect(mp).toBeLessThanOrEqual(2_520_000);
    // brute force agrees
    const all = chain(oi);
    const pay = (x: number) => all.reduce((s, o) => s + o.oi * (o.right === 'CE' ? Math.max(0, x - o.strikePaise) : Math.max(0, o.strikePaise - x)), 0);
    for (const o of all) expect(pay(mp)).toBeLessThanOrEqual(pay(o.strikePaise));
  });

  it('max pain on a hand example; none without OI', () => {
    expect(maxPain([
      { right: 'CE', strikePaise: 100, oi: 10 },
      { right: 'PE', strikePaise: 100, oi: 0 },
      { right: 'CE', strikePaise: 200, oi: 0 },
      { right: 'PE', strikePaise: 200, oi: 30 },
    ])).toBe(200); // expiry at 100: the 200 PE pays 30·100 = 3000; at 200: the 100 CE pays 10·100 = 1000
  });

  it('mid from both sides, else the last price; no IV for a price below intrinsic', () => {
    expect(midPrice({ bidPaise: 100, askPaise: 110, lastPaise: 200 })).toBe(105);
    expect(midPrice({ bidPaise: 100, lastPaise: 200 })).toBe(200);
    expect(midPrice({})).toBeUndefined();
    const deep: ContractState = { symbol: 'X', right: 'CE', strikePaise: 2_000_000, lastPaise: 100_000, volume: 0, oi: 0 };
    const c = computeChain({ expiry, now, spotPaise: spot, rate, contracts: [deep] });
    expect(c.rows[0]!.ce!.iv).toBeNull(); // ₹1,000 for a ₹4,987 intrinsic value
    expect(c.pcr).toBeNull();
    expect(c.maxPainPaise).toBeNull();
  });
});
