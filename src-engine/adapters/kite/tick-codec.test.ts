import { describe, expect, it } from 'vitest';
import {
  DEPTH_STRIDE,
  HEARTBEAT,
  KIND_FULL,
  KIND_INDEX_FULL,
  KIND_INDEX_LTP,
  KIND_INDEX_QUOTE,
  KIND_LTP,
  KIND_QUOTE,
  type KiteTick,
  SEGMENT_DIVISOR,
  TickBatch,
  decodeFrame,
  divisorOf,
  encodeFrame,
  encodePacket,
  segmentOf,
} from './tick-codec.js';
import { MOCKS_DIR, frameOf, readMockPacket } from './tick-test-support.js';
import { sharedFiles } from '../../../test/support/external-inputs.js';
import { resolve as resolvePath } from 'node:path';

const haveMocks = sharedFiles(import.meta.url, 'kite-mocks', resolvePath(MOCKS_DIR, 'ticker_full.packet'), resolvePath(MOCKS_DIR, 'ticker_quote.packet'));

// Expected values are written out from shared/docs/kite-protocol.md §1.6, not computed by the code under test.
const INFY = 408065;
const tsec = Date.parse('2021-07-05T10:41:27+05:30') / 1000; // = 1625461887

describe.skipIf(!haveMocks)('tick codec: the kiteconnect-mocks packets (kite-protocol.md §1.6)', () => {
  it('ticker_quote.packet (44 B) decodes to INFY 1573.15', () => {
    const pkt = readMockPacket('ticker_quote.packet');
    expect(pkt.length).toBe(44);
    const batch = new TickBatch();
    expect(decodeFrame(frameOf(pkt), batch)).toEqual({ packets: 1, skipped: 0, heartbeat: false });
    expect(batch.toTicks()).toEqual([
      {
        token: INFY,
        mode: 'quote',
        tradable: true,
        lastPrice: 157315,
        lastQty: 1,
        avgPrice: 157033,
        volume: 1175986,
        buyQty: 256511,
        sellQty: 360503,
        open: 156915,
        high: 157500,
        low: 156105,
        close: 156780,
      },
    ]);
    expect(segmentOf(INFY)).toBe(1);
    expect(INFY >> 8).toBe(1594);
  });

  it('ticker_full.packet (184 B) decodes to INFY 1573.7 with 5+5 depth and 10:41:27 IST', () => {
    const pkt = readMockPacket('ticker_full.packet');
    expect(pkt.length).toBe(184);
    const batch = new TickBatch();
    expect(decodeFrame(frameOf(pkt), batch)).toEqual({ packets: 1, skipped: 0, heartbeat: false });
    expect(tsec).toBe(1625461887);
    const lv = (quantity: number, price: number, orders: number) => ({ quantity, price, orders });
    expect(batch.toTicks()).toEqual([
      {
        token: INFY,
        mode: 'full',
        tradable: true,
        lastPrice: 157370,
        lastQty: 7,
        avgPrice: 157037,
        volume: 1192471,
        buyQty: 256443,
        sellQty: 363009,
        open: 156915,
        high: 157500,
        low: 156105,
        close: 156780,
        lastTradeTime: tsec,
        oi: 0,
        oiDayHigh: 0,
        oiDayLow: 0,
        exchangeTime: tsec,
        depth: {
          buy: [lv(5, 157340, 1), lv(140, 157300, 2), lv(2, 157295, 1), lv(219, 157290, 7), lv(50, 157285, 1)],
          sell: [lv(172, 157370, 3), lv(44, 157375, 3), lv(302, 157385, 3), lv(141, 157390, 2), lv(724, 157395, 5)],
        },
      },
    ]);
    // Columns: the same values, straight from the typed arrays.
    expect(batch.kind[0]).toBe(KIND_FULL);
    expect(batch.depth[0 * DEPTH_STRIDE + 15 + 4 * 3 + 0]).toBe(724); // sell level 5 quantity
  });

  it('both mock packets in one frame, and re-encoding each gives back the same bytes', () => {
    const q = readMockPacket('ticker_quote.packet');
    const f = readMockPacket('ticker_full.packet');
    const batch = new TickBatch(1);
    expect(decodeFrame(frameOf(q, f, q), batch)).toEqual({ packets: 3, skipped: 0, heartbeat: false });
    const ticks = batch.toTicks();
    expect(ticks.map((t) => t.lastPrice)).toEqual([157315, 157370, 157315]);
    expect(encodePacket(ticks[0]!)).toEqual(q);
    expect(encodePacket(ticks[1]!)).toEqual(f);
    expect(encodeFrame(ticks)).toEqual(frameOf(q, f, q));
  });
});

