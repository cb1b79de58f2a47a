import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KiteError, redact } from './errors.js';
import { type FakeRest, kiteErr, ok, startFakeRest } from './kite-test-support.js';
import { istWallClockToEpoch } from './kite-time.js';
import { KiteRefusal, KiteRest, type KiteRestOptions, type PlaceOrderParams, isValidTag } from './rest-client.js';

const ist = (s: string): number => Date.parse(`${s}+05:30`);
const API_KEY = 'fakekey123';
const ACCESS = 'ACCESSsecretTOKEN9876';

let fake: FakeRest;
let sleeps: number[];
let now: number;

beforeAll(async () => {
  fake = await startFakeRest();
});
afterAll(async () => {
  await fake.close();
});

function client(extra: Partial<KiteRestOptions> = {}): KiteRest {
  return new KiteRest({
    apiKey: API_KEY,
    accessToken: ACCESS,
    root: fake.url,
    timeoutMs: 1500,
    clock: { now: () => now },
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    ...extra,
  });
}

const limitOrder: PlaceOrderParams = { exchange: 'NSE', tradingsymbol: 'INFY', transactionType: 'BUY', orderType: 'LIMIT', product: 'MIS', quantity: 1, pricePaise: 157315, tag: 'kd1a2b3c' };
const marketOrder: PlaceOrderParams = { exchange: 'NSE', tradingsymbol: 'INFY', transactionType: 'SELL', orderType: 'MARKET', product: 'MIS', quantity: 2, tag: 'kdmkt1' };

const placeCount = () => fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/orders/')).length;

beforeEach(() => {
  fake.requests.length = 0;
  sleeps = [];
  now = ist('2026-05-04T10:00:00');
});

afterEach(() => {
  // handlers accumulate; each test installs its own, newest first, so stale ones never match first
});

describe('KiteRest transport', () => {
  it('sends X-Kite-Version and the token auth header; maps the profile', async () => {
    fake.handle((r) => (r.path === '/user/profile' ? ok({ user_id: 'AB1234', user_name: 'A B', email: 'a@b.c', broker: 'ZERODHA', exchanges: ['NSE'], products: ['MIS'], order_types: ['LIMIT'] }) : undefined));
    const p = await client().profile();
    expect(p).toEqual({ userId: 'AB1234', userName: 'A B', email: 'a@b.c', broker: 'ZERODHA', exchanges: ['NSE'], products: ['MIS'], orderTypes: ['LIMIT'] });
    const req = fake.requests.at(-1)!;
    expect(req.headers['x-kite-version']).toBe('3');
    expect(req.headers.authorization).toBe(`token ${API_KEY}:${ACCESS}`);
  });

  it('converts margins to paise', async () => {
    fake.handle((r) => (r.path === '/user/margins' ? ok({ equity: { enabled: true, net: 99725.05, available: { cash: 245431.6, live_balance: 99725.05, note: 'x' }, utilised: { debits: 145706.55 } } }) : undefined));
    const m = await client().margins();
    expect(m.equity).toEqual({ enabled: true, netPaise: 9972505, available: { cash: 24543160, live_balance: 9972505 }, utilised: { debits: 14570655 } });
  });
});

