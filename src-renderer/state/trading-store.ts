import { create } from 'zustand';
import type { FillDto, OrderDto, PortfolioDto, RiskDecisionDto, RiskStatus } from '../../src-engine/contract/trading-schemas.js';
import {
  applyDecisionDelta,
  applyDecisionsSnapshot,
  applyFillsSnapshot,
  applyOrderDelta,
  applyOrdersSnapshot,
  applyPortfolio,
} from './trading.js';

/**
 * Orders, fills, portfolio and risk, apart from the app store: the portfolio is re-marked on every
 * tick and only the trading panels read it. Merge rules live in trading.ts.
 */
export interface TradingState {
  /** Today's orders, newest first (null before the first snapshot). */
  orders: readonly OrderDto[] | null;
  /** Fills, newest first. */
  fills: readonly FillDto[];
  /** The latest portfolio (null before the first snapshot). */
  portfolio: PortfolioDto | null;
  /** The latest risk status (null before the first snapshot). */
  risk: RiskStatus | null;
  /** The newest risk decisions, newest first. */
  decisions: readonly RiskDecisionDto[];
  /** Decision snapshots received (a snapshot is the state as found; deltas are news). */
  decisionSnapshots: number;

  ordersSnapshot(list: readonly OrderDto[]): void;
  /** One order that changed (a push, or the answer of place/modify/cancel). */
  orderDelta(o: OrderDto): void;
  fillsSnapshot(list: readonly FillDto[]): void;
  portfolioSnapshot(p: PortfolioDto): void;
  portfolioDelta(p: PortfolioDto): void;
  /** A push, or the answer of halt/resume/setKillSwitch: the latest wins. */
  riskStatus(r: RiskStatus): void;
  decisionsSnapshot(list: readonly RiskDecisionDto[]): void;
  decisionDelta(d: RiskDecisionDto): void;
}

export const initialTradingState = { orders: null, fills: [], portfolio: null, risk: null, decisions: [], decisionSnapshots: 0 } as const;

export const useTradingStore = create<TradingState>()((set) => ({
  ...initialTradingState,

  ordersSnapshot: (list) => set({ orders: applyOrdersSnapshot(list) }),
  orderDelta: (o) =>
    set((s) => {
      const orders = applyOrderDelta(s.orders ?? [], o);
      return orders === s.orders ? s : { orders };
    }),
  fillsSnapshot: (list) =>
    set((s) => {
      const fills = applyFillsSnapshot(s.fills, list);
      return fills === s.fills ? s : { fills };
    }),
  portfolioSnapshot: (p) => set({ portfolio: applyPortfolio(null, p, true) }),
  portfolioDelta: (p) =>
    set((s) => {
      const portfolio = applyPortfolio(s.portfolio, p);
      return portfolio === s.portfolio ? s : { portfolio };
    }),
  riskStatus: (risk) => set({ risk }),
  decisionsSnapshot: (list) => set((s) => ({ decisions: applyDecisionsSnapshot(list), decisionSnapshots: s.decisionSnapshots + 1 })),
  decisionDelta: (d) =>
    set((s) => {
      const decisions = applyDecisionDelta(s.decisions, d);
      return decisions === s.decisions ? s : { decisions };
    }),
}));
