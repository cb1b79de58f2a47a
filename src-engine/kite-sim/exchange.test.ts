import { describe, expect, it } from 'vitest';
import { SimExchange, MARKET_PROTECTION_REQUIRED, protectedLimit, type OrderEvent } from './exchange.js';
import type { SimInstrument } from './instruments.js';
import { KiteApiError } from './kite-json.js';
import { ManualScheduler } from './oms-scheduler.js';

const inst = (symbol: string, token: number, lotSize = 1, basePaise = 10_000): SimInstrument => ({
  token,
  exchangeToken: token >> 8,
  exchange: symbol.endsWith('FUT') ? 'NFO' : 'NSE',
  segment: symbol.endsWith('FUT') ? 'NFO-FUT' : 'NSE',
  tradingsymbol: symbol,
  name: symbol,
  tickPaise: 5,
  lotSize,
  instrumentType: symbol.endsWith('FUT') ? 'FUT' : 'EQ',
  avgDailyVolume: 1_000_000,
  basePaise,
});

const T0 = Date.UTC(2026, 10, 23, 4, 0, 0); // 09:30 IST

function setup() {
  const now = { t: T0 };
  const sched = new ManualScheduler();
  const ex = new SimExchange({ instruments: [inst('ACME', (1 << 8) | 1), inst('ACMEFUT', (2 << 8) | 2, 25)], now: () => now.t, seed: 3, scheduler: sched, latencyMs: 30 });
  const events: OrderEvent[] = [];
  ex.onOrderEvent((e) => events.push(e));
  const acme = ex.lookup('NSE:ACME')!;
  // A known book: asks 100.00×10, 100.05×20, 100.10×30; bids 99.95×10, 99.90×20
  acme.book.setLevels(
    [{ pricePaise: 9_995, quantity: 10, orders: 1 }, { pricePaise: 9_990, quantity: 20, orders: 2 }],
    [{ pricePaise: 10_000, quantity: 10, orders: 1 }, { pricePaise: 10_005, quantity: 20, orders: 2 }, { pricePaise: 10_010, quantity: 30, orders: 3 }],
  );
  /** Places and lets the OMS finish (validation, RMS, exchange, matching). */
  const place = (variety: string, p: Record<string, string>) => {
    const o = ex.place(variety, p);
    sched.flush();
    return o;
  };
  return { ex, now, events, acme, sched, place };
}

