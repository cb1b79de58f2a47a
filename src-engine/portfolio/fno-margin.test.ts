import { describe, expect, it } from 'vitest';
import { fnoContractOf, fnoMarginBps, fnoPositionMarginPaise, INDEX_FNO_MARGIN_BPS, paperFnoMargin } from './fno-margin.js';
import { Ledger } from './ledger.js';

describe('F&O paper margin (approximation of SPAN + exposure)', () => {
  it('reads index and stock derivative symbols; equity and nonsense are not derivatives', () => {
    expect(fnoContractOf('NIFTY26DECFUT')).toMatchObject({ name: 'NIFTY', kind: 'FUT', expiry: '2026-12-29', underlyingSymbol: 'NIFTY 50' });
    expect(fnoContractOf('NIFTY26D0826000PE')).toMatchObject({ name: 'NIFTY', kind: 'PE', expiry: '2026-12-08', strikePaise: 26_000_00, monthly: false });
    expect(fnoContractOf('RELIANCE26DEC1400CE')).toMatchObject({ name: 'RELIANCE', kind: 'CE', strikePaise: 1400_00, underlyingSymbol: 'RELIANCE' });
    expect(fnoContractOf('RELIANCE')).toBeNull();
    expect(fnoContractOf('NIFTY 50')).toBeNull();
  });

  it('futures and short options: (SPAN + exposure) of notional; long options: the premium', () => {
    const fut = fnoContractOf('NIFTY26DECFUT')!;
    // 65 × ₹26,000 = ₹16.9 lakh × 11 % = ₹1,85,900
    expect(fnoPositionMarginPaise(fut, 65, 26_000_00, undefined)).toBe(1_85_900_00);
    expect(fnoPositionMarginPaise(fut, -65, 26_000_00, undefined)).toBe(1_85_900_00);
    const ce = fnoContractOf('NIFTY26DEC26000CE')!;
    expect(fnoPositionMarginPaise(ce, 130, 150_05, 25_990_00)).toBe(130 * 150_05);
    // short: on the underlying's notional, not the premium: 130 × ₹25,990 × 11 % = ₹3,71,657 (ceil in paise)
    expect(fnoPositionMarginPaise(ce, -130, 150_05, 25_990_00)).toBe(Math.ceil((130 * 25_990_00 * INDEX_FNO_MARGIN_BPS) / 10_000));
    // no underlying price yet: the strike stands in
    expect(fnoPositionMarginPaise(ce, -65, 150_05, undefined)).toBe(Math.ceil((65 * 26_000_00 * 1100) / 10_000));
    expect(fnoMarginBps('RELIANCE')).toBe(1850);
    expect(fnoMarginBps('NIFTY', { NIFTY: 1500 })).toBe(1500);
  });

  it('the ledger asks it: a short option needs margin on the underlying, closing needs none, margin in use follows', () => {
    const prices = new Map<string, number>([['NIFTY 50', 26_000_00]]);
    const ledger = new Ledger({ capitalPaise: 10_00_000_00, fnoMargin: paperFnoMargin((s) => prices.get(s)) });
    const sym = 'NIFTY26DEC26000CE';
    const sell = { symbol: sym, exchange: 'NFO' as const, side: 'SELL' as const, qty: 65, product: 'NRML' as const };
    const need = ledger.marginRequiredPaise(sell, 200_00);
    expect(need).toBe(Math.ceil((65 * 26_000_00 * 1100) / 10_000));
    // a long option costs the premium, not 15 % of it
    expect(ledger.marginRequiredPaise({ ...sell, side: 'BUY' }, 200_00)).toBe(65 * 200_00);
    ledger.applyFill({ fillId: 'f1', orderId: 'o1', clientId: 'c1', symbol: sym, exchange: 'NFO', side: 'SELL', product: 'NRML', strategy: 's', qty: 65, pricePaise: 200_00, tsEvent: Date.parse('2026-12-01T10:00:00+05:30'), chargesPaise: 0 });
    expect(ledger.marginUsedPaise()).toBe(need);
    // buying it back reduces the position: no margin needed; buying 130 flips to long 65 = premium only
    expect(ledger.marginRequiredPaise({ ...sell, side: 'BUY' }, 200_00)).toBe(0);
    expect(ledger.marginRequiredPaise({ ...sell, side: 'BUY', qty: 130 }, 200_00)).toBe(0);
    expect(ledger.marginRequiredPaise({ ...sell, qty: 65 }, 200_00)).toBe(need);
    // the underlying moves: the next mark re-prices the short's margin
    prices.set('NIFTY 50', 27_000_00);
    ledger.mark(sym, 250_00, Date.parse('2026-12-01T10:05:00+05:30'));
    expect(ledger.marginUsedPaise()).toBe(Math.ceil((65 * 27_000_00 * 1100) / 10_000));
  });
});

describe('paper and the Kite simulator agree', () => {
  it('index and stock rates equal the simulator margin calculator’s SPAN + exposure', async () => {
    const { MARGIN_RATES } = await import('../kite-sim/rest-extras.js');
    const { STOCK_FNO_MARGIN_BPS } = await import('./fno-margin.js');
    expect(INDEX_FNO_MARGIN_BPS).toBe(Math.round((MARGIN_RATES.spanIndex + MARGIN_RATES.exposureIndex) * 10_000));
    expect(STOCK_FNO_MARGIN_BPS).toBe(Math.round((MARGIN_RATES.spanStock + MARGIN_RATES.exposureStock) * 10_000));
  });
});
