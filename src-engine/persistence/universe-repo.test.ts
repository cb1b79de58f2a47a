import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UniverseJournalEntry } from '../scanner/scanner.js';
import { openDatabase } from './db.js';
import { UniverseScanRepo } from './universe-repo.js';

const entry = (symbol: string, rank: number, score: number, selected: boolean): UniverseJournalEntry => ({
  symbol,
  rank,
  score,
  atrPct: 1.5 + rank / 10,
  avgValuePaise: 1_000_000_000 * rank,
  trend: 20 + rank,
  direction: rank % 2 === 0 ? 1 : -1,
  ranks: { volatility: 0.5, liquidity: 1, trend: 0 },
  lastClosePaise: 150_005,
  lastBarDay: '2026-11-20',
  barsUsed: 250,
  selected,
});

describe('UniverseScanRepo (SQLite UniverseJournal)', () => {
  it('round-trips a day, upserts by (date, symbol) and replaces the day on a re-plan, other days untouched', () => {
    const db = openDatabase(':memory:');
    const repo = new UniverseScanRepo(db, () => 1);
    expect(repo.get('2026-11-23')).toEqual([]);
    const day1 = [entry('TCS', 1, 0.9, true), entry('INFY', 2, 0.5, true), entry('SBIN', 3, 0.1, false)];
    repo.recordUniverse('2026-11-23', day1);
    repo.recordUniverse('2026-11-24', [entry('ITC', 1, 1, true)]);
    expect(repo.get('2026-11-23')).toEqual(day1);
    // Same day again (a restart): SBIN now first, INFY gone.
    const again = [entry('SBIN', 1, 0.8, true), entry('TCS', 2, 0.7, false)];
    repo.recordUniverse('2026-11-23', again);
    expect(repo.get('2026-11-23')).toEqual(again);
    expect(repo.get('2026-11-24').map((e) => e.symbol)).toEqual(['ITC']);
    expect(repo.dates()).toEqual(['2026-11-23', '2026-11-24']);
    expect(() => repo.recordUniverse('23-11-2026', day1)).toThrow(RangeError);
    expect(() => repo.recordUniverse('2026-11-25', [entry('TCS', 1, 1, true), entry('TCS', 2, 1, true)])).toThrow(/twice/);
    expect(repo.get('2026-11-25')).toEqual([]); // the transaction rolled back
    db.close();
  });

  it('survives a reopen of the database file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kitedesk-universe-'));
    try {
      const file = join(dir, 'k.sqlite');
      const db = openDatabase(file);
      new UniverseScanRepo(db).recordUniverse('2026-11-23', [entry('M&M', 1, 0.25, true)]);
      db.close();
      const db2 = openDatabase(file);
      expect(new UniverseScanRepo(db2).get('2026-11-23')).toEqual([entry('M&M', 1, 0.25, true)]);
      db2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
