import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseOpenError, openDatabase } from './db.js';
import { type BindingFs, chooseSqliteBinding, describeBindingLoadError, SqliteBindingError } from './sqlite-binding.js';

const ELECTRON_BUILD = '/app/node_modules/.kitedesk/electron-sqlite/better_sqlite3.node';
const fakeFs = (files: Record<string, { abi?: string; electron?: string } | null>): BindingFs => ({
  exists: (p) => p in files,
  manifest: (p) => files[p] ?? null,
});
// The package's own build, compiled by `npm install` for this Node.
const nodeBuild = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');

describe('which better-sqlite3 binary a process loads', () => {
  it('plain Node uses the package build, even when the Electron variable leaked into its environment', () => {
    expect(chooseSqliteBinding({ modules: '115' }, fakeFs({}))).toBeUndefined();
    expect(chooseSqliteBinding({ modules: '115', override: ELECTRON_BUILD }, fakeFs({ [ELECTRON_BUILD]: { abi: '145' } }))).toBeUndefined();
  });

  it('packaged Electron (no variable from main) uses the package build, which electron-builder rebuilt', () => {
    expect(chooseSqliteBinding({ electron: '41.7.1', modules: '145' }, fakeFs({}))).toBeUndefined();
  });

  it('unpackaged Electron uses the Electron-ABI build when present and made for its ABI', () => {
    expect(chooseSqliteBinding({ electron: '41.7.1', modules: '145', override: ELECTRON_BUILD }, fakeFs({ [ELECTRON_BUILD]: { abi: '145', electron: '41.7.1' } }))).toBe(
      ELECTRON_BUILD,
    );
  });

  it('a missing Electron build is a clear error naming the file and the fix', () => {
    const run = () => chooseSqliteBinding({ electron: '41.7.1', modules: '145', override: ELECTRON_BUILD }, fakeFs({}));
    expect(run).toThrow(SqliteBindingError);
    expect(run).toThrow(`better-sqlite3 has no build for Electron 41.7.1 (NODE_MODULE_VERSION 145) at ${ELECTRON_BUILD}: run \`npm run native:electron\``);
  });

  it('a build for another ABI is refused before loading, naming both ABIs and the fix', () => {
    const run = () => chooseSqliteBinding({ electron: '42.0.0', modules: '146', override: ELECTRON_BUILD }, fakeFs({ [ELECTRON_BUILD]: { abi: '145', electron: '41.7.1' } }));
    expect(run).toThrow(/built for Electron 41\.7\.1 \(NODE_MODULE_VERSION 145\), but this is Electron 42\.0\.0 \(NODE_MODULE_VERSION 146\): run `npm run native:electron`/);
  });

  it("turns Node's wrong-ABI load error into the fix for each runtime", () => {
    const err = new Error(
      `The module '${nodeBuild}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 145. Please try re-compiling or re-installing`,
    );
    const underElectron = describeBindingLoadError(err, { electron: '41.7.1', modules: '145' }, undefined);
    expect(underElectron?.message).toMatch(/compiled for NODE_MODULE_VERSION 115, but Electron 41\.7\.1 needs NODE_MODULE_VERSION 145: run `npm run native:electron`/);
    const underNode = describeBindingLoadError(err, { modules: '115' }, ELECTRON_BUILD);
    expect(underNode?.message).toMatch(new RegExp(`module ${ELECTRON_BUILD} was compiled .* needs NODE_MODULE_VERSION 145: run \`npm rebuild better-sqlite3\``));
    expect(describeBindingLoadError(new Error('SQLITE_CANTOPEN: unable to open database file'), { modules: '115' }, undefined)).toBeNull();
  });
});

describe('openDatabase with a chosen native binding (real better-sqlite3)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kitedesk-binding-'));

  it('opens through nativeBinding when the runtime says Electron and the build matches its ABI', () => {
    const rt = { electron: '41.7.1', modules: process.versions.modules, override: nodeBuild };
    const db = openDatabase(join(dir, 'a.sqlite'), { runtime: rt, bindingFs: { exists: () => true, manifest: () => ({ abi: process.versions.modules }) } });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('a file that is not a native module gives DatabaseOpenError(native-module) with the fix, and no database file', () => {
    const bogus = join(dir, 'bogus.node');
    writeFileSync(bogus, 'not an ELF file');
    const rt = { electron: '41.7.1', modules: process.versions.modules, override: bogus };
    let e: unknown;
    try {
      openDatabase(join(dir, 'b.sqlite'), { runtime: rt, bindingFs: { exists: () => true, manifest: () => null } });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(DatabaseOpenError);
    expect((e as DatabaseOpenError).reason).toBe('native-module');
    expect(existsSync(join(dir, 'b.sqlite'))).toBe(false);
    expect((e as Error).message).toMatch(new RegExp(`native module ${bogus} cannot be loaded by Electron 41\\.7\\.1 \\(.*\\): run \`npm run native:electron\``));
  });
});
