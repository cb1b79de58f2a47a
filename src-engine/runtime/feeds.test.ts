/**
 * The data-client port's simulator and replay implementations, and the kernel on each: the engine
 * cannot tell them apart (same candles, strategies, status shape), only feed.kind differs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatorFeed } from '../adapters/sim/simulator-feed.js';
import { NIFTY50_SEEDS } from '../model/instruments.js';
import { parseRunProfile } from './config.js';
import { Engine } from './engine.js';
import { type ReplayFeed } from './replay-feed.js';
import { candleReplayHistory, createFeed, kiteInstruments } from './feeds.js';
import type { KiteFeed, TickerPoolLike } from '../adapters/kite/kite-feed.js';
import type { KiteTickerPoolOptions } from '../adapters/kite/ticker-pool.js';

const dirs: string[] = [];
function tempDir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'kd-feed-'));
  dirs.push(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** 1-minute Kite candles (made up) from 09:15 IST, `n` bars, a gentle zig-zag. */
function kiteCsv(day: string, n: number, base: number): string {
  const rows = ['datetime,open,high,low,close,volume,oi'];
  for (let k = 0; k < n; k++) {
    const t = Date.parse(`${day}T09:15:00+05:30`) + k * 60_000;
    const hhmm = new Date(t + 19_800_000).toISOString().slice(11, 16);
    const o = base + (k % 7) * 0.5;
    const c = o + (k % 2 === 0 ? 0.35 : -0.25);
    rows.push(`${day} ${hhmm}:00+05:30,${o.toFixed(2)},${(Math.max(o, c) + 0.2).toFixed(2)},${(Math.min(o, c) - 0.1).toFixed(2)},${c.toFixed(2)},${100 + k},0`);
  }
  return rows.join('\n');
}

const mem = () => {
  const saved: string[] = [];
  return { get: () => [...saved], set: (s: readonly string[]) => void saved.splice(0, saved.length, ...s) };
};

describe('SimulatorFeed', () => {
  it('brackets its backfill as history, then sends depth; status says simulator', () => {
    const f = new SimulatorFeed({ seeds: NIFTY50_SEEDS, seed: 1, speed: 1, ticksPerSecond: 50, backfillMinutes: 5, startTime: Date.parse('2026-11-20T11:00:00+05:30') });
    const events: string[] = [];
    let ticks = 0;
    f.onTick(() => void ticks++);
    f.onHistory((p, i) => events.push(`${p}:${i.ticks > 0 ? 'ticks' : 'none'}`));
    f.onDepth(() => events.push('depth'));
    f.prepare();
    expect(events).toEqual(['start:none', 'end:ticks']);
    expect(ticks).toBeGreaterThan(1000);
    expect(f.now()).toBe(Date.parse('2026-11-20T11:00:00+05:30'));
    f.simulator.advance(2000);
    expect(events.slice(2).every((e) => e === 'depth') && events.length > 2).toBe(true);
    expect(f.status()).toEqual({ kind: 'simulator', state: 'live' });
  });
});

describe('ReplayFeed and the engine on feed.kind: replay', () => {
  const dir = tempDir({ 'INFY.csv': kiteCsv('2026-11-19', 90, 1500), 'TCS.csv': kiteCsv('2026-11-19', 90, 4000) });

  it('replays Kite-format candle files into the same 1-minute candles, history first, then by hand', () => {
    const e = new Engine({
      profile: parseRunProfile(`feed: { kind: replay, dir: ${JSON.stringify(dir)}, backfillMinutes: 30 }\nwatchlist: [INFY, TCS]\n`),
      watchlist: mem(),
      autoStart: false,
    });
    expect(e.status()).toMatchObject({ feed: 'replay', feedStatus: { kind: 'replay', state: 'live' } });
    const open = Date.parse('2026-11-19T09:15:00+05:30');
    expect(e.feed.now()).toBe(open + 30 * 60_000);
    (e.feed as ReplayFeed).advance(59 * 60_000);
    const bars = e.market.candles('INFY', '1m', 500);
    expect(bars).toHaveLength(89); // the 90th (10:44) is still forming
    // the file's candles, in paise, exactly
    const lines = kiteCsv('2026-11-19', 90, 1500).split('\n').slice(1, 90);
    expect(bars.map((b) => [b.o, b.h, b.l, b.c, b.v])).toEqual(
      lines.map((l) => {
        const [, o, h, lo, c, v] = l.split(',');
        return [Math.round(Number(o) * 100), Math.round(Number(h) * 100), Math.round(Number(lo) * 100), Math.round(Number(c) * 100), Number(v)];
      }),
    );
    expect(bars[0]!.t).toBe(open);
    (e.feed as ReplayFeed).advance(60_000);
    expect(e.status().feedStatus).toMatchObject({ state: 'ended' });
    expect(e.market.candles('TCS', '1m', 500)).toHaveLength(90);
  });

  it('a bad candle file stops the start with every problem named by file and line', () => {
    const bad = tempDir({ 'INFY.csv': 'datetime,open,high,low,close,volume\n2026-11-19 09:15:00,10,9,11,10,5\n2026-11-19 09:16:00,abc,10,9,10,5\n' });
    expect(() => new Engine({ profile: parseRunProfile(`feed: { kind: replay, dir: ${JSON.stringify(bad)} }\n`), watchlist: mem(), autoStart: false })).toThrow(
      /INFY\.csv:2: .*high[\s\S]*INFY\.csv:3: /,
    );
  });
});

