import { DeferredWrites } from './deferred-writes.js';
import type Database from 'better-sqlite3';
import { stringify } from 'csv-stringify/sync';
import type { ChargesBreakdownDto } from '../contract/trading-schemas.js';
import { exportFilename, type ExportKind, type RecordsExport } from '../contract/records.js';
import { IST_OFFSET_MS } from '../core/ist.js';
import { istDay, istTime, type IsoDay } from '../core/nse-calendar.js';
import type { Order } from '../model/order.js';
import { Ledger, type ClosedTrade } from '../portfolio/ledger.js';
import type { SignalRow } from './journal-repo.js';

/**
 * Records out: the journal (kitedesk.sqlite) as CSV. Readers take rows from the journal tables for a
 * range of IST days; builders turn rows into CSV text (csv-stringify: RFC 4180 quoting, so commas,
 * quotes and newlines in a value round-trip through csv-parse). Prices and money are rupees with two
 * decimals (the journal's integer paise / 100), timestamps ISO 8601 in IST with the offset
 * (`2026-12-07T09:16:00.000+05:30`). A column the journal has no value for is left empty. The columns
 * are documented in docs/exports.md.
 */

/** The orders columns, in this order (the seeds' set). */
export const ORDERS_COLUMNS = [
  'timestamp',
  'symbol',
  'side',
  'quantity',
  'price',
  'status',
  'tf',
  'profile',
  'strategy',
  'parent_signal_timestamp',
  'underlying',
  'extra',
] as const;

/** The signals columns, in this order (the seeds' set). */
export const SIGNALS_COLUMNS = [
  'timestamp',
  'signal_id',
  'logical',
  'symbol',
  'price',
  'signal',
  'tf',
  'reason',
  'profile',
  'mode',
  'confidence',
  'trend_context',
  'vol_regime',
  'htf_trend',
  'playbook',
  'setup_type',
  'ema20',
  'ema50',
  'ema100',
  'ema200',
  'rsi14',
  'atr',
  'adx14',
  'adx',
  'vwap',
  'rel_volume',
  'vol_spike',
  'strategy',
] as const;

/** One row per fill (execution), with its charges by component. */
export const TRADES_COLUMNS = [
  'timestamp',
  'fill_id',
  'order_id',
  'client_id',
  'mode',
  'symbol',
  'exchange',
  'side',
  'product',
  'quantity',
  'price',
  'value',
  'charges',
  'brokerage',
  'stt',
  'exchange_txn',
  'sebi',
  'stamp_duty',
  'gst',
  'dp',
  'strategy',
] as const;

/** One row per IST day, mode and strategy (plus an `ALL` row per day and mode): realised PnL from the fill journal. */
export const PNL_COLUMNS = [
  'date',
  'mode',
  'strategy',
  'fills',
  'buy_value',
  'sell_value',
  'charges_paid',
  'closed_trades',
  'wins',
  'losses',
  'realised_gross',
  'realised_charges',
  'realised_net',
] as const;

export const EXPORT_COLUMNS: Readonly<Record<ExportKind, readonly string[]>> = {
  orders: ORDERS_COLUMNS,
  signals: SIGNALS_COLUMNS,
  trades: TRADES_COLUMNS,
  pnl: PNL_COLUMNS,
};

type Cell = string | number | null | undefined;
type Row<C extends readonly string[]> = Record<C[number], Cell>;

