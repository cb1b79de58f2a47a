/**
 * F&O contract specifications: the facts the simulators generate contracts from and the trading side
 * looks up by symbol (lot size, freeze quantity, tick, expiry). Under Kite the day's instrument dump is
 * the authority for lots, ticks, strikes and expiries (model/instrument-master.ts); these constants must
 * agree with it (test/…/fno specs test checks them against the real NFO dump when it is present).
 *
 * Sources:
 *  [DUMP]   Kite's instruments/NFO dump of 2026-08-18 (shared/data/kite/instruments/): lot sizes, futures and
 *           option ticks, strike steps near the money, which expiries are listed.
 *  [SEBI-W] SEBI circular SEBI/HO/MRD/TPD-1/P/CIR/2024/132 (1 Oct 2024), "Measures to strengthen Equity Index
 *           Derivatives framework": from 20 Nov 2024 weekly expiries for ONE benchmark index per exchange —
 *           NSE kept NIFTY; BANKNIFTY, FINNIFTY, MIDCPNIFTY weeklies ended (last ones 13, 19 and 18 Nov 2024);
 *           BSE kept SENSEX. The 2026-08-18 dump agrees: only NIFTY has non-monthly NFO expiries.
 *  [SEBI-D] SEBI circular of 26 May 2025 (expiry days limited to Tuesday or Thursday); NSE moved every F&O
 *           expiry to Tuesday from 1 Sep 2025 (circular FAOP70616, 11 Jun 2025); BSE to Thursday.
 *  [FREEZE] Index freeze quantities: NSE publishes them in its monthly F&O circulars and revises them;
 *           the numbers here (also the Kite simulator's) are GUESSES of a 2025–26 value (kite-protocol.md §2.16:
 *           the dump does not carry them). Revisable: pass your own to the trading profile.
 *  [S]      Well-known facts not in a dump we hold: SENSEX index token 265; SENSEX lot 20, strike step 100.
 */
import type { NseCalendar } from '../core/nse-calendar.js';
import { nseCalendar, type IsoDay } from '../core/nse-calendar.js';
import { fnoSymbol, monthlyExpiries, parseFnoSymbol, weeklyExpiries, type ParsedFnoSymbol } from './expiries.js';

export interface IndexFnoSpec {
  /** The derivatives' `name` and symbol prefix (NIFTY). */
  name: string;
  /** The index's tradingsymbol as Kite spells it (NIFTY 50) and its exchange and instrument token. */
  index: string;
  indexExchange: 'NSE' | 'BSE';
  indexToken: number;
  exchange: 'NFO' | 'BFO';
  lot: number;
  /** Strike step near the money, paise. */
  strikeStepPaise: number;
  futTickPaise: number;
  optTickPaise: number;
  /** Weekly options listed (besides the monthlies). */
  weekly: boolean;
  /** Expiry weekday: 2 = Tuesday, 4 = Thursday. */
  weekday: number;
  /** Largest quantity (units) of one order; larger orders must be sliced. */
  freezeQty: number;
}

