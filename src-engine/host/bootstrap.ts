import { DeferredWrites } from '../persistence/deferred-writes.js';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type Database from 'better-sqlite3';
import type { KiteDeskApi } from '../contract/api.js';
import type { RpcServer, ServerConnection } from '../contract/rpc-server.js';
import type { Transport } from '../contract/transport.js';
import { createEngineServer } from '../api/server.js';
import { openDatabase } from '../persistence/db.js';
import { IntentJournal, SignalJournal } from '../persistence/journal-repo.js';
import { TradingRepo } from '../persistence/trading-repo.js';
import { StrategyInstanceRepo } from '../persistence/strategy-repo.js';
import { UniverseScanRepo } from '../persistence/universe-repo.js';
import { RecordsReader } from '../persistence/records-export.js';
import { JournalRetention } from '../persistence/retention.js';
import { attachRecords } from '../api/records-source.js';
import { attachBacktests } from '../api/backtest-handlers.js';
import { BacktestRuns } from '../backtest/app-runs.js';
import { BacktestRunRepo } from '../persistence/backtest-repo.js';
import { WatchlistRepo } from '../persistence/watchlist-repo.js';
import { loadRunProfile, type RunProfile } from '../runtime/config.js';
import { Engine } from '../runtime/engine.js';
import { UserStrategyLoader } from '../strategy/user-loader.js';
import { FileApprovalStore, type StrategyApprovals } from '../strategy/approvals.js';
import { KiteSessionManager } from '../runtime/kite-session.js';
import { processHealth } from '../runtime/health.js';
import type { LogFn } from '../runtime/logger.js';
import type { KiteHost } from '../runtime/kite-host.js';

export interface BootOptions {
  dataDir: string;
  configFile?: string;
  /** Applied on top of the profile (command-line flags). */
  overrides?: { simSpeed?: number; simSeed?: number; simStart?: string };
  log: LogFn;
  /** The Kite session manager (tests inject one with a fake clock); default a fresh one. */
  kite?: KiteSessionManager;
  /** Who owns the keychain for Kite settings and login (serve: this process; desktop: main over the control channel). */
  kiteHost?: (kite: KiteSessionManager) => KiteHost;
  /**
   * Who keeps the approvals of user strategy files: the desktop app's main (over the control channel);
   * default (serve, the CLI) the engine itself, in <dataDir>/strategy-approvals.json.
   */
  strategyApprovals?: StrategyApprovals;
}

/** Where the approvals of user strategy files live (outside the strategies folder). */
export const STRATEGY_APPROVALS_FILE = 'strategy-approvals.json';

export interface BootedEngine {
  engine: Engine;
  server: RpcServer<KiteDeskApi>;
  profile: RunProfile;
  dbFile: string;
  /** The Kite Connect session; the host feeds it the control channel's kite-* messages. */
  kite: KiteSessionManager;
  /** The app's backtest runs (worker thread; report files in <dataDir>/backtests/<id>/). */
  backtests: BacktestRuns;
  /** Accept a client transport, keeping the engine's connection count current. */
  accept(t: Transport): ServerConnection<KiteDeskApi> | null;
  shutdown(): void;
}

