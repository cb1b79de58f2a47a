/**
 * Kite Connect v3 WebSocket binary tick codec (shared/docs/kite-protocol.md §1.3–1.8).
 *
 * - `decodeFrame` is the production decoder: it fills a reusable columnar {@link TickBatch} with no
 *   per-field or per-packet allocation, never throws, and reads every 4-byte field as **unsigned**
 *   32-bit (the official JS client's `buf2long` turns values ≥ 2^31 negative; Python and Go read
 *   unsigned). The only signed field is the index packet's "price change" (bytes 24–28), read as int32.
 * - `encodePacket` / `encodeFrame` / `HEARTBEAT` are for the Kite simulator.
 *
 * Frame: `[uint16 N]` then N × `[uint16 len][len bytes]`, all big-endian. The packet layout is picked by
 * `len` alone: 8 (ltp), 28 (index quote), 32 (index full), 44 (quote), 184 (full).
 *
 * Prices stay RAW integers in the segment's unit (divide by {@link SEGMENT_DIVISOR} to get rupees);
 * times are Unix seconds (0 = absent).
 */

export type KiteMode = 'ltp' | 'quote' | 'full';

/** Segment id (token & 0xff) of index instruments: their packets are 8/28/32 B and `tradable:false`. */
export const SEGMENT_INDICES = 9;

/** Price divisor per segment id (1..9). Segments not listed here divide by 100, as all the official clients do. */
export const SEGMENT_DIVISOR: Readonly<Record<number, number>> = Object.freeze({
  1: 100, // NSE
  2: 100, // NFO
  3: 10_000_000, // CDS
  4: 100, // BSE
  5: 100, // BFO
  6: 10_000, // BCD
  7: 100, // MCX
  8: 100, // MCX-SX
  9: 100, // Indices
});

/** Segment id of an instrument token (`token & 0xff`). */
export function segmentOf(token: number): number {
  return token & 0xff;
}

/** Divisor for a token's segment; 100 for segments not in {@link SEGMENT_DIVISOR}. */
export function divisorOf(token: number): number {
  return SEGMENT_DIVISOR[token & 0xff] ?? 100;
}

export interface KiteDepthLevel {
  quantity: number;
  /** Raw int in the segment's unit. */
  price: number;
  orders: number;
}

/** Object form of one packet. Prices are RAW integers in the segment's unit (paise for NSE/NFO/BSE…, 1e-7 ₹ for CDS): never floats. Times are Unix SECONDS. */
export interface KiteTick {
  token: number;
  mode: KiteMode;
  tradable: boolean;
  lastPrice: number;
  lastQty?: number;
  avgPrice?: number;
  volume?: number;
  buyQty?: number;
  sellQty?: number;
  open?: number;
  high?: number;
  low?: number;
  close?: number;
  /** index packets only: the raw int32 "price change" field at bytes 24–28 */
  netChange?: number;
  lastTradeTime?: number;
  oi?: number;
  oiDayHigh?: number;
  oiDayLow?: number;
  exchangeTime?: number;
  depth?: { buy: KiteDepthLevel[]; sell: KiteDepthLevel[] };
}

// ---------------------------------------------------------------------------------------------------
// Packet kinds (the TickBatch `kind` column). The kind fixes mode, tradable and which columns are meaningful.

/** 8 B ltp packet of a tradable token (segment ≠ 9). Columns: token, lastPrice. */
export const KIND_LTP = 0;
/** 8 B ltp packet of an index token (segment 9). Columns: token, lastPrice. */
export const KIND_INDEX_LTP = 1;
/** 28 B index quote. Columns: token, lastPrice, high, low, open, close, netChange. */
export const KIND_INDEX_QUOTE = 2;
/** 32 B index full: KIND_INDEX_QUOTE + exchangeTime. */
export const KIND_INDEX_FULL = 3;
/** 44 B quote. Columns: token, lastPrice, lastQty, avgPrice, volume, buyQty, sellQty, open, high, low, close. */
export const KIND_QUOTE = 4;
/** 184 B full: KIND_QUOTE + lastTradeTime, oi, oiDayHigh, oiDayLow, exchangeTime, depth. */
export const KIND_FULL = 5;

