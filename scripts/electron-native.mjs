// better-sqlite3 for Electron's ABI, beside the normal build. better-sqlite3 is not N-API: the build
// `npm install` makes is for plain Node's ABI (serve, the CLI, the tests), and Electron's utility
// process cannot load it. When the Electron binary is installed, this step obtains a second binary for
// Electron's ABI into node_modules/.kitedesk/electron-sqlite/ (its published prebuilt through
// prebuild-install, else a build from source against Electron's headers with node-gyp), checks that
// Electron really loads it, and writes a manifest. Main points the engine at it when unpackaged
// (KITEDESK_SQLITE_BINDING → better-sqlite3's `nativeBinding`); packaged apps are rebuilt by
// electron-builder as before. Both ways need the network; where it fails, one line says why and
// `npm start` falls back to headless serve.
//
// Runs from postinstall and as `npm run native:electron`. The decisions are in ensureElectronSqlite(),
// which takes every effect as a function (test/scripts/electron-native.test.ts drives it with fakes).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the Electron-ABI binary and its manifest live, relative to the repo root. */
export const ELECTRON_SQLITE_DIR = join('node_modules', '.kitedesk', 'electron-sqlite');
export const BINDING_FILE = 'better_sqlite3.node';
export const MANIFEST_FILE = 'manifest.json';
export const FAILURE_FILE = 'last-failure.txt';

/**
 * @typedef {{ electron: string, betterSqlite3: string, platform: string, arch: string }} Want
 * @typedef {{ electron: string, betterSqlite3: string, platform: string, arch: string, abi: string, source: 'prebuilt' | 'source' }} Manifest
 * @param {{
 *   electronBinary: () => string | null,              // path of the installed Electron executable
 *   want: () => Want,                                  // versions and platform to build for
 *   readManifest: () => Manifest | null,               // the manifest of what is installed now
 *   bindingExists: () => boolean,
 *   electronAbi: (bin: string) => string,              // NODE_MODULE_VERSION of that Electron; throws
 *   obtain: (how: 'prebuilt' | 'source', want: Want) => string, // path of a fresh .node; throws Error(reason)
 *   verify: (bin: string, file: string) => string | null,  // null when Electron loads it, else the error
 *   install: (file: string, manifest: Manifest) => void,
 *   recordFailure: (reason: string | null) => void,
 *   log: (line: string) => void,
 * }} io
 * @param {{ force?: boolean }} [opts]
 */
export function ensureElectronSqlite(io, opts = {}) {
  const bin = io.electronBinary();
  if (!bin) return { status: 'no-electron' };
  const want = io.want();
  const have = io.readManifest();
  if (!opts.force && have && io.bindingExists() && ['electron', 'betterSqlite3', 'platform', 'arch'].every((k) => have[k] === want[k])) {
    return { status: 'up-to-date', manifest: have };
  }
  const what = `better-sqlite3 ${want.betterSqlite3} for Electron ${want.electron}`;
  let abi;
  try {
    abi = io.electronAbi(bin);
  } catch (e) {
    return fail(io, what, [`cannot read Electron's ABI: ${msg(e)}`]);
  }
  const reasons = [];
  for (const how of /** @type {const} */ (['prebuilt', 'source'])) {
    let file;
    try {
      file = io.obtain(how, want);
    } catch (e) {
      reasons.push(`${how === 'prebuilt' ? 'no prebuilt binary' : 'build from source failed'} (${msg(e)})`);
      continue;
    }
    const bad = io.verify(bin, file);
    if (bad) {
      reasons.push(`the ${how} binary does not load in Electron (${bad})`);
      continue;
    }
    const manifest = { ...want, abi, source: how };
    io.install(file, manifest);
    io.recordFailure(null);
    io.log(`kitedesk: ${what} (ABI ${abi}) installed from the ${how === 'prebuilt' ? 'published prebuilt binary' : 'source build'}; the desktop app can open its database.`);
    return { status: 'installed', manifest };
  }
  return fail(io, what, reasons);
}

function fail(io, what, reasons) {
  const reason = reasons.join('; ');
  io.recordFailure(reason);
  io.log(
    `kitedesk: could not get ${what}'s ABI: ${reason}. Install continues: \`npm start\` will run headless serve; ` +
      'retry with `npm run native:electron` when online.',
  );
  return { status: 'failed', reason };
}

const msg = (e) => String(e instanceof Error ? e.message : e).trim().split('\n').filter(Boolean).at(-1)?.slice(0, 200) ?? 'unknown error';

/** One line from a tool's output that says why it failed: a network error first, then the first error line. */
export function whyFailed(r) {
  if (r.error) return r.error.message.slice(0, 200);
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const net = lines.find((l) => /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|network connectivity/i.test(l));
  const get = lines.find((l) => /^gyp http GET /.test(l));
  if (net) return (/network connectivity/i.test(net) && get ? `no network: ${get.replace(/^gyp http /, '')} failed` : net).slice(0, 200);
  const err = lines.find((l) => /^gyp ERR! stack Error:|Error:|error:|ERR!/.test(l) && !/not ok$/.test(l));
  return (err ?? lines.at(-1) ?? `exit ${r.status}`).slice(0, 200);
}

/** <work>/better-sqlite3/build/Release/better_sqlite3.node → <work> */
const workDirOf = (file) => dirname(dirname(dirname(dirname(file))));

