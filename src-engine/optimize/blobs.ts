/**
 * The run's data shipped through Redis, by content. With `--redis`, `optimize` uploads every pinned
 * input (the config and every CSV; never a user strategy file, see `strategyFiles`) once, gzipped, under
 * `kitedesk:blob:<sha256>` (skipped when already there; a TTL refreshed on every use). A `kitedesk worker`
 * whose copy of a pinned file is missing or different fetches the blob by hash into its own cache folder,
 * checks the SHA-256 of the decompressed bytes, and reads it from there (`localizeTask`). A worker that
 * holds the right file at the pinned path reads it there, with no download. A blob missing in Redis, or
 * one whose content is not the pinned one, fails the job naming the file and the hash.
 *
 * User strategy files are code: they are pinned (so every worker runs the same content) but never
 * uploaded, and a remote worker runs one only when its own `--strategies-dir` holds a file with that
 * exact SHA-256 (docs/security.md).
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { hashFile, InputMismatchError, InputPinError, pinnedInputs, type PinnedInput } from './inputs.js';
import type { EvaluatorRef } from './evaluator.js';
import type { EvalTask } from './tasks.js';

export const BLOB_PREFIX = 'kitedesk:blob:';
/** Blobs live this long after their last use (upload, re-upload or fetch). */
export const BLOB_TTL_S = 7 * 24 * 3600;
/** The largest file shipped (Redis strings end at 512 MiB; gzip needs room). */
export const DEFAULT_MAX_BLOB_BYTES = 256 * 1024 * 1024;

export const blobKey = (sha256: string) => `${BLOB_PREFIX}${sha256}`;

/** The few Redis commands the blobs use (ioredis' Redis; a fake in unit tests). */
export interface BlobStore {
  exists(key: string): Promise<number>;
  expire(key: string, seconds: number): Promise<number>;
  set(key: string, value: Buffer, ex: 'EX', seconds: number, nx: 'NX'): Promise<'OK' | null>;
  getBuffer(key: string): Promise<Buffer | null>;
}

export class BlobError extends Error {
  override readonly name = 'BlobError';
}

