/**
 * The install step that gets better-sqlite3 for Electron's ABI (scripts/electron-native.mjs): its
 * decisions with Electron, the network and the build faked; then the real probe with a stand-in
 * "Electron" that is plain Node (ELECTRON_RUN_AS_NODE semantics), which is what this machine has.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureElectronSqlite, realIo, whyFailed } from '../../scripts/electron-native.mjs';

type Manifest = { electron: string; betterSqlite3: string; platform: string; arch: string; abi: string; source: 'prebuilt' | 'source' };
const WANT = { electron: '41.7.1', betterSqlite3: '12.11.1', platform: 'linux', arch: 'x64' };

function machine(o: { electron?: boolean; manifest?: Manifest | null; prebuilt?: string | null; source?: string | null; loads?: (file: string) => string | null; abiFails?: boolean }) {
  const calls: string[] = [];
  const lines: string[] = [];
  let installed: Manifest | null = null;
  let failure: string | null | undefined;
  const io = {
    electronBinary: () => (o.electron === false ? null : '/fake/electron'),
    want: () => WANT,
    readManifest: () => o.manifest ?? null,
    bindingExists: () => o.manifest != null,
    electronAbi: () => {
      if (o.abiFails) throw new Error('spawn /fake/electron EACCES');
      return '145';
    },
    obtain: (how: 'prebuilt' | 'source') => {
      calls.push(how);
      const r = how === 'prebuilt' ? o.prebuilt : o.source;
      if (r == null) throw new Error(how === 'prebuilt' ? 'prebuild-install warn install getaddrinfo ENOTFOUND github.com' : 'no network: GET https://electronjs.org/headers/v41.7.1/node-v41.7.1-headers.tar.gz failed');
      return r;
    },
    verify: (_bin: string, file: string) => (o.loads ? o.loads(file) : null),
    install: (_file: string, m: Manifest) => void (installed = m),
    recordFailure: (r: string | null) => void (failure = r),
    log: (l: string) => lines.push(l),
  };
  return { io, calls, lines, result: () => ({ installed, failure }) };
}

describe('better-sqlite3 for Electron: install decisions', () => {
  it('does nothing without the Electron binary (postinstall already said it could not download it)', () => {
    const m = machine({ electron: false });
    expect(ensureElectronSqlite(m.io)).toEqual({ status: 'no-electron' });
    expect(m.calls).toEqual([]);
    expect(m.lines).toEqual([]);
  });

  it('keeps a build made for this Electron, better-sqlite3 and platform', () => {
    const m = machine({ manifest: { ...WANT, abi: '145', source: 'prebuilt' } });
    expect(ensureElectronSqlite(m.io).status).toBe('up-to-date');
    expect(m.calls).toEqual([]);
  });

  it('replaces a build for another Electron: the prebuilt first', () => {
    const m = machine({ manifest: { ...WANT, electron: '40.0.0', abi: '143', source: 'prebuilt' }, prebuilt: '/tmp/w/better_sqlite3.node' });
    expect(ensureElectronSqlite(m.io)).toEqual({ status: 'installed', manifest: { ...WANT, abi: '145', source: 'prebuilt' } });
    expect(m.calls).toEqual(['prebuilt']);
    expect(m.result()).toEqual({ installed: { ...WANT, abi: '145', source: 'prebuilt' }, failure: null });
    expect(m.lines).toEqual(["kitedesk: better-sqlite3 12.11.1 for Electron 41.7.1 (ABI 145) installed from the published prebuilt binary; the desktop app can open its database."]);
  });

  it('builds from source against Electron headers when there is no prebuilt', () => {
    const m = machine({ prebuilt: null, source: '/tmp/w/better_sqlite3.node' });
    expect(ensureElectronSqlite(m.io).status).toBe('installed');
    expect(m.calls).toEqual(['prebuilt', 'source']);
    expect(m.result().installed?.source).toBe('source');
  });

  it('offline: both fail, one line says why and what npm start does, the reason is kept for npm start', () => {
    const m = machine({ prebuilt: null, source: null });
    const r = ensureElectronSqlite(m.io);
    expect(r.status).toBe('failed');
    expect(m.result().installed).toBeNull();
    expect(m.result().failure).toMatch(/^no prebuilt binary \(.*ENOTFOUND github\.com\); build from source failed \(no network: GET https:\/\/electronjs\.org\/headers/);
    expect(m.lines).toHaveLength(1);
    expect(m.lines[0]).toMatch(/^kitedesk: could not get better-sqlite3 12\.11\.1 for Electron 41\.7\.1's ABI: .* `npm start` will run headless serve; retry with `npm run native:electron` when online\.$/);
  });

  it('never installs a binary Electron cannot load (a prebuilt for the wrong ABI), and tries the source build', () => {
    const m = machine({
      prebuilt: '/tmp/p/better_sqlite3.node',
      source: '/tmp/s/better_sqlite3.node',
      loads: (f) => (f.startsWith('/tmp/p') ? 'was compiled against NODE_MODULE_VERSION 115' : null),
    });
    expect(ensureElectronSqlite(m.io).status).toBe('installed');
    expect(m.result().installed?.source).toBe('source');
  });

  it("fails clearly when Electron's ABI cannot be read", () => {
    const m = machine({ abiFails: true });
    expect(ensureElectronSqlite(m.io).status).toBe('failed');
    expect(m.calls).toEqual([]);
    expect(m.lines[0]).toMatch(/cannot read Electron's ABI: spawn \/fake\/electron EACCES/);
  });

  it('whyFailed picks the network error out of node-gyp and prebuild-install output', () => {
    const gyp = ['gyp http GET https://electronjs.org/headers/v41.7.1/node-v41.7.1-headers.tar.gz', 'gyp WARN install got an error, rolling back install', 'gyp ERR! configure error', 'gyp ERR! stack Error: This is most likely not a problem with node-gyp or the package itself and', 'gyp ERR! stack is related to network connectivity. In most cases you are behind a proxy or have bad', 'gyp ERR! not ok'].join('\n');
    expect(whyFailed({ status: 1, stderr: gyp })).toBe('no network: GET https://electronjs.org/headers/v41.7.1/node-v41.7.1-headers.tar.gz failed');
    expect(whyFailed({ status: 1, stderr: 'prebuild-install info begin\nprebuild-install warn install getaddrinfo ENOTFOUND github.com\n' })).toBe('prebuild-install warn install getaddrinfo ENOTFOUND github.com');
    expect(whyFailed({ status: 1, stderr: 'gyp ERR! stack Error: `make` failed with exit code: 2\ngyp ERR! not ok' })).toBe('gyp ERR! stack Error: `make` failed with exit code: 2');
  });
});

describe('better-sqlite3 for Electron: the real load probe', () => {
  // A stand-in Electron: node itself (the real binary runs scripts the same way under ELECTRON_RUN_AS_NODE).
  const dir = mkdtempSync(join(tmpdir(), 'kitedesk-fake-electron-'));
  const fake = join(dir, 'electron');
  writeFileSync(fake, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} "$@"\n`);
  chmodSync(fake, 0o755);
  const io = realIo(join(import.meta.dirname, '../..'));
  const nodeBuild = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');

  it('reads the ABI of the runtime it runs', () => {
    expect(io.electronAbi(fake)).toBe(process.versions.modules);
  });

  it('accepts a binary the runtime loads and rejects one it cannot, with the loader error', () => {
    expect(io.verify(fake, nodeBuild)).toBeNull();
    const work = mkdtempSync(join(tmpdir(), 'kitedesk-bogus-'));
    const bogus = join(work, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    createRequire(import.meta.url)('node:fs').mkdirSync(dirname(bogus), { recursive: true });
    writeFileSync(bogus, 'not a shared object');
    expect(io.verify(fake, bogus)).toMatch(/invalid ELF header|file too short/);
  });
});
