/**
 * Wiring test of the Kite login glue in main.ts (and kite-login-window.ts) against a fake
 * `electron` and an in-memory `keytar`: the login window's options and navigation policy, the
 * redirect → keychain → kite-login hand-off, kite-session → keychain, and kite-session-restore on
 * every engine start. The real binary is absent here; the pure decisions are in kite-login.test.ts.
 */
import type { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type Fn = ReturnType<typeof vi.fn>;
interface FakeContents extends EventEmitter {
  id: number;
  mainFrame: unknown;
  postMessage: Fn;
  send: Fn;
  setWindowOpenHandler: Fn;
  isDestroyed: () => boolean;
}
interface FakeWindow extends EventEmitter {
  options: Record<string, unknown>;
  webContents: FakeContents;
  loadURL: Fn;
  close: Fn;
  destroyed: boolean;
}

const REDIRECT = 'http://127.0.0.1:53682/kite/callback';
const API_SECRET = 'sek-ret-value-123';
const REQUEST_TOKEN = 'Rq12Tk34Xy56Zz78';
const ACCESS_TOKEN = 'acc-tok-999-abc';

const h = vi.hoisted(() => ({
  state: {
    resolveReady: () => {},
    windows: [] as FakeWindow[],
    children: [] as (EventEmitter & { pid: number | undefined; postMessage: Fn; kill: Fn })[],
    keychain: new Map<string, string>(),
    ipc: new Map<string, (...a: unknown[]) => unknown>(),
  },
}));

vi.mock('keytar', () => {
  const k = h.state.keychain;
  const key = (s: string, a: string) => `${s}/${a}`;
  return {
    default: {
      getPassword: async (s: string, a: string) => k.get(key(s, a)) ?? null,
      setPassword: async (s: string, a: string, p: string) => void k.set(key(s, a), p),
      deletePassword: async (s: string, a: string) => k.delete(key(s, a)),
    },
  };
});

vi.mock('electron', async () => {
  const { EventEmitter: EE } = await import('node:events');
  const { vi: v } = await import('vitest');
  const s = h.state;
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((r) => (readyResolve = r));
  s.resolveReady = () => readyResolve();
  const app = Object.assign(new EE(), {
    isPackaged: false,
    requestSingleInstanceLock: () => true,
    quit: v.fn(),
    whenReady: () => ready,
    getPath: (name: string) => `/fake/${name}`,
  });
  let nextId = 1;
  class BrowserWindow extends EE {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all.filter((w) => !w.destroyed);
    webContents: FakeContents;
    destroyed = false;
    loadURL = v.fn(async () => {});
    close = v.fn(() => {
      if (this.destroyed) return;
      this.destroyed = true;
      this.emit('closed');
    });
    constructor(readonly options: Record<string, unknown>) {
      super();
      this.webContents = Object.assign(new EE(), {
        id: nextId++,
        mainFrame: {},
        postMessage: v.fn(),
        send: v.fn(),
        setWindowOpenHandler: v.fn(),
        isDestroyed: () => this.destroyed,
      }) as FakeContents;
      app.emit('web-contents-created', {}, this.webContents);
      s.windows.push(this as unknown as FakeWindow);
      BrowserWindow.all.push(this);
    }
    isDestroyed = () => this.destroyed;
    isMinimized = () => false;
    show = v.fn();
    focus = v.fn();
  }
  class MessageChannelMain {
    port1 = { close: v.fn() };
    port2 = { close: v.fn() };
  }
  const ses = Object.assign(new EE(), { setPermissionRequestHandler: v.fn(), setPermissionCheckHandler: v.fn(), setDevicePermissionHandler: v.fn() });
  return {
    app,
    BrowserWindow,
    MessageChannelMain,
    session: { defaultSession: ses },
    protocol: { registerSchemesAsPrivileged: v.fn(), handle: v.fn() },
    utilityProcess: {
      fork: v.fn(() => {
        const child = Object.assign(new EE(), { pid: 7000 + s.children.length, postMessage: v.fn(), kill: v.fn(), stdout: null, stderr: null });
        s.children.push(child);
        return child;
      }),
    },
    dialog: { showMessageBox: v.fn(async () => ({ response: 0 })) },
    shell: { openExternal: v.fn(async () => {}) },
    powerMonitor: new EE(),
    ipcMain: { handle: v.fn((channel: string, fn: (...a: unknown[]) => unknown) => s.ipc.set(channel, fn)) },
  };
});

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};
const printed: string[] = [];
const env = { ...process.env };

beforeAll(() => {
  process.env['KITEDESK_KITE_REDIRECT_URL'] = REDIRECT;
  process.env['KITEDESK_KITE_API_KEY'] = 'Key1';
  for (const m of ['log', 'warn', 'error'] as const) vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
});
afterAll(() => {
  process.env = env;
  vi.restoreAllMocks();
});

