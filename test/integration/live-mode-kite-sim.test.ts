/**
 * Live mode end to end against our Kite simulator standing in for Kite, pointed at by configuration
 * only (the session's root): the engine on the Kite feed, `mode.set live` refused without `confirm:
 * 'LIVE'` and with a failing preflight (each reason shown), accepted after; manual and strategy orders
 * reach the simulator with their tags; our net positions equal the simulator's; Kite's static-IP
 * rejection halts live trading with its fix and is not retried; back to paper, nothing more reaches it.
 * Everything goes through the contract (an in-memory transport pair), as the UI would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KiteRest } from '../../src-engine/adapters/kite/rest-client.js';
import type { KiteDeskApi } from '../../src-engine/contract/api.js';
import type { RpcClient } from '../../src-engine/contract/rpc-client.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import type { Engine } from '../../src-engine/runtime/engine.js';
import type { KiteSessionManager } from '../../src-engine/runtime/kite-session.js';
import { STATIC_IP_FIX } from '../../src-engine/runtime/live-mode.js';
import { SIM_API_KEY, startKiteEngine, until } from '../support/kite-engine.js';

const PROFILE = `
feed: { kind: kite, backfillMinutes: 5 }
watchlist: [INFY, TCS]
universe: { seed: custom, symbols: [INFY, TCS], softCap: 2 }
strategies:
  - { id: ema-infy, type: ema_crossover, params: { fast: 5, slow: 13 }, symbols: [INFY], timeframe: 1m }
trading: { sizing: { default: { mode: fixed_qty, qty: 3 } } }
`;

describe('live mode against kitedesk sim', () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;
  let kite: KiteSessionManager;
  let engine: Engine;
  let client: RpcClient<KiteDeskApi>;
  let simRest: KiteRest;

  beforeAll(async () => {
    ({ r, kite, engine, client } = await startKiteEngine(sim, {
      sim: { seed: 7 },
      profileYaml: PROFILE,
      dataDirPrefix: 'kitedesk-live-',
      live: { reconcileMs: 1000, lookupIntervalMs: 200 },
    }));
    // the test's own client shares the api key's GET rate (10/s) with the engine's live broker: it retries a 429 patiently
    simRest = new KiteRest({ apiKey: SIM_API_KEY, accessToken: kite.connection()!.accessToken, root: r.url, getRetries: 8, getRetryInitialMs: 400 });
  });

  afterAll(async () => {
    engine?.stop();
    kite?.dispose();
    await sim.close();
  });

  /** The simulator's order book rows carrying one of our tags. */
  const simOrders = async () => (await simRest.orders()).filter((o) => o.tag !== null && /^[LPS]/.test(o.tag));

  it('refuses live without LIVE and with a failing preflight (each reason shown), then goes live', async () => {
    await until('the Kite feed to go live', () => engine.status().feedStatus?.state === 'live', 45_000);
    const st = await client.call('mode.get', {});
    expect(st).toMatchObject({ mode: 'paper', liveAvailable: true, reconciliation: { state: 'idle' } });

    const noConfirm = await client.call('mode.set', { mode: 'live' });
    expect(noConfirm).toMatchObject({ ok: false, refused: 'confirm' });
    expect(noConfirm.preflight!.checks.every((c) => c.reason.length > 0)).toBe(true);
    expect(noConfirm.message).toMatch(/typing LIVE/);

    await client.call('risk.halt', { reason: 'checking the preflight' });
    const failing = await client.call('mode.set', { mode: 'live', confirm: 'LIVE' });
    expect(failing).toMatchObject({ ok: false, refused: 'preflight' });
    expect(failing.preflight!.checks.find((c) => c.id === 'risk')).toMatchObject({ ok: false, reason: expect.stringMatching(/risk is halted: checking the preflight/) });
    expect(failing.preflight!.checks.filter((c) => c.id !== 'risk').every((c) => c.ok)).toBe(true);
    await client.call('risk.resume', {});

    const summary = await client.call('mode.liveSummary', {});
    expect(summary).toMatchObject({ userId: expect.any(String), strategies: [{ id: 'ema-infy' }] });
    expect(summary.fundsPaise).toBeGreaterThan(0);
    expect(summary.staticIpNote).toMatch(/static IP/);

    const ok = await client.call('mode.set', { mode: 'live', confirm: 'LIVE' });
    expect(ok).toMatchObject({ ok: true, state: { mode: 'live' } });
    expect(engine.status().mode).toBe('live');
    const history = await client.call('mode.history', { limit: 20 });
    expect(history.map((e) => e.kind)).toEqual(expect.arrayContaining(['switch', 'refused', 'preflight']));
    expect(history[0]).toMatchObject({ kind: 'switch', to: 'live' });
  }, 90_000);

  it('manual and strategy orders reach the simulator with their tags; net positions equal the simulator\'s', async () => {
    const manual = await client.call('orders.place', { symbol: 'INFY', side: 'BUY', qty: 4, orderType: 'MARKET', product: 'MIS' });
    expect(manual.decision, JSON.stringify(manual.decision)).toMatchObject({ action: 'ALLOW' });
    const manualTag = manual.orders[0]!.clientId;
    expect(manual.orders[0]!.broker).toBe('live');
    // a strategy intent, as the strategy runner hands it to the kernel
    const price = engine.market.quote('TCS')?.lastPaise ?? 350_000;
    const intent = engine.trading.onIntent({ symbol: 'TCS', side: 'BUY', score: 1, price, tsEvent: engine.feed.now(), reasons: [{ strategy: 'ema-infy', confidence: 1 }] });
    expect('orders' in intent && intent.orders.length).toBe(1);
    const strategyTag = 'orders' in intent ? intent.orders[0]!.clientId : '';

    const atSim = await until('both orders complete at the simulator', async () => {
      const rows = await simOrders();
      const m = rows.find((o) => o.tag === manualTag);
      const s = rows.find((o) => o.tag === strategyTag);
      return m?.status === 'COMPLETE' && s?.status === 'COMPLETE' ? { m, s } : undefined;
    });
    expect(atSim.m).toMatchObject({ tradingsymbol: 'INFY', quantity: 4, product: 'MIS', transactionType: 'BUY' });
    expect(atSim.s).toMatchObject({ tradingsymbol: 'TCS', quantity: 3, product: 'MIS', transactionType: 'BUY' });

    await until('our orders complete', () => engine.trading.orders().filter((o) => [manualTag, strategyTag].includes(o.clientId) && o.status === 'COMPLETE').length === 2);
    const rec = await until('a clean reconciliation round', async () => {
      const x = await engine.modes.reconcileNow();
      return x.state === 'clean' ? x : undefined;
    });
    expect(rec.mismatches.filter((m) => m.kind !== 'external')).toEqual([]);
    const kiteNet = (await simRest.positions()).net.filter((p) => p.quantity !== 0).map((p) => [p.tradingsymbol, p.product, p.quantity]).sort();
    const ours = new Map<string, number>();
    for (const p of engine.trading.portfolio().positions) ours.set(p.symbol, (ours.get(p.symbol) ?? 0) + p.qty);
    expect([...ours].filter(([, q]) => q !== 0).map(([s, q]) => [s, 'MIS', q]).sort()).toEqual(kiteNet);
    expect((await client.call('mode.get', {})).reconciliation.state).toBe('clean');
  }, 60_000);

  it('each live fill is paired with what the paper model would have filled at send: live.slippage per order and per strategy', async () => {
    const done = new Map((await simOrders()).filter((o) => o.status === 'COMPLETE').map((o) => [o.tag!, o]));
    const rep = await client.call('live.slippage', {});
    const rows = rep.orders.filter((o) => done.has(o.clientId));
    expect(rows.map((r) => r.strategy).sort()).toEqual(['ema-infy', 'manual']);
    for (const r of rows) {
      const k = done.get(r.clientId)!;
      // the model saw the feed at send (the strategy symbol's full depth, the watchlist's quote)
      expect(['depth', 'last']).toContain(r.basis);
      expect(r).toMatchObject({ symbol: k.tradingsymbol, side: k.transactionType, qty: k.quantity, modelQty: k.quantity, filledQty: k.quantity });
      // real = Kite's average fill price; adverse-positive: a BUY above the model costs, below it saves
      expect(Math.abs(r.realPricePaise! - k.averagePricePaise)).toBeLessThanOrEqual(1);
      const sign = r.side === 'BUY' ? 1 : -1;
      expect(r.diffPaise).toBe(sign * (r.realPricePaise! - r.modelPricePaise!));
      expect(r.costPaise).toBe(r.diffPaise! * r.filledQty);
      expect(r.bps).toBeCloseTo((r.diffPaise! * 10_000) / r.modelPricePaise!, 1);
      // the model and Kite price the same market: within the protection band
      expect(Math.abs(r.bps!)).toBeLessThan(200);
    }
    const all = rep.strategies[0]!;
    expect(all.strategy).toBe('*');
    expect(all.costPaise).toBe(rep.orders.reduce((t, r) => t + (r.costPaise ?? 0), 0));
    for (const id of ['manual', 'ema-infy']) expect(rep.strategies.find((a) => a.strategy === id)).toMatchObject({ paired: 1 });
  }, 30_000);

  it("Kite's static-IP rejection: shown with its fix, not retried, live trading halted", async () => {
    sim.setAllowedIps(['10.9.8.7']);
    try {
      const before = (await simOrders()).length;
      const res = await client.call('orders.place', { symbol: 'INFY', side: 'BUY', qty: 1, orderType: 'MARKET', product: 'MIS' });
      const id = res.orders[0]!.orderId;
      const o = await until('the rejection', () => engine.trading.orders().find((x) => x.orderId === id && x.status === 'REJECTED'));
      expect(o.statusMessage).toMatch(/static IP/i);
      const st = await until('the alarm', async () => {
        const s = await client.call('mode.get', {});
        return s.alarm !== undefined ? s : undefined;
      });
      expect(st.alarm).toBe(STATIC_IP_FIX);
      expect((await client.call('risk.get', {})).halted).toBe(true);
      await new Promise((res2) => setTimeout(res2, 1500));
      expect((await simOrders()).length).toBe(before);
    } finally {
      sim.setAllowedIps(undefined);
      await client.call('risk.resume', {});
    }
  }, 30_000);

  it('back to paper: nothing more reaches the simulator; the paper ledger is its own', async () => {
    const atSim = (await simOrders()).length;
    const back = await client.call('mode.set', { mode: 'paper' });
    expect(back).toMatchObject({ ok: true, state: { mode: 'paper', reconciliation: { state: 'idle' } } });
    expect(engine.trading.portfolio()).toMatchObject({ mode: 'paper' });
    const paper = await client.call('orders.place', { symbol: 'INFY', side: 'BUY', qty: 2, orderType: 'MARKET', product: 'MIS' });
    expect(paper.orders[0]!.broker).toBe('paper');
    engine.trading.onIntent({ symbol: 'TCS', side: 'BUY', score: 1, price: engine.market.quote('TCS')?.lastPaise ?? 350_000, tsEvent: engine.feed.now(), reasons: [{ strategy: 'ema-infy' }] });
    await until('the paper fill', () => engine.trading.orders().find((o) => o.orderId === paper.orders[0]!.orderId && o.status === 'COMPLETE'));
    await new Promise((res) => setTimeout(res, 1500));
    expect((await simOrders()).length).toBe(atSim);
    expect(engine.trading.portfolio().positions.find((p) => p.symbol === 'INFY')?.qty).toBe(2);
  }, 30_000);
});
