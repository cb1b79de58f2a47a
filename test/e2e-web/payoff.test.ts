import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServeProcess, tempDataDir } from '../support/serve-process.js';
import { E2E_OUT as outDir, webSuite } from '../support/trading-suite.js';
import { submitTicket, T } from '../support/trading-ui.js';

/**
 * The payoff chart in Chromium against `kitedesk serve` (paper on the built-in simulator from 11:00 IST of
 * Friday 2026-11-20): a lot of the ATM call bought from the option chain's ticket shows as an open position
 * in the Payoff tab with its at-expiry and today lines; before it is sent the ticket shows its margin and charges.
 * Screenshot test-output/e2e-web/payoff.png.
 */
describe('payoff chart in Chromium against kitedesk serve', () => {
  // no strategies, quotes up to a minute old usable (a single option trades seldom, as in configs/fno-nifty.yaml),
  // and no trailing/ATR exits (an option moves more than the default 1 % trail in seconds)
  const { problems, openApp } = webSuite(() => {
    const dir = tempDataDir('kitedesk-e2e-payoff-');
    const profile = join(dir, 'payoff.yaml');
    writeFileSync(profile, 'strategies: []\ntrading:\n  risk: { staleAfterMs: 60000 }\n  paper: { staleAfterMs: 60000 }\n  exits:\n    default: { trailingBps: 0, atrMultipleStop: 0, atrMultipleTarget: 0 }\n');
    return startServeProcess(['--config', profile, '--data-dir', dir, '--sim-speed', '30', '--sim-start', '2026-11-20T11:00:00+05:30']);
  }, 60_000);

  it('an option bought shows in the payoff chart at expiry and today', async () => {
    const page = await openApp({ width: 1500, height: 950 });
    await page.click('[data-testid="tab-payoff"]', T);
    await page.waitForSelector('[data-testid="payoff-panel"][data-ready="true"][data-positions="0"]', T);

    // one lot of the ATM call from the chain, at market
    await page.click('[data-testid="tab-options"]', T);
    await page.waitForSelector('[data-testid="option-chain"][data-ready="true"]', T);
    const cell = page.locator('[data-testid="oc-row"][data-atm="true"] [data-testid="oc-ltp"][data-right="CE"]');
    const symbol = (await cell.getAttribute('data-symbol'))!;
    await cell.click(T);
    await page.waitForSelector(`[data-testid="order-ticket"][data-symbol="${symbol}"]`, T);
    await page.selectOption('[data-testid="ticket-type"]', 'MARKET');
    // before sending: the ticket shows the order's margin (a long option: its premium) and charges
    const pv = `[data-testid="ticket-preview"][data-symbol="${symbol}"][data-qty="65"]`;
    await page.waitForSelector(pv, T);
    const ltp = Number(await cell.getAttribute('data-ltp-paise'));
    const margin = Number(await page.getAttribute(pv, 'data-margin-paise'));
    expect(margin).toBeGreaterThan(65 * ltp * 0.8);
    expect(margin).toBeLessThan(65 * ltp * 1.25);
    expect(Number(await page.getAttribute(pv, 'data-charges-paise'))).toBeGreaterThan(0);
    expect(await page.textContent(pv)).toContain('1 lot');
    await page.waitForSelector('[data-testid="ticket-submit"]:not([disabled])', T);
    const r = await submitTicket(page);
    expect(r.action, `risk rule ${r.rule}`).toBe('ALLOW');

    await page.click('[data-testid="tab-payoff"]', T);
    await page.waitForSelector('[data-testid="payoff-panel"][data-ready="true"][data-positions="1"]', T);
    expect(await page.textContent('[data-testid="payoff-panel"]')).toContain(symbol);
    // both lines drawn over the grid, the spot marked
    const n = async (sel: string) => ((await page.getAttribute(sel, 'points')) ?? '').trim().split(/\s+/).length;
    expect(await n('[data-testid="payoff-expiry"]')).toBe(81);
    expect(await n('[data-testid="payoff-today"]')).toBe(81);
    expect(await page.locator('[data-testid="payoff-spot"]').count()).toBe(1);
    await page.screenshot({ path: join(outDir, 'payoff.png') });
    expect(problems).toEqual([]);
  }, 120_000);
});
