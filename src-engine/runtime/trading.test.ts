import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import type { TradableInstrument } from '../model/order.js';
import { MemoryTradingStore, TradingService, type TradingServiceOptions } from './trading.js';

const OPEN = istTime('2026-11-20', '10:00');
const INSTRUMENTS: TradableInstrument[] = [
  { symbol: 'INFY', exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 },
  { symbol: 'SBIN', exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 },
  { symbol: 'NIFTY26NOVFUT', exchange: 'NFO', kind: 'future', tickSizePaise: 10, lotSize: 75, freezeQty: 1800 },
];

function setup(over: Partial<TradingServiceOptions> = {}, store = new MemoryTradingStore()) {
  const clock = { t: OPEN, now() { return this.t; } };
  const svc = new TradingService({
    mode: 'paper',
    instruments: INSTRUMENTS,
    clock,
    store,
    config: { capital: 1_000_000, paper: { slippage: { ticks: 0 } } },
    ...over,
  });
  const tick = (symbol: string, paise: number) => svc.onTick(symbol, paise, clock.t);
  return { svc, clock, store, tick };
}

const manual = { product: 'MIS' as const, validity: 'DAY' as const, variety: 'regular' as const };

describe('TradingService', () => {
  it('fills a manual market order on the paper broker, charges it and books it in the ledger', () => {
    const { svc, tick, store } = setup();
    tick('INFY', 150_000);
    const r = svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 10, orderType: 'MARKET' });
    expect(r.decision.action).toBe('ALLOW');
    expect(r.orders).toHaveLength(1);
    expect(r.orders[0]!.status).toBe('COMPLETE');
    expect(r.orders[0]!.avgPricePaise).toBe(150_000);
    const fills = svc.fills();
    expect(fills).toHaveLength(1);
    expect(fills[0]!.chargesPaise).toBeGreaterThan(0);
    // intraday buy of ₹15,000: brokerage 0.03 % = ₹4.50, stamp 0.003 % = ₹0.45 — both inside the charges
    const ch = svc.orderCharges(r.orders[0]!.orderId);
    expect(ch.brokeragePaise).toBe(450);
    expect(ch.stampDutyPaise).toBe(45);
    expect(ch.sttPaise).toBe(0);
    const p = svc.portfolio();
    expect(p.positions).toEqual([expect.objectContaining({ symbol: 'INFY', strategy: 'manual', qty: 10, avgPricePaise: 150_000 })]);
    expect(p.cashPaise).toBe(100_000_000 - 1_500_000 - ch.totalPaise);
    expect(p.equityPaise).toBe(p.cashPaise + 10 * 150_000);
    expect(p.charges.totalPaise).toBe(ch.totalPaise);
    expect(store.fillRows).toHaveLength(1);
    expect(store.decisions.map((d) => d.action)).toEqual(['ALLOW']);
    tick('INFY', 151_000);
    expect(svc.portfolio().unrealisedPaise).toBe(10 * 1000 - ch.totalPaise);
  });

  it('blocks a bad manual order with the rule and never reaches the broker', () => {
    const { svc, tick, store } = setup();
    tick('INFY', 150_000);
    const offTick = svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 10, orderType: 'LIMIT', pricePaise: 150_003 });
    expect(offTick.decision).toMatchObject({ action: 'BLOCK', rule: 'tick_size' });
    expect(offTick.orders).toEqual([]);
    const far = svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 10, orderType: 'LIMIT', pricePaise: 200_000 });
    expect(far.decision).toMatchObject({ action: 'BLOCK', rule: 'price_band' });
    tick('NIFTY26NOVFUT', 2_400_000);
    const lot = svc.placeManual({ ...manual, product: 'NRML', symbol: 'NIFTY26NOVFUT', side: 'BUY', qty: 100, orderType: 'MARKET' });
    expect(lot.decision).toMatchObject({ action: 'BLOCK', rule: 'lot_size' });
    expect(svc.orders()).toEqual([]);
    expect(store.orderRows.size).toBe(0);
    expect(svc.recentDecisions(10).map((d) => d.rule)).toEqual(['lot_size', 'price_band', 'tick_size']);
  });

  it('the same clientId never places a second order', () => {
    const { svc, tick } = setup();
    tick('INFY', 150_000);
    const a = svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 5, orderType: 'MARKET', clientId: 'retry1' });
    const b = svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 5, orderType: 'MARKET', clientId: 'retry1' });
    expect(b.orders.map((o) => o.orderId)).toEqual(a.orders.map((o) => o.orderId));
    expect(svc.orders()).toHaveLength(1);
    expect(svc.portfolio().positions[0]!.qty).toBe(5);
  });

  it('splits above the freeze quantity into lot-multiple slices with distinct client ids', () => {
    const { svc, tick } = setup({ config: { capital: 100_000_000, paper: { slippage: { ticks: 0 } } } });
    tick('NIFTY26NOVFUT', 2_400_000);
    const r = svc.placeManual({ ...manual, product: 'NRML', symbol: 'NIFTY26NOVFUT', side: 'BUY', qty: 75 * 30, orderType: 'MARKET' });
    expect(r.decision.action).toBe('ALLOW');
    expect(r.orders.length).toBe(2);
    for (const o of r.orders) {
      expect(o.qty % 75).toBe(0);
      expect(o.qty).toBeLessThanOrEqual(1800);
    }
    expect(r.orders.reduce((s, o) => s + o.qty, 0)).toBe(2250);
    expect(new Set(r.orders.map((o) => o.clientId)).size).toBe(2);
  });

  it('turns an ensemble intent into a sized strategy order and closes it on the opposite intent', () => {
    const { svc, tick, clock } = setup();
    tick('SBIN', 80_000);
    const reasons = [{ strategy: 'ema-1m', confidence: 0.8, weight: 1 }];
    const r = svc.onIntent({ symbol: 'SBIN', side: 'BUY', score: 0.8, price: 80_000, reasons, tsEvent: clock.t });
    expect('orders' in r && r.orders[0]!.qty).toBe(62); // ₹50,000 / ₹800 → 62 shares
    expect(svc.ledger.positionQty('SBIN', 'ema-1m')).toBe(62);
    // same direction again: no pyramiding
    expect(svc.onIntent({ symbol: 'SBIN', side: 'BUY', score: 0.8, price: 80_000, reasons, tsEvent: clock.t })).toMatchObject({ skipped: expect.stringContaining('already long') });
    clock.t += 60_000;
    tick('SBIN', 80_500);
    const sell = svc.onIntent({ symbol: 'SBIN', side: 'SELL', score: -0.8, price: 80_500, reasons, tsEvent: clock.t });
    expect('orders' in sell && sell.orders[0]).toMatchObject({ side: 'SELL', qty: 62, source: 'exit' });
    expect(svc.ledger.positionQty('SBIN', 'ema-1m')).toBe(0);
    const p = svc.portfolio();
    const st = p.strategies.find((s) => s.strategy === 'ema-1m')!;
    expect(st.trades).toBe(1);
    expect(st.realisedPaise).toBe(62 * 500 - p.chargesPaise);
  });

  it('square-off closes each position with its own product and leaves other symbols\' orders working', () => {
    const { svc, tick } = setup();
    tick('INFY', 150_000);
    tick('SBIN', 80_000);
    svc.placeManual({ ...manual, product: 'CNC', symbol: 'INFY', side: 'BUY', qty: 4, orderType: 'MARKET' });
    const resting = svc.placeManual({ ...manual, symbol: 'SBIN', side: 'BUY', qty: 1, orderType: 'LIMIT', pricePaise: 79_000 });
    const r = svc.squareOff();
    expect(r).toHaveLength(1);
    expect(r[0]!.orders[0]).toMatchObject({ symbol: 'INFY', side: 'SELL', qty: 4, product: 'CNC', source: 'squareoff', status: 'COMPLETE' });
    expect(svc.orders().find((o) => o.orderId === resting.orders[0]!.orderId)!.status).toBe('OPEN');
    expect(svc.ledger.positionQty('INFY')).toBe(0);
  });

  it('does not trade intents while paused (the backfill)', () => {
    const { svc, tick, clock } = setup();
    tick('SBIN', 80_000);
    svc.setTrading(false);
    const r = svc.onIntent({ symbol: 'SBIN', side: 'BUY', score: 1, price: 80_000, reasons: [{ strategy: 's', confidence: 1, weight: 1 }], tsEvent: clock.t });
    expect(r).toMatchObject({ skipped: expect.stringContaining('backfill') });
    expect(svc.orders()).toEqual([]);
  });

  it('kill switch: cancels open orders, squares off, blocks new orders and survives a restart', () => {
    const store = new MemoryTradingStore();
    const { svc, tick } = setup({}, store);
    tick('INFY', 150_000);
    svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 10, orderType: 'MARKET' });
    const resting = svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 10, orderType: 'LIMIT', pricePaise: 149_000 });
    expect(resting.orders[0]!.status).toBe('OPEN');
    const st = svc.setKillSwitch(true, { squareOff: true, reason: 'test' });
    expect(st.killSwitch).toBe(true);
    expect(svc.orders().find((o) => o.orderId === resting.orders[0]!.orderId)!.status).toBe('CANCELLED');
    expect(svc.ledger.positionQty('INFY')).toBe(0);
    const after = svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 1, orderType: 'MARKET' });
    expect(after.decision).toMatchObject({ action: 'BLOCK', rule: 'kill_switch' });

    // restart on the same store: the kill switch is still on, the ledger is rebuilt from the fills
    const again = setup({}, store);
    expect(again.svc.riskStatus().killSwitch).toBe(true);
    expect(again.svc.portfolio().realisedPaise).toBe(svc.portfolio().realisedPaise);
    expect(again.svc.portfolio().cashPaise).toBe(svc.portfolio().cashPaise);
    again.tick('INFY', 150_000);
    expect(again.svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 1, orderType: 'MARKET' }).decision.rule).toBe('kill_switch');
    again.svc.setKillSwitch(false);
    expect(again.svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 1, orderType: 'MARKET' }).decision.action).toBe('ALLOW');
  });

  it('a working paper order does not survive a restart silently: it is journalled as cancelled with the reason', () => {
    const store = new MemoryTradingStore();
    const { svc, tick } = setup({}, store);
    tick('INFY', 150_000);
    const r = svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 10, orderType: 'LIMIT', pricePaise: 149_000, clientId: 'rest1' });
    expect(r.orders[0]!.status).toBe('OPEN');
    const again = setup({}, store);
    const o = again.svc.orders().find((x) => x.clientId === 'rest1')!;
    expect(o.status).toBe('CANCELLED');
    expect(o.statusMessage).toMatch(/restarted/);
    // and its clientId still cannot place a second order
    again.tick('INFY', 150_000);
    const retry = again.svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 10, orderType: 'LIMIT', pricePaise: 149_000, clientId: 'rest1' });
    expect(retry.orders[0]!.orderId).toBe(o.orderId);
    expect(again.svc.orders()).toHaveLength(1);
  });

  it('after a restart, an open MIS position still gets its square-off before the cut-off', () => {
    const store = new MemoryTradingStore();
    const { svc, tick } = setup({}, store);
    tick('SBIN', 80_000);
    svc.placeManual({ ...manual, symbol: 'SBIN', side: 'BUY', qty: 7, orderType: 'MARKET' });
    const again = setup({}, store);
    expect(again.svc.ledger.positionQty('SBIN')).toBe(7);
    expect(again.svc.exits.armed('manual', 'SBIN')).toBeDefined();
    // 15:16 IST: past the square-off point (5 minutes before the 15:20 cut-off)
    again.clock.t = istTime('2026-11-20', '15:16');
    again.tick('SBIN', 80_100);
    expect(again.svc.ledger.positionQty('SBIN')).toBe(0);
    expect(again.svc.orders()[0]).toMatchObject({ side: 'SELL', qty: 7, source: 'squareoff' });
  });

  it('an unreadable risk state fails closed: the kill switch is on', () => {
    const store = new MemoryTradingStore();
    store.meta.set('risk.state', '{not json');
    const { svc } = setup({}, store);
    expect(svc.riskStatus()).toMatchObject({ killSwitch: true, killReason: expect.stringMatching(/unreadable/) });
  });

  it('exits: a stop-loss from ATR closes the position when the price falls through it', () => {
    const { svc, tick, clock } = setup({ atr: () => 500, config: { capital: 1_000_000, paper: { slippage: { ticks: 0 } }, exits: { default: { trailingBps: 0 } } } });
    tick('SBIN', 80_000);
    svc.placeManual({ ...manual, symbol: 'SBIN', side: 'BUY', qty: 10, orderType: 'MARKET' });
    expect(svc.ledger.positionQty('SBIN')).toBe(10);
    clock.t += 1000;
    tick('SBIN', 79_100); // above the 2×ATR stop at 79,000
    expect(svc.ledger.positionQty('SBIN')).toBe(10);
    clock.t += 1000;
    tick('SBIN', 78_950);
    expect(svc.ledger.positionQty('SBIN')).toBe(0);
    const exit = svc.orders()[0]!;
    expect(exit).toMatchObject({ side: 'SELL', source: 'exit', status: 'COMPLETE' });
  });

  it('shadow mode: simulated fills, and the exact Kite request each order would have sent live', () => {
    const { svc, tick } = setup({ mode: 'shadow' });
    tick('INFY', 150_000);
    const r = svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 3, orderType: 'MARKET', clientId: 'shadow1' });
    expect(r.orders[0]).toMatchObject({ broker: 'shadow', status: 'COMPLETE' });
    const reqs = svc.liveParams(r.orders[0]!.orderId);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]).toMatchObject({ kind: 'place', variety: 'regular' });
    expect(reqs[0]!.params).toMatchObject({ tradingsymbol: 'INFY', exchange: 'NSE', transaction_type: 'BUY', order_type: 'MARKET', quantity: 3, product: 'MIS', tag: 'shadow1', market_protection: -1 });
    // a paper order records nothing
    const paper = setup();
    paper.tick('INFY', 150_000);
    const p = paper.svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 3, orderType: 'MARKET' });
    expect(paper.svc.liveParams(p.orders[0]!.orderId)).toEqual([]);
    expect(() => paper.svc.liveParams('nope')).toThrow(/unknown order/);
  });

  it('rejects a bad trading config with the key path', () => {
    expect(() => setup({ config: { capital: -5 } })).toThrow(/trading\.capital/);
    expect(() => setup({ config: { risk: { maxOpenPositions: -1 } } as never })).toThrow(/trading\.risk\.maxOpenPositions/);
  });
});

