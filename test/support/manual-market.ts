import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { snapToTick } from '../../src-engine/core/prices.js';
import type { KiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import type { MarketSource } from '../../src-engine/kite-sim/market-source.js';
import type { SimInstrumentSeed } from '../../src-engine/model/instruments.js';
import type { Tick } from '../../src-engine/model/tick.js';
import { until } from './kite-engine.js';

/**
 * A Kite simulator's MarketSource whose prices move only when the test says so (the simulator's clock follows
 * its time): `trade` prints one symbol, `moveTo` + `step` print every seed at `factor` × its base price (the
 * NIFTY 50 index, a basket of the equities, follows). Each print is one simulated second later.
 */
export class ManualMarket implements MarketSource {
  private readonly listeners = new Set<(t: Tick) => void>();
  private volume = 0;
  private factor = 1;

  /** `seeds`: the instruments it trades; `t`: its start time (epoch ms). */
  constructor(
    readonly seeds: readonly SimInstrumentSeed[],
    private t: number,
  ) {}

  onTick(l: (t: Tick) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  start(): void {}
  stop(): void {}
  now(): number {
    return this.t;
  }
  prevClose(symbol: string): number {
    const s = this.seeds.find((x) => x.symbol === symbol);
    if (!s) throw new RangeError(symbol);
    return s.basePaise;
  }
  /** One trade of `symbol` at `lastPaise`, a simulated second on. */
  trade(symbol: string, lastPaise: number): void {
    this.t += 1000;
    this.volume += 1;
    for (const l of this.listeners) l({ symbol, lastPaise, lastQty: 1, volume: this.volume, tsEvent: this.t });
  }
  /** Moves every seed to `factor` × its base price (printed from the next `step`). */
  moveTo(factor: number): void {
    this.factor = factor;
  }
  /** One simulated second: every seed trades at the current level (the index prints at most once a second). */
  step(): void {
    this.t += 1000;
    this.volume += 1;
    for (const s of this.seeds) {
      const p = snapToTick(Math.round(s.basePaise * this.factor), 5);
      for (const l of this.listeners) l({ symbol: s.symbol, lastPaise: p, lastQty: 1, volume: this.volume, tsEvent: this.t });
    }
  }
}

/** The F&O Kite-sim suites' day: a Monday; NIFTY's weekly expiry is Tuesday 8 Dec, the monthly future 29 Dec. */
export const FNO_DAY = '2026-12-07';
/** NIFTY's strike step in the simulator's universe, paise. */
export const NIFTY_STRIKE_STEP = 5000;
/** The `on: contract` option instance the F&O suites add (on the ATM call's and put's own candles). */
export const FNO_OWN_ID = 'nifty-atm-own';

/**
 * configs/fno-nifty.yaml on the Kite feed in shadow mode, with an `on: contract` option instance `FNO_OWN_ID`
 * (entries only 09:30–09:31, so it opens nothing by itself here): after the shipped section's strategies, or
 * alone with `ownOnly` (so nothing else holds its contracts).
 */
export function fnoShadowProfileYaml(o: { ownOnly?: boolean } = {}): string {
  const shipped = parse(readFileSync(join(import.meta.dirname, '../../configs/fno-nifty.yaml'), 'utf8')) as Record<string, unknown> & { trading: Record<string, unknown>; fno: { strategies: unknown[] } };
  const own = { id: FNO_OWN_ID, type: 'fno_intraday_trend', leg: 'option', on: 'contract', params: { fast: 2, slow: 5, adx: 3, minAdx: 0, entryFrom: '09:30', entryTo: '09:31' } };
  return stringify({
    ...shipped,
    fno: { ...shipped.fno, strategies: o.ownOnly ? [own] : [...shipped.fno.strategies, own] },
    mode: 'shadow',
    feed: { kind: 'kite', backfillMinutes: 30 },
    // the pre-market scan reads daily candles (3 requests/s): one symbol keeps the start short
    universe: { seed: 'custom', symbols: ['INFY'], softCap: 1 },
    // the simulator's account holds ₹10 lakh: Kite's basket-margin answer decides (the paper approximation is off)
    trading: { ...shipped.trading, risk: { ...(shipped.trading['risk'] as object), checkMargin: false } },
  });
}

/**
 * What the F&O suites ask of `sim` driven by `market`: a symbol's subscription mode on its ticker (undefined when
 * not subscribed), and `driving`, which polls `fn` with one simulated second of trading per poll.
 */
export function fnoSimProbes(sim: KiteSimulator, market: ManualMarket) {
  const tokenOf = (symbol: string) => sim.instruments.find((i) => i.tradingsymbol === symbol)!.token;
  return {
    subscribed: (symbol: string) => sim.subscribedTokens().get(tokenOf(symbol)),
    driving: <T>(what: string, fn: () => T | undefined | false) =>
      until(what, () => {
        market.step();
        return fn();
      }),
  };
}
