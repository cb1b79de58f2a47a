/**
 * Differential tests: our decoder against the official client's parser (kiteconnect 5.3.0,
 * `KiteTicker.prototype.parseBinary`, which only forwards to the module-level `parseBinary` in ticker.js).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { KiteTicker } from 'kiteconnect';
import { describe, expect, it } from 'vitest';
import { framesArb } from './tick-arbitraries.js';
import { type KiteTick, TickBatch, decodeFrame, encodeFrame, encodePacket } from './tick-codec.js';
import { MOCKS_DIR, type JsTick, arrayBufferOf, frameOf, readMockPacket, toJsTick } from './tick-test-support.js';
import { sharedFiles } from '../../../test/support/external-inputs.js';
import { resolve as resolvePath } from 'node:path';

const haveMocks = sharedFiles(import.meta.url, 'kite-mocks', resolvePath(MOCKS_DIR, 'ticker_full.packet'), resolvePath(MOCKS_DIR, 'ticker_quote.packet'));

const officialParse = (frame: Uint8Array): JsTick[] =>
  (KiteTicker as unknown as { prototype: { parseBinary(b: ArrayBuffer): JsTick[] } }).prototype.parseBinary(arrayBufferOf(frame));

function ours(frame: Uint8Array, batch = new TickBatch()): KiteTick[] {
  const r = decodeFrame(frame, batch);
  expect(r.error).toBeUndefined();
  return batch.toTicks();
}

describe.skipIf(!haveMocks)('differential: the kiteconnect-mocks packets', () => {
  it('ours (mapped to JS names and units) equals the official parser, field for field', () => {
    const q = readMockPacket('ticker_quote.packet');
    const f = readMockPacket('ticker_full.packet');
    for (const frame of [frameOf(q), frameOf(f), frameOf(q, f)]) {
      const js = officialParse(frame);
      expect(ours(frame).map(toJsTick)).toStrictEqual(js);
    }
    // And the official parser says what kite-protocol.md §1.6 says (so the comparison is not vacuous).
    const [jq, jf] = officialParse(frameOf(q, f));
    expect(jq).toMatchObject({ instrument_token: 408065, last_price: 1573.15, average_traded_price: 1570.33, volume_traded: 1175986 });
    expect(jq!.ohlc).toEqual({ open: 1569.15, high: 1575, low: 1561.05, close: 1567.8 });
    expect(jq!.change).toBeCloseTo(0.3412, 4);
    expect(jf).toMatchObject({ last_price: 1573.7, last_traded_quantity: 7, total_sell_quantity: 363009 });
    expect(jf!.exchange_timestamp).toEqual(new Date('2021-07-05T05:11:27Z'));
    expect(jf!.depth!.sell[4]).toEqual({ quantity: 724, price: 1573.95, orders: 5 });
  });
});

describe('differential: generated frames vs the official parser', () => {
  it('100,000 frames (all kinds, segments 1–9, values < 2^31): every field agrees', () => {
    // 500 runs × 200 frames of 1–2 packets. Compared with node's deep-equal (vitest's matcher costs
    // several seconds here); a mismatch is then reported through expect for a readable diff.
    const FRAMES_PER_RUN = 200;
    const RUNS = 500;
    const batch = new TickBatch();
    let frames = 0;
    let packets = 0;
    fc.assert(
      fc.property(framesArb({ frames: FRAMES_PER_RUN, minPackets: 1, maxPackets: 2, fullWeight: 1 }), (tickFrames) => {
        for (const ticks of tickFrames) {
          const frame = encodeFrame(ticks);
          const r = decodeFrame(frame, batch);
          if (r.packets !== ticks.length || r.skipped !== 0 || r.error !== undefined) expect(r).toEqual({ packets: ticks.length, skipped: 0, heartbeat: false });
          const mine = batch.toTicks().map(toJsTick);
          const theirs = officialParse(frame);
          if (!isDeepStrictEqual(theirs, mine)) expect(mine).toStrictEqual(theirs);
          frames++;
          packets += ticks.length;
        }
      }),
      { numRuns: RUNS, seed: 20261120 },
    );
    expect(frames).toBe(100_000);
    expect(packets).toBeGreaterThan(140_000);
  }, 60_000);
});

describe('where the official parser goes wrong (buf2long is signed)', () => {
  it('values ≥ 2^31 come out negative there and correct in ours', () => {
    const tick: KiteTick = {
      token: (1594 << 8) | 1,
      mode: 'full',
      tradable: true,
      lastPrice: 2 ** 31 + 500, // ₹21,474,841.48: impossible for an equity, but 4-byte unsigned on the wire
      lastQty: 1,
      avgPrice: 100,
      volume: 3_000_000_000, // a liquid F&O contract's day volume can pass 2^31
      buyQty: 2 ** 32 - 1,
      sellQty: 0,
      open: 100,
      high: 100,
      low: 100,
      close: 100,
      lastTradeTime: 1_700_000_000,
      oi: 2 ** 31,
      oiDayHigh: 0,
      oiDayLow: 0,
      exchangeTime: 1_700_000_000,
      depth: {
        buy: Array.from({ length: 5 }, () => ({ quantity: 2 ** 31 + 1, price: 100, orders: 1 })),
        sell: Array.from({ length: 5 }, () => ({ quantity: 1, price: 100, orders: 1 })),
      },
    };
    const frame = frameOf(encodePacket(tick));
    const [js] = officialParse(frame);
    expect(js!.last_price).toBe((2 ** 31 + 500 - 2 ** 32) / 100); // negative
    expect(js!.volume_traded).toBe(3_000_000_000 - 2 ** 32);
    expect(js!.total_buy_quantity).toBe(-1);
    expect(js!.oi).toBe(-(2 ** 31));
    expect(js!.depth!.buy[0]!.quantity).toBeLessThan(0);
    expect(js!.change).toBeLessThan(-100); // a price "fall" of more than 100 %

    const [t] = ours(frame);
    expect(t).toStrictEqual(tick);
    expect(toJsTick(t!)).toMatchObject({ last_price: 21474841.48, volume_traded: 3_000_000_000, total_buy_quantity: 4294967295, oi: 2147483648 });
  });

  it('the instrument token itself: a token ≥ 2^31 is negative there (and its segment still right)', () => {
    const tick: KiteTick = { token: 0x80000101, mode: 'ltp', tradable: true, lastPrice: 100 };
    const [js] = officialParse(frameOf(encodePacket(tick)));
    expect(js!.instrument_token).toBeLessThan(0);
    expect(ours(frameOf(encodePacket(tick)))).toStrictEqual([tick]);
  });
});
