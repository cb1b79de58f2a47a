import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChargesBreakdown, type ChargeSegment, exerciseCharges, orderCharges, roundTripCharges, segmentOf } from './charges.js';
import { CHARGE_EXCHANGES, CHARGE_SEGMENTS, CHARGES_SCHEDULE, CHARGES_SCHEDULE_START, pct, perCrore, rateSetFor } from './charges-schedule.js';

/**
 * Worked examples. Zerodha publishes no worked example at the current rates that search could find,
 * so each expected value below is computed BY HAND from the rates cited in docs/charges.md, written
 * as integer arithmetic in paise (B = buy value, S = sell value, T = B + S; a rate "x%" is x/100 of
 * the value). Rounding is half up; the calculator view rounds STT and stamp duty to the rupee after
 * rounding them to the paisa. These numbers were not produced by the code under test.
 */
type Expected = Omit<ChargesBreakdown, 'totalPaise'> & { totalPaise: number };
function breakdown(r: ChargesBreakdown): Expected {
  const { brokeragePaise, sttPaise, exchangeTxnPaise, sebiPaise, stampDutyPaise, gstPaise, dpPaise, totalPaise } = r;
  return { brokeragePaise, sttPaise, exchangeTxnPaise, sebiPaise, stampDutyPaise, gstPaise, dpPaise, totalPaise };
}
const sum = (e: Omit<Expected, 'totalPaise'>) => e.brokeragePaise + e.sttPaise + e.exchangeTxnPaise + e.sebiPaise + e.stampDutyPaise + e.gstPaise + e.dpPaise;
function exp(e: Omit<Expected, 'totalPaise'>): Expected {
  return { ...e, totalPaise: sum(e) };
}

describe('roundTripCharges: equity intraday', () => {
  // Zerodha's brokerage calculator opens its intraday tab on buy ₹1000, sell ₹1100, qty 400. Its
  // published output at the 2021 rates (quoted at heidelbergsusa.com "Calculate intraday charges
  // zerodha"): Brokerage 40, STT total 110, Stamp duty 12 — rates for those three have not changed
  // since, so they are reproduced exactly below. The exchange/GST lines are recomputed at the cited rates.
  // B = 1000_00 × 400 = 40_000_000; S = 1100_00 × 400 = 44_000_000; T = 84_000_000
  const trade = { segment: 'equity-intraday' as const, exchange: 'NSE' as const, buyPricePaise: 100_000, sellPricePaise: 110_000, qty: 400 };
  // brokerage: each leg min(₹20, 0.03% × ₹4,00,000 = ₹120) = 2000 → 4000 (published: 40)
  // STT 0.025% × S = 44_000_000 × 25 / 100_000 = 11_000 → ₹110 (published: 110)
  // stamp 0.003% × B = 40_000_000 × 3 / 100_000 = 1200 → ₹12 (published: 12)
  // SEBI ₹10/crore × T = 84_000_000 / 1_000_000 = 84
  it('2024-10-01 (NSE 0.00297% + IPFT ₹10/crore)', () => {
    const r = roundTripCharges({ ...trade, date: '2024-10-01' });
    // exchange: T × 0.00297% = 84_000_000 × 297 / 10_000_000 = 2494.8 → 2495; IPFT T / 1_000_000 = 84 → 2579
    // GST 18% × (4000 + 2579 + 84 = 6663) = 1199.34 → 1199
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 4000, sttPaise: 11_000, exchangeTxnPaise: 2579, sebiPaise: 84, stampDutyPaise: 1200, gstPaise: 1199, dpPaise: 0 }));
    expect(r.totalPaise).toBe(20_062);
    expect(r.turnoverPaise).toBe(84_000_000);
    expect(r.grossPnlPaise).toBe(4_000_000);
    expect(r.netPnlPaise).toBe(4_000_000 - 20_062);
    // 20_062 / 400 = 50.155 → 50 paise a share (published at 2021 rates: 0.51)
    expect(r.pointsToBreakevenPaise).toBe(50);
  });
  it('2024-09-30 (NSE 0.00322% + IPFT)', () => {
    const r = roundTripCharges({ ...trade, date: '2024-09-30' });
    // exchange: 84_000_000 × 322 / 10_000_000 = 2704.8 → 2705; + 84 = 2789; GST 18% × 6873 = 1237.14 → 1237
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 4000, sttPaise: 11_000, exchangeTxnPaise: 2789, sebiPaise: 84, stampDutyPaise: 1200, gstPaise: 1237, dpPaise: 0 }));
    expect(r.totalPaise).toBe(20_310);
    expect(r.pointsToBreakevenPaise).toBe(51); // 50.775 → 51
  });
  it('2026-04-01 leaves equity unchanged', () => {
    expect(roundTripCharges({ ...trade, date: '2026-04-01' }).totalPaise).toBe(20_062);
    expect(roundTripCharges({ ...trade, date: '2026-03-31' }).totalPaise).toBe(20_062);
  });
  it('BSE, small order: percentage brokerage under the cap, STT and stamp round to ₹0', () => {
    // buy ₹100, sell ₹101, qty 10: B = 100_000, S = 101_000, T = 201_000
    const r = roundTripCharges({ segment: 'equity-intraday', exchange: 'BSE', buyPricePaise: 10_000, sellPricePaise: 10_100, qty: 10, date: '2024-10-01' });
    // brokerage 0.03%: 100_000 × 3 / 10_000 = 30; 101_000 × 3 / 10_000 = 30.3 → 30; total 60
    // STT 101_000 × 25 / 100_000 = 25.25 → 25 paise → ₹0.25 → ₹0
    // exchange BSE 0.00375%, no IPFT: 201_000 × 375 / 10_000_000 = 7.5375 → 8; SEBI 0.201 → 0
    // stamp 100_000 × 3 / 100_000 = 3 paise → ₹0; GST 18% × 68 = 12.24 → 12
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 60, sttPaise: 0, exchangeTxnPaise: 8, sebiPaise: 0, stampDutyPaise: 0, gstPaise: 12, dpPaise: 0 }));
    expect(r.totalPaise).toBe(80);
    expect(r.netPnlPaise).toBe(1000 - 80);
    expect(r.pointsToBreakevenPaise).toBe(8);
  });
});