describe('the Kite history as ticks (csv-replay under the hood)', () => {
  it('rebuilds Kite’s 1-minute candles exactly from the ticks it makes', () => {
    const t0 = Date.parse('2026-11-20T09:15:00+05:30');
    const candles = [
      { time: t0, openPaise: 150000, highPaise: 150500, lowPaise: 149800, closePaise: 150200, volume: 1000 },
      { time: t0 + 60_000, openPaise: 150200, highPaise: 150200, lowPaise: 149000, closePaise: 149100, volume: 7 },
    ];
    const h = candleReplayHistory([{ symbol: 'INFY', candles }]);
    const ticks: { p: number; v: number; t: number }[] = [];
    h.onTick((t) => ticks.push({ p: t.lastPaise, v: t.volume, t: t.tsEvent }));
    while (!h.done) h.advance(60_000);
    const first = ticks.filter((x) => x.t < t0 + 60_000);
    expect(first[0]!.p).toBe(150000);
    expect(first[first.length - 1]!.p).toBe(150200);
    expect(Math.max(...first.map((x) => x.p))).toBe(150500);
    expect(Math.min(...first.map((x) => x.p))).toBe(149800);
    expect(ticks[ticks.length - 1]!.v).toBe(1007);
  });

  it('knows the profile’s symbols on Kite, with tick sizes once a dump is cached', () => {
    const data = tempDir({});
    const p = parseRunProfile('feed: { kind: kite }\nwatchlist: [INFY, IRFC]\n');
    const before = kiteInstruments(p, data);
    expect(before.find((i) => i.symbol === 'IRFC')).toEqual({ symbol: 'IRFC', name: 'IRFC', exchange: 'NSE', tickSizePaise: 5, lotSize: 1 });
    mkdirSync(join(data, 'kite'));
    writeFileSync(
      join(data, 'kite', 'instruments-2026-11-20.csv'),
      'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange\n3150081,12305,IRFC,INDIAN RAILWAY FIN CORP,120.5,,0,0.01,1,EQ,NSE,NSE\n',
    );
    expect(kiteInstruments(p, data).find((i) => i.symbol === 'IRFC')).toEqual({ symbol: 'IRFC', name: 'INDIAN RAILWAY FIN CORP', exchange: 'NSE', tickSizePaise: 1, lotSize: 1 });
    expect(before.some((i) => i.symbol === 'RELIANCE')).toBe(true);
    // a symbol added to the watchlist at run time comes back from the saved watchlist when the dump lists it
    const noIrfc = parseRunProfile('feed: { kind: kite }\nwatchlist: [INFY]\n');
    expect(kiteInstruments(noIrfc, data).some((i) => i.symbol === 'IRFC')).toBe(false);
    expect(kiteInstruments(noIrfc, data, ['INFY', 'IRFC', 'NOSUCH']).filter((i) => ['IRFC', 'NOSUCH'].includes(i.symbol)).map((i) => i.symbol)).toEqual(['IRFC']);
  });

  it('takes the REST and ticker origin from KITEDESK_KITE_ROOT when the session names none', async () => {
    const before = process.env['KITEDESK_KITE_ROOT'];
    process.env['KITEDESK_KITE_ROOT'] = 'http://127.0.0.1:9999';
    try {
      const pools: KiteTickerPoolOptions[] = [];
      const dumpRoots: (string | undefined)[] = [];
      const feed = createFeed(parseRunProfile('feed: { kind: kite, backfillMinutes: 0 }\n'), {
        clock: { now: () => Date.parse('2026-11-20T11:00:00+05:30') },
        log: () => undefined,
        kite: { connection: () => ({ apiKey: 'k', accessToken: 't' }), onChange: () => () => undefined },
        kiteOverrides: {
          createPool: (o) => {
            pools.push(o);
            const none = () => () => undefined;
            return { subscribe() {}, unsubscribe() {}, setMode() {}, onTicks: none, on: none, stats: () => [], subscriptions: () => new Map(), close() {}, updateAccessToken() {} } as unknown as TickerPoolLike;
          },
          fetchInstrumentsCsv: (c) => {
            dumpRoots.push(c.root);
            return Promise.resolve('instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange\n408065,1594,INFY,INFOSYS,1500,,0,0.05,1,EQ,NSE,NSE\n');
          },
          createHistorical: () => ({ historical: () => Promise.resolve([]) }),
          syncTimeoutMs: 10,
        },
      }) as KiteFeed;
      feed.start();
      try {
        for (let i = 0; i < 200 && pools.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
        expect(dumpRoots).toEqual(['http://127.0.0.1:9999']);
        expect(pools[0]).toMatchObject({ apiKey: 'k', accessToken: 't', root: 'ws://127.0.0.1:9999/' });
      } finally {
        feed.stop();
      }
    } finally {
      if (before === undefined) delete process.env['KITEDESK_KITE_ROOT'];
      else process.env['KITEDESK_KITE_ROOT'] = before;
    }
  });
});
