import { describe, expect, it } from 'vitest';
import { kiteAccounts, type KiteSecretStore } from '../contract/kite-credentials.js';
import { KiteSessionManager, type KiteRestLike } from '../runtime/kite-session.js';
import { LOGIN_STATE_TTL_MS, LoginStates, ServeKite } from './kite-serve.js';

const SECRET = 'the-api-secret-XYZ';
const ACCESS = 'access-token-QQQ';

function memoryStore(): KiteSecretStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, get: async (a) => map.get(a) ?? null, set: async (a, s) => void map.set(a, s), delete: async (a) => map.delete(a) };
}

/** A KiteRest stand-in: any request token whose checksum matches is exchanged. */
function fakeRest(): KiteRestLike {
  return {
    generateSession: async (rt: string, secret: string) => {
      if (secret !== SECRET || rt.startsWith('bad')) throw Object.assign(new Error(`Invalid checksum for ${rt} ${secret}`), {});
      return { userId: 'AB1234', accessToken: ACCESS, loginTime: Date.now() } as never;
    },
    setAccessToken: () => {},
    on: () => () => {},
    profile: async () => ({}) as never,
    sessionExpired: false,
  } as unknown as KiteRestLike;
}

describe('LoginStates', () => {
  it('a state works exactly once; a forged, malformed or expired one never', () => {
    let now = 1_000;
    const s = new LoginStates(() => now);
    const a = s.create();
    const b = s.create();
    expect(a).not.toBe(b);
    expect(s.consume(a)).toBe(true);
    expect(s.consume(a)).toBe(false); // replay
    expect(s.consume('A'.repeat(43))).toBe(false); // forged, well-formed
    expect(s.consume('x')).toBe(false);
    expect(s.consume(null)).toBe(false);
    expect(s.consume(`${b}'; drop`)).toBe(false);
    now += LOGIN_STATE_TTL_MS + 1;
    expect(s.consume(b)).toBe(false); // expired
    expect(s.outstanding).toBe(0);
  });

  it('keeps a bounded number outstanding (the oldest go first)', () => {
    const s = new LoginStates(() => 0);
    const first = s.create();
    for (let i = 0; i < 40; i++) s.create();
    expect(s.outstanding).toBe(32);
    expect(s.consume(first)).toBe(false);
  });
});

describe('ServeKite', () => {
  const make = (env: Record<string, string> = {}) => {
    const store = memoryStore();
    const logs: string[] = [];
    const kite = new KiteSessionManager({ createRest: () => fakeRest(), verifyRestored: false });
    const sk = new ServeKite({
      kite,
      store: async () => store,
      env: () => env,
      callbackUrl: () => 'http://127.0.0.1:9999/kite/callback',
      log: (l, m, f) => void logs.push(`${l} ${m} ${JSON.stringify(f ?? {})}`),
    });
    return { store, logs, kite, sk };
  };

  it('the login URL carries the api key and a state in redirect_params; the callback exchanges once', async () => {
    const { sk, store, logs, kite } = make();
    await sk.saveSettings({ apiKey: 'key1', apiSecret: SECRET });
    const url = new URL(await sk.loginRedirect());
    expect(url.origin + url.pathname).toBe('https://kite.zerodha.com/connect/login');
    expect(url.searchParams.get('api_key')).toBe('key1');
    const state = new URLSearchParams(url.searchParams.get('redirect_params')!).get('kd_state')!;
    const q = new URLSearchParams({ request_token: 'rt12345678', action: 'login', status: 'success', kd_state: state });
    expect(await sk.callback(q)).toEqual({ ok: true, userId: 'AB1234' });
    expect(kite.status()).toMatchObject({ state: 'active', userId: 'AB1234' });
    expect(JSON.parse(store.map.get(kiteAccounts.accessToken('key1'))!)).toMatchObject({ accessToken: ACCESS, userId: 'AB1234' });
    expect(await sk.callback(q)).toMatchObject({ ok: false, status: 403 });
    await sk.logout();
    expect(kite.status().state).toBe('none');
    expect(store.map.has(kiteAccounts.accessToken('key1'))).toBe(false);
    for (const l of logs) expect(l).not.toMatch(new RegExp(`${SECRET}|${ACCESS}|rt12345678`));
  });

  it('a failed exchange answers a secret-free message', async () => {
    const { sk, logs } = make();
    await sk.saveSettings({ apiKey: 'key1', apiSecret: SECRET });
    const state = new URLSearchParams(new URL(await sk.loginRedirect()).searchParams.get('redirect_params')!).get('kd_state')!;
    const r = await sk.callback(new URLSearchParams({ request_token: 'bad-token-1', kd_state: state }));
    expect(r).toMatchObject({ ok: false, status: 502 });
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(JSON.stringify(r)).not.toContain('bad-token-1');
    for (const l of logs) expect(l).not.toContain(SECRET);
  });

  it('refuses a callback without a state before looking at the token', async () => {
    const { sk, kite } = make();
    await sk.saveSettings({ apiKey: 'key1', apiSecret: SECRET });
    expect(await sk.callback(new URLSearchParams({ request_token: 'rt12345678' }))).toMatchObject({ ok: false, status: 403 });
    expect(kite.status().state).toBe('none');
  });

  it('env vars override the keychain (headless use): login works with nothing stored', async () => {
    const { sk, store } = make({ KITEDESK_KITE_API_KEY: 'envkey', KITEDESK_KITE_API_SECRET: SECRET, KITEDESK_KITE_ROOT: 'http://127.0.0.1:1234/' });
    const info = await sk.settings();
    expect(info).toMatchObject({ apiKeySource: 'env', secretSource: 'env', configured: true, loginPage: 'http://127.0.0.1:1234/connect/login', root: 'http://127.0.0.1:1234/' });
    expect(JSON.stringify(info)).not.toContain(SECRET);
    expect(new URL(await sk.loginRedirect()).origin).toBe('http://127.0.0.1:1234');
    expect(store.map.size).toBe(0);
  });

  it('restores a stored session of today, and deletes an expired one', async () => {
    const { sk, store, kite } = make();
    await sk.saveSettings({ apiKey: 'key1', apiSecret: SECRET });
    const loginTime = Date.now() - 60_000;
    store.map.set(kiteAccounts.accessToken('key1'), JSON.stringify({ accessToken: ACCESS, userId: 'AB1234', loginTime, expiresAt: Date.now() + 3_600_000 }));
    expect(await sk.restore()).toBe(true);
    expect(kite.status().state).toBe('active');
    const other = make();
    await other.sk.saveSettings({ apiKey: 'key1', apiSecret: SECRET });
    other.store.map.set(kiteAccounts.accessToken('key1'), JSON.stringify({ accessToken: ACCESS, userId: 'AB1234', loginTime: 0, expiresAt: 1 }));
    expect(await other.sk.restore()).toBe(false);
    expect(other.store.map.has(kiteAccounts.accessToken('key1'))).toBe(false);
  });
});
