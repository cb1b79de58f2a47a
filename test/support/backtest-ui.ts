import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { USER_SMA_SOURCE } from '../../src-engine/backtest/testing.js';
import { T } from './trading-ui.js';

/**
 * What the Backtest tab's e2e suites share: an approved user strategy file in the data dir, opening the tab on a
 * strategy, and filling its form.
 */

/** `<dataDir>/strategies/user_sma.mjs` (USER_SMA_SOURCE), approved as serve keeps approvals (`<dataDir>/strategy-approvals.json`). */
export function approveUserSma(dataDir: string): void {
  mkdirSync(join(dataDir, 'strategies'), { mode: 0o700 });
  writeFileSync(join(dataDir, 'strategies', 'user_sma.mjs'), USER_SMA_SOURCE, { mode: 0o600 });
  writeFileSync(join(dataDir, 'strategy-approvals.json'), JSON.stringify({ version: 1, files: { 'user_sma.mjs': createHash('sha256').update(USER_SMA_SOURCE).digest('hex') } }), { mode: 0o600 });
}

/** Opens the Backtest tab and picks `strategy` (an option value: a type, `instance:<id>`, `profile`) once it is listed. */
export async function openBacktestTab(page: Page, strategy: string): Promise<void> {
  await page.click('[data-testid="tab-backtest"]');
  await page.waitForSelector(`[data-testid="bt-strategy"] option[value="${strategy}"]`, { state: 'attached', ...T });
  await page.selectOption('[data-testid="bt-strategy"]', strategy);
}

/** Fills the Backtest form's fields that are given, in this order: symbols, timeframe, from, to, then each param. */
export async function fillBacktestForm(page: Page, f: { symbols?: string; timeframe?: string; from?: string; to?: string; params?: Record<string, string> }): Promise<void> {
  if (f.symbols !== undefined) await page.fill('[data-testid="bt-symbols"]', f.symbols);
  if (f.timeframe !== undefined) await page.selectOption('[data-testid="bt-timeframe"]', f.timeframe);
  if (f.from !== undefined) await page.fill('[data-testid="bt-from"]', f.from);
  if (f.to !== undefined) await page.fill('[data-testid="bt-to"]', f.to);
  for (const [name, value] of Object.entries(f.params ?? {})) await page.fill(`[data-testid="param-${name}"]`, value);
}
