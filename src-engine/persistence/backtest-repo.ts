import type Database from 'better-sqlite3';
import type { BacktestRunHeadline, BacktestRunRecord, BacktestRunSummary } from '../contract/backtest-schemas.js';

interface Row {
  id: string;
  created_at: number;
  finished_at: number | null;
  state: BacktestRunSummary['state'];
  input: string;
  headline: string | null;
  error: string | null;
}

const toSummary = (r: Row): BacktestRunSummary => ({
  id: r.id,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  state: r.state,
  input: JSON.parse(r.input) as BacktestRunRecord,
  headline: r.headline === null ? null : (JSON.parse(r.headline) as BacktestRunHeadline),
  error: r.error,
});

/** `backtest_runs` (migration 7): the app's backtest runs, their inputs, states and headline metrics. */
export class BacktestRunRepo {
  private readonly insertStmt: Database.Statement<[string, number, string]>;
  private readonly finishStmt: Database.Statement<[number, string, string | null, string | null, string]>;
  private readonly listStmt: Database.Statement<[number], Row>;
  private readonly getStmt: Database.Statement<[string], Row>;
  private readonly orphanStmt: Database.Statement<[number, string]>;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare("INSERT INTO backtest_runs (id, created_at, state, input) VALUES (?, ?, 'running', ?)");
    this.finishStmt = db.prepare("UPDATE backtest_runs SET finished_at = ?, state = ?, headline = ?, error = ? WHERE id = ? AND state = 'running'");
    this.listStmt = db.prepare('SELECT * FROM backtest_runs ORDER BY created_at DESC, id DESC LIMIT ?');
    this.getStmt = db.prepare('SELECT * FROM backtest_runs WHERE id = ?');
    this.orphanStmt = db.prepare("UPDATE backtest_runs SET finished_at = ?, state = 'failed', error = ? WHERE state = 'running'");
  }

  insert(id: string, createdAt: number, input: BacktestRunRecord): void {
    this.insertStmt.run(id, createdAt, JSON.stringify(input));
  }

  finish(id: string, at: number, state: Exclude<BacktestRunSummary['state'], 'running'>, headline: BacktestRunHeadline | null, error: string | null): void {
    this.finishStmt.run(at, state, headline === null ? null : JSON.stringify(headline), error, id);
  }

  /** Runs left 'running' by an engine that stopped mid-run become 'failed'; returns how many. */
  failOrphans(at: number): number {
    return this.orphanStmt.run(at, 'the engine stopped during the run').changes;
  }

  list(limit: number): BacktestRunSummary[] {
    return this.listStmt.all(limit).map(toSummary);
  }

  get(id: string): BacktestRunSummary | undefined {
    const r = this.getStmt.get(id);
    return r ? toSummary(r) : undefined;
  }
}