describe('roundTripCharges: equity delivery', () => {
  // buy ₹2500.50, sell ₹2600, qty 40: B = 250_050 × 40 = 10_002_000; S = 10_400_000; T = 20_402_000
  const trade = { segment: 'equity-delivery' as const, exchange: 'NSE' as const, buyPricePaise: 250_050, sellPricePaise: 260_000, qty: 40 };
  // brokerage 0; STT 0.1% × T = 20_402 paise (₹204.02) → ₹204 = 20_400
  // stamp 0.015% × B = 10_002_000 × 15 / 100_000 = 1500.3 → 1500 → ₹15; SEBI 20.402 → 20; IPFT 20.402 → 20
  // DP ₹13 + 18% GST = 1300 + 234 = 1534
  it('2024-10-01', () => {
    const r = roundTripCharges({ ...trade, date: '2024-10-01' });
    // exchange 20_402_000 × 297 / 10_000_000 = 605.9394 → 606, + 20 = 626; GST 18% × (626 + 20) = 116.28 → 116
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 0, sttPaise: 20_400, exchangeTxnPaise: 626, sebiPaise: 20, stampDutyPaise: 1500, gstPaise: 116, dpPaise: 1534 }));
    expect(r.totalPaise).toBe(24_196);
    expect(r.netPnlPaise).toBe(398_000 - 24_196);
    expect(r.pointsToBreakevenPaise).toBe(605); // 604.9
  });
  it('2024-09-30', () => {
    const r = roundTripCharges({ ...trade, date: '2024-09-30' });
    // exchange 20_402_000 × 322 / 10_000_000 = 656.9444 → 657, + 20 = 677; GST 18% × 697 = 125.46 → 125
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 0, sttPaise: 20_400, exchangeTxnPaise: 677, sebiPaise: 20, stampDutyPaise: 1500, gstPaise: 125, dpPaise: 1534 }));
    expect(r.totalPaise).toBe(24_256);
  });
  it('2026-04-01 leaves delivery unchanged', () => {
    expect(roundTripCharges({ ...trade, date: '2026-04-01' }).totalPaise).toBe(24_196);
  });
  it('no sell leg: no DP charge', () => {
    const r = roundTripCharges({ ...trade, sellPricePaise: 0, date: '2024-10-01' });
    expect(r.dpPaise).toBe(0);
    expect(r.grossPnlPaise).toBe(-10_002_000);
  });
});

