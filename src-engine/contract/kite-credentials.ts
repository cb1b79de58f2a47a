import { z } from 'zod';

/**
 * Kite Connect credentials (api_key, api_secret, redirect URL): where they live and what anyone but
 * the keychain may learn about them. Shared by Electron main (which owns the keychain in the desktop
 * app) and the engine host (which owns it under `serve`), so both read and write the same keychain
 * entries. Pure TypeScript: no Node, no DOM (no `URL` either), no keytar — the store is injected.
 *
 * Rules: the api_secret and access tokens exist only in the keychain and in memory where they are
 * used; they never go into SQLite, logs, the profile, a contract answer or an error message. Without
 * a keychain nothing is stored (never a plain-text fallback). Environment variables override the
 * keychain for headless use and tests: KITEDESK_KITE_API_KEY, KITEDESK_KITE_API_SECRET,
 * KITEDESK_KITE_REDIRECT_URL, KITEDESK_KITE_ROOT (REST and ticker at one origin, e.g. `kitedesk sim`;
 * its `/connect/login` is then the login page) and KITEDESK_KITE_LOGIN_URL.
 */

/** The keychain service every KiteDesk entry lives under. */
export const KEYCHAIN_SERVICE = 'KiteDesk';

/** Keychain accounts (keychain account names are lower case only, so the api key is lower-cased). */
export const kiteAccounts = {
  /** The api key in use: public, kept beside its secret for convenience. */
  apiKey: 'kite:api_key',
  /** The redirect URL registered for the Kite app. */
  redirectUrl: 'kite:redirect_url',
  apiSecret: (apiKey: string) => `kite:api_secret:${apiKey.toLowerCase()}`,
  /** Today's session (JSON: accessToken, userId, loginTime, expiresAt), until 06:00 IST. */
  accessToken: (apiKey: string) => `kite:access_token:${apiKey.toLowerCase()}`,
} as const;

/** The secret store as both hosts see it (keytar behind it). Errors must carry no secret. */
export interface KiteSecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export const KITE_LOGIN_PAGE = 'https://kite.zerodha.com/connect/login';
/** The redirect URL suggested when none is set: `serve`'s callback on its default port (the desktop app's login window takes any). */
export const DEFAULT_KITE_REDIRECT_URL = 'http://127.0.0.1:8765/kite/callback';

export const kiteApiKeyInputSchema = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'expected a Kite api_key (letters, digits, _ and -)');
export const kiteApiSecretInputSchema = z.string().trim().min(1).max(512).regex(/^[\x21-\x7e]+$/, 'expected a Kite api_secret (printable, no spaces)');
export const kiteRedirectUrlSchema = z
  .string()
  .trim()
  .max(300)
  .regex(/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/, 'expected an http(s) URL without credentials, query or fragment');

/** `kiteSettings.set`: everything is entered together; the api_secret is write-only. */
export const kiteSettingsInputSchema = z
  .object({ apiKey: kiteApiKeyInputSchema, apiSecret: kiteApiSecretInputSchema, redirectUrl: kiteRedirectUrlSchema.optional() })
  .strict();
export type KiteSettingsInput = z.infer<typeof kiteSettingsInputSchema>;

const sourceSchema = z.enum(['env', 'keychain', 'none']);

/** What a client may see of the credentials: never the secret, only whether there is one and where it came from. */
export const kiteSettingsInfoSchema = z.object({
  /** Which host owns the keychain: Electron main (`desktop`) or the engine under `serve`. */
  host: z.enum(['desktop', 'serve']),
  keychain: z.object({ available: z.boolean(), message: z.string().max(400).optional() }),
  /** The api key, masked (first 4 and last 2 characters). */
  apiKeyMasked: z.string().max(80).nullable(),
  apiKeySource: sourceSchema,
  hasSecret: z.boolean(),
  secretSource: sourceSchema,
  redirectUrl: z.string().max(300).nullable(),
  redirectUrlSource: z.enum(['env', 'keychain', 'default']),
  /** The redirect URL to register in the Kite developer console for this host. */
  registerRedirectUrl: z.string().max(300),
  /** Where the login goes (Kite's page, or the simulator's with KITEDESK_KITE_ROOT). */
  loginPage: z.string().max(300),
  /** KITEDESK_KITE_ROOT when set (REST and ticker origin). */
  root: z.string().max(300).optional(),
  /** api key and secret are both there: a login can start. */
  configured: z.boolean(),
  /** Something the person should know (e.g. the registered URL differs from where this host listens). */
  warnings: z.array(z.string().max(400)).max(8),
});
export type KiteSettingsInfo = z.infer<typeof kiteSettingsInfoSchema>;

