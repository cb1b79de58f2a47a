/**
 * Electron main process: thin glue. Every decision lives in a pure module with unit tests
 * (security.ts, app-protocol.ts, ipc-guard.ts, engine-supervisor.ts, port-broker.ts, paths.ts,
 * kite-login.ts);
 * this file only connects them to Electron. Bundled to dist/main/main.cjs (CommonJS), so
 * `__dirname` is dist/main.
 */
import {
  BrowserWindow,
  MessageChannelMain,
  app,
  dialog,
  powerMonitor,
  protocol,
  session,
  shell,
  utilityProcess,
  type MessagePortMain,
  type Session,
  type WebContents,
} from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createAppProtocolHandler } from './app-protocol.js';
import { EngineSupervisor, type ChildLike, type LogLevel } from './engine-supervisor.js';
import { handleTrusted } from './ipc.js';
import { openKeychain, type SecretStore } from './keychain.js';
import { KITE_LOGIN_PAGE, KiteCredentialStore, kiteEnvForHost } from '../src-engine/contract/kite-credentials.js';
import { answerKiteHostRequest } from './kite-host-main.js';
import { NATIVE_MANIFEST, checkNativeModules } from './native-integrity.js';
import { MAIN_APPROVALS_DIR, MAIN_APPROVALS_FILE, MainApprovalStore, answerStrategyApprovalRequest } from './strategy-approvals.js';
import { KiteAuth } from './kite-login.js';
import { openKiteLoginWindow, type NavigationOverride } from './kite-login-window.js';
import { type AppPaths, engineEnv, PRIVATE_UMASK, resolveAppPaths } from './paths.js';
import { PortBroker, type WindowHandle } from './port-broker.js';
import { openBacktestReport } from './report-window.js';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  buildWebPreferences,
  decidePermission,
  decideWindowOpen,
  isNavigationAllowed,
} from './security.js';

const ENGINE_SERVICE_NAME = 'KiteDesk Engine';

/** Windows whose navigation is decided by their own policy (the Kite login window), not app:// only. */
const navigationOverrides = new WeakMap<WebContents, NavigationOverride>();