/** Startup is recovery: config → database (migrations) → state from the store → feed → serve. */
export function bootEngine(opts: BootOptions): BootedEngine {
  const profile = loadRunProfile(opts.configFile);
  const o = opts.overrides ?? {};
  if (o.simSpeed !== undefined) profile.feed.speed = o.simSpeed;
  if (o.simSeed !== undefined) profile.feed.seed = o.simSeed;
  if (o.simStart !== undefined) profile.feed.startTime = o.simStart;

  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const dbFile = join(opts.dataDir, 'kitedesk.sqlite');
  const db: Database.Database = openDatabase(dbFile);
  processHealth.setJournalFile(dbFile);
  DeferredWrites.of(db).onError = (e) => opts.log('error', 'journal group commit failed (signals, intents or risk decisions of one event-loop turn lost)', { error: e.message });
  const kite = opts.kite ?? new KiteSessionManager({ log: opts.log });
  // the order pacer of the live broker's REST client (adapters/kite/rest-client.ts)
  kite.setRestLimits({ ordersPacePerSecond: profile.trading.live.ordersPerSecond });
  const strategiesDir = join(opts.dataDir, 'strategies');
  let engine: Engine;
  try {
    engine = new Engine({
      profile,
      userStrategiesDir: strategiesDir,
      watchlist: new WatchlistRepo(db),
      strategies: new StrategyInstanceRepo(db),
      signals: new SignalJournal(db),
      intents: new IntentJournal(db),
      universeJournal: new UniverseScanRepo(db),
      trading: new TradingRepo(db, profile.mode),
      log: opts.log,
      kite,
      // feed caches (Kite's instrument dump and historical candles) live beside the database
      dataDir: opts.dataDir,
    });
  } catch (e) {
    db.close();
    throw e;
  }
  // User strategies: <dataDir>/strategies/*.{js,mjs,ts}, hot-reloaded into the engine's strategy
  // service (instances of a user type wait, off with an `unloaded` error, until their file has loaded).
  // They run with the engine's privileges: only files (and a folder) owned by this user and not
  // writable by others load, each new or changed file once the person approved its sha256 — kept by
  // main in the desktop app, else outside the folder in <dataDir>/strategy-approvals.json (docs/security.md).
  const userStrategies = new UserStrategyLoader({
    dir: strategiesDir,
    approvals: opts.strategyApprovals ?? new FileApprovalStore(join(opts.dataDir, STRATEGY_APPROVALS_FILE)),
    register: (def) => engine.strategies.registerDefinition(def),
    unregister: (type, file) => engine.strategies.unregisterDefinition(type, file),
    onError: ({ file, message }) => engine.strategies.reportDefinitionError(file, message),
    onLoaded: ({ file, type }) => opts.log('info', 'user strategy loaded', { file, type }),
    onStatus: (files) => engine.strategies.setUserFiles(files.map((f) => ({ ...f, file: basename(f.file) }))),
  });
  engine.strategies.setUserFileApprover((file, sha256) => userStrategies.approve(file, sha256));
  void userStrategies.start();
  // Records out: exports read the journal; retention prunes signals, intents and scans at start and on each day roll.
  attachRecords(engine, new RecordsReader(db));
  // Backtests from the app: one worker thread, runs persisted in backtest_runs, reports in <dataDir>/backtests/<id>/.
  const backtests = new BacktestRuns({ repo: new BacktestRunRepo(db), dir: join(opts.dataDir, 'backtests'), candlesDir: join(opts.dataDir, 'candles'), kite: { session: () => kite.connection(), dataDir: opts.dataDir }, log: opts.log,
    // approved user strategy files are backtested too (the worker re-checks each file's sha256)
    userStrategies: { dir: strategiesDir, files: () => engine.strategies.userFiles(), definitions: () => engine.strategies.runner.definitions },
    // `useProfile` runs take this run profile's risk, exits, sizing and ensemble sections
    profile: () => profile,
    // a profile-set run (`strategy: { kind: 'profile' }`) runs the enabled instances the engine runs now
    instances: () => engine.strategies.list().instances,
  });
  attachBacktests(engine, backtests);
  const retention = new JournalRetention({ db, tradingDay: engine.days, retentionDays: profile.journal.retentionDays, log: opts.log });
  const server = createEngineServer(engine, { log: opts.log }, opts.kiteHost?.(kite));
  opts.log('info', 'engine booted', { dataDir: opts.dataDir, db: dbFile, mode: profile.mode, feed: profile.feed.kind, speed: profile.feed.speed });
  let down = false;
  return {
    engine,
    server,
    profile,
    dbFile,
    kite,
    backtests,
    accept(t) {
      const c = server.accept(t);
      engine.setConnectionCount(server.connectionCount);
      t.onClose(() => engine.setConnectionCount(server.connectionCount));
      return c;
    },
    shutdown() {
      if (down) return;
      down = true;
      server.closeAll('engine shutting down');
      userStrategies.stop();
      void backtests.close();
      retention.stop();
      engine.stop();
      kite.dispose();
      DeferredWrites.of(db).flush(); // the audit rows still waiting for their group commit
      db.close();
    },
  };
}
