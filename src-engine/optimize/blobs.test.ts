import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobKey, BlobError, checkEvaluatorRef, localizeTask, resolveInput, shippedInputs, uploadInputs, type BlobStore } from './blobs.js';
import { InputPinError, pinData, type PinnedInput } from './inputs.js';
import type { EvalTask } from './tasks.js';

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

/** Redis in a Map: the commands the blobs use, with the TTLs and the calls recorded. */
function fakeStore() {
  const kv = new Map<string, Buffer>();
  const ttl = new Map<string, number>();
  const calls: string[] = [];
  const store: BlobStore = {
    exists: async (k) => (calls.push(`exists ${k}`), kv.has(k) ? 1 : 0),
    expire: async (k, s) => (calls.push(`expire ${k}`), kv.has(k) ? (ttl.set(k, s), 1) : 0),
    set: async (k, v, _ex, s, _nx) => {
      calls.push(`set ${k}`);
      if (kv.has(k)) return null;
      kv.set(k, v);
      ttl.set(k, s);
      return 'OK';
    },
    getBuffer: async (k) => (calls.push(`get ${k}`), kv.get(k) ?? null),
  };
  return { store, kv, ttl, calls };
}

let dir: string;
const pinnedOf = (path: string): PinnedInput => {
  const b = readFileSync(path);
  return { path, sha256: sha(b), bytes: b.length };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-opt-blobs-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'SIMA.csv'), 'datetime,open,high,low,close,volume\n2022-03-01T09:15:00+0530,1,2,0.5,1.5,10\n');
  writeFileSync(join(dir, 'data', 'SIMB.csv'), 'datetime,open,high,low,close,volume\n2022-03-01T09:15:00+0530,3,4,2.5,3.5,20\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shipping pinned inputs through Redis', () => {
  it('uploads each content once, gzipped, with a TTL; a blob already there is refreshed, not sent again', async () => {
    const { store, kv, ttl, calls } = fakeStore();
    const a = pinnedOf(join(dir, 'data', 'SIMA.csv'));
    const b = pinnedOf(join(dir, 'data', 'SIMB.csv'));
    expect(await uploadInputs(store, [a, b, { ...a }], { ttlS: 100 })).toMatchObject({ uploaded: 2, present: 0 });
    expect(gunzipSync(kv.get(blobKey(a.sha256))!).toString()).toBe(readFileSync(a.path, 'utf8'));
    expect(ttl.get(blobKey(b.sha256))).toBe(100);
    calls.length = 0;
    expect(await uploadInputs(store, [a, b], { ttlS: 200 })).toMatchObject({ uploaded: 0, present: 2 });
    expect(calls.filter((c) => c.startsWith('set'))).toEqual([]);
    expect(ttl.get(blobKey(a.sha256))).toBe(200);
  });

  it('a file over the size limit, or changed since it was pinned, is refused naming it', async () => {
    const { store, kv } = fakeStore();
    const a = pinnedOf(join(dir, 'data', 'SIMA.csv'));
    await expect(uploadInputs(store, [a], { maxBytes: 10 })).rejects.toThrow(new RegExp(`input ${a.path} is 0\\.0 MiB: more than the 0\\.0 MiB`));
    await expect(uploadInputs(store, [a], { maxBytes: 10 })).rejects.toThrow(BlobError);
    await expect(uploadInputs(store, [{ ...a, sha256: sha('other') }])).rejects.toThrow(new RegExp(`input ${a.path} changed since it was pinned`));
    await expect(uploadInputs(store, [{ ...a, path: join(dir, 'gone.csv') }])).rejects.toThrow(InputPinError);
    expect(kv.size).toBe(0);
  });

  it('a worker reads a file it holds locally without a download; one it lacks is fetched into its cache under the same name, once', async () => {
    const { store, calls } = fakeStore();
    const a = pinnedOf(join(dir, 'data', 'SIMA.csv'));
    await uploadInputs(store, [a]);
    calls.length = 0;
    expect(await resolveInput(store, a, join(dir, 'cache1'))).toEqual({ path: a.path, how: 'local', fetched: false });
    expect(calls).toEqual([]);

    const elsewhere = { ...a, path: join(dir, 'elsewhere', 'SIMA.csv') }; // the optimiser's path, absent here
    const r = await resolveInput(store, elsewhere, join(dir, 'cache1'));
    expect(r).toEqual({ path: join(dir, 'cache1', a.sha256, 'SIMA.csv'), how: 'cache', fetched: true });
    expect(readFileSync(r.path, 'utf8')).toBe(readFileSync(a.path, 'utf8'));
    calls.length = 0;
    expect(await resolveInput(store, elsewhere, join(dir, 'cache1'))).toEqual({ ...r, fetched: false });
    expect(calls).toEqual([]);
  });

  it('a blob missing in Redis or corrupted there fails, naming the file and the hash; nothing is cached', async () => {
    const { store, kv } = fakeStore();
    const a = pinnedOf(join(dir, 'data', 'SIMA.csv'));
    const elsewhere = { ...a, path: join(dir, 'elsewhere', 'SIMA.csv') };
    const cache = join(dir, 'cache2');
    await expect(resolveInput(store, elsewhere, cache)).rejects.toThrow(`input ${elsewhere.path} is not on this worker`);
    await expect(resolveInput(store, elsewhere, cache)).rejects.toThrow(`its blob kitedesk:blob:${a.sha256} is not in Redis`);
    kv.set(blobKey(a.sha256), gzipSync('datetime,open,high,low,close,volume\n'));
    await expect(resolveInput(store, elsewhere, cache)).rejects.toThrow(
      `input ${elsewhere.path}: the blob kitedesk:blob:${a.sha256} in Redis is corrupt: its content has sha256 ${sha('datetime,open,high,low,close,volume\n')}, not the pinned ${a.sha256}`,
    );
    kv.set(blobKey(a.sha256), gzipSync(Buffer.alloc(a.bytes * 1000)));
    await expect(resolveInput(store, elsewhere, cache)).rejects.toThrow(`the blob kitedesk:blob:${a.sha256} in Redis is corrupt: its content is larger than the pinned ${a.bytes} bytes; nothing was read`);
    kv.set(blobKey(a.sha256), Buffer.from('not gzip'));
    await expect(resolveInput(store, elsewhere, cache)).rejects.toThrow(/is corrupt \(incorrect header check\)/);
    expect(existsSync(join(cache, a.sha256, 'SIMA.csv'))).toBe(false);
  });

  it.skipIf(process.platform === 'win32')('a cache folder others can write is refused before anything is written there', async () => {
    const { store } = fakeStore();
    const a = pinnedOf(join(dir, 'data', 'SIMA.csv'));
    await uploadInputs(store, [a]);
    const open = join(dir, 'open-cache');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(resolveInput(store, { ...a, path: join(dir, 'elsewhere', 'SIMA.csv') }, open)).rejects.toThrow(`cache folder ${open} must be a folder of this user that group and others cannot write`);
    expect(existsSync(join(open, a.sha256))).toBe(false);
  });

  it('localizeTask rewrites the config, sources and inputs to this worker’s copies and counts them', async () => {
    const { store } = fakeStore();
    const config = join(dir, 'bt.yaml');
    writeFileSync(
      config,
      [
        'strategies:',
        '  - { id: a, type: sma_crossover, params: { fast: 10, slow: 30 }, timeframe: 1m, symbols: [SIMA, SIMB] }',
        `backtest: { data: [{ path: ${JSON.stringify(join(dir, 'data'))} }] }`,
        '',
      ].join('\n'),
    );
    const data = pinData({ module: 'builtin', export: 'backtest' }, { config }) as { inputs: PinnedInput[]; sources: { path: string }[] };
    expect(data.inputs.map((i) => basename(i.path))).toEqual(['bt.yaml', 'SIMA.csv', 'SIMB.csv']);
    await uploadInputs(store, shippedInputs(data));
    // as on a machine where only SIMA.csv is at the optimiser's path
    const moved = { ...data, inputs: data.inputs.map((i) => (i.path.endsWith('SIMA.csv') ? i : { ...i, path: `${i.path}.absent` })) };
    moved.sources = data.sources.map((s) => (s.path.endsWith('SIMA.csv') ? s : { ...s, path: `${s.path}.absent` }));
    (moved as Record<string, unknown>)['config'] = `${config}.absent`;
    const task: EvalTask = { key: 'p0', evaluator: { module: 'builtin', export: 'backtest' }, params: {}, data: moved };
    const memo = new Map();
    const cacheDir = join(dir, 'cache3');
    const r = await localizeTask(task, { store: () => store, cacheDir }, memo);
    const d = r.task.data as { config: string; sources: { path: string }[]; inputs: PinnedInput[] };
    expect(r.counts).toEqual({ local: 1, cache: 2, fetched: 2 });
    expect(d.config).toBe(join(cacheDir, data.inputs[0]!.sha256, 'bt.yaml.absent'));
    expect(d.sources.map((s) => s.path)).toEqual([join(dir, 'data', 'SIMA.csv'), join(cacheDir, data.inputs[2]!.sha256, 'SIMB.csv.absent')]);
    expect(d.inputs.map((i) => i.path)).toEqual([d.config, ...d.sources.map((s) => s.path)]);
    expect(d.inputs.map((i) => i.sha256)).toEqual(data.inputs.map((i) => i.sha256));
    // the next job: nothing fetched again
    expect((await localizeTask(task, { store: () => store, cacheDir }, memo)).counts).toEqual({ local: 1, cache: 2, fetched: 0 });
  });

  it('user strategy files are never shipped; a worker runs one only from its own --strategies-dir, by SHA-256', async () => {
    const src = 'export default { type: "user_x", description: "x", timeframes: ["1m"], create() { return {}; } };\n';
    const mine = join(dir, 'mine');
    mkdirSync(mine, { mode: 0o700 });
    writeFileSync(join(mine, 'x.mjs'), src, { mode: 0o600 });
    const theirs = { path: '/home/someone/strategies/user-x.mjs', type: 'user_x', sha256: sha(src) };
    const csv = pinnedOf(join(dir, 'data', 'SIMA.csv'));
    const data = { config: csv.path, strategies: [theirs], inputs: [csv, { path: theirs.path, sha256: theirs.sha256, bytes: src.length }] };
    expect(shippedInputs(data)).toEqual([csv]);
    const task: EvalTask = { key: 'p1', evaluator: { module: 'builtin', export: 'backtest' }, params: {}, data };
    const { store } = fakeStore();
    const ctx = { store: () => store, cacheDir: join(dir, 'cache4') };
    await expect(localizeTask(task, ctx, new Map())).rejects.toThrow(
      `user strategy user-x.mjs (type user_x, sha256 ${theirs.sha256}) is not allowed on this worker (`,
    );
    await expect(localizeTask(task, ctx, new Map())).rejects.toThrow(/started without --strategies-dir\. Workers never run code that came through Redis; to allow it, .*kitedesk worker --strategies-dir DIR/);
    const other = join(dir, 'other');
    mkdirSync(other, { mode: 0o700 });
    writeFileSync(join(other, 'x.mjs'), src.replace('"x"', '"y"'), { mode: 0o600 });
    await expect(localizeTask(task, { ...ctx, strategiesDir: other }, new Map())).rejects.toThrow(`no file in ${other} has this content`);

    const ok = await localizeTask(task, { ...ctx, strategiesDir: mine }, new Map());
    const d = ok.task.data as typeof data;
    expect(d.strategies).toEqual([{ ...theirs, path: join(mine, 'x.mjs') }]);
    expect(d.inputs[1]).toEqual({ path: join(mine, 'x.mjs'), sha256: theirs.sha256, bytes: src.length });
    expect(ok.counts).toEqual({ local: 1, cache: 0, fetched: 0 });
  });

  it('a worker imports no evaluator that came through Redis: data: URLs and modules in the cache folder are refused', async () => {
    const cache = join(dir, 'cache5');
    mkdirSync(join(cache, 'f'.repeat(64)), { recursive: true });
    writeFileSync(join(cache, 'f'.repeat(64), 'x.mjs'), 'export const e = { evaluate() { return { metrics: {} }; } };\n');
    expect(() => checkEvaluatorRef({ module: 'builtin', export: 'sma' }, cache)).not.toThrow();
    expect(() => checkEvaluatorRef({ module: join(dir, 'mod.ts'), export: 'e' }, cache)).not.toThrow();
    expect(() => checkEvaluatorRef({ module: 'data:text/javascript,export const e = 1', export: 'e' }, cache)).toThrow(/refused on this worker .*only built-in evaluators and module files on this machine.*never run code that came through Redis/);
    const shipped = join(cache, 'f'.repeat(64), 'x.mjs');
    expect(() => checkEvaluatorRef({ module: shipped, export: 'e' }, cache)).toThrow(`it lies in the cache of shipped data (${cache})`);
    expect(() => checkEvaluatorRef({ module: `file://${shipped}`, export: 'e' }, cache)).toThrow(BlobError);
    expect(() => checkEvaluatorRef({ module: join(cache, '..', 'cache5', 'f'.repeat(64), 'x.mjs'), export: 'e' }, cache)).toThrow(BlobError);
    const { store } = fakeStore();
    const task: EvalTask = { key: 'p0', evaluator: { module: shipped, export: 'e' }, params: {}, data: {} };
    await expect(localizeTask(task, { store: () => store, cacheDir: cache }, new Map())).rejects.toThrow(BlobError);
  });
});
