/**
 * The OS keychain (macOS Keychain, Windows Credential Vault, Secret Service on Linux) through keytar.
 * Secrets live only here: never in SQLite, logs, configs, IPC to the renderer or error messages.
 * keytar is loaded lazily so the app still starts (without saved credentials) where it is missing.
 */
import { KEYCHAIN_SERVICE } from '../src-engine/contract/kite-credentials.js';

/** The service name every entry lives under: the same for main and the engine host under `serve`. */
export { KEYCHAIN_SERVICE };

export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export class KeychainError extends Error {
  constructor(
    message: string,
    readonly reason: 'unavailable' | 'locked' | 'failed',
  ) {
    super(message);
    this.name = 'KeychainError';
  }
}

interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

const ACCOUNT = /^[a-z][a-z0-9_.:-]{0,127}$/;

function checkAccount(account: string): void {
  if (!ACCOUNT.test(account)) throw new KeychainError(`invalid keychain account name "${account.slice(0, 40)}"`, 'failed');
}

/** Turn a keytar failure into a message that helps and carries no secret. */
function describe(op: string, account: string, e: unknown): KeychainError {
  const raw = e instanceof Error ? e.message : String(e);
  if (/locked collection/i.test(raw)) return new KeychainError(`keychain is locked: cannot ${op} "${account}"; unlock your keyring and retry`, 'locked');
  if (/D-Bus|org\.freedesktop\.secrets|secret service/i.test(raw)) {
    return new KeychainError(`no keychain service is running (Secret Service on D-Bus): cannot ${op} "${account}"`, 'unavailable');
  }
  return new KeychainError(`keychain ${op} of "${account}" failed`, 'failed');
}

export function keychainFrom(keytar: KeytarLike, service = KEYCHAIN_SERVICE): SecretStore {
  return {
    async get(account) {
      checkAccount(account);
      try {
        return await keytar.getPassword(service, account);
      } catch (e) {
        throw describe('read', account, e);
      }
    },
    async set(account, secret) {
      checkAccount(account);
      if (typeof secret !== 'string' || secret.length === 0 || secret.length > 4096) throw new KeychainError(`refusing to store an empty or oversize secret for "${account}"`, 'failed');
      try {
        await keytar.setPassword(service, account, secret);
      } catch (e) {
        throw describe('write', account, e);
      }
    },
    async delete(account) {
      checkAccount(account);
      try {
        return await keytar.deletePassword(service, account);
      } catch (e) {
        throw describe('delete', account, e);
      }
    },
  };
}

export type KeytarLoader = () => Promise<unknown>;

/** The real loader: keytar's native module, resolved at run time (see keytar-shim.d.ts for its types). */
const loadKeytar: KeytarLoader = () => import('keytar');

/**
 * Load keytar and return the store, or a KeychainError('unavailable') saying why. A missing or
 * unbuilt keytar is a runtime condition (the app starts without saved credentials), never a compile
 * error; the loader is injectable for tests.
 */
export async function openKeychain(service = KEYCHAIN_SERVICE, load: KeytarLoader = loadKeytar): Promise<SecretStore> {
  let keytar: KeytarLike;
  try {
    const mod = (await load()) as Partial<KeytarLike> & { default?: Partial<KeytarLike> };
    const api = mod.default && typeof mod.default.getPassword === 'function' ? mod.default : mod;
    if (typeof api.getPassword !== 'function' || typeof api.setPassword !== 'function' || typeof api.deletePassword !== 'function') {
      throw new Error('the keytar module has no getPassword/setPassword/deletePassword');
    }
    keytar = api as KeytarLike;
  } catch (e) {
    throw new KeychainError(`the OS keychain is unavailable: ${whyKeytarFailed(e)}; saved credentials cannot be used`, 'unavailable');
  }
  return keychainFrom(keytar, service);
}

/** A one-line, secret-free reason for a failed keytar load, naming the fix. */
function whyKeytarFailed(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package) 'keytar'/.test(raw)) {
    return 'keytar is not installed (it builds only where libsecret-1-dev is present on Linux: apt-get install -y libsecret-1-dev, then npm rebuild keytar or npm install)';
  }
  if (/NODE_MODULE_VERSION|invalid ELF|wrong ELF class|did not self-register|libsecret/i.test(raw)) {
    return `keytar's native module did not load (${raw.split('\n')[0]!.slice(0, 160)}); run npm rebuild keytar`;
  }
  return `keytar did not load (${raw.split('\n')[0]!.slice(0, 160)})`;
}
