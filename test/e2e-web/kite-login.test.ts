/**
 * Settings → Kite login in Chromium, with our Kite simulator standing in for Kite
 * (KITEDESK_KITE_ROOT) and an in-memory secret store standing in for the OS keychain: the person
 * enters api key, secret and redirect URL once, logs in through the simulator's login page, lands
 * back in the app with the session in the status bar, and logs out.
 */
import { describe, expect, it } from 'vitest';
import { kiteServeSuite } from '../support/kite-serve-suite.js';
import { join } from 'node:path';
import { repoRoot } from '../support/serve-process.js';
import { watchProblems } from '../support/trading-ui.js';

const outDir = join(repoRoot, 'test-output', 'e2e-web');
const API_KEY = 'kdwebkey42';
const API_SECRET = 'web-secret-Hk29dQ';
const T = { timeout: 30_000 };

describe('Settings → Kite login through the simulator (Chromium, serve)', () => {
  const suite = kiteServeSuite({ apiKey: API_KEY, apiSecret: API_SECRET });
  const { secrets } = suite;

  it('enters the credentials once, logs in through the simulator, shows the session, logs out', async () => {
    const serve = suite.serve();
    const page = await suite.browser().newPage({ viewport: { width: 1400, height: 850 } });
    const problems: string[] = [];
    watchProblems(page, problems);
    await page.goto(serve.url);
    await page.waitForSelector('[data-testid="status-bar"][data-connection="open"]', T);
    await page.waitForSelector('[data-testid="kite-status"][data-state="none"]', T);

    await page.click('[data-testid="settings-button"]');
    await page.waitForSelector('[data-testid="settings-stored"][data-configured="false"]', T);
    expect(await page.textContent('[data-testid="settings-register-url"]')).toBe(`http://127.0.0.1:${serve.port}/kite/callback`);
    expect(await page.getAttribute('[data-testid="settings-keychain"]', 'data-available')).toBe('true');
    expect(await page.inputValue('[data-testid="settings-redirect-url"]')).toBe(`http://127.0.0.1:${serve.port}/kite/callback`);

    await page.fill('[data-testid="settings-api-key"]', API_KEY);
    await page.fill('[data-testid="settings-api-secret"]', API_SECRET);
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-stored"][data-configured="true"][data-has-secret="true"]', T);
    // the secret left the page: not in the form, not in the DOM
    expect(await page.inputValue('[data-testid="settings-api-secret"]')).toBe('');
    expect(await page.content()).not.toContain(API_SECRET);
    expect(await page.textContent('[data-testid="settings-stored"]')).not.toContain(API_KEY);
    await page.screenshot({ path: join(outDir, 'kite-settings.png') });

    // log in: Kite's (the simulator's) login page with a one-time state → /kite/callback → back in the app, the token still in sessionStorage
    await page.click('[data-testid="kite-login-button"]');
    await page.waitForSelector('[data-testid="kite-status"][data-state="active"]', T);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getAttribute('[data-testid="kite-status"]', 'data-user')).toMatch(/\S/);
    expect(await page.textContent('[data-testid="kite-status"]')).toMatch(/until 06:00 IST/);
    await page.screenshot({ path: join(outDir, 'kite-logged-in.png') });

    // log out from Settings: the status flips and the stored token is gone
    await page.click('[data-testid="settings-button"]');
    await page.click('[data-testid="kite-logout-button"]', T);
    await page.waitForSelector('[data-testid="kite-status"][data-state="none"]', T);
    expect([...secrets.keys()].some((k) => k.startsWith('kite:access_token:'))).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });
});
