/**
 * The engine's Kite Connect session (kite-protocol.md §2.4). Main sends what it needs over the
 * private control channel; this class exchanges the request token, keeps the access token IN
 * MEMORY ONLY (it lives on in main's keychain, never in SQLite, configs or logs), knows when the
 * day's token dies (06:00 IST) and says so, and reports a secret-free {@link KiteSessionStatus}
 * for EngineStatus.
 *
 * States: none → (login | restore) → active → (06:00 IST timer | Kite refuses the token) → expired;
 * a failed login → error; logout → none. A newer login or logout supersedes one in flight.
 */
import type { KiteLoginFailureCode } from '../contract/control.js';
import type { KiteSessionStatus } from '../contract/schemas.js';
import { KiteError, redact, registerSecret } from '../adapters/kite/errors.js';
import { exchangeRequestToken, sessionExpiry } from '../adapters/kite/login.js';
import { KiteRest, type KiteRestLimits, type KiteRestOptions } from '../adapters/kite/rest-client.js';
import { systemClock, type Clock } from '../core/clock.js';
import { silentLog, type LogFn } from './logger.js';

export interface KiteSessionTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the manager needs of a KiteRest (the real one by default). */
export type KiteRestLike = Pick<KiteRest, 'generateSession' | 'setAccessToken' | 'on' | 'profile' | 'sessionExpired'>;

export interface KiteSessionManagerOptions {
  clock?: Clock;
  timers?: KiteSessionTimers;
  log?: LogFn;
  /** Builds the REST client for an api key (and root). Default: `new KiteRest(opts)`. */
  createRest?: (opts: KiteRestOptions) => KiteRestLike;
  /** Check a restored token with GET /user/profile (default true). */
  verifyRestored?: boolean;
}

export interface KiteLoginInput {
  apiKey: string;
  requestToken: string;
  apiSecret: string;
  root?: string | undefined;
}

export interface KiteRestoreInput {
  apiKey: string;
  accessToken: string;
  userId: string;
  loginTime: number;
  root?: string | undefined;
}

/** What main must store after a login. The only object here that carries the access token. */
export interface KiteSessionGrant {
  apiKey: string;
  userId: string;
  accessToken: string;
  loginTime: number;
  expiresAt: number;
}

export type KiteLoginResult = { ok: true; session: KiteSessionGrant } | { ok: false; code: KiteLoginFailureCode; message: string };

export interface KiteSessionEnded {
  apiKey: string;
  reason: 'expired' | 'rejected';
}

const defaultTimers: KiteSessionTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** setTimeout's limit; a longer wait is re-armed when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

interface Active {
  apiKey: string;
  userId: string;
  accessToken: string;
  loginTime: number;
  expiresAt: number;
  root: string | undefined;
  rest: KiteRestLike;
  unsubscribe: () => void;
}

/** A message for people, from any failure; secrets masked however they got there. */
function failureOf(e: unknown, secrets: readonly string[]): { code: KiteLoginFailureCode; message: string } {
  const raw = e instanceof Error ? e.message : 'unknown error';
  const message = redact(raw, secrets).slice(0, 200);
  if (e instanceof KiteError) {
    switch (e.kind) {
      case 'token':
      case 'input':
      case 'permission':
        return { code: 'rejected', message: `Kite refused the login: ${message}` };
      case 'network':
        return { code: 'network', message: `Kite did not answer the login: ${message}` };
      case 'rate_limit':
        return { code: 'rate_limit', message: `Kite rate-limited the login: ${message}` };
      default:
        return { code: 'server', message: `Kite failed the login: ${message}` };
    }
  }
  return { code: 'internal', message: `login failed: ${message}` };
}

export class KiteSessionManager {
  private readonly clock: Clock;
  private readonly timers: KiteSessionTimers;
  private readonly log: LogFn;
  private readonly createRest: (opts: KiteRestOptions) => KiteRestLike;
  /** Rate limits of the REST clients made from now on (the run profile's order pace: setRestLimits). */
  private restLimits: KiteRestLimits | undefined;
  private readonly verifyRestored: boolean;
  private active: Active | undefined;
  private current: KiteSessionStatus = { state: 'none' };
  private expiryTimer: unknown;
  /** Bumped by every login/restore/logout: a slower, older attempt must not win. */
  private generation = 0;
  private readonly changeListeners = new Set<(s: KiteSessionStatus) => void>();
  private readonly endedListeners = new Set<(e: KiteSessionEnded) => void>();
  private disposed = false;

