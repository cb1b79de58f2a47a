import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approveUserSma, fillBacktestForm, openBacktestTab } from '../support/backtest-ui.js';
import { tempDataDir } from '../support/serve-process.js';
import { E2E_OUT, SMA_A_PROFILE, webSuite } from '../support/trading-suite.js';
import { startTradingServe, T } from '../support/trading-ui.js';

/**
 * A "profile's strategies" backtest refused for one instance shows the engine's reason under that instance's
 * row, not in the Backtest tab's general error line: the profile has sma-a and `mine` (an approved user file's
 * type); the file then changes on disk (waiting for approval again), so the engine refuses the set naming `mine`.
 */
describe('the Backtest tab: an instance refusal of a profile-set run', () => {
  let dataDir: string;
  const { problems, openApp } = webSuite(() => {
    dataDir = tempDataDir();
    approveUserSma(dataDir);
    return startTradingServe(SMA_A_PROFILE.replace('trading:', '  - id: mine\n    type: user_sma\n    params: { fast: 4, slow: 12 }\n    symbols: [INFY]\n    timeframe: 5m\ntrading:'), dataDir);
  });

  it("shows the refusal against the instance's row, the general error line empty", async () => {
    const page = await openApp({ width: 1100, height: 800 });
    // the user file changes: the engine waits for its new content's approval (the banner shows it)
    appendFileSync(join(dataDir, 'strategies', 'user_sma.mjs'), '// changed after approval\n');
    await page.waitForSelector('[data-testid="strategy-approval"][data-file="user_sma.mjs"]', T);

    await openBacktestTab(page, 'profile');
    await page.waitForSelector('[data-testid="bt-profile-instance-mine"]', T);
    await fillBacktestForm(page, { from: '2026-11-16', to: '2026-11-17' });
    await page.click('[data-testid="bt-run"]');
    const err = await page.waitForSelector('[data-testid="bt-profile-instance-error-mine"]', T);
    expect(await err.textContent()).toMatch(/user_sma\.mjs changed since it was approved/);
    // right under the instance's row; nothing in the general line, no other instance marked, no run started
    expect(await page.$eval('[data-testid="bt-profile-instance-error-mine"]', (el) => el.previousElementSibling?.getAttribute('data-testid'))).toBe('bt-profile-instance-mine');
    expect(await page.locator('[data-testid="bt-error"]').count()).toBe(0);
    expect(await page.locator('[data-testid="bt-profile-instance-error-sma-a"]').count()).toBe(0);
    expect(await page.locator('[data-testid^="bt-run-bt-"]').count()).toBe(0);
    await page.locator('[data-testid="bt-profile-set"]').scrollIntoViewIfNeeded(T);
    await page.screenshot({ path: join(E2E_OUT, 'backtest-instance-error.png') });
    // picking another strategy clears it
    await page.selectOption('[data-testid="bt-strategy"]', 'sma_crossover');
    await page.selectOption('[data-testid="bt-strategy"]', 'profile');
    await page.waitForSelector('[data-testid="bt-profile-instance-mine"]', T);
    expect(await page.locator('[data-testid="bt-profile-instance-error-mine"]').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
