/**
 * Modes and the switch, with a fake Kite (an in-memory order book, trades and net positions the tests
 * edit) behind the real KiteLiveBroker and per-mode TradingServices: the preflight and each of its
 * checks failing, the LIVE confirmation, the restart that comes back in paper saying live was on, the
 * ledger per mode across switches, and the reconciliation matrix, each case ending in its documented
 * state (docs/trading.md, "Live mode").
 */
import { describe, expect, it } from 'vitest';
import type { KiteSessionStatus } from '../contract/schemas.js';
import { KiteError } from '../adapters/kite/errors.js';
import { KiteLiveBroker } from '../adapters/kite/live-broker.js';
import type { PlaceOrderParams, PlaceOrderResult } from '../adapters/kite/rest-client.js';
import type { KiteMargins, KiteOrder, KitePosition, KitePositions, KiteTrade } from '../adapters/kite/rest-types.js';
import type { Clock } from '../core/clock.js';
import type { Broker } from '../execution/broker.js';
import type { DepthSnapshot } from '../model/depth.js';
import type { Order } from '../model/order.js';
import { openDatabase } from '../persistence/db.js';
import { TradingRepo } from '../persistence/trading-repo.js';
import { parseRunProfile } from './config.js';
import { ModeController, modeStores, STATIC_IP_FIX, type LiveRestPort } from './live-mode.js';
import { MemoryTradingStore, TradingService, type TradingServiceOptions, type TradingStore } from './trading.js';

const T0 = Date.UTC(2026, 4, 4, 4, 30); // Mon 2026-05-04 10:00 IST

class ManualClock implements Clock {
  t = T0;
  now(): number {
    return this.t;
  }
}

function krow(p: Partial<KiteOrder> & { orderId: string }): KiteOrder {
  return {
    exchangeOrderId: null,
    parentOrderId: null,
    status: 'COMPLETE',
    statusMessage: null,
    variety: 'regular',
    exchange: 'NSE',
    tradingsymbol: 'INFY',
    instrumentToken: 408065,
    transactionType: 'BUY',
    orderType: 'MARKET',
    product: 'MIS',
    validity: 'DAY',
    quantity: 10,
    disclosedQuantity: 0,
    filledQuantity: 10,
    pendingQuantity: 0,
    cancelledQuantity: 0,
    pricePaise: 0,
    triggerPricePaise: 0,
    averagePricePaise: 150_000,
    marketProtection: -1,
    tag: null,
    tags: [],
    orderTimestamp: null,
    exchangeTimestamp: null,
    exchangeUpdateTimestamp: null,
    ...p,
  };
}

function position(symbol: string, quantity: number, product = 'MIS'): KitePosition {
  return {
    tradingsymbol: symbol,
    exchange: 'NSE',
    instrumentToken: 1,
    product,
    quantity,
    overnightQuantity: 0,
    multiplier: 1,
    averagePricePaise: 150_000,
    closePricePaise: 0,
    lastPricePaise: 150_000,
    valuePaise: 0,
    pnlPaise: 0,
    m2mPaise: 0,
    unrealisedPaise: 0,
    realisedPaise: 0,
    buyQuantity: Math.max(0, quantity),
    buyPricePaise: 150_000,
    sellQuantity: Math.max(0, -quantity),
    sellPricePaise: 0,
  };
}

/** Kite as the tests want it: every MARKET order fills at once at ₹1,500 and moves the net position. */
class FakeKite implements LiveRestPort {
  sessionExpired = false;
  placed: PlaceOrderParams[] = [];
  book: KiteOrder[] = [];
  tradeRows: KiteTrade[] = [];
  net: KitePosition[] = [];
  fail: { profile?: Error; margins?: Error; positions?: Error; orders?: Error; place?: Error } = {};
  private seq = 0;

