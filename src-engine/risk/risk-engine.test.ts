import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import type { OrderRequest, TradableInstrument } from '../model/order.js';
import { orderRequest } from '../model/testing.js';
import { type RiskConfigInput, RiskConfigError, parseRiskConfig } from './config.js';
import { RISK_RULES, type RiskDecision, RiskEngine, type RiskRule, decisionRecord } from './risk-engine.js';
import { FakeAccount, FakeClock, FakeMarket, MemoryRiskStore } from './testing.js';

const T0 = istTime('2025-06-10', '10:00'); // a Tuesday, in session
const RELIANCE: TradableInstrument = { symbol: 'RELIANCE', exchange: 'NSE', kind: 'equity', tickSizePaise: 10, lotSize: 1 };
const NIFTY: TradableInstrument = { symbol: 'NIFTY25JUNFUT', exchange: 'NFO', kind: 'future', tickSizePaise: 10, lotSize: 75, freezeQty: 1800 };

function setup(cfg: RiskConfigInput = {}, store = new MemoryRiskStore(), t = T0) {
  const clock = new FakeClock(t);
  const account = new FakeAccount();
  const market = new FakeMarket([RELIANCE, NIFTY]);
  market.set('RELIANCE', 250_000, t); // ₹2,500
  market.set('NIFTY25JUNFUT', 2_400_000, t); // ₹24,000
  const config = parseRiskConfig(cfg, 'test');
  const engine = new RiskEngine({ config, account, market, clock, state: store });
  return { engine, account, market, clock, store, config };
}

const order = (over: Partial<OrderRequest> = {}): OrderRequest => orderRequest({ clientId: 'A1', symbol: 'RELIANCE', pricePaise: 250_000, tsInit: T0, ...over });

const nifty = (over: Partial<OrderRequest> = {}) => order({ symbol: 'NIFTY25JUNFUT', exchange: 'NFO', qty: 75, pricePaise: 2_400_000, product: 'NRML', ...over });

function expectRule(d: RiskDecision, action: RiskDecision['action'], rule: RiskRule): void {
  expect(d.action).toBe(action);
  if (d.action === 'ALLOW') throw new Error('expected a non-ALLOW decision');
  expect(d.rule).toBe(rule);
  expect(d.message.length).toBeGreaterThan(0);
}

describe('risk config', () => {
  it('fills the defaults', () => {
    const c = parseRiskConfig(undefined, 'test');
    expect(c).toMatchObject({
      capitalPaise: 100_000_000,
      maxDailyLossBps: 500,
      maxDrawdownBps: 2000,
      maxOpenPositions: 10,
      maxTradesPerSymbolPerDay: 20,
      maxOrderValuePaise: 10_000_000_000,
      maxQty: 100_000,
      freeze: 'split',
      priceBandBps: 300,
      rate: { perSecond: 8, perMinute: 400, perDay: 5000 }, // per second: the live order pace (trading.live.ordersPerSecond)
      staleAfterMs: 5000,
      marketHours: true,
      checkMargin: true,
      strategies: {},
    });
    expect(c.maxDailyLossPaise).toBeUndefined();
    expect(c.perSymbolMaxLossPaise).toBeUndefined();
  });
  it('names the path of every issue', () => {
    let err: unknown;
    try {
      parseRiskConfig({ maxQty: 1.5, rate: { perSecond: 0 }, strategies: { 'ema-1m': { maxOrderValuePaise: -1, typo: 1 } }, freeze: 'slice' }, 'profile paper.yaml risk');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RiskConfigError);
    const e = err as RiskConfigError;
    const paths = e.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['maxQty', 'rate.perSecond', 'strategies.ema-1m.maxOrderValuePaise', 'strategies.ema-1m', 'freeze']));
    expect(e.message).toMatch(/^profile paper\.yaml risk: invalid risk config: /);
    expect(e.message).toContain('strategies.ema-1m.maxOrderValuePaise');
  });
  it('rejects rate overrides per strategy and inconsistent rate caps', () => {
    expect(() => parseRiskConfig({ strategies: { a: { rate: { perSecond: 1 } } } }, 'x')).toThrow(/strategies\.a/);
    expect(() => parseRiskConfig({ rate: { perSecond: 10, perMinute: 5 } }, 'x')).toThrow(/rate\.perMinute/);
  });
});

