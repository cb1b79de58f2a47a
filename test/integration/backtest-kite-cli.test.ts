/**
 * `kitedesk backtest --kite` against our Kite simulator: candles of two instruments (minute and 5minute)
 * over ~3 months through the live client, counted at a recording proxy in front of the simulator. The
 * report's inputs name the Kite source; no request spans more than Kite's per-request range; a second
 * run reads everything from the cache (no historical request reaches the simulator) and writes the
 * same report.json. Nothing secret in the report, the output or the cache. `kitedesk optimize --kite`
 * ranks a small grid on the same cached candles.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginUrl, parseRedirect } from '../../src-engine/adapters/kite/login.js';
import { KiteRest } from '../../src-engine/adapters/kite/rest-client.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { tempDataDir } from '../support/serve-process.js';

const root = resolve(import.meta.dirname, '../..');
const DAY_MS = 86_400_000;

interface Seen {
  path: string;
  from: string;
  to: string;
}

let sim: KiteSimulator;
let r: RunningKiteSimulator;
let proxy: Server;
let proxyUrl: string;
let accessToken: string;
const seen: Seen[] = [];

beforeAll(async () => {
  sim = new KiteSimulator();
  r = await sim.start({ port: 0, expireAt0600: false });
  const res = await fetch(loginUrl(DEFAULT_API_KEY, r.loginUrl), { redirect: 'manual' });
  const requestToken = parseRedirect(res.headers.get('location')!).requestToken;
  accessToken = (await new KiteRest({ apiKey: DEFAULT_API_KEY, root: r.url }).generateSession(requestToken, DEFAULT_API_SECRET)).accessToken;
  // every request on its way to the simulator is recorded (path and date range)
  const target = new URL(r.url);
  proxy = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: u.pathname, from: u.searchParams.get('from') ?? '', to: u.searchParams.get('to') ?? '' });
    const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((ok) => proxy?.close(ok));
  await r?.close();
});

/** The CLI as a child process (asynchronously: the simulator and the proxy run in this process). */
function cli(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-engine/host/cli.ts'), ...args], {
    cwd: root,
    env: { ...process.env, KITEDESK_KITE_API_KEY: undefined, KITEDESK_KITE_ACCESS_TOKEN: undefined, KITEDESK_KITE_ROOT: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += String(d)));
  p.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  return new Promise((ok) => p.once('close', (code) => ok({ code, stdout, stderr })));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const historical = () => seen.filter((s) => s.path.startsWith('/instruments/historical/'));
const istMs = (s: string) => Date.parse(`${s.replace(' ', 'T')}+05:30`);

