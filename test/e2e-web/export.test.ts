import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDERS_COLUMNS, SIGNALS_COLUMNS, istIso, rupees } from '../../src-engine/persistence/records-export.js';
import { launchChromium } from '../support/browser.js';
import { ensureBuilt, repoRoot, startServeProcess, tempDataDir, type ServeProcess } from '../support/serve-process.js';
import { T, attr, watchProblems } from '../support/trading-ui.js';

/**
 * Export in Chromium against `kitedesk serve` (paper on the simulator with the default strategies, 60
 * simulated seconds per second from 10:00 IST of Friday 2026-11-20): the Export menu of the trading
 * tabs downloads orders and signals as CSV through `records.export`; the header is exact and a row
 * equals the journal in the data dir's kitedesk.sqlite.
 */

const outDir = join(repoRoot, 'test-output', 'e2e-web');

/** Opens the menu, picks `what`, downloads; returns the file's text and the name the engine gave it. */
async function download(page: Page, what: string): Promise<{ csv: string; name: string }> {
  if ((await page.locator('[data-testid="export-popover"]').count()) === 0) await page.click('[data-testid="export-open"]', T);
  await page.selectOption('[data-testid="export-what"]', what);
  const [dl] = await Promise.all([page.waitForEvent('download', T), page.click('[data-testid="export-download"]', T)]);
  const path = await dl.path();
  await page.waitForSelector('[data-testid="export-result"][data-ok="true"]', T);
  return { csv: readFileSync(path, 'utf8'), name: dl.suggestedFilename() };
}

describe('export in Chromium against kitedesk serve', () => {
  let s: ServeProcess;
  let browser: Browser;
  let db: Database.Database;
  const problems: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(outDir, { recursive: true });
    const dataDir = tempDataDir('kitedesk-e2e-export-');
    s = await startServeProcess(['--data-dir', dataDir, '--sim-speed', '60', '--sim-start', '2026-11-20T10:00:00+05:30']);
    db = new Database(join(dataDir, 'kitedesk.sqlite'), { readonly: true });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    db?.close();
    await browser?.close();
    await s?.stop();
  });

  it('downloads orders and signals as CSV: exact headers, rows equal to the journal', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    watchProblems(page, problems);
    expect((await page.goto(s.url))?.status()).toBe(200);
    await page.waitForSelector('[data-testid="status-bar"][data-connection="open"]', T);
    // the strategies trade on the paper broker within a few simulated minutes
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="signal-row"]').length >= 3, undefined, { timeout: 60_000 });
    const deadline = Date.now() + 60_000;
    while ((db.prepare("SELECT count(*) AS n FROM orders WHERE status = 'COMPLETE' AND json_extract(body, '$.source') = 'strategy'").get() as { n: number }).n < 1) {
      if (Date.now() > deadline) throw new Error('no strategy order filled within 60 s');
      await page.waitForTimeout(250);
    }

    // the range starts as the feed's IST day
    await page.click('[data-testid="export-open"]', T);
    expect(await page.inputValue('[data-testid="export-from"]')).toBe('2026-11-20');
    expect(await page.inputValue('[data-testid="export-to"]')).toBe('2026-11-20');

    const orders = await download(page, 'orders');
    expect(orders.name).toBe('kitedesk-orders-2026-11-20_2026-11-20.csv');
    expect(orders.csv.split('\n')[0]).toBe(ORDERS_COLUMNS.join(','));
    const orderRows = parse(orders.csv, { columns: true }) as Record<string, string>[];
    const row = orderRows.find((r) => r.status === 'COMPLETE' && (JSON.parse(r.extra!) as { source: string }).source === 'strategy')!;
    expect(row).toBeDefined();
    const extra = JSON.parse(row.extra!) as { order_id: string };
    const o = JSON.parse((db.prepare('SELECT body FROM orders WHERE order_id = ?').get(extra.order_id) as { body: string }).body) as {
      tsInit: number;
      symbol: string;
      side: string;
      qty: number;
      status: string;
      strategy: string;
      filledQty: number;
      filledValuePaise: number;
    };
    expect(row).toMatchObject({
      timestamp: istIso(o.tsInit),
      symbol: o.symbol,
      side: o.side,
      quantity: String(o.qty),
      price: rupees(Math.round(o.filledValuePaise / o.filledQty)),
      status: o.status,
      strategy: o.strategy,
    });
    expect(row.tf).not.toBe('');
    expect(row.parent_signal_timestamp).toMatch(/^2026-11-20T\d\d:\d\d:\d\d\.\d{3}\+05:30$/);

    const signals = await download(page, 'signals');
    expect(signals.csv.split('\n')[0]).toBe(SIGNALS_COLUMNS.join(','));
    const signalRows = parse(signals.csv, { columns: true }) as Record<string, string>[];
    expect(signalRows.length).toBeGreaterThanOrEqual(3);
    const sig = signalRows[signalRows.length - 1]!;
    const j = db.prepare('SELECT * FROM signals WHERE id = ?').get(Number(sig.signal_id)) as { ts: number; symbol: string; type: string; side: string; reason: string; price: number; timeframe: string; strategy: string };
    expect(sig).toMatchObject({ timestamp: istIso(j.ts), logical: j.type, symbol: j.symbol, price: rupees(j.price), signal: j.side, tf: j.timeframe, reason: j.reason, strategy: j.strategy });
    expect(await attr(page, '[data-testid="export-result"]', 'data-ok')).toBe('true');
    await page.screenshot({ path: join(outDir, 'export.png') });

    // a range with nothing in it: the header alone
    await page.fill('[data-testid="export-from"]', '2026-11-23');
    await page.fill('[data-testid="export-to"]', '2026-11-23');
    const none = await download(page, 'signals');
    expect(none.csv).toBe(`${SIGNALS_COLUMNS.join(',')}\n`);

    expect(problems).toEqual([]);
    await page.close();
  }, 180_000);
});
