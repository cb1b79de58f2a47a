import { describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { IntentJournal, SignalJournal } from './journal-repo.js';
import { StrategyInstanceRepo } from './strategy-repo.js';

describe('StrategyInstanceRepo and the journals', () => {
  it('round-trips instances in order, updates in place and appends new ones at the end', () => {
    const db = openDatabase(':memory:');
    const repo = new StrategyInstanceRepo(db, () => 42);
    expect(repo.list()).toEqual([]);
    repo.replaceAll([
      { id: 'b', type: 'macd', params: {}, symbols: ['TCS'], enabled: true },
      { id: 'a', type: 'ema_crossover', params: { fast: 5 }, symbols: ['INFY', 'M&M'], timeframe: '1m', weight: 0.5, enabled: false },
    ]);
    repo.save({ id: 'b', type: 'macd', params: { fast: 8 }, symbols: ['TCS'], enabled: false, lastError: { hook: 'onBar', symbol: 'TCS', message: 'x', ts: 1 } });
    repo.save({ id: 'c', type: 'vwap', params: {}, symbols: ['SBIN'], enabled: true });
    expect(repo.list()).toEqual([
      { id: 'b', type: 'macd', params: { fast: 8 }, symbols: ['TCS'], enabled: false, lastError: { hook: 'onBar', symbol: 'TCS', message: 'x', ts: 1 } },
      { id: 'a', type: 'ema_crossover', params: { fast: 5 }, symbols: ['INFY', 'M&M'], timeframe: '1m', weight: 0.5, enabled: false },
      { id: 'c', type: 'vwap', params: {}, symbols: ['SBIN'], enabled: true },
    ]);
    expect(repo.remove('a')).toBe(true);
    expect(repo.list().map((r) => r.id)).toEqual(['b', 'c']);
    db.close();
  });

  it('journals signals and intents, newest first', () => {
    const db = openDatabase(':memory:');
    const j = new SignalJournal(db);
    const base = { symbol: 'TCS', strategy: 's1', type: 'macd', confidence: 0.7, reason: 'r', pricePaise: 350_000, timeframe: '1m' as const, snapshot: { macd: 1.5 } };
    const a = j.append({ ...base, ts: 1000, side: 'BUY', barTime: 0 });
    const b = j.append({ ...base, ts: 2000, side: 'SELL', barTime: null });
    expect(b.id).toBeGreaterThan(a.id);
    expect(j.recent(10)).toEqual([b, a]);
    expect(j.recent(1)).toEqual([b]);
    const ij = new IntentJournal(db);
    ij.append({ tsEvent: 5, symbol: 'TCS', side: 'BUY', score: 0.5, timeframe: '1m', price: 100, reasons: [{ strategy: 's1' }], snapshot: {} });
    expect(ij.recent(5)).toMatchObject([{ symbol: 'TCS', score: 0.5, reasons: [{ strategy: 's1' }] }]);
    db.close();
  });
});
