import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServeProcess, tempDataDir } from '../support/serve-process.js';
import { E2E_OUT as outDir, SMA_A_PROFILE as PROFILE, webSuite } from '../support/trading-suite.js';
import { T, attr } from '../support/trading-ui.js';

/**
 * The Backtest tab in Chromium against `kitedesk serve` (no credentials: the simulator's minute
 * history): a bad param is refused inline; a short run's progress reaches done, the headline metrics
 * are the run's report.json, the run is listed (and still after reopening the tab), and its report.html
 * opens in a new tab through a one-time link.
 */

describe('the Backtest tab in Chromium against kitedesk serve', () => {
  let dataDir: string;
  const { serve, problems, openApp } = webSuite(() => {
    dataDir = tempDataDir();
    writeFileSync(join(dataDir, 'profile.yaml'), PROFILE);
    return startServeProcess(['--data-dir', dataDir, '--config', join(dataDir, 'profile.yaml'), '--sim-speed', '1', '--sim-start', '2026-11-20T10:00:00+05:30']);
  });

  it('runs a short backtest from the screen: progress to done, the metrics, the run listed, the report opened', async () => {
    const page = await openApp({ width: 1400, height: 1000 });
    await page.click('[data-testid="tab-backtest"]');
    await page.waitForSelector('[data-testid="bt-strategy"] option[value="sma_crossover"]', { state: 'attached', ...T });
    await page.selectOption('[data-testid="bt-strategy"]', 'sma_crossover');
    await page.fill('[data-testid="bt-symbols"]', 'RELIANCE, INFY');
    await page.selectOption('[data-testid="bt-timeframe"]', '5m');
    await page.fill('[data-testid="bt-from"]', '2026-11-16');
    await page.fill('[data-testid="bt-to"]', '2026-11-18');

    // the params form is the type's JSON Schema; the engine's refusal shows under the field
    await page.fill('[data-testid="param-fast"]', '30');
    await page.fill('[data-testid="param-slow"]', '20');
    await page.click('[data-testid="bt-run"]');
    const fieldError = await page.waitForSelector('[data-testid="param-error-fast"]', T);
    expect(await fieldError.textContent()).toMatch(/fast/);
    expect(await page.locator('[data-testid^="bt-run-bt-"]').count()).toBe(0);

    // every state the progress element shows, from the click on
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { btSeen: string[] }).btSeen = seen;
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="bt-progress"]');
        if (el) seen.push(`${el.getAttribute('data-state')}:${el.getAttribute('data-done')}/${el.getAttribute('data-total')}`);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.fill('[data-testid="param-fast"]', '5');
    await page.click('[data-testid="bt-run"]');
    await page.waitForSelector('[data-testid="bt-progress"][data-state="done"]', { timeout: 120_000 });
    const seen = await page.evaluate(() => (window as unknown as { btSeen: string[] }).btSeen);
    expect(seen.some((x) => x.startsWith('running:'))).toBe(true);
    const done = await attr(page, '[data-testid="bt-progress"]', 'data-done');
    expect(Number(done)).toBeGreaterThan(0);
    expect(await attr(page, '[data-testid="bt-progress"]', 'data-total')).toBe(done);

    // the run is listed, done; its headline is its report.json's metrics
    const row = page.locator('[data-testid^="bt-run-bt-"][data-state="done"]');
    await row.first().waitFor(T);
    const id = ((await row.first().getAttribute('data-testid')) ?? '').replace(/^bt-run-/, '');
    await page.waitForSelector('[data-testid="bt-headline"]', T);
    const report = JSON.parse(readFileSync(join(dataDir, 'backtests', id, 'report.json'), 'utf8')) as { metrics: { trades: number; netPnlPaise: number }; symbols: { symbol: string }[] };
    expect(report.symbols.map((x) => x.symbol).sort()).toEqual(['INFY', 'RELIANCE']);
    expect(Number(await attr(page, '[data-testid="bt-headline"]', 'data-trades'))).toBe(report.metrics.trades);
    expect(Number(await attr(page, '[data-testid="bt-headline"]', 'data-net'))).toBe(Math.round(report.metrics.netPnlPaise));
    expect(await page.textContent('[data-testid="bt-metric-trades"]')).toContain(String(report.metrics.trades));
    await page.screenshot({ path: join(outDir, 'backtest-screen.png') });

    // report.html opens in a new tab (one-time link): the page is the report, with no script
    const [popup] = await Promise.all([page.waitForEvent('popup', T), page.click('[data-testid="bt-open-report"]')]);
    await popup.waitForLoadState('load', T);
    expect(popup.url()).toContain(`/backtests/${id}/report.html?ticket=`);
    const html = await popup.content();
    expect(html).toContain('RELIANCE');
    expect(await popup.locator('script').count()).toBe(0);
    await popup.screenshot({ path: join(outDir, 'backtest-screen-report.png') });
    // the same link again is refused, and so is the path without a ticket or with the serve token instead
    const again = await fetch(popup.url());
    expect(again.status).toBe(403);
    const bare = popup.url().split('?')[0]!;
    expect((await fetch(bare)).status).toBe(403);
    expect(serve().token.length).toBeGreaterThan(0);
    expect((await fetch(`${bare}?token=${serve().token}`)).status).toBe(403);
    await popup.close();

    // the tab shows the past runs again when reopened
    await page.click('[data-testid="tab-positions"]');
    await page.click('[data-testid="tab-backtest"]');
    await page.waitForSelector(`[data-testid="bt-run-${id}"][data-state="done"]`, T);
    expect(problems).toEqual([]);
  });
});
