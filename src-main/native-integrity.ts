/**
 * Native modules at start (issue 15 finding 9). keytar.node and better_sqlite3.node live outside
 * app.asar (app.asar.unpacked), so the asar integrity fuse does not cover them, and a per-user Windows
 * install is writable by anything running as that user. The build records their sha256 in
 * dist/native-hashes.json INSIDE app.asar (scripts/native-hashes.mjs, electron-builder's afterExtract
 * hook); main compares the unpacked files with it before the engine (better-sqlite3) or the keychain
 * (keytar) loads them, and refuses to start on any difference, a missing file, a missing manifest, or a
 * checked module that the build did not record. Unpackaged (`npm start`) there is nothing to compare
 * with; on macOS the code signature covers the .node files (signing changes their bytes after the
 * hook ran), so both skip. No Electron here: unit-tested in Node.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** The manifest's name in dist/ (scripts/native-hashes.mjs writes it). */
export const NATIVE_MANIFEST = 'native-hashes.json';
/** The native modules checked, by file name. */
export const CHECKED_NATIVE_MODULES = ['keytar.node', 'better_sqlite3.node'] as const;
/** Where each is expected when it is not in the manifest (to refuse one the build did not have). */
const DEFAULT_LOCATIONS: Record<(typeof CHECKED_NATIVE_MODULES)[number], string> = {
  'keytar.node': 'node_modules/keytar/build/Release/keytar.node',
  'better_sqlite3.node': 'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
};

const manifestSchema = z.object({
  version: z.literal(1),
  files: z
    .array(
      z.object({
        /** Relative to the app root, '/'-separated, no '..'. */
        path: z.string().min(1).max(300).refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\\'), 'a relative path inside the app'),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      }),
    )
    .max(20),
});
export type NativeManifest = z.infer<typeof manifestSchema>;

export interface NativeCheckOptions {
  packaged: boolean;
  platform: NodeJS.Platform;
  /** dist/native-hashes.json inside app.asar (main's `path.join(__dirname, '..', 'native-hashes.json')`). */
  manifestFile: string;
  /** `<resources>/app.asar.unpacked`: the manifest's paths are relative to it. */
  unpackedDir: string;
  /** Reads a file (tests inject); default fs (Electron's fs reads inside app.asar). */
  readFile?: (file: string) => Promise<Buffer>;
}

export type NativeCheckResult =
  | { ok: true; skipped: string }
  | { ok: true; checked: { file: string; sha256: string }[] }
  | { ok: false; problems: string[]; message: string };

const sha256Of = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Compares the unpacked native modules with the hashes the build recorded. */
export async function checkNativeModules(o: NativeCheckOptions): Promise<NativeCheckResult> {
  if (!o.packaged) return { ok: true, skipped: 'not packaged: nothing recorded to compare with' };
  if (o.platform === 'darwin') return { ok: true, skipped: 'macOS: the code signature covers the native modules' };
  const read = o.readFile ?? ((f: string) => readFile(f));
  const refuse = (problems: string[]): NativeCheckResult => ({
    ok: false,
    problems,
    message:
      `KiteDesk will not start: its native modules are not the ones it was built with.\n\n${problems.join('\n')}\n\n` +
      'Something changed files inside the KiteDesk installation. Reinstall KiteDesk from its official installer, ' +
      'and check the computer for software you did not install.',
  });
  let manifest: NativeManifest;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse((await read(o.manifestFile)).toString('utf8')));
    if (!parsed.success) return refuse([`${o.manifestFile}: not a native module manifest (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`]);
    manifest = parsed.data;
  } catch (e) {
    return refuse([`the build's record of native module hashes (${o.manifestFile}) cannot be read: ${e instanceof Error ? e.message : String(e)}`]);
  }
  const problems: string[] = [];
  const checked: { file: string; sha256: string }[] = [];
  for (const name of CHECKED_NATIVE_MODULES) {
    const entry = manifest.files.find((f) => path.posix.basename(f.path) === name);
    if (!entry) {
      // not part of this build (keytar is optional): one appearing now was put there by someone else
      const planted = path.join(o.unpackedDir, ...DEFAULT_LOCATIONS[name].split('/'));
      const there = await read(planted).then(
        () => true,
        () => false,
      );
      if (there) problems.push(`${planted}: ${name} was not part of this build`);
      else if (name === 'better_sqlite3.node') problems.push(`the build recorded no hash for ${name}`);
      continue;
    }
    const file = path.join(o.unpackedDir, ...entry.path.split('/'));
    let content: Buffer;
    try {
      content = await read(file);
    } catch {
      problems.push(`${file}: missing`);
      continue;
    }
    const now = sha256Of(content);
    if (now !== entry.sha256) problems.push(`${file}: sha256 ${now}, expected ${entry.sha256}`);
    else checked.push({ file, sha256: now });
  }
  return problems.length > 0 ? refuse(problems) : { ok: true, checked };
}