export const KIND_MODE: readonly KiteMode[] = Object.freeze(['ltp', 'ltp', 'quote', 'full', 'quote', 'full'] as const);
export const KIND_TRADABLE: readonly boolean[] = Object.freeze([true, false, false, false, true, true]);
/** Packet length of each kind. */
export const KIND_SIZE: readonly number[] = Object.freeze([8, 8, 28, 32, 44, 184]);

/** Depth column layout: `depth[i * DEPTH_STRIDE + side * 15 + level * 3 + field]`, side 0 = buy, 1 = sell, level 0..4, field 0 = quantity, 1 = price, 2 = orders. */
export const DEPTH_LEVELS = 5;
export const DEPTH_STRIDE = 2 * DEPTH_LEVELS * 3;

/** Exactly one byte, as Kite sends when it has nothing else to send (§1.4). */
export const HEARTBEAT: Uint8Array = new Uint8Array(1);

// ---------------------------------------------------------------------------------------------------
// TickBatch

/**
 * Reusable columnar buffer that {@link decodeFrame} fills; rows 0..count-1 are valid.
 *
 * Columns (all `Uint32Array` unless noted; a column a packet kind does not carry is 0 in that row):
 * `token`, `kind` (Uint8Array, one of the KIND_* constants), `lastPrice`, `lastQty`, `avgPrice`, `volume`,
 * `buyQty`, `sellQty`, `open`, `high`, `low`, `close`, `netChange` (**Int32Array**; index quote/full only),
 * `lastTradeTime`, `oi`, `oiDayHigh`, `oiDayLow`, `exchangeTime`, and `depth` (Uint32Array of
 * `count * DEPTH_STRIDE`; see {@link DEPTH_STRIDE}).
 *
 * The arrays are replaced when the batch grows, so re-read `batch.<column>` after each decode rather
 * than keeping a reference across decodes.
 */
export class TickBatch {
  count = 0;
  token!: Uint32Array;
  kind!: Uint8Array;
  lastPrice!: Uint32Array;
  lastQty!: Uint32Array;
  avgPrice!: Uint32Array;
  volume!: Uint32Array;
  buyQty!: Uint32Array;
  sellQty!: Uint32Array;
  open!: Uint32Array;
  high!: Uint32Array;
  low!: Uint32Array;
  close!: Uint32Array;
  netChange!: Int32Array;
  lastTradeTime!: Uint32Array;
  oi!: Uint32Array;
  oiDayHigh!: Uint32Array;
  oiDayLow!: Uint32Array;
  exchangeTime!: Uint32Array;
  depth!: Uint32Array;
  private cap = 0;

  constructor(capacity = 64) {
    this.alloc(Math.max(1, Math.floor(capacity)));
  }

  /** Rows the batch can hold before it grows. */
  get capacity(): number {
    return this.cap;
  }

  /** Makes room for at least `n` rows, keeping rows 0..count-1. */
  ensureCapacity(n: number): void {
    if (n > this.cap) this.alloc(Math.max(n, this.cap * 2));
  }

  clear(): void {
    this.count = 0;
  }

