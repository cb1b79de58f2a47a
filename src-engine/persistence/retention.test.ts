import { DeferredWrites } from './deferred-writes.js';
import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import { TradingDay } from '../core/trading-day.js';
import { order as fixtureOrder } from '../model/testing.js';
import { openDatabase } from './db.js';
import { IntentJournal, SignalJournal } from './journal-repo.js';
import { JournalRetention, pruneJournal, RETENTION_CUTOFF_KEY } from './retention.js';
import { TradingRepo } from './trading-repo.js';

const charges = { brokeragePaise: 1, sttPaise: 0, exchangeTxnPaise: 0, sebiPaise: 0, stampDutyPaise: 0, gstPaise: 0, dpPaise: 0, totalPaise: 1 };
const DAYS = ['2026-12-03', '2026-12-04', '2026-12-06', '2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10'] as const;

/** Signals, intents, scans, orders, fills and risk decisions on each of DAYS (10:00 IST). */
function journal() {
  const db = openDatabase(':memory:');
  const signals = new SignalJournal(db);
  const intents = new IntentJournal(db);
  const trading = new TradingRepo(db, 'paper');
  const scan = db.prepare('INSERT INTO universe_scans (date_ist, symbol, rank, score, factors, selected, recorded_at) VALUES (?, ?, 1, 0.5, ?, 1, 0)');
  DAYS.forEach((day, i) => {
    const ts = istTime(day, '10:00');
    signals.append({ ts, symbol: 'INFY', strategy: 's', type: 'ema_crossover', side: 'BUY', confidence: 1, reason: day, pricePaise: 100, timeframe: '1m', barTime: null, snapshot: {} });
    intents.append({ tsEvent: ts, symbol: 'INFY', side: 'BUY', score: 1, timeframe: '1m', price: 100, reasons: [], snapshot: {} });
    scan.run(day, 'INFY', '{}');
    trading.orderChanged(fixtureOrder({ orderId: `O${i}`, clientId: `C${i}`, tsInit: ts, tsUpdate: ts }), 'placed', 'paper');
    trading.fill({ fillId: `F${i}`, orderId: `O${i}`, clientId: `C${i}`, symbol: 'INFY', exchange: 'NSE', side: 'BUY', product: 'MIS', strategy: 's', qty: 1, pricePaise: 100, tsEvent: ts, chargesPaise: 1, charges });
    trading.decision({ ts, clientId: `C${i}`, symbol: 'INFY', side: 'BUY', qty: 1, strategy: 's', source: 'strategy', action: 'ALLOW', numbers: {} });
  });
  // signals, intents and decisions wait for the turn's group commit (deferred-writes.ts): written before reading
  const count = (table: string): number => {
    DeferredWrites.of(db).flush();
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  };
  const signalDays = (): string[] => {
    DeferredWrites.of(db).flush();
    return (db.prepare('SELECT reason FROM signals ORDER BY ts').all() as { reason: string }[]).map((r) => r.reason);
  };
  const moneyTables = (): number[] => ['orders', 'order_events', 'fills', 'risk_decisions'].map(count);
  return { db, count, signalDays, moneyTables };
}

describe('journal retention', () => {
  it('deletes signals, intents and scans before the cutoff day, never orders, fills or risk decisions', () => {
    const j = journal();
    const money = j.moneyTables();
    expect(money).toEqual([7, 7, 7, 7]);
    const r = pruneJournal(j.db, istTime('2026-12-07', '00:00'));
    expect(r).toMatchObject({ signals: 3, intents: 3, universeScans: 3 });
    expect(j.signalDays()).toEqual(['2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10']);
    expect(j.count('intents')).toBe(4);
    expect((j.db.prepare('SELECT min(date_ist) AS d FROM universe_scans').get() as { d: string }).d).toBe('2026-12-07');
    expect(j.moneyTables()).toEqual(money);
    // the journals stay append-only for everything retention keeps, and for orders, fills and decisions always
    expect(() => j.db.prepare('DELETE FROM signals').run()).toThrow(/append-only/);
    expect(() => j.db.prepare('DELETE FROM intents').run()).toThrow(/append-only/);
    expect(() => j.db.prepare('UPDATE signals SET reason = ?').run('x')).toThrow(/append-only/);
    for (const t of ['order_events', 'fills', 'risk_decisions']) expect(() => j.db.prepare(`DELETE FROM ${t}`).run()).toThrow(/append-only/);
    // an earlier cutoff later (a clock behind) deletes nothing and does not move the recorded cutoff back
    expect(pruneJournal(j.db, istTime('2026-12-01', '00:00'))).toMatchObject({ signals: 0, intents: 0, universeScans: 0 });
    expect(Number((j.db.prepare('SELECT value FROM meta WHERE key = ?').get(RETENTION_CUTOFF_KEY) as { value: string }).value)).toBe(istTime('2026-12-07', '00:00'));
  });

  it('runs at start and on each day roll of the trading day', () => {
    const j = journal();
    const money = j.moneyTables();
    let now = istTime('2026-12-10', '08:00'); // Thursday, before the open
    const days = new TradingDay({ clock: { now: () => now } });
    const logs: string[] = [];
    const retention = new JournalRetention({ db: j.db, tradingDay: days, retentionDays: 3, log: (_l, m, d) => logs.push(`${m} ${JSON.stringify(d)}`) });
    // at start: keep 2026-12-07 … today
    expect(retention.last).toMatchObject({ signals: 3, cutoffMs: istTime('2026-12-07', '00:00') });
    expect(j.signalDays()).toEqual(['2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10']);
    // the same day: nothing rolls, nothing more goes
    now = istTime('2026-12-10', '15:00');
    expect(days.sync()).toBeUndefined();
    expect(j.signalDays()).toHaveLength(4);
    // Friday 00:00 IST: the roll prunes 2026-12-07
    now = istTime('2026-12-11', '00:00') + 1;
    expect(days.sync()).toMatchObject({ to: '2026-12-11' });
    expect(j.signalDays()).toEqual(['2026-12-08', '2026-12-09', '2026-12-10']);
    expect(j.count('intents')).toBe(3);
    expect(j.moneyTables()).toEqual(money);
    expect(logs.some((l) => l.startsWith('journal retention') && l.includes('"before":"2026-12-08"'))).toBe(true);
    // after stop, rolls no longer prune
    retention.stop();
    now = istTime('2026-12-14', '09:00');
    days.sync();
    expect(j.signalDays()).toHaveLength(3);
  });

  it('0 days keeps everything; a failure is logged, not thrown', () => {
    const j = journal();
    const days = new TradingDay({ clock: { now: () => istTime('2026-12-10', '10:00') } });
    const off = new JournalRetention({ db: j.db, tradingDay: days, retentionDays: 0 });
    expect(off.last).toBeUndefined();
    expect(j.signalDays()).toHaveLength(7);
    expect(() => new JournalRetention({ db: j.db, tradingDay: days, retentionDays: -1 })).toThrow(RangeError);
    j.db.close();
    const logs: string[] = [];
    const broken = new JournalRetention({ db: j.db, tradingDay: days, retentionDays: 1, log: (level, m) => logs.push(`${level} ${m}`) });
    expect(broken.last).toBeUndefined();
    expect(logs).toEqual(['error journal retention failed']);
  });
});
