/**
 * The engine's {@link KiteHost} in the desktop app: main owns the keychain and the login window,
 * so every Kite settings request goes over the private control channel (`kite-host-request`) and
 * waits for main's `kite-host-reply`. Nothing secret comes back; the api_secret of a `save` goes
 * out once, on its way to the keychain, and is not kept here.
 */
import type { EngineToMain, MainToEngine } from '../contract/control.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import type { KiteLoginStart, KiteSettingsInfo, KiteSettingsInput } from '../contract/kite-credentials.js';
import type { KiteHost } from '../runtime/kite-host.js';
import type { KiteSessionManager } from '../runtime/kite-session.js';

type Reply = Extract<MainToEngine, { type: 'kite-host-reply' }>;
type Op = Extract<EngineToMain, { type: 'kite-host-request' }>['op'];

export interface ControlKiteHostOptions {
  send(m: EngineToMain): void;
  kite: KiteSessionManager;
  /** How long main may take (a keychain unlock prompt can be slow); default 60 s. */
  timeoutMs?: number;
}

export class ControlKiteHost implements KiteHost {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly opts: ControlKiteHostOptions) {}

  /** main's answer arrived on the control channel. */
  onReply(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    clearTimeout(p.timer);
    p.resolve(r);
  }

  private request(op: Op, settings?: KiteSettingsInput): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError(ErrorCode.UNAVAILABLE, 'the desktop app did not answer the Kite settings request in time'));
      }, this.opts.timeoutMs ?? 60_000);
      timer.unref?.();
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.opts.send({ type: 'kite-host-request', id, op, ...(settings ? { settings } : {}) });
      } catch {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new RpcError(ErrorCode.UNAVAILABLE, 'the Kite settings request could not reach the desktop app'));
      }
    }).then((r) => {
      if (!r.ok) throw new RpcError(ErrorCode[r.code ?? 'INTERNAL'], r.message ?? 'the desktop app refused the request');
      return r;
    });
  }

  private static info(r: Reply): KiteSettingsInfo {
    if (!r.info) throw new RpcError(ErrorCode.INTERNAL, 'the desktop app answered without the settings');
    return r.info;
  }

  async settings(): Promise<KiteSettingsInfo> {
    return ControlKiteHost.info(await this.request('settings'));
  }

  async saveSettings(input: KiteSettingsInput): Promise<KiteSettingsInfo> {
    return ControlKiteHost.info(await this.request('save', input));
  }

  async clearSettings(): Promise<KiteSettingsInfo> {
    this.opts.kite.logout();
    return ControlKiteHost.info(await this.request('clear'));
  }

  async startLogin(): Promise<KiteLoginStart> {
    return (await this.request('login')).login ?? { via: 'window' };
  }

  async logout(): Promise<void> {
    this.opts.kite.logout();
    await this.request('logout');
  }

  dispose(): void {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RpcError(ErrorCode.UNAVAILABLE, 'engine shutting down'));
    }
    this.pending.clear();
  }
}
