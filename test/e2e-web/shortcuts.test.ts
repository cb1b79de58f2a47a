import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_OUT, tradingSuite } from '../support/trading-suite.js';
import { T, attr, submitTicket } from '../support/trading-ui.js';

/**
 * Keyboard shortcuts in Chromium against `kitedesk serve` (paper, in the session): the help overlay,
 * buy/sell on the ticket, a timeframe key, the kill switch opening its confirmation, and cancel-all
 * cancelling a resting order after its confirmation; nothing fires while typing in a field.
 */
describe('keyboard shortcuts in Chromium against kitedesk serve', () => {
  const suite = tradingSuite();

  it('help, buy/sell, timeframe, kill switch dialog, cancel all', async () => {
    const page = await suite.openPage();

    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid="shortcuts-help"]', T);
    await page.screenshot({ path: join(E2E_OUT, 'shortcuts.png') });
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="shortcuts-help"]', { state: 'detached', ...T });

    await page.keyboard.press('s');
    expect(await attr(page, '[data-testid="ticket-side-sell"]', 'aria-pressed')).toBe('true');
    // typing in the quantity field is not a shortcut: "b" stays text, the side stays SELL
    await page.keyboard.type('b');
    expect(await attr(page, '[data-testid="ticket-side-sell"]', 'aria-pressed')).toBe('true');
    await page.click('[data-testid="chart"]');
    await page.keyboard.press('b');
    expect(await attr(page, '[data-testid="ticket-side-buy"]', 'aria-pressed')).toBe('true');

    // "b" focused the quantity: leave the field first (a digit typed there is a quantity, not a timeframe)
    await page.click('[data-testid="chart"]');
    await page.keyboard.press('3');
    await page.waitForSelector('[data-testid="chart"][data-tf="5m"]', T);

    await page.keyboard.press('Shift+K');
    await page.waitForSelector('[data-testid="kill-switch-dialog"]', T);
    await page.keyboard.press('Escape');
    expect(await attr(page, '[data-testid="kill-switch-button"]', 'data-engaged')).toBe('false');

    // a resting LIMIT below the market, then Shift+C cancels it after the confirmation
    await page.fill('[data-testid="ticket-qty"]', '1');
    await page.selectOption('[data-testid="ticket-type"]', 'LIMIT');
    await page.fill('[data-testid="ticket-price"]', '1350.00'); // ~2 % under RELIANCE: rests, inside the price band
    expect((await submitTicket(page)).action).toBe('ALLOW');
    await page.click('[data-testid="chart"]');
    await page.keyboard.press('Shift+C');
    await page.waitForSelector('[data-testid="cancel-all-count"][data-count="1"]', T);
    await page.click('[data-testid="cancel-all-confirm"]');
    await page.waitForSelector('[data-testid="cancel-all-dialog"]', { state: 'detached', ...T });
    await page.click('[data-testid="tab-orders"]');
    await page.waitForSelector('[data-testid="order-row"][data-status="CANCELLED"]', T);
    expect(suite.problems).toEqual([]);
    await page.close();
  });
});
