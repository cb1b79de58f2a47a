import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_OUT as outDir, webSuite } from '../support/trading-suite.js';
import { T, attr, startTradingServe, submitTicket } from '../support/trading-ui.js';

/**
 * Trading from the UI in Chromium against `kitedesk serve` (paper broker on the simulator): the
 * order ticket, the trading tabs, the account strip and the kill switch. The simulated clock starts
 * inside the NSE session of Friday 2026-11-20 at speed 1 so orders pass market hours and prices stay
 * put; the profile runs no strategies, so every position is the test's own.
 */


describe('trading in Chromium against kitedesk serve', () => {
  const { problems, openApp } = webSuite(() => startTradingServe('strategies: []\n'));

  it('places from the ticket, shows the position, order, fill and decisions, blocks a fat finger, and the kill switch squares off', async () => {
    const page = await openApp();
    await page.waitForSelector('[data-testid="account-strip"][data-ready="true"][data-mode="paper"]', T);
    const equity0 = Number(await attr(page, '[data-testid="account-strip"]', 'data-equity-paise'));
    expect(equity0).toBe(1_000_000 * 100); // the default capital, nothing traded yet
    expect(Number(await attr(page, '[data-testid="account-strip"]', 'data-day-pnl-paise'))).toBe(0);
    await page.waitForSelector('[data-testid="risk-state"][data-ready="true"][data-kill-switch="false"][data-halted="false"]', T);
    expect(await attr(page, '[data-testid="kill-switch-button"]', 'data-engaged')).toBe('false');

    // the ticket trades the selected symbol
    await page.waitForFunction(() => (document.querySelector('[data-testid="order-ticket"]')?.getAttribute('data-symbol') ?? '') !== '', null, T);
    const symbol = await attr(page, '[data-testid="order-ticket"]', 'data-symbol');
    expect(await attr(page, '[data-testid="chart"]', 'data-symbol')).toBe(symbol);
    const row = (extra = '') => `[data-testid="position-row"][data-symbol="${symbol}"][data-strategy="manual"]${extra}`;
    await page.waitForSelector('[data-testid="ticket-submit"]:not([disabled])', T);

    // BUY 2 at market
    await page.click('[data-testid="ticket-side-buy"]');
    expect(await attr(page, '[data-testid="ticket-side-buy"]', 'aria-pressed')).toBe('true');
    await page.fill('[data-testid="ticket-qty"]', '2');
    await page.selectOption('[data-testid="ticket-type"]', 'MARKET');
    expect(await page.isDisabled('[data-testid="ticket-price"]')).toBe(true);
    const buy = await submitTicket(page);
    expect(buy.action).toBe('ALLOW');
    expect(buy.rule).toBe('');
    expect(buy.clientId).not.toBe('');
    const orderIds = buy.orderIds.split(',').filter(Boolean);
    expect(orderIds).toHaveLength(1);
    const orderId = orderIds[0]!;

    // positions (the default tab): the symbol long 2
    await page.click('[data-testid="tab-positions"]');
    await page.waitForSelector(row('[data-qty="2"]'), T);
    expect(await page.locator('[data-testid="positions-panel"]').getAttribute('data-open')).toBe('1');

    // orders: the order COMPLETE
    await page.click('[data-testid="tab-orders"]');
    await page.waitForSelector(`[data-testid="order-row"][data-order-id="${orderId}"][data-status="COMPLETE"][data-symbol="${symbol}"]`, T);
    expect(await attr(page, `[data-testid="order-row"][data-order-id="${orderId}"]`, 'data-client-id')).toBe(buy.clientId);
    // a filled order has nothing to cancel
    expect(await page.locator(`[data-testid="order-row"][data-order-id="${orderId}"] [data-testid="order-cancel"]`).count()).toBe(0);

    // trades: its fill
    await page.click('[data-testid="tab-trades"]');
    await page.waitForSelector(`[data-testid="trade-row"][data-order-id="${orderId}"][data-symbol="${symbol}"]`, T);

    // the account strip: charges paid, and the breakdown adds up
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-testid="charges-button"]');
      return b !== null && !(b as HTMLButtonElement).disabled;
    }, null, T);
    await page.click('[data-testid="charges-button"]');
    await page.waitForSelector('[data-testid="charges-breakdown"]', T);
    const total = Number(await attr(page, '[data-testid="charges-breakdown"]', 'data-total-paise'));
    expect(total).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="charges-breakdown"] [data-component]').count()).toBeGreaterThanOrEqual(7);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="charges-breakdown"]', { state: 'detached', ...T });
    // equity moved off the starting capital by the charges and the mark (net figures)
    await page.waitForFunction(
      (cap) => Number(document.querySelector('[data-testid="account-strip"]')?.getAttribute('data-equity-paise') ?? cap) !== cap,
      equity0,
      T,
    );

    // a LIMIT far from the price: blocked by the fat-finger band, no order
    await page.selectOption('[data-testid="ticket-type"]', 'LIMIT');
    expect(await page.isDisabled('[data-testid="ticket-price"]')).toBe(false);
    await page.fill('[data-testid="ticket-price"]', '1.00');
    await page.fill('[data-testid="ticket-qty"]', '1');
    const far = await submitTicket(page);
    expect(far.action).toBe('BLOCK');
    expect(far.rule).toBe('price_band');
    expect(far.orderIds).toBe('');

    // the risk log shows both decisions
    await page.click('[data-testid="tab-risk"]');
    await page.waitForSelector(`[data-testid="risk-row"][data-client-id="${far.clientId}"][data-action="BLOCK"][data-rule="price_band"]`, T);
    await page.waitForSelector(`[data-testid="risk-row"][data-client-id="${buy.clientId}"][data-action="ALLOW"]`, T);
    await page.click('[data-testid="tab-orders"]');
    await page.waitForSelector('[data-testid="orders-panel"]', T);
    expect(await page.locator(`[data-testid="order-row"][data-client-id="${far.clientId}"]`).count()).toBe(0);
    expect(await page.locator('[data-testid="order-row"]').count()).toBe(1);

    // kill switch with square-off, through its dialog
    await page.click('[data-testid="tab-positions"]');
    await page.waitForSelector(row('[data-qty="2"]'), T);
    await page.click('[data-testid="kill-switch-button"]');
    await page.waitForSelector('[data-testid="kill-switch-dialog"]', T);
    await page.check('[data-testid="kill-switch-square-off"]');
    await page.fill('[data-testid="kill-switch-reason"]', 'e2e test');
    await page.click('[data-testid="kill-switch-confirm"]');
    await page.waitForSelector('[data-testid="kill-switch-dialog"]', { state: 'detached', ...T });
    await page.waitForSelector('[data-testid="risk-state"][data-kill-switch="true"]', T);
    await page.waitForSelector('[data-testid="kill-switch-badge"]', T);
    expect(await page.textContent('[data-testid="kill-switch-badge"]')).toContain('e2e test');
    expect(await attr(page, '[data-testid="kill-switch-button"]', 'data-engaged')).toBe('true');
    // the position is flat (a closed row stays, with qty 0) and nothing is open
    await page.waitForSelector(row('[data-qty="0"]'), T);
    await page.waitForSelector('[data-testid="positions-panel"][data-open="0"]', T);
    expect(await page.locator('[data-testid="position-row"]:not([data-qty="0"])').count()).toBe(0);

    // the square-off order is in the orders tab; a new order from the ticket is blocked by the kill switch
    await page.click('[data-testid="tab-orders"]');
    await page.waitForFunction(
      (sym) => {
        const rows = Array.from(document.querySelectorAll(`[data-testid="order-row"][data-symbol="${sym}"]`));
        return rows.length === 2 && rows.every((r) => r.getAttribute('data-status') === 'COMPLETE');
      },
      symbol,
      T,
    );
    await page.selectOption('[data-testid="ticket-type"]', 'MARKET');
    const killed = await submitTicket(page);
    expect(killed.action).toBe('BLOCK');
    expect(killed.rule).toBe('kill_switch');

    await page.screenshot({ path: join(outDir, 'trading.png') });

    // release it through the dialog: orders pass again
    await page.click('[data-testid="kill-switch-button"]');
    await page.waitForSelector('[data-testid="kill-switch-dialog"]', T);
    expect(await page.locator('[data-testid="kill-switch-square-off"]').count()).toBe(0);
    await page.click('[data-testid="kill-switch-confirm"]');
    await page.waitForSelector('[data-testid="risk-state"][data-kill-switch="false"]', T);
    await page.waitForSelector('[data-testid="kill-switch-badge"]', { state: 'detached', ...T });
    const again = await submitTicket(page);
    expect(again.action).toBe('ALLOW');

    expect(problems).toEqual([]);
    await page.close();
  });
});
