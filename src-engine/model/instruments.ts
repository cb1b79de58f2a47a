import type { Instrument } from '../contract/schemas.js';

/** What the built-in market simulator needs to invent a plausible instrument. */
export interface SimInstrumentSeed {
  symbol: string;
  name: string;
  /** Starting price (the first previous close), integer paise, a multiple of 5. */
  basePaise: number;
  /** Typical shares traded per day; the simulator scales tick quantities to roughly this. */
  avgDailyVolume: number;
}

const seed = (symbol: string, name: string, rupees: number, avgDailyVolume: number): SimInstrumentSeed => ({
  symbol,
  name,
  basePaise: Math.round(rupees * 100),
  avgDailyVolume,
});

/**
 * SIMULATOR SEEDS — NOT MARKET DATA. The 50 NIFTY 50 constituents (the Sep-2025 list), each with a
 * round, roughly plausible starting price and daily volume so the simulator looks sensible. Do not
 * use these numbers for anything that needs real prices.
 */
export const NIFTY50_SEEDS: readonly SimInstrumentSeed[] = Object.freeze([
  seed('ADANIENT', 'Adani Enterprises', 2500, 800_000),
  seed('ADANIPORTS', 'Adani Ports and SEZ', 1400, 2_000_000),
  seed('APOLLOHOSP', 'Apollo Hospitals', 7400, 400_000),
  seed('ASIANPAINT', 'Asian Paints', 2350, 1_000_000),
  seed('AXISBANK', 'Axis Bank', 1130, 8_000_000),
  seed('BAJAJ-AUTO', 'Bajaj Auto', 8700, 300_000),
  seed('BAJAJFINSV', 'Bajaj Finserv', 2000, 1_000_000),
  seed('BAJFINANCE', 'Bajaj Finance', 1000, 7_000_000),
  seed('BEL', 'Bharat Electronics', 400, 15_000_000),
  seed('BHARTIARTL', 'Bharti Airtel', 1880, 6_000_000),
  seed('CIPLA', 'Cipla', 1500, 1_000_000),
  seed('COALINDIA', 'Coal India', 390, 5_000_000),
  seed('DRREDDY', "Dr. Reddy's Laboratories", 1225, 2_500_000),
  seed('EICHERMOT', 'Eicher Motors', 7000, 400_000),
  seed('ETERNAL', 'Eternal', 325, 20_000_000),
  seed('GRASIM', 'Grasim Industries', 2750, 500_000),
  seed('HCLTECH', 'HCL Technologies', 1385, 3_000_000),
  seed('HDFCBANK', 'HDFC Bank', 950, 25_000_000),
  seed('HDFCLIFE', 'HDFC Life Insurance', 755, 3_500_000),
  seed('HEROMOTOCO', 'Hero MotoCorp', 5450, 1_000_000),
  seed('HINDALCO', 'Hindalco Industries', 760, 5_000_000),
  seed('HINDUNILVR', 'Hindustan Unilever', 2500, 1_500_000),
  seed('ICICIBANK', 'ICICI Bank', 1350, 20_000_000),
  seed('INDUSINDBK', 'IndusInd Bank', 735, 4_000_000),
  seed('INFY', 'Infosys', 1440, 7_500_000),
  seed('ITC', 'ITC', 400, 10_000_000),
  seed('JIOFIN', 'Jio Financial Services', 295, 10_000_000),
  seed('JSWSTEEL', 'JSW Steel', 1140, 2_500_000),
  seed('KOTAKBANK', 'Kotak Mahindra Bank', 2000, 5_000_000),
  seed('LT', 'Larsen & Toubro', 3660, 1_700_000),
  seed('M&M', 'Mahindra & Mahindra', 3425, 2_500_000),
  seed('MARUTI', 'Maruti Suzuki India', 16000, 400_000),
  seed('NESTLEIND', 'Nestle India', 1150, 1_500_000),
  seed('NTPC', 'NTPC', 340, 8_000_000),
  seed('ONGC', 'Oil & Natural Gas Corporation', 240, 7_000_000),
  seed('POWERGRID', 'Power Grid Corporation of India', 280, 15_000_000),
  seed('RELIANCE', 'Reliance Industries', 1365, 15_000_000),
  seed('SBILIFE', 'SBI Life Insurance', 1790, 1_500_000),
  seed('SBIN', 'State Bank of India', 870, 12_000_000),
  seed('SHRIRAMFIN', 'Shriram Finance', 615, 6_000_000),
  seed('SUNPHARMA', 'Sun Pharmaceutical Industries', 1595, 2_500_000),
  seed('TATACONSUM', 'Tata Consumer Products', 1130, 1_500_000),
  seed('TATAMOTORS', 'Tata Motors', 680, 15_000_000),
  seed('TATASTEEL', 'Tata Steel', 170, 25_000_000),
  seed('TCS', 'Tata Consultancy Services', 2890, 2_500_000),
  seed('TECHM', 'Tech Mahindra', 1400, 2_000_000),
  seed('TITAN', 'Titan Company', 3370, 1_500_000),
  seed('TRENT', 'Trent', 4680, 800_000),
  seed('ULTRACEMCO', 'UltraTech Cement', 12200, 300_000),
  seed('WIPRO', 'Wipro', 240, 6_000_000),
].map((s) => Object.freeze(s)));

/** The contract-level Instrument for a simulator seed: NSE, tick size 5 paise (₹0.05), lot size 1. */
export function toInstrument(seed: SimInstrumentSeed): Instrument {
  return { symbol: seed.symbol, name: seed.name, exchange: 'NSE', tickSizePaise: 5, lotSize: 1 };
}