function log(level: LogLevel, message: string): void {
  const line = `[main] ${message}`;
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

// A second instance would run a second engine and could place duplicate orders.
if (!app.requestSingleInstanceLock()) {
  log('warn', 'another KiteDesk instance is running; quitting');
  app.quit();
} else {
  start();
}

function start(): void {
  // userData (Chromium's profile, crash dumps, the engine's database): this OS user only.
  process.umask(PRIVATE_UMASK);
  const paths = resolveAppPaths(__dirname);

  // Must happen before `ready`.
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);

  const supervisor = new EngineSupervisor<MessagePortMain>({
    fork: () => forkEngine(paths),
    log,
  });
  const broker = new PortBroker<MessagePortMain>({
    engine: supervisor,
    createChannel: () => new MessageChannelMain(),
    log,
  });

  // each new engine learns how often it was restarted, for its Health tab
  supervisor.on('ready', () => void supervisor.postMessage({ type: 'host-restarts', ...supervisor.restartStats }));
  // backtest.openReport: the engine names a run; main finds its report.html and shows it without script
  supervisor.on('report', ({ id }) =>
    openBacktestReport(id, {
      dataDir: app.getPath('userData'),
      isPackaged: app.isPackaged,
      createWindow: (options) => new BrowserWindow({ ...options, webPreferences: { ...options.webPreferences } }),
      log,
    }),
  );
  supervisor.on('failed', ({ message }) => {
    // The broker already told every window ('engine-failure'); tell the person too.
    void dialog.showMessageBox({ type: 'error', title: 'KiteDesk engine stopped', message: 'The trading engine stopped', detail: message, buttons: ['OK'] });
  });

  app.on('session-created', hardenSession);

  // Guards for every webContents, whatever created it.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

  app.on('child-process-gone', (_event, details) => {
    // electron#42283: `exit` may report 0 for a crash; this event carries the real reason. The
    // supervisor restarts on any unexpected exit either way; this is for the log.
    if (details.type === 'Utility' && details.serviceName === ENGINE_SERVICE_NAME) {
      log('warn', `engine process gone: reason=${details.reason} exitCode=${details.exitCode}`);
    }
  });

  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    const alive = supervisor.state === 'running' || supervisor.state === 'starting' || supervisor.state === 'stopping';
    // stop() also cancels a pending restart, so nothing is forked while quitting.
    const stopped = supervisor.stop('app quitting');
    if (alive) {
      // Let the engine shut down cleanly (it is killed after the supervisor's stop timeout).
      event.preventDefault();
      void stopped.finally(() => app.quit());
    }
  });

  app.on('window-all-closed', () => {
    // A trading app without windows has nobody watching it: quit on every platform.
    app.quit();
  });

  void app.whenReady().then(async () => {
    // Finding 9: the unpacked native modules against the hashes the build recorded inside app.asar,
    // before the engine (better-sqlite3) or the keychain (keytar) loads one. Packaged only; not on macOS.
    const native = await checkNativeModules({
      packaged: app.isPackaged,
      platform: process.platform,
      manifestFile: path.join(__dirname, '..', NATIVE_MANIFEST),
      // process.resourcesPath is Electron's; unpackaged there is nothing to check (and in tests no Electron)
      unpackedDir: app.isPackaged ? path.join(process.resourcesPath, 'app.asar.unpacked') : '',
    });
    if (!native.ok) {
      log('error', `native modules refused: ${native.problems.join('; ')}`);
      dialog.showErrorBox('KiteDesk cannot start', native.message);
      app.exit(1);
      return;
    }
    log('info', 'skipped' in native ? `native modules not checked (${native.skipped})` : `native modules checked: ${native.checked.map((c) => path.basename(c.file)).join(', ')}`);
    hardenSession(session.defaultSession);
    const handler = createAppProtocolHandler({
      rootDir: paths.rendererDir,
      readFile: (file) => readFile(file),
      log: (m) => log('warn', m),
    });
    protocol.handle(APP_SCHEME, (request) => handler(request));

    // Planned: pause strategies on suspend and reconcile with the broker before resuming
    // (platform-notes 1.9). For now the events are only logged.
    powerMonitor.on('suspend', () => log('info', 'system suspending (planned: pause strategies)'));
    powerMonitor.on('resume', () => log('info', 'system resumed (planned: reconcile before trading)'));

    supervisor.start();
    createMainWindow(paths.preload, broker);
  });

  setupKite(supervisor);
  setupStrategyApprovals(supervisor);
}

/**
 * User strategy files: main keeps the approved hashes (strategy-approvals.ts). The engine asks; an
 * approval needs the person's yes in main's own dialog, which shows the file's path, sha256 and first lines.
 */
function setupStrategyApprovals(supervisor: EngineSupervisor<MessagePortMain>): void {
  let store: MainApprovalStore | undefined;
  supervisor.on('approval', ({ incarnation, message }) => {
    store ??= new MainApprovalStore(path.join(app.getPath('userData'), MAIN_APPROVALS_DIR, MAIN_APPROVALS_FILE));
    if (store.unreadable) log('warn', `strategy approvals: ${store.unreadable}`);
    void answerStrategyApprovalRequest(message, {
      store,
      strategiesDir: path.join(app.getPath('userData'), 'strategies'),
      confirm: async (p) => {
        const win = BrowserWindow.getAllWindows()[0];
        const box = {
          type: 'warning' as const,
          title: 'Approve a strategy file',
          message: `Run the strategy file ${p.file}?`,
          detail:
            `It runs inside the trading engine with your user's rights: it can read and write your files and use the network. ` +
            `Approve it only if you wrote it or trust where it came from.\n\n${p.fullPath}\n${p.bytes} bytes, sha256 ${p.sha256}\n\n${p.head}`,
          buttons: ['Cancel', 'Approve'],
          defaultId: 0,
          cancelId: 0,
          noLink: true,
        };
        const r = win ? await dialog.showMessageBox(win, box) : await dialog.showMessageBox(box);
        return r.response === 1;
      },
      log,
    }).then((reply) => {
      // a reply for an engine that has since been replaced would meet another engine's request ids
      if (supervisor.incarnation === incarnation) supervisor.postMessage(reply);
    });
  });
}

