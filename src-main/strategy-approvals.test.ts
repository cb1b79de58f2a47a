/**
 * main keeps the approvals of user strategy files (issue 15 §1): its store and request handler with a
 * stub dialog, and the engine's loader asking main over a (stub) control channel — a file loads only
 * once main answers that its sha256 is approved, a changed file is pending again, a declined dialog
 * records nothing, and an unanswered check approves nothing. The Electron binary is absent: main.ts
 * passes dialog.showMessageBox as `confirm`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineToMainSchema, mainToEngineSchema, type EngineToMain } from '../src-engine/contract/control.js';
import { ControlApprovalStore } from '../src-engine/host/strategy-approvals-control.js';
import { UserStrategyLoader } from '../src-engine/strategy/user-loader.js';
import type { StrategyDefinition } from '../src-engine/strategy/strategy.js';
import { answerStrategyApprovalRequest, MainApprovalStore, type ApprovalPrompt, type StrategyApprovalDeps } from './strategy-approvals.js';

const posix = typeof process.getuid === 'function';
const dirs: string[] = [];
const loaders: UserStrategyLoader[] = [];
afterEach(() => {
  for (const l of loaders.splice(0)) l.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const source = (type: string, tag: string) => `export default { type: '${type}', description: '${tag}', timeframes: ['5m'], create: () => ({}) };\n`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'kitedesk-main-approvals-'));
  dirs.push(root);
  return root;
}

describe('MainApprovalStore', () => {
  it('records a hash per file name in a private file of its own; another instance (a restart) reads it back', () => {
    const root = tempRoot();
    const file = join(root, 'main', 'strategy-approvals.json');
    const s = new MainApprovalStore(file, () => 42);
    expect(s.isApproved('a.mjs', sha('x'))).toBe(false);
    s.record('a.mjs', sha('x'));
    expect(s.isApproved('a.mjs', sha('x'))).toBe(true);
    expect(s.isApproved('a.mjs', sha('y'))).toBe(false);
    expect(s.isApproved('toString', sha('x'))).toBe(false); // no prototype keys
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, files: { 'a.mjs': { sha256: sha('x'), approvedAt: 42 } } });
    if (posix) {
      expect(statSync(file).mode & 0o077).toBe(0);
      expect(statSync(join(root, 'main')).mode & 0o077).toBe(0);
    }
    expect(new MainApprovalStore(file).isApproved('a.mjs', sha('x'))).toBe(true);
  });

  it('an unreadable file approves nothing and is not written over', () => {
    const root = tempRoot();
    const file = join(root, 'strategy-approvals.json');
    writeFileSync(file, `{"version":1,"files":{"a.mjs":"${sha('x')}"}}`); // the engine's format, not main's
    const s = new MainApprovalStore(file);
    expect(s.unreadable).toMatch(/not a strategy approvals file/);
    expect(s.isApproved('a.mjs', sha('x'))).toBe(false);
    expect(() => s.record('b.mjs', sha('y'))).toThrow(/move it aside/);
    expect(readFileSync(file, 'utf8')).toContain('"a.mjs"');
  });
});

function mainSide(root: string, answers: boolean[] = []) {
  const strategiesDir = join(root, 'strategies');
  mkdirSync(strategiesDir, { recursive: true, mode: 0o700 });
  const store = new MainApprovalStore(join(root, 'main', 'strategy-approvals.json'));
  const prompts: ApprovalPrompt[] = [];
  const deps: StrategyApprovalDeps = {
    store,
    strategiesDir,
    confirm: async (p) => {
      prompts.push(p);
      return answers.shift() ?? false;
    },
  };
  return { strategiesDir, store, prompts, deps };
}

describe('answerStrategyApprovalRequest', () => {
  it('check answers from the store; approve reads the file, asks, and records only on a yes', async () => {
    const root = tempRoot();
    const m = mainSide(root, [false, true]);
    const src = source('user_a', 'v1');
    writeFileSync(join(m.strategiesDir, 'a.mjs'), src, { mode: 0o600 });
    const req = (id: number, op: 'check' | 'approve', file = 'a.mjs', sha256 = sha(src)) => ({ type: 'strategy-approval-request' as const, id, op, file, sha256 });

    expect(await answerStrategyApprovalRequest(req(1, 'check'), m.deps)).toEqual({ type: 'strategy-approval-reply', id: 1, ok: true, approved: false });
    // the person said no: nothing recorded
    expect(await answerStrategyApprovalRequest(req(2, 'approve'), m.deps)).toMatchObject({ id: 2, ok: false, refused: 'declined' });
    expect(m.store.isApproved('a.mjs', sha(src))).toBe(false);
    // the dialog showed what main read itself: path, size, hash, first lines
    expect(m.prompts[0]).toEqual({ file: 'a.mjs', fullPath: join(m.strategiesDir, 'a.mjs'), sha256: sha(src), bytes: src.length, head: src.trimEnd() + '\n' });
    // yes: recorded
    expect(await answerStrategyApprovalRequest(req(3, 'approve'), m.deps)).toEqual({ type: 'strategy-approval-reply', id: 3, ok: true, approved: true });
    expect(await answerStrategyApprovalRequest(req(4, 'check'), m.deps)).toMatchObject({ ok: true, approved: true });
    // every reply passes the control channel's schema
    for (const id of [1, 2, 3]) expect(mainToEngineSchema.safeParse(await answerStrategyApprovalRequest(req(id, 'check'), m.deps)).success).toBe(true);
  });

  it('refuses a hash that is not the content on disk (changed), a missing file and a name with a folder, without asking', async () => {
    const root = tempRoot();
    const m = mainSide(root, [true, true, true]);
    writeFileSync(join(m.strategiesDir, 'a.mjs'), source('user_a', 'v2'), { mode: 0o600 });
    const changed = await answerStrategyApprovalRequest({ type: 'strategy-approval-request', id: 1, op: 'approve', file: 'a.mjs', sha256: sha(source('user_a', 'v1')) }, m.deps);
    expect(changed).toMatchObject({ ok: false, refused: 'changed', message: expect.stringContaining(sha(source('user_a', 'v2'))) });
    const missing = await answerStrategyApprovalRequest({ type: 'strategy-approval-request', id: 2, op: 'approve', file: 'b.mjs', sha256: sha('b') }, m.deps);
    expect(missing).toMatchObject({ ok: false, refused: 'not-found' });
    const folder = await answerStrategyApprovalRequest({ type: 'strategy-approval-request', id: 3, op: 'approve', file: '../x.mjs', sha256: sha('b') }, m.deps);
    expect(folder).toMatchObject({ ok: false, refused: 'invalid' });
    expect(m.prompts).toEqual([]);
    expect(m.store.isApproved('a.mjs', sha(source('user_a', 'v1')))).toBe(false);
  });

  it('a store that cannot write answers unavailable (no approval is claimed)', async () => {
    const root = tempRoot();
    const m = mainSide(root, [true]);
    writeFileSync(join(m.strategiesDir, 'a.mjs'), 'x', { mode: 0o600 });
    const deps = { ...m.deps, store: { isApproved: () => false, record: () => { throw new Error('disk full'); } } };
    expect(await answerStrategyApprovalRequest({ type: 'strategy-approval-request', id: 1, op: 'approve', file: 'a.mjs', sha256: sha('x') }, deps)).toMatchObject({ ok: false, refused: 'unavailable' });
  });
});

/** The engine's loader with a ControlApprovalStore whose control channel reaches main's handler. */
function desktop(root: string, answers: boolean[], opts: { mainDown?: boolean } = {}) {
  const m = mainSide(root, answers);
  const sent: EngineToMain[] = [];
  const approvals: ControlApprovalStore = new ControlApprovalStore({
    checkTimeoutMs: 200,
    send: (msg) => {
      const parsed = engineToMainSchema.parse(msg); // as utility-entry's send does
      sent.push(parsed);
      if (opts.mainDown || parsed.type !== 'strategy-approval-request') return;
      // main answers asynchronously, as over the utility process's parent port
      void answerStrategyApprovalRequest(parsed, m.deps).then((reply) => approvals.onReply(mainToEngineSchema.parse(reply) as never));
    },
  });
  const defs = new Map<string, StrategyDefinition>();
  const loader = new UserStrategyLoader({
    dir: m.strategiesDir,
    watch: false,
    approvals,
    register: (d) => defs.set(d.type, d),
    unregister: (t) => defs.delete(t),
    onError: () => {},
  });
  loaders.push(loader);
  return { ...m, sent, approvals, defs, loader };
}