describe('roundTripCharges: futures', () => {
  // buy ₹24,000, sell ₹24,100, qty 75: B = 180_000_000, S = 180_750_000, T = 360_750_000
  const trade = { segment: 'futures' as const, exchange: 'NSE' as const, buyPricePaise: 2_400_000, sellPricePaise: 2_410_000, qty: 75 };
  // brokerage: 0.03% × ₹18,00,000 = ₹540 > ₹20 on each leg → 4000
  // SEBI = IPFT = T / 1_000_000 = 360.75 → 361; stamp 0.002% × B = 3600 → ₹36
  it('2024-09-30: STT 0.0125%, NSE 0.00183%', () => {
    const r = roundTripCharges({ ...trade, date: '2024-09-30' });
    // STT 180_750_000 × 125 / 1_000_000 = 22_593.75 → 22_594 → ₹225.94 → ₹226
    // exchange 360_750_000 × 183 / 10_000_000 = 6601.725 → 6602, + 361 = 6963; GST 18% × 11_324 = 2038.32 → 2038
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 4000, sttPaise: 22_600, exchangeTxnPaise: 6963, sebiPaise: 361, stampDutyPaise: 3600, gstPaise: 2038, dpPaise: 0 }));
    expect(r.totalPaise).toBe(39_562);
    expect(r.pointsToBreakevenPaise).toBe(527); // 527.49
  });
  it('2024-10-01: STT 0.02%, NSE 0.00173% (an exact ₹0.50 rounds up)', () => {
    const r = roundTripCharges({ ...trade, date: '2024-10-01' });
    // STT 180_750_000 × 2 / 10_000 = 36_150 = ₹361.50 → ₹362
    // exchange 360_750_000 × 173 / 10_000_000 = 6240.975 → 6241, + 361 = 6602; GST 18% × 10_963 = 1973.34 → 1973
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 4000, sttPaise: 36_200, exchangeTxnPaise: 6602, sebiPaise: 361, stampDutyPaise: 3600, gstPaise: 1973, dpPaise: 0 }));
    expect(r.totalPaise).toBe(52_736);
    expect(r.netPnlPaise).toBe(750_000 - 52_736);
  });
  it('2026-03-31 still 0.02%; 2026-04-01: STT 0.05% (Budget 2026)', () => {
    expect(roundTripCharges({ ...trade, date: '2026-03-31' }).totalPaise).toBe(52_736);
    const r = roundTripCharges({ ...trade, date: '2026-04-01' });
    // STT 180_750_000 × 5 / 10_000 = 90_375 = ₹903.75 → ₹904
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 4000, sttPaise: 90_400, exchangeTxnPaise: 6602, sebiPaise: 361, stampDutyPaise: 3600, gstPaise: 1973, dpPaise: 0 }));
    expect(r.totalPaise).toBe(106_936);
    expect(r.pointsToBreakevenPaise).toBe(1426); // 1425.81
  });
  it('BSE: no exchange transaction charge on futures', () => {
    const r = roundTripCharges({ ...trade, exchange: 'BSE', date: '2024-10-01' });
    // GST 18% × (4000 + 0 + 361) = 784.98 → 785
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 4000, sttPaise: 36_200, exchangeTxnPaise: 0, sebiPaise: 361, stampDutyPaise: 3600, gstPaise: 785, dpPaise: 0 }));
  });
});

