/**
 * The Kite simulator's secondary REST surface: the full profile, GTT triggers, the order / basket
 * margin calculators, the virtual contract note (/charges/orders). Shapes follow the official
 * mocks (full_profile.json, gtt_*.json, order_margins.json, basket_margins.json,
 * virtual_contract_note.json); the numbers are ours (see README.md "Margins and charges" for which
 * rates are facts and which are guesses). Integer paise inside, rupees only in the JSON.
 */
import { nseCalendar } from '../core/nse-calendar.js';
import { orderCharges, type ChargeExchange, type ChargeSegment } from '../execution/charges.js';
import type { InstrumentState, SimExchange } from './exchange.js';
import type { SimInstrument } from './instruments.js';
import { inputError, istString, KiteApiError, parseRupeesToPaise, rupees } from './kite-json.js';

// -------------------------------------------------------------------------------------------------
// Profile

export interface SimUser {
  userId: string;
  userName: string;
  email: string;
}

/** GET /user/profile (profile.json's fields). */
export function profileOf(u: SimUser): Record<string, unknown> {
  return {
    user_id: u.userId,
    user_type: 'individual',
    email: u.email,
    user_name: u.userName,
    user_shortname: u.userName.split(' ')[0],
    broker: 'ZERODHA',
    exchanges: ['NSE', 'NFO', 'BFO', 'CDS', 'BSE', 'MCX', 'BCD', 'MF'],
    products: ['CNC', 'NRML', 'MIS', 'BO', 'CO'],
    order_types: ['MARKET', 'LIMIT', 'SL', 'SL-M'],
    avatar_url: null,
    meta: { demat_consent: 'physical' },
  };
}

/** GET /user/profile/full (full_profile.json's fields: masked phone, PAN, bank and DP ids; `meta.poa`, not `demat_consent`). */
export function fullProfileOf(u: SimUser): Record<string, unknown> {
  const { meta: _meta, ...base } = profileOf(u);
  return {
    ...base,
    twofa_type: 'totp',
    phone: '*0000',
    bank_accounts: [{ name: 'KITEDESK SIMULATED BANK', branch: '', account: '*0000' }],
    dp_ids: ['SIM0000000000000'],
    pan: '*000S',
    tags: [],
    // the mock has the epoch here too (masked); a constant keeps responses reproducible
    password_timestamp: '1970-01-01 00:00:00',
    twofa_timestamp: '1970-01-01 00:00:00',
    meta: { poa: 'physical', silo: '', account_blocks: [] },
  };
}

// -------------------------------------------------------------------------------------------------
// Charges and margins

interface ChargeRow {
  transaction_tax: number;
  transaction_tax_type: string;
  exchange_turnover_charge: number;
  sebi_turnover_charge: number;
  brokerage: number;
  stamp_duty: number;
  gst: { igst: number; cgst: number; sgst: number; total: number };
  total: number;
}

const zeroCharges = (taxType = ''): ChargeRow => ({
  transaction_tax: 0,
  transaction_tax_type: taxType,
  exchange_turnover_charge: 0,
  sebi_turnover_charge: 0,
  brokerage: 0,
  stamp_duty: 0,
  gst: { igst: 0, cgst: 0, sgst: 0, total: 0 },
  total: 0,
});

type Kind = 'equity' | 'future' | 'option';

function kindOf(instrumentType: string): Kind {
  return instrumentType === 'FUT' ? 'future' : instrumentType === 'CE' || instrumentType === 'PE' ? 'option' : 'equity';
}

function chargeExchange(exchange: string): ChargeExchange | undefined {
  if (exchange === 'NSE' || exchange === 'NFO') return 'NSE';
  if (exchange === 'BSE' || exchange === 'BFO') return 'BSE';
  return undefined;
}

/**
 * Zerodha's charges for one order of `qty` units worth `valuePaise`, as a Kite charges object. NSE/BSE
 * equity and F&O use the engine's dated schedule (execution/charges-schedule.ts, sources cited
 * there); other exchanges (MCX, CDS) answer zeros — not simulated. The DP charge is not part of
 * this object on Kite (it is not in the mock), so `total` leaves it out.
 */
