/**
 * `--kite SYMBOL[:INTERVAL]` of `kitedesk backtest` and `kitedesk optimize`: Kite's historical candles
 * through the live client (adapters/kite/rest-client.ts: the official kiteconnect, historical paced at
 * Kite's 3 requests a second) and the local cache the app uses (`<data dir>/kite/historical`, complete
 * days kept, missing days fetched in Kite's per-request date ranges: historical-cache.ts), with the
 * day's instrument dump (`<data dir>/kite`) for the symbols' tokens. See docs/backtest.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IST_OFFSET_MS } from '../core/ist.js';
import { istDay } from '../core/nse-calendar.js';
import { HistoricalCache } from '../adapters/kite/historical-cache.js';
import { loadDayDump, type FetchCsv } from '../adapters/kite/instrument-cache.js';
import { KiteError, redact } from '../adapters/kite/errors.js';
import { KiteRest, type HistoricalInterval } from '../adapters/kite/rest-client.js';
import type { BacktestData } from './data.js';
import { loadKiteHistorical } from './kite-data.js';

export const KITE_INTERVALS: readonly HistoricalInterval[] = ['minute', '3minute', '5minute', '10minute', '15minute', '30minute', '60minute', 'day'];
const EXCHANGES = new Set(['NSE', 'BSE', 'NFO', 'BFO', 'MCX', 'CDS', 'BCD']);
const DAY_MS = 86_400_000;

export interface KiteSpec {
  exchange: string;
  symbol: string;
  interval: HistoricalInterval;
}

export class KiteSpecError extends Error {
  override readonly name = 'KiteSpecError';
}

/** `INFY`, `INFY:5minute`, `NSE:INFY`, `NSE:NIFTY 50:day` (default exchange NSE, interval minute). */
export function parseKiteSpec(s: string): KiteSpec {
  const parts = s.split(':').map((p) => p.trim());
  let exchange = 'NSE';
  let interval: HistoricalInterval = 'minute';
  if (parts.length > 1 && EXCHANGES.has(parts[0]!.toUpperCase())) exchange = parts.shift()!.toUpperCase();
  if (parts.length > 1) {
    const i = parts.pop()!;
    if (!(KITE_INTERVALS as readonly string[]).includes(i)) throw new KiteSpecError(`--kite ${JSON.stringify(s)}: unknown interval "${i}" (one of ${KITE_INTERVALS.join(', ')})`);
    interval = i as HistoricalInterval;
  }
  const symbol = parts.join(':');
  if (parts.length !== 1 || !/^[A-Za-z0-9][A-Za-z0-9 &._-]{0,59}$/.test(symbol)) throw new KiteSpecError(`--kite ${JSON.stringify(s)}: expected [EXCHANGE:]SYMBOL[:INTERVAL], e.g. INFY, INFY:5minute, NSE:NIFTY 50:day`);
  return { exchange, symbol, interval };
}

export interface KiteSourceSession {
  apiKey: string;
  accessToken: string;
  root: string | undefined;
}

/** What the report says about the source (no secret, nothing that changes between a fetch and a cache hit). */
export interface KiteSourceInfo {
  source: 'kite';
  root: string;
  instruments: string[];
  from: string;
  to: string;
}

export interface KiteLoadStats {
  /** Historical requests sent to Kite (0: all from the cache). */
  historicalRequests: number;
  /** Where the instrument dump came from. */
  instrumentDump: 'cache' | 'fetched';
  cacheDir: string;
}

export interface KiteLoadOptions {
  specs: readonly KiteSpec[];
  /** IST days, inclusive. */
  from: string;
  to: string;
  dataDir: string;
  session: KiteSourceSession;
  now?: () => number;
  /** Tests: the instrument dump's fetch. */
  fetchCsv?: FetchCsv;
}

