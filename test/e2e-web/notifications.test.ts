import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_OUT as outDir, tradingSuite } from '../support/trading-suite.js';
import { T, submitTicket } from '../support/trading-ui.js';

/**
 * Notifications in Chromium against `kitedesk serve` (paper, in the session of Friday 2026-11-20): the
 * browser's Notification API is stubbed (records what would be shown, permission asked and granted);
 * desktop notifications are switched on in the Alerts tab; a market order's fill and a blocked order
 * (off the tick) each arrive as a desktop notification and in the in-app list, with an unread badge
 * while the tab is closed.
 */

describe('notifications in Chromium against kitedesk serve', () => {
  const suite = tradingSuite();

  it('a fill and a risk block reach the desktop (stubbed API) and the Alerts list', async () => {
    const page = await suite.openPage(() => {
      const shown: { title: string; body: string }[] = [];
      let asked = 0;
      class FakeNotification {
        static permission = 'default';
        static async requestPermission() {
          asked++;
          FakeNotification.permission = 'granted';
          return 'granted';
        }
        constructor(title: string, o?: { body?: string }) {
          shown.push({ title, body: o?.body ?? '' });
        }
      }
      Object.assign(window, { Notification: FakeNotification, __shown: shown, __asked: () => asked });
    });

    // switch desktop notifications on: the permission is asked once
    await page.click('[data-testid="tab-alerts"]');
    await page.check('[data-testid="notif-desktop"]');
    await page.waitForFunction(() => (window as unknown as { __asked: () => number }).__asked() === 1, null, T);
    await page.click('[data-testid="tab-positions"]');

    // a market BUY fills: one desktop notification, an unread badge on Alerts
    await page.click('[data-testid="ticket-side-buy"]');
    await page.fill('[data-testid="ticket-qty"]', '2');
    await page.selectOption('[data-testid="ticket-type"]', 'MARKET');
    expect((await submitTicket(page)).action).toBe('ALLOW');
    await page.waitForFunction(() => (window as unknown as { __shown: { title: string }[] }).__shown.some((n) => / filled$/.test(n.title)), null, T);
    await page.waitForSelector('[data-testid="tab-badge-alerts"]', T);

    // a LIMIT off the tick is blocked by risk: notified too
    await page.selectOption('[data-testid="ticket-type"]', 'LIMIT');
    await page.fill('[data-testid="ticket-price"]', '100.03');
    expect((await submitTicket(page)).action).toBe('BLOCK');
    await page.waitForFunction(() => (window as unknown as { __shown: { title: string }[] }).__shown.some((n) => / blocked by risk$/.test(n.title)), null, T);

    // the in-app list has both; opening the tab clears the badge
    await page.click('[data-testid="tab-alerts"]');
    await page.waitForSelector('[data-testid="notification"][data-kind="fill"]', T);
    await page.waitForSelector('[data-testid="notification"][data-kind="risk-block"]', T);
    expect(await page.locator('[data-testid="tab-badge-alerts"]').count()).toBe(0);
    const shown = await page.evaluate(() => (window as unknown as { __shown: { title: string; body: string }[] }).__shown);
    expect(shown.find((n) => / filled$/.test(n.title))?.body).toMatch(/^at ₹[\d,]+\.\d\d avg · 2\/2 · manual · paper$/);
    await page.screenshot({ path: join(outDir, 'alerts.png') });
    expect(suite.problems).toEqual([]);
    await page.close();
  });
});
