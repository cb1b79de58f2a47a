import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { E2E_OUT, tradingSuite } from '../support/trading-suite.js';
import { T, attr } from '../support/trading-ui.js';

/**
 * Resizable panes and compact mode in Chromium against `kitedesk serve`: a separator dragged with the
 * mouse and another moved with the keyboard keep their sizes across a reload; a narrow window shows the
 * compact layout (depth, signals and strategies hidden), and the toggle overrides it and is remembered.
 */

const box = async (page: Page, testId: string) => {
  const b = await page.locator(`[data-testid="${testId}"]`).boundingBox();
  if (!b) throw new Error(`${testId} is not displayed`);
  return b;
};

describe('resizable panes and compact mode in Chromium against kitedesk serve', () => {
  const suite = tradingSuite();

  /** Loads the app again in the same page (same localStorage); one retry if the loaded machine drops the connection. */
  async function reopen(page: Page): Promise<void> {
    try {
      await page.goto(suite.serve().url);
    } catch (e) {
      if (!/net::ERR_/.test(String(e))) throw e;
      await page.goto(suite.serve().url);
    }
    await page.waitForSelector('[data-testid="status-bar"][data-connection="open"]', T);
  }

  it('drag and keyboard resizes persist across a reload; narrow → compact; the toggle overrides', async () => {
    const page = await suite.openPage();
    await page.waitForSelector('[data-testid="workspace"][data-layout="full"]', T);
    await page.waitForSelector('[data-testid="depth-panel"]', T);

    // drag the watchlist's right edge 120 px to the right
    const before = (await box(page, 'pane-watchlist')).width;
    const sep = await box(page, 'sep-watchlist');
    const x = sep.x + sep.width / 2;
    const y = sep.y + sep.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + 60, y, { steps: 4 });
    await page.mouse.move(x + 120, y, { steps: 4 });
    await page.mouse.up();
    const dragged = (await box(page, 'pane-watchlist')).width;
    expect(dragged).toBeGreaterThan(before + 100);
    expect(dragged).toBeLessThan(before + 140);

    // the depth column from the keyboard: focus its separator, ArrowLeft widens the pane right of it
    const depthBefore = (await box(page, 'pane-depth')).width;
    await page.focus('[data-testid="sep-depth"]');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((w) => (document.querySelector('[data-testid="pane-depth"]')?.getBoundingClientRect().width ?? 0) > w + 20, depthBefore, T);
    const depthAfter = (await box(page, 'pane-depth')).width;

    // the bottom tabs' separator dragged up 80 px
    const bottomBefore = (await box(page, 'pane-bottom')).height;
    const sb = await box(page, 'sep-bottom');
    await page.mouse.move(sb.x + sb.width / 2, sb.y + sb.height / 2);
    await page.mouse.down();
    await page.mouse.move(sb.x + sb.width / 2, sb.y + sb.height / 2 - 80, { steps: 5 });
    await page.mouse.up();
    const bottomAfter = (await box(page, 'pane-bottom')).height;
    expect(bottomAfter).toBeGreaterThan(bottomBefore + 60);

    // saved by the library on commit; wait until all three groups are in storage, then reload
    await page.waitForFunction(
      () => ['kd-workspace', 'kd-main-column', 'kd-chart-row'].every((g) => localStorage.getItem(`react-resizable-panels:${g}`) !== null),
      undefined,
      T,
    );
    await reopen(page);
    await page.waitForSelector('[data-testid="workspace"][data-layout="full"]', T);
    expect(Math.abs((await box(page, 'pane-watchlist')).width - dragged)).toBeLessThan(3);
    expect(Math.abs((await box(page, 'pane-depth')).width - depthAfter)).toBeLessThan(3);
    expect(Math.abs((await box(page, 'pane-bottom')).height - bottomAfter)).toBeLessThan(3);
    await page.screenshot({ path: join(E2E_OUT, 'layout-resized.png') });

    // a narrow window: compact, automatically
    await page.setViewportSize({ width: 820, height: 900 });
    await page.waitForSelector('[data-testid="workspace"][data-layout="compact"]', T);
    expect(await attr(page, '[data-testid="layout-toggle"]', 'aria-pressed')).toBe('true');
    expect(await attr(page, '[data-testid="layout-toggle"]', 'data-mode')).toBe('auto');
    expect(await page.locator('[data-testid="depth-panel"]').count()).toBe(0);
    expect(await page.locator('[data-testid="signals-panel"]').count()).toBe(0);
    await page.waitForSelector('[data-testid="chart"]', T);
    await page.waitForSelector('[data-testid="order-ticket"]', T);
    await page.waitForSelector('[data-testid="trading-panel"]', T);
    await page.waitForSelector('[data-testid="watchlist-row"]', T);
    // stacked: the chart above the trading row above the watchlist, each as wide as the window
    const chart = await box(page, 'pane-chart');
    const trading = await box(page, 'pane-trading');
    const watch = await box(page, 'pane-watchlist');
    expect(chart.y + chart.height).toBeLessThanOrEqual(trading.y + 1);
    expect(trading.y + trading.height).toBeLessThanOrEqual(watch.y + 1);
    expect(chart.width).toBeGreaterThan(800);
    await page.screenshot({ path: join(E2E_OUT, 'layout-compact.png') });

    // the toggle: full at this width, remembered across a reload; toggled again it is automatic again
    await page.click('[data-testid="layout-toggle"]');
    await page.waitForSelector('[data-testid="workspace"][data-layout="full"]', T);
    expect(await attr(page, '[data-testid="layout-toggle"]', 'data-mode')).toBe('full');
    await reopen(page);
    await page.waitForSelector('[data-testid="workspace"][data-layout="full"]', T);
    await page.click('[data-testid="layout-toggle"]');
    await page.waitForSelector('[data-testid="workspace"][data-layout="compact"]', T);
    expect(await attr(page, '[data-testid="layout-toggle"]', 'data-mode')).toBe('auto');

    // wide again: automatic → full, with the sizes chosen above
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.waitForSelector('[data-testid="workspace"][data-layout="full"]', T);
    expect(Math.abs((await box(page, 'pane-watchlist')).width - dragged)).toBeLessThan(3);
    expect(suite.problems).toEqual([]);
    await page.close();
  });
});
