/**
 * Zerodha's charges schedule for equity cash and equity F&O, as data: one rate set per
 * (segment, exchange) per effective date. docs/charges.md has the table, every source, and what is
 * unverified; `SOURCES` below names them so each rate set says where its numbers come from.
 *
 * Rates are exact rationals: integer PARTS PER 10^8 of the traded value (so 0.00297% = 2970,
 * 0.1% = 100 000, ₹10 per crore = 100, 18% = 18 000 000). Amounts are integer paise. No floats.
 *
 * A trade date before `CHARGES_SCHEDULE_START` throws: nothing earlier is modelled.
 */
import { dayNumber, type IsoDay } from '../core/nse-calendar.js';

export type ChargeSegment = 'equity-intraday' | 'equity-delivery' | 'futures' | 'options';
export type ChargeExchange = 'NSE' | 'BSE';

export const CHARGE_SEGMENTS: readonly ChargeSegment[] = ['equity-intraday', 'equity-delivery', 'futures', 'options'];
export const CHARGE_EXCHANGES: readonly ChargeExchange[] = ['NSE', 'BSE'];

/** Parts per 10^8 of the traded value (premium for options). */
export type Rate = number;
/** The denominator of every `Rate`. */
export const RATE_DENOMINATOR = 100_000_000;

const PCT_RE = /^(\d{1,3})(?:\.(\d{1,6}))?$/;

/** A percentage written as in the source (`'0.00297'` meaning 0.00297%) → parts per 10^8, exactly. */
export function pct(text: string): Rate {
  const m = PCT_RE.exec(text);
  if (!m) throw new RangeError(`pct: "${text}" is not a percentage with at most 6 decimals`);
  return Number(m[1]) * 1_000_000 + Number((m[2] ?? '').padEnd(6, '0'));
}

/** Rupees per crore (₹1,00,00,000) of traded value → parts per 10^8 (₹10/crore = 100). */
export function perCrore(rupees: number): Rate {
  if (!Number.isSafeInteger(rupees) || rupees < 0) throw new RangeError(`perCrore: expected whole rupees ≥ 0, got ${String(rupees)}`);
  return rupees * 10;
}

/** Zerodha's brokerage per executed order. */
export type Brokerage =
  | { readonly kind: 'zero' }
  /** min(capPaise, rate × order value), per executed order. */
  | { readonly kind: 'pct-capped'; readonly rate: Rate; readonly capPaise: number }
  /** The same amount for every executed order, whatever its value. */
  | { readonly kind: 'flat'; readonly paise: number };

export interface ChargeRateSet {
  /** First trade date (IST) these rates apply to; they apply until the next rate set's date. */
  readonly effectiveFrom: IsoDay;
  readonly segment: ChargeSegment;
  readonly exchange: ChargeExchange;
  readonly brokerage: Brokerage;
  /** Securities transaction tax on the buy / sell value (options: on premium). */
  readonly sttBuy: Rate;
  readonly sttSell: Rate;
  /** Exchange transaction charge, both sides (options: on premium). */
  readonly exchangeTxn: Rate;
  /** NSE Investor Protection Fund Trust levy, both sides; shown inside exchange transaction charges. 0 on BSE. */
  readonly ipft: Rate;
  /** SEBI turnover fee, both sides. */
  readonly sebi: Rate;
  /** Stamp duty on the buy value only. */
  readonly stampBuy: Rate;
  /**
   * STT on an option EXERCISED at expiry (in the money, held long), on its intrinsic value × quantity
   * (since 2019-09-01; before, on the settlement price). Paid by the holder; 0 outside options.
   */
  readonly sttExercise: Rate;
  /** GST on (brokerage + exchange transaction charges incl. IPFT + SEBI fee). */
  readonly gst: Rate;
  /** DP charge on a delivery sell, per scrip per day, GST included (0 outside equity-delivery). */
  readonly dpPaise: number;
  /** Keys of `SOURCES` behind these numbers. */
  readonly sources: readonly SourceId[];
  /** Fields whose value rests on a secondary or inferred source (see docs/charges.md). */
  readonly unverified: readonly string[];
}