describe('roundTripCharges: options (on premium)', () => {
  // buy ₹120.50, sell ₹135.25, qty 75: B = 903_750, S = 1_014_375, T = 1_918_125
  const trade = { segment: 'options' as const, exchange: 'NSE' as const, buyPricePaise: 12_050, sellPricePaise: 13_525, qty: 75 };
  // brokerage flat ₹20 × 2 = 4000; IPFT ₹50/crore: 1_918_125 × 5 / 1_000_000 = 9.59 → 10; SEBI 1.918 → 2
  // stamp 0.003% × B = 27.1125 → 27 paise → ₹0
  it('2024-09-30: STT 0.0625%, NSE 0.0495%', () => {
    const r = roundTripCharges({ ...trade, date: '2024-09-30' });
    // STT 1_014_375 × 625 / 1_000_000 = 633.98 → 634 → ₹6.34 → ₹6
    // exchange 1_918_125 × 495 / 1_000_000 = 949.47 → 949, + 10 = 959; GST 18% × 4961 = 892.98 → 893
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 4000, sttPaise: 600, exchangeTxnPaise: 959, sebiPaise: 2, stampDutyPaise: 0, gstPaise: 893, dpPaise: 0 }));
    expect(r.totalPaise).toBe(6454);
    expect(r.pointsToBreakevenPaise).toBe(86); // 86.05
  });
  it('2024-10-01: STT 0.1%, NSE 0.03503%', () => {
    const r = roundTripCharges({ ...trade, date: '2024-10-01' });
    // STT 1_014_375 / 1000 = 1014.375 → 1014 → ₹10
    // exchange 1_918_125 × 3503 / 10_000_000 = 671.92 → 672, + 10 = 682; GST 18% × 4684 = 843.12 → 843
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 4000, sttPaise: 1000, exchangeTxnPaise: 682, sebiPaise: 2, stampDutyPaise: 0, gstPaise: 843, dpPaise: 0 }));
    expect(r.totalPaise).toBe(6527);
    expect(r.netPnlPaise).toBe(110_625 - 6527);
  });
  it('2026-04-01: STT 0.15% of premium (Budget 2026)', () => {
    expect(roundTripCharges({ ...trade, date: '2026-03-31' }).totalPaise).toBe(6527);
    const r = roundTripCharges({ ...trade, date: '2026-04-01' });
    // STT 1_014_375 × 15 / 10_000 = 1521.56 → 1522 → ₹15
    expect(r.sttPaise).toBe(1500);
    expect(r.totalPaise).toBe(4000 + 1500 + 682 + 2 + 0 + 843);
  });
  it('BSE 0.0325% from 2024-10-01 (GST exactly half a paisa rounds up); 0.005% before', () => {
    const r = roundTripCharges({ ...trade, exchange: 'BSE', date: '2024-10-01' });
    // exchange 1_918_125 × 325 / 1_000_000 = 623.39 → 623 (no IPFT); GST 18% × 4625 = 832.5 → 833
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 4000, sttPaise: 1000, exchangeTxnPaise: 623, sebiPaise: 2, stampDutyPaise: 0, gstPaise: 833, dpPaise: 0 }));
    const pre = roundTripCharges({ ...trade, exchange: 'BSE', date: '2024-09-30' });
    // exchange 1_918_125 × 5 / 100_000 = 95.9 → 96; GST 18% × 4098 = 737.64 → 738; STT ₹6
    expect(breakdown(pre)).toEqual(exp({ brokeragePaise: 4000, sttPaise: 600, exchangeTxnPaise: 96, sebiPaise: 2, stampDutyPaise: 0, gstPaise: 738, dpPaise: 0 }));
  });
  it('one leg only (a blank price): one brokerage', () => {
    expect(roundTripCharges({ ...trade, sellPricePaise: 0, date: '2024-10-01' }).brokeragePaise).toBe(2000);
  });
});