const base = { exchange: 'NSE', tradingsymbol: 'ACME', product: 'MIS' };
function err(f: () => unknown): KiteApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof KiteApiError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('SimExchange orders', () => {
  it('a crossing LIMIT fills partially across levels and rests OPEN for the rest; history and trades follow', () => {
    const { ex, events, place } = setup();
    const o = place('regular', { ...base, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '40', price: '100.05' });
    expect(o.orderId).toMatch(/^\d{19}$/);
    expect(o.status).toBe('OPEN');
    expect(o.filledQuantity).toBe(30);
    expect(ex.trades(o.orderId).map((t) => [t.pricePaise, t.quantity])).toEqual([[10_000, 10], [10_005, 20]]);
    const row = ex.rowOf(o);
    expect(row).toMatchObject({ status: 'OPEN', filled_quantity: 30, pending_quantity: 10, average_price: 100.03, price: 100.05 });
    expect(o.history.map((h) => h['status'])).toEqual(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'OPEN']);
    expect(events.at(-1)!.row['status']).toBe('UPDATE');
    const pos = ex.positionRows()[0]!;
    expect(pos).toMatchObject({ tradingsymbol: 'ACME', quantity: 30, buy_quantity: 30, buy_value: 3001, product: 'MIS' });
  });

  it('a resting LIMIT fills when the price moves through it', () => {
    const { ex, acme, events, place } = setup();
    const o = place('regular', { ...base, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '5', price: '99.50' });
    expect(o.status).toBe('OPEN');
    expect(o.filledQuantity).toBe(0);
    ex.marketTick(acme.inst.token, 9_980, 10, 100, T0 + 1000); // asks from 99.80: not yet ≤ 99.50
    expect(o.status).toBe('OPEN');
    ex.marketTick(acme.inst.token, 9_950, 10, 110, T0 + 2000); // best ask 99.50
    expect(o.status).toBe('COMPLETE');
    expect(ex.rowOf(o)).toMatchObject({ average_price: 99.5, filled_quantity: 5, pending_quantity: 0 });
    expect(events.at(-1)!.row['status']).toBe('COMPLETE');
    expect(o.history.at(-1)!['status']).toBe('COMPLETE');
  });

  it('a resting SELL fills once the price passes above it', () => {
    const { ex, acme, place } = setup();
    const o = place('regular', { ...base, transaction_type: 'SELL', order_type: 'LIMIT', quantity: '5', price: '100.50' });
    expect(o.status).toBe('OPEN');
    ex.marketTick(acme.inst.token, 10_050, 1, 1, T0 + 1000); // best bid 100.45
    expect(o.status).toBe('OPEN');
    ex.marketTick(acme.inst.token, 10_060, 1, 2, T0 + 2000); // best bid 100.55 ≥ 100.50
    expect(o.status).toBe('COMPLETE');
    expect(ex.rowOf(o)['average_price']).toBe(100.55);
  });

  it('rejects prices off the tick size and quantities off the lot size with InputException', () => {
    const { ex, place } = setup();
    const tick = err(() => ex.place('regular', { ...base, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '1', price: '100.03' }));
    expect(tick).toMatchObject({ errorType: 'InputException', status: 400 });
    expect(tick.message).toMatch(/Tick size for this script is 0.05/);
    expect(err(() => ex.place('regular', { ...base, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '1', price: '100.001' })).message).toMatch(/Tick size/);
    const lot = err(() =>
      ex.place('regular', { exchange: 'NFO', tradingsymbol: 'ACMEFUT', product: 'NRML', transaction_type: 'BUY', order_type: 'LIMIT', quantity: '30', price: '100' }),
    );
    expect(lot).toMatchObject({ errorType: 'InputException' });
    expect(lot.message).toMatch(/lot size.*25/);
    const ok = place('regular', { exchange: 'NFO', tradingsymbol: 'ACMEFUT', product: 'NRML', transaction_type: 'BUY', order_type: 'LIMIT', quantity: '50', price: '90' });
    expect(ok.status).toBe('OPEN');
    for (const bad of [
      { quantity: '0' },
      { quantity: '-1' },
      { quantity: '1.5' },
      { transaction_type: 'HOLD' },
      { order_type: 'STOP' },
      { product: 'XYZ' },
      { tradingsymbol: 'NOPE' },
      { price: 'abc' },
      { validity: 'GTC' },
      { tag: 'has space' },
    ]) {
      expect(err(() => ex.place('regular', { ...base, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '1', price: '100', ...bad })).errorType).toBe(
        'InputException',
      );
    }
    expect(err(() => ex.place('co', { ...base, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '1', price: '100' })).errorType).toBe('InputException');
  });

  it('MARKET and SL-M need market protection; with it, a MARKET order fills within the band only', () => {
    const { ex, place } = setup();
    for (const mp of [undefined, '0']) {
      const e = err(() => ex.place('regular', { ...base, transaction_type: 'BUY', order_type: 'MARKET', quantity: '1', ...(mp ? { market_protection: mp } : {}) }));
      expect(e).toMatchObject({ errorType: 'InputException', message: MARKET_PROTECTION_REQUIRED });
      expect(err(() => ex.place('regular', { ...base, transaction_type: 'SELL', order_type: 'SL-M', quantity: '1', trigger_price: '90', ...(mp ? { market_protection: mp } : {}) })).message).toBe(
        MARKET_PROTECTION_REQUIRED,
      );
    }
    expect(err(() => ex.place('regular', { ...base, transaction_type: 'BUY', order_type: 'MARKET', quantity: '1', market_protection: 'True' })).message).toMatch(
      /failed to decode market_protection/,
    );
    expect(err(() => ex.place('regular', { ...base, transaction_type: 'BUY', order_type: 'MARKET', quantity: '1', market_protection: '150' })).errorType).toBe(
      'InputException',
    );
    // LTP 100.00, 0.05 % band → limit 100.05: takes 100.00×10 and 100.05×20, not 100.10
    const o = place('regular', { ...base, transaction_type: 'BUY', order_type: 'MARKET', quantity: '50', market_protection: '0.05' });
    expect(o.filledQuantity).toBe(30);
    expect(o.status).toBe('OPEN');
    const row = ex.rowOf(o);
    expect(row).toMatchObject({ order_type: 'LIMIT', price: 100.05, tags: ['mktp', 'mktp:0.05'] });
    // auto (-1) fills fully within the default band
    const o2 = place('regular', { ...base, transaction_type: 'BUY', order_type: 'MARKET', quantity: '20', market_protection: '-1' });
    expect(o2.status).toBe('COMPLETE');
  });

  it('protectedLimit snaps inward to the tick', () => {
    expect(protectedLimit('BUY', 10_000, 2, 5)).toBe(10_200);
    expect(protectedLimit('BUY', 10_003, 1, 5)).toBe(10_100); // 101.03 → 101.00
    expect(protectedLimit('SELL', 10_003, 1, 5)).toBe(9_905); // 99.0297 → 99.05
  });

  it('SL rests in TRIGGER PENDING and works after the trigger', () => {
    const { ex, acme, place } = setup();
    const o = place('regular', { ...base, transaction_type: 'SELL', order_type: 'SL', quantity: '5', price: '98.90', trigger_price: '99.00' });
    expect(o.status).toBe('TRIGGER PENDING');
    ex.marketTick(acme.inst.token, 9_900, 1, 1, T0 + 1000); // triggers; bids from 98.95 ≥ 98.90 → fills
    expect(o.status).toBe('COMPLETE');
    expect(o.history.map((h) => h['status'])).toContain('TRIGGER PENDING');
  });

  it('modify and cancel follow Kite’s status sequences; terminal orders cannot be cancelled; IOC cancels its remainder', () => {
    const { ex, place, sched } = setup();
    const o = place('regular', { ...base, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '5', price: '99.00' });
    ex.modify('regular', o.orderId, { price: '99.10', quantity: '6' });
    expect(ex.rowOf(o)).toMatchObject({ price: 99, quantity: 5, modified: true, status: 'MODIFY VALIDATION PENDING' });
    sched.flush();
    expect(ex.rowOf(o)).toMatchObject({ price: 99.1, quantity: 6, modified: true, status: 'OPEN' });
    // order_info.json: the MODIFIED row still carries the old price; the OPEN after it the new one
    expect(o.history.slice(4).map((h) => [h['status'], h['price']])).toEqual([
      ['MODIFY VALIDATION PENDING', 99], ['MODIFY PENDING', 99], ['MODIFIED', 99], ['OPEN', 99.1],
    ]);
    ex.cancel('regular', o.orderId);
    expect(o.status).toBe('CANCEL PENDING');
    sched.flush();
    expect(o.history.map((h) => h['status'])).toEqual([
      'PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN',
      'MODIFY VALIDATION PENDING', 'MODIFY PENDING', 'MODIFIED', 'OPEN',
      'CANCEL PENDING', 'CANCELLED',
    ]);
    // orders.json: a CANCELLED row keeps its unfilled quantity in pending_quantity
    expect(ex.rowOf(o)).toMatchObject({ cancelled_quantity: 6, pending_quantity: 6 });
    expect(err(() => ex.cancel('regular', o.orderId)).errorType).toBe('InputException');
    expect(err(() => ex.get('123')).errorType).toBe('InputException');
    const ioc = place('regular', { ...base, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '15', price: '100.00', validity: 'IOC' });
    expect(ioc).toMatchObject({ status: 'CANCELLED', filledQuantity: 10, cancelledQuantity: 5 });
  });

  it('RMS rejects a BUY beyond the available funds with a REJECTED order (not an HTTP error)', () => {
    const { ex, place } = setup();
    const o = place('regular', { ...base, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '100000', price: '99.00' }); // 20 % MIS margin: ₹19.8 lakh > ₹10 lakh
    expect(o.status).toBe('REJECTED');
    expect(ex.rowOf(o)).toMatchObject({ exchange_order_id: null, pending_quantity: 0, status_message: expect.stringMatching(/Insufficient funds/) });
  });

  it('AMO orders wait in AMO REQ RECEIVED and can be cancelled', () => {
    const { ex, now, sched } = setup();
    now.t = T0 + 7 * 3_600_000; // 16:30 IST, after the AMO window opens
    const o = ex.place('amo', { ...base, transaction_type: 'BUY', order_type: 'LIMIT', quantity: '5', price: '100.10' });
    expect(o.status).toBe('AMO REQ RECEIVED');
    expect(o.filledQuantity).toBe(0);
    ex.cancel('amo', o.orderId);
    sched.flush();
    expect(o.status).toBe('CANCELLED');
  });

  it('quote rows and full ticks carry the depth in Kite units', () => {
    const { ex, acme } = setup();
    const q = ex.quoteRow(acme, 'quote') as { depth: { sell: { price: number; quantity: number }[] }; last_price: number };
    expect(q.last_price).toBe(100);
    expect(q.depth.sell[0]).toEqual({ price: 100, quantity: 10, orders: 1 });
    const t = ex.tickOf(acme, 'full');
    expect(t).toMatchObject({ token: acme.inst.token, mode: 'full', tradable: true, lastPrice: 10_000 });
    expect(t.depth!.buy).toHaveLength(5);
    expect(t.depth!.sell[1]).toEqual({ quantity: 20, price: 10_005, orders: 2 });
    expect(ex.tickOf(acme, 'ltp')).toEqual({ token: acme.inst.token, mode: 'ltp', tradable: true, lastPrice: 10_000 });
  });
});

describe('day OHLC', () => {
  it('starts the first day at the first tick, not at the seed price, and rolls on a new session', () => {
    const { ex, acme } = setup();
    ex.marketTick(acme.inst.token, 10_500, 5, 5, T0 + 1000); // seed 100.00, first trade 105.00
    ex.marketTick(acme.inst.token, 10_300, 5, 10, T0 + 2000);
    expect(acme).toMatchObject({ openPaise: 10_500, highPaise: 10_500, lowPaise: 10_300, closePaise: 10_000 });
    ex.marketTick(acme.inst.token, 10_700, 3, 3, T0 + 86_400_000); // cumulative volume fell: next day
    expect(acme).toMatchObject({ openPaise: 10_700, highPaise: 10_700, lowPaise: 10_700, closePaise: 10_300 });
  });
});
