import type Database from 'better-sqlite3';
import { DeferredWrites } from './deferred-writes.js';
import type { ChargesBreakdownDto, RiskDecisionDto } from '../contract/trading-schemas.js';
import type { ModelQuote } from '../execution/slippage.js';
import type { Fill, Order } from '../model/order.js';

/**
 * Orders, fills, risk decisions and the risk state in SQLite. Orders are written before the broker
 * is called (write-ahead) and upserted on every change; order_events, fills and risk_decisions are
 * append-only. Amounts are integer paise. No secret ever reaches these tables: an order carries no
 * token, and broker error messages are stored as the broker's readable message only.
 */

export type TradingMode = 'paper' | 'shadow' | 'live' | 'backtest';
export type BrokerKind = 'paper' | 'shadow' | 'live';

/** A fill as journalled: the execution plus what it cost. */
export interface JournalFill extends Fill {
  chargesPaise: number;
  charges: ChargesBreakdownDto;
}

/** The order as stored: the OMS's order plus which broker took it. */
export interface StoredOrder {
  order: Order;
  broker: BrokerKind;
}

/** One journalled state of an order: an order_events row (the event and the order as it stood after it). */
export interface JournalledOrderState {
  ts: number;
  event: string;
  status: Order['status'];
  order: Order;
}

/** One order's journal (orders.charges / orders.liveParams of orders the order manager no longer holds). */
export interface OrderJournal {
  stored: StoredOrder;
  /** Oldest first. */
  states: JournalledOrderState[];
  /** Its fills with their charges, in journal order. */
  fills: JournalFill[];
}

interface OrderRow {
  order_id: string;
  broker: BrokerKind;
  body: string;
}

interface EventRow {
  ts: number;
  event: string;
  status: Order['status'];
  body: string;
}

interface FillRow {
  fill_id: string;
  order_id: string;
  client_id: string;
  symbol: string;
  exchange: Fill['exchange'];
  side: Fill['side'];
  product: Fill['product'];
  strategy: string;
  qty: number;
  price: number;
  charges: number;
  charges_detail: string;
  ts_event: number;
}

interface ModelRow {
  order_id: string;
  client_id: string;
  strategy: string;
  symbol: string;
  side: ModelQuote['side'];
  order_type: ModelQuote['orderType'];
  qty: number;
  ts: number;
  basis: ModelQuote['basis'];
  model_qty: number;
  model_value: number;
  ref_last: number;
  depth_ts: number | null;
}

interface DecisionRow {
  id: number;
  ts: number;
  client_id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: number;
  strategy: string;
  source: string;
  action: RiskDecisionDto['action'];
  rule: string | null;
  message: string | null;
  reduced_qty: number | null;
  slices: string | null;
  numbers: string;
}

export class TradingRepo {
  private readonly upsertOrder: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly insertFill: Database.Statement;
  private readonly insertDecision: Database.Statement;
  private readonly ordersStmt: Database.Statement<[string, number], OrderRow>;
  private readonly fillsStmt: Database.Statement<[string], FillRow>;
  private readonly orderStmt: Database.Statement<[string, string], OrderRow>;
  private readonly orderEventsStmt: Database.Statement<[string], EventRow>;
  private readonly orderFillsStmt: Database.Statement<[string, string], FillRow>;
  private readonly maxSeqStmt: Database.Statement<[string], { s: number | null }>;
  private readonly decisionsStmt: Database.Statement<[string, number], DecisionRow>;
  private readonly metaGet: Database.Statement<[string], { value: string }>;
  private readonly metaSet: Database.Statement<[string, string]>;
  private readonly orderTxn: (order: Readonly<Order>, event: string, broker: BrokerKind) => void;
  private insertModelStmt: Database.Statement | undefined;
  private modelsStmt: Database.Statement<[number], ModelRow> | undefined;
  private fillSeq: number;
  /** Risk decisions wait for the turn's group commit; order and fill writes take what waits along first. */
  private readonly deferred: DeferredWrites;

