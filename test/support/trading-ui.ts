import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startServeProcess, tempDataDir, type ServeProcess } from './serve-process.js';

/**
 * What the trading e2e tests share: a `serve` whose simulated clock starts inside the NSE session of
 * Friday 2026-11-20 at speed 1 (orders pass market hours, prices stay put), the order ticket, and the
 * page's console errors.
 */

export const T = { timeout: 30_000 };

/** `serve` on a fresh data dir (or `dataDir`) with this run profile (YAML, written to its profile.yaml), at 10:00 IST on a trading day, speed 1. */
export function startTradingServe(profileYaml: string, dataDir = tempDataDir()): Promise<ServeProcess> {
  const profile = join(dataDir, 'profile.yaml');
  writeFileSync(profile, profileYaml);
  return startServeProcess(['--data-dir', dataDir, '--config', profile, '--sim-speed', '1', '--sim-start', '2026-11-20T10:00:00+05:30']);
}

/** Resizes the page to `size` and waits until the window has that width and the workspace shows its full layout. */
export async function resizeFullLayout(page: Page, size: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(size);
  await page.waitForFunction((w) => window.innerWidth === w, size.width, T);
  await page.waitForSelector('[data-testid="workspace"][data-layout="full"]', T);
}

/** Collects console errors, CSP refusals and page errors into `problems`. */
export function watchProblems(page: Page, problems: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}

/** An attribute that must be there. */
export async function attr(page: Page, selector: string, name: string): Promise<string> {
  const v = await page.getAttribute(selector, name, T);
  if (v === null) throw new Error(`${selector} has no ${name}`);
  return v;
}

/** Submits the ticket and waits for the answer to this submission (a new client id); an ERROR answer throws. */
export async function submitTicket(page: Page): Promise<{ action: string; rule: string; clientId: string; orderIds: string }> {
  const result = page.locator('[data-testid="ticket-result"]');
  const previous = (await result.count()) > 0 ? await result.getAttribute('data-client-id') : null;
  await page.click('[data-testid="ticket-submit"]', T);
  await page.waitForFunction(
    (prev) => {
      const el = document.querySelector('[data-testid="ticket-result"]');
      if (!el) return false;
      return el.getAttribute('data-action') === 'ERROR' || el.getAttribute('data-client-id') !== prev;
    },
    previous,
    T,
  );
  const get = async (n: string) => (await result.getAttribute(n)) ?? '';
  const out = { action: await get('data-action'), rule: await get('data-rule'), clientId: await get('data-client-id'), orderIds: await get('data-order-ids') };
  if (out.action === 'ERROR') throw new Error(`the ticket answered ERROR ${await get('data-code')}: ${await result.textContent()}`);
  return out;
}
