/**
 * Property tests: random strategy intents and manual orders — value typed as quantity, wrong lots,
 * off-tick and far-away prices, above-freeze quantities, after-hours clocks, stale ticks, NaN / float
 * / negative fields — against an independent oracle written here with plain, readable checks.
 *
 *  - soundness: every ALLOW / REDUCE is an order the oracle accepts (after the reduction and split);
 *  - every BLOCK / HALT_SESSION names a rule from RISK_RULES, has a message and numeric numbers;
 *  - completeness: an order the oracle accepts as it stands is ALLOWed unchanged (no false blocks).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { istTime, nseCalendar } from '../core/nse-calendar.js';
import { CLIENT_ID_RE, type OrderRequest, type TradableInstrument } from '../model/order.js';
import { type RiskConfig, parseRiskConfig } from './config.js';
import { RISK_RULES, type RiskDecision, RiskEngine } from './risk-engine.js';
import { FakeAccount, FakeClock, FakeMarket } from './testing.js';

const INSTRUMENTS: TradableInstrument[] = [
  { symbol: 'RELIANCE', exchange: 'NSE', kind: 'equity', tickSizePaise: 10, lotSize: 1 },
  { symbol: 'IDEA', exchange: 'NSE', kind: 'equity', tickSizePaise: 1, lotSize: 1, freezeQty: 50_000 },
  { symbol: 'NIFTYFUT', exchange: 'NFO', kind: 'future', tickSizePaise: 10, lotSize: 75, freezeQty: 1800 },
  { symbol: 'NIFTYCE', exchange: 'NFO', kind: 'option', tickSizePaise: 5, lotSize: 75, freezeQty: 1800 },
  { symbol: 'SENSEXPE', exchange: 'BFO', kind: 'option', tickSizePaise: 5, lotSize: 20, freezeQty: 1000 },
];
const DAYS = ['2025-06-10', '2025-06-11', '2025-06-14' /* Saturday */, '2025-08-15' /* holiday */];
const DAY_PAISE = 100_000_000;

interface Scenario {
  cfg: Record<string, unknown>;
  inst: number; // index into INSTRUMENTS, or -1 for an unknown symbol
  wrongExchange: boolean;
  ltpTicks: number | null;
  tickAgeMs: number | null;
  day: number;
  minuteOfDay: number;
  pos: number; // lots, signed
  pnl: number;
  peakExtra: number;
  open: number;
  trades: number;
  symbolPnl: number;
  marginAvail: number;
  marginBps: number;
  marginFixed: number;
  marginQuad: number;
  sentLastSecond: number;
  state: 'none' | 'halted' | 'kill';
  clientId: string;
  side: 'BUY' | 'SELL';
  orderType: 'MARKET' | 'LIMIT' | 'SL' | 'SL-M';
  product: 'CNC' | 'MIS' | 'NRML';
  variety: 'regular' | 'amo';
  source: 'strategy' | 'manual' | 'exit' | 'squareoff' | 'killswitch';
  strategy: string;
  qtyMode: 'lots' | 'valueAsQty' | 'anyInt' | 'bad';
  qtyN: number;
  badNum: number;
  priceMode: 'nearTicks' | 'offTick' | 'far' | 'bad' | 'absent' | 'auto';
  priceK: number;
  triggerMode: 'nearTicks' | 'offTick' | 'far' | 'bad' | 'absent' | 'auto';
  triggerK: number;
}

const BAD_NUMBERS = [Number.NaN, 0.5, 1.5, -75, -1, 0, Number.POSITIVE_INFINITY, 2 ** 60, 1e-9];

