import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServeProcess, tempDataDir } from '../support/serve-process.js';
import { E2E_OUT as outDir, webSuite } from '../support/trading-suite.js';
import { T } from '../support/trading-ui.js';

/**
 * The option chain in Chromium against `kitedesk serve` (paper on the built-in simulator, 30 simulated
 * seconds per second from 11:00 IST of Friday 2026-11-20): the tab shows NIFTY's nearest expiry around
 * ATM with IV and Greeks, updates live, switches underlying and expiry; clicking a strike's LTP fills the
 * order ticket with that contract (one lot, LIMIT at the LTP) and charts it. Screenshots in
 * test-output/e2e-web/option-chain*.png.
 */
describe('option chain in Chromium against kitedesk serve', () => {
  const { problems, openApp } = webSuite(
    () => startServeProcess(['--data-dir', tempDataDir('kitedesk-e2e-options-'), '--sim-speed', '30', '--sim-start', '2026-11-20T11:00:00+05:30']),
    60_000,
  );

  it('shows the chain live; a strike click fills the ticket and opens the chart', async () => {
    const page = await openApp({ width: 1500, height: 950 });
    await page.click('[data-testid="tab-options"]', T);
    await page.waitForSelector('[data-testid="option-chain"][data-ready="true"]', T);

    const chain = page.locator('[data-testid="option-chain"]');
    expect(await chain.getAttribute('data-underlying')).toBe('NIFTY');
    expect(await chain.getAttribute('data-expiry')).toBe('2026-11-23'); // Tue 24th is a holiday
    expect(await page.locator('[data-testid="oc-row"]').count()).toBe(21);
    expect(await page.locator('[data-testid="oc-row"][data-atm="true"]').count()).toBe(1);
    // IV on the ATM row (both sides) is a number around the simulator's 13 %
    const ivs = await page.locator('[data-testid="oc-row"][data-atm="true"] [data-testid="oc-iv"]').allTextContents();
    expect(ivs).toHaveLength(2);
    for (const iv of ivs) {
      expect(Number(iv)).toBeGreaterThan(8);
      expect(Number(iv)).toBeLessThan(20);
    }
    expect(Number(await page.textContent('[data-testid="oc-pcr"]'))).toBeGreaterThan(0);

    // live: the snapshot's feed time moves on, and some LTP changes within a few polls
    const firstNow = Number(await chain.getAttribute('data-now'));
    const ltps = async () => (await page.locator('[data-testid="oc-ltp"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ltp-paise')))).join(',');
    const before = await ltps();
    await page.waitForFunction((t) => Number(document.querySelector('[data-testid="option-chain"]')?.getAttribute('data-now')) > t + 20_000, firstNow, T);
    await page.waitForFunction(
      (b) => Array.from(document.querySelectorAll('[data-testid="oc-ltp"]')).map((e) => e.getAttribute('data-ltp-paise')).join(',') !== b,
      before,
      T,
    );
    await page.screenshot({ path: join(outDir, 'option-chain.png') });

    // a strike's LTP → the ticket holds that contract, one lot (65), LIMIT at the LTP; the chart shows it
    const cell = page.locator('[data-testid="oc-row"][data-atm="true"] [data-testid="oc-ltp"][data-right="CE"]');
    const symbol = (await cell.getAttribute('data-symbol'))!;
    expect(symbol).toMatch(/^NIFTY26NOV\d+CE$/); // 2026-11-23 is also the monthly expiry: the monthly symbol form
    await cell.click(T);
    const ltpPaise = Number(await cell.getAttribute('data-ltp-paise'));
    await page.waitForSelector(`[data-testid="order-ticket"][data-symbol="${symbol}"]`, T);
    expect(await page.inputValue('[data-testid="ticket-qty"]')).toBe('65');
    expect(await page.inputValue('[data-testid="ticket-type"]')).toBe('LIMIT');
    expect(await page.inputValue('[data-testid="ticket-product"]')).toBe('NRML');
    // the price is the LTP shown at the click (the row may have moved on since: within a few rupees)
    expect(Math.abs(Number(await page.inputValue('[data-testid="ticket-price"]')) * 100 - ltpPaise)).toBeLessThan(2000);
    await page.waitForSelector(`[data-testid="chart"][data-symbol="${symbol}"]`, T);

    // another underlying and expiry
    await page.selectOption('[data-testid="oc-underlying"]', 'BANKNIFTY');
    await page.waitForSelector('[data-testid="option-chain"][data-underlying="BANKNIFTY"]', T);
    const expiries = await page.locator('[data-testid="oc-expiry"] option').allTextContents();
    expect(expiries).toEqual(['2026-11-23', '2026-12-29']); // monthlies only
    await page.selectOption('[data-testid="oc-expiry"]', '2026-12-29');
    await page.waitForSelector('[data-testid="option-chain"][data-expiry="2026-12-29"]', T);
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="oc-ltp"]')).some((e) => /^BANKNIFTY26DEC\d+CE$/.test(e.getAttribute('data-symbol') ?? '')), undefined, T);
    // a strike's symbol opens its chart
    const strike = page.locator('[data-testid="oc-row"][data-atm="true"] [data-testid="oc-strike"]');
    const sym2 = (await strike.getAttribute('data-symbol'))!;
    await strike.click(T);
    await page.waitForSelector(`[data-testid="chart"][data-symbol="${sym2}"]`, T);
    await page.screenshot({ path: join(outDir, 'option-chain-banknifty.png') });
    expect(problems).toEqual([]);
  }, 120_000);
});
