/**
 * The OS keychain for the engine host under `serve` (in the desktop app main owns it:
 * src-main/keychain.ts). Same service and account names (contract/kite-credentials.ts), so both
 * hosts see the same entries. keytar is loaded lazily: where it is missing or no Secret Service
 * runs, opening fails with a secret-free reason and nothing is stored anywhere else.
 */
import { KEYCHAIN_SERVICE, type KiteSecretStore } from '../contract/kite-credentials.js';

interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

const ACCOUNT = /^[a-z][a-z0-9_.:-]{0,127}$/;

/** keytar's errors may quote what it was given; only a classification crosses. */
function describe(op: string, account: string, e: unknown): Error {
  const raw = e instanceof Error ? e.message : String(e);
  if (/locked collection/i.test(raw)) return new Error(`the keychain is locked: cannot ${op} "${account}"; unlock your keyring and retry`);
  if (/D-Bus|org\.freedesktop\.secrets|secret service/i.test(raw)) return new Error(`no keychain service is running (Secret Service on D-Bus): cannot ${op} "${account}"`);
  return new Error(`keychain ${op} of "${account}" failed`);
}

export function keychainFrom(keytar: KeytarLike, service = KEYCHAIN_SERVICE): KiteSecretStore {
  const check = (account: string) => {
    if (!ACCOUNT.test(account)) throw new Error('invalid keychain account name');
  };
  return {
    async get(account) {
      check(account);
      return keytar.getPassword(service, account).catch((e: unknown) => Promise.reject(describe('read', account, e)));
    },
    async set(account, secret) {
      check(account);
      if (typeof secret !== 'string' || secret.length === 0 || secret.length > 4096) throw new Error(`refusing to store an empty or oversize secret for "${account}"`);
      return keytar.setPassword(service, account, secret).catch((e: unknown) => Promise.reject(describe('write', account, e)));
    },
    async delete(account) {
      check(account);
      return keytar.deletePassword(service, account).catch((e: unknown) => Promise.reject(describe('delete', account, e)));
    },
  };
}

/** Load keytar, and check that a Secret Service answers (a read), or fail with why. */
/** keytar is optional (dropped where libsecret was missing at install): resolved at run time only, so the typecheck never needs it. */
const KEYTAR = 'keytar';

export async function openHostKeychain(load: () => Promise<unknown> = () => import(KEYTAR), service = KEYCHAIN_SERVICE): Promise<KiteSecretStore> {
  let api: KeytarLike;
  try {
    const mod = (await load()) as Partial<KeytarLike> & { default?: Partial<KeytarLike> };
    const k = mod.default && typeof mod.default.getPassword === 'function' ? mod.default : mod;
    if (typeof k.getPassword !== 'function' || typeof k.setPassword !== 'function' || typeof k.deletePassword !== 'function') throw new Error('no keytar API');
    api = k as KeytarLike;
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    const missing = /Cannot find (module|package) 'keytar'/.test(raw) || (e as { code?: string } | null)?.code === 'ERR_MODULE_NOT_FOUND';
    throw new Error(
      missing
        ? 'keytar is not installed (on Linux it needs libsecret-1-dev: apt-get install -y libsecret-1-dev, then npm rebuild keytar)'
        : `keytar did not load (${raw.split('\n')[0]!.slice(0, 160)}); run npm rebuild keytar`,
    );
  }
  const store = keychainFrom(api, service);
  // A read proves a Secret Service answers (keytar loads fine without one).
  await store.get('kite:probe').catch((e: unknown) => {
    throw new Error((e as Error).message.replace(/: cannot read "kite:probe"/, ''));
  });
  return store;
}
