/**
 * Scenario tests of the simulated exchange's Kite rules (issue 10): asynchronous order processing, the
 * pre-book checks (circuit, stop-loss, holdings, margin), the exchange's LPP band, the trading day (phases,
 * AMO window, MIS square-off, end-of-day expiry, the daily book, T+1 holdings, TTL) and the fault switches.
 * Time is driven by hand (a `now` variable and a ManualScheduler): nothing depends on the wall clock.
 */
import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import { AMO_NOT_ALLOWED, CIRCUIT_MESSAGE, EOD_EXPIRED, MARKET_CLOSED, MIS_SQUARE_OFF, SimExchange, TTL_EXPIRED, type OrderEvent } from './exchange.js';
import type { SimInstrument } from './instruments.js';
import { KiteApiError } from './kite-json.js';
import { ManualScheduler } from './oms-scheduler.js';

const inst = (symbol: string, token: number, basePaise = 10_000): SimInstrument => ({
  token,
  exchangeToken: token >> 8,
  exchange: 'NSE',
  segment: 'NSE',
  tradingsymbol: symbol,
  name: symbol,
  tickPaise: 5,
  lotSize: 1,
  instrumentType: 'EQ',
  avgDailyVolume: 1_000_000,
  basePaise,
});

// Monday 2026-11-23 is a trading day; Tuesday 2026-11-24 an NSE holiday; Wednesday 2026-11-25 trades.
const MON = '2026-11-23';
const WED = '2026-11-25';
const at = (day: string, hhmm: string) => istTime(day, hhmm);

function setup(start = at(MON, '10:00')) {
  const now = { t: start };
  const sched = new ManualScheduler();
  const fut: SimInstrument & { underlyingIsIndex?: boolean } = {
    ...inst('NIFTY26NOVFUT', (9 << 8) | 2),
    exchange: 'NFO',
    segment: 'NFO-FUT',
    name: 'NIFTY',
    lotSize: 75,
    instrumentType: 'FUT',
    underlyingIsIndex: true,
  };
  const ex = new SimExchange({ instruments: [inst('ACME', (1 << 8) | 1), fut], now: () => now.t, seed: 5, scheduler: sched, latencyMs: 30 });
  const events: OrderEvent[] = [];
  ex.onOrderEvent((e) => events.push(e));
  const acme = ex.lookup('NSE:ACME')!;
  // asks 100.00×10, 100.05×20, 100.10×30; bids 99.95×10, 99.90×20 (until the next market tick)
  const resetBook = () =>
    acme.book.setLevels(
      [{ pricePaise: 9_995, quantity: 10, orders: 1 }, { pricePaise: 9_990, quantity: 20, orders: 2 }],
      [{ pricePaise: 10_000, quantity: 10, orders: 1 }, { pricePaise: 10_005, quantity: 20, orders: 2 }, { pricePaise: 10_010, quantity: 30, orders: 3 }],
    );
  resetBook();
  /** Moves the clock (and runs the day cycle), like the simulator's clock step. */
  const goTo = (t: number) => {
    now.t = t;
    ex.onClock();
  };
  const place = (p: Record<string, string>, variety = 'regular') => {
    const o = ex.place(variety, { exchange: 'NSE', tradingsymbol: 'ACME', product: 'MIS', ...p });
    sched.flush();
    return o;
  };
  return { ex, now, sched, events, acme, goTo, place, resetBook };
}

function err(f: () => unknown): KiteApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof KiteApiError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

const limitBuy = { transaction_type: 'BUY', order_type: 'LIMIT', quantity: '5' };

