/**
 * Wiring test of main.ts against a fake `electron` module (the real binary is absent here). It
 * checks the glue, not Electron: what is called, with which options, in which order.
 */
import type { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

interface FakeContents extends EventEmitter {
  id: number;
  mainFrame: unknown;
  postMessage: ReturnType<typeof vi.fn>;
  send: ReturnType<typeof vi.fn>;
  setWindowOpenHandler: ReturnType<typeof vi.fn>;
  isDestroyed: () => boolean;
}

const h = vi.hoisted(() => {
  const state = {
    lock: true,
    calls: [] as string[],
    windows: [] as { options: Record<string, unknown>; webContents: FakeContents; loadURL: ReturnType<typeof vi.fn>; loadFile: ReturnType<typeof vi.fn> }[],
    userData: '/fake/userData',
    children: [] as (EventEmitter & { pid: number | undefined; postMessage: ReturnType<typeof vi.fn>; kill: ReturnType<typeof vi.fn> })[],
    forkArgs: [] as unknown[][],
    resolveReady: () => {},
  };
  return { state };
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
    requestSingleInstanceLock: v.fn(() => s.lock),
    quit: v.fn(() => s.calls.push('app.quit')),
    whenReady: () => ready,
    getAppMetrics: () => [],
    getPath: v.fn((name: string) => (name === 'userData' ? s.userData : `/fake/${name}`)),
  });
  let nextId = 1;
  class BrowserWindow extends EE {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all;
    webContents: FakeContents;
    loadURL = v.fn(async () => {});
    loadFile = v.fn(async () => {});
    constructor(options: Record<string, unknown>) {
      super();
      const wc = Object.assign(new EE(), {
        id: nextId++,
        mainFrame: {},
        postMessage: v.fn(),
        send: v.fn(),
        setWindowOpenHandler: v.fn(),
        isDestroyed: () => false,
      }) as FakeContents;
      this.webContents = wc;
      app.emit('web-contents-created', {}, wc);
      s.windows.push({ options, webContents: wc, loadURL: this.loadURL, loadFile: this.loadFile });
      BrowserWindow.all.push(this);
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    show = v.fn();
  }
  class MessageChannelMain {
    static n = 0;
    port1 = { name: `p1-${++MessageChannelMain.n}`, close: v.fn() };
    port2 = { name: `p2-${MessageChannelMain.n}`, close: v.fn() };
  }
  const ses = Object.assign(new EE(), { setPermissionRequestHandler: v.fn(), setPermissionCheckHandler: v.fn(), setDevicePermissionHandler: v.fn() });
  return {
    app,
    BrowserWindow,
    MessageChannelMain,
    session: { defaultSession: ses },
    protocol: {
      registerSchemesAsPrivileged: v.fn(() => s.calls.push('registerSchemesAsPrivileged')),
      handle: v.fn(() => s.calls.push('protocol.handle')),
    },
    utilityProcess: {
      fork: v.fn((...args: unknown[]) => {
        s.forkArgs.push(args);
        const child = Object.assign(new EE(), { pid: 7000 + s.children.length, postMessage: v.fn(), kill: v.fn(), stdout: null, stderr: null });
        s.children.push(child);
        return child;
      }),
    },
    dialog: { showMessageBox: v.fn(async () => ({ response: 0 })) },
    shell: { openExternal: v.fn(async () => {}) },
    powerMonitor: new EE(),
    ipcMain: { handle: v.fn() },
  };
});

