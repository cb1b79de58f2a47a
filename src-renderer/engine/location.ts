/** Pure helpers about the page address; no DOM access so they can be unit-tested. */

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

/** Same-origin WebSocket address of the engine API: ws(s)://host/api[?token=…]. */
export function apiWebSocketUrl(page: { protocol: string; host: string }, token: string | null): string {
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}//${page.host}/api${query}`;
}