/**
 * Kite login glue (every decision is in kite-login.ts and kite-host-main.ts). The credentials come
 * from the Settings screen (renderer → engine → `kite-host-request` → here → the keychain), with
 * KITEDESK_KITE_* environment variables on top (contract/kite-credentials.ts). Every engine start
 * gets the stored session back; when there is none on the first start and Kite is configured, the
 * login window opens. `kite:login` (renderer → main, nothing secret back) and `kiteSession.login`
 * open it again.
 */
function setupKite(supervisor: EngineSupervisor<MessagePortMain>): void {
  let keychain: Promise<SecretStore> | undefined;
  // Opened on first use; a failure is not kept, so a keyring unlocked later is picked up.
  const secrets = () =>
    (keychain ??= openKeychain().catch((e: unknown) => {
      keychain = undefined;
      throw e;
    }));
  // Packaged, the endpoint overrides are dropped (kiteEnvForHost); unpackaged, only https or loopback ones are used.
  const credentials = new KiteCredentialStore({ store: secrets, env: () => kiteEnvForHost(process.env, { packaged: app.isPackaged }), host: 'desktop' });
  let authBuilt: Promise<KiteAuth | null> | undefined;
  const auth = (): Promise<KiteAuth | null> =>
    (authBuilt ??= credentials.resolve().then(
      (c) =>
        new KiteAuth({
          secrets,
          engine: supervisor,
          settings: { apiKey: c.apiKey, redirectUrl: c.redirectUrl, ...(c.loginPage !== KITE_LOGIN_PAGE ? { loginUrl: c.loginPage } : {}), ...(c.root ? { root: c.root } : {}) },
          log,
          apiSecret: () => process.env['KITEDESK_KITE_API_SECRET']?.trim() || undefined,
          onProblem: (message) => void dialog.showMessageBox({ type: 'warning', title: 'Kite login', message: 'Kite login', detail: message, buttons: ['OK'] }),
        }),
      () => {
        authBuilt = undefined; // not configured (or no keychain) yet: look again next time
        return null;
      },
    ));

  let loginWindow: BrowserWindow | null = null;
  const openLogin = async (): Promise<boolean> => {
    const a = await auth();
    if (!a) return false;
    if (loginWindow && !loginWindow.isDestroyed()) {
      loginWindow.focus();
      return true;
    }
    loginWindow = openKiteLoginWindow({
      settings: a.settings,
      setNavigationOverride: (contents, override) => navigationOverrides.set(contents, override),
      onFinish: (outcome) => {
        loginWindow = null;
        if (outcome) void a.finishLogin(outcome);
        else log('info', 'kite: login window closed before the login finished');
      },
      log,
    });
    return true;
  };

  let firstReady = true;
  supervisor.on('ready', () => {
    const first = firstReady;
    firstReady = false;
    void auth().then(async (a) => {
      if (!a) return;
      const restored = await a.restoreSession();
      if (!restored && first) await openLogin();
    });
  });
  supervisor.on('kite', ({ message }) => {
    if (message.type === 'kite-host-request') {
      void answerKiteHostRequest(message, {
        credentials,
        openLogin,
        logout: async () => {
          await (await auth())?.logout();
        },
        onChanged: () => (authBuilt = undefined),
        log,
      }).then((reply) => supervisor.postMessage(reply));
    } else {
      void auth().then((a) => a?.onEngineMessage(message));
    }
  });
  void app.whenReady().then(() => handleTrusted('kite:login', async () => ({ opened: await openLogin() })));
}

