/**
 * Kite settings and login under `serve`: this process owns the keychain (same entries as the
 * desktop app's main), and the login runs in the browser:
 *   `kiteSession.login` (over the token-guarded API) → Kite's login URL with
 *   `redirect_params=kd_state=<one-time state>`; the page navigates there;
 *   Kite → GET /kite/callback?request_token=…&kd_state=… → exchange in the engine → back to the app.
 * The callback is authenticated by the state that the login request created (there is no cookie;
 * the token lives in the page's sessionStorage). A state is random, single-use, expires after
 * 10 minutes, and only a bounded number are outstanding.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  KiteCredentialStore,
  kiteAccounts,
  readStoredKiteSession,
  type KiteEnv,
  type KiteLoginStart,
  type KiteSecretStore,
  type KiteSettingsInfo,
  type KiteSettingsInput,
  type StoredKiteSession,
} from '../contract/kite-credentials.js';
import { loginUrl } from '../adapters/kite/login.js';
import type { KiteHost } from '../runtime/kite-host.js';
import type { KiteSessionManager } from '../runtime/kite-session.js';
import type { LogFn } from '../runtime/logger.js';

export const LOGIN_STATE_PARAM = 'kd_state';
export const LOGIN_STATE_TTL_MS = 10 * 60_000;
const MAX_OUTSTANDING = 32;
const STATE_FORMAT = /^[A-Za-z0-9_-]{32,64}$/;
const REQUEST_TOKEN = /^[A-Za-z0-9_-]{6,256}$/;

const digest = (s: string) => createHash('sha256').update(s).digest('base64url');

/** One-time login states: created by each login request (kiteSession.login), consumed by the first /kite/callback that shows them. */
export class LoginStates {
  /** sha256(state) → expiry; the states themselves are not kept. */
  private readonly pending = new Map<string, number>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  create(): string {
    const t = this.now();
    for (const [k, exp] of this.pending) if (exp <= t) this.pending.delete(k);
    while (this.pending.size >= MAX_OUTSTANDING) this.pending.delete(this.pending.keys().next().value!);
    const state = randomBytes(32).toString('base64url');
    this.pending.set(digest(state), t + LOGIN_STATE_TTL_MS);
    return state;
  }

  /** True once for a state this process created and that has not expired; false for anything else. */
  consume(state: string | null): boolean {
    if (typeof state !== 'string' || !STATE_FORMAT.test(state)) return false;
    const k = digest(state);
    const exp = this.pending.get(k);
    if (exp === undefined) return false;
    this.pending.delete(k);
    return exp > this.now();
  }

  get outstanding(): number {
    return this.pending.size;
  }
}

export type CallbackOutcome = { ok: true; userId: string } | { ok: false; status: 400 | 403 | 409 | 502; message: string };

export interface ServeKiteOptions {
  kite: KiteSessionManager;
  /** The keychain (opened once; a failure is reported, nothing falls back to plain text). */
  store: () => Promise<KiteSecretStore>;
  env?: () => KiteEnv;
  /** Where this server receives Kite's redirect: http://127.0.0.1:P/kite/callback. */
  callbackUrl: () => string;
  log: LogFn;
  now?: () => number;
}

export class ServeKite implements KiteHost {
  readonly credentials: KiteCredentialStore;
  readonly states: LoginStates;
  private readonly now: () => number;
  private sessionApiKey: string | undefined;

  constructor(private readonly opts: ServeKiteOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.states = new LoginStates(this.now);
    this.credentials = new KiteCredentialStore({ store: opts.store, env: opts.env ?? (() => process.env), host: 'serve', callbackUrl: opts.callbackUrl });
    // A session that ended (06:00 IST, or Kite refused the token): its stored token goes too.
    opts.kite.onEnded((e) => void this.deleteToken(e.apiKey));
  }

  settings(): Promise<KiteSettingsInfo> {
    return this.credentials.info();
  }

  async saveSettings(input: KiteSettingsInput): Promise<KiteSettingsInfo> {
    const info = await this.credentials.save(input);
    this.opts.log('info', 'kite settings stored in the keychain', { apiKey: info.apiKeyMasked });
    return info;
  }

