/**
 * `serve` against our Kite simulator standing in for Kite, configured the way a person does it:
 * credentials through the contract into the keychain (an in-memory store stands in for the OS
 * keychain), KITEDESK_KITE_ROOT pointing at the simulator; then the browser flow
 * kiteSession.login (over the token-guarded API) → the simulator's login page → GET /kite/callback
 * (authenticated by the one-time state that login request created, no cookie) → session active.
 * Secrets must not appear in any answer, page, header or log line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode, RpcClient, RpcError, fromWebSocket, kiteDeskApi, type KiteSecretStore } from '../../src-engine/contract/index.js';
import { kiteAccounts } from '../../src-engine/contract/kite-credentials.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { startServe, type RunningServe } from '../../src-engine/host/serve.js';
import { ensureBuilt, repoRoot, tempDataDir } from '../support/serve-process.js';

const API_KEY = 'kdsimkey01';
const API_SECRET = 'sim-secret-Zq81xW';

function memoryStore(): KiteSecretStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (a) => map.get(a) ?? null,
    set: async (a, s) => void map.set(a, s),
    delete: async (a) => map.delete(a),
  };
}

function expectNoSecrets(text: string, secrets: readonly string[]): void {
  for (const s of secrets) expect(text, 'a secret leaked').not.toContain(s);
}

describe('serve: Kite settings and the browser login against the simulator', () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;
  let serve: RunningServe;
  const env: Record<string, string | undefined> = {};
  const store = memoryStore();
  const logLines: string[] = [];
  let c: RpcClient<typeof kiteDeskApi>;
  let ws: WebSocket;
  let dataDir: string;

  beforeAll(async () => {
    ensureBuilt();
    dataDir = tempDataDir();
    serve = await startServe({
      port: 0,
      dataDir,
      rendererDir: join(repoRoot, 'dist/renderer'),
      log: (level, msg, fields) => void logLines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`),
      secretStore: async () => store,
      env: () => env,
    });
    r = await sim.start({ port: 0, apiKey: API_KEY, apiSecret: API_SECRET, redirectUrl: `http://127.0.0.1:${serve.port}/kite/callback` });
    env['KITEDESK_KITE_ROOT'] = r.url;
    ws = new WebSocket(`ws://127.0.0.1:${serve.port}/api?token=${new URL(serve.url).searchParams.get('token')}`);
    await new Promise((res, rej) => {
      ws.once('open', res);
      ws.once('error', rej);
    });
    c = new RpcClient(kiteDeskApi, { timeoutMs: 5000 });
    c.attach(fromWebSocket(ws));
  });
  afterAll(async () => {
    ws?.close();
    await serve?.close();
    await sim.close();
  });

  /** The login URL (Kite's, with a fresh one-time state) over the authenticated API. */
  const loginUrl = async () => {
    const start = await c.call('kiteSession.login', {});
    if (start.via !== 'redirect') throw new Error('serve logs in by redirect');
    return new URL(start.url);
  };

  it('stores the settings in the keychain and answers only masked, secret-free information', async () => {
    const before = await c.call('kiteSettings.get', {});
    expect(before).toMatchObject({ host: 'serve', keychain: { available: true }, apiKeyMasked: null, hasSecret: false, configured: false });
    expect(before.registerRedirectUrl).toBe(`http://127.0.0.1:${serve.port}/kite/callback`);
    expect(before.loginPage).toBe(`${r.url}/connect/login`);

    const info = await c.call('kiteSettings.set', { apiKey: API_KEY, apiSecret: API_SECRET, redirectUrl: `http://127.0.0.1:${serve.port}/kite/callback` });
    expect(info).toMatchObject({ configured: true, hasSecret: true, secretSource: 'keychain', apiKeySource: 'keychain', warnings: [] });
    expect(info.apiKeyMasked).not.toBe(API_KEY);
    expectNoSecrets(JSON.stringify(info), [API_SECRET, API_KEY]);
    expect(store.map.get(kiteAccounts.apiSecret(API_KEY))).toBe(API_SECRET);
    expect(store.map.get(kiteAccounts.apiKey)).toBe(API_KEY);
  });

  it('there is no token-less way to start a login: /kite/login is gone', async () => {
    const res = await fetch(`http://127.0.0.1:${serve.port}/kite/login`, { redirect: 'manual' });
    expect(res.status).not.toBe(302);
  });

  it('kiteSession.login → the simulator login → /kite/callback → session active; the state works once', async () => {
    const kiteLogin = await loginUrl();
    expect(kiteLogin.origin + kiteLogin.pathname).toBe(`${r.url}/connect/login`);
    expect(kiteLogin.searchParams.get('api_key')).toBe(API_KEY);
    expect(new URLSearchParams(kiteLogin.searchParams.get('redirect_params')!).get('kd_state')).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const atSim = await fetch(kiteLogin, { redirect: 'manual' });
    expect(atSim.status).toBe(302);
    const callback = new URL(atSim.headers.get('location')!);
    expect(callback.pathname).toBe('/kite/callback');
    expect(callback.searchParams.get('request_token')).toBeTruthy();

    // no cookie: the state authenticates the callback (as after a cross-site redirect)
    const back = await fetch(callback, { redirect: 'manual' });
    const page = await back.text();
    expect(back.status, page).toBe(200);
    expect(page).toContain('http-equiv="refresh"');
    expectNoSecrets(page + `${back.headers.get('location') ?? ''} ${back.headers.get('set-cookie') ?? ''}`, [callback.searchParams.get('request_token')!, API_SECRET]);

    const session = await c.call('kiteSession.get', {});
    expect(session).toMatchObject({ state: 'active', userId: expect.any(String), expiresAt: expect.any(Number) });
    expect((await c.call('engine.getStatus', {})).kite.state).toBe('active');
    // the day's token is kept in the keychain for a restart the same day
    const stored = store.map.get(kiteAccounts.accessToken(API_KEY));
    expect(stored).toBeTruthy();
    const accessToken = (JSON.parse(stored!) as { accessToken: string }).accessToken;

    // the same callback again (a replay): refused, and the session is unchanged
    const replay = await fetch(callback, { redirect: 'manual' });
    expect(replay.status).toBe(403);
    // a forged state
    const forged = new URL(callback);
    forged.searchParams.set('kd_state', 'A'.repeat(43));
    expect((await fetch(forged, { redirect: 'manual' })).status).toBe(403);
    expect((await c.call('kiteSession.get', {})).state).toBe('active');

    // logout clears the token everywhere
    const out = await c.call('kiteSession.logout', {});
    expect(out.state).toBe('none');
    expect(store.map.has(kiteAccounts.accessToken(API_KEY))).toBe(false);

    const log = logLines.join('\n') + readFileSafe(join(dataDir, 'logs/engine.log'));
    expectNoSecrets(log, [API_SECRET, accessToken, callback.searchParams.get('request_token')!]);
  });

  it('a restart the same day restores the session from the keychain; a token Kite refuses (403) flips it to expired and is deleted', async () => {
    const atSim = await fetch(await loginUrl(), { redirect: 'manual' });
    expect((await fetch(atSim.headers.get('location')!, { redirect: 'manual' })).status).toBe(200);
    expect((await c.call('kiteSession.get', {})).state).toBe('active');
    expect(store.map.has(kiteAccounts.accessToken(API_KEY))).toBe(true);

    const again = async () => {
      const s = await startServe({ port: 0, dataDir: tempDataDir(), rendererDir: join(repoRoot, 'dist/renderer'), log: () => {}, secretStore: async () => store, env: () => env });
      return s;
    };
    const restarted = await again();
    try {
      await until(() => restarted.booted.kite.status().state === 'active', 'the restored session');
    } finally {
      await restarted.close();
    }

    sim.expireTokens();
    const refused = await again();
    try {
      await until(() => refused.booted.kite.status().state === 'expired', 'the 403 to flip the session');
      expect(refused.booted.kite.status().message).toMatch(/log in again/);
      await until(() => !store.map.has(kiteAccounts.accessToken(API_KEY)), 'the stored token to be deleted');
    } finally {
      await refused.close();
    }
  });

  it('with no keychain the settings are refused, never stored elsewhere', async () => {
    const dir = tempDataDir();
    const s2 = await startServe({
      port: 0,
      dataDir: dir,
      rendererDir: join(repoRoot, 'dist/renderer'),
      log: () => {},
      secretStore: () => Promise.reject(new Error('no keychain service is running (Secret Service on D-Bus)')),
      env: () => ({}),
    });
    const ws2 = new WebSocket(`ws://127.0.0.1:${s2.port}/api?token=${new URL(s2.url).searchParams.get('token')}`);
    await new Promise((res, rej) => {
      ws2.once('open', res);
      ws2.once('error', rej);
    });
    const c2 = new RpcClient(kiteDeskApi, { timeoutMs: 5000 });
    c2.attach(fromWebSocket(ws2));
    try {
      expect(await c2.call('kiteSettings.get', {})).toMatchObject({ keychain: { available: false, message: expect.stringContaining('no keychain') }, configured: false });
      const e = await c2.call('kiteSettings.set', { apiKey: API_KEY, apiSecret: API_SECRET }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RpcError);
      expect((e as RpcError).code).toBe(ErrorCode.UNAVAILABLE);
      expect((e as RpcError).message).toMatch(/keychain is unavailable.*never keeps Kite credentials in plain text/);
      expectNoSecrets((e as RpcError).message, [API_SECRET]);
      await s2.close();
      // nothing in the data dir carries the secret (database, WAL, logs, token file)
      const { readdirSync, statSync } = await import('node:fs');
      const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
      for (const f of walk(dir)) expect(readFileSync(f).includes(API_SECRET), f).toBe(false);
    } finally {
      ws2.close();
      await s2.close();
    }
  });
});

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function readFileSafe(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}