const cfgArb = fc.record(
  {
    maxQty: fc.constantFrom(100_000, 5000, 1000, 150),
    maxOrderValuePaise: fc.constantFrom(10_000_000_000, 100_000_000, 5_000_000),
    freeze: fc.constantFrom('split', 'block'),
    priceBandBps: fc.constantFrom(300, 100, 1000),
    staleAfterMs: fc.constantFrom(5000, 1000),
    marketHours: fc.boolean(),
    checkMargin: fc.boolean(),
    maxDailyLossPaise: fc.constantFrom(2_000_000, 10_000_000),
    perSymbolMaxLossPaise: fc.constantFrom(500_000, 2_000_000),
    maxOpenPositions: fc.constantFrom(10, 3),
    maxTradesPerSymbolPerDay: fc.constantFrom(20, 5),
    strategies: fc.constantFrom({}, { ema: { priceBandBps: 50, maxQty: 300 } }, { ema: { maxDailyLossBps: 100, freeze: 'block' }, manual: { maxOrderValuePaise: 50_000_000 } }),
  },
  { requiredKeys: [] },
);

const mode = <T extends string>(...m: T[]) => fc.constantFrom(...m);

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  cfg: cfgArb,
  inst: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: INSTRUMENTS.length - 1 }) }, { weight: 1, arbitrary: fc.constant(-1) }),
  wrongExchange: fc.oneof({ weight: 30, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  ltpTicks: fc.option(fc.integer({ min: 1, max: 400_000 }), { freq: 30 }),
  tickAgeMs: fc.option(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 1000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 20_000 }) }), { freq: 30 }),
  day: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: fc.constantFrom(2, 3) }),
  minuteOfDay: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 9 * 60 + 15, max: 15 * 60 + 29 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 1439 }) }),
  pos: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -40, max: 40 }) }),
  pnl: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: -2_000_000, max: 3_000_000 }) }, { weight: 1, arbitrary: fc.integer({ min: -12_000_000, max: 0 }) }),
  peakExtra: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 40_000_000 }) }),
  open: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 12 }) }),
  trades: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 25 }) }),
  symbolPnl: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: -400_000, max: 1_000_000 }) }, { weight: 1, arbitrary: fc.integer({ min: -3_000_000, max: 0 }) }),
  marginAvail: fc.oneof({ weight: 3, arbitrary: fc.constant(1e15) }, { weight: 1, arbitrary: fc.constantFrom(100_000_000, 10_000_000, 0) }),
  marginBps: fc.constantFrom(10_000, 2000, 500),
  marginFixed: fc.constantFrom(0, 0, 5_000_000),
  marginQuad: fc.constantFrom(0, 0, 1, 50),
  sentLastSecond: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 12 }) }),
  state: fc.oneof({ weight: 15, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: mode('halted', 'kill') }),
  clientId: fc.oneof({ weight: 20, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{1,20}$/) }, { weight: 1, arbitrary: fc.constantFrom('', 'has-dash', 'x'.repeat(21), 'sp ace') }),
  side: mode('BUY', 'SELL'),
  orderType: mode('MARKET', 'LIMIT', 'SL', 'SL-M'),
  product: mode('CNC', 'MIS', 'NRML'),
  variety: fc.oneof({ weight: 4, arbitrary: fc.constant('regular' as const) }, { weight: 1, arbitrary: fc.constant('amo' as const) }),
  source: mode('strategy', 'manual', 'exit', 'squareoff', 'killswitch'),
  strategy: mode('ema', 'manual', 'rsi'),
  qtyMode: fc.oneof({ weight: 8, arbitrary: fc.constant('lots' as const) }, { weight: 1, arbitrary: mode('valueAsQty', 'anyInt', 'bad') }),
  qtyN: fc.integer({ min: 1, max: 200_000 }),
  badNum: fc.integer({ min: 0, max: BAD_NUMBERS.length - 1 }),
  priceMode: fc.oneof({ weight: 15, arbitrary: fc.constant('auto' as const) }, { weight: 1, arbitrary: mode('nearTicks', 'offTick', 'far', 'bad', 'absent') }),
  priceK: fc.integer({ min: -1500, max: 1500 }),
  triggerMode: fc.oneof({ weight: 15, arbitrary: fc.constant('auto' as const) }, { weight: 1, arbitrary: mode('nearTicks', 'offTick', 'far', 'bad', 'absent') }),
  triggerK: fc.integer({ min: -1500, max: 1500 }),
});

