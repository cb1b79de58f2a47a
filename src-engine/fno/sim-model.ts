/**
 * The simulators' market parameters for derivatives (the built-in simulator and the Kite simulator use
 * the same): all GUESSES, chosen to look like 2025–26 Indian index and stock options, not fitted.
 */
/** Cost-of-carry rate of futures and the options' discount rate: about the RBI repo rate. */
export const CARRY_RATE = 0.065;
/** At-the-money implied volatility of index options (India VIX has mostly sat at 11–16 in 2025). */
export const INDEX_VOL = 0.13;
/** At-the-money implied volatility of stock options. */
export const STOCK_VOL = 0.28;

/** Bank constituents among the NIFTY 50 seeds (NIFTY BANK's heaviest names). */
export const BANK_SEEDS: readonly string[] = ['HDFCBANK', 'ICICIBANK', 'SBIN', 'KOTAKBANK', 'AXISBANK', 'INDUSINDBK'];
/** Financial-services constituents among the seeds (NIFTY FIN SERVICE's heaviest names). */
export const FINANCIAL_SEEDS: readonly string[] = [...BANK_SEEDS, 'BAJFINANCE', 'BAJAJFINSV', 'HDFCLIFE', 'SBILIFE', 'SHRIRAMFIN', 'JIOFIN'];

/**
 * The simulated indices: starting level (a 2025–26 ballpark, paise) and the seeds they are a basket of
 * (undefined = all seeds). Level = start × exp(k · mean log-return of the constituents), k = 0.56·√n so
 * independent stock walks give an index-like volatility (a guess).
 */
export const SIM_INDEX_LEVELS: Readonly<Record<string, { basePaise: number; constituents?: readonly string[] }>> = Object.freeze({
  'NIFTY 50': { basePaise: 2_450_000 },
  'NIFTY BANK': { basePaise: 5_500_000, constituents: BANK_SEEDS },
  'NIFTY FIN SERVICE': { basePaise: 2_600_000, constituents: FINANCIAL_SEEDS },
});

/** How strongly a basket of n independent walks is amplified to look like an index. */
export const basketGain = (n: number): number => (n <= 1 ? 1 : 0.56 * Math.sqrt(n));