describe('RiskEngine rules', () => {
  it('allows a valid order with one shared decision object', () => {
    const { engine } = setup();
    const a = engine.check(order());
    expect(a).toEqual({ action: 'ALLOW' });
    expect(engine.check(order({ clientId: 'A2' }))).toBe(a);
  });

  it('shape', () => {
    const { engine } = setup();
    const bad: Partial<OrderRequest>[] = [
      { qty: 0 },
      { qty: -10 },
      { qty: 1.5 },
      { qty: Number.NaN },
      { clientId: 'has-dash' },
      { clientId: 'x'.repeat(21) },
      { pricePaise: undefined },
      { pricePaise: 2500.5 },
      { orderType: 'MARKET' }, // still carries a price
      { orderType: 'SL', triggerPaise: undefined },
      { orderType: 'SL', triggerPaise: 250_100 }, // BUY SL trigger above price
      { orderType: 'SL-M', pricePaise: undefined, triggerPaise: Number.NaN },
      { side: 'HOLD' as never },
      { variety: 'co' as never },
    ];
    for (const b of bad) expectRule(engine.check(order(b)), 'BLOCK', 'shape');
    expect(engine.check(order({ orderType: 'SL', triggerPaise: 249_900 })).action).toBe('ALLOW');
    expect(engine.check(order({ orderType: 'SL', side: 'SELL', pricePaise: 249_000, triggerPaise: 249_900 })).action).toBe('ALLOW');
    expect(engine.check(order({ orderType: 'MARKET', pricePaise: undefined })).action).toBe('ALLOW');
  });

  it('unknown_instrument', () => {
    const { engine } = setup();
    expectRule(engine.check(order({ symbol: 'NOPE' })), 'BLOCK', 'unknown_instrument');
    expectRule(engine.check(order({ exchange: 'BSE' })), 'BLOCK', 'unknown_instrument');
  });

  it('product and holdings: CNC is cash equity only; a CNC sell needs the shares', () => {
    const { engine, account } = setup();
    expectRule(engine.check(nifty({ product: 'CNC' })), 'BLOCK', 'shape');
    expectRule(engine.check(order({ product: 'NRML' })), 'BLOCK', 'shape');
    const d = engine.check(order({ product: 'CNC', side: 'SELL', qty: 5 }));
    expectRule(d, 'BLOCK', 'holdings');
    expect(d.action !== 'ALLOW' && d.numbers).toMatchObject({ qty: 5, held: 0 });
    account.positions.set('RELIANCE', 5);
    expect(engine.check(order({ product: 'CNC', side: 'SELL', qty: 5 })).action).toBe('ALLOW');
    expectRule(engine.check(order({ product: 'CNC', side: 'SELL', qty: 6 })), 'BLOCK', 'holdings');
    expect(engine.check(order({ product: 'MIS', side: 'SELL', qty: 6 })).action).toBe('ALLOW');
  });

  it('lot_size: F&O quantity must be whole lots', () => {
    const { engine } = setup();
    const d = engine.check(nifty({ qty: 100 }));
    expectRule(d, 'BLOCK', 'lot_size');
    expect(d.action === 'BLOCK' && d.numbers).toEqual({ qty: 100, lotSize: 75 });
    expect(engine.check(nifty({ qty: 150 })).action).toBe('ALLOW');
  });

  it('tick_size: price and trigger', () => {
    const { engine } = setup();
    expectRule(engine.check(order({ pricePaise: 250_005 })), 'BLOCK', 'tick_size');
    expectRule(engine.check(order({ orderType: 'SL', triggerPaise: 249_995 })), 'BLOCK', 'tick_size');
    expect(engine.check(order({ pricePaise: 250_010 })).action).toBe('ALLOW');
  });

  it('market_hours: regular only in session, AMO only outside; holidays closed', () => {
    const { engine, clock, market } = setup();
    expectRule(engine.check(order({ variety: 'amo' })), 'BLOCK', 'market_hours');
    clock.t = istTime('2025-06-10', '16:00');
    market.set('RELIANCE', 250_000, clock.t - 60 * 60_000); // last tick at 15:00: stale, but AMO needs no fresh tick
    expectRule(engine.check(order()), 'BLOCK', 'market_hours');
    expect(engine.check(order({ variety: 'amo' })).action).toBe('ALLOW');
    clock.t = istTime('2025-08-15', '10:00'); // Independence Day
    expectRule(engine.check(order()), 'BLOCK', 'market_hours');
    clock.t = istTime('2025-06-10', '09:10'); // pre-open auction is not continuous trading
    expectRule(engine.check(order()), 'BLOCK', 'market_hours');
  });

  it('market_hours can be switched off (replays), injected calendar is used', () => {
    const t = istTime('2025-06-14', '23:00'); // Saturday night
    const off = setup({ marketHours: false }, undefined, t);
    expect(off.engine.check(order()).action).toBe('ALLOW');
    const clock = new FakeClock(T0);
    const market = new FakeMarket([RELIANCE]);
    market.set('RELIANCE', 250_000, T0);
    const e = new RiskEngine({ config: parseRiskConfig({}, 't'), account: new FakeAccount(), market, clock, isMarketOpen: () => false });
    expectRule(e.check(order()), 'BLOCK', 'market_hours');
  });

  it('stale_data: tick age, missing price; reduce-only MARKET exits pass', () => {
    const { engine, clock, market, account } = setup();
    clock.t = T0 + 5000;
    expect(engine.check(order()).action).toBe('ALLOW');
    clock.t = T0 + 5001;
    const d = engine.check(order());
    expectRule(d, 'BLOCK', 'stale_data');
    expect(d.action === 'BLOCK' && d.numbers.ageMs).toBe(5001);
    account.positions.set('RELIANCE', 10);
    expect(engine.check(order({ side: 'SELL', orderType: 'MARKET', pricePaise: undefined, source: 'exit' })).action).toBe('ALLOW');
    expectRule(engine.check(order({ side: 'SELL', source: 'exit' })), 'BLOCK', 'stale_data'); // a LIMIT exit cannot be banded
    market.ltp.delete('RELIANCE');
    clock.t = T0;
    expectRule(engine.check(order()), 'BLOCK', 'stale_data');
  });

  it('price_band: ±3 % of the last price for price and trigger', () => {
    const { engine } = setup();
    expect(engine.check(order({ pricePaise: 257_500 })).action).toBe('ALLOW'); // +3.00 %
    expect(engine.check(order({ pricePaise: 242_500 })).action).toBe('ALLOW'); // −3.00 %
    const d = engine.check(order({ pricePaise: 257_510 }));
    expectRule(d, 'BLOCK', 'price_band');
    expect(d.action === 'BLOCK' && d.numbers).toMatchObject({ pricePaise: 257_510, lastPricePaise: 250_000, bandBps: 300, lowPaise: 242_500, highPaise: 257_500 });
    expectRule(engine.check(order({ orderType: 'SL-M', pricePaise: undefined, triggerPaise: 242_490, side: 'SELL' })), 'BLOCK', 'price_band');
    expectRule(engine.check(order({ pricePaise: 25_000_000 })), 'BLOCK', 'price_band'); // ₹2,500 typed as paise ×100
  });

  it('max_qty: REDUCE machine orders to whole lots, BLOCK manual ones', () => {
    const { engine } = setup({ maxQty: 1000, strategies: { tight: { maxQty: 10 } } });
    const d = engine.check(nifty({ qty: 1050 }));
    expect(d).toMatchObject({ action: 'REDUCE', qty: 975, rule: 'max_qty' }); // 13 lots of 75
    expectRule(engine.check(nifty({ qty: 1050, source: 'manual', strategy: 'manual' })), 'BLOCK', 'max_qty');
    expect(engine.check(order({ qty: 1000 })).action).toBe('ALLOW');
    expect(engine.check(order({ qty: 11, strategy: 'tight' }))).toMatchObject({ action: 'REDUCE', qty: 10, rule: 'max_qty' });
    expect(engine.check(order({ qty: 11 })).action).toBe('ALLOW');
  });

  it('max_order_value: value typed as quantity', () => {
    const { engine } = setup();
    // ₹2,500 × 50,000 = ₹12.5 crore > ₹10 crore
    expectRule(engine.check(order({ qty: 50_000, source: 'manual', strategy: 'manual' })), 'BLOCK', 'max_order_value');
    const d = engine.check(order({ qty: 50_000 }));
    expect(d).toMatchObject({ action: 'REDUCE', qty: 40_000, rule: 'max_order_value' });
    expect(d.action === 'REDUCE' && d.numbers).toMatchObject({ requestedQty: 50_000, refPricePaise: 250_000, maxOrderValuePaise: 10_000_000_000 });
    expect(engine.check(order({ qty: 40_000 })).action).toBe('ALLOW');
  });

  it('max_order_value REDUCE is the largest lot multiple that fits', () => {
    const { engine } = setup({ maxOrderValuePaise: 1_000_000_000 }); // ₹1 crore
    const d = engine.check(nifty({ qty: 1500 }));
    // floor(1e9 / 2.4e6) = 416 units → 5 lots = 375
    expect(d).toMatchObject({ action: 'REDUCE', qty: 375, rule: 'max_order_value' });
    expect(375 * 2_400_000).toBeLessThanOrEqual(1_000_000_000);
    expect((375 + 75) * 2_400_000).toBeGreaterThan(1_000_000_000);
    // MARKET orders are valued at the last price
    expect(engine.check(nifty({ qty: 1500, orderType: 'MARKET', pricePaise: undefined }))).toMatchObject({ action: 'REDUCE', qty: 375 });
  });

  it('max_open_positions: only orders that open a position', () => {
    const { engine, account } = setup();
    account.open = 10;
    expectRule(engine.check(order()), 'BLOCK', 'max_open_positions');
    account.positions.set('RELIANCE', 5);
    expect(engine.check(order()).action).toBe('ALLOW'); // adds to an open position
    account.open = 9;
    account.positions.delete('RELIANCE');
    expect(engine.check(order()).action).toBe('ALLOW');
  });

  it('max_trades_per_symbol', () => {
    const { engine, account } = setup();
    account.trades.set('RELIANCE', 19);
    expect(engine.check(order()).action).toBe('ALLOW');
    account.trades.set('RELIANCE', 20);
    expectRule(engine.check(order()), 'BLOCK', 'max_trades_per_symbol');
    account.positions.set('RELIANCE', 10);
    expect(engine.check(order({ side: 'SELL', qty: 10 })).action).toBe('ALLOW'); // an exit still passes
  });

  it('symbol_loss: blocks new orders in the symbol, not the ones that reduce it', () => {
    const { engine, account } = setup({ perSymbolMaxLossPaise: 1_000_000 });
    account.symbolPnl.set('RELIANCE', -999_999);
    expect(engine.check(order()).action).toBe('ALLOW');
    account.symbolPnl.set('RELIANCE', -1_000_000);
    expectRule(engine.check(order()), 'BLOCK', 'symbol_loss');
    account.positions.set('RELIANCE', -20);
    expect(engine.check(order({ side: 'BUY', qty: 20 })).action).toBe('ALLOW');
    expectRule(engine.check(order({ side: 'BUY', qty: 21 })), 'BLOCK', 'symbol_loss'); // would flip
    expect(engine.check(nifty()).action).toBe('ALLOW');
  });

  it('margin: REDUCE to the largest lot multiple that fits; BLOCK manual', () => {
    const { engine, account } = setup();
    account.marginBps = 2000; // 20 %: one NIFTY lot needs 75 × 2,400,000 × 0.2 = 36,000,000
    account.marginAvail = 100_000_000; // fits 2 lots (72,000,000), not 3 (108,000,000)
    const d = engine.check(nifty({ qty: 750 }));
    expect(d).toMatchObject({ action: 'REDUCE', qty: 150, rule: 'margin' });
    expect(d.action === 'REDUCE' && d.numbers).toMatchObject({ requestedQty: 750, marginRequiredPaise: 360_000_000, marginAvailablePaise: 100_000_000, reducedMarginRequiredPaise: 72_000_000 });
    expectRule(engine.check(nifty({ qty: 750, source: 'manual' })), 'BLOCK', 'margin');
    account.marginAvail = 30_000_000; // less than one lot
    expectRule(engine.check(nifty()), 'BLOCK', 'margin');
    account.positions.set('NIFTY25JUNFUT', 75);
    expect(engine.check(nifty({ side: 'SELL' })).action).toBe('ALLOW'); // an exit needs no margin
  });

  it('margin REDUCE re-quotes a margin that is not proportional to qty', () => {
    const { engine, account } = setup();
    account.marginBps = 2000;
    account.marginFixedPaise = 50_000_000; // a flat ₹5 lakh per order on top of 20 %
    account.marginAvail = 200_000_000;
    const d = engine.check(nifty({ qty: 750 }));
    // brute force: the largest whole-lot qty whose margin fits
    let best = 0;
    for (let q = 75; q <= 750; q += 75) if (account.marginRequiredPaise(nifty({ qty: q }), 2_400_000) <= 200_000_000) best = q;
    expect(best).toBe(300);
    expect(d).toMatchObject({ action: 'REDUCE', qty: best, rule: 'margin' });
    // a progressive margin (the proportional estimate undershoots; bisection finds the largest fit)
    account.marginFixedPaise = 0;
    account.marginPerQtySquaredPaise = 100;
    account.marginAvail = 300_000_000;
    best = 0;
    for (let q = 75; q <= 3000; q += 75) if (account.marginRequiredPaise(nifty({ qty: q }), 2_400_000) <= 300_000_000) best = q;
    expect(best).toBe(525);
    expect(engine.check(nifty({ qty: 1800 }))).toMatchObject({ action: 'REDUCE', qty: best, rule: 'margin' });
  });

  it('margin can be switched off', () => {
    const { engine, account } = setup({ checkMargin: false });
    account.marginAvail = 0;
    expect(engine.check(order()).action).toBe('ALLOW');
  });

  it('freeze_qty: split into whole-lot slices ≤ freeze that sum to qty; or block', () => {
    const { engine } = setup({ maxOrderValuePaise: 100_000_000_000 });
    const d = engine.check(nifty({ qty: 4500 })); // 60 lots; freeze 1800 = 24 lots → 3 slices of 20 lots
    expect(d.action).toBe('ALLOW');
    const slices = d.action === 'ALLOW' ? d.slices! : [];
    expect(slices).toEqual([1500, 1500, 1500]);
    const d2 = engine.check(nifty({ qty: 1875 })); // 25 lots → 13 + 12
    expect(d2.action === 'ALLOW' && d2.slices).toEqual([975, 900]);
    expect(engine.check(nifty({ qty: 1800 }))).toEqual({ action: 'ALLOW' });
    const b = setup({ freeze: 'block', maxOrderValuePaise: 100_000_000_000 }).engine.check(nifty({ qty: 1875 }));
    expectRule(b, 'BLOCK', 'freeze_qty');
    expect(b.action === 'BLOCK' && b.numbers).toEqual({ qty: 1875, freezeQty: 1800, lotSize: 75 });
  });

  it('freeze_qty: at most 10 slices per order (Kite autoslice); more is refused with the numbers', () => {
    const { engine } = setup({ maxOrderValuePaise: 100_000_000_000, maxQty: 1_000_000, checkMargin: false });
    // freeze 1800 = 24 lots of 75: 10 slices carry at most 240 lots = 18,000
    const ok = engine.check(nifty({ qty: 18_000 }));
    expect(ok.action === 'ALLOW' && ok.slices).toHaveLength(10);
    const d = engine.check(nifty({ qty: 18_075 }));
    expectRule(d, 'BLOCK', 'freeze_qty');
    expect(d.action === 'BLOCK' && d.numbers).toEqual({ qty: 18_075, freezeQty: 1800, lotSize: 75, maxSlices: 10 });
    expect(d.action === 'BLOCK' && d.message).toMatch(/11 slices .*at most 10 slices/);
  });

  it('freeze split also applies to a REDUCEd qty', () => {
    const { engine } = setup({ maxQty: 2000, maxOrderValuePaise: 100_000_000_000 });
    const d = engine.check(nifty({ qty: 3000 }));
    expect(d).toMatchObject({ action: 'REDUCE', qty: 1950, rule: 'max_qty', slices: [975, 975] });
  });

  it('rate_per_second and rate_per_minute count orders actually sent', () => {
    const { engine, clock, market } = setup({ rate: { perSecond: 10, perMinute: 400, perDay: 5000 } });
    for (let i = 0; i < 9; i++) engine.recordSent(clock.t);
    expect(engine.check(order()).action).toBe('ALLOW');
    engine.recordSent(clock.t);
    const d = engine.check(order());
    expectRule(d, 'BLOCK', 'rate_per_second');
    expect(d.action === 'BLOCK' && d.numbers.retryInMs).toBe(1000);
    clock.t += 999;
    expectRule(engine.check(order()), 'BLOCK', 'rate_per_second');
    clock.t += 1;
    expect(engine.check(order()).action).toBe('ALLOW');
    // 400 within a minute, 10 per second
    clock.t = T0 + 10_000;
    for (let i = 0; i < 390; i++) engine.recordSent(clock.t + Math.floor(i / 10) * 100);
    clock.t += 5000;
    market.set('RELIANCE', 250_000, clock.t);
    const m = engine.check(order());
    expectRule(m, 'BLOCK', 'rate_per_minute');
    expect(engine.rateUsage().lastMinute).toBe(400);
    clock.t = T0 + 60_000; // the first 10 (sent at T0) have left the window
    market.set('RELIANCE', 250_000, clock.t);
    expect(engine.check(order()).action).toBe('ALLOW');
  });

  it('a flatten is not cut at the per-second/minute caps: 100 reduce-only killswitch/squareoff/exit orders at once all pass (and count); an entry is blocked', () => {
    const { engine, clock, account } = setup();
    account.positions.set('RELIANCE', 100);
    const sources = ['killswitch', 'squareoff', 'exit'] as const;
    for (let i = 0; i < 100; i++) {
      const d = engine.check(order({ clientId: `K${i}`, side: 'SELL', qty: 1, orderType: 'MARKET', pricePaise: undefined, source: sources[i % 3]! }));
      expect(d.action, `exit ${i}`).toBe('ALLOW');
      engine.recordSent(clock.t);
    }
    expect(engine.rateUsage()).toMatchObject({ lastSecond: 8, lastMinute: 100, today: 100 });
    // entries (and a person's orders) still meet the caps
    expectRule(engine.check(order({ clientId: 'E1' })), 'BLOCK', 'rate_per_second');
    expectRule(engine.check(order({ clientId: 'M1', side: 'SELL', qty: 1, source: 'manual' })), 'BLOCK', 'rate_per_second');
    // an 'exit' that would flip the position is a new position: capped as one
    expectRule(engine.check(order({ clientId: 'X1', side: 'SELL', qty: 101, orderType: 'MARKET', pricePaise: undefined, source: 'exit' })), 'BLOCK', 'rate_per_second');
  });

  it('rate_per_day: the whole split must fit; resets on the next IST day', () => {
    const { engine, clock, market } = setup({ rate: { perSecond: 10, perMinute: 400, perDay: 1000 }, maxOrderValuePaise: 100_000_000_000 });
    engine.recordSent(clock.t - 3_600_000, 998);
    expect(engine.check(order()).action).toBe('ALLOW');
    expectRule(engine.check(nifty({ qty: 4500 })), 'BLOCK', 'rate_per_day'); // 3 slices, 2 left
    engine.recordSent(clock.t - 3_600_000, 2);
    const d = engine.check(order());
    expectRule(d, 'BLOCK', 'rate_per_day');
    expect(d.action === 'BLOCK' && d.numbers).toMatchObject({ sentToday: 1000, perDay: 1000 });
    clock.t = istTime('2025-06-11', '10:00');
    market.set('RELIANCE', 250_000, clock.t);
    expect(engine.check(order()).action).toBe('ALLOW');
  });

  it('per-strategy overrides apply by req.strategy', () => {
    const { engine } = setup({ strategies: { careful: { priceBandBps: 100, marketHours: false } } });
    expect(engine.check(order({ pricePaise: 255_000 })).action).toBe('ALLOW'); // +2 %
    expectRule(engine.check(order({ pricePaise: 255_000, strategy: 'careful' })), 'BLOCK', 'price_band');
    expect(engine.limitsFor('careful').priceBandBps).toBe(100);
    expect(engine.limitsFor('other').priceBandBps).toBe(300);
  });
});

