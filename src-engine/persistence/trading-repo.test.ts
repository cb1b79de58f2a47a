import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Order } from '../model/order.js';
import { order as fixtureOrder } from '../model/testing.js';
import { openDatabase } from './db.js';
import { TradingRepo, type JournalFill } from './trading-repo.js';

const order = (over: Partial<Order> = {}): Order =>
  fixtureOrder({ clientId: 'K1', strategy: 'manual', source: 'manual', tsInit: 1000, orderId: 'P1', status: 'PUT ORDER REQ RECEIVED', ...over });

const charges = { brokeragePaise: 45, sttPaise: 0, exchangeTxnPaise: 4, sebiPaise: 0, stampDutyPaise: 5, gstPaise: 9, dpPaise: 0, totalPaise: 63 };
const fill = (id: string, over: Partial<JournalFill> = {}): JournalFill => ({
  fillId: id,
  orderId: 'P1',
  clientId: 'K1',
  symbol: 'INFY',
  exchange: 'NSE',
  side: 'BUY',
  product: 'MIS',
  strategy: 'manual',
  qty: 5,
  pricePaise: 150_000,
  tsEvent: 2000,
  chargesPaise: 63,
  charges,
  ...over,
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('TradingRepo', () => {
  it('keeps one row per order with its latest state and an append-only history of events', () => {
    const db = openDatabase(':memory:');
    const repo = new TradingRepo(db, 'paper');
    repo.orderChanged(order(), 'placed', 'paper');
    repo.orderChanged(order({ status: 'OPEN', tsUpdate: 1100 }), 'OPEN', 'paper');
    repo.orderChanged(order({ status: 'COMPLETE', filledQty: 10, pendingQty: 0, filledValuePaise: 1_500_000, tsUpdate: 1200 }), 'COMPLETE', 'paper');
    const stored = repo.orders();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.order.status).toBe('COMPLETE');
    expect(stored[0]!.broker).toBe('paper');
    const events = db.prepare('SELECT event, status FROM order_events ORDER BY id').all();
    expect(events).toEqual([
      { event: 'placed', status: 'PUT ORDER REQ RECEIVED' },
      { event: 'OPEN', status: 'OPEN' },
      { event: 'COMPLETE', status: 'COMPLETE' },
    ]);
    expect(() => db.prepare('DELETE FROM order_events').run()).toThrow(/append-only/);
    // a client id is unique for ever: a second order with the same tag cannot be stored
    expect(() => repo.orderChanged(order({ orderId: 'P2' }), 'placed', 'paper')).toThrow(/UNIQUE/);
    db.close();
  });

  it('journals fills per mode in order, append-only, and survives a reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-trading-'));
    dirs.push(dir);
    const file = join(dir, 'kd.sqlite');
    let db = openDatabase(file);
    const paper = new TradingRepo(db, 'paper');
    paper.fill(fill('F1'));
    paper.fill(fill('F2', { qty: 5, pricePaise: 150_500 }));
    new TradingRepo(db, 'live').fill(fill('F1', { qty: 1 }));
    expect(() => db.prepare('UPDATE fills SET qty = 1').run()).toThrow(/append-only/);
    expect(() => paper.fill(fill('F1'))).toThrow(/UNIQUE|PRIMARY/);
    db.close();
    db = openDatabase(file);
    const again = new TradingRepo(db, 'paper');
    again.fill(fill('F3', { side: 'SELL' }));
    expect(again.fills().map((f) => f.fillId)).toEqual(['F1', 'F2', 'F3']);
    expect(again.fills()[1]).toEqual(fill('F2', { qty: 5, pricePaise: 150_500 }));
    expect(new TradingRepo(db, 'live').fills()).toHaveLength(1);
    db.close();
  });

  it('atomically(): a fill and its order state commit together or not at all (a crash between them leaves neither)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kitedesk-repo-'));
    dirs.push(dir);
    const file = join(dir, 'k.sqlite');
    const db = openDatabase(file);
    const repo = new TradingRepo(db, 'live');
    repo.orderChanged(order(), 'placed', 'live');
    expect(() =>
      repo.atomically(() => {
        repo.fill(fill('t1'));
        throw new Error('the process died here');
      }),
    ).toThrow(/died/);
    expect(repo.fills()).toEqual([]);
    repo.atomically(() => {
      repo.fill(fill('t1'));
      repo.atomically(() => repo.fill(fill('t2', { qty: 1 }))); // nested: a savepoint
      repo.orderChanged(order({ status: 'OPEN', filledQty: 6, pendingQty: 4 }), 'fill', 'live');
    });
    db.close();
    const again = new TradingRepo(openDatabase(file), 'live');
    expect(again.fills().map((f) => f.fillId)).toEqual(['t1', 't2']);
    expect(again.orders()[0]!.order).toMatchObject({ status: 'OPEN', filledQty: 6 });
  });

  it('rejects a fill that is not a positive integer quantity or price', () => {
    const db = openDatabase(':memory:');
    const repo = new TradingRepo(db, 'paper');
    expect(() => repo.fill(fill('X', { qty: 0 }))).toThrow(/CHECK/);
    expect(() => repo.fill(fill('Y', { pricePaise: 1.5 }))).toThrow();
    db.close();
  });

  it('journals risk decisions newest first and keeps meta JSON', () => {
    const db = openDatabase(':memory:');
    const repo = new TradingRepo(db, 'paper');
    const a = repo.decision({ ts: 1, clientId: 'A', symbol: 'INFY', side: 'BUY', qty: 10, strategy: 's', source: 'strategy', action: 'ALLOW', numbers: {} });
    const b = repo.decision({ ts: 2, clientId: 'B', symbol: 'INFY', side: 'BUY', qty: 7, strategy: 's', source: 'manual', action: 'BLOCK', rule: 'lot_size', message: 'qty 7 is not a multiple of lot 75', numbers: { qty: 7, lotSize: 75 } });
    expect(repo.recentDecisions(10)).toEqual([b, a]);
    expect(b.id).toBeGreaterThan(a.id);
    expect(repo.loadMeta('risk.state')).toBeUndefined();
    repo.saveMeta('risk.state', { halted: true, killSwitch: false });
    expect(repo.loadMeta('risk.state')).toEqual({ halted: true, killSwitch: false });
    db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('risk.state', '{oops')`).run();
    expect(() => repo.loadMeta('risk.state')).toThrow(/meta risk.state: unreadable JSON/);
    db.close();
  });

  it('journals the paper model of each live order once, append-only, read back in send order', () => {
    const db = openDatabase(':memory:');
    const repo = new TradingRepo(db, 'live');
    const m = { orderId: 'L2', clientId: 'Lx2', strategy: 'ema', symbol: 'INFY', side: 'BUY' as const, orderType: 'MARKET' as const, qty: 5, ts: 3000, basis: 'depth' as const, modelQty: 5, modelValuePaise: 750_050, refLastPaise: 150_000, depthTs: 2990 };
    repo.slippageModel(m);
    repo.slippageModel({ ...m, orderId: 'L1', clientId: 'Lx1', ts: 1000, basis: 'none', modelQty: 0, modelValuePaise: 0, depthTs: undefined });
    repo.slippageModel({ ...m, modelQty: 1 }); // the same order again: the first model stands
    const { depthTs: _d, ...noDepth } = m;
    expect(repo.slippageModels()).toEqual([{ ...noDepth, orderId: 'L1', clientId: 'Lx1', ts: 1000, basis: 'none', modelQty: 0, modelValuePaise: 0 }, m]);
    expect(repo.slippageModels(2000).map((x) => x.orderId)).toEqual(['L2']);
    expect(() => db.prepare('DELETE FROM live_slippage_models').run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE live_slippage_models SET qty = 1").run()).toThrow(/append-only/);
    db.close();
  });
});
