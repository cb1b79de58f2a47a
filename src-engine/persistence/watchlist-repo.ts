import type Database from 'better-sqlite3';
import { watchlistSchema } from '../contract/schemas.js';

/** The user's watchlist: an ordered list of unique NSE symbols. */
export class WatchlistRepo {
  private readonly selectAll: Database.Statement<[], { symbol: string }>;
  private readonly deleteAll: Database.Statement;
  private readonly insert: Database.Statement<[number, string]>;
  private readonly replace: (symbols: readonly string[]) => void;

  constructor(db: Database.Database) {
    this.selectAll = db.prepare<[], { symbol: string }>('SELECT symbol FROM watchlist ORDER BY position');
    this.deleteAll = db.prepare('DELETE FROM watchlist');
    this.insert = db.prepare<[number, string]>('INSERT INTO watchlist (position, symbol) VALUES (?, ?)');
    this.replace = db.transaction((symbols: readonly string[]) => {
      this.deleteAll.run();
      symbols.forEach((s, i) => this.insert.run(i, s));
    });
  }

  get(): string[] {
    return this.selectAll.all().map((r) => r.symbol);
  }

  /** Replaces the whole watchlist in one transaction, keeping the given order. */
  set(symbols: readonly string[]): void {
    const parsed = watchlistSchema.safeParse({ symbols });
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'symbols'}: ${i.message}`).join('; ');
      throw new RangeError(`WatchlistRepo.set: invalid watchlist — ${detail}`);
    }
    this.replace(parsed.data.symbols);
  }
}