const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('main.ts wiring (fake electron)', () => {
  it('registers app://, hardens the session, creates a hardened window and brokers ports on engine ready', async () => {
    const electron = await import('electron');
    await import('./main.js');
    const s = h.state;

    // Before ready: scheme registered, nothing else.
    expect(s.calls).toEqual(['registerSchemesAsPrivileged']);
    expect(vi.mocked(electron.protocol.registerSchemesAsPrivileged).mock.calls[0]![0]).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);

    s.resolveReady();
    await flush();
    expect(s.calls).toContain('protocol.handle');
    expect(vi.mocked(electron.protocol.handle).mock.calls[0]![0]).toBe('app');
    const ses = electron.session.defaultSession as unknown as Record<string, ReturnType<typeof vi.fn>>;
    expect(ses['setPermissionRequestHandler']).toHaveBeenCalled();
    const cb = vi.fn();
    (ses['setPermissionRequestHandler']!.mock.calls[0]![0] as (w: unknown, p: string, c: (ok: boolean) => void) => void)({}, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);

    // The engine is forked as a utility process.
    expect(s.forkArgs).toHaveLength(1);
    const [entry, args, options] = s.forkArgs[0]!;
    expect(String(entry).endsWith(path.join('engine', 'utility-entry.js'))).toBe(true);
    // the engine shares Electron's userData with headless serve
    expect(args).toEqual(['--data-dir=/fake/userData']);
    const { env, ...rest } = options as { env: NodeJS.ProcessEnv };
    expect(rest).toEqual({ serviceName: 'KiteDesk Engine', stdio: 'pipe' });
    // unpackaged: the engine loads better-sqlite3 built for Electron's ABI, next to the checkout's dist/
    expect(env['KITEDESK_SQLITE_BINDING']).toBe(path.join(path.dirname(path.dirname(String(entry))), '..', 'node_modules', '.kitedesk', 'electron-sqlite', 'better_sqlite3.node'));

    // One hardened window loading app://.
    expect(s.windows).toHaveLength(1);
    const win = s.windows[0]!;
    const wp = win.options['webPreferences'] as Record<string, unknown>;
    expect(wp).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false, enableWebSQL: false });
    expect(String(wp['preload']).endsWith('preload.cjs')).toBe(true);
    expect(win.loadURL).toHaveBeenCalledWith('app://kitedesk/index.html');

    // Guards were applied through web-contents-created.
    const wc = win.webContents;
    const nav = { url: 'https://evil.com/', preventDefault: vi.fn() };
    wc.emit('will-navigate', nav);
    expect(nav.preventDefault).toHaveBeenCalled();
    const inApp = { url: 'app://kitedesk/index.html#/orders', preventDefault: vi.fn() };
    wc.emit('will-navigate', inApp);
    expect(inApp.preventDefault).not.toHaveBeenCalled();
    const redirect = { url: 'http://kite.zerodha.com/', preventDefault: vi.fn() };
    wc.emit('will-redirect', redirect);
    expect(redirect.preventDefault).toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    wc.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    // a frame navigating (an iframe, even to app://) is denied; the main frame is left to will-navigate
    for (const url of ['https://evil.com/', 'app://kitedesk/index.html']) {
      const frameNav = { url, isMainFrame: false, preventDefault: vi.fn() };
      wc.emit('will-frame-navigate', frameNav);
      expect(frameNav.preventDefault, url).toHaveBeenCalled();
    }
    const mainFrameNav = { url: 'app://kitedesk/index.html#/x', isMainFrame: true, preventDefault: vi.fn() };
    wc.emit('will-frame-navigate', mainFrameNav);
    expect(mainFrameNav.preventDefault).not.toHaveBeenCalled();
    // downloads are denied, session-wide
    const download = { preventDefault: vi.fn() };
    (electron.session.defaultSession as unknown as EventEmitter).emit('will-download', download, { getURL: () => 'https://evil.com/x.exe' }, wc);
    expect(download.preventDefault).toHaveBeenCalled();
    const openHandler = wc.setWindowOpenHandler.mock.calls[0]![0] as (d: { url: string }) => { action: string };
    expect(openHandler({ url: 'https://kite.zerodha.com/' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://kite.zerodha.com/');
    expect(openHandler({ url: 'https://kite.zerodha.com.evil.com/' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(1);

    // Engine ready before the page loaded: it is told its restarts (none), nothing brokered yet; the load brokers.
    const child = s.children[0]!;
    child.emit('message', { type: 'ready', pid: child.pid, version: 't' });
    expect(child.postMessage.mock.calls).toEqual([[{ type: 'host-restarts', count: 0 }]]);
    wc.emit('did-finish-load');
    expect(child.postMessage).toHaveBeenCalledTimes(2);
    const [msg, transfer] = child.postMessage.mock.calls[1]!;
    expect(msg).toEqual({ type: 'attach-window', windowId: wc.id });
    expect(wc.postMessage).toHaveBeenCalledTimes(1);
    const [channel, payload, ports] = wc.postMessage.mock.calls[0]!;
    expect(channel).toBe('engine-port');
    expect(payload).toBeNull();
    // The two ends of one channel: p1-N to the engine, p2-N to the window.
    expect((transfer as { name: string }[])[0]!.name.replace('p1', '')).toBe((ports as { name: string }[])[0]!.name.replace('p2', ''));

    // A reload gets a fresh port.
    wc.emit('did-finish-load');
    expect(wc.postMessage).toHaveBeenCalledTimes(2);

    // backtest.openReport: the engine names a run id; main opens that run's report.html from userData
    // in a window without preload, Node or script; a path instead of an id is dropped on arrival
    const userData = mkdtempSync(path.join(tmpdir(), 'kitedesk-main-report-'));
    try {
      mkdirSync(path.join(userData, 'backtests', 'bt-main-0001'), { recursive: true });
      writeFileSync(path.join(userData, 'backtests', 'bt-main-0001', 'report.html'), '<p>r</p>');
      s.userData = userData;
      child.emit('message', { type: 'backtest-report-open', id: '../../etc' });
      child.emit('message', { type: 'backtest-report-open', id: 'bt-none-0001' });
      expect(s.windows).toHaveLength(1);
      child.emit('message', { type: 'backtest-report-open', id: 'bt-main-0001' });
      expect(s.windows).toHaveLength(2);
      const rw = s.windows[1]!;
      expect(rw.options['webPreferences']).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false });
      expect((rw.options['webPreferences'] as Record<string, unknown>)['preload']).toBeUndefined();
      expect(rw.loadFile).toHaveBeenCalledWith(realpathSync(path.join(userData, 'backtests', 'bt-main-0001', 'report.html')));
      expect(rw.loadURL).not.toHaveBeenCalled();
    } finally {
      s.userData = '/fake/userData';
      rmSync(userData, { recursive: true, force: true });
    }

    // Crash loop: windows and the person are told.
    vi.useFakeTimers();
    try {
      for (let i = 0; i < 4; i++) {
        const c = s.children[s.children.length - 1]!;
        c.pid = undefined;
        c.emit('exit', 11);
        vi.advanceTimersByTime(5_000);
      }
    } finally {
      vi.useRealTimers();
    }
    expect(wc.send).toHaveBeenCalledWith('engine-failure', expect.stringMatching(/will not be restarted/));
    expect(electron.dialog.showMessageBox).toHaveBeenCalledTimes(1);
  });

  it('quits at once when another instance holds the lock', async () => {
    vi.resetModules();
    h.state.lock = false;
    h.state.calls = [];
    await import('./main.js');
    expect(h.state.calls).toEqual(['app.quit']);
  });
});
