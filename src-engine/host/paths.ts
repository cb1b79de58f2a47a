import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'KiteDesk';
/** The process umask of every KiteDesk process: files and folders it creates are for this OS user only. */
export const PRIVATE_UMASK = 0o077;

/**
 * The OS user-data directory for the app, the same one Electron's app.getPath('userData') gives,
 * so the desktop app and headless `serve` share state.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), APP_NAME);
}
