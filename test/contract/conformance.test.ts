import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION, RpcClient, RpcError, type RpcServer, type Transport } from '../../src-engine/contract/index.js';
import { harnesses, type Harness } from './harness.js';
import { TestBackend, testApi, type TestApi } from './test-api.js';

const until = async (cond: () => boolean, what: string, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** Read raw server frames on a transport (for tests that speak the wire directly). */
function rawReader(t: Transport): { frames: Record<string, unknown>[]; next(pred?: (f: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> } {
  const frames: Record<string, unknown>[] = [];
  t.onFrame((f) => frames.push(JSON.parse(String(f)) as Record<string, unknown>));
  let seen = 0;
  return {
    frames,
    async next(pred = () => true) {
      for (;;) {
        await until(() => frames.length > seen, 'a server frame');
        const f = frames[seen++]!;
        if (pred(f)) return f;
      }
    },
  };
}

async function expectRpcError(p: Promise<unknown>, code: string): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RpcError);
    expect((e as RpcError).code).toBe(code);
    return e as RpcError;
  }
  throw new Error(`expected ${code}, got success`);
}

describe.each(harnesses.map((factory) => ({ name: factory.transportName, factory })))('contract conformance over $name', ({ factory }) => {
  let backend: TestBackend;
  let server: RpcServer<TestApi>;
  let h: Harness;
  let client: RpcClient<TestApi>;
  const logs: { level: string; message: string }[] = [];

  beforeEach(async () => {
    backend = new TestBackend();
    logs.length = 0;
    server = backend.server({ maxFrame: 64 * 1024, coalesceMs: 20, log: (level, message) => logs.push({ level, message }) });
    h = await factory(server);
    client = new RpcClient(testApi, { timeoutMs: 2000 });
    client.attach(await h.connect());
  });
  afterEach(async () => {
    client.detach();
    await h.dispose();
  });

  it('answers a typed call', async () => {
    const r = await client.call('test.echo', { text: 'नमस्ते ₹' });
    expect(r).toEqual({ text: 'नमस्ते ₹' });
  });

  it('runs concurrent calls and matches answers to ids', async () => {
    const texts = Array.from({ length: 50 }, (_, i) => `m${i}`);
    const out = await Promise.all(texts.map((text) => client.call('test.echo', { text })));
    expect(out.map((o) => o.text)).toEqual(texts);
  });

  it('rejects invalid input with INVALID_INPUT naming the field, and stays up', async () => {
    const e = await expectRpcError(client.call('test.slow', { ms: -5 }), ErrorCode.INVALID_INPUT);
    expect(JSON.stringify(e.details)).toContain('ms');
    await expectRpcError(client.call('test.echo', { text: 'x', extra: 1 } as never), ErrorCode.INVALID_INPUT);
    expect((await client.call('test.echo', { text: 'still up' })).text).toBe('still up');
  });

  it('rejects an unknown method with UNKNOWN_METHOD', async () => {
    await expectRpcError(client.call('test.nope' as never, {} as never), ErrorCode.UNKNOWN_METHOD);
    await expectRpcError(client.call('toString' as never, {} as never), ErrorCode.BAD_FRAME); // not domain.verb
    expect((await client.call('test.echo', { text: 'ok' })).text).toBe('ok');
  });

  it('passes typed handler errors through and hides internal ones', async () => {
    const e = await expectRpcError(client.call('test.fail', { kind: 'rpc' }), ErrorCode.NOT_FOUND);
    expect(e.details).toEqual({ what: 'x' });
    const i = await expectRpcError(client.call('test.fail', { kind: 'crash' }), ErrorCode.INTERNAL);
    expect(i.message).not.toContain('/home/user');
    expect(logs.some((l) => l.level === 'error' && l.message.includes('test.fail'))).toBe(true);
  });

  it('answers malformed frames, wrong versions and oversize frames with typed errors on the wire', async () => {
    const t = await h.connect();
    const r = rawReader(t);
    t.send('{not json');
    expect(await r.next()).toMatchObject({ t: 'err', e: { code: ErrorCode.BAD_FRAME } });
    t.send(JSON.stringify({ v: 99, t: 'req', id: 7, m: 'test.echo', p: { text: 'a' } }));
    expect(await r.next()).toMatchObject({ t: 'res', id: 7, ok: false, e: { code: ErrorCode.PROTOCOL_VERSION, details: { expected: PROTOCOL_VERSION, got: 99 } } });
    t.send(JSON.stringify({ t: 'req', id: 8, m: 'test.echo', p: { text: 'a' } }));
    expect(await r.next()).toMatchObject({ id: 8, e: { code: ErrorCode.PROTOCOL_VERSION } });
    t.send(JSON.stringify({ v: PROTOCOL_VERSION, t: 'req', id: 9, m: 'test.echo', p: { text: 'x'.repeat(70 * 1024) } }));
    expect(await r.next()).toMatchObject({ t: 'res', id: 9, ok: false, e: { code: ErrorCode.FRAME_TOO_LARGE } });
    t.send(JSON.stringify({ v: PROTOCOL_VERSION, t: 'bogus', id: 10 }));
    expect(await r.next()).toMatchObject({ id: 10, e: { code: ErrorCode.BAD_FRAME } });
    t.send(JSON.stringify([1, 2, 3]));
    expect(await r.next()).toMatchObject({ t: 'err', e: { code: ErrorCode.PROTOCOL_VERSION } });
    t.send('null');
    expect(await r.next()).toMatchObject({ t: 'err' });
    // the same connection still serves a good request
    t.send(JSON.stringify({ v: PROTOCOL_VERSION, t: 'req', id: 11, m: 'test.echo', p: { text: 'alive' } }));
    expect(await r.next()).toMatchObject({ t: 'res', id: 11, ok: true, r: { text: 'alive' } });
    // and so does the other client
    expect((await client.call('test.echo', { text: 'ok' })).text).toBe('ok');
    t.close();
  });

  it('answers an oversize call from the typed client with FRAME_TOO_LARGE', async () => {
    await expectRpcError(client.call('test.echo', { text: 'y'.repeat(80 * 1024) }), ErrorCode.FRAME_TOO_LARGE);
    expect((await client.call('test.echo', { text: 'fine' })).text).toBe('fine');
  });

  it('refuses a duplicate in-flight request id', async () => {
    const t = await h.connect();
    const r = rawReader(t);
    const req = JSON.stringify({ v: PROTOCOL_VERSION, t: 'req', id: 5, m: 'test.slow', p: { ms: 300 } });
    t.send(req);
    t.send(req);
    expect(await r.next()).toMatchObject({ id: 5, ok: false, e: { code: ErrorCode.DUPLICATE_ID } });
    expect(await r.next()).toMatchObject({ id: 5, ok: true });
    t.close();
  });

  it('cancels a call: the caller gets CANCELLED and the handler sees the cancellation', async () => {
    const ac = new AbortController();
    const p = client.call('test.slow', { ms: 5000 }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 30));
    ac.abort();
    await expectRpcError(p, ErrorCode.CANCELLED);
    await until(() => backend.cancelled.includes(5000), 'server-side cancellation');
  });

  it('times out a call and cancels it on the server', async () => {
    await expectRpcError(client.call('test.slow', { ms: 4000 }, { timeoutMs: 50 }), ErrorCode.TIMEOUT);
    await until(() => backend.cancelled.includes(4000), 'server-side cancellation after timeout');
  });

  it('streams a snapshot then sequenced deltas, and stops on unsubscribe', async () => {
    backend.bump('a');
    const got: string[] = [];
    const seqs: number[] = [];
    const sub = client.subscribe('test.counterChanged', { name: 'a' }, {
      snapshot: (s, seq) => {
        got.push(`snap:${s.value}`);
        seqs.push(seq);
      },
      delta: (d, seq) => {
        got.push(`d:${d.value}`);
        seqs.push(seq);
      },
    });
    await until(() => got.length === 1, 'snapshot');
    backend.bump('a');
    backend.bump('b');
    backend.bump('a');
    await until(() => got.length === 3, 'deltas');
    expect(got).toEqual(['snap:1', 'd:2', 'd:3']);
    expect(seqs).toEqual([0, 1, 2]);
    sub.close();
    await until(() => backend.activeSubs === 0, 'server-side unsubscribe');
    backend.bump('a');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toHaveLength(3);
  });

  it('re-snapshots after a gap in the sequence', async () => {
    // A transport that loses the first delta it carries.
    const t = await h.connect();
    let dropped = 0;
    const lossy: Transport = {
      get isOpen() {
        return t.isOpen;
      },
      send: (f) => t.send(f),
      close: (r) => t.close(r),
      onClose: (l) => t.onClose(l),
      onFrame: (l) =>
        t.onFrame((f) => {
          if (dropped === 0 && String(f).includes('"t":"evt"')) {
            dropped++;
            return;
          }
          l(f);
        }),
    };
    const c2 = new RpcClient(testApi);
    c2.attach(lossy);
    const events: string[] = [];
    c2.subscribe('test.counterChanged', { name: 'g' }, {
      snapshot: (s, seq) => events.push(`snap:${s.value}@${seq}`),
      delta: (d, seq) => events.push(`d:${d.value}@${seq}`),
      resyncing: (why) => events.push(`resync:${why}`),
    });
    await until(() => events.length === 1, 'first snapshot');
    backend.bump('g'); // lost
    backend.bump('g'); // seq 2 arrives, gap detected
    await until(() => events.includes('snap:2@2'), 're-snapshot');
    backend.bump('g');
    await until(() => events.includes('d:3@3'), 'delta after resync');
    expect(events).toEqual(['snap:0@0', 'resync:gap', 'snap:2@2', 'd:3@3']);
    c2.detach();
  });

  it('survives a reconnect: the subscription re-snapshots on the new transport and continues', async () => {
    const states: boolean[] = [];
    client.onConnectionChange((c) => states.push(c));
    const events: string[] = [];
    client.subscribe('test.counterChanged', { name: 'r' }, {
      snapshot: (s) => events.push(`snap:${s.value}`),
      delta: (d) => events.push(`d:${d.value}`),
      resyncing: (why) => events.push(`resync:${why}`),
    });
    await until(() => events.length === 1, 'snapshot');
    backend.bump('r');
    await until(() => events.length === 2, 'delta');
    // in-flight call when the server drops the connection: DISCONNECTED, never silently retried
    const inflight = client.call('test.slow', { ms: 2000 });
    await new Promise((r) => setTimeout(r, 20));
    for (const e of h.serverEnds()) e.close('server restart');
    await expectRpcError(inflight, ErrorCode.DISCONNECTED);
    await until(() => !client.connected, 'disconnect seen');
    await expectRpcError(client.call('test.echo', { text: 'x' }), ErrorCode.DISCONNECTED);
    backend.bump('r'); // missed while disconnected
    backend.bump('r');
    client.attach(await h.connect());
    await until(() => events.includes('snap:3'), 're-snapshot after reconnect');
    backend.bump('r');
    await until(() => events.includes('d:4'), 'delta after reconnect');
    expect(events).toEqual(['snap:0', 'd:1', 'resync:reconnect', 'snap:3', 'd:4']);
    expect(states).toContain(false);
    expect(states[states.length - 1]).toBe(true);
    expect((await client.call('test.echo', { text: 'back' })).text).toBe('back');
  });

  it('coalesces keyed deltas latest-wins within a window', async () => {
    const deltas: { key: string; value: number }[] = [];
    let snap: Record<string, number> | undefined;
    client.subscribe('test.keyedChanged', {}, { snapshot: (s) => (snap = s), delta: (d) => deltas.push(d) });
    await until(() => snap !== undefined, 'snapshot');
    for (let i = 1; i <= 100; i++) backend.setKey('NIFTY', i);
    backend.setKey('BANKNIFTY', 7);
    await until(() => deltas.length >= 2, 'flush');
    await new Promise((r) => setTimeout(r, 60));
    expect(deltas).toEqual([
      { key: 'NIFTY', value: 100 },
      { key: 'BANKNIFTY', value: 7 },
    ]);
  });

  it('fails a subscription with bad params or an unknown topic, typed', async () => {
    const errs: string[] = [];
    client.subscribe('test.counterChanged', { name: '' }, { snapshot: () => {}, delta: () => {}, error: (e) => errs.push(e.code) });
    client.subscribe('test.nothing' as never, {} as never, { snapshot: () => {}, delta: () => {}, error: (e) => errs.push(e.code) });
    await until(() => errs.length === 2, 'subscription errors');
    expect(errs.sort()).toEqual([ErrorCode.INVALID_INPUT, ErrorCode.UNKNOWN_METHOD].sort());
    expect((await client.call('test.echo', { text: 'ok' })).text).toBe('ok');
  });

  it('stops server-side work when the connection closes', async () => {
    client.subscribe('test.counterChanged', { name: 'z' }, { snapshot: () => {}, delta: () => {} });
    await until(() => backend.activeSubs === 1, 'server subscription');
    const p = client.call('test.slow', { ms: 3000 });
    await new Promise((r) => setTimeout(r, 20));
    client.detach();
    await expectRpcError(p, ErrorCode.DISCONNECTED);
    await until(() => backend.activeSubs === 0 && backend.cancelled.includes(3000), 'server cleanup');
  });
});
