/**
 * The Kite instrument master: parses Kite's instruments CSV (`/instruments`, `/instruments/NFO`, …;
 * docs kite-protocol.md §2.10), validates every row, converts prices to integer paise, and indexes
 * the result by instrument_token and by `EXCHANGE:TRADINGSYMBOL` (tokens can be reused after expiry,
 * so the key is the durable identity). Fuzzy search for the UI is in search().
 *
 * Values that are not a whole number of paise (currency-derivative ticks such as 0.0025) are bad
 * rows here: the engine keeps prices as integer paise and does not trade CDS.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { type Instrument, symbolSchema } from '../contract/schemas.js';
import { type IsoDay, dayNumber, istTime } from '../core/nse-calendar.js';

export type InstrumentType = 'EQ' | 'FUT' | 'CE' | 'PE';

export interface KiteInstrument {
  /** Kite's instrument_token (a number here; the JS client leaves it a string). */
  readonly instrumentToken: number;
  readonly exchangeToken: number;
  readonly tradingsymbol: string;
  /** Company name for equities, the underlying (NIFTY, RELIANCE, …) for derivatives; may be empty. */
  readonly name: string;
  /** From the day's dump — NOT live. Integer paise. */
  readonly lastPricePaise: number;
  /** Expiry date (IST) for FUT/CE/PE, null otherwise. */
  readonly expiry: IsoDay | null;
  /** 15:30 IST on the expiry date, epoch ms; null when there is no expiry. */
  readonly expiryCloseMs: number | null;
  /** Option strike in paise; 0 for non-options. */
  readonly strikePaise: number;
  /** Price step in paise; 0 only for indices (not tradable). */
  readonly tickSizePaise: number;
  /** Quantity step (F&O quantity must be a multiple); 0 only for indices. */
  readonly lotSize: number;
  readonly instrumentType: InstrumentType;
  /** NSE, NFO-FUT, NFO-OPT, INDICES, BSE, … */
  readonly segment: string;
  readonly exchange: string;
  /** `EXCHANGE:TRADINGSYMBOL`, e.g. `NSE:RELIANCE`, `NFO:NIFTY26AUGFUT`. */
  readonly key: string;
}