export type SourceId = keyof typeof SOURCES;

/** Where the numbers come from (stored copies found by search; see docs/charges.md for what each says). */
export const SOURCES = {
  zerodhaChargesPage: {
    title: 'Zerodha — Charges (list of all charges and taxes)',
    url: 'https://zerodha.com/charges',
    note: 'Only old stored copies were found; the current table is known from a third-party copy (proficientEquitiesCopy).',
  },
  proficientEquitiesCopy: {
    title: 'Copy of Zerodha\'s equity charges table with the 2026 STT (NSE 0.00307%/0.00183%/0.03553% incl. IPFT)',
    url: 'https://proficientequities.com/elementskit-content/dynamic-content-widget-22fc413-c5bea74/',
    note: 'Third party; undated; matches Zerodha\'s layout.',
  },
  tradeseeCopy: {
    title: 'Tradesee — copy of Zerodha\'s charges table (Oct 2024 – Mar 2026 rates)',
    url: 'https://tradesee.in/stock-brokers/zerodha',
    note: 'Third party copy of zerodha.com/charges.',
  },
  kamath20241001: {
    title: 'Nithin Kamath — Impact of revision in Exchange Transaction Charges and STT (01 Oct 2024)',
    url: 'https://nithinkamath.me/blog/impact-of-revision-in-exchange-transaction-charges-and-stt',
    note: 'Zerodha CEO: options STT 0.0625%→0.1%, txn 0.0495%→0.035%; futures STT 0.0125%→0.02%, txn 0.00183%→0.00173%.',
  },
  nseTxnOct2024: {
    title: 'NDTV Profit / PTI — NSE, BSE revise transaction charges effective Oct 1 2024',
    url: 'https://www.ndtvprofit.com/markets/nse-revises-cash-fno-market-fees-october-1',
    note: 'NSE ₹2.97/lakh cash, ₹1.73/lakh futures, ₹35.03/lakh options premium; BSE Sensex/Bankex options ₹3,250/crore.',
  },
  preOct2024Table: {
    title: 'Third-party copy of Zerodha\'s pre-Oct-2024 table (NSE 0.00322%, BSE 0.00375%, futures 0.00188%, options 0.0495% / BSE 0.005%)',
    url: '(stored page without an address; found by search "0.00322% NSE transaction charges Zerodha")',
    note: 'Unverified: no address; its futures rate 0.00188% disagrees with Kamath\'s 0.00183%.',
  },
  nseIpft2023: {
    title: 'The Hindu — NSE to roll back 6% increase in transaction charges (24 Mar 2023); IPFT ₹10/crore cash & futures, ₹50/crore options from 1 Apr 2023',
    url: 'https://www.thehindu.com/business/nse-to-roll-back-6-increase-in-transaction-charges/article66657383.ece/amp/',
    note: '',
  },
  zerodhaIpft: {
    title: 'Zerodha support — What are IPFT charges?',
    url: 'https://support.zerodha.com/category/account-opening/charges-at-zerodha/statutory-and-exchange/articles/ipft-charges',
    note: 'NSE equity & futures ₹10/crore, options ₹50/crore of premium, + 18% GST; shown under exchange transaction charges.',
  },
  zerodhaDp: {
    title: 'Zerodha support — What does Depository Participant (DP) charge mean?',
    url: 'https://support.zerodha.com/category/account-opening/charges-at-zerodha/articles/what-do-dp-charges-mean',
    note: '₹13 + 18% GST per scrip per day on a delivery sell (women primary holders ₹12.75 + GST). Earlier ₹13.5 + GST.',
  },
  cdslJun2024: {
    title: 'Bajaj Broking — CDSL reduces transaction charges by 50p per debit, effective 1 June 2024',
    url: 'https://www.bajajbroking.in/blog/cdsl-reduces-transaction-charges-by-50p-per-transaction',
    note: 'Inferred date of Zerodha\'s DP change ₹13.5 → ₹13 (not stated by Zerodha in what was found).',
  },
  budget2026Stt: {
    title: 'ClearTax — Securities Transaction Tax, Budget 2026 update (futures 0.02%→0.05%, options premium 0.1%→0.15%, from 1 Apr 2026)',
    url: 'https://cleartax.in/s/securities-transaction-tax-stt',
    note: 'Also Devadhaantu Associates (Finance Bill 2026). The Finance Act text itself was not retrieved.',
  },
  zerodhaExercise: {
    title: 'Zerodha support — What charges are levied if option positions get exercised? (STT 0.125% of the intrinsic value of a bought option that is exercised; none on a short one)',
    url: 'https://support.zerodha.com/category/account-opening/charges-at-zerodha/statutory-and-exchange/articles/if-i-let-my-option-positions-get-exercised-are-there-extra-charges',
    note: 'Intrinsic value (not the settlement price) is the base from 2019-09-01 (Finance (No. 2) Act 2019; NSE circular of 20 Aug 2019, per tradingbells.com).',
  },
  zerodhaStatutory: {
    title: 'Zerodha support — What are the various statutory charges like stamp duty and taxes? (STT rounded to the nearest rupee)',
    url: 'https://support.zerodha.com/category/account-opening/charges-at-zerodha/articles/what-are-the-various-statutory-charges-like-stamp-duty-and-taxes-etc',
    note: 'Older copy (pre-2023 rates) but states the rounding rule.',
  },
} as const;

