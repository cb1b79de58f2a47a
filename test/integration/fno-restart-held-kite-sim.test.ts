/**
 * The held-position rule after an engine RESTART on the Kite feed (docs/options.md, runtime/fno-kite.ts), in
 * SHADOW mode against `kitedesk sim`'s NFO universe with prices driven by hand:
 *  - an `on: contract` option instance (on the ATM call's and put's own candles) takes a one-lot NRML position in
 *    the call through its intent (the path its signals take: sized, risk, Kite's basket margins, shadow fill);
 *  - the engine stops; NIFTY moves by several strikes on the simulator; the engine restarts on the same SQLite
 *    journal and strategy store (the ledger restored from the journal's fills, per strategy);
 *  - at the first dump the plan resolves today's ATM (another strike), but the instance stays on the contracts it
 *    holds: running, the held call subscribed in full mode, shown in `engine.status().fno.pendingMoves`;
 *  - its closing intent (an exit of its strategy) closes the call; flat, it moves to today's contracts and the
 *    old call leaves the ticker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { istTime, nseCalendar } from '../../src-engine/core/nse-calendar.js';
import { KiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { NIFTY50_SEEDS } from '../../src-engine/model/instruments.js';
import { openDatabase } from '../../src-engine/persistence/db.js';
import { StrategyInstanceRepo } from '../../src-engine/persistence/strategy-repo.js';
import { TradingRepo } from '../../src-engine/persistence/trading-repo.js';
import type { Engine } from '../../src-engine/runtime/engine.js';
import { startKiteEngine, type KiteEngine } from '../support/kite-engine.js';
import { FNO_DAY as DAY, FNO_OWN_ID as OWN, fnoShadowProfileYaml, fnoSimProbes, ManualMarket, NIFTY_STRIKE_STEP as STEP } from '../support/manual-market.js';

/** configs/fno-nifty.yaml's fno section with only the `on: contract` option instance: nothing else holds the call. */
const profileYaml = () => fnoShadowProfileYaml({ ownOnly: true });

