import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startServeProcess, tempDataDir } from '../support/serve-process.js';
import { E2E_OUT as outDir, webSuite } from '../support/trading-suite.js';

/** Distinct colours drawn on the chart's canvases (a blank canvas has one or two). */
async function chartColours(page: Page): Promise<number> {
  return page.evaluate(() => {
    const colours = new Set<number>();
    for (const c of Array.from(document.querySelectorAll<HTMLCanvasElement>('[data-testid="chart"] canvas'))) {
      if (c.width === 0 || c.height === 0) continue;
      const ctx = c.getContext('2d');
      if (!ctx) continue;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4 * 7) if (d[i + 3]! > 0) colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    }
    return colours.size;
  });
}

const candleCount = (page: Page) => page.getAttribute('[data-testid="chart"]', 'data-candle-count').then((v) => Number(v ?? 0));

describe('the app in Chromium against kitedesk serve', () => {
  const { serve, browser, problems, openApp } = webSuite(() =>
    startServeProcess(['--data-dir', tempDataDir(), '--sim-speed', '60', '--sim-start', '2026-11-20T09:15:00+05:30']),
  );

  it('without the token the page loads but reaches no data (the API needs the token)', async () => {
    const page = await browser().newPage();
    const res = await page.goto(`http://127.0.0.1:${serve().port}/`);
    expect(res?.status()).toBe(200);
    await page.waitForSelector('[data-testid="status-bar"][data-connection="closed"]', { timeout: 20_000 });
    expect(await page.locator('[data-testid="chart"][data-candle-count]:not([data-candle-count="0"])').count()).toBe(0);
    await page.close();
  });

  it('opens with the token, draws the live chart, and the candle count grows while watched', async () => {
    const page = await openApp({ width: 1400, height: 850 });
    await page.waitForSelector('[data-testid="chart"] canvas', { timeout: 20_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart"]')?.getAttribute('data-candle-count') ?? 0) > 0, null, {
      timeout: 20_000,
    });
    // the token does not stay in the address bar
    expect(page.url()).not.toContain('token=');

    const first = await candleCount(page);
    // at 60x a simulated minute passes every real second: watch a few of them arrive
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="chart"]')?.getAttribute('data-candle-count') ?? 0) >= n + 3,
      first,
      { timeout: 30_000 },
    );
    const later = await candleCount(page);
    expect(later).toBeGreaterThanOrEqual(first + 3);
    expect(await chartColours(page)).toBeGreaterThan(4);

    // the watchlist shows prices that move
    const rows = page.locator('[data-testid="watchlist-row"]');
    expect(await rows.count()).toBeGreaterThanOrEqual(5);
    const tps = Number(await page.getAttribute('[data-testid="status-bar"]', 'data-ticks-per-sec'));
    expect(tps).toBeGreaterThan(0);

    // strategies fire on the simulator: the signals panel shows rows (BUY/SELL), the strategies panel lists instances
    await page.waitForSelector('[data-testid="signals-panel"] [data-testid="signal-row"]', { timeout: 30_000 });
    const side = await page.getAttribute('[data-testid="signal-row"]', 'data-side');
    expect(['BUY', 'SELL']).toContain(side);
    expect(await page.locator('[data-testid="strategy-row"]').count()).toBeGreaterThanOrEqual(4);
    expect(await page.getAttribute('[data-testid="strategy-row"][data-id="ema-fast-1m"]', 'data-enabled')).toBe('true');

    // the order book of the selected symbol: 5 asks over 5 bids, filled once depth arrives; bars sized through the CSSOM
    await page.waitForSelector('[data-testid="depth-panel"][data-ready="true"]', { timeout: 20_000 });
    expect(await page.locator('[data-testid="depth-panel"] [data-testid="depth-row"]').count()).toBe(10);
    expect(await page.locator('[data-testid="depth-row"][data-side="buy"]').count()).toBe(5);
    expect(await page.getAttribute('[data-testid="depth-panel"]', 'data-symbol')).toBe(await page.getAttribute('[data-testid="chart"]', 'data-symbol'));

    await page.screenshot({ path: join(outDir, 'app.png') });
    expect(problems).toEqual([]);

    // the timeframe picker re-subscribes the chart: 15-minute bars are fewer than the 1-minute ones
    const oneMinute = await candleCount(page);
    expect(await page.getAttribute('[data-testid="chart"]', 'data-tf')).toBe('1m');
    await page.click('[data-testid="tf-15m"]');
    await page.waitForSelector('[data-testid="chart"][data-tf="15m"]', { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart"]')?.getAttribute('data-candle-count') ?? 0) > 0, null, {
      timeout: 20_000,
    });
    expect(await candleCount(page)).toBeLessThan(oneMinute);
    await page.click('[data-testid="tf-1m"]');
    await page.waitForSelector('[data-testid="chart"][data-tf="1m"]', { timeout: 10_000 });

    // choosing another symbol re-subscribes the chart to it
    const second = rows.nth(1);
    const sym = await second.getAttribute('data-symbol');
    await second.click();
    await page.waitForSelector(`[data-testid="chart"][data-symbol="${sym}"]`, { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart"]')?.getAttribute('data-candle-count') ?? 0) > 0, null, {
      timeout: 20_000,
    });

    // a reload works without the token in the URL (the tab's sessionStorage), and no cookie was set
    await page.reload();
    await page.waitForSelector('[data-testid="status-bar"][data-connection="open"]', { timeout: 20_000 });
    expect(await page.context().cookies()).toEqual([]);
    await page.screenshot({ path: join(outDir, 'app-after-reload.png') });
    expect(problems).toEqual([]);
    await page.close();
  });
});
