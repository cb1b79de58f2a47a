/**
 * Engine entry inside Electron's utilityProcess. No electron import: the engine must stay runnable
 * under plain Node, so the few utility-process APIs are typed here structurally.
 * Control messages arrive on process.parentPort and are validated; each window's MessagePort
 * becomes one contract connection, so market data never passes through main.
 */
import { HEARTBEAT_INTERVAL_MS, engineToMainSchema, mainToEngineSchema, type EngineToMain } from '../contract/control.js';
import { fromMessagePort, type PortLike } from '../contract/transport.js';
import { ENGINE_VERSION } from '../runtime/engine.js';
import { processHealth } from '../runtime/health.js';
import type { KiteSessionManager } from '../runtime/kite-session.js';
import { bootEngine } from './bootstrap.js';
import { createFileLog } from './file-log.js';
import { ControlKiteHost } from './kite-control.js';
import { ControlApprovalStore } from './strategy-approvals-control.js';
import { PRIVATE_UMASK, defaultDataDir } from './paths.js';

/** Electron's MessagePortMain, as far as we use it. */
export interface MessagePortMainLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  start(): void;
  close(): void;
}
export interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown; ports: MessagePortMainLike[] }) => void): void;
  postMessage(message: unknown): void;
}

/** Wrap Electron's EventEmitter-style port into the contract's PortLike. */
export function portMainToPortLike(p: MessagePortMainLike): PortLike {
  return {
    postMessage: (d) => p.postMessage(d),
    addEventListener: ((type: 'message' | 'close', l: (e: { data: unknown }) => void) => {
      if (type === 'message') p.on('message', (e) => l({ data: e.data }));
      else p.on('close', () => (l as () => void)());
    }) as PortLike['addEventListener'],
    start: () => p.start(),
    close: () => p.close(),
  };
}

function argValue(argv: readonly string[], name: string): string | undefined {
  const pre = `--${name}=`;
  return argv.find((a) => a.startsWith(pre))?.slice(pre.length);
}

export interface UtilityOptions {
  argv?: readonly string[];
  /** process.exit in the utility process; injectable for tests. */
  exit?: (code: number) => void;
  /** The Kite session manager (tests inject one with a fake clock). */
  kite?: KiteSessionManager;
  /** How often to say `heartbeat` (default HEARTBEAT_INTERVAL_MS; 0 = never). A blocked event loop says nothing, and the supervisor kills it. */
  heartbeatMs?: number;
  /** Count unhandled promise rejections in this process (health; the real utility process only, never in-process tests). */
  watchRejections?: boolean;
}

export function runUtilityEngine(parentPort: ParentPortLike, opts: UtilityOptions = {}): void {
  const argv = opts.argv ?? process.argv;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const dataDir = argValue(argv, 'data-dir') ?? process.env['KITEDESK_DATA_DIR'] ?? defaultDataDir();
  const log = createFileLog(dataDir);
  if (opts.watchRejections === true) processHealth.watchUnhandledRejections(log);
  const send = (m: EngineToMain) => parentPort.postMessage(engineToMainSchema.parse(m));
  let booted: ReturnType<typeof bootEngine>;
  // Kite settings and login belong to main in the desktop app (the keychain and the login window).
  let kiteHost: ControlKiteHost | undefined;
  // User strategy approvals belong to main too: the engine asks it, and only main records one.
  const approvals = new ControlApprovalStore({ send });
  try {
    const configFile = argValue(argv, 'config');
    booted = bootEngine({
      dataDir,
      log,
      strategyApprovals: approvals,
      ...(configFile ? { configFile } : {}),
      ...(opts.kite ? { kite: opts.kite } : {}),
      kiteHost: (kite) => (kiteHost = new ControlKiteHost({ send, kite })),
    });
  } catch (e) {
    send({ type: 'fatal', message: (e as Error).message });
    exit(1);
    return;
  }
  // Kite secrets cross this channel (kite-login, kite-session-restore, kite-session): never log a
  // message, only its type; zod issues name the path, not the value.
  booted.kite.onEnded((ended) => send({ type: 'kite-session-ended', apiKey: ended.apiKey, reason: ended.reason }));
  // a backtest's report opens in main's sandboxed window: only the run id goes there
  booted.backtests.setReportOpener((id) => send({ type: 'backtest-report-open', id }));
  parentPort.on('message', (e) => {
    const m = mainToEngineSchema.safeParse(e.data);
    if (!m.success) {
      log('warn', 'invalid control message ignored', { issues: m.error.issues.slice(0, 3).map((i) => ({ code: i.code, path: i.path.join('.') })) });
      return;
    }
    if (m.data.type === 'kite-login') {
      const { apiKey, requestToken, apiSecret, root } = m.data;
      void booted.kite
        .login({ apiKey, requestToken, apiSecret, root })
        .then((r) => {
          if (r.ok) send({ type: 'kite-session', ...r.session });
          else send({ type: 'kite-login-failed', code: r.code, message: r.message });
        })
        .catch(() => {
          // e.g. a session answer the contract refuses (no user id); the error text is not forwarded.
          booted.kite.logout();
          send({ type: 'kite-login-failed', code: 'internal', message: 'the login answer could not be passed to the app' });
        });
    } else if (m.data.type === 'kite-session-restore') {
      const { apiKey, accessToken, userId, loginTime, root } = m.data;
      const r = booted.kite.restore({ apiKey, accessToken, userId, loginTime, root });
      if (!r.ok) send({ type: 'kite-login-failed', code: r.code, message: r.message });
    } else if (m.data.type === 'kite-logout') {
      booted.kite.logout();
    } else if (m.data.type === 'host-restarts') {
      processHealth.setRestarts(m.data.count, m.data.last);
      if (m.data.count > 0) log('info', 'engine restarted by the app', { restarts: m.data.count, reason: m.data.last?.reason });
    } else if (m.data.type === 'kite-host-reply') {
      kiteHost?.onReply(m.data);
    } else if (m.data.type === 'strategy-approval-reply') {
      approvals.onReply(m.data);
    } else if (m.data.type === 'attach-window') {
      const port = e.ports[0];
      if (!port) {
        log('warn', 'attach-window without a port ignored', { windowId: m.data.windowId });
        return;
      }
      booted.accept(fromMessagePort(portMainToPortLike(port)));
      log('info', 'window attached', { windowId: m.data.windowId });
    } else {
      log('info', 'shutdown requested', { reason: m.data.reason });
      kiteHost?.dispose();
      clearInterval(heartbeat);
      booted.shutdown();
      send({ type: 'stopped' });
      exit(0);
    }
  });
  send({ type: 'ready', pid: process.pid, version: ENGINE_VERSION });
  const beatMs = opts.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
  const heartbeat = beatMs > 0 ? setInterval(() => send({ type: 'heartbeat' }), beatMs) : undefined;
  heartbeat?.unref();
  if (beatMs > 0) send({ type: 'heartbeat' });
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (parentPort) {
  process.umask(PRIVATE_UMASK); // the database, its WAL and logs: this OS user only
  runUtilityEngine(parentPort, { watchRejections: true });
}
else if (process.argv[1]?.includes('utility-entry')) {
  process.stderr.write('utility-entry runs inside an Electron utility process; use `npm run kitedesk -- serve` under plain Node\n');
  process.exitCode = 1;
}
