import type { Order, OrderRequest } from './order.js';

/**
 * Test fixtures for orders (tests only): a valid LIMIT BUY of 10 INFY at ₹1,500 for strategy `ema`,
 * and the same order resting OPEN. Override what a test cares about.
 */
export function orderRequest(over: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientId: 'c1',
    symbol: 'INFY',
    exchange: 'NSE',
    side: 'BUY',
    qty: 10,
    orderType: 'LIMIT',
    product: 'MIS',
    validity: 'DAY',
    variety: 'regular',
    pricePaise: 150_000,
    strategy: 'ema',
    source: 'strategy',
    tsInit: 0,
    ...over,
  };
}

/** An order as the order manager tracks it: by default `orderRequest()` resting OPEN, nothing filled. */
export function order(over: Partial<Order> = {}): Order {
  const base = orderRequest(over);
  return {
    ...base,
    orderId: 'o1',
    status: 'OPEN',
    filledQty: 0,
    pendingQty: base.qty,
    cancelledQty: 0,
    filledValuePaise: 0,
    modifications: 0,
    tsUpdate: base.tsInit,
    ...over,
  };
}
