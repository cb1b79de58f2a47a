/**
 * Secret hygiene (issue 15): a scripted session — log in to Kite (our simulator) through `serve`,
 * place orders, crash the engine (SIGKILL), restart, log in again, export — then look for the api
 * secret, every request token and every access token in everything the session left: the
 * database, its WAL, the logs, the exports and what the processes printed (crash output included).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RpcClient, fromWebSocket, kiteDeskApi } from '../../src-engine/contract/index.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { ensureBuilt, repoRoot, startServeProcess, tempDataDir, type ServeProcess } from '../support/serve-process.js';
import { simSessionStart } from '../support/sim-session.js';

const API_KEY = 'kdhygiene1';
const API_SECRET = 'hygiene-secret-Qw3rty9Zx';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

async function connect(s: ServeProcess): Promise<{ c: RpcClient<typeof kiteDeskApi>; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  const c = new RpcClient(kiteDeskApi, { timeoutMs: 10_000 });
  c.attach(fromWebSocket(ws));
  return { c, ws };
}

const until = async (cond: () => Promise<boolean>, what: string, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));

describe('secret hygiene of a whole session', () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;
  let dataDir: string;
  let port: number;
  let env: NodeJS.ProcessEnv;
  /** Every secret that existed during the session. */
  const secrets = new Set<string>([API_SECRET]);
  /** What the processes printed. */
  const printed: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    dataDir = tempDataDir();
    port = await freePort();
    r = await sim.start({ port: 0, apiKey: API_KEY, apiSecret: API_SECRET, redirectUrl: `http://127.0.0.1:${port}/kite/callback`, startTime: simSessionStart() });
    env = { ...process.env, KITEDESK_KITE_API_KEY: API_KEY, KITEDESK_KITE_API_SECRET: API_SECRET, KITEDESK_KITE_ROOT: r.url };
  });
  afterAll(async () => {
    await sim.close();
  });

  /** The browser's part of the login, by hand: the URL from serve, the simulator's redirect, the callback. */
  async function login(c: RpcClient<typeof kiteDeskApi>): Promise<void> {
    const start = await c.call('kiteSession.login', {});
    if (start.via !== 'redirect') throw new Error('serve logs in by redirect');
    const atSim = await fetch(start.url, { redirect: 'manual' });
    const callback = new URL(atSim.headers.get('location')!);
    secrets.add(callback.searchParams.get('request_token')!);
    const back = await fetch(callback, { redirect: 'manual' });
    printed.push(await back.text());
    expect(back.status).toBe(200);
    await until(async () => (await c.call('kiteSession.get', {})).state === 'active', 'the Kite session');
    for (const s of sim.issuedSecrets()) secrets.add(s);
  }

  async function placeOrders(c: RpcClient<typeof kiteDeskApi>, n: number): Promise<void> {
    await until(async () => (await c.call('engine.getStatus', {})).totalTicks > 0, 'ticks');
    for (let i = 0; i < n; i++) {
      const res = await c.call('orders.place', { symbol: 'RELIANCE', side: i % 2 ? 'SELL' : 'BUY', qty: 1, orderType: 'MARKET' });
      printed.push(JSON.stringify(res));
    }
  }

  it(
    'login, orders, a crash, a restart, another login and an export leave no secret anywhere',
    async () => {
      const args = ['--data-dir', dataDir, '--port', String(port), '--sim-speed', '60'];
      const first = await startServeProcess(args, 30_000, env);
      const a = await connect(first);
      await login(a.c);
      await placeOrders(a.c, 3);
      a.ws.close();
      await first.kill(); // a crash: nothing flushed, nothing cleaned up
      printed.push(first.stdoutLines.join('\n'), first.stderr());

      const second = await startServeProcess(args, 30_000, env);
      const b = await connect(second);
      await login(b.c);
      await placeOrders(b.c, 2);
      const exported = await b.c.call('records.export', { what: 'orders' });
      printed.push(JSON.stringify(exported));
      b.ws.close();
      expect(await second.stop()).toBe(0);
      printed.push(second.stdoutLines.join('\n'), second.stderr());

      const out = join(dataDir, 'exports', 'orders.csv');
      const cli = spawnSync(process.execPath, [join(repoRoot, 'dist/engine/cli.js'), 'export', '--what', 'orders', '--data-dir', dataDir, '--out', out], { encoding: 'utf8' });
      expect(cli.status, cli.stderr).toBe(0);
      printed.push(cli.stdout, cli.stderr);

      // the session really happened: two logins' worth of secrets, orders in the export
      expect(secrets.size).toBeGreaterThanOrEqual(1 + 2 + 2);
      expect(readFileSync(out, 'utf8').split('\n').length).toBeGreaterThan(3);
      const files = walk(dataDir).filter((f) => !f.endsWith('serve-token'));
      expect(files.some((f) => f.endsWith('kitedesk.sqlite'))).toBe(true);
      expect(files.some((f) => f.includes(join('logs', 'engine.log')))).toBe(true);

      const leaks: string[] = [];
      for (const f of files) {
        const bytes = readFileSync(f).toString('latin1');
        for (const s of secrets) if (bytes.includes(s)) leaks.push(`${f.slice(dataDir.length)} holds ${s.slice(0, 4)}…`);
      }
      const text = printed.join('\n');
      for (const s of secrets) if (text.includes(s)) leaks.push(`printed output holds ${s.slice(0, 4)}…`);
      expect(leaks).toEqual([]);
    },
    180_000,
  );
});