interface World {
  s: Scenario;
  config: RiskConfig;
  inst: TradableInstrument | undefined;
  ltp: number | undefined;
  tickAt: number | undefined;
  now: number;
  account: FakeAccount;
  req: OrderRequest;
  engine: RiskEngine;
}

function priceFrom(m: Scenario['priceMode'], k: number, ltp: number | undefined, tick: number, s: Scenario): number | undefined {
  const base = ltp ?? 100_000;
  switch (m) {
    case 'absent':
      return undefined;
    case 'bad':
      return BAD_NUMBERS[s.badNum];
    case 'offTick':
      return tick > 1 ? base + Math.abs(k % tick || 1) : base + 0.5;
    case 'far':
      return base * 2;
    case 'nearTicks':
    case 'auto': {
      const p = base + Math.trunc(k / 10) * tick;
      return p > 0 ? p : tick;
    }
  }
}

function build(s: Scenario): World {
  const config = parseRiskConfig(s.cfg, 'property');
  const inst = s.inst >= 0 ? INSTRUMENTS[s.inst] : undefined;
  const tick = inst?.tickSizePaise ?? 5;
  const lot = inst?.lotSize ?? 1;
  const now = istTime(DAYS[s.day]!, '00:00') + s.minuteOfDay * 60_000 + 17_000;
  const ltp = s.ltpTicks === null ? undefined : s.ltpTicks * tick;
  const tickAt = s.tickAgeMs === null ? undefined : now - s.tickAgeMs;
  const symbol = inst?.symbol ?? 'UNKNOWN';
  const exchange = inst && s.wrongExchange ? (inst.exchange === 'NSE' ? 'BSE' : 'NSE') : (inst?.exchange ?? 'NSE');

  let qty: number;
  if (s.qtyMode === 'lots') qty = (1 + (s.qtyN % 60)) * lot;
  else if (s.qtyMode === 'valueAsQty') qty = [50_000, 100_000, 25_000, 500_000][s.qtyN % 4]!; // ₹ amount typed as units
  else if (s.qtyMode === 'anyInt') qty = s.qtyN;
  else qty = BAD_NUMBERS[s.badNum]!;

  const type = s.orderType;
  const needsPrice = type === 'LIMIT' || type === 'SL';
  const needsTrigger = type === 'SL' || type === 'SL-M';
  let price = s.priceMode === 'auto' && !needsPrice ? undefined : priceFrom(s.priceMode, s.priceK, ltp, tick, s);
  let trigger = s.triggerMode === 'auto' && !needsTrigger ? undefined : priceFrom(s.triggerMode, s.triggerK, ltp, tick, s);
  // a well-formed SL keeps the trigger on the right side of the price most of the time
  if (type === 'SL' && s.triggerMode === 'auto' && s.priceMode === 'auto' && price !== undefined && trigger !== undefined) {
    const lo = Math.min(price, trigger);
    const hi = Math.max(price, trigger);
    if (s.side === 'BUY') [trigger, price] = [lo, hi];
    else [trigger, price] = [hi, lo];
  }

  const account = new FakeAccount();
  account.dayStart = DAY_PAISE;
  account.pnl = s.pnl;
  account.equity = DAY_PAISE + s.pnl;
  account.peak = Math.max(DAY_PAISE, account.equity) + s.peakExtra;
  account.open = s.open;
  account.positions.set(symbol, s.pos * lot);
  account.trades.set(symbol, s.trades);
  account.symbolPnl.set(symbol, s.symbolPnl);
  account.marginAvail = s.marginAvail;
  account.marginBps = s.marginBps;
  account.marginFixedPaise = s.marginFixed;
  account.marginPerQtySquaredPaise = s.marginQuad;

  const market = new FakeMarket(INSTRUMENTS);
  if (ltp !== undefined) market.ltp.set(symbol, ltp);
  if (tickAt !== undefined) market.tickAt.set(symbol, tickAt);

  const engine = new RiskEngine({ config, account, market, clock: new FakeClock(now) });
  for (let i = 0; i < s.sentLastSecond; i++) engine.recordSent(now - 900 + i * 10);
  if (s.state === 'halted') engine.halt('property test');
  if (s.state === 'kill') engine.engageKillSwitch('property test');

  const req: OrderRequest = {
    clientId: s.clientId,
    symbol,
    exchange,
    side: s.side,
    qty,
    orderType: type,
    product: s.product,
    validity: 'DAY',
    variety: s.variety,
    pricePaise: price,
    triggerPaise: trigger,
    strategy: s.strategy,
    source: s.source,
    tsInit: now,
  };
  return { s, config, inst, ltp, tickAt, now, account, req, engine };
}

