/**
 * Conformance of the Kite simulator with Zerodha's official mock responses (../shared/kite-mocks,
 * zerodha/kiteconnect-mocks@c7a8123, the files the official Go client tests against): every
 * endpoint the simulator serves is called over HTTP and its answer compared with the mock FIELD BY
 * FIELD — names (missing and extra), JSON types, null vs absent, and string formats (IST
 * "YYYY-MM-DD HH:MM:SS", candle "…T…+0530", dates, digit-string ids). A schema is inferred from the
 * mock (union over array elements, so a field that is null in one mock row and a string in another
 * accepts both) and the simulator's answer is checked against it. Known, intended differences are
 * listed in ALLOWED with the reason. Ticker packets are compared with the mock .packet files
 * (length per mode, fields carried) and order updates with postback.json.
 *
 * Skips (declared through test/support/external-inputs.ts, with the reason in the suite name) when
 * ../shared/kite-mocks is absent: the mocks have no licence and are not committed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, TickBatch, type KiteTick } from '../../src-engine/adapters/kite/tick-codec.js';
import { kiteChecksum } from '../../src-engine/kite-sim/auth.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { SHARED_DIR, sharedFiles } from '../support/external-inputs.js';
import { simSessionStart } from '../support/sim-session.js';

const MOCKS = join(SHARED_DIR, 'kite-mocks');
const haveMocks = sharedFiles(import.meta.url, 'kite-mocks', join(MOCKS, 'orders.json'), join(MOCKS, 'ticker_full.packet'));
const KEY = 'conf-key';
const SECRET = 'conf-secret';

// ---- schema inference and comparison -------------------------------------------------------------

type Fmt = 'ist-datetime' | 'candle-datetime' | 'date' | 'time' | 'digits' | 'text';
interface Schema {
  types: Set<string>;
  formats: Set<Fmt>;
  fields?: Map<string, { schema: Schema; optional: boolean }>;
  items?: Schema;
}

function fmtOf(s: string): Fmt {
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s)) return 'ist-datetime';
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0530$/.test(s)) return 'candle-datetime';
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return 'date';
  if (/^\d{2}:\d{2}:\d{2}$/.test(s)) return 'time';
  if (/^\d+$/.test(s)) return 'digits';
  return 'text';
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function infer(v: unknown): Schema {
  const s: Schema = { types: new Set([typeOf(v)]), formats: new Set() };
  if (typeof v === 'string') s.formats.add(fmtOf(v));
  if (Array.isArray(v)) {
    for (const x of v) s.items = s.items ? merge(s.items, infer(x)) : infer(x);
  } else if (v !== null && typeof v === 'object') {
    s.fields = new Map(Object.entries(v).map(([k, x]) => [k, { schema: infer(x), optional: false }]));
  }
  return s;
}

function merge(a: Schema, b: Schema): Schema {
  const out: Schema = { types: new Set([...a.types, ...b.types]), formats: new Set([...a.formats, ...b.formats]) };
  if (a.items || b.items) out.items = a.items && b.items ? merge(a.items, b.items) : (a.items ?? b.items)!;
  if (a.fields || b.fields) {
    const f = new Map<string, { schema: Schema; optional: boolean }>();
    const keys = new Set([...(a.fields?.keys() ?? []), ...(b.fields?.keys() ?? [])]);
    for (const k of keys) {
      const x = a.fields?.get(k);
      const y = b.fields?.get(k);
      if (x && y) f.set(k, { schema: merge(x.schema, y.schema), optional: x.optional || y.optional });
      else f.set(k, { schema: (x ?? y)!.schema, optional: true });
    }
    out.fields = f;
  }
  return out;
}

/** Paths (a.b[].c) whose contents are free-form: only the top type is compared. */
const OPAQUE = new Set(['meta', '[].meta', 'orders[].result.meta', '[].orders[].result', 'orders[].result']);

