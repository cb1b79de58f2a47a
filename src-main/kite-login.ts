/**
 * Kite Connect login, main-process side (kite-protocol.md §2.4), without Electron so every decision
 * is unit-tested in plain Node:
 * - {@link KiteLoginFlow}: what the login window may navigate to (Kite's own https pages only) and
 *   the request_token read from the final redirect to the app's registered redirect URL;
 * - {@link KiteAuth}: the keychain and the engine: api_secret is read from the keychain only when a
 *   request_token is in hand and goes straight to the engine (`kite-login`); the access token the
 *   engine sends back (`kite-session`) is kept in the keychain until its 06:00 IST expiry and handed
 *   to every new engine incarnation (`kite-session-restore`).
 * Secrets never go to a window, a log line or an error message here; only the private control
 * channel to the engine carries them.
 */
import type { EngineToMain, MainToEngine } from '../src-engine/contract/control.js';
import { kiteApiKeySchema } from '../src-engine/contract/control.js';
import { kiteAccounts } from '../src-engine/contract/kite-credentials.js';
import type { SecretStore } from './keychain.js';

/** Pages of Kite's login (and its 2FA steps) the login window may show. Exact origins: https, default port. */
export const KITE_LOGIN_ORIGINS: readonly string[] = Object.freeze(['https://kite.zerodha.com', 'https://kite.trade']);
export const KITE_LOGIN_URL = 'https://kite.zerodha.com/connect/login';

/** Keychain accounts: shared with the engine host under `serve` (contract/kite-credentials.ts), so both see the same entries. */
export { kiteAccounts } from '../src-engine/contract/kite-credentials.js';

export type KiteLoginFailureReason = 'malformed_url' | 'not_success' | 'bad_action' | 'missing_token' | 'bad_token';

export type KiteLoginOutcome = { ok: true; requestToken: string } | { ok: false; reason: KiteLoginFailureReason; message: string };

export type NavigationDecision =
  /** A Kite login page: let it load. */
  | { action: 'allow' }
  /** Anything else: block it. */
  | { action: 'deny'; reason: string }
  /** The redirect to the app's URL: block it (nothing should load it), close the window, use `outcome`. */
  | { action: 'finish'; outcome: KiteLoginOutcome };

function parse(raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 8192) return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

const REQUEST_TOKEN = /^[A-Za-z0-9_-]{6,256}$/;

/**
 * Reads Kite's redirect: `status=success`, `action=login` and a plain `request_token` are all
 * required; anything else is a typed failure whose message names no token.
 */
export function parseKiteRedirect(raw: string): KiteLoginOutcome {
  const u = parse(raw);
  if (!u) return { ok: false, reason: 'malformed_url', message: 'Kite redirected to something that is not a URL' };
  const q = u.searchParams;
  const status = q.get('status');
  if (status !== 'success') return { ok: false, reason: 'not_success', message: `Kite login did not succeed (status ${JSON.stringify((status ?? 'missing').slice(0, 40))})` };
  const action = q.get('action');
  if (action !== 'login') return { ok: false, reason: 'bad_action', message: `Kite redirect is not a login (action ${JSON.stringify((action ?? 'missing').slice(0, 40))})` };
  const token = q.get('request_token');
  if (!token) return { ok: false, reason: 'missing_token', message: 'Kite redirect carries no request_token' };
  if (!REQUEST_TOKEN.test(token)) return { ok: false, reason: 'bad_token', message: 'Kite redirect carries a malformed request_token' };
  return { ok: true, requestToken: token };
}

export interface KiteLoginFlowOptions {
  /** The redirect URL registered for the Kite app (developers.kite.trade). http(s) only. */
  redirectUrl: string;
  /** Origins the window may show; default {@link KITE_LOGIN_ORIGINS}. The simulator's origin in development. */
  loginOrigins?: readonly string[];
}

/** Decides every navigation of the login window. One instance per window. */
export class KiteLoginFlow {
  private readonly redirect: URL;
  private readonly origins: ReadonlySet<string>;
  private finished = false;

  constructor(opts: KiteLoginFlowOptions) {
    const r = parse(opts.redirectUrl);
    if (!r || (r.protocol !== 'https:' && r.protocol !== 'http:') || r.username || r.password) {
      throw new Error('Kite redirect URL must be an http(s) URL without credentials');
    }
    this.redirect = r;
    const origins = new Set<string>();
    for (const o of opts.loginOrigins ?? KITE_LOGIN_ORIGINS) {
      const u = parse(o);
      if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw new Error(`not a login origin: ${o.slice(0, 100)}`);
      origins.add(u.origin);
    }
    this.origins = origins;
  }