describe('circuit breaker, halt and kill switch', () => {
  it('trips at 5 % daily loss with the default config and then blocks with rule halted', () => {
    const { engine, account, store } = setup();
    account.pnl = -49_999_99; // 4.99999 % of ₹10 lakh
    account.equity = account.dayStart + account.pnl;
    expect(engine.check(order()).action).toBe('ALLOW');
    account.pnl = -50_000_00; // exactly 5 %
    account.equity = account.dayStart + account.pnl;
    const d = engine.check(order());
    expectRule(d, 'HALT_SESSION', 'max_daily_loss');
    expect(d.action === 'HALT_SESSION' && d.numbers).toMatchObject({ dayPnlPaise: -5_000_000, dayStartEquityPaise: 100_000_000, maxDailyLossBps: 500, limitPaise: 5_000_000 });
    expect(engine.state().halted).toBe(true);
    expect(store.saved?.halted).toBe(true);
    expect(store.saved?.haltedDay).toBe('2025-06-10');
    account.pnl = 0; // even after a recovery, halted until resumed
    expectRule(engine.check(order()), 'BLOCK', 'halted');
  });

  it('trips at 20 % drawdown from the day peak with the default config', () => {
    const { engine, account } = setup();
    account.peak = 12_00_000_00;
    account.equity = 9_60_000_01; // 19.9999… % below the peak; day loss 3.99 %
    account.pnl = account.equity - account.dayStart;
    expect(engine.evaluate()).toBeUndefined();
    expect(engine.check(order()).action).toBe('ALLOW');
    account.equity = 9_60_000_00; // 20 %
    account.pnl = account.equity - account.dayStart;
    const d = engine.evaluate();
    expect(d).toMatchObject({ action: 'HALT_SESSION', rule: 'max_drawdown', numbers: { dayPeakEquityPaise: 120_000_000, equityPaise: 96_000_000, drawdownPaise: 24_000_000 } });
    expect(engine.evaluate()).toBeUndefined(); // already halted
    expectRule(engine.check(order()), 'BLOCK', 'halted');
  });

  it('absolute daily loss limit', () => {
    const { engine, account } = setup({ maxDailyLossPaise: 1_000_000 });
    account.pnl = -999_999;
    expect(engine.evaluate()).toBeUndefined();
    account.pnl = -1_000_000;
    expect(engine.evaluate()).toMatchObject({ action: 'HALT_SESSION', rule: 'max_daily_loss', numbers: { maxDailyLossPaise: 1_000_000 } });
  });

  it("a strategy's tighter loss limit blocks its own orders without halting", () => {
    const { engine, account } = setup({ strategies: { ema: { maxDailyLossBps: 100 } } });
    account.pnl = -2_000_000; // 2 %
    expectRule(engine.check(order()), 'BLOCK', 'max_daily_loss');
    expect(engine.state().halted).toBe(false);
    expect(engine.check(order({ strategy: 'other' })).action).toBe('ALLOW');
  });

  it('reduce-only orders pass while halted; new and flipping orders do not', () => {
    const { engine, account } = setup();
    account.positions.set('RELIANCE', 30);
    account.open = 50;
    account.trades.set('RELIANCE', 100);
    engine.halt('operator');
    expect(engine.check(order({ side: 'SELL', qty: 30, source: 'squareoff' })).action).toBe('ALLOW');
    expect(engine.check(order({ side: 'SELL', qty: 10, source: 'manual', strategy: 'manual' })).action).toBe('ALLOW');
    expectRule(engine.check(order({ side: 'SELL', qty: 31, source: 'exit' })), 'BLOCK', 'halted');
    expectRule(engine.check(order({ side: 'BUY', qty: 1 })), 'BLOCK', 'halted');
    expectRule(engine.check(order({ symbol: 'NIFTY25JUNFUT', exchange: 'NFO', side: 'SELL', qty: 75, source: 'exit' })), 'BLOCK', 'halted');
    // still validated: a reduce-only order with a bad lot or tick is blocked
    account.positions.set('NIFTY25JUNFUT', 150);
    expectRule(engine.check(nifty({ side: 'SELL', qty: 100, source: 'exit' })), 'BLOCK', 'lot_size');
    expectRule(engine.check(nifty({ side: 'SELL', qty: 75, pricePaise: 2_400_005, source: 'exit' })), 'BLOCK', 'tick_size');
    expect(engine.check(nifty({ side: 'SELL', qty: 150, source: 'exit' })).action).toBe('ALLOW');
  });

  it('a halt persists through a new RiskEngine on the same store; resume(by) clears it', () => {
    const store = new MemoryRiskStore();
    const first = setup({}, store);
    first.engine.halt('manual halt');
    const second = setup({}, store);
    expect(second.engine.state()).toMatchObject({ halted: true, haltReason: 'manual halt', haltedDay: '2025-06-10' });
    expectRule(second.engine.check(order()), 'BLOCK', 'halted');
    expect(() => second.engine.resume('')).toThrow(/by/);
    second.engine.resume('asha');
    expect(second.engine.check(order()).action).toBe('ALLOW');
    expect(store.saved).toMatchObject({ halted: false, resumedBy: 'asha', resumedAt: T0 });
    expect(setup({}, store).engine.state().halted).toBe(false);
  });

  it('the circuit-breaker halt resets on the next trading day', () => {
    const store = new MemoryRiskStore();
    const { engine, account, clock, market } = setup({}, store);
    account.pnl = -6_000_000;
    expect(engine.evaluate()?.rule).toBe('max_daily_loss');
    clock.t = istTime('2025-06-10', '23:59');
    expect(engine.state().halted).toBe(true);
    account.pnl = 0;
    clock.t = istTime('2025-06-11', '09:30');
    market.set('RELIANCE', 250_000, clock.t);
    expect(engine.check(order()).action).toBe('ALLOW');
    expect(store.saved?.halted).toBe(false);
    // and a restart on the next day with yesterday's breaker halt on disk starts un-halted
    const s2 = new MemoryRiskStore();
    s2.saved = { halted: true, haltReason: 'old', haltUntil: 'day-end', haltedAt: T0, haltedDay: '2025-06-10', killSwitch: false };
    expect(setup({}, s2, istTime('2025-06-11', '09:30')).engine.state().halted).toBe(false);
    // a state stored before haltUntil existed: the breaker's reason makes it daily, any other reason stays
    s2.saved = { halted: true, haltReason: 'max_daily_loss: day loss ₹60,000', haltedAt: T0, haltedDay: '2025-06-10', killSwitch: false };
    expect(setup({}, s2, istTime('2025-06-11', '09:30')).engine.state().halted).toBe(false);
    s2.saved = { halted: true, haltReason: 'operator', haltedAt: T0, haltedDay: '2025-06-10', killSwitch: false };
    expect(setup({}, s2, istTime('2025-06-11', '09:30')).engine.state()).toMatchObject({ halted: true, haltUntil: 'resume' });
  });

  it('a manual halt stays across day rolls until a person resumes; halt(…, until day-end) rolls like the breaker', () => {
    const store = new MemoryRiskStore();
    const { engine, clock, market } = setup({}, store);
    engine.halt('operator');
    expect(store.saved).toMatchObject({ halted: true, haltUntil: 'resume', haltedDay: '2025-06-10' });
    clock.t = istTime('2025-06-11', '09:30');
    market.set('RELIANCE', 250_000, clock.t);
    expectRule(engine.check(order()), 'BLOCK', 'halted');
    expect(setup({}, store, istTime('2025-06-12', '09:30')).engine.state().halted).toBe(true);
    engine.resume('asha');
    engine.halt('quiet for today', { until: 'day-end' });
    expect(engine.state()).toMatchObject({ halted: true, haltUntil: 'day-end', haltedDay: '2025-06-11' });
    clock.t = istTime('2025-06-12', '00:00');
    expect(engine.state().halted).toBe(false);
  });

  it('a Friday breaker halt holds over the weekend (the trading day is still Friday) and ends at Monday 00:00 IST', () => {
    const { engine, account, clock } = setup({}, new MemoryRiskStore(), istTime('2025-06-13', '14:00')); // Friday
    account.pnl = -6_000_000;
    expect(engine.evaluate()?.rule).toBe('max_daily_loss');
    account.pnl = 0;
    clock.t = istTime('2025-06-15', '23:59'); // Sunday
    expect(engine.state().halted).toBe(true);
    clock.t = istTime('2025-06-16', '00:00'); // Monday
    expect(engine.state().halted).toBe(false);
  });

  it('kill switch: blocks all but killswitch square-offs, survives restart and day roll', () => {
    const store = new MemoryRiskStore();
    const a = setup({}, store);
    a.account.positions.set('RELIANCE', 40);
    a.engine.engageKillSwitch('runaway strategy');
    expectRule(a.engine.check(order()), 'BLOCK', 'kill_switch');
    expectRule(a.engine.check(order({ side: 'SELL', qty: 40, source: 'exit' })), 'BLOCK', 'kill_switch');
    expect(a.engine.check(order({ side: 'SELL', qty: 40, orderType: 'MARKET', pricePaise: undefined, source: 'killswitch' })).action).toBe('ALLOW');
    expectRule(a.engine.check(order({ side: 'SELL', qty: 41, orderType: 'MARKET', pricePaise: undefined, source: 'killswitch' })), 'BLOCK', 'kill_switch');

    const nextDay = istTime('2025-06-11', '10:00');
    const b = setup({}, store, nextDay);
    expect(b.engine.state()).toMatchObject({ killSwitch: true, killReason: 'runaway strategy', killedAt: T0 });
    expectRule(b.engine.check(order({ tsInit: nextDay })), 'BLOCK', 'kill_switch');
    expect(() => b.engine.disengageKillSwitch(' ')).toThrow(/person/);
    b.engine.disengageKillSwitch('ravi');
    expect(b.engine.check(order()).action).toBe('ALLOW');
    expect(setup({}, store, nextDay).engine.state()).toMatchObject({ killSwitch: false, killClearedBy: 'ravi' });
  });

  it('an unreadable state store engages the kill switch (fail safe)', () => {
    const errors: string[] = [];
    const market = new FakeMarket([RELIANCE]);
    market.set('RELIANCE', 250_000, T0);
    const e = new RiskEngine({
      config: parseRiskConfig({}, 't'),
      account: new FakeAccount(),
      market,
      clock: new FakeClock(T0),
      state: {
        load: () => {
          throw new Error('disk');
        },
        save: () => undefined,
      },
      onError: (_err, where) => errors.push(where),
    });
    expectRule(e.check(order()), 'BLOCK', 'kill_switch');
    expect(errors[0]).toMatch(/load failed/);
  });

  it('onDecision sees every decision with the request; listener errors do not fail a check', () => {
    const { engine, account } = setup();
    const seen: ReturnType<typeof decisionRecord>[] = [];
    const errors: unknown[] = [];
    const off = engine.onDecision((d, req, at) => seen.push(decisionRecord(d, req, at)));
    engine.onDecision(() => {
      throw new Error('journal down');
    });
    (engine as unknown as { onError: (e: unknown) => void }).onError = (e) => errors.push(e);
    engine.check(order());
    engine.check(nifty({ qty: 100 }));
    account.pnl = -10_000_000;
    engine.evaluate();
    expect(seen.map((s) => [s.action, s.rule])).toEqual([
      ['ALLOW', undefined],
      ['BLOCK', 'lot_size'],
      ['HALT_SESSION', 'max_daily_loss'],
    ]);
    expect(seen[1]).toEqual({
      ts: T0,
      clientId: 'A1',
      symbol: 'NIFTY25JUNFUT',
      side: 'BUY',
      qty: 100,
      strategy: 'ema',
      source: 'strategy',
      action: 'BLOCK',
      rule: 'lot_size',
      message: expect.stringContaining('lots of 75'),
      numbers: { qty: 100, lotSize: 75 },
    });
    expect(seen[2]).toMatchObject({ clientId: '', symbol: '', qty: 0, action: 'HALT_SESSION' });
    expect(errors).toHaveLength(3);
    off();
    engine.check(order());
    expect(seen).toHaveLength(3);
  });

  it('status() reports the breaker numbers', () => {
    const { engine, account } = setup({ maxDailyLossPaise: 3_000_000 });
    account.pnl = -1_000_000;
    account.peak = 110_000_000;
    account.equity = 99_000_000;
    account.open = 4;
    expect(engine.status()).toEqual({
      halted: false,
      killSwitch: false,
      dayPnlPaise: -1_000_000,
      dailyLossLimitPaise: -3_000_000, // the absolute limit is tighter than 5 % (5,000,000)
      drawdownPaise: 11_000_000,
      drawdownLimitPaise: 22_000_000,
      openPositions: 4,
      maxOpenPositions: 10,
      grossExposurePaise: 0,
      externalExposurePaise: 0,
      maxGrossExposurePaise: undefined,
    });
  });

  it('onStateChange streams halts and kill-switch changes', () => {
    const { engine } = setup();
    const states: boolean[][] = [];
    engine.onStateChange((s) => states.push([s.halted, s.killSwitch]));
    engine.halt('x');
    engine.engageKillSwitch('y');
    engine.resume('p');
    engine.disengageKillSwitch('p');
    expect(states).toEqual([
      [true, false],
      [true, true],
      [false, true],
      [false, false],
    ]);
  });

  it('every rule in RISK_RULES is distinct', () => {
    expect(new Set(RISK_RULES).size).toBe(RISK_RULES.length);
    expect(RISK_RULES).toHaveLength(23);
  });
});

