/**
 * Where the bundled main process finds its siblings. Main is bundled to `dist/main/main.cjs`, so
 * everything is relative to that file's directory (`__dirname` in the CJS bundle), inside app.asar
 * when packaged:
 *   dist/main/preload.cjs          sandboxed preload (one file, the bundler inlines its imports)
 *   dist/renderer/                 the renderer build, served as app://kitedesk/
 *   dist/engine/utility-entry.js   the engine's utilityProcess entry
 */
import path from 'node:path';

export interface AppPaths {
  readonly mainDir: string;
  readonly preload: string;
  readonly rendererDir: string;
  readonly engineEntry: string;
}

export function resolveAppPaths(mainDir: string): AppPaths {
  if (!path.isAbsolute(mainDir)) throw new Error(`main directory must be absolute: ${mainDir}`);
  const distDir = path.resolve(mainDir, '..');
  return Object.freeze({
    mainDir: path.resolve(mainDir),
    preload: path.join(mainDir, 'preload.cjs'),
    rendererDir: path.join(distDir, 'renderer'),
    engineEntry: path.join(distDir, 'engine', 'utility-entry.js'),
  });
}