export function chargesRow(o: { exchange: string; kind: Kind; product: string; side: 'BUY' | 'SELL'; qty: number; valuePaise: number; now: number }): ChargeRow {
  const exch = chargeExchange(o.exchange);
  if (!exch) return zeroCharges(o.exchange === 'MCX' ? 'ctt' : 'stt');
  let segment: ChargeSegment;
  if (o.kind === 'equity') segment = o.product === 'MIS' ? 'equity-intraday' : 'equity-delivery';
  else segment = o.kind === 'future' ? 'futures' : 'options';
  const c = orderCharges({ segment, exchange: exch, side: o.side, qty: o.qty, valuePaise: o.valuePaise, date: nseCalendar.session(o.now)?.date ?? istDate(o.now) });
  const shown = c.sttPaise + c.exchangeTxnPaise + c.sebiPaise + c.brokeragePaise + c.stampDutyPaise + c.gstPaise;
  return {
    transaction_tax: rupees(c.sttPaise),
    transaction_tax_type: 'stt',
    exchange_turnover_charge: rupees(c.exchangeTxnPaise),
    sebi_turnover_charge: rupees(c.sebiPaise),
    brokerage: rupees(c.brokeragePaise),
    stamp_duty: rupees(c.stampDutyPaise),
    gst: { igst: rupees(c.gstPaise), cgst: 0, sgst: 0, total: rupees(c.gstPaise) },
    total: rupees(shown),
  };
}

function istDate(epochMs: number): string {
  return istString(epochMs).slice(0, 10);
}

/** Margin rates (fractions). GUESSES in the spirit of SEBI's framework, not Zerodha's live SPAN files. */
export const MARGIN_RATES = Object.freeze({
  /** MIS equity: at least 20 % of the value (SEBI peak-margin rule; Zerodha's MIS leverage is up to 5×). */
  equityIntraday: 0.2,
  /** SPAN on the notional: index / stock derivatives. Guess. */
  spanIndex: 0.09,
  spanStock: 0.15,
  /** Exposure margin on the notional: index 2 %, stock 3.5 % (order of magnitude of NSE's ELM; guess). */
  exposureIndex: 0.02,
  exposureStock: 0.035,
});

interface MarginRequest {
  exchange: string;
  tradingsymbol: string;
  transaction_type: 'BUY' | 'SELL';
  variety: string;
  product: string;
  order_type: string;
  quantity: number;
  pricePaise: number;
  triggerPaise: number;
}

interface MarginParts {
  st: InstrumentState;
  req: MarginRequest;
  spanPaise: number;
  exposurePaise: number;
  premiumPaise: number;
  varPaise: number;
  leverage: number;
  charges: ChargeRow;
}

/** A JSON array of order objects (/margins/*, /charges/orders): InputException when the body is not one. */
export function parseJsonArray(body: string): Record<string, unknown>[] {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    throw inputError('Invalid JSON body: expected an array of orders.');
  }
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) {
    throw inputError('Invalid JSON body: expected a non-empty array of orders.');
  }
  return v as Record<string, unknown>[];
}

function num(v: unknown, name: string, i: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : v === undefined || v === null ? 0 : NaN;
  if (!Number.isFinite(n) || n < 0) throw inputError(`Invalid \`${name}\` in order ${i + 1}.`);
  return n;
}

function text(v: unknown, name: string, i: number): string {
  if (typeof v !== 'string' || v === '') throw inputError(`Missing \`${name}\` in order ${i + 1}.`);
  return v;
}

export class MarginCalculator {
  constructor(
    private readonly ex: SimExchange,
    /** The underlying's last price for a derivative (paise), if the simulator knows it. */
    private readonly underlyingPaise: (inst: SimInstrument) => number | undefined,
  ) {}

  private parse(o: Record<string, unknown>, i: number): { st: InstrumentState; req: MarginRequest } {
    const exchange = text(o['exchange'], 'exchange', i);
    const tradingsymbol = text(o['tradingsymbol'], 'tradingsymbol', i);
    const st = this.ex.lookupSymbol(exchange, tradingsymbol);
    if (!st) throw inputError(`Invalid \`tradingsymbol\` in order ${i + 1}: ${exchange}:${tradingsymbol}.`);
    const side = o['transaction_type'];
    if (side !== 'BUY' && side !== 'SELL') throw inputError(`Invalid \`transaction_type\` in order ${i + 1}.`);
    const quantity = num(o['quantity'], 'quantity', i);
    if (!Number.isInteger(quantity) || quantity <= 0) throw inputError(`Invalid \`quantity\` in order ${i + 1}.`);
    const price = parseRupeesToPaise(String(num(o['price'], 'price', i))) ?? 0;
    const trigger = parseRupeesToPaise(String(num(o['trigger_price'], 'trigger_price', i))) ?? 0;
    return {
      st,
      req: {
        exchange,
        tradingsymbol,
        transaction_type: side,
        variety: typeof o['variety'] === 'string' ? o['variety'] : 'regular',
        product: typeof o['product'] === 'string' ? o['product'] : 'CNC',
        order_type: typeof o['order_type'] === 'string' ? o['order_type'] : 'MARKET',
        quantity,
        pricePaise: price,
        triggerPaise: trigger,
      },
    };
  }

