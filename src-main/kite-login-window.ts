/**
 * Thin Electron glue for the Kite login window; every decision is KiteLoginFlow's (kite-login.ts).
 * A separate BrowserWindow on its own in-memory partition, sandboxed, context-isolated, without
 * preload or Node. Each navigation (will-navigate, will-redirect: main.ts's global guard defers to
 * the override registered here) is allowed only to Kite's login pages; the redirect to the app's
 * URL is stopped, the window closed, and the outcome handed to `onFinish`.
 */
import { BrowserWindow, type WebContents } from 'electron';
import { KiteLoginFlow, buildKiteLoginWebPreferences, kiteLoginUrl, loginOriginsFor, type KiteLoginOutcome, type KiteSettings } from './kite-login.js';

export type NavigationOverride = (event: { url: string; preventDefault(): void }) => void;

export interface OpenKiteLoginOptions {
  settings: KiteSettings;
  /** Registers the window's navigation policy with main.ts's global guard. */
  setNavigationOverride(contents: WebContents, override: NavigationOverride): void;
  /** The redirect's outcome, or null when the person closed the window first. Called once. */
  onFinish(outcome: KiteLoginOutcome | null): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

let partitionCounter = 0;

/** Only scheme and host: a refused URL may carry tokens in its query. */
function where(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'an invalid URL';
  }
}

export function openKiteLoginWindow(opts: OpenKiteLoginOptions): BrowserWindow {
  const { settings } = opts;
  const flow = new KiteLoginFlow({ redirectUrl: settings.redirectUrl, loginOrigins: loginOriginsFor(settings) });
  const start = kiteLoginUrl(settings.apiKey, settings.loginUrl);
  if (flow.decide(start).action !== 'allow') throw new Error(`the Kite login URL ${where(start)} is not an allowed login page`);

  const win = new BrowserWindow({
    width: 520,
    height: 760,
    title: 'Log in to Kite',
    autoHideMenuBar: true,
    backgroundColor: '#ffffff',
    webPreferences: { ...buildKiteLoginWebPreferences(`kite-login-${++partitionCounter}`) },
  });
  let finished = false;
  const finish = (outcome: KiteLoginOutcome | null) => {
    if (finished) return;
    finished = true;
    opts.onFinish(outcome);
  };
  opts.setNavigationOverride(win.webContents, (event) => {
    const d = flow.decide(event.url);
    if (d.action === 'allow') return;
    event.preventDefault();
    if (d.action === 'finish') {
      finish(d.outcome);
      setImmediate(() => {
        if (!win.isDestroyed()) win.close();
      });
    } else {
      opts.log('warn', `kite login window: blocked ${where(event.url)} (${d.reason.slice(0, 100)})`);
    }
  });
  win.on('closed', () => finish(null));
  void win.loadURL(start);
  return win;
}