describe('orderCharges: one order, every component rounded once to the paisa', () => {
  it('options SELL 75 @ ₹135.25 on NSE, 2024-10-01', () => {
    // V = 1_014_375; brokerage ₹20; STT 0.1% = 1014.375 → 1014 (not rounded to the rupee per order)
    // exchange 1_014_375 × 3503 / 10_000_000 = 355.34 → 355; IPFT × 5 / 1_000_000 = 5.07 → 5; total 360
    // SEBI 1.014 → 1; no stamp on a sell; GST 18% × (2000 + 360 + 1) = 424.98 → 425
    const r = orderCharges({ segment: 'options', exchange: 'NSE', side: 'SELL', qty: 75, valuePaise: 1_014_375, date: '2024-10-01' });
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 2000, sttPaise: 1014, exchangeTxnPaise: 360, sebiPaise: 1, stampDutyPaise: 0, gstPaise: 425, dpPaise: 0 }));
    expect(r.totalPaise).toBe(3800);
  });
  it('options BUY 75 @ ₹120.50 on NSE, 2024-10-01', () => {
    // V = 903_750; exchange 316.58 → 317, IPFT 4.52 → 5; SEBI 0.90 → 1; stamp 0.003% = 27.11 → 27; GST 18% × 2323 = 418.14 → 418
    const r = orderCharges({ segment: 'options', exchange: 'NSE', side: 'BUY', qty: 75, valuePaise: 903_750, date: '2024-10-01' });
    expect(breakdown(r)).toEqual(exp({ brokeragePaise: 2000, sttPaise: 0, exchangeTxnPaise: 322, sebiPaise: 1, stampDutyPaise: 27, gstPaise: 418, dpPaise: 0 }));
  });
  it('the two orders differ from the calculator round trip (STT/stamp rupee rounding, turnover-level rounding)', () => {
    const buy = orderCharges({ segment: 'options', exchange: 'NSE', side: 'BUY', qty: 75, valuePaise: 903_750, date: '2024-10-01' });
    const sell = orderCharges({ segment: 'options', exchange: 'NSE', side: 'SELL', qty: 75, valuePaise: 1_014_375, date: '2024-10-01' });
    expect(buy.totalPaise + sell.totalPaise).toBe(2768 + 3800);
    expect(roundTripCharges({ segment: 'options', exchange: 'NSE', buyPricePaise: 12_050, sellPricePaise: 13_525, qty: 75, date: '2024-10-01' }).totalPaise).toBe(6527);
  });
  it('delivery SELL carries the DP charge once per scrip per day', () => {
    // V = 10_400_000: STT 0.1% = 10_400; exchange 308.88 → 309 + IPFT 10.4 → 10 = 319; SEBI 10; GST 18% × 329 = 59.22 → 59; DP 1534
    const o = { segment: 'equity-delivery' as const, exchange: 'NSE' as const, side: 'SELL' as const, qty: 40, valuePaise: 10_400_000, date: '2024-10-01' };
    expect(breakdown(orderCharges(o))).toEqual(exp({ brokeragePaise: 0, sttPaise: 10_400, exchangeTxnPaise: 319, sebiPaise: 10, stampDutyPaise: 0, gstPaise: 59, dpPaise: 1534 }));
    expect(orderCharges({ ...o, dpAlreadyCharged: true }).dpPaise).toBe(0);
    expect(orderCharges({ ...o, side: 'BUY' }).dpPaise).toBe(0);
    expect(orderCharges({ ...o, qty: 0, valuePaise: 0 }).totalPaise).toBe(0);
  });
  it('intraday brokerage: 0.03% until the ₹20 cap', () => {
    const o = { segment: 'equity-intraday' as const, exchange: 'NSE' as const, side: 'BUY' as const, date: '2024-10-01' };
    expect(orderCharges({ ...o, qty: 100, valuePaise: 5_000_000 }).brokeragePaise).toBe(1500); // 0.03% × ₹50,000 = ₹15
    expect(orderCharges({ ...o, qty: 100, valuePaise: 7_000_000 }).brokeragePaise).toBe(2000); // ₹21 → cap ₹20
  });
  it('nothing filled yet costs nothing (even the flat options brokerage)', () => {
    for (const segment of CHARGE_SEGMENTS) {
      expect(orderCharges({ segment, exchange: 'NSE', side: 'SELL', qty: 0, valuePaise: 0, date: '2025-01-01' }).totalPaise).toBe(0);
    }
  });
});

