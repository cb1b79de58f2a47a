import { describe, expect, it } from 'vitest';
import { kiteAccounts, type KiteSecretStore } from '../contract/kite-credentials.js';
import { cliKiteSession } from './kite-cli-session.js';

function store(entries: Record<string, string>): () => Promise<KiteSecretStore> {
  return async () => ({
    get: async (a) => entries[a] ?? null,
    set: async () => {},
    delete: async () => true,
  });
}

const now = Date.parse('2026-12-07T10:00:00+05:30');
const stored = (expiresAt: number) => JSON.stringify({ accessToken: 'tok-from-keychain', userId: 'AB1234', loginTime: now - 3_600_000, expiresAt });

describe('the Kite session of a one-shot command', () => {
  it('takes the environment over the keychain; the root only over https or loopback', async () => {
    const env = { KITEDESK_KITE_API_KEY: 'k1', KITEDESK_KITE_ACCESS_TOKEN: 'tok-env', KITEDESK_KITE_ROOT: 'http://127.0.0.1:9/' };
    const failing = async (): Promise<KiteSecretStore> => Promise.reject(new Error('must not be opened'));
    expect(await cliKiteSession({ env, store: failing, now: () => now })).toEqual({ apiKey: 'k1', accessToken: 'tok-env', root: 'http://127.0.0.1:9', from: 'env' });
    await expect(cliKiteSession({ env: { ...env, KITEDESK_KITE_ROOT: 'http://example.com' }, store: failing })).rejects.toThrow(/KITEDESK_KITE_ROOT is ignored/);
  });

  it("reads today's stored session for the keychain's api_key; says what is missing without a secret", async () => {
    const entries = { [kiteAccounts.apiKey]: 'k2', [kiteAccounts.accessToken('k2')]: stored(now + 3_600_000) };
    expect(await cliKiteSession({ env: {}, store: store(entries), now: () => now })).toEqual({ apiKey: 'k2', accessToken: 'tok-from-keychain', root: undefined, from: 'keychain' });
    await expect(cliKiteSession({ env: {}, store: store({ ...entries, [kiteAccounts.accessToken('k2')]: stored(now - 1) }), now: () => now })).rejects.toThrow(/expired at 06:00 IST/);
    await expect(cliKiteSession({ env: {}, store: store({ [kiteAccounts.apiKey]: 'k2' }), now: () => now })).rejects.toThrow(/no Kite session for this api_key: log in/);
    await expect(cliKiteSession({ env: {}, store: store({}), now: () => now })).rejects.toThrow(/no Kite api_key/);
    const e = await cliKiteSession({ env: {}, store: () => Promise.reject(new Error('no keychain service is running')) }).catch((x: Error) => x);
    expect((e as Error).message).toMatch(/no Kite session: the OS keychain is unavailable \(no keychain service is running\)/);
    expect((e as Error).message).not.toContain('tok-');
  });
});