function check(actual: unknown, s: Schema, path: string, issues: string[], allowed: ReadonlySet<string>): void {
  const t = typeOf(actual);
  if (!s.types.has(t)) {
    // a number where the mock has only integers-as-numbers is fine; null vs a value is not
    if (!allowed.has(`${path}:type`)) issues.push(`${path || '(root)'}: type ${t}, mock has ${[...s.types].join('|')}`);
    return;
  }
  if (typeof actual === 'string' && s.formats.size > 0) {
    const f = fmtOf(actual);
    if (!s.formats.has(f) && !(s.formats.has('text') && f === 'digits') && !allowed.has(`${path}:format`)) {
      issues.push(`${path}: format ${f} (${JSON.stringify(actual)}), mock has ${[...s.formats].join('|')}`);
    }
  }
  if (OPAQUE.has(path.replace(/^\./, ''))) return;
  if (Array.isArray(actual) && s.items) {
    actual.forEach((x, i) => check(x, s.items!, `${path}[]`, i === 0 ? issues : [], allowed)); // first element reports, others must not crash
    for (const x of actual.slice(1)) {
      const more: string[] = [];
      check(x, s.items, `${path}[]`, more, allowed);
      for (const m of more) if (!issues.includes(m)) issues.push(m);
    }
  } else if (actual !== null && typeof actual === 'object' && !Array.isArray(actual) && s.fields) {
    const a = actual as Record<string, unknown>;
    for (const [k, f] of s.fields) {
      const p = `${path}.${k}`;
      if (!(k in a)) {
        if (!f.optional && !allowed.has(`${p}:missing`)) issues.push(`${p}: missing (mock has it)`);
        continue;
      }
      check(a[k], f.schema, p, issues, allowed);
    }
    for (const k of Object.keys(a)) if (!s.fields.has(k) && !allowed.has(`${path}.${k}:extra`)) issues.push(`${path}.${k}: extra (not in the mock)`);
  }
}

function compare(actual: unknown, mockData: unknown, allowed: readonly string[] = []): string[] {
  return compareSchema(actual, infer(mockData), allowed);
}

function compareSchema(actual: unknown, schema: Schema, allowed: readonly string[] = []): string[] {
  const issues: string[] = [];
  check(actual, schema, '', issues, new Set(allowed));
  return issues;
}

/** One schema for the same object as several mocks show it (e.g. an order row in orders.json, order_info.json and postback.json, from different years). */
const union = (...samples: unknown[]): Schema => samples.map(infer).reduce(merge);

/** For maps keyed by instrument ("NSE:INFY"): every value against the schema of the mock's values. */
function compareMap(actual: Record<string, unknown>, mockData: Record<string, unknown>, allowed: readonly string[] = []): string[] {
  const schema = Object.values(mockData).map(infer).reduce(merge);
  const issues: string[] = [];
  for (const v of Object.values(actual)) check(v, schema, '{}', issues, new Set(allowed));
  return issues;
}

const mock = (name: string): { status: string; data: unknown } => JSON.parse(readFileSync(join(MOCKS, name), 'utf8')) as { status: string; data: unknown };

// ---- the suite -----------------------------------------------------------------------------------

const title = `Kite simulator conformance with the official mocks${haveMocks ? '' : ' — SKIPPED: ../shared/kite-mocks is absent (the mocks are not committed)'}`;

