import type Database from 'better-sqlite3';
import type { StrategyError } from '../contract/schemas.js';

/**
 * A strategy instance as stored: the user's config (params are overrides only; the type's schema
 * fills the defaults when it runs) plus whether it is on and, when the engine switched it off, why.
 */
export interface StoredStrategyInstance {
  id: string;
  type: string;
  params: Record<string, unknown>;
  symbols: string[];
  timeframe?: string | undefined;
  weight?: number | undefined;
  enabled: boolean;
  lastError?: StrategyError | undefined;
}

interface Row {
  id: string;
  position: number;
  type: string;
  params: string;
  symbols: string;
  timeframe: string | null;
  weight: number | null;
  enabled: number;
  last_error: string | null;
}

/** `strategy_instances`: the current strategy config, in run order; survives restarts. */
export class StrategyInstanceRepo {
  private readonly selectAll: Database.Statement<[], Row>;
  private readonly upsertStmt: Database.Statement<[string, number, string, string, string, string | null, number | null, number, string | null, number]>;
  private readonly maxPos: Database.Statement<[], { p: number | null }>;
  private readonly positionOf: Database.Statement<[string], { position: number }>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly replaceAllTx: (list: readonly StoredStrategyInstance[]) => void;
  private readonly seededGet: Database.Statement<[], { value: string }>;
  private readonly seededSet: Database.Statement<[]>;
  private readonly ensembleGet: Database.Statement<[], { value: string }>;
  private readonly ensembleSet: Database.Statement<[string]>;

  constructor(
    db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    this.selectAll = db.prepare<[], Row>('SELECT * FROM strategy_instances ORDER BY position, id');
    this.upsertStmt = db.prepare(
      `INSERT INTO strategy_instances (id, position, type, params, symbols, timeframe, weight, enabled, last_error, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET type = excluded.type, params = excluded.params, symbols = excluded.symbols,
         timeframe = excluded.timeframe, weight = excluded.weight, enabled = excluded.enabled,
         last_error = excluded.last_error, updated_at = excluded.updated_at`,
    );
    this.maxPos = db.prepare<[], { p: number | null }>('SELECT max(position) AS p FROM strategy_instances');
    this.positionOf = db.prepare<[string], { position: number }>('SELECT position FROM strategy_instances WHERE id = ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM strategy_instances WHERE id = ?');
    this.seededGet = db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'strategies.seeded'`);
    this.seededSet = db.prepare<[]>(`INSERT OR REPLACE INTO meta (key, value) VALUES ('strategies.seeded', '1')`);
    this.ensembleGet = db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'ensemble.settings'`);
    this.ensembleSet = db.prepare<[string]>(`INSERT OR REPLACE INTO meta (key, value) VALUES ('ensemble.settings', ?)`);
    this.replaceAllTx = db.transaction((list: readonly StoredStrategyInstance[]) => {
      db.prepare('DELETE FROM strategy_instances').run();
      list.forEach((x, i) => this.write(x, i));
    });
  }

  list(): StoredStrategyInstance[] {
    return this.selectAll.all().map(fromRow);
  }

  /** Has the run profile seeded this database already? (Removing every instance must not re-seed.) */
  seeded(): boolean {
    return this.seededGet.get() !== undefined;
  }

  markSeeded(): void {
    this.seededSet.run();
  }

  /** The person's changes to the ensemble's settings (meta 'ensemble.settings', JSON); undefined when none or unreadable. */
  ensembleOverrides(): Record<string, unknown> | undefined {
    const row = this.ensembleGet.get();
    if (!row) return undefined;
    try {
      const v = JSON.parse(row.value) as unknown;
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  saveEnsembleOverrides(o: Record<string, unknown>): void {
    this.ensembleSet.run(JSON.stringify(o));
  }

  /** Replaces every instance in one transaction (first start: seeding from the run profile). */
  replaceAll(list: readonly StoredStrategyInstance[]): void {
    this.replaceAllTx(list);
  }

  /** Inserts (at the end) or updates in place. */
  save(x: StoredStrategyInstance): void {
    const pos = this.positionOf.get(x.id)?.position ?? (this.maxPos.get()?.p ?? -1) + 1;
    this.write(x, pos);
  }

  remove(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }

  private write(x: StoredStrategyInstance, position: number): void {
    this.upsertStmt.run(
      x.id,
      position,
      x.type,
      JSON.stringify(x.params),
      JSON.stringify(x.symbols),
      x.timeframe ?? null,
      x.weight ?? null,
      x.enabled ? 1 : 0,
      x.lastError ? JSON.stringify(x.lastError) : null,
      this.now(),
    );
  }
}

function fromRow(r: Row): StoredStrategyInstance {
  const x: StoredStrategyInstance = {
    id: r.id,
    type: r.type,
    params: JSON.parse(r.params) as Record<string, unknown>,
    symbols: JSON.parse(r.symbols) as string[],
    enabled: r.enabled === 1,
  };
  if (r.timeframe !== null) x.timeframe = r.timeframe;
  if (r.weight !== null) x.weight = r.weight;
  if (r.last_error !== null) x.lastError = JSON.parse(r.last_error) as StrategyError;
  return x;
}