  async profile(): Promise<{ userId: string }> {
    if (this.fail.profile) throw this.fail.profile;
    return { userId: 'AB1234' };
  }
  async margins(): Promise<KiteMargins> {
    if (this.fail.margins) throw this.fail.margins;
    return { equity: { enabled: true, netPaise: 25_000_000, available: { cash: 25_000_000 }, utilised: {} } };
  }
  async positions(): Promise<KitePositions> {
    if (this.fail.positions) throw this.fail.positions;
    return { net: this.net.map((p) => ({ ...p })), day: [] };
  }
  async placeOrder(p: PlaceOrderParams): Promise<PlaceOrderResult> {
    this.placed.push(p);
    if (this.fail.place) throw this.fail.place;
    const orderId = `K${++this.seq}`;
    this.book.push(krow({ orderId, tradingsymbol: p.tradingsymbol, transactionType: p.transactionType, quantity: p.quantity, filledQuantity: p.quantity, product: p.product, tag: p.tag ?? null, tags: p.tag ? [p.tag] : [] }));
    this.tradeRows.push({ tradeId: `T${this.seq}`, orderId, exchangeOrderId: null, exchange: 'NSE', tradingsymbol: p.tradingsymbol, instrumentToken: 1, product: p.product, transactionType: p.transactionType, quantity: p.quantity, averagePricePaise: 150_000, fillTimestamp: T0, orderTimestamp: T0, exchangeTimestamp: T0 });
    this.move(p.tradingsymbol, p.product, p.transactionType === 'BUY' ? p.quantity : -p.quantity);
    return { outcome: 'placed', orderId, tag: p.tag ?? '' };
  }
  move(symbol: string, product: string, qty: number): void {
    const cur = this.net.find((x) => x.tradingsymbol === symbol && x.product === product);
    if (cur) cur.quantity += qty;
    else this.net.push(position(symbol, qty, product));
  }
  async modifyOrder(): Promise<string> {
    throw new KiteError('input', 'not in this fake', { status: 400 });
  }
  async cancelOrder(_v: string, id: string): Promise<string> {
    return id;
  }
  async orders(): Promise<KiteOrder[]> {
    if (this.fail.orders) throw this.fail.orders;
    return this.book.map((r) => ({ ...r }));
  }
  async orderHistory(id: string): Promise<KiteOrder[]> {
    const r = this.book.filter((x) => x.orderId === id);
    if (r.length === 0) throw new KiteError('input', "Couldn't find that `order_id`.", { status: 400, errorType: 'InputException' });
    return r;
  }
  async trades(): Promise<KiteTrade[]> {
    return [...this.tradeRows];
  }
  async orderTrades(id: string): Promise<KiteTrade[]> {
    return this.tradeRows.filter((t) => t.orderId === id);
  }
}

class FakeSession {
  s: KiteSessionStatus = { state: 'active', userId: 'AB1234', expiresAt: T0 + 20 * 3_600_000 };
  private readonly ls = new Set<(s: KiteSessionStatus) => void>();
  status(): KiteSessionStatus {
    return { ...this.s };
  }
  onChange(l: (s: KiteSessionStatus) => void): () => void {
    this.ls.add(l);
    return () => this.ls.delete(l);
  }
  set(s: KiteSessionStatus): void {
    this.s = s;
    for (const l of this.ls) l({ ...s });
  }
}

interface Rig {
  modes: ModeController;
  kite: FakeKite;
  session: FakeSession;
  clock: ManualClock;
  store: TradingStore;
  instrumentsOk: { ok: boolean };
  tick: (symbol?: string) => void;
  buy: (qty: number, side?: 'BUY' | 'SELL') => ReturnType<TradingService['placeManual']>;
  /** The market the kernel shows the controller (the paper model of live orders): depth per symbol. */
  depth: Map<string, DepthSnapshot>;
}

