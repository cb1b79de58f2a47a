import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseOpenError, openDatabase } from './db.js';
import { LATEST_SCHEMA_VERSION, migrations } from './migrations.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kitedesk-db-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const tables = (db: Database.Database): string[] =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

function expectOpenError(fn: () => unknown): DatabaseOpenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DatabaseOpenError);
    return e as DatabaseOpenError;
  }
  throw new Error('expected a DatabaseOpenError, nothing was thrown');
}

describe('migrations list', () => {
  it('versions are 1..n in order and LATEST_SCHEMA_VERSION is the last', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(migrations.length);
    expect(LATEST_SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
  });
});

describe('openDatabase', () => {
  it('migrates a fresh database and sets the pragmas', () => {
    const db = openDatabase(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(tables(db)).toEqual(expect.arrayContaining(['meta', 'watchlist']));
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
  });

  it('uses WAL on a file and re-opening is idempotent (data kept, no re-migration)', () => {
    const file = join(dir, 'k.sqlite');
    const db1 = openDatabase(file);
    expect(db1.pragma('journal_mode', { simple: true })).toBe('wal');
    db1.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
    db1.close();
    const db2 = openDatabase(file);
    expect(db2.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db2.prepare("SELECT value FROM meta WHERE key = 'k'").get()).toEqual({ value: 'v' });
    expect(db2.pragma('journal_mode', { simple: true })).toBe('wal');
    db2.close();
  });

  it('refuses a database from a newer KiteDesk with a clear error naming the file, and does not change it', () => {
    const file = join(dir, 'newer.sqlite');
    const raw = new Database(file);
    raw.exec('CREATE TABLE future (x)');
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.close();
    const before = readFileSync(file);
    const err = expectOpenError(() => openDatabase(file));
    expect(err.path).toBe(file);
    expect(err.reason).toBe('newer-version');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/created by a newer KiteDesk/);
    expect(err.message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 5}`);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('a garbage file gives DatabaseOpenError naming the file and is left untouched', () => {
    const file = join(dir, 'garbage.sqlite');
    const garbage = Buffer.from('this is not a database, just some notes\n'.repeat(200));
    writeFileSync(file, garbage);
    const err = expectOpenError(() => openDatabase(file));
    expect(err.path).toBe(file);
    expect(err.reason).toBe('not-a-database');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/not a SQLite database or is corrupt/);
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });

  it('a file with a SQLite header but corrupt content gives DatabaseOpenError and is left untouched', () => {
    const file = join(dir, 'corrupt.sqlite');
    const bytes = Buffer.alloc(8192, 0xab);
    Buffer.from('SQLite format 3\0', 'latin1').copy(bytes, 0);
    writeFileSync(file, bytes);
    const err = expectOpenError(() => openDatabase(file));
    expect(err.path).toBe(file);
    expect(err.reason).toBe('not-a-database');
    expect(err.message).toContain(file);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('a path in a missing directory gives DatabaseOpenError naming the path', () => {
    const file = join(dir, 'no', 'such', 'dir', 'k.sqlite');
    const err = expectOpenError(() => openDatabase(file));
    expect(err.reason).toBe('cannot-open');
    expect(err.message).toContain(file);
  });

  it('a failing migration is rolled back, leaves the previous version and names the migration', () => {
    const file = join(dir, 'm.sqlite');
    const good = migrations[0]!;
    openDatabase(file, { migrations: [good] }).close();
    const broken = [good, { version: 2, name: 'broken one', sql: 'CREATE TABLE t2 (x); THIS IS NOT SQL;' }];
    const err = expectOpenError(() => openDatabase(file, { migrations: broken }));
    expect(err.reason).toBe('migration-failed');
    expect(err.message).toMatch(/schema version 2 \('broken one'\)/);
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(raw)).not.toContain('t2');
    raw.close();
  });

  it('rejects a migrations list that is not numbered 1..n', () => {
    expect(() => openDatabase(':memory:', { migrations: [{ version: 2, name: 'x', sql: '' }] })).toThrow(/migrations\[0\] \('x'\) must have version 1/);
  });
});