// ------------------------------------------------------------------------------------------------
// The oracle: is this order (with `qty`, sent as `slices`) acceptable in this world? Returns the list
// of reasons it is not (empty = acceptable). Written from the spec, not from the engine.

const posInt = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const big = (n: number) => BigInt(n);

function oracle(w: World, qty: number, slices: number[] | undefined): string[] {
  const { req, config, inst, ltp, tickAt, now, account } = w;
  const lim = { ...config, ...(config.strategies[req.strategy] ?? {}) };
  const bad: string[] = [];
  const pos = account.positionQty(req.symbol);
  const reduceOnly = posInt(qty) && ((req.side === 'SELL' && pos > 0 && qty <= pos) || (req.side === 'BUY' && pos < 0 && qty <= -pos));
  // the reduce-only exemption is judged on the order as requested
  const reqReduceOnly = posInt(req.qty) && ((req.side === 'SELL' && pos > 0 && req.qty <= pos) || (req.side === 'BUY' && pos < 0 && req.qty <= -pos));
  const exempt = reduceOnly && reqReduceOnly;
  const state = w.s.state;

  if (state === 'kill' && !(req.source === 'killswitch' && exempt)) bad.push('kill switch');
  if (state === 'halted' && !exempt) bad.push('halted');

  // shape
  if (!posInt(qty)) bad.push('qty not a positive integer');
  if (!CLIENT_ID_RE.test(req.clientId)) bad.push('clientId');
  const needsPrice = req.orderType === 'LIMIT' || req.orderType === 'SL';
  const needsTrigger = req.orderType === 'SL' || req.orderType === 'SL-M';
  if (needsPrice !== (req.pricePaise !== undefined) || (needsPrice && !posInt(req.pricePaise))) bad.push('price');
  if (needsTrigger !== (req.triggerPaise !== undefined) || (needsTrigger && !posInt(req.triggerPaise))) bad.push('trigger');
  if (req.orderType === 'SL' && req.pricePaise !== undefined && req.triggerPaise !== undefined) {
    if (req.side === 'BUY' && req.triggerPaise > req.pricePaise) bad.push('SL buy trigger above price');
    if (req.side === 'SELL' && req.triggerPaise < req.pricePaise) bad.push('SL sell trigger below price');
  }
  if (!inst || inst.exchange !== req.exchange) {
    bad.push('instrument');
    return bad;
  }
  if (bad.includes('qty not a positive integer')) return bad;

  // product: CNC only for cash equity, NRML only for F&O
  if ((req.product === 'CNC' && inst.kind !== 'equity') || (req.product === 'NRML' && inst.kind === 'equity')) bad.push('product not allowed for the instrument');

  // delivery sells need holdings
  if (req.product === 'CNC' && req.side === 'SELL' && qty > Math.max(0, w.account.positionQty(req.symbol))) bad.push('CNC sell beyond holdings');

  // lots, ticks, freeze
  if (qty % inst.lotSize !== 0) bad.push('not whole lots');
  const parts = slices ?? [qty];
  if (parts.reduce((a, b) => a + b, 0) !== qty) bad.push('slices do not sum to qty');
  for (const p of parts) {
    if (!posInt(p) || p % inst.lotSize !== 0) bad.push('slice not whole lots');
    if (inst.freezeQty !== undefined && p > inst.freezeQty) bad.push('slice above freeze');
  }
  if (slices && lim.freeze === 'block') bad.push('split although freeze is block');
  for (const p of [req.pricePaise, req.triggerPaise]) if (p !== undefined && posInt(p) && p % inst.tickSizePaise !== 0) bad.push('off tick');

  // hours
  if (lim.marketHours) {
    const open = nseCalendar.isMarketOpen(now);
    if (req.variety === 'regular' && !open) bad.push('regular order outside the session');
    if (req.variety === 'amo' && open) bad.push('AMO inside the session');
  }

  // data
  const exitMarket = exempt && req.orderType === 'MARKET';
  if (ltp === undefined && !exitMarket) bad.push('no last price');
  if (req.variety === 'regular' && !exitMarket && (tickAt === undefined || now - tickAt > lim.staleAfterMs)) bad.push('stale tick');

  // band
  if (ltp !== undefined) {
    for (const p of [req.pricePaise, req.triggerPaise]) {
      if (p !== undefined && posInt(p) && big(Math.abs(p - ltp)) * 10_000n > big(ltp) * big(lim.priceBandBps)) bad.push('outside the price band');
    }
  }

  // caps
  if (qty > lim.maxQty) bad.push('above max qty');
  const ref = Math.max(ltp ?? 0, posInt(req.pricePaise) ? req.pricePaise! : 0, posInt(req.triggerPaise) ? req.triggerPaise! : 0);
  if (ref > 0 && big(qty) * big(ref) > big(lim.maxOrderValuePaise)) bad.push('above max order value');

  // account rules, for orders that do not only reduce a position
  if (!exempt) {
    for (const l of [config, lim]) {
      const loss = -account.dayPnlPaise();
      if (l.maxDailyLossPaise !== undefined && loss >= l.maxDailyLossPaise) bad.push('daily loss (absolute)');
      if (big(loss) * 10_000n >= big(account.dayStartEquityPaise()) * big(l.maxDailyLossBps)) bad.push('daily loss (bps)');
      const dd = account.dayPeakEquityPaise() - account.equityPaise();
      if (dd > 0 && big(dd) * 10_000n >= big(account.dayPeakEquityPaise()) * big(l.maxDrawdownBps)) bad.push('drawdown');
    }
    if (pos === 0 && account.openPositionCount() >= lim.maxOpenPositions) bad.push('too many open positions');
    if (account.tradesToday(req.symbol) >= lim.maxTradesPerSymbolPerDay) bad.push('too many trades');
    if (lim.perSymbolMaxLossPaise !== undefined && account.symbolDayPnlPaise(req.symbol) <= -lim.perSymbolMaxLossPaise) bad.push('symbol loss');
    if (lim.checkMargin && account.marginRequiredPaise({ ...req, qty }, ref) > account.marginAvailablePaise()) bad.push('margin');
  }

  // rate: orders sent in the last second (not for a reduce-only exit / square-off / kill-switch order: a flatten is never cut there)
  const exiting = exempt && (req.source === 'exit' || req.source === 'squareoff' || req.source === 'killswitch');
  if (!exiting && w.s.sentLastSecond >= config.rate.perSecond) bad.push('rate per second');
  return bad;
}

