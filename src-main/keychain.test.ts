import { describe, expect, it } from 'vitest';
import { KeychainError, keychainFrom, openKeychain } from './keychain.js';

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

describe('openKeychain: keytar missing or broken is a runtime error, not a compile error', () => {
  const notFound = () => Promise.reject(Object.assign(new Error("Cannot find package 'keytar' imported from /app/main.cjs"), { code: 'ERR_MODULE_NOT_FOUND' }));
  const wrongAbi = () =>
    Promise.reject(new Error('The module keytar.node was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version requires NODE_MODULE_VERSION 145.'));

  it('says the OS keychain is unavailable and how to get keytar when the package is absent', async () => {
    const e = await openKeychain('KiteDesk', notFound).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KeychainError);
    expect((e as KeychainError).reason).toBe('unavailable');
    expect((e as Error).message).toMatch(/^the OS keychain is unavailable: keytar is not installed/);
    expect((e as Error).message).toContain('libsecret-1-dev');
  });

  it('names a native load failure and the rebuild that fixes it', async () => {
    const e = (await openKeychain('KiteDesk', wrongAbi).catch((x: unknown) => x)) as KeychainError;
    expect(e.reason).toBe('unavailable');
    expect(e.message).toMatch(/the OS keychain is unavailable: keytar's native module did not load .*NODE_MODULE_VERSION 115.*npm rebuild keytar/);
  });

  it('refuses a module without the keytar API', async () => {
    const e = (await openKeychain('KiteDesk', async () => ({ default: {} })).catch((x: unknown) => x)) as KeychainError;
    expect(e.message).toMatch(/unavailable: keytar did not load \(the keytar module has no getPassword/);
  });

  it('uses the default export of the ESM wrapper, or the CJS namespace', async () => {
    const m = new Map<string, string>();
    const api = {
      getPassword: async (s: string, a: string) => m.get(`${s}/${a}`) ?? null,
      setPassword: async (s: string, a: string, p: string) => void m.set(`${s}/${a}`, p),
      deletePassword: async (s: string, a: string) => m.delete(`${s}/${a}`),
    };
    for (const mod of [{ default: api }, api]) {
      const k = await openKeychain('KiteDesk-t', async () => mod);
      await k.set('kite:x', 'v');
      expect(await k.get('kite:x')).toBe('v');
      expect(m.get('KiteDesk-t/kite:x')).toBe('v');
    }
  });
});