/** The candles of every spec as backtest data (series by symbol), the report's source line and the fetch figures. */
export async function loadKiteBacktestData(o: KiteLoadOptions): Promise<{ data: BacktestData; info: KiteSourceInfo; stats: KiteLoadStats }> {
  if (o.specs.length === 0) throw new KiteSpecError('--kite: no instrument given');
  const now = (o.now ?? (() => Date.now()))();
  const fromMs = Date.parse(`${o.from}T00:00:00+05:30`);
  // a day still in session is not over: the cache keeps only finished days, so the range stops now
  const toMs = Math.min(Date.parse(`${o.to}T00:00:00+05:30`) + DAY_MS - 1000, now - (now % 60_000) - 1000);
  if (!(Number.isFinite(fromMs) && Number.isFinite(toMs))) throw new KiteSpecError('--kite needs --from and --to (YYYY-MM-DD, IST), on the command line or in the config\'s backtest section');
  if (fromMs > toMs) throw new KiteSpecError(`--kite: --from ${o.from} is after --to ${o.to} (or in the future)`);
  const seen = new Set<string>();
  for (const s of o.specs) {
    if (seen.has(s.symbol)) throw new KiteSpecError(`--kite: ${s.symbol} is named twice (one interval per symbol)`);
    seen.add(s.symbol);
  }
  const root = o.session.root;
  const creds = { apiKey: o.session.apiKey, accessToken: o.session.accessToken, root };
  const dump = await loadDayDump({ dir: join(o.dataDir, 'kite'), date: istDay(now), creds, ...(o.fetchCsv ? { fetchCsv: o.fetchCsv } : {}) });
  const rest = new KiteRest({ apiKey: o.session.apiKey, accessToken: o.session.accessToken, ...(root !== undefined ? { root } : {}) });
  const names = new Map<number, string>();
  // one loadKiteHistorical per exchange and interval
  const groups = new Map<string, { exchange: string; interval: HistoricalInterval; instruments: Map<string, number> }>();
  for (const s of o.specs) {
    const inst = dump.master.get(s.exchange, s.symbol);
    if (!inst) throw new KiteSpecError(`--kite: ${s.exchange}:${s.symbol} is not in Kite's instrument dump of ${dump.date}`);
    names.set(inst.instrumentToken, `${s.exchange}:${s.symbol}`);
    const k = `${s.exchange}|${s.interval}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { exchange: s.exchange, interval: s.interval, instruments: new Map() }));
    g.instruments.set(s.symbol, inst.instrumentToken);
  }
  const cacheDir = join(o.dataDir, 'kite', 'historical');
  const historical = async (t: number, i: HistoricalInterval, f: number, to: number) => {
    try {
      return await rest.historical(t, i, f, to);
    } catch (e) {
      const msg = redact((e as Error).message, [o.session.accessToken]);
      if (e instanceof KiteError && e.kind === 'token') {
        throw new KiteSpecError(`Kite refused the session (${e.status !== undefined ? `HTTP ${e.status}: ` : ''}${msg}): log in again (the app or kitedesk serve), or set a fresh KITEDESK_KITE_ACCESS_TOKEN`);
      }
      throw new KiteSpecError(`Kite historical ${names.get(t) ?? `token ${t}`} ${i}: ${msg}`);
    }
  };
  const cache = new HistoricalCache({ source: { historical }, dir: cacheDir, name: (t) => names.get(t) ?? `token ${t}` });
  const parts: BacktestData[] = [];
  for (const g of groups.values()) parts.push(await loadKiteHistorical(cache, { ...g, fromMs, toMs }));
  const series = parts.flatMap((p) => p.series).sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const files = parts.flatMap((p) => p.files).sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const data: BacktestData = { series, files, warnings: parts.flatMap((p) => p.warnings) };
  if (series.length === 0) throw new KiteSpecError(`--kite: Kite has no candles of ${o.specs.map((s) => s.symbol).join(', ')} between ${o.from} and ${o.to}`);
  return {
    data,
    info: { source: 'kite', root: root ?? 'https://api.kite.trade', instruments: o.specs.map((s) => `${s.exchange}:${s.symbol}:${s.interval}`), from: o.from, to: o.to },
    stats: { historicalRequests: cache.requests, instrumentDump: dump.source, cacheDir },
  };
}

const two = (n: number) => String(n).padStart(2, '0');
function istStamp(ms: number, day: boolean): string {
  const d = new Date(ms + IST_OFFSET_MS);
  const date = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  return day ? date : `${date} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}
const rupees = (paise: number) => (paise / 100).toFixed(2);

/**
 * The loaded candles as Kite candle CSVs `<dir>/<SYMBOL>.csv` (`datetime,open,high,low,close,volume`,
 * bar start, IST): what `kitedesk optimize --kite` hands its workers, by path and SHA-256.
 */
export function writeKiteCsvs(data: BacktestData, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return data.series.map((s) => {
    const day = s.interval === 'day';
    const lines = ['datetime,open,high,low,close,volume', ...s.candles.map((c) => `${istStamp(c.start, day)},${rupees(c.openPaise)},${rupees(c.highPaise)},${rupees(c.lowPaise)},${rupees(c.closePaise)},${c.volume}`)];
    const file = join(dir, `${s.symbol.replace(/[^A-Za-z0-9&._-]/g, '_')}.csv`);
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  });
}
