import type Database from 'better-sqlite3';

/** The append-only audit tables whose rows may wait for the group commit (their ids are assigned here). */
export type DeferredTable = 'signals' | 'intents' | 'risk_decisions';

/**
 * Group commit for the journal's append-only audit rows: strategy signals, ensemble intents and risk
 * decisions (issue 15's soak). With `synchronous = FULL` every commit waits for the disk, and a bar
 * close on 500 instruments writes hundreds of those rows in one synchronous run of the event loop, one
 * commit each: the loop's p99 was the disk's. Here they queue and are written together, in one
 * transaction, at the end of the event-loop turn (setImmediate), before any order or fill write of
 * the same database (TradingRepo runs flush() inside its transactions, so a decision is never behind
 * the order it allowed), before a read of those tables, and before the database closes.
 *
 * The row ids are assigned here (max(id) at first use, then counted), so append() can still return
 * the row's id at once; every writer of these tables in the process goes through the one instance per
 * database (DeferredWrites.of). What a crash can cost: the audit rows of the last turn; orders, fills
 * and the risk state are written as before.
 */
export class DeferredWrites {
  private static readonly byDb = new WeakMap<Database.Database, DeferredWrites>();

  /** The instance of `db` (one per database, shared by its repos). */
  static of(db: Database.Database): DeferredWrites {
    let w = DeferredWrites.byDb.get(db);
    if (w === undefined) DeferredWrites.byDb.set(db, (w = new DeferredWrites(db)));
    return w;
  }

  /** Where a failed group commit is reported (the rows of that commit are lost); the host sets its log. */
  onError: (e: Error) => void = (e) => {
    process.stderr.write(`kitedesk: journal group commit failed: ${e.message}\n`);
  };

  private queue: (() => void)[] = [];
  private scheduled = false;
  private readonly ids = new Map<DeferredTable, number>();
  private readonly tx: () => void;

  private constructor(private readonly db: Database.Database) {
    this.tx = db.transaction(() => {
      const q = this.queue;
      this.queue = [];
      for (let i = 0; i < q.length; i++) q[i]!();
    });
  }

  /** The id the next row of `table` gets (an INTEGER PRIMARY KEY). */
  nextId(table: DeferredTable): number {
    let last = this.ids.get(table);
    if (last === undefined) last = (this.db.prepare(`SELECT max(id) AS m FROM ${table}`).get() as { m: number | null }).m ?? 0;
    this.ids.set(table, ++last);
    return last;
  }

  /** Queues a write (a prepared statement's run with its values bound already). */
  add(write: () => void): void {
    this.queue.push(write);
    if (this.queue.length >= 10_000) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is queued now, in one transaction (a savepoint inside one already open). */
  flush(): void {
    if (this.queue.length === 0 || !this.db.open) return;
    try {
      this.tx();
    } catch (e) {
      this.onError(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Rows waiting for the group commit. */
  get pending(): number {
    return this.queue.length;
  }
}
