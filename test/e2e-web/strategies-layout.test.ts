import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { E2E_OUT, tradingSuite } from '../support/trading-suite.js';
import { resizeFullLayout, T } from '../support/trading-ui.js';

/**
 * The Strategies panel with the six default instances (a profile without a strategies: key), at 1400×900 and at a
 * narrow 1100×800: every row's state and its Edit and × buttons lie inside the panel (and its scroll box, which
 * does not scroll sideways), so a trader always reaches them; the id, type and symbols may ellipsize instead.
 */

/** What lies outside the Strategies panel, row by row (empty: every state cell and button inside). */
function rowProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const box = (r: DOMRect) => `${Math.round(r.left)}…${Math.round(r.right)} × ${Math.round(r.top)}…${Math.round(r.bottom)}`;
    const panelEl = document.querySelector('[data-testid="strategies-panel"]');
    const scroll = panelEl?.querySelector('.panel-scroll');
    if (!panelEl || !(scroll instanceof HTMLElement)) return ['no strategies panel'];
    if (scroll.scrollWidth > scroll.clientWidth + 1) problems.push(`the rows are ${scroll.scrollWidth} px wide in a ${scroll.clientWidth} px panel`);
    const panel = panelEl.getBoundingClientRect();
    for (const row of Array.from(document.querySelectorAll('[data-testid="strategy-row"]'))) {
      const id = row.getAttribute('data-id') ?? '?';
      row.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      const view = scroll.getBoundingClientRect();
      for (const sel of ['[data-testid="strategy-state"]', '[data-testid="strategy-edit"]', '[data-testid="strategy-remove"]']) {
        const el = row.querySelector(sel);
        if (!el) {
          problems.push(`${id}: no ${sel}`);
          continue;
        }
        const r = el.getBoundingClientRect();
        const inside = (o: DOMRect) => r.width > 0 && r.left >= o.left - 0.5 && r.right <= o.right + 0.5 && r.top >= o.top - 0.5 && r.bottom <= o.bottom + 0.5;
        if (!inside(panel) || !inside(view)) problems.push(`${id}: ${sel} at ${box(r)} outside the panel ${box(panel)} / its scroll box ${box(view)}`);
      }
      // the state is shown whole (an error may ellipsize; "running" and "off" do not)
      const state = row.querySelector('[data-testid="strategy-state"]');
      if (state instanceof HTMLElement && !row.classList.contains('has-error') && state.scrollWidth > state.clientWidth + 1) problems.push(`${id}: the state "${state.textContent}" is cut (${state.scrollWidth} > ${state.clientWidth})`);
    }
    return problems;
  });
}

describe('Strategies panel rows keep their state and buttons inside the panel (Chromium against kitedesk serve)', () => {
  const suite = tradingSuite('trading:\n  autoTrade: false\n');

  it('six instances at 1400×900 and 1100×800', async () => {
    const page = await suite.openPage();
    await page.waitForSelector('[data-testid="workspace"][data-layout="full"]', T);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="strategy-row"]').length === 6, null, T);
    for (const size of [
      { width: 1400, height: 900 },
      { width: 1100, height: 800 },
    ]) {
      await resizeFullLayout(page, size);
      expect(await rowProblems(page), `${size.width}×${size.height}`).toEqual([]);
      await page.locator('[data-testid="strategies-panel"]').screenshot({ path: join(E2E_OUT, `strategies-rows-${size.width}.png`) });
    }
    // the last row's buttons work where they are: Edit opens the editor
    await page.click('[data-testid="strategy-row"]:last-child [data-testid="strategy-edit"]');
    await page.waitForSelector('[data-testid="strategy-editor"]', T);
    expect(suite.problems).toEqual([]);
    await page.close();
  }, 120_000);
});
