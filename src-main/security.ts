/**
 * Security decisions of the Electron shell, kept free of any `electron` import so every invariant
 * is unit-tested in plain Node. `main.ts` only wires these into Electron's hooks.
 *
 * Sources: Electron security checklist (platform-notes 1.1), items 2–7, 13–18.
 */
import path from 'node:path';
import { RENDERER_CSP } from '../src-engine/contract/renderer-policy.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'kitedesk';
/** What Chromium reports as the origin of our pages (the scheme is registered `standard`). */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Strict CSP sent as a response header on every app:// response (one definition for every host of
 * the renderer, in the contract). `'self'` means the app:// origin.
 */
export const CONTENT_SECURITY_POLICY = RENDERER_CSP;

/** Headers added to every response of the app:// protocol handler. */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
});

/** The privileges the app:// scheme is registered with, before `ready`. */
export const APP_SCHEME_PRIVILEGES = Object.freeze({
  standard: true,
  secure: true,
  supportFetchAPI: true,
  // Everything else stays at Electron's default (false): no CSP bypass, no service workers,
  // no CORS exemption, no streaming.
});

/**
 * Web preferences of every KiteDesk window. The literal types make it a compile error to weaken
 * one of these by accident; the unit test checks the values at run time.
 */
export interface HardenedWebPreferences {
  readonly preload: string;
  readonly sandbox: true;
  readonly contextIsolation: true;
  readonly nodeIntegration: false;
  readonly nodeIntegrationInWorker: false;
  readonly nodeIntegrationInSubFrames: false;
  readonly webSecurity: true;
  readonly allowRunningInsecureContent: false;
  readonly experimentalFeatures: false;
  readonly webviewTag: false;
  readonly enableWebSQL: false;
  readonly navigateOnDragDrop: false;
  readonly safeDialogs: true;
  readonly spellcheck: false;
  readonly devTools: boolean;
  readonly disableBlinkFeatures: 'Auxclick';
}

export function buildWebPreferences(opts: { preloadPath: string; isPackaged: boolean }): HardenedWebPreferences {
  if (!path.isAbsolute(opts.preloadPath)) throw new Error(`preload path must be absolute: ${opts.preloadPath}`);
  return Object.freeze({
    preload: opts.preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    enableWebSQL: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: !opts.isPackaged,
    // a middle click (auxclick) opens no window
    disableBlinkFeatures: 'Auxclick',
  });
}

function parseUrl(raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 8192) return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/**
 * True when `raw` is a URL of our own app:// origin. Compares parsed parts, never prefixes
 * (`app://kitedesk.evil/…` and `app://kitedesk@evil/…` are not ours). Node's URL reports the origin
 * of a non-special scheme as "null" and keeps the host's case (Chromium lowercases hosts of standard
 * schemes), so protocol and lower-cased host are compared instead.
 */
export function isAppUrl(raw: unknown): boolean {
  const u = parseUrl(raw);
  if (!u) return false;
  return u.protocol === `${APP_SCHEME}:` && u.hostname.toLowerCase() === APP_HOST && u.port === '' && u.username === '' && u.password === '';
}

/** `will-navigate` / `will-redirect`: only inside the app origin. */
export function isNavigationAllowed(raw: unknown): boolean {
  return isAppUrl(raw);
}

/** Hosts whose https links may be opened in the person's browser. Exact host match only. */
export const EXTERNAL_HOST_ALLOW_LIST: readonly string[] = Object.freeze(['kite.zerodha.com', 'kite.trade']);

/**
 * Returns the normalised href to pass to `shell.openExternal`, or null when the link is not
 * allow-listed: https only, exact host, default port, no credentials.
 */
export function externalUrlToOpen(raw: unknown): string | null {
  const u = parseUrl(raw);
  if (!u) return null;
  if (u.protocol !== 'https:') return null;
  if (u.username !== '' || u.password !== '') return null;
  if (u.port !== '') return null;
  if (!EXTERNAL_HOST_ALLOW_LIST.includes(u.hostname)) return null;
  return u.href;
}