  /** True once the redirect was seen: every later navigation is denied. */
  get done(): boolean {
    return this.finished;
  }

  isRedirect(u: URL): boolean {
    const r = this.redirect;
    return u.protocol === r.protocol && u.hostname === r.hostname && u.port === r.port && u.pathname === r.pathname && !u.username && !u.password;
  }

  decide(raw: unknown): NavigationDecision {
    if (this.finished) return { action: 'deny', reason: 'login already finished' };
    const u = parse(raw);
    if (!u) return { action: 'deny', reason: 'not a URL' };
    if (this.isRedirect(u)) {
      this.finished = true;
      return { action: 'finish', outcome: parseKiteRedirect(u.href) };
    }
    if (u.username || u.password) return { action: 'deny', reason: 'credentials in URL' };
    // Exact origin: scheme, host and port (the default port normalises away), so look-alikes
    // (kite.zerodha.com.evil.com, kite.zerodha.com@evil.com, http://kite.zerodha.com) are refused.
    if (this.origins.has(u.origin)) return { action: 'allow' };
    return { action: 'deny', reason: `${u.protocol}//${u.host} is not a Kite login page` };
  }
}

/** The URL the login window opens: `<base>?v=3&api_key=<key>`. */
export function kiteLoginUrl(apiKey: string, base: string = KITE_LOGIN_URL): string {
  const u = new URL(base);
  u.searchParams.set('v', '3');
  u.searchParams.set('api_key', apiKey);
  return u.toString();
}

/**
 * webPreferences of the login window: a remote page, so no preload at all, a sandbox, and an
 * in-memory partition of its own (no cookie of Kite's outlives the window, none reaches the app's
 * session). The partition name has no `persist:` prefix, which is what keeps it in memory.
 */
export function buildKiteLoginWebPreferences(partition: string) {
  if (partition.startsWith('persist:')) throw new Error('the Kite login partition must be in-memory');
  return Object.freeze({
    partition,
    sandbox: true as const,
    contextIsolation: true as const,
    nodeIntegration: false as const,
    nodeIntegrationInWorker: false as const,
    nodeIntegrationInSubFrames: false as const,
    webSecurity: true as const,
    allowRunningInsecureContent: false as const,
    experimentalFeatures: false as const,
    webviewTag: false as const,
    enableWebSQL: false as const,
    navigateOnDragDrop: false as const,
    safeDialogs: true as const,
    spellcheck: false as const,
    devTools: false as const,
    disableBlinkFeatures: 'Auxclick' as const,
  });
}

// ------------------------------------------------------------------------------------------------
// KiteAuth: keychain ↔ engine

export interface KiteSettings {
  apiKey: string;
  /** The app's registered redirect URL. */
  redirectUrl: string;
  /** Login page base (the simulator's /connect/login in development). */
  loginUrl?: string;
  /** REST root the engine should use (the simulator in development). */
  root?: string;
}

/** What main keeps in the keychain for a session (JSON under kiteAccounts.accessToken). */
interface StoredSession {
  accessToken: string;
  userId: string;
  loginTime: number;
  expiresAt: number;
}

function readStored(raw: string | null): StoredSession | null {
  if (!raw) return null;
  try {
    const o = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof o.accessToken !== 'string' || !o.accessToken || typeof o.userId !== 'string' || !o.userId) return null;
    if (!Number.isSafeInteger(o.loginTime) || !Number.isSafeInteger(o.expiresAt)) return null;
    return { accessToken: o.accessToken, userId: o.userId, loginTime: o.loginTime!, expiresAt: o.expiresAt! };
  } catch {
    return null;
  }
}

type KiteMessage = Extract<EngineToMain, { type: 'kite-session' | 'kite-login-failed' | 'kite-session-ended' }>;

export interface KiteAuthDeps {
  secrets: () => Promise<SecretStore>;
  engine: { postMessage(message: MainToEngine): boolean };
  settings: KiteSettings;
  clock?: { now(): number };
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** A problem the person should see (secret-free). */
  onProblem?: (message: string) => void;
  /** The api_secret when it comes from elsewhere (KITEDESK_KITE_API_SECRET); default: the keychain. */
  apiSecret?: () => string | undefined;
}

export class KiteAuth {
  private readonly clock: { now(): number };
  private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;

  constructor(private readonly deps: KiteAuthDeps) {
    if (!kiteApiKeySchema.safeParse(deps.settings.apiKey).success) throw new Error('invalid Kite api_key in the settings');
    this.clock = deps.clock ?? { now: () => Date.now() };
    this.log = deps.log ?? (() => {});
  }

  get settings(): KiteSettings {
    return this.deps.settings;
  }

