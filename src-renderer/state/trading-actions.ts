import { ZERO_CHARGES, type ChargesBreakdownDto, type LiveRequest, type ManualOrderInput, type OrderDto, type PlaceResult, type RiskStatus } from '../../src-engine/contract/trading-schemas.js';
import type { EngineClient } from '../engine/connection.js';
import { describeError, type ShownError } from '../engine/errors.js';
import { useTradingStore } from './trading-store.js';

/** An engine request's outcome as the panels show it: the value, or the engine's code and message. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ShownError };

type Caller = Pick<EngineClient, 'call'>;

async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

/** "CONFLICT: order 123 is COMPLETE" — what an inline error line shows. */
export const errorText = (e: ShownError): string => `${e.code}: ${e.message}`;

const applyOrders = (store: typeof useTradingStore, orders: readonly OrderDto[]): void => {
  for (const o of orders) store.getState().orderDelta(o);
};

/** `orders.place`; the orders it produced go into the store at once (the push follows). */
export function placeOrder(client: Caller, order: ManualOrderInput, store = useTradingStore): Promise<Outcome<PlaceResult>> {
  return attempt(async () => {
    const r = await client.call('orders.place', order);
    applyOrders(store, r.orders);
    return r;
  });
}

export function cancelOrder(client: Caller, orderId: string, store = useTradingStore): Promise<Outcome<OrderDto>> {
  return attempt(async () => {
    const o = await client.call('orders.cancel', { orderId });
    store.getState().orderDelta(o);
    return o;
  });
}

export function modifyOrder(
  client: Caller,
  change: { orderId: string; pricePaise?: number; triggerPaise?: number; qty?: number },
  store = useTradingStore,
): Promise<Outcome<OrderDto>> {
  return attempt(async () => {
    const o = await client.call('orders.modify', change);
    store.getState().orderDelta(o);
    return o;
  });
}

/** Square off one strategy's position in one symbol, everything of a symbol, or (no target) everything. */
export function squareOff(
  client: Caller,
  target: { symbol?: string; strategy?: string },
  store = useTradingStore,
): Promise<Outcome<PlaceResult[]>> {
  return attempt(async () => {
    const rs = await client.call('positions.squareOff', target);
    for (const r of rs) applyOrders(store, r.orders);
    return rs;
  });
}

/** Exits risk did not let through, as one line (null when every exit was allowed). */
export function squareOffProblems(results: readonly PlaceResult[]): string | null {
  const bad = results.filter((r) => r.decision.action === 'BLOCK' || r.decision.action === 'HALT_SESSION');
  if (bad.length === 0) return null;
  return bad
    .map((r) => `${r.decision.symbol}: ${r.decision.action}${r.decision.rule ? ` ${r.decision.rule}` : ''}${r.decision.message ? ` — ${r.decision.message}` : ''}`)
    .join('; ');
}

/** Shadow mode: the Kite requests an order would have sent live. */
export function orderLiveParams(client: Caller, orderId: string): Promise<Outcome<LiveRequest[]>> {
  return attempt(() => client.call('orders.liveParams', { orderId }));
}

export function orderCharges(client: Caller, orderId: string): Promise<Outcome<ChargesBreakdownDto>> {
  return attempt(() => client.call('orders.charges', { orderId }));
}

const withRisk = (store: typeof useTradingStore, r: RiskStatus): RiskStatus => {
  store.getState().riskStatus(r);
  return r;
};

export function haltTrading(client: Caller, reason: string, store = useTradingStore): Promise<Outcome<RiskStatus>> {
  return attempt(async () => withRisk(store, await client.call('risk.halt', { reason })));
}

export function resumeTrading(client: Caller, store = useTradingStore): Promise<Outcome<RiskStatus>> {
  return attempt(async () => withRisk(store, await client.call('risk.resume', {})));
}

/** The kill switch on (optionally squaring off) or off; always sends `confirm: true` — the dialog was the confirmation. */
export function setKillSwitch(
  client: Caller,
  change: { engaged: boolean; squareOff?: boolean; reason?: string },
  store = useTradingStore,
): Promise<Outcome<RiskStatus>> {
  const input = {
    engaged: change.engaged,
    squareOff: change.engaged && change.squareOff === true,
    confirm: true as const,
    ...(change.reason ? { reason: change.reason } : {}),
  };
  return attempt(async () => withRisk(store, await client.call('risk.setKillSwitch', input)));
}

/** The seven charge components in the order a contract note lists them. */
export const CHARGE_COMPONENTS: readonly { key: Exclude<keyof ChargesBreakdownDto, 'totalPaise'>; label: string }[] = [
  { key: 'brokeragePaise', label: 'Brokerage' },
  { key: 'sttPaise', label: 'STT' },
  { key: 'exchangeTxnPaise', label: 'Exchange txn' },
  { key: 'sebiPaise', label: 'SEBI fees' },
  { key: 'stampDutyPaise', label: 'Stamp duty' },
  { key: 'gstPaise', label: 'GST' },
  { key: 'dpPaise', label: 'DP charges' },
];

/** Component-wise sum of breakdowns (integer paise), e.g. every order of one position. */
export function sumCharges(list: readonly ChargesBreakdownDto[]): ChargesBreakdownDto {
  const out: ChargesBreakdownDto = { ...ZERO_CHARGES };
  for (const c of list) {
    for (const { key } of CHARGE_COMPONENTS) out[key] += c[key];
    out.totalPaise += c.totalPaise;
  }
  return out;
}
