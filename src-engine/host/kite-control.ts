/**
 * The engine's {@link KiteHost} in the desktop app: main owns the keychain and the login window,
 * so every Kite settings request goes over the private control channel (`kite-host-request`) and
 * waits for main's `kite-host-reply`. Nothing secret comes back; the api_secret of a `save` goes
 * out once, on its way to the keychain, and is not kept here.
 */
import { PendingReplies } from './control-replies.js';
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
  private readonly replies = new PendingReplies<Reply>();

  constructor(private readonly opts: ControlKiteHostOptions) {}

  /** main's answer arrived on the control channel. */
  onReply(r: Reply): void {
    this.replies.onReply(r);
  }

  private request(op: Op, settings?: KiteSettingsInput): Promise<Reply> {
    return this.replies.request(
      (id) => this.opts.send({ type: 'kite-host-request', id, op, ...(settings ? { settings } : {}) }),
      this.opts.timeoutMs ?? 60_000,
      () => new RpcError(ErrorCode.UNAVAILABLE, 'the desktop app did not answer the Kite settings request in time'),
      () => new RpcError(ErrorCode.UNAVAILABLE, 'the Kite settings request could not reach the desktop app'),
    ).then((r) => {
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
    this.replies.rejectAll(() => new RpcError(ErrorCode.UNAVAILABLE, 'engine shutting down'));
  }
}
