import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { KiteSecretStore } from '../../src-engine/contract/kite-credentials.js';
import { startServe, type RunningServe } from '../../src-engine/host/serve.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { launchChromium } from './browser.js';
import { ensureBuilt, repoRoot, tempDataDir } from './serve-process.js';
import { simSessionStart } from './sim-session.js';

export interface KiteServeSuite {
  /** `serve` in this process (its engine is reachable as `.booted.engine`). */
  serve(): RunningServe;
  sim(): RunningKiteSimulator;
  browser(): Browser;
  /** The in-memory stand-in for the OS keychain (account → secret). */
  secrets: Map<string, string>;
}

/**
 * The frame of the e2e suites that log in to Kite: our Kite simulator standing in for Kite
 * (KITEDESK_KITE_ROOT), `serve` in-process on a fresh data dir (an optional run profile) with an
 * in-memory secret store standing in for the OS keychain, and one Chromium, for the enclosing describe.
 */
export function kiteServeSuite(o: { apiKey: string; apiSecret: string; profileYaml?: string; expireAt0600?: boolean }): KiteServeSuite {
  const kiteSim = new KiteSimulator();
  let r: RunningKiteSimulator | undefined;
  let serve: RunningServe | undefined;
  let browser: Browser | undefined;
  const env: Record<string, string | undefined> = {};
  const secrets = new Map<string, string>();
  const store: KiteSecretStore = {
    get: async (a) => secrets.get(a) ?? null,
    set: async (a, s) => void secrets.set(a, s),
    delete: async (a) => secrets.delete(a),
  };
  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(join(repoRoot, 'test-output', 'e2e-web'), { recursive: true });
    const dataDir = tempDataDir();
    let configFile: string | undefined;
    if (o.profileYaml !== undefined) {
      configFile = join(dataDir, 'profile.yaml');
      writeFileSync(configFile, o.profileYaml);
    }
    serve = await startServe({
      port: 0,
      dataDir,
      ...(configFile ? { configFile } : {}),
      rendererDir: join(repoRoot, 'dist/renderer'),
      log: () => {},
      secretStore: async () => store,
      env: () => env,
    });
    r = await kiteSim.start({
      port: 0,
      apiKey: o.apiKey,
      apiSecret: o.apiSecret,
      redirectUrl: `http://127.0.0.1:${serve.port}/kite/callback`,
      // in session whatever the hour (live-mode.test.ts places a MIS order: never inside the 15:20 square-off)
      startTime: simSessionStart(),
      ...(o.expireAt0600 !== undefined ? { expireAt0600: o.expireAt0600 } : {}),
    });
    env['KITEDESK_KITE_ROOT'] = r.url;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.close();
    await kiteSim.close();
  });
  return { serve: () => serve!, sim: () => r!, browser: () => browser!, secrets };
}
