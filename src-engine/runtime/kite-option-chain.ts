/**
 * The option chain under Kite (issue 14): contracts from the day's instrument dump (the feed's
 * InstrumentMaster), market state either
 *  - from the Kite TICKER (the engine's way, `ChainTicker`: KiteFeed.watchChain): the index and the strikes the
 *    chain shows (ATM ± strikesEachSide + 2) are subscribed in full mode while the chain is asked for, and each
 *    request reads their last packets — no REST call; a contract with no packet yet (just subscribed) has no price
 *    in that answer, the next poll has it; or
 *  - from one REST `/quote` call per request for the index and every listed option of the expiry (at most 500
 *    instruments a call; Kite allows one quote call a second, which the REST client paces).
 * Either gives last price, the previous close, volume, OI and the best bid and ask. The day's OI change is in
 * neither: it is left 0 (docs/options.md).
 */
import type { KiteQuote } from '../adapters/kite/rest-types.js';
import type { ContractState } from '../fno/chain.js';
import { expiryCloseMs } from '../fno/expiries.js';
import { INDEX_FNO } from '../fno/specs.js';
import type { InstrumentMaster, KiteInstrument } from '../model/instrument-master.js';
import type { ChainQuote } from '../adapters/kite/kite-feed.js';

export interface QuoteSource {
  quote(instruments: readonly string[]): Promise<Record<string, KiteQuote>>;
}

/** The ticker side of the chain (KiteFeed.watchChain / chainQuote). */
export interface ChainTicker {
  /** Follow exactly these tokens (full mode) from now; the previous set is replaced. */
  watch(tokens: readonly number[]): void;
  quote(token: number): ChainQuote | undefined;
  /** The index's last price known elsewhere (the engine's market data), until the chain's own packet arrives. */
  spot?(indexSymbol: string): number | undefined;
}

/** Strikes beyond each side of the shown ones also followed, so a small move of the index keeps its rows priced. */
export const CHAIN_MARGIN_STRIKES = 2;

/** Kite allows at most this many instruments per /quote call. */
export const MAX_QUOTE_KEYS = 500;

export class KiteOptionChain {
  constructor(
    private readonly master: InstrumentMaster,
    /** The REST quote source, or the ticker (preferred: no REST call per request). */
    private readonly source: QuoteSource | { ticker: ChainTicker },
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

  /**
   * The index level and the listed options of the expiry: on the ticker the strikes around ATM the chain shows
   * (`strikesEachSide`, default 10); over REST every one (nearest the money first when over the quote limit).
   */
  async load(name: string, expiry: string, strikesEachSide = 10): Promise<{ spotPaise: number | undefined; states: ContractState[] }> {
    const spec = INDEX_FNO[name];
    if (!spec) return { spotPaise: undefined, states: [] };
    const indexKey = `${spec.indexExchange}:${spec.index}`;
    const options = [...this.master.optionChain(name, expiry, 'CE'), ...this.master.optionChain(name, expiry, 'PE')];
    if ('ticker' in this.source) return this.fromTicker(this.source.ticker, indexKey, options, strikesEachSide);
    const rest = this.source;
    let chosen = options;
    if (options.length > MAX_QUOTE_KEYS - 1) {
      // too many for one call: the index first, then the strikes nearest the middle of the listed range
      const strikes = [...new Set(options.map((o) => o.strikePaise))].sort((a, b) => a - b);
      const mid = strikes[Math.floor(strikes.length / 2)]!;
      chosen = [...options].sort((a, b) => Math.abs(a.strikePaise - mid) - Math.abs(b.strikePaise - mid)).slice(0, MAX_QUOTE_KEYS - 1);
    }
    const q = await rest.quote([indexKey, ...chosen.map((o) => o.key)]);
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

  /** The shown strikes' contracts (and the index) followed on the ticker; their last packets as the chain's state. */
  private fromTicker(ticker: ChainTicker, indexKey: string, options: readonly KiteInstrument[], strikesEachSide: number): { spotPaise: number | undefined; states: ContractState[] } {
    const index = this.master.byKey(indexKey);
    const spotQ = index ? ticker.quote(index.instrumentToken) : undefined;
    const spot = spotQ !== undefined && spotQ.lastPaise > 0 ? spotQ.lastPaise : ticker.spot?.(indexKey.slice(indexKey.indexOf(':') + 1));
    const strikes = [...new Set(options.map((o) => o.strikePaise))].sort((a, b) => a - b);
    if (strikes.length === 0) {
      if (index) ticker.watch([index.instrumentToken]);
      return { spotPaise: spot, states: [] };
    }
    // ATM by the index when known (else the middle of the listed strikes, until its first packet)
    let atm = Math.floor(strikes.length / 2);
    if (spot !== undefined) for (let i = 0; i < strikes.length; i++) if (Math.abs(strikes[i]! - spot) < Math.abs(strikes[atm]! - spot)) atm = i;
    const n = Math.max(0, Math.floor(strikesEachSide)) + CHAIN_MARGIN_STRIKES;
    const shown = new Set(strikes.slice(Math.max(0, atm - n), atm + n + 1));
    const chosen = options.filter((o) => shown.has(o.strikePaise));
    ticker.watch([...(index ? [index.instrumentToken] : []), ...chosen.map((o) => o.instrumentToken)]);
    const states: ContractState[] = chosen.map((o) => {
      const x = ticker.quote(o.instrumentToken);
      return {
        symbol: o.tradingsymbol,
        right: o.instrumentType as 'CE' | 'PE',
        strikePaise: o.strikePaise,
        lastPaise: x && x.lastPaise > 0 ? x.lastPaise : undefined,
        prevClosePaise: x && x.closePaise > 0 ? x.closePaise : undefined,
        volume: x?.volume ?? 0,
        oi: x?.oi ?? 0,
        bidPaise: x?.bidPaise,
        askPaise: x?.askPaise,
      };
    });
    return { spotPaise: spot, states };
  }
}
