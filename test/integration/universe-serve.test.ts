import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RpcClient, fromWebSocket, kiteDeskApi } from '../../src-engine/contract/index.js';
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

const ARGS = ['--sim-start', '2026-11-20T09:15:00+05:30'];

describe('pre-market universe over the real serve (default profile)', () => {
  let s: ServeProcess | undefined;
  let dataDir: string;

  beforeAll(() => {
    ensureBuilt();
    dataDir = tempDataDir();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('universe.get returns the day\'s scan; it is journalled in universe_scans and re-planned (not duplicated) on a restart', async () => {
    s = await startServeProcess(['--data-dir', dataDir, ...ARGS]);
    const { c, ws } = await client(s);
    const u = await c.call('universe.get', {});
    expect(u).toMatchObject({ date: '2026-11-20', state: 'ok', source: 'simulator' });
    expect(u.symbols).toHaveLength(30);
    expect(u.entries.length).toBeGreaterThanOrEqual(45);
    expect(u.entries[0]).toMatchObject({ rank: 1, selected: true, factors: { barsUsed: 250, lastBarDay: '2026-11-19' } });
    expect(u.entries.filter((e) => e.selected)).toHaveLength(30);
    const status = await c.call('engine.getStatus', {});
    expect(status.universe).toEqual({ state: 'ok', date: '2026-11-20', selected: 30 });
    ws.close();
    await s.stop();
    s = undefined;

    const count = (): { n: number; sel: number; dates: number } => {
      const db = new Database(join(dataDir, 'kitedesk.sqlite'), { readonly: true });
      try {
        return db.prepare('SELECT count(*) AS n, sum(selected) AS sel, count(DISTINCT date_ist) AS dates FROM universe_scans').get() as { n: number; sel: number; dates: number };
      } finally {
        db.close();
      }
    };
    expect(count()).toEqual({ n: u.entries.length, sel: 30, dates: 1 });

    s = await startServeProcess(['--data-dir', dataDir, ...ARGS]);
    const again = await client(s);
    expect(await again.c.call('universe.get', {})).toEqual(u); // deterministic: same seed, same day
    again.ws.close();
    expect(count()).toEqual({ n: u.entries.length, sel: 30, dates: 1 });
  });
});
