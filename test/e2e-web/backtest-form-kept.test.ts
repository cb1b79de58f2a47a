import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { E2E_OUT, SMA_A_PROFILE, tradingSuite } from '../support/trading-suite.js';
import { T } from '../support/trading-ui.js';

/**
 * The Backtest tab's form outlives the tab (the trading panel renders only the active tab): with the strategy,
 * params, symbols, dates, timeframe, product, qty, fill, slippage, charges, profile sections, data source and
 * the walk-forward box (windows, days, metric, a swept param) filled in, a trip through other tabs and back
 * shows every input as it was left; so does a reload of the form from an instance of the profile.
 */

/** Every form input the test sets, by test id: value (or checked for check boxes). */
const FORM = ['bt-strategy', 'param-fast', 'param-slow', 'bt-symbols', 'bt-timeframe', 'bt-from', 'bt-to', 'bt-product', 'bt-qty', 'bt-fill', 'bt-slippage', 'bt-charges', 'bt-use-profile', 'bt-data', 'bt-seed', 'bt-wf', 'bt-wf-mode', 'bt-wf-is', 'bt-wf-oos', 'bt-wf-metric', 'bt-sweep-fast', 'bt-sweep-from-fast', 'bt-sweep-to-fast', 'bt-sweep-step-fast'] as const;

function formValues(page: Page): Promise<Record<string, string | boolean | null>> {
  return page.evaluate((ids) => {
    const out: Record<string, string | boolean | null> = {};
    for (const id of ids) {
      const el = document.querySelector(`[data-testid="backtest-panel"] [data-testid="${id}"]`);
      out[id] = el instanceof HTMLInputElement && el.type === 'checkbox' ? el.checked : el instanceof HTMLInputElement || el instanceof HTMLSelectElement ? el.value : null;
    }
    return out;
  }, FORM);
}

async function roundTrip(page: Page): Promise<void> {
  for (const tab of ['positions', 'orders', 'backtest']) {
    await page.click(`[data-testid="tab-${tab}"]`);
    await page.waitForSelector(`[data-testid="trading-panel"][data-tab="${tab}"]`, T);
  }
  await page.waitForSelector('[data-testid="bt-strategy"] option[value="sma_crossover"]', { state: 'attached', ...T });
}

describe('the Backtest form survives switching tabs (Chromium against kitedesk serve)', () => {
  const suite = tradingSuite(SMA_A_PROFILE);

  it('keeps every input across a round trip through other tabs', async () => {
    const page = await suite.openPage();
    await page.click('[data-testid="tab-backtest"]');
    await page.waitForSelector('[data-testid="bt-strategy"] option[value="sma_crossover"]', { state: 'attached', ...T });
    await page.waitForFunction(() => (document.querySelector('[data-testid="bt-from"]') as HTMLInputElement | null)?.value !== '', null, T);
    const initial = await formValues(page);

    await page.selectOption('[data-testid="bt-strategy"]', 'sma_crossover');
    await page.fill('[data-testid="param-fast"]', '7');
    await page.fill('[data-testid="param-slow"]', '21');
    await page.fill('[data-testid="bt-symbols"]', 'TCS, INFY');
    await page.selectOption('[data-testid="bt-timeframe"]', '15m');
    await page.fill('[data-testid="bt-from"]', '2026-11-09');
    await page.fill('[data-testid="bt-to"]', '2026-11-13');
    await page.selectOption('[data-testid="bt-product"]', 'MIS');
    await page.fill('[data-testid="bt-qty"]', '3');
    await page.selectOption('[data-testid="bt-fill"]', 'this_close');
    await page.fill('[data-testid="bt-slippage"]', '2');
    await page.setChecked('[data-testid="bt-charges"]', false);
    await page.setChecked('[data-testid="bt-use-profile"]', true);
    await page.selectOption('[data-testid="bt-data"]', 'sim');
    await page.fill('[data-testid="bt-seed"]', '42');
    await page.setChecked('[data-testid="bt-wf"]', true);
    await page.selectOption('[data-testid="bt-wf-mode"]', 'anchored');
    await page.fill('[data-testid="bt-wf-is"]', '15');
    await page.fill('[data-testid="bt-wf-oos"]', '4');
    await page.selectOption('[data-testid="bt-wf-metric"]', 'calmar');
    await page.setChecked('[data-testid="bt-sweep-fast"]', true);
    await page.fill('[data-testid="bt-sweep-from-fast"]', '3');
    await page.fill('[data-testid="bt-sweep-to-fast"]', '9');
    await page.fill('[data-testid="bt-sweep-step-fast"]', '2');
    const filled = await formValues(page);
    expect(filled).toEqual({
      'bt-strategy': 'sma_crossover',
      'param-fast': '7',
      'param-slow': '21',
      'bt-symbols': 'TCS, INFY',
      'bt-timeframe': '15m',
      'bt-from': '2026-11-09',
      'bt-to': '2026-11-13',
      'bt-product': 'MIS',
      'bt-qty': '3',
      'bt-fill': 'this_close',
      'bt-slippage': '2',
      'bt-charges': false,
      'bt-use-profile': true,
      'bt-data': 'sim',
      'bt-seed': '42',
      'bt-wf': true,
      'bt-wf-mode': 'anchored',
      'bt-wf-is': '15',
      'bt-wf-oos': '4',
      'bt-wf-metric': 'calmar',
      'bt-sweep-fast': true,
      'bt-sweep-from-fast': '3',
      'bt-sweep-to-fast': '9',
      'bt-sweep-step-fast': '2',
    });
    // every input differs from what a fresh tab shows, so keeping them is what the round trip checks
    for (const id of FORM) if (id !== 'bt-strategy' && id !== 'bt-data') expect(filled[id], id).not.toEqual(initial[id]);

    await roundTrip(page);
    await page.waitForSelector('[data-testid="param-fast"]', T);
    expect(await formValues(page)).toEqual(filled);
    await page.screenshot({ path: join(E2E_OUT, 'backtest-form-kept.png') });

    // filled from the profile's instance, then a round trip: the instance's params and symbols stay picked
    await page.selectOption('[data-testid="bt-strategy"]', 'instance:sma-a');
    await page.waitForFunction(() => (document.querySelector('[data-testid="param-fast"]') as HTMLInputElement | null)?.value === '10', null, T);
    const fromInstance = await formValues(page);
    expect(fromInstance).toMatchObject({ 'bt-strategy': 'instance:sma-a', 'param-fast': '10', 'param-slow': '30', 'bt-symbols': 'RELIANCE', 'bt-timeframe': '1m' });
    await roundTrip(page);
    await page.waitForSelector('[data-testid="param-fast"]', T);
    expect(await formValues(page)).toEqual(fromInstance);
    expect(suite.problems).toEqual([]);
    await page.close();
  }, 120_000);
});
