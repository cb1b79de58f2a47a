/**
 * User strategy files run with the engine's privileges (issue 15 §1): a file or folder that is not
 * the user's own or that others may write is refused, and every new or changed file waits for the
 * user's approval of its exact content (sha256), recorded outside the strategies folder.
 */
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileApprovalStore } from './approvals.js';
import { UserStrategyLoader, type UserStrategyError, type UserStrategyFileStatus } from './user-loader.js';
import type { StrategyDefinition } from './strategy.js';

const posix = typeof process.getuid === 'function';
const dirs: string[] = [];
const loaders: UserStrategyLoader[] = [];
afterEach(() => {
  for (const l of loaders.splice(0)) l.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const source = (type: string, tag: string) => `export default { type: '${type}', description: '${tag}', timeframes: ['5m'], create: () => ({}) };\n`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'kitedesk-approve-'));
  dirs.push(root);
  const dir = join(root, 'strategies');
  mkdirSync(dir, { mode: 0o700 });
  const approvalsFile = join(root, 'strategy-approvals.json');
  const approvals = new FileApprovalStore(approvalsFile);
  const defs = new Map<string, StrategyDefinition>();
  const errors: UserStrategyError[] = [];
  const statuses: UserStrategyFileStatus[][] = [];
  const loader = new UserStrategyLoader({
    dir,
    watch: false,
    approvals,
    register: (d) => defs.set(d.type, d),
    unregister: (t) => defs.delete(t),
    onError: (e) => errors.push(e),
    onStatus: (s) => statuses.push(s),
  });
  loaders.push(loader);
  return { root, dir, approvalsFile, approvals, loader, defs, errors, statuses };
}

describe('user strategy approval', () => {
  it('does not load a new file until its exact content is approved; reports it pending with its sha256', async () => {
    const h = setup();
    const src = source('user_a', 'v1');
    writeFileSync(join(h.dir, 'a.mjs'), src, { mode: 0o600 });
    await h.loader.start();
    expect(h.defs.has('user_a')).toBe(false);
    expect(h.loader.status()).toEqual([expect.objectContaining({ file: join(h.dir, 'a.mjs'), pendingApproval: sha(src) })]);
    expect(h.statuses.at(-1)?.[0]?.pendingApproval).toBe(sha(src));
    expect(h.errors.at(-1)?.message).toMatch(/a\.mjs.*approv/);

    // a wrong hash (the file changed since the person looked) is refused
    await expect(h.loader.approve('a.mjs', sha('something else'))).rejects.toThrow(/sha256/);
    expect(h.defs.has('user_a')).toBe(false);

    await h.loader.approve('a.mjs', sha(src));
    expect(h.defs.has('user_a')).toBe(true);
    expect(h.loader.status()[0]).toMatchObject({ type: 'user_a', sha256: sha(src) });
    expect(h.loader.status()[0]!.pendingApproval).toBeUndefined();
    // kept outside the strategies folder, private
    expect(JSON.parse(readFileSync(h.approvalsFile, 'utf8'))).toMatchObject({ files: { 'a.mjs': sha(src) } });
    if (posix) expect(statSync(h.approvalsFile).mode & 0o077).toBe(0);
  });

  it('a changed file waits again; the approved version stays registered meanwhile; a restart remembers approvals', async () => {
    const h = setup();
    const v1 = source('user_b', 'v1');
    writeFileSync(join(h.dir, 'b.mjs'), v1, { mode: 0o600 });
    await h.loader.start();
    await h.loader.approve('b.mjs', sha(v1));
    const first = h.defs.get('user_b');
    const v2 = source('user_b', 'v2');
    writeFileSync(join(h.dir, 'b.mjs'), v2, { mode: 0o600 });
    await h.loader.reloadAll();
    expect(h.defs.get('user_b')).toBe(first);
    expect(h.loader.status()[0]).toMatchObject({ type: 'user_b', pendingApproval: sha(v2) });

    // a new loader (a restart) with the same store loads v1-approved content only when it matches
    writeFileSync(join(h.dir, 'b.mjs'), v1, { mode: 0o600 });
    const defs = new Map<string, StrategyDefinition>();
    const again = new UserStrategyLoader({ dir: h.dir, watch: false, approvals: new FileApprovalStore(h.approvalsFile), register: (d) => defs.set(d.type, d), unregister: () => {}, onError: () => {} });
    loaders.push(again);
    await again.start();
    expect(defs.has('user_b')).toBe(true);
  });

  it.skipIf(!posix)('refuses a file others may write, even if approved', async () => {
    const h = setup();
    const src = source('user_c', 'v1');
    const f = join(h.dir, 'c.mjs');
    writeFileSync(f, src, { mode: 0o600 });
    h.approvals.approve('c.mjs', sha(src));
    chmodSync(f, 0o666);
    await h.loader.start();
    expect(h.defs.has('user_c')).toBe(false);
    expect(h.loader.status()[0]?.error).toMatch(/c\.mjs.*writable by others/);
    chmodSync(f, 0o620);
    await h.loader.reloadAll();
    expect(h.defs.has('user_c')).toBe(false);
    expect(h.loader.status()[0]?.error).toMatch(/writable by others/);
  });

  it.skipIf(!posix)('refuses every file of a folder others may write', async () => {
    const h = setup();
    const src = source('user_d', 'v1');
    writeFileSync(join(h.dir, 'd.mjs'), src, { mode: 0o600 });
    h.approvals.approve('d.mjs', sha(src));
    chmodSync(h.dir, 0o777);
    await h.loader.start();
    expect(h.defs.has('user_d')).toBe(false);
    expect(h.errors.map((e) => e.message).join('\n')).toMatch(/strategies.*folder.*writable by others/);
    chmodSync(h.dir, 0o700);
    await h.loader.reloadAll();
    expect(h.defs.has('user_d')).toBe(true);
  });

  it.skipIf(!posix || process.getuid?.() !== 0)('refuses a file owned by another user (root can hand one over to test it)', async () => {
    const h = setup();
    const src = source('user_e', 'v1');
    const f = join(h.dir, 'e.mjs');
    writeFileSync(f, src, { mode: 0o600 });
    h.approvals.approve('e.mjs', sha(src));
    chownSync(f, 4242, 4242);
    await h.loader.start();
    expect(h.defs.has('user_e')).toBe(false);
    expect(h.loader.status()[0]?.error).toMatch(/e\.mjs.*not owned by/);
  });
});
