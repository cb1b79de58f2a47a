import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { E2E_OUT as outDir, webSuite } from '../support/trading-suite.js';
import { T, attr, startTradingServe, submitTicket } from '../support/trading-ui.js';

/**
 * The Equity tab in Chromium against `kitedesk serve` (paper broker on the simulator, inside the NSE
 * session of Friday 2026-11-20 at speed 1, no strategies): after a MARKET BUY from the ticket the
 * account curve has points, the series select offers the account and the `manual` strategy, and a
 * later fill reaches the open tab through the portfolio push.
 */

const CAPITAL_PAISE = 1_000_000 * 100;
const PANEL = '[data-testid="equity-panel"]';

/** Waits until the equity panel shows `series` with at least `min` points. */
async function waitForPoints(page: Page, series: string, min: number): Promise<number> {
  await page.waitForFunction(
    ([sel, s, m]) => {
      const el = document.querySelector(sel);
      return el !== null && el.getAttribute('data-series') === s && Number(el.getAttribute('data-points') ?? '0') >= m;
    },
    [PANEL, series, min] as const,
    T,
  );
  return Number(await attr(page, PANEL, 'data-points'));
}

describe('the equity tab in Chromium against kitedesk serve', () => {
  const { problems, openApp } = webSuite(() => startTradingServe('strategies: []\n'));

  it('charts the account after an order, offers Account and manual, and follows a new fill', async () => {
    const page = await openApp();
    await page.waitForSelector('[data-testid="account-strip"][data-ready="true"][data-mode="paper"]', T);
    await page.waitForFunction(() => (document.querySelector('[data-testid="order-ticket"]')?.getAttribute('data-symbol') ?? '') !== '', null, T);
    await page.waitForSelector('[data-testid="ticket-submit"]:not([disabled])', T);

    // BUY 1 at market from the ticket
    await page.click('[data-testid="ticket-side-buy"]');
    await page.fill('[data-testid="ticket-qty"]', '1');
    await page.selectOption('[data-testid="ticket-type"]', 'MARKET');
    expect((await submitTicket(page)).action).toBe('ALLOW');

    // the Equity tab: the account curve, loaded when the tab opens
    await page.click('[data-testid="tab-equity"]', T);
    expect(await attr(page, '[data-testid="trading-panel"]', 'data-tab')).toBe('equity');
    await page.waitForSelector(`${PANEL}[data-series="account"][data-ready="true"]`, T);
    expect(await waitForPoints(page, 'account', 1)).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-testid="equity-empty"]').count()).toBe(0);
    // the figures come from the points: equity near the capital (charges and a mark apart), drawdown whole paise ≥ 0
    const current = Number(await attr(page, '[data-testid="equity-current"]', 'data-paise'));
    expect(Number.isSafeInteger(current)).toBe(true);
    expect(Math.abs(current - CAPITAL_PAISE)).toBeLessThan(CAPITAL_PAISE / 100);
    const drawdown = Number(await attr(page, '[data-testid="equity-drawdown"]', 'data-paise'));
    expect(Number.isSafeInteger(drawdown) && drawdown >= 0).toBe(true);

    // the series select: Account and the manual strategy (the order's owner)
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll('[data-testid="equity-series"] option')).some((o) => o.textContent === 'manual'),
      null,
      T,
    );
    const labels = await page.locator('[data-testid="equity-series"] option').allTextContents();
    expect(labels[0]).toBe('Account');
    expect(labels).toContain('manual');
    expect(await page.inputValue('[data-testid="equity-series"]')).toBe('');

    // manual's cumulative net PnL: it has the fill's point
    await page.selectOption('[data-testid="equity-series"]', 'manual');
    await page.waitForSelector(`${PANEL}[data-series="manual"][data-ready="true"]`, T);
    expect(await waitForPoints(page, 'manual', 1)).toBeGreaterThanOrEqual(1);
    const lastT = Number(await attr(page, PANEL, 'data-last-t'));
    expect(lastT).toBeGreaterThan(0);

    // another fill while the tab is open: the portfolio push reloads the curve (a newer point shows up)
    expect((await submitTicket(page)).action).toBe('ALLOW');
    await page.waitForFunction(
      ([sel, t]) => Number(document.querySelector(sel)?.getAttribute('data-last-t') ?? '0') > t,
      [PANEL, lastT] as const,
      T,
    );
    expect(await attr(page, PANEL, 'data-series')).toBe('manual');

    // back to the account
    await page.selectOption('[data-testid="equity-series"]', { label: 'Account' });
    expect(await waitForPoints(page, 'account', 1)).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(outDir, 'equity.png') });

    expect(problems).toEqual([]);
    await page.close();
  });
});