function rig(opts: { store?: TradingStore; initialMode?: 'paper' | 'shadow'; haltAfterRounds?: number; reconcileMs?: number; trading?: TradingServiceOptions['config'] } = {}): Rig {
  const clock = new ManualClock();
  const kite = new FakeKite();
  const session = new FakeSession();
  const store = opts.store ?? new MemoryTradingStore();
  const instrumentsOk = { ok: true };
  const depth = new Map<string, DepthSnapshot>();
  const makeService = (mode: 'paper' | 'shadow' | 'live', s: TradingStore, liveBroker?: Broker) =>
    new TradingService({
      mode,
      instruments: ['INFY', 'TCS'].map((symbol) => ({ symbol, exchange: 'NSE' as const, kind: 'equity' as const, tickSizePaise: 5, lotSize: 1 })),
      clock,
      store: s,
      isMarketOpen: () => true,
      ...(liveBroker ? { liveBroker } : {}),
      ...(opts.trading ? { config: opts.trading } : {}),
    });
  const modes = new ModeController({
    initialMode: opts.initialMode ?? 'paper',
    storeFor: modeStores(store, opts.initialMode ?? 'paper'),
    makeService,
    clock,
    wall: clock,
    session,
    rest: () => (session.s.state === 'active' ? kite : undefined),
    instruments: () => (instrumentsOk.ok ? { ok: true, reason: 'Kite instrument master of 2026-05-04 loaded' } : { ok: false, reason: "Kite's instrument master is not loaded yet" }),
    today: () => '2026-05-04',
    strategies: () => [{ id: 'ema-infy', type: 'ema_crossover', symbols: ['INFY'] }],
    config: { lookupIntervalMs: 0, haltAfterRounds: opts.haltAfterRounds ?? 2, reconcileMs: opts.reconcileMs ?? 60_000 },
    createBroker: (o) => new KiteLiveBroker({ ...o, sleep: async () => {} }),
    market: { lastPaise: () => 150_000, depth: (s) => depth.get(s), tickPaise: () => 5 },
  });
  const tick = (symbol = 'INFY') => {
    clock.t += 1000;
    modes.trading.onTick(symbol, 150_000, clock.t);
  };
  const buy = (qty: number, side: 'BUY' | 'SELL' = 'BUY') => {
    tick();
    return modes.trading.placeManual({ symbol: 'INFY', side, qty, orderType: 'MARKET', product: 'MIS', validity: 'DAY', variety: 'regular' });
  };
  return { modes, kite, session, clock, store, instrumentsOk, tick, buy, depth };
}

const settle = () => new Promise((r) => setTimeout(r, 5));
const check = (r: { preflight?: { checks: { id: string; ok: boolean; reason: string }[] } }, id: string) => r.preflight?.checks.find((c) => c.id === id);

describe('mode.set live: the preflight and the confirmation', () => {
  it('confirm must be the literal LIVE; the preflight is returned and journalled either way', async () => {
    const { modes, kite } = rig();
    for (const confirm of [undefined, 'live', 'yes', ' LIVE']) {
      const r = await modes.set('live', confirm);
      expect(r).toMatchObject({ ok: false, refused: 'confirm' });
      expect(r.preflight?.ok).toBe(true);
      expect(modes.mode).toBe('paper');
    }
    const ok = await modes.set('live', 'LIVE');
    expect(ok).toMatchObject({ ok: true, state: { mode: 'live' } });
    expect(ok.preflight?.checks.map((c) => c.id)).toEqual(['session', 'token', 'margins', 'instruments', 'reconciliation', 'risk', 'killSwitch']);
    expect(kite.placed).toHaveLength(0);
    const kinds = modes.history(50).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'refused')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'preflight')).toHaveLength(5);
    expect(kinds[0]).toBe('switch');
  });

  it.each([
    ['session', (r: Rig) => r.session.set({ state: 'none' }), /no active Kite session/],
    ['token', (r: Rig) => (r.kite.fail.profile = new KiteError('token', 'Incorrect `api_key` or `access_token`.', { status: 403 })), /refused the token/],
    ['margins', (r: Rig) => (r.kite.fail.margins = new KiteError('server', 'Gateway timeout', { status: 504 })), /margins could not be read/],
    ['instruments', (r: Rig) => (r.instrumentsOk.ok = false), /not loaded/],
    ['reconciliation', (r: Rig) => (r.kite.fail.positions = new KiteError('network', 'socket hang up')), /positions could not be read.*not read as flat/],
    ['risk', (r: Rig) => r.modes.trading.halt('by hand'), /risk is halted: by hand/],
    ['killSwitch', (r: Rig) => r.modes.trading.setKillSwitch(true, { reason: 'panic' }), /kill switch is on: panic/],
  ])('a failing %s check refuses live with its reason', async (id, breakIt, reason) => {
    const r = rig();
    breakIt(r);
    const res = await r.modes.set('live', 'LIVE');
    expect(res.ok).toBe(false);
    expect(res.refused).toBe(id === 'session' ? 'session' : 'preflight');
    const c = check(res, id)!;
    expect(c.ok).toBe(false);
    expect(c.reason).toMatch(reason);
    expect(res.message).toContain(id);
    expect(r.modes.mode).toBe('paper');
    expect(r.modes.history(5).find((e) => e.kind === 'refused')?.preflight?.ok).toBe(false);
    expect(r.kite.placed).toHaveLength(0);
  });
});

