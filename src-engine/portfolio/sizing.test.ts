import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { halfKellyBps, intentOwner, parseSizingConfig, type SizingConfigInput, type SizingContext, type SizingIntent, Sizer, sizeOrder, sizingConfigSchema } from './sizing.js';

const intent = (price: number, side: 'BUY' | 'SELL' = 'BUY'): SizingIntent => ({ symbol: 'X', side, score: 0.8, price });
const ctx = (config: SizingConfigInput, over: Partial<SizingContext> = {}): SizingContext => ({
  config: parseSizingConfig(config),
  equityPaise: 10_00_000_00, // ₹10 lakh
  atrPaise: 500,
  instrument: { lotSize: 1 },
  strategyExposurePaise: 0,
  grossExposurePaise: 0,
  ...over,
});

describe('sizeOrder modes', () => {
  it('fixed_qty', () => {
    expect(sizeOrder(intent(100_00), ctx({ mode: 'fixed_qty', qty: 7 }))).toMatchObject({ qty: 7 });
  });

  it('fixed_value floors value / price', () => {
    expect(sizeOrder(intent(333_00), ctx({ mode: 'fixed_value', valuePaise: 10_000_00 })).qty).toBe(30);
    expect(sizeOrder(intent(20_000_00), ctx({ mode: 'fixed_value', valuePaise: 10_000_00 })).qty).toBe(0);
  });

  it('fixed_lots: lots × the lot size (F&O sizing in lots), still under the caps', () => {
    const nifty = { instrument: { lotSize: 65 } };
    expect(sizeOrder(intent(100_00), ctx({ mode: 'fixed_lots', lots: 2 }, nifty))).toMatchObject({ qty: 130, reason: expect.stringMatching(/fixed_lots 2 × lot 65/) });
    // a budget for 1.5 lots at ₹100: rounded down to one whole lot
    expect(sizeOrder(intent(100_00), ctx({ mode: 'fixed_lots', lots: 2, budgetPaise: 97_50_00 }, nifty)).qty).toBe(65);
    expect(() => parseSizingConfig({ mode: 'fixed_lots', lots: 0.5 })).toThrow(/lots/);
  });

  it('risk_pct: equity × bps / 10000 / (ATR × multiple)', () => {
    // risk ₹10 lakh × 50 bps = ₹5000 = 500000 paise; stop 2 × 500 = 1000 paise → 500
    expect(sizeOrder(intent(1000_00), ctx({ mode: 'risk_pct', bps: 50 })).qty).toBe(500);
    // fractional ATR: ceil(123.4 × 1.5) = 186 → floor(500000 / 186) = 2688
    expect(sizeOrder(intent(10_00), ctx({ mode: 'risk_pct', bps: 50, atrMultiple: 1.5, leverage: 10, exposureBps: 10_000 }, { atrPaise: 123.4 })).qty).toBe(2688);
    expect(sizeOrder(intent(10_00), ctx({ mode: 'risk_pct', bps: 50 }, { atrPaise: Number.NaN }))).toEqual({ qty: 0, reason: 'risk_pct: no ATR yet' });
    expect(sizeOrder(intent(10_00), ctx({ mode: 'risk_pct', bps: 50 }, { atrPaise: undefined })).qty).toBe(0);
  });

  it('half_kelly: W − (1 − W)/R, halved, clamped; falls back below minTrades', () => {
    // W = 0.6, avg win 200, avg loss 100 → R = 2 → f = 0.6 − 0.4/2 = 0.4 → half 0.2 = 2000 bps
    const stats = { trades: 50, wins: 30, losses: 20, sumWinPaise: 30 * 200, sumLossPaise: 20 * 100 };
    expect(halfKellyBps(stats, 10_000)).toBe(2000);
    expect(halfKellyBps(stats, 1500)).toBe(1500);
    expect(halfKellyBps({ trades: 50, wins: 20, losses: 30, sumWinPaise: 2000, sumLossPaise: 3000 }, 10_000)).toBe(0); // W 0.4, R 1 → f −0.2
    expect(halfKellyBps({ trades: 30, wins: 30, losses: 0, sumWinPaise: 100, sumLossPaise: 0 }, 10_000)).toBe(5000); // no losses → f = W
    expect(halfKellyBps({ trades: 30, wins: 0, losses: 30, sumWinPaise: 0, sumLossPaise: 100 }, 10_000)).toBe(0);
    const cfg: SizingConfigInput = { mode: 'half_kelly', fallback: { mode: 'fixed_qty', qty: 3 }, capBps: 10_000 };
    // 2000 bps of ₹10 lakh = ₹2 lakh / ₹1000 = 200
    expect(sizeOrder(intent(1000_00), ctx(cfg, { stats })).qty).toBe(200);
    const few = sizeOrder(intent(1000_00), ctx(cfg, { stats: { ...stats, trades: 19 } }));
    expect(few.qty).toBe(3);
    expect(few.reason).toMatch(/19 trades < 20, fallback fixed_qty/);
    expect(sizeOrder(intent(1000_00), ctx(cfg)).qty).toBe(3);
    expect(sizeOrder(intent(1000_00), ctx(cfg, { stats: { trades: 50, wins: 20, losses: 30, sumWinPaise: 2000, sumLossPaise: 3000 } })).qty).toBe(0);
  });
});

