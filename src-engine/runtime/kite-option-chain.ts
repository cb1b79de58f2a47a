/**
 * The option chain under Kite (issue 14): contracts from the day's instrument dump (the feed's
 * InstrumentMaster), market state from one REST `/quote` call per request for the index and every listed
 * option of the expiry (at most 500 instruments a call; Kite allows one quote call a second, which the REST
 * client paces). What Kite's quote gives: last price, the previous close (`ohlc.close`), volume, OI and the
 * 5-level depth (best bid and ask). The day's OI change is NOT in a quote: it is left 0 (docs/options.md).
 */
import type { KiteQuote } from '../adapters/kite/rest-types.js';
import type { ContractState } from '../fno/chain.js';
import { expiryCloseMs } from '../fno/expiries.js';
import { INDEX_FNO } from '../fno/specs.js';
import type { InstrumentMaster } from '../model/instrument-master.js';

export interface QuoteSource {
  quote(instruments: readonly string[]): Promise<Record<string, KiteQuote>>;
}

/** Kite allows at most this many instruments per /quote call. */
export const MAX_QUOTE_KEYS = 500;

export class KiteOptionChain {
  constructor(
    private readonly master: InstrumentMaster,
    private readonly rest: QuoteSource,
    /** F&O underlyings offered (those with options in the dump are kept). */
    private readonly names: readonly string[] = ['NIFTY', 'BANKNIFTY', 'FINNIFTY'],
  ) {}

  underlyings(): string[] {
    return this.names.filter((n) => INDEX_FNO[n] && this.master.optionExpiries(n).length > 0);
  }

  expiries(name: string, now: number): string[] {
    return this.master.optionExpiries(name).filter((e) => expiryCloseMs(e) > now);
  }

  futures(name: string, now: number): { symbol: string; expiry: string }[] {
    return this.master
      .futures(name)
      .filter((f) => f.expiry !== null && expiryCloseMs(f.expiry) > now)
      .slice(0, 2)
      .map((f) => ({ symbol: f.tradingsymbol, expiry: f.expiry! }));
  }

  /** The index level and every listed option of the expiry (nearest the money first when over the quote limit). */
  async load(name: string, expiry: string): Promise<{ spotPaise: number | undefined; states: ContractState[] }> {
    const spec = INDEX_FNO[name];
    if (!spec) return { spotPaise: undefined, states: [] };
    const indexKey = `${spec.indexExchange}:${spec.index}`;
    const options = [...this.master.optionChain(name, expiry, 'CE'), ...this.master.optionChain(name, expiry, 'PE')];
    let chosen = options;
    if (options.length > MAX_QUOTE_KEYS - 1) {
      // too many for one call: the index first, then the strikes nearest the middle of the listed range
      const strikes = [...new Set(options.map((o) => o.strikePaise))].sort((a, b) => a - b);
      const mid = strikes[Math.floor(strikes.length / 2)]!;
      chosen = [...options].sort((a, b) => Math.abs(a.strikePaise - mid) - Math.abs(b.strikePaise - mid)).slice(0, MAX_QUOTE_KEYS - 1);
    }
    const q = await this.rest.quote([indexKey, ...chosen.map((o) => o.key)]);
    const spot = q[indexKey]?.lastPricePaise;
    const states: ContractState[] = [];
    for (const o of chosen) {
      const x = q[o.key];
      const bid = x?.depth.buy.find((l) => l.quantity > 0 && l.pricePaise > 0)?.pricePaise;
      const ask = x?.depth.sell.find((l) => l.quantity > 0 && l.pricePaise > 0)?.pricePaise;
      states.push({
        symbol: o.tradingsymbol,
        right: o.instrumentType as 'CE' | 'PE',
        strikePaise: o.strikePaise,
        lastPaise: x && x.lastPricePaise > 0 ? x.lastPricePaise : undefined,
        prevClosePaise: x && x.ohlc.close > 0 ? x.ohlc.close : undefined,
        volume: x?.volume ?? 0,
        oi: x?.oi ?? 0,
        bidPaise: bid,
        askPaise: ask,
      });
    }
    return { spotPaise: spot !== undefined && spot > 0 ? spot : undefined, states };
  }
}
