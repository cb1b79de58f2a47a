import { describe, expect, it } from 'vitest';
import { KeychainError, keychainFrom } from './keychain.js';

const SECRET = 'sk_live_DO_NOT_LEAK_1234567890';

function failing(message: string) {
  const boom = () => Promise.reject(new Error(`${message} (while handling ${SECRET})`));
  return { getPassword: boom, setPassword: boom, deletePassword: boom };
}

describe('keychain wrapper', () => {
  it('round-trips through the backing store under the KiteDesk service', async () => {
    const m = new Map<string, string>();
    const k = keychainFrom({
      getPassword: async (s, a) => m.get(`${s}/${a}`) ?? null,
      setPassword: async (s, a, p) => void m.set(`${s}/${a}`, p),
      deletePassword: async (s, a) => m.delete(`${s}/${a}`),
    });
    await k.set('kite:api_secret:abc', SECRET);
    expect(m.get('KiteDesk/kite:api_secret:abc')).toBe(SECRET);
    expect(await k.get('kite:api_secret:abc')).toBe(SECRET);
    expect(await k.delete('kite:api_secret:abc')).toBe(true);
    expect(await k.get('kite:api_secret:abc')).toBeNull();
  });

  it.each([
    ['Cannot create an item in a locked collection', 'locked'],
    ['Cannot autolaunch D-Bus without X11 $DISPLAY', 'unavailable'],
    ['something else', 'failed'],
  ])('maps "%s" to a %s error that never carries the secret', async (msg, reason) => {
    const k = keychainFrom(failing(msg));
    const e = await k.set('kite:access_token:ab1234', SECRET).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KeychainError);
    expect((e as KeychainError).reason).toBe(reason);
    expect((e as Error).message).toContain('kite:access_token:ab1234');
    expect((e as Error).message).not.toContain(SECRET);
  });

  it('refuses odd account names and empty secrets before touching the store', async () => {
    let touched = false;
    const k = keychainFrom({
      getPassword: async () => ((touched = true), null),
      setPassword: async () => void (touched = true),
      deletePassword: async () => ((touched = true), false),
    });
    await expect(k.get('../../etc')).rejects.toThrow(KeychainError);
    await expect(k.set('kite:x', '')).rejects.toThrow(KeychainError);
    expect(touched).toBe(false);
  });
});
