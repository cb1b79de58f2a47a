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
