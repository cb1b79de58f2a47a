/**
 * Going live in Chromium, with our Kite simulator standing in for Kite (KITEDESK_KITE_ROOT, a profile
 * with `feed: { kind: kite }`) and an in-memory secret store standing in for the OS keychain: Settings →
 * login through the simulator → the add box searching Kite's instrument master → the live confirmation
 * (account, funds, risk limits, strategies, the preflight; the button stays disabled until LIVE is typed)
 * → the red bar → a live order's slippage against the paper model in the Performance tab → back to paper
 * in one click.
 */
import { describe, expect, it } from 'vitest';
import { kiteServeSuite } from '../support/kite-serve-suite.js';
import { join } from 'node:path';
import { repoRoot } from '../support/serve-process.js';
import { watchProblems } from '../support/trading-ui.js';

const outDir = join(repoRoot, 'test-output', 'e2e-web');
const API_KEY = 'kdlivekey7';
const API_SECRET = 'live-secret-Pq83xZ';
const T = { timeout: 45_000 };

describe('live confirmation (Chromium, serve, Kite simulator)', () => {
  const suite = kiteServeSuite({ apiKey: API_KEY, apiSecret: API_SECRET, expireAt0600: false, profileYaml: 'feed: { kind: kite, backfillMinutes: 5 }\nwatchlist: [INFY, TCS]\nuniverse: { seed: custom, symbols: [INFY, TCS], softCap: 2 }\nstrategies:\n  - { id: ema-infy, type: ema_crossover, params: { fast: 5, slow: 13 }, symbols: [INFY], timeframe: 1m }\n' });

  it('types LIVE in the confirmation, shows the red bar, goes back to paper in one click', async () => {
    const serve = suite.serve();
    const page = await suite.browser().newPage({ viewport: { width: 1500, height: 900 } });
    const problems: string[] = [];
    watchProblems(page, problems);
    await page.goto(serve.url);
    await page.waitForSelector('[data-testid="status-bar"][data-connection="open"]', T);
    await page.waitForSelector('[data-testid="mode-badge"][data-mode="paper"]', T);

    // Settings → login through the simulator
    await page.click('[data-testid="settings-button"]');
    await page.fill('[data-testid="settings-api-key"]', API_KEY);
    await page.fill('[data-testid="settings-api-secret"]', API_SECRET);
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-stored"][data-configured="true"]', T);
    await page.click('[data-testid="kite-login-button"]');
    await page.waitForSelector('[data-testid="kite-status"][data-state="active"]', T);
    // the Kite feed loads the instrument master and goes live
    const engine = serve.booted.engine;
    const end = Date.now() + 45_000;
    while (engine.status().feedStatus?.state !== 'live' && Date.now() < end) await new Promise((res) => setTimeout(res, 100));
    expect(engine.status().feedStatus?.state).toBe('live');

    // the watchlist's add box searches Kite's instrument master: F&O (addable since issue 14) and indices listed, an equity added with Enter
    await page.fill('[data-testid="wl-add-input"]', 'nifty');
    await page.waitForSelector('[data-testid="wl-suggestions"][data-source="kite"] [data-testid="wl-suggestion"][data-exchange="NFO"][data-addable="true"]', T);
    await page.screenshot({ path: join(outDir, 'watchlist-search.png') });
    await page.fill('[data-testid="wl-add-input"]', 'hdfcban');
    await page.waitForSelector('[data-testid="wl-suggestions"][data-source="kite"] [data-testid="wl-suggestion"][data-symbol="HDFCBANK"][aria-selected="true"]', T);
    await page.press('[data-testid="wl-add-input"]', 'Enter');
    await page.waitForSelector('[data-testid="watchlist-row"][data-symbol="HDFCBANK"]', T);
    expect(engine.watchlist()).toContain('HDFCBANK');

    // one click opens the confirmation: account, funds, risk limits, strategies, the preflight
    await page.click('[data-testid="go-live"]');
    await page.waitForSelector('[data-testid="live-dialog"] [data-testid="live-preflight"]', T);
    expect(await page.getAttribute('[data-testid="live-preflight"]', 'data-ok'), (await page.textContent('[data-testid="live-preflight"]')) ?? '').toBe('true');
    expect(await page.textContent('[data-testid="live-account"]')).toMatch(/\S/);
    expect(await page.textContent('[data-testid="live-funds"]')).toMatch(/\d/);
    expect(await page.textContent('[data-testid="live-risk"]')).toMatch(/daily loss/);
    expect(await page.textContent('[data-testid="live-strategies"]')).toContain('ema-infy');
    expect(await page.textContent('[data-testid="live-static-ip"]')).toMatch(/static IP/);
    expect(await page.locator('[data-testid="live-preflight"] li').count()).toBe(7);
    expect(await page.isDisabled('[data-testid="live-confirm-button"]')).toBe(true);
    await page.fill('[data-testid="live-confirm-input"]', 'live');
    expect(await page.isDisabled('[data-testid="live-confirm-button"]')).toBe(true);
    await page.fill('[data-testid="live-confirm-input"]', 'LIVE');
    await page.screenshot({ path: join(outDir, 'live-confirmation.png') });
    await page.click('[data-testid="live-confirm-button"]');

    // the bar turns red while live
    await page.waitForSelector('[data-testid="status-bar"].live[data-mode="live"]', T);
    await page.waitForSelector('[data-testid="mode-badge"][data-mode="live"]', T);
    const bg = await page.$eval('[data-testid="status-bar"]', (el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe('rgb(92, 20, 20)');
    await page.waitForSelector('[data-testid="mode-reconciliation"]', T);
    await page.screenshot({ path: join(outDir, 'live-red-bar.png') });

    // a live order fills at the simulator: the Performance tab pairs it with the paper model (live slippage)
    const placed = engine.trading.placeManual({ symbol: 'INFY', side: 'BUY', qty: 2, orderType: 'MARKET', product: 'MIS', validity: 'DAY', variety: 'regular' });
    const clientId = placed.orders[0]!.clientId;
    await page.click('[data-testid="tab-performance"]', T);
    const row = `[data-testid="slip-order"][data-client-id="${clientId}"]:not([data-diff=""])`;
    await page.waitForSelector(row, T);
    const slip = engine.modes.slippage().orders.find((o) => o.clientId === clientId)!;
    expect(Number(await page.getAttribute(row, 'data-diff'))).toBe(slip.diffPaise);
    expect(await page.textContent('[data-testid="slip-strategy-manual"]')).toMatch(/manual/);
    await page.screenshot({ path: join(outDir, 'live-slippage.png') });

    // back to paper: one click
    await page.click('[data-testid="back-to-paper"]');
    await page.waitForSelector('[data-testid="mode-badge"][data-mode="paper"]', T);
    await page.waitForSelector('[data-testid="status-bar"][data-mode="paper"]:not(.live)', T);
    await page.screenshot({ path: join(outDir, 'live-back-to-paper.png') });
    expect(engine.modes.history(10).map((e) => e.kind)).toEqual(expect.arrayContaining(['switch', 'preflight']));
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