  private parts(st: InstrumentState, req: MarginRequest): MarginParts {
    const inst = st.inst;
    const kind = kindOf(inst.instrumentType);
    const pricePaise = req.pricePaise > 0 ? req.pricePaise : req.triggerPaise > 0 ? req.triggerPaise : st.lastPaise;
    const value = pricePaise * req.quantity;
    const isIndex = inst.underlyingIsIndex === true;
    let spanPaise = 0;
    let exposurePaise = 0;
    let premiumPaise = 0;
    let varPaise = 0;
    let leverage = 1;
    if (kind === 'equity') {
      if (req.product === 'MIS') {
        varPaise = Math.round(value * MARGIN_RATES.equityIntraday);
        leverage = Math.round(1 / MARGIN_RATES.equityIntraday);
      } else if (req.transaction_type === 'BUY') {
        varPaise = value; // CNC buy: the full value (order_margins.json: INFY 1 × 1498 → var 1498, total 1498)
      }
    } else if (kind === 'option' && req.transaction_type === 'BUY') {
      premiumPaise = value;
    } else {
      const u = kind === 'future' ? pricePaise : (this.underlyingPaise(inst) ?? inst.strikePaise ?? st.lastPaise);
      const notional = u * req.quantity;
      spanPaise = Math.round(notional * (isIndex ? MARGIN_RATES.spanIndex : MARGIN_RATES.spanStock));
      exposurePaise = Math.round(notional * (isIndex ? MARGIN_RATES.exposureIndex : MARGIN_RATES.exposureStock));
    }
    const charges = chargesRow({ exchange: inst.exchange, kind, product: req.product, side: req.transaction_type, qty: req.quantity, valuePaise: value, now: this.ex.now() });
    return { st, req, spanPaise, exposurePaise, premiumPaise, varPaise, leverage, charges };
  }

  private element(m: MarginParts): Record<string, unknown> {
    return {
      type: 'equity',
      tradingsymbol: m.st.inst.tradingsymbol,
      exchange: m.st.inst.exchange,
      span: rupees(m.spanPaise),
      exposure: rupees(m.exposurePaise),
      option_premium: rupees(m.premiumPaise),
      additional: 0,
      bo: 0,
      cash: 0,
      var: rupees(m.varPaise),
      pnl: { realised: 0, unrealised: 0 },
      leverage: m.leverage,
      charges: m.charges,
      total: rupees(m.spanPaise + m.exposurePaise + m.premiumPaise + m.varPaise),
    };
  }

  /** POST /margins/orders. `mode=compact` is accepted and answers the same full elements (the compact shape is not in the mocks). */
  orders(list: Record<string, unknown>[]): Record<string, unknown>[] {
    return list.map((o, i) => {
      const { st, req } = this.parse(o, i);
      return this.element(this.parts(st, req));
    });
  }

  /**
   * POST /margins/basket: `initial` = the sum of the orders; `final` nets option premium received on
   * sells against premium paid (as in basket_margins.json, where final.option_premium < 0). Spread
   * and hedge benefits on SPAN are NOT simulated (final.span = initial.span).
   */
  basket(list: Record<string, unknown>[]): Record<string, unknown> {
    const parts = list.map((o, i) => {
      const { st, req } = this.parse(o, i);
      return this.parts(st, req);
    });
    const sum = (f: (m: MarginParts) => number) => parts.reduce((a, m) => a + f(m), 0);
    const span = sum((m) => m.spanPaise);
    const exposure = sum((m) => m.exposurePaise);
    const varP = sum((m) => m.varPaise);
    const paid = sum((m) => m.premiumPaise);
    const received = sum((m) => (kindOf(m.st.inst.instrumentType) === 'option' && m.req.transaction_type === 'SELL' ? m.req.quantity * (m.req.pricePaise || m.st.lastPaise) : 0));
    const agg = (premium: number) => ({
      type: '',
      tradingsymbol: '',
      exchange: '',
      span: rupees(span),
      exposure: rupees(exposure),
      option_premium: rupees(premium),
      additional: 0,
      bo: 0,
      cash: 0,
      var: rupees(varP),
      pnl: { realised: 0, unrealised: 0 },
      leverage: 0,
      charges: zeroCharges(),
      total: rupees(span + exposure + varP + premium),
    });
    const totals = parts.reduce(
      (a, m) => {
        const c = m.charges;
        a.brokerage += Math.round(c.brokerage * 100);
        a.sebi += Math.round(c.sebi_turnover_charge * 100);
        return a;
      },
      { brokerage: 0, sebi: 0 },
    );
    // basket_margins.json's top-level `charges` carries brokerage and the SEBI fee only (the rest 0); we copy that shape
    const charges = { ...zeroCharges(), brokerage: rupees(totals.brokerage), sebi_turnover_charge: rupees(totals.sebi) };
    return { initial: agg(paid), final: agg(paid - received), orders: parts.map((m) => this.element(m)), charges };
  }

