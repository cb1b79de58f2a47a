/**
 * The OS keychain (macOS Keychain, Windows Credential Vault, Secret Service on Linux) through keytar.
 * Secrets live only here: never in SQLite, logs, configs, IPC to the renderer or error messages.
 * keytar is loaded lazily so the app still starts (without saved credentials) where it is missing.
 */
export const KEYCHAIN_SERVICE = 'KiteDesk';

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

/** Load keytar and return the store, or a KeychainError('unavailable') saying why. */
export async function openKeychain(service = KEYCHAIN_SERVICE): Promise<SecretStore> {
  let keytar: KeytarLike;
  try {
    const mod = (await import('keytar')) as unknown as KeytarLike & { default?: KeytarLike };
    keytar = mod.default ?? mod;
  } catch {
    throw new KeychainError('keytar is not installed or did not build (Linux needs libsecret-1-dev); saved credentials are unavailable', 'unavailable');
  }
  return keychainFrom(keytar, service);
}