/** Index derivatives: [DUMP] for the NSE rows (lots, ticks, steps), [SEBI-W] weeklies, [SEBI-D] weekdays, [FREEZE], SENSEX [S]. */
export const INDEX_FNO: Readonly<Record<string, IndexFnoSpec>> = Object.freeze({
  NIFTY: { name: 'NIFTY', index: 'NIFTY 50', indexExchange: 'NSE', indexToken: 256265, exchange: 'NFO', lot: 65, strikeStepPaise: 5000, futTickPaise: 10, optTickPaise: 5, weekly: true, weekday: 2, freezeQty: 1800 },
  BANKNIFTY: { name: 'BANKNIFTY', index: 'NIFTY BANK', indexExchange: 'NSE', indexToken: 260105, exchange: 'NFO', lot: 30, strikeStepPaise: 10000, futTickPaise: 20, optTickPaise: 5, weekly: false, weekday: 2, freezeQty: 900 },
  FINNIFTY: { name: 'FINNIFTY', index: 'NIFTY FIN SERVICE', indexExchange: 'NSE', indexToken: 257801, exchange: 'NFO', lot: 60, strikeStepPaise: 5000, futTickPaise: 10, optTickPaise: 5, weekly: false, weekday: 2, freezeQty: 1800 },
  MIDCPNIFTY: { name: 'MIDCPNIFTY', index: 'NIFTY MID SELECT', indexExchange: 'NSE', indexToken: 288009, exchange: 'NFO', lot: 120, strikeStepPaise: 2500, futTickPaise: 5, optTickPaise: 5, weekly: false, weekday: 2, freezeQty: 2800 },
  NIFTYNXT50: { name: 'NIFTYNXT50', index: 'NIFTY NEXT 50', indexExchange: 'NSE', indexToken: 270857, exchange: 'NFO', lot: 25, strikeStepPaise: 10000, futTickPaise: 20, optTickPaise: 5, weekly: false, weekday: 2, freezeQty: 600 },
  SENSEX: { name: 'SENSEX', index: 'SENSEX', indexExchange: 'BSE', indexToken: 265, exchange: 'BFO', lot: 20, strikeStepPaise: 10000, futTickPaise: 5, optTickPaise: 5, weekly: true, weekday: 4, freezeQty: 1000 },
} satisfies Record<string, IndexFnoSpec>);

/** Stock derivatives expire on the NSE weekday (Tuesday) [SEBI-D], monthly only; freeze = 20 lots (GUESS, the Kite simulator's rule). */
export const STOCK_EXPIRY_WEEKDAY = 2;
export const STOCK_FREEZE_LOTS = 20;

/** The index spec of an F&O name, or undefined (a stock, or unknown). */
export function indexSpec(name: string): IndexFnoSpec | undefined {
  return INDEX_FNO[name.toUpperCase()];
}

/** The index spec whose index tradingsymbol is `index` (NIFTY 50 → NIFTY). */
export function specOfIndex(index: string): IndexFnoSpec | undefined {
  return Object.values(INDEX_FNO).find((s) => s.index === index);
}

/** Option expiries an index lists at `now`: weeklies (count) and monthlies (count) merged, ascending. */
export function listedOptionExpiries(spec: IndexFnoSpec, now: number, o: { weeklies?: number; monthlies?: number } = {}, cal: NseCalendar = nseCalendar): { expiries: IsoDay[]; monthly: Set<IsoDay> } {
  const months = monthlyExpiries(now, o.monthlies ?? 3, spec.weekday, cal);
  const monthly = new Set(months);
  const expiries = spec.weekly ? [...new Set([...weeklyExpiries(now, o.weeklies ?? 4, spec.weekday, cal), ...months])].sort() : months;
  return { expiries, monthly };
}

/** What the trading side needs of one derivative. */
export interface ContractSpec extends ParsedFnoSymbol {
  exchange: 'NFO' | 'BFO';
  lot: number;
  freezeQty: number;
  tickPaise: number;
  /** The underlying index's tradingsymbol (NIFTY 50), for index derivatives. */
  index?: string;
}

/**
 * The spec of an index derivative by its tradingsymbol (NIFTY26AUGFUT, NIFTY2681824500CE, …), from the
 * constants above; null for anything else. Under Kite prefer the day's dump (lot and tick there win).
 */
export function contractSpec(symbol: string, cal: NseCalendar = nseCalendar): ContractSpec | null {
  const p = parseFnoSymbol(symbol, (n) => INDEX_FNO[n]?.weekday, cal);
  if (!p) return null;
  const s = INDEX_FNO[p.name]!;
  if (!p.monthly && !s.weekly) return null;
  return { ...p, exchange: s.exchange, lot: s.lot, freezeQty: s.freezeQty, tickPaise: p.kind === 'FUT' ? s.futTickPaise : s.optTickPaise, index: s.index };
}

export { fnoSymbol };
