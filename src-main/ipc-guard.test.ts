import { describe, expect, it } from 'vitest';
import { IpcForbiddenError, guardIpcHandler } from './ipc-guard.js';

const mainFrame = { url: 'app://kitedesk/index.html', parent: null };
const ourWindow = { id: 1 };
const opts = { mainFrameOf: (s: unknown) => (s === ourWindow ? mainFrame : undefined) };
const handler = guardIpcHandler('app.ping', opts, (_e, x: number) => x + 1);

describe('guardIpcHandler', () => {
  it('runs the handler for the main frame of our window', () => {
    expect(handler({ sender: ourWindow, senderFrame: mainFrame }, 1)).toBe(2);
  });
  it.each([
    ['a destroyed frame (null)', { sender: ourWindow, senderFrame: null }],
    ['a sub-frame', { sender: ourWindow, senderFrame: { url: 'app://kitedesk/x', parent: mainFrame } }],
    ['a frame that is not the main frame', { sender: ourWindow, senderFrame: { url: 'app://kitedesk/index.html', parent: null } }],
    ['an unknown webContents', { sender: { id: 2 }, senderFrame: mainFrame }],
  ])('refuses %s', (_name, event) => {
    expect(() => handler(event, 1)).toThrow(IpcForbiddenError);
  });
  it('refuses a main frame that navigated away from app://', () => {
    const navigated = { url: 'https://evil.com/', parent: null };
    const h = guardIpcHandler('app.ping', { mainFrameOf: () => navigated }, () => 'ran');
    expect(() => h({ sender: ourWindow, senderFrame: navigated })).toThrow(/untrusted sender/);
  });
});