const Z = 0;
const PCT_BROKERAGE: Brokerage = { kind: 'pct-capped', rate: pct('0.03'), capPaise: 2000 };
const FLAT_20: Brokerage = { kind: 'flat', paise: 2000 };
const NO_BROKERAGE: Brokerage = { kind: 'zero' };
const SEBI = perCrore(10);
const GST = pct('18');
/** ₹13 + 18% GST = ₹15.34. */
const DP_13_PLUS_GST = 1300 + (1300 * 18) / 100;

/** Fields every rate set of a segment shares across exchanges and dates. */
function base(segment: ChargeSegment): Pick<ChargeRateSet, 'segment' | 'brokerage' | 'sebi' | 'stampBuy' | 'gst' | 'dpPaise' | 'sttExercise'> {
  switch (segment) {
    case 'equity-intraday':
      return { segment, brokerage: PCT_BROKERAGE, sebi: SEBI, stampBuy: pct('0.003'), gst: GST, dpPaise: 0, sttExercise: Z };
    case 'equity-delivery':
      return { segment, brokerage: NO_BROKERAGE, sebi: SEBI, stampBuy: pct('0.015'), gst: GST, dpPaise: DP_13_PLUS_GST, sttExercise: Z };
    case 'futures':
      return { segment, brokerage: PCT_BROKERAGE, sebi: SEBI, stampBuy: pct('0.002'), gst: GST, dpPaise: 0, sttExercise: Z };
    case 'options':
      return { segment, brokerage: FLAT_20, sebi: SEBI, stampBuy: pct('0.003'), gst: GST, dpPaise: 0, sttExercise: pct('0.125') };
  }
}

type Row = Pick<ChargeRateSet, 'effectiveFrom' | 'exchange' | 'sttBuy' | 'sttSell' | 'exchangeTxn' | 'ipft' | 'sources'> & {
  unverified?: readonly string[];
  /** Overrides the segment's exercise STT (options from 2026-04-01). */
  sttExercise?: Rate;
};

function rs(segment: ChargeSegment, row: Row): ChargeRateSet {
  return { ...base(segment), ...row, unverified: row.unverified ?? [] };
}

const NSE_IPFT_EQ = perCrore(10);
const NSE_IPFT_OPT = perCrore(50);

/**
 * The schedule. Three dates:
 *  - 2024-06-01: start of what is modelled (slab-era exchange charges as Zerodha quoted them just
 *    before 1 Oct 2024; DP ₹13 + GST after CDSL's 50-paise cut of 1 Jun 2024).
 *  - 2024-10-01: SEBI "true to label" flat exchange charges; Budget 2024 STT on F&O.
 *  - 2026-04-01: Budget 2026 STT on F&O (futures 0.05%, options 0.15% of premium).
 */
