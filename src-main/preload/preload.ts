/**
 * Sandboxed preload, bundled into one CommonJS file (dist/main/preload.cjs). It may import only
 * `electron` and the contract's bridge module: no `node:*`, no relative files at run time (the
 * bundler inlines bridge-link.ts).
 *
 * Exposes exactly one object, `window.kitedesk`, implementing KiteDeskBridge. The engine port stays
 * here; the page only gets narrow functions (platform-notes 1.1 item 20, 1.4).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL } from '../../src-engine/contract/bridge.js';
import type { PortLike } from '../../src-engine/contract/transport.js';
import { createBridgeController } from './bridge-link.js';

// Sandboxed preloads get a reduced `process` with `platform`; read it defensively.
const platform = (globalThis as { process?: { platform?: unknown } }).process?.platform;
const controller = createBridgeController({ platform: typeof platform === 'string' ? platform : 'unknown' });

ipcRenderer.on('engine-port', (event) => {
  // Only main can send to this channel; the port arrives as a DOM MessagePort.
  controller.acceptPort(event.ports[0] as PortLike | undefined);
});

ipcRenderer.on('engine-failure', (_event, message: unknown) => {
  controller.acceptFailure(message);
});

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, controller.bridge);