  /** POST /charges/orders: the virtual contract note of executed orders (`average_price` is the price). */
  contractNote(list: Record<string, unknown>[]): Record<string, unknown>[] {
    return list.map((o, i) => {
      const exchange = text(o['exchange'], 'exchange', i);
      const tradingsymbol = text(o['tradingsymbol'], 'tradingsymbol', i);
      const side = o['transaction_type'];
      if (side !== 'BUY' && side !== 'SELL') throw inputError(`Invalid \`transaction_type\` in order ${i + 1}.`);
      const quantity = num(o['quantity'], 'quantity', i);
      if (!Number.isInteger(quantity) || quantity <= 0) throw inputError(`Invalid \`quantity\` in order ${i + 1}.`);
      const avg = num(o['average_price'] ?? o['price'], 'average_price', i);
      const pricePaise = parseRupeesToPaise(String(avg)) ?? 0;
      const st = this.ex.lookupSymbol(exchange, tradingsymbol);
      // Unknown symbols are fine here (the note needs only the numbers); the kind then follows the symbol's suffix.
      const kind = st ? kindOf(st.inst.instrumentType) : /FUT$/.test(tradingsymbol) ? 'future' : /(CE|PE)$/.test(tradingsymbol) ? 'option' : 'equity';
      const product = typeof o['product'] === 'string' ? o['product'] : 'CNC';
      return {
        transaction_type: side,
        tradingsymbol,
        exchange,
        variety: typeof o['variety'] === 'string' ? o['variety'] : 'regular',
        product,
        order_type: typeof o['order_type'] === 'string' ? o['order_type'] : 'MARKET',
        quantity,
        price: rupees(pricePaise),
        charges: chargesRow({ exchange, kind, product, side, qty: quantity, valuePaise: pricePaise * quantity, now: this.ex.now() }),
      };
    });
  }
}

// -------------------------------------------------------------------------------------------------
// GTT

export type GttStatus = 'active' | 'triggered' | 'disabled' | 'expired' | 'cancelled' | 'rejected' | 'deleted';

interface GttOrderSpec {
  exchange: string;
  tradingsymbol: string;
  product: string;
  order_type: string;
  transaction_type: 'BUY' | 'SELL';
  quantity: number;
  pricePaise: number;
  result: Record<string, unknown> | null;
}

interface Gtt {
  id: number;
  type: 'single' | 'two-leg';
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  status: GttStatus;
  st: InstrumentState;
  /** last_price given at creation (decides the direction of a single trigger), paise. */
  refPaise: number;
  triggers: number[];
  orders: GttOrderSpec[];
}

const YEAR_MS = 365 * 86_400_000;
/** Kite's limit on active GTTs per account (docs: 250 at the time of writing; [S]). */
export const MAX_ACTIVE_GTTS = 250;

function parseJsonField(v: string | undefined, name: string): unknown {
  if (v === undefined || v === '') throw inputError(`Missing \`${name}\`.`);
  try {
    return JSON.parse(v);
  } catch {
    throw inputError(`Invalid \`${name}\`: not JSON.`);
  }
}

/**
 * GTT triggers (kite-protocol.md §2.12). A single trigger fires when the last price crosses its value
 * from the side it was created on (the `last_price` in the condition); a two-leg (OCO) fires its
 * first order at or below the lower value, its second at or above the upper. Firing places a
 * regular LIMIT order through the exchange and records the result like gtt_get_order.json.
 */
