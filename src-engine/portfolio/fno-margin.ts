/**
 * Paper margin for F&O: a documented APPROXIMATION of NSE Clearing's SPAN + exposure margin, so a paper
 * run refuses what live would (live and shadow ask Kite's basket-margin API instead). Integer paise.
 *
 *  - Futures, either side:    |qty| × futures price × (spanBps + exposureBps) / 10000
 *  - Short options (CE, PE):  |qty| × underlying price × (spanBps + exposureBps) / 10000
 *  - Long options:            |qty| × premium (the option's price) — a buyer pays the premium in full
 *
 * Rates (revisable: the profile's `trading.fnoMargin` overrides them per underlying):
 *  - Index derivatives: SPAN ≈ 9 % of notional (NSE Clearing's price scan range is 3σ with a floor — its
 *    "Margins" page, nseclearing.in/risk-management/equity-derivatives/margins; NIFTY futures SPAN has been
 *    7–10 % of notional in 2024–26) plus the exposure (extreme-loss) margin of 2 % of notional for index
 *    futures and short index options (same page) = 1100 bps.
 *  - Stock derivatives: SPAN ≈ 15 % (3.5σ scan range, higher floor) plus exposure margin of the higher of
 *    3.5 % or 1.5σ — we take 3.5 % = 1850 bps.
 *  - The Kite simulator's margin calculator (kite-sim/rest-extras.ts MARGIN_RATES) uses the same rates, so
 *    a paper run and a shadow run against the simulator agree on single orders.
 *  - MIS on F&O needs the same margin as NRML: SEBI's peak-margin rules (phased in Dec 2020 – Sep 2021) ended
 *    the extra intraday leverage, so the product does not change the requirement.
 * Not modelled: portfolio offsets (a hedged spread is charged as its legs), calendar spreads, the extra 2 %
 * ELM on short options on expiry day (SEBI circular of 1 Oct 2024), premium received reducing a short's
 * requirement. Paper is therefore a little stricter than Kite for spreads.
 */
import { mulDivFloor } from '../core/money.js';
import { INDEX_FNO, contractSpec, STOCK_EXPIRY_WEEKDAY } from '../fno/specs.js';
import { parseFnoSymbol, type ParsedFnoSymbol } from '../fno/expiries.js';

export const INDEX_FNO_MARGIN_BPS = 1100;
export const STOCK_FNO_MARGIN_BPS = 1850;

/** A derivative as the margin and settlement need it. */
export interface FnoContract extends ParsedFnoSymbol {
  /** The symbol whose price is the underlying's: the index tradingsymbol (NIFTY 50) or the stock's. */
  underlyingSymbol: string;
}

const cache = new Map<string, FnoContract | null>();

/** The contract behind a Kite derivative tradingsymbol (index: fno/specs.ts; stocks: monthly, Tuesday), or null. */
export function fnoContractOf(symbol: string): FnoContract | null {
  let c = cache.get(symbol);
  if (c !== undefined) return c;
  const idx = contractSpec(symbol);
  if (idx) c = { name: idx.name, kind: idx.kind, expiry: idx.expiry, monthly: idx.monthly, strikePaise: idx.strikePaise, underlyingSymbol: idx.index ?? idx.name };
  else {
    const p = INDEX_FNO[symbol] ? null : parseFnoSymbol(symbol, (n) => (INDEX_FNO[n] ? undefined : STOCK_EXPIRY_WEEKDAY));
    c = p && p.monthly ? { ...p, underlyingSymbol: p.name } : null;
  }
  if (cache.size > 50_000) cache.clear();
  cache.set(symbol, c);
  return c;
}

/** SPAN + exposure, bps of notional, for an F&O name: the override if given, else the index or stock rate. */
export function fnoMarginBps(name: string, overrides?: Readonly<Record<string, number>>): number {
  const o = overrides?.[name];
  if (o !== undefined) return o;
  return INDEX_FNO[name] ? INDEX_FNO_MARGIN_BPS : STOCK_FNO_MARGIN_BPS;
}

const ceilBps = (value: number, bps: number): number => {
  const f = mulDivFloor(value, bps, 10_000);
  return f * 10_000 === value * bps ? f : f + 1;
};

/**
 * Margin (paise) to hold `signedQty` of a derivative at `pricePaise` (its own price) with the underlying at
 * `underlyingPaise` (short options; undefined → the strike stands in for it). See the module comment.
 */
export function fnoPositionMarginPaise(
  c: Pick<FnoContract, 'name' | 'kind' | 'strikePaise'>,
  signedQty: number,
  pricePaise: number,
  underlyingPaise: number | undefined,
  overrides?: Readonly<Record<string, number>>,
): number {
  if (signedQty === 0) return 0;
  const q = Math.abs(signedQty);
  if (c.kind === 'FUT') return ceilBps(q * pricePaise, fnoMarginBps(c.name, overrides));
  if (signedQty > 0) return q * pricePaise;
  return ceilBps(q * (underlyingPaise ?? c.strikePaise), fnoMarginBps(c.name, overrides));
}

/**
 * The margin hook the ledger takes (LedgerOptions.fnoMargin): margin of a position in `symbol`, or undefined
 * for a symbol that is not a derivative. `underlying(sym)` is the latest price of an underlying symbol.
 */
export function paperFnoMargin(underlying: (symbol: string) => number | undefined, overrides?: Readonly<Record<string, number>>) {
  return (symbol: string, signedQty: number, pricePaise: number): number | undefined => {
    const c = fnoContractOf(symbol);
    if (!c) return undefined;
    return fnoPositionMarginPaise(c, signedQty, pricePaise, c.kind === 'FUT' ? undefined : underlying(c.underlyingSymbol), overrides);
  };
}
