/**
 * Issue 15 §1 in the desktop app's shape, under Node: the engine's utility-process entry over a fake
 * parentPort, and main's side of the control channel answered by main's own handler
 * (src-main/strategy-approvals.ts) with a stub dialog. A window's `strategies.approve` reaches main, which
 * records the hash in its own file; the engine keeps none; a changed file is pending again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcClient, RpcError, fromMessagePort, kiteDeskApi, mainToEngineSchema, type PortLike } from '../../src-engine/contract/index.js';
import { runUtilityEngine } from '../../src-engine/host/utility-entry.js';
import { answerStrategyApprovalRequest, MainApprovalStore, type ApprovalPrompt } from '../../src-main/strategy-approvals.js';
import { tempDataDir } from '../support/serve-process.js';
import { FakeParentPort, asPortMain } from '../support/utility-port.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const source = (tag: string) => `export default { type: 'user_desk', description: '${tag}', timeframes: ['5m'], create: () => ({}) };\n`;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('user strategy approvals kept by main (desktop app, under Node)', () => {
  it('pending until main records the hash after its dialog; the engine writes no approvals of its own; a change is pending again', async () => {
    const dataDir = tempDataDir();
    const strategiesDir = join(dataDir, 'strategies');
    mkdirSync(strategiesDir, { recursive: true, mode: 0o700 });
    const v1 = source('v1');
    writeFileSync(join(strategiesDir, 'desk.mjs'), v1, { mode: 0o600 });
    const store = new MainApprovalStore(join(dataDir, 'main', 'strategy-approvals.json'));
    const answers: boolean[] = [];
    const prompts: ApprovalPrompt[] = [];
    // main: answers the engine's approval requests as main.ts does
    class MainSide extends FakeParentPort {
      override postMessage(m: unknown) {
        super.postMessage(m);
        const msg = m as { type: string };
        if (msg.type !== 'strategy-approval-request') return;
        void answerStrategyApprovalRequest(m as never, { store, strategiesDir, confirm: async (p) => (prompts.push(p), answers.shift() ?? false) }).then((reply) =>
          this.deliver(mainToEngineSchema.parse(reply)),
        );
      }
    }
    const parent = new MainSide();
    const exits: number[] = [];
    runUtilityEngine(parent, { argv: ['node', 'utility-entry.js', `--data-dir=${dataDir}`], exit: (c) => exits.push(c), heartbeatMs: 0 });
    cleanups.push(() => parent.deliver({ type: 'shutdown', reason: 'test end' }));
    const ch = new MessageChannel();
    parent.deliver({ type: 'attach-window', windowId: 1 }, [asPortMain(ch.port1)]);
    const c = new RpcClient(kiteDeskApi, { timeoutMs: 10_000 });
    c.attach(fromMessagePort(ch.port2 as unknown as PortLike));
    cleanups.push(() => c.detach());

    const pending = await until('desk.mjs pending', async () => (await c.call('strategies.files', {})).find((f) => f.file === 'desk.mjs' && f.pendingApproval !== undefined));
    expect(pending.pendingApproval).toBe(sha(v1));
    expect(parent.sent).toContainEqual({ type: 'strategy-approval-request', id: expect.any(Number), op: 'check', file: 'desk.mjs', sha256: sha(v1) });

    // the person declines in main's dialog: not loaded, nothing recorded
    answers.push(false);
    const declined = await c.call('strategies.approve', { file: 'desk.mjs', sha256: sha(v1) }).catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(RpcError);
    expect((declined as RpcError).message).toMatch(/declined/);
    expect(store.isApproved('desk.mjs', sha(v1))).toBe(false);

    // yes: main records it, the engine loads it
    answers.push(true);
    const files = await c.call('strategies.approve', { file: 'desk.mjs', sha256: sha(v1) });
    expect(files.find((f) => f.file === 'desk.mjs')).toMatchObject({ type: 'user_desk', sha256: sha(v1) });
    expect(store.isApproved('desk.mjs', sha(v1))).toBe(true);
    expect(new MainApprovalStore(store.file).isApproved('desk.mjs', sha(v1))).toBe(true);
    expect(prompts.map((p) => [p.file, p.sha256])).toEqual([['desk.mjs', sha(v1)], ['desk.mjs', sha(v1)]]);
    expect(existsSync(join(dataDir, 'strategy-approvals.json'))).toBe(false);

    // changed on disk: pending again, main asked about the new hash
    const v2 = source('v2');
    writeFileSync(join(strategiesDir, 'desk.mjs'), v2, { mode: 0o600 });
    const again = await until('desk.mjs pending again', async () => (await c.call('strategies.files', {})).find((f) => f.file === 'desk.mjs' && f.pendingApproval === sha(v2)));
    expect(again).toMatchObject({ type: 'user_desk', pendingApproval: sha(v2) });
    expect(store.isApproved('desk.mjs', sha(v2))).toBe(false);
  }, 60_000);
});