// three CLI runs, each starting tsx: tens of seconds on a loaded 2-core machine
describe('kitedesk backtest --kite against the Kite simulator', { timeout: 300_000 }, () => {
  it('fetches in Kite-sized ranges, names the Kite source in the report, and a second run hits the cache only', async () => {
    const dataDir = tempDataDir('kitedesk-bt-kite-');
    const env = { KITEDESK_KITE_ROOT: proxyUrl, KITEDESK_KITE_API_KEY: DEFAULT_API_KEY, KITEDESK_KITE_ACCESS_TOKEN: accessToken };
    const args = (out: string) => [
      'backtest',
      '--kite', 'INFY',
      '--kite', 'NSE:RELIANCE:5minute',
      '--from', '2026-08-03',
      '--to', '2026-10-30',
      '--strategy', 'sma_crossover',
      '--set', 'fast=5',
      '--set', 'slow=20',
      '--product', 'MIS',
      '--qty', '1',
      '--data-dir', dataDir,
      '--out', join(dataDir, out),
    ];

    const first = await cli(args('run1'), env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^trades \d+/);
    expect(first.stderr).toMatch(/Kite candles of NSE:INFY:minute, NSE:RELIANCE:5minute 2026-08-03\.\.2026-10-30: \d+ bars, \d+ historical requests to Kite/);
    const calls = historical();
    // minute: 89 days need two requests (Kite serves at most 60 days of minute candles per request); 5minute: one (100 days)
    expect(calls.length).toBe(3);
    for (const c of calls) {
      const span = istMs(c.to) - istMs(c.from);
      const minute = /\/minute$/.test(c.path);
      expect(span).toBeLessThanOrEqual((minute ? 60 : 100) * DAY_MS);
    }
    expect(seen.filter((s) => s.path === '/instruments').length).toBe(1);

    const report = JSON.parse(readFileSync(join(dataDir, 'run1', 'report.json'), 'utf8')) as {
      inputs: { files: { path: string; symbol: string; sha256: string; rows: number }[]; overrides: { kite: unknown } };
      metrics: { trades: number };
    };
    expect(report.inputs.files.map((f) => f.path)).toEqual([expect.stringMatching(/^kite:NSE:INFY:minute:\d+$/), expect.stringMatching(/^kite:NSE:RELIANCE:5minute:\d+$/)]);
    for (const f of report.inputs.files) {
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(f.rows).toBeGreaterThan(1000);
    }
    expect(report.inputs.overrides.kite).toEqual({ source: 'kite', root: proxyUrl, instruments: ['NSE:INFY:minute', 'NSE:RELIANCE:5minute'], from: '2026-08-03', to: '2026-10-30' });
    expect(report.metrics.trades).toBeGreaterThan(0);

    // the second run: everything from the cache, the same report
    const before = seen.length;
    const second = await cli(args('run2'), env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/: \d+ bars, all from the cache .*instrument dump from the cache/);
    expect(seen.slice(before)).toEqual([]);
    expect(readFileSync(join(dataDir, 'run2', 'report.json'), 'utf8')).toBe(readFileSync(join(dataDir, 'run1', 'report.json'), 'utf8'));

    // kitedesk optimize --kite (the backtester per point): the same cached candles, handed to the workers as CSV files pinned by SHA-256
    const cfg = join(dataDir, 'opt.yaml');
    writeFileSync(
      cfg,
      [
        'strategies:',
        '  - { id: sma, type: sma_crossover, params: { fast: 10, slow: 30 }, timeframe: 1m, symbols: [INFY] }',
        'trading: { product: MIS, charges: false, sizing: { default: { mode: fixed_qty, qty: 1 } } }',
        'backtest: { exits: none }',
        '',
      ].join('\n'),
    );
    const opt = await cli(
      ['optimize', '--config', cfg, '--kite', 'INFY', '--from', '2026-08-03', '--to', '2026-10-30', '--param', 'fast=5,10', '--param', 'slow=30', '--threads', '0', '--data-dir', dataDir, '--out', join(dataDir, 'opt')],
      env,
    );
    expect(opt.code, opt.stderr).toBe(0);
    expect(seen.slice(before)).toEqual([]);
    const optReport = JSON.parse(readFileSync(join(dataDir, 'opt', 'optimize.json'), 'utf8')) as {
      data: { sources: { path: string }[]; inputs: { path: string }[]; kite: unknown };
      ranked: { metrics: { trades: number | null } }[];
    };
    expect(optReport.ranked).toHaveLength(2);
    expect(optReport.ranked.every((r) => (r.metrics.trades ?? 0) > 0)).toBe(true);
    expect(optReport.data.sources).toEqual([{ path: join(dataDir, 'opt', 'kite-data', 'INFY.csv') }]);
    expect(optReport.data.inputs.map((i) => i.path)).toEqual([cfg, join(dataDir, 'opt', 'kite-data', 'INFY.csv')]);
    expect(optReport.data.kite).toMatchObject({ source: 'kite', instruments: ['NSE:INFY:minute'] });

    // no secret anywhere: output, reports, the cache
    const written = [...filesUnder(join(dataDir, 'run1')), ...filesUnder(join(dataDir, 'opt')), ...filesUnder(join(dataDir, 'kite'))].map((f) => readFileSync(f, 'utf8'));
    for (const text of [first.stdout, first.stderr, second.stdout, second.stderr, opt.stdout, opt.stderr, ...written]) {
      expect(text).not.toContain(accessToken);
      expect(text).not.toContain(DEFAULT_API_SECRET);
    }
  });

  it('without a session, or with a refused one, says so in one secret-free line', async () => {
    const dataDir = tempDataDir('kitedesk-bt-kite-');
    const args = ['backtest', '--kite', 'INFY', '--from', '2026-10-05', '--to', '2026-10-09', '--strategy', 'sma_crossover', '--data-dir', dataDir, '--out', join(dataDir, 'out')];
    const refused = await cli(args, { KITEDESK_KITE_ROOT: proxyUrl, KITEDESK_KITE_API_KEY: DEFAULT_API_KEY, KITEDESK_KITE_ACCESS_TOKEN: 'notavalidtoken0123' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^kitedesk: Kite refused the session \(HTTP 403: .+\): log in again/);
    expect(refused.stderr).not.toContain('notavalidtoken0123');
    // no token in the environment: the keychain's session, and there is none here (or no keychain at all)
    const none = await cli(args, { KITEDESK_KITE_ROOT: proxyUrl, KITEDESK_KITE_API_KEY: DEFAULT_API_KEY, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^kitedesk: (no Kite session|the stored Kite session expired)/);
    const noDates = await cli(['backtest', '--kite', 'INFY', '--strategy', 'sma_crossover', '--data-dir', dataDir, '--out', join(dataDir, 'out')], { KITEDESK_KITE_ROOT: proxyUrl });
    expect(noDates.code).toBe(1);
    expect(noDates.stderr).toMatch(/--kite needs --from and --to/);
    const badInterval = await cli(['backtest', '--kite', 'INFY:2minute', '--from', '2026-10-05', '--to', '2026-10-09', '--strategy', 'sma_crossover', '--out', join(dataDir, 'out')], {});
    expect(badInterval.code).toBe(1);
    expect(badInterval.stderr).toMatch(/unknown interval "2minute"/);
  });
});