const RULES = new Set<string>(RISK_RULES);

function describeWorld(w: World, d: RiskDecision, why: string[]): string {
  return JSON.stringify({ decision: d, why, req: w.req, ltp: w.ltp, tickAt: w.tickAt, now: w.now, state: w.s.state, cfg: w.s.cfg, pos: w.account.positionQty(w.req.symbol) });
}

describe('risk engine properties', () => {
  it('ALLOW/REDUCE only valid orders; every BLOCK/HALT names a rule with a message', () => {
    const counts: Record<string, number> = {};
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const w = build(s);
        const d = w.engine.check(w.req);
        counts[d.action === 'ALLOW' ? 'ALLOW' : `${d.action}:${d.rule}`] = (counts[`${d.action === 'ALLOW' ? 'ALLOW' : `${d.action}:${d.rule}`}`] ?? 0) + 1;
        if (d.action === 'ALLOW' || d.action === 'REDUCE') {
          const qty = d.action === 'REDUCE' ? d.qty : w.req.qty;
          const why = oracle(w, qty, d.slices);
          if (d.action === 'REDUCE') {
            if (w.req.source === 'manual') why.push('a manual order was resized');
            if (!(qty < w.req.qty)) why.push('REDUCE did not reduce');
            if (!RULES.has(d.rule) || d.message.length === 0) why.push('REDUCE without rule or message');
            if (!Object.values(d.numbers).every(Number.isFinite)) why.push('REDUCE numbers not finite');
            // maximal: one more lot would break the rule that cut the qty
            const more = qty + w.inst!.lotSize;
            const ref = Math.max(w.ltp ?? 0, w.req.pricePaise ?? 0, w.req.triggerPaise ?? 0);
            const lim = { ...w.config, ...(w.config.strategies[w.req.strategy] ?? {}) };
            if (d.rule === 'max_qty' && more <= lim.maxQty) why.push('max_qty REDUCE not maximal');
            if (d.rule === 'max_order_value' && more * ref <= lim.maxOrderValuePaise) why.push('max_order_value REDUCE not maximal');
            if (d.rule === 'margin' && w.account.marginRequiredPaise({ ...w.req, qty: more }, ref) <= w.account.marginAvailablePaise()) why.push('margin REDUCE not maximal');
          }
          if (why.length > 0) throw new Error(describeWorld(w, d, why));
        } else {
          if (!RULES.has(d.rule)) throw new Error(`unknown rule ${d.rule}`);
          if (typeof d.message !== 'string' || d.message.length === 0) throw new Error(`empty message for ${d.rule}`);
          for (const [k, v] of Object.entries(d.numbers)) if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`numbers.${k} is not a finite number`);
        }
      }),
      { numRuns: 10_000 },
    );
    if (process.env.RISK_COUNTS) console.log(JSON.stringify(counts, null, 1));
    // the generator reaches ALLOW, REDUCE and many rules (a generator that only produces garbage would pass vacuously)
    expect(counts.ALLOW ?? 0).toBeGreaterThan(100);
    const seenRules = new Set(Object.keys(counts).map((k) => k.split(':')[1]).filter(Boolean));
    for (const r of ['shape', 'unknown_instrument', 'lot_size', 'tick_size', 'market_hours', 'stale_data', 'price_band', 'max_qty', 'max_order_value', 'margin', 'freeze_qty', 'rate_per_second', 'halted', 'kill_switch', 'max_daily_loss', 'max_drawdown']) {
      expect(seenRules, `rule ${r} never decided`).toContain(r);
    }
    expect(Object.keys(counts).some((k) => k.startsWith('REDUCE'))).toBe(true);
  });

  it('an order the oracle accepts as it stands is allowed unchanged', () => {
    let accepted = 0;
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const w = build(s);
        const d = w.engine.check(w.req);
        const inst = w.inst;
        const needsSplit = inst?.freezeQty !== undefined && typeof w.req.qty === 'number' && w.req.qty > inst.freezeQty;
        if (needsSplit) return; // judged by the first property
        if (oracle(w, w.req.qty, undefined).length > 0) return;
        accepted++;
        if (d !== undefined && d.action !== 'ALLOW') throw new Error(describeWorld(w, d, ['a valid order was not allowed']));
      }),
      { numRuns: 10_000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
