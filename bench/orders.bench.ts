import { istTime } from '../src-engine/core/nse-calendar.js';
import { OrderManager } from '../src-engine/execution/order-manager.js';
import { PaperBroker } from '../src-engine/execution/paper-broker.js';
import type { OrderRequest } from '../src-engine/model/order.js';
import { riskConfigSchema } from '../src-engine/risk/config.js';
import { RiskEngine } from '../src-engine/risk/risk-engine.js';
import type { TradableInstrument } from '../src-engine/model/order.js';
import { NIFTY50_SEEDS } from '../src-engine/model/instruments.js';
import { Ledger } from '../src-engine/portfolio/ledger.js';
import { MemoryTradingStore, TradingService } from '../src-engine/runtime/trading.js';
import { QUICK, compare, record } from './harness.js';

/**
 * Orders through the whole trading path on one core: a person's MARKET order → risk (every rule) →
 * order manager (write-ahead journal to the in-memory store, state machine) → execution router →
 * paper broker (latency 0, fills at the last price with 1 tick of slippage) → charges (Zerodha's
 * schedule, per order) → ledger (average cost, integer paise) → exits. Orders alternate BUY and
 * SELL over 50 instruments so positions open and close; each order is preceded by a tick of its
 * symbol (mark-to-market, paper broker, exits). The simulated clock moves 1 ms per order (1,000
 * orders/s of feed time: the risk engine's rate caps are raised to allow it; Kite's real cap is 10/s).
 *
 * Baseline: the same fills applied to a bare Ledger (applyFill + mark), the cheapest part of the
 * path. Aim: ≥ 200k orders/s.
 */

const SYMBOLS = NIFTY50_SEEDS.slice(0, 50);
const INSTRUMENTS: TradableInstrument[] = SYMBOLS.map((s) => ({ symbol: s.symbol, exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 }));

export async function ordersBench(): Promise<void> {
  const clock = { t: istTime('2026-11-20', '09:20'), now() { return this.t; } };
  const svc = new TradingService({
    mode: 'paper',
    instruments: INSTRUMENTS,
    clock,
    store: new MemoryTradingStore(10_000, false),
    isMarketOpen: () => true,
    config: {
      capital: 1_000_000_000,
      exits: { default: { trailingBps: 0, atrMultipleStop: 0, atrMultipleTarget: 0, squareOffBeforeMs: 0 } },
      risk: { maxOpenPositions: 1000, maxTradesPerSymbolPerDay: 1_000_000, rate: { perSecond: 1000, perMinute: 100_000, perDay: 10_000_000 } },
    },
  });
  let k = 0;
  const subject = {
    name: 'risk → OMS → paper fill → charges → ledger',
    unit: 'order',
    run(n: number) {
      for (let i = 0; i < n; i++, k++) {
        clock.t += 1;
        const s = SYMBOLS[k % 50]!;
        const price = s.basePaise + ((k >> 6) % 20) * 5;
        svc.onTick(s.symbol, price, clock.t);
        const r = svc.placeManual({
          symbol: s.symbol,
          side: ((k / 50) | 0) % 2 === 0 ? 'BUY' : 'SELL',
          qty: 10,
          orderType: 'MARKET',
          product: 'MIS',
          validity: 'DAY',
          variety: 'regular',
        });
        if (r.decision.action !== 'ALLOW') throw new Error(`bench order blocked: ${r.decision.rule}: ${r.decision.message}`);
      }
    },
  };
  const ledger = new Ledger({ capitalPaise: 1_000_000_000_00 });
  let j = 0;
  const baseline = {
    name: 'the same fills into a bare Ledger (applyFill + mark)',
    unit: 'order',
    run(n: number) {
      for (let i = 0; i < n; i++, j++) {
        const s = SYMBOLS[j % 50]!;
        const price = s.basePaise + ((j >> 6) % 20) * 5;
        ledger.mark(s.symbol, price, j);
        ledger.applyFill({
          fillId: `F${j}`,
          orderId: `O${j}`,
          clientId: `C${j}`,
          symbol: s.symbol,
          exchange: 'NSE',
          side: ((j / 50) | 0) % 2 === 0 ? 'BUY' : 'SELL',
          product: 'MIS',
          strategy: 'manual',
          qty: 10,
          pricePaise: price + 5,
          tsEvent: j,
          chargesPaise: 20,
        });
      }
    },
  };
  const n = Number(process.env.BENCH_ORDERS ?? (QUICK ? 20_000 : 100_000));
  const kernel = await compare('Orders: the kernel trading path with journal, charges and exits, one core (aim ≥ 200k orders/s)', subject, baseline, n, 5);
  record({
    name: 'orders/s through the kernel',
    subject: 'MARKET orders: risk → OMS → paper fill → charges → ledger',
    value: kernel.subject,
    unit: 'orders/s',
    better: 'higher',
    baseline: { name: 'the same fills into a bare Ledger', value: kernel.baseline, unit: 'orders/s' },
  });
  const p = svc.portfolio();
  console.log(`  (after the run: ${svc.orders().length} orders, ${p.positions.filter((x) => x.qty !== 0).length} open positions, charges ₹${(p.chargesPaise / 100).toFixed(2)})`);
  await compare('Orders: the bare components — RiskEngine.check → OrderManager.submit → PaperBroker fill → Ledger.applyFill', coreCase(), baseline, n, 5);
}

