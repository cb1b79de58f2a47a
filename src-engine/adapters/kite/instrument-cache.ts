/**
 * The day's Kite instrument dump (GET /instruments, kite-protocol.md §2.10), fetched at most once per IST
 * day and cached as a file in the data dir: `<dir>/instruments-YYYY-MM-DD.csv` (the CSV exactly as Kite
 * sent it). Parsed by model/instrument-master.ts; bad rows are reported (file and line), never used.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InstrumentMaster, parseInstrumentsCsv, type InstrumentParseResult } from '../../model/instrument-master.js';
import { KiteError, redact } from './errors.js';

const FILE_RE = /^instruments-(\d{4}-\d{2}-\d{2})\.csv$/;

export interface DumpCredentials {
  apiKey: string;
  accessToken: string;
  /** REST root; default https://api.kite.trade */
  root?: string | undefined;
}

export type FetchCsv = (creds: DumpCredentials) => Promise<string>;

/**
 * GET {root}/instruments with Kite's headers; the raw CSV text. The official client parses the CSV into
 * objects (and leaves tokens strings), so the dump is fetched here as text: that is what we cache.
 */
export const fetchInstrumentsCsv: FetchCsv = async (c) => {
  const url = `${(c.root ?? 'https://api.kite.trade').replace(/\/+$/, '')}/instruments`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { 'X-Kite-Version': '3', Authorization: `token ${c.apiKey}:${c.accessToken}` }, signal: AbortSignal.timeout(60_000) });
  } catch (e) {
    throw new KiteError('network', `instrument dump: no answer from ${url}: ${redact((e as Error).message, [c.accessToken])}`);
  }
  const text = await res.text();
  if (res.status === 403) throw new KiteError('token', `instrument dump: Kite refused the session (HTTP 403) at ${url}`, { status: 403 });
  if (!res.ok) throw new KiteError(res.status >= 500 ? 'server' : 'general', `instrument dump: HTTP ${res.status} from ${url}: ${redact(text.slice(0, 200), [c.accessToken])}`, { status: res.status });
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('text/csv')) throw new KiteError('data', `instrument dump: expected text/csv from ${url}, got ${type || 'no content type'}`);
  return text;
};

export interface LoadedDump {
  master: InstrumentMaster;
  /** IST date of the dump. */
  date: string;
  source: 'cache' | 'fetched';
  file?: string;
  parse: InstrumentParseResult;
}

/** The newest cached dump (any date), or undefined: what the engine knows before it can log in. */
export function latestCachedDump(dir: string | undefined): LoadedDump | undefined {
  if (dir === undefined) return undefined;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => FILE_RE.test(n)).sort();
  } catch {
    return undefined;
  }
  for (let i = names.length - 1; i >= 0; i--) {
    const file = join(dir, names[i]!);
    try {
      const parse = parseInstrumentsCsv(readFileSync(file, 'utf8'), file);
      return { master: new InstrumentMaster(parse.instruments), date: FILE_RE.exec(names[i]!)![1]!, source: 'cache', file, parse };
    } catch {
      // an unreadable cache file is skipped; the day's fetch replaces it
    }
  }
  return undefined;
}

/**
 * The dump for `date` (IST): the cached file when there is one, else fetched and cached (older dumps are
 * then deleted, keeping the previous one). Without a dir it is fetched every time (nothing to keep it in).
 * A dump whose every row is bad (or that has none) is an error naming the file and the first bad line.
 */
export async function loadDayDump(o: { dir: string | undefined; date: string; creds: DumpCredentials; fetchCsv?: FetchCsv }): Promise<LoadedDump> {
  const file = o.dir !== undefined ? join(o.dir, `instruments-${o.date}.csv`) : undefined;
  if (file !== undefined) {
    try {
      const parse = parseInstrumentsCsv(readFileSync(file, 'utf8'), file);
      if (parse.instruments.length > 0) return { master: new InstrumentMaster(parse.instruments), date: o.date, source: 'cache', file, parse };
    } catch {
      // missing or broken: fetch again
    }
  }
  const text = await (o.fetchCsv ?? fetchInstrumentsCsv)(o.creds);
  const where = file ?? `Kite instrument dump of ${o.date}`;
  const parse = parseInstrumentsCsv(text, where);
  if (parse.instruments.length === 0) {
    const first = parse.badRows[0];
    throw new Error(`${where}: no usable instrument in the dump (${parse.rowsRead} rows${first ? `; line ${first.line}: ${first.reason}` : ''})`);
  }
  if (file !== undefined && o.dir !== undefined) {
    mkdirSync(o.dir, { recursive: true });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    pruneOld(o.dir, 2);
  }
  return { master: new InstrumentMaster(parse.instruments), date: o.date, source: 'fetched', ...(file !== undefined ? { file } : {}), parse };
}

function pruneOld(dir: string, keep: number): void {
  try {
    const names = readdirSync(dir).filter((n) => FILE_RE.test(n)).sort();
    for (const n of names.slice(0, Math.max(0, names.length - keep))) {
      try {
        rmSync(join(dir, n));
      } catch {
        /* best effort */
      }
    }
  } catch {
    /* best effort */
  }
}