export const CHARGES_SCHEDULE: readonly ChargeRateSet[] = [
  // ── from 2024-06-01 ────────────────────────────────────────────────────────────────────────
  rs('equity-intraday', { effectiveFrom: '2024-06-01', exchange: 'NSE', sttBuy: Z, sttSell: pct('0.025'), exchangeTxn: pct('0.00322'), ipft: NSE_IPFT_EQ, sources: ['preOct2024Table', 'nseIpft2023', 'zerodhaIpft'], unverified: ['exchangeTxn', 'effectiveFrom'] }),
  rs('equity-intraday', { effectiveFrom: '2024-06-01', exchange: 'BSE', sttBuy: Z, sttSell: pct('0.025'), exchangeTxn: pct('0.00375'), ipft: Z, sources: ['preOct2024Table', 'nseIpft2023'], unverified: ['effectiveFrom'] }),
  rs('equity-delivery', { effectiveFrom: '2024-06-01', exchange: 'NSE', sttBuy: pct('0.1'), sttSell: pct('0.1'), exchangeTxn: pct('0.00322'), ipft: NSE_IPFT_EQ, sources: ['preOct2024Table', 'nseIpft2023', 'zerodhaIpft', 'zerodhaDp', 'cdslJun2024'], unverified: ['exchangeTxn', 'dpPaise', 'effectiveFrom'] }),
  rs('equity-delivery', { effectiveFrom: '2024-06-01', exchange: 'BSE', sttBuy: pct('0.1'), sttSell: pct('0.1'), exchangeTxn: pct('0.00375'), ipft: Z, sources: ['preOct2024Table', 'zerodhaDp', 'cdslJun2024'], unverified: ['dpPaise', 'effectiveFrom'] }),
  rs('futures', { effectiveFrom: '2024-06-01', exchange: 'NSE', sttBuy: Z, sttSell: pct('0.0125'), exchangeTxn: pct('0.00183'), ipft: NSE_IPFT_EQ, sources: ['kamath20241001', 'nseIpft2023', 'zerodhaIpft'], unverified: ['effectiveFrom'] }),
  rs('futures', { effectiveFrom: '2024-06-01', exchange: 'BSE', sttBuy: Z, sttSell: pct('0.0125'), exchangeTxn: Z, ipft: Z, sources: ['kamath20241001', 'preOct2024Table'], unverified: ['effectiveFrom'] }),
  rs('options', { effectiveFrom: '2024-06-01', exchange: 'NSE', sttBuy: Z, sttSell: pct('0.0625'), exchangeTxn: pct('0.0495'), ipft: NSE_IPFT_OPT, sources: ['kamath20241001', 'nseIpft2023', 'zerodhaIpft', 'zerodhaExercise'], unverified: ['effectiveFrom'] }),
  rs('options', { effectiveFrom: '2024-06-01', exchange: 'BSE', sttBuy: Z, sttSell: pct('0.0625'), exchangeTxn: pct('0.005'), ipft: Z, sources: ['kamath20241001', 'preOct2024Table', 'zerodhaExercise'], unverified: ['exchangeTxn', 'effectiveFrom'] }),

  // ── from 2024-10-01: true-to-label exchange charges, Budget 2024 STT on F&O ──────────────────
  rs('equity-intraday', { effectiveFrom: '2024-10-01', exchange: 'NSE', sttBuy: Z, sttSell: pct('0.025'), exchangeTxn: pct('0.00297'), ipft: NSE_IPFT_EQ, sources: ['nseTxnOct2024', 'tradeseeCopy', 'zerodhaIpft'] }),
  rs('equity-intraday', { effectiveFrom: '2024-10-01', exchange: 'BSE', sttBuy: Z, sttSell: pct('0.025'), exchangeTxn: pct('0.00375'), ipft: Z, sources: ['tradeseeCopy'] }),
  rs('equity-delivery', { effectiveFrom: '2024-10-01', exchange: 'NSE', sttBuy: pct('0.1'), sttSell: pct('0.1'), exchangeTxn: pct('0.00297'), ipft: NSE_IPFT_EQ, sources: ['nseTxnOct2024', 'tradeseeCopy', 'zerodhaIpft', 'zerodhaDp'] }),
  rs('equity-delivery', { effectiveFrom: '2024-10-01', exchange: 'BSE', sttBuy: pct('0.1'), sttSell: pct('0.1'), exchangeTxn: pct('0.00375'), ipft: Z, sources: ['tradeseeCopy', 'zerodhaDp'] }),
  rs('futures', { effectiveFrom: '2024-10-01', exchange: 'NSE', sttBuy: Z, sttSell: pct('0.02'), exchangeTxn: pct('0.00173'), ipft: NSE_IPFT_EQ, sources: ['kamath20241001', 'nseTxnOct2024', 'tradeseeCopy', 'zerodhaIpft'] }),
  rs('futures', { effectiveFrom: '2024-10-01', exchange: 'BSE', sttBuy: Z, sttSell: pct('0.02'), exchangeTxn: Z, ipft: Z, sources: ['kamath20241001', 'tradeseeCopy'] }),
  rs('options', { effectiveFrom: '2024-10-01', exchange: 'NSE', sttBuy: Z, sttSell: pct('0.1'), exchangeTxn: pct('0.03503'), ipft: NSE_IPFT_OPT, sources: ['kamath20241001', 'nseTxnOct2024', 'tradeseeCopy', 'zerodhaIpft', 'zerodhaExercise'] }),
  rs('options', { effectiveFrom: '2024-10-01', exchange: 'BSE', sttBuy: Z, sttSell: pct('0.1'), exchangeTxn: pct('0.0325'), ipft: Z, sources: ['nseTxnOct2024', 'tradeseeCopy', 'zerodhaExercise'] }),

  // ── from 2026-04-01: Budget 2026 STT on F&O; equity unchanged ─────────────────────────────────
  rs('equity-intraday', { effectiveFrom: '2026-04-01', exchange: 'NSE', sttBuy: Z, sttSell: pct('0.025'), exchangeTxn: pct('0.00297'), ipft: NSE_IPFT_EQ, sources: ['proficientEquitiesCopy', 'zerodhaIpft'] }),
  rs('equity-intraday', { effectiveFrom: '2026-04-01', exchange: 'BSE', sttBuy: Z, sttSell: pct('0.025'), exchangeTxn: pct('0.00375'), ipft: Z, sources: ['proficientEquitiesCopy'] }),
  rs('equity-delivery', { effectiveFrom: '2026-04-01', exchange: 'NSE', sttBuy: pct('0.1'), sttSell: pct('0.1'), exchangeTxn: pct('0.00297'), ipft: NSE_IPFT_EQ, sources: ['proficientEquitiesCopy', 'zerodhaIpft', 'zerodhaDp'] }),
  rs('equity-delivery', { effectiveFrom: '2026-04-01', exchange: 'BSE', sttBuy: pct('0.1'), sttSell: pct('0.1'), exchangeTxn: pct('0.00375'), ipft: Z, sources: ['proficientEquitiesCopy', 'zerodhaDp'] }),
  rs('futures', { effectiveFrom: '2026-04-01', exchange: 'NSE', sttBuy: Z, sttSell: pct('0.05'), exchangeTxn: pct('0.00173'), ipft: NSE_IPFT_EQ, sources: ['budget2026Stt', 'proficientEquitiesCopy', 'zerodhaIpft'], unverified: ['sttSell'] }),
  rs('futures', { effectiveFrom: '2026-04-01', exchange: 'BSE', sttBuy: Z, sttSell: pct('0.05'), exchangeTxn: Z, ipft: Z, sources: ['budget2026Stt', 'proficientEquitiesCopy'], unverified: ['sttSell'] }),
  rs('options', { effectiveFrom: '2026-04-01', exchange: 'NSE', sttBuy: Z, sttSell: pct('0.15'), sttExercise: pct('0.15'), exchangeTxn: pct('0.03503'), ipft: NSE_IPFT_OPT, sources: ['budget2026Stt', 'proficientEquitiesCopy', 'zerodhaIpft'], unverified: ['sttSell', 'sttExercise'] }),
  rs('options', { effectiveFrom: '2026-04-01', exchange: 'BSE', sttBuy: Z, sttSell: pct('0.15'), sttExercise: pct('0.15'), exchangeTxn: pct('0.0325'), ipft: Z, sources: ['budget2026Stt', 'proficientEquitiesCopy'], unverified: ['sttSell', 'sttExercise'] }),
];

