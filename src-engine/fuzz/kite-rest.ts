/**
 * Kite REST replies: arbitrary statuses, content types and bodies (JSON envelopes with junk data, Kite
 * errors with odd types, HTML from a proxy, CSV, truncated text) answered to the real KiteRest — the
 * official client and our mapping — through a stand-in HTTP adapter (no network). Every call must
 * resolve with our data shapes or reject with a KiteError; placeOrder answers placed (with an order id),
 * rejected or unknown (with a KiteError).
 */
import fc from 'fast-check';
import { KiteError } from '../adapters/kite/errors.js';
import { KiteRest, type PlaceOrderResult } from '../adapters/kite/rest-client.js';
import { Failures, type FuzzResult, describeError, forEachSampleAsync, show } from './common.js';

interface Reply {
  status: number;
  contentType: string | undefined;
  body: string;
}

const ERROR_TYPES = ['TokenException', 'InputException', 'OrderException', 'NetworkException', 'DataException', 'GeneralException', 'MarginException', 'PermissionException', 'Nonsense', ''];
const validData = fc.oneof(
  fc.constant({ order_id: '250101000000001' }),
  fc.constant([{ order_id: '1', status: 'OPEN', tag: 'a1', quantity: 1, price: 10, order_timestamp: '2026-11-20 10:00:00' }]),
  fc.constant({ net: [], day: [] }),
  fc.constant({ 'NSE:INFY': { instrument_token: 408065, last_price: 1500.5, ohlc: { open: 1, high: 2, low: 0.5, close: 1.5 } } }),
  fc.constant({ candles: [['2026-11-20T09:15:00+0530', 1, 2, 0.5, 1.5, 100]] }),
  fc.constant({ user_id: 'AB1234', user_name: 'x', email: 'e@x', equity: { net: 1 } }),
);
const body = fc.oneof(
  { weight: 3, arbitrary: fc.record({ status: fc.constantFrom('success', 'error', 'x'), data: fc.oneof(validData, fc.jsonValue({ maxDepth: 3 })) }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.record({ status: fc.constant('error'), error_type: fc.oneof(fc.constantFrom(...ERROR_TYPES), fc.jsonValue({ maxDepth: 1 })), message: fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom('', '<html><body><h1>502 Bad Gateway</h1></body></html>', '<!DOCTYPE html><title>Just a moment...</title>', 'null', '{', '{"status":"success","data":', 'instrument_token,exchange_token,tradingsymbol\n1,2,X\n', 'Too many requests') },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
);
const reply: fc.Arbitrary<Reply> = fc.record({
  status: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(200, 200, 400, 403, 404, 429, 500, 502, 503, 504) }, { weight: 1, arbitrary: fc.integer({ min: 100, max: 599 }) }),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/html', 'text/csv', 'text/plain', undefined),
  body,
});

const CALLS: readonly ((k: KiteRest) => Promise<unknown>)[] = [
  (k) => k.profile(),
  (k) => k.margins(),
  (k) => k.orders(),
  (k) => k.orderHistory('250101000000001'),
  (k) => k.trades(),
  (k) => k.positions(),
  (k) => k.holdings(),
  (k) => k.quote(['NSE:INFY']),
  (k) => k.ltp(['NSE:INFY']),
  (k) => k.instruments('NSE'),
  (k) => k.historical(408065, 'minute', Date.parse('2026-11-20T09:15:00+05:30'), Date.parse('2026-11-20T10:15:00+05:30')),
  (k) => k.placeOrder({ exchange: 'NSE', tradingsymbol: 'INFY', transactionType: 'BUY', orderType: 'LIMIT', product: 'MIS', quantity: 1, pricePaise: 150_000, tag: 'fz1' }),
  (k) => k.modifyOrder('regular', '250101000000001', { pricePaise: 150_005 }),
  (k) => k.cancelOrder('regular', '250101000000001'),
];
const PLACE = 11;

/** The axios instance inside the official client: its adapter answers `next` instead of the network. */
function install(k: KiteRest, next: () => Reply): void {
  const inst = (k as unknown as { kc: Record<string, unknown> }).kc['requestInstance'] as { defaults: { adapter: unknown } };
  inst.defaults.adapter = async (config: { validateStatus?: (s: number) => boolean }) => {
    const r = next();
    const response = { data: r.body, status: r.status, statusText: `S${r.status}`, headers: r.contentType ? { 'content-type': r.contentType } : {}, config, request: {} };
    if (config.validateStatus ? config.validateStatus(r.status) : r.status >= 200 && r.status < 300) return response;
    throw Object.assign(new Error(`Request failed with status code ${r.status}`), { isAxiosError: true, response, config, request: {} });
  };
}

function checkPlace(r: PlaceOrderResult): string | undefined {
  if (r.outcome === 'placed') return typeof r.orderId === 'string' && r.orderId.length > 0 ? undefined : `placed without an order id: ${show(r)}`;
  if (r.outcome === 'rejected' || r.outcome === 'unknown') return r.error instanceof KiteError ? undefined : `${r.outcome} without a KiteError`;
  return `unknown outcome ${show(r)}`;
}

export async function fuzzKiteRest(runs: number, seed: number): Promise<FuzzResult> {
  let now = 1_780_000_000_000;
  const big = 1e12;
  const k = new KiteRest({
    apiKey: 'fuzzkey',
    accessToken: 'fuzzaccesstoken',
    getRetries: 0,
    clock: { now: () => (now += 1) },
    sleep: async () => undefined,
    limits: { quotePerSecond: big, historicalPerSecond: big, ordersPerSecond: big, ordersPerMinute: big, ordersPerDay: big, otherPerSecond: big },
  });
  let current: Reply | undefined;
  install(k, () => current!);
  const fails = new Failures();
  let cases = 0;
  let resolved = 0;
  const kinds = new Set<string>();
  await forEachSampleAsync(fc.tuple(fc.nat(CALLS.length - 1), reply), runs, seed, async ([which, r]) => {
    cases++;
    current = r;
    if (k.sessionExpired) k.setAccessToken('fuzzaccesstoken');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<'hang'>((res) => (timer = setTimeout(() => res('hang'), 10_000)));
    try {
      const out = await Promise.race([CALLS[which]!(k), hang]);
      if (out === 'hang') return fails.add(`call ${which} never settled`, r);
      resolved++;
      if (which === PLACE) {
        const bad = checkPlace(out as PlaceOrderResult);
        if (bad) fails.add(`placeOrder: ${bad}`, r);
      }
    } catch (e) {
      if (e instanceof KiteError) kinds.add(e.kind);
      if (!(e instanceof KiteError)) fails.add(`call ${which} threw ${describeError(e)} (not a KiteError)`, r);
      else if (!e.message) fails.add(`call ${which}: KiteError without a message`, r);
      else if (e.message.includes('fuzzaccesstoken')) fails.add(`call ${which}: the access token leaked into the message`, r);
    } finally {
      clearTimeout(timer);
    }
  });
  // the stand-in adapter must really be answering: some calls succeed, and errors of several kinds come back
  if (cases >= 200 && (resolved === 0 || kinds.size < 3)) fails.add(`the replies did not reach the client (${resolved} resolved, kinds ${[...kinds].join(',')})`, null);
  return fails.result(cases);
}
