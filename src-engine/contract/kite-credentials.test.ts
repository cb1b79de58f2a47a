import { describe, expect, it } from 'vitest';
import { KiteCredentialStore, KiteCredentialsError, isAllowedKiteEndpoint, kiteAccounts, kiteEnvForHost, kiteSettingsInfoSchema, maskApiKey, readStoredKiteSession, type KiteSecretStore } from './kite-credentials.js';

const SECRET = 'S3cr3t-value-abc';

function memoryStore(): KiteSecretStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, get: async (a) => map.get(a) ?? null, set: async (a, s) => void map.set(a, s), delete: async (a) => map.delete(a) };
}

const make = (store: () => Promise<KiteSecretStore>, env: Record<string, string> = {}, host: 'desktop' | 'serve' = 'desktop') =>
  new KiteCredentialStore({ store, env: () => env, host });

describe('KiteCredentialStore', () => {
  it('stores key, secret and redirect URL under the shared account names and answers only a masked view', async () => {
    const s = memoryStore();
    const c = make(async () => s);
    const info = await c.save({ apiKey: 'AbCdEf123', apiSecret: SECRET, redirectUrl: 'http://127.0.0.1:8765/kite/callback' });
    expect(kiteSettingsInfoSchema.parse(info)).toEqual(info);
    expect(info).toMatchObject({ apiKeyMasked: 'AbCd•••23', hasSecret: true, configured: true, redirectUrlSource: 'keychain', keychain: { available: true } });
    expect(JSON.stringify(info)).not.toContain(SECRET);
    expect(JSON.stringify(info)).not.toContain('AbCdEf123');
    expect(s.map.get('kite:api_secret:abcdef123')).toBe(SECRET);
    expect(s.map.get('kite:api_key')).toBe('AbCdEf123');
    expect(s.map.get('kite:redirect_url')).toBe('http://127.0.0.1:8765/kite/callback');
    expect(await c.resolve()).toMatchObject({ apiKey: 'AbCdEf123', apiSecret: SECRET, loginPage: 'https://kite.zerodha.com/connect/login', root: undefined });
  });

  it('a new api key replaces the old one, its secret and its session', async () => {
    const s = memoryStore();
    const c = make(async () => s);
    await c.save({ apiKey: 'old1', apiSecret: SECRET });
    s.map.set(kiteAccounts.accessToken('old1'), '{}');
    await c.save({ apiKey: 'new2', apiSecret: 'other-secret' });
    expect([...s.map.keys()].sort()).toEqual(['kite:api_key', 'kite:api_secret:new2']);
  });

  it('clear deletes every entry, the session too', async () => {
    const s = memoryStore();
    const c = make(async () => s);
    await c.save({ apiKey: 'k1', apiSecret: SECRET, redirectUrl: 'https://example.com/cb' });
    s.map.set(kiteAccounts.accessToken('k1'), '{}');
    const info = await c.clear();
    expect(s.map.size).toBe(0);
    expect(info).toMatchObject({ configured: false, hasSecret: false, apiKeyMasked: null });
  });

  it('without a keychain: says why, refuses to store, and nothing is kept anywhere', async () => {
    const c = make(() => Promise.reject(new Error('no keychain service is running (Secret Service on D-Bus)')));
    const info = await c.info();
    expect(info.keychain).toEqual({ available: false, message: 'no keychain service is running (Secret Service on D-Bus)' });
    const e = await c.save({ apiKey: 'k1', apiSecret: SECRET }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KiteCredentialsError);
    expect((e as KiteCredentialsError).code).toBe('UNAVAILABLE');
    expect((e as Error).message).toContain('never keeps Kite credentials in plain text');
    expect((e as Error).message).not.toContain(SECRET);
    await expect(c.resolve()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('invalid input is refused without echoing the secret', async () => {
    const c = make(async () => memoryStore());
    const e = await c.save({ apiKey: 'bad key', apiSecret: `${SECRET} with spaces` }).catch((x: unknown) => x);
    expect((e as KiteCredentialsError).code).toBe('INVALID_INPUT');
    expect((e as Error).message).not.toContain(SECRET);
    const e2 = await c.save({ apiKey: 'k', apiSecret: SECRET, redirectUrl: 'javascript:alert(1)' }).catch((x: unknown) => x);
    expect((e2 as KiteCredentialsError).code).toBe('INVALID_INPUT');
  });

  it('a failing keychain write gives the store\'s secret-free reason', async () => {
    const s = memoryStore();
    s.set = () => Promise.reject(new Error('the keychain is locked: cannot write "kite:api_secret:k"'));
    const e = await make(async () => s).save({ apiKey: 'k', apiSecret: SECRET }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/storing the Kite settings in the keychain failed: the keychain is locked/);
  });

  it('env vars override the keychain; KITEDESK_KITE_ROOT makes the simulator the login page', async () => {
    const s = memoryStore();
    const c = make(async () => s, { KITEDESK_KITE_API_KEY: 'envkey', KITEDESK_KITE_API_SECRET: 'env-secret', KITEDESK_KITE_ROOT: 'http://127.0.0.1:7777' });
    await c.save({ apiKey: 'stored', apiSecret: SECRET });
    const info = await c.info();
    expect(info).toMatchObject({ apiKeySource: 'env', secretSource: 'env', loginPage: 'http://127.0.0.1:7777/connect/login', root: 'http://127.0.0.1:7777' });
    expect(await c.resolve()).toMatchObject({ apiKey: 'envkey', apiSecret: 'env-secret', root: 'http://127.0.0.1:7777' });
    // both from env: no keychain needed at all
    const noKeychain = make(() => Promise.reject(new Error('none')), { KITEDESK_KITE_API_KEY: 'envkey', KITEDESK_KITE_API_SECRET: 'env-secret' });
    expect((await noKeychain.resolve()).apiSecret).toBe('env-secret');
  });

  it('serve: warns when the saved redirect URL is not where it listens', async () => {
    const s = memoryStore();
    const c = new KiteCredentialStore({ store: async () => s, env: () => ({}), host: 'serve', callbackUrl: () => 'http://127.0.0.1:9000/kite/callback' });
    expect((await c.info()).warnings).toEqual([]);
    await c.save({ apiKey: 'k', apiSecret: SECRET, redirectUrl: 'http://127.0.0.1:8765/kite/callback' });
    const info = await c.info();
    expect(info.registerRedirectUrl).toBe('http://127.0.0.1:9000/kite/callback');
    expect(info.warnings[0]).toContain('http://127.0.0.1:9000/kite/callback');
  });

  it('missing credentials are named', async () => {
    await expect(make(async () => memoryStore()).resolve()).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('api_key') });
  });
});

describe('helpers', () => {
  it('maskApiKey keeps short keys fully hidden', () => {
    expect(maskApiKey('abc')).toBe('•••');
    expect(maskApiKey('abcdefghijklmnop')).toBe('abcd••••••••op');
  });
  it('readStoredKiteSession refuses anything malformed', () => {
    expect(readStoredKiteSession('{"accessToken":"a","userId":"u","loginTime":1,"expiresAt":2}')).toEqual({ accessToken: 'a', userId: 'u', loginTime: 1, expiresAt: 2 });
    expect(readStoredKiteSession('{"accessToken":"a"}')).toBeNull();
    expect(readStoredKiteSession('not json')).toBeNull();
    expect(readStoredKiteSession(null)).toBeNull();
  });
});

describe('Kite endpoint overrides (KITEDESK_KITE_ROOT, KITEDESK_KITE_LOGIN_URL): https or loopback only', () => {
  it('accepts https anywhere and http on loopback only', () => {
    for (const u of ['https://kite.example', 'https://10.0.0.5:8443/x', 'http://127.0.0.1:9000', 'http://localhost:80', 'http://[::1]:1', 'http://127.8.9.1']) expect(isAllowedKiteEndpoint(u), u).toBe(true);
    for (const u of ['http://kite.example', 'http://10.0.0.5', 'http://127.0.0.1.evil.example', 'ftp://127.0.0.1', 'javascript:alert(1)', 'not a url', 'http://localhost.evil.example']) expect(isAllowedKiteEndpoint(u), u).toBe(false);
  });

  it('the store ignores a plain-http remote root (it would receive the access token) and says so', async () => {
    const c = make(async () => memoryStore(), { KITEDESK_KITE_API_KEY: 'key12345', KITEDESK_KITE_API_SECRET: SECRET, KITEDESK_KITE_ROOT: 'http://kite.example', KITEDESK_KITE_LOGIN_URL: 'http://evil.example/login' });
    const r = await c.resolve();
    expect(r.root).toBeUndefined();
    expect(r.loginPage).toBe('https://kite.zerodha.com/connect/login');
    const info = await c.info();
    expect(info.root).toBeUndefined();
    expect(info.warnings.join(' ')).toMatch(/KITEDESK_KITE_ROOT.*ignored/);
    expect(info.warnings.join(' ')).toMatch(/KITEDESK_KITE_LOGIN_URL.*ignored/);
  });

  it('a loopback root (the simulator) is honoured', async () => {
    const c = make(async () => memoryStore(), { KITEDESK_KITE_API_KEY: 'key12345', KITEDESK_KITE_API_SECRET: SECRET, KITEDESK_KITE_ROOT: 'http://127.0.0.1:7000/' });
    expect(await c.resolve()).toMatchObject({ root: 'http://127.0.0.1:7000', loginPage: 'http://127.0.0.1:7000/connect/login' });
  });

  it('the packaged app drops both overrides (the other KITEDESK_KITE_* stay)', () => {
    const env = { KITEDESK_KITE_ROOT: 'https://kite.example', KITEDESK_KITE_LOGIN_URL: 'https://kite.example/l', KITEDESK_KITE_API_KEY: 'k', PATH: '/bin' };
    expect(kiteEnvForHost(env, { packaged: true })).toEqual({ KITEDESK_KITE_API_KEY: 'k', PATH: '/bin' });
    expect(kiteEnvForHost(env, { packaged: false })).toEqual(env);
  });
});
