import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DatabaseOpenError } from './db.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { chooseSqliteBinding, currentRuntime, describeBindingLoadError, realBindingFs, SqliteBindingError } from './sqlite-binding.js';

/** The first schema version with the trading journal (orders, fills, risk decisions). */
const JOURNAL_SCHEMA_VERSION = 4;

/**
 * Opens an existing KiteDesk database read-only, for tools beside a running engine (`kitedesk export`):
 * no migration, no pragma that writes; in WAL mode readers and the engine's writer do not block each
 * other, and a reader sees the last committed transaction. Refuses a file that is missing, not a
 * KiteDesk journal yet, or from a newer KiteDesk.
 */
export function openDatabaseReadOnly(file: string): Database.Database {
  if (!existsSync(file)) throw new DatabaseOpenError(`No KiteDesk database at ${file} (is --data-dir right?).`, file, 'cannot-open');
  const runtime = currentRuntime();
  let binding: string | undefined;
  let db: Database.Database;
  try {
    binding = chooseSqliteBinding(runtime, realBindingFs);
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000, ...(binding ? { nativeBinding: binding } : {}) });
  } catch (e) {
    const native = e instanceof SqliteBindingError ? e : describeBindingLoadError(e, runtime, binding);
    throw new DatabaseOpenError(`Cannot open the KiteDesk database ${file}: ${native ? native.message : (e as Error).message}`, file, native ? 'native-module' : 'cannot-open', { cause: e });
  }
  try {
    const v = db.pragma('user_version', { simple: true }) as number;
    if (v > LATEST_SCHEMA_VERSION) {
      throw new DatabaseOpenError(`The KiteDesk database ${file} has schema version ${v}; this KiteDesk reads up to ${LATEST_SCHEMA_VERSION}. Upgrade KiteDesk.`, file, 'newer-version');
    }
    if (v < JOURNAL_SCHEMA_VERSION) {
      throw new DatabaseOpenError(`The KiteDesk database ${file} has no trading journal yet (schema version ${v}); start the engine on it once.`, file, 'cannot-open');
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof DatabaseOpenError) throw e;
    throw new DatabaseOpenError(`Cannot read the KiteDesk database ${file}: ${(e as Error).message}`, file, 'not-a-database', { cause: e });
  }
}
