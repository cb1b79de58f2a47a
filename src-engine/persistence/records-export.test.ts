import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { recordsExportInputSchema } from '../contract/records.js';
import { istTime } from '../core/nse-calendar.js';
import { order as fixtureOrder } from '../model/testing.js';
import { openDatabase } from './db.js';
import { SignalJournal } from './journal-repo.js';
import {
  ORDERS_COLUMNS,
  PNL_COLUMNS,
  RecordsReader,
  SIGNALS_COLUMNS,
  TRADES_COLUMNS,
  istIso,
  ordersCsv,
  rupees,
  signalsCsv,
} from './records-export.js';
import { StrategyInstanceRepo } from './strategy-repo.js';
import { TradingRepo, type JournalFill } from './trading-repo.js';

const parseCsv = (csv: string): string[][] => parse(csv, { relax_column_count: false }) as string[][];
const records = (csv: string): Record<string, string>[] => parse(csv, { columns: true }) as Record<string, string>[];

const T0 = istTime('2026-12-01', '09:20');
const T1 = istTime('2026-12-02', '10:05');
const charges = { brokeragePaise: 45, sttPaise: 12, exchangeTxnPaise: 4, sebiPaise: 1, stampDutyPaise: 5, gstPaise: 9, dpPaise: 0, totalPaise: 76 };
const fill = (id: string, over: Partial<JournalFill> = {}): JournalFill => ({
  fillId: id,
  orderId: 'P1',
  clientId: 'K1',
  symbol: 'INFY',
  exchange: 'NSE',
  side: 'BUY',
  product: 'MIS',
  strategy: 'ema-fast-1m',
  qty: 10,
  pricePaise: 150_005,
  tsEvent: T0,
  chargesPaise: 76,
  charges,
  ...over,
});

/** A journal with two days of signals, orders and fills. */
function journal() {
  const db = openDatabase(':memory:');
  const strategies = new StrategyInstanceRepo(db);
  strategies.save({ id: 'ema-fast-1m', type: 'ema_crossover', params: {}, symbols: ['INFY'], timeframe: '1m', enabled: true });
  const signals = new SignalJournal(db);
  const s1 = signals.append({
    ts: T0,
    symbol: 'INFY',
    strategy: 'ema-fast-1m',
    type: 'ema_crossover',
    side: 'BUY',
    confidence: 0.75,
    reason: 'ema 5 crossed above ema 13, "fast", at 1500.05\nsecond line',
    pricePaise: 150_005,
    timeframe: '1m',
    barTime: T0 - 60_000,
    snapshot: { ema_20: 149_987.123456, rsi_14: 61.23456, atr_14: 212.5, adx_14: 27.5, adx_14_plus_di: 30, vwap: 150_000, '5m:ema_20': 1 },
  });
  const s2 = signals.append({
    ts: T1,
    symbol: 'INFY',
    strategy: 'ema-fast-1m',
    type: 'ema_crossover',
    side: 'SELL',
    confidence: 1,
    reason: 'crossed below',
    pricePaise: 151_000,
    timeframe: '1m',
    barTime: null,
    snapshot: {},
  });
  const trading = new TradingRepo(db, 'paper');
  const o1 = fixtureOrder({
    orderId: 'P1',
    clientId: 'K1',
    symbol: 'INFY',
    side: 'BUY',
    qty: 10,
    orderType: 'MARKET',
    pricePaise: undefined,
    strategy: 'ema-fast-1m',
    source: 'strategy',
    tsInit: T0,
    tsUpdate: T0 + 300,
    status: 'COMPLETE',
    filledQty: 10,
    pendingQty: 0,
    filledValuePaise: 1_500_050,
  });
  trading.orderChanged(o1, 'COMPLETE', 'paper');
  trading.fill(fill('F1'));
  const o2 = fixtureOrder({
    orderId: 'P2',
    clientId: 'K2',
    symbol: 'INFY',
    side: 'SELL',
    qty: 10,
    orderType: 'LIMIT',
    pricePaise: 151_000,
    strategy: 'manual',
    source: 'manual',
    tsInit: T1,
    tsUpdate: T1,
    status: 'REJECTED',
    statusMessage: 'price band, "upper", breached',
  });
  trading.orderChanged(o2, 'REJECTED', 'paper');
  trading.fill(fill('F2', { orderId: 'P3', clientId: 'K3', side: 'SELL', pricePaise: 151_000, tsEvent: T1, chargesPaise: 80, charges: { ...charges, totalPaise: 80, sttPaise: 16 } }));
  return { db, s1, s2 };
}

