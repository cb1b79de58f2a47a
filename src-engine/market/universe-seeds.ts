/**
 * INDEX CONSTITUENT LISTS — symbols only, as Kite/NSE spell them, sorted by symbol.
 *
 * Date: the lists in effect after NSE Indices' 30-Sep-2025 semi-annual rebalance and the
 * 14-Oct-2025 rename of TATAMOTORS to TMPV (Tata Motors Passenger Vehicles, after the demerger of
 * the commercial-vehicle business): call them the "Oct-2025 lists".
 * Provenance: NSE Indices' `ind_nifty100list.csv` (archives.nseindia.com/content/indices/) as
 * copied into the public repository gigtarget/market-report-geminie-with-telegram-reply- @
 * 358308cfda218ec3f38979875f9ea13fb9acc822 (100 rows). The NIFTY 50 subset agrees row for row
 * with an embedded `ind_nifty50list.csv` of the same period found in another public repository.
 *
 * MUST BE REFRESHED AT EVERY INDEX REBALANCE (end of March and end of September each year) and
 * after renames/demergers: later NSE lists are already known to differ (e.g. LTIM is renamed LTM,
 * TMCV listed after the demerger). Refreshing = replacing the arrays below with the Symbol column
 * of the new `ind_nifty50list.csv` / `ind_nifty100list.csv` and updating this header.
 *
 * Differences from NIFTY50_SEEDS (model/instruments.ts, the simulator's "Sep-2025 list", i.e. the
 * constituents of 28-Mar-2025 → 29-Sep-2025): at the 30-Sep-2025 rebalance INDIGO and MAXHEALTH
 * replaced HEROMOTOCO and INDUSINDBK, and TATAMOTORS trades as TMPV since 14-Oct-2025. The
 * simulator keeps its older list; NIFTY50_SEED_DIFF records the difference and a test checks it.
 */

/** NIFTY 50 constituents, Oct-2025 list (see the header). */
export const NIFTY50_SYMBOLS: readonly string[] = Object.freeze([
  'ADANIENT', 'ADANIPORTS', 'APOLLOHOSP', 'ASIANPAINT', 'AXISBANK', 'BAJAJ-AUTO', 'BAJAJFINSV', 'BAJFINANCE',
  'BEL', 'BHARTIARTL', 'CIPLA', 'COALINDIA', 'DRREDDY', 'EICHERMOT', 'ETERNAL', 'GRASIM',
  'HCLTECH', 'HDFCBANK', 'HDFCLIFE', 'HINDALCO', 'HINDUNILVR', 'ICICIBANK', 'INDIGO', 'INFY',
  'ITC', 'JIOFIN', 'JSWSTEEL', 'KOTAKBANK', 'LT', 'M&M', 'MARUTI', 'MAXHEALTH',
  'NESTLEIND', 'NTPC', 'ONGC', 'POWERGRID', 'RELIANCE', 'SBILIFE', 'SBIN', 'SHRIRAMFIN',
  'SUNPHARMA', 'TATACONSUM', 'TATASTEEL', 'TCS', 'TECHM', 'TITAN', 'TMPV', 'TRENT',
  'ULTRACEMCO', 'WIPRO',
]);

/** NIFTY 100 constituents (NIFTY 50 + NIFTY Next 50), Oct-2025 list (see the header). */
export const NIFTY100_SYMBOLS: readonly string[] = Object.freeze([
  'ABB', 'ADANIENSOL', 'ADANIENT', 'ADANIGREEN', 'ADANIPORTS', 'ADANIPOWER', 'AMBUJACEM', 'APOLLOHOSP',
  'ASIANPAINT', 'AXISBANK', 'BAJAJ-AUTO', 'BAJAJFINSV', 'BAJAJHFL', 'BAJAJHLDNG', 'BAJFINANCE', 'BANKBARODA',
  'BEL', 'BHARTIARTL', 'BOSCHLTD', 'BPCL', 'BRITANNIA', 'CANBK', 'CGPOWER', 'CHOLAFIN',
  'CIPLA', 'COALINDIA', 'DIVISLAB', 'DLF', 'DMART', 'DRREDDY', 'EICHERMOT', 'ENRIN',
  'ETERNAL', 'GAIL', 'GODREJCP', 'GRASIM', 'HAL', 'HAVELLS', 'HCLTECH', 'HDFCBANK',
  'HDFCLIFE', 'HINDALCO', 'HINDUNILVR', 'HINDZINC', 'HYUNDAI', 'ICICIBANK', 'ICICIGI', 'INDHOTEL',
  'INDIGO', 'INFY', 'IOC', 'IRFC', 'ITC', 'JINDALSTEL', 'JIOFIN', 'JSWENERGY',
  'JSWSTEEL', 'KOTAKBANK', 'LICI', 'LODHA', 'LT', 'LTIM', 'M&M', 'MARUTI',
  'MAXHEALTH', 'MAZDOCK', 'MOTHERSON', 'NAUKRI', 'NESTLEIND', 'NTPC', 'ONGC', 'PFC',
  'PIDILITIND', 'PNB', 'POWERGRID', 'RECLTD', 'RELIANCE', 'SBILIFE', 'SBIN', 'SHREECEM',
  'SHRIRAMFIN', 'SIEMENS', 'SOLARINDS', 'SUNPHARMA', 'TATACONSUM', 'TATAPOWER', 'TATASTEEL', 'TCS',
  'TECHM', 'TITAN', 'TMPV', 'TORNTPHARM', 'TRENT', 'TVSMOTOR', 'ULTRACEMCO', 'UNITDSPR',
  'VBL', 'VEDL', 'WIPRO', 'ZYDUSLIFE',
]);

/** How NIFTY50_SYMBOLS differs from the simulator's NIFTY50_SEEDS, and why (see the header). */
export const NIFTY50_SEED_DIFF = Object.freeze({
  /** In NIFTY50_SYMBOLS, not in NIFTY50_SEEDS. */
  added: Object.freeze(['INDIGO', 'MAXHEALTH', 'TMPV']),
  /** In NIFTY50_SEEDS, not in NIFTY50_SYMBOLS. */
  removed: Object.freeze(['HEROMOTOCO', 'INDUSINDBK', 'TATAMOTORS']),
  why: '30-Sep-2025 rebalance (INDIGO, MAXHEALTH in; HEROMOTOCO, INDUSINDBK out) and the 14-Oct-2025 TATAMOTORS → TMPV rename',
});

export type UniverseSeedName = 'NIFTY50' | 'NIFTY100';

export const UNIVERSE_SEEDS: Readonly<Record<UniverseSeedName, readonly string[]>> = Object.freeze({
  NIFTY50: NIFTY50_SYMBOLS,
  NIFTY100: NIFTY100_SYMBOLS,
});
