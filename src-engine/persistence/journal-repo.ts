import type Database from 'better-sqlite3';
import type { SignalRecord } from '../contract/schemas.js';
import { DeferredWrites } from './deferred-writes.js';

/** A signal to journal (the row id is assigned here). Prices in paise. */
export type NewSignal = Omit<SignalRecord, 'id'>;

/** A `signals` row as stored (price in paise, snapshot as JSON text). */
export interface SignalRow {
  id: number;
  ts: number;
  symbol: string;
  strategy: string;
  type: string;
  side: 'BUY' | 'SELL';
  confidence: number;
  reason: string;
  price: number;
  timeframe: SignalRecord['timeframe'];
  bar_time: number | null;
  snapshot: string;
}

/** `signals`: the append-only journal of strategy signals. */
export class SignalJournal {
  private readonly insert: Database.Statement;
  private readonly recentStmt: Database.Statement<[number], SignalRow>;
  private readonly deferred: DeferredWrites;

  constructor(db: Database.Database) {
    this.deferred = DeferredWrites.of(db);
    this.insert = db.prepare(
      `INSERT INTO signals (id, ts, symbol, strategy, type, side, confidence, reason, price, timeframe, bar_time, snapshot)
       VALUES (@id, @ts, @symbol, @strategy, @type, @side, @confidence, @reason, @price, @timeframe, @bar_time, @snapshot)`,
    );
    this.recentStmt = db.prepare<[number], SignalRow>('SELECT * FROM signals ORDER BY id DESC LIMIT ?');
  }

  /** Appends one signal (written with the turn's group commit, see DeferredWrites); returns it with its row id. */
  append(s: NewSignal): SignalRecord {
    const id = this.deferred.nextId('signals');
    const row = {
      id,
      ts: s.ts,
      symbol: s.symbol,
      strategy: s.strategy,
      type: s.type,
      side: s.side,
      confidence: s.confidence,
      reason: s.reason,
      price: s.pricePaise,
      timeframe: s.timeframe,
      bar_time: s.barTime,
      snapshot: JSON.stringify(s.snapshot),
    };
    this.deferred.add(() => this.insert.run(row));
    return { id, ...s };
  }

  /** The newest `limit` signals, newest first. */
  recent(limit: number): SignalRecord[] {
    this.deferred.flush();
    return this.recentStmt.all(limit).map((r) => ({
      id: r.id,
      ts: r.ts,
      symbol: r.symbol,
      strategy: r.strategy,
      type: r.type,
      side: r.side,
      confidence: r.confidence,
      reason: r.reason,
      pricePaise: r.price,
      timeframe: r.timeframe,
      barTime: r.bar_time,
      snapshot: JSON.parse(r.snapshot) as Record<string, number>,
    }));
  }
}

/** An ensemble order intent as journalled (price in paise; reasons as the ensemble gave them). */
export interface IntentEntry {
  tsEvent: number;
  symbol: string;
  side: 'BUY' | 'SELL';
  score: number;
  timeframe: string;
  price: number;
  conflict?: string | undefined;
  reasons: readonly unknown[];
  snapshot: Record<string, number>;
}

/** `intents`: the append-only journal of the ensemble's order intents. */
export class IntentJournal {
  private readonly deferred: DeferredWrites;
  private readonly insert: Database.Statement;
  private readonly recentStmt: Database.Statement<[number], { id: number; ts_event: number; symbol: string; side: 'BUY' | 'SELL'; score: number; timeframe: string; price: number; conflict: string | null; reasons: string; snapshot: string }>;

  constructor(db: Database.Database) {
    this.deferred = DeferredWrites.of(db);
    this.insert = db.prepare(
      `INSERT INTO intents (id, ts_event, symbol, side, score, timeframe, price, conflict, reasons, snapshot)
       VALUES (@id, @ts_event, @symbol, @side, @score, @timeframe, @price, @conflict, @reasons, @snapshot)`,
    );
    this.recentStmt = db.prepare('SELECT * FROM intents ORDER BY id DESC LIMIT ?');
  }

  /** Appends one intent (written with the turn's group commit, see DeferredWrites); returns its row id. */
  append(i: IntentEntry): number {
    const id = this.deferred.nextId('intents');
    const row = {
      id,
      ts_event: i.tsEvent,
      symbol: i.symbol,
      side: i.side,
      score: i.score,
      timeframe: i.timeframe,
      price: i.price,
      conflict: i.conflict ?? null,
      reasons: JSON.stringify(i.reasons),
      snapshot: JSON.stringify(i.snapshot),
    };
    this.deferred.add(() => this.insert.run(row));
    return id;
  }

  /** The newest `limit` intents, newest first. */
  recent(limit: number): (IntentEntry & { id: number })[] {
    this.deferred.flush();
    return this.recentStmt.all(limit).map((r) => ({
      id: r.id,
      tsEvent: r.ts_event,
      symbol: r.symbol,
      side: r.side,
      score: r.score,
      timeframe: r.timeframe,
      price: r.price,
      ...(r.conflict !== null ? { conflict: r.conflict } : {}),
      reasons: JSON.parse(r.reasons) as unknown[],
      snapshot: JSON.parse(r.snapshot) as Record<string, number>,
    }));
  }
}
