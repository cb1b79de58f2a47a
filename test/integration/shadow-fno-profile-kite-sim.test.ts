/**
 * Issue 14's done-when: the shipped F&O profile (configs/fno-nifty.yaml: its `fno:` section unchanged) runs in
 * SHADOW mode on the Kite feed against kitedesk sim's NFO universe. Prices are driven by hand (a manual
 * MarketSource: the NIFTY 50 equities the index is a basket of), the simulator's clock follows them.
 *  - the legs are resolved from the simulator's instrument dump (lot, tick, strike and expiry from its rows),
 *    the contracts subscribed on the Kite ticker (NIFTY 50 by its index packets), and only then do the F&O
 *    strategy instances start;
 *  - a person's order on the resolved ATM call in whole lots passes Kite's basket-margin check (the simulator's
 *    POST /margins/basket) and is filled in shadow and journalled; a part lot is refused;
 *  - NIFTY moves by more than `reResolveStrikes` strikes: the option legs re-resolve, the new contracts are
 *    subscribed, the `on: contract` option instance (added to the shipped section here) moves to them with its
 *    params, the old put (nothing open in it) is unsubscribed, the old call (a person's position) stays;
 *  - the option chain's shown strikes are followed on the Kite ticker (full mode), not REST quotes.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KiteDeskApi } from '../../src-engine/contract/api.js';
import type { RpcClient } from '../../src-engine/contract/rpc-client.js';
import { istTime, nseCalendar } from '../../src-engine/core/nse-calendar.js';
import { KiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { MarginCalculator } from '../../src-engine/kite-sim/rest-extras.js';
import { KiteRest } from '../../src-engine/adapters/kite/rest-client.js';
import { NIFTY50_SEEDS } from '../../src-engine/model/instruments.js';
import type { Engine } from '../../src-engine/runtime/engine.js';
import type { KiteSessionManager } from '../../src-engine/runtime/kite-session.js';
import { openDatabase } from '../../src-engine/persistence/db.js';
import { RecordsReader } from '../../src-engine/persistence/records-export.js';
import { TradingRepo } from '../../src-engine/persistence/trading-repo.js';
import { startKiteEngine, until } from '../support/kite-engine.js';
import { FNO_DAY as DAY, fnoShadowProfileYaml as profileYaml, fnoSimProbes, ManualMarket, NIFTY_STRIKE_STEP as STEP } from '../support/manual-market.js';

describe('configs/fno-nifty.yaml in shadow mode on the Kite feed against kitedesk sim', () => {
  const sim = new KiteSimulator();
  const market = new ManualMarket(NIFTY50_SEEDS, istTime(DAY, '10:00'));
  let kite: KiteSessionManager;
  let engine: Engine;
  let client: RpcClient<KiteDeskApi>;
  const basketSpy = vi.spyOn(MarginCalculator.prototype, 'basket');
  const db = openDatabase(':memory:');
  /** `driving` polls `fn`, one simulated second of trading per poll. */
  const { subscribed, driving } = fnoSimProbes(sim, market);

  beforeAll(async () => {
    expect(nseCalendar.isTradingDay(DAY)).toBe(true);
    ({ kite, engine, client } = await startKiteEngine(sim, { sim: { market, flushIntervalMs: 50 }, profileYaml: profileYaml(), dataDirPrefix: 'kitedesk-shadow-fno-profile-', trading: new TradingRepo(db, 'shadow') }));
  });

  afterAll(async () => {
    basketSpy.mockRestore();
    engine?.stop();
    kite?.dispose();
    await sim.close();
    db.close();
  });

  it('resolves the legs from the dump, subscribes them on the ticker, then starts the F&O instances', async () => {
    // nothing runs before the dump has resolved the contracts
    expect(engine.fno).toBeUndefined();
    expect(engine.strategies.list().instances).toEqual([]);
    const status = await driving('the F&O instances started', () => {
      const s = engine.fnoKite!.status();
      return s.state === 'resolved' && s.started.length === 3 ? s : undefined;
    });
    const r = engine.fno!.resolution('NIFTY')!;
    const nifty = engine.market.quote('NIFTY 50')!.lastPaise;
    // the future and the ATM options as the simulator's dump lists them
    const fut = sim.instruments.filter((i) => i.exchange === 'NFO' && i.instrumentType === 'FUT' && i.name === 'NIFTY').sort((a, b) => (a.expiry! < b.expiry! ? -1 : 1))[0]!;
    expect(fut.expiry).toBe('2026-12-29');
    expect(r.future).toBe(fut.tradingsymbol);
    expect(r.option!.expiry).toBe('2026-12-08');
    expect(Math.abs(r.option!.atmPaise - nifty)).toBeLessThanOrEqual(STEP / 2);
    for (const sym of [r.future!, r.option!.ce!, r.option!.pe!]) {
      const row = sim.instruments.find((i) => i.exchange === 'NFO' && i.tradingsymbol === sym)!;
      expect(row, sym).toBeDefined();
      const inst = engine.instruments.find((i) => i.symbol === sym);
      expect(inst).toMatchObject({ exchange: 'NFO', lotSize: row.lotSize, tickSizePaise: row.tickPaise, underlying: 'NIFTY', expiry: row.expiry });
      if (row.instrumentType !== 'FUT') expect(inst!.strikePaise).toBe(row.strikePaise);
      // subscribed on the Kite ticker with depth
      await driving(`${sym} subscribed in full mode`, () => subscribed(sym) === 'full');
    }
    // the index by its index packets (the feed clock follows its exchange time)
    expect(subscribed('NIFTY 50')).toBe('full');
    expect(status.symbols.sort()).toEqual(['NIFTY 50', r.future!, r.option!.ce!, r.option!.pe!].sort());
    // the instances: the future on its own candles, the option leg on NIFTY 50 routed to the contracts, the
    // option leg on the call's and put's own candles
    expect(engine.strategies.list().instances.map((i) => [i.id, i.symbols, i.running])).toEqual([
      ['nifty-fut-trend', [r.future], true],
      ['nifty-atm-trend', ['NIFTY 50'], true],
      ['nifty-atm-own', [r.option!.ce, r.option!.pe], true],
    ]);
    // the plan's state in the engine status (and so the Health tab)
    expect(engine.status().fno).toMatchObject({ state: 'resolved', legs: [{ underlying: 'NIFTY', future: r.future, option: { expiry: '2026-12-08', atmPaise: r.option!.atmPaise, ce: r.option!.ce, pe: r.option!.pe } }], pendingMoves: [] });
    expect(engine.fno!.route('nifty-atm-trend', 'NIFTY 50', 'BUY', () => 0)).toEqual({ symbol: r.option!.ce, side: 'BUY' });
  });

  it('a one-lot shadow order on the ATM call passes Kite basket margins and is filled and journalled; a part lot is refused', async () => {
    const ce = engine.fno!.resolution('NIFTY')!.option!.ce!;
    const lot = engine.instruments.find((i) => i.symbol === ce)!.lotSize;
    await driving(`a price of ${ce}`, () => (engine.market.quote(ce)?.lastPaise ?? 0) > 0);
    const part = await client.call('orders.place', { symbol: ce, side: 'BUY', qty: lot - 1, orderType: 'MARKET', product: 'NRML' });
    expect(part.decision).toMatchObject({ action: 'BLOCK', rule: 'lot_size' });

    const before = basketSpy.mock.calls.length;
    const ok = await client.call('orders.place', { symbol: ce, side: 'BUY', qty: lot, orderType: 'MARKET', product: 'NRML' });
    expect(ok.decision, JSON.stringify(ok.decision)).toMatchObject({ action: 'ALLOW' });
    expect(ok.orders[0]!.broker).toBe('shadow');
    const id = ok.orders[0]!.orderId;
    const done = await driving('the order is worked', () => {
      const o = engine.trading.orders().find((x) => x.orderId === id);
      return o && (o.status === 'COMPLETE' || o.status === 'REJECTED' || o.status === 'CANCELLED') ? o : undefined;
    });
    expect(done.status, done.statusMessage).toBe('COMPLETE');
    expect(basketSpy.mock.calls.length).toBeGreaterThan(before);
    expect(basketSpy.mock.calls.at(-1)![0]).toEqual([expect.objectContaining({ exchange: 'NFO', tradingsymbol: ce, quantity: lot, transaction_type: 'BUY' })]);
    const fills = engine.trading.fills(100).filter((f) => f.orderId === id);
    expect(fills.reduce((a, f) => a + f.qty, 0)).toBe(lot);
    expect(fills[0]).toMatchObject({ symbol: ce, side: 'BUY', product: 'NRML' });
    expect(fills[0]!.chargesPaise).toBeGreaterThan(0);
    expect(engine.trading.portfolio().positions.find((p) => p.symbol === ce && p.strategy === 'manual')?.qty).toBe(lot);
    // journalled in SQLite (the shadow journal), with the exact Kite request a live order would have sent
    const journalled = new RecordsReader(db).fills().filter((f) => f.order_id === id);
    expect(journalled.map((f) => [f.mode, f.symbol, f.exchange, f.side, f.qty])).toEqual(fills.map((f) => ['shadow', ce, 'NFO', 'BUY', f.qty]));
    const live = await client.call('orders.liveParams', { orderId: id });
    expect(live[0]).toMatchObject({ kind: 'place', variety: 'regular', params: expect.objectContaining({ exchange: 'NFO', tradingsymbol: ce, transaction_type: 'BUY', product: 'NRML' }) as object });
    expect(Number(live[0]!.params['quantity'])).toBe(lot);
  });

  it('NIFTY moves by more than reResolveStrikes: the options re-resolve, new contracts subscribed, the old put dropped, the held call kept', async () => {
    const old = engine.fno!.resolution('NIFTY')!;
    const oldCe = old.option!.ce!;
    const oldPe = old.option!.pe!;
    const reStrikes = engine.fno!.profile.options!.reResolveStrikes;
    engine.strategies.setParams('nifty-atm-own', { ...engine.strategies.get('nifty-atm-own').params, fast: 3 });
    // the index is an amplified basket of the equities: +0.15 % on each moves it about 0.6 %, some 3 strikes
    market.moveTo(1.0015);
    const next = await driving('the option legs re-resolved', () => {
      const r = engine.fno!.resolution('NIFTY')!;
      return r.option!.atmPaise !== old.option!.atmPaise ? r : undefined;
    });
    expect(Math.abs(next.option!.atmPaise - old.option!.atmPaise)).toBeGreaterThanOrEqual(reStrikes * STEP);
    expect(next.option!.ce).not.toBe(oldCe);
    expect(next.future).toBe(old.future);
    for (const sym of [next.option!.ce!, next.option!.pe!]) {
      await driving(`the new ${sym} subscribed`, () => subscribed(sym) === 'full');
      expect(engine.instruments.find((i) => i.symbol === sym)).toMatchObject({ exchange: 'NFO', underlying: 'NIFTY', expiry: '2026-12-08' });
    }
    // the `on: contract` instance (flat) now runs on the new call and put, the person's params kept
    const own = await driving('the on: contract instance on the new contracts', () => {
      const i = engine.strategies.get('nifty-atm-own');
      return i.symbols.join() === [next.option!.ce, next.option!.pe].join() ? i : undefined;
    });
    expect([own.running, own.params['fast']]).toEqual([true, 3]);
    expect(engine.status().fno!.pendingMoves).toEqual([]);
    // nothing needs the old put any more; the old call holds a position
    await driving(`the old ${oldPe} unsubscribed`, () => subscribed(oldPe) === undefined);
    expect(subscribed(oldCe)).toBe('full');
    expect(engine.feedDemand().get(oldCe)).toBe('full');
    // the routed instance trades the contracts resolved now; a SELL first closes the call held… by that instance only
    expect(engine.fno!.route('nifty-atm-trend', 'NIFTY 50', 'BUY', () => 0)).toEqual({ symbol: next.option!.ce, side: 'BUY' });
    // every order so far (the person's, and any the strategies sent) in whole lots
    for (const o of engine.trading.orders()) {
      const lot = engine.instruments.find((i) => i.symbol === o.symbol)!.lotSize;
      if (o.status !== 'REJECTED') expect(o.qty % lot, `${o.symbol} ${o.qty}`).toBe(0);
    }
  });

  it('the option chain follows its shown strikes on the Kite ticker, with no REST quote call', async () => {
    const quoteSpy = vi.spyOn(KiteRest.prototype, 'quote');
    try {
      const ask = () => client.call('options.chain', { underlying: 'NIFTY', strikes: 3 });
      let last: Awaited<ReturnType<typeof ask>> | undefined;
      const priced = (side: { lastPaise: number | null } | null) => side !== null && side.lastPaise !== null;
      expect((await ask()).expiry).toBe('2026-12-08');
      await driving('the chain priced from the ticker', () => {
        void ask().then((c) => (last = c));
        return last !== undefined && last.rows.length === 7 && last.rows.every((r) => priced(r.ce) && priced(r.pe)) ? last : undefined;
      });
      // the market stands still now: the chain settles on the prices the simulator's exchange has (its ticker's packets)
      const ltp = (symbol: string) => sim.exchange.lookupSymbol('NFO', symbol)!.lastPaise;
      const chain = await until('the chain on the exchange’s prices', async () => {
        const c = await ask();
        return c.rows.every((r) => r.ce!.lastPaise === ltp(r.ce!.symbol) && r.pe!.lastPaise === ltp(r.pe!.symbol)) ? c : undefined;
      });
      for (const r of chain.rows) for (const side of [r.ce!, r.pe!]) expect(subscribed(side.symbol), side.symbol).toBe('full');
      expect(chain.rows.some((r) => r.ce!.oi > 0)).toBe(true);
      expect(quoteSpy).not.toHaveBeenCalled();
    } finally {
      quoteSpy.mockRestore();
    }
  });
});
