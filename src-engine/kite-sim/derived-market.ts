/**
 * Prices of the instruments the MarketSource does not tick itself: indices (baskets of their
 * constituent equities, or a hidden random walk), futures (cost of carry) and options (Black-76
 * with a smile), plus their open interest. Driven by the market's ticks: each equity / hidden tick
 * moves its indices (an index prints at most once per simulated second) and trades a few of the
 * derivatives on it, the liquid ones (near the money, near expiry) more often. All model
 * parameters are GUESSES (README.md "Derived prices"); prices are snapped to each instrument's tick.
 */
import { IST_OFFSET_MS } from '../core/ist.js';
import { snapToTick } from '../core/prices.js';
import { Rng } from '../core/random.js';
import { black76Price, forwardOf, smileVol } from '../fno/black76.js';
import { YEAR_MS, expiryCloseMs } from '../fno/expiries.js';
import { CARRY_RATE, INDEX_VOL, STOCK_VOL } from '../fno/sim-model.js';
import type { InstrumentState, SimExchange } from './exchange.js';
import type { SimInstrument } from './instruments.js';
import type { Universe } from './universe.js';

const DAY_MS = 86_400_000;
/** Interest rate in the futures' carry and the options' discounting; at-the-money implied volatilities (fno/sim-model.ts, guesses). */
export { CARRY_RATE, INDEX_VOL, STOCK_VOL } from '../fno/sim-model.js';
/** An index prints at most this often (simulated ms). NSE disseminates index values about every second [S]. */
export const INDEX_INTERVAL_MS = 1000;
/** The derivatives of one underlying trade at most this often (simulated ms): bounds the work per market tick. A simulator choice. */
export const DERIVED_INTERVAL_MS = 1000;

/** Fair value (paise, unsnapped) of a future or option on an underlying at `spotPaise`, at `now`: the shared model (fno/black76.ts). */
export function fairValue(inst: SimInstrument, spotPaise: number, now: number): number {
  const expiryMs = inst.expiry ? expiryCloseMs(inst.expiry) : now;
  const t = Math.max(60_000, expiryMs - now) / YEAR_MS;
  const f = forwardOf(spotPaise, CARRY_RATE, t);
  if (inst.instrumentType === 'FUT') return f;
  const k = inst.strikePaise ?? f;
  const vol = smileVol(inst.underlyingIsIndex ? INDEX_VOL : STOCK_VOL, k, f);
  return black76Price({ forward: f, strike: k, t, vol, rate: CARRY_RATE, right: inst.instrumentType === 'PE' ? 'PE' : 'CE' });
}

interface Group {
  futs: SimInstrument[];
  opts: SimInstrument[];
  /** Cumulative pick weights of opts (last = 1). */
  cum: Float64Array;
  /** When its derivatives last traded (simulated ms). */
  last: number;
}

interface Basket {
  members: number[];
  logBase: Float64Array;
  /** Amplification so a basket of independent walks has an index-like volatility (guess: 0.56·√n). */
  k: number;
  basePaise: number;
  lastEmit: number;
}

export class DerivedMarket {
  private readonly groups = new Map<number, Group>();
  private readonly baskets = new Map<number, Basket>();
  /** constituent token → the indices it is in */
  private readonly memberOf = new Map<number, number[]>();
  private readonly hiddenPrice = new Map<number, number>();
  private readonly dayVol = new Map<number, { day: number; vol: number }>();
  private readonly rng: Rng;
  private readonly byToken: Map<number, SimInstrument>;
  private ex: SimExchange | undefined;

  constructor(
    private readonly u: Universe,
    seed = 1,
  ) {
    this.rng = new Rng((seed ^ 0xd3e1) >>> 0);
    this.byToken = new Map(u.instruments.map((i) => [i.token, i]));
    for (const [t, h] of u.hidden) this.hiddenPrice.set(t, h.basePaise);
    for (const i of u.instruments) {
      if (i.underlyingToken === undefined) continue;
      let g = this.groups.get(i.underlyingToken);
      if (!g) this.groups.set(i.underlyingToken, (g = { futs: [], opts: [], cum: new Float64Array(0), last: -Infinity }));
      (i.instrumentType === 'FUT' ? g.futs : g.opts).push(i);
    }
    for (const g of this.groups.values()) {
      const w = g.opts.map((o) => Math.max(1, o.avgDailyVolume));
      const total = w.reduce((a, b) => a + b, 0);
      g.cum = new Float64Array(w.length);
      let acc = 0;
      w.forEach((x, i) => (g.cum[i] = acc += x / total));
    }
    for (const [idx, members] of u.baskets) {
      const inst = this.byToken.get(idx);
      if (!inst) continue;
      const logBase = Float64Array.from(members.map((m) => Math.log(this.basePrice(m))));
      this.baskets.set(idx, { members, logBase, k: members.length === 1 ? 1 : 0.56 * Math.sqrt(members.length), basePaise: inst.basePaise, lastEmit: -Infinity });
      for (const m of members) {
        const arr = this.memberOf.get(m) ?? [];
        arr.push(idx);
        this.memberOf.set(m, arr);
      }
    }
  }

  /** Sets the starting prices (basePaise) of indices and derivatives from their underlyings at `now`. Call before the exchange is built. */
  initialise(now: number): void {
    for (const [idx, b] of this.baskets) {
      const inst = this.byToken.get(idx)!;
      if (b.members.length === 1 && this.u.hidden.has(b.members[0]!)) inst.basePaise = snapToTick(this.basePrice(b.members[0]!), inst.tickPaise);
      b.basePaise = inst.basePaise;
    }
    for (const [ut, g] of this.groups) {
      const spot = this.basePrice(ut);
      for (const d of [...g.futs, ...g.opts]) d.basePaise = Math.max(d.tickPaise, snapToTick(fairValue(d, spot, now), d.tickPaise));
    }
  }