/** The real machine: Electron, prebuild-install, node-gyp, the file system. */
export function realIo(root) {
  const require = createRequire(join(root, 'package.json'));
  const dir = join(root, ELECTRON_SQLITE_DIR);
  const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
  const asNode = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  return {
    electronBinary() {
      try {
        const p = require('electron');
        return typeof p === 'string' && existsSync(p) ? p : null;
      } catch {
        return null;
      }
    },
    want: () => ({
      electron: require('electron/package.json').version,
      betterSqlite3: require('better-sqlite3/package.json').version,
      platform: process.platform,
      arch: process.arch,
    }),
    readManifest() {
      try {
        return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
      } catch {
        return null;
      }
    },
    bindingExists: () => existsSync(join(dir, BINDING_FILE)),
    electronAbi(bin) {
      const r = spawnSync(bin, ['-p', 'process.versions.modules'], { env: asNode, encoding: 'utf8', timeout: 60_000 });
      const abi = r.stdout?.trim();
      if (r.status === 0 && /^\d+$/.test(abi)) return abi;
      try {
        return String(require('node-abi').getAbi(require('electron/package.json').version, 'electron'));
      } catch {
        throw new Error(whyFailed(r));
      }
    },
    obtain(how, want) {
      // work on a copy: the package's own build/ stays the Node-ABI build the tests and serve use
      const work = mkdtempSync(join(tmpdir(), 'kitedesk-electron-sqlite-'));
      const pkg = join(work, 'better-sqlite3');
      cpSync(sqliteDir, pkg, { recursive: true, filter: (src) => !src.startsWith(join(sqliteDir, 'build')) });
      const env = { ...process.env };
      // npm's nodedir (here /usr) would make node-gyp build against plain Node's headers
      for (const k of Object.keys(env)) if (/^npm_config_(nodedir|node_gyp|runtime|target|disturl|dist_url)$/i.test(k)) delete env[k];
      const common = { cwd: pkg, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 };
      const r =
        how === 'prebuilt'
          ? spawnSync(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime=electron', `--target=${want.electron}`, `--arch=${want.arch}`, `--platform=${want.platform}`], { ...common, timeout: 120_000 })
          : spawnSync(
              process.execPath,
              [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--release', '--runtime=electron', `--target=${want.electron}`, `--arch=${want.arch}`, '--dist-url=https://electronjs.org/headers'],
              { ...common, timeout: 20 * 60_000 },
            );
      const out = join(pkg, 'build', 'Release', BINDING_FILE);
      if (r.status !== 0 || !existsSync(out)) {
        rmSync(work, { recursive: true, force: true });
        throw new Error(whyFailed(r));
      }
      return out;
    },
    verify(bin, file) {
      const probe = `const D = require(${JSON.stringify(sqliteDir)}); const db = new D(':memory:', { nativeBinding: ${JSON.stringify(file)} }); if (db.prepare('select 41 + 1 as x').get().x !== 42) throw new Error('bad answer'); console.log('ok');`;
      const r = spawnSync(bin, ['-e', probe], { env: asNode, encoding: 'utf8', timeout: 60_000 });
      if (r.status === 0 && r.stdout.includes('ok')) return null;
      rmSync(workDirOf(file), { recursive: true, force: true });
      return whyFailed(r);
    },
    install(file, manifest) {
      mkdirSync(dir, { recursive: true });
      const tmp = join(dir, `${BINDING_FILE}.tmp`);
      copyFileSync(file, tmp);
      renameSync(tmp, join(dir, BINDING_FILE));
      writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
      rmSync(workDirOf(file), { recursive: true, force: true });
    },
    recordFailure(reason) {
      if (reason === null) return rmSync(join(dir, FAILURE_FILE), { force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, FAILURE_FILE), reason + '\n');
    },
    log: (l) => console.log(l),
  };
}

/**
 * Is the Electron-ABI binary there and made for this Electron? For `npm start`: null when it is,
 * else one line saying why not.
 */
export function electronSqliteProblem(root) {
  const io = realIo(root);
  const have = io.readManifest();
  const want = io.want();
  if (!have || !io.bindingExists()) {
    let why = '';
    try {
      why = readFileSync(join(root, ELECTRON_SQLITE_DIR, FAILURE_FILE), 'utf8').trim();
    } catch {
      /* never attempted */
    }
    return `better-sqlite3 is not built for Electron's ABI${why ? ` (${why})` : ''}; run \`npm run native:electron\` (needs internet)`;
  }
  const off = ['electron', 'betterSqlite3', 'platform', 'arch'].filter((k) => have[k] !== want[k]);
  if (off.length) return `better-sqlite3's Electron build is for ${off.map((k) => `${k} ${have[k]}`).join(', ')}, not ${off.map((k) => want[k]).join(', ')}; run \`npm run native:electron\``;
  return null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const r = ensureElectronSqlite(realIo(root), { force: process.argv.includes('--force') });
  if (r.status === 'no-electron') console.log('kitedesk: the Electron binary is not installed; nothing to build for its ABI.');
  else if (r.status === 'up-to-date') console.log(`kitedesk: better-sqlite3 for Electron ${r.manifest.electron} (ABI ${r.manifest.abi}) is already installed.`);
  // from postinstall a failure is not fatal (the install goes on); run by hand, it is
  process.exit(r.status === 'failed' && !process.argv.includes('--postinstall') ? 1 : 0);
}
