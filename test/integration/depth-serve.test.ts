import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode, RpcClient, RpcError, depthSnapshotSchema, fromWebSocket, kiteDeskApi, type DepthSnapshotDto } from '../../src-engine/contract/index.js';
import { ensureBuilt, startServeProcess, tempDataDir, type ServeProcess } from '../support/serve-process.js';

const until = async (cond: () => boolean, what: string, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('market depth over the real serve (simulator, --sim-speed 60)', () => {
  let s: ServeProcess;
  let ws: WebSocket;
  let c: RpcClient<typeof kiteDeskApi>;

  beforeAll(async () => {
    ensureBuilt();
    s = await startServeProcess(['--data-dir', tempDataDir(), '--sim-speed', '60', '--sim-start', '2026-11-20T10:00:00+05:30']);
    ws = await new Promise<WebSocket>((resolve, reject) => {
      const w = new WebSocket(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
      w.once('open', () => resolve(w));
      w.once('error', reject);
    });
    c = new RpcClient(kiteDeskApi, { timeoutMs: 5000 });
    c.attach(fromWebSocket(ws));
  });
  afterAll(async () => {
    ws?.close();
    await s?.stop();
  });

  const check = (d: DepthSnapshotDto, symbol: string) => {
    expect(depthSnapshotSchema.parse(d)).toEqual(d);
    expect(d.symbol).toBe(symbol);
    expect(d.buy).toHaveLength(5);
    expect(d.sell).toHaveLength(5);
    expect(d.buy[0]!.pricePaise).toBeLessThan(d.sell[0]!.pricePaise);
    for (const l of [...d.buy, ...d.sell]) expect(l.pricePaise % 5).toBe(0);
  };

  it('depth.updated: a snapshot (depth or null) and then new books of that symbol only, time moving forward', async () => {
    let snapshot: DepthSnapshotDto | null | undefined;
    const deltas: DepthSnapshotDto[] = [];
    const sub = c.subscribe('depth.updated', { symbol: 'RELIANCE' }, { snapshot: (d) => (snapshot = d), delta: (d) => deltas.push(d) });
    await until(() => snapshot !== undefined, 'snapshot');
    if (snapshot !== null) check(snapshot!, 'RELIANCE');
    await until(() => deltas.length >= 5, 'five depth deltas at 60x');
    for (const d of deltas) check(d, 'RELIANCE');
    for (let i = 1; i < deltas.length; i++) expect(deltas[i]!.tsEvent).toBeGreaterThan(deltas[i - 1]!.tsEvent);
    sub.close();
  });

  it('depth.get answers the latest book; an unknown symbol is NOT_FOUND for the request and the topic', async () => {
    const d = await c.call('depth.get', { symbol: 'TCS' });
    expect(d).not.toBeNull();
    check(d!, 'TCS');
    const q = (await c.call('quotes.get', { symbols: ['TCS'] }))[0]!;
    expect(q.tsEvent).toBeGreaterThanOrEqual(d!.tsEvent);

    const err = await c.call('depth.get', { symbol: 'NOSUCH' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(ErrorCode.NOT_FOUND);

    let subErr: unknown;
    c.subscribe('depth.updated', { symbol: 'NOSUCH' }, { snapshot: () => {}, delta: () => {}, error: (e) => (subErr = e) });
    await until(() => subErr !== undefined, 'suberr');
    expect((subErr as RpcError).code).toBe(ErrorCode.NOT_FOUND);
  });
});
