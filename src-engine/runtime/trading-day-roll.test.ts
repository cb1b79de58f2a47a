import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import { TradingDay } from '../core/trading-day.js';
import type { TradableInstrument } from '../model/order.js';
import { MemoryTradingStore, TradingService } from './trading.js';

/**
 * The day roll through the whole trading pipeline (ledger, risk, paper broker) with a fake clock:
 * never the wall clock, so these pass at any hour.
 *
 * Calendar: 2026-11-20 Friday, 21–22 weekend, 23 Monday, 24 Tuesday an NSE holiday (Guru Nanak
 * Jayanti), 25 Wednesday.
 */
const INSTRUMENTS: TradableInstrument[] = [
  { symbol: 'INFY', exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 },
  { symbol: 'SBIN', exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 },
];
const manual = { product: 'MIS' as const, validity: 'DAY' as const };

function setup(start: number, store = new MemoryTradingStore()) {
  const clock = { t: start, now() { return this.t; } };
  // ₹10 lakh capital: the default daily loss limit is 5 % = ₹50,000
  const svc = new TradingService({ mode: 'paper', instruments: INSTRUMENTS, clock, store, config: { capital: 1_000_000, paper: { slippage: { ticks: 0 } } } });
  const tick = (symbol: string, paise: number) => svc.onTick(symbol, paise, clock.t);
  return { svc, clock, store, tick };
}

/** Buys 1,000 INFY at ₹1,500, marks it down to ₹1,440 (a ₹60,000 loss): the breaker halts the session; flat after. */
function loseTheDay(s: ReturnType<typeof setup>): void {
  s.tick('INFY', 150_000);
  s.tick('SBIN', 80_000);
  const buy = s.svc.placeManual({ ...manual, variety: 'regular', symbol: 'INFY', side: 'BUY', qty: 1000, orderType: 'MARKET' });
  expect(buy.decision).toMatchObject({ action: "ALLOW" });
  expect(buy.orders[0]?.status).toBe("COMPLETE");
  s.clock.t += 60_000;
  s.tick('INFY', 144_000);
  const st = s.svc.riskStatus();
  expect(st).toMatchObject({ halted: true, haltReason: expect.stringMatching(/^max_daily_loss/), haltUntil: 'day-end' });
  expect(st.dayPnlPaise).toBeLessThan(-5_000_000);
  // a halted session can always flatten (the trailing stop may have done it already)
  s.svc.squareOff({ symbol: 'INFY' });
  expect(s.svc.ledger.positionQty('INFY')).toBe(0);
  expect(s.svc.riskStatus().halted).toBe(true);
}

const amo = (pricePaise: number) => ({ ...manual, variety: 'amo' as const, symbol: 'SBIN', side: 'BUY' as const, qty: 10, orderType: 'LIMIT' as const, pricePaise });