/** The oldest effective date in the schedule; earlier trade dates throw. */
export const CHARGES_SCHEDULE_START: IsoDay = CHARGES_SCHEDULE.map((r) => r.effectiveFrom).reduce((a, b) => (b < a ? b : a));

/** The rate set for a trade date: the latest one of that (segment, exchange) with effectiveFrom ≤ date. */
/**
 * Lookups in the default schedule, memoised per segment and exchange (the ledger asks once per fill;
 * the answer changes at most once a day): the last date asked and its rate set, then a map of dates.
 */
/** rateSetFor's memo keys of the default schedule, by segment (an unknown segment has none). */
const NSE_KEYS: ReadonlyMap<string, string> = new Map(CHARGE_SEGMENTS.map((s) => [s, `N${s}`]));
const BSE_KEYS: ReadonlyMap<string, string> = new Map(CHARGE_SEGMENTS.map((s) => [s, `B${s}`]));
const defaultLookups = new Map<string, { date: IsoDay; set: ChargeRateSet; byDate: Map<string, ChargeRateSet> }>();

export function rateSetFor(segment: ChargeSegment, exchange: ChargeExchange, date: IsoDay, schedule: readonly ChargeRateSet[] = CHARGES_SCHEDULE): ChargeRateSet {
  if (schedule === CHARGES_SCHEDULE) {
    // (the key is a constant string per segment and exchange: no string built per fill)
    const key = (exchange === 'BSE' ? BSE_KEYS : NSE_KEYS).get(segment) ?? '';
    let memo = key === '' ? undefined : defaultLookups.get(key);
    if (memo !== undefined && memo.date === date) return memo.set;
    let set = memo?.byDate.get(date);
    if (set === undefined) {
      set = findRateSet(segment, exchange, date, schedule);
      if (memo === undefined) {
        memo = { date, set, byDate: new Map() };
        defaultLookups.set(key, memo);
      }
      if (memo.byDate.size > 5000) memo.byDate.clear();
      memo.byDate.set(date, set);
    }
    memo!.date = date;
    memo!.set = set;
    return set;
  }
  return findRateSet(segment, exchange, date, schedule);
}