describe('TradingService.performance', () => {
  it("today's metrics from the ledger: one round trip, net of charges, overall and for its strategy", () => {
    const { svc, tick, clock } = setup();
    tick('INFY', 150_000);
    svc.placeManual({ ...manual, symbol: 'INFY', side: 'BUY', qty: 10, orderType: 'MARKET' });
    clock.t += 30 * 60_000;
    tick('INFY', 152_000);
    svc.placeManual({ ...manual, symbol: 'INFY', side: 'SELL', qty: 10, orderType: 'MARKET' });
    const charges = svc.fills().reduce((a, f) => a + f.chargesPaise, 0);
    const p = svc.performance();
    expect(p.from).toBe('2026-11-20');
    expect(p.to).toBe('2026-11-20');
    expect(p.overall).toMatchObject({ trades: 1, wins: 1, losses: 0, grossPnlPaise: 20_000, chargesPaise: charges, netPnlPaise: 20_000 - charges, winRate: 1 });
    expect(p.overall.avgHoldingMs).toBe(30 * 60_000);
    expect(p.strategies).toEqual([{ strategy: 'manual', metrics: expect.objectContaining({ trades: 1, netPnlPaise: 20_000 - charges }) }]);
    expect(p.equity.length).toBeGreaterThan(0);
    expect(p.drawdown).toHaveLength(p.equity.length);
    // another day has nothing in it
    expect(svc.performance({ from: '2026-11-19' as never, to: '2026-11-19' as never }).overall.trades).toBe(0);
    expect(() => svc.performance({ from: '2026-11-20' as never, to: '2026-11-19' as never })).toThrow(/to \(2026-11-19\) is before from/);
  });
});