describe('the engine asks main (desktop app)', () => {
  it('a new file waits until main records its hash (after the dialog); a changed file waits again; a restart loads what main approved', async () => {
    const root = tempRoot();
    const d = desktop(root, [true, false, true]);
    const v1 = source('user_m', 'v1');
    writeFileSync(join(d.strategiesDir, 'm.mjs'), v1, { mode: 0o600 });
    await d.loader.start();
    expect(d.defs.has('user_m')).toBe(false);
    expect(d.loader.status()[0]).toMatchObject({ pendingApproval: sha(v1) });
    expect(d.sent).toEqual([{ type: 'strategy-approval-request', id: 1, op: 'check', file: 'm.mjs', sha256: sha(v1) }]);

    await d.loader.approve('m.mjs', sha(v1));
    expect(d.defs.has('user_m')).toBe(true);
    expect(d.store.isApproved('m.mjs', sha(v1))).toBe(true);
    expect(d.prompts.map((p) => p.file)).toEqual(['m.mjs']);
    // the engine wrote no approvals file of its own
    expect(existsSync(join(root, 'strategy-approvals.json'))).toBe(false);

    // changed: pending again (the approved version stays registered); the person declines: still pending
    const v2 = source('user_m', 'v2');
    writeFileSync(join(d.strategiesDir, 'm.mjs'), v2, { mode: 0o600 });
    await d.loader.reloadAll();
    expect(d.loader.status()[0]).toMatchObject({ type: 'user_m', pendingApproval: sha(v2) });
    await expect(d.loader.approve('m.mjs', sha(v2))).rejects.toThrow(/m\.mjs: not approved: .*declined/);
    expect(d.store.isApproved('m.mjs', sha(v2))).toBe(false);
    expect(d.loader.status()[0]).toMatchObject({ pendingApproval: sha(v2) });
    await d.loader.approve('m.mjs', sha(v2));
    expect(d.loader.status()[0]).toMatchObject({ type: 'user_m', sha256: sha(v2) });
    expect(d.loader.status()[0]!.pendingApproval).toBeUndefined();

    // a restart of the engine: a fresh loader and control store, main's record as it was
    const again = desktop(root, []);
    await again.loader.start();
    expect(again.defs.has('user_m')).toBe(true);
    expect(again.prompts).toEqual([]);
  });

  it('the engine cannot approve by itself: a hash main does not hold stays pending, whatever the engine kept', async () => {
    const root = tempRoot();
    const d = desktop(root, []);
    const src = source('user_n', 'v1');
    writeFileSync(join(d.strategiesDir, 'n.mjs'), src, { mode: 0o600 });
    // an engine-side approvals file (serve's format) next to the data is not consulted
    writeFileSync(join(root, 'strategy-approvals.json'), JSON.stringify({ version: 1, files: { 'n.mjs': sha(src) } }), { mode: 0o600 });
    await d.loader.start();
    expect(d.defs.has('user_n')).toBe(false);
    expect(d.loader.status()[0]).toMatchObject({ pendingApproval: sha(src) });
  });

  it('main not answering approves nothing: the file stays pending, saying the approval could not be checked', async () => {
    const root = tempRoot();
    const d = desktop(root, [], { mainDown: true });
    const src = source('user_o', 'v1');
    writeFileSync(join(d.strategiesDir, 'o.mjs'), src, { mode: 0o600 });
    await d.loader.start();
    expect(d.defs.has('user_o')).toBe(false);
    expect(d.loader.status()[0]).toMatchObject({ pendingApproval: sha(src), error: expect.stringMatching(/could not be checked: the desktop app did not answer/) });
  });
});
