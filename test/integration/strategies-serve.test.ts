import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode, RpcClient, RpcError, fromWebSocket, kiteDeskApi, type SignalRecord, type StrategyInstanceInfo } from '../../src-engine/contract/index.js';
import { ensureBuilt, startServeProcess, tempDataDir, type ServeProcess } from '../support/serve-process.js';

async function client(s: ServeProcess): Promise<{ c: RpcClient<typeof kiteDeskApi>; ws: WebSocket }> {
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const w = new WebSocket(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
    w.once('open', () => resolve(w));
    w.once('error', reject);
  });
  const c = new RpcClient(kiteDeskApi, { timeoutMs: 5000 });
  c.attach(fromWebSocket(ws));
  return { c, ws };
}

const until = async (cond: () => boolean, what: string, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

const USER_STRATEGY = `export default ({ z }) => ({
  type: 'always_buy',
  description: 'test: BUY on every bar',
  params: z.strictObject({}),
  timeframes: ['1m'],
  warmup: 0,
  create: (ctx) => ({ onBar() { ctx.emit({ side: 'BUY', confidence: 0.5, reason: 'always' }); } }),
});
`;

describe('strategies over the real serve (default profile, --sim-speed 120)', () => {
  let s: ServeProcess;
  let dataDir: string;

  beforeAll(async () => {
    ensureBuilt();
    dataDir = tempDataDir();
    mkdirSync(join(dataDir, 'strategies'), { recursive: true });
    writeFileSync(join(dataDir, 'strategies', 'always-buy.mjs'), USER_STRATEGY);
    s = await startServeProcess(['--data-dir', dataDir, '--sim-speed', '120', '--sim-start', '2026-11-20T09:15:00+05:30']);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('lists the instances with status and the types with params schemas; a user strategy loads from the data dir once approved', async () => {
    const { c, ws } = await client(s);
    const list = await c.call('strategies.list', {});
    expect(list.instances.length).toBeGreaterThanOrEqual(4);
    expect(list.instances.every((i) => i.enabled && i.running && i.error === undefined)).toBe(true);
    expect(list.instances.find((i) => i.id === 'ema-fast-1m')).toMatchObject({ type: 'ema_crossover', timeframe: '1m', params: { fast: 5, slow: 13 } });
    const ema = list.types.find((t) => t.type === 'ema_crossover')!;
    expect(ema.description).toBeTruthy();
    expect(ema.paramsSchema).toMatchObject({ type: 'object', properties: { fast: { type: 'integer', default: 9 } } });
    // a new file in <dataDir>/strategies waits for the person's approval of its exact content
    let files = await c.call('strategies.files', {});
    const until2 = Date.now() + 15_000;
    while (!files.some((f) => f.file === 'always-buy.mjs') && Date.now() < until2) {
      await new Promise((r) => setTimeout(r, 100));
      files = await c.call('strategies.files', {});
    }
    const pending = files.find((f) => f.file === 'always-buy.mjs');
    expect(pending?.pendingApproval).toBe(createHash('sha256').update(USER_STRATEGY).digest('hex'));
    expect((await c.call('strategies.list', {})).types.map((t) => t.type)).not.toContain('always_buy');
    const wrong = await c.call('strategies.approve', { file: 'always-buy.mjs', sha256: '0'.repeat(64) }).catch((e: unknown) => e);
    expect((wrong as RpcError).code).toBe(ErrorCode.INVALID_INPUT);
    const approved = await c.call('strategies.approve', { file: 'always-buy.mjs', sha256: pending!.pendingApproval! });
    expect(approved.find((f) => f.file === 'always-buy.mjs')).toMatchObject({ type: 'always_buy' });
    const end = Date.now() + 15_000;
    let types = (await c.call('strategies.list', {})).types.map((t) => t.type);
    while (!types.includes('always_buy') && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      types = (await c.call('strategies.list', {})).types.map((t) => t.type);
    }
    expect(types).toContain('always_buy');
    ws.close();
  });

  it('streams signals on signals.emitted and journals them (signals.recent)', async () => {
    const { c, ws } = await client(s);
    let snapshot: SignalRecord[] | undefined;
    const deltas: SignalRecord[] = [];
    const sub = c.subscribe('signals.emitted', { limit: 50 }, { snapshot: (x) => (snapshot = x), delta: (d) => deltas.push(d) });
    await until(() => snapshot !== undefined, 'snapshot');
    await until(() => deltas.length >= 2, 'two signals at 120x', 30_000);
    for (const d of deltas) {
      expect(['BUY', 'SELL']).toContain(d.side);
      expect(Number.isInteger(d.pricePaise)).toBe(true);
      expect(d.confidence).toBeGreaterThanOrEqual(0);
    }
    const recent = await c.call('signals.recent', { limit: 500 });
    const ids = new Set(recent.map((r) => r.id));
    for (const d of deltas) expect(ids.has(d.id)).toBe(true);
    sub.close();
    ws.close();
  });

  it('strategies.add creates an instance of the loaded user type: running, signalling; strategies.remove drops it', async () => {
    const { c, ws } = await client(s);
    const changes: StrategyInstanceInfo[] = [];
    let snap: StrategyInstanceInfo[] = [];
    c.subscribe('strategies.changed', {}, { snapshot: (l) => (snap = l.instances), delta: (i) => changes.push(i) });
    await until(() => snap.length > 0, 'strategies snapshot');
    const end = Date.now() + 15_000;
    while (!(await c.call('strategies.list', {})).types.some((t) => t.type === 'always_buy') && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    const signals: SignalRecord[] = [];
    const sub = c.subscribe('signals.emitted', { limit: 1 }, { snapshot: () => undefined, delta: (d) => signals.push(d) });
    expect(await c.call('strategies.add', { id: 'ab-1m', type: 'always_buy', symbols: ['RELIANCE', 'TCS'] })).toMatchObject({ id: 'ab-1m', running: true, enabled: true });
    expect((await c.call('strategies.list', {})).instances.find((i) => i.id === 'ab-1m')).toMatchObject({ type: 'always_buy', running: true });
    await until(() => changes.some((i) => i.id === 'ab-1m' && i.running), 'strategies.changed delta for the added instance');
    await until(() => signals.some((d) => d.strategy === 'ab-1m'), 'a signal from the added instance at 120x', 30_000);
    const unknown = await c.call('strategies.add', { id: 'x', type: 'no_such_type', symbols: ['TCS'] }).catch((e: unknown) => e);
    expect((unknown as RpcError).code).toBe(ErrorCode.NOT_FOUND);
    expect(await c.call('strategies.remove', { id: 'ab-1m' })).toMatchObject({ id: 'ab-1m', removed: true });
    await until(() => changes.some((i) => i.id === 'ab-1m' && i.removed === true), 'strategies.changed delta for the removal');
    expect((await c.call('strategies.list', {})).instances.some((i) => i.id === 'ab-1m')).toBe(false);
    sub.close();
    ws.close();
  });

  it('setEnabled and setParams push strategies.changed, refuse bad params typed and persist across a restart', async () => {
    const { c, ws } = await client(s);
    const changes: StrategyInstanceInfo[] = [];
    let snap: StrategyInstanceInfo[] = [];
    c.subscribe('strategies.changed', {}, { snapshot: (l) => (snap = l.instances), delta: (i) => changes.push(i) });
    await until(() => snap.length > 0, 'strategies snapshot');
    expect(await c.call('strategies.setEnabled', { id: 'rsi-1m', enabled: false })).toMatchObject({ id: 'rsi-1m', enabled: false, running: false });
    await until(() => changes.some((i) => i.id === 'rsi-1m' && !i.enabled), 'strategies.changed delta');
    expect(await c.call('strategies.setParams', { id: 'ema-fast-1m', params: { fast: 4, slow: 10 } })).toMatchObject({ params: { fast: 4, slow: 10 } });
    const bad = await c.call('strategies.setParams', { id: 'ema-fast-1m', params: { fast: -1 } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(RpcError);
    expect((bad as RpcError).code).toBe(ErrorCode.INVALID_INPUT);
    expect((bad as RpcError).details).toMatchObject({ issues: [{ path: 'params.fast' }] });
    const missing = await c.call('strategies.setEnabled', { id: 'nope', enabled: true }).catch((e: unknown) => e);
    expect((missing as RpcError).code).toBe(ErrorCode.NOT_FOUND);
    ws.close();

    expect(await s.stop()).toBe(0);
    s = await startServeProcess(['--data-dir', dataDir, '--sim-speed', '120']);
    const again = await client(s);
    const list = await again.c.call('strategies.list', {});
    expect(list.instances.find((i) => i.id === 'rsi-1m')).toMatchObject({ enabled: false, running: false });
    expect(list.instances.find((i) => i.id === 'ema-fast-1m')!.params).toEqual({ fast: 4, slow: 10 });
    again.ws.close();
  });
});
