import type { KiteLoginStart, KiteSettingsInfo, KiteSettingsInput } from '../contract/kite-credentials.js';
import { ErrorCode, RpcError } from '../contract/errors.js';

/**
 * What the engine's handlers need from whoever owns the keychain: Electron main in the desktop app
 * (over the control channel), the engine host itself under `serve`. Every answer is secret-free;
 * errors are {@link RpcError}s (or KiteCredentialsError, mapped by the handlers) whose messages carry
 * no secret.
 */
export interface KiteHost {
  settings(): Promise<KiteSettingsInfo>;
  saveSettings(input: KiteSettingsInput): Promise<KiteSettingsInfo>;
  clearSettings(): Promise<KiteSettingsInfo>;
  /** Desktop: main opens the login window. Browser: the URL to navigate to (Kite's login with a one-time state). */
  startLogin(): Promise<KiteLoginStart>;
  /** End the engine's session and delete the stored token. */
  logout(): Promise<void>;
}

/** An engine without a keychain owner (tests, tools): every Kite request says so. */
export const noKiteHost: KiteHost = {
  settings: () => Promise.reject(new RpcError(ErrorCode.UNAVAILABLE, 'Kite settings are not available in this engine (no keychain owner)')),
  saveSettings: () => Promise.reject(new RpcError(ErrorCode.UNAVAILABLE, 'Kite settings are not available in this engine (no keychain owner); nothing was stored')),
  clearSettings: () => Promise.reject(new RpcError(ErrorCode.UNAVAILABLE, 'Kite settings are not available in this engine (no keychain owner)')),
  startLogin: () => Promise.reject(new RpcError(ErrorCode.UNAVAILABLE, 'Kite login is not available in this engine')),
  logout: () => Promise.resolve(),
};