  private alloc(cap: number): void {
    const old = this.cap > 0 ? this : undefined;
    const u32 = (prev: Uint32Array | undefined, per = 1) => {
      const a = new Uint32Array(cap * per);
      if (prev) a.set(prev.subarray(0, this.count * per));
      return a;
    };
    this.token = u32(old?.token);
    this.kind = new Uint8Array(cap);
    if (old) this.kind.set(old.kind.subarray(0, this.count));
    this.lastPrice = u32(old?.lastPrice);
    this.lastQty = u32(old?.lastQty);
    this.avgPrice = u32(old?.avgPrice);
    this.volume = u32(old?.volume);
    this.buyQty = u32(old?.buyQty);
    this.sellQty = u32(old?.sellQty);
    this.open = u32(old?.open);
    this.high = u32(old?.high);
    this.low = u32(old?.low);
    this.close = u32(old?.close);
    const nc = new Int32Array(cap);
    if (old) nc.set(old.netChange.subarray(0, this.count));
    this.netChange = nc;
    this.lastTradeTime = u32(old?.lastTradeTime);
    this.oi = u32(old?.oi);
    this.oiDayHigh = u32(old?.oiDayHigh);
    this.oiDayLow = u32(old?.oiDayLow);
    this.exchangeTime = u32(old?.exchangeTime);
    this.depth = u32(old?.depth, DEPTH_STRIDE);
    this.cap = cap;
  }

  /** Object view of row `i` (slow path: allocates). */
  tickAt(i: number): KiteTick {
    const kind = this.kind[i]!;
    const t: KiteTick = { token: this.token[i]!, mode: KIND_MODE[kind]!, tradable: KIND_TRADABLE[kind]!, lastPrice: this.lastPrice[i]! };
    if (kind === KIND_INDEX_QUOTE || kind === KIND_INDEX_FULL) {
      t.open = this.open[i]!;
      t.high = this.high[i]!;
      t.low = this.low[i]!;
      t.close = this.close[i]!;
      t.netChange = this.netChange[i]!;
      if (kind === KIND_INDEX_FULL) t.exchangeTime = this.exchangeTime[i]!;
    } else if (kind === KIND_QUOTE || kind === KIND_FULL) {
      t.lastQty = this.lastQty[i]!;
      t.avgPrice = this.avgPrice[i]!;
      t.volume = this.volume[i]!;
      t.buyQty = this.buyQty[i]!;
      t.sellQty = this.sellQty[i]!;
      t.open = this.open[i]!;
      t.high = this.high[i]!;
      t.low = this.low[i]!;
      t.close = this.close[i]!;
      if (kind === KIND_FULL) {
        t.lastTradeTime = this.lastTradeTime[i]!;
        t.oi = this.oi[i]!;
        t.oiDayHigh = this.oiDayHigh[i]!;
        t.oiDayLow = this.oiDayLow[i]!;
        t.exchangeTime = this.exchangeTime[i]!;
        const d = this.depth;
        const level = (o: number): KiteDepthLevel => ({ quantity: d[o]!, price: d[o + 1]!, orders: d[o + 2]! });
        const base = i * DEPTH_STRIDE;
        const buy: KiteDepthLevel[] = [];
        const sell: KiteDepthLevel[] = [];
        for (let l = 0; l < DEPTH_LEVELS; l++) {
          buy.push(level(base + l * 3));
          sell.push(level(base + 15 + l * 3));
        }
        t.depth = { buy, sell };
      }
    }
    return t;
  }

