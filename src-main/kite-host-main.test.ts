import { describe, expect, it } from 'vitest';
import { KiteCredentialStore, kiteAccounts, type KiteSecretStore } from '../src-engine/contract/kite-credentials.js';
import { answerKiteHostRequest, type MainKiteHostDeps } from './kite-host-main.js';

const SECRET = 'main-secret-42x';

function deps(store: KiteSecretStore, over: Partial<MainKiteHostDeps> = {}) {
  const calls: string[] = [];
  const d: MainKiteHostDeps = {
    credentials: new KiteCredentialStore({ store: async () => store, env: () => ({}), host: 'desktop' }),
    openLogin: async () => (calls.push('open'), true),
    logout: async () => void calls.push('logout'),
    onChanged: () => void calls.push('changed'),
    ...over,
  };
  return { d, calls };
}

function memoryStore(): KiteSecretStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, get: async (a) => map.get(a) ?? null, set: async (a, s) => void map.set(a, s), delete: async (a) => map.delete(a) };
}

describe('answerKiteHostRequest', () => {
  it('save stores and rebuilds; login opens the window only when configured; clear logs out first', async () => {
    const store = memoryStore();
    const { d, calls } = deps(store);
    const notYet = await answerKiteHostRequest({ type: 'kite-host-request', id: 1, op: 'login' }, d);
    expect(notYet).toMatchObject({ id: 1, ok: false, code: 'NOT_FOUND' });
    const saved = await answerKiteHostRequest({ type: 'kite-host-request', id: 2, op: 'save', settings: { apiKey: 'key9', apiSecret: SECRET } }, d);
    expect(saved).toMatchObject({ id: 2, ok: true, info: { configured: true } });
    expect(JSON.stringify(saved)).not.toContain(SECRET);
    expect(store.map.get(kiteAccounts.apiSecret('key9'))).toBe(SECRET);
    expect(await answerKiteHostRequest({ type: 'kite-host-request', id: 3, op: 'login' }, d)).toEqual({ type: 'kite-host-reply', id: 3, ok: true, login: { via: 'window' } });
    expect(await answerKiteHostRequest({ type: 'kite-host-request', id: 4, op: 'clear' }, d)).toMatchObject({ ok: true, info: { configured: false } });
    expect(calls).toEqual(['changed', 'open', 'logout', 'changed']);
    expect(store.map.size).toBe(0);
  });

  it('an unexpected failure answers INTERNAL without its message (it could quote anything)', async () => {
    const store = memoryStore();
    const { d } = deps(store, { logout: () => Promise.reject(new Error(`boom ${SECRET}`)) });
    const r = await answerKiteHostRequest({ type: 'kite-host-request', id: 5, op: 'logout' }, d);
    expect(r).toMatchObject({ ok: false, code: 'INTERNAL' });
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });
});
