import type Database from 'better-sqlite3';
import type { IsoDay } from '../core/nse-calendar.js';
import type { UniverseJournal, UniverseJournalEntry } from '../scanner/scanner.js';

interface Row {
  date_ist: string;
  symbol: string;
  rank: number;
  score: number;
  factors: string;
  selected: number;
}

/** The factor part of a journal entry (everything but symbol, rank, score and selected). */
type Factors = Omit<UniverseJournalEntry, 'symbol' | 'rank' | 'score' | 'selected'>;

/**
 * `universe_scans`: the SQLite UniverseJournal. Rows are upserted by (date, symbol) and the day's
 * rows not in the new scan are deleted, in one transaction, so recording a day again (a restart
 * re-planning the same day) replaces that day and leaves the others alone.
 */
export class UniverseScanRepo implements UniverseJournal {
  private readonly recordTx: (dateIst: IsoDay, entries: readonly UniverseJournalEntry[]) => void;
  private readonly selectDay: Database.Statement<[string], Row>;
  private readonly selectDates: Database.Statement<[], { date_ist: string }>;

  constructor(
    db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    const upsert = db.prepare<[string, string, number, number, string, number, number]>(
      `INSERT INTO universe_scans (date_ist, symbol, rank, score, factors, selected, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (date_ist, symbol) DO UPDATE SET rank = excluded.rank, score = excluded.score, factors = excluded.factors,
         selected = excluded.selected, recorded_at = excluded.recorded_at`,
    );
    const stale = db.prepare<[string, string]>('DELETE FROM universe_scans WHERE date_ist = ? AND symbol NOT IN (SELECT value FROM json_each(?))');
    this.recordTx = db.transaction((dateIst: IsoDay, entries: readonly UniverseJournalEntry[]) => {
      const at = this.now();
      const seen = new Set<string>();
      for (const e of entries) {
        if (seen.has(e.symbol)) throw new RangeError(`recordUniverse: ${e.symbol} listed twice`);
        seen.add(e.symbol);
        const { symbol, rank, score, selected, ...factors } = e;
        upsert.run(dateIst, symbol, rank, score, JSON.stringify(factors), selected ? 1 : 0, at);
      }
      // The day's rows of symbols not in this scan belong to an older scan of the same day.
      stale.run(dateIst, JSON.stringify([...seen]));
    });
    this.selectDay = db.prepare<[string], Row>('SELECT * FROM universe_scans WHERE date_ist = ? ORDER BY rank, symbol');
    this.selectDates = db.prepare<[], { date_ist: string }>('SELECT DISTINCT date_ist FROM universe_scans ORDER BY date_ist');
  }

  recordUniverse(dateIst: IsoDay, entries: readonly UniverseJournalEntry[]): void {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(dateIst)) throw new RangeError(`recordUniverse: bad IST date ${JSON.stringify(dateIst)}`);
    this.recordTx(dateIst, entries);
  }

  /** A day's rows, best rank first (empty when the day was never recorded). */
  get(dateIst: IsoDay): UniverseJournalEntry[] {
    return this.selectDay.all(dateIst).map((r) => ({
      ...(JSON.parse(r.factors) as Factors),
      symbol: r.symbol,
      rank: r.rank,
      score: r.score,
      selected: r.selected === 1,
    }));
  }

  /** Recorded dates, ascending. */
  dates(): IsoDay[] {
    return this.selectDates.all().map((r) => r.date_ist);
  }
}
