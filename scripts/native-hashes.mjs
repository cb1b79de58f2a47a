/**
 * electron-builder `afterExtract` hook (electron-builder.yml): records the sha256 of the app's native
 * modules — keytar.node and better_sqlite3.node, as rebuilt for Electron — in dist/native-hashes.json.
 *
 * Native modules must live outside app.asar (app.asar.unpacked), so Electron's asar integrity check does
 * not cover them; on a per-user Windows install (or a Linux AppImage extracted somewhere writable) anyone
 * running as the user could swap one. The manifest is written here, after electron-builder rebuilt the
 * modules (installAppDependencies) and before it copies dist/** into app.asar, so it travels INSIDE the
 * integrity-checked archive; main compares the unpacked files with it at every packaged start
 * (src-main/native-integrity.ts) and refuses to start on a difference. macOS signs the .node files after
 * this point (their bytes change) and its code signature covers them: main skips the check there.
 * electron-builder loads hooks with import() and takes the export named after the hook. No dependencies.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The native modules main checks: file name → the package that ships it. */
export const NATIVE_MODULES = { 'keytar.node': 'keytar', 'better_sqlite3.node': 'better-sqlite3' };
export const MANIFEST = 'native-hashes.json';

/** The first file called `name` under dir (build/Release first), or undefined. */
function findFile(dir, name) {
  const preferred = path.join(dir, 'build', 'Release', name);
  if (existsSync(preferred)) return preferred;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop();
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'obj' && e.name !== 'obj.target') stack.push(p);
      else if (e.isFile() && e.name === name) return p;
    }
  }
  return undefined;
}

/**
 * Hashes the native modules under `appDir/node_modules` and writes `outFile` (default
 * appDir/dist/native-hashes.json): { version: 1, files: [{ path (relative to appDir, '/'-separated), sha256 }] }.
 * A module whose package is not installed (keytar is optional) is left out; main then refuses one that appears later.
 */
export function writeNativeHashes(appDir, outFile = path.join(appDir, 'dist', MANIFEST)) {
  const files = [];
  for (const [name, pkg] of Object.entries(NATIVE_MODULES)) {
    const pkgDir = path.join(appDir, 'node_modules', pkg);
    if (!existsSync(pkgDir)) continue;
    const file = findFile(pkgDir, name);
    if (file === undefined) throw new Error(`native-hashes: ${pkg} is installed but has no ${name} (was it rebuilt for Electron?)`);
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    files.push({ path: path.relative(appDir, file).split(path.sep).join('/'), sha256 });
  }
  if (!files.some((f) => f.path.endsWith('/better_sqlite3.node'))) throw new Error('native-hashes: no better_sqlite3.node under node_modules/better-sqlite3');
  const manifest = { version: 1, files };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The hook: electron-builder passes its pack context (the packager knows the app dir). */
export async function afterExtract(context) {
  const appDir = (context && context.packager && context.packager.info && context.packager.info.appDir) || (context && context.packager && context.packager.projectDir) || process.cwd();
  const m = writeNativeHashes(appDir);
  console.log(`  • native-hashes: ${m.files.map((f) => `${path.basename(f.path)} ${f.sha256.slice(0, 12)}…`).join(', ')} → dist/${MANIFEST}`);
}

export default afterExtract;
