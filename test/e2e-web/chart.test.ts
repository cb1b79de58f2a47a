import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RpcClient, fromWebSocket, kiteDeskApi } from '../../src-engine/contract/index.js';
import { launchChromium } from '../support/browser.js';
import { ensureBuilt, repoRoot, startServeProcess, tempDataDir, type ServeProcess } from '../support/serve-process.js';
import { T, attr, submitTicket, watchProblems } from '../support/trading-ui.js';

/**
 * The chart in Chromium against `kitedesk serve` on the simulator: indicators from the engine's
 * library (an overlay and a pane) with their values in the crosshair legend, parameters edited
 * (a refusal inline, then a change), signal markers of a strategy and a fill marker plus the
 * position's price lines after a paper trade from the ticket, scroll-back loading older candles, and
 * the per-timeframe layout kept across a symbol change.
 *
 * The simulated clock starts at 14:30 IST on Friday 2026-11-20 with the whole session so far as
 * history (315 one-minute bars: more than the 300 the chart opens with), at speed 1. A momentum
 * strategy on RELIANCE journals signals but does not trade (autoTrade off): the only fill is ours.
 */

const outDir = join(repoRoot, 'test-output', 'e2e-web');
const CHART = '[data-testid="chart"]';
const SYMBOL = 'RELIANCE';

const PROFILE = `
feed:
  backfillMinutes: 375
watchlist: [RELIANCE, INFY, TCS]
strategies:
  - id: mom
    type: momentum
    params: { period: 2, threshold: 0.01 }
    symbols: [RELIANCE]
    timeframe: 1m
trading:
  autoTrade: false
`;

const num = async (page: Page, selector: string, name: string): Promise<number> => Number(await attr(page, selector, name));
/** Waits until the attribute compares true: a number with >, >= or ==, or a string with eq. */
const waitAttr = (page: Page, selector: string, name: string, op: '>' | '>=' | '==' | 'eq', want: number | string) =>
  page.waitForFunction(
    ([sel, n, o, w]) => {
      const v = document.querySelector(sel as string)?.getAttribute(n as string);
      if (v === null || v === undefined) return false;
      if (o === 'eq') return v === w;
      const x = Number(v);
      return o === '>' ? x > Number(w) : o === '>=' ? x >= Number(w) : x === Number(w);
    },
    [selector, name, op, want] as const,
    T,
  );

