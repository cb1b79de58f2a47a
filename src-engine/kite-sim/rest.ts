/**
 * The REST half of the Kite simulator: routing, Kite's envelope, auth, the order rate limit and
 * injected failures. Handlers never throw out of here: every error becomes Kite's error envelope.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionStore } from './auth.js';
import type { SimExchange } from './exchange.js';
import type { SimHistory } from './historical.js';
import { instrumentsCsv, type SimInstrument } from './instruments.js';
import {
  errorBody,
  errorTypeForStatus,
  inputError,
  istString,
  KiteApiError,
  parseIstString,
  rupees,
  successBody,
} from './kite-json.js';
import { endpointClass, type EndpointLimits } from './rate-limiter.js';
import { fullProfileOf, type GttBook, type MarginCalculator, parseJsonArray, profileOf } from './rest-extras.js';

const MAX_BODY = 1024 * 1024;
const KNOWN_EXCHANGES = new Set(['NSE', 'BSE', 'NFO', 'BFO', 'CDS', 'BCD', 'MCX', 'NSEIX']);
const QUOTE_LIMITS = { quote: 500, ohlc: 1000, ltp: 1000 } as const;

export interface RestContext {
  apiKey: string;
  exchange: SimExchange;
  sessions: SessionStore;
  instruments: readonly SimInstrument[];
  /** Per-endpoint rate limits (quote 1/s, historical 3/s, orders 10/s + 400/min + 5000/day, others 10/s). */
  limits: EndpointLimits;
  /** Static-IP rule for the order endpoints: the allowed client addresses, or undefined = any. */
  allowedOrderIps: () => readonly string[] | undefined;
  seed: number;
  /** Where /connect/login redirects (request_token etc. are appended). */
  redirectUrl: () => string;
  /** Consumes one injected failure, returning its status, or undefined. */
  takeInjectedFailure: () => number | undefined;
  /** Consumes one "accept the order, drop the reply" fault (true = drop this placement's reply). */
  takeDroppedReply?: () => boolean;
  /** Every order placement request that got past the session check: wall-clock arrival (as the rate limits count it), its tag, the HTTP status it got (200 placed, 429 rate-limited, or another refusal). */
  onOrderPlacement?: (r: { at: number; tag: string | null; status: number }) => void;
  /** Called after a successful logout / session (the ticker closes sockets of dead tokens). */
  onSessionsChanged: () => void;
  user: { userId: string; userName: string; email: string };
  /** /margins/orders, /margins/basket, /charges/orders. */
  margins: MarginCalculator;
  /** /gtt/triggers. */
  gtt: GttBook;
  /** /instruments/historical: synthetic history anchored to the start + the recorded live bars. */
  history: SimHistory;
}

