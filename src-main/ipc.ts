/**
 * The only way main registers IPC handlers: every call is checked by `guardIpcHandler` (sender is
 * the main frame of one of our windows, showing app://). Thin Electron glue; the rule is tested in
 * ipc-guard.test.ts. No channels are registered yet: the engine talks to windows over MessagePorts.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { guardIpcHandler } from './ipc-guard.js';

export function handleTrusted<A extends unknown[], R>(channel: string, handler: (event: IpcMainInvokeEvent, ...args: A) => R): void {
  ipcMain.handle(
    channel,
    guardIpcHandler<IpcMainInvokeEvent, A, R>(
      channel,
      {
        mainFrameOf: (sender) => {
          const win = BrowserWindow.getAllWindows().find((w) => !w.isDestroyed() && w.webContents === sender);
          return win?.webContents.mainFrame;
        },
        log: (m) => console.warn(`[main] ${m}`),
      },
      handler,
    ) as (event: IpcMainInvokeEvent, ...args: unknown[]) => R,
  );
}
