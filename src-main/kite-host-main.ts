/**
 * main's side of the engine's Kite settings requests (control channel `kite-host-request` →
 * `kite-host-reply`). In the desktop app main owns the keychain and the login window: the renderer
 * asks the engine over the contract, the engine asks main here. Replies are secret-free; refusals
 * carry the credential store's secret-free messages. No Electron here, so it is unit-tested in Node.
 */
import type { EngineToMain, MainToEngine } from '../src-engine/contract/control.js';
import { KiteCredentialsError, type KiteCredentialStore } from '../src-engine/contract/kite-credentials.js';

type Request = Extract<EngineToMain, { type: 'kite-host-request' }>;
type Reply = Extract<MainToEngine, { type: 'kite-host-reply' }>;

export interface MainKiteHostDeps {
  credentials: KiteCredentialStore;
  /** Open (or focus) the login window; false when Kite is not configured. */
  openLogin(): Promise<boolean>;
  /** Delete the stored session (the engine has already dropped its own). */
  logout(): Promise<void>;
  /** The stored settings changed: whatever was built from the old ones must be rebuilt. */
  onChanged(): void;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export async function answerKiteHostRequest(req: Request, deps: MainKiteHostDeps): Promise<Reply> {
  const base = { type: 'kite-host-reply' as const, id: req.id };
  try {
    switch (req.op) {
      case 'settings':
        return { ...base, ok: true, info: await deps.credentials.info() };
      case 'save': {
        if (!req.settings) return { ...base, ok: false, code: 'INVALID_INPUT', message: 'no settings to store' };
        const info = await deps.credentials.save(req.settings);
        deps.onChanged();
        deps.log?.('info', `kite: settings stored in the keychain (api key ${info.apiKeyMasked ?? '—'})`);
        return { ...base, ok: true, info };
      }
      case 'clear': {
        await deps.logout();
        const info = await deps.credentials.clear();
        deps.onChanged();
        deps.log?.('info', 'kite: settings cleared from the keychain');
        return { ...base, ok: true, info };
      }
      case 'login': {
        await deps.credentials.resolve(); // names what is missing
        if (!(await deps.openLogin())) return { ...base, ok: false, code: 'NOT_FOUND', message: 'Kite is not configured: enter the api key and secret in Settings' };
        return { ...base, ok: true, login: { via: 'window' } };
      }
      case 'logout':
        await deps.logout();
        return { ...base, ok: true };
    }
  } catch (e) {
    if (e instanceof KiteCredentialsError) return { ...base, ok: false, code: e.code, message: e.message.slice(0, 400) };
    deps.log?.('warn', `kite: a settings request (${req.op}) failed`);
    return { ...base, ok: false, code: 'INTERNAL', message: `the ${req.op} request failed in the desktop app` };
  }
}