describe('CSV builders', () => {
  it('orders: the exact header and a row from the journal', () => {
    const { db, s1 } = journal();
    const r = new RecordsReader(db).export('orders');
    expect(r.csv.split('\n')[0]).toBe('timestamp,symbol,side,quantity,price,status,tf,profile,strategy,parent_signal_timestamp,underlying,extra');
    expect(parseCsv(r.csv)[0]).toEqual([...ORDERS_COLUMNS]);
    expect(r.rows).toBe(2);
    const [a, b] = records(r.csv);
    expect(a).toMatchObject({
      timestamp: '2026-12-01T09:20:00.000+05:30',
      symbol: 'INFY',
      side: 'BUY',
      quantity: '10',
      price: '1500.05', // the average fill price
      status: 'COMPLETE',
      tf: '1m',
      profile: '',
      strategy: 'ema-fast-1m',
      parent_signal_timestamp: istIso(s1.ts),
      underlying: '',
    });
    expect(JSON.parse(a!.extra!)).toMatchObject({ order_id: 'P1', client_id: 'K1', mode: 'paper', order_type: 'MARKET', average_price: '1500.05', filled_qty: 10 });
    // a manual order: no timeframe, no parent signal; its limit price; a message with commas and quotes survives
    expect(b).toMatchObject({ side: 'SELL', price: '1510.00', status: 'REJECTED', tf: '', strategy: 'manual', parent_signal_timestamp: '' });
    expect(JSON.parse(b!.extra!).status_message).toBe('price band, "upper", breached');
    expect(r.filename).toBe('kitedesk-orders-all.csv');
  });

  it('signals: the exact header, a row checked against the journal, indicators in rupees', () => {
    const { db, s1 } = journal();
    const r = new RecordsReader(db).export('signals');
    expect(r.csv.split('\n')[0]).toBe(
      'timestamp,signal_id,logical,symbol,price,signal,tf,reason,profile,mode,confidence,trend_context,vol_regime,htf_trend,playbook,setup_type,ema20,ema50,ema100,ema200,rsi14,atr,adx14,adx,vwap,rel_volume,vol_spike,strategy',
    );
    expect(parseCsv(r.csv)[0]).toEqual([...SIGNALS_COLUMNS]);
    const [a, b] = records(r.csv);
    expect(a).toEqual({
      timestamp: istIso(s1.ts),
      signal_id: String(s1.id),
      logical: 'ema_crossover',
      symbol: 'INFY',
      price: '1500.05',
      signal: 'BUY',
      tf: '1m',
      reason: s1.reason, // commas, quotes and a newline round-trip
      profile: '',
      mode: '',
      confidence: '0.75',
      trend_context: '',
      vol_regime: '',
      htf_trend: '',
      playbook: '',
      setup_type: '',
      ema20: '1499.8712',
      ema50: '',
      ema100: '',
      ema200: '',
      rsi14: '61.2346',
      atr: '2.125',
      adx14: '27.5',
      adx: '27.5',
      vwap: '1500',
      rel_volume: '',
      vol_spike: '',
      strategy: 'ema-fast-1m',
    });
    expect(b).toMatchObject({ signal: 'SELL', price: '1510.00', ema20: '', rsi14: '', atr: '' });
  });

  it('trades: one row per fill with its charges in rupees', () => {
    const { db } = journal();
    const r = new RecordsReader(db).export('trades');
    expect(parseCsv(r.csv)[0]).toEqual([...TRADES_COLUMNS]);
    const [a] = records(r.csv);
    expect(a).toEqual({
      timestamp: '2026-12-01T09:20:00.000+05:30',
      fill_id: 'F1',
      order_id: 'P1',
      client_id: 'K1',
      mode: 'paper',
      symbol: 'INFY',
      exchange: 'NSE',
      side: 'BUY',
      product: 'MIS',
      quantity: '10',
      price: '1500.05',
      value: '15000.50',
      charges: '0.76',
      brokerage: '0.45',
      stt: '0.12',
      exchange_txn: '0.04',
      sebi: '0.01',
      stamp_duty: '0.05',
      gst: '0.09',
      dp: '0.00',
      strategy: 'ema-fast-1m',
    });
  });

  it('pnl: realised PnL per day and strategy from the ledger, trades closed in range even when opened before it', () => {
    const { db } = journal();
    const all = records(new RecordsReader(db).export('pnl').csv);
    expect(Object.keys(all[0]!)).toEqual([...PNL_COLUMNS]);
    const day2 = records(new RecordsReader(db).export('pnl', { from: '2026-12-02', to: '2026-12-02' }).csv);
    expect(day2.map((r) => r.strategy)).toEqual(['ALL', 'ema-fast-1m']);
    // bought 10 @ 1500.05 on day 1, sold 10 @ 1510 on day 2: gross 99.50, charges 0.76 + 0.80
    expect(day2[1]).toEqual({
      date: '2026-12-02',
      mode: 'paper',
      strategy: 'ema-fast-1m',
      fills: '1',
      buy_value: '0.00',
      sell_value: '15100.00',
      charges_paid: '0.80',
      closed_trades: '1',
      wins: '1',
      losses: '0',
      realised_gross: '99.50',
      realised_charges: '1.56',
      realised_net: '97.94',
    });
    expect(all.filter((r) => r.date === '2026-12-01').map((r) => [r.strategy, r.fills, r.closed_trades, r.realised_net])).toEqual([
      ['ALL', '1', '0', '0.00'],
      ['ema-fast-1m', '1', '0', '0.00'],
    ]);
  });

  it('picks rows by IST day, both ends inclusive', () => {
    const { db, s2 } = journal();
    const reader = new RecordsReader(db);
    const day2 = records(reader.export('signals', { from: '2026-12-02' }).csv);
    expect(day2.map((r) => r.signal_id)).toEqual([String(s2.id)]);
    expect(records(reader.export('orders', { to: '2026-12-01' }).csv).map((r) => `${r.symbol}${r.side}`)).toEqual(['INFYBUY']);
    expect(reader.export('trades', { from: '2026-12-03' })).toMatchObject({ rows: 0, csv: `${TRADES_COLUMNS.join(',')}\n`, filename: 'kitedesk-trades-2026-12-03_end.csv' });
  });

  it('values with commas, quotes and newlines round-trip through csv-parse', () => {
    const nasty = ['a,b', 'say "hi"', 'line1\nline2', 'crlf\r\nend', ' lead', '', '=1+1', 'ünïcode ₹'];
    const csv = signalsCsv(
      nasty.map((reason, i) => ({
        id: i + 1,
        ts: T0,
        symbol: 'M&M',
        strategy: `s,${i}`,
        type: 't"q',
        side: 'BUY' as const,
        confidence: 0.5,
        reason,
        price: 100,
        timeframe: '1m',
        bar_time: null,
        snapshot: {},
      })),
    );
    const rows = records(csv);
    expect(rows.map((r) => r.reason)).toEqual(nasty);
    expect(rows.map((r) => r.strategy)).toEqual(nasty.map((_, i) => `s,${i}`));
    expect(rows.every((r) => r.logical === 't"q' && r.symbol === 'M&M')).toBe(true);
    const o = ordersCsv([{ mode: 'paper', broker: 'paper', order: fixtureOrder({ statusMessage: 'x,"y"\nz', strategy: 'a,b' }) }]);
    const [row] = records(o);
    expect(row!.strategy).toBe('a,b');
    expect(JSON.parse(row!.extra!).status_message).toBe('x,"y"\nz');
  });

  it('formats rupees and IST timestamps', () => {
    expect(rupees(0)).toBe('0.00');
    expect(rupees(5)).toBe('0.05');
    expect(rupees(-1205)).toBe('-12.05');
    expect(rupees(123456789)).toBe('1234567.89');
    expect(istIso(Date.UTC(2026, 11, 31, 18, 30, 0, 7))).toBe('2027-01-01T00:00:00.007+05:30');
  });

  it('the contract input checks days and their order', () => {
    expect(recordsExportInputSchema.safeParse({ what: 'orders', from: '2026-12-02', to: '2026-12-01' }).success).toBe(false);
    expect(recordsExportInputSchema.safeParse({ what: 'orders', from: '2026-13-01' }).success).toBe(false);
    expect(recordsExportInputSchema.safeParse({ what: 'fills' }).success).toBe(false);
    expect(recordsExportInputSchema.parse({ what: 'pnl', from: '2026-12-01', to: '2026-12-01' })).toEqual({ what: 'pnl', from: '2026-12-01', to: '2026-12-01' });
  });
});
