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
  {
    version: 2,
    name: 'strategy instances, signal and intent journals',
    sql: `
      -- The strategy instances as configured now (seeded from the run profile once, then changed at
      -- run time). params holds the user's overrides only (JSON object); defaults come from the type.
      CREATE TABLE strategy_instances (
        id         TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
        position   INTEGER NOT NULL CHECK (position >= 0),
        type       TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
        params     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params) AND json_type(params) = 'object'),
        symbols    TEXT NOT NULL CHECK (json_valid(symbols) AND json_type(symbols) = 'array'),
        timeframe  TEXT,
        weight     REAL CHECK (weight IS NULL OR weight >= 0),
        enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        -- why it was switched off by the engine (JSON {hook, symbol, message, ts}), NULL when fine
        last_error TEXT CHECK (last_error IS NULL OR json_valid(last_error)),
        updated_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- Append-only journal of every strategy signal (columns of SIGNAL_COLUMNS; price in paise).
      CREATE TABLE signals (
        id         INTEGER PRIMARY KEY,
        ts         INTEGER NOT NULL,
        symbol     TEXT NOT NULL,
        strategy   TEXT NOT NULL,
        type       TEXT NOT NULL,
        side       TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
        confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
        reason     TEXT NOT NULL,
        price      INTEGER NOT NULL,
        timeframe  TEXT NOT NULL,
        bar_time   INTEGER,
        snapshot   TEXT NOT NULL CHECK (json_valid(snapshot))
      ) STRICT;
      CREATE INDEX signals_strategy_ts ON signals (strategy, ts);
      CREATE TRIGGER signals_append_only_u BEFORE UPDATE ON signals BEGIN SELECT RAISE(ABORT, 'signals is append-only'); END;
      CREATE TRIGGER signals_append_only_d BEFORE DELETE ON signals BEGIN SELECT RAISE(ABORT, 'signals is append-only'); END;

      -- Append-only journal of the ensemble's order intents (price in paise).
      CREATE TABLE intents (
        id        INTEGER PRIMARY KEY,
        ts_event  INTEGER NOT NULL,
        symbol    TEXT NOT NULL,
        side      TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
        score     REAL NOT NULL CHECK (score BETWEEN -1 AND 1),
        timeframe TEXT NOT NULL,
        price     INTEGER NOT NULL,
        conflict  TEXT,
        reasons   TEXT NOT NULL CHECK (json_valid(reasons)),
        snapshot  TEXT NOT NULL CHECK (json_valid(snapshot))
      ) STRICT;
      CREATE TRIGGER intents_append_only_u BEFORE UPDATE ON intents BEGIN SELECT RAISE(ABORT, 'intents is append-only'); END;
      CREATE TRIGGER intents_append_only_d BEFORE DELETE ON intents BEGIN SELECT RAISE(ABORT, 'intents is append-only'); END;
    `,
  },
  {
    version: 3,
    name: 'universe scans',
    sql: `
      -- The pre-market scanner's result per trading day (IST date), one row per scanned symbol.
      -- Re-planning a day (a restart) replaces that day's rows. factors: JSON of the scan entry's
      -- factor values and normalised ranks; prices inside are paise.
      CREATE TABLE universe_scans (
        date_ist    TEXT NOT NULL CHECK (date_ist GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
        symbol      TEXT NOT NULL CHECK (length(symbol) BETWEEN 1 AND 32),
        rank        INTEGER NOT NULL CHECK (rank >= 1),
        score       REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
        factors     TEXT NOT NULL CHECK (json_valid(factors) AND json_type(factors) = 'object'),
        selected    INTEGER NOT NULL CHECK (selected IN (0, 1)),
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (date_ist, symbol)
      ) STRICT, WITHOUT ROWID;
    `,
  },
]);

/** The schema version this build creates and understands. */
export const LATEST_SCHEMA_VERSION: number = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
