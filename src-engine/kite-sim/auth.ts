/**
 * Login and sessions of the simulated Kite Connect: request tokens from /connect/login, the
 * checksum exchange at POST /session/token, access tokens in the Authorization header.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { KiteApiError, inputError } from './kite-json.js';

/** hex(SHA-256(apiKey + token + apiSecret)): the /session/token checksum (and, with order id + timestamp, the postback one). */
export function kiteChecksum(a: string, b: string, secret: string): string {
  return createHash('sha256').update(a + b + secret).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface Session {
  accessToken: string;
  publicToken: string;
  enctoken: string;
  loginTime: number;
}

export interface SessionStoreOptions {
  apiKey: string;
  apiSecret: string;
  /** Request tokens live this long (real ms); default 5 minutes. */
  requestTokenTtlMs?: number;
  now?: () => number;
  random?: (bytes: number) => string;
  /** A new login invalidates every earlier access token of the key (fault switch; default off). */
  singleSession?: boolean;
}

const DEFAULT_REQUEST_TOKEN_TTL_MS = 5 * 60_000;
export const BAD_TOKEN_MESSAGE = 'Incorrect `api_key` or `access_token`.';

export class SessionStore {
  private readonly requestTokens = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;
  private readonly random: (bytes: number) => string;
  private readonly ttl: number;
  /** See SessionStoreOptions.singleSession. */
  singleSession: boolean;

  constructor(private readonly opts: SessionStoreOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? ((n) => randomBytes(n).toString('hex'));
    this.ttl = opts.requestTokenTtlMs ?? DEFAULT_REQUEST_TOKEN_TTL_MS;
    this.singleSession = opts.singleSession ?? false;
  }

  get apiKey(): string {
    return this.opts.apiKey;
  }

  /** For GET /connect/login: a fresh single-use request token, or InputException for an unknown api_key. */
  issueRequestToken(apiKey: string | null): string {
    if (apiKey !== this.opts.apiKey) throw inputError('Invalid `api_key`.');
    const t = this.random(16);
    this.requestTokens.set(t, this.now() + this.ttl);
    return t;
  }

  /** POST /session/token: verifies the checksum and consumes the request token. */
  exchange(apiKey: string | undefined, requestToken: string | undefined, checksum: string | undefined): Session {
    if (!apiKey) throw inputError('Missing `api_key`.');
    if (!requestToken) throw inputError('Missing `request_token`.');
    if (!checksum) throw inputError('Missing `checksum`.');
    if (apiKey !== this.opts.apiKey) throw inputError('Invalid `api_key`.');
    const expires = this.requestTokens.get(requestToken);
    if (expires === undefined || expires < this.now()) {
      this.requestTokens.delete(requestToken);
      throw new KiteApiError('TokenException', 'Token is invalid or has expired.');
    }
    if (!safeEqual(checksum.toLowerCase(), kiteChecksum(apiKey, requestToken, this.opts.apiSecret))) {
      throw new KiteApiError('TokenException', 'Invalid checksum.');
    }
    this.requestTokens.delete(requestToken);
    const s: Session = {
      accessToken: this.random(16),
      publicToken: this.random(16),
      enctoken: this.random(24),
      loginTime: this.now(),
    };
    if (this.singleSession) this.sessions.clear();
    this.sessions.set(s.accessToken, s);
    return s;
  }

  /** True if apiKey/accessToken is a live session. */
  isValid(apiKey: string | null | undefined, accessToken: string | null | undefined): boolean {
    return apiKey === this.opts.apiKey && typeof accessToken === 'string' && this.sessions.has(accessToken);
  }

  /** Checks `Authorization: token api_key:access_token`; throws 403 TokenException otherwise. */
  authenticate(header: string | undefined): Session {
    const m = /^token ([^:\s]+):(\S+)$/.exec(header?.trim() ?? '');
    const s = m ? this.sessions.get(m[2]!) : undefined;
    if (!m || m[1] !== this.opts.apiKey || !s) throw new KiteApiError('TokenException', BAD_TOKEN_MESSAGE);
    return s;
  }

  /** DELETE /session/token. Unknown tokens are fine (Kite answers true). */
  logout(accessToken: string | undefined): void {
    if (accessToken) this.sessions.delete(accessToken);
  }

  /** Every access token becomes invalid. */
  expireAll(): void {
    this.sessions.clear();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Every secret this store handed out (live access, public and enc tokens, outstanding request tokens): for tests that look for leaks. */
  issuedSecrets(): string[] {
    return [...this.requestTokens.keys(), ...[...this.sessions.values()].flatMap((s) => [s.accessToken, s.publicToken, s.enctoken])];
  }
}
