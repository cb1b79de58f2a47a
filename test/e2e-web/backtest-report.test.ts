import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktestCli } from '../../src-engine/backtest/cli.js';
import { generatedSeries, kiteCsv } from '../../src-engine/backtest/testing.js';
import { launchChromium } from '../support/browser.js';
import { repoRoot } from '../support/serve-process.js';
import { watchProblems } from '../support/trading-ui.js';

/**
 * The backtest's report.html opened from disk in Chromium: no console error, no request leaves the
 * file (it is self-contained), the metrics, charts, heat map and every trade are there; a screenshot
 * is kept in test-output/e2e-web/backtest-report.png.
 */
const outDir = join(repoRoot, 'test-output', 'e2e-web');

describe('backtest report.html in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('opens without errors and shows metrics, equity/drawdown charts, the monthly heat map, prices with entries and exits, and every trade', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kitedesk-bt-html-'));
    // two months of one symbol, so the heat map has two cells
    writeFileSync(join(dir, 'GEN.csv'), kiteCsv(generatedSeries('GEN', '2025-02-17', 20, 9)));
    const { result, html } = runBacktestCli({ data: [join(dir, 'GEN.csv')], strategy: 'sma_crossover', timeframe: '5m', set: ['fast=5', 'slow=20'], product: 'MIS', qty: 10, out: join(dir, 'out'), progress: false });
    expect(result.trades.length).toBeGreaterThan(5);

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    watchProblems(page, problems);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('#metrics');
    expect(await page.locator('#metrics tr').count()).toBeGreaterThan(15);
    expect(await page.locator('#trades tbody tr').count()).toBe(result.trades.length);
    expect(await page.locator('figure svg polyline').count()).toBe(3); // equity, drawdown, GEN's price
    expect(await page.locator('svg path title').count()).toBe(2 * result.trades.length); // an entry and an exit marker per trade
    expect(await page.locator('table.heat td[style]').count()).toBe(2);
    const firstTrade = result.trades[0]!;
    expect(await page.locator('#trades tbody tr').first().locator('td').nth(6).textContent()).toBe((firstTrade.entryPricePaise / 100).toFixed(2));
    await page.screenshot({ path: join(outDir, 'backtest-report.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
  }, 60_000);
});
