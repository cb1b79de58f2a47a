import { createHash } from 'node:crypto';
import { IST_OFFSET_MS } from '../../core/ist.js';
import { KiteError, registerSecret } from './errors.js';
import type { KiteRest } from './rest-client.js';
import type { KiteSession } from './rest-types.js';

/**
 * Kite Connect login flow (kite-protocol.md §2.4): browser → login URL → redirect with a short-lived,
 * single-use request_token → POST /session/token with checksum = sha256(api_key + request_token +
 * api_secret) → access_token, valid until ≈ 06:00 IST the next morning.
 * Nothing here logs; no secret appears in an error message.
 */

export const DEFAULT_LOGIN_URL = 'https://kite.zerodha.com/connect/login';

/** The URL to open in the browser. `redirectParams` are echoed back by Kite on the redirect. */
export function loginUrl(apiKey: string, root: string = DEFAULT_LOGIN_URL, redirectParams?: Record<string, string>): string {
  if (!apiKey) throw new KiteError('input', 'loginUrl: apiKey is required');
  const u = new URL(root);
  u.searchParams.set('v', '3');
  u.searchParams.set('api_key', apiKey);
  if (redirectParams && Object.keys(redirectParams).length > 0) u.searchParams.set('redirect_params', new URLSearchParams(redirectParams).toString());
  return u.toString();
}

export type LoginErrorReason = 'malformed_url' | 'not_success' | 'bad_action' | 'missing_token';

export class KiteLoginError extends KiteError {
  constructor(
    readonly reason: LoginErrorReason,
    message: string,
  ) {
    super('token', message);
    this.name = 'KiteLoginError';
  }
}

export interface LoginRedirect {
  requestToken: string;
  /** Other query params Kite echoed (redirect_params), without request_token/status/action. */
  params: Record<string, string>;
}

/**
 * Reads the redirect Kite sent the browser to. Accepts `status=success` (or no status) and
 * `action=login` (or no action); anything else is a typed {@link KiteLoginError}.
 */
export function parseRedirect(url: string): LoginRedirect {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new KiteLoginError('malformed_url', 'login redirect: not a URL');
  }
  const q = u.searchParams;
  const status = q.get('status');
  if (status !== null && status !== 'success') throw new KiteLoginError('not_success', `login redirect: status is "${status.slice(0, 40)}", not success`);
  const action = q.get('action');
  if (action !== null && action !== 'login') throw new KiteLoginError('bad_action', `login redirect: action is "${action.slice(0, 40)}", not login`);
  const token = q.get('request_token');
  if (!token) throw new KiteLoginError('missing_token', 'login redirect: no request_token');
  registerSecret(token);
  const params: Record<string, string> = {};
  for (const [k, v] of q) if (k !== 'request_token' && k !== 'status' && k !== 'action' && k !== 'type') params[k] = v;
  return { requestToken: token, params };
}

/** hex(sha256(apiKey + requestToken + apiSecret)), as POST /session/token expects. */
export function checksum(apiKey: string, requestToken: string, apiSecret: string): string {
  return createHash('sha256').update(apiKey + requestToken + apiSecret, 'utf8').digest('hex');
}

/**
 * Exchanges the request token for a session and installs the access token in `rest`
 * (which also leaves any sessionExpired state).
 */
export async function exchangeRequestToken(rest: KiteRest, requestToken: string, apiSecret: string): Promise<KiteSession> {
  if (!requestToken) throw new KiteLoginError('missing_token', 'exchangeRequestToken: empty request token');
  if (!apiSecret) throw new KiteError('input', 'exchangeRequestToken: empty api secret');
  registerSecret(requestToken);
  registerSecret(apiSecret);
  const session = await rest.generateSession(requestToken, apiSecret);
  rest.setAccessToken(session.accessToken);
  return session;
}

const DAY_MS = 86_400_000;
const SIX_AM_MS = 6 * 3_600_000;

/** The first 06:00 IST strictly after `loginTimeMs`: when Kite invalidates the day's access token. */
export function sessionExpiry(loginTimeMs: number): number {
  if (!Number.isFinite(loginTimeMs)) throw new RangeError('sessionExpiry: loginTimeMs must be finite');
  const istMidnight = Math.floor((loginTimeMs + IST_OFFSET_MS) / DAY_MS) * DAY_MS - IST_OFFSET_MS;
  let t = istMidnight + SIX_AM_MS;
  if (t <= loginTimeMs) t += DAY_MS;
  return t;
}

export function isSessionExpired(nowMs: number, session: Pick<KiteSession, 'loginTime'>): boolean {
  return nowMs >= sessionExpiry(session.loginTime);
}