describe('the start', () => {
  it("the start's mode trades intents at once (no backfill needed to switch trading on)", () => {
    const { modes, tick, clock } = rig();
    tick();
    const r = modes.current.onIntent({ symbol: 'INFY', side: 'BUY', score: 0.8, price: 150_000, reasons: [{ strategy: 'ema-infy', confidence: 0.8, weight: 1 }], tsEvent: clock.t });
    expect(r).not.toHaveProperty('skipped');
    expect(r).toMatchObject({ decision: { action: 'ALLOW', symbol: 'INFY', side: 'BUY' } });
  });
});

describe('the profile', () => {
  it('the risk rule\'s per-second cap follows the live order pace unless set', () => {
    expect(parseRunProfile('{}').trading.risk.rate).toEqual({ perSecond: 8, perMinute: 400, perDay: 5000 });
    expect(parseRunProfile('trading: { live: { ordersPerSecond: 5 } }').trading.risk.rate.perSecond).toBe(5);
    expect(parseRunProfile('trading: { live: { ordersPerSecond: 5 }, risk: { rate: { perMinute: 300 } } }').trading.risk.rate).toEqual({ perSecond: 5, perMinute: 300, perDay: 5000 });
    expect(parseRunProfile('trading: { live: { ordersPerSecond: 6 }, risk: { rate: { perSecond: 4 } } }').trading.risk.rate.perSecond).toBe(4);
    // set explicitly, it is kept (a paper run may lift it; in live the excess queues at the pacer)
    expect(parseRunProfile('trading: { risk: { rate: { perSecond: 10 } } }').trading.risk.rate.perSecond).toBe(10);
    expect(() => parseRunProfile('trading: { live: { ordersPerSecond: 5 }, risk: { rate: { perSecond: 0 } } }')).toThrow(/rate\.perSecond/);
  });

  it('trading.live sets the cadence and tolerance, checked like every other key', () => {
    expect(parseRunProfile('trading: { live: { reconcileMs: 2000, toleranceQty: 1, haltAfterRounds: 3, lookupAttempts: 5, lookupIntervalMs: 250, ordersPerSecond: 5 } }').trading.live).toEqual({
      reconcileMs: 2000,
      toleranceQty: 1,
      haltAfterRounds: 3,
      lookupAttempts: 5,
      lookupIntervalMs: 250,
      ordersPerSecond: 5,
    });
    expect(parseRunProfile('{}').trading.live).toEqual({ reconcileMs: 5000, toleranceQty: 0, haltAfterRounds: 2, lookupAttempts: 3, lookupIntervalMs: 1000, ordersPerSecond: 8 });
    // the order pace stays under Kite's 10/s
    expect(() => parseRunProfile('trading: { live: { ordersPerSecond: 11 } }')).toThrow(/ordersPerSecond/);
    expect(() => parseRunProfile('trading: { live: { reconcileMs: 10 } }')).toThrow(/reconcileMs/);
    expect(() => parseRunProfile('trading: { live: { lookupIntervalMs: 5 } }')).toThrow(/lookupIntervalMs/);
    expect(() => parseRunProfile('trading: { live: { lookupAttempts: 0 } }')).toThrow(/lookupAttempts/);
    expect(() => parseRunProfile('mode: live')).toThrow();
  });
});

describe('restart', () => {
  it('comes back in paper, never live, and says live was on before', async () => {
    const store = new MemoryTradingStore();
    const a = rig({ store });
    expect((await a.modes.set('live', 'LIVE')).ok).toBe(true);
    await a.modes.dispose();
    const b = rig({ store });
    expect(b.modes.mode).toBe('paper');
    const st = b.modes.state();
    expect(st.liveWasOn?.note).toMatch(/live trading was on before the restart.*came back in paper.*confirm LIVE/);
    expect(b.modes.history(1)[0]).toMatchObject({ kind: 'restart', from: 'live', to: 'paper' });
    // the next switch clears it
    await b.modes.set('shadow');
    expect(b.modes.state().liveWasOn).toBeUndefined();
  });

  it('comes back in shadow when live was entered from shadow; a plain shadow restart stays shadow', async () => {
    const store = new MemoryTradingStore();
    const a = rig({ store });
    await a.modes.set('shadow');
    expect((await a.modes.set('live', 'LIVE')).ok).toBe(true);
    await a.modes.dispose();
    const b = rig({ store });
    expect(b.modes.mode).toBe('shadow');
    expect(b.modes.state().liveWasOn).toBeDefined();
    await b.modes.dispose();
    const c = rig({ store });
    expect(c.modes.mode).toBe('shadow');
    expect(c.modes.state().liveWasOn).toBeUndefined();
  });
});