describe('the chart in Chromium against kitedesk serve', () => {
  let s: ServeProcess;
  let browser: Browser;
  let ws: WebSocket;
  let c: RpcClient<typeof kiteDeskApi>;
  const problems: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(outDir, { recursive: true });
    const dataDir = tempDataDir();
    const profile = join(dataDir, 'profile.yaml');
    writeFileSync(profile, PROFILE);
    s = await startServeProcess(['--data-dir', dataDir, '--config', profile, '--sim-speed', '1', '--sim-start', '2026-11-20T14:30:00+05:30'], 60_000);
    browser = await launchChromium();
    ws = await new Promise<WebSocket>((resolve, reject) => {
      const w = new WebSocket(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
      w.once('open', () => resolve(w));
      w.once('error', reject);
    });
    c = new RpcClient(kiteDeskApi, { timeoutMs: 15_000 });
    c.attach(fromWebSocket(ws));
  }, 120_000);
  afterAll(async () => {
    ws?.terminate();
    await browser?.close();
    await s?.stop();
  });

  it('indicators with legend values, markers and price lines after a paper trade, scroll-back, per-timeframe layout', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    watchProblems(page, problems);
    expect((await page.goto(s.url))?.status()).toBe(200);
    await page.waitForSelector(`${CHART}[data-symbol="${SYMBOL}"][data-tf="1m"]`, T);
    await waitAttr(page, CHART, 'data-candle-count', '>=', 300);
    // the legend shows the newest bar's OHLCV
    await page.waitForSelector('[data-testid="legend-ohlcv"]', T);
    expect(await page.textContent('[data-testid="legend-c"]')).toMatch(/^[\d,]+\.\d\d$/);

    // --- an overlay from the engine's library: EMA 20, its value in the legend
    await page.click('[data-testid="indicators-button"]');
    await page.waitForSelector('[data-testid="indicator-menu"]', T);
    await page.click('[data-testid="indicator-add-ema"]');
    await page.waitForSelector('[data-testid="indicator-chip"][data-spec="ema:20"]', T);
    await page.waitForSelector('[data-testid="legend-indicator"][data-spec="ema:20"][data-ready="true"]', T);
    await waitAttr(page, CHART, 'data-indicator-series', '==', 1);
    // hover a closed bar: the legend follows the crosshair, and its value is the engine's for that bar
    const box = (await page.locator(CHART).boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4);
    await page.waitForSelector('[data-testid="chart-legend"][data-hovering="true"]', T);
    const hoveredT = await num(page, '[data-testid="chart-legend"]', 'data-t');
    const shownRaw = await num(page, '[data-testid="legend-indicator"][data-spec="ema:20"] [data-testid="legend-value"]', 'data-raw');
    const fromEngine = await c.call('indicators.get', { symbol: SYMBOL, tf: '1m', spec: 'ema:20', before: hoveredT + 1, limit: 1 });
    expect(fromEngine.points[0]?.t).toBe(hoveredT);
    expect(shownRaw).toBe(fromEngine.points[0]!.v[0]);
    const candle = (await c.call('candles.history', { symbol: SYMBOL, tf: '1m', before: hoveredT + 1, limit: 1 }))[0]!;
    expect(candle.t).toBe(hoveredT);
    expect(Math.abs(shownRaw - candle.c) / candle.c).toBeLessThan(0.05); // an average of nearby closes (paise)
    expect(await page.textContent('[data-testid="legend-c"]')).toBe((candle.c / 100).toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    await page.mouse.move(box.x - 50, box.y - 50); // off the chart: back to the newest bar

    // --- a pane: MACD (three columns: two lines and a histogram)
    await page.click('[data-testid="indicators-button"]');
    await page.click('[data-testid="indicator-add-macd"]');
    await page.waitForSelector('[data-testid="legend-indicator"][data-spec="macd:12:26:9"][data-ready="true"]', T);
    await waitAttr(page, CHART, 'data-panes', '==', 2);
    await waitAttr(page, CHART, 'data-indicator-series', '==', 4);
    expect(await page.locator('[data-testid="legend-indicator"][data-spec="macd:12:26:9"] [data-testid="legend-value"]').count()).toBe(3);

    // --- parameters: a bad length is refused inline, a good one takes effect
    await page.click('[data-testid="indicator-chip"][data-spec="ema:20"] [data-testid="indicator-edit"]');
    await page.fill('[data-testid="indicator-param-n"]', '0');
    await page.click('[data-testid="indicator-apply"]');
    await page.waitForSelector('[data-testid="indicator-error"]', T);
    expect(await page.textContent('[data-testid="indicator-error"]')).toContain('must be within 1…500');
    await page.fill('[data-testid="indicator-param-n"]', '50');
    await page.click('[data-testid="indicator-apply"]');
    await page.waitForSelector('[data-testid="indicator-chip"][data-spec="ema:50"]', T);
    await page.waitForSelector('[data-testid="legend-indicator"][data-spec="ema:50"][data-ready="true"]', T);
    expect(await page.locator('[data-testid="indicator-error"]').count()).toBe(0);

    // --- the strategy's signals are on the chart
    await waitAttr(page, CHART, 'data-signal-markers', '>', 0);
    expect(await num(page, CHART, 'data-fill-markers')).toBe(0);
    expect(await num(page, CHART, 'data-price-lines')).toBe(0);

    // --- a paper trade from the ticket: a fill marker, the average price and the exits' stop/target
    await page.waitForSelector('[data-testid="ticket-submit"]:not([disabled])', T);
    expect(await attr(page, '[data-testid="order-ticket"]', 'data-symbol')).toBe(SYMBOL);
    await page.click('[data-testid="ticket-side-buy"]');
    await page.fill('[data-testid="ticket-qty"]', '2');
    await page.selectOption('[data-testid="ticket-type"]', 'MARKET');
    expect((await submitTicket(page)).action).toBe('ALLOW');
    await waitAttr(page, CHART, 'data-fill-markers', '>=', 1);
    const levels = await c.call('exits.get', { symbol: SYMBOL });
    expect(levels.positions).toHaveLength(1);
    const pos = levels.positions[0]!;
    expect(pos).toMatchObject({ strategy: 'manual', qty: 2 });
    expect(pos.stopPaise).not.toBeNull(); // the ATR stop and target are armed (ATR is warm)
    expect(pos.targetPaise).not.toBeNull();
    // average price, stop, target and (once armed) the trailing stop
    await waitAttr(page, CHART, 'data-price-lines', '==', 3 + (pos.trailPaise === null ? 0 : 1));
    await page.screenshot({ path: join(outDir, 'chart.png') });

    // --- scroll back: zooming out to the oldest bar loads the older candles, then there are none older
    const before = await num(page, CHART, 'data-candle-count');
    const oldest0 = await num(page, CHART, 'data-oldest-t');
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.3);
    for (let i = 0; i < 30; i++) {
      await page.mouse.wheel(0, 400);
      if ((await attr(page, CHART, 'data-history')) === 'exhausted') break;
      await page.waitForTimeout(100);
    }
    await waitAttr(page, CHART, 'data-history', 'eq', 'exhausted');
    expect(await num(page, CHART, 'data-candle-count')).toBeGreaterThan(before);
    const oldest = await num(page, CHART, 'data-oldest-t');
    expect(oldest).toBeLessThan(oldest0);
    expect(oldest).toBe(Date.parse('2026-11-20T09:15:00+05:30')); // the session's first bar
    // the indicators were extended over the older candles (their legend keeps values)
    await page.mouse.move(box.x - 50, box.y - 50);
    await page.waitForSelector('[data-testid="legend-indicator"][data-spec="ema:50"][data-ready="true"]', T);

    // --- the layout is per timeframe and kept across symbols
    await page.click('[data-testid="watchlist-row"][data-symbol="INFY"]');
    await page.waitForSelector(`${CHART}[data-symbol="INFY"]`, T);
    await page.waitForSelector('[data-testid="legend-indicator"][data-spec="ema:50"][data-ready="true"]', T);
    await page.waitForSelector('[data-testid="legend-indicator"][data-spec="macd:12:26:9"][data-ready="true"]', T);
    await waitAttr(page, CHART, 'data-price-lines', '==', 0); // no INFY position
    await waitAttr(page, CHART, 'data-fill-markers', '==', 0);
    await page.click('[data-testid="tf-5m"]');
    await page.waitForSelector(`${CHART}[data-tf="5m"]`, T);
    await waitAttr(page, '[data-testid="chart-indicators"]', 'data-count', '==', 0);
    await waitAttr(page, CHART, 'data-panes', '==', 1);
    await page.click('[data-testid="indicators-button"]');
    await page.click('[data-testid="indicator-add-rsi"]');
    await page.waitForSelector('[data-testid="legend-indicator"][data-spec="rsi:14"]', T);
    await page.click('[data-testid="tf-1m"]');
    await page.waitForSelector(`${CHART}[data-tf="1m"]`, T);
    await waitAttr(page, '[data-testid="chart-indicators"]', 'data-count', '==', 2);
    await page.waitForSelector('[data-testid="indicator-chip"][data-spec="ema:50"]', T);
    // ...and across a reload (localStorage)
    await page.reload();
    await page.waitForSelector('[data-testid="indicator-chip"][data-spec="ema:50"]', T);
    await page.waitForSelector('[data-testid="indicator-chip"][data-spec="macd:12:26:9"]', T);
    // removing one closes its pane
    await page.click('[data-testid="indicator-chip"][data-spec="macd:12:26:9"] [data-testid="indicator-remove"]');
    await waitAttr(page, CHART, 'data-panes', '==', 1);
    await waitAttr(page, CHART, 'data-indicator-series', '==', 1);

    expect(problems).toEqual([]);
    await page.close();
  });
});
