/**
 * `kitedesk sim --instruments FILE`: the simulator serves a real Kite instrument dump (here the NFO dump
 * of ../shared, alone: its underlyings are then hidden random walks) and prices its contracts. Skips,
 * declared as a missing external input, without ../shared/data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kiteChecksum } from '../../src-engine/kite-sim/auth.js';
import { parseInstrumentsCsv } from '../../src-engine/model/instrument-master.js';
import { SHARED_DIR, sharedFiles } from '../support/external-inputs.js';

const NFO = join(SHARED_DIR, 'data/kite/instruments/instruments_NFO_2026-08-18.csv');
const haveDump = sharedFiles(import.meta.url, 'shared-data', NFO);
const KEY = 'kitedesk-sim';
const SECRET = 'kitedesk-sim-secret';
let proc: ChildProcess | undefined;

afterAll(() => {
  proc?.kill('SIGTERM');
});

describe.skipIf(!haveDump)('kitedesk sim --instruments (the real NFO dump)', () => {
  it('serves every row of the dump and quotes its contracts with open interest', async () => {
    // the simulator's clock is today's: contracts of the dump that have expired since are still served (frozen)
    const p = spawn(process.execPath, ['--import', 'tsx', 'src-engine/host/cli.ts', 'sim', '--port', '0', '--instruments', NFO, '--speed', '20'], {
      cwd: process.cwd(),
      stdio: 'pipe',
      env: { ...process.env },
    });
    proc = p;
    let out = '';
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the simulator did not start: ${err}`)), 60_000);
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
    await new Promise((res) => setTimeout(res, 300));
    expect(err).toMatch(/34764 instruments \(NFO 34764\) from .*instruments_NFO_2026-08-18\.csv/);

    const csv = await (await fetch(`${url}/instruments/NFO`)).text();
    const parsed = parseInstrumentsCsv(csv, 'NFO');
    expect(parsed.badRows).toEqual([]);
    expect(parsed.instruments).toHaveLength(34_764);
    const fut = parsed.instruments.find((i) => i.tradingsymbol === 'NIFTY26AUGFUT')!;
    expect(fut).toMatchObject({ instrumentToken: 14866434, lotSize: 65, tickSizePaise: 10 });
    expect(fut.lastPricePaise).toBeGreaterThan(1_000_000); // priced from a hidden NIFTY near the dump's strikes

    const res = await fetch(`${url}/connect/login?api_key=${KEY}&v=3`, { redirect: 'manual' });
    const rt = new URL(res.headers.get('location')!).searchParams.get('request_token')!;
    const s = await fetch(`${url}/session/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: KEY, request_token: rt, checksum: kiteChecksum(KEY, rt, SECRET) }).toString(),
    });
    const token = ((await s.json()) as { data: { access_token: string } }).data.access_token;
    const q = (await (await fetch(`${url}/quote?i=NFO:NIFTY26SEPFUT&i=NFO:RELIANCE26SEPFUT`, { headers: { Authorization: `token ${KEY}:${token}` } })).json()) as {
      data: Record<string, { instrument_token: number; oi: number; last_price: number }>;
    };
    expect(q.data['NFO:NIFTY26SEPFUT']).toMatchObject({ instrument_token: 17512194, oi: expect.any(Number) });
    expect(q.data['NFO:NIFTY26SEPFUT']!.oi).toBeGreaterThan(0);
    expect(q.data['NFO:RELIANCE26SEPFUT']!.last_price).toBeGreaterThan(0);
  }, 90_000);
});