export class GttBook {
  private readonly list: Gtt[] = [];
  private readonly byToken = new Map<number, Gtt[]>();
  private nextId = 100_001;

  constructor(
    private readonly ex: SimExchange,
    private readonly userId: string,
    private readonly appId: number,
  ) {}

  place(p: Record<string, string | undefined>): { trigger_id: number } {
    const g = this.build(p);
    if (this.list.filter((x) => x.status === 'active').length >= MAX_ACTIVE_GTTS) throw inputError(`You can have at most ${MAX_ACTIVE_GTTS} active GTTs.`);
    g.id = this.nextId++;
    this.list.push(g);
    const arr = this.byToken.get(g.st.inst.token) ?? [];
    arr.push(g);
    this.byToken.set(g.st.inst.token, arr);
    return { trigger_id: g.id };
  }

  modify(id: string, p: Record<string, string | undefined>): { trigger_id: number } {
    const g = this.need(id);
    if (g.status !== 'active') throw inputError(`GTT cannot be modified as it is ${g.status}.`);
    const n = this.build(p);
    if (n.st !== g.st) throw inputError('The instrument of a GTT cannot be changed.');
    Object.assign(g, { type: n.type, refPaise: n.refPaise, triggers: n.triggers, orders: n.orders, updatedAt: this.ex.now() });
    return { trigger_id: g.id };
  }

  delete(id: string): { trigger_id: number } {
    const g = this.need(id);
    if (g.status === 'deleted') throw inputError('GTT is already deleted.');
    g.status = 'deleted';
    g.updatedAt = this.ex.now();
    return { trigger_id: g.id };
  }

  get(id: string): Record<string, unknown> {
    return this.row(this.need(id));
  }

  /** GET /gtt/triggers: every trigger not deleted, newest first. */
  all(): Record<string, unknown>[] {
    this.expire();
    return this.list.filter((g) => g.status !== 'deleted').reverse().map((g) => this.row(g));
  }

  /** Call after each market tick of `token`: fires active triggers it crosses. */
  onPrice(token: number): void {
    const arr = this.byToken.get(token);
    if (!arr) return;
    const now = this.ex.now();
    for (const g of arr) {
      if (g.status !== 'active') continue;
      if (now >= g.expiresAt) {
        g.status = 'expired';
        continue;
      }
      const ltp = g.st.lastPaise;
      let leg = -1;
      if (g.type === 'single') {
        const t = g.triggers[0]!;
        if (g.refPaise < t ? ltp >= t : ltp <= t) leg = 0;
      } else if (ltp <= g.triggers[0]!) leg = 0;
      else if (ltp >= g.triggers[1]!) leg = 1;
      if (leg >= 0) this.fire(g, leg, ltp, now);
    }
  }

  private fire(g: Gtt, leg: number, ltp: number, now: number): void {
    const o = g.orders[leg]!;
    let orderResult: Record<string, unknown>;
    try {
      const placed = this.ex.place('regular', {
        exchange: o.exchange,
        tradingsymbol: o.tradingsymbol,
        transaction_type: o.transaction_type,
        order_type: o.order_type,
        quantity: String(o.quantity),
        product: o.product,
        price: String(rupees(o.pricePaise)),
        validity: 'DAY',
      });
      orderResult = { status: 'success', order_id: placed.orderId, rejection_reason: '' };
    } catch (e) {
      orderResult = { status: 'failed', order_id: '', rejection_reason: e instanceof Error ? e.message : String(e) };
    }
    o.result = {
      account_id: this.userId,
      exchange: o.exchange,
      tradingsymbol: o.tradingsymbol,
      validity: 'DAY',
      product: o.product,
      order_type: o.order_type,
      transaction_type: o.transaction_type,
      quantity: o.quantity,
      price: rupees(o.pricePaise),
      meta: JSON.stringify({ app_id: this.appId, gtt: g.id }),
      timestamp: istString(now),
      triggered_at: rupees(ltp),
      order_result: orderResult,
    };
    g.status = 'triggered';
    g.updatedAt = now;
  }

  private expire(): void {
    const now = this.ex.now();
    for (const g of this.list) if (g.status === 'active' && now >= g.expiresAt) g.status = 'expired';
  }

  private need(id: string): Gtt {
    this.expire();
    const g = /^\d+$/.test(id) ? this.list.find((x) => x.id === Number(id)) : undefined;
    if (!g) throw new KiteApiError('InputException', 'Invalid trigger ID.');
    return g;
  }