  constructor(
    private readonly db: Database.Database,
    readonly mode: TradingMode,
  ) {
    this.upsertOrder = db.prepare(
      `INSERT INTO orders (order_id, client_id, mode, broker, symbol, status, ts_init, ts_update, body)
       VALUES (@order_id, @client_id, @mode, @broker, @symbol, @status, @ts_init, @ts_update, @body)
       ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, ts_update = excluded.ts_update, body = excluded.body`,
    );
    this.insertEvent = db.prepare('INSERT INTO order_events (ts, order_id, event, status, body) VALUES (?, ?, ?, ?, ?)');
    this.insertFill = db.prepare(
      `INSERT INTO fills (mode, fill_id, order_id, client_id, symbol, exchange, side, product, strategy, qty, price, charges, charges_detail, ts_event, seq)
       VALUES (@mode, @fill_id, @order_id, @client_id, @symbol, @exchange, @side, @product, @strategy, @qty, @price, @charges, @charges_detail, @ts_event, @seq)`,
    );
    this.deferred = DeferredWrites.of(db);
    this.insertDecision = db.prepare(
      `INSERT INTO risk_decisions (id, ts, mode, client_id, symbol, side, qty, strategy, source, action, rule, message, reduced_qty, slices, numbers)
       VALUES (@id, @ts, @mode, @client_id, @symbol, @side, @qty, @strategy, @source, @action, @rule, @message, @reduced_qty, @slices, @numbers)`,
    );
    this.ordersStmt = db.prepare<[string, number], OrderRow>('SELECT order_id, broker, body FROM orders WHERE mode = ? AND ts_init >= ? ORDER BY ts_init, order_id');
    this.fillsStmt = db.prepare<[string], FillRow>('SELECT * FROM fills WHERE mode = ? ORDER BY seq');
    this.orderStmt = db.prepare<[string, string], OrderRow>('SELECT order_id, broker, body FROM orders WHERE mode = ? AND order_id = ?');
    this.orderEventsStmt = db.prepare<[string], EventRow>('SELECT ts, event, status, body FROM order_events WHERE order_id = ? ORDER BY id');
    this.orderFillsStmt = db.prepare<[string, string], FillRow>('SELECT * FROM fills WHERE mode = ? AND order_id = ? ORDER BY seq');
    this.maxSeqStmt = db.prepare<[string], { s: number | null }>('SELECT max(seq) AS s FROM fills WHERE mode = ?');
    this.decisionsStmt = db.prepare<[string, number], DecisionRow>('SELECT * FROM risk_decisions WHERE mode = ? ORDER BY id DESC LIMIT ?');
    this.metaGet = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    this.metaSet = db.prepare<[string, string]>('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.orderTxn = db.transaction((order: Readonly<Order>, event: string, broker: BrokerKind) => {
      this.deferred.flush(); // the decision that allowed the order lands no later than the order
      const body = JSON.stringify(order);
      this.upsertOrder.run({
        order_id: order.orderId,
        client_id: order.clientId,
        mode: this.mode,
        broker,
        symbol: order.symbol,
        status: order.status,
        ts_init: order.tsInit,
        ts_update: order.tsUpdate,
        body,
      });
      this.insertEvent.run(order.tsUpdate, order.orderId, event, order.status, body);
    });
    this.fillSeq = this.maxSeqStmt.get(mode)?.s ?? 0;
  }

  /**
   * The same database, another mode's journal scope (orders, fills and decisions are kept per mode;
   * `meta` — the risk state, the mode state — is shared by every mode).
   */
  forMode(mode: TradingMode): TradingRepo {
    return mode === this.mode ? this : new TradingRepo(this.db, mode);
  }

  /** Records an order's new state and the event that led to it, in one transaction. */
  orderChanged(order: Readonly<Order>, event: string, broker: BrokerKind): void {
    this.orderTxn(order, event, broker);
  }

  /** Runs `fn` in one SQLite transaction (nested calls become savepoints): a fill and its order's new state commit together. */
  atomically(fn: () => void): void {
    this.db.transaction(() => {
      this.deferred.flush();
      fn();
    })();
  }

  fill(f: Readonly<JournalFill>): void {
    this.insertFill.run({
      mode: this.mode,
      fill_id: f.fillId,
      order_id: f.orderId,
      client_id: f.clientId,
      symbol: f.symbol,
      exchange: f.exchange,
      side: f.side,
      product: f.product,
      strategy: f.strategy,
      qty: f.qty,
      price: f.pricePaise,
      charges: f.chargesPaise,
      charges_detail: JSON.stringify(f.charges),
      ts_event: f.tsEvent,
      seq: ++this.fillSeq,
    });
  }

  /** Orders of this mode placed at or after `sinceMs` (all by default), in placement order. */
  orders(sinceMs = 0): StoredOrder[] {
    return this.ordersStmt.all(this.mode, sinceMs).map((r) => {
      let order: Order;
      try {
        order = JSON.parse(r.body) as Order;
      } catch (e) {
        throw new Error(`orders table: order ${r.order_id} has an unreadable body (${(e as Error).message})`);
      }
      return { order, broker: r.broker };
    });
  }

  /** Every fill of this mode in journal order (what the ledger replays). */
  fills(): JournalFill[] {
    return this.fillsStmt.all(this.mode).map(fillOf);
  }

  /** One order of this mode with its journalled states and fills; undefined when this mode has no such order. */
  orderJournal(orderId: string): OrderJournal | undefined {
    const row = this.orderStmt.get(this.mode, orderId);
    if (row === undefined) return undefined;
    const parse = (body: string, what: string): Order => {
      try {
        return JSON.parse(body) as Order;
      } catch (e) {
        throw new Error(`${what}: order ${orderId} has an unreadable body (${(e as Error).message})`);
      }
    };
    return {
      stored: { order: parse(row.body, 'orders table'), broker: row.broker },
      states: this.orderEventsStmt.all(orderId).map((r) => ({ ts: r.ts, event: r.event, status: r.status, order: parse(r.body, 'order_events table') })),
      fills: this.orderFillsStmt.all(this.mode, orderId).map(fillOf),
    };
  }

  /** Journals a decision; returns it with its row id. */
  decision(d: Omit<RiskDecisionDto, 'id'>): RiskDecisionDto {
    const id = this.deferred.nextId('risk_decisions');
    const row = {
      id,
      ts: d.ts,
      mode: this.mode,
      client_id: d.clientId,
      symbol: d.symbol,
      side: d.side,
      qty: d.qty,
      strategy: d.strategy,
      source: d.source,
      action: d.action,
      rule: d.rule ?? null,
      message: d.message ?? null,
      reduced_qty: d.reducedQty ?? null,
      slices: d.slices ? JSON.stringify(d.slices) : null,
      numbers: JSON.stringify(d.numbers),
    };
    this.deferred.add(() => this.insertDecision.run(row));
    return { id, ...d };
  }

  recentDecisions(limit: number): RiskDecisionDto[] {
    this.deferred.flush();
    return this.decisionsStmt.all(this.mode, limit).map((r) => ({
      id: r.id,
      ts: r.ts,
      clientId: r.client_id,
      symbol: r.symbol,
      side: r.side,
      qty: r.qty,
      strategy: r.strategy,
      source: r.source,
      action: r.action,
      ...(r.rule !== null ? { rule: r.rule } : {}),
      ...(r.message !== null ? { message: r.message } : {}),
      ...(r.reduced_qty !== null ? { reducedQty: r.reduced_qty } : {}),
      ...(r.slices !== null ? { slices: JSON.parse(r.slices) as number[] } : {}),
      numbers: JSON.parse(r.numbers) as Record<string, number>,
    }));
  }

  /** Journals the paper model of a live order at send time (live_slippage_models; once per order). */
  slippageModel(m: Readonly<ModelQuote>): void {
    this.insertModelStmt ??= this.db.prepare(
      `INSERT OR IGNORE INTO live_slippage_models (order_id, client_id, strategy, symbol, side, order_type, qty, ts, basis, model_qty, model_value, ref_last, depth_ts)
       VALUES (@order_id, @client_id, @strategy, @symbol, @side, @order_type, @qty, @ts, @basis, @model_qty, @model_value, @ref_last, @depth_ts)`,
    );
    this.insertModelStmt.run({
      order_id: m.orderId,
      client_id: m.clientId,
      strategy: m.strategy,
      symbol: m.symbol,
      side: m.side,
      order_type: m.orderType,
      qty: m.qty,
      ts: Math.round(m.ts),
      basis: m.basis,
      model_qty: m.modelQty,
      model_value: m.modelValuePaise,
      ref_last: m.refLastPaise,
      depth_ts: m.depthTs !== undefined ? Math.round(m.depthTs) : null,
    });
  }

  /** The paper models of live orders sent at or after `sinceMs`, oldest first. */
  slippageModels(sinceMs = 0): ModelQuote[] {
    this.modelsStmt ??= this.db.prepare<[number], ModelRow>('SELECT * FROM live_slippage_models WHERE ts >= ? ORDER BY ts, order_id');
    return this.modelsStmt.all(sinceMs).map((r) => ({
      orderId: r.order_id,
      clientId: r.client_id,
      strategy: r.strategy,
      symbol: r.symbol,
      side: r.side,
      orderType: r.order_type,
      qty: r.qty,
      ts: r.ts,
      basis: r.basis,
      modelQty: r.model_qty,
      modelValuePaise: r.model_value,
      refLastPaise: r.ref_last,
      ...(r.depth_ts !== null ? { depthTs: r.depth_ts } : {}),
    }));
  }

  /** A JSON value kept in `meta` (the risk state: halt and kill switch survive restarts). */
  loadMeta<T>(key: string): T | undefined {
    const row = this.metaGet.get(key);
    if (!row) return undefined;
    try {
      return JSON.parse(row.value) as T;
    } catch (e) {
      throw new Error(`meta ${key}: unreadable JSON (${(e as Error).message})`);
    }
  }

  saveMeta(key: string, value: unknown): void {
    this.metaSet.run(key, JSON.stringify(value));
  }
}

function fillOf(r: FillRow): JournalFill {
  return {
    fillId: r.fill_id,
    orderId: r.order_id,
    clientId: r.client_id,
    symbol: r.symbol,
    exchange: r.exchange,
    side: r.side,
    product: r.product,
    strategy: r.strategy,
    qty: r.qty,
    pricePaise: r.price,
    tsEvent: r.ts_event,
    chargesPaise: r.charges,
    charges: JSON.parse(r.charges_detail) as ChargesBreakdownDto,
  };
}