/** The same path without the kernel's wiring: no journal, no charges, no exits, no DTOs. */
export function coreCase() {
  const clock = { t: istTime('2026-11-20', '09:20'), now() { return this.t; } };
  const inst = INSTRUMENTS[0]!;
  let ltp = SYMBOLS[0]!.basePaise;
  const market = { lastPricePaise: () => ltp, lastTickAt: () => clock.t, depth: () => undefined, instrument: () => inst };
  const ledger = new Ledger({ capitalPaise: 1_000_000_000_00 });
  const risk = new RiskEngine({
    config: riskConfigSchema.parse({ maxOpenPositions: 1000, maxTradesPerSymbolPerDay: 1_000_000, rate: { perSecond: 1000, perMinute: 100_000, perDay: 10_000_000 } }),
    account: ledger,
    market,
    clock,
    isMarketOpen: () => true,
  });
  const paper = new PaperBroker({ market, clock, marketHours: () => true });
  const oms = new OrderManager({ broker: paper, clock });
  oms.onFill((f) =>
    ledger.applyFill({
      fillId: f.fillId,
      orderId: f.orderId,
      clientId: f.clientId,
      symbol: f.symbol,
      exchange: f.exchange,
      side: f.side,
      product: f.product,
      strategy: f.strategy,
      qty: f.qty,
      pricePaise: f.pricePaise,
      tsEvent: f.tsEvent,
      chargesPaise: 20,
    }),
  );
  let k = 0;
  return {
    name: 'risk → OMS → paper fill → ledger (components only)',
    unit: 'order',
    run(n: number) {
      for (let i = 0; i < n; i++, k++) {
        clock.t += 1;
        ltp = SYMBOLS[0]!.basePaise + ((k >> 6) % 20) * 5;
        const req: OrderRequest = {
          clientId: `C${k}`,
          symbol: inst.symbol,
          exchange: 'NSE',
          side: k & 1 ? 'SELL' : 'BUY',
          qty: 10,
          orderType: 'MARKET',
          product: 'MIS',
          validity: 'DAY',
          variety: 'regular',
          strategy: 'manual',
          source: 'manual',
          tsInit: clock.t,
        };
        const d = risk.check(req);
        if (d.action !== 'ALLOW') throw new Error(`bench order blocked: ${d.action}`);
        oms.submit(req);
        risk.recordSent(clock.t);
      }
    },
  };
}