describe('orderCharges: partial fills', () => {
  type Fill = { qty: number; valuePaise: number };
  /** What the ledger does: each fill pays orderCharges(cumulative after) − orderCharges(cumulative before). */
  function chargeFills(base: Omit<Parameters<typeof orderCharges>[0], 'qty' | 'valuePaise'>, fills: Fill[]): ChargesBreakdown[] {
    let cum = { qty: 0, valuePaise: 0 };
    let before = orderCharges({ ...base, ...cum });
    return fills.map((f) => {
      cum = { qty: cum.qty + f.qty, valuePaise: cum.valuePaise + f.valuePaise };
      const after = orderCharges({ ...base, ...cum });
      const d = Object.fromEntries(Object.keys(after).map((k) => [k, after[k as keyof ChargesBreakdown] - before[k as keyof ChargesBreakdown]])) as unknown as ChargesBreakdown;
      before = after;
      return d;
    });
  }
  const add = (xs: ChargesBreakdown[], k: keyof ChargesBreakdown) => xs.reduce((a, x) => a + x[k], 0);

  it('an intraday order filled in three parts (crossing the ₹20 cap) costs what one fill costs', () => {
    const base = { segment: 'equity-intraday' as const, exchange: 'NSE' as const, side: 'BUY' as const, date: '2024-10-01' };
    // 30 @ ₹1000, 25 @ ₹1000.05, 15 @ ₹999.95: brokerage ₹9, then ₹16.50 cumulative, then the cap
    const fills = [
      { qty: 30, valuePaise: 30 * 100_000 },
      { qty: 25, valuePaise: 25 * 100_005 },
      { qty: 15, valuePaise: 15 * 99_995 },
    ];
    const parts = chargeFills(base, fills);
    const one = orderCharges({ ...base, qty: 70, valuePaise: 30 * 100_000 + 25 * 100_005 + 15 * 99_995 });
    expect(parts.map((p) => p.brokeragePaise)).toEqual([900, 750, 350]);
    for (const k of Object.keys(one) as (keyof ChargesBreakdown)[]) expect(add(parts, k), k).toBe(one[k]);
  });
  it('a delivery sell pays the DP charge on its first fill only', () => {
    const base = { segment: 'equity-delivery' as const, exchange: 'BSE' as const, side: 'SELL' as const, date: '2025-06-02' };
    const parts = chargeFills(base, [
      { qty: 5, valuePaise: 5 * 123_455 },
      { qty: 7, valuePaise: 7 * 123_460 },
    ]);
    expect(parts.map((p) => p.dpPaise)).toEqual([1534, 0]);
  });
  it('property: every fill charges ≥ 0 per component and the fills add up to the whole order', () => {
    const arbFill = fc.record({ qty: fc.integer({ min: 1, max: 5000 }), price: fc.integer({ min: 5, max: 5_000_000 }) });
    fc.assert(
      fc.property(
        fc.constantFrom(...CHARGE_SEGMENTS),
        fc.constantFrom(...CHARGE_EXCHANGES),
        fc.constantFrom('BUY' as const, 'SELL' as const),
        fc.constantFrom('2024-06-01', '2024-09-30', '2024-10-01', '2025-12-31', '2026-04-01', '2027-01-04'),
        fc.array(arbFill, { minLength: 1, maxLength: 8 }),
        (segment, exchange, side, date, raw) => {
          const fills = raw.map((f) => ({ qty: f.qty, valuePaise: f.qty * f.price }));
          const base = { segment, exchange, side, date };
          const parts = chargeFills(base, fills);
          const one = orderCharges({ ...base, qty: fills.reduce((a, f) => a + f.qty, 0), valuePaise: fills.reduce((a, f) => a + f.valuePaise, 0) });
          for (const k of Object.keys(one) as (keyof ChargesBreakdown)[]) {
            if (add(parts, k) !== one[k]) return false;
            if (parts.some((p) => p[k] < 0)) return false;
          }
          return true;
        },
      ),
    );
  });
});

describe('properties', () => {
  const components = (r: ChargesBreakdown) => [r.brokeragePaise, r.sttPaise, r.exchangeTxnPaise, r.sebiPaise, r.stampDutyPaise, r.gstPaise, r.dpPaise];
  const date = fc.integer({ min: 0, max: 1500 }).map((d) => new Date(Date.UTC(2024, 5, 1 + d)).toISOString().slice(0, 10));
  it('orderCharges: total = sum of components, all ≥ 0, integers', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CHARGE_SEGMENTS),
        fc.constantFrom(...CHARGE_EXCHANGES),
        fc.constantFrom('BUY' as const, 'SELL' as const),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        date,
        (segment, exchange, side, qty, price, d) => {
          const r = orderCharges({ segment, exchange, side, qty, valuePaise: qty * price, date: d });
          const c = components(r);
          return r.totalPaise === c.reduce((a, b) => a + b, 0) && c.every((x) => Number.isSafeInteger(x) && x >= 0);
        },
      ),
    );
  });
  it('roundTripCharges: total = sum of components, all ≥ 0; net = gross − total', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CHARGE_SEGMENTS),
        fc.constantFrom(...CHARGE_EXCHANGES),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        date,
        (segment, exchange, buyPricePaise, sellPricePaise, qty, d) => {
          const r = roundTripCharges({ segment, exchange, buyPricePaise, sellPricePaise, qty, date: d });
          const c = components(r);
          return (
            r.totalPaise === c.reduce((a, b) => a + b, 0) &&
            c.every((x) => Number.isSafeInteger(x) && x >= 0) &&
            r.turnoverPaise === (buyPricePaise + sellPricePaise) * qty &&
            r.netPnlPaise === r.grossPnlPaise - r.totalPaise &&
            r.sttPaise % 100 === 0 &&
            r.stampDutyPaise % 100 === 0
          );
        },
      ),
    );
  });
});