describe('max_exposure: external positions at Kite count in the gross exposure cap', () => {
  // cap ₹10,00,000; RELIANCE at ₹2,500
  const cfg = { maxGrossExposurePaise: 100_000_000, checkMargin: false };

  it('allows an order that fits with no external positions, blocks it when an external position pushes it over (and says so)', () => {
    const { engine, account } = setup(cfg);
    account.gross = 60_000_000; // ₹6,00,000 of our own positions (other symbols)
    const buy = order({ side: 'BUY', qty: 100, orderType: 'LIMIT', pricePaise: 250_000 }); // ₹2,50,000
    expect(engine.check(buy).action).toBe('ALLOW');
    engine.setExternalPositions([{ symbol: 'TCS', exchange: 'NSE', product: 'CNC', qty: -50, lastPricePaise: 400_000 }]); // ₹2,00,000 short
    expect(engine.externalExposurePaise()).toBe(20_000_000);
    expect(engine.status()).toMatchObject({ grossExposurePaise: 60_000_000, externalExposurePaise: 20_000_000, maxGrossExposurePaise: 100_000_000 });
    const d = engine.check(buy);
    expectRule(d, 'BLOCK', 'max_exposure');
    if (d.action !== 'BLOCK') throw new Error('unreachable');
    expect(d.message).toMatch(/external positions at Kite/);
    expect(d.message).toMatch(/NSE:TCS CNC -50/);
    expect(d.message).toMatch(/because of the external positions/);
    expect(d.numbers).toMatchObject({ externalExposurePaise: 20_000_000, afterOrderPaise: 85_000_000, totalPaise: 105_000_000, maxGrossExposurePaise: 100_000_000 });
    // a strategy order is blocked the same way (never resized into the external position's room)
    expectRule(engine.check(order({ side: 'BUY', qty: 100, orderType: 'LIMIT', pricePaise: 250_000, source: 'strategy', strategy: 'ema' })), 'BLOCK', 'max_exposure');
    // the list is replaced every round: gone at Kite, the order fits again
    engine.setExternalPositions([]);
    expect(engine.check(buy).action).toBe('ALLOW');
  });

  it('prices an external position at the feed price when there is one', () => {
    const { engine, market } = setup(cfg);
    engine.setExternalPositions([{ symbol: 'RELIANCE', exchange: 'NSE', product: 'MIS', qty: 10, lastPricePaise: 1 }]);
    expect(engine.externalExposurePaise()).toBe(2_500_000);
    market.set('RELIANCE', 260_000, T0);
    expect(engine.externalExposurePaise()).toBe(2_600_000);
  });

  it('over the cap on our own positions alone: blocked without blaming external positions', () => {
    const { engine, account } = setup(cfg);
    account.gross = 95_000_000;
    const d = engine.check(order({ side: 'BUY', qty: 100, orderType: 'LIMIT', pricePaise: 250_000 }));
    expectRule(d, 'BLOCK', 'max_exposure');
    if (d.action === 'BLOCK') expect(d.message).not.toMatch(/because of the external/);
  });

  it('an order that reduces our position passes even with external positions over the cap', () => {
    const { engine, account } = setup(cfg);
    account.positions.set('RELIANCE', 100);
    account.gross = 25_000_000;
    engine.setExternalPositions([{ symbol: 'TCS', exchange: 'NSE', product: 'CNC', qty: 1000, lastPricePaise: 400_000 }]); // ₹40 lakh
    expect(engine.check(order({ side: 'SELL', qty: 100, orderType: 'LIMIT', pricePaise: 250_000 })).action).toBe('ALLOW');
    expectRule(engine.check(order({ side: 'BUY', qty: 1, orderType: 'LIMIT', pricePaise: 250_000 })), 'BLOCK', 'max_exposure');
  });

  it('no cap configured: external positions block nothing', () => {
    const { engine } = setup({ checkMargin: false });
    engine.setExternalPositions([{ symbol: 'TCS', exchange: 'NSE', product: 'CNC', qty: 1_000_000, lastPricePaise: 400_000 }]);
    expect(engine.check(order({ side: 'BUY', qty: 100, orderType: 'LIMIT', pricePaise: 250_000 })).action).toBe('ALLOW');
  });
});
