/** One trade print from a feed (simulator or Kite). Prices are integer paise. */
export interface Tick {
  symbol: string;
  /** Last traded price, paise. */
  lastPaise: number;
  /** Quantity of the last trade, shares. */
  lastQty: number;
  /** The day's cumulative traded volume, shares; resets at each new session. */
  volume: number;
  /** Exchange timestamp, epoch ms. */
  tsEvent: number;
}
