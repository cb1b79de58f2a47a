import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fillBacktestForm, openBacktestTab } from '../support/backtest-ui.js';
import { E2E_OUT, SMA_A_PROFILE, tradingSuite } from '../support/trading-suite.js';
import { resizeFullLayout, T } from '../support/trading-ui.js';

/**
 * No bottom tab's content widens the trading screen: with each tab open in turn (the Backtest tab with a
 * finished run showing its trades table), at 1400×900 and at a narrow 1100×800 (still the full layout),
 * the document does not scroll sideways, no layout container is scrolled or wider than its box, every
 * tab button is inside the trading panel, the watchlist column ends before the chart starts and the depth
 * column ends at the window's right edge.
 *
 * And at both sizes the screen's chrome fits: every status bar item (SESSION and CONNS too) lies inside the
 * window and the bar (which may wrap to a second line); the Strategies panel's title ("+ Add" included) is one
 * line; the chart header's "ƒx Indicators" sits on the symbol's line, unwrapped; the tab bar takes at most two
 * lines; and the Backtest tab still has its run selected after a round trip through the other tabs.
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

/** What is wrong with the status bar, the Strategies title, the chart header and the tab bar (empty: all fit). */
function chromeProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const el = (sel: string) => {
      const e = document.querySelector(sel);
      if (!e) throw new Error(`${sel} is not in the page`);
      return e;
    };
    const box = (r: DOMRect) => `${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}`;
    const name = (e: Element) => e.getAttribute('data-testid') ?? e.className ?? e.tagName;
    /** The distinct lines (vertical centres more than half a line apart) the text and boxes of `e` are laid out on. */
    const lines = (e: Element) => {
      const range = document.createRange();
      range.selectNodeContents(e);
      const centres: number[] = [];
      for (const r of Array.from(range.getClientRects())) {
        if (r.width === 0 || r.height === 0) continue;
        const c = (r.top + r.bottom) / 2;
        if (!centres.some((x) => Math.abs(x - c) < 6)) centres.push(c);
      }
      return centres.length;
    };
    // (1) every status bar item inside the window and the bar: session and connections always in sight
    const bar = el('[data-testid="status-bar"]').getBoundingClientRect();
    for (const item of Array.from(document.querySelectorAll('[data-testid="status-bar"] > *'))) {
      if (item.matches('.status-spacer, .status-version')) continue;
      const r = item.getBoundingClientRect();
      if (r.width === 0 || r.left < 0 || r.right > window.innerWidth || r.right > bar.right + 0.5 || r.bottom > bar.bottom + 0.5) problems.push(`status bar: ${name(item)} "${item.textContent}" at ${box(r)} outside the bar ${box(bar)} / window ${window.innerWidth}`);
      if (lines(item) > 1) problems.push(`status bar: ${name(item)} "${item.textContent}" wraps`);
    }
    for (const sel of ['.status-session', '.status-conns']) if (!document.querySelector(`[data-testid="status-bar"] ${sel}`)) problems.push(`status bar: no ${sel}`);
    // (2) the Strategies title on one line, "+ Add" inside the panel
    const title = el('[data-testid="strategies-panel"] .panel-title');
    if (lines(title) !== 1) problems.push(`strategies title on ${lines(title)} lines: ${box(title.getBoundingClientRect())}`);
    const panel = el('[data-testid="strategies-panel"]').getBoundingClientRect();
    const add = el('[data-testid="strategy-add"]').getBoundingClientRect();
    if (add.right > panel.right + 0.5 || add.left < panel.left) problems.push(`+ Add at ${box(add)} outside the strategies panel ${box(panel)}`);
    // (3) the chart header: "ƒx Indicators" one line, on the symbol's line, inside the chart pane
    const indicators = el('[data-testid="indicators-button"]');
    const ind = indicators.getBoundingClientRect();
    const sym = el('.chart-symbol').getBoundingClientRect();
    const chart = el('[data-testid="pane-chart"]').getBoundingClientRect();
    if (lines(indicators) !== 1) problems.push(`ƒx Indicators wraps inside its button: ${box(ind)}`);
    if (ind.top > sym.bottom || ind.bottom < sym.top) problems.push(`ƒx Indicators at ${box(ind)} is not on the symbol's line ${box(sym)}`);
    if (ind.right > chart.right) problems.push(`ƒx Indicators at ${box(ind)} past the chart pane ${box(chart)}`);
    // (4) the tab bar: at most two lines of tabs
    const tops: number[] = [];
    for (const t of Array.from(document.querySelectorAll('[data-testid="trading-panel"] .tab-bar > *'))) {
      const r = t.getBoundingClientRect();
      if (!tops.some((x) => Math.abs(x - r.top) < 4)) tops.push(r.top);
      if (lines(t) > 1) problems.push(`tab ${name(t)} wraps inside itself`);
    }
    if (tops.length > 2) problems.push(`the tab bar takes ${tops.length} lines`);
    return problems;
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
    await openBacktestTab(page, 'sma_crossover');
    await fillBacktestForm(page, { symbols: 'RELIANCE, INFY', timeframe: '5m', from: '2026-11-16', to: '2026-11-18', params: { fast: '5', slow: '20' } });
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
      await resizeFullLayout(page, size);
      for (const tab of TABS) {
        await page.click(`[data-testid="tab-${tab}"]`);
        await page.waitForSelector(`[data-testid="trading-panel"][data-tab="${tab}"]`, T);
        if (tab === 'backtest') {
          // reopened after the other tabs, the tab still has the finished run selected and shows its trades
          await page.waitForSelector(`[data-testid="${run}"]`, T);
          expect(await page.getAttribute(`[data-testid="${run}"]`, 'aria-selected'), `${run} selected after a tab round trip at ${size.width}×${size.height}`).toBe('true');
          await page.waitForSelector('[data-testid="bt-trades"] tbody tr', T);
        }
        expectIntact(await geometry(page), `${tab} tab at ${size.width}×${size.height}`);
        if (tab === 'positions' || tab === 'backtest') expect(await chromeProblems(page), `${tab} tab at ${size.width}×${size.height}`).toEqual([]);
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
