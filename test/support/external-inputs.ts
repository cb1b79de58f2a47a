/**
 * Tests that need something from outside the repository (the internal data in ../shared, the Electron
 * binary, a keychain service) declare it here instead of testing `existsSync` on their own. When the
 * input is missing the suite skips, prints one line naming what is missing, and the skip is written to
 * the log that `npm test` reads (KITEDESK_SKIP_LOG, set by scripts/test.mjs), so the closing line
 * counts skips for a missing external input apart from everything else: a skip is never read as a pass.
 * The README's "Skipped tests" section lists the suites that use it.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(import.meta.dirname, '../..');

/** The folder next to the repo with internal test data (never copied into the repo). */
export const SHARED_DIR = resolve(repoRoot, '../shared');

export const EXTERNAL_INPUTS = {
  'shared-data': '../shared/data (internal real market data)',
  'kite-mocks': "../shared/kite-mocks (Zerodha's official mock responses and tick packets)",
  'electron-binary': 'the Electron binary (downloaded by npm install; needs internet), better-sqlite3 for its ABI, and a display',
  keychain: 'a Secret Service keychain (gnome-keyring + dbus) and a built keytar',
  'redis-server': 'a redis-server binary on PATH (Debian package redis-server; npm test installs it as root)',
} as const;
export type ExternalInput = keyof typeof EXTERNAL_INPUTS;

export interface SkipRecord {
  /** Test file, from the repo root (posix). */
  file: string;
  input: ExternalInput;
  detail: string;
}

/**
 * Says whether `input` is available for the test file at `metaUrl`. When it is not (`ok` false), the
 * skip is announced and recorded with `detail` (what exactly is missing and how to get it).
 */
export function externalInput(metaUrl: string, input: ExternalInput, ok: boolean, detail: string): boolean {
  if (ok) return true;
  const file = relative(repoRoot, fileURLToPath(metaUrl)).split('\\').join('/');
  console.warn(`${file}: skipped, needs ${EXTERNAL_INPUTS[input]}: ${detail}`);
  const log = process.env['KITEDESK_SKIP_LOG'];
  if (log) appendFileSync(log, JSON.stringify({ file, input, detail } satisfies SkipRecord) + '\n');
  return false;
}

/** `externalInput` for files under ../shared: present when every path exists. */
export function sharedFiles(metaUrl: string, input: 'shared-data' | 'kite-mocks', ...paths: string[]): boolean {
  const missing = paths.find((p) => !existsSync(p));
  return externalInput(metaUrl, input, missing === undefined, missing ? `${relative(repoRoot, missing)} not found` : '');
}
