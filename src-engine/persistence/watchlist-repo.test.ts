import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { WatchlistRepo } from './watchlist-repo.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kitedesk-wl-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('WatchlistRepo', () => {
  it('starts empty, round-trips in order and replaces on set', () => {
    const db = openDatabase(':memory:');
    const repo = new WatchlistRepo(db);
    expect(repo.get()).toEqual([]);
    repo.set(['TCS', 'M&M', 'BAJAJ-AUTO', 'INFY']);
    expect(repo.get()).toEqual(['TCS', 'M&M', 'BAJAJ-AUTO', 'INFY']);
    repo.set(['INFY', 'TCS']);
    expect(repo.get()).toEqual(['INFY', 'TCS']);
    repo.set([]);
    expect(repo.get()).toEqual([]);
    db.close();
  });

  it('survives close and re-open of a file database', () => {
    const file = join(dir, 'k.sqlite');
    const db1 = openDatabase(file);
    new WatchlistRepo(db1).set(['RELIANCE', 'HDFCBANK', 'SBIN']);
    db1.close();
    const db2 = openDatabase(file);
    expect(new WatchlistRepo(db2).get()).toEqual(['RELIANCE', 'HDFCBANK', 'SBIN']);
    db2.close();
  });

  it('rejects invalid input clearly and keeps the previous list (nothing half-written)', () => {
    const db = openDatabase(':memory:');
    const repo = new WatchlistRepo(db);
    repo.set(['INFY']);
    expect(() => repo.set(['TCS', 'TCS'])).toThrow(/WatchlistRepo.set: invalid watchlist.*unique/);
    expect(() => repo.set(['TCS', 'bad symbol'])).toThrow(/symbols\.1: expected a trading symbol/);
    expect(() => repo.set(Array.from({ length: 101 }, (_, i) => `S${i}`))).toThrow(/invalid watchlist/);
    expect(repo.get()).toEqual(['INFY']);
    db.close();
  });

  it('a failure inside the transaction rolls the whole replacement back', () => {
    const db = openDatabase(':memory:');
    const repo = new WatchlistRepo(db);
    repo.set(['INFY', 'TCS']);
    // Make the second insert fail at the database level (bypassing validation).
    db.exec("CREATE TRIGGER no_sbin BEFORE INSERT ON watchlist WHEN NEW.symbol = 'SBIN' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    expect(() => repo.set(['ITC', 'SBIN'])).toThrow(/boom/);
    expect(repo.get()).toEqual(['INFY', 'TCS']);
    db.close();
  });
});