  /** Object view of rows 0..count-1, for tests and slow paths. */
  toTicks(): KiteTick[] {
    const out: KiteTick[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.tickAt(i));
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------
// Decoder

export interface DecodeResult {
  /** Packets decoded into the batch by this call. */
  packets: number;
  /** Packets announced by the frame header but not decoded: unknown lengths, plus every packet from a truncation on. `packets + skipped` = N. */
  skipped: number;
  /** The frame was a heartbeat (shorter than 2 bytes). */
  heartbeat: boolean;
  /** First problem found (what and where); absent when the frame was clean. */
  error?: string;
}

/**
 * Decodes one binary WebSocket message into `out` (rows 0..packets-1; `out.count` is reset first unless
 * `append` is true, in which case rows are added after the existing ones).
 *
 * Never throws. Rules: < 2 bytes → heartbeat; a packet whose length is not 8/28/32/44/184 is skipped and
 * counted; a truncated length header or packet stops the frame (`error` set, decoded rows kept, the rest
 * counted as skipped); bytes after the N-th packet are ignored but reported in `error`.
 *
 * Differences from the official JS parser (kiteconnect 5.3.0 `parseBinary`):
 * - all 4-byte fields except the index "price change" are read unsigned, so values ≥ 2^31 stay positive
 *   (JS: negative — prices, volumes, quantities, OI, timestamps and the token itself);
 * - the depth `orders` field is read as uint16 (same as JS);
 * - tradable is decided by packet length for 28/32 (false) and 44/184 (true), by segment for 8-byte packets
 *   (JS: by segment always; the two agree for every packet Kite sends);
 * - a truncated packet is not decoded (JS slices past the end and drops the short packet, or reads garbage
 *   lengths as 0).
 *
 * Allocation: one DataView and the result object per frame; nothing per packet or per field.
 */
export function decodeFrame(frame: Uint8Array, out: TickBatch, append = false): DecodeResult {
  if (!append) out.count = 0;
  const len = frame.length;
  if (len < 2) return { packets: 0, skipped: 0, heartbeat: true };
  const dv = new DataView(frame.buffer, frame.byteOffset, len);
  const n = dv.getUint16(0);
  // The most packets that can fit: 10 bytes each at least (2-byte header + 8-byte ltp packet).
  const fit = Math.floor((len - 2) / 10);
  out.ensureCapacity(out.count + (n < fit ? n : fit));
  let packets = 0;
  let skipped = 0;
  let error: string | undefined;
  let j = 2;
  let row = out.count;
  for (let k = 0; k < n; k++) {
    if (j + 2 > len) {
      error = `packet ${k + 1} of ${n}: length header truncated at byte ${j} of ${len}`;
      skipped += n - k;
      break;
    }
    const size = dv.getUint16(j);
    const p = j + 2;
    if (p + size > len) {
      error = `packet ${k + 1} of ${n}: length ${size} at byte ${j} runs past the end of the ${len}-byte frame`;
      skipped += n - k;
      break;
    }
    j = p + size;
    if (size === 184) {
      readQuote(dv, p, out, row, KIND_FULL);
      readFullTail(dv, p, out, row);
    } else if (size === 44) {
      readQuote(dv, p, out, row, KIND_QUOTE);
      clearFullTail(out, row);
    } else if (size === 8) {
      const token = dv.getUint32(p);
      out.token[row] = token;
      out.kind[row] = (token & 0xff) === SEGMENT_INDICES ? KIND_INDEX_LTP : KIND_LTP;
      out.lastPrice[row] = dv.getUint32(p + 4);
      out.lastQty[row] = 0;
      out.avgPrice[row] = 0;
      out.volume[row] = 0;
      out.buyQty[row] = 0;
      out.sellQty[row] = 0;
      out.open[row] = 0;
      out.high[row] = 0;
      out.low[row] = 0;
      out.close[row] = 0;
      out.netChange[row] = 0;
      clearFullTail(out, row);
    } else if (size === 28 || size === 32) {
      out.token[row] = dv.getUint32(p);
      out.lastPrice[row] = dv.getUint32(p + 4);
      out.high[row] = dv.getUint32(p + 8);
      out.low[row] = dv.getUint32(p + 12);
      out.open[row] = dv.getUint32(p + 16);
      out.close[row] = dv.getUint32(p + 20);
      out.netChange[row] = dv.getInt32(p + 24);
      out.lastQty[row] = 0;
      out.avgPrice[row] = 0;
      out.volume[row] = 0;
      out.buyQty[row] = 0;
      out.sellQty[row] = 0;
      clearFullTail(out, row);
      if (size === 32) {
        out.kind[row] = KIND_INDEX_FULL;
        out.exchangeTime[row] = dv.getUint32(p + 28);
      } else {
        out.kind[row] = KIND_INDEX_QUOTE;
      }
    } else {
      if (error === undefined) error = `packet ${k + 1} of ${n}: length ${size} is not a known packet size`;
      skipped++;
      continue;
    }
    row++;
    packets++;
  }
  if (error === undefined && j < len && packets + skipped === n) {
    error = `${len - j} trailing bytes after packet ${n} of ${n}`;
  }
  out.count = row;
  return error === undefined ? { packets, skipped, heartbeat: false } : { packets, skipped, heartbeat: false, error };
}

function readQuote(dv: DataView, p: number, out: TickBatch, row: number, kind: number): void {
  out.token[row] = dv.getUint32(p);
  out.kind[row] = kind;
  out.lastPrice[row] = dv.getUint32(p + 4);
  out.lastQty[row] = dv.getUint32(p + 8);
  out.avgPrice[row] = dv.getUint32(p + 12);
  out.volume[row] = dv.getUint32(p + 16);
  out.buyQty[row] = dv.getUint32(p + 20);
  out.sellQty[row] = dv.getUint32(p + 24);
  out.open[row] = dv.getUint32(p + 28);
  out.high[row] = dv.getUint32(p + 32);
  out.low[row] = dv.getUint32(p + 36);
  out.close[row] = dv.getUint32(p + 40);
  out.netChange[row] = 0;
}

function readFullTail(dv: DataView, p: number, out: TickBatch, row: number): void {
  out.lastTradeTime[row] = dv.getUint32(p + 44);
  out.oi[row] = dv.getUint32(p + 48);
  out.oiDayHigh[row] = dv.getUint32(p + 52);
  out.oiDayLow[row] = dv.getUint32(p + 56);
  out.exchangeTime[row] = dv.getUint32(p + 60);
  const d = out.depth;
  let o = row * DEPTH_STRIDE;
  // 10 entries × 12 B: int32 quantity, int32 price, int16 orders (read unsigned, as JS does), 2 bytes padding.
  for (let s = p + 64, end = p + 184; s < end; s += 12) {
    d[o] = dv.getUint32(s);
    d[o + 1] = dv.getUint32(s + 4);
    d[o + 2] = dv.getUint16(s + 8);
    o += 3;
  }
}

function clearFullTail(out: TickBatch, row: number): void {
  out.lastTradeTime[row] = 0;
  out.oi[row] = 0;
  out.oiDayHigh[row] = 0;
  out.oiDayLow[row] = 0;
  out.exchangeTime[row] = 0;
  out.depth.fill(0, row * DEPTH_STRIDE, (row + 1) * DEPTH_STRIDE);
}

// ---------------------------------------------------------------------------------------------------
// Encoder (simulator side)

/** Packet length for a tick: by mode, and by tradable for quote/full (index packets are 28/32 B). */
export function packetSize(t: KiteTick): number {
  if (t.mode === 'ltp') return 8;
  if (t.mode === 'quote') return t.tradable ? 44 : 28;
  if (t.mode === 'full') return t.tradable ? 184 : 32;
  throw new RangeError(`encodePacket: unknown mode ${String(t.mode)}`);
}

function checkU32(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`encodePacket: ${name} must be an integer in 0..2^32-1, got ${String(v)}`);
  return v;
}

function putU32(b: Uint8Array, o: number, name: string, v: number | undefined): void {
  const x = checkU32(name, v);
  b[o] = x >>> 24;
  b[o + 1] = (x >>> 16) & 0xff;
  b[o + 2] = (x >>> 8) & 0xff;
  b[o + 3] = x & 0xff;
}

function writePacket(b: Uint8Array, p: number, t: KiteTick, size: number): void {
  putU32(b, p, 'token', t.token);
  putU32(b, p + 4, 'lastPrice', t.lastPrice);
  if (size === 8) return;
  if (size === 28 || size === 32) {
    putU32(b, p + 8, 'high', t.high);
    putU32(b, p + 12, 'low', t.low);
    putU32(b, p + 16, 'open', t.open);
    putU32(b, p + 20, 'close', t.close);
    const c = t.netChange ?? 0;
    if (!Number.isInteger(c) || c < -0x80000000 || c > 0x7fffffff) throw new RangeError(`encodePacket: netChange must be an int32, got ${String(c)}`);
    putU32(b, p + 24, 'netChange', c >>> 0);
    if (size === 32) putU32(b, p + 28, 'exchangeTime', t.exchangeTime);
    return;
  }
  putU32(b, p + 8, 'lastQty', t.lastQty);
  putU32(b, p + 12, 'avgPrice', t.avgPrice);
  putU32(b, p + 16, 'volume', t.volume);
  putU32(b, p + 20, 'buyQty', t.buyQty);
  putU32(b, p + 24, 'sellQty', t.sellQty);
  putU32(b, p + 28, 'open', t.open);
  putU32(b, p + 32, 'high', t.high);
  putU32(b, p + 36, 'low', t.low);
  putU32(b, p + 40, 'close', t.close);
  if (size === 44) return;
  putU32(b, p + 44, 'lastTradeTime', t.lastTradeTime);
  putU32(b, p + 48, 'oi', t.oi);
  putU32(b, p + 52, 'oiDayHigh', t.oiDayHigh);
  putU32(b, p + 56, 'oiDayLow', t.oiDayLow);
  putU32(b, p + 60, 'exchangeTime', t.exchangeTime);
  const side = (levels: readonly KiteDepthLevel[] | undefined, at: number, name: string) => {
    const ls = levels ?? [];
    if (ls.length > DEPTH_LEVELS) throw new RangeError(`encodePacket: depth.${name} has ${ls.length} levels, at most ${DEPTH_LEVELS}`);
    for (let l = 0; l < ls.length; l++) {
      const e = ls[l]!;
      const o = at + l * 12;
      putU32(b, o, `depth.${name}[${l}].quantity`, e.quantity);
      putU32(b, o + 4, `depth.${name}[${l}].price`, e.price);
      if (!Number.isInteger(e.orders) || e.orders < 0 || e.orders > 0xffff) {
        throw new RangeError(`encodePacket: depth.${name}[${l}].orders must be an integer in 0..65535, got ${String(e.orders)}`);
      }
      b[o + 8] = e.orders >>> 8;
      b[o + 9] = e.orders & 0xff;
      // bytes 10–12: padding, left 0
    }
  };
  side(t.depth?.buy, p + 64, 'buy');
  side(t.depth?.sell, p + 124, 'sell');
}

/**
 * Encodes one bare packet (no frame header). Missing optional fields encode as 0; missing depth levels
 * as zero entries. Throws RangeError for values that do not fit the wire (non-integers, negatives,
 * ≥ 2^32, orders > 65535, more than 5 depth levels) — the simulator should never produce those.
 */
export function encodePacket(t: KiteTick): Uint8Array {
  const size = packetSize(t);
  const b = new Uint8Array(size);
  writePacket(b, 0, t, size);
  return b;
}

/** Encodes a frame `[uint16 N]([uint16 len][packet])*`. At most 65535 ticks. */
export function encodeFrame(ticks: readonly KiteTick[]): Uint8Array {
  if (ticks.length > 0xffff) throw new RangeError(`encodeFrame: ${ticks.length} ticks, at most 65535 per frame`);
  let total = 2;
  for (const t of ticks) total += 2 + packetSize(t);
  const b = new Uint8Array(total);
  b[0] = ticks.length >>> 8;
  b[1] = ticks.length & 0xff;
  let j = 2;
  for (const t of ticks) {
    const size = packetSize(t);
    b[j] = size >>> 8;
    b[j + 1] = size & 0xff;
    writePacket(b, j + 2, t, size);
    j += 2 + size;
  }
  return b;
}