describe('error mapping', () => {
  const cases: [number, string, KiteError['kind']][] = [
    [403, 'TokenException', 'token'],
    [403, 'PermissionException', 'permission'],
    [403, 'UserException', 'permission'],
    [400, 'InputException', 'input'],
    [400, 'OrderException', 'order'],
    [400, 'MarginException', 'order'],
    [400, 'HoldingException', 'order'],
    [503, 'NetworkException', 'network'],
    [502, 'DataException', 'data'],
    [400, 'GeneralException', 'general'],
    [500, 'GeneralException', 'server'],
    [429, 'NetworkException', 'rate_limit'],
    [429, 'GeneralException', 'rate_limit'],
  ];
  for (const [status, type, kind] of cases) {
    it(`${status} ${type} → ${kind}`, async () => {
      const path = `/portfolio/holdings`;
      fake.handle((r) => (r.path === path ? kiteErr(status, type, `${type} happened`) : undefined));
      const err = (await client({ getRetries: 0 }).holdings().catch((e: unknown) => e)) as KiteError;
      expect(err).toBeInstanceOf(KiteError);
      expect(err.kind).toBe(kind);
      expect(err.status).toBe(status);
      expect(err.errorType).toBe(type);
      expect(err.message).toBe(`${type} happened`);
    });
  }

  it('a non-JSON 502/503/504 answer is a server error with its status', async () => {
    for (const status of [502, 503, 504]) {
      fake.handle((r) => (r.path === '/trades' ? { status, body: '<html>bad gateway</html>', contentType: 'text/html' } : undefined));
      const err = (await client({ getRetries: 0 }).trades().catch((e: unknown) => e)) as KiteError;
      expect(err.kind).toBe('server');
      expect(err.status).toBe(status);
      expect(err.ambiguous).toBe(true);
    }
  });

  it('a 404 without error_type is an input error', async () => {
    fake.handle((r) => (r.path === '/trades' ? { status: 404, body: 'nope' } : undefined));
    const err = (await client({ getRetries: 0 }).trades().catch((e: unknown) => e)) as KiteError;
    expect([err.kind, err.status]).toEqual(['input', 404]);
  });

  it('no answer at all (connection dropped) is a network error without status', async () => {
    fake.handle((r) => (r.path === '/trades' ? { hangUp: true } : undefined));
    const err = (await client({ getRetries: 0 }).trades().catch((e: unknown) => e)) as KiteError;
    expect(err.kind).toBe('network');
    expect(err.status).toBeUndefined();
  });

  it('a 2xx with an unknown content type is a data error (the official client resolves it)', async () => {
    fake.handle((r) => (r.path === '/trades' ? { status: 200, body: 'hello', contentType: 'text/plain' } : undefined));
    const err = (await client({ getRetries: 0 }).trades().catch((e: unknown) => e)) as KiteError;
    expect(err.kind).toBe('data');
  });
});

