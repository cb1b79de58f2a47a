import { afterEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { order as fixtureOrder } from '../model/testing.js';
import { openDatabase } from './db.js';
import { DeferredWrites } from './deferred-writes.js';
import { IntentJournal, SignalJournal } from './journal-repo.js';
import { TradingRepo } from './trading-repo.js';

/** The end of the current event-loop turn (where the group commit runs): no timer, no wall clock. */
const endOfTurn = () => new Promise<void>((r) => setImmediate(r));
const dbs: Database.Database[] = [];
const open = () => {
  const db = openDatabase(':memory:');
  dbs.push(db);
  return db;
};
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});
const count = (db: Database.Database, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const signal = (i: number) => ({ ts: 1000 + i, symbol: 'INFY', strategy: 'ema', type: 'ENTRY' as const, side: 'BUY' as const, confidence: 0.5, reason: `r${i}`, pricePaise: 150_000, timeframe: '1m' as const, barTime: 1000, snapshot: { ema: i } });
const decision = (i: number) => ({ ts: 1000 + i, clientId: `C${i}`, symbol: 'INFY', side: 'BUY' as const, qty: 1, strategy: 's', source: 'strategy' as const, action: 'ALLOW' as const, numbers: {} });

describe('DeferredWrites: the audit rows of one event-loop turn in one commit', () => {
  it('signals, intents and decisions get their ids at once and land together at the end of the turn', async () => {
    const db = open();
    const signals = new SignalJournal(db);
    const intents = new IntentJournal(db);
    const trading = new TradingRepo(db, 'paper');
    const ids = [0, 1, 2].map((i) => signals.append(signal(i)).id);
    const intentId = intents.append({ tsEvent: 1, symbol: 'INFY', side: 'BUY', score: 1, timeframe: '1m', price: 1, reasons: [], snapshot: {} });
    const d = trading.decision(decision(0));
    expect(ids).toEqual([1, 2, 3]);
    expect([intentId, d.id]).toEqual([1, 1]);
    expect([count(db, 'signals'), count(db, 'intents'), count(db, 'risk_decisions')]).toEqual([0, 0, 0]);
    expect(DeferredWrites.of(db).pending).toBe(5);
    await endOfTurn();
    expect([count(db, 'signals'), count(db, 'intents'), count(db, 'risk_decisions')]).toEqual([3, 1, 1]);
    expect((db.prepare('SELECT id, reason FROM signals ORDER BY id').all() as { id: number; reason: string }[]).map((r) => `${r.id}:${r.reason}`)).toEqual(['1:r0', '2:r1', '3:r2']);
    // ids continue from the table's rows (a restart on the same journal)
    const again = new SignalJournal(db);
    expect(again.append(signal(9)).id).toBe(4);
  });

  it('an order or fill write takes the waiting rows along first; reads see them; modes share the ids', () => {
    const db = open();
    const paper = new TradingRepo(db, 'paper');
    const live = paper.forMode('live');
    const a = paper.decision(decision(1));
    const b = live.decision(decision(2));
    expect(b.id).toBe(a.id + 1);
    expect(count(db, 'risk_decisions')).toBe(0);
    paper.orderChanged(fixtureOrder({ orderId: 'O1', clientId: 'C1', tsInit: 5, tsUpdate: 5 }), 'placed', 'paper');
    expect(count(db, 'risk_decisions')).toBe(2);
    paper.decision(decision(3));
    paper.atomically(() => undefined);
    expect(count(db, 'risk_decisions')).toBe(3);
    paper.decision(decision(4));
    expect(paper.recentDecisions(10).map((x) => x.clientId)).toEqual(['C4', 'C3', 'C1']);
    const signals = new SignalJournal(db);
    signals.append(signal(0));
    expect(signals.recent(5)).toHaveLength(1);
  });

  it('a failed group commit is reported, not thrown into the event loop', () => {
    const db = open();
    const signals = new SignalJournal(db);
    const errors: string[] = [];
    DeferredWrites.of(db).onError = (e) => errors.push(e.message);
    const s = signals.append(signal(0));
    // someone else took the id meanwhile (the one writer rule broken): the commit fails, the rows are reported lost
    db.prepare('INSERT INTO signals (id, ts, symbol, strategy, type, side, confidence, reason, price, timeframe, bar_time, snapshot) VALUES (?, 1, ?, ?, ?, ?, 0, ?, 1, ?, NULL, ?)').run(s.id, 'X', 'x', 'ENTRY', 'BUY', 'x', '1m', '{}');
    DeferredWrites.of(db).flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/UNIQUE|constraint/i);
    expect(DeferredWrites.of(db).pending).toBe(0);
  });
});
