import { beforeEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src-engine/contract/errors.js';
import { decision, noCharges, order, riskStatus } from './trading-fixtures.js';
import { cancelOrder, placeOrder, setKillSwitch, squareOffProblems, sumCharges } from './trading-actions.js';
import { initialTradingState, useTradingStore } from './trading-store.js';

function fakeCaller(answer: (method: string, input: unknown) => unknown) {
  const calls: { method: string; input: unknown }[] = [];
  const client = {
    call: (method: string, input: unknown) => {
      calls.push({ method, input });
      try {
        return Promise.resolve(answer(method, input));
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
  return { client: client as unknown as Parameters<typeof placeOrder>[0], calls };
}

describe('trading actions', () => {
  beforeEach(() => useTradingStore.setState(initialTradingState));

  it('places an order and puts its orders in the store before the push', async () => {
    const f = fakeCaller(() => ({ decision: decision(1), orders: [order('O9')] }));
    const r = await placeOrder(f.client, { symbol: 'INFY', side: 'BUY', qty: 1, orderType: 'MARKET', clientId: 'T1' });
    expect(r.ok).toBe(true);
    expect(f.calls[0]).toMatchObject({ method: 'orders.place', input: { clientId: 'T1' } });
    expect(useTradingStore.getState().orders!.map((o) => o.orderId)).toEqual(['O9']);
  });

  it('gives the engine code and message back when it refuses (CONFLICT on a completed order)', async () => {
    const f = fakeCaller(() => {
      throw new RpcError('CONFLICT', 'order O1 is COMPLETE');
    });
    const r = await cancelOrder(f.client, 'O1');
    expect(r).toEqual({ ok: false, error: { code: 'CONFLICT', message: 'order O1 is COMPLETE' } });
    expect(useTradingStore.getState().orders).toBeNull();
  });

  it('the kill switch always confirms, squares off only when engaging, and updates the risk status', async () => {
    const f = fakeCaller((_m, input) => riskStatus({ killSwitch: (input as { engaged: boolean }).engaged }));
    await setKillSwitch(f.client, { engaged: true, squareOff: true, reason: 'panic' });
    expect(f.calls[0]).toEqual({ method: 'risk.setKillSwitch', input: { engaged: true, squareOff: true, confirm: true, reason: 'panic' } });
    expect(useTradingStore.getState().risk!.killSwitch).toBe(true);
    await setKillSwitch(f.client, { engaged: false, squareOff: true });
    expect(f.calls[1]).toEqual({ method: 'risk.setKillSwitch', input: { engaged: false, squareOff: false, confirm: true } });
    expect(useTradingStore.getState().risk!.killSwitch).toBe(false);
  });

  it('sums charge breakdowns component by component and lists blocked exits', () => {
    const a = { ...noCharges, brokeragePaise: 2000, sttPaise: 25, gstPaise: 361, totalPaise: 2386 };
    const b = { ...noCharges, brokeragePaise: 1500, stampDutyPaise: 3, totalPaise: 1503 };
    expect(sumCharges([a, b])).toEqual({ ...noCharges, brokeragePaise: 3500, sttPaise: 25, gstPaise: 361, stampDutyPaise: 3, totalPaise: 3889 });
    expect(sumCharges([])).toEqual(noCharges);

    expect(squareOffProblems([{ decision: decision(1), orders: [] }])).toBeNull();
    expect(squareOffProblems([{ decision: decision(1, { symbol: 'TCS', action: 'BLOCK', rule: 'kill_switch' }), orders: [] }])).toBe('TCS: BLOCK kill_switch');
  });
});