  private problem(message: string): void {
    this.log('warn', `kite: ${message}`);
    this.deps.onProblem?.(message);
  }

  private async store(): Promise<SecretStore | null> {
    try {
      return await this.deps.secrets();
    } catch (e) {
      this.problem(`the keychain is unavailable: ${e instanceof Error ? e.message : 'unknown error'}`);
      return null;
    }
  }

  /** The login window finished: exchange the request token in the engine. Returns whether it was sent. */
  async finishLogin(outcome: KiteLoginOutcome): Promise<boolean> {
    if (!outcome.ok) {
      this.problem(outcome.message);
      return false;
    }
    const { apiKey, root } = this.deps.settings;
    const fromEnv = this.deps.apiSecret?.();
    const keychain = fromEnv ? null : await this.store();
    if (!fromEnv && !keychain) return false;
    let apiSecret: string | null;
    try {
      apiSecret = fromEnv ?? (await keychain!.get(kiteAccounts.apiSecret(apiKey)));
    } catch (e) {
      this.problem(`cannot read the Kite api_secret: ${e instanceof Error ? e.message : 'unknown error'}`);
      return false;
    }
    if (!apiSecret) {
      this.problem(`no Kite api_secret is stored for api_key ${apiKey}; add it to the keychain first`);
      return false;
    }
    const sent = this.deps.engine.postMessage({ type: 'kite-login', apiKey, requestToken: outcome.requestToken, apiSecret, ...(root ? { root } : {}) });
    if (!sent) this.problem('the engine is not running; log in to Kite again when it is back');
    else this.log('info', 'kite: request token handed to the engine');
    return sent;
  }

  /** A kite-* message from the engine. */
  async onEngineMessage(m: KiteMessage): Promise<void> {
    const { apiKey } = this.deps.settings;
    if (m.type === 'kite-login-failed') {
      this.problem(`Kite login failed (${m.code}): ${m.message}`);
      return;
    }
    if (m.apiKey !== apiKey) {
      this.log('warn', `kite: ignoring a session message for another api_key (${m.apiKey})`);
      return;
    }
    const keychain = await this.store();
    if (!keychain) return;
    const account = kiteAccounts.accessToken(apiKey);
    try {
      if (m.type === 'kite-session') {
        const s: StoredSession = { accessToken: m.accessToken, userId: m.userId, loginTime: m.loginTime, expiresAt: m.expiresAt };
        await keychain.set(account, JSON.stringify(s));
        this.log('info', `kite: session of ${m.userId} stored until ${new Date(m.expiresAt).toISOString()}`);
      } else {
        await keychain.delete(account);
        this.log('info', `kite: session ended (${m.reason}); stored token deleted`);
      }
    } catch (e) {
      this.problem(`keychain update failed: ${e instanceof Error ? e.message : 'unknown error'}`);
    }
  }

  /**
   * Every engine (re)start: hand it today's token if one is stored and not past its expiry (an
   * expired or unreadable one is deleted). Returns whether a session was restored.
   */
  async restoreSession(): Promise<boolean> {
    const { apiKey, root } = this.deps.settings;
    const keychain = await this.store();
    if (!keychain) return false;
    const account = kiteAccounts.accessToken(apiKey);
    let stored: StoredSession | null;
    try {
      stored = readStored(await keychain.get(account));
    } catch (e) {
      this.problem(`cannot read the stored Kite session: ${e instanceof Error ? e.message : 'unknown error'}`);
      return false;
    }
    if (!stored || this.clock.now() >= stored.expiresAt) {
      if (stored) this.log('info', 'kite: the stored session has expired; deleting it');
      await keychain.delete(account).catch(() => false);
      return false;
    }
    const sent = this.deps.engine.postMessage({
      type: 'kite-session-restore',
      apiKey,
      accessToken: stored.accessToken,
      userId: stored.userId,
      loginTime: stored.loginTime,
      ...(root ? { root } : {}),
    });
    if (sent) this.log('info', `kite: session of ${stored.userId} handed to the engine`);
    return sent;
  }

  /** Forget the session everywhere (the engine and the keychain). */
  async logout(): Promise<void> {
    this.deps.engine.postMessage({ type: 'kite-logout' });
    const keychain = await this.store();
    await keychain?.delete(kiteAccounts.accessToken(this.deps.settings.apiKey)).catch(() => false);
  }
}

/** Login origins for the settings: Kite's, plus the login URL's own origin when it is overridden (simulator). */
export function loginOriginsFor(settings: KiteSettings): readonly string[] {
  if (!settings.loginUrl) return KITE_LOGIN_ORIGINS;
  return [...KITE_LOGIN_ORIGINS, new URL(settings.loginUrl).origin];
}
