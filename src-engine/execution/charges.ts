/**
 * Zerodha's brokerage, taxes and fees on equity cash and equity F&O, in integer paise, from the
 * dated schedule in ./charges-schedule.ts. Two views (docs/charges.md explains both):
 *
 *  - `orderCharges`: ONE executed order (all its fills). Every component is rounded once, to the
 *    paisa, from an exact rational (half up). The ledger charges a fill as
 *    `orderCharges(cumulative after) − orderCharges(cumulative before)`; every component is monotone
 *    in the cumulative value, so each fill's charge is ≥ 0 and the fills add up to the whole order's.
 *  - `roundTripCharges`: a buy leg + a sell leg as Zerodha's brokerage calculator shows them:
 *    computed on the round trip's turnover, STT and stamp duty rounded to the rupee (after a first
 *    rounding to the paisa, as the calculator does), everything else to the paisa.
 */
import { mulDivRound } from '../core/money.js';
import type { IsoDay } from '../core/nse-calendar.js';
import {
  CHARGE_EXCHANGES,
  CHARGE_SEGMENTS,
  type Brokerage,
  type ChargeExchange,
  type ChargeRateSet,
  type ChargeSegment,
  RATE_DENOMINATOR,
  rateSetFor,
} from './charges-schedule.js';

export type { ChargeExchange, ChargeSegment } from './charges-schedule.js';

export interface ChargesBreakdown {
  brokeragePaise: number;
  sttPaise: number;
  /** Exchange transaction charge plus NSE's IPFT levy (Zerodha's contract note shows them together). */
  exchangeTxnPaise: number;
  sebiPaise: number;
  stampDutyPaise: number;
  /** 18% GST on brokerage + exchange transaction charges + SEBI fee (the DP charge's own GST is inside dpPaise). */
  gstPaise: number;
  /** DP charge on a delivery sell, GST included. */
  dpPaise: number;
  totalPaise: number;
}

export interface OrderChargesInput {
  segment: ChargeSegment;
  exchange: ChargeExchange;
  side: 'BUY' | 'SELL';
  /** Units filled so far (cumulative); 0 with valuePaise 0 means "nothing filled yet". */
  qty: number;
  /** Total traded value of those units, paise (options: premium × units). */
  valuePaise: number;
  /** Trade date, IST. */
  date: IsoDay;
  /**
   * The DP charge is per scrip per day, not per order: pass true when this scrip already paid it
   * today (an earlier delivery sell order), so this order adds none. Default false.
   */
  dpAlreadyCharged?: boolean;
}

export interface RoundTripInput {
  segment: ChargeSegment;
  exchange: ChargeExchange;
  /** Per unit, paise; 0 means there is no buy leg (e.g. the calculator with one side blank). */
  buyPricePaise: number;
  /** Per unit, paise; 0 means there is no sell leg. */
  sellPricePaise: number;
  /** Units on each leg (shares, or lots × lot size). */
  qty: number;
  date: IsoDay;
}

export interface RoundTripCharges extends ChargesBreakdown {
  /** Buy value + sell value. */
  turnoverPaise: number;
  /** Sell value − buy value. */
  grossPnlPaise: number;
  /** Gross P&L − total charges. */
  netPnlPaise: number;
  /** Total charges ÷ qty, rounded to the paisa: the price move per unit that pays for the charges. */
  pointsToBreakevenPaise: number;
}

const SIDES = ['BUY', 'SELL'] as const;

function checkCommon(fn: string, segment: unknown, exchange: unknown): void {
  if (!CHARGE_SEGMENTS.includes(segment as ChargeSegment)) {
    throw new RangeError(`${fn}: unknown segment ${JSON.stringify(segment)}; expected one of ${CHARGE_SEGMENTS.join(', ')}`);
  }
  if (!CHARGE_EXCHANGES.includes(exchange as ChargeExchange)) throw new RangeError(`${fn}: unknown exchange ${JSON.stringify(exchange)}; expected NSE or BSE`);
}

