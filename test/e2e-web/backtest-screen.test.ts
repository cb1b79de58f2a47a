import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approveUserSma, fillBacktestForm, openBacktestTab } from '../support/backtest-ui.js';
import { tempDataDir } from '../support/serve-process.js';
import { E2E_OUT as outDir, SMA_A_PROFILE as PROFILE, webSuite } from '../support/trading-suite.js';
import { T, attr, startTradingServe, watchProblems } from '../support/trading-ui.js';
import { generatedSeries, kiteCsv } from '../../src-engine/backtest/testing.js';

/**
 * The Backtest tab in Chromium against `kitedesk serve` (no credentials: the simulator's minute
 * history): a bad param is refused inline; a short run's progress reaches done, the headline metrics
 * are the run's report.json, the run is listed (and still after reopening the tab), and its report.html
 * opens in a new tab through a one-time link. A walk-forward from the same tab (the profile's strategy
 * picked, one param swept, rolling windows): progress to done, the IS/OOS gap, the windows and the
 * stitched out-of-sample curve shown, its report page opened without console errors; a longer one is
 * cancelled. The data picker lists the candle folder in the data dir with its symbols.
 */

describe('the Backtest tab in Chromium against kitedesk serve', () => {
  let dataDir: string;
  const { serve, problems, openApp } = webSuite(() => {
    dataDir = tempDataDir();
    // a candle folder the engine knows (<dataDir>/candles), for the data picker
    mkdirSync(join(dataDir, 'candles'), { recursive: true });
    writeFileSync(join(dataDir, 'candles', 'GENA.csv'), kiteCsv(generatedSeries('GENA', '2026-11-02', 3)));
    // an approved user strategy file
    approveUserSma(dataDir);
    // the suite's profile (sma-a on RELIANCE) and a second instance of another type on another symbol: the profile set
    return startTradingServe(PROFILE.replace('trading:', '  - id: ema-b\n    type: ema_crossover\n    params: { fast: 4, slow: 12 }\n    symbols: [INFY]\n    timeframe: 5m\ntrading:'), dataDir);
  });

  it('runs a short backtest from the screen: progress to done, the metrics, the run listed, the report opened', async () => {
    const page = await openApp({ width: 1400, height: 1000 });
    await openBacktestTab(page, 'sma_crossover');
    await fillBacktestForm(page, { symbols: 'RELIANCE, INFY', timeframe: '5m', from: '2026-11-16', to: '2026-11-18' });

    // the params form is the type's JSON Schema; the engine's refusal shows under the field
    await fillBacktestForm(page, { params: { fast: '30', slow: '20' } });
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
  it('runs a walk-forward from the screen (the profile’s strategy, one param swept): progress, the IS/OOS gap, the windows, the stitched curve, the report; cancels a longer one', async () => {
    const page = await openApp({ width: 1400, height: 1100 });
    await page.click('[data-testid="tab-backtest"]');
    // the profile's configured instance is pickable and fills in its type, params, symbols and timeframe
    await page.waitForSelector('[data-testid="bt-strategy"] option[value="instance:sma-a"]', { state: 'attached', ...T });
    await page.selectOption('[data-testid="bt-strategy"]', 'instance:sma-a');
    expect(await page.inputValue('[data-testid="bt-symbols"]')).toBe('RELIANCE');
    expect(await page.inputValue('[data-testid="param-slow"]')).toBe('30');
    expect(await page.inputValue('[data-testid="bt-timeframe"]')).toBe('1m');

    // the data picker: the candle folder of the data dir, with its symbols
    await page.selectOption('[data-testid="bt-data"]', 'folder');
    await page.selectOption('[data-testid="bt-folder-pick"]', join(dataDir, 'candles'));
    expect(await page.inputValue('[data-testid="bt-folder"]')).toBe(join(dataDir, 'candles'));
    expect(await page.textContent('[data-testid="bt-folder-symbols"]')).toContain('GENA');
    await page.selectOption('[data-testid="bt-data"]', 'sim');

    await page.selectOption('[data-testid="bt-timeframe"]', '5m');
    await page.fill('[data-testid="param-slow"]', '12');
    await page.fill('[data-testid="bt-from"]', '2026-11-02');
    await page.fill('[data-testid="bt-to"]', '2026-11-13');
    await page.check('[data-testid="bt-wf"]');
    await page.fill('[data-testid="bt-wf-is"]', '6');
    await page.fill('[data-testid="bt-wf-oos"]', '2');
    await page.selectOption('[data-testid="bt-wf-metric"]', 'netReturn');
    // nothing swept: refused in the form
    await page.click('[data-testid="bt-run"]');
    expect(await page.textContent('[data-testid="bt-error"]', T)).toMatch(/sweep/);
    await page.check('[data-testid="bt-sweep-fast"]');
    await page.fill('[data-testid="bt-sweep-from-fast"]', '3');
    await page.fill('[data-testid="bt-sweep-to-fast"]', '7');
    await page.fill('[data-testid="bt-sweep-step-fast"]', '2');
    // windows that do not fit the period: the engine's refusal says where
    await page.fill('[data-testid="bt-wf-is"]', '11');
    await page.click('[data-testid="bt-run"]');
    await page.waitForFunction(() => /walkForward\.inSampleDays/.test(document.querySelector('[data-testid="bt-error"]')?.textContent ?? ''), null, T);
    await page.fill('[data-testid="bt-wf-is"]', '6');

    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { wfSeen: string[] }).wfSeen = seen;
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="bt-progress"]');
        if (el) seen.push(`${el.getAttribute('data-state')}:${el.getAttribute('data-done')}/${el.getAttribute('data-total')}`);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const before = await page.locator('[data-testid^="bt-run-bt-"]').count();
    await page.click('[data-testid="bt-run"]');
    // 12 days, 6 in sample, 2 out: 3 rolling windows × (3 points + 1) = 12 backtests
    await page.waitForSelector('[data-testid="bt-progress"][data-state="done"][data-total="12"]', { timeout: 180_000 });
    const seen = await page.evaluate(() => (window as unknown as { wfSeen: string[] }).wfSeen);
    expect(seen.some((x) => /^running:\d+\/12$/.test(x) && !x.startsWith('running:12'))).toBe(true);
    const row = page.locator('[data-testid^="bt-run-bt-"][data-kind="walk-forward"][data-state="done"]');
    await row.first().waitFor(T);
    expect(await page.locator('[data-testid^="bt-run-bt-"]').count()).toBe(before + 1);
    const id = ((await row.first().getAttribute('data-testid')) ?? '').replace(/^bt-run-/, '');

    // the tab shows the report's gap, windows and stitched curve: the same as report.json
    const gap = await page.waitForSelector('[data-testid="bt-wf-gap"]', T);
    const report = JSON.parse(readFileSync(join(dataDir, 'backtests', id, 'report.json'), 'utf8')) as { walkForward: { gap: { windows: number; meanGap: number | null }; windows: { params: { fast: number } | null }[]; oosEquity: unknown[] } };
    expect(Number(await gap.getAttribute('data-windows'))).toBe(3);
    expect(report.walkForward.gap.windows).toBe(3);
    expect(await gap.getAttribute('data-mean-gap')).toBe(String(report.walkForward.gap.meanGap ?? ''));
    expect(await page.locator('[data-testid="bt-wf-windows"] tbody tr').count()).toBe(3);
    const chosen = report.walkForward.windows[0]!.params;
    if (chosen) expect(await page.textContent('[data-testid="bt-wf-windows"] tbody tr:first-child')).toContain(`fast=${chosen.fast}`);
    expect(Number(await attr(page, '[data-testid="bt-wf-curve"]', 'data-points'))).toBe(report.walkForward.oosEquity.length);
    await page.locator('[data-testid="bt-wf-windows"]').scrollIntoViewIfNeeded(T);
    await page.screenshot({ path: join(outDir, 'backtest-walk-forward.png'), fullPage: true });

    // its report page: the stitched curve and the windows, no script, no console error
    const [popup] = await Promise.all([page.waitForEvent('popup', T), page.click('[data-testid="bt-open-report"]')]);
    watchProblems(popup, problems);
    await popup.waitForLoadState('load', T);
    expect(await popup.textContent('h1')).toBe('Walk-forward report');
    expect(await popup.locator('#windows tbody tr').count()).toBe(3);
    expect(await popup.locator('svg polyline').count()).toBeGreaterThan(0);
    expect(await popup.locator('script').count()).toBe(0);
    await popup.screenshot({ path: join(outDir, 'backtest-walk-forward-report.png'), fullPage: true });
    await popup.close();

    // a longer walk-forward, cancelled from the tab once it is under way
    await page.fill('[data-testid="bt-from"]', '2026-06-01');
    await page.fill('[data-testid="bt-wf-is"]', '20');
    await page.fill('[data-testid="bt-wf-oos"]', '5');
    await page.fill('[data-testid="bt-sweep-from-fast"]', '2');
    await page.fill('[data-testid="bt-sweep-to-fast"]', '10');
    await page.fill('[data-testid="bt-sweep-step-fast"]', '1');
    await page.click('[data-testid="bt-run"]');
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="bt-progress"]');
      return el?.getAttribute('data-state') === 'running' && Number(el.getAttribute('data-done')) > 0;
    }, null, { timeout: 120_000 });
    await page.click('[data-testid="bt-cancel"]');
    await page.waitForSelector('[data-testid="bt-progress"][data-state="cancelled"]', T);
    expect(Number(await attr(page, '[data-testid="bt-progress"]', 'data-done'))).toBeLessThan(Number(await attr(page, '[data-testid="bt-progress"]', 'data-total')));
    await page.waitForSelector('[data-testid^="bt-run-bt-"][data-kind="walk-forward"][data-state="cancelled"]', T);
    expect(problems).toEqual([]);
  });

  it('an approved user strategy file is pickable (its params form) and runs to done', async () => {
    const page = await openApp({ width: 1400, height: 1000 });
    await page.click('[data-testid="tab-backtest"]');
    const option = page.locator('[data-testid="bt-strategy"] option[value="user_sma"]');
    await option.waitFor({ state: 'attached', ...T });
    expect(await option.isDisabled()).toBe(false);
    await page.selectOption('[data-testid="bt-strategy"]', 'user_sma');
    await fillBacktestForm(page, { symbols: 'RELIANCE', timeframe: '5m', from: '2026-11-16', to: '2026-11-17', params: { fast: '5', slow: '12' } });
    const before = await page.locator('[data-testid^="bt-run-bt-"]').count();
    await page.click('[data-testid="bt-run"]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid^="bt-run-bt-"]').length > n, before, T);
    const row = page.locator('[data-testid^="bt-run-bt-"]').first();
    const id = ((await row.getAttribute('data-testid')) ?? '').replace(/^bt-run-/, '');
    await page.waitForSelector(`[data-testid="bt-run-${id}"][data-state="done"]`, { timeout: 120_000 });
    const report = JSON.parse(readFileSync(join(dataDir, 'backtests', id, 'report.json'), 'utf8')) as { settings: { strategies: { type: string }[] } };
    expect(report.settings.strategies.map((x) => x.type)).toEqual(['user_sma']);
    expect(problems).toEqual([]);
  });

  it('runs the profile’s whole strategy set: the instances listed read-only, progress to done, the headline and per-instance table equal to report.json, listed as a profile run', async () => {
    const page = await openApp({ width: 1400, height: 1100 });
    await page.click('[data-testid="tab-backtest"]');
    const option = page.locator('[data-testid="bt-strategy"] option[value="profile"]');
    await option.waitFor({ state: 'attached', ...T });
    expect(await option.textContent()).toBe("Run profile's strategies (2)");
    await page.selectOption('[data-testid="bt-strategy"]', 'profile');
    // the instances instead of the params form; symbols default to their union; no timeframe, no walk-forward
    await page.waitForSelector('[data-testid="bt-profile-set"]', T);
    expect(await page.textContent('[data-testid="bt-profile-instance-sma-a"]')).toMatch(/sma_crossover.*RELIANCE.*1m/);
    expect(await page.textContent('[data-testid="bt-profile-instance-ema-b"]')).toMatch(/ema_crossover.*INFY.*5m/);
    expect(await page.locator('[data-testid^="param-"]').count()).toBe(0);
    expect(await page.inputValue('[data-testid="bt-symbols"]')).toBe('RELIANCE, INFY');
    expect(await page.isDisabled('[data-testid="bt-timeframe"]')).toBe(true);
    expect(await page.isDisabled('[data-testid="bt-wf"]')).toBe(true);
    expect(await page.isChecked('[data-testid="bt-use-profile"]')).toBe(true);
    await fillBacktestForm(page, { from: '2026-11-16', to: '2026-11-17' });
    const before = await page.locator('[data-testid^="bt-run-bt-"]').count();
    await page.click('[data-testid="bt-run"]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid^="bt-run-bt-"]').length > n, before, T);
    const row = page.locator('[data-testid^="bt-run-bt-"]').first();
    const id = ((await row.getAttribute('data-testid')) ?? '').replace(/^bt-run-/, '');
    await page.waitForSelector(`[data-testid="bt-run-${id}"][data-state="done"][data-kind="profile"]`, { timeout: 120_000 });
    expect(await row.textContent()).toContain('profile (2 strategies)');
    await page.waitForSelector('[data-testid="bt-progress"][data-state="done"]', T);

    const report = JSON.parse(readFileSync(join(dataDir, 'backtests', id, 'report.json'), 'utf8')) as {
      metrics: { trades: number; netPnlPaise: number };
      inputs: { strategies: { instances: { id: string; type: string; symbols: string[]; timeframe: string }[] } };
      byStrategy: { strategy: string; trades: number; netPnlPaise: number }[];
    };
    expect(report.inputs.strategies.instances.map((i) => [i.id, i.type, i.symbols.join(','), i.timeframe])).toEqual([
      ['sma-a', 'sma_crossover', 'RELIANCE', '1m'],
      ['ema-b', 'ema_crossover', 'INFY', '5m'],
    ]);
    await page.waitForSelector('[data-testid="bt-headline"]', T);
    expect(Number(await attr(page, '[data-testid="bt-headline"]', 'data-trades'))).toBe(report.metrics.trades);
    expect(Number(await attr(page, '[data-testid="bt-headline"]', 'data-net'))).toBe(Math.round(report.metrics.netPnlPaise));
    // the per-instance table is report.json's byStrategy
    await page.waitForSelector('[data-testid="bt-by-strategy"]', T);
    for (const b of report.byStrategy) {
      expect(Number(await attr(page, `[data-testid="bt-by-strategy-${b.strategy}"]`, 'data-trades'))).toBe(b.trades);
      expect(Number(await attr(page, `[data-testid="bt-by-strategy-${b.strategy}"]`, 'data-net'))).toBe(b.netPnlPaise);
    }
    expect(await page.locator('[data-testid^="bt-by-strategy-"]').count()).toBe(report.byStrategy.length);
    // the tab scrolls inside its panel: a tall window, the per-instance table scrolled into view
    await page.setViewportSize({ width: 1400, height: 1800 });
    await page.locator('[data-testid="bt-by-strategy"]').scrollIntoViewIfNeeded(T);
    await page.screenshot({ path: join(outDir, 'backtest-profile-set.png') });
    expect(problems).toEqual([]);
  });
});