/** `setWindowOpenHandler`: never a new Electron window; maybe an external browser tab. */
export function decideWindowOpen(raw: unknown): { action: 'deny'; openExternal: string | null } {
  return { action: 'deny', openExternal: externalUrlToOpen(raw) };
}

/** The part of Electron's WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
}

/**
 * IPC sender validation (checklist item 17). `senderFrame` is null when the frame navigated or was
 * destroyed. Only the main frame of a window showing our own origin may talk to main.
 */
export function isTrustedSender(senderFrame: FrameLike | null | undefined, mainFrame?: unknown): boolean {
  if (!senderFrame) return false;
  if (senderFrame.parent !== null && senderFrame.parent !== undefined) return false;
  if (mainFrame !== undefined && mainFrame !== senderFrame) return false;
  return isAppUrl(senderFrame.url);
}

/**
 * Permission requests and checks: KiteDesk needs only desktop notifications (fills, halts, session
 * expiry), and only for its own pages (app://kitedesk); everything else (camera, clipboard-read,
 * geolocation…) is denied, as is any permission for another origin (the Kite login window's pages).
 */
export function decidePermission(permission: string, requestingUrl?: string): boolean {
  return permission === 'notifications' && typeof requestingUrl === 'string' && isAppUrl(requestingUrl);
}

// A dot segment, raw or percent-encoded, anywhere in the path part of the raw URL.
const DOT_SEGMENT = /(?:^|[/\\])(?:\.|%2e){1,2}(?=[/\\?#]|$)/i;
// Encoded separators, NUL, and backslashes (Windows treats them as separators).
const FORBIDDEN_IN_PATH = /%2f|%5c|%00|\\|\0/i;
// Windows reserved/special characters in a segment: drive letters, alternate data streams.
const FORBIDDEN_IN_SEGMENT = /[:*?"<>|\0]/;

/**
 * Map `app://kitedesk/<path>` to a file under `rootDir`, or null. Rejects other schemes and hosts,
 * dot segments (raw or encoded), encoded separators, absolute-looking segments, and anything that
 * resolves outside `rootDir`. `/` maps to `index.html`. Query and fragment are ignored.
 * `pathImpl` is injectable so the Windows rules are tested on any OS.
 */
export function resolveAppPath(rootDir: string, requestUrl: string, pathImpl: path.PlatformPath = path): string | null {
  if (typeof requestUrl !== 'string') return null;
  const u = parseUrl(requestUrl);
  if (!u || !isAppUrl(requestUrl)) return null;

  // Check the raw text too: URL parsing already folds `..`, which would hide a traversal attempt.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/\\?#]*/i.exec(requestUrl);
  if (!authority) return null;
  const rawPath = requestUrl.slice(authority[0].length).split(/[?#]/, 1)[0] ?? '';
  if (DOT_SEGMENT.test(rawPath) || FORBIDDEN_IN_PATH.test(rawPath)) return null;
  if (/^[/\\]{2}/.test(rawPath)) return null;

  const segments: string[] = [];
  for (const enc of u.pathname.split('/')) {
    if (enc === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(enc);
    } catch {
      return null;
    }
    if (seg === '.' || seg === '..' || seg.includes('/') || seg.includes('\\') || FORBIDDEN_IN_SEGMENT.test(seg)) return null;
    segments.push(seg);
  }
  if (segments.length === 0 || u.pathname.endsWith('/')) segments.push('index.html');

  const root = pathImpl.resolve(rootDir);
  const file = pathImpl.resolve(root, ...segments);
  const rel = pathImpl.relative(root, file);
  if (rel === '' || rel.startsWith('..') || pathImpl.isAbsolute(rel)) return null;
  return file;
}

const MIME: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
});

export function mimeTypeFor(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
