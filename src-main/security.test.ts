import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  APP_RESPONSE_HEADERS,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  buildWebPreferences,
  decidePermission,
  decideWindowOpen,
  externalUrlToOpen,
  isAppUrl,
  isNavigationAllowed,
  isTrustedSender,
  mimeTypeFor,
  resolveAppPath,
} from './security.js';

const PRELOAD = path.resolve('/opt/kitedesk/dist/main/preload.cjs');

describe('buildWebPreferences', () => {
  it('keeps sandbox and context isolation on and node integration off', () => {
    const wp = buildWebPreferences({ preloadPath: PRELOAD, isPackaged: true });
    expect(wp).toMatchObject({
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
      preload: PRELOAD,
      // a middle click opens no window (issue 15 electronegativity AUXCLICK)
      disableBlinkFeatures: 'Auxclick',
    });
    expect(wp).not.toHaveProperty('enableBlinkFeatures');
    expect(Object.isFrozen(wp)).toBe(true);
  });

  it('enables devTools only when not packaged', () => {
    expect(buildWebPreferences({ preloadPath: PRELOAD, isPackaged: true }).devTools).toBe(false);
    expect(buildWebPreferences({ preloadPath: PRELOAD, isPackaged: false }).devTools).toBe(true);
  });

  it('requires an absolute preload path', () => {
    expect(() => buildWebPreferences({ preloadPath: 'dist/main/preload.cjs', isPackaged: true })).toThrow(/absolute/);
  });
});

describe('CSP and scheme', () => {
  it('is strict: no unsafe-*, no wildcard, default none, frames and forms off', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("base-uri 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("form-action 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|http:|https:/);
    expect(APP_RESPONSE_HEADERS['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(APP_RESPONSE_HEADERS['X-Content-Type-Options']).toBe('nosniff');
  });

  it('registers app:// as standard + secure + fetch, and nothing that bypasses CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ standard: true, secure: true, supportFetchAPI: true });
  });
});

describe('isAppUrl / navigation', () => {
  it.each([
    ['app://kitedesk/index.html', true],
    ['app://kitedesk/', true],
    ['APP://KITEDESK/index.html', true],
    ['app://kitedesk.evil.com/index.html', false],
    ['app://kitedesk@evil.com/', false],
    ['app://evil@kitedesk/', false],
    ['app://kitedesk:8080/', false],
    ['app://other/index.html', false],
    ['file:///etc/passwd', false],
    ['https://kitedesk/', false],
    ['javascript:alert(1)', false],
    ['app:kitedesk/index.html', false],
    ['', false],
    ['not a url', false],
  ])('%s → %s', (url, ok) => {
    expect(isAppUrl(url)).toBe(ok);
    expect(isNavigationAllowed(url)).toBe(ok);
  });

  it('rejects non-strings', () => {
    expect(isAppUrl(undefined)).toBe(false);
    expect(isAppUrl({ toString: () => APP_ENTRY_URL })).toBe(false);
  });
});

describe('external links', () => {
  it.each([
    ['https://kite.zerodha.com/connect/login?v=3&api_key=x', 'https://kite.zerodha.com/connect/login?v=3&api_key=x'],
    ['https://kite.trade/docs/connect/v3/', 'https://kite.trade/docs/connect/v3/'],
    ['https://KITE.ZERODHA.COM/', 'https://kite.zerodha.com/'],
  ])('allows %s', (url, href) => {
    expect(externalUrlToOpen(url)).toBe(href);
  });

  it.each([
    'https://kite.zerodha.com.evil.com/',
    'https://evil.com/?kite.zerodha.com',
    'https://evil.com/kite.zerodha.com',
    'https://kite.zerodha.com@evil.com/',
    'https://user:pw@kite.zerodha.com/',
    'https://kite.zerodha.com:8443/',
    'http://kite.zerodha.com/',
    'https://evilkite.trade/',
    'https://sub.kite.trade/',
    'file:///C:/Windows/System32/calc.exe',
    'smb://kite.zerodha.com/share',
    'javascript:alert(1)',
    'kite.zerodha.com',
    '',
  ])('refuses %s', (url) => {
    expect(externalUrlToOpen(url)).toBeNull();
  });

  it('window.open is always denied, allow-listed links go to the browser', () => {
    expect(decideWindowOpen('https://kite.zerodha.com/')).toEqual({ action: 'deny', openExternal: 'https://kite.zerodha.com/' });
    expect(decideWindowOpen('https://evil.com/')).toEqual({ action: 'deny', openExternal: null });
    expect(decideWindowOpen('app://kitedesk/index.html')).toEqual({ action: 'deny', openExternal: null });
  });
});

