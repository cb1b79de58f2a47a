import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { E2E_OUT, SMA_A_PROFILE, tradingSuite } from '../support/trading-suite.js';
import { T } from '../support/trading-ui.js';

/**
 * No bottom tab's content widens the trading screen: with each tab open in turn (the Backtest tab with a
 * finished run showing its trades table), at 1400×900 and at a narrow 1100×800 (still the full layout),
 * the document does not scroll sideways, no layout container is scrolled or wider than its box, every
 * tab button is inside the trading panel, the watchlist column ends before the chart starts and the depth
 * column ends at the window's right edge.
 */

const TABS = ['positions', 'orders', 'trades', 'risk', 'equity', 'performance', 'options', 'payoff', 'health', 'alerts', 'backtest'] as const;

interface Geometry {
  doc: { scrollWidth: number; clientWidth: number };
  windowWidth: number;
  watchlistRight: number;
  chartLeft: number;
  chartRight: number;
  depthLeft: number;
  depthRight: number;
  tradingRight: number;
  bottomRight: number;
  /** layout containers (workspace, groups, panes, trading panel) that are scrolled or whose content is wider than them */
  overflowing: string[];
}

function geometry(page: Page): Promise<Geometry> {
  return page.evaluate(() => {
    const rect = (sel: string) => {
      const el = document.querySelector(sel);
      if (!el) throw new Error(`${sel} is not in the page`);
      return el.getBoundingClientRect();
    };
    const name = (el: Element) => el.getAttribute('data-testid') ?? el.id ?? el.className;
    const containers = [document.querySelector('.app'), ...Array.from(document.querySelectorAll('.workspace, [data-group], [data-panel], .pane, .trading-panel, .tab-bar'))];
    const overflowing: string[] = [];
    for (const el of containers) {
      if (!(el instanceof HTMLElement)) continue;
      if (el.scrollLeft !== 0 || el.scrollWidth > el.clientWidth + 1) overflowing.push(`${name(el)} scrollLeft ${el.scrollLeft} scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
    }
    // every tab button (and Export) shown inside the trading panel, none clipped off its edge
    const panel = rect('[data-testid="trading-panel"]');
    for (const b of Array.from(document.querySelectorAll('[data-testid="trading-panel"] .tab-bar > *'))) {
      const r = b.getBoundingClientRect();
      if (r.left < panel.left - 1 || r.right > panel.right + 1 || r.width === 0) overflowing.push(`${name(b)} at ${r.left}…${r.right} outside the trading panel ${panel.left}…${panel.right}`);
    }
    const chart = rect('[data-testid="pane-chart"]');
    const depth = rect('[data-testid="pane-depth"]');
    return {
      doc: { scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth },
      windowWidth: window.innerWidth,
      watchlistRight: rect('[data-testid="pane-watchlist"]').right,
      chartLeft: chart.left,
      chartRight: chart.right,
      depthLeft: depth.left,
      depthRight: depth.right,
      tradingRight: rect('[data-testid="trading-panel"]').right,
      bottomRight: rect('[data-testid="pane-bottom"]').right,
      overflowing,
    };
  });
}

function expectIntact(g: Geometry, where: string): void {
  const msg = `${where}: ${JSON.stringify(g)}`;
  expect(g.doc.scrollWidth, msg).toBeLessThanOrEqual(g.doc.clientWidth + 1);
  expect(g.watchlistRight, msg).toBeLessThanOrEqual(g.chartLeft + 1);
  expect(g.chartRight, msg).toBeLessThanOrEqual(g.depthLeft + 1);
  expect(g.depthRight, msg).toBeLessThanOrEqual(g.windowWidth + 1);
  expect(g.tradingRight, msg).toBeLessThanOrEqual(g.windowWidth + 1);
  expect(g.bottomRight, msg).toBeLessThanOrEqual(g.windowWidth + 1);
  // the depth column reaches the right edge (no empty band after it)
  expect(g.depthRight, msg).toBeGreaterThan(g.windowWidth - 4);
  if (!process.env['PROBE']) expect(g.overflowing, msg).toEqual([]);
}

describe('no bottom tab widens the trading screen (Chromium against kitedesk serve)', () => {
  const suite = tradingSuite(SMA_A_PROFILE);

  it('every tab at 1400×900 and 1100×800, the Backtest tab with a finished run and its trades table', async () => {
    const page = await suite.openPage();
    await page.waitForSelector('[data-testid="workspace"][data-layout="full"]', T);
    await page.waitForSelector('[data-testid="depth-panel"]', T);
    expectIntact(await geometry(page), 'before any tab');

    // a finished backtest with trades, so the tab shows its headline, trades table and runs table
    await page.click('[data-testid="tab-backtest"]');
    await page.waitForSelector('[data-testid="bt-strategy"] option[value="sma_crossover"]', { state: 'attached', ...T });
    await page.selectOption('[data-testid="bt-strategy"]', 'sma_crossover');
    await page.fill('[data-testid="bt-symbols"]', 'RELIANCE, INFY');
    await page.selectOption('[data-testid="bt-timeframe"]', '5m');
    await page.fill('[data-testid="bt-from"]', '2026-11-16');
    await page.fill('[data-testid="bt-to"]', '2026-11-18');
    await page.fill('[data-testid="param-fast"]', '5');
    await page.fill('[data-testid="param-slow"]', '20');
    await page.click('[data-testid="bt-run"]');
    await page.waitForSelector('[data-testid="bt-progress"][data-state="done"]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid="bt-trades"] tbody tr', T);
    const run = (await page.getAttribute('[data-testid^="bt-run-bt-"][data-state="done"]', 'data-testid', T)) ?? '';
    expectIntact(await geometry(page), 'backtest tab, 1400×900, after the run');
    await page.screenshot({ path: join(E2E_OUT, 'layout-backtest-tab.png') });

    for (const size of [
      { width: 1400, height: 900 },
      { width: 1100, height: 800 },
    ]) {
      await page.setViewportSize(size);
      await page.waitForFunction((w) => window.innerWidth === w, size.width, T);
      await page.waitForSelector('[data-testid="workspace"][data-layout="full"]', T);
      for (const tab of TABS) {
        await page.click(`[data-testid="tab-${tab}"]`);
        await page.waitForSelector(`[data-testid="trading-panel"][data-tab="${tab}"]`, T);
        if (tab === 'backtest') {
          // reopened, the tab lists the runs; picking the finished one shows its trades again
          await page.click(`[data-testid="${run}"]`);
          await page.waitForSelector('[data-testid="bt-trades"] tbody tr', T);
        }
        expectIntact(await geometry(page), `${tab} tab at ${size.width}×${size.height}`);
        if (tab === 'backtest' && size.width === 1100) await page.screenshot({ path: join(E2E_OUT, 'layout-backtest-tab-narrow.png') });
      }
      // the Export menu open over the panes
      await page.click('[data-testid="export-open"]');
      await page.waitForSelector('[data-testid="export-popover"]', T);
      expectIntact(await geometry(page), `export menu open at ${size.width}×${size.height}`);
      await page.click('[data-testid="export-open"]');
      await page.waitForSelector('[data-testid="export-popover"]', { state: 'detached', ...T });
    }
    expect(suite.problems).toEqual([]);
    await page.close();
  }, 240_000);
});
