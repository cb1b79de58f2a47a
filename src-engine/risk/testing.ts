/**
 * Fakes for risk tests (and for callers' tests): a mutable account, a market with fixed instruments,
 * a hand-set clock and an in-memory state store. Not used by the engine itself.
 */
import type { Clock } from '../core/clock.js';
import type { OrderRequest, TradableInstrument } from '../model/order.js';
import type { RiskAccountView, RiskMarketView, RiskState, RiskStateStore } from './risk-engine.js';

export class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

export class FakeAccount implements RiskAccountView {
  dayStart = 10_00_000_00;
  equity = 10_00_000_00;
  peak = 10_00_000_00;
  pnl = 0;
  open = 0;
  positions = new Map<string, number>();
  symbolPnl = new Map<string, number>();
  trades = new Map<string, number>();
  marginAvail = 1e15;
  /** Σ |net| × mark of the account's positions (the ledger's grossExposurePaise). */
  gross = 0;
  /** Margin as bps of qty × price (10000 = full value, e.g. CNC). */
  marginBps = 10_000;
  /** A flat part of the margin per order (makes margin non-proportional to qty). */
  marginFixedPaise = 0;
  /** A part growing with qty² (a progressive margin: the proportional estimate undershoots). */
  marginPerQtySquaredPaise = 0;
  dayStartEquityPaise(): number {
    return this.dayStart;
  }
  equityPaise(): number {
    return this.equity;
  }
  dayPeakEquityPaise(): number {
    return this.peak;
  }
  dayPnlPaise(): number {
    return this.pnl;
  }
  openPositionCount(): number {
    return this.open;
  }
  grossExposurePaise(): number {
    return this.gross;
  }
  positionQty(symbol: string): number {
    return this.positions.get(symbol) ?? 0;
  }
  symbolDayPnlPaise(symbol: string): number {
    return this.symbolPnl.get(symbol) ?? 0;
  }
  tradesToday(symbol: string): number {
    return this.trades.get(symbol) ?? 0;
  }
  marginAvailablePaise(): number {
    return this.marginAvail;
  }
  marginRequiredPaise(req: OrderRequest, pricePaise: number): number {
    return Math.ceil((req.qty * pricePaise * this.marginBps) / 10_000) + this.marginFixedPaise + req.qty * req.qty * this.marginPerQtySquaredPaise;
  }
}

export class FakeMarket implements RiskMarketView {
  readonly instruments = new Map<string, TradableInstrument>();
  readonly ltp = new Map<string, number>();
  readonly tickAt = new Map<string, number>();
  constructor(instruments: TradableInstrument[] = []) {
    for (const i of instruments) this.instruments.set(i.symbol, i);
  }
  set(symbol: string, ltpPaise: number, at: number): void {
    this.ltp.set(symbol, ltpPaise);
    this.tickAt.set(symbol, at);
  }
  lastPricePaise(symbol: string): number | undefined {
    return this.ltp.get(symbol);
  }
  lastTickAt(symbol: string): number | undefined {
    return this.tickAt.get(symbol);
  }
  instrument(symbol: string): TradableInstrument | undefined {
    return this.instruments.get(symbol);
  }
}

export class MemoryRiskStore implements RiskStateStore {
  saved: RiskState | undefined;
  saves = 0;
  load(): RiskState | undefined {
    return this.saved ? { ...this.saved } : undefined;
  }
  save(s: RiskState): void {
    this.saved = { ...s };
    this.saves++;
  }
}
