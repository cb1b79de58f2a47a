/**
 * Which better-sqlite3 native binary this process loads. better-sqlite3 is not N-API: one build per
 * ABI. Under plain Node (serve, the CLI, the tests) the package's own build is right. Under Electron
 * unpackaged (`npm start`) main sets KITEDESK_SQLITE_BINDING to the Electron-ABI build that
 * scripts/electron-native.mjs installed (node_modules/.kitedesk/electron-sqlite/), and we pass it as
 * better-sqlite3's `nativeBinding`; packaged, electron-builder has rebuilt the package's own build for
 * Electron and main sets nothing. Pure decisions here; the file system is injected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const SQLITE_BINDING_ENV = 'KITEDESK_SQLITE_BINDING';
const FIX = 'run `npm run native:electron` (it needs internet once), or start headless with KITEDESK_HEADLESS=1 npm start';

/** The better-sqlite3 build cannot be used here; the message names the file, the ABIs and the fix. */
export class SqliteBindingError extends Error {
  override readonly name = 'SqliteBindingError';
}

export interface BindingRuntime {
  /** process.versions.electron: set under Electron (main, utility process), absent under Node. */
  electron?: string | undefined;
  /** process.versions.modules: this runtime's NODE_MODULE_VERSION. */
  modules: string;
  /** process.env.KITEDESK_SQLITE_BINDING */
  override?: string | undefined;
}

export interface BindingFs {
  exists(path: string): boolean;
  /** The manifest.json next to the binding, or null when absent or unreadable. */
  manifest(bindingPath: string): { abi?: unknown; electron?: unknown } | null;
}

export const realBindingFs: BindingFs = {
  exists: existsSync,
  manifest(bindingPath) {
    try {
      return JSON.parse(readFileSync(join(dirname(bindingPath), 'manifest.json'), 'utf8')) as { abi?: unknown; electron?: unknown };
    } catch {
      return null;
    }
  },
};

/** The runtime of this process. */
export function currentRuntime(env: NodeJS.ProcessEnv = process.env): BindingRuntime {
  return { electron: process.versions.electron, modules: process.versions.modules, override: env[SQLITE_BINDING_ENV] || undefined };
}

/**
 * The `nativeBinding` path for better-sqlite3, or undefined for the package's own build.
 * Throws SqliteBindingError when Electron was pointed at a build that is missing or made for another ABI.
 */
export function chooseSqliteBinding(rt: BindingRuntime, fs: BindingFs = realBindingFs): string | undefined {
  if (!rt.electron) return undefined; // plain Node: the build `npm install` made for it
  if (!rt.override) return undefined; // packaged: electron-builder rebuilt the package's own build
  const file = rt.override;
  if (!fs.exists(file)) {
    throw new SqliteBindingError(`better-sqlite3 has no build for Electron ${rt.electron} (NODE_MODULE_VERSION ${rt.modules}) at ${file}: ${FIX}`);
  }
  const m = fs.manifest(file);
  if (m && m.abi !== undefined && String(m.abi) !== rt.modules) {
    throw new SqliteBindingError(
      `better-sqlite3 at ${file} was built for Electron ${String(m.electron ?? '?')} (NODE_MODULE_VERSION ${String(m.abi)}), ` +
        `but this is Electron ${rt.electron} (NODE_MODULE_VERSION ${rt.modules}): ${FIX}`,
    );
  }
  return file;
}

/**
 * A failure to load the native module, said plainly: which file, which ABI it has and which this
 * runtime needs, and the command that fixes it. Returns null for errors that are not load failures.
 */
export function describeBindingLoadError(e: unknown, rt: BindingRuntime, file: string | undefined): SqliteBindingError | null {
  const raw = e instanceof Error ? e.message : String(e);
  const where = file ?? "better-sqlite3's own build (node_modules/better-sqlite3/build)";
  const runtime = rt.electron ? `Electron ${rt.electron}` : `Node ${process.versions.node}`;
  const fix = rt.electron ? FIX : 'run `npm rebuild better-sqlite3`';
  const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(raw);
  if (abi) {
    return new SqliteBindingError(
      `better-sqlite3's native module ${where} was compiled for NODE_MODULE_VERSION ${abi[1]}, but ${runtime} needs NODE_MODULE_VERSION ${abi[2]}: ${fix}`,
    );
  }
  if (/invalid ELF header|not a valid Win32 application|slice is not valid mach-o|file too short|wrong ELF class|did not self-register|Could not locate the bindings file/i.test(raw)) {
    return new SqliteBindingError(`better-sqlite3's native module ${where} cannot be loaded by ${runtime} (${raw.split('\n')[0]!.slice(0, 160)}): ${fix}`);
  }
  return null;
}
