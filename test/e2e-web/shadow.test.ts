import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { ensureBuilt, type ServeProcess } from '../support/serve-process.js';
import { T, startTradingServe } from '../support/trading-ui.js';

/**
 * Shadow mode in Chromium: a profile with `mode: shadow` fills orders on the simulator and shows, under
 * an order's row, the exact Kite request a live order would have sent (tag = the client id, market
 * protection on a MARKET order).
 */


describe('shadow mode in Chromium', () => {
  let s: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    ensureBuilt();
    s = await startTradingServe('mode: shadow\nstrategies: []\n');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('an order from the ticket fills and shows the Kite request it would have sent', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(s.url);
    await page.waitForSelector('[data-testid="account-strip"][data-ready="true"][data-mode="shadow"]', T);
    await page.waitForFunction(() => (document.querySelector('[data-testid="order-ticket"]')?.getAttribute('data-symbol') ?? '') !== '', null, T);
    await page.fill('[data-testid="ticket-qty"]', '2', T);
    await page.click('[data-testid="ticket-submit"]', T);
    await page.waitForSelector('[data-testid="ticket-result"][data-action="ALLOW"]', T);
    const clientId = await page.getAttribute('[data-testid="ticket-result"]', 'data-client-id', T);
    expect(clientId).toBeTruthy();
    await page.click('[data-testid="tab-orders"]', T);
    const row = `[data-testid="order-row"][data-client-id="${clientId}"]`;
    await page.waitForSelector(`${row}[data-status="COMPLETE"]`, T);
    await page.click(`${row} [data-testid="order-live-toggle"]`, T);
    const params = page.locator('[data-testid="order-live-params"]');
    await params.waitFor(T);
    await page.waitForSelector('[data-testid="order-live-params"][data-count="1"]', T);
    const text = (await params.textContent()) ?? '';
    expect(text).toContain('POST /orders/regular');
    expect(text).toContain(`tag=${clientId}`);
    expect(text).toContain('order_type=MARKET');
    expect(text).toContain('market_protection=-1');
    expect(text).toContain('quantity=2');
  });
});
