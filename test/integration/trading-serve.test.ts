import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode, RpcClient, RpcError, fromWebSocket, kiteDeskApi } from '../../src-engine/contract/index.js';
import type { ChargesBreakdownDto, FillDto, OrderDto, PortfolioDto, RiskDecisionDto, RiskStatus } from '../../src-engine/contract/trading-schemas.js';
import { ensureBuilt, startServeProcess, tempDataDir, type ServeProcess } from '../support/serve-process.js';

/**
 * The trading API over a real `kitedesk serve` (paper broker on the simulator). The market has to be
 * open for an order to pass risk: the simulated clock starts inside the NSE session of Friday
 * 2026-11-20 at speed 1 (prices barely move during a test). The profile runs no strategies, so every
 * order, fill and position here is the test's own.
 */

type Client = RpcClient<typeof kiteDeskApi>;

async function connect(s: ServeProcess): Promise<{ c: Client; ws: WebSocket }> {
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const w = new WebSocket(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
    w.once('open', () => resolve(w));
    w.once('error', reject);
  });
  const c = new RpcClient(kiteDeskApi, { timeoutMs: 15_000 });
  c.attach(fromWebSocket(ws));
  return { c, ws };
}

/** The error a call failed with (the test fails if it did not fail). */
async function refusal(p: Promise<unknown>): Promise<RpcError> {
  const r = await p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  if (r.ok) throw new Error(`expected the call to be refused, it answered ${JSON.stringify(r.v)}`);
  expect(r.e).toBeInstanceOf(RpcError);
  return r.e as RpcError;
}

const WAIT = { timeout: 30_000, interval: 50 };
const COMPONENTS = ['brokeragePaise', 'sttPaise', 'exchangeTxnPaise', 'sebiPaise', 'stampDutyPaise', 'gstPaise', 'dpPaise'] as const;
const componentSum = (b: ChargesBreakdownDto) => COMPONENTS.reduce((s, k) => s + b[k], 0);
const openPositions = (p: PortfolioDto) => p.positions.filter((x) => x.qty !== 0);

const PROFILE = 'strategies: []\n';
/** Inside the session (09:15–15:30 IST) of a regular trading day; the restart starts later the same day. */
const START = '2026-11-20T10:00:00+05:30';
const RESTART = '2026-11-20T10:30:00+05:30';