describe('asynchronous order processing (REST reply first)', () => {
  it('place returns in PUT ORDER REQ RECEIVED; the steps follow one latency third apart; a MARKET order is not COMPLETE at once', () => {
    const { ex, sched, events } = setup();
    const o = ex.place('regular', { exchange: 'NSE', tradingsymbol: 'ACME', product: 'MIS', transaction_type: 'BUY', order_type: 'MARKET', quantity: '5', market_protection: '-1' });
    expect(o.status).toBe('PUT ORDER REQ RECEIVED');
    expect(events).toHaveLength(0);
    sched.advance(10);
    expect(o.status).toBe('VALIDATION PENDING');
    sched.advance(10);
    expect(o.status).toBe('OPEN PENDING');
    expect(o.filledQuantity).toBe(0);
    sched.advance(10);
    expect(o.status).toBe('COMPLETE');
    expect(events.map((e) => e.row['status'])).toEqual(['COMPLETE']);
    expect(o.history.map((h) => h['status'])).toEqual(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'COMPLETE']);
  });

  it('a resting order can fill while its cancel is pending: the cancel then finds it COMPLETE', () => {
    const { ex, sched, acme, place } = setup();
    const o = place({ ...limitBuy, price: '99.50' });
    expect(o.status).toBe('OPEN');
    ex.cancel('regular', o.orderId);
    expect(o.status).toBe('CANCEL PENDING');
    ex.marketTick(acme.inst.token, 9_950, 10, 100, at(MON, '10:00') + 1000); // asks from 99.50: fills
    expect(o.status).toBe('COMPLETE');
    sched.flush();
    expect(o.status).toBe('COMPLETE');
    expect(o.history.map((h) => h['status']).slice(-2)).toEqual(['CANCEL PENDING', 'COMPLETE']);
  });

  it('a cancel sent while the order is still OPEN PENDING is queued and applied once it rests', () => {
    const { ex, sched } = setup();
    const o = ex.place('regular', { exchange: 'NSE', tradingsymbol: 'ACME', product: 'MIS', ...limitBuy, price: '99.00' });
    sched.advance(20);
    expect(o.status).toBe('OPEN PENDING');
    ex.cancel('regular', o.orderId);
    expect(o.status).toBe('OPEN PENDING');
    sched.flush();
    expect(o.status).toBe('CANCELLED');
    expect(o.history.map((h) => h['status'])).toEqual(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'CANCEL PENDING', 'CANCELLED']);
  });
});

