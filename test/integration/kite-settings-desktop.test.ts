/**
 * The desktop path of the Kite settings, without Electron: the renderer's contract calls
 * (kiteSettings.*, kiteSession.*) reach the engine in its utility-process entry (a fake parentPort),
 * which asks main over the control channel (`kite-host-request`); main's real handler
 * (src-main/kite-host-main.ts) answers from a keychain (in memory here) through the shared
 * credential store. The login window is played by the test: it takes the simulator's redirect and
 * hands the request token over as main does (`kite-login`, api_secret read from the keychain).
 * The secret crosses the control channel once (on its way to the keychain) and appears in no
 * contract answer and no log line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginUrl, parseRedirect } from '../../src-engine/adapters/kite/login.js';
import { RpcClient, fromMessagePort, kiteDeskApi, type EngineToMain, type PortLike } from '../../src-engine/contract/index.js';
import { KiteCredentialStore, kiteAccounts, type KiteSecretStore } from '../../src-engine/contract/kite-credentials.js';
import { runUtilityEngine } from '../../src-engine/host/utility-entry.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { answerKiteHostRequest } from '../../src-main/kite-host-main.js';
import { tempDataDir } from '../support/serve-process.js';
import { FakeParentPort, asPortMain } from '../support/utility-port.js';

const API_KEY = 'kddesk01';
const API_SECRET = 'desk-secret-P0o9i8';

describe('desktop: Settings → engine → main (keychain) → login, over the control channel', () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;
  const secrets = new Map<string, string>();
  const store: KiteSecretStore = { get: async (a) => secrets.get(a) ?? null, set: async (a, s) => void secrets.set(a, s), delete: async (a) => secrets.delete(a) };
  const env: Record<string, string | undefined> = {};
  const parent = new FakeParentPort();
  const dataDir = tempDataDir('kitedesk-desk-');
  let client: RpcClient<typeof kiteDeskApi>;
  let pump: ReturnType<typeof setInterval>;
  let logins = 0;

  beforeAll(async () => {
    r = await sim.start({ port: 0, apiKey: API_KEY, apiSecret: API_SECRET });
    env['KITEDESK_KITE_ROOT'] = r.url;
    runUtilityEngine(parent, { argv: ['node', 'utility-entry.js', `--data-dir=${dataDir}`], exit: () => {} });
    const ch = new MessageChannel();
    parent.deliver({ type: 'attach-window', windowId: 1 }, [asPortMain(ch.port1)]);
    client = new RpcClient(kiteDeskApi, { timeoutMs: 10_000 });
    client.attach(fromMessagePort(ch.port2 as unknown as PortLike));

    // main: answers kite-host-requests with its real handler; the "login window" follows the simulator's redirect.
    const credentials = new KiteCredentialStore({ store: async () => store, env: () => env, host: 'desktop' });
    const openLogin = async () => {
      const c = await credentials.resolve();
      const res = await fetch(loginUrl(c.apiKey, c.loginPage), { redirect: 'manual' });
      const { requestToken } = parseRedirect(res.headers.get('location')!);
      logins++;
      parent.deliver({ type: 'kite-login', apiKey: c.apiKey, requestToken, apiSecret: (await store.get(kiteAccounts.apiSecret(c.apiKey)))!, root: c.root });
      return true;
    };
    let seen = 0;
    pump = setInterval(() => {
      for (; seen < parent.sent.length; seen++) {
        const m = parent.sent[seen]!;
        if (m.type === 'kite-host-request') {
          void answerKiteHostRequest(m, {
            credentials,
            openLogin,
            logout: async () => void (await store.delete(kiteAccounts.accessToken(API_KEY))),
            onChanged: () => {},
          }).then((reply) => parent.deliver(reply));
        } else if (m.type === 'kite-session') {
          void store.set(kiteAccounts.accessToken(m.apiKey), JSON.stringify({ accessToken: m.accessToken, userId: m.userId, loginTime: m.loginTime, expiresAt: m.expiresAt }));
        }
      }
    }, 5);
  });
  afterAll(async () => {
    clearInterval(pump);
    client.detach();
    parent.deliver({ type: 'shutdown', reason: 'test' });
    await sim.close();
  });

  it('stores through main, logs in through the "window", logs out everywhere; the secret stays out of answers and logs', async () => {
    const before = await client.call('kiteSettings.get', {});
    expect(before).toMatchObject({ host: 'desktop', keychain: { available: true }, configured: false, loginPage: `${r.url}/connect/login` });

    const info = await client.call('kiteSettings.set', { apiKey: API_KEY, apiSecret: API_SECRET, redirectUrl: 'http://127.0.0.1:8765/kite/callback' });
    expect(info).toMatchObject({ configured: true, hasSecret: true, secretSource: 'keychain' });
    expect(JSON.stringify(info)).not.toContain(API_SECRET);
    expect(secrets.get(kiteAccounts.apiSecret(API_KEY))).toBe(API_SECRET);
    // the secret crossed the control channel exactly once, inside the save request
    const carrying = parent.sent.filter((m: EngineToMain) => JSON.stringify(m).includes(API_SECRET));
    expect(carrying.map((m) => m.type === 'kite-host-request' && m.op)).toEqual(['save']);

    expect(await client.call('kiteSession.login', {})).toEqual({ via: 'window' });
    expect(logins).toBe(1);
    await parent.next('kite-session');
    const session = await client.call('kiteSession.get', {});
    expect(session).toMatchObject({ state: 'active', userId: expect.any(String) });
    expect(secrets.has(kiteAccounts.accessToken(API_KEY))).toBe(true);
    const accessToken = (JSON.parse(secrets.get(kiteAccounts.accessToken(API_KEY))!) as { accessToken: string }).accessToken;

    expect((await client.call('kiteSession.logout', {})).state).toBe('none');
    expect(secrets.has(kiteAccounts.accessToken(API_KEY))).toBe(false);

    const cleared = await client.call('kiteSettings.clear', {});
    expect(cleared).toMatchObject({ configured: false, apiKeyMasked: null });
    expect(secrets.size).toBe(0);

    const log = readFileSync(join(dataDir, 'logs', 'engine.log'), 'utf8');
    expect(log).not.toContain(API_SECRET);
    expect(log).not.toContain(accessToken);
  });

  it('main refusing (no keychain) reaches the renderer as UNAVAILABLE, secret-free', async () => {
    const refused = await answerKiteHostRequest(
      { type: 'kite-host-request', id: 99, op: 'save', settings: { apiKey: API_KEY, apiSecret: API_SECRET } },
      {
        credentials: new KiteCredentialStore({ store: () => Promise.reject(new Error('no keychain service is running')), env: () => ({}), host: 'desktop' }),
        openLogin: async () => false,
        logout: async () => {},
        onChanged: () => {},
      },
    );
    expect(refused).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    expect(JSON.stringify(refused)).not.toContain(API_SECRET);
  });
});
