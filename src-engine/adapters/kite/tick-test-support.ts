/**
 * Test-only helpers for the tick codec tests (not imported by production code): locating the shared mock
 * packets, framing a bare packet, a fast deterministic PRNG, and the mapping from our raw ticks to the
 * official JS client's tick objects.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type KiteTick, divisorOf } from './tick-codec.js';

/** Repo root (…/src-engine/adapters/kite → …). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
/** The shared folder next to the repo (`../shared` from the root); may be absent. */
export const SHARED_DIR = resolve(REPO_ROOT, '../shared');
export const MOCKS_DIR = resolve(SHARED_DIR, 'kite-mocks');

/** A mock `.packet` file: base64 text of one bare packet. */
export function readMockPacket(name: 'ticker_quote.packet' | 'ticker_full.packet'): Uint8Array {
  return new Uint8Array(Buffer.from(readFileSync(resolve(MOCKS_DIR, name), 'utf8').trim(), 'base64'));
}

/** Wraps bare packets as one frame `[u16 N]([u16 len][packet])*`. */
export function frameOf(...packets: Uint8Array[]): Uint8Array {
  const total = 2 + packets.reduce((s, p) => s + 2 + p.length, 0);
  const b = new Uint8Array(total);
  b[0] = packets.length >>> 8;
  b[1] = packets.length & 0xff;
  let j = 2;
  for (const p of packets) {
    b[j] = p.length >>> 8;
    b[j + 1] = p.length & 0xff;
    b.set(p, j + 2);
    j += 2 + p.length;
  }
  return b;
}

/** A standalone ArrayBuffer holding exactly the bytes of `u8` (what the JS client's parseBinary gets). */
export function arrayBufferOf(u8: Uint8Array): ArrayBuffer {
  const ab = new ArrayBuffer(u8.length);
  new Uint8Array(ab).set(u8);
  return ab;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Ohlc = { open: number; high: number; low: number; close: number };
/** The shape of the official JS client's tick (kiteconnect 5.3.0 ticker.js `parseBinary`). */
export interface JsTick {
  tradable: boolean;
  mode: string;
  instrument_token: number;
  last_price: number;
  last_traded_quantity?: number;
  average_traded_price?: number;
  volume_traded?: number;
  total_buy_quantity?: number;
  total_sell_quantity?: number;
  ohlc?: Ohlc;
  change?: number;
  last_trade_time?: Date | null;
  exchange_timestamp?: Date | null;
  oi?: number;
  oi_day_high?: number;
  oi_day_low?: number;
  depth?: { buy: { quantity: number; price: number; orders: number }[]; sell: { quantity: number; price: number; orders: number }[] };
}

const date = (s: number | undefined): Date | null => (s ? new Date(s * 1000) : null);

/**
 * What the official JS client would report for one of our ticks, built independently of its code from
 * kite-protocol.md §1.5–1.8: prices ÷ divisor, JS names, `change` = percent vs close when close ≠ 0 (else the
 * raw index field, or 0 for tradables), times as Date or null. Key order follows the JS client's.
 */
export function toJsTick(t: KiteTick): JsTick {
  const div = divisorOf(t.token);
  const last_price = t.lastPrice / div;
  const base = { tradable: t.tradable, mode: t.mode, instrument_token: t.token, last_price };
  if (t.mode === 'ltp') return base;
  const ohlc = { open: t.open! / div, high: t.high! / div, low: t.low! / div, close: t.close! / div };
  const pct = (fallback: number) => (ohlc.close !== 0 ? ((last_price - ohlc.close) * 100) / ohlc.close : fallback);
  if (!t.tradable) {
    const js: JsTick = { ...base, ohlc, change: pct(t.netChange!) };
    if (t.mode === 'full') js.exchange_timestamp = date(t.exchangeTime);
    return js;
  }
  const js: JsTick = {
    ...base,
    last_traded_quantity: t.lastQty!,
    average_traded_price: t.avgPrice! / div,
    volume_traded: t.volume!,
    total_buy_quantity: t.buyQty!,
    total_sell_quantity: t.sellQty!,
    ohlc,
    change: pct(0),
  };
  if (t.mode === 'full') {
    js.last_trade_time = date(t.lastTradeTime);
    js.exchange_timestamp = date(t.exchangeTime);
    js.oi = t.oi!;
    js.oi_day_high = t.oiDayHigh!;
    js.oi_day_low = t.oiDayLow!;
    const lv = (l: { quantity: number; price: number; orders: number }) => ({ quantity: l.quantity, price: l.price / div, orders: l.orders });
    js.depth = { buy: t.depth!.buy.map(lv), sell: t.depth!.sell.map(lv) };
  }
  return js;
}