function findRateSet(segment: ChargeSegment, exchange: ChargeExchange, date: IsoDay, schedule: readonly ChargeRateSet[]): ChargeRateSet {
  if (!CHARGE_SEGMENTS.includes(segment)) throw new RangeError(`unknown charge segment ${JSON.stringify(segment)}; expected one of ${CHARGE_SEGMENTS.join(', ')}`);
  if (!CHARGE_EXCHANGES.includes(exchange)) throw new RangeError(`unknown exchange ${JSON.stringify(exchange)}; expected NSE or BSE`);
  const day = dayNumber(date); // throws on anything that is not a real YYYY-MM-DD date
  let best: ChargeRateSet | undefined;
  for (const r of schedule) {
    if (r.segment !== segment || r.exchange !== exchange || dayNumber(r.effectiveFrom) > day) continue;
    if (!best || r.effectiveFrom > best.effectiveFrom) best = r;
  }
  if (!best) {
    const first = schedule.filter((r) => r.segment === segment && r.exchange === exchange).map((r) => r.effectiveFrom).sort()[0];
    throw new RangeError(
      `no Zerodha charges schedule for ${segment} on ${exchange} on ${date}: the schedule starts ${first ?? '(no entry)'}; earlier dates are not modelled`,
    );
  }
  return best;
}