describe('GET retries', () => {
  it('retries 5xx with bounded, growing back-off, then succeeds', async () => {
    let n = 0;
    fake.handle((r) => (r.path === '/orders' ? (++n <= 2 ? kiteErr(503, 'NetworkException', 'OMS down') : ok([])) : undefined));
    await expect(client({ getRetries: 3, getRetryInitialMs: 100 }).orders()).resolves.toEqual([]);
    expect(n).toBe(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up after getRetries and throws the last error', async () => {
    let n = 0;
    fake.handle((r) => (r.path === '/orders' ? (n++, { status: 502, body: 'bad gateway' }) : undefined));
    const err = (await client({ getRetries: 2, getRetryInitialMs: 100, getRetryMaxMs: 150 }).orders().catch((e: unknown) => e)) as KiteError;
    expect(err.kind).toBe('server');
    expect(n).toBe(3);
    expect(sleeps).toEqual([100, 150]);
  });

  it('does not retry 4xx', async () => {
    let n = 0;
    fake.handle((r) => (r.path === '/orders' ? (n++, kiteErr(400, 'InputException', 'bad')) : undefined));
    await expect(client().orders()).rejects.toMatchObject({ kind: 'input' });
    expect(n).toBe(1);
  });
});

describe('placeOrder', () => {
  it('sends the form once and returns the 19-digit order id as a string', async () => {
    fake.handle((r) => (r.method === 'POST' && r.path === '/orders/regular' ? { status: 200, body: '{"status":"success","data":{"order_id":"1953341975595868160"}}', contentType: 'application/json' } : undefined));
    const res = await client().placeOrder(limitOrder);
    expect(res).toEqual({ outcome: 'placed', orderId: '1953341975595868160', tag: 'kd1a2b3c' });
    const f = fake.requests.at(-1)!.form;
    expect(Object.fromEntries(f)).toMatchObject({ exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', order_type: 'LIMIT', product: 'MIS', quantity: '1', price: '1573.15', validity: 'DAY', tag: 'kd1a2b3c' });
    expect(f.has('market_protection')).toBe(false);
  });

  it('a 503 answer → outcome unknown, sent exactly once (never retried)', async () => {
    fake.handle((r) => (r.path === '/orders/regular' ? kiteErr(503, 'NetworkException', 'OMS unreachable') : undefined));
    const res = await client().placeOrder(limitOrder);
    expect(res.outcome).toBe('unknown');
    expect(res.tag).toBe('kd1a2b3c');
    expect(placeCount()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('a bare 503 (non-JSON) → unknown, sent once', async () => {
    fake.handle((r) => (r.path === '/orders/regular' ? { status: 503, body: 'Service Unavailable' } : undefined));
    const res = await client().placeOrder(limitOrder);
    expect(res.outcome).toBe('unknown');
    expect(placeCount()).toBe(1);
  });

  it('a timeout → unknown, sent once', async () => {
    fake.handle((r) => (r.path === '/orders/regular' ? { ...ok({ order_id: '1' }), delayMs: 600 } : undefined));
    const res = await client({ timeoutMs: 150 }).placeOrder(limitOrder);
    expect(res.outcome).toBe('unknown');
    if (res.outcome === 'unknown') expect(res.error.kind).toBe('network');
    expect(placeCount()).toBe(1);
  });

  it('a dropped connection → unknown, sent once', async () => {
    fake.handle((r) => (r.path === '/orders/regular' ? { hangUp: true } : undefined));
    expect((await client().placeOrder(limitOrder)).outcome).toBe('unknown');
    expect(placeCount()).toBe(1);
  });

  it('a 4xx is a definite rejection; 429 too', async () => {
    fake.handle((r) => (r.path === '/orders/regular' ? kiteErr(400, 'MarginException', 'Insufficient funds') : undefined));
    const res = await client().placeOrder(limitOrder);
    expect(res.outcome).toBe('rejected');
    if (res.outcome === 'rejected') expect(res.error.kind).toBe('order');
    fake.handle((r) => (r.path === '/orders/regular' ? kiteErr(429, 'NetworkException', 'Too many requests') : undefined));
    const res2 = await client().placeOrder(limitOrder);
    expect(res2.outcome).toBe('rejected');
    if (res2.outcome === 'rejected') expect(res2.error.kind).toBe('rate_limit');
    expect(placeCount()).toBe(2);
  });

  it('market_protection is always sent for MARKET and SL-M (default 2, override, -1 auto), never 0', async () => {
    fake.handle((r) => (r.path === '/orders/regular' ? ok({ order_id: '42' }) : undefined));
    const c = client();
    await c.placeOrder(marketOrder);
    expect(fake.requests.at(-1)!.form.get('market_protection')).toBe('2');
    await c.placeOrder({ ...marketOrder, orderType: 'SL-M', triggerPricePaise: 150000 });
    expect(fake.requests.at(-1)!.form.get('market_protection')).toBe('2');
    expect(fake.requests.at(-1)!.form.get('trigger_price')).toBe('1500');
    await c.placeOrder({ ...marketOrder, marketProtection: -1 });
    expect(fake.requests.at(-1)!.form.get('market_protection')).toBe('-1');
    await client({ marketProtection: 5 }).placeOrder(marketOrder);
    expect(fake.requests.at(-1)!.form.get('market_protection')).toBe('5');
    const n = placeCount();
    await expect(c.placeOrder({ ...marketOrder, marketProtection: 0 })).rejects.toBeInstanceOf(KiteRefusal);
    await expect(c.placeOrder({ ...marketOrder, marketProtection: 101 })).rejects.toMatchObject({ kind: 'input' });
    expect(placeCount()).toBe(n);
    expect(() => client({ marketProtection: 0 })).toThrow(KiteError);
  });

  it('validates the tag (required, 1–20 alphanumerics) and the price fields without sending', async () => {
    expect(isValidTag('abc123')).toBe(true);
    expect(isValidTag('a'.repeat(20))).toBe(true);
    for (const bad of ['', 'a'.repeat(21), 'has space', 'dash-ed', 'ünï', undefined]) expect(isValidTag(bad)).toBe(false);
    const c = client();
    await expect(c.placeOrder({ ...limitOrder, tag: 'x'.repeat(21) })).rejects.toMatchObject({ kind: 'input', reason: 'invalid' });
    await expect(c.placeOrder({ ...limitOrder, tag: 'a-b' })).rejects.toBeInstanceOf(KiteRefusal);
    await expect(c.placeOrder({ ...limitOrder, pricePaise: undefined })).rejects.toBeInstanceOf(KiteRefusal);
    await expect(c.placeOrder({ ...limitOrder, pricePaise: 10.5 })).rejects.toBeInstanceOf(KiteRefusal);
    await expect(c.placeOrder({ ...limitOrder, quantity: 0 })).rejects.toBeInstanceOf(KiteRefusal);
    await expect(c.placeOrder({ ...marketOrder, pricePaise: 100 })).rejects.toBeInstanceOf(KiteRefusal);
    await expect(c.placeOrder({ ...limitOrder, orderType: 'SL' })).rejects.toBeInstanceOf(KiteRefusal);
    expect(placeCount()).toBe(0);
  });

  it('autoslice children: ids as strings, failed slices as KiteErrors', async () => {
    fake.handle((r) =>
      r.path === '/orders/regular'
        ? ok({ order_id: '100', children: [{ order_id: '101' }, { error: { code: 400, error_type: 'MarginException', message: 'no margin', data: null } }] })
        : undefined,
    );
    const res = await client().placeOrder({ ...limitOrder, autoslice: true });
    expect(res.outcome).toBe('placed');
    if (res.outcome !== 'placed') return;
    expect(res.children?.[0]).toEqual({ orderId: '101' });
    const e = (res.children?.[1] as { error: KiteError }).error;
    expect([e.kind, e.status]).toEqual(['order', 400]);
    expect(fake.requests.at(-1)!.form.get('autoslice')).toBe('true');
  });

  it('per-minute order cap refuses locally (typed, no wait, nothing sent)', async () => {
    fake.handle((r) => (r.path === '/orders/regular' ? ok({ order_id: '7' }) : undefined));
    const c = client({ limits: { ordersPerMinute: 2 } });
    await c.placeOrder(limitOrder);
    await c.placeOrder(limitOrder);
    const err = (await c.placeOrder(limitOrder).catch((e: unknown) => e)) as KiteRefusal;
    expect(err).toBeInstanceOf(KiteRefusal);
    expect([err.kind, err.reason]).toEqual(['rate_limit', 'rate_cap']);
    expect(placeCount()).toBe(2);
    expect(c.ordersUsedToday()).toBe(2);
  });

  it('modify and cancel send once and return the order id', async () => {
    fake.handle((r) => (r.method === 'PUT' && r.path === '/orders/regular/555' ? ok({ order_id: '555' }) : undefined));
    fake.handle((r) => (r.method === 'DELETE' && r.path === '/orders/regular/555' ? ok({ order_id: '555' }) : undefined));
    const c = client();
    await expect(c.modifyOrder('regular', '555', { pricePaise: 150005, quantity: 3 })).resolves.toBe('555');
    expect(Object.fromEntries(fake.requests.at(-1)!.form)).toMatchObject({ price: '1500.05', quantity: '3' });
    await expect(c.cancelOrder('regular', '555')).resolves.toBe('555');
    fake.handle((r) => (r.method === 'PUT' ? kiteErr(503, 'NetworkException', 'down') : undefined));
    const before = fake.requests.length;
    await expect(c.modifyOrder('regular', '555', { pricePaise: 150010 })).rejects.toMatchObject({ ambiguous: true });
    expect(fake.requests.length - before).toBe(1);
  });
});

describe('session expiry', () => {
  it('a TokenException marks the session expired, emits once, refuses orders until setAccessToken', async () => {
    const c = client();
    const events: string[] = [];
    c.on('sessionExpired', () => events.push('expired'));
    c.on('sessionRestored', () => events.push('restored'));
    fake.handle((r) => (r.path === '/portfolio/positions' ? kiteErr(403, 'TokenException', 'Incorrect `api_key` or `access_token`.') : undefined));
    await expect(c.positions()).rejects.toMatchObject({ kind: 'token', status: 403 });
    await expect(c.positions()).rejects.toMatchObject({ kind: 'token' });
    expect(c.sessionExpired).toBe(true);
    expect(events).toEqual(['expired']);

    const before = fake.requests.length;
    const err = (await c.placeOrder(limitOrder).catch((e: unknown) => e)) as KiteRefusal;
    expect(err).toBeInstanceOf(KiteRefusal);
    expect([err.kind, err.reason]).toEqual(['token', 'session_expired']);
    await expect(c.modifyOrder('regular', '1', { quantity: 2 })).rejects.toMatchObject({ reason: 'session_expired' });
    expect(fake.requests.length).toBe(before);

    c.setAccessToken('NEWaccessTOKEN1234');
    expect(c.sessionExpired).toBe(false);
    expect(events).toEqual(['expired', 'restored']);
    fake.handle((r) => (r.path === '/orders/regular' ? ok({ order_id: '9' }) : undefined));
    expect((await c.placeOrder(limitOrder)).outcome).toBe('placed');
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`token ${API_KEY}:NEWaccessTOKEN1234`);
  });

  it('a TokenException on placeOrder itself → rejected and expired', async () => {
    const c = client();
    fake.handle((r) => (r.path === '/orders/regular' ? kiteErr(403, 'TokenException', 'Token expired') : undefined));
    const res = await c.placeOrder(limitOrder);
    expect(res.outcome).toBe('rejected');
    expect(c.sessionExpired).toBe(true);
  });

  it('positions never reads a failure or a malformed answer as flat', async () => {
    fake.handle((r) => (r.path === '/portfolio/positions' ? ok(null) : undefined));
    await expect(client().positions()).rejects.toMatchObject({ kind: 'data' });
    fake.handle((r) => (r.path === '/portfolio/positions' ? ok({ net: [{ tradingsymbol: 'INFY', quantity: -5, average_price: 1500.1, pnl: -12.35 }], day: [] }) : undefined));
    const p = await client().positions();
    expect(p.net[0]).toMatchObject({ tradingsymbol: 'INFY', quantity: -5, averagePricePaise: 150010, pnlPaise: -1235 });
  });
});

describe('IST timestamps', () => {
  const row = { order_id: '1953341975595868160', status: 'OPEN', order_timestamp: '2026-05-04 09:15:07', exchange_timestamp: '2026-05-04 09:15:08', exchange_update_timestamp: '2026-05-04 09:15:09', price: 1573.15, tag: 'kd1', tags: ['kd1'] };
  let savedTz: string | undefined;
  beforeEach(() => {
    savedTz = process.env.TZ;
  });
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  for (const tz of ['UTC', 'Asia/Kolkata', 'America/New_York', 'Pacific/Chatham']) {
    it(`orders' IST wall-clock strings → correct epoch ms with the machine in ${tz}`, async () => {
      process.env.TZ = tz;
      // the trap being tested: a naive `new Date(str)` reads the machine's zone
      if (tz !== 'Asia/Kolkata') expect(new Date('2026-05-04 09:15:07').getTime()).not.toBe(ist('2026-05-04T09:15:07'));
      fake.handle((r) => (r.path === '/orders' ? ok([row]) : undefined));
      const [o] = await client().orders();
      expect(o!.orderId).toBe('1953341975595868160');
      expect(o!.orderTimestamp).toBe(ist('2026-05-04T09:15:07'));
      expect(o!.exchangeTimestamp).toBe(ist('2026-05-04T09:15:08'));
      expect(o!.exchangeUpdateTimestamp).toBe(ist('2026-05-04T09:15:09'));
      expect(o!.pricePaise).toBe(157315);
    });
  }

  it('quote timestamps (converted by the official client) and order history too', async () => {
    process.env.TZ = 'America/Los_Angeles';
    fake.handle((r) =>
      r.path === '/quote'
        ? ok({ 'NSE:INFY': { instrument_token: 408065, timestamp: '2026-05-04 10:41:27', last_trade_time: '2026-05-04 10:41:26', last_price: 1573.7, ohlc: { open: 1569.15, high: 1575, low: 1561.05, close: 1567.8 }, depth: { buy: [{ price: 1573.4, quantity: 5, orders: 1 }], sell: [] } } })
        : undefined,
    );
    const q = (await client().quote(['NSE:INFY']))['NSE:INFY']!;
    expect(q.timestamp).toBe(ist('2026-05-04T10:41:27'));
    expect(q.lastTradeTime).toBe(ist('2026-05-04T10:41:26'));
    expect(q.ohlc).toEqual({ open: 156915, high: 157500, low: 156105, close: 156780 });
    expect(q.depth.buy[0]).toEqual({ pricePaise: 157340, quantity: 5, orders: 1 });
    expect(fake.requests.at(-1)!.query.getAll('i')).toEqual(['NSE:INFY']);
  });

  it('istWallClockToEpoch handles strings, offsets, dates and junk', () => {
    expect(istWallClockToEpoch('2026-05-04 09:15:00')).toBe(ist('2026-05-04T09:15:00'));
    expect(istWallClockToEpoch('2026-05-04T09:15:00+0530')).toBe(ist('2026-05-04T09:15:00'));
    expect(istWallClockToEpoch('2026-05-04T03:45:00Z')).toBe(ist('2026-05-04T09:15:00'));
    expect(istWallClockToEpoch('2026-05-04')).toBe(ist('2026-05-04T00:00:00'));
    for (const v of [null, undefined, '', 'garbage', '2026-13-01 00:00:00', 42]) expect(istWallClockToEpoch(v)).toBeNull();
  });

  it('historical: "+0530" candle times are instants; from/to are sent as IST wall clock', async () => {
    process.env.TZ = 'Europe/London';
    fake.handle((r) =>
      r.path === '/instruments/historical/408065/minute'
        ? ok({ candles: [['2026-05-04T09:15:00+0530', 1569.15, 1575, 1561.05, 1567.8, 1200], ['2026-05-04T09:16:00+0530', 1567.8, 1568, 1567, 1567.5, 300, 10]] })
        : undefined,
    );
    const c = await client().historical(408065, 'minute', ist('2026-05-04T09:15:00'), ist('2026-05-04T15:30:00'), { oi: true });
    expect(c).toEqual([
      { time: ist('2026-05-04T09:15:00'), openPaise: 156915, highPaise: 157500, lowPaise: 156105, closePaise: 156780, volume: 1200 },
      { time: ist('2026-05-04T09:16:00'), openPaise: 156780, highPaise: 156800, lowPaise: 156700, closePaise: 156750, volume: 300, oi: 10 },
    ]);
    const q = fake.requests.at(-1)!.query;
    expect([q.get('from'), q.get('to'), q.get('oi')]).toEqual(['2026-05-04 09:15:00', '2026-05-04 15:30:00', '1']);
  });
});

describe('instruments', () => {
  const csv = 'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange\n408065,1594,INFY,"INFOSYS, LTD",0,,0,0.05,1,EQ,NSE,NSE\n12345602,48225,NIFTY26MAYFUT,NIFTY,0,2026-05-28,0,0.1,75,FUT,NFO-FUT,NFO\n';
  for (const contentType of ['text/csv', 'text/csv; charset=utf-8']) {
    it(`parses the dump served as "${contentType}"`, async () => {
      fake.handle((r) => (r.path === '/instruments' ? { status: 200, body: csv, contentType } : undefined));
      const list = await client().instruments();
      expect(list).toEqual([
        { instrumentToken: 408065, exchangeToken: 1594, tradingsymbol: 'INFY', name: 'INFOSYS, LTD', lastPricePaise: 0, expiry: null, strikePaise: 0, tickSizePaise: 5, lotSize: 1, instrumentType: 'EQ', segment: 'NSE', exchange: 'NSE' },
        { instrumentToken: 12345602, exchangeToken: 48225, tradingsymbol: 'NIFTY26MAYFUT', name: 'NIFTY', lastPricePaise: 0, expiry: '2026-05-28', strikePaise: 0, tickSizePaise: 10, lotSize: 75, instrumentType: 'FUT', segment: 'NFO-FUT', exchange: 'NFO' },
      ]);
    });
  }
});

describe('rate limit classes', () => {
  it('quote calls are spaced 1/s (plus the arrival-jitter margin); others 10/s', async () => {
    fake.handle((r) => (r.path === '/quote/ltp' ? ok({ 'NSE:INFY': { instrument_token: 408065, last_price: 1 } }) : undefined));
    fake.handle((r) => (r.path === '/trades' ? ok([]) : undefined));
    const c = client();
    await c.ltp(['NSE:INFY']);
    await c.ltp(['NSE:INFY']);
    expect(sleeps).toEqual([1150]); // 1 s window + the default 150 ms margin
    sleeps.length = 0;
    for (let i = 0; i < 11; i++) await c.trades();
    expect(sleeps.length).toBe(1);
  });
});

describe('secrets', () => {
  it('never appear in error messages, inspect output or JSON, even when the server echoes them', async () => {
    fake.handle((r) => (r.path === '/orders' ? kiteErr(400, 'InputException', `bad token ${ACCESS} access_token=${ACCESS} Authorization: token ${API_KEY}:${ACCESS}`) : undefined));
    fake.handle((r) => (r.path === '/trades' ? { hangUp: true } : undefined));
    fake.handle((r) => (r.path === '/orders/regular' ? kiteErr(503, 'NetworkException', `echo ${ACCESS}`) : undefined));
    const c = client({ getRetries: 0 });
    const errs: unknown[] = [await c.orders().catch((e: unknown) => e), await c.trades().catch((e: unknown) => e)];
    const res = await c.placeOrder(limitOrder);
    if (res.outcome !== 'placed') errs.push(res.error);
    for (const e of errs) {
      expect(e).toBeInstanceOf(KiteError);
      for (const text of [(e as Error).message, inspect(e, { depth: 10 }), JSON.stringify(e), String((e as Error).stack)]) expect(text).not.toContain(ACCESS);
    }
    expect(redact(`x access_token=abcdefgh&y request_token: "zzzzzz" api_secret=qqqq`)).toBe('x access_token=***&y request_token: "***" api_secret=***');
  });
});