  private build(p: Record<string, string | undefined>): Gtt {
    const type = p['type'];
    if (type !== 'single' && type !== 'two-leg') throw inputError('Invalid `type`: single or two-leg.');
    const cond = parseJsonField(p['condition'], 'condition') as Record<string, unknown> | null;
    if (!cond || typeof cond !== 'object') throw inputError('Invalid `condition`.');
    const exchange = String(cond['exchange'] ?? '');
    const symbol = String(cond['tradingsymbol'] ?? '');
    const st = this.ex.lookupSymbol(exchange, symbol);
    if (!st) throw inputError('Invalid `tradingsymbol` in `condition`.');
    const tick = st.inst.tickPaise;
    const values = cond['trigger_values'];
    const n = type === 'single' ? 1 : 2;
    if (!Array.isArray(values) || values.length !== n || !values.every((v) => typeof v === 'number' && v > 0)) {
      throw inputError(`Invalid \`trigger_values\`: a ${type} GTT takes ${n} value${n > 1 ? 's' : ''}.`);
    }
    const triggers = (values as number[]).map((v) => Math.round(v * 100));
    if (triggers.some((t) => t % tick !== 0)) throw inputError(`Trigger values must be multiples of the tick size ${rupees(tick).toFixed(2)}.`);
    if (n === 2 && !(triggers[0]! < triggers[1]!)) throw inputError('Invalid `trigger_values`: the lower value must come first.');
    const lastRaw = cond['last_price'];
    const refPaise = typeof lastRaw === 'number' && lastRaw > 0 ? Math.round(lastRaw * 100) : st.lastPaise;
    if (n === 1 && triggers[0] === refPaise) throw inputError('Trigger value cannot be the same as the last price.');
    const ordersRaw = parseJsonField(p['orders'], 'orders');
    if (!Array.isArray(ordersRaw) || ordersRaw.length !== n) throw inputError(`Invalid \`orders\`: a ${type} GTT takes ${n} order${n > 1 ? 's' : ''}.`);
    const orders = (ordersRaw as Record<string, unknown>[]).map((o, i): GttOrderSpec => {
      if (!o || typeof o !== 'object') throw inputError(`Invalid order ${i + 1} in \`orders\`.`);
      const side = o['transaction_type'];
      if (side !== 'BUY' && side !== 'SELL') throw inputError(`Invalid \`transaction_type\` in order ${i + 1}.`);
      const quantity = Number(o['quantity']);
      if (!Number.isInteger(quantity) || quantity <= 0 || quantity % st.inst.lotSize !== 0) throw inputError(`Invalid \`quantity\` in order ${i + 1}.`);
      const price = Number(o['price']);
      const pricePaise = Math.round(price * 100);
      if (!(price > 0) || pricePaise % tick !== 0) throw inputError(`Invalid \`price\` in order ${i + 1}: a positive multiple of the tick size.`);
      const orderType = o['order_type'] ?? 'LIMIT';
      if (orderType !== 'LIMIT') throw inputError('GTT orders must be LIMIT orders.');
      return {
        exchange: String(o['exchange'] ?? exchange),
        tradingsymbol: String(o['tradingsymbol'] ?? symbol),
        product: String(o['product'] ?? 'CNC'),
        order_type: 'LIMIT',
        transaction_type: side,
        quantity,
        pricePaise,
        result: null,
      };
    });
    const now = this.ex.now();
    return { id: 0, type, createdAt: now, updatedAt: now, expiresAt: now + YEAR_MS, status: 'active', st, refPaise, triggers, orders };
  }

  private row(g: Gtt): Record<string, unknown> {
    return {
      id: g.id,
      user_id: this.userId,
      parent_trigger: null,
      type: g.type,
      created_at: istString(g.createdAt),
      updated_at: istString(g.updatedAt),
      expires_at: istString(g.expiresAt),
      status: g.status,
      condition: {
        exchange: g.st.inst.exchange,
        last_price: rupees(g.refPaise),
        tradingsymbol: g.st.inst.tradingsymbol,
        trigger_values: g.triggers.map(rupees),
        instrument_token: g.st.inst.token,
      },
      orders: g.orders.map((o) => ({
        exchange: o.exchange,
        tradingsymbol: o.tradingsymbol,
        product: o.product,
        order_type: o.order_type,
        transaction_type: o.transaction_type,
        quantity: o.quantity,
        price: rupees(o.pricePaise),
        result: o.result,
      })),
      meta: {},
    };
  }
}
