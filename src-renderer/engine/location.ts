/** Pure helpers about the page address; no DOM access so they can be unit-tested. */
import { SESSION_TOKEN_KEY, WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '../../src-engine/contract/renderer-policy.js';

export interface TokenExtraction {
  /** The `token` query parameter, if the page was opened with one. */
  token: string | null;
  /** The same address without it, to put back with history.replaceState; null if unchanged. */
  cleanedUrl: string | null;
}

export function extractToken(href: string): TokenExtraction {
  const url = new URL(href);
  const token = url.searchParams.get('token');
  if (token === null) return { token: null, cleanedUrl: null };
  url.searchParams.delete('token');
  return { token: token === '' ? null : token, cleanedUrl: url.pathname + url.search + url.hash };
}

/** The part of sessionStorage we use. */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * The page's `serve` token: from the address when it was opened with one (kept in sessionStorage,
 * which is per origin, so per port, and per tab), else the one kept there before (a reload, the
 * return from the Kite login). No cookie: cookies are not separated by port.
 */
export function pageToken(href: string, storage: TokenStorage | null): TokenExtraction {
  const x = extractToken(href);
  try {
    if (x.token !== null) storage?.setItem(SESSION_TOKEN_KEY, x.token);
    else return { token: storage?.getItem(SESSION_TOKEN_KEY) || null, cleanedUrl: x.cleanedUrl };
  } catch {
    /* storage blocked: the token lives for this page only */
  }
  return x;
}

/** Same-origin WebSocket address of the engine API: ws(s)://host/api (the token goes as a subprotocol). */
export function apiWebSocketUrl(page: { protocol: string; host: string }): string {
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${page.host}/api`;
}

const SUBPROTOCOL_SAFE = /^[A-Za-z0-9_-]{1,256}$/;

/** The subprotocols to offer: ours, and the token as `kitedesk.token.<token>` when there is a usable one. */
export function apiWebSocketProtocols(token: string | null): string[] {
  return token !== null && SUBPROTOCOL_SAFE.test(token) ? [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${token}`] : [WS_PROTOCOL];
}
