import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchChromium } from './browser.js';
import { ensureBuilt, repoRoot, type ServeProcess } from './serve-process.js';
import { T, startTradingServe, watchProblems } from './trading-ui.js';

/** Where e2e screenshots go. */
export const E2E_OUT = join(repoRoot, 'test-output', 'e2e-web');

/** A run profile with one sma_crossover instance `sma-a` on RELIANCE (1m) and auto-trading off. */
export const SMA_A_PROFILE = `
strategies:
  - id: sma-a
    type: sma_crossover
    params: { fast: 10, slow: 30 }
    symbols: [RELIANCE]
    timeframe: 1m
trading:
  autoTrade: false
`;

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

export interface WebSuite {
  serve(): ServeProcess;
  browser(): Browser;
  /** Console errors, CSP refusals and page errors of every page opened with openApp(). */
  problems: string[];
  /** A new page (watched for problems) on the app with the token, its status bar connected. */
  openApp(viewport?: { width: number; height: number }, init?: () => void): Promise<Page>;
  /** Stops `serve` and starts it again with `start` (pages on the old one are the caller's to close). */
  restart(): Promise<void>;
}

/**
 * The common frame of the e2e suites: one `serve` started by `start` and one Chromium, for the enclosing
 * describe (screenshots go to E2E_OUT).
 */
export function webSuite(start: () => Promise<ServeProcess>, setupTimeoutMs?: number): WebSuite {
  let s: ServeProcess | undefined;
  let b: Browser | undefined;
  const problems: string[] = [];
  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(E2E_OUT, { recursive: true });
    s = await start();
    b = await launchChromium();
  }, setupTimeoutMs);
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });
  return {
    serve: () => s!,
    browser: () => b!,
    problems,
    async openApp(viewport = { width: 1400, height: 900 }, init) {
      const page = await b!.newPage({ viewport });
      watchProblems(page, problems);
      if (init) await page.addInitScript(init);
      expect((await page.goto(s!.url))?.status()).toBe(200);
      await page.waitForSelector('[data-testid="status-bar"][data-connection="open"]', T);
      return page;
    },
    async restart() {
      await s?.stop();
      s = await start();
    },
  };
}

/**
 * The common frame of the trading e2e suites: one `serve` at a session time on a fresh data dir with
 * `profileYaml` (trading-ui.ts startTradingServe) and one Chromium, for the enclosing describe.
 */
export function tradingSuite(profileYaml = 'strategies: []\n'): TradingSuite {
  const w = webSuite(() => startTradingServe(profileYaml));
  return {
    serve: w.serve,
    browser: w.browser,
    problems: w.problems,
    async openPage(init) {
      const page = await w.openApp(undefined, init);
      await page.waitForSelector('[data-testid="account-strip"][data-ready="true"]', T);
      await page.waitForSelector('[data-testid="ticket-submit"]:not([disabled])', T);
      return page;
    },
  };
}
