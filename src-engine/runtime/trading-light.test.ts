import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import { Rng } from '../core/random.js';
import type { TradableInstrument } from '../model/order.js';
import { MemoryTradingStore, TradingService, type TradeIntent } from './trading.js';

/**
 * The backtest's light journal (MemoryTradingStore light: orders held as the order manager's records,
 * no per-transition rows) and the kernel's trade() (onIntent without the result's order DTOs) change
 * nothing the journal, the ledger or risk hold: the same intents and prints through a full store and
 * onIntent give the same orders, fills, decisions and positions.
 */

const OPEN = istTime('2026-11-20', '09:30');
const SYMBOLS = ['INFY', 'SBIN', 'TCS'];
const INSTRUMENTS: TradableInstrument[] = SYMBOLS.map((symbol) => ({ symbol, exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 }));

function service(store: MemoryTradingStore, marketFill: 'last' | 'next_tick', recordAllowed?: boolean, cacheOrderCharges?: boolean) {
  const clock = { t: OPEN, now() { return this.t; } };
  const svc = new TradingService({
    mode: 'backtest',
    ...(recordAllowed !== undefined ? { recordAllowed } : {}),
    ...(cacheOrderCharges !== undefined ? { cacheOrderCharges } : {}),
    instruments: INSTRUMENTS,
    clock,
    store,
    isMarketOpen: () => true,
    config: {
      capital: 1_000_000,
      product: 'MIS',
      charges: true,
      sizing: { default: { mode: 'fixed_value', valuePaise: 2_000_000 } },
      paper: { slippage: { ticks: 1 }, marketFill },
      exits: { default: { atrMultipleStop: 0, atrMultipleTarget: 0, trailingBps: 40 } },
      risk: { maxTradesPerSymbolPerDay: 40, maxOpenPositions: 2 },
    },
  });
  return { svc, clock };
}

/** The same random prints and intents through both services; returns what each journalled and holds. */
function run(seed: number, marketFill: 'last' | 'next_tick') {
  const full = new MemoryTradingStore();
  const light = new MemoryTradingStore(100_000, true, true);
  // the full side records ALLOW decisions too (as paper and live do); the backtest's default does not
  const a = service(full, marketFill, true, true);
  const b = service(light, marketFill);
  const announced: { a: string[]; b: string[] } = { a: [], b: [] };
  a.svc.onDecided((d) => announced.a.push(`${d.action} ${d.symbol} ${d.qty} ${d.rule ?? ''}`));
  b.svc.onDecided((d) => announced.b.push(`${d.action} ${d.symbol} ${d.qty} ${d.rule ?? ''}`));
  const rng = new Rng(seed);
  const px = new Map(SYMBOLS.map((s, i) => [s, 100_000 + 20_000 * i]));
  let results = 0;
  for (let step = 0; step < 3000; step++) {
    a.clock.t += 1_000;
    b.clock.t += 1_000;
    const symbol = SYMBOLS[Math.floor(rng.uniform() * SYMBOLS.length)]!;
    const p = Math.max(1_000, px.get(symbol)! + Math.round(rng.normal() * 4) * 5);
    px.set(symbol, p);
    a.svc.onTick(symbol, p, a.clock.t);
    b.svc.onTick(symbol, p, b.clock.t);
    if (rng.uniform() < 0.15) {
      const intent: TradeIntent = {
        symbol,
        side: rng.uniform() < 0.5 ? 'BUY' : 'SELL',
        score: 0.6,
        price: p,
        reasons: [{ strategy: rng.uniform() < 0.5 ? 'ema' : 'rsi', confidence: 0.6, weight: 1 }],
        tsEvent: a.clock.t,
      };
      const r = a.svc.onIntent(intent);
      if ('orders' in r) results += r.orders.length;
      b.svc.trade(intent);
    }
    a.svc.onClock(a.clock.t);
    b.svc.onClock(b.clock.t);
  }
  return { full, light, a: a.svc, b: b.svc, results, announced };
}

describe('the light journal and trade()', () => {
  for (const fill of ['last', 'next_tick'] as const) {
    it(`journal, ledger and risk decisions equal a full store's with onIntent (marketFill ${fill})`, () => {
      for (const seed of [11, 12]) {
        const { full, light, a, b, results, announced } = run(seed, fill);
        // the run traded, exited and was refused, so the comparison covers all three
        expect(results).toBeGreaterThan(50);
        expect(full.orders().some((o) => o.order.source === 'exit')).toBe(true);
        expect(full.decisions.some((d) => d.action === 'BLOCK')).toBe(true);
        expect(light.orders()).toEqual(full.orders());
        expect(light.fills()).toEqual(full.fills());
        // the backtest records and announces no ALLOW (recordAllowed off): every other decision the same
        expect(full.decisions.some((d) => d.action === 'ALLOW')).toBe(true);
        const strip = (ds: typeof full.decisions) => ds.map(({ id: _id, ...d }) => d);
        expect(strip(light.decisions)).toEqual(strip(full.decisions.filter((d) => d.action !== 'ALLOW')));
        expect(announced.b).toEqual(announced.a.filter((d) => !d.startsWith('ALLOW ')));
        expect(announced.b.length).toBeGreaterThan(0);
        expect(b.ledger.snapshot()).toEqual(a.ledger.snapshot());
        expect(b.ledger.closedTrades()).toEqual(a.ledger.closedTrades());
        expect(b.orders()).toEqual(a.orders());
        // finished orders' charges: from the journal's fills (backtest: no cache) = from the cache
        const charged = a.orders().filter((o) => o.filledQty > 0);
        expect(charged.length).toBeGreaterThan(50);
        for (const o of charged) expect(b.orderCharges(o.orderId)).toEqual(a.orderCharges(o.orderId));
        expect(charged.some((o) => a.orderCharges(o.orderId).totalPaise > 0)).toBe(true);
        // the light store keeps no per-transition rows; the full one keeps every status change
        expect(light.events).toEqual([]);
        // (placed, then OPEN or REJECTED, then fills: the backtest's paper broker skips the transient statuses)
        expect(full.events.length).toBeGreaterThan(2 * full.orders().length);
      }
    });
  }

  it("a light row is a copy when read: a later change of the order manager's record does not reach a list already returned", () => {
    const light = new MemoryTradingStore(100, true, true);
    const { svc, clock } = service(light, 'next_tick');
    svc.onTick('INFY', 100_000, clock.t);
    svc.trade({ symbol: 'INFY', side: 'BUY', score: 0.6, price: 100_000, reasons: [{ strategy: 'ema' }], tsEvent: clock.t });
    const before = light.orders();
    expect(before.map((r) => r.order.status)).toEqual(['OPEN']);
    clock.t += 1_000;
    svc.onTick('INFY', 100_500, clock.t);
    expect(before.map((r) => r.order.status)).toEqual(['OPEN']);
    expect(light.orders().map((r) => [r.order.status, r.order.filledQty, r.broker])).toEqual([['COMPLETE', 20, 'paper']]);
  });
});