describe('bad input', () => {
  const ok = { segment: 'equity-intraday' as const, exchange: 'NSE' as const, side: 'BUY' as const, qty: 10, valuePaise: 100_000, date: '2025-01-02' };
  it('orderCharges names what is wrong', () => {
    expect(() => orderCharges({ ...ok, qty: -1 })).toThrow(/qty must be a non-negative safe integer, got -1/);
    expect(() => orderCharges({ ...ok, qty: 1.5 })).toThrow(/qty must be a non-negative safe integer/);
    expect(() => orderCharges({ ...ok, valuePaise: 1000.5 })).toThrow(/valuePaise \(integer paise\) must be a non-negative safe integer, got 1000.5/);
    expect(() => orderCharges({ ...ok, valuePaise: -5 })).toThrow(/valuePaise/);
    expect(() => orderCharges({ ...ok, qty: 0 })).toThrow(/valuePaise is 100000 but qty is 0/);
    expect(() => orderCharges({ ...ok, segment: 'commodity' as ChargeSegment })).toThrow(/unknown segment "commodity"; expected one of equity-intraday, equity-delivery, futures, options/);
    expect(() => orderCharges({ ...ok, exchange: 'MCX' as 'NSE' })).toThrow(/unknown exchange "MCX"/);
    expect(() => orderCharges({ ...ok, side: 'HOLD' as 'BUY' })).toThrow(/side must be BUY or SELL/);
    expect(() => orderCharges({ ...ok, date: '2024-05-31' })).toThrow(/no Zerodha charges schedule for equity-intraday on NSE on 2024-05-31: the schedule starts 2024-06-01/);
    expect(() => orderCharges({ ...ok, date: '2024-02-30' })).toThrow(/not a calendar date: 2024-02-30/);
    expect(() => orderCharges({ ...ok, date: '1/2/2025' })).toThrow(/expected a date YYYY-MM-DD/);
  });
  it('roundTripCharges names what is wrong', () => {
    const t = { segment: 'futures' as const, exchange: 'NSE' as const, buyPricePaise: 100, sellPricePaise: 110, qty: 1, date: '2025-01-02' };
    expect(() => roundTripCharges({ ...t, qty: 0 })).toThrow(/qty must be at least 1/);
    expect(() => roundTripCharges({ ...t, qty: -3 })).toThrow(/qty must be a non-negative safe integer, got -3/);
    expect(() => roundTripCharges({ ...t, buyPricePaise: 10.25 })).toThrow(/buyPricePaise \(integer paise\)/);
    expect(() => roundTripCharges({ ...t, sellPricePaise: -1 })).toThrow(/sellPricePaise/);
    expect(() => roundTripCharges({ ...t, segment: 'currency' as ChargeSegment })).toThrow(/unknown segment "currency"/);
    expect(() => roundTripCharges({ ...t, date: '2023-12-29' })).toThrow(/the schedule starts 2024-06-01/);
    expect(() => roundTripCharges({ ...t, buyPricePaise: 2 ** 52, qty: 4 })).toThrow(/too large/);
  });
});

describe('segmentOf', () => {
  it('maps kind and product', () => {
    expect(segmentOf('equity', 'CNC')).toBe('equity-delivery');
    expect(segmentOf('equity', 'MIS')).toBe('equity-intraday');
    expect(segmentOf('equity', 'NRML')).toBe('equity-delivery');
    expect(segmentOf('future', 'NRML')).toBe('futures');
    expect(segmentOf('future', 'MIS')).toBe('futures');
    expect(segmentOf('option', 'MIS')).toBe('options');
    expect(segmentOf('option', 'NRML')).toBe('options');
  });
  it('throws on CNC for F&O and on unknown values', () => {
    expect(() => segmentOf('future', 'CNC')).toThrow(/CNC is for cash equity only/);
    expect(() => segmentOf('bond' as 'equity', 'CNC')).toThrow(/unknown instrument kind "bond"/);
    expect(() => segmentOf('equity', 'CO' as 'MIS')).toThrow(/unknown product "CO"/);
  });
});

