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
  {
    version: 4,
    name: 'orders, fills, risk decisions',
    sql: `
      -- Every order as the order manager knows it now: one row per order, written BEFORE the broker is
      -- called and upserted on every change. body is the whole order as JSON (prices in paise). mode is
      -- the trading mode it was placed in; client_id (sent to Kite as tag) is unique for ever, which is
      -- what makes placement idempotent across restarts.
      CREATE TABLE orders (
        order_id  TEXT PRIMARY KEY CHECK (length(order_id) BETWEEN 1 AND 64),
        client_id TEXT NOT NULL UNIQUE CHECK (length(client_id) BETWEEN 1 AND 20),
        mode      TEXT NOT NULL CHECK (mode IN ('paper', 'shadow', 'live', 'backtest')),
        broker    TEXT NOT NULL CHECK (broker IN ('paper', 'shadow', 'live')),
        symbol    TEXT NOT NULL,
        status    TEXT NOT NULL,
        ts_init   INTEGER NOT NULL,
        ts_update INTEGER NOT NULL,
        body      TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object')
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX orders_mode_ts ON orders (mode, ts_init);

      -- Append-only history of every order change (placed, each status, modify, cancel).
      CREATE TABLE order_events (
        id       INTEGER PRIMARY KEY,
        ts       INTEGER NOT NULL,
        order_id TEXT NOT NULL,
        event    TEXT NOT NULL,
        status   TEXT NOT NULL,
        body     TEXT NOT NULL CHECK (json_valid(body))
      ) STRICT;
      CREATE INDEX order_events_order ON order_events (order_id, id);
      CREATE TRIGGER order_events_append_only_u BEFORE UPDATE ON order_events BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;
      CREATE TRIGGER order_events_append_only_d BEFORE DELETE ON order_events BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;

      -- Append-only journal of executions with their charges (integer paise); the ledger is rebuilt
      -- from it on start. charges_detail: the breakdown by component (JSON of paise).
      CREATE TABLE fills (
        mode           TEXT NOT NULL CHECK (mode IN ('paper', 'shadow', 'live', 'backtest')),
        fill_id        TEXT NOT NULL,
        order_id       TEXT NOT NULL,
        client_id      TEXT NOT NULL,
        symbol         TEXT NOT NULL,
        exchange       TEXT NOT NULL,
        side           TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
        product        TEXT NOT NULL CHECK (product IN ('CNC', 'MIS', 'NRML')),
        strategy       TEXT NOT NULL,
        qty            INTEGER NOT NULL CHECK (qty > 0),
        price          INTEGER NOT NULL CHECK (price > 0),
        charges        INTEGER NOT NULL CHECK (charges >= 0),
        charges_detail TEXT NOT NULL CHECK (json_valid(charges_detail)),
        ts_event       INTEGER NOT NULL,
        seq            INTEGER NOT NULL,
        PRIMARY KEY (mode, fill_id)
      ) STRICT;
      CREATE INDEX fills_mode_seq ON fills (mode, seq);
      CREATE TRIGGER fills_append_only_u BEFORE UPDATE ON fills BEGIN SELECT RAISE(ABORT, 'fills is append-only'); END;
      CREATE TRIGGER fills_append_only_d BEFORE DELETE ON fills BEGIN SELECT RAISE(ABORT, 'fills is append-only'); END;

      -- Append-only journal of every risk decision with the numbers behind it.
      CREATE TABLE risk_decisions (
        id          INTEGER PRIMARY KEY,
        ts          INTEGER NOT NULL,
        mode        TEXT NOT NULL,
        client_id   TEXT NOT NULL,
        symbol      TEXT NOT NULL,
        side        TEXT NOT NULL,
        qty         REAL NOT NULL,
        strategy    TEXT NOT NULL,
        source      TEXT NOT NULL,
        action      TEXT NOT NULL CHECK (action IN ('ALLOW', 'REDUCE', 'BLOCK', 'HALT_SESSION')),
        rule        TEXT,
        message     TEXT,
        reduced_qty INTEGER,
        slices      TEXT CHECK (slices IS NULL OR json_valid(slices)),
        numbers     TEXT NOT NULL CHECK (json_valid(numbers))
      ) STRICT;
      CREATE TRIGGER risk_decisions_append_only_u BEFORE UPDATE ON risk_decisions BEGIN SELECT RAISE(ABORT, 'risk_decisions is append-only'); END;
      CREATE TRIGGER risk_decisions_append_only_d BEFORE DELETE ON risk_decisions BEGIN SELECT RAISE(ABORT, 'risk_decisions is append-only'); END;
    `,
  },
  {
    version: 5,
    name: 'journal retention for signals and intents',
    sql: `
      -- Retention (persistence/retention.ts) may delete signals and intents older than the cutoff it
      -- records first in meta ('journal.retentionCutoffMs'); nothing newer can be deleted, and rows can
      -- still never be updated. Orders, order events, fills and risk decisions stay append-only for ever.
      DROP TRIGGER signals_append_only_d;
      DROP TRIGGER intents_append_only_d;
      CREATE TRIGGER signals_retention_only_d BEFORE DELETE ON signals
        WHEN old.ts >= coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'journal.retentionCutoffMs'), -1)
        BEGIN SELECT RAISE(ABORT, 'signals is append-only (retention deletes only rows older than its cutoff)'); END;
      CREATE TRIGGER intents_retention_only_d BEFORE DELETE ON intents
        WHEN old.ts_event >= coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'journal.retentionCutoffMs'), -1)
        BEGIN SELECT RAISE(ABORT, 'intents is append-only (retention deletes only rows older than its cutoff)'); END;
      -- range reads (exports) and retention by time
      CREATE INDEX signals_ts ON signals (ts);
      CREATE INDEX intents_ts ON intents (ts_event);
      CREATE INDEX fills_ts ON fills (ts_event);
      CREATE INDEX orders_ts ON orders (ts_init);
    `,
  },
  {
    version: 6,
    name: 'live slippage: the paper model of each live order at send time',
    sql: `
      -- One row per live order sent to Kite: what the paper fill model would have filled at that moment
      -- (execution/slippage.ts). Paired with the order's real fills (fills, mode 'live') for the slippage
      -- report. Append-only. Prices in paise.
      CREATE TABLE live_slippage_models (
        order_id    TEXT PRIMARY KEY,
        client_id   TEXT NOT NULL,
        strategy    TEXT NOT NULL,
        symbol      TEXT NOT NULL,
        side        TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
        order_type  TEXT NOT NULL,
        qty         INTEGER NOT NULL CHECK (qty > 0),
        ts          INTEGER NOT NULL,
        basis       TEXT NOT NULL CHECK (basis IN ('depth', 'last', 'resting', 'none')),
        model_qty   INTEGER NOT NULL CHECK (model_qty >= 0),
        model_value INTEGER NOT NULL CHECK (model_value >= 0),
        ref_last    INTEGER NOT NULL CHECK (ref_last >= 0),
        depth_ts    INTEGER
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX live_slippage_models_ts ON live_slippage_models (ts);
      CREATE TRIGGER live_slippage_models_append_only_u BEFORE UPDATE ON live_slippage_models BEGIN SELECT RAISE(ABORT, 'live_slippage_models is append-only'); END;
      CREATE TRIGGER live_slippage_models_append_only_d BEFORE DELETE ON live_slippage_models BEGIN SELECT RAISE(ABORT, 'live_slippage_models is append-only'); END;
    `,
  },
  {
    version: 7,
    name: 'backtest runs started from the app',
    sql: `
      -- One row per backtest.run (backtest/app-runs.ts): the validated input (JSON), its state and,
      -- once done, the headline metrics (JSON). report.json / report.html live in <dataDir>/backtests/<id>/.
      CREATE TABLE backtest_runs (
        id          TEXT PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        finished_at INTEGER,
        state       TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed', 'cancelled')),
        input       TEXT NOT NULL,
        headline    TEXT,
        error       TEXT
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX backtest_runs_created ON backtest_runs (created_at);
    `,
  },
  {
    version: 8,
    name: 'fills at price 0: F&O expiry settlement of a worthless option',
    sql: `
      -- An option that expires out of the money settles at 0 (runtime/fno-settlement.ts journals it as a
      -- fill at its final settlement price), so fills.price may now be 0. SQLite cannot change a CHECK in
      -- place: the table is rebuilt with the same columns, rows, indexes and append-only triggers (DROP
      -- TABLE removes the rows without firing the delete trigger).
      CREATE TABLE fills_v8 (
        mode           TEXT NOT NULL CHECK (mode IN ('paper', 'shadow', 'live', 'backtest')),
        fill_id        TEXT NOT NULL,
        order_id       TEXT NOT NULL,
        client_id      TEXT NOT NULL,
        symbol         TEXT NOT NULL,
        exchange       TEXT NOT NULL,
        side           TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
        product        TEXT NOT NULL CHECK (product IN ('CNC', 'MIS', 'NRML')),
        strategy       TEXT NOT NULL,
        qty            INTEGER NOT NULL CHECK (qty > 0),
        price          INTEGER NOT NULL CHECK (price >= 0),
        charges        INTEGER NOT NULL CHECK (charges >= 0),
        charges_detail TEXT NOT NULL CHECK (json_valid(charges_detail)),
        ts_event       INTEGER NOT NULL,
        seq            INTEGER NOT NULL,
        PRIMARY KEY (mode, fill_id)
      ) STRICT;
      INSERT INTO fills_v8 (mode, fill_id, order_id, client_id, symbol, exchange, side, product, strategy, qty, price, charges, charges_detail, ts_event, seq)
        SELECT mode, fill_id, order_id, client_id, symbol, exchange, side, product, strategy, qty, price, charges, charges_detail, ts_event, seq FROM fills;
      DROP TABLE fills;
      ALTER TABLE fills_v8 RENAME TO fills;
      CREATE INDEX fills_mode_seq ON fills (mode, seq);
      CREATE INDEX fills_ts ON fills (ts_event);
      CREATE TRIGGER fills_append_only_u BEFORE UPDATE ON fills BEGIN SELECT RAISE(ABORT, 'fills is append-only'); END;
      CREATE TRIGGER fills_append_only_d BEFORE DELETE ON fills BEGIN SELECT RAISE(ABORT, 'fills is append-only'); END;
    `,
  },
]);

/** The schema version this build creates and understands. */
export const LATEST_SCHEMA_VERSION: number = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