/** One rejected row: which file, which line (1-based, the header is line 1), and why. */
export interface InstrumentRowError {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export interface InstrumentParseResult {
  readonly instruments: KiteInstrument[];
  /** Data rows read (excluding the header and blank lines). */
  readonly rowsRead: number;
  readonly badRows: InstrumentRowError[];
}

/** The whole file is unusable (no header, missing columns, broken CSV quoting). */
export class InstrumentsFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${detail}`);
    this.name = 'InstrumentsFileError';
  }
}

export const INSTRUMENT_COLUMNS = [
  'instrument_token',
  'exchange_token',
  'tradingsymbol',
  'name',
  'last_price',
  'expiry',
  'strike',
  'tick_size',
  'lot_size',
  'instrument_type',
  'segment',
  'exchange',
] as const;
type Column = (typeof INSTRUMENT_COLUMNS)[number];

const INSTRUMENT_TYPES: ReadonlySet<string> = new Set(['EQ', 'FUT', 'CE', 'PE']);
const DECIMAL_RE = /^(\d+)(?:\.(\d+))?$/;
const INT_RE = /^\d+$/;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** "1234.50" → 123450. Throws (message used as the row reason) if not a non-negative whole number of paise. */
export function rupeesToPaise(text: string, field: string): number {
  const m = DECIMAL_RE.exec(text);
  if (!m) throw new Error(`${field} ${JSON.stringify(text)} is not a non-negative decimal number`);
  const frac = m[2] ?? '';
  if (/[1-9]/.test(frac.slice(2))) throw new Error(`${field} ${text} is not a whole number of paise`);
  const paise = Number(m[1]) * 100 + Number(frac.slice(0, 2).padEnd(2, '0'));
  if (!Number.isSafeInteger(paise)) throw new Error(`${field} ${text} is too large`);
  return paise;
}

class RowError extends Error {}

function parseRow(cells: readonly string[], col: Record<Column, number>): KiteInstrument {
  const get = (c: Column): string => cells[col[c]] ?? '';
  const paise = (c: Column): number => {
    try {
      return rupeesToPaise(get(c), c);
    } catch (e) {
      throw new RowError((e as Error).message);
    }
  };
  const int = (c: Column): number => {
    const v = get(c);
    if (!INT_RE.test(v) || !Number.isSafeInteger(Number(v))) throw new RowError(`${c} ${JSON.stringify(v)} is not a non-negative integer`);
    return Number(v);
  };
  const instrumentToken = int('instrument_token');
  if (instrumentToken === 0) throw new RowError('instrument_token is 0');
  const exchangeToken = int('exchange_token');
  const tradingsymbol = get('tradingsymbol');
  if (tradingsymbol === '' || tradingsymbol.trim() !== tradingsymbol) throw new RowError(`tradingsymbol ${JSON.stringify(tradingsymbol)} is empty or padded`);
  const exchange = get('exchange');
  const segment = get('segment');
  if (!exchange) throw new RowError('exchange is empty');
  if (!segment) throw new RowError('segment is empty');
  const type = get('instrument_type');
  if (!INSTRUMENT_TYPES.has(type)) throw new RowError(`instrument_type ${JSON.stringify(type)} is not EQ, FUT, CE or PE`);
  const instrumentType = type as InstrumentType;
  const isIndex = segment === 'INDICES';
  const lastPricePaise = paise('last_price');
  const strikePaise = paise('strike');
  const tickSizePaise = paise('tick_size');
  const lotSize = int('lot_size');
  if (!isIndex && tickSizePaise <= 0) throw new RowError(`tick_size ${get('tick_size')} must be positive`);
  if (!isIndex && lotSize <= 0) throw new RowError(`lot_size ${get('lot_size')} must be positive`);
  const expiryText = get('expiry');
  let expiry: IsoDay | null = null;
  if (expiryText !== '') {
    if (!DAY_RE.test(expiryText)) throw new RowError(`expiry ${JSON.stringify(expiryText)} is not YYYY-MM-DD`);
    try {
      dayNumber(expiryText);
    } catch (e) {
      throw new RowError(`expiry: ${(e as Error).message}`);
    }
    expiry = expiryText;
  }
  const derivative = instrumentType !== 'EQ';
  if (derivative && expiry === null) throw new RowError(`${instrumentType} without an expiry`);
  if ((instrumentType === 'CE' || instrumentType === 'PE') && strikePaise <= 0) throw new RowError(`${instrumentType} with strike ${get('strike')}`);
  return Object.freeze({
    instrumentToken,
    exchangeToken,
    tradingsymbol,
    name: get('name').trim(),
    lastPricePaise,
    expiry,
    expiryCloseMs: expiry === null ? null : istTime(expiry, '15:30'),
    strikePaise,
    tickSizePaise,
    lotSize,
    instrumentType,
    segment,
    exchange,
    key: `${exchange}:${tradingsymbol}`,
  });
}

/**
 * Parses the text of a Kite instruments CSV. `file` names the source in every error. Bad rows are
 * returned in badRows (never silently dropped); duplicated keys or tokens are bad rows too (the
 * first occurrence wins). Throws InstrumentsFileError if the file as a whole cannot be read.
 */
export function parseInstrumentsCsv(text: string, file = '<instruments.csv>'): InstrumentParseResult {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new InstrumentsFileError(file, err.lines, `CSV syntax error: ${err.message}`);
  }
  const header = records[0];
  if (!header) throw new InstrumentsFileError(file, 1, 'empty file (no header)');
  const col = {} as Record<Column, number>;
  const missing: string[] = [];
  for (const c of INSTRUMENT_COLUMNS) {
    const i = header.record.indexOf(c);
    if (i < 0) missing.push(c);
    col[c] = i;
  }
  if (missing.length) throw new InstrumentsFileError(file, header.info.lines, `header lacks column(s) ${missing.join(', ')}`);
  const width = header.record.length;

  const instruments: KiteInstrument[] = [];
  const badRows: InstrumentRowError[] = [];
  const keys = new Set<string>();
  const tokens = new Set<number>();
  for (let r = 1; r < records.length; r++) {
    const { record, info } = records[r]!;
    const line = info.lines;
    if (record.length !== width) {
      badRows.push({ file, line, reason: `expected ${width} fields, found ${record.length}` });
      continue;
    }
    try {
      const inst = parseRow(record, col);
      if (keys.has(inst.key)) throw new RowError(`duplicate ${inst.key}`);
      if (tokens.has(inst.instrumentToken)) throw new RowError(`duplicate instrument_token ${inst.instrumentToken}`);
      keys.add(inst.key);
      tokens.add(inst.instrumentToken);
      instruments.push(inst);
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      badRows.push({ file, line, reason: e.message });
    }
  }
  return { instruments, rowsRead: records.length - 1, badRows };
}

/** Reads and parses a Kite instruments CSV file (see parseInstrumentsCsv). */
export function loadInstrumentsCsvFile(path: string): InstrumentParseResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InstrumentsFileError(path, undefined, `cannot read: ${(e as Error).message}`);
  }
  return parseInstrumentsCsv(text, path);
}

/** A one-paragraph summary of bad rows for logs: count and the first few with file:line. */
export function formatBadRows(result: Pick<InstrumentParseResult, 'badRows' | 'rowsRead'>, max = 5): string {
  if (result.badRows.length === 0) return `${result.rowsRead} rows, none rejected`;
  const head = result.badRows.slice(0, max).map((b) => `  ${b.file}:${b.line}: ${b.reason}`);
  const more = result.badRows.length > max ? [`  … and ${result.badRows.length - max} more`] : [];
  return [`${result.badRows.length} of ${result.rowsRead} rows rejected:`, ...head, ...more].join('\n');
}

/**
 * The contract-level Instrument (what the renderer sees) for an NSE cash equity, or null for
 * anything the contract cannot describe yet (indices, derivatives, other exchanges, odd symbols).
 */
export function toContractInstrument(inst: KiteInstrument): Instrument | null {
  if (inst.exchange !== 'NSE' || inst.segment !== 'NSE' || inst.instrumentType !== 'EQ') return null;
  if (!symbolSchema.safeParse(inst.tradingsymbol).success || inst.tickSizePaise <= 0 || inst.lotSize <= 0) return null;
  return { symbol: inst.tradingsymbol, name: inst.name, exchange: 'NSE', tickSizePaise: inst.tickSizePaise, lotSize: inst.lotSize };
}

export interface SearchOptions {
  /** Maximum hits (default 20). */
  limit?: number;
  exchanges?: readonly string[];
  types?: readonly InstrumentType[];
}

export interface SearchHit {
  readonly instrument: KiteInstrument;
  /** 0 exact symbol, 1 symbol prefix, 2 name prefix, 3 symbol substring, 4 name word prefix, 5 name substring, 6 all words somewhere. */
  readonly rank: number;
}

const TYPE_ORDER: Record<InstrumentType, number> = { EQ: 0, FUT: 1, CE: 2, PE: 2 };

/**
 * An immutable set of instruments (one or several dumps) with lookups by token and key, fuzzy
 * search, and the derivative structure (futures and option chains by underlying) that
 * model/fno-resolver.ts uses.
 */
export class InstrumentMaster {
  readonly instruments: readonly KiteInstrument[];
  private readonly tokenIndex = new Map<number, KiteInstrument>();
  private readonly keyIndex = new Map<string, KiteInstrument>();
  /** Search index: see buildSearchIndex(). */
  private readonly idx: SearchIndex;
  private readonly derivs = new Map<string, KiteInstrument[]>();

  constructor(instruments: readonly KiteInstrument[]) {
    const list: KiteInstrument[] = [];
    for (const inst of instruments) {
      // Later dumps do not override earlier ones silently: the first key wins, as in parsing.
      if (this.keyIndex.has(inst.key)) continue;
      this.keyIndex.set(inst.key, inst);
      if (!this.tokenIndex.has(inst.instrumentToken)) this.tokenIndex.set(inst.instrumentToken, inst);
      list.push(inst);
      if (inst.instrumentType !== 'EQ' && inst.name) {
        const u = inst.name.toUpperCase();
        let arr = this.derivs.get(u);
        if (!arr) this.derivs.set(u, (arr = []));
        arr.push(inst);
      }
    }
    this.instruments = Object.freeze(list);
    for (const arr of this.derivs.values()) arr.sort(byExpiryThenStrike);
    this.idx = buildSearchIndex(list);
  }

  /** Parses several files into one master; throws if any file has bad rows unless `allowBadRows`. */
  static fromFiles(paths: readonly string[], opts: { allowBadRows?: boolean } = {}): { master: InstrumentMaster; results: InstrumentParseResult[] } {
    const results = paths.map((p) => loadInstrumentsCsvFile(p));
    const bad = results.flatMap((r) => r.badRows);
    if (bad.length && !opts.allowBadRows) {
      throw new InstrumentsFileError(bad[0]!.file, bad[0]!.line, `${bad.length} bad row(s); first: ${bad[0]!.reason}`);
    }
    return { master: new InstrumentMaster(results.flatMap((r) => r.instruments)), results };
  }

  get size(): number {
    return this.instruments.length;
  }

  byToken(token: number): KiteInstrument | undefined {
    return this.tokenIndex.get(token);
  }

  /** By `EXCHANGE:TRADINGSYMBOL` (case-insensitive), e.g. `NSE:RELIANCE`. */
  byKey(key: string): KiteInstrument | undefined {
    return this.keyIndex.get(key) ?? this.keyIndex.get(key.toUpperCase());
  }

  get(exchange: string, tradingsymbol: string): KiteInstrument | undefined {
    return this.byKey(`${exchange}:${tradingsymbol}`);
  }

  /** Underlyings that have derivatives (the `name` of FUT/CE/PE rows), sorted. */
  underlyings(): string[] {
    return [...this.derivs.keys()].sort();
  }

  /** All derivatives of an underlying, sorted by expiry, then strike. */
  derivativesOf(underlying: string): readonly KiteInstrument[] {
    return this.derivs.get(underlying.toUpperCase()) ?? [];
  }

  /** Futures of an underlying, nearest expiry first. */
  futures(underlying: string): KiteInstrument[] {
    return this.derivativesOf(underlying).filter((i) => i.instrumentType === 'FUT');
  }

  /** Distinct option expiries of an underlying, ascending. */
  optionExpiries(underlying: string): IsoDay[] {
    const set = new Set<IsoDay>();
    for (const i of this.derivativesOf(underlying)) if (i.instrumentType !== 'FUT' && i.expiry) set.add(i.expiry);
    return [...set].sort();
  }

  /** Options of one underlying, expiry and right, ascending by strike. */
  optionChain(underlying: string, expiry: IsoDay, right: 'CE' | 'PE'): KiteInstrument[] {
    return this.derivativesOf(underlying).filter((i) => i.instrumentType === right && i.expiry === expiry);
  }

  /**
   * Fuzzy search for the UI. Matches, best first: exact symbol, symbol prefix, name prefix, symbol
   * substring, name word prefix, name substring, then every query word somewhere in symbol or name.
   * Within a rank: equities/indices, futures, options; shorter symbols; nearer expiries; lower strikes.
   * Prefixes come from sorted indexes; substrings from one native indexOf scan over all the text,
   * done only when the prefix ranks leave room (≈1 ms on the 43k-row NSE+NFO dumps).
   */
  search(query: string, opts: SearchOptions = {}): SearchHit[] {
    const q = query.trim().toUpperCase().replace(/\s+/g, ' ');
    const limit = opts.limit ?? 20;
    if (!q || limit <= 0) return [];
    const { rows, symSorted, nameSorted, hay, starts } = this.idx;
    const exchanges = opts.exchanges ? new Set(opts.exchanges.map((e) => e.toUpperCase())) : null;
    const types = opts.types ? new Set(opts.types) : null;
    const accept = (r: number): boolean => {
      const inst = rows[r]!.inst;
      return (!exchanges || exchanges.has(inst.exchange)) && (!types || types.has(inst.instrumentType));
    };
    const hits: SearchHit[] = [];
    const taken = new Set<number>();
    /** Appends the best of one rank's candidate rows (row order = tie-break order); true when full. */
    const fill = (candidates: Iterable<number>, rank: number): boolean => {
      const fresh: number[] = [];
      for (const r of candidates) if (!taken.has(r) && accept(r)) fresh.push(r);
      const best = Int32Array.from(fresh).sort();
      for (let i = 0; i < best.length && hits.length < limit; i++) {
        taken.add(best[i]!);
        hits.push({ instrument: rows[best[i]!]!.inst, rank });
      }
      return hits.length >= limit;
    };
    // Ranks 0–2 from the sorted prefix indexes.
    const symPrefix = [...prefixRange(symSorted, rows, 'sym', q)];
    if (fill(symPrefix.filter((r) => rows[r]!.sym === q), 0)) return hits;
    if (fill(symPrefix, 1)) return hits;
    if (fill(prefixRange(nameSorted, rows, 'name', q), 2)) return hits;
    // Ranks 3–5: every row whose text contains q, found by one scan of the joined text.
    const bySubstring: number[][] = [[], [], []];
    for (let p = hay.indexOf(q); p >= 0; ) {
      const r = rowAt(starts, p);
      const row = rows[r]!;
      bySubstring[p + q.length <= starts[r]! + row.sym.length ? 0 : row.name.includes(' ' + q) ? 1 : 2]!.push(r);
      p = hay.indexOf(q, starts[r + 1]!);
    }
    if (fill(bySubstring[0]!, 3) || fill(bySubstring[1]!, 4) || fill(bySubstring[2]!, 5)) return hits;
    // Rank 6: several words, each somewhere in the symbol or the name. Scan for the rarest word.
    const words = q.split(' ');
    if (words.length > 1) {
      const rarest = words.map((w) => ({ w, n: countUpTo(hay, w, 2000) })).reduce((x, y) => (y.n < x.n ? y : x)).w;
      const multi: number[] = [];
      for (let p = hay.indexOf(rarest); p >= 0; ) {
        const r = rowAt(starts, p);
        const { sym, name } = rows[r]!;
        if (words.every((w) => sym.includes(w) || name.includes(w))) multi.push(r);
        p = hay.indexOf(rarest, starts[r + 1]!);
      }
      fill(multi, 6);
    }
    return hits;
  }
}

function countUpTo(hay: string, w: string, cap: number): number {
  let n = 0;
  for (let p = hay.indexOf(w); p >= 0 && n < cap; p = hay.indexOf(w, p + 1)) n++;
  return n;
}

interface SearchRow {
  inst: KiteInstrument;
  sym: string;
  name: string;
}

interface SearchIndex {
  /** Instruments in tie-break order: type (EQ/indices, FUT, options), symbol length, expiry, strike, symbol. */
  rows: readonly SearchRow[];
  /** Row numbers sorted by symbol / by name, for prefix ranges. */
  symSorted: Int32Array;
  nameSorted: Int32Array;
  /** `SYM\tNAME\n` of every row, in row order, and where each row starts (plus a final sentinel). */
  hay: string;
  starts: Int32Array;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function buildSearchIndex(list: readonly KiteInstrument[]): SearchIndex {
  const rows = list
    .map((inst) => ({ inst, sym: inst.tradingsymbol.toUpperCase(), name: inst.name.toUpperCase().replace(/\s+/g, ' ') }))
    .sort(
      (a, b) =>
        TYPE_ORDER[a.inst.instrumentType] - TYPE_ORDER[b.inst.instrumentType] ||
        a.sym.length - b.sym.length ||
        cmp(a.inst.expiry ?? '', b.inst.expiry ?? '') ||
        a.inst.strikePaise - b.inst.strikePaise ||
        cmp(a.sym, b.sym),
    );
  const symSorted = Int32Array.from(rows.keys()).sort((a, b) => cmp(rows[a]!.sym, rows[b]!.sym));
  const nameSorted = Int32Array.from(rows.keys()).sort((a, b) => cmp(rows[a]!.name, rows[b]!.name));
  const starts = new Int32Array(rows.length + 1);
  const parts: string[] = [];
  let at = 0;
  rows.forEach((r, i) => {
    starts[i] = at;
    const text = `${r.sym}\t${r.name}\n`;
    parts.push(text);
    at += text.length;
  });
  starts[rows.length] = at;
  return { rows: Object.freeze(rows), symSorted, nameSorted, hay: parts.join(''), starts };
}

/** The rows whose `field` starts with q, from an index sorted by that field. */
function* prefixRange(sorted: Int32Array, rows: readonly SearchRow[], field: 'sym' | 'name', q: string): Generator<number> {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[sorted[mid]!]![field] < q) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < sorted.length && rows[sorted[i]!]![field].startsWith(q); i++) yield sorted[i]!;
}

/** The row whose text contains offset p. */
function rowAt(starts: Int32Array, p: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= p) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function byExpiryThenStrike(a: KiteInstrument, b: KiteInstrument): number {
  return (a.expiry ?? '').localeCompare(b.expiry ?? '') || a.strikePaise - b.strikePaise || a.tradingsymbol.localeCompare(b.tradingsymbol);
}
