/**
 * Schema migrations, applied in order by openDatabase(). Each runs in its own transaction and bumps
 * PRAGMA user_version to its `version`. Append only: never edit or reorder a released migration.
 */
export interface Migration {
  /** 1, 2, 3, … consecutive. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'watchlist and meta',
    sql: `
      CREATE TABLE watchlist (
        position INTEGER PRIMARY KEY CHECK (position >= 0),
        symbol   TEXT NOT NULL UNIQUE CHECK (length(symbol) BETWEEN 1 AND 32)
      ) STRICT;

      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
]);

/** The schema version this build creates and understands. */
export const LATEST_SCHEMA_VERSION: number = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