/** A user strategy file pinned for the run: its path here, the type it defines, its content's SHA-256. */
export interface PinnedStrategy {
  path: string;
  type: string;
  sha256: string;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** `data.strategies`, checked (undefined: none). */
export function strategyFiles(data: unknown): PinnedStrategy[] | undefined {
  if (!isRecord(data) || data['strategies'] === undefined) return undefined;
  const v = data['strategies'];
  if (!Array.isArray(v) || v.some((s) => !isRecord(s) || typeof s['path'] !== 'string' || typeof s['type'] !== 'string' || typeof s['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(s['sha256']))) {
    throw new InputMismatchError('data.strategies must be a list of { path, type, sha256 (64 hex digits) }');
  }
  return v as PinnedStrategy[];
}

/** The pinned inputs that travel through Redis: all but the user strategy files. */
export function shippedInputs(data: unknown): PinnedInput[] {
  const code = new Set((strategyFiles(data) ?? []).map((s) => `${s.path}\0${s.sha256}`));
  return (pinnedInputs(data) ?? []).filter((i) => !code.has(`${i.path}\0${i.sha256}`));
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/**
 * Uploads the inputs (once per content): a blob already in Redis has its TTL refreshed and is not sent
 * again. Each file is read here and must still have its pinned content. Returns how many were sent.
 */
export async function uploadInputs(store: BlobStore, inputs: readonly PinnedInput[], o: { maxBytes?: number; ttlS?: number } = {}): Promise<{ uploaded: number; present: number; bytes: number }> {
  const max = o.maxBytes ?? DEFAULT_MAX_BLOB_BYTES;
  const ttl = o.ttlS ?? BLOB_TTL_S;
  const seen = new Set<string>();
  let uploaded = 0;
  let present = 0;
  let bytes = 0;
  for (const i of inputs) {
    if (seen.has(i.sha256)) continue;
    seen.add(i.sha256);
    const key = blobKey(i.sha256);
    if ((await store.exists(key)) === 1) {
      await store.expire(key, ttl);
      present++;
      continue;
    }
    let size: number;
    try {
      size = statSync(i.path).size;
    } catch (e) {
      throw new InputPinError(`input ${i.path} cannot be read here to ship it through Redis (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (size > max) throw new BlobError(`input ${i.path} is ${mib(size)}: more than the ${mib(max)} a file may have to be shipped through Redis`);
    const f = hashFile(i.path);
    if (f.sha256 !== i.sha256) throw new InputPinError(`input ${i.path} changed since it was pinned: sha256 ${f.sha256.slice(0, 16)}…, pinned ${i.sha256.slice(0, 16)}…`);
    const gz = gzipSync(f.buf);
    // NX: another optimiser may have sent the same content meanwhile; then theirs stays (it is the same)
    if ((await store.set(key, gz, 'EX', ttl, 'NX')) === 'OK') {
      uploaded++;
      bytes += gz.length;
    } else {
      await store.expire(key, ttl);
      present++;
    }
  }
  return { uploaded, present, bytes };
}

/** The worker's default cache folder: per user, under the OS temp folder. */
export function defaultCacheDir(): string {
  let user = 'user';
  try {
    user = String(userInfo().uid >= 0 ? userInfo().uid : userInfo().username);
  } catch {
    // no passwd entry: a shared name is still safe, every cached file is hashed before use
  }
  return join(tmpdir(), `kitedesk-${user}`, 'optimize-blobs');
}

/**
 * The cache folder, created private (0700) if missing; one of another user, a symlink, or one writable by
 * group or others is refused (another user could plant links in it). POSIX only: Windows has no such bits.
 */
export function privateCacheDir(dir: string): string {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return root;
  const st = lstatSync(root);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new BlobError(`cache folder ${root} must be a folder of this user that group and others cannot write (chmod 700 it, or give --cache-dir another folder)`);
  }
  return root;
}

const sha256Of = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

/**
 * Where a worker finds one pinned input: `local` (the pinned path holds the pinned content), `cache`
 * (its copy in the cache folder, `<cache>/<sha256>/<file name>`: the name is kept, it is the symbol),
 * fetched from Redis first when the copy is not there (`fetched`).
 */
export async function resolveInput(store: BlobStore, input: PinnedInput, cacheDir: string, o: { ttlS?: number } = {}): Promise<{ path: string; how: 'local' | 'cache'; fetched: boolean }> {
  const same = (p: string) => {
    try {
      return hashFile(p).sha256 === input.sha256;
    } catch {
      return false;
    }
  };
  if (same(input.path)) return { path: input.path, how: 'local', fetched: false };
  const dir = join(cacheDir, input.sha256);
  const name = basename(input.path);
  const cached = join(dir, name === '' || name === '.' || name === '..' ? 'input' : name);
  if (same(cached)) return { path: cached, how: 'cache', fetched: false };
  const key = blobKey(input.sha256);
  const gz = await store.getBuffer(key);
  if (gz === null) {
    throw new BlobError(
      `input ${input.path} is not on this worker (${hostname()}) and its blob ${key} is not in Redis (expired, or the run was queued without shipping its data): queue the run again with kitedesk optimize --redis`,
    );
  }
  let buf: Buffer;
  // no bigger than the pinned file: a blob that inflates past it is not the pinned content
  const limit = Math.min(Number.isSafeInteger(input.bytes) && input.bytes >= 0 ? input.bytes : DEFAULT_MAX_BLOB_BYTES, DEFAULT_MAX_BLOB_BYTES);
  try {
    buf = gunzipSync(gz, { maxOutputLength: Math.max(1, limit) });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? `: its content is larger than the pinned ${limit} bytes` : ` (${(e as Error).message})`;
    throw new BlobError(`input ${input.path}: the blob ${key} in Redis is corrupt${why}; nothing was read`);
  }
  const got = sha256Of(buf);
  if (got !== input.sha256) {
    throw new BlobError(`input ${input.path}: the blob ${key} in Redis is corrupt: its content has sha256 ${got}, not the pinned ${input.sha256}; nothing was read`);
  }
  await store.expire(key, o.ttlS ?? BLOB_TTL_S);
  privateCacheDir(cacheDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  writeFileSync(tmp, buf, { mode: 0o600 });
  renameSync(tmp, cached);
  return { path: cached, how: 'cache', fetched: true };
}

/** What a worker may run: the user strategy files of its own --strategies-dir, by SHA-256. */
export function strategyFolderIndex(dir: string | undefined): Map<string, string> {
  const bySha = new Map<string, string>();
  if (dir === undefined) return bySha;
  const root = resolve(dir);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (e) {
    throw new BlobError(`--strategies-dir ${root}: cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  for (const name of names.sort()) {
    if (name.startsWith('.') || name.startsWith('_') || !/\.(mjs|js|ts)$/.test(name) || name.endsWith('.d.ts')) continue;
    const p = join(root, name);
    try {
      if (!statSync(p).isFile()) continue;
      const sha = sha256Of(readFileSync(p));
      if (!bySha.has(sha)) bySha.set(sha, p);
    } catch {
      // unreadable: the run's own loader reports it when it is needed
    }
  }
  return bySha;
}

export interface InputCounts {
  /** Inputs read at their pinned path. */
  local: number;
  /** Inputs read from the worker's cache folder (shipped through Redis). */
  cache: number;
  /** Blobs downloaded from Redis for this job. */
  fetched: number;
}

export interface LocalizeContext {
  store: () => BlobStore;
  cacheDir: string;
  /** The worker's --strategies-dir (undefined: it runs no user strategy). */
  strategiesDir?: string;
  ttlS?: number;
}

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

/**
 * A job's evaluator on a `kitedesk worker`: a built-in, or a module file this machine has. Refused: a
 * `data:` URL (its code would come in the job) and a module inside the cache folder (a file shipped as
 * data, then named as code), so nothing that came through Redis is ever imported.
 */
export function checkEvaluatorRef(ref: EvaluatorRef, cacheDir: string): void {
  if (ref.module === 'builtin' || ref.module.startsWith('node:')) return;
  const refuse = (why: string) => {
    throw new BlobError(`evaluator ${ref.module}#${ref.export} refused on this worker (${hostname()}): ${why}; workers never run code that came through Redis`);
  };
  if (!ref.module.startsWith('file:') && /^[a-z][a-z0-9+.-]*:/i.test(ref.module) && !/^[a-z]:[\\/]/i.test(ref.module)) refuse('only built-in evaluators and module files on this machine are loaded');
  let path: string;
  try {
    path = ref.module.startsWith('file:') ? fileURLToPath(ref.module) : resolve(ref.module);
  } catch {
    return refuse('not a file URL');
  }
  const rel = relative(real(cacheDir), real(path));
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) refuse(`it lies in the cache of shipped data (${cacheDir})`);
}

/**
 * A job as this worker runs it: every pinned input at a path on this machine (its own copy, or the
 * shipped one in the cache folder), every user strategy file replaced by the worker's own file with
 * that SHA-256 (or the job fails naming the file, its type and hash). `memo` keeps answers per process.
 */
export async function localizeTask(task: EvalTask, ctx: LocalizeContext, memo: Map<string, Promise<{ path: string; how: 'local' | 'cache'; fetched: boolean }>>): Promise<{ task: EvalTask; counts?: InputCounts }> {
  checkEvaluatorRef(task.evaluator, ctx.cacheDir);
  const data = task.data;
  const strategies = strategyFiles(data);
  const inputs = pinnedInputs(data);
  if (!inputs && !strategies) return { task };
  const d = { ...(data as Record<string, unknown>) };
  const moved = new Map<string, string>();
  let strategyPaths: Map<string, string> | undefined;
  if (strategies?.length) {
    const own = strategyFolderIndex(ctx.strategiesDir);
    strategyPaths = new Map();
    for (const s of strategies) {
      const mine = own.get(s.sha256);
      if (!mine) {
        const why = ctx.strategiesDir === undefined ? 'this worker was started without --strategies-dir' : `no file in ${resolve(ctx.strategiesDir)} has this content`;
        throw new BlobError(
          `user strategy ${basename(s.path)} (type ${s.type}, sha256 ${s.sha256}) is not allowed on this worker (${hostname()}): ${why}. ` +
            'Workers never run code that came through Redis; to allow it, put that exact file into a folder and start the worker with kitedesk worker --strategies-dir DIR',
        );
      }
      strategyPaths.set(`${s.path}\0${s.sha256}`, mine);
    }
    d['strategies'] = strategies.map((s) => ({ ...s, path: strategyPaths!.get(`${s.path}\0${s.sha256}`)! }));
  }
  const counts: InputCounts = { local: 0, cache: 0, fetched: 0 };
  const newInputs: PinnedInput[] = [];
  for (const i of inputs ?? []) {
    const own = strategyPaths?.get(`${i.path}\0${i.sha256}`);
    if (own) {
      newInputs.push({ ...i, path: own });
      continue;
    }
    const k = `${i.path}\0${i.sha256}`;
    let p = memo.get(k);
    const first = !p;
    if (!p) {
      p = resolveInput(ctx.store(), i, ctx.cacheDir, ctx.ttlS !== undefined ? { ttlS: ctx.ttlS } : {});
      memo.set(k, p);
      p.catch(() => memo.delete(k));
    }
    const r = await p;
    counts[r.how]++;
    if (first && r.fetched) counts.fetched++;
    if (r.path !== i.path) moved.set(i.path, r.path);
    newInputs.push({ ...i, path: r.path });
  }
  if (inputs) d['inputs'] = newInputs;
  const at = (p: unknown) => (typeof p === 'string' ? (moved.get(p) ?? p) : p);
  if (typeof d['config'] === 'string') d['config'] = at(d['config']);
  if (Array.isArray(d['files'])) d['files'] = (d['files'] as unknown[]).map(at);
  if (Array.isArray(d['sources'])) d['sources'] = (d['sources'] as unknown[]).map((s) => (isRecord(s) ? { ...s, path: at(s['path']) } : s));
  return { task: { ...task, data: d }, ...(inputs ? { counts } : {}) };
}
