import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loginUrl, parseRedirect, exchangeRequestToken } from '../src-engine/adapters/kite/login.js';
import { KiteRest } from '../src-engine/adapters/kite/rest-client.js';
import { KiteSimulator } from '../src-engine/kite-sim/kite-simulator.js';
import { GeneratedMarket } from '../src-engine/kite-sim/market-source.js';
import type { SimInstrumentSeed } from '../src-engine/model/instruments.js';

const INSTRUMENTS = 9000;
const TICKS_PER_INSTRUMENT_PER_SEC = 2;
const SECONDS = 10;

/**
 * CPU share of one core for 9,000 instruments at 2 ticks/s each, through our ticker pool (3
 * connections × 3,000 tokens, full mode), fed by the Kite simulator in this process. The pool runs in
 * a child so only its CPU is measured; the baseline child opens the same sockets and subscriptions and
 * only counts frames (no decoding): the floor of receiving that feed at all.
 */
export async function poolBench(): Promise<void> {
  const seeds: SimInstrumentSeed[] = Array.from({ length: INSTRUMENTS }, (_, i) => ({
    symbol: `SYN${String(i).padStart(4, '0')}`,
    name: `Synthetic ${i}`,
    basePaise: 10_000 + (i % 500) * 500,
    avgDailyVolume: 1_000_000,
  }));
  const start = Date.parse('2026-11-20T10:00:00+05:30');
  const market = new GeneratedMarket({ seeds, seed: 3, speed: 1, startTime: start, ticksPerSecond: INSTRUMENTS * TICKS_PER_INSTRUMENT_PER_SEC });
  const sim = new KiteSimulator();
  const r = await sim.start({ port: 0, market });
  try {
    const apiKey = 'kitedesk-sim';
    const rest = new KiteRest({ apiKey, root: r.url });
    const res = await fetch(loginUrl(apiKey, r.loginUrl), { redirect: 'manual' });
    const { requestToken } = parseRedirect(res.headers.get('location') ?? '');
    const session = await exchangeRequestToken(rest, requestToken, 'kitedesk-sim-secret');
    // the 9,000 generated equities only (the simulator's universe also lists index F&O contracts)
    const mine = new Set(seeds.map((x) => x.symbol));
    const tokens = sim.instruments
      .filter((i) => i.instrumentType === 'EQ' && mine.has(i.tradingsymbol))
      .map((i) => i.token)
      .join(',');
    const run = (variant: 'pool' | 'raw') => {
      // asynchronous: this process serves the feed while the child measures
      return new Promise<{ ticks: number; frames: number; seconds: number; cpuShare: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'pool-child.ts'), variant, r.wsUrl, apiKey, session.accessToken, String(SECONDS), tokens], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}')) : reject(new Error(`pool child exited ${code}`))));
      });
    };
    const base = await run('raw');
    const pool = await run('pool');
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    console.log(`\nticker pool: ${INSTRUMENTS} instruments × ${TICKS_PER_INSTRUMENT_PER_SEC} ticks/s, full mode, from the Kite simulator (${SECONDS} s measured)`);
    console.log(`  baseline  3 raw ws sockets, frames counted, no decoding   ${(base.ticks / base.seconds).toFixed(0).padStart(7)} ticks/s   CPU ${pct(base.cpuShare)} of one core`);
    console.log(`  subject   KiteTickerPool (decode into TickBatch)          ${(pool.ticks / pool.seconds).toFixed(0).padStart(7)} ticks/s   CPU ${pct(pool.cpuShare)} of one core`);
  } finally {
    await sim.close();
  }
}