  constructor(opts: KiteSessionManagerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? defaultTimers;
    this.log = opts.log ?? silentLog;
    this.createRest = opts.createRest ?? ((o) => new KiteRest(o));
    this.verifyRestored = opts.verifyRestored ?? true;
  }

  /** Rate limits (e.g. the order pace, trading.live.ordersPerSecond) for the REST clients of later logins and restores. */
  setRestLimits(limits: KiteRestLimits): void {
    this.restLimits = { ...limits };
  }

  /** The secret-free state for EngineStatus (a copy). Checks the clock too, in case a timer fired late. */
  status(): KiteSessionStatus {
    if (this.active && this.clock.now() >= this.active.expiresAt) this.expire('expired');
    return { ...this.current };
  }

  /**
   * The active session's credentials and root, for the engine's own Kite adapters (the market-data feed);
   * undefined when there is no active session. Never sent anywhere else (status, logs, the contract).
   */
  connection(): { apiKey: string; accessToken: string; root: string | undefined } | undefined {
    if (this.current.state !== 'active' || !this.active) return undefined;
    return { apiKey: this.active.apiKey, accessToken: this.active.accessToken, root: this.active.root };
  }

  /**
   * One of the engine's own adapters (the market-data feed: ticker upgrade, instrument dump, historical)
   * saw Kite refuse this access token: the session ends as `rejected`, as a 403 on the session's REST does.
   * A token that is no longer the active one is ignored.
   */
  reportRejected(accessToken: string): void {
    if (this.active && this.active.accessToken === accessToken) this.expire('rejected');
  }

  /** The REST client of the active session, for adapters that trade (undefined when not active). */
  get rest(): KiteRestLike | undefined {
    return this.current.state === 'active' ? this.active?.rest : undefined;
  }

