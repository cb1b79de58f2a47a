import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, RpcClient, RpcError, fromMessagePort, kiteDeskApi, type PortLike } from '../../src-engine/contract/index.js';
import { runUtilityEngine } from '../../src-engine/host/utility-entry.js';
import { tempDataDir } from '../support/serve-process.js';
import { FakeParentPort, asPortMain } from '../support/utility-port.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('engine utility-process entry (Electron parentPort protocol, run under Node)', () => {
  it('says ready, serves each attached window over its own port, ignores bad control messages, and shuts down', async () => {
    const parent = new FakeParentPort();
    const exits: number[] = [];
    runUtilityEngine(parent, { argv: ['node', 'utility-entry.js', `--data-dir=${tempDataDir()}`], exit: (c) => exits.push(c) });
    expect(parent.sent[0]).toMatchObject({ type: 'ready', version: expect.any(String) });

    // garbage on the control channel is ignored, not fatal
    parent.deliver({ type: 'format-disk' });
    parent.deliver('attach-window');
    parent.deliver({ type: 'attach-window', windowId: 1 }); // no port: ignored

    const clients: RpcClient<typeof kiteDeskApi>[] = [];
    for (const windowId of [1, 2]) {
      const ch = new MessageChannel();
      parent.deliver({ type: 'attach-window', windowId }, [asPortMain(ch.port1)]);
      const c = new RpcClient(kiteDeskApi, { timeoutMs: 5000 });
      c.attach(fromMessagePort(ch.port2 as unknown as PortLike));
      clients.push(c);
      cleanups.push(() => c.detach());
    }
    const [a, b] = clients;
    const status = await a!.call('engine.getStatus', {});
    expect(status).toMatchObject({ state: 'running', mode: 'paper', feed: 'simulator' });
    expect((await b!.call('watchlist.get', {})).symbols.length).toBeGreaterThan(0);
    const e = await b!.call('candles.get', { symbol: 'NOPE' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RpcError);
    expect((e as RpcError).code).toBe(ErrorCode.NOT_FOUND);
    expect((await a!.call('engine.getStatus', {})).connections).toBe(2);

    // restarts: unsupervised until main says otherwise; main's count reaches the Health tab
    expect((await a!.call('engine.health', {})).engine.restarts).toEqual({ supervisor: 'none', count: 0 });
    parent.deliver({ type: 'host-restarts', count: 2, last: { at: 1_700_000_000_000, reason: 'exited with code 139' } });
    expect((await b!.call('engine.health', {})).engine.restarts).toEqual({
      supervisor: 'electron-main',
      count: 2,
      last: { at: 1_700_000_000_000, reason: 'exited with code 139' },
    });
    parent.deliver({ type: 'host-restarts', count: -1 }); // refused by the control contract: unchanged
    expect((await b!.call('engine.health', {})).engine.restarts.count).toBe(2);

    parent.deliver({ type: 'shutdown', reason: 'test' });
    expect(parent.sent).toContainEqual({ type: 'stopped' });
    expect(exits).toEqual([0]);
  });

  it('reports a fatal start (unreadable profile) to main and exits 1', () => {
    const parent = new FakeParentPort();
    const exits: number[] = [];
    runUtilityEngine(parent, { argv: ['node', 'x', `--data-dir=${tempDataDir()}`, '--config=/nonexistent/p.yaml'], exit: (c) => exits.push(c) });
    expect(parent.sent).toEqual([{ type: 'fatal', message: expect.stringContaining('/nonexistent/p.yaml') }]);
    expect(exits).toEqual([1]);
  });
});
