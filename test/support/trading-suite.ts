import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchChromium } from './browser.js';
import { ensureBuilt, repoRoot, type ServeProcess } from './serve-process.js';
import { T, startTradingServe, watchProblems } from './trading-ui.js';

/** Where e2e screenshots go. */
export const E2E_OUT = join(repoRoot, 'test-output', 'e2e-web');

export interface TradingSuite {
  serve(): ServeProcess;
  browser(): Browser;
  /** Console errors, CSP refusals and page errors of every page opened with openPage(). */
  problems: string[];
  /**
   * A new page on the app, connected, with the account strip ready and the ticket enabled;
   * `init` runs in the page before the app (e.g. to stub a browser API).
   */
  openPage(init?: () => void): Promise<Page>;
}

/**
 * The common frame of the trading e2e suites: one `serve` at a session time on a fresh data dir with
 * `profileYaml` (trading-ui.ts startTradingServe) and one Chromium, for the enclosing describe.
 */
export function tradingSuite(profileYaml = 'strategies: []\n'): TradingSuite {
  let s: ServeProcess | undefined;
  let b: Browser | undefined;
  const problems: string[] = [];
  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(E2E_OUT, { recursive: true });
    s = await startTradingServe(profileYaml);
    b = await launchChromium();
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });
  return {
    serve: () => s!,
    browser: () => b!,
    problems,
    async openPage(init) {
      const page = await b!.newPage({ viewport: { width: 1400, height: 900 } });
      watchProblems(page, problems);
      if (init) await page.addInitScript(init);
      expect((await page.goto(s!.url))?.status()).toBe(200);
      await page.waitForSelector('[data-testid="status-bar"][data-connection="open"]', T);
      await page.waitForSelector('[data-testid="account-strip"][data-ready="true"]', T);
      await page.waitForSelector('[data-testid="ticket-submit"]:not([disabled])', T);
      return page;
    },
  };
}