  async clearSettings(): Promise<KiteSettingsInfo> {
    this.opts.kite.logout();
    const info = await this.credentials.clear();
    this.opts.log('info', 'kite settings cleared from the keychain');
    return info;
  }

  /** Kite's login URL with a fresh one-time state (a secret-free error says what is missing first). */
  async startLogin(): Promise<KiteLoginStart> {
    return { via: 'redirect', url: await this.loginRedirect() };
  }

  async logout(): Promise<void> {
    const key = this.sessionApiKey ?? this.opts.kite.connection()?.apiKey;
    this.opts.kite.logout();
    if (key) await this.deleteToken(key);
    this.opts.log('info', 'kite: logged out; stored token deleted');
  }

  /** Kite's login URL with a fresh one-time state in redirect_params. */
  async loginRedirect(): Promise<string> {
    const c = await this.credentials.resolve();
    const state = this.states.create();
    return loginUrl(c.apiKey, c.loginPage, { [LOGIN_STATE_PARAM]: state });
  }

  /** GET /kite/callback: the state first, then Kite's answer, then the exchange. Messages carry no token. */
  async callback(q: URLSearchParams): Promise<CallbackOutcome> {
    if (!this.states.consume(q.get(LOGIN_STATE_PARAM))) {
      this.opts.log('warn', 'kite callback refused: unknown, used or expired login state');
      return { ok: false, status: 403, message: 'This login link is not valid (unknown, already used or older than 10 minutes). Start the login again from KiteDesk.' };
    }
    const status = q.get('status');
    if (status !== null && status !== 'success') return { ok: false, status: 400, message: 'Kite reported that the login did not succeed.' };
    const action = q.get('action');
    if (action !== null && action !== 'login') return { ok: false, status: 400, message: 'Kite sent something that is not a login.' };
    const requestToken = q.get('request_token');
    if (!requestToken || !REQUEST_TOKEN.test(requestToken)) return { ok: false, status: 400, message: 'Kite sent no usable request token.' };
    let c;
    try {
      c = await this.credentials.resolve();
    } catch (e) {
      return { ok: false, status: 409, message: (e as Error).message };
    }
    const r = await this.opts.kite.login({ apiKey: c.apiKey, requestToken, apiSecret: c.apiSecret, root: c.root });
    if (!r.ok) return { ok: false, status: 502, message: r.message };
    this.sessionApiKey = c.apiKey;
    const s: StoredKiteSession = { accessToken: r.session.accessToken, userId: r.session.userId, loginTime: r.session.loginTime, expiresAt: r.session.expiresAt };
    try {
      const store = await this.opts.store();
      await store.set(kiteAccounts.accessToken(c.apiKey), JSON.stringify(s));
    } catch (e) {
      // The session works; only a restart the same day will ask for a login again.
      this.opts.log('warn', 'kite: the session could not be kept in the keychain', { message: (e as Error).message });
    }
    return { ok: true, userId: r.session.userId };
  }

  /** At start: today's stored token (an expired or unreadable one is deleted). Returns whether a session was restored. */
  async restore(): Promise<boolean> {
    let c;
    try {
      c = await this.credentials.resolve();
    } catch {
      return false;
    }
    let stored: StoredKiteSession | null;
    try {
      stored = readStoredKiteSession(await (await this.opts.store()).get(kiteAccounts.accessToken(c.apiKey)));
    } catch {
      return false;
    }
    if (!stored) return false;
    if (this.now() >= stored.expiresAt) {
      await this.deleteToken(c.apiKey);
      return false;
    }
    const r = this.opts.kite.restore({ apiKey: c.apiKey, accessToken: stored.accessToken, userId: stored.userId, loginTime: stored.loginTime, root: c.root });
    if (r.ok) this.sessionApiKey = c.apiKey;
    return r.ok;
  }

  private async deleteToken(apiKey: string): Promise<void> {
    try {
      await (await this.opts.store()).delete(kiteAccounts.accessToken(apiKey));
    } catch {
      /* no keychain: nothing was stored */
    }
  }
}