  /** The exchange whose instrument states receive the derived prints. */
  attach(ex: SimExchange): void {
    this.ex = ex;
    for (const g of this.groups.values()) {
      for (const d of [...g.futs, ...g.opts]) {
        const st = ex.states.get(d.token);
        if (!st) continue;
        const oi = d.lotSize * Math.max(1, Math.round((d.avgDailyVolume / d.lotSize) * (0.3 + 0.7 * this.rng.uniform())));
        Object.assign(st, { oi, oiDayHigh: oi, oiDayLow: oi });
      }
    }
  }

  /** The underlying's current price (an instrument's last price, or a hidden underlying's), paise. */
  spot(token: number): number | undefined {
    return this.hiddenPrice.get(token) ?? this.ex?.states.get(token)?.lastPaise;
  }

  /**
   * A market tick of `token` (an equity or a hidden underlying) at `lastPaise`: moves the indices it
   * belongs to and trades some derivatives. Returns the tokens whose state changed.
   */
  onTick(token: number, lastPaise: number, ts: number): number[] {
    const changed: number[] = [];
    if (this.hiddenPrice.has(token)) this.hiddenPrice.set(token, lastPaise);
    this.tradeDerivatives(token, ts, changed);
    for (const idx of this.memberOf.get(token) ?? []) {
      const b = this.baskets.get(idx)!;
      if (ts - b.lastEmit < INDEX_INTERVAL_MS && b.members.length > 1) continue;
      b.lastEmit = ts;
      let sum = 0;
      for (let i = 0; i < b.members.length; i++) sum += Math.log(this.spot(b.members[i]!) ?? Math.exp(b.logBase[i]!)) - b.logBase[i]!;
      const level = b.basePaise * Math.exp((b.k * sum) / b.members.length);
      const inst = this.byToken.get(idx)!;
      this.print(inst, Math.max(inst.tickPaise, snapToTick(level, inst.tickPaise)), 0, ts);
      changed.push(idx);
      this.tradeDerivatives(idx, ts, changed);
    }
    return changed;
  }

  private tradeDerivatives(underlying: number, ts: number, changed: number[]): void {
    const g = this.groups.get(underlying);
    if (!g || !this.ex || ts - g.last < DERIVED_INTERVAL_MS) return;
    g.last = ts;
    const spot = this.spot(underlying);
    if (spot === undefined) return;
    for (const f of g.futs) {
      if (this.rng.uniform() < 0.5) continue;
      this.trade(f, spot, ts, changed);
    }
    if (g.opts.length === 0) return;
    // Poisson number of option prints per round (at most one round per DERIVED_INTERVAL_MS)
    const lambda = Math.min(8, 0.5 + 0.02 * g.opts.length);
    let picks = 0;
    for (let p = Math.exp(-lambda), s = p, u = this.rng.uniform(); u > s && picks < 20; ) {
      picks++;
      p *= lambda / picks;
      s += p;
    }
    for (let n = 0; n < picks; n++) {
      const u = this.rng.uniform();
      let lo = 0;
      let hi = g.cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (u < g.cum[mid]!) hi = mid;
        else lo = mid + 1;
      }
      this.trade(g.opts[lo]!, spot, ts, changed);
    }
  }

  private trade(d: SimInstrument, spot: number, ts: number, changed: number[]): void {
    const st = this.ex!.states.get(d.token);
    if (!st) return;
    if (d.expiry && expiryCloseMs(d.expiry) <= ts) return; // expired contracts stop trading
    const price = Math.max(d.tickPaise, snapToTick(fairValue(d, spot, ts), d.tickPaise));
    const lots = 1 + Math.floor(-Math.log(1 - this.rng.uniform()) * 3);
    const qty = lots * d.lotSize;
    this.print(d, price, qty, ts);
    // open interest: a trade opens or closes positions
    const s = st as InstrumentState & { oi?: number; oiDayHigh?: number; oiDayLow?: number };
    const delta = d.lotSize * Math.round((this.rng.uniform() - 0.45) * 2 * lots);
    s.oi = Math.max(d.lotSize, (s.oi ?? d.lotSize) + delta);
    s.oiDayHigh = Math.max(s.oiDayHigh ?? s.oi, s.oi);
    s.oiDayLow = Math.min(s.oiDayLow ?? s.oi, s.oi);
    changed.push(d.token);
  }

  /** One print into the exchange; the day's volume restarts on a new IST date (which rolls the previous close). */
  private print(inst: SimInstrument, price: number, qty: number, ts: number): void {
    const day = Math.floor((ts + IST_OFFSET_MS) / DAY_MS);
    let v = this.dayVol.get(inst.token);
    if (!v || v.day !== day) {
      if (v) {
        const st = this.ex!.states.get(inst.token) as (InstrumentState & { oi?: number; oiDayHigh?: number; oiDayLow?: number }) | undefined;
        if (st && st.oi !== undefined) st.oiDayHigh = st.oiDayLow = st.oi;
      }
      v = { day, vol: 0 };
      this.dayVol.set(inst.token, v);
    }
    // indices have no volume; their counter only marks the new session for marketTick (quotes show 0)
    v.vol += qty > 0 ? qty : 1;
    this.ex!.marketTick(inst.token, price, qty, v.vol, ts);
  }

  private basePrice(token: number): number {
    return this.hiddenPrice.get(token) ?? this.byToken.get(token)?.basePaise ?? 100;
  }
}
