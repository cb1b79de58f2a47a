/**
 * The preload's logic without Electron: wraps the engine MessagePort into a `BridgeLink` and builds
 * the one `KiteDeskBridge` object the page sees. The port itself never leaves the preload's
 * isolated world (platform-notes 1.4); the page gets only plain functions.
 *
 * Everything handed to the page is a plain object with own function properties: contextBridge
 * copies objects and drops prototypes, so class instances would arrive empty.
 *
 * No `node:*` and no `electron` here, so this runs in a sandboxed preload and in Node tests.
 */
import type { BridgeLink, KiteDeskBridge } from '../../src-engine/contract/bridge.js';
import type { PortLike } from '../../src-engine/contract/transport.js';

/** Frames held until the page registers its first frame listener. Beyond that, drop and close. */
export const MAX_BUFFERED_FRAMES = 10_000;
export const MAX_FAILURE_MESSAGE_LENGTH = 2_000;

export interface LinkHandle {
  readonly link: BridgeLink;
  isOpen(): boolean;
}

function safeCall<A extends unknown[]>(fn: (...a: A) => void, ...args: A): void {
  try {
    fn(...args);
  } catch (err) {
    // A page listener's bug must not break delivery to the others.
    console.error('kitedesk bridge: listener threw', err);
  }
}

/**
 * Wrap a MessagePort. Only string frames pass, in both directions. Frames that arrive before the
 * page listens are buffered. `close` fires once: when the port closes (engine restarted or
 * exited), or when `close()` is called.
 */
export function createBridgeLink(port: PortLike): LinkHandle {
  let open = true;
  let buffer: string[] | undefined = [];
  const frameListeners: ((frame: string) => void)[] = [];
  const closeListeners: (() => void)[] = [];

  const markClosed = (): void => {
    if (!open) return;
    open = false;
    buffer = undefined;
    frameListeners.length = 0;
    for (const l of closeListeners.splice(0)) safeCall(l);
  };

  port.addEventListener('message', (event) => {
    if (!open) return;
    const data = event.data;
    if (typeof data !== 'string') return; // only text frames cross the bridge
    if (buffer) {
      if (buffer.length >= MAX_BUFFERED_FRAMES) {
        console.error('kitedesk bridge: nobody is reading engine frames; closing the link');
        link.close();
        return;
      }
      buffer.push(data);
      return;
    }
    for (const l of [...frameListeners]) safeCall(l, data);
  });
  port.addEventListener('close', () => markClosed());
  port.start?.();

  const link: BridgeLink = {
    send(frame: string): void {
      if (!open || typeof frame !== 'string') return;
      port.postMessage(frame);
    },
    onFrame(listener: (frame: string) => void): void {
      if (!open || typeof listener !== 'function') return;
      frameListeners.push(listener);
      if (buffer) {
        const pending = buffer;
        buffer = undefined;
        for (const f of pending) {
          if (!open) break;
          safeCall(listener, f);
        }
      }
    },
    onClose(listener: () => void): void {
      if (typeof listener !== 'function') return;
      if (open) closeListeners.push(listener);
      else safeCall(listener);
    },
    close(): void {
      if (!open) return;
      try {
        port.close();
      } finally {
        markClosed();
      }
    },
  };
  return { link: Object.freeze(link), isOpen: () => open };
}

export interface BridgeController {
  /** The object exposed as `window[BRIDGE_GLOBAL]`. */
  readonly bridge: KiteDeskBridge;
  /** Main handed over a new engine port: replace (and close) the previous link. */
  acceptPort(port: PortLike | undefined): void;
  /** Main says the supervisor gave up. */
  acceptFailure(message: unknown): void;
}

export function createBridgeController(opts: { platform: string }): BridgeController {
  let current: LinkHandle | undefined;
  let failure: string | undefined;
  const linkListeners = new Set<(link: BridgeLink) => void>();
  const failureListeners = new Set<(message: string) => void>();

  const bridge: KiteDeskBridge = Object.freeze({
    bridgeVersion: 1 as const,
    platform: opts.platform,
    /** Late subscribers get the current open link at once, then every new one. */
    onEngineLink(listener: (link: BridgeLink) => void): () => void {
      if (typeof listener !== 'function') return () => {};
      linkListeners.add(listener);
      if (current?.isOpen()) safeCall(listener, current.link);
      return () => {
        linkListeners.delete(listener);
      };
    },
    /** Late subscribers get the last failure at once. */
    onEngineFailure(listener: (message: string) => void): () => void {
      if (typeof listener !== 'function') return () => {};
      failureListeners.add(listener);
      if (failure !== undefined) safeCall(listener, failure);
      return () => {
        failureListeners.delete(listener);
      };
    },
  });

  return {
    bridge,
    acceptPort(port) {
      if (!port) return;
      const previous = current;
      current = createBridgeLink(port);
      previous?.link.close();
      failure = undefined; // a new port means a live engine again
      const handle = current;
      for (const l of [...linkListeners]) {
        if (!handle.isOpen()) break;
        safeCall(l, handle.link);
      }
    },
    acceptFailure(message) {
      if (typeof message !== 'string') return;
      failure = message.slice(0, MAX_FAILURE_MESSAGE_LENGTH);
      const f = failure;
      for (const l of [...failureListeners]) safeCall(l, f);
    },
  };
}
