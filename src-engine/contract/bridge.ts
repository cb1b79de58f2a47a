import type { Transport } from './transport.js';

/**
 * The one object the Electron preload exposes to the renderer, as `window[BRIDGE_GLOBAL]`.
 * The engine's MessagePort stays inside the preload; the page only sees these narrow functions.
 * In the browser (headless `serve`) there is no bridge and the renderer uses a WebSocket.
 */
export const BRIDGE_GLOBAL = 'kitedesk';

/** One live link to the engine, backed by a MessagePort held by the preload. */
export interface BridgeLink {
  send(frame: string): void;
  onFrame(listener: (frame: string) => void): void;
  onClose(listener: () => void): void;
  close(): void;
}

export interface KiteDeskBridge {
  /** Bridge/protocol version so a stale preload is detected. */
  readonly bridgeVersion: 1;
  readonly platform: string;
  /**
   * Called with a fresh link each time main hands this window an engine port: at start and after
   * every engine restart. Returns a function that removes the listener.
   */
  onEngineLink(listener: (link: BridgeLink) => void): () => void;
  /** The supervisor gave up restarting the engine (crash loop); the message is for the person. */
  onEngineFailure(listener: (message: string) => void): () => void;
}

/** Adapt a bridge link to the contract's Transport. */
export function fromBridgeLink(link: BridgeLink): Transport {
  let open = true;
  const closeListeners: ((r: string) => void)[] = [];
  link.onClose(() => {
    if (!open) return;
    open = false;
    for (const l of closeListeners.splice(0)) l('engine link closed');
  });
  return {
    get isOpen() {
      return open;
    },
    send: (f) => {
      if (open) link.send(f);
    },
    onFrame: (l) => link.onFrame(l),
    onClose: (l) => {
      if (open) closeListeners.push(l);
      else l('engine link closed');
    },
    close: () => {
      if (!open) return;
      open = false;
      link.close();
      for (const l of closeListeners.splice(0)) l('closed');
    },
  };
}