describe('isTrustedSender', () => {
  const main = { url: 'app://kitedesk/index.html', parent: null };
  it('accepts the main frame of our origin', () => {
    expect(isTrustedSender(main)).toBe(true);
    expect(isTrustedSender(main, main)).toBe(true);
  });
  it('rejects a null frame (navigated or destroyed)', () => {
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });
  it('rejects sub-frames, other windows and other origins', () => {
    expect(isTrustedSender({ url: 'app://kitedesk/x.html', parent: main })).toBe(false);
    expect(isTrustedSender({ url: 'app://kitedesk/index.html', parent: null }, main)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.com/', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'app://kitedesk.evil.com/', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'file:///index.html', parent: null })).toBe(false);
  });
});

describe('permissions', () => {
  it.each(['media', 'clipboard-read', 'openExternal', 'geolocation', 'fullscreen'])('denies %s, even to the app', (p) => {
    expect(decidePermission(p, 'app://kitedesk/index.html')).toBe(false);
  });
  it('allows notifications to the app only', () => {
    expect(decidePermission('notifications', 'app://kitedesk/index.html')).toBe(true);
    expect(decidePermission('notifications', 'app://kitedesk')).toBe(true);
    expect(decidePermission('notifications')).toBe(false);
    expect(decidePermission('notifications', 'https://kite.zerodha.com/connect/login')).toBe(false);
    expect(decidePermission('notifications', 'app://kitedesk.evil.com/')).toBe(false);
  });
});

describe('resolveAppPath', () => {
  const root = path.resolve('/srv/kitedesk/dist/renderer');

  it('maps app paths under the root', () => {
    expect(resolveAppPath(root, 'app://kitedesk/index.html')).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://kitedesk/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://kitedesk')).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://kitedesk/assets/index-abc.js?v=1#x')).toBe(path.join(root, 'assets', 'index-abc.js'));
    expect(resolveAppPath(root, 'app://kitedesk/assets/my%20font.woff2')).toBe(path.join(root, 'assets', 'my font.woff2'));
  });

  it.each([
    'app://kitedesk/../secret.txt',
    'app://kitedesk/assets/../../secret.txt',
    'app://kitedesk/%2e%2e/secret.txt',
    'app://kitedesk/%2E%2E/%2e%2e/etc/passwd',
    'app://kitedesk/.%2e/secret.txt',
    'app://kitedesk/..%2fsecret.txt',
    'app://kitedesk/..%5csecret.txt',
    'app://kitedesk/assets%2f..%2f..%2fsecret.txt',
    'app://kitedesk/..\\secret.txt',
    'app://kitedesk/./index.html',
    'app://kitedesk//etc/passwd',
    'app://kitedesk/%00index.html',
    'app://kitedesk/C:/Windows/win.ini',
    'app://kitedesk/index.html::$DATA',
    'app://kitedesk/%E0%A4%A',
    'app://other/index.html',
    'app://kitedesk.evil/index.html',
    'file:///etc/passwd',
    '/etc/passwd',
    'https://kitedesk/index.html',
  ])('rejects %s', (url) => {
    expect(resolveAppPath(root, url)).toBeNull();
  });

  it('never escapes the root under Windows path rules', () => {
    const winRoot = 'C:\\Program Files\\KiteDesk\\resources\\app.asar\\dist\\renderer';
    expect(resolveAppPath(winRoot, 'app://kitedesk/assets/a.js', path.win32)).toBe(`${winRoot}\\assets\\a.js`);
    expect(resolveAppPath(winRoot, 'app://kitedesk/..%5c..%5cwin.ini', path.win32)).toBeNull();
    expect(resolveAppPath(winRoot, 'app://kitedesk/C:%5cWindows%5cwin.ini', path.win32)).toBeNull();
    expect(resolveAppPath(winRoot, 'app://kitedesk/D:/x', path.win32)).toBeNull();
  });

  it('a double-encoded dot stays a literal file name inside the root', () => {
    // %252e decodes once to the three characters "%2e", a harmless file name.
    expect(resolveAppPath(root, 'app://kitedesk/%252e%252e/x')).toBe(path.join(root, '%2e%2e', 'x'));
  });
});

describe('mimeTypeFor', () => {
  it('knows the renderer build types and falls back to octet-stream', () => {
    expect(mimeTypeFor('/a/index.html')).toMatch(/^text\/html/);
    expect(mimeTypeFor('/a/x.JS')).toMatch(/^text\/javascript/);
    expect(mimeTypeFor('/a/x.css')).toMatch(/^text\/css/);
    expect(mimeTypeFor('/a/x.woff2')).toBe('font/woff2');
    expect(mimeTypeFor('/a/x.exe')).toBe('application/octet-stream');
  });
});