describe('one journal and one ledger per mode', () => {
  it('paper positions are not Kite positions; back to paper they are there again and nothing more reaches Kite', async () => {
    const r = rig();
    r.buy(7);
    expect(r.modes.trading.portfolio()).toMatchObject({ mode: 'paper', positions: [{ symbol: 'INFY', qty: 7 }] });
    expect((await r.modes.set('live', 'LIVE')).ok).toBe(true);
    expect(r.modes.trading.portfolio()).toMatchObject({ mode: 'live', positions: [] });
    const placed = r.buy(5);
    expect(placed.orders[0]!.broker).toBe('live');
    await settle();
    expect(r.kite.placed).toHaveLength(1);
    expect(r.kite.placed[0]!.tag).toBe(placed.orders[0]!.clientId);
    const rec = await r.modes.reconcileNow();
    expect(rec.state).toBe('clean');
    expect(r.modes.trading.portfolio().positions).toMatchObject([{ symbol: 'INFY', qty: 5 }]);

    expect((await r.modes.set('paper')).ok).toBe(true);
    expect(r.modes.trading.portfolio()).toMatchObject({ mode: 'paper', positions: [{ symbol: 'INFY', qty: 7 }] });
    r.buy(3);
    await settle();
    expect(r.kite.placed).toHaveLength(1);
    expect(r.modes.trading.portfolio().positions).toMatchObject([{ symbol: 'INFY', qty: 10 }]);
    expect(r.modes.state().reconciliation.state).toBe('idle');

    // live again: the live journal's position is rebuilt, and still agrees with Kite
    expect((await r.modes.set('live', 'LIVE')).ok).toBe(true);
    expect(r.modes.trading.portfolio().positions).toMatchObject([{ symbol: 'INFY', qty: 5 }]);
  });

  it('in SQLite: each mode its own rows, meta shared; a restart after live comes back in paper with both ledgers intact', async () => {
    const db = openDatabase(':memory:');
    try {
      const a = rig({ store: new TradingRepo(db, 'paper') });
      a.buy(7);
      await a.modes.set('live', 'LIVE');
      a.buy(5);
      await settle();
      await a.modes.reconcileNow();
      await a.modes.dispose();
      const modes = db.prepare('SELECT mode, count(*) AS n FROM fills GROUP BY mode ORDER BY mode').all();
      expect(modes).toEqual([
        { mode: 'live', n: 1 },
        { mode: 'paper', n: 1 },
      ]);
      const b = rig({ store: new TradingRepo(db, 'paper') });
      expect(b.modes.mode).toBe('paper');
      expect(b.modes.state().liveWasOn).toBeDefined();
      expect(b.modes.trading.portfolio().positions).toMatchObject([{ symbol: 'INFY', qty: 7 }]);
      b.kite.book = a.kite.book;
      b.kite.tradeRows = a.kite.tradeRows;
      b.kite.net = a.kite.net;
      expect((await b.modes.set('live', 'LIVE')).ok).toBe(true);
      expect(b.modes.trading.portfolio().positions).toMatchObject([{ symbol: 'INFY', qty: 5 }]);
      await b.modes.dispose();
    } finally {
      db.close();
    }
  });

  it('listeners follow the switch (the facade)', async () => {
    const r = rig();
    const modes: string[] = [];
    r.modes.trading.onPortfolio((p) => modes.push(p.mode));
    await r.modes.set('shadow');
    await r.modes.set('live', 'LIVE');
    await r.modes.set('paper');
    expect(modes).toEqual(['shadow', 'live', 'paper']);
  });
});