describe('sizeOrder caps and lots', () => {
  it('strategy budget: open exposure + order ≤ budget', () => {
    const r = sizeOrder(intent(100_00), ctx({ mode: 'fixed_qty', qty: 100, budgetPaise: 5000_00 }, { strategyExposurePaise: 2000_00 }));
    expect(r.qty).toBe(30);
    expect(r.reason).toMatch(/capped by budget/);
    expect(sizeOrder(intent(100_00), ctx({ mode: 'fixed_qty', qty: 100, budgetPaise: 5000_00 }, { strategyExposurePaise: 6000_00 })).qty).toBe(0);
  });

  it('gross exposure ≤ equity × leverage × exposureBps / 10000 (defaults 2.0 × 80 % = 1.6 × equity)', () => {
    // limit ₹16 lakh; in use ₹15 lakh → room ₹1 lakh / ₹1000 = 100
    const r = sizeOrder(intent(1000_00), ctx({ mode: 'fixed_qty', qty: 1000 }, { grossExposurePaise: 15_00_000_00 }));
    expect(r.qty).toBe(100);
    expect(r.reason).toMatch(/gross exposure/);
    expect(sizeOrder(intent(1000_00), ctx({ mode: 'fixed_qty', qty: 1000, leverage: 1, exposureBps: 5000 })).qty).toBe(500);
    expect(sizeOrder(intent(1000_00), ctx({ mode: 'fixed_qty', qty: 1000 }, { grossExposurePaise: 17_00_000_00 })).qty).toBe(0);
  });

  it('maxQty', () => {
    expect(sizeOrder(intent(10_00), ctx({ mode: 'fixed_qty', qty: 1000, maxQty: 40 })).qty).toBe(40);
  });

  it('F&O: rounds down to whole lots; under one lot is 0', () => {
    const fno = { instrument: { lotSize: 75 } };
    expect(sizeOrder(intent(100_00), ctx({ mode: 'fixed_qty', qty: 160 }, fno))).toMatchObject({ qty: 150 });
    const under = sizeOrder(intent(100_00), ctx({ mode: 'fixed_qty', qty: 74 }, fno));
    expect(under.qty).toBe(0);
    expect(under.reason).toMatch(/nothing left/);
    // capped first, then rounded: budget room 100 units → 75
    expect(sizeOrder(intent(100_00), ctx({ mode: 'fixed_qty', qty: 1000, budgetPaise: 10_000_00 }, fno)).qty).toBe(75);
  });

  it('an intent against the strategy position closes it, uncapped', () => {
    expect(sizeOrder(intent(100_00, 'SELL'), ctx({ mode: 'fixed_qty', qty: 5 }, { positionQty: 40, grossExposurePaise: 99_00_000_00 }))).toMatchObject({ qty: 40 });
    expect(sizeOrder(intent(100_00, 'BUY'), ctx({ mode: 'fixed_qty', qty: 5 }, { positionQty: -12 })).qty).toBe(12);
    expect(sizeOrder(intent(100_00, 'BUY'), ctx({ mode: 'fixed_qty', qty: 5 }, { positionQty: 12 })).qty).toBe(5);
  });

  it('no price, no equity or a bad lot → 0', () => {
    expect(sizeOrder(intent(Number.NaN), ctx({ mode: 'fixed_qty', qty: 1 })).qty).toBe(0);
    expect(sizeOrder(intent(0), ctx({ mode: 'fixed_qty', qty: 1 })).qty).toBe(0);
    expect(sizeOrder(intent(100), ctx({ mode: 'fixed_qty', qty: 1 }, { equityPaise: -5 })).qty).toBe(0);
    expect(sizeOrder(intent(100), ctx({ mode: 'fixed_qty', qty: 1 }, { instrument: { lotSize: 0 } })).qty).toBe(0);
  });

  it('qty is always a whole number of lots within every cap (random inputs)', () => {
    const cfgArb = fc.oneof(
      fc.record({ mode: fc.constant('fixed_qty' as const), qty: fc.integer({ min: 1, max: 1_000_000 }) }),
      fc.record({ mode: fc.constant('fixed_value' as const), valuePaise: fc.integer({ min: 1, max: 1e12 }) }),
      fc.record({ mode: fc.constant('risk_pct' as const), bps: fc.integer({ min: 1, max: 10_000 }), atrMultiple: fc.double({ min: 0.1, max: 10, noNaN: true }) }),
    );
    fc.assert(
      fc.property(
        cfgArb,
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 1, max: 1e13 }),
        fc.double({ min: 0.01, max: 1e6, noNaN: true }),
        fc.constantFrom(1, 15, 25, 75, 1800),
        fc.integer({ min: 0, max: 1e13 }),
        fc.integer({ min: 0, max: 1e13 }),
        fc.option(fc.integer({ min: 0, max: 1e13 }), { nil: undefined }),
        (base, price, equity, atr, lot, stratExp, grossExp, budget) => {
          const config = parseSizingConfig({ ...base, ...(budget !== undefined ? { budgetPaise: budget } : {}) });
          const r = sizeOrder(intent(price), { config, equityPaise: equity, atrPaise: atr, instrument: { lotSize: lot }, strategyExposurePaise: stratExp, grossExposurePaise: grossExp });
          expect(Number.isSafeInteger(r.qty) && r.qty >= 0).toBe(true);
          expect(r.qty % lot).toBe(0);
          if (r.qty > 0) {
            expect(grossExp + r.qty * price).toBeLessThanOrEqual((equity * 2 * 8000) / 10_000);
            if (budget !== undefined) expect(stratExp + r.qty * price).toBeLessThanOrEqual(budget);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('configs', () => {
  it('validates and defaults', () => {
    expect(sizingConfigSchema.parse({ mode: 'risk_pct', bps: 25 })).toEqual({ mode: 'risk_pct', bps: 25, atrMultiple: 2, leverage: 2, exposureBps: 8000 });
    expect(() => parseSizingConfig({ mode: 'fixed_qty', qty: 1.5 })).toThrow(/qty/);
    expect(() => parseSizingConfig({ mode: 'fixed_qty', qty: 1, extra: 1 })).toThrow(RangeError);
    expect(() => parseSizingConfig({ mode: 'half_kelly', fallback: { mode: 'half_kelly' } })).toThrow(RangeError);
    expect(() => parseSizingConfig({ mode: 'martingale' })).toThrow(RangeError);
  });

  it('Sizer picks the owner strategy config', () => {
    const sizer = new Sizer({ default: { mode: 'fixed_qty', qty: 1 }, strategies: { big: { mode: 'fixed_qty', qty: 9 } } });
    const i: SizingIntent = {
      ...intent(100),
      reasons: [
        { strategy: 'small', weight: 1, confidence: 0.5 },
        { strategy: 'big', weight: 1, confidence: 0.9 },
        { strategy: 'loud', weight: 5, confidence: 1, overruled: true },
      ],
    };
    expect(intentOwner(i)).toBe('big');
    const base = { equityPaise: 1e9, instrument: { lotSize: 1 }, strategyExposurePaise: 0, grossExposurePaise: 0 };
    expect(sizer.size(i, base).qty).toBe(9);
    expect(sizer.size(i, base, 'small').qty).toBe(1);
  });
});