  onChange(listener: (s: KiteSessionStatus) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Fires when a session the engine held is over (main then deletes the stored token). */
  onEnded(listener: (e: KiteSessionEnded) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  /** POST /session/token with the checksum; on success the session is active and `session` is what main stores. */
  async login(input: KiteLoginInput): Promise<KiteLoginResult> {
    if (this.disposed) return { ok: false, code: 'internal', message: 'engine is shutting down' };
    const gen = ++this.generation;
    registerSecret(input.apiSecret);
    registerSecret(input.requestToken);
    const secrets = [input.apiSecret, input.requestToken];
    this.log('info', 'kite login: exchanging the request token', { api: input.apiKey });
    let rest: KiteRestLike;
    let grant: KiteSessionGrant;
    try {
      rest = this.createRest({ apiKey: input.apiKey, ...(input.root ? { root: input.root } : {}), ...(this.restLimits ? { limits: { ...this.restLimits } } : {}) });
      const s = await exchangeRequestToken(rest as KiteRest, input.requestToken, input.apiSecret);
      grant = { apiKey: input.apiKey, userId: s.userId, accessToken: s.accessToken, loginTime: s.loginTime, expiresAt: sessionExpiry(s.loginTime) };
    } catch (e) {
      const f = failureOf(e, secrets);
      if (gen !== this.generation) return { ok: false, code: 'superseded', message: 'a newer login or a logout replaced this one' };
      this.log('warn', 'kite login failed', { code: f.code, message: f.message });
      this.setStatus({ state: 'error', message: f.message });
      return { ok: false, ...f };
    }
    if (gen !== this.generation || this.disposed) return { ok: false, code: 'superseded', message: 'a newer login or a logout replaced this one' };
    if (this.clock.now() >= grant.expiresAt) {
      // Cannot happen with a fresh login unless the clock is wrong; refuse rather than run expired.
      const message = 'Kite issued a session that is already past its 06:00 IST expiry (check the system clock)';
      this.setStatus({ state: 'error', message });
      return { ok: false, code: 'expired', message };
    }
    this.install(grant, rest, input.root);
    this.log('info', 'kite login: session active', { user: grant.userId, expiresAt: new Date(grant.expiresAt).toISOString() });
    return { ok: true, session: { ...grant } };
  }

  /**
   * Reuse a stored access token (engine restart). Refused at once when today's 06:00 IST has passed;
   * otherwise active now, and checked with GET /user/profile in the background (a refusal there ends
   * the session as `rejected`).
   */
  restore(input: KiteRestoreInput): KiteLoginResult {
    if (this.disposed) return { ok: false, code: 'internal', message: 'engine is shutting down' };
    const gen = ++this.generation;
    registerSecret(input.accessToken);
    const expiresAt = sessionExpiry(input.loginTime);
    if (this.clock.now() >= expiresAt) {
      this.clearActive();
      const message = 'the stored Kite session expired at 06:00 IST; log in again';
      this.setStatus({ state: 'expired', userId: input.userId, expiresAt, message });
      return { ok: false, code: 'expired', message };
    }
    let rest: KiteRestLike;
    try {
      rest = this.createRest({ apiKey: input.apiKey, accessToken: input.accessToken, ...(input.root ? { root: input.root } : {}), ...(this.restLimits ? { limits: { ...this.restLimits } } : {}) });
    } catch (e) {
      const f = failureOf(e, [input.accessToken]);
      this.setStatus({ state: 'error', message: f.message });
      return { ok: false, ...f };
    }
    const grant: KiteSessionGrant = { apiKey: input.apiKey, userId: input.userId, accessToken: input.accessToken, loginTime: input.loginTime, expiresAt };
    this.install(grant, rest, input.root);
    this.log('info', 'kite session restored', { user: grant.userId, expiresAt: new Date(expiresAt).toISOString() });
    if (this.verifyRestored) {
      rest.profile().then(
        () => undefined,
        (e: unknown) => {
          // A token refusal already ended the session through the sessionExpired event.
          if (gen === this.generation && !(e instanceof KiteError && e.kind === 'token')) {
            this.log('warn', 'kite session restored but not verified', { message: redact(e instanceof Error ? e.message : String(e), [input.accessToken]) });
          }
        },
      );
    }
    return { ok: true, session: { ...grant } };
  }

  logout(): void {
    this.generation++;
    const had = this.active !== undefined;
    this.clearActive();
    this.setStatus({ state: 'none' });
    if (had) this.log('info', 'kite session: logged out');
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.clearActive();
    this.changeListeners.clear();
    this.endedListeners.clear();
  }

  private install(grant: KiteSessionGrant, rest: KiteRestLike, root: string | undefined): void {
    this.clearActive();
    const unsubscribe = rest.on('sessionExpired', () => {
      if (this.active?.rest === rest) this.expire('rejected');
    });
    this.active = { ...grant, root: root || undefined, rest, unsubscribe };
    this.armTimer();
    this.setStatus({ state: 'active', userId: grant.userId, expiresAt: grant.expiresAt });
  }

  private armTimer(): void {
    const a = this.active;
    if (!a) return;
    const wait = Math.max(0, Math.min(MAX_TIMER_MS, a.expiresAt - this.clock.now()));
    this.expiryTimer = this.timers.setTimeout(() => {
      this.expiryTimer = undefined;
      if (this.active !== a) return;
      if (this.clock.now() >= a.expiresAt) this.expire('expired');
      else this.armTimer(); // fired early (long wait, or a clock step): wait again
    }, wait);
  }

  private expire(reason: 'expired' | 'rejected'): void {
    const a = this.active;
    if (!a) return;
    this.clearActive();
    const message =
      reason === 'expired' ? 'the Kite session expired at 06:00 IST; log in again' : 'Kite refused the session (logged out elsewhere?); log in again';
    this.log('warn', 'kite session ended', { reason });
    this.setStatus({ state: 'expired', userId: a.userId, expiresAt: a.expiresAt, message });
    for (const l of [...this.endedListeners]) {
      try {
        l({ apiKey: a.apiKey, reason });
      } catch {
        /* a listener's failure must not break the session */
      }
    }
  }

  private clearActive(): void {
    if (this.expiryTimer !== undefined) this.timers.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.active?.unsubscribe();
    this.active = undefined;
  }

  private setStatus(s: KiteSessionStatus): void {
    this.current = s;
    for (const l of [...this.changeListeners]) {
      try {
        l({ ...s });
      } catch {
        /* ignore */
      }
    }
  }
}