describe('reconciliation matrix', () => {
  async function live(opts: Parameters<typeof rig>[0] = {}): Promise<Rig> {
    const r = rig(opts);
    expect((await r.modes.set('live', 'LIVE')).ok).toBe(true);
    return r;
  }

  it('rounds run on the timer while live and on every ticker reconnect; none once back in paper', async () => {
    const r = await live({ reconcileMs: 30 });
    const start = r.modes.state().reconciliation.rounds;
    await new Promise((res) => setTimeout(res, 200));
    const timed = r.modes.state().reconciliation.rounds;
    expect(timed).toBeGreaterThan(start + 2);
    await r.modes.set('paper');
    const after = r.modes.state().reconciliation.rounds;
    await new Promise((res) => setTimeout(res, 150));
    expect(r.modes.state().reconciliation).toMatchObject({ state: 'idle', rounds: after });

    const r2 = await live();
    const before = r2.modes.state().reconciliation.rounds;
    r2.modes.onTickerReconnect();
    await settle();
    expect(r2.modes.state().reconciliation.rounds).toBe(before + 1);
  });

  it('Kite has an order we did not place (no tag of ours): shown as external, clean', async () => {
    const r = await live();
    r.kite.book.push(krow({ orderId: 'X1', tradingsymbol: 'SBIN', tag: null, status: 'OPEN', filledQuantity: 0, pendingQuantity: 10 }));
    const rec = await r.modes.reconcileNow();
    expect(rec.state).toBe('clean');
    expect(rec.externalOrders).toMatchObject([{ brokerOrderId: 'X1', symbol: 'SBIN', status: 'OPEN' }]);
    expect(r.modes.trading.riskStatus().halted).toBe(false);
  });

  it('Kite has a second order with our tag (a duplicate): halted', async () => {
    const r = await live();
    const p = r.buy(5);
    await settle();
    await r.modes.reconcileNow();
    r.kite.book.push(krow({ orderId: 'DUP', quantity: 5, filledQuantity: 5, tag: p.orders[0]!.clientId, tags: [p.orders[0]!.clientId] }));
    const rec = await r.modes.reconcileNow();
    expect(rec.state).toBe('halted');
    expect(rec.message).toMatch(/carries our tag .* possible duplicate/);
    expect(r.modes.trading.riskStatus()).toMatchObject({ halted: true });
    expect(r.modes.state().alarm).toMatch(/live reconciliation/);
  });

  it('we have an order Kite does not: never acknowledged → concluded never placed (not resent); acknowledged → live refused', async () => {
    const store = new MemoryTradingStore();
    const liveStore = modeStores(store, 'paper')('live');
    const base: Order = {
      orderId: 'o1', clientId: 'Lcrash1', symbol: 'INFY', exchange: 'NSE', side: 'BUY', qty: 5, orderType: 'MARKET', product: 'MIS', validity: 'DAY', variety: 'regular',
      strategy: 'manual', source: 'manual', status: 'PUT ORDER REQ RECEIVED', filledQty: 0, pendingQty: 5, cancelledQty: 0, filledValuePaise: 0, modifications: 0, tsInit: T0 - 60_000, tsUpdate: T0 - 60_000,
    } as Order;
    liveStore.orderChanged(base, 'submitted', 'live');
    const r = rig({ store });
    const res = await r.modes.set('live', 'LIVE');
    expect(res.ok).toBe(true);
    expect(r.kite.placed).toHaveLength(0);
    const o = r.modes.trading.orders().find((x) => x.clientId === 'Lcrash1')!;
    expect(o.status).toBe('REJECTED');
    expect(o.statusMessage).toMatch(/concluded never placed \(not resent\)/);
    await r.modes.dispose();

    liveStore.orderChanged({ ...base, orderId: 'o2', clientId: 'Lcrash2', status: 'OPEN' } as Order, 'submitted', 'live');
    const r2 = rig({ store });
    const res2 = await r2.modes.set('live', 'LIVE');
    expect(res2).toMatchObject({ ok: false, refused: 'preflight' });
    expect(check(res2, 'reconciliation')!.reason).toMatch(/without a known state at Kite.*Lcrash2/);
    expect(r2.kite.placed).toHaveLength(0);
  });

  it('quantities differ: an alarm at once, halted when it persists beyond the tolerance', async () => {
    const r = await live();
    r.buy(5);
    await settle();
    expect((await r.modes.reconcileNow()).state).toBe('clean');
    r.kite.move('INFY', 'MIS', 3); // Kite now says 8
    const first = await r.modes.reconcileNow();
    expect(first.state).toBe('mismatch');
    expect(first.mismatches).toEqual([{ symbol: 'INFY', exchange: 'NSE', product: 'MIS', oursQty: 5, kiteQty: 8, kind: 'qty' }]);
    expect(r.modes.trading.riskStatus().halted).toBe(false);
    const second = await r.modes.reconcileNow();
    expect(second.state).toBe('halted');
    expect(r.modes.trading.riskStatus()).toMatchObject({ halted: true });
    expect(r.modes.trading.riskStatus().haltReason).toMatch(/net positions differ from Kite beyond the tolerance/);
    // strategies and people cannot add to it now (reduce-only still passes)
    const blocked = r.buy(1);
    expect(blocked.decision).toMatchObject({ action: 'BLOCK', rule: 'halted' });
  });

  it('an external position: listed as external, never in our ledger, not a mismatch', async () => {
    const r = await live();
    r.kite.net.push(position('TCS', 20, 'CNC'));
    const rec = await r.modes.reconcileNow();
    expect(rec.state).toBe('clean');
    expect(rec.mismatches).toEqual([{ symbol: 'TCS', exchange: 'NSE', product: 'CNC', oursQty: 0, kiteQty: 20, kind: 'external' }]);
    expect(r.modes.trading.portfolio().positions).toEqual([]);
  });

  it('an external position counts in the exposure cap: an order over it because of the position is blocked, saying so', async () => {
    const r = await live({ trading: { risk: { maxGrossExposurePaise: 10_000_000, checkMargin: false } } }); // ₹1,00,000
    // ₹75,000 of INFY fits with nothing else held
    const first = r.buy(25);
    expect(first.decision).toMatchObject({ action: 'ALLOW' });
    await settle();
    // Kite also holds 20 TCS (₹30,000) that the app did not place: reconciliation reports it as external
    r.kite.net.push(position('TCS', 20, 'CNC'));
    const rec = await r.modes.reconcileNow();
    expect(rec.mismatches).toContainEqual({ symbol: 'TCS', exchange: 'NSE', product: 'CNC', oursQty: 0, kiteQty: 20, kind: 'external' });
    expect(r.modes.trading.risk.externalPositions()).toEqual([{ symbol: 'TCS', exchange: 'NSE', product: 'CNC', qty: 20, lastPricePaise: 150_000 }]);
    expect(r.modes.trading.riskStatus()).toMatchObject({ externalExposurePaise: 3_000_000, grossExposurePaise: 3_750_000, maxGrossExposurePaise: 10_000_000 });
    // ₹37,500 + ₹37,500 more of INFY alone would fit (₹75,000), but with the ₹30,000 external it does not
    const blocked = r.buy(25);
    expect(blocked.decision).toMatchObject({ action: 'BLOCK', rule: 'max_exposure' });
    expect(blocked.decision.message).toMatch(/external positions at Kite not placed by the app: NSE:TCS CNC 20.*because of the external positions/);
    expect(r.kite.placed).toHaveLength(1);
    // strategies never trade it: it is not in our ledger
    expect(r.modes.trading.portfolio().positions.map((p) => p.symbol)).toEqual(['INFY']);
    // gone at Kite: the next round clears it and the order fits again
    r.kite.net = r.kite.net.filter((p) => p.tradingsymbol !== 'TCS');
    await r.modes.reconcileNow();
    expect(r.modes.trading.risk.externalPositions()).toEqual([]);
    expect(r.buy(25).decision).toMatchObject({ action: 'ALLOW' });
  });

  it('the positions call fails: halted, never read as flat', async () => {
    const r = await live();
    r.buy(5);
    await settle();
    r.kite.fail.positions = new KiteError('server', 'Service unavailable', { status: 503 });
    const rec = await r.modes.reconcileNow();
    expect(rec).toMatchObject({ state: 'halted' });
    expect(rec.message).toMatch(/positions could not be read .*not read as flat/);
    expect(r.modes.trading.riskStatus().halted).toBe(true);
    expect(r.modes.trading.portfolio().positions).toMatchObject([{ symbol: 'INFY', qty: 5 }]);
  });

  it('the token expires: live stops, back in paper with the reason; nothing more reaches Kite', async () => {
    const r = await live();
    r.buy(5);
    await settle();
    r.session.set({ state: 'expired', userId: 'AB1234', message: 'the Kite session expired at 06:00 IST; log in again' });
    expect(r.modes.mode).toBe('paper');
    expect(r.modes.state().alarm).toMatch(/Kite session ended .*back in paper; log in again and confirm LIVE/);
    expect(r.modes.history(1)[0]).toMatchObject({ kind: 'halt', from: 'live', to: 'paper' });
    r.buy(2);
    await settle();
    expect(r.kite.placed).toHaveLength(1);
    const res = await r.modes.set('live', 'LIVE');
    expect(res).toMatchObject({ ok: false, refused: 'session' });
  });

  it('a new login while live (another token): live stops and asks again; nothing more on the old client', async () => {
    const r = await live();
    const next = new FakeKite();
    r.modes['o'].rest = () => next; // the session manager now hands out the new session's client
    r.session.set({ state: 'active', userId: 'ZX9999', expiresAt: T0 + 20 * 3_600_000 });
    expect(r.modes.mode).toBe('paper');
    expect(r.modes.state().alarm).toMatch(/new Kite session \(ZX9999\).*confirm LIVE again/);
    r.buy(1);
    await settle();
    expect(r.kite.placed).toHaveLength(0);
    expect(next.placed).toHaveLength(0);
  });

  it("Kite's static-IP rejection: shown with its fix, not retried, live trading halted", async () => {
    const r = await live();
    r.kite.fail.place = new KiteError('permission', 'Orders are allowed only from the registered static IPs. This request came from 203.0.113.9.', { status: 403, errorType: 'PermissionException' });
    const p = r.buy(5);
    await settle();
    expect(r.kite.placed).toHaveLength(1);
    const o = r.modes.trading.orders().find((x) => x.orderId === p.orders[0]!.orderId)!;
    expect(o.status).toBe('REJECTED');
    expect(r.modes.state().alarm).toBe(STATIC_IP_FIX);
    expect(r.modes.trading.riskStatus()).toMatchObject({ halted: true });
    expect(r.modes.history(1)[0]).toMatchObject({ kind: 'halt' });
    await settle();
    expect(r.kite.placed).toHaveLength(1);
  });
});

