/**
 * The engine as a `child_process.fork` child of the Node host (src-main/node-host.ts: the same
 * EngineSupervisor and PortBroker as Electron's main, on plain Node). It runs the very code of the
 * utility process (runUtilityEngine); only the transports differ:
 *  - the control channel is Node's IPC (`process.send` / `process.on('message')`) instead of parentPort;
 *  - a window's port is a local socket: `attach-window` carries `socketPath`, the engine listens there
 *    for exactly one connection (the window's) and serves the contract on it.
 *
 * Test-only faults (the chaos harness's `host` case): a `chaos-fault` message on the IPC channel makes
 * the engine throw, exit or hang — ONLY when this process was started with KITEDESK_CHAOS_FAULTS=1.
 * It is not part of the control contract (mainToEngineSchema refuses it), the renderer contract has no
 * way to reach the IPC channel, and Electron's utility process never loads this file.
 */
import { createServer } from 'node:net';
import { PRIVATE_UMASK } from './paths.js';
import { socketPortMain } from './socket-port.js';
import { runUtilityEngine, type MessagePortMainLike, type ParentPortLike } from './utility-entry.js';

export const CHAOS_FAULTS_ENV = 'KITEDESK_CHAOS_FAULTS';
export const ENGINE_FAULTS = ['throw', 'exit1', 'exit0', 'hang'] as const;
export type EngineFault = (typeof ENGINE_FAULTS)[number];

/** The engine's end of a window's socket: listens at `path`, takes the first connection, then stops listening. */
function listenOnce(path: string): MessagePortMainLike {
  const messageListeners: ((e: { data: unknown }) => void)[] = [];
  const closeListeners: (() => void)[] = [];
  let port: MessagePortMainLike | undefined;
  let closed = false;
  const server = createServer((sock) => {
    server.close();
    if (port || closed) {
      sock.destroy();
      return;
    }
    port = socketPortMain(sock);
    for (const l of messageListeners) port.on('message', l);
    for (const l of closeListeners) port.on('close', l);
    for (const m of pending.splice(0)) port.postMessage(m);
  });
  const pending: unknown[] = [];
  const fail = () => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l();
  };
  server.on('error', fail);
  server.listen(path);
  return {
    postMessage: (m) => (port ? port.postMessage(m) : void pending.push(m)),
    on: ((event: 'message' | 'close', l: (e: { data: unknown }) => void) => {
      if (event === 'message') messageListeners.push(l);
      else closeListeners.push(l as () => void);
      if (port) port.on(event as 'message', l);
    }) as MessagePortMainLike['on'],
    start: () => undefined,
    close: () => {
      server.close();
      port?.close();
      fail();
    },
  };
}

function fault(f: unknown): void {
  if (f === 'throw') {
    setImmediate(() => {
      throw new Error('chaos: an injected uncaught exception');
    });
  } else if (f === 'exit1') process.exit(1);
  else if (f === 'exit0') process.exit(0);
  else if (f === 'hang') {
    // the event loop blocked for good (without spinning a core): no heartbeat, no reply, until killed
    setImmediate(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
  }
}

export function nodeParentPort(faults: boolean): ParentPortLike {
  return {
    postMessage: (m) => void process.send?.(m),
    on: (_event, listener) => {
      process.on('message', (data: unknown) => {
        const m = data as { type?: unknown; socketPath?: unknown; fault?: unknown } | null;
        if (faults && m?.type === 'chaos-fault') return fault(m.fault);
        const ports = m?.type === 'attach-window' && typeof m.socketPath === 'string' ? [listenOnce(m.socketPath)] : [];
        listener({ data, ports });
      });
    },
  };
}

if (process.send && process.argv[1]?.includes('node-entry')) {
  process.umask(PRIVATE_UMASK);
  // the IPC channel going away (the host died) ends the engine, as a utility process dies with main
  process.on('disconnect', () => process.exit(0));
  runUtilityEngine(nodeParentPort(process.env[CHAOS_FAULTS_ENV] === '1'));
}
