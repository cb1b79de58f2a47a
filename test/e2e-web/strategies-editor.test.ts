import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startServeProcess, tempDataDir } from '../support/serve-process.js';
import { E2E_OUT as outDir, SMA_A_PROFILE as PROFILE, webSuite } from '../support/trading-suite.js';
import { T, attr } from '../support/trading-ui.js';

/**
 * The strategies params editor in Chromium against `kitedesk serve` (the built-in simulator, one
 * sma_crossover instance): a bad value is refused by the engine and shown next to its field; a good one
 * takes effect and survives a restart of serve on the same data dir; an instance is added from the
 * form (type, id, symbols) and removed again.
 */

describe('the strategies params editor in Chromium against kitedesk serve', () => {
  let args: string[] | undefined;
  // a restart comes back on the same data dir
  const { problems, openApp, restart } = webSuite(() => {
    if (!args) {
      const dataDir = tempDataDir();
      writeFileSync(join(dataDir, 'profile.yaml'), PROFILE);
      args = ['--data-dir', dataDir, '--config', join(dataDir, 'profile.yaml'), '--sim-speed', '1', '--sim-start', '2026-11-20T10:00:00+05:30'];
    }
    return startServeProcess(args);
  });
  /** The app on a new page, the profile's strategy listed. */
  const openStrategies = async (): Promise<Page> => {
    const page = await openApp();
    await page.waitForSelector('[data-testid="strategy-row"][data-id="sma-a"]', T);
    return page;
  };

  it('shows the engine refusal inline, saves a good value that survives a restart, adds and removes an instance', async () => {
    let page = await openStrategies();

    // edit: the form is generated from sma_crossover's JSON Schema and filled with the instance's params
    await page.click('[data-testid="strategy-row"][data-id="sma-a"] [data-testid="strategy-edit"]');
    await page.waitForSelector('[data-testid="strategy-form"][data-ready="true"]', T);
    expect(await page.inputValue('[data-testid="param-fast"]')).toBe('10');
    expect(await page.inputValue('[data-testid="param-slow"]')).toBe('30');

    // a bad value (fast ≥ slow): the engine's INVALID_INPUT shows under the field, the dialog stays
    await page.fill('[data-testid="param-fast"]', '50');
    await page.click('[data-testid="strategy-save"]');
    const fieldError = await page.waitForSelector('[data-testid^="param-error-"]', T);
    expect((await fieldError.textContent())?.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(outDir, 'strategy-editor-error.png') });
    expect(await page.locator('[data-testid="strategy-editor"]').count()).toBe(1);

    // a good one: saved, the dialog closes, the row carries the new params
    await page.fill('[data-testid="param-fast"]', '5');
    await page.click('[data-testid="strategy-save"]');
    await page.waitForSelector('[data-testid="strategy-editor"]', { state: 'detached', ...T });
    await page.waitForFunction(() => (document.querySelector('[data-testid="strategy-row"][data-id="sma-a"] .wl-symbol')?.getAttribute('title') ?? '').includes('"fast":5'), null, T);

    // persisted: restart serve on the same data dir; the form opens with fast 5
    await page.close();
    await restart();
    page = await openStrategies();
    await page.click('[data-testid="strategy-row"][data-id="sma-a"] [data-testid="strategy-edit"]');
    await page.waitForSelector('[data-testid="strategy-form"][data-ready="true"]', T);
    await page.waitForFunction(() => (document.querySelector('[data-testid="param-fast"]') as HTMLInputElement | null)?.value === '5', null, T);
    await page.keyboard.press('Escape');

    // add an instance from the form, then remove it
    await page.click('[data-testid="strategy-add"]');
    await page.waitForSelector('[data-testid="strategy-form"][data-ready="true"]', T);
    await page.selectOption('[data-testid="strategy-type"]', 'rsi_reversion');
    await page.fill('[data-testid="strategy-id"]', 'rsi-b');
    await page.fill('[data-testid="strategy-symbols"]', 'infy, sbin');
    await page.fill('[data-testid="param-period"]', '7');
    await page.click('[data-testid="strategy-save"]');
    await page.waitForSelector('[data-testid="strategy-row"][data-id="rsi-b"]', T);
    expect(await attr(page, '[data-testid="strategy-row"][data-id="rsi-b"] .wl-symbol', 'title')).toContain('"period":7');
    await page.screenshot({ path: join(outDir, 'strategies.png') });
    await page.click('[data-testid="strategy-row"][data-id="rsi-b"] [data-testid="strategy-remove"]');
    await page.click('[data-testid="strategy-remove-confirm"]');
    await page.waitForSelector('[data-testid="strategy-row"][data-id="rsi-b"]', { state: 'detached', ...T });

    expect(problems).toEqual([]);
    await page.close();
  });

  it('edits the ensemble the same way: a refusal inline, a good value in force and kept across a restart', async () => {
    let page = await openStrategies();

    await page.click('[data-testid="ensemble-button"]');
    await page.waitForSelector('[data-testid="ensemble-form"][data-ready="true"]', T);
    // the profile sets no ensemble: the defaults are in force and are the fields' placeholders
    expect(await attr(page, '[data-testid="ensemble-in-force"]', 'data-buy')).toBe('0.3');
    expect(await page.getAttribute('[data-testid="param-buyThreshold"]', 'placeholder')).toBe('default 0.3');
    expect(await page.inputValue('[data-testid="param-buyThreshold"]')).toBe('');

    // a sell threshold above the buy threshold: the engine refuses, the error is under that field
    await page.fill('[data-testid="param-sellThreshold"]', '0.9');
    await page.click('[data-testid="ensemble-save"]');
    const err = await page.waitForSelector('[data-testid="param-error-sellThreshold"]', T);
    expect(await err.textContent()).toContain('buy threshold');
    await page.screenshot({ path: join(outDir, 'ensemble-editor-error.png') });

    // good values: saved, closed; reopened they are in force
    await page.fill('[data-testid="param-sellThreshold"]', '');
    await page.fill('[data-testid="param-buyThreshold"]', '0.45');
    await page.selectOption('[data-testid="param-conflict"]', 'priority');
    await page.click('[data-testid="ensemble-save"]');
    await page.waitForSelector('[data-testid="ensemble-editor"]', { state: 'detached', ...T });

    await page.close();
    await restart();
    page = await openStrategies();
    await page.click('[data-testid="ensemble-button"]');
    await page.waitForSelector('[data-testid="ensemble-form"][data-ready="true"]', T);
    expect(await attr(page, '[data-testid="ensemble-in-force"]', 'data-buy')).toBe('0.45');
    expect(await attr(page, '[data-testid="ensemble-in-force"]', 'data-sell')).toBe('-0.3');
    expect(await attr(page, '[data-testid="ensemble-in-force"]', 'data-conflict')).toBe('priority');
    expect(await page.inputValue('[data-testid="param-buyThreshold"]')).toBe('0.45');
    await page.screenshot({ path: join(outDir, 'ensemble-editor.png') });
    await page.keyboard.press('Escape');
    expect(problems).toEqual([]);
    await page.close();
  });
});