describe('the live slippage report', () => {
  const book = (t: number, bid: number, ask: number): DepthSnapshot => ({
    symbol: 'INFY',
    tsEvent: t,
    buy: [{ pricePaise: bid, quantity: 100, orders: 1 }],
    sell: [{ pricePaise: ask, quantity: 100, orders: 1 }],
  });

  it('pairs each live fill with the paper model at send time: per order and per strategy, signs adverse-positive, kept across a restart', async () => {
    const db = openDatabase(':memory:');
    const store = new TradingRepo(db, 'paper');
    const r = rig({ store });
    expect((await r.modes.set('live', 'LIVE')).ok).toBe(true);
    // the book says a BUY would have filled at ₹1,499.90; Kite fills every MARKET order at ₹1,500.00
    r.depth.set('INFY', book(r.clock.t + 1000, 149_980, 149_990));
    const b = r.buy(4);
    await settle();
    // a SELL would have hit the ₹1,500.20 bid
    r.depth.set('INFY', book(r.clock.t + 1000, 150_020, 150_030));
    const s = r.buy(4, 'SELL');
    await settle();
    await r.modes.reconcileNow();
    const rep = r.modes.slippage();
    expect(rep.orders.map((o) => o.orderId)).toEqual([s.orders[0]!.orderId, b.orders[0]!.orderId]);
    expect(rep.orders[1]).toMatchObject({ side: 'BUY', basis: 'depth', qty: 4, modelQty: 4, modelPricePaise: 149_990, filledQty: 4, realPricePaise: 150_000, diffPaise: 10, costPaise: 40, strategy: 'manual' });
    expect(rep.orders[1]!.bps).toBeCloseTo(0.67, 2);
    expect(rep.orders[0]).toMatchObject({ side: 'SELL', modelPricePaise: 150_020, realPricePaise: 150_000, diffPaise: 20, costPaise: 80 });
    expect(rep.strategies).toEqual([
      { strategy: '*', orders: 2, paired: 2, filledQty: 8, costPaise: 120, modelNotionalPaise: 4 * 149_990 + 4 * 150_020, bps: expect.closeTo(1, 1) },
      { strategy: 'manual', orders: 2, paired: 2, filledQty: 8, costPaise: 120, modelNotionalPaise: 4 * 149_990 + 4 * 150_020, bps: expect.closeTo(1, 1) },
    ]);
    // journalled: back in paper, and after a restart on the same database, the report is the same
    await r.modes.set('paper');
    expect(r.modes.slippage()).toEqual(rep);
    await r.modes.dispose();
    const again = rig({ store });
    expect(again.modes.slippage()).toEqual(rep);
    expect(again.modes.slippage({ limit: 1 }).orders).toHaveLength(1);
    // paper orders never enter it
    again.buy(2);
    expect(again.modes.slippage().orders).toHaveLength(2);
    await again.modes.dispose();
    db.close();
  });
});
