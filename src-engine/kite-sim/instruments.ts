/**
 * The simulator's instrument master: the NIFTY 50 seeds as NSE equities with Kite-style tokens
 * (instrument_token = exchange_token << 8 | segment; NSE = 1). Exchange tokens are synthetic.
 */
import { INSTRUMENT_COLUMNS } from '../model/instrument-master.js';
import type { SimInstrumentSeed } from '../model/instruments.js';
import { rupees } from './kite-json.js';

export const SEGMENT_NSE = 1;

export interface SimInstrument {
  /** instrument_token = exchangeToken << 8 | segment. */
  token: number;
  exchangeToken: number;
  exchange: string;
  /** The CSV `segment` column, e.g. NSE, NFO-FUT. */
  segment: string;
  tradingsymbol: string;
  name: string;
  tickPaise: number;
  lotSize: number;
  instrumentType: 'EQ' | 'FUT' | 'CE' | 'PE';
  /** Day volume the synthetic book depth is scaled to. */
  avgDailyVolume: number;
  basePaise: number;
  /** False for indices (segment INDICES, token segment 9): no orders, index ticker packets, no depth. Default true. */
  tradable?: boolean;
  /** Derivatives: expiry date (IST, YYYY-MM-DD). */
  expiry?: string;
  /** Options: strike, paise. */
  strikePaise?: number;
  /** Derivatives: the token of the instrument they are priced from (an index or an equity, maybe unlisted). */
  underlyingToken?: number;
  /** Derivatives on an index (NIFTY, BANKNIFTY, SENSEX, …): index margin rates apply. */
  underlyingIsIndex?: boolean;
  /** 0..1, how deep the synthetic book is (order-book.ts); default 1. */
  liquidity?: number;
}

/** First synthetic exchange token; i-th seed gets FIRST_EXCHANGE_TOKEN + i. */
const FIRST_EXCHANGE_TOKEN = 3001;

export function buildSimInstruments(seeds: readonly SimInstrumentSeed[]): SimInstrument[] {
  return seeds.map((s, i) => {
    const exchangeToken = FIRST_EXCHANGE_TOKEN + i;
    return {
      token: (exchangeToken << 8) | SEGMENT_NSE,
      exchangeToken,
      exchange: 'NSE',
      segment: 'NSE',
      tradingsymbol: s.symbol,
      name: s.name.toUpperCase(),
      tickPaise: 5,
      lotSize: 1,
      instrumentType: 'EQ',
      avgDailyVolume: s.avgDailyVolume,
      basePaise: s.basePaise,
    };
  });
}

/** Kite's instruments CSV header: the same columns the instrument master reads. */
export const INSTRUMENT_CSV_COLUMNS = INSTRUMENT_COLUMNS;

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A number as Kite's dump prints it (Python floats: "24500.0", "277.5", "0.05"). */
function pyFloat(x: number): string {
  const t = String(x);
  return /[.e]/.test(t) ? t : `${t}.0`;
}

/**
 * Kite's instruments CSV (kite-protocol.md §2.10). `lastPaise` is the day's reference price (Kite's is
 * stale too). Indices show tick_size 0.0 and lot_size 0, like the real NSE dump.
 */
export function instrumentsCsv(list: readonly SimInstrument[], lastPaise: (i: SimInstrument) => number): string {
  const rows = [INSTRUMENT_CSV_COLUMNS.join(',')];
  for (const i of list) {
    const index = i.tradable === false;
    rows.push(
      [
        String(i.token),
        String(i.exchangeToken),
        csvField(i.tradingsymbol),
        csvField(i.name),
        pyFloat(rupees(lastPaise(i))),
        i.expiry ?? '',
        pyFloat(rupees(i.strikePaise ?? 0)),
        pyFloat(index ? 0 : rupees(i.tickPaise)),
        String(index ? 0 : i.lotSize),
        i.instrumentType,
        i.segment,
        i.exchange,
      ].join(','),
    );
  }
  // CRLF line ends with a trailing CRLF, like Kite's dump (the mock CSV).
  return rows.join('\r\n') + '\r\n';
}
