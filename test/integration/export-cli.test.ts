import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDERS_COLUMNS, PNL_COLUMNS, SIGNALS_COLUMNS, TRADES_COLUMNS, istIso, rupees } from '../../src-engine/persistence/records-export.js';
import { ensureBuilt, repoRoot, startServeProcess, tempDataDir, type ServeProcess } from '../support/serve-process.js';

/**
 * `kitedesk export` from dist/, as users run it, against the data dir of a running `kitedesk serve`
 * (paper on the simulator, the default strategies, 60 simulated seconds per second inside the session
 * of Friday 2026-11-20): the journal is read read-only while the engine writes it (WAL).
 */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/engine/cli.js'), 'export', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rowsOf = (file: string): Record<string, string>[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
const headerOf = (file: string): string => readFileSync(file, 'utf8').split('\n')[0]!;

describe('kitedesk export (built CLI) beside a running serve', () => {
  let s: ServeProcess;
  let dataDir: string;
  let db: Database.Database;

  beforeAll(async () => {
    ensureBuilt();
    dataDir = tempDataDir('kitedesk-export-');
    s = await startServeProcess(['--data-dir', dataDir, '--sim-speed', '60', '--sim-start', '2026-11-20T10:00:00+05:30']);
    db = new Database(join(dataDir, 'kitedesk.sqlite'), { readonly: true });
    // wait until the strategies traded: a filled order and signals in the journal
    const deadline = Date.now() + 60_000;
    for (;;) {
      const n = db.prepare("SELECT count(*) AS n FROM orders WHERE status = 'COMPLETE'").get() as { n: number };
      const sig = db.prepare('SELECT count(*) AS n FROM signals').get() as { n: number };
      if (n.n >= 2 && sig.n >= 5) break;
      if (Date.now() > deadline) throw new Error(`no trades within 60 s; serve stderr:\n${s.stderr()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 120_000);

  afterAll(async () => {
    db?.close();
    await s?.stop();
  });

  it('orders: the exact header, one row equal to the journal, while serve writes', () => {
    const out = join(dataDir, 'out', 'orders.csv');
    const r = cli('--what', 'orders', '--data-dir', dataDir, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/kitedesk: \d+ rows? of orders written to /);
    expect(headerOf(out)).toBe(ORDERS_COLUMNS.join(','));
    const rows = rowsOf(out);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const done = rows.find((x) => x.status === 'COMPLETE' && (JSON.parse(x.extra!) as { source: string }).source === 'strategy')!;
    const extra = JSON.parse(done.extra!) as { order_id: string; mode: string; average_price: string };
    const j = db.prepare('SELECT body FROM orders WHERE order_id = ?').get(extra.order_id) as { body: string };
    const o = JSON.parse(j.body) as { tsInit: number; symbol: string; side: string; qty: number; status: string; strategy: string; filledQty: number; filledValuePaise: number };
    expect(done).toMatchObject({
      timestamp: istIso(o.tsInit),
      symbol: o.symbol,
      side: o.side,
      quantity: String(o.qty),
      price: rupees(Math.round(o.filledValuePaise / o.filledQty)),
      status: o.status,
      strategy: o.strategy,
      profile: '',
      underlying: '',
    });
    expect(extra.mode).toBe('paper');
    // a strategy's order names its instance's timeframe and the signal it came from
    const tf = db.prepare('SELECT timeframe FROM strategy_instances WHERE id = ?').get(o.strategy) as { timeframe: string };
    expect(done.tf).toBe(tf.timeframe);
    const parent = db.prepare('SELECT ts FROM signals WHERE strategy = ? AND symbol = ? AND side = ? AND ts <= ? ORDER BY ts DESC LIMIT 1').get(o.strategy, o.symbol, o.side, o.tsInit) as { ts: number };
    expect(done.parent_signal_timestamp).toBe(istIso(parent.ts));
  });

  it('signals: the exact header and one row equal to the journal', () => {
    const out = join(dataDir, 'out', 'signals.csv');
    expect(cli('--what', 'signals', '--data-dir', dataDir, '--from', '2026-11-20', '--to', '2026-11-20', '--out', out).code).toBe(0);
    expect(headerOf(out)).toBe(SIGNALS_COLUMNS.join(','));
    const rows = rowsOf(out);
    const first = rows[0]!;
    const j = db.prepare('SELECT * FROM signals WHERE id = ?').get(Number(first.signal_id)) as { ts: number; symbol: string; strategy: string; type: string; side: string; reason: string; price: number; timeframe: string; confidence: number };
    expect(first).toMatchObject({
      timestamp: istIso(j.ts),
      logical: j.type,
      symbol: j.symbol,
      price: rupees(j.price),
      signal: j.side,
      tf: j.timeframe,
      reason: j.reason,
      strategy: j.strategy,
    });
    expect(Number(first.confidence)).toBeCloseTo(j.confidence, 4);
    // a range with no journal rows gives the header alone
    expect(cli('--what', 'signals', '--data-dir', dataDir, '--from', '2026-11-23', '--out', out).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(`${SIGNALS_COLUMNS.join(',')}\n`);
  });

  it('trades and pnl: fills with their charges, and the realised PnL of the day', () => {
    const trades = join(dataDir, 'out', 'trades.csv');
    const pnl = join(dataDir, 'out', 'pnl.csv');
    expect(cli('--what', 'trades', '--data-dir', dataDir, '--out', trades, '--mode', 'paper').code).toBe(0);
    expect(cli('--what', 'pnl', '--data-dir', dataDir, '--out', pnl).code).toBe(0);
    expect(headerOf(trades)).toBe(TRADES_COLUMNS.join(','));
    expect(headerOf(pnl)).toBe(PNL_COLUMNS.join(','));
    const fills = rowsOf(trades);
    const f = db.prepare('SELECT * FROM fills WHERE fill_id = ?').get(fills[0]!.fill_id) as { qty: number; price: number; charges: number; symbol: string };
    expect(fills[0]).toMatchObject({ symbol: f.symbol, quantity: String(f.qty), price: rupees(f.price), charges: rupees(f.charges) });
    const all = rowsOf(pnl).find((x) => x.strategy === 'ALL')!;
    expect(all.date).toBe('2026-11-20');
    expect(Number(all.fills)).toBeGreaterThanOrEqual(fills.length); // serve goes on filling between the two exports
  });

  it('refuses bad arguments and a data dir without a journal, naming them', () => {
    const out = join(dataDir, 'out', 'x.csv');
    const a = cli('--what', 'orders', '--data-dir', dataDir, '--from', '2026-11-21', '--to', '2026-11-20', '--out', out);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('--from must not be after --to');
    const b = cli('--what', 'fills', '--data-dir', dataDir, '--out', out);
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/Allowed choices are orders, signals, trades, pnl/);
    const c = cli('--what', 'orders', '--data-dir', dataDir, '--from', '2026-02-30', '--out', out);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toContain('expected a calendar date YYYY-MM-DD');
    const empty = tempDataDir('kitedesk-export-none-');
    const d = cli('--what', 'orders', '--data-dir', empty, '--out', out);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('No KiteDesk database at');
    expect(existsSync(out)).toBe(false);
  });
});
