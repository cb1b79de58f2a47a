/**
 * Sender validation for every `ipcMain.handle` / `ipcMain.on` (checklist item 17), without
 * Electron. Main wraps each handler: the call runs only when it comes from the main frame of one of
 * our windows showing the app:// origin. `senderFrame` may be null after navigation; that is a
 * refusal, not a crash.
 */
import { isTrustedSender, type FrameLike } from './security.js';

export interface IpcEventLike {
  readonly senderFrame: FrameLike | null;
  readonly sender: unknown;
}

export class IpcForbiddenError extends Error {
  readonly code = 'IPC_FORBIDDEN';
  constructor(channel: string) {
    super(`IPC call on '${channel}' refused: untrusted sender`);
  }
}

export interface IpcGuardOptions {
  /** The main frame of the window that owns `sender`, or undefined if it is not one of ours. */
  mainFrameOf: (sender: unknown) => unknown;
  log?: (message: string) => void;
}

export function guardIpcHandler<E extends IpcEventLike, A extends unknown[], R>(
  channel: string,
  opts: IpcGuardOptions,
  handler: (event: E, ...args: A) => R,
): (event: E, ...args: A) => R {
  return (event, ...args) => {
    const mainFrame = opts.mainFrameOf(event.sender);
    if (mainFrame === undefined || mainFrame === null || !isTrustedSender(event.senderFrame, mainFrame)) {
      opts.log?.(`ipc: refused '${channel}' from ${event.senderFrame ? event.senderFrame.url.slice(0, 200) : 'a destroyed frame'}`);
      throw new IpcForbiddenError(channel);
    }
    return handler(event, ...args);
  };
}
