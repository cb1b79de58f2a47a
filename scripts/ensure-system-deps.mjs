// Runs before `npm test`. The browser, keychain and queue tests need Debian packages: chromium (e2e-web),
// libsecret-1-dev (builds keytar), gnome-keyring + dbus (a real keychain session), redis-server (the
// BullMQ optimisation test starts its own on loopback). As root with
// apt-get it installs the missing ones; otherwise it prints the one apt-get line and fails.
//
// keytar is an optional dependency: where libsecret-1-dev was missing during `npm install`, its build
// failed and npm dropped the package. Once libsecret-1-dev is here, this step brings keytar back at
// once (`npm rebuild keytar` when the package is on disk, else `npm install`, which restores the
// lockfile's optional packages) so one `npm install && npm test` is enough on a fresh machine.
//
// The decisions live in ensureSystemDeps(), which takes every effect as a function, so
// scripts/ensure-system-deps.test.ts drives it with fakes.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian packages the tests need, in install order. */
export const PACKAGES = ['chromium', 'libsecret-1-dev', 'gnome-keyring', 'dbus', 'redis-server'];

/**
 * @param {{
 *   isInstalled: (pkg: string) => boolean,      // is this package's piece on the machine now
 *   isRoot: boolean, hasApt: boolean,
 *   aptInstall: (pkgs: string[]) => boolean,    // apt-get update && apt-get install -y …; true on success
 *   keytarLoads: () => boolean,                 // require('keytar') works in this Node
 *   keytarOnDisk: () => boolean,                // node_modules/keytar exists
 *   npm: (args: string[]) => boolean,           // runs npm in the repo root; true on success
 *   log: (line: string) => void, warn: (line: string) => void,
 * }} io
 * @returns {{ code: number, installed: string[], keytar: 'ok' | 'rebuilt' | 'reinstalled' | 'unbuilt' | 'skipped' }}
 */
export function ensureSystemDeps(io) {
  const missing = PACKAGES.filter((p) => !io.isInstalled(p));
  const aptLine = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (missing.length > 0) {
    if (!io.isRoot || !io.hasApt) {
      io.warn(`kitedesk: the tests need system packages that are missing: ${missing.join(', ')}\n  run as root: ${aptLine}`);
      return { code: 1, installed: [], keytar: 'skipped' };
    }
    io.log(`kitedesk: installing system packages for the tests: ${missing.join(' ')}`);
    if (!io.aptInstall(missing) || missing.some((p) => !io.isInstalled(p))) {
      io.warn(`kitedesk: installing ${missing.join(' ')} failed; run: ${aptLine}`);
      return { code: 1, installed: [], keytar: 'skipped' };
    }
  }
  if (io.keytarLoads()) return { code: 0, installed: missing, keytar: 'ok' };

  // keytar is not usable although libsecret-1-dev is here now: build it in place, no second install asked for.
  const how = io.keytarOnDisk() ? ['rebuild', 'keytar'] : ['install', '--no-audit', '--no-fund'];
  const what = how[0] === 'rebuild' ? 'rebuilt keytar (npm rebuild keytar)' : 'installed and built keytar (npm install restored the optional package)';
  const ok = io.npm(how) && io.keytarLoads();
  const pre = missing.length ? `installed ${missing.join(', ')}; ` : '';
  if (ok) {
    io.log(`kitedesk: ${pre}${what}`);
    return { code: 0, installed: missing, keytar: how[0] === 'rebuild' ? 'rebuilt' : 'reinstalled' };
  }
  // Not fatal: the keychain suite then skips for this named reason and the closing line counts it.
  io.warn(`kitedesk: ${pre}keytar still does not load after npm ${how.join(' ')}; the keychain tests will skip (see the npm output above)`);
  return { code: 0, installed: missing, keytar: 'unbuilt' };
}

/** The real machine: dpkg, apt-get, npm and require(). */
export function realIo(root) {
  const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  const dpkg = (p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') ?? false;
  const probes = {
    chromium: () => existsSync('/usr/bin/chromium'),
    'libsecret-1-dev': () => dpkg('libsecret-1-dev'),
    'gnome-keyring': () => has('gnome-keyring-daemon'),
    dbus: () => has('dbus-run-session'),
    'redis-server': () => has('redis-server'),
  };
  const npmCli = process.env.npm_execpath;
  return {
    isInstalled: (p) => probes[p](),
    isRoot: process.getuid?.() === 0,
    hasApt: has('apt-get'),
    aptInstall: (pkgs) =>
      spawnSync('sh', ['-c', `apt-get update -qq && apt-get install -y -qq ${pkgs.join(' ')}`], {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      }).status === 0,
    // a child process: this process's require cache must not remember an earlier failure
    keytarLoads: () => spawnSync(process.execPath, ['-e', "require('keytar')"], { cwd: root, stdio: 'ignore' }).status === 0,
    keytarOnDisk: () => existsSync(join(root, 'node_modules/keytar/package.json')),
    npm: (args) =>
      (npmCli && /\.c?js$/.test(npmCli)
        ? spawnSync(process.execPath, [npmCli, ...args], { cwd: root, stdio: 'inherit' })
        : spawnSync('npm', args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
      ).status === 0,
    log: (l) => console.log(l),
    warn: (l) => console.error(l),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  process.exit(ensureSystemDeps(realIo(root)).code);
}
