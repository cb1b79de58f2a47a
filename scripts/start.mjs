// `npm start`: the desktop app when the Electron binary is installed; otherwise one line saying
// why, then headless `serve` in the browser (paper mode on the built-in simulator).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronSqliteProblem } from './electron-native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);

const electron = electronBinary();
// The engine under Electron needs better-sqlite3 built for Electron's ABI (scripts/electron-native.mjs).
const sqliteProblem = electron && !process.env.KITEDESK_HEADLESS ? electronSqliteProblem(root) : null;
const passthrough = process.argv.slice(2);
let child;
if (electron && !process.env.KITEDESK_HEADLESS && !sqliteProblem) {
  child = spawn(electron, [join(root, 'dist/main/main.cjs'), ...passthrough], { stdio: 'inherit' });
} else {
  console.log(
    !electron
      ? 'Electron binary not installed (its download needs internet): starting headless serve instead; open the URL below in a browser.'
      : sqliteProblem
        ? `The desktop app cannot open its database: ${sqliteProblem}. Starting headless serve instead; open the URL below in a browser.`
        : 'KITEDESK_HEADLESS is set: starting headless serve; open the URL below in a browser.',
  );
  const port = process.env.KITEDESK_PORT ?? '8765';
  child = spawn(process.execPath, [join(root, 'dist/engine/cli.js'), 'serve', '--port', port, ...passthrough], { stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
