/**
 * The option chain of one underlying and expiry, computed from per-contract market state: per strike the
 * CE and PE last price, change, open interest and its change, volume, and IV and Greeks by Black-76 on the
 * MID price (best bid and ask; the last price when a side of the book is missing), with the time to
 * expiry in IST calendar time (15:30 of the expiry day) and a given rate; the forward is the spot carried
 * at that rate, F = S·e^(rT). Also the put–call ratio of open interest and the max-pain strike, both over
 * EVERY listed strike of the expiry (not only the rows shown). Pure: the engine feeds it (fno-chain service).
 */
import { black76Greeks, forwardOf, impliedVol, type OptionRight } from './black76.js';
import { yearsToExpiry } from './expiries.js';
import type { IsoDay } from '../core/nse-calendar.js';

export interface ContractState {
  symbol: string;
  right: OptionRight;
  strikePaise: number;
  /** Last traded price, paise (undefined: no trade yet). */
  lastPaise?: number | undefined;
  prevClosePaise?: number | undefined;
  volume: number;
  oi: number;
  /** Open interest at the start of the day. */
  oiDayStart?: number | undefined;
  bidPaise?: number | undefined;
  askPaise?: number | undefined;
}

export interface ChainSide {
  symbol: string;
  lastPaise: number | null;
  changePaise: number | null;
  volume: number;
  oi: number;
  oiChange: number;
  bidPaise: number | null;
  askPaise: number | null;
  /** Annualised implied volatility (0.15 = 15 %), null when the price implies none. */
  iv: number | null;
  delta: number | null;
  gamma: number | null;
  /** Rupees per calendar day, per unit. */
  theta: number | null;
  /** Rupees per volatility point, per unit. */
  vega: number | null;
}

export interface ChainRow {
  strikePaise: number;
  ce: ChainSide | null;
  pe: ChainSide | null;
}

export interface ChainInput {
  expiry: IsoDay;
  now: number;
  spotPaise: number;
  /** Annual rate, e.g. 0.065. */
  rate: number;
  contracts: readonly ContractState[];
  /** Strikes each side of ATM to return (default 10). */
  strikesEachSide?: number;
}

export interface Chain {
  atmStrikePaise: number;
  forwardPaise: number;
  /** Years to expiry used by the model. */
  t: number;
  rows: ChainRow[];
  /** Σ PE open interest / Σ CE open interest over all listed strikes; null when CE OI is 0. */
  pcr: number | null;
  /** The strike where option writers pay the least at expiry, given current OI; null without OI. */
  maxPainPaise: number | null;
  totals: { ceOi: number; peOi: number; ceVolume: number; peVolume: number };
}

/** The mid price used for IV: (bid + ask) / 2 with both sides, else the last price. */
export function midPrice(c: Pick<ContractState, 'bidPaise' | 'askPaise' | 'lastPaise'>): number | undefined {
  if (c.bidPaise && c.askPaise && c.bidPaise > 0 && c.askPaise >= c.bidPaise) return (c.bidPaise + c.askPaise) / 2;
  return c.lastPaise && c.lastPaise > 0 ? c.lastPaise : undefined;
}

/** Max pain: argmin over listed strikes X of Σ_K CE_OI(K)·max(0, X−K) + PE_OI(K)·max(0, K−X). */
export function maxPain(contracts: readonly Pick<ContractState, 'right' | 'strikePaise' | 'oi'>[]): number | null {
  const strikes = [...new Set(contracts.map((c) => c.strikePaise))].sort((a, b) => a - b);
  if (strikes.length === 0 || contracts.every((c) => c.oi <= 0)) return null;
  let best: number | null = null;
  let bestPay = Infinity;
  for (const x of strikes) {
    let pay = 0;
    for (const c of contracts) pay += c.oi * (c.right === 'CE' ? Math.max(0, x - c.strikePaise) : Math.max(0, c.strikePaise - x));
    if (pay < bestPay) [best, bestPay] = [x, pay];
  }
  return best;
}

function side(c: ContractState, forwardRupees: number, t: number, rate: number): ChainSide {
  const out: ChainSide = {
    symbol: c.symbol,
    lastPaise: c.lastPaise ?? null,
    changePaise: c.lastPaise !== undefined && c.prevClosePaise !== undefined ? c.lastPaise - c.prevClosePaise : null,
    volume: c.volume,
    oi: c.oi,
    oiChange: c.oi - (c.oiDayStart ?? c.oi),
    bidPaise: c.bidPaise ?? null,
    askPaise: c.askPaise ?? null,
    iv: null,
    delta: null,
    gamma: null,
    theta: null,
    vega: null,
  };
  const mid = midPrice(c);
  if (mid === undefined || !(t > 0)) return out;
  const base = { forward: forwardRupees, strike: c.strikePaise / 100, t, rate, right: c.right };
  const iv = impliedVol(mid / 100, base);
  if (iv === null) return out;
  const g = black76Greeks({ ...base, vol: iv });
  return { ...out, iv, delta: g.delta, gamma: g.gamma, theta: g.theta, vega: g.vega };
}

export function computeChain(i: ChainInput): Chain {
  if (!(Number.isFinite(i.spotPaise) && i.spotPaise > 0)) throw new RangeError(`option chain: spotPaise must be > 0, got ${String(i.spotPaise)}`);
  const t = yearsToExpiry(i.expiry, i.now);
  const forward = forwardOf(i.spotPaise / 100, i.rate, t);
  const strikes = [...new Set(i.contracts.map((c) => c.strikePaise))].sort((a, b) => a - b);
  if (strikes.length === 0) throw new RangeError(`option chain: no contracts listed for ${i.expiry}`);
  let atm = 0;
  for (let k = 1; k < strikes.length; k++) if (Math.abs(strikes[k]! - i.spotPaise) <= Math.abs(strikes[atm]! - i.spotPaise)) atm = k;
  const each = i.strikesEachSide ?? 10;
  const shown = strikes.slice(Math.max(0, atm - each), atm + each + 1);
  const by = new Map(i.contracts.map((c) => [`${c.strikePaise}|${c.right}`, c]));
  const rows = shown.map((k) => {
    const ce = by.get(`${k}|CE`);
    const pe = by.get(`${k}|PE`);
    return { strikePaise: k, ce: ce ? side(ce, forward, t, i.rate) : null, pe: pe ? side(pe, forward, t, i.rate) : null };
  });
  const totals = { ceOi: 0, peOi: 0, ceVolume: 0, peVolume: 0 };
  for (const c of i.contracts) {
    if (c.right === 'CE') {
      totals.ceOi += c.oi;
      totals.ceVolume += c.volume;
    } else {
      totals.peOi += c.oi;
      totals.peVolume += c.volume;
    }
  }
  return {
    atmStrikePaise: strikes[atm]!,
    forwardPaise: Math.round(forward * 100),
    t,
    rows,
    pcr: totals.ceOi > 0 ? totals.peOi / totals.ceOi : null,
    maxPainPaise: maxPain(i.contracts),
    totals,
  };
}