describe('the schedule', () => {
  it('reads percentages exactly as parts per 10^8', () => {
    expect(pct('0.00297')).toBe(2970);
    expect(pct('0.03503')).toBe(35_030);
    expect(pct('0.1')).toBe(100_000);
    expect(pct('18')).toBe(18_000_000);
    expect(perCrore(10)).toBe(100);
    expect(() => pct('0.0000001')).toThrow(/at most 6 decimals/);
  });
  it('every (segment, exchange) starts on the same date and has each effective date', () => {
    expect(CHARGES_SCHEDULE_START).toBe('2024-06-01');
    for (const s of CHARGE_SEGMENTS) {
      for (const x of CHARGE_EXCHANGES) {
        expect(CHARGES_SCHEDULE.filter((r) => r.segment === s && r.exchange === x).map((r) => r.effectiveFrom)).toEqual(['2024-06-01', '2024-10-01', '2026-04-01']);
      }
    }
  });
  it('picks the rate set in force on a date', () => {
    expect(rateSetFor('options', 'NSE', '2024-09-30').sttSell).toBe(pct('0.0625'));
    expect(rateSetFor('options', 'NSE', '2024-10-01').sttSell).toBe(pct('0.1'));
    expect(rateSetFor('options', 'NSE', '2026-03-31').sttSell).toBe(pct('0.1'));
    expect(rateSetFor('options', 'NSE', '2026-04-01').sttSell).toBe(pct('0.15'));
    expect(rateSetFor('futures', 'NSE', '2030-01-01').sttSell).toBe(pct('0.05'));
    expect(rateSetFor('equity-delivery', 'NSE', '2024-06-01').dpPaise).toBe(1534);
  });
  it('every rate set names its sources', () => {
    for (const r of CHARGES_SCHEDULE) expect(r.sources.length, `${r.segment} ${r.exchange} ${r.effectiveFrom}`).toBeGreaterThan(0);
  });
});

describe('exercise STT (an in-the-money long option settled at expiry)', () => {
  it('0.125 % of the intrinsic value until 2026-03-31, 0.15 % from 2026-04-01; nothing else', () => {
    // NIFTY 24,000 CE settled with the index at 24,137.45: intrinsic ₹137.45 × 75 = ₹10,308.75
    const v = 137_45 * 75;
    expect(exerciseCharges({ exchange: 'NSE', qty: 75, intrinsicValuePaise: v, date: '2025-06-26' })).toEqual({ brokeragePaise: 0, sttPaise: 12_89, exchangeTxnPaise: 0, sebiPaise: 0, stampDutyPaise: 0, gstPaise: 0, dpPaise: 0, totalPaise: 12_89 });
    expect(exerciseCharges({ exchange: 'NSE', qty: 75, intrinsicValuePaise: v, date: '2026-03-31' }).sttPaise).toBe(Math.round((v * 125) / 100_000)); // ₹12.8859 → ₹12.89
    expect(exerciseCharges({ exchange: 'BSE', qty: 75, intrinsicValuePaise: v, date: '2026-04-01' }).sttPaise).toBe(Math.round((v * 15) / 10_000)); // ₹15.463 → ₹15.46
    expect(exerciseCharges({ exchange: 'NSE', qty: 75, intrinsicValuePaise: 0, date: '2026-04-01' }).totalPaise).toBe(0);
  });
  it('rejects bad input naming the field', () => {
    expect(() => exerciseCharges({ exchange: 'NSE', qty: 75, intrinsicValuePaise: 1.5, date: '2026-04-01' })).toThrow(/intrinsicValuePaise/);
    expect(() => exerciseCharges({ exchange: 'MCX' as 'NSE', qty: 75, intrinsicValuePaise: 1, date: '2026-04-01' })).toThrow(/exchange/);
    expect(() => exerciseCharges({ exchange: 'NSE', qty: 75, intrinsicValuePaise: 1, date: '2023-01-01' })).toThrow(/2024-06-01/);
  });
});
