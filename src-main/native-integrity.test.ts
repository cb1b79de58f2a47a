/**
 * Finding 9: the build records the native modules' sha256 (scripts/native-hashes.mjs, electron-builder's
 * afterExtract hook) and main refuses to start, packaged, when an unpacked module differs.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkNativeModules } from './native-integrity.js';

const hook = (await import(path.join(import.meta.dirname, '..', 'scripts', 'native-hashes.mjs'))) as {
  writeNativeHashes(appDir: string, outFile?: string): { version: 1; files: { path: string; sha256: string }[] };
  MANIFEST: string;
};
const repo = path.resolve(import.meta.dirname, '..');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake packaged app: node_modules with the two modules (as app.asar.unpacked holds them) and dist/ for the manifest. */
function fakeApp(opts: { keytar?: boolean } = {}) {
  const appDir = mkdtempSync(path.join(tmpdir(), 'kitedesk-native-'));
  dirs.push(appDir);
  const put = (rel: string, content: string) => {
    const f = path.join(appDir, rel);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, content);
    return f;
  };
  const sqlite = put('node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'ELF sqlite for electron');
  put('node_modules/better-sqlite3/build/Release/obj.target/better_sqlite3.node', 'intermediate, not shipped');
  const keytar = opts.keytar === false ? undefined : put('node_modules/keytar/build/Release/keytar.node', 'ELF keytar for electron');
  return { appDir, sqlite, keytar, put, manifestFile: path.join(appDir, 'dist', hook.MANIFEST) };
}

const check = (a: { appDir: string; manifestFile: string }, over: Partial<Parameters<typeof checkNativeModules>[0]> = {}) =>
  checkNativeModules({ packaged: true, platform: 'win32', manifestFile: a.manifestFile, unpackedDir: a.appDir, ...over });

describe('the build records the native modules', () => {
  it('writes dist/native-hashes.json with each module (path relative to the app, sha256)', () => {
    const a = fakeApp();
    const m = hook.writeNativeHashes(a.appDir);
    expect(m.files.map((f) => f.path)).toEqual(['node_modules/keytar/build/Release/keytar.node', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node']);
    expect(JSON.parse(readFileSync(a.manifestFile, 'utf8'))).toEqual(m);
    expect(m.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
  });

  it("finds this checkout's own modules (what a build of it would record)", () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'kitedesk-native-out-')), 'm.json');
    dirs.push(path.dirname(out));
    const m = hook.writeNativeHashes(repo, out);
    expect(m.files.map((f) => path.posix.basename(f.path))).toContain('better_sqlite3.node');
  });

  it('refuses to record a build without better_sqlite3.node', () => {
    const a = fakeApp();
    unlinkSync(a.sqlite);
    rmSync(path.join(a.appDir, 'node_modules/better-sqlite3/build/Release/obj.target'), { recursive: true });
    expect(() => hook.writeNativeHashes(a.appDir)).toThrow(/better-sqlite3 is installed but has no better_sqlite3\.node/);
  });
});

describe('main checks them at start', () => {
  it('packaged, unchanged: both checked', async () => {
    const a = fakeApp();
    hook.writeNativeHashes(a.appDir);
    const r = await check(a);
    expect(r).toMatchObject({ ok: true, checked: [{ file: a.keytar }, { file: a.sqlite }] });
  });

  it('a tampered module is refused, naming the file and both hashes; a missing one too', async () => {
    const a = fakeApp();
    const m = hook.writeNativeHashes(a.appDir);
    writeFileSync(a.keytar!, 'ELF keytar that also sends your tokens somewhere');
    const r = await check(a);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toContain(a.keytar!);
    expect(r.problems[0]).toContain(`expected ${m.files[0]!.sha256}`);
    expect(r.message).toMatch(/^KiteDesk will not start: its native modules are not the ones it was built with/);
    expect(r.message).toMatch(/Reinstall KiteDesk/);
    unlinkSync(a.sqlite);
    const gone = await check(a);
    expect(gone.ok === false && gone.problems).toEqual([expect.stringContaining('keytar.node: sha256'), `${a.sqlite}: missing`]);
  });

  it('no manifest, or an unreadable one, is refused (a build without the hook, or a tampered archive)', async () => {
    const a = fakeApp();
    expect(await check(a)).toMatchObject({ ok: false, problems: [expect.stringContaining('cannot be read')] });
    mkdirSync(path.dirname(a.manifestFile), { recursive: true });
    writeFileSync(a.manifestFile, JSON.stringify({ version: 1, files: [{ path: '../../evil.node', sha256: 'a'.repeat(64) }] }));
    expect(await check(a)).toMatchObject({ ok: false, problems: [expect.stringContaining('not a native module manifest')] });
  });

  it('keytar left out of the build (optional): fine while absent, refused once one appears', async () => {
    const a = fakeApp({ keytar: false });
    const m = hook.writeNativeHashes(a.appDir);
    expect(m.files.map((f) => path.posix.basename(f.path))).toEqual(['better_sqlite3.node']);
    expect(await check(a)).toMatchObject({ ok: true, checked: [{ file: a.sqlite }] });
    const planted = a.put('node_modules/keytar/build/Release/keytar.node', 'planted');
    expect(await check(a)).toMatchObject({ ok: false, problems: [`${planted}: keytar.node was not part of this build`] });
  });

  it('unpackaged and macOS skip (nothing recorded; the code signature covers them)', async () => {
    const a = fakeApp();
    expect(await check(a, { packaged: false })).toEqual({ ok: true, skipped: expect.stringContaining('not packaged') });
    expect(await check(a, { platform: 'darwin' })).toEqual({ ok: true, skipped: expect.stringContaining('code signature') });
    expect(await check(a, { platform: 'linux' })).toMatchObject({ ok: false });
  });
});