describe('tick codec: basics', () => {
  it('segment divisors per kite-protocol.md §1.7; unknown segments divide by 100', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => SEGMENT_DIVISOR[s])).toEqual([100, 100, 1e7, 100, 100, 1e4, 100, 100, 100]);
    expect(divisorOf((1234 << 8) | 3)).toBe(1e7);
    expect(divisorOf((1234 << 8) | 6)).toBe(1e4);
    expect(divisorOf((1234 << 8) | 42)).toBe(100);
    expect(segmentOf(256265)).toBe(9); // NIFTY 50
  });

  it('heartbeat is 1 byte; frames under 2 bytes decode as heartbeats with 0 packets', () => {
    expect(HEARTBEAT.length).toBe(1);
    const batch = new TickBatch();
    batch.count = 3;
    expect(decodeFrame(HEARTBEAT, batch)).toEqual({ packets: 0, skipped: 0, heartbeat: true });
    expect(batch.count).toBe(0);
    expect(decodeFrame(new Uint8Array(0), batch)).toEqual({ packets: 0, skipped: 0, heartbeat: true });
    expect(decodeFrame(new Uint8Array([0, 0]), batch)).toEqual({ packets: 0, skipped: 0, heartbeat: false });
  });

  it('packet sizes by mode and tradable: 8/44/184 and 8/28/32', () => {
    const tok = (408065 & ~0xff) | 1;
    const idx = (1 << 8) | 9;
    expect(encodePacket({ token: tok, mode: 'ltp', tradable: true, lastPrice: 1 }).length).toBe(8);
    expect(encodePacket({ token: tok, mode: 'quote', tradable: true, lastPrice: 1 }).length).toBe(44);
    expect(encodePacket({ token: tok, mode: 'full', tradable: true, lastPrice: 1 }).length).toBe(184);
    expect(encodePacket({ token: idx, mode: 'ltp', tradable: false, lastPrice: 1 }).length).toBe(8);
    expect(encodePacket({ token: idx, mode: 'quote', tradable: false, lastPrice: 1 }).length).toBe(28);
    expect(encodePacket({ token: idx, mode: 'full', tradable: false, lastPrice: 1 }).length).toBe(32);
  });

  it('round trip: one tick of each kind, including values ≥ 2^31 and a negative index change', () => {
    const lv = (q: number, p: number, o: number) => ({ quantity: q, price: p, orders: o });
    const ticks: KiteTick[] = [
      { token: (1594 << 8) | 1, mode: 'ltp', tradable: true, lastPrice: 157315 },
      { token: (26000 << 8) | 9, mode: 'ltp', tradable: false, lastPrice: 2_450_010 },
      { token: (1000 << 8) | 9, mode: 'quote', tradable: false, lastPrice: 2_450_010, open: 1, high: 2, low: 3, close: 4, netChange: -12345 },
      { token: (1000 << 8) | 9, mode: 'full', tradable: false, lastPrice: 5, open: 1, high: 2, low: 3, close: 4, netChange: 7, exchangeTime: 1_700_000_000 },
      { token: (1234 << 8) | 3, mode: 'quote', tradable: true, lastPrice: 835_000_000, lastQty: 1, avgPrice: 2, volume: 3_000_000_000, buyQty: 4, sellQty: 5, open: 6, high: 7, low: 8, close: 9 },
      {
        token: 0xffffff07,
        mode: 'full',
        tradable: true,
        lastPrice: 0xffffffff,
        lastQty: 1,
        avgPrice: 2,
        volume: 2 ** 31,
        buyQty: 4,
        sellQty: 5,
        open: 6,
        high: 7,
        low: 8,
        close: 9,
        lastTradeTime: 1_700_000_000,
        oi: 10,
        oiDayHigh: 11,
        oiDayLow: 12,
        exchangeTime: 1_700_000_001,
        depth: {
          buy: [lv(1, 2, 3), lv(4, 5, 6), lv(7, 8, 9), lv(10, 11, 12), lv(13, 14, 65535)],
          sell: [lv(15, 16, 17), lv(18, 19, 20), lv(21, 22, 23), lv(24, 25, 26), lv(2 ** 32 - 1, 2 ** 31, 0)],
        },
      },
    ];
    const batch = new TickBatch(2);
    expect(decodeFrame(encodeFrame(ticks), batch)).toEqual({ packets: 6, skipped: 0, heartbeat: false });
    expect(batch.toTicks()).toEqual(ticks);
    expect(Array.from(batch.kind.subarray(0, 6))).toEqual([KIND_LTP, KIND_INDEX_LTP, KIND_INDEX_QUOTE, KIND_INDEX_FULL, KIND_QUOTE, KIND_FULL]);
    for (const t of ticks) {
      const one = new TickBatch(1);
      decodeFrame(frameOf(encodePacket(t)), one);
      expect(one.toTicks()).toEqual([t]);
    }
  });

  it('append mode adds rows after the existing ones; otherwise the batch is reset', () => {
    const t: KiteTick = { token: 257, mode: 'ltp', tradable: true, lastPrice: 100 };
    const batch = new TickBatch(1);
    decodeFrame(encodeFrame([t]), batch);
    decodeFrame(encodeFrame([{ ...t, lastPrice: 200 }, { ...t, lastPrice: 300 }]), batch, true);
    expect(batch.count).toBe(3);
    expect(Array.from(batch.lastPrice.subarray(0, 3))).toEqual([100, 200, 300]);
    decodeFrame(encodeFrame([t]), batch);
    expect(batch.count).toBe(1);
  });

  it('rows reused from a previous frame carry no stale values', () => {
    const batch = new TickBatch(4);
    const full: KiteTick = {
      token: 257, mode: 'full', tradable: true, lastPrice: 9, lastQty: 9, avgPrice: 9, volume: 9, buyQty: 9, sellQty: 9,
      open: 9, high: 9, low: 9, close: 9, lastTradeTime: 9, oi: 9, oiDayHigh: 9, oiDayLow: 9, exchangeTime: 9,
      depth: { buy: Array(5).fill({ quantity: 9, price: 9, orders: 9 }), sell: Array(5).fill({ quantity: 9, price: 9, orders: 9 }) },
    };
    const idx: KiteTick = { token: 265, mode: 'full', tradable: false, lastPrice: 9, open: 9, high: 9, low: 9, close: 9, netChange: 9, exchangeTime: 9 };
    decodeFrame(encodeFrame([full, idx, full]), batch);
    decodeFrame(encodeFrame([{ token: 257, mode: 'ltp', tradable: true, lastPrice: 1 }, { token: 265, mode: 'quote', tradable: false, lastPrice: 1 }, { token: 257, mode: 'quote', tradable: true, lastPrice: 1 }]), batch);
    for (const col of ['lastQty', 'volume', 'oi', 'exchangeTime', 'lastTradeTime', 'netChange', 'open'] as const) {
      expect(Array.from(batch[col].subarray(0, 3)), col).toEqual([0, 0, 0]);
    }
    expect(batch.depth.subarray(0, 3 * DEPTH_STRIDE).every((x) => x === 0)).toBe(true);
  });

  it('malformed frames: unknown length skipped and counted, truncation stops with decoded rows kept', () => {
    const ltp = encodePacket({ token: 257, mode: 'ltp', tradable: true, lastPrice: 5 });
    const batch = new TickBatch();
    const odd = new Uint8Array(50);
    expect(decodeFrame(frameOf(ltp, ltp, odd, ltp, ltp), batch)).toEqual({
      packets: 4,
      skipped: 1,
      heartbeat: false,
      error: 'packet 3 of 5: length 50 is not a known packet size',
    });
    const f = frameOf(ltp, ltp, ltp);
    const r = decodeFrame(f.subarray(0, f.length - 3), batch);
    expect(r).toMatchObject({ packets: 2, skipped: 1, heartbeat: false });
    expect(r.error).toMatch(/^packet 3 of 3: length 8 at byte 22 runs past the end/);
    expect(batch.count).toBe(2);
    const r2 = decodeFrame(f.subarray(0, 23), batch);
    expect(r2).toMatchObject({ packets: 2, skipped: 1 });
    expect(r2.error).toMatch(/^packet 3 of 3: length header truncated/);
    const r3 = decodeFrame(new Uint8Array([0, 2, 0, 8, 0, 0]), batch);
    expect(r3).toMatchObject({ packets: 0, skipped: 2 });
    const r4 = decodeFrame(new Uint8Array([...frameOf(ltp), 1, 2]), batch);
    expect(r4).toEqual({ packets: 1, skipped: 0, heartbeat: false, error: '2 trailing bytes after packet 1 of 1' });
  });

  it('encoder rejects values that do not fit the wire', () => {
    const t: KiteTick = { token: 257, mode: 'quote', tradable: true, lastPrice: 1 };
    expect(() => encodePacket({ ...t, lastPrice: -1 })).toThrow(RangeError);
    expect(() => encodePacket({ ...t, lastPrice: 1.5 })).toThrow(RangeError);
    expect(() => encodePacket({ ...t, volume: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodePacket({ ...t, mode: 'full', depth: { buy: [{ quantity: 1, price: 1, orders: 70000 }], sell: [] } })).toThrow(RangeError);
    expect(() => encodePacket({ ...t, mode: 'quote', tradable: false, netChange: 2 ** 31 })).toThrow(RangeError);
  });
});
