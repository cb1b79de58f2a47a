/**
 * Where the bundled main process finds its siblings. Main is bundled to `dist/main/main.cjs`, so
 * everything is relative to that file's directory (`__dirname` in the CJS bundle), inside app.asar
 * when packaged:
 *   dist/main/preload.cjs          sandboxed preload (one file, the bundler inlines its imports)
 *   dist/renderer/                 the renderer build, served as app://kitedesk/
 *   dist/engine/utility-entry.js   the engine's utilityProcess entry
 */
import path from 'node:path';
import { kiteEnvForHost } from '../src-engine/contract/kite-credentials.js';

export interface AppPaths {
  readonly mainDir: string;
  readonly preload: string;
  readonly rendererDir: string;
  readonly engineEntry: string;
  /**
   * better-sqlite3 built for Electron's ABI by scripts/electron-native.mjs, in a source checkout
   * (`npm start`): <repo>/node_modules/.kitedesk/electron-sqlite/better_sqlite3.node.
   */
  readonly devSqliteBinding: string;
}

/** The process umask: files and folders created under userData are for this OS user only (the engine sets the same). */
export const PRIVATE_UMASK = 0o077;

/** The engine's environment variable naming its better-sqlite3 binary (src-engine/persistence/sqlite-binding.ts). */
export const SQLITE_BINDING_ENV = 'KITEDESK_SQLITE_BINDING';

/**
 * The utility process's environment. Unpackaged, the engine loads the Electron-ABI build of
 * better-sqlite3 beside the Node one; packaged, electron-builder rebuilt the package's own build, and
 * a variable inherited from the shell must not point it elsewhere; nor may KITEDESK_KITE_ROOT or
 * KITEDESK_KITE_LOGIN_URL point Kite elsewhere.
 */
export function engineEnv(env: NodeJS.ProcessEnv, packaged: boolean, paths: Pick<AppPaths, 'devSqliteBinding'>): NodeJS.ProcessEnv {
  // Packaged, KITEDESK_KITE_ROOT / KITEDESK_KITE_LOGIN_URL are not honoured (the root would receive the access token).
  const out = kiteEnvForHost({ ...env }, { packaged });
  delete out[SQLITE_BINDING_ENV];
  if (!packaged) out[SQLITE_BINDING_ENV] = paths.devSqliteBinding;
  return out;
}

export function resolveAppPaths(mainDir: string): AppPaths {
  if (!path.isAbsolute(mainDir)) throw new Error(`main directory must be absolute: ${mainDir}`);
  const distDir = path.resolve(mainDir, '..');
  return Object.freeze({
    mainDir: path.resolve(mainDir),
    preload: path.join(mainDir, 'preload.cjs'),
    rendererDir: path.join(distDir, 'renderer'),
    engineEntry: path.join(distDir, 'engine', 'utility-entry.js'),
    devSqliteBinding: path.join(distDir, '..', 'node_modules', '.kitedesk', 'electron-sqlite', 'better_sqlite3.node'),
  });
}