describe('trading over the real serve (paper, no strategies, --sim-speed 1, market open)', () => {
  let s: ServeProcess;
  let dataDir: string;
  let profile: string;
  const args = (start: string) => ['--data-dir', dataDir, '--config', profile, '--sim-speed', '1', '--sim-start', start];
  const tick = new Map<string, number>();

  const ltp = async (c: Client, symbol: string): Promise<number> => {
    const [q] = await c.call('quotes.get', { symbols: [symbol] });
    expect(q?.lastPaise).toBeGreaterThan(0);
    return q!.lastPaise;
  };

  beforeAll(async () => {
    ensureBuilt();
    dataDir = tempDataDir();
    profile = join(dataDir, 'profile.yaml');
    writeFileSync(profile, PROFILE);
    s = await startServeProcess(args(START));
    const { c, ws } = await connect(s);
    for (const i of await c.call('instruments.list', {})) tick.set(i.symbol, i.tickSizePaise);
    ws.close();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('a MARKET BUY is allowed and fills; orders, trades, portfolio and the charges breakdown agree (net of charges)', async () => {
    const { c, ws } = await connect(s);
    expect((await c.call('risk.get', {})).killSwitch).toBe(false);
    const before = await ltp(c, 'INFY');

    const r = await c.call('orders.place', { symbol: 'INFY', side: 'BUY', qty: 5, orderType: 'MARKET' });
    expect(r.decision).toMatchObject({ action: 'ALLOW', symbol: 'INFY', side: 'BUY', qty: 5, strategy: 'manual', source: 'manual' });
    expect(r.decision.rule).toBeUndefined();
    expect(r.orders).toHaveLength(1);
    const placed = r.orders[0]!;
    expect(placed).toMatchObject({ symbol: 'INFY', side: 'BUY', qty: 5, orderType: 'MARKET', product: 'MIS', broker: 'paper', clientId: r.decision.clientId });

    let order: OrderDto | undefined;
    await vi.waitFor(async () => {
      order = (await c.call('orders.list', {})).find((o) => o.orderId === placed.orderId);
      expect(order?.status).toBe('COMPLETE');
    }, WAIT);
    expect(order).toMatchObject({ filledQty: 5, pendingQty: 0, cancelledQty: 0 });
    // a market fill near the last price (1 tick of slippage in the paper model; speed 1 barely moves it)
    expect(Math.abs(order!.avgPricePaise - before) / before).toBeLessThan(0.01);

    const fills = (await c.call('trades.list', {})).filter((f) => f.orderId === placed.orderId);
    expect(fills).toHaveLength(1);
    const fill = fills[0]!;
    expect(fill).toMatchObject({ symbol: 'INFY', side: 'BUY', qty: 5, product: 'MIS', strategy: 'manual', clientId: placed.clientId, pricePaise: order!.avgPricePaise });
    expect(fill.chargesPaise).toBeGreaterThan(0);

    const breakdown = await c.call('orders.charges', { orderId: placed.orderId });
    expect(componentSum(breakdown)).toBe(breakdown.totalPaise);
    expect(breakdown.totalPaise).toBe(fill.chargesPaise);
    expect(breakdown.brokeragePaise).toBeGreaterThan(0);
    // intraday equity: STT on the sell side only, stamp duty on the buy side only
    expect(breakdown.sttPaise).toBe(0);
    expect(breakdown.stampDutyPaise).toBeGreaterThan(0);

    const p = await c.call('portfolio.get', {});
    expect(p.mode).toBe('paper');
    const pos = p.positions.find((x) => x.symbol === 'INFY' && x.strategy === 'manual');
    expect(pos).toMatchObject({ qty: 5, avgPricePaise: fill.pricePaise, chargesPaise: fill.chargesPaise, realisedPaise: 0 });
    // net: the open quantity carries its entry charges
    expect(pos!.unrealisedPaise).toBe((pos!.markPaise - pos!.avgPricePaise) * pos!.qty - pos!.chargesPaise);
    expect(p.chargesPaise).toBeGreaterThan(0);
    const allFills = await c.call('trades.list', {});
    expect(p.chargesPaise).toBe(allFills.reduce((sum, f) => sum + f.chargesPaise, 0));
    expect(componentSum(p.charges)).toBe(p.charges.totalPaise);
    expect(p.charges.totalPaise).toBe(p.chargesPaise);
    expect(p.equityPaise).toBe(p.cashPaise + p.positions.reduce((sum, x) => sum + x.qty * x.markPaise, 0));
    expect(p.unrealisedPaise).toBe(p.positions.reduce((sum, x) => sum + x.unrealisedPaise, 0));

    // the decision is journalled
    const decisions = await c.call('risk.decisions', { limit: 20 });
    expect(decisions.find((d) => d.clientId === placed.clientId)).toMatchObject({ action: 'ALLOW', symbol: 'INFY' });
    ws.close();
  });

  it('a LIMIT far from the price is blocked (price_band), an off-tick price too (tick_size): no order; the same clientId twice places one order', async () => {
    const { c, ws } = await connect(s);
    const t = tick.get('TCS')!;
    expect(t).toBeGreaterThan(0);
    const last = await ltp(c, 'TCS');
    const countBefore = (await c.call('orders.list', {})).length;

    const far = Math.round((last * 0.8) / t) * t;
    const band = await c.call('orders.place', { symbol: 'TCS', side: 'BUY', qty: 1, orderType: 'LIMIT', pricePaise: far, clientId: 'bandTest1' });
    expect(band.decision).toMatchObject({ action: 'BLOCK', rule: 'price_band', clientId: 'bandTest1' });
    expect(band.decision.message).toBeTruthy();
    expect(band.orders).toEqual([]);

    // on the band's inside, one paisa off the tick grid
    const offTick = Math.round((last * 0.995) / t) * t + 1;
    const offTickResult = await c.call('orders.place', { symbol: 'TCS', side: 'BUY', qty: 1, orderType: 'LIMIT', pricePaise: offTick, clientId: 'tickTest1' });
    expect(offTickResult.decision).toMatchObject({ action: 'BLOCK', rule: 'tick_size' });
    expect(offTickResult.orders).toEqual([]);

    const orders = await c.call('orders.list', {});
    expect(orders).toHaveLength(countBefore);
    expect(orders.some((o) => o.clientId === 'bandTest1' || o.clientId === 'tickTest1')).toBe(false);
    const decisions = await c.call('risk.decisions', { limit: 20 });
    expect(decisions.find((d) => d.clientId === 'bandTest1')).toMatchObject({ action: 'BLOCK', rule: 'price_band' });
    expect(decisions.find((d) => d.clientId === 'tickTest1')).toMatchObject({ action: 'BLOCK', rule: 'tick_size' });

    // idempotency: a retry with the same clientId answers the first order
    const first = await c.call('orders.place', { symbol: 'TCS', side: 'BUY', qty: 1, orderType: 'MARKET', clientId: 'dupTest1' });
    const again = await c.call('orders.place', { symbol: 'TCS', side: 'BUY', qty: 1, orderType: 'MARKET', clientId: 'dupTest1' });
    expect(first.decision.action).toBe('ALLOW');
    expect(first.orders).toHaveLength(1);
    expect(again.orders.map((o) => o.orderId)).toEqual([first.orders[0]!.orderId]);
    const after = await c.call('orders.list', {});
    expect(after.filter((o) => o.clientId === 'dupTest1')).toHaveLength(1);
    expect(after).toHaveLength(countBefore + 1);
    await vi.waitFor(async () => {
      const fills = (await c.call('trades.list', {})).filter((f) => f.clientId === 'dupTest1');
      expect(fills.reduce((q, f) => q + f.qty, 0)).toBe(1);
    }, WAIT);
    const tcs = (await c.call('portfolio.get', {})).positions.find((x) => x.symbol === 'TCS' && x.strategy === 'manual');
    expect(tcs?.qty).toBe(1);
    ws.close();
  });

  it('bad input is refused typed, naming the field; an unknown order is NOT_FOUND', async () => {
    const { c, ws } = await connect(s);
    const countBefore = (await c.call('orders.list', {})).length;

    const fractional = await refusal(c.call('orders.place', { symbol: 'INFY', side: 'BUY', qty: 1.5, orderType: 'MARKET' }));
    expect(fractional.code).toBe(ErrorCode.INVALID_INPUT);
    expect((fractional.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain('qty');

    const cancel = await refusal(c.call('orders.cancel', { orderId: 'no-such-order' }));
    expect(cancel.code).toBe(ErrorCode.NOT_FOUND);
    const charges = await refusal(c.call('orders.charges', { orderId: 'no-such-order' }));
    expect(charges.code).toBe(ErrorCode.NOT_FOUND);

    expect(await c.call('orders.list', {})).toHaveLength(countBefore);
    ws.close();
  });

  it('a LIMIT without a price is INVALID_INPUT naming pricePaise (not a risk decision)', async () => {
    const { c, ws } = await connect(s);
    const countBefore = (await c.call('orders.list', {})).length;
    const noPrice = await refusal(c.call('orders.place', { symbol: 'INFY', side: 'BUY', qty: 1, orderType: 'LIMIT', clientId: 'noPrice1' }));
    expect(noPrice.code).toBe(ErrorCode.INVALID_INPUT);
    expect((noPrice.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain('pricePaise');
    expect(await c.call('orders.list', {})).toHaveLength(countBefore);
    ws.close();
  });

  it('streams: orders.updated, risk.decided and portfolio.updated push the deltas of a new order', async () => {
    const { c, ws } = await connect(s);
    let ordersSnap: OrderDto[] | undefined;
    const orderDeltas: OrderDto[] = [];
    let decisionsSnap: RiskDecisionDto[] | undefined;
    const decisionDeltas: RiskDecisionDto[] = [];
    let portfolioSnap: PortfolioDto | undefined;
    const portfolioDeltas: PortfolioDto[] = [];
    const subs = [
      c.subscribe('orders.updated', {}, { snapshot: (x) => (ordersSnap = x), delta: (d) => orderDeltas.push(d) }),
      c.subscribe('risk.decided', { limit: 10 }, { snapshot: (x) => (decisionsSnap = x), delta: (d) => decisionDeltas.push(d) }),
      c.subscribe('portfolio.updated', {}, { snapshot: (x) => (portfolioSnap = x), delta: (d) => portfolioDeltas.push(d) }),
    ];
    await vi.waitFor(() => {
      expect(ordersSnap).toBeDefined();
      expect(decisionsSnap).toBeDefined();
      expect(portfolioSnap).toBeDefined();
    }, WAIT);
    // the snapshots hold what the earlier tests did
    expect(ordersSnap!.some((o) => o.clientId === 'dupTest1')).toBe(true);
    expect(decisionsSnap!.some((d) => d.clientId === 'bandTest1' && d.rule === 'price_band')).toBe(true);
    expect(portfolioSnap!.positions.some((p) => p.symbol === 'INFY' && p.qty === 5)).toBe(true);

    const r = await c.call('orders.place', { symbol: 'RELIANCE', side: 'BUY', qty: 2, orderType: 'MARKET', clientId: 'streamTest1' });
    expect(r.decision.action).toBe('ALLOW');
    const orderId = r.orders[0]!.orderId;
    await vi.waitFor(() => {
      expect(orderDeltas.some((o) => o.orderId === orderId && o.clientId === 'streamTest1' && o.status === 'COMPLETE' && o.filledQty === 2)).toBe(true);
      expect(decisionDeltas.some((d) => d.clientId === 'streamTest1' && d.action === 'ALLOW' && d.symbol === 'RELIANCE')).toBe(true);
      expect(portfolioDeltas.some((p) => p.positions.some((x) => x.symbol === 'RELIANCE' && x.strategy === 'manual' && x.qty === 2))).toBe(true);
    }, WAIT);
    // a blocked order is streamed as a decision and changes no order
    const blocked = await c.call('orders.place', { symbol: 'RELIANCE', side: 'BUY', qty: 1, orderType: 'LIMIT', pricePaise: 100, clientId: 'streamBlock1' });
    expect(blocked.decision).toMatchObject({ action: 'BLOCK', rule: 'price_band' });
    await vi.waitFor(() => expect(decisionDeltas.some((d) => d.clientId === 'streamBlock1' && d.action === 'BLOCK' && d.rule === 'price_band')).toBe(true), WAIT);
    expect(orderDeltas.some((o) => o.clientId === 'streamBlock1')).toBe(false);
    for (const sub of subs) sub.close();
    ws.close();
  });

  it('the kill switch squares off and blocks; it survives a restart on the same data dir with the ledger rebuilt from the journal; released, orders pass', async () => {
    let { c, ws } = await connect(s);
    const opened = await c.call('orders.place', { symbol: 'HDFCBANK', side: 'BUY', qty: 3, orderType: 'MARKET' });
    expect(opened.decision.action).toBe('ALLOW');
    await vi.waitFor(async () => {
      expect((await c.call('portfolio.get', {})).positions.find((x) => x.symbol === 'HDFCBANK' && x.strategy === 'manual')?.qty).toBe(3);
    }, WAIT);
    expect(openPositions(await c.call('portfolio.get', {})).length).toBeGreaterThanOrEqual(3); // INFY, TCS, RELIANCE, HDFCBANK

    let statusSnap: RiskStatus | undefined;
    const statusDeltas: RiskStatus[] = [];
    c.subscribe('risk.statusChanged', {}, { snapshot: (x) => (statusSnap = x), delta: (d) => statusDeltas.push(d) });
    await vi.waitFor(() => expect(statusSnap?.killSwitch).toBe(false), WAIT);

    // the contract wants an explicit confirmation
    const unconfirmed = await refusal(c.call('risk.setKillSwitch', { engaged: true, squareOff: true } as never));
    expect(unconfirmed.code).toBe(ErrorCode.INVALID_INPUT);
    expect((unconfirmed.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain('confirm');
    expect((await c.call('risk.get', {})).killSwitch).toBe(false);

    const engaged = await c.call('risk.setKillSwitch', { engaged: true, squareOff: true, reason: 'integration test', confirm: true });
    expect(engaged).toMatchObject({ killSwitch: true, killReason: 'integration test' });
    await vi.waitFor(() => expect(statusDeltas.some((d) => d.killSwitch)).toBe(true), WAIT);

    let flat: PortfolioDto | undefined;
    await vi.waitFor(async () => {
      flat = await c.call('portfolio.get', {});
      expect(openPositions(flat)).toEqual([]);
    }, WAIT);
    const killOrders = (await c.call('orders.list', {})).filter((o) => o.source === 'killswitch');
    expect(killOrders.map((o) => `${o.symbol} ${o.side} ${o.qty} ${o.status}`).sort()).toEqual(
      ['HDFCBANK SELL 3 COMPLETE', 'INFY SELL 5 COMPLETE', 'RELIANCE SELL 2 COMPLETE', 'TCS SELL 1 COMPLETE'],
    );
    expect(await c.call('risk.get', {})).toMatchObject({ killSwitch: true, openPositions: 0 });

    // realised PnL, net, from the fills: every position is closed, so it is cash in − cash out − charges
    const fills: FillDto[] = await c.call('trades.list', {});
    const fromFills = fills.reduce((sum, f) => sum + (f.side === 'SELL' ? 1 : -1) * f.qty * f.pricePaise - f.chargesPaise, 0);
    expect(flat!.realisedPaise).toBe(fromFills);
    expect(flat!.chargesPaise).toBe(fills.reduce((sum, f) => sum + f.chargesPaise, 0));
    expect(flat!.equityPaise).toBe(flat!.capitalPaise + flat!.realisedPaise);
    const sell = fills.find((f) => f.orderId === killOrders.find((o) => o.symbol === 'HDFCBANK')!.orderId)!;
    const sellCharges = await c.call('orders.charges', { orderId: sell.orderId });
    expect(sellCharges.sttPaise).toBeGreaterThan(0); // the sell side pays STT
    expect(componentSum(sellCharges)).toBe(sellCharges.totalPaise);

    const blocked = await c.call('orders.place', { symbol: 'SBIN', side: 'BUY', qty: 1, orderType: 'MARKET' });
    expect(blocked.decision).toMatchObject({ action: 'BLOCK', rule: 'kill_switch' });
    expect(blocked.orders).toEqual([]);

    const ordersBefore = await c.call('orders.list', {});
    ws.close();

    // restart on the same data dir, later the same day
    expect(await s.stop()).toBe(0);
    s = await startServeProcess(args(RESTART));
    ({ c, ws } = await connect(s));

    expect(await c.call('risk.get', {})).toMatchObject({ killSwitch: true, killReason: 'integration test' });
    const fillsAfter = await c.call('trades.list', {});
    expect(fillsAfter).toEqual(fills);
    const rebuilt = await c.call('portfolio.get', {});
    expect(rebuilt.realisedPaise).toBe(flat!.realisedPaise);
    expect(rebuilt.chargesPaise).toBe(flat!.chargesPaise);
    expect(rebuilt.charges).toEqual(flat!.charges);
    expect(rebuilt.cashPaise).toBe(flat!.cashPaise);
    expect(openPositions(rebuilt)).toEqual([]);
    expect(rebuilt.strategies.find((x) => x.strategy === 'manual')?.realisedPaise).toBe(flat!.strategies.find((x) => x.strategy === 'manual')?.realisedPaise);
    const ordersAfter = await c.call('orders.list', {});
    expect(ordersAfter.map((o) => `${o.orderId} ${o.status} ${o.filledQty}`).sort()).toEqual(ordersBefore.map((o) => `${o.orderId} ${o.status} ${o.filledQty}`).sort());
    expect(await c.call('orders.charges', { orderId: sell.orderId })).toEqual(sellCharges);

    const stillBlocked = await c.call('orders.place', { symbol: 'SBIN', side: 'BUY', qty: 1, orderType: 'MARKET' });
    expect(stillBlocked.decision).toMatchObject({ action: 'BLOCK', rule: 'kill_switch' });

    const released = await c.call('risk.setKillSwitch', { engaged: false, confirm: true });
    expect(released.killSwitch).toBe(false);
    expect((await c.call('risk.get', {})).killSwitch).toBe(false);

    // the clientId placed before the restart still answers its order instead of placing another
    const retry = await c.call('orders.place', { symbol: 'TCS', side: 'BUY', qty: 1, orderType: 'MARKET', clientId: 'dupTest1' });
    expect(retry.orders.map((o) => o.orderId)).toEqual(ordersBefore.filter((o) => o.clientId === 'dupTest1').map((o) => o.orderId));

    const fresh = await c.call('orders.place', { symbol: 'SBIN', side: 'BUY', qty: 1, orderType: 'MARKET' });
    expect(fresh.decision.action).toBe('ALLOW');
    expect(fresh.orders).toHaveLength(1);
    const freshId = fresh.orders[0]!.orderId;
    expect(ordersBefore.map((o) => o.orderId)).not.toContain(freshId);
    await vi.waitFor(async () => {
      expect((await c.call('orders.list', {})).find((o) => o.orderId === freshId)?.status).toBe('COMPLETE');
    }, WAIT);
    const now = await c.call('portfolio.get', {});
    expect(openPositions(now).map((x) => `${x.symbol} ${x.qty}`)).toEqual(['SBIN 1']);
    expect(await c.call('orders.list', {})).toHaveLength(ordersBefore.length + 1);
    ws.close();
  });
});