describe('pre-book checks and exchange rejections', () => {
  it('circuit limits: a BUY above the upper and a SELL below the lower circuit are refused; the quote shows the band', () => {
    const { ex, acme } = setup();
    expect(ex.quoteRow(acme, 'quote')).toMatchObject({ lower_circuit_limit: 80, upper_circuit_limit: 120 });
    const up = err(() => ex.place('regular', { exchange: 'NSE', tradingsymbol: 'ACME', product: 'MIS', ...limitBuy, price: '120.05' }));
    expect(up).toMatchObject({ errorType: 'InputException', status: 400 });
    expect(up.message).toContain(CIRCUIT_MESSAGE);
    expect(up.message).toContain('upper circuit limit of 120.00');
    const down = err(() => ex.place('regular', { exchange: 'NSE', tradingsymbol: 'ACME', product: 'MIS', transaction_type: 'SELL', order_type: 'LIMIT', quantity: '5', price: '79.95' }));
    expect(down.message).toContain('lower circuit limit of 80.00');
    expect(ex.allOrders()).toHaveLength(0); // refused before the order book
  });

  it('limit price protection: a BUY LIMIT far above the LTP is REJECTED by the exchange after acceptance', () => {
    const { place, ex } = setup();
    const o = place({ ...limitBuy, price: '115.00' }); // inside the circuit (120), beyond LTP + 10 %
    expect(o.status).toBe('REJECTED');
    expect(ex.rowOf(o)).toMatchObject({ pending_quantity: 0, filled_quantity: 0, status_message: expect.stringMatching(/limit price protection/) });
    expect(o.history.map((h) => h['status'])).toEqual(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'REJECTED']);
  });

  it('stop-loss sanity: triggers on the wrong side of the LTP or of the limit are refused; a sane SL rests', () => {
    const { ex, place } = setup();
    const p = (x: Record<string, string>) => () => ex.place('regular', { exchange: 'NSE', tradingsymbol: 'ACME', product: 'MIS', quantity: '1', market_protection: '-1', ...x });
    expect(err(p({ transaction_type: 'BUY', order_type: 'SL-M', trigger_price: '99.00' })).message).toMatch(/buy orders cannot be lower than the last traded price/);
    expect(err(p({ transaction_type: 'SELL', order_type: 'SL-M', trigger_price: '101.00' })).message).toMatch(/sell orders cannot be higher than the last traded price/);
    expect(err(p({ transaction_type: 'BUY', order_type: 'SL', trigger_price: '102.00', price: '101.00' })).message).toMatch(/less than or equal to the limit price/);
    expect(err(p({ transaction_type: 'SELL', order_type: 'SL', trigger_price: '98.00', price: '99.00' })).message).toMatch(/greater than or equal to the limit price/);
    expect(place({ transaction_type: 'BUY', order_type: 'SL', quantity: '1', trigger_price: '101.00', price: '101.50' }).status).toBe('TRIGGER PENDING');
  });

  it('an MIS short beyond the funds → MarginException; within them it is accepted', () => {
    const { ex, place } = setup();
    // ₹10 lakh at 20 % MIS margin allows ₹50 lakh of exposure; 1,00,000 × ₹100.50 = ₹1 crore does not fit
    const e = err(() => ex.place('regular', { exchange: 'NSE', tradingsymbol: 'ACME', product: 'MIS', transaction_type: 'SELL', order_type: 'LIMIT', quantity: '100000', price: '100.50' }));
    expect(e).toMatchObject({ errorType: 'MarginException', status: 400 });
    expect(e.message).toMatch(/^Insufficient funds\. Required margin is 2010000\.00 but available margin is 1000000\.00\.$/);
    expect(place({ transaction_type: 'SELL', order_type: 'LIMIT', quantity: '1000', price: '100.50' }).status).toBe('OPEN');
    expect(ex.funds().net).toBe(100_000_000 - 0.2 * 1000 * 10_050); // its margin is blocked
  });

  it('a CNC SELL without holdings → HoldingException; with holdings (or today’s CNC buy) it is accepted', () => {
    const { ex, place } = setup();
    const sell = { product: 'CNC', transaction_type: 'SELL', order_type: 'LIMIT', quantity: '10', price: '100.50' };
    expect(err(() => ex.place('regular', { exchange: 'NSE', tradingsymbol: 'ACME', ...sell }))).toMatchObject({ errorType: 'HoldingException', status: 400 });
    expect(ex.positionRows()).toHaveLength(0);
    ex.addHolding('NSE:ACME', 6, 9_000);
    expect(err(() => ex.place('regular', { exchange: 'NSE', tradingsymbol: 'ACME', ...sell })).message).toMatch(/You have 6 quantity/);
    place({ product: 'CNC', transaction_type: 'BUY', order_type: 'LIMIT', quantity: '4', price: '100.00' }); // fills 4 today
    expect(place(sell).status).toBe('OPEN');
  });

  it('pending_quantity: CANCELLED rows keep the unfilled quantity, REJECTED rows show 0 (orders.json)', () => {
    const { ex, place } = setup();
    const o = place({ ...limitBuy, quantity: '15', price: '100.00', validity: 'IOC' }); // 10 fill, 5 cancelled
    expect(ex.rowOf(o)).toMatchObject({ status: 'CANCELLED', filled_quantity: 10, cancelled_quantity: 5, pending_quantity: 5 });
  });
});

