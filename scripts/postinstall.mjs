// Runs after `npm install`. Electron's own download script is denied in package.json (allowScripts)
// because on a machine without internet it fails and would fail the whole install. We try the
// download here instead and report the outcome in one line; the install goes on either way.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectronSqlite, realIo } from './electron-native.mjs';

const require = createRequire(import.meta.url);

function electronInstalled() {
  try {
    const p = require('electron'); // the package's index resolves the binary path, throws if absent
    return typeof p === 'string' && existsSync(p);
  } catch {
    return false;
  }
}

let installJs;
try {
  installJs = require.resolve('electron/install.js');
} catch {
  console.log('kitedesk: electron package not installed; the desktop shell is unavailable, headless `serve` works.');
  process.exit(0);
}

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('kitedesk: ELECTRON_SKIP_BINARY_DOWNLOAD is set; not downloading the Electron binary.');
} else if (!electronInstalled()) {
  const r = spawnSync(process.execPath, [installJs], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, encoding: 'utf8' });
  if (r.status === 0 && electronInstalled()) {
    console.log('kitedesk: Electron binary downloaded.');
  } else {
    const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').find((l) => /Error|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|timed out/i.test(l));
    console.log(
      `kitedesk: could not download the Electron binary (${(why ?? 'no network?').trim().slice(0, 160)}). ` +
        'Install continues: `npm start` will run headless `serve` in the browser instead of the desktop app.',
    );
  }
}

// With the binary here, better-sqlite3 also needs a build for Electron's ABI (scripts/electron-native.mjs).
if (electronInstalled()) {
  ensureElectronSqlite(realIo(join(dirname(fileURLToPath(import.meta.url)), '..')));
}
