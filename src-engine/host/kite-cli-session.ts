/**
 * The Kite session of a one-shot command (`kitedesk backtest --kite`, `kitedesk optimize --kite`): the
 * access token of today's login, as `serve` restores it at start (kite-serve.ts) — the environment
 * over the OS keychain:
 *   api_key        KITEDESK_KITE_API_KEY, else the keychain's (Settings → Kite);
 *   access token   KITEDESK_KITE_ACCESS_TOKEN (headless use and tests), else the session the app or
 *                  `kitedesk serve` stored in the keychain at login (valid until 06:00 IST);
 *   REST root      KITEDESK_KITE_ROOT (https, or http on this machine: `kitedesk sim`), else Kite's.
 * The command never logs in by itself. Errors say what is missing and never carry a secret.
 */
import { kiteAccounts, kiteEndpointOverride, readStoredKiteSession, type KiteEnv, type KiteSecretStore } from '../contract/kite-credentials.js';
import { registerSecret } from '../adapters/kite/errors.js';
import { openHostKeychain } from './keychain.js';

export interface CliKiteSession {
  apiKey: string;
  /** Secret: for the client only, never printed or written. */
  accessToken: string;
  /** REST root without a trailing slash (undefined: Kite's). */
  root: string | undefined;
  /** Where the token came from. */
  from: 'env' | 'keychain';
}

export class KiteSessionMissingError extends Error {
  override readonly name = 'KiteSessionMissingError';
}

const KEY = /^[A-Za-z0-9_-]{1,64}$/;
const LOGIN_HINT = 'log in to Kite from the app (Settings → Kite) or through `kitedesk serve` first (the session is kept in the keychain until 06:00 IST), or set KITEDESK_KITE_ACCESS_TOKEN';

export async function cliKiteSession(o: { env?: KiteEnv; store?: () => Promise<KiteSecretStore>; now?: () => number } = {}): Promise<CliKiteSession> {
  const env = o.env ?? process.env;
  const now = o.now ?? (() => Date.now());
  const v = (name: string) => env[name]?.trim() || undefined;
  const rootRaw = v('KITEDESK_KITE_ROOT');
  const root = kiteEndpointOverride(env, 'KITEDESK_KITE_ROOT')?.replace(/\/+$/, '');
  if (rootRaw !== undefined && root === undefined) throw new KiteSessionMissingError('KITEDESK_KITE_ROOT is ignored: only an https address, or http on this machine (127.0.0.1, localhost), is used; unset it or fix it');
  let apiKey = v('KITEDESK_KITE_API_KEY');
  let accessToken = v('KITEDESK_KITE_ACCESS_TOKEN');
  let from: CliKiteSession['from'] = 'env';
  if (apiKey === undefined || accessToken === undefined) {
    let store: KiteSecretStore;
    try {
      store = await (o.store ?? (() => openHostKeychain()))();
    } catch (e) {
      throw new KiteSessionMissingError(`no Kite session: the OS keychain is unavailable (${(e as Error).message.slice(0, 200)}); set KITEDESK_KITE_API_KEY and KITEDESK_KITE_ACCESS_TOKEN instead`);
    }
    try {
      apiKey ??= (await store.get(kiteAccounts.apiKey)) ?? undefined;
      if (apiKey === undefined) throw new KiteSessionMissingError('no Kite api_key: enter it in the app (Settings → Kite) or set KITEDESK_KITE_API_KEY');
      if (!KEY.test(apiKey)) throw new KiteSessionMissingError('the Kite api_key is not valid (letters, digits, _ and -)');
      if (accessToken === undefined) {
        const stored = readStoredKiteSession(await store.get(kiteAccounts.accessToken(apiKey)));
        if (!stored) throw new KiteSessionMissingError(`no Kite session for this api_key: ${LOGIN_HINT}`);
        if (now() >= stored.expiresAt) throw new KiteSessionMissingError(`the stored Kite session expired at 06:00 IST: ${LOGIN_HINT}`);
        accessToken = stored.accessToken;
        from = 'keychain';
      }
    } catch (e) {
      if (e instanceof KiteSessionMissingError) throw e;
      throw new KiteSessionMissingError(`the keychain could not be read: ${(e as Error).message.slice(0, 200)}`);
    }
  }
  if (!KEY.test(apiKey)) throw new KiteSessionMissingError('KITEDESK_KITE_API_KEY is not a valid api_key (letters, digits, _ and -)');
  registerSecret(accessToken); // masked in any Kite error text from here on
  return { apiKey, accessToken, root, from };
}