describe('main.ts Kite login glue (fake electron, in-memory keytar)', () => {
  it('opens a hardened login window, hands the redirect to the engine, stores the session and restores it on restart', async () => {
    const s = h.state;
    s.keychain.set('KiteDesk/kite:api_secret:key1', API_SECRET);
    await import('./main.js');
    s.resolveReady();
    await flush();
    expect(s.windows).toHaveLength(1);
    expect(s.ipc.has('kite:login')).toBe(true);
    const mainWin = s.windows[0]!;

    // Engine ready, nothing stored: the login window opens.
    const child = s.children[0]!;
    child.emit('message', { type: 'ready', pid: child.pid, version: 't' });
    await flush();
    expect(s.windows).toHaveLength(2);
    const login = s.windows[1]!;
    const wp = login.options['webPreferences'] as Record<string, unknown>;
    expect(wp).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false, devTools: false });
    expect(wp['preload']).toBeUndefined();
    expect(String(wp['partition'])).toMatch(/^kite-login-\d+$/);
    expect(login.loadURL).toHaveBeenCalledWith('https://kite.zerodha.com/connect/login?v=3&api_key=Key1');

    // Its navigation policy is the flow's, not app:// only; the main window keeps app:// only.
    const nav = (wc: FakeContents, kind: string, url: string) => {
      const e = { url, preventDefault: vi.fn() };
      wc.emit(kind, e);
      return e.preventDefault.mock.calls.length > 0;
    };
    expect(nav(login.webContents, 'will-navigate', 'https://kite.zerodha.com/connect/twofa')).toBe(false);
    expect(nav(login.webContents, 'will-navigate', 'https://kite.zerodha.com.evil.com/')).toBe(true);
    expect(nav(login.webContents, 'will-redirect', 'http://kite.zerodha.com/')).toBe(true);
    expect(nav(mainWin.webContents, 'will-navigate', 'https://kite.zerodha.com/connect/login')).toBe(true);

    // ipc kite:login while the window is open focuses it instead of opening another.
    const frame = Object.assign(mainWin.webContents.mainFrame as object, { url: 'app://kitedesk/index.html', parent: null });
    expect(() => s.ipc.get('kite:login')!({ sender: mainWin.webContents, senderFrame: { url: 'https://evil.com/', parent: null } })).toThrow(/untrusted sender/);
    expect(await s.ipc.get('kite:login')!({ sender: mainWin.webContents, senderFrame: frame })).toEqual({ opened: true });
    expect(s.windows).toHaveLength(2);

    // The redirect: stopped, window closed, api_secret from the keychain → kite-login to the engine.
    expect(nav(login.webContents, 'will-redirect', `${REDIRECT}?action=login&type=login&status=success&request_token=${REQUEST_TOKEN}`)).toBe(true);
    await new Promise((r) => setImmediate(r));
    await flush();
    expect(login.close).toHaveBeenCalled();
    expect(child.postMessage).toHaveBeenCalledWith({ type: 'kite-login', apiKey: 'Key1', requestToken: REQUEST_TOKEN, apiSecret: API_SECRET });

    // kite-session → keychain (JSON with the expiry).
    const expiresAt = Date.now() + 3_600_000;
    child.emit('message', { type: 'kite-session', apiKey: 'Key1', userId: 'AB1234', accessToken: ACCESS_TOKEN, loginTime: Date.now(), expiresAt });
    await flush();
    const stored = JSON.parse(s.keychain.get('KiteDesk/kite:access_token:key1')!) as Record<string, unknown>;
    expect(stored).toMatchObject({ accessToken: ACCESS_TOKEN, userId: 'AB1234', expiresAt });

    // The engine crashes and restarts: the new one gets the session back, and no login window opens.
    child.pid = undefined;
    child.emit('exit', 9);
    await new Promise((r) => setTimeout(r, 300));
    const child2 = s.children[1]!;
    child2.emit('message', { type: 'ready', pid: child2.pid, version: 't' });
    await flush();
    expect(child2.postMessage).toHaveBeenCalledWith(expect.objectContaining({ type: 'kite-session-restore', apiKey: 'Key1', accessToken: ACCESS_TOKEN, userId: 'AB1234' }));
    expect(s.windows.filter((w) => !w.destroyed)).toHaveLength(1);

    // The session ends in the engine: the stored token is deleted.
    child2.emit('message', { type: 'kite-session-ended', apiKey: 'Key1', reason: 'expired' });
    await flush();
    expect(s.keychain.has('KiteDesk/kite:access_token:key1')).toBe(false);

    // No secret was printed by main.
    const out = printed.join('\n');
    for (const secret of [API_SECRET, REQUEST_TOKEN, ACCESS_TOKEN]) expect(out).not.toContain(secret);
  });
});
