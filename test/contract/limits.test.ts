import { describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION, createMemoryPair } from '../../src-engine/contract/index.js';
import { TestBackend } from './test-api.js';

/** Caps on connections and on requests in flight per connection (issue 15 §7): past them, UNAVAILABLE. */
describe('RPC server limits', () => {
  const frames = (t: { onFrame(l: (f: unknown) => void): void }) => {
    const got: Record<string, unknown>[] = [];
    t.onFrame((f) => got.push(JSON.parse(String(f)) as Record<string, unknown>));
    return got;
  };
  const flush = () => new Promise((r) => setImmediate(r));

  it('answers UNAVAILABLE to a request past the in-flight cap and serves again once one finishes', async () => {
    const backend = new TestBackend();
    const server = backend.server({ maxInFlight: 2 });
    const [c, s] = createMemoryPair();
    server.accept(s);
    const got = frames(c);
    const req = (id: number, m: string, p: unknown) => c.send(JSON.stringify({ v: PROTOCOL_VERSION, t: 'req', id, m, p }));
    req(1, 'test.slow', { ms: 60_000 });
    req(2, 'test.slow', { ms: 60_000 });
    req(3, 'test.echo', { text: 'x' });
    await flush();
    expect(got).toEqual([expect.objectContaining({ id: 3, ok: false, e: expect.objectContaining({ code: ErrorCode.UNAVAILABLE }) })]);
    c.send(JSON.stringify({ v: PROTOCOL_VERSION, t: 'cancel', id: 1 }));
    req(4, 'test.echo', { text: 'y' });
    await flush();
    expect(got.at(-1)).toMatchObject({ id: 4, ok: true, r: { text: 'y' } });
    server.closeAll();
  });

  it('refuses a connection past the connection cap with an UNAVAILABLE frame and closes it; a freed place is usable', async () => {
    const backend = new TestBackend();
    const server = backend.server({ maxConnections: 2 });
    const ends = [createMemoryPair(), createMemoryPair(), createMemoryPair()];
    const got = ends.map(([c]) => frames(c));
    for (const [, s] of ends) server.accept(s);
    await flush();
    expect(server.connectionCount).toBe(2);
    expect(got[2]).toEqual([expect.objectContaining({ t: 'err', e: expect.objectContaining({ code: ErrorCode.UNAVAILABLE }) })]);
    expect(ends[2]![0].isOpen).toBe(false);
    ends[0]![0].close();
    await flush();
    const [c4, s4] = createMemoryPair();
    const got4 = frames(c4);
    server.accept(s4);
    c4.send(JSON.stringify({ v: PROTOCOL_VERSION, t: 'req', id: 1, m: 'test.echo', p: { text: 'ok' } }));
    await flush();
    expect(got4).toEqual([expect.objectContaining({ id: 1, ok: true })]);
    server.closeAll();
  });
});