describe('freeze quantity and autoslice', () => {
  it('above the freeze quantity an order is refused; autoslice=true splits it into tagged children', () => {
    const { ex, sched } = setup();
    const p = { exchange: 'NFO', tradingsymbol: 'NIFTY26NOVFUT', product: 'NRML', transaction_type: 'BUY', order_type: 'LIMIT', price: '99.00', quantity: '2250' };
    expect(err(() => ex.place('regular', p)).message).toMatch(/^The order quantity 2250 \(30 lots\) is higher than the maximum quantity of 1800 \(24 lots\)/);
    const r = ex.placeAutoslice('regular', { ...p, autoslice: 'true' });
    expect(r.children).toHaveLength(2);
    const kids = (r.children as { order_id: string }[]).map((c) => ex.get(c.order_id));
    expect(kids.map((k) => k.quantity)).toEqual([1800, 450]);
    expect(kids.every((k) => k.orderId !== r.order_id)).toBe(true);
    sched.flush();
    expect(ex.rowOf(kids[0]!)).toMatchObject({ status: 'OPEN', tags: ['autoslice', `autoslice:${r.order_id}`] });
    expect(ex.placeAutoslice('regular', { ...p, quantity: '75', autoslice: 'true' }).children).toBeUndefined();
    expect(err(() => ex.placeAutoslice('regular', { ...p, quantity: String(75 * 24 * 11), autoslice: 'true' })).message).toMatch(/at most 10 slices/);
    expect(err(() => ex.place('regular', { exchange: 'NSE', tradingsymbol: 'ACME', product: 'CNC', transaction_type: 'BUY', order_type: 'LIMIT', price: '99.00', quantity: '100001' })).message).toMatch(/maximum quantity of 100000/);
  });
});

describe('the trading day', () => {
  it('regular orders are refused when the market is closed; AMOs only outside 09:00–15:45; pre-open accepts without matching', () => {
    const { ex, goTo, place } = setup(at(MON, '07:00'));
    const p = { exchange: 'NSE', tradingsymbol: 'ACME', product: 'MIS', ...limitBuy, price: '100.00' };
    expect(err(() => ex.place('regular', p)).message).toBe(MARKET_CLOSED);
    expect(ex.phase()).toBe('closed');
    goTo(at(MON, '09:05'));
    expect(ex.phase()).toBe('pre-open');
    expect(err(() => ex.place('amo', p)).message).toBe(AMO_NOT_ALLOWED);
    const pre = place({ ...limitBuy, price: '100.00' });
    expect(pre).toMatchObject({ status: 'OPEN', filledQuantity: 0 }); // no matching before 09:15
    goTo(at(MON, '09:15'));
    expect(pre.status).toBe('COMPLETE'); // worked at the open
    goTo(at(MON, '15:40'));
    expect(err(() => ex.place('amo', p)).message).toBe(AMO_NOT_ALLOWED);
    goTo(at(MON, '15:45'));
    expect(ex.place('amo', p).status).toBe('AMO REQ RECEIVED');
  });

  it('MIS square-off at 15:20, DAY orders expire at the close, the next trading day starts with an empty book', () => {
    const { ex, goTo, place, events } = setup(at(MON, '15:00'));
    place({ ...limitBuy, price: '100.00' }); // MIS long 5
    const cnc = place({ ...limitBuy, product: 'CNC', price: '95.00' }); // rests
    const mis = place({ ...limitBuy, price: '94.00' }); // rests
    goTo(at(MON, '15:20'));
    expect(mis).toMatchObject({ status: 'CANCELLED', statusMessage: MIS_SQUARE_OFF });
    const sq = ex.allOrders().at(-1)!;
    expect(ex.rowOf(sq)).toMatchObject({ transaction_type: 'SELL', quantity: 5, status: 'COMPLETE', product: 'MIS', order_type: 'MARKET' });
    expect(ex.positionRows().find((r) => r['product'] === 'MIS')).toMatchObject({ quantity: 0 });
    expect(cnc.status).toBe('OPEN');
    goTo(at(MON, '15:30'));
    expect(cnc).toMatchObject({ status: 'CANCELLED', statusMessage: EOD_EXPIRED });
    expect(events.at(-1)!.row).toMatchObject({ order_id: cnc.orderId, status: 'CANCELLED' });
    goTo(at(MON, '20:00'));
    expect(ex.allOrders().length).toBeGreaterThan(0); // the evening still shows the day's book
    goTo(at(WED, '09:00')); // Tuesday is a holiday
    expect(ex.allOrders()).toHaveLength(0);
    expect(ex.trades()).toHaveLength(0);
    expect(ex.positionRows()).toHaveLength(0);
  });

  it('an AMO placed in the evening goes to the exchange at the next pre-open and trades from the open', () => {
    const { ex, goTo, sched } = setup(at(MON, '18:00'));
    const o = ex.place('amo', { exchange: 'NSE', tradingsymbol: 'ACME', product: 'CNC', ...limitBuy, price: '100.00' });
    sched.flush();
    expect(o.status).toBe('AMO REQ RECEIVED');
    goTo(at(WED, '09:00'));
    sched.flush();
    expect(ex.allOrders()).toEqual([o]); // survives the roll
    expect(o).toMatchObject({ status: 'OPEN', filledQuantity: 0 });
    goTo(at(WED, '09:15'));
    expect(o.status).toBe('COMPLETE');
  });

  it('CNC buys become T1 holdings the next trading day and settled holdings the day after; cash moves into the opening balance', () => {
    const { ex, goTo, place } = setup();
    place({ ...limitBuy, product: 'CNC', quantity: '10', price: '100.00' }); // 10 @ 100.00
    expect(ex.holdingRows()).toHaveLength(0);
    goTo(at(WED, '09:00'));
    expect(ex.holdingRows()).toEqual([expect.objectContaining({ tradingsymbol: 'ACME', quantity: 0, t1_quantity: 10, average_price: 100 })]);
    expect(ex.openingBalancePaise).toBe(100_000_000 - 10 * 10_000);
    goTo(at('2026-11-26', '09:00'));
    expect(ex.holdingRows()).toEqual([expect.objectContaining({ quantity: 10, t1_quantity: 0 })]);
  });

  it('a TTL order is cancelled when its minutes run out', () => {
    const { goTo, place } = setup();
    const o = place({ ...limitBuy, price: '99.00', validity: 'TTL', validity_ttl: '2' });
    expect(o.status).toBe('OPEN');
    goTo(at(MON, '10:01'));
    expect(o.status).toBe('OPEN');
    goTo(at(MON, '10:02'));
    expect(o).toMatchObject({ status: 'CANCELLED', statusMessage: TTL_EXPIRED });
  });
});