describe('F&O held-position rule across an engine restart on the Kite feed (kitedesk sim, shadow)', () => {
  const sim = new KiteSimulator();
  const market = new ManualMarket(NIFTY50_SEEDS, istTime(DAY, '10:00'));
  const db = openDatabase(':memory:');
  const strategies = new StrategyInstanceRepo(db);
  let first: KiteEngine & { dataDir: string };
  let engine: Engine;
  const { subscribed, driving } = fnoSimProbes(sim, market);
  /** The instance's intent, as its signals send it (engine: runner.onIntent → trading). */
  const intent = (e: Engine, symbol: string, side: 'BUY' | 'SELL') => e.trading.onIntent({ symbol, side, score: side === 'BUY' ? 1 : -1, price: e.market.quote(symbol)!.lastPaise, reasons: [{ strategy: OWN }], tsEvent: market.now() });
  const worked = (e: Engine, id: string) =>
    driving(`order ${id} worked`, () => {
      const o = e.trading.orders().find((x) => x.orderId === id);
      return o && (o.status === 'COMPLETE' || o.status === 'REJECTED' || o.status === 'CANCELLED') ? o : undefined;
    });
  /** The instance's intent on `symbol` once it has a price, worked to COMPLETE: the order. */
  const filledIntent = async (e: Engine, symbol: string, side: 'BUY' | 'SELL') => {
    await driving(`a price of ${symbol}`, () => (e.market.quote(symbol)?.lastPaise ?? 0) > 0);
    const placed = intent(e, symbol, side);
    if (!('orders' in placed)) throw new Error(`the ${side} intent on ${symbol} placed no order: ${JSON.stringify(placed)}`);
    const done = await worked(e, placed.orders[0]!.orderId);
    expect(done.status, done.statusMessage).toBe('COMPLETE');
    return done;
  };
  let oldCe = '';
  let oldPe = '';
  let oldAtm = 0;
  let lot = 0;

  beforeAll(async () => {
    expect(nseCalendar.isTradingDay(DAY)).toBe(true);
    first = await startKiteEngine(sim, { sim: { market, flushIntervalMs: 50 }, profileYaml: profileYaml(), dataDirPrefix: 'kitedesk-fno-restart-', trading: new TradingRepo(db, 'shadow'), strategies });
    engine = first.engine;
  });

  afterAll(async () => {
    engine?.stop();
    first?.kite.dispose();
    await sim.close();
    db.close();
  });

  it('before the restart: the on: contract instance holds one lot of the ATM call it runs on', async () => {
    await driving('the F&O instance started', () => engine.fnoKite!.status().started.includes(OWN));
    const r = engine.fno!.resolution('NIFTY')!;
    oldCe = r.option!.ce!;
    oldPe = r.option!.pe!;
    oldAtm = r.option!.atmPaise;
    expect(engine.strategies.get(OWN).symbols).toEqual([oldCe, oldPe]);
    lot = engine.instruments.find((i) => i.symbol === oldCe)!.lotSize;
    const done = await filledIntent(engine, oldCe, 'BUY');
    expect(done).toMatchObject({ symbol: oldCe, side: 'BUY', qty: lot, product: 'NRML', strategy: OWN });
    expect(engine.trading.portfolio().positions.find((p) => p.symbol === oldCe && p.strategy === OWN)?.qty).toBe(lot);
  });

  it('after a restart with NIFTY moved: the instance keeps the call it holds (subscribed, running, shown) until flat, then moves and the call is released', async () => {
    engine.stop();
    // NIFTY moves by some 3 strikes on the simulator while the engine is down
    market.moveTo(1.0015);
    for (let i = 0; i < 5; i++) market.step();
    engine = (await startKiteEngine(sim, { profileYaml: profileYaml(), dataDirPrefix: 'kitedesk-fno-restart-', trading: new TradingRepo(db, 'shadow'), strategies, restart: { r: first.r, kite: first.kite, dataDir: first.dataDir } })).engine;
    // the ledger restored from the journal: the instance's call
    expect(engine.trading.portfolio().positions.find((p) => p.symbol === oldCe && p.strategy === OWN)?.qty).toBe(lot);

    const status = await driving('the F&O instances started after the restart', () => {
      const s = engine.fnoKite!.status();
      return s.state === 'resolved' && s.started.includes(OWN) ? s : undefined;
    });
    const r = engine.fno!.resolution('NIFTY')!;
    expect(Math.abs(r.option!.atmPaise - oldAtm)).toBeGreaterThanOrEqual(2 * STEP); // today's ATM is strikes away
    expect(r.option!.ce).not.toBe(oldCe);
    const newCe = r.option!.ce!;
    const newPe = r.option!.pe!;
    // the held-position rule: still on the contracts it holds, running, the call subscribed in full
    const own = engine.strategies.get(OWN);
    expect([own.symbols, own.running]).toEqual([[oldCe, oldPe], true]);
    expect(status.pendingMoves).toEqual([{ id: OWN, from: [oldCe, oldPe], to: [newCe, newPe], holding: [oldCe] }]);
    expect(engine.status().fno!.pendingMoves).toEqual(status.pendingMoves);
    await driving(`the held ${oldCe} subscribed in full`, () => subscribed(oldCe) === 'full');
    for (const s of [newCe, newPe]) await driving(`today's ${s} subscribed`, () => subscribed(s) === 'full');
    expect(engine.instruments.find((i) => i.symbol === oldCe)).toMatchObject({ exchange: 'NFO', lotSize: lot, underlying: 'NIFTY' });
    // a few seconds on: still there (checked each second)
    for (let i = 0; i < 3; i++) market.step();
    expect(engine.strategies.get(OWN).symbols).toEqual([oldCe, oldPe]);

    // its strategy's exit: the closing intent closes the call in its own product (an exit order of the instance)
    const done = await filledIntent(engine, oldCe, 'SELL');
    expect(done).toMatchObject({ symbol: oldCe, side: 'SELL', qty: lot, product: 'NRML', strategy: OWN });
    // flat: it moves to today's contracts (the person's params kept), the old call leaves the ticker
    const moved = await driving('the instance on today’s contracts', () => {
      const i = engine.strategies.get(OWN);
      return i.symbols.join() === [newCe, newPe].join() ? i : undefined;
    });
    expect([moved.running, moved.params['entryFrom']]).toEqual([true, '09:30']);
    expect(engine.status().fno!.pendingMoves).toEqual([]);
    await driving(`the old ${oldCe} unsubscribed`, () => subscribed(oldCe) === undefined);
  });
});
