import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrations as defaultMigrations, type Migration } from './migrations.js';
import { type BindingFs, type BindingRuntime, chooseSqliteBinding, currentRuntime, describeBindingLoadError, realBindingFs, SqliteBindingError } from './sqlite-binding.js';

export type DatabaseOpenErrorReason = 'cannot-open' | 'not-a-database' | 'newer-version' | 'migration-failed' | 'native-module';

/** Opening the KiteDesk database failed; the message names the file and what to do. */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';

  constructor(
    message: string,
    readonly path: string,
    readonly reason: DatabaseOpenErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

const isMemory = (file: string): boolean => file === ':memory:' || file === '';

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

function isNotADatabase(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
}

function notADatabase(file: string, detail: string, cause?: unknown): DatabaseOpenError {
  return new DatabaseOpenError(
    `The KiteDesk database ${file} is not a SQLite database or is corrupt (${detail}). ` +
      'The file was left untouched; move it aside (or restore a backup) and start KiteDesk again.',
    file,
    'not-a-database',
    { cause },
  );
}

/** Refuses, without opening it, a non-empty existing file that does not start with the SQLite header. */
function checkHeader(file: string): void {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) {
      throw new DatabaseOpenError(`Cannot open the KiteDesk database ${file}: it is a directory.`, file, 'cannot-open');
    }
    size = st.size;
  } catch (e) {
    if (e instanceof DatabaseOpenError) throw e;
    if ((e as { code?: unknown }).code === 'ENOENT') return; // a new database will be created
    throw new DatabaseOpenError(`Cannot open the KiteDesk database ${file}: ${describe(e)}`, file, 'cannot-open', { cause: e });
  }
  if (size === 0) return; // SQLite treats an empty file as an empty database
  const head = Buffer.alloc(SQLITE_HEADER.length);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    readSync(fd, head, 0, head.length, 0);
  } catch (e) {
    throw new DatabaseOpenError(`Cannot read the KiteDesk database ${file}: ${describe(e)}`, file, 'cannot-open', { cause: e });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) throw notADatabase(file, 'no SQLite header');
}

/**
 * Opens (creating if needed) the KiteDesk database and brings its schema up to date.
 *
 * Order matters so that a file we must refuse is never modified: header check → open → read the
 * schema version (detects non-SQLite/corrupt files) → refuse a newer schema → only then set WAL mode
 * (which is persistent in the file) and run the pending migrations, each in an IMMEDIATE transaction.
 *
 * `options.migrations` exists for tests; production code uses the default list.
 */
export interface OpenDatabaseOptions {
  migrations?: readonly Migration[];
  /** Which runtime loads better-sqlite3 (default: this process; see sqlite-binding.ts). For tests. */
  runtime?: BindingRuntime;
  bindingFs?: BindingFs;
}

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  const list = options.migrations ?? defaultMigrations;
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new RangeError(`openDatabase: migrations[${i}] ('${m.name}') must have version ${i + 1}, has ${m.version}`);
  });
  const latest = list.length;

  if (!isMemory(file)) checkHeader(file);

  const runtime = options.runtime ?? currentRuntime();
  let db: Database.Database;
  let nativeBinding: string | undefined;
  try {
    nativeBinding = chooseSqliteBinding(runtime, options.bindingFs ?? realBindingFs);
    db = new Database(file, nativeBinding ? { timeout: 5000, nativeBinding } : { timeout: 5000 });
  } catch (e) {
    const native = e instanceof SqliteBindingError ? e : describeBindingLoadError(e, runtime, nativeBinding);
    if (native) throw new DatabaseOpenError(`Cannot open the KiteDesk database ${file}: ${native.message}`, file, 'native-module', { cause: e });
    throw new DatabaseOpenError(`Cannot open the KiteDesk database ${file}: ${describe(e)}`, file, 'cannot-open', { cause: e });
  }

  try {
    let current: number;
    try {
      current = db.pragma('user_version', { simple: true }) as number;
      db.prepare('SELECT count(*) FROM sqlite_schema').get(); // forces the schema to be read
    } catch (e) {
      if (isNotADatabase(e)) throw notADatabase(file, describe(e), e);
      throw e;
    }
    if (current > latest) {
      throw new DatabaseOpenError(
        `The KiteDesk database ${file} was created by a newer KiteDesk (schema version ${current}; ` +
          `this version understands up to ${latest}). Upgrade KiteDesk, or use a different data directory. The file was not changed.`,
        file,
        'newer-version',
      );
    }

    db.pragma('busy_timeout = 5000');
    if (!isMemory(file)) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');

    for (const m of list) {
      if (m.version <= current) continue;
      const apply = db.transaction(() => {
        // Re-read inside the write lock: another process may have migrated meanwhile.
        const now = db.pragma('user_version', { simple: true }) as number;
        if (now >= m.version) return;
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      });
      try {
        apply.immediate();
      } catch (e) {
        throw new DatabaseOpenError(
          `Migrating the KiteDesk database ${file} to schema version ${m.version} ('${m.name}') failed: ${describe(e)}. ` +
            'The migration was rolled back; the database is still at the previous version.',
          file,
          'migration-failed',
          { cause: e },
        );
      }
      current = m.version;
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof DatabaseOpenError) throw e;
    if (isNotADatabase(e)) throw notADatabase(file, describe(e), e);
    throw new DatabaseOpenError(`Cannot open the KiteDesk database ${file}: ${describe(e)}`, file, 'cannot-open', { cause: e });
  }
}