describe('fault switches', () => {
  it('stuck states hold orders until released', () => {
    const { ex, sched, place } = setup();
    ex.setStuck(['OPEN PENDING']);
    const o = place({ ...limitBuy, price: '99.00' });
    expect(o.status).toBe('OPEN PENDING');
    ex.setStuck([]);
    sched.flush();
    expect(o.status).toBe('OPEN');
    ex.setStuck(['CANCEL PENDING']);
    ex.cancel('regular', o.orderId);
    sched.flush();
    expect(o.status).toBe('CANCEL PENDING');
    ex.setStuck([]);
    sched.flush();
    expect(o.status).toBe('CANCELLED');
  });

  it('refuseWhilePending: modify / cancel of a pending order answer 400 instead of being queued', () => {
    const { ex, sched } = setup();
    ex.setRefuseWhilePending(true);
    const o = ex.place('regular', { exchange: 'NSE', tradingsymbol: 'ACME', product: 'MIS', ...limitBuy, price: '99.00' });
    expect(err(() => ex.cancel('regular', o.orderId)).message).toMatch(/being processed \(PUT ORDER REQ RECEIVED\)/);
    expect(err(() => ex.modify('regular', o.orderId, { price: '99.10' })).errorType).toBe('InputException');
    sched.flush();
    ex.modify('regular', o.orderId, { price: '99.10' });
    expect(err(() => ex.cancel('regular', o.orderId)).message).toMatch(/MODIFY VALIDATION PENDING/);
  });

  it('exchange down: orders wait in OPEN PENDING and nothing fills until the link is back', () => {
    const { ex, sched, place } = setup();
    ex.setExchangeDown(true);
    const o = place({ ...limitBuy, price: '100.00' }); // would cross at once
    expect(o.status).toBe('OPEN PENDING');
    ex.setExchangeDown(false);
    sched.flush();
    expect(o.status).toBe('COMPLETE');
  });
});