function checkNonNegInt(fn: string, what: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`${fn}: ${what} must be a non-negative safe integer, got ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  }
}

/** round(value × rate / 10^8) to the paisa, half up (all inputs here are ≥ 0). */
function ofValue(valuePaise: number, rate: number): number {
  return rate === 0 || valuePaise === 0 ? 0 : mulDivRound(valuePaise, rate, RATE_DENOMINATOR);
}

/** Paise rounded to the nearest whole rupee, half up. */
function toRupee(paise: number): number {
  return mulDivRound(paise, 1, 100) * 100;
}

function brokerageOf(b: Brokerage, legValuePaise: number, executed: boolean): number {
  if (!executed) return 0;
  switch (b.kind) {
    case 'zero':
      return 0;
    case 'flat':
      return b.paise;
    case 'pct-capped':
      return Math.min(b.capPaise, ofValue(legValuePaise, b.rate));
  }
}

function total(c: Omit<ChargesBreakdown, 'totalPaise'>): ChargesBreakdown {
  // built field by field (a spread here costs more than the arithmetic on the ledger's hot path)
  return {
    brokeragePaise: c.brokeragePaise,
    sttPaise: c.sttPaise,
    exchangeTxnPaise: c.exchangeTxnPaise,
    sebiPaise: c.sebiPaise,
    stampDutyPaise: c.stampDutyPaise,
    gstPaise: c.gstPaise,
    dpPaise: c.dpPaise,
    totalPaise: c.brokeragePaise + c.sttPaise + c.exchangeTxnPaise + c.sebiPaise + c.stampDutyPaise + c.gstPaise + c.dpPaise,
  };
}

/** Charges of ONE executed order (all its fills): side, qty, total traded value in paise. */
export function orderCharges(o: OrderChargesInput): ChargesBreakdown {
  const fn = 'orderCharges';
  if (o === null || typeof o !== 'object') throw new RangeError(`${fn}: expected an order object`);
  checkCommon(fn, o.segment, o.exchange);
  if (!SIDES.includes(o.side)) throw new RangeError(`${fn}: side must be BUY or SELL, got ${JSON.stringify(o.side)}`);
  checkNonNegInt(fn, 'qty', o.qty);
  checkNonNegInt(fn, 'valuePaise (integer paise)', o.valuePaise);
  if (o.qty === 0 && o.valuePaise !== 0) throw new RangeError(`${fn}: valuePaise is ${o.valuePaise} but qty is 0`);
  const r: ChargeRateSet = rateSetFor(o.segment, o.exchange, o.date);
  const v = o.valuePaise;
  const executed = o.qty > 0;
  const buy = o.side === 'BUY';
  const brokeragePaise = brokerageOf(r.brokerage, v, executed);
  const exchangeTxnPaise = ofValue(v, r.exchangeTxn) + ofValue(v, r.ipft);
  const sebiPaise = ofValue(v, r.sebi);
  const sttPaise = ofValue(v, buy ? r.sttBuy : r.sttSell);
  const stampDutyPaise = buy ? ofValue(v, r.stampBuy) : 0;
  const gstPaise = ofValue(brokeragePaise + exchangeTxnPaise + sebiPaise, r.gst);
  const dpPaise = executed && !buy && !o.dpAlreadyCharged ? r.dpPaise : 0;
  // one object per call (this runs for every fill): the breakdown with its total, as total() builds it
  return {
    brokeragePaise,
    sttPaise,
    exchangeTxnPaise,
    sebiPaise,
    stampDutyPaise,
    gstPaise,
    dpPaise,
    totalPaise: brokeragePaise + sttPaise + exchangeTxnPaise + sebiPaise + stampDutyPaise + gstPaise + dpPaise,
  };
}

/**
 * STT on an option EXERCISED at expiry: an in-the-money long option closed by the exchange at its final
 * settlement price pays `sttExercise` (0.125% until 2026-03-31, 0.15% from 2026-04-01) of the intrinsic
 * value × quantity, and nothing else (no brokerage, exchange charge or stamp duty on a cash-settled
 * exercise: Zerodha support, "What charges are levied if option positions get exercised?"). A short
 * option assigned, or an option expiring worthless, pays none. Rounded once to the paisa, half up.
 */
export function exerciseCharges(o: { exchange: ChargeExchange; qty: number; intrinsicValuePaise: number; date: IsoDay }): ChargesBreakdown {
  const fn = 'exerciseCharges';
  checkCommon(fn, 'options', o.exchange);
  checkNonNegInt(fn, 'qty', o.qty);
  checkNonNegInt(fn, 'intrinsicValuePaise (integer paise, intrinsic value × qty)', o.intrinsicValuePaise);
  const r = rateSetFor('options', o.exchange, o.date);
  return total({ brokeragePaise: 0, sttPaise: ofValue(o.intrinsicValuePaise, r.sttExercise), exchangeTxnPaise: 0, sebiPaise: 0, stampDutyPaise: 0, gstPaise: 0, dpPaise: 0 });
}

/**
 * A round trip as Zerodha's brokerage calculator shows it (buy leg + sell leg), plus turnover, net
 * P&L and points to breakeven. Not the sum of two `orderCharges`: the calculator applies STT, the
 * exchange charge and the SEBI fee to the whole turnover and rounds STT and stamp duty to the rupee.
 */
export function roundTripCharges(t: RoundTripInput): RoundTripCharges {
  const fn = 'roundTripCharges';
  if (t === null || typeof t !== 'object') throw new RangeError(`${fn}: expected a trade object`);
  checkCommon(fn, t.segment, t.exchange);
  checkNonNegInt(fn, 'buyPricePaise (integer paise)', t.buyPricePaise);
  checkNonNegInt(fn, 'sellPricePaise (integer paise)', t.sellPricePaise);
  checkNonNegInt(fn, 'qty', t.qty);
  if (t.qty === 0) throw new RangeError(`${fn}: qty must be at least 1`);
  const r = rateSetFor(t.segment, t.exchange, t.date);
  const buyValue = t.buyPricePaise * t.qty;
  const sellValue = t.sellPricePaise * t.qty;
  const turnover = buyValue + sellValue;
  if (!Number.isSafeInteger(turnover)) throw new RangeError(`${fn}: turnover ${t.buyPricePaise} + ${t.sellPricePaise} paise × ${t.qty} is too large`);

  const brokeragePaise = brokerageOf(r.brokerage, buyValue, buyValue > 0) + brokerageOf(r.brokerage, sellValue, sellValue > 0);
  // STT: the calculator rounds the (paisa) amount once more, to the rupee; exact rational inside
  const sttExactNumerator = BigInt(buyValue) * BigInt(r.sttBuy) + BigInt(sellValue) * BigInt(r.sttSell);
  const sttPaise = toRupee(roundDiv(sttExactNumerator, BigInt(RATE_DENOMINATOR)));
  const exchangeTxnPaise = ofValue(turnover, r.exchangeTxn) + ofValue(turnover, r.ipft);
  const sebiPaise = ofValue(turnover, r.sebi);
  const stampDutyPaise = toRupee(ofValue(buyValue, r.stampBuy));
  const c = total({
    brokeragePaise,
    sttPaise,
    exchangeTxnPaise,
    sebiPaise,
    stampDutyPaise,
    gstPaise: ofValue(brokeragePaise + exchangeTxnPaise + sebiPaise, r.gst),
    dpPaise: sellValue > 0 ? r.dpPaise : 0,
  });
  const grossPnlPaise = sellValue - buyValue;
  return {
    ...c,
    turnoverPaise: turnover,
    grossPnlPaise,
    netPnlPaise: grossPnlPaise - c.totalPaise,
    pointsToBreakevenPaise: mulDivRound(c.totalPaise, 1, t.qty),
  };
}

/** round(n / d), half up, for n ≥ 0, d > 0. */
function roundDiv(n: bigint, d: bigint): number {
  const q = (n * 2n + d) / (2n * d);
  const v = Number(q);
  if (!Number.isSafeInteger(v)) throw new RangeError('charges: amount outside the safe integer range');
  return v;
}

/**
 * The charge segment of an order: equity CNC → delivery, equity MIS → intraday, equity NRML →
 * delivery; futures and options by kind (MIS or NRML). CNC on F&O does not exist and throws.
 * (A CNC buy sold the same day is charged as intraday by Zerodha; that is the ledger's call.)
 */
export function segmentOf(instrumentKind: 'equity' | 'future' | 'option', product: 'CNC' | 'MIS' | 'NRML'): ChargeSegment {
  if (product !== 'CNC' && product !== 'MIS' && product !== 'NRML') throw new RangeError(`segmentOf: unknown product ${JSON.stringify(product)}; expected CNC, MIS or NRML`);
  switch (instrumentKind) {
    case 'equity':
      return product === 'MIS' ? 'equity-intraday' : 'equity-delivery';
    case 'future':
    case 'option':
      if (product === 'CNC') throw new RangeError(`segmentOf: CNC is for cash equity only, not for a ${instrumentKind}`);
      return instrumentKind === 'future' ? 'futures' : 'options';
    default:
      throw new RangeError(`segmentOf: unknown instrument kind ${JSON.stringify(instrumentKind)}; expected equity, future or option`);
  }
}
