/**
 * F&O expiry settlement (issue 14). A derivative position still open when its contract expires (15:30 IST
 * of the expiry day, fno/expiries.ts expiryCloseMs) is closed at the FINAL SETTLEMENT PRICE:
 *  - futures: the underlying's closing price on expiry day (NSE: index futures settle at the index's close);
 *  - options: their intrinsic value at that close — CE max(0, S − K), PE max(0, K − S); an out-of-the-money
 *    option settles at 0 (cash-settled index options are exercised automatically when in the money).
 * The underlying's close is the last price the engine saw of its symbol (NIFTY 50 for NIFTY). When none was
 * seen (a restart after expiry with no index tick yet) the position's last mark stands in and the basis says so.
 *
 * The close is booked by TradingService.settleExpired as a FILL (client id `settlement`, fill and order id
 * `XS-<expiry>-<strategy>-<symbol>`) through the same journal as every fill. Its only charge is the exercise STT
 * of an in-the-money LONG option (execution/charges.ts exerciseCharges: 0.125 % of intrinsic value × qty, 0.15 %
 * from 2026-04-01); futures, short options and worthless options settle free, so the ledger, a restart, the Performance tab and the exports see
 * it like any other close.
 */
import { expiryCloseMs } from '../fno/expiries.js';
import { fnoContractOf, type FnoContract } from '../portfolio/fno-margin.js';

export const SETTLEMENT_CLIENT_ID = 'settlement';

export interface FinalSettlement {
  pricePaise: number;
  /** Where the price came from: the underlying's close, or the position's last mark (no underlying price seen). */
  basis: 'underlying' | 'last-mark';
}

/** The final settlement price of a contract given the underlying's close (undefined: unknown) and the contract's last mark. */
export function finalSettlementPrice(c: Pick<FnoContract, 'kind' | 'strikePaise'>, underlyingClosePaise: number | undefined, lastMarkPaise: number): FinalSettlement {
  if (underlyingClosePaise === undefined || !Number.isSafeInteger(underlyingClosePaise) || underlyingClosePaise <= 0) return { pricePaise: Math.max(0, lastMarkPaise), basis: 'last-mark' };
  if (c.kind === 'FUT') return { pricePaise: underlyingClosePaise, basis: 'underlying' };
  const intrinsic = c.kind === 'CE' ? underlyingClosePaise - c.strikePaise : c.strikePaise - underlyingClosePaise;
  return { pricePaise: Math.max(0, intrinsic), basis: 'underlying' };
}

/** When a derivative symbol's contract expires (epoch ms), or undefined for anything else. */
export function expiryOf(symbol: string): { closeMs: number; contract: FnoContract } | undefined {
  const c = fnoContractOf(symbol);
  return c ? { closeMs: expiryCloseMs(c.expiry), contract: c } : undefined;
}

export const settlementId = (expiry: string, strategy: string, symbol: string): string => `XS-${expiry}-${strategy}-${symbol}`;