class Reply {
  constructor(
    readonly status: number,
    readonly contentType: string,
    readonly body: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

const json = (data: unknown, status = 200): Reply => new Reply(status, 'application/json', JSON.stringify(successBody(data)));

/** The order was accepted at the exchange; the reply is never sent (the connection is destroyed instead). */
const DROPPED = new Reply(0, '', '');

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(inputError('Request body too large.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function formParams(query: URLSearchParams, body: string, contentType: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of query) out[k] = v;
  if (body && !(contentType ?? '').includes('application/json')) {
    for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  }
  return out;
}

/** "::ffff:127.0.0.1" → "127.0.0.1". */
function normaliseIp(a: string | undefined): string {
  return (a ?? '').replace(/^::ffff:/, '');
}

export class KiteRestApi {
  constructor(private readonly c: RestContext) {}

  /** The node:http request handler. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const arrivedAt = Date.now(); // Kite counts a request against its rate limits when it arrives
    void this.dispatch(req, arrivedAt)
      .catch((e: unknown) => {
        if (e instanceof KiteApiError) return new Reply(e.status, 'application/json', JSON.stringify(errorBody(e.errorType, e.message)));
        const msg = e instanceof Error ? e.message : String(e);
        return new Reply(500, 'application/json', JSON.stringify(errorBody('GeneralException', `Internal simulator error: ${msg}`)));
      })
      .then((r) => {
        if (res.headersSent) return;
        if (r === DROPPED) {
          // as a reply lost on the way back: the client sees the connection reset, no status, no body
          req.socket.destroy();
          return;
        }
        res.writeHead(r.status, { 'Content-Type': r.contentType, 'Content-Length': Buffer.byteLength(r.body), ...r.headers });
        res.end(r.body);
      });
  }

  private async dispatch(req: IncomingMessage, arrivedAt: number): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    const p = formParams(url.searchParams, body, req.headers['content-type']);
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const path = '/' + parts.join('/');

    const injected = this.c.takeInjectedFailure();
    if (injected !== undefined) {
      throw new KiteApiError(errorTypeForStatus(injected), injected === 503 ? 'Service unavailable (injected by the simulator).' : `Injected failure (HTTP ${injected}).`, injected);
    }

    // --- unauthenticated routes
    if (path === '/connect/login' && method === 'GET') return this.login(url.searchParams);
    if (path === '/sim/redirect' && method === 'GET') {
      return new Reply(200, 'text/plain; charset=utf-8', `KiteDesk simulator login redirect\n${url.searchParams.toString()}\n`);
    }
    if (path === '/session/token' && method === 'POST') return this.session(p);
    if (path === '/session/token' && method === 'DELETE') {
      this.c.sessions.logout(p['access_token'] ?? /:(\S+)$/.exec(req.headers.authorization ?? '')?.[1]);
      this.c.onSessionsChanged();
      return json(true);
    }
    if (parts[0] === 'instruments' && parts[1] !== 'historical' && parts.length <= 2 && method === 'GET') {
      return this.instrumentsCsv(parts[1]);
    }

    // --- everything else needs a session
    this.c.sessions.authenticate(req.headers.authorization);
    const cls = endpointClass(method, path);
    const limited = this.c.limits.acquire(cls, arrivedAt);
    const placement = parts[0] === 'orders' && method === 'POST' && parts.length === 2;
    const tag = typeof p['tag'] === 'string' && p['tag'] !== '' ? p['tag'] : null;
    if (limited) {
      if (placement) this.c.onOrderPlacement?.({ at: arrivedAt, tag, status: 429 });
      throw new KiteApiError('NetworkException', limited, 429);
    }
    const allowed = cls === 'order' ? this.c.allowedOrderIps() : undefined;
    if (allowed && !allowed.includes(normaliseIp(req.socket.remoteAddress))) {
      // Since 2026-04-01 order requests must come from a registered static IP (kite-protocol.md §2.15); the exact reply is undocumented (§5).
      throw new KiteApiError('PermissionException', `Orders are allowed only from the registered static IPs. This request came from ${normaliseIp(req.socket.remoteAddress)}.`, 403);
    }
    const ex = this.c.exchange;

    if (parts[0] === 'orders' && method !== 'GET') {
      if (method === 'POST' && parts.length === 2) {
        let placed: Reply;
        try {
          placed = json(p['autoslice'] === 'true' ? ex.placeAutoslice(parts[1]!, p) : { order_id: ex.place(parts[1]!, p).orderId });
        } catch (e) {
          this.c.onOrderPlacement?.({ at: arrivedAt, tag, status: e instanceof KiteApiError ? e.status : 500 });
          throw e;
        }
        this.c.onOrderPlacement?.({ at: arrivedAt, tag, status: 200 });
        // only an accepted placement loses its reply (a refusal above answers as usual)
        return this.c.takeDroppedReply?.() === true ? DROPPED : placed;
      }
      if (method === 'PUT' && parts.length === 3) return json({ order_id: ex.modify(parts[1]!, parts[2]!, p).orderId });
      if (method === 'DELETE' && parts.length === 3) return json({ order_id: ex.cancel(parts[1]!, parts[2]!).orderId });
      return this.notFound(method, path);
    }
    if (method === 'POST' && path === '/margins/orders') return json(this.c.margins.orders(parseJsonArray(body)));
    if (method === 'POST' && path === '/margins/basket') return json(this.c.margins.basket(parseJsonArray(body)));
    if (method === 'POST' && path === '/charges/orders') return json(this.c.margins.contractNote(parseJsonArray(body)));
    if (method === 'PUT' && path === '/portfolio/positions') return json(ex.convertPosition(p));
    if (parts[0] === 'gtt' && parts[1] === 'triggers') {
      if (method === 'POST' && parts.length === 2) return json(this.c.gtt.place(p));
      if (method === 'PUT' && parts.length === 3) return json(this.c.gtt.modify(parts[2]!, p));
      if (method === 'DELETE' && parts.length === 3) return json(this.c.gtt.delete(parts[2]!));
      if (method === 'GET' && parts.length === 2) return json(this.c.gtt.all());
      if (method === 'GET' && parts.length === 3) return json(this.c.gtt.get(parts[2]!));
    }
    if (method !== 'GET') return this.notFound(method, path);

    switch (path) {
      case '/user/profile':
        return json(this.profile());
      case '/user/profile/full':
        return json(fullProfileOf(this.c.user));
      case '/user/margins':
        return json({ equity: this.equityMargins(), commodity: this.commodityMargins() });
      case '/user/margins/equity':
        return json(this.equityMargins());
      case '/user/margins/commodity':
        return json(this.commodityMargins());
      case '/orders':
        return json(ex.allOrders().map((o) => ex.rowOf(o)));
      case '/trades':
        return json(ex.trades().map((t) => ex.tradeRow(t)));
      case '/portfolio/positions': {
        const rows = ex.positionRows();
        return json({ net: rows, day: rows });
      }
      case '/portfolio/holdings':
        return json(ex.holdingRows());
      case '/quote':
        return json(this.quotes(url.searchParams, 'quote'));
      case '/quote/ohlc':
        return json(this.quotes(url.searchParams, 'ohlc'));
      case '/quote/ltp':
        return json(this.quotes(url.searchParams, 'ltp'));
    }
    if (parts[0] === 'orders' && parts.length === 2) return json(ex.get(parts[1]!).history);
    if (parts[0] === 'orders' && parts.length === 3 && parts[2] === 'trades') {
      ex.get(parts[1]!);
      return json(ex.trades(parts[1]!).map((t) => ex.tradeRow(t)));
    }
    if (parts[0] === 'user' && parts[1] === 'margins' && parts.length === 3) throw inputError('Invalid segment.');
    if (parts[0] === 'instruments' && parts[1] === 'historical' && parts.length === 4) return this.historical(parts[2]!, parts[3]!, p);
    return this.notFound(method, path);
  }

  private notFound(method: string, path: string): never {
    throw new KiteApiError('GeneralException', `Route not found: ${method} ${path}`, 404);
  }

  private login(q: URLSearchParams): Reply {
    const token = this.c.sessions.issueRequestToken(q.get('api_key'));
    const target = new URL(this.c.redirectUrl());
    const extra = q.get('redirect_params');
    if (extra) for (const [k, v] of new URLSearchParams(extra)) target.searchParams.set(k, v);
    target.searchParams.set('action', 'login');
    target.searchParams.set('type', 'login');
    target.searchParams.set('status', 'success');
    target.searchParams.set('request_token', token);
    return new Reply(302, 'text/html; charset=utf-8', `<a href="${target.href}">Found</a>\n`, { Location: target.href });
  }

  private profile(): Record<string, unknown> {
    return profileOf(this.c.user);
  }

  private session(p: Record<string, string>): Reply {
    const s = this.c.sessions.exchange(p['api_key'], p['request_token'], p['checksum']);
    return json({
      ...this.profile(),
      api_key: this.c.apiKey,
      access_token: s.accessToken,
      public_token: s.publicToken,
      enctoken: s.enctoken,
      refresh_token: '',
      silo: '',
      login_time: istString(s.loginTime),
    });
  }

  private equityMargins(): Record<string, unknown> {
    const f = this.c.exchange.funds();
    const opening = this.c.exchange.openingBalancePaise;
    return {
      enabled: true,
      net: rupees(f.net),
      available: {
        adhoc_margin: 0,
        cash: rupees(opening),
        opening_balance: rupees(opening),
        live_balance: rupees(f.net),
        collateral: 0,
        intraday_payin: 0,
      },
      utilised: {
        debits: rupees(f.debits),
        exposure: 0,
        m2m_realised: rupees(f.realised),
        m2m_unrealised: rupees(f.unrealised),
        option_premium: 0,
        payout: 0,
        span: 0,
        holding_sales: 0,
        turnover: 0,
        liquid_collateral: 0,
        stock_collateral: 0,
        delivery: 0,
      },
    };
  }

  private commodityMargins(): Record<string, unknown> {
    const zero = { adhoc_margin: 0, cash: 0, opening_balance: 0, live_balance: 0, collateral: 0, intraday_payin: 0 };
    const used = {
      debits: 0, exposure: 0, m2m_realised: 0, m2m_unrealised: 0, option_premium: 0, payout: 0, span: 0,
      holding_sales: 0, turnover: 0, liquid_collateral: 0, stock_collateral: 0, delivery: 0,
    };
    return { enabled: true, net: 0, available: zero, utilised: used };
  }

  private quotes(q: URLSearchParams, kind: 'quote' | 'ohlc' | 'ltp'): Record<string, unknown> {
    const keys = q.getAll('i');
    if (keys.length > QUOTE_LIMITS[kind]) throw inputError(`Too many instruments: at most ${QUOTE_LIMITS[kind]} per request.`);
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const st = /^\d+$/.test(k) ? this.c.exchange.states.get(Number(k)) : this.c.exchange.lookup(k);
      if (st) out[k] = this.c.exchange.quoteRow(st, kind);
    }
    return out;
  }

  private instrumentsCsv(exchange: string | undefined): Reply {
    if (exchange !== undefined && !KNOWN_EXCHANGES.has(exchange)) throw inputError('Invalid `exchange`.');
    const list = this.c.instruments.filter((i) => exchange === undefined || i.exchange === exchange);
    const csv = instrumentsCsv(list, (i) => this.c.exchange.states.get(i.token)?.closePaise ?? i.basePaise);
    return new Reply(200, 'text/csv', csv);
  }

  private historical(tokenStr: string, interval: string, p: Record<string, string>): Reply {
    const token = Number(tokenStr);
    const st = /^\d+$/.test(tokenStr) ? this.c.exchange.states.get(token) : undefined;
    if (!st) throw inputError('invalid token');
    const from = parseIstString(p['from'] ?? '');
    const to = parseIstString(p['to'] ?? '');
    if (from === undefined || to === undefined) throw inputError('invalid from/to: expected yyyy-mm-dd hh:mm:ss');
    const rows = this.c.history.candles(st.inst, { interval, from, to, oi: p['oi'] === '1' || p['oi'] === 'true' });
    return json({ candles: rows });
  }
}