/** How a login starts: the desktop app opened its login window; in the browser, navigate to `url`. */
export const kiteLoginStartSchema = z.discriminatedUnion('via', [
  z.object({ via: z.literal('window') }),
  z.object({ via: z.literal('redirect'), url: z.string().max(2000) }),
]);
export type KiteLoginStart = z.infer<typeof kiteLoginStartSchema>;

export function maskApiKey(apiKey: string): string {
  if (apiKey.length <= 6) return '•'.repeat(apiKey.length);
  return `${apiKey.slice(0, 4)}${'•'.repeat(Math.min(8, apiKey.length - 6))}${apiKey.slice(-2)}`;
}

export type KiteEnv = Readonly<Record<string, string | undefined>>;

/** Everything a login needs, resolved from the environment over the keychain. Carries the secret: host-internal only. */
export interface KiteCredentials {
  apiKey: string;
  apiSecret: string;
  redirectUrl: string;
  loginPage: string;
  root: string | undefined;
}

export class KiteCredentialsError extends Error {
  constructor(
    message: string,
    readonly code: 'UNAVAILABLE' | 'INVALID_INPUT' | 'NOT_FOUND',
  ) {
    super(message);
    this.name = 'KiteCredentialsError';
  }
}

function envValue(env: KiteEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function stripSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

/** The variables that point KiteDesk at another Kite: the root receives the access token; the login URL widens the login window's allow-list. */
export const KITE_ENDPOINT_ENV = ['KITEDESK_KITE_ROOT', 'KITEDESK_KITE_LOGIN_URL'] as const;

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
/** scheme://host[:port] then a path, query, fragment or the end; no user info (the contract has no URL class). */
const ENDPOINT = /^(https?):\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?(?:[/?#]|$)/i;

/** An endpoint override is honoured only over https, or plain http on this machine (the simulator). */
export function isAllowedKiteEndpoint(raw: string): boolean {
  const m = ENDPOINT.exec(raw.trim());
  if (!m) return false;
  const [, scheme, host] = m;
  if (scheme!.toLowerCase() === 'https') return true;
  return LOOPBACK_HOST.test(host!);
}

/** A {@link KITE_ENDPOINT_ENV} value when it is set and allowed; undefined otherwise. */
export function kiteEndpointOverride(env: KiteEnv, name: (typeof KITE_ENDPOINT_ENV)[number]): string | undefined {
  const v = envValue(env, name);
  return v && isAllowedKiteEndpoint(v) ? v : undefined;
}

/** The environment a host reads Kite settings from: the packaged app honours no endpoint override (they are for development and tests). */
export function kiteEnvForHost<E extends KiteEnv>(env: E, o: { packaged: boolean }): E {
  if (!o.packaged) return env;
  const out: Record<string, string | undefined> = { ...env };
  for (const k of KITE_ENDPOINT_ENV) delete out[k];
  return out as E;
}

/** The login page: KITEDESK_KITE_LOGIN_URL, else `${KITEDESK_KITE_ROOT}/connect/login`, else Kite's (overrides only over https or loopback). */
export function kiteLoginPage(env: KiteEnv): string {
  const explicit = kiteEndpointOverride(env, 'KITEDESK_KITE_LOGIN_URL');
  if (explicit) return explicit;
  const root = kiteEndpointOverride(env, 'KITEDESK_KITE_ROOT');
  return root ? `${stripSlash(root)}/connect/login` : KITE_LOGIN_PAGE;
}

/** A one-line reason from a store failure; the store's errors are secret-free by contract (keychain.ts). */
function why(e: unknown): string {
  return (e instanceof Error ? e.message : 'unknown error').slice(0, 300);
}

export interface KiteCredentialsOptions {
  /** The keychain, or why there is none (opened lazily; a failure is reported, never worked around). */
  store: () => Promise<KiteSecretStore>;
  env: () => KiteEnv;
  host: 'desktop' | 'serve';
  /** The redirect URL this host receives logins at (serve: its /kite/callback); default: the configured one. */
  callbackUrl?: () => string;
}

/**
 * Read, write and clear the credentials in the keychain, with the environment on top. One instance
 * per host; both hosts use the same accounts ({@link kiteAccounts}).
 */
export class KiteCredentialStore {
  constructor(private readonly opts: KiteCredentialsOptions) {}

  private async open(): Promise<{ store: KiteSecretStore } | { store: null; message: string }> {
    try {
      return { store: await this.opts.store() };
    } catch (e) {
      return { store: null, message: why(e) };
    }
  }

  private async read(store: KiteSecretStore | null): Promise<{ apiKey: string | null; apiSecret: string | null; redirectUrl: string | null; problem?: string }> {
    if (!store) return { apiKey: null, apiSecret: null, redirectUrl: null };
    try {
      const env = this.opts.env();
      const apiKey = await store.get(kiteAccounts.apiKey);
      const effectiveKey = envValue(env, 'KITEDESK_KITE_API_KEY') ?? apiKey;
      const apiSecret = effectiveKey && kiteApiKeyInputSchema.safeParse(effectiveKey).success ? await store.get(kiteAccounts.apiSecret(effectiveKey)) : null;
      const redirectUrl = await store.get(kiteAccounts.redirectUrl);
      return { apiKey, apiSecret, redirectUrl };
    } catch (e) {
      return { apiKey: null, apiSecret: null, redirectUrl: null, problem: why(e) };
    }
  }

  /** The secret-free view for clients. */
  async info(): Promise<KiteSettingsInfo> {
    const env = this.opts.env();
    const opened = await this.open();
    const stored = await this.read(opened.store);
    const envKey = envValue(env, 'KITEDESK_KITE_API_KEY');
    const envSecret = envValue(env, 'KITEDESK_KITE_API_SECRET');
    const envRedirect = envValue(env, 'KITEDESK_KITE_REDIRECT_URL');
    const apiKey = envKey ?? stored.apiKey;
    const redirectUrl = envRedirect ?? stored.redirectUrl ?? this.opts.callbackUrl?.() ?? DEFAULT_KITE_REDIRECT_URL;
    const register = this.opts.callbackUrl?.() ?? redirectUrl;
    const warnings: string[] = [];
    if (stored.problem) warnings.push(`the keychain could not be read: ${stored.problem}`);
    if (this.opts.host === 'serve' && redirectUrl !== register) {
      warnings.push(`this server receives Kite logins at ${register}; register exactly that URL in the Kite developer console (the saved one is ${redirectUrl.slice(0, 200)})`);
    }
    for (const name of KITE_ENDPOINT_ENV) {
      if (envValue(env, name) && !kiteEndpointOverride(env, name)) warnings.push(`${name} is ignored: only an https address, or http on this machine (127.0.0.1, localhost), is used`);
    }
    const root = kiteEndpointOverride(env, 'KITEDESK_KITE_ROOT');
    return {
      host: this.opts.host,
      keychain: opened.store ? { available: true } : { available: false, message: opened.message },
      apiKeyMasked: apiKey ? maskApiKey(apiKey) : null,
      apiKeySource: envKey ? 'env' : stored.apiKey ? 'keychain' : 'none',
      hasSecret: Boolean(envSecret ?? stored.apiSecret),
      secretSource: envSecret ? 'env' : stored.apiSecret ? 'keychain' : 'none',
      redirectUrl,
      redirectUrlSource: envRedirect ? 'env' : stored.redirectUrl ? 'keychain' : 'default',
      registerRedirectUrl: register,
      loginPage: kiteLoginPage(env),
      ...(root ? { root } : {}),
      configured: Boolean(apiKey && (envSecret ?? stored.apiSecret)),
      warnings,
    };
  }

  /** Everything a login needs (host-internal: carries the secret), or a secret-free error saying what is missing. */
  async resolve(): Promise<KiteCredentials> {
    const env = this.opts.env();
    const envKey = envValue(env, 'KITEDESK_KITE_API_KEY');
    const envSecret = envValue(env, 'KITEDESK_KITE_API_SECRET');
    const envRedirect = envValue(env, 'KITEDESK_KITE_REDIRECT_URL');
    let stored: { apiKey: string | null; apiSecret: string | null; redirectUrl: string | null; problem?: string } = { apiKey: null, apiSecret: null, redirectUrl: null };
    if (!(envKey && envSecret)) {
      const opened = await this.open();
      if (!opened.store) throw new KiteCredentialsError(`Kite credentials are not set and the OS keychain is unavailable (${opened.message})`, 'UNAVAILABLE');
      stored = await this.read(opened.store);
      if (stored.problem) throw new KiteCredentialsError(`the keychain could not be read: ${stored.problem}`, 'UNAVAILABLE');
    }
    const apiKey = envKey ?? stored.apiKey;
    const apiSecret = envSecret ?? stored.apiSecret;
    if (!apiKey || !kiteApiKeyInputSchema.safeParse(apiKey).success) throw new KiteCredentialsError('no Kite api_key is set: enter it in Settings', 'NOT_FOUND');
    if (!apiSecret) throw new KiteCredentialsError('no Kite api_secret is stored for this api_key: enter it in Settings', 'NOT_FOUND');
    const root = kiteEndpointOverride(env, 'KITEDESK_KITE_ROOT');
    return {
      apiKey,
      apiSecret,
      redirectUrl: envRedirect ?? stored.redirectUrl ?? this.opts.callbackUrl?.() ?? DEFAULT_KITE_REDIRECT_URL,
      loginPage: kiteLoginPage(env),
      root: root ? stripSlash(root) : undefined,
    };
  }

  /** Store all three in the keychain; refused (UNAVAILABLE) without one. Answers the secret-free view. */
  async save(input: KiteSettingsInput): Promise<KiteSettingsInfo> {
    const parsed = kiteSettingsInputSchema.safeParse(input);
    if (!parsed.success) throw new KiteCredentialsError(`invalid Kite settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`.slice(0, 300), 'INVALID_INPUT');
    const { apiKey, apiSecret, redirectUrl } = parsed.data;
    const opened = await this.open();
    if (!opened.store) throw new KiteCredentialsError(`the OS keychain is unavailable, so nothing was stored (KiteDesk never keeps Kite credentials in plain text): ${opened.message}`, 'UNAVAILABLE');
    const store = opened.store;
    try {
      const previous = await store.get(kiteAccounts.apiKey);
      await store.set(kiteAccounts.apiSecret(apiKey), apiSecret);
      await store.set(kiteAccounts.apiKey, apiKey);
      if (redirectUrl) await store.set(kiteAccounts.redirectUrl, redirectUrl);
      if (previous && previous.toLowerCase() !== apiKey.toLowerCase()) {
        await store.delete(kiteAccounts.apiSecret(previous)).catch(() => false);
        await store.delete(kiteAccounts.accessToken(previous)).catch(() => false);
      }
    } catch (e) {
      throw new KiteCredentialsError(`storing the Kite settings in the keychain failed: ${why(e)}`, 'UNAVAILABLE');
    }
    return this.info();
  }

  /** Delete every Kite entry (key, secret, redirect URL, stored session). The environment still applies. */
  async clear(): Promise<KiteSettingsInfo> {
    const opened = await this.open();
    if (!opened.store) throw new KiteCredentialsError(`the OS keychain is unavailable: ${opened.message}`, 'UNAVAILABLE');
    const store = opened.store;
    try {
      const keys = new Set<string>();
      const stored = await store.get(kiteAccounts.apiKey);
      if (stored) keys.add(stored);
      const envKey = envValue(this.opts.env(), 'KITEDESK_KITE_API_KEY');
      if (envKey && kiteApiKeyInputSchema.safeParse(envKey).success) keys.add(envKey);
      for (const k of keys) {
        await store.delete(kiteAccounts.apiSecret(k));
        await store.delete(kiteAccounts.accessToken(k));
      }
      await store.delete(kiteAccounts.apiKey);
      await store.delete(kiteAccounts.redirectUrl);
    } catch (e) {
      throw new KiteCredentialsError(`clearing the Kite settings failed: ${why(e)}`, 'UNAVAILABLE');
    }
    return this.info();
  }
}

/** A stored session (JSON under kiteAccounts.accessToken): what a restart the same day needs. */
export interface StoredKiteSession {
  accessToken: string;
  userId: string;
  loginTime: number;
  expiresAt: number;
}

export function readStoredKiteSession(raw: string | null): StoredKiteSession | null {
  if (!raw) return null;
  try {
    const o = JSON.parse(raw) as Partial<StoredKiteSession>;
    if (typeof o.accessToken !== 'string' || !o.accessToken || typeof o.userId !== 'string' || !o.userId) return null;
    if (!Number.isSafeInteger(o.loginTime) || !Number.isSafeInteger(o.expiresAt)) return null;
    return { accessToken: o.accessToken, userId: o.userId, loginTime: o.loginTime!, expiresAt: o.expiresAt! };
  } catch {
    return null;
  }
}
