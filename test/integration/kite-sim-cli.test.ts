/**
 * `kitedesk sim` with the realism switches from the command line: the static-IP allow-list refuses order
 * requests, and `--stuck "OPEN PENDING"` holds a placed order there (the REST reply still comes at once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { kiteChecksum } from '../../src-engine/kite-sim/auth.js';

const KEY = 'kitedesk-sim';
const SECRET = 'kitedesk-sim-secret';
const procs: ChildProcess[] = [];

async function startCli(args: string[]): Promise<string> {
  const p = spawn(process.execPath, ['--import', 'tsx', 'src-engine/host/cli.ts', 'sim', '--port', '0', ...args], { cwd: process.cwd(), stdio: 'pipe' });
  procs.push(p);
  let out = '';
  let err = '';
  p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the simulator did not start: ${err}`)), 30_000);
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^REST (http:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    p.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${err}`)));
  });
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/connect/login?api_key=${KEY}&v=3`, { redirect: 'manual' });
  const rt = new URL(res.headers.get('location')!).searchParams.get('request_token')!;
  const s = await fetch(`${url}/session/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: KEY, request_token: rt, checksum: kiteChecksum(KEY, rt, SECRET) }).toString(),
  });
  return ((await s.json()) as { data: { access_token: string } }).data.access_token;
}

async function call(url: string, token: string, method: string, path: string, body?: Record<string, string>) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `token ${KEY}:${token}`, ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
    ...(body ? { body: new URLSearchParams(body).toString() } : {}),
  });
  return { status: res.status, body: (await res.json()) as { data: unknown; error_type?: string } };
}

afterAll(() => {
  for (const p of procs) p.kill('SIGTERM');
});

describe('kitedesk sim: realism switches from the CLI', () => {
  it('--allowed-ips refuses order requests from other addresses; --stuck holds orders in OPEN PENDING', async () => {
    const [blocked, stuck] = await Promise.all([startCli(['--allowed-ips', '203.0.113.9']), startCli(['--stuck', 'OPEN PENDING', '--latency', '30'])]);
    const t1 = await login(blocked);
    const ltp = await call(blocked, t1, 'GET', '/quote/ltp?i=NSE:ITC');
    const price = ((ltp.body.data as Record<string, { last_price: number }>)['NSE:ITC']!.last_price * 0.95).toFixed(1);
    const order = { exchange: 'NSE', tradingsymbol: 'ITC', transaction_type: 'BUY', order_type: 'LIMIT', quantity: '1', product: 'MIS', price };
    expect(await call(blocked, t1, 'POST', '/orders/regular', order)).toMatchObject({ status: 403, body: { error_type: 'PermissionException' } });
    expect((await call(blocked, t1, 'GET', '/orders')).status).toBe(200);

    const t2 = await login(stuck);
    const placed = await call(stuck, t2, 'POST', '/orders/regular', order);
    expect(placed.status).toBe(200);
    const id = (placed.body.data as { order_id: string }).order_id;
    const end = Date.now() + 5000;
    let last = '';
    while (Date.now() < end && last !== 'OPEN PENDING') {
      last = ((await call(stuck, t2, 'GET', `/orders/${id}`)).body.data as { status: string }[]).at(-1)!.status;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(last).toBe('OPEN PENDING');
    await new Promise((res) => setTimeout(res, 300)); // ten times the latency: still held
    expect(((await call(stuck, t2, 'GET', `/orders/${id}`)).body.data as { status: string }[]).at(-1)!.status).toBe('OPEN PENDING');
  });
});