describe.skipIf(!haveMocks)(title, () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;
  let token: string;
  const ws: WebSocket[] = [];

  const call = async (method: string, path: string, body?: Record<string, string> | unknown[], auth = true) => {
    let res = await call1(method, path, body, auth);
    // Kite's per-endpoint rate limits (quote 1/s, …) apply here too: back off like a polite client
    for (let i = 0; i < 20 && res.status === 429; i++) {
      await new Promise((r2) => setTimeout(r2, 250));
      res = await call1(method, path, body, auth);
    }
    return res;
  };
  const call1 = async (method: string, path: string, body?: Record<string, string> | unknown[], auth = true) => {
    const isJson = Array.isArray(body);
    const res = await fetch(`${r.url}${path}`, {
      method,
      headers: {
        'X-Kite-Version': '3',
        ...(auth ? { Authorization: `token ${KEY}:${token}` } : {}),
        ...(body ? { 'Content-Type': isJson ? 'application/json' : 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body: isJson ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString() } : {}),
    });
    const text = await res.text();
    const type = res.headers.get('content-type');
    return { status: res.status, type, body: type === 'application/json' ? (JSON.parse(text) as { status: string; data: never; message?: string }) : text };
  };
  const ok = async (method: string, path: string, body?: Record<string, string> | unknown[]) => {
    const res = await call(method, path, body);
    if (res.status !== 200) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { data: never }).data;
  };
  const until = async (cond: () => Promise<boolean> | boolean, ms: number, what: string) => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((res) => setTimeout(res, 25));
    }
  };

  let sessionData: unknown;
  let marketOrderId = '';
  let limitOrderId = '';

  beforeAll(async () => {
    r = await sim.start({ port: 0, apiKey: KEY, apiSecret: SECRET, speed: 1, seed: 11, startTime: simSessionStart() });
    const res = await fetch(`${r.url}/connect/login?api_key=${KEY}&v=3`, { redirect: 'manual' });
    const rt = new URL(res.headers.get('location')!).searchParams.get('request_token')!;
    const s = await call('POST', '/session/token', { api_key: KEY, request_token: rt, checksum: kiteChecksum(KEY, rt, SECRET) }, false);
    sessionData = (s.body as { data: unknown }).data;
    token = (sessionData as { access_token: string }).access_token;
  });
  afterAll(async () => {
    for (const w of ws) w.terminate();
    await r?.close();
  });

  it('POST /session/token ≈ generate_session.json', () => {
    // refresh_token/silo: strings here as in the mock; `meta` is free-form
    // avatar_url: null as in profile.json (generate_session.json has a placeholder string)
    expect(compare(sessionData, mock('generate_session.json').data, ['.avatar_url:type'])).toEqual([]);
  });

  it('GET /user/profile ≈ profile.json and /user/profile/full ≈ full_profile.json', async () => {
    expect(compare(await ok('GET', '/user/profile'), mock('profile.json').data)).toEqual([]);
    expect(compare(await ok('GET', '/user/profile/full'), mock('full_profile.json').data)).toEqual([]);
  });

  it('GET /user/margins[/equity|/commodity] ≈ margins.json, margins_equity.json, margin_commodity.json', async () => {
    expect(compare(await ok('GET', '/user/margins'), mock('margins.json').data)).toEqual([]);
    expect(compare(await ok('GET', '/user/margins/equity'), mock('margins_equity.json').data)).toEqual([]);
    expect(compare(await ok('GET', '/user/margins/commodity'), mock('margin_commodity.json').data)).toEqual([]);
  });

  it('quotes: /quote ≈ quote.json, /quote/ohlc ≈ ohlc.json, /quote/ltp ≈ ltp.json (keyed by EXCHANGE:SYMBOL)', async () => {
    const q = '?i=NSE:INFY&i=NSE:SBIN&i=NSE:NIFTY%2050';
    const quote = (await ok('GET', `/quote${q}`)) as Record<string, unknown>;
    expect(Object.keys(quote).sort()).toEqual(['NSE:INFY', 'NSE:NIFTY 50', 'NSE:SBIN']);
    expect(compareMap(quote, mock('quote.json').data as Record<string, unknown>)).toEqual([]);
    expect(compareMap(await ok('GET', `/quote/ohlc${q}`), mock('ohlc.json').data as Record<string, unknown>)).toEqual([]);
    expect(compareMap(await ok('GET', `/quote/ltp${q}`), mock('ltp.json').data as Record<string, unknown>)).toEqual([]);
    // F&O quotes carry open interest
    const fut = sim.instruments.find((i) => i.exchange === 'NFO' && i.instrumentType === 'FUT')!;
    const fq = (await ok('GET', `/quote?i=NFO:${fut.tradingsymbol}`)) as Record<string, { oi: number }>;
    expect(compareMap(fq, mock('quote.json').data as Record<string, unknown>)).toEqual([]);
    expect(fq[`NFO:${fut.tradingsymbol}`]!.oi).toBeGreaterThan(0);
  });

  it('orders: place ≈ order_response.json; /orders ≈ orders.json; /orders/:id ≈ order_info.json; trades ≈ trades.json / order_trades.json', async () => {
    const place = await ok('POST', '/orders/regular', {
      exchange: 'NSE', tradingsymbol: 'SBIN', transaction_type: 'BUY', order_type: 'MARKET', quantity: '1', product: 'MIS', market_protection: '-1', tag: 'conf1',
    });
    expect(compare(place, mock('order_response.json').data)).toEqual([]);
    marketOrderId = (place as { order_id: string }).order_id;
    const ltp = ((await ok('GET', '/quote/ltp?i=NSE:SBIN')) as Record<string, { last_price: number }>)['NSE:SBIN']!.last_price;
    const low = (Math.floor((ltp * 0.9) / 0.05) * 0.05).toFixed(2);
    limitOrderId = ((await ok('POST', '/orders/regular', {
      exchange: 'NSE', tradingsymbol: 'SBIN', transaction_type: 'BUY', order_type: 'LIMIT', quantity: '1', product: 'CNC', price: low,
    })) as { order_id: string }).order_id;
    await until(async () => ((await ok('GET', '/orders')) as { order_id: string; status: string }[]).some((o) => o.order_id === marketOrderId && o.status === 'COMPLETE'), 10_000, 'the market order to complete');
    await until(async () => ((await ok('GET', '/orders')) as { order_id: string; status: string }[]).some((o) => o.order_id === limitOrderId && o.status === 'OPEN'), 10_000, 'the limit order to rest');

    const modified = await ok('PUT', `/orders/regular/${limitOrderId}`, { price: (Number(low) - 0.05).toFixed(2) });
    expect(compare(modified, mock('order_modify.json').data)).toEqual([]);
    await until(async () => ((await ok('GET', `/orders/${limitOrderId}`)) as { status: string }[]).at(-1)!.status === 'OPEN', 10_000, 'the modify to settle');
    const cancelled = await ok('DELETE', `/orders/regular/${limitOrderId}`);
    expect(compare(cancelled, mock('order_cancel.json').data)).toEqual([]);
    await until(async () => ((await ok('GET', `/orders/${limitOrderId}`)) as { status: string }[]).at(-1)!.status === 'CANCELLED', 10_000, 'the cancel');

    const orders = await ok('GET', '/orders');
    expect(compare(orders, mock('orders.json').data)).toEqual([]);
    // order_info.json (2017) predates fields that orders.json (2021+) rows carry: a history row is an order row, so either shape's fields are allowed
    const row = union(...(mock('order_info.json').data as unknown[]), ...(mock('orders.json').data as unknown[]));
    const history = (await ok('GET', `/orders/${limitOrderId}`)) as unknown[];
    expect(history.length).toBeGreaterThan(3);
    for (const h of history) expect(compareSchema(h, row)).toEqual([]);
    for (const h of (await ok('GET', `/orders/${marketOrderId}`)) as unknown[]) expect(compareSchema(h, row)).toEqual([]);
    expect(compare(await ok('GET', '/trades'), mock('trades.json').data)).toEqual([]);
    expect(compare(await ok('GET', `/orders/${marketOrderId}/trades`), mock('order_trades.json').data)).toEqual([]);
  });

  it('autoslice=true ≈ autoslice_response.json (a parent id and one child per slice)', async () => {
    // the cheapest RELIANCE call of the nearest expiry; 21 lots is one lot above the stock freeze quantity (20 lots, a guess in exchange.ts)
    const calls = sim.instruments.filter((i) => i.exchange === 'NFO' && i.name === 'RELIANCE' && i.instrumentType === 'CE').sort((a, b) => (a.expiry! < b.expiry! ? -1 : a.expiry! > b.expiry! ? 1 : b.strikePaise! - a.strikePaise!));
    const opt = calls[0]!;
    const ltp = ((await ok('GET', `/quote/ltp?i=NFO:${opt.tradingsymbol}`)) as Record<string, { last_price: number }>)[`NFO:${opt.tradingsymbol}`]!.last_price;
    const res = (await ok('POST', '/orders/regular', {
      exchange: 'NFO', tradingsymbol: opt.tradingsymbol, transaction_type: 'BUY', order_type: 'LIMIT', quantity: String(opt.lotSize * 21), product: 'NRML', price: ltp.toFixed(2), autoslice: 'true',
    })) as { order_id: string; children: unknown[] };
    expect(res.children).toHaveLength(2);
    expect(compare(res, mock('autoslice_response.json').data)).toEqual([]);
  });

  it('positions ≈ positions.json; PUT /portfolio/positions (convert) ≈ convert_position.json; holdings ≈ holdings.json', async () => {
    const pos = (await ok('GET', '/portfolio/positions')) as { net: unknown[]; day: unknown[] };
    expect(pos.net.length).toBeGreaterThan(0);
    expect(compare(pos, mock('positions.json').data)).toEqual([]);
    const conv = await ok('PUT', '/portfolio/positions', {
      exchange: 'NSE', tradingsymbol: 'SBIN', transaction_type: 'BUY', position_type: 'day', quantity: '1', old_product: 'MIS', new_product: 'CNC',
    });
    expect(compare(conv, mock('convert_position.json').data)).toEqual([]);
    const after = (await ok('GET', '/portfolio/positions')) as { net: { tradingsymbol: string; product: string; quantity: number }[] };
    expect(after.net.filter((p) => p.tradingsymbol === 'SBIN').map((p) => [p.product, p.quantity]).sort()).toEqual([['CNC', 1], ['MIS', 0]]);
    const holdings = (await ok('GET', '/portfolio/holdings')) as unknown[];
    expect(compare(holdings, mock('holdings.json').data)).toEqual([]);
  });

  it('margins and charges: /margins/orders ≈ order_margins.json, /margins/basket ≈ basket_margins.json, /charges/orders ≈ virtual_contract_note.json', async () => {
    const opt = sim.instruments.find((i) => i.exchange === 'NFO' && i.instrumentType === 'CE')!;
    const optLtp = ((await ok('GET', `/quote/ltp?i=NFO:${opt.tradingsymbol}`)) as Record<string, { last_price: number }>)[`NFO:${opt.tradingsymbol}`]!.last_price;
    const orders = [
      { exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', variety: 'regular', product: 'CNC', order_type: 'MARKET', quantity: 1, price: 0, trigger_price: 0 },
      { exchange: 'NFO', tradingsymbol: opt.tradingsymbol, transaction_type: 'SELL', variety: 'regular', product: 'NRML', order_type: 'LIMIT', quantity: opt.lotSize, price: optLtp, trigger_price: 0 },
    ];
    expect(compare(await ok('POST', '/margins/orders', orders), mock('order_margins.json').data)).toEqual([]);
    expect(compare(await ok('POST', '/margins/basket?consider_positions=true', orders), mock('basket_margins.json').data)).toEqual([]);
    const note = await ok('POST', '/charges/orders', [
      { order_id: marketOrderId, exchange: 'NSE', tradingsymbol: 'SBIN', transaction_type: 'BUY', variety: 'regular', product: 'CNC', order_type: 'MARKET', quantity: 1, average_price: 560 },
      { order_id: '2', exchange: 'NFO', tradingsymbol: opt.tradingsymbol, transaction_type: 'BUY', variety: 'regular', product: 'NRML', order_type: 'LIMIT', quantity: opt.lotSize, average_price: 1.5 },
    ]);
    expect(compare(note, mock('virtual_contract_note.json').data)).toEqual([]);
    expect((await call('POST', '/margins/orders', { not: 'json' })).status).toBe(400);
  });

  it('GTT: place / modify / get / list / delete ≈ gtt_*.json; a trigger fires into a real order', async () => {
    const ltp = ((await ok('GET', '/quote/ltp?i=NSE:INFY')) as Record<string, { last_price: number }>)['NSE:INFY']!.last_price;
    const tick = sim.instruments.find((i) => i.tradingsymbol === 'INFY' && i.exchange === 'NSE')!.tickPaise / 100;
    const snap = (x: number) => Number((Math.round(x / tick) * tick).toFixed(2));
    const form = (lower: number, upper: number) => ({
      type: 'two-leg',
      condition: JSON.stringify({ exchange: 'NSE', tradingsymbol: 'INFY', trigger_values: [lower, upper], last_price: ltp }),
      orders: JSON.stringify([
        { exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'SELL', quantity: 1, order_type: 'LIMIT', product: 'CNC', price: lower },
        { exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'SELL', quantity: 1, order_type: 'LIMIT', product: 'CNC', price: upper },
      ]),
    });
    const placed = (await ok('POST', '/gtt/triggers', form(snap(ltp * 0.8), snap(ltp * 1.2)))) as { trigger_id: number };
    expect(compare(placed, mock('gtt_place_order.json').data)).toEqual([]);
    expect(compare(await ok('PUT', `/gtt/triggers/${placed.trigger_id}`, form(snap(ltp * 0.7), snap(ltp * 1.3))), mock('gtt_modify_order.json').data)).toEqual([]);
    // a GTT object as gtt_get_order.json (triggered, meta null) and gtt_get_orders.json (active, meta {}) show it
    const gttSchema = union(mock('gtt_get_order.json').data, ...(mock('gtt_get_orders.json').data as unknown[]));
    expect(compareSchema(await ok('GET', `/gtt/triggers/${placed.trigger_id}`), gttSchema)).toEqual([]);
    // a single trigger created "from above" (last_price 2×) at 1.5× the market fires on the next print of INFY
    const single = (await ok('POST', '/gtt/triggers', {
      type: 'single',
      condition: JSON.stringify({ exchange: 'NSE', tradingsymbol: 'INFY', trigger_values: [snap(ltp * 1.5)], last_price: snap(ltp * 2) }),
      orders: JSON.stringify([{ exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', quantity: 1, order_type: 'LIMIT', product: 'CNC', price: snap(ltp * 1.01) }]),
    })) as { trigger_id: number };
    await until(async () => ((await ok('GET', `/gtt/triggers/${single.trigger_id}`)) as { status: string }).status === 'triggered', 15_000, 'the GTT to fire');
    const fired = (await ok('GET', `/gtt/triggers/${single.trigger_id}`)) as { orders: { result: { order_result: { status: string; order_id: string } } }[] };
    expect(fired.orders[0]!.result.order_result.order_id).toMatch(/^\d+$/);
    expect(compareSchema(fired, gttSchema)).toEqual([]);
    expect(compare(await ok('GET', '/gtt/triggers'), mock('gtt_get_orders.json').data)).toEqual([]);
    expect(compare(await ok('DELETE', `/gtt/triggers/${placed.trigger_id}`), mock('gtt_delete_order.json').data)).toEqual([]);
  });

  it('historical candles ≈ historical_minute.json, with oi=1 ≈ historical_oi.json', async () => {
    const infy = sim.instruments.find((i) => i.tradingsymbol === 'INFY' && i.exchange === 'NSE')!;
    const now = sim.marketSource.now();
    const ist = (ms: number) => new Date(ms + 5.5 * 3600_000).toISOString().slice(0, 19).replace('T', '+');
    const path = `/instruments/historical/${infy.token}/minute?from=${ist(now - 5 * 86_400_000)}&to=${ist(now)}`;
    const candles = (await ok('GET', path)) as { candles: unknown[] };
    expect(candles.candles.length).toBeGreaterThan(0);
    expect(compare(candles, mock('historical_minute.json').data)).toEqual([]);
    const fut = sim.instruments.find((i) => i.exchange === 'NFO' && i.instrumentType === 'FUT')!;
    const withOi = await ok('GET', `/instruments/historical/${fut.token}/minute?from=${ist(now - 5 * 86_400_000)}&to=${ist(now)}&oi=1`);
    expect(compare(withOi, mock('historical_oi.json').data)).toEqual([]);
  });

  it('instruments CSV: the header and column formats of instruments_all.csv / instruments_nse.csv', async () => {
    const all = await call('GET', '/instruments');
    expect(all.type).toBe('text/csv');
    const mockCsv = readFileSync(join(MOCKS, 'instruments_all.csv'), 'utf8').split(/\r?\n/);
    const ours = (all.body as string).split('\r\n');
    expect(ours[0]).toBe(mockCsv[0]);
    const nse = await call('GET', '/instruments/NSE');
    expect((nse.body as string).split('\r\n')[0]).toBe(readFileSync(join(MOCKS, 'instruments_nse.csv'), 'utf8').split(/\r?\n/)[0]);
    // every row: 12 columns, numeric columns numeric, expiry empty or YYYY-MM-DD
    for (const line of ours.slice(1).filter(Boolean)) {
      const c = line.split(',');
      expect(c).toHaveLength(12);
      expect(c[0]).toMatch(/^\d+$/);
      expect(c[1]).toMatch(/^\d+$/);
      expect(c[4]).toMatch(/^\d+(\.\d+)?$/);
      expect(c[5]).toMatch(/^(\d{4}-\d{2}-\d{2})?$/);
      expect(c[6]).toMatch(/^\d+\.\d+$/);
      expect(c[7]).toMatch(/^\d+(\.\d+)?$/);
      expect(c[8]).toMatch(/^\d+$/);
      expect(['EQ', 'FUT', 'CE', 'PE']).toContain(c[9]);
    }
  });

  it('ticker: packet lengths and fields per mode match ticker_quote.packet / ticker_full.packet; index packets are 8/28/32 B; order updates ≈ postback.json', async () => {
    const decode = (buf: Uint8Array): KiteTick[] => {
      const b = new TickBatch();
      decodeFrame(buf, b);
      return b.toTicks();
    };
    const mockPacket = (name: string) => {
      const pkt = Buffer.from(readFileSync(join(MOCKS, name), 'utf8').trim(), 'base64');
      const frame = Buffer.concat([Buffer.from([0, 1, pkt.length >> 8, pkt.length & 0xff]), pkt]);
      return { len: pkt.length, tick: decode(frame)[0]! };
    };
    const mq = mockPacket('ticker_quote.packet');
    const mf = mockPacket('ticker_full.packet');
    expect([mq.len, mf.len]).toEqual([44, 184]);

    const infy = sim.instruments.find((i) => i.tradingsymbol === 'INFY' && i.exchange === 'NSE')!.token;
    const nifty = sim.instruments.find((i) => i.tradingsymbol === 'NIFTY 50')!.token;
    expect(nifty).toBe(256265);
    const sock = new WebSocket(`${r.wsUrl}?api_key=${KEY}&access_token=${token}`);
    ws.push(sock);
    const frames: Buffer[] = [];
    const texts: string[] = [];
    sock.on('message', (d, bin) => (bin ? frames.push(d as Buffer) : texts.push(d.toString())));
    await new Promise((res, rej) => (sock.once('open', res), sock.once('error', rej)));
    const lengths = (f: Buffer) => {
      const out: { token: number; len: number }[] = [];
      for (let n = f.readUInt16BE(0), j = 2, k = 0; k < n; k++) {
        const len = f.readUInt16BE(j);
        out.push({ token: f.readUInt32BE(j + 2), len });
        j += 2 + len;
      }
      return out;
    };
    const seen = async (mode: string, tok: number, len: number) => {
      frames.length = 0;
      sock.send(JSON.stringify({ a: 'mode', v: [mode, [tok]] }));
      await until(() => frames.some((f) => f.length > 2 && lengths(f).some((p) => p.token === tok && p.len === len)), 5000, `${mode} packet of ${tok}`);
      return decode(frames.find((f) => f.length > 2 && lengths(f).some((p) => p.token === tok && p.len === len))!).find((t) => t.token === tok)!;
    };
    sock.send(JSON.stringify({ a: 'subscribe', v: [infy, nifty] }));
    const q = await seen('quote', infy, 44);
    expect(Object.keys(q).sort()).toEqual(Object.keys(mq.tick).sort());
    const f = await seen('full', infy, 184);
    expect(Object.keys(f).sort()).toEqual(Object.keys(mf.tick).sort());
    expect((await seen('ltp', infy, 8)).lastPrice).toBeGreaterThan(0);
    const iq = await seen('quote', nifty, 28);
    expect(iq.tradable).toBe(false);
    const ifull = await seen('full', nifty, 32);
    expect(ifull.exchangeTime).toBeGreaterThan(0);
    expect((await seen('ltp', nifty, 8)).tradable).toBe(false);

    await ok('POST', '/orders/regular', { exchange: 'NSE', tradingsymbol: 'ITC', transaction_type: 'BUY', order_type: 'MARKET', quantity: '1', product: 'CNC', market_protection: '-1' });
    await until(() => texts.some((t) => t.includes('"type":"order"')), 10_000, 'an order update');
    const upd = JSON.parse(texts.find((t) => t.includes('"type":"order"'))!) as { data: unknown };
    const postback = JSON.parse(readFileSync(join(MOCKS, 'postback.json'), 'utf8')) as unknown;
    // postback.json (2022) is an order row plus user_id, app_id, unfilled_quantity, checksum; newer rows carry more fields (orders.json)
    expect(compareSchema(upd.data, union(postback, ...(mock('orders.json').data as unknown[])))).toEqual([]);
  });

  it('DELETE /session/token ≈ session_logout.json', async () => {
    expect(compare(await ok('DELETE', `/session/token?api_key=${KEY}&access_token=${token}`), mock('session_logout.json').data)).toEqual([]);
  });
});
