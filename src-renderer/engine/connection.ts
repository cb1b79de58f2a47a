import { kiteDeskApi, type KiteDeskApi } from '../../src-engine/contract/api.js';
import { BRIDGE_GLOBAL, fromBridgeLink, type KiteDeskBridge } from '../../src-engine/contract/bridge.js';
import { RpcClient } from '../../src-engine/contract/rpc-client.js';
import { fromWebSocket } from '../../src-engine/contract/transport.js';
import { backoffDelay } from './backoff.js';
import { apiWebSocketProtocols, apiWebSocketUrl, pageToken, type TokenStorage } from './location.js';

export type EngineClient = RpcClient<KiteDeskApi>;

export interface ConnectionSink {
  state(state: 'connecting' | 'open' | 'closed', lastError?: string | null): void;
  via(via: 'bridge' | 'websocket'): void;
  /** A message for the person (engine gave up, stale preload). */
  failure(message: string): void;
}

/** The one client for the whole app. Subscriptions made on it survive reconnects. */
export const client: EngineClient = new RpcClient(kiteDeskApi, {
  onProtocolError: (e) => console.warn(`engine protocol error ${e.code}: ${e.message}`),
});

function findBridge(): unknown {
  return (window as unknown as Record<string, unknown>)[BRIDGE_GLOBAL];
}

/**
 * Connect `client` to the engine: through the Electron preload bridge when there is one, otherwise
 * over a same-origin WebSocket at /api with back-off reconnects. Returns a stop function.
 */
export function connectEngine(sink: ConnectionSink): () => void {
  const bridge = findBridge();
  if (bridge !== undefined) return connectBridge(bridge, sink);
  return connectWebSocket(sink);
}

function connectBridge(raw: unknown, sink: ConnectionSink): () => void {
  sink.via('bridge');
  const bridge = raw as Partial<KiteDeskBridge>;
  if (bridge.bridgeVersion !== 1 || typeof bridge.onEngineLink !== 'function' || typeof bridge.onEngineFailure !== 'function') {
    const msg = `This window's preload bridge is version ${String(bridge.bridgeVersion)}, expected 1. Restart KiteDesk.`;
    sink.state('closed', msg);
    sink.failure(msg);
    return () => {};
  }
  sink.state('connecting', null);
  const offLink = bridge.onEngineLink((link) => {
    const transport = fromBridgeLink(link);
    client.attach(transport);
    sink.state('open', null);
    transport.onClose((reason) => {
      // main hands us a fresh link after it restarts the engine
      sink.state('connecting', reason);
    });
  });
  const offFailure = bridge.onEngineFailure((message) => {
    sink.state('closed', message);
    sink.failure(message);
  });
  return () => {
    offLink();
    offFailure();
    client.detach('window closing');
  };
}

function connectWebSocket(sink: ConnectionSink): () => void {
  sink.via('websocket');
  // Read the launch token, keep it in this tab's sessionStorage (reloads and the return from the
  // Kite login have no token in the address), and take it out of the address bar (and history).
  const { token, cleanedUrl } = pageToken(window.location.href, sessionStore());
  if (cleanedUrl !== null) window.history.replaceState(window.history.state, '', cleanedUrl);
  const url = apiWebSocketUrl(window.location);
  const protocols = apiWebSocketProtocols(token);

  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let socket: WebSocket | undefined;

  const scheduleReconnect = (why: string): void => {
    if (stopped) return;
    const delay = backoffDelay(attempt++);
    sink.state('closed', `${why}; retrying in ${(delay / 1000).toFixed(1)} s`);
    timer = setTimeout(open, delay);
  };

  function open(): void {
    timer = undefined;
    if (stopped) return;
    sink.state('connecting');
    const ws = new WebSocket(url, protocols);
    socket = ws;
    let opened = false;
    ws.addEventListener('open', () => {
      if (stopped || socket !== ws) return;
      opened = true;
      attempt = 0;
      client.attach(fromWebSocket(ws));
      sink.state('open', null);
    });
    ws.addEventListener('close', (e) => {
      if (socket !== ws) return;
      socket = undefined;
      const why = opened ? `connection lost (${e.code}${e.reason ? ` ${e.reason}` : ''})` : 'engine not reachable';
      scheduleReconnect(why);
    });
  }

  open();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    client.detach('page closing');
    socket?.close(1000, 'page closing');
  };
}

function sessionStore(): TokenStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage blocked by the browser
  }
}