// ---------------------------------------------------------------------------------------------
// Formatting

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Epoch ms as ISO 8601 in IST with its offset, e.g. `2026-12-07T09:16:00.000+05:30`. */
export function istIso(ms: number): string {
  const d = new Date(ms + IST_OFFSET_MS);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+05:30`
  );
}

/** Integer paise as rupees with two decimals (`-12.05`). */
export function rupees(paise: number): string {
  if (!Number.isInteger(paise)) return trimmed(paise / 100);
  const sign = paise < 0 ? '-' : '';
  const a = Math.abs(paise);
  return `${sign}${Math.floor(a / 100)}.${pad(a % 100)}`;
}

/** A float rounded to 4 decimals, without trailing zeros. */
function trimmed(v: number): string {
  const r = Math.round(v * 1e4) / 1e4;
  return String(Object.is(r, -0) ? 0 : r);
}

/** The CSV text of rows under a header (RFC 4180, `\n` line ends, a header even with no rows). */
export function toCsv<C extends readonly string[]>(columns: C, rows: readonly Row<C>[]): string {
  return stringify(
    rows.map((r) => columns.map((c) => r[c as C[number]] ?? '')),
    { header: true, columns: [...columns], record_delimiter: '\n', cast: { number: (v) => String(v) } },
  );
}

// ---------------------------------------------------------------------------------------------
// Journal rows (as the tables hold them)

export interface OrderJournalRow {
  mode: string;
  broker: string;
  order: Order;
  /** The instance's timeframe (strategy_instances), when the strategy still exists. */
  timeframe?: string | undefined;
  /** The signal the order came from: same strategy, symbol and side, at most a minute before it (epoch ms). */
  parentSignalTs?: number | undefined;
}

/** A `signals` row as stored (price in paise, journal-repo.ts), its snapshot parsed: indicator values (price-like ones in paise). */
export type SignalJournalRow = Omit<SignalRow, 'snapshot' | 'timeframe'> & { timeframe: string; snapshot: Record<string, number> };

export interface FillJournalRow {
  mode: string;
  fill_id: string;
  order_id: string;
  client_id: string;
  symbol: string;
  exchange: string;
  side: 'BUY' | 'SELL';
  product: 'CNC' | 'MIS' | 'NRML';
  strategy: string;
  qty: number;
  price: number;
  charges: number;
  charges_detail: Partial<ChargesBreakdownDto>;
  ts_event: number;
  seq: number;
}

// ---------------------------------------------------------------------------------------------
// Builders (pure)

export function ordersCsv(rows: readonly OrderJournalRow[]): string {
  return toCsv(
    ORDERS_COLUMNS,
    rows.map(({ mode, broker, order: o, timeframe, parentSignalTs }) => {
      const avg = o.filledQty > 0 ? Math.round(o.filledValuePaise / o.filledQty) : undefined;
      const price = avg ?? o.pricePaise;
      const extra = {
        order_id: o.orderId,
        client_id: o.clientId,
        mode,
        broker,
        exchange: o.exchange,
        order_type: o.orderType,
        product: o.product,
        validity: o.validity,
        variety: o.variety,
        source: o.source,
        filled_qty: o.filledQty,
        pending_qty: o.pendingQty,
        cancelled_qty: o.cancelledQty,
        ...(o.pricePaise !== undefined ? { limit_price: rupees(o.pricePaise) } : {}),
        ...(o.triggerPaise !== undefined ? { trigger_price: rupees(o.triggerPaise) } : {}),
        ...(avg !== undefined ? { average_price: rupees(avg) } : {}),
        ...(o.statusMessage ? { status_message: o.statusMessage } : {}),
        ...(o.modifications > 0 ? { modifications: o.modifications } : {}),
        updated: istIso(o.tsUpdate),
      };
      return {
        timestamp: istIso(o.tsInit),
        symbol: o.symbol,
        side: o.side,
        quantity: o.qty,
        price: price !== undefined ? rupees(price) : '',
        status: o.status,
        tf: timeframe ?? '',
        profile: '',
        strategy: o.strategy,
        parent_signal_timestamp: parentSignalTs !== undefined ? istIso(parentSignalTs) : '',
        underlying: '',
        extra: JSON.stringify(extra),
      };
    }),
  );
}

/** The primary-timeframe value of the single key matching `re` (undefined when none or ambiguous). */
function only(snapshot: Record<string, number>, re: RegExp): number | undefined {
  let found: number | undefined;
  let n = 0;
  for (const k of Object.keys(snapshot)) {
    if (re.test(k)) {
      found = snapshot[k];
      n++;
    }
  }
  return n === 1 ? found : undefined;
}

const priceCell = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '' : trimmed(v / 100));
const valueCell = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '' : trimmed(v));

export function signalsCsv(rows: readonly SignalJournalRow[]): string {
  return toCsv(
    SIGNALS_COLUMNS,
    rows.map((s) => {
      const x = s.snapshot;
      return {
        timestamp: istIso(s.ts),
        signal_id: s.id,
        logical: s.type,
        symbol: s.symbol,
        price: rupees(s.price),
        signal: s.side,
        tf: s.timeframe,
        reason: s.reason,
        profile: '',
        mode: '',
        confidence: trimmed(s.confidence),
        trend_context: '',
        vol_regime: '',
        htf_trend: '',
        playbook: '',
        setup_type: '',
        // indicator values of the primary timeframe (keys without a `tf:` prefix); EMA, ATR, VWAP are prices
        ema20: priceCell(x['ema_20']),
        ema50: priceCell(x['ema_50']),
        ema100: priceCell(x['ema_100']),
        ema200: priceCell(x['ema_200']),
        rsi14: valueCell(x['rsi_14']),
        atr: priceCell(x['atr_14'] ?? only(x, /^atr_\d+$/)),
        adx14: valueCell(x['adx_14']),
        adx: valueCell(x['adx_14'] ?? only(x, /^adx_\d+$/)),
        vwap: priceCell(x['vwap']),
        rel_volume: '',
        vol_spike: '',
        strategy: s.strategy,
      };
    }),
  );
}

export function tradesCsv(rows: readonly FillJournalRow[]): string {
  return toCsv(
    TRADES_COLUMNS,
    rows.map((f) => {
      const d = f.charges_detail;
      const c = (v: number | undefined): string => (v === undefined ? '' : rupees(v));
      return {
        timestamp: istIso(f.ts_event),
        fill_id: f.fill_id,
        order_id: f.order_id,
        client_id: f.client_id,
        mode: f.mode,
        symbol: f.symbol,
        exchange: f.exchange,
        side: f.side,
        product: f.product,
        quantity: f.qty,
        price: rupees(f.price),
        value: rupees(f.qty * f.price),
        charges: rupees(f.charges),
        brokerage: c(d.brokeragePaise),
        stt: c(d.sttPaise),
        exchange_txn: c(d.exchangeTxnPaise),
        sebi: c(d.sebiPaise),
        stamp_duty: c(d.stampDutyPaise),
        gst: c(d.gstPaise),
        dp: c(d.dpPaise),
        strategy: f.strategy,
      };
    }),
  );
}

interface PnlAcc {
  fills: number;
  buy: number;
  sell: number;
  chargesPaid: number;
  closed: number;
  wins: number;
  losses: number;
  gross: number;
  realisedCharges: number;
  net: number;
}

const emptyAcc = (): PnlAcc => ({ fills: 0, buy: 0, sell: 0, chargesPaid: 0, closed: 0, wins: 0, losses: 0, gross: 0, realisedCharges: 0, net: 0 });

/**
 * Realised PnL per IST day, mode and strategy: every fill of a mode is replayed through the ledger
 * (average cost, the engine's own PnL arithmetic), each closed trade counted on the IST day it closed
 * and each fill on the day it happened. `fills` must be every fill of each mode in journal order (a
 * trade closed in range may have opened before it); `from`/`to` (IST days, inclusive) pick the rows.
 */
export function pnlCsv(fills: readonly FillJournalRow[], from?: IsoDay, to?: IsoDay): string {
  const byMode = new Map<string, FillJournalRow[]>();
  for (const f of fills) {
    let l = byMode.get(f.mode);
    if (!l) byMode.set(f.mode, (l = []));
    l.push(f);
  }
  const acc = new Map<string, PnlAcc>(); // `${date}\t${mode}\t${strategy}`
  const at = (date: string, mode: string, strategy: string): PnlAcc => {
    const k = `${date}\t${mode}\t${strategy}`;
    let a = acc.get(k);
    if (!a) acc.set(k, (a = emptyAcc()));
    return a;
  };
  const inRange = (d: string): boolean => (from === undefined || d >= from) && (to === undefined || d <= to);
  for (const [mode, list] of byMode) {
    list.sort((a, b) => a.seq - b.seq);
    const ledger = new Ledger({ capitalPaise: 0, maxClosedTrades: Number.MAX_SAFE_INTEGER });
    for (const f of list) {
      ledger.applyFill({
        fillId: f.fill_id,
        orderId: f.order_id,
        clientId: f.client_id,
        symbol: f.symbol,
        exchange: f.exchange as Order['exchange'],
        side: f.side,
        product: f.product,
        strategy: f.strategy,
        qty: f.qty,
        pricePaise: f.price,
        tsEvent: f.ts_event,
        chargesPaise: f.charges,
      });
      const day = istDay(f.ts_event);
      if (!inRange(day)) continue;
      for (const a of [at(day, mode, f.strategy), at(day, mode, 'ALL')]) {
        a.fills++;
        if (f.side === 'BUY') a.buy += f.qty * f.price;
        else a.sell += f.qty * f.price;
        a.chargesPaid += f.charges;
      }
    }
    const closed: readonly ClosedTrade[] = ledger.closedTrades();
    for (const t of closed) {
      const day = istDay(t.closedAt);
      if (!inRange(day)) continue;
      for (const a of [at(day, mode, t.strategy), at(day, mode, 'ALL')]) {
        a.closed++;
        if (t.netPnlPaise > 0) a.wins++;
        else if (t.netPnlPaise < 0) a.losses++;
        a.gross += t.grossPnlPaise;
        a.realisedCharges += t.chargesPaise;
        a.net += t.netPnlPaise;
      }
    }
  }
  const keys = [...acc.keys()].sort((a, b) => {
    const [da, ma, sa] = a.split('\t') as [string, string, string];
    const [db, mb, sb] = b.split('\t') as [string, string, string];
    if (da !== db) return da < db ? -1 : 1;
    if (ma !== mb) return ma < mb ? -1 : 1;
    if (sa === 'ALL' || sb === 'ALL') return sa === 'ALL' ? (sb === 'ALL' ? 0 : -1) : 1;
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
  return toCsv(
    PNL_COLUMNS,
    keys.map((k) => {
      const [date, mode, strategy] = k.split('\t') as [string, string, string];
      const a = acc.get(k)!;
      return {
        date,
        mode,
        strategy,
        fills: a.fills,
        buy_value: rupees(a.buy),
        sell_value: rupees(a.sell),
        charges_paid: rupees(a.chargesPaid),
        closed_trades: a.closed,
        wins: a.wins,
        losses: a.losses,
        realised_gross: rupees(a.gross),
        realised_charges: rupees(a.realisedCharges),
        realised_net: rupees(a.net),
      };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Reading the journal

/** What to export: IST days inclusive (either end open), optionally one trading mode. */
export interface ExportQuery {
  from?: IsoDay | undefined;
  to?: IsoDay | undefined;
  /** Orders, trades and pnl of this mode only (paper, shadow, live, backtest); default every mode. */
  mode?: string | undefined;
}

const DAY_MS = 86_400_000;

/** [fromMs, toMs) of a range of IST days. */
export function rangeMs(from?: IsoDay, to?: IsoDay): [number, number] {
  return [from !== undefined ? istTime(from, '00:00') : -Number.MAX_SAFE_INTEGER, to !== undefined ? istTime(to, '00:00') + DAY_MS : Number.MAX_SAFE_INTEGER];
}

/** How far before an order its strategy's signal may be to count as the order's parent. */
export const PARENT_SIGNAL_WINDOW_MS = 60_000;

/** Reads the journal tables for exports; works on a read-only connection. */
export class RecordsReader {
  constructor(private readonly db: Database.Database) {}

  orders(q: ExportQuery = {}): OrderJournalRow[] {
    DeferredWrites.of(this.db).flush(); // rows of this turn still waiting for the group commit
    const [a, b] = rangeMs(q.from, q.to);
    const rows = this.db
      .prepare<[number, number, string | null, string | null], { mode: string; broker: string; order_id: string; body: string }>(
        'SELECT mode, broker, order_id, body FROM orders WHERE ts_init >= ? AND ts_init < ? AND (? IS NULL OR mode = ?) ORDER BY ts_init, order_id',
      )
      .all(a, b, q.mode ?? null, q.mode ?? null);
    const tf = new Map(
      this.db
        .prepare<[], { id: string; timeframe: string | null }>('SELECT id, timeframe FROM strategy_instances')
        .all()
        .map((r) => [r.id, r.timeframe] as const),
    );
    const parent = this.db.prepare<[string, string, string, number, number], { ts: number }>(
      'SELECT ts FROM signals WHERE strategy = ? AND symbol = ? AND side = ? AND ts <= ? AND ts >= ? ORDER BY ts DESC, id DESC LIMIT 1',
    );
    return rows.map((r) => {
      let order: Order;
      try {
        order = JSON.parse(r.body) as Order;
      } catch (e) {
        throw new Error(`orders table: order ${r.order_id} has an unreadable body (${(e as Error).message})`);
      }
      const fromSignal = order.source === 'strategy' || order.source === 'exit';
      const p = fromSignal ? parent.get(order.strategy, order.symbol, order.side, order.tsInit, order.tsInit - PARENT_SIGNAL_WINDOW_MS) : undefined;
      return { mode: r.mode, broker: r.broker, order, timeframe: tf.get(order.strategy) ?? undefined, parentSignalTs: p?.ts };
    });
  }

  signals(q: ExportQuery = {}): SignalJournalRow[] {
    DeferredWrites.of(this.db).flush(); // rows of this turn still waiting for the group commit
    const [a, b] = rangeMs(q.from, q.to);
    return this.db
      .prepare<[number, number], SignalRow>('SELECT * FROM signals WHERE ts >= ? AND ts < ? ORDER BY ts, id')
      .all(a, b)
      .map((r) => ({ ...r, snapshot: JSON.parse(r.snapshot) as Record<string, number> }));
  }

  /** Fills in range (all of them with no range), in time then journal order. */
  fills(q: ExportQuery = {}): FillJournalRow[] {
    DeferredWrites.of(this.db).flush(); // rows of this turn still waiting for the group commit
    const [a, b] = rangeMs(q.from, q.to);
    return this.db
      .prepare<[number, number, string | null, string | null], Omit<FillJournalRow, 'charges_detail'> & { charges_detail: string }>(
        'SELECT * FROM fills WHERE ts_event >= ? AND ts_event < ? AND (? IS NULL OR mode = ?) ORDER BY ts_event, mode, seq',
      )
      .all(a, b, q.mode ?? null, q.mode ?? null)
      .map((r) => ({ ...r, charges_detail: JSON.parse(r.charges_detail) as Partial<ChargesBreakdownDto> }));
  }

  /** The CSV of one kind of record over a range. */
  export(what: ExportKind, q: ExportQuery = {}): RecordsExport {
    let csv: string;
    let rows: number;
    switch (what) {
      case 'orders': {
        const r = this.orders(q);
        csv = ordersCsv(r);
        rows = r.length;
        break;
      }
      case 'signals': {
        const r = this.signals(q);
        csv = signalsCsv(r);
        rows = r.length;
        break;
      }
      case 'trades': {
        const r = this.fills(q);
        csv = tradesCsv(r);
        rows = r.length;
        break;
      }
      case 'pnl': {
        // every fill: a trade closed in range may have opened before it
        const all = this.fills({ mode: q.mode });
        csv = pnlCsv(all, q.from, q.to);
        rows = Math.max(0, csv.split('\n').length - 2);
        break;
      }
    }
    return { what, filename: exportFilename(what, q.from, q.to), rows, csv };
  }
}
