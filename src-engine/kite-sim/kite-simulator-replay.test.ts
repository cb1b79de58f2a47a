/** KiteSimulator on replayed CSV candles: quotes over REST come from the data. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiteChecksum } from './auth.js';
import { CandleReplay, loadCandleDir, parseCandleTime } from './csv-replay.js';
import { KiteSimulator, type RunningKiteSimulator } from './kite-simulator.js';
import { GeneratedMarket } from './market-source.js';

const KEY = 'k-replay';
const SECRET = 's-replay';
const HEADER = 'datetime,open,high,low,close,volume,oi';
// Made-up candles (not market data).
const FILES = {
  'RELIANCE.csv': [HEADER, '2025-01-06 09:15:00+05:30,100.00,101.50,99.50,101.00,12345,0', '2025-01-06 10:15:00+05:30,101.00,101.20,100.10,100.55,777,0'].join('\n'),
  'NEWCO.csv': [HEADER, '2025-01-06 09:15:00+05:30,20.00,20.50,19.90,20.10,4000,0', '2025-01-06 10:15:00+05:30,20.10,20.20,20.00,20.05,100,0'].join('\n'),
};

describe('KiteSimulator with dataDir (CSV replay)', () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;
  let dir: string;
  let token: string;

  const call = async (path: string, init: RequestInit = {}, auth = true) => {
    const res = await fetch(`${r.url}${path}`, {
      ...init,
      headers: { 'X-Kite-Version': '3', ...(auth ? { Authorization: `token ${KEY}:${token}` } : {}), ...(init.headers as Record<string, string>) },
    });
    const text = await res.text();
    return { status: res.status, body: res.headers.get('content-type') === 'application/json' ? JSON.parse(text) : text };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kd-replay-sim-'));
    for (const [n, t] of Object.entries(FILES)) writeFileSync(join(dir, n), t);
    r = await sim.start({ port: 0, apiKey: KEY, apiSecret: SECRET, dataDir: dir, speed: 1 });
    const market = sim.marketSource as CandleReplay;
    market.stop(); // drive time by hand
    market.advance(1e12); // the whole data set
    expect(market.done).toBe(true);

    const login = await fetch(`${r.url}/connect/login?api_key=${KEY}&v=3`, { redirect: 'manual' });
    const rt = new URL(login.headers.get('location')!).searchParams.get('request_token')!;
    const s = await call(
      '/session/token',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ api_key: KEY, request_token: rt, checksum: kiteChecksum(KEY, rt, SECRET) }).toString(),
      },
      false,
    );
    expect(s.status).toBe(200);
    token = s.body.data.access_token as string;
  });
  afterAll(async () => {
    await r?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /quote?i=NSE:RELIANCE gives the replayed last price, day volume and timestamp', async () => {
    const q = await call('/quote?i=NSE:RELIANCE&i=NSE:NEWCO');
    expect(q.status).toBe(200);
    const rel = q.body.data['NSE:RELIANCE'];
    expect(rel.last_price).toBe(100.55);
    expect(rel.volume).toBe(12345 + 777);
    expect(rel.ohlc.high).toBe(101.5);
    expect(rel.ohlc.low).toBe(99.5);
    const ltt = parseCandleTime(rel.last_trade_time as string)!; // IST wall time without offset
    expect(ltt).toBeGreaterThanOrEqual(parseCandleTime('2025-01-06 10:15:00+05:30')!);
    expect(ltt).toBeLessThan(parseCandleTime('2025-01-06 11:15:00+05:30')!);
    // A symbol unknown to the NIFTY 50 list is added to the instrument master.
    expect(q.body.data['NSE:NEWCO']).toMatchObject({ last_price: 20.05, volume: 4100 });
    expect(sim.instruments.some((i) => i.tradingsymbol === 'NEWCO')).toBe(true);
  });

  it('historical candles before the replay start are the real bars (60minute and day from 60-minute data); the live part follows', async () => {
    const d2 = mkdtempSync(join(tmpdir(), 'kd-replay-hist-'));
    // made-up 60-minute bars on two days (not market data)
    const rows = [HEADER];
    for (const [day, base] of [['2025-01-06', 100], ['2025-01-07', 110]] as const) {
      for (let h = 0; h < 7; h++) {
        const t = `${day} ${String(9 + h).padStart(2, '0')}:15:00+05:30`;
        const o = base + h;
        rows.push(`${t},${o}.00,${o + 1}.00,${o - 1}.00,${o + 0.5},${1000 + h},0`);
      }
    }
    writeFileSync(join(d2, 'RELIANCE.csv'), rows.join('\n'));
    const s2 = new KiteSimulator();
    const r2 = await s2.start({ port: 0, apiKey: KEY, apiSecret: SECRET, dataDir: d2, startTime: parseCandleTime('2025-01-07')! });
    try {
      (s2.marketSource as CandleReplay).stop();
      const login = await fetch(`${r2.url}/connect/login?api_key=${KEY}&v=3`, { redirect: 'manual' });
      const rt = new URL(login.headers.get('location')!).searchParams.get('request_token')!;
      const body = new URLSearchParams({ api_key: KEY, request_token: rt, checksum: kiteChecksum(KEY, rt, SECRET) }).toString();
      const sess = (await (await fetch(`${r2.url}/session/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body })).json()) as { data: { access_token: string } };
      const get = async (path: string) => ((await (await fetch(`${r2.url}${path}`, { headers: { Authorization: `token ${KEY}:${sess.data.access_token}` } })).json()) as { data: { candles: unknown[][] } }).data.candles;
      const tok = s2.exchange.lookup('NSE:RELIANCE')!.inst.token;
      const hourly = await get(`/instruments/historical/${tok}/60minute?from=2025-01-06+09:00:00&to=2025-01-07+16:00:00`);
      expect(hourly).toHaveLength(7); // the 6th only: the 7th has not been replayed yet (the clock is at its first bar)
      expect(hourly[0]).toEqual(['2025-01-06T09:15:00+0530', 100, 101, 99, 100.5, 1000]);
      const day = await get(`/instruments/historical/${tok}/day?from=2025-01-01&to=2025-01-07`);
      expect(day).toEqual([['2025-01-06T00:00:00+0530', 100, 107, 99, 106.5, 7021]]);
      expect(s2.exchange.lookup('NSE:RELIANCE')!.closePaise).toBe(10650); // the quote's previous close = the last real close
    } finally {
      await r2.close();
      rmSync(d2, { recursive: true, force: true });
    }
  });

  it('rejects a market combined with seeds/dataDir, and bad data fails start() with file:line', async () => {
    const m = new GeneratedMarket({ seeds: [{ symbol: 'X', name: 'X', basePaise: 100, avgDailyVolume: 10 }] });
    await expect(new KiteSimulator().start({ port: 0, market: m, dataDir: dir })).rejects.toThrow(/cannot be combined with dataDir/);
    const bad = mkdtempSync(join(tmpdir(), 'kd-replay-bad-'));
    try {
      writeFileSync(join(bad, 'ZZ.csv'), `${HEADER}\n2025-01-06 09:15:00+05:30,1,0.5,0.9,1,1,0\n`);
      await expect(new KiteSimulator().start({ port: 0, dataDir: bad })).rejects.toThrow(/ZZ\.csv:2: high 0\.5 < low 0\.9/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('takes a ready MarketSource via `market`', async () => {
    const replay = new CandleReplay({ series: loadCandleDir(dir) });
    const s2 = new KiteSimulator();
    const r2 = await s2.start({ port: 0, market: replay });
    try {
      expect(s2.marketSource).toBe(replay);
      expect(s2.instruments.filter((i) => i.segment === 'NSE').map((i) => i.tradingsymbol)).toEqual(replay.seeds.map((x) => x.symbol));
      expect(s2.exchange.lookup('NSE:RELIANCE')!.lastPaise).toBe(10100); // base = first close
    } finally {
      await r2.close();
    }
  });
});