function forkEngine(paths: AppPaths): ChildLike<MessagePortMain> {
  // The engine keeps its database and logs in the app's userData dir (the same default as `serve`).
  const child = utilityProcess.fork(paths.engineEntry, [`--data-dir=${app.getPath('userData')}`], {
    serviceName: ENGINE_SERVICE_NAME,
    stdio: 'pipe',
    env: engineEnv(process.env, app.isPackaged, paths),
  });
  // With stdio 'pipe' the streams must be drained, or the engine blocks once the pipe is full.
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefixLines('[engine] ', chunk)));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefixLines('[engine] ', chunk)));
  return child;
}

function prefixLines(prefix: string, chunk: Buffer): string {
  const text = chunk.toString('utf8');
  return text.replace(/^(?=.)/gm, prefix);
}

function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => callback(decidePermission(permission, (details as { requestingUrl?: string } | undefined)?.requestingUrl)));
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => decidePermission(permission, requestingOrigin));
  ses.setDevicePermissionHandler(() => false);
  // Nothing in KiteDesk downloads through Chromium (exports are written by the engine).
  ses.on('will-download', (event, item) => {
    event.preventDefault();
    log('warn', `blocked download of ${item.getURL().slice(0, 200)}`);
  });
}

function guardWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    const override = navigationOverrides.get(contents);
    if (override) return override(event);
    if (!isNavigationAllowed(event.url)) {
      event.preventDefault();
      log('warn', `blocked navigation to ${event.url.slice(0, 200)}`);
    }
  });
  contents.on('will-redirect', (event) => {
    const override = navigationOverrides.get(contents);
    if (override) return override(event);
    if (!isNavigationAllowed(event.url)) {
      event.preventDefault();
      log('warn', `blocked redirect to ${event.url.slice(0, 200)}`);
    }
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  // Frames: the app has none, so any frame navigating is denied (the main frame is will-navigate's);
  // in the Kite login window its own allow-list decides.
  contents.on('will-frame-navigate', (event) => {
    if (event.isMainFrame) return;
    const override = navigationOverrides.get(contents);
    if (override) return override(event);
    event.preventDefault();
    log('warn', `blocked frame navigation to ${event.url.slice(0, 200)}`);
  });
  contents.setWindowOpenHandler((details) => {
    const decision = decideWindowOpen(details.url);
    if (decision.openExternal) void shell.openExternal(decision.openExternal);
    else log('warn', `blocked window.open of ${details.url.slice(0, 200)}`);
    return { action: 'deny' };
  });
}

function createMainWindow(preloadPath: string, broker: PortBroker<MessagePortMain>): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    title: 'KiteDesk',
    show: false,
    backgroundColor: '#101418',
    webPreferences: { ...buildWebPreferences({ preloadPath, isPackaged: app.isPackaged }) },
  });
  const contents = win.webContents;
  const id = contents.id;
  const handle: WindowHandle<MessagePortMain> = {
    id,
    isDestroyed: () => win.isDestroyed() || contents.isDestroyed(),
    sendPort: (port) => contents.postMessage('engine-port', null, [port]),
    sendFailure: (message) => contents.send('engine-failure', message),
  };

  // The preload listens from document start, so a port sent after the load arrives. Every load
  // (first load and any reload, which drops the old port) gets a fresh port.
  let added = false;
  contents.on('did-finish-load', () => {
    if (!added) {
      added = true;
      broker.addWindow(handle);
    } else {
      broker.rebroker(id);
    }
  });
  contents.on('render-process-gone', (_event, details) => log('error', `renderer gone: ${details.reason}`));
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => broker.removeWindow(id));

  void win.loadURL(APP_ENTRY_URL);
  return win;
}
