import { paiseToRupees } from '../core/money.js';
import type { IsoDay } from '../core/nse-calendar.js';
import { type ChargeExchange, type ChargeSegment, roundTripCharges } from './charges.js';

/** `kitedesk charges`: a round trip's charges in rupees (numbers with at most 2 decimals), for JSON output. */
export interface RoundTripReport {
  segment: ChargeSegment;
  exchange: ChargeExchange;
  date: IsoDay;
  turnover: number;
  brokerage: number;
  stt: number;
  exchangeTxn: number;
  sebi: number;
  stampDuty: number;
  gst: number;
  dp: number;
  total: number;
  grossPnl: number;
  netPnl: number;
  pointsToBreakeven: number;
}

export function roundTripReport(t: { segment: ChargeSegment; exchange: ChargeExchange; buyPricePaise: number; sellPricePaise: number; qty: number; date: IsoDay }): RoundTripReport {
  const r = roundTripCharges(t);
  return {
    segment: t.segment,
    exchange: t.exchange,
    date: t.date,
    turnover: paiseToRupees(r.turnoverPaise),
    brokerage: paiseToRupees(r.brokeragePaise),
    stt: paiseToRupees(r.sttPaise),
    exchangeTxn: paiseToRupees(r.exchangeTxnPaise),
    sebi: paiseToRupees(r.sebiPaise),
    stampDuty: paiseToRupees(r.stampDutyPaise),
    gst: paiseToRupees(r.gstPaise),
    dp: paiseToRupees(r.dpPaise),
    total: paiseToRupees(r.totalPaise),
    grossPnl: paiseToRupees(r.grossPnlPaise),
    netPnl: paiseToRupees(r.netPnlPaise),
    pointsToBreakeven: paiseToRupees(r.pointsToBreakevenPaise),
  };
}
