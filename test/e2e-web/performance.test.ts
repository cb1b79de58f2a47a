import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_OUT as outDir, tradingSuite } from '../support/trading-suite.js';
import { T, attr, submitTicket } from '../support/trading-ui.js';

/**
 * The Performance tab in Chromium against `kitedesk serve` (paper broker on the simulator, in the NSE
 * session of Friday 2026-11-20, no strategies): a manual round trip from the ticket (BUY 1, then SELL
 * 1 at market) shows up as one closed trade of `manual` and of the account, with the net PnL the
 * engine computed, equity and drawdown points, and a bar for `manual`.
 */

const PANEL = '[data-testid="performance-panel"]';

describe('the performance and health tabs in Chromium against kitedesk serve', () => {
  const suite = tradingSuite();
  const { problems } = suite;

  it("shows today's round trip for the account and for manual, with charts and a PnL bar", async () => {
    const page = await suite.openPage();

    await page.click('[data-testid="tab-performance"]', T);
    await page.waitForSelector(`${PANEL}[data-ready="true"]`, T);
    expect(await attr(page, PANEL, 'data-range')).toBe('2026-11-20..2026-11-20');
    expect(await attr(page, '[data-testid="perf-row-account"]', 'data-trades')).toBe('0');

    await page.click('[data-testid="ticket-side-buy"]');
    await page.fill('[data-testid="ticket-qty"]', '1');
    await page.selectOption('[data-testid="ticket-type"]', 'MARKET');
    expect((await submitTicket(page)).action).toBe('ALLOW');
    await page.click('[data-testid="ticket-side-sell"]');
    expect((await submitTicket(page)).action).toBe('ALLOW');

    // the portfolio push reloads the tab: one closed trade, overall and for manual
    await page.waitForSelector('[data-testid="perf-row-manual"][data-trades="1"]', T);
    expect(await attr(page, '[data-testid="perf-row-account"]', 'data-trades')).toBe('1');
    const net = Number(await attr(page, '[data-testid="perf-row-manual"]', 'data-net'));
    expect(Number.isSafeInteger(net)).toBe(true);
    // a 1-share round trip at market pays charges: the net is the engine's, shown on the bar too
    expect(Number(await attr(page, '[data-testid="perf-bar-manual"]', 'data-net'))).toBe(net);
    expect(Number(await attr(page, '[data-testid="perf-equity"]', 'data-points'))).toBeGreaterThan(0);
    expect(Number(await attr(page, '[data-testid="perf-drawdown"]', 'data-points'))).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="perf-row-manual"] td[data-key="trades"]').textContent()).toBe('1');

    // another range asks the engine again
    await page.click('[data-testid="perf-range-7d"]');
    await page.waitForSelector(`${PANEL}[data-range="2026-11-14..2026-11-20"][data-ready="true"]`, T);
    expect(await attr(page, '[data-testid="perf-row-account"]', 'data-trades')).toBe('1');
    await page.screenshot({ path: join(outDir, 'performance.png') });

    expect(problems).toEqual([]);
    await page.close();
  });

  it('health: the engine running, ticks flowing, the order budget after two orders, the journal on disk', async () => {
    const page = await suite.openPage();
    await page.click('[data-testid="tab-health"]', T);
    await page.waitForSelector('[data-testid="health-panel"][data-ready="true"]', T);
    expect(await page.locator('[data-testid="health-engine"] td.num').textContent()).toBe('running · paper');
    // serve runs the engine in its own process: nothing restarts it (the desktop app's count: unit/integration tests)
    expect(await page.locator('[data-testid="health-restarts"] td.num').textContent()).toMatch(/^not supervised/);
    // the two orders of the first test were sent today: the day's budget shows them against Kite's cap
    expect(await page.locator('[data-testid="health-orders-2"] td.num').textContent()).toBe('2 / 5,000');
    // polled: ticks/s comes from the feed (the simulator streams inside the session)
    await page.waitForFunction(() => Number((document.querySelector('[data-testid="health-ticks"] td.num')?.textContent ?? '0').replace(/,/g, '')) > 0, null, T);
    expect(await page.locator('[data-testid="health-journal"] td.num').textContent()).toMatch(/^\d+(\.\d+)? (KB|MB) \+ WAL /);
    expect(await page.locator('[data-testid="health-memory"] td.num').textContent()).toMatch(/^RSS \d+(\.\d+)? MB/);
    // serve counts unhandled promise rejections inside the engine: none
    expect(await page.locator('[data-testid="health-rejections"] td.num').textContent()).toBe('0');
    await page.screenshot({ path: join(outDir, 'health.png') });
    expect(problems).toEqual([]);
    await page.close();
  });
});
