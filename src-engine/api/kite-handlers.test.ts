import { describe, expect, it } from 'vitest';
import { kiteDeskApi } from '../contract/api.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import { KiteCredentialStore, KiteCredentialsError, type KiteSecretStore } from '../contract/kite-credentials.js';
import type { CallContext } from '../contract/api-def.js';
import type { Engine } from '../runtime/engine.js';
import type { KiteHost } from '../runtime/kite-host.js';
import { createHandlers } from './handlers.js';

const SECRET = 'very-secret-123';
const ctx = {} as CallContext;

function memoryStore(): KiteSecretStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, get: async (a) => map.get(a) ?? null, set: async (a, s) => void map.set(a, s), delete: async (a) => map.delete(a) };
}

const engine = { status: () => ({ kite: { state: 'none' } }) } as unknown as Engine;

function hostOver(store: () => Promise<KiteSecretStore>): KiteHost & { loggedOut: number } {
  const c = new KiteCredentialStore({ store, env: () => ({}), host: 'desktop' });
  return {
    loggedOut: 0,
    settings: () => c.info(),
    saveSettings: (i) => c.save(i),
    clearSettings: () => c.clear(),
    startLogin: async () => {
      await c.resolve();
      return { via: 'window' };
    },
    async logout() {
      this.loggedOut++;
    },
  };
}

describe('kite handlers', () => {
  it('set answers the contract\'s secret-free output; the input schema refuses extra fields', async () => {
    const store = memoryStore();
    const h = createHandlers(engine, hostOver(async () => store));
    const input = kiteDeskApi.requests['kiteSettings.set'].input.parse({ apiKey: 'key1', apiSecret: ` ${SECRET} ` });
    expect(input.apiSecret).toBe(SECRET); // trimmed
    const out = await h['kiteSettings.set'](input, ctx);
    expect(kiteDeskApi.requests['kiteSettings.set'].output.parse(out)).toEqual(out);
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(kiteDeskApi.requests['kiteSettings.set'].input.safeParse({ apiKey: 'k', apiSecret: 's', accessToken: 'x' }).success).toBe(false);
    expect(await h['kiteSession.login']({}, ctx)).toEqual({ via: 'window' });
  });

  it('maps refusals to typed errors whose messages carry no secret', async () => {
    const h = createHandlers(engine, hostOver(() => Promise.reject(new Error('no keychain service is running'))));
    const e = await Promise.resolve(h['kiteSettings.set']({ apiKey: 'key1', apiSecret: SECRET }, ctx)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RpcError);
    expect((e as RpcError).code).toBe(ErrorCode.UNAVAILABLE);
    expect((e as RpcError).message).not.toContain(SECRET);
    const h2 = createHandlers(engine, hostOver(async () => memoryStore()));
    const e2 = await Promise.resolve(h2['kiteSession.login']({}, ctx)).catch((x: unknown) => x);
    expect((e2 as RpcError).code).toBe(ErrorCode.NOT_FOUND);
    expect(new KiteCredentialsError('x', 'INVALID_INPUT').code).toBe('INVALID_INPUT');
  });

  it('logout goes through the host and answers the session; without a host settings are UNAVAILABLE', async () => {
    const host = hostOver(async () => memoryStore());
    const h = createHandlers(engine, host);
    expect(await h['kiteSession.logout']({}, ctx)).toEqual({ state: 'none' });
    expect(host.loggedOut).toBe(1);
    expect(await h['kiteSession.get']({}, ctx)).toEqual({ state: 'none' });
    const bare = createHandlers(engine);
    await expect(Promise.resolve(bare['kiteSettings.get']({}, ctx))).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });
});
