import { describe, expect, it } from 'vitest';
import { create } from 'zustand';
import type { EngineStatus } from '../../src-engine/contract/schemas.js';
import { DEFAULT_PREFS, fromDecision, fromOrder, fromRisk, fromStatus, showDesktop, useNotificationStore, watchNotifications } from './notifications.js';
import { decision, order, riskStatus } from './trading-fixtures.js';
import { initialTradingState, useTradingStore } from './trading-store.js';

const status = (over: Partial<EngineStatus> = {}): EngineStatus =>
  ({
    state: 'running',
    mode: 'paper',
    feed: 'kite',
    version: '0',
    protocol: 1,
    startedAt: 0,
    ticksPerSec: 100,
    totalTicks: 1,
    feedTime: 1,
    instruments: 1,
    connections: 1,
    kite: { state: 'active' },
    tradingDay: { date: '2026-11-20', phase: 'open' },
    ...over,
  }) as EngineStatus;

describe('notification detectors', () => {
  it('a fill by the quantity that filled, a rejection once, nothing for an unchanged order', () => {
    expect(fromOrder(undefined, order('1', { filledQty: 4, qty: 10, avgPricePaise: 150_005, status: 'OPEN' }))).toEqual([
      { kind: 'fill', title: 'BUY 4 INFY filled', body: 'at ₹1,500.05 avg · 4/10 · manual · paper', tone: 'up' },
    ]);
    expect(fromOrder({ filledQty: 4, status: 'OPEN' }, order('1', { filledQty: 10, avgPricePaise: 150_000, status: 'COMPLETE' }))[0]!.title).toBe('BUY 6 INFY filled');
    expect(fromOrder({ filledQty: 0, status: 'OPEN' }, order('1', { status: 'REJECTED', statusMessage: 'Insufficient funds' }))).toEqual([
      { kind: 'rejection', title: 'BUY 10 INFY rejected', body: 'Insufficient funds', tone: 'down' },
    ]);
    expect(fromOrder({ filledQty: 0, status: 'REJECTED' }, order('1', { status: 'REJECTED' }))).toEqual([]);
  });
  it("risk blocks of a person's orders only", () => {
    expect(fromDecision(decision(1, { action: 'BLOCK', rule: 'tick_size', message: 'not on the tick' }))).toEqual([
      { kind: 'risk-block', title: 'BUY 10 INFY blocked by risk', body: 'tick_size: not on the tick', tone: 'warn' },
    ]);
    expect(fromDecision(decision(2, { action: 'BLOCK', source: 'strategy' }))).toEqual([]);
    expect(fromDecision(decision(3, { action: 'ALLOW' }))).toEqual([]);
  });
  it('halt and kill switch on their way on; the first snapshot is not news', () => {
    expect(fromRisk(null, riskStatus({ halted: true }))).toEqual([]);
    expect(fromRisk(riskStatus(), riskStatus({ halted: true, haltReason: 'daily loss' })).map((d) => d.kind)).toEqual(['halt']);
    expect(fromRisk(riskStatus({ halted: true }), riskStatus({ halted: true, killSwitch: true })).map((d) => d.kind)).toEqual(['kill-switch']);
  });
  it('feed stale while open, session expired', () => {
    expect(fromStatus(status(), status({ ticksPerSec: 0 })).map((d) => d.kind)).toEqual(['feed-stale']);
    expect(fromStatus(status(), status({ ticksPerSec: 0, tradingDay: { date: '2026-11-20', phase: 'post-close' } }))).toEqual([]);
    expect(fromStatus(status(), status({ kite: { state: 'expired', message: 'expired at 06:00 IST' } }))[0]).toMatchObject({ kind: 'session-expired', body: 'expired at 06:00 IST' });
  });
  it('desktop delivery only when wanted, for the kind, with permission', () => {
    const shown: string[] = [];
    const api = (permission: string) => ({ permission, create: (t: string) => void shown.push(t) });
    const n = { id: 1, ts: 0, kind: 'fill' as const, title: 'X', body: '', tone: 'up' as const };
    expect(showDesktop(n, DEFAULT_PREFS, api('granted'))).toBe(false); // desktop off by default
    const on = { ...DEFAULT_PREFS, desktop: true };
    expect(showDesktop(n, on, api('denied'))).toBe(false);
    expect(showDesktop(n, { ...on, kinds: { ...on.kinds, fill: false } }, api('granted'))).toBe(false);
    expect(showDesktop(n, on, api('granted'))).toBe(true);
    expect(shown).toEqual(['X']);
  });
});

describe('the notification watcher over the stores', () => {
  it('seeds from the first snapshots, then notifies fills, blocks, halts and expiry; desktop for the chosen kinds', () => {
    useTradingStore.setState({ ...initialTradingState });
    const app = create<{ status: EngineStatus | null }>()(() => ({ status: null }));
    const notes = useNotificationStore;
    notes.getState().clear();
    notes.getState().setPrefs({ ...DEFAULT_PREFS, desktop: true });
    const desktop: string[] = [];
    const stop = watchNotifications({ trading: useTradingStore, app, desktop: () => ({ permission: 'granted', create: (t) => void desktop.push(t) }), now: () => 42 });
    const t = useTradingStore.getState();

    // history as found: an order already filled, an old block
    t.ordersSnapshot([order('A', { filledQty: 10, status: 'COMPLETE', avgPricePaise: 150_000 })]);
    t.decisionsSnapshot([decision(5, { action: 'BLOCK' })]);
    t.riskStatus(riskStatus());
    app.setState({ status: status() });
    expect(notes.getState().items).toEqual([]);

    // news
    t.orderDelta(order('B', { filledQty: 10, status: 'COMPLETE', avgPricePaise: 150_000, tsUpdate: 2 }));
    t.decisionDelta(decision(6, { action: 'BLOCK', rule: 'max_qty' }));
    t.riskStatus(riskStatus({ halted: true, haltReason: 'by hand' }));
    app.setState({ status: status({ kite: { state: 'expired' } }) });
    expect(notes.getState().items.map((n) => n.kind)).toEqual(['session-expired', 'halt', 'risk-block', 'fill']);
    expect(notes.getState().unread).toBe(4);
    expect(notes.getState().items[0]!.ts).toBe(42);
    expect(desktop).toEqual(['BUY 10 INFY filled', 'BUY 10 INFY blocked by risk', 'Trading halted', 'Kite session expired']);

    // a snapshot after a reconnect notifies only what changed meanwhile
    t.decisionsSnapshot([decision(7, { action: 'BLOCK' }), decision(6, { action: 'BLOCK' })]);
    expect(notes.getState().items[0]!.kind).toBe('risk-block');
    expect(notes.getState().items).toHaveLength(5);
    notes.getState().markRead();
    expect(notes.getState().unread).toBe(0);
    stop();
    t.orderDelta(order('C', { filledQty: 1, status: 'OPEN' }));
    expect(notes.getState().items).toHaveLength(5);
  });
});