describe('the trading day roll (review finding: a loss halt carried into the next day)', () => {
  it('a daily-loss halt ends at the next trading day; an AMO before its first tick does not re-trip it (across a holiday)', () => {
    const s = setup(istTime('2026-11-23', '10:00'));
    loseTheDay(s);
    const equityAfterLoss = s.svc.portfolio().equityPaise;

    // the holiday belongs to Monday's trading day: Monday's loss and halt are still in force
    s.clock.t = istTime('2026-11-24', '11:00');
    expect(s.svc.riskStatus()).toMatchObject({ halted: true });
    expect(s.svc.placeManual(amo(80_000)).decision).toMatchObject({ action: 'BLOCK', rule: 'halted' });

    // Wednesday 08:00 IST: no tick yet, market closed. The day has rolled for everyone.
    s.clock.t = istTime('2026-11-25', '08:00');
    const before = s.svc.riskStatus();
    expect(before.halted).toBe(false);
    expect(before.dayPnlPaise).toBe(0);
    expect(before.drawdownPaise).toBe(0);
    const p = s.svc.portfolio();
    expect(p.dayPnlPaise).toBe(0);
    expect(p.dayPeakEquityPaise).toBe(equityAfterLoss);
    expect(p.equityPaise).toBe(equityAfterLoss);

    const r = s.svc.placeManual(amo(80_000));
    expect(r.decision.action).toBe('ALLOW');
    expect(r.orders[0]?.status).toBe('AMO REQ RECEIVED');
    expect(s.svc.riskStatus().halted).toBe(false);
    expect(s.store.decisions.filter((d) => d.action === 'HALT_SESSION')).toHaveLength(1); // Monday's only

    // the open: the AMO is released on the first tick and fills; still no halt
    s.clock.t = istTime('2026-11-25', '09:15') + 1000;
    s.tick('SBIN', 79_900);
    expect(s.svc.orders().find((o) => o.orderId === r.orders[0]!.orderId)?.status).toBe('COMPLETE');
    expect(s.svc.riskStatus().halted).toBe(false);
  });

  it('across a weekend: a Friday loss halt holds through Sunday and ends at Monday 00:00 IST', () => {
    const s = setup(istTime('2026-11-20', '14:00'));
    loseTheDay(s);
    s.clock.t = istTime('2026-11-22', '20:00'); // Sunday evening
    expect(s.svc.riskStatus().halted).toBe(true);
    s.clock.t = istTime('2026-11-23', '00:00');
    expect(s.svc.riskStatus()).toMatchObject({ halted: false, dayPnlPaise: 0 });
    expect(s.svc.placeManual(amo(80_000)).decision.action).toBe('ALLOW');
    expect(s.svc.riskStatus().halted).toBe(false);
  });

  it('a manual halt and the kill switch persist across the roll; only a person lifts them', () => {
    const s = setup(istTime('2026-11-23', '10:00'));
    s.tick('SBIN', 80_000);
    s.svc.halt('operator: broker looks wrong');
    s.clock.t = istTime('2026-11-25', '08:00');
    expect(s.svc.riskStatus()).toMatchObject({ halted: true, haltReason: 'operator: broker looks wrong', haltUntil: 'resume' });
    expect(s.svc.placeManual(amo(80_000)).decision).toMatchObject({ action: 'BLOCK', rule: 'halted' });
    s.svc.resume('asha');
    s.svc.setKillSwitch(true, { reason: 'test' });
    s.clock.t = istTime('2026-11-26', '08:00');
    expect(s.svc.riskStatus()).toMatchObject({ halted: false, killSwitch: true });
    expect(s.svc.placeManual(amo(80_000)).decision).toMatchObject({ action: 'BLOCK', rule: 'kill_switch' });
  });

  it('a restart on the next trading day starts with a fresh day (ledger rebuilt from yesterday\'s fills, halt on disk)', () => {
    const store = new MemoryTradingStore();
    const s = setup(istTime('2026-11-23', '10:00'), store);
    loseTheDay(s);
    // a restart on the holiday keeps Monday's halt and Monday's day PnL
    const onHoliday = setup(istTime('2026-11-24', '08:00'), store);
    expect(onHoliday.svc.riskStatus()).toMatchObject({ halted: true });
    expect(onHoliday.svc.portfolio().dayPnlPaise).toBeLessThan(-5_000_000);
    // a restart on Wednesday starts fresh
    const s2 = setup(istTime('2026-11-25', '08:00'), store);
    expect(s2.svc.riskStatus()).toMatchObject({ halted: false, dayPnlPaise: 0 });
    s2.tick('SBIN', 80_000); // the last price the feed reports (an AMO is checked against it)
    expect(s2.svc.placeManual(amo(80_000)).decision.action).toBe('ALLOW');
    expect(s2.svc.riskStatus().halted).toBe(false);
  });

  it('services sharing one trading day: one nobody reads never writes stale risk state at the roll; dispose() detaches it', () => {
    const clock = { t: istTime('2026-11-23', '10:00'), now() { return this.t; } };
    const days = new TradingDay({ clock });
    const store = new MemoryTradingStore(); // the risk state (meta) is shared, as the kernel's modes share it
    const make = () => new TradingService({ mode: 'paper', instruments: INSTRUMENTS, clock, store, tradingDay: days, config: { capital: 1_000_000 } });
    const old = make();
    old.risk.halt('quiet for today', { until: 'day-end' });
    const active = make(); // the kernel switched modes: a new service on the same state
    expect(active.riskStatus()).toMatchObject({ halted: true, haltUntil: 'day-end' });
    active.resume('asha');
    active.setKillSwitch(true, { reason: 'operator' });
    clock.t = istTime('2026-11-25', '08:00');
    expect(active.riskStatus()).toMatchObject({ halted: false, killSwitch: true });
    // the old service's risk engine still holds "halted, no kill switch" but never wrote it back
    expect(store.loadMeta('risk.state')).toMatchObject({ halted: false, killSwitch: true, killReason: 'operator' });
    expect(old.ledger.dayNumber()).toBe(days.todayNum()); // its ledger still took the roll…
    old.dispose();
    clock.t = istTime('2026-11-26', '08:00');
    days.sync();
    expect(old.ledger.dayNumber()).toBeLessThan(days.todayNum()); // …until it was disposed
    expect(active.ledger.dayNumber()).toBe(days.todayNum());
    expect(store.loadMeta('risk.state')).toMatchObject({ killSwitch: true });
  });

  it('a resting DAY order expires at the roll; an AMO waits for its open', () => {
    const s = setup(istTime('2026-11-23', '10:00'));
    s.tick('SBIN', 80_000);
    const rest = s.svc.placeManual({ ...manual, variety: 'regular', symbol: 'SBIN', side: 'BUY', qty: 10, orderType: 'LIMIT', pricePaise: 79_000 });
    expect(rest.orders[0]?.status).toBe('OPEN');
    s.clock.t = istTime('2026-11-23', '18:00');
    const wait = s.svc.placeManual(amo(79_500));
    expect(wait.orders[0]?.status).toBe('AMO REQ RECEIVED');
    s.clock.t = istTime('2026-11-25', '00:00') + 1;
    s.svc.onClock(s.clock.t);
    const byId = (id: string) => s.svc.orders().find((o) => o.orderId === id)!;
    expect(byId(rest.orders[0]!.orderId)).toMatchObject({ status: 'CANCELLED', statusMessage: expect.stringMatching(/end of the trading day/) });
    expect(byId(wait.orders[0]!.orderId).status).toBe('AMO REQ RECEIVED');
    // the DAY order would have filled on this print had it survived
    s.clock.t = istTime('2026-11-25', '09:16');
    s.tick('SBIN', 78_900);
    expect(byId(rest.orders[0]!.orderId).status).toBe('CANCELLED');
    expect(byId(wait.orders[0]!.orderId).status).toBe('COMPLETE');
    expect(s.svc.ledger.positionQty('SBIN')).toBe(10);
  });

  it('memory: the roll drops orders finished on earlier days (the journal keeps them, a restart does not bring them back); open ones stay', () => {
    const store = new MemoryTradingStore();
    const s = setup(istTime('2026-11-23', '10:00'), store);
    s.tick('INFY', 150_000);
    s.tick('SBIN', 80_000);
    const buy = s.svc.placeManual({ ...manual, variety: 'regular', symbol: 'INFY', side: 'BUY', qty: 10, orderType: 'MARKET' });
    expect(buy.orders[0]?.status).toBe('COMPLETE');
    const rest = s.svc.placeManual({ ...manual, variety: 'regular', symbol: 'SBIN', side: 'BUY', qty: 10, orderType: 'LIMIT', pricePaise: 79_000 });
    s.clock.t = istTime('2026-11-23', '18:00');
    const wait = s.svc.placeManual({ ...amo(79_500), product: 'CNC' });
    const ids = (xs: { orderId: string }[]) => xs.map((o) => o.orderId).sort();
    const [buyId, restId, waitId] = [buy.orders[0]!.orderId, rest.orders[0]!.orderId, wait.orders[0]!.orderId];
    const buyCharges = s.svc.orderCharges(buyId);
    expect(buyCharges.totalPaise).toBeGreaterThan(0);

    // Wednesday's roll: Monday's filled order is gone from memory; the DAY order the roll expired shows
    // (it finished today) and the AMO stays open
    s.clock.t = istTime('2026-11-25', '00:00') + 1;
    s.svc.onClock(s.clock.t);
    expect(ids(s.svc.orders())).toEqual([restId, waitId].sort());
    expect(s.svc.orders().find((o) => o.orderId === restId)?.status).toBe('CANCELLED');
    // …but its charges still answer, from the journal's fills (orders.charges of an earlier day's order)
    expect(s.svc.orderCharges(buyId)).toEqual(buyCharges);
    expect(() => s.svc.orderCharges('no-such-order')).toThrow(/unknown order/);
    expect(ids(store.orders().map((r) => r.order))).toEqual([buyId, restId, waitId].sort());
    expect(store.fills().map((f) => f.orderId)).toEqual([buyId]);

    // the AMO fills at the open; Thursday's roll drops everything finished on Wednesday
    s.clock.t = istTime('2026-11-25', '09:16');
    s.tick('SBIN', 78_900);
    expect(s.svc.orders().find((o) => o.orderId === waitId)?.status).toBe('COMPLETE');
    s.clock.t = istTime('2026-11-26', '08:00');
    s.svc.onClock(s.clock.t);
    expect(s.svc.orders()).toEqual([]);
    expect(s.svc.portfolio().positions.map((p) => [p.symbol, p.qty])).toEqual(expect.arrayContaining([['SBIN', 10]]));
    expect(ids(store.orders().map((r) => r.order))).toEqual([buyId, restId, waitId].sort());
    expect(store.fills().map((f) => f.orderId)).toEqual([buyId, waitId]);
    // today's orders show as before
    s.clock.t = istTime('2026-11-26', '09:30');
    s.tick('SBIN', 80_000);
    const sell = s.svc.placeManual({ ...manual, variety: 'regular', symbol: 'SBIN', side: 'SELL', qty: 10, orderType: 'LIMIT', pricePaise: 81_000, product: 'CNC' });
    expect(sell.decision.action).toBe('ALLOW');
    expect(ids(s.svc.orders())).toEqual([sell.orders[0]!.orderId]);

    // a restart on Thursday restores the journal's book but keeps only what is today's or open
    const s2 = setup(istTime('2026-11-26', '10:00'), store);
    expect(ids(s2.svc.orders())).toEqual([sell.orders[0]!.orderId]);
    expect(s2.svc.ledger.positionQty('SBIN')).toBe(10);
  });
});
