import { describe, expect, it } from 'vitest';
import type { EngineToMain } from '../contract/control.js';
import { ErrorCode } from '../contract/errors.js';
import { KiteSessionManager } from '../runtime/kite-session.js';
import { ControlKiteHost } from './kite-control.js';

describe('ControlKiteHost', () => {
  it('asks main with an id and maps its refusal to a typed error', async () => {
    const sent: EngineToMain[] = [];
    const host = new ControlKiteHost({ send: (m) => void sent.push(m), kite: new KiteSessionManager() });
    const p = host.saveSettings({ apiKey: 'k', apiSecret: 'shh-secret' });
    const req = sent[0] as Extract<EngineToMain, { type: 'kite-host-request' }>;
    expect(req).toMatchObject({ type: 'kite-host-request', op: 'save', settings: { apiKey: 'k' } });
    host.onReply({ type: 'kite-host-reply', id: req.id + 1, ok: true }); // someone else's id: ignored
    host.onReply({ type: 'kite-host-reply', id: req.id, ok: false, code: 'UNAVAILABLE', message: 'no keychain' });
    await expect(p).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE, message: 'no keychain' });
  });

  it('times out as UNAVAILABLE when main does not answer, and shutdown rejects what is pending', async () => {
    const host = new ControlKiteHost({ send: () => {}, kite: new KiteSessionManager(), timeoutMs: 20 });
    await expect(host.settings()).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    const host2 = new ControlKiteHost({ send: () => {}, kite: new KiteSessionManager() });
    const p = host2.startLogin();
    host2.dispose();
    await expect(p).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });
});
