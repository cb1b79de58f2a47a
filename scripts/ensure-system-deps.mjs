// Runs before `npm test`. The browser and keychain tests need Debian packages: chromium (e2e-web),
// libsecret-1-dev (builds keytar), gnome-keyring + dbus (a real keychain session). Installs the
// missing ones when running as root with apt-get; otherwise prints the command and fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const pkgInstalled = (p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed');

const wanted = [
  ['chromium', () => existsSync('/usr/bin/chromium')],
  ['libsecret-1-dev', () => pkgInstalled('libsecret-1-dev')],
  ['gnome-keyring', () => has('gnome-keyring-daemon')],
  ['dbus', () => has('dbus-run-session')],
];
const missing = wanted.filter(([, ok]) => !ok()).map(([p]) => p);
if (missing.length > 0) {
  const cmd = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() === 0 && has('apt-get')) {
    console.log(`kitedesk: installing system packages for the tests: ${missing.join(' ')}`);
    execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`], { stdio: 'inherit' });
  } else {
    console.error(`kitedesk: the tests need system packages that are missing: ${missing.join(', ')}\n  run as root: ${cmd}`);
    process.exit(1);
  }
}
// keytar is optional at install (it builds only where libsecret-1-dev is present).
try {
  require('keytar');
} catch {
  console.warn('kitedesk: keytar is not built (libsecret-1-dev was missing during npm install); run npm install again to build it');
}
