import type { ChargesBreakdownDto, FillDto, OrderDto, PortfolioDto, RiskDecisionDto, RiskStatus } from '../../src-engine/contract/trading-schemas.js';

/** Test data for the trading stores and panels (used by *.test.ts only). */

export const T0 = Date.UTC(2026, 10, 20, 3, 45);

export function order(id: string, over: Partial<OrderDto> = {}): OrderDto {
  return {
    orderId: id,
    clientId: `C${id}`,
    symbol: 'INFY',
    exchange: 'NSE',
    side: 'BUY',
    qty: 10,
    orderType: 'LIMIT',
    product: 'MIS',
    validity: 'DAY',
    variety: 'regular',
    pricePaise: 150_000,
    strategy: 'manual',
    source: 'manual',
    status: 'OPEN',
    filledQty: 0,
    pendingQty: 10,
    cancelledQty: 0,
    avgPricePaise: 0,
    broker: 'paper',
    tsInit: T0,
    tsUpdate: T0,
    ...over,
  };
}

export const fill = (id: string, ts: number): FillDto => ({
  fillId: id,
  orderId: 'O1',
  clientId: 'C1',
  symbol: 'INFY',
  side: 'BUY',
  product: 'MIS',
  strategy: 'manual',
  qty: 1,
  pricePaise: 150_000,
  chargesPaise: 12,
  tsEvent: ts,
});

export const decision = (id: number, over: Partial<RiskDecisionDto> = {}): RiskDecisionDto => ({
  id,
  ts: T0 + id,
  clientId: `C${id}`,
  symbol: 'INFY',
  side: 'BUY',
  qty: 10,
  strategy: 'manual',
  source: 'manual',
  action: 'ALLOW',
  numbers: {},
  ...over,
});

export const noCharges: ChargesBreakdownDto = { brokeragePaise: 0, sttPaise: 0, exchangeTxnPaise: 0, sebiPaise: 0, stampDutyPaise: 0, gstPaise: 0, dpPaise: 0, totalPaise: 0 };
export const portfolio = (tsEvent: number, equityPaise: number): PortfolioDto => ({
  mode: 'paper',
  capitalPaise: 1_00_000_00,
  cashPaise: 1_00_000_00,
  equityPaise,
  realisedPaise: 0,
  unrealisedPaise: 0,
  chargesPaise: 0,
  dayPnlPaise: equityPaise - 1_00_000_00,
  dayPeakEquityPaise: equityPaise,
  charges: noCharges,
  positions: [],
  strategies: [],
  tsEvent,
});

export const riskStatus = (over: Partial<RiskStatus> = {}): RiskStatus => ({
  halted: false,
  killSwitch: false,
  dayPnlPaise: 0,
  dailyLossLimitPaise: -500_000,
  drawdownPaise: 0,
  drawdownLimitPaise: 300_000,
  openPositions: 0,
  maxOpenPositions: 5,
  ...over,
});
