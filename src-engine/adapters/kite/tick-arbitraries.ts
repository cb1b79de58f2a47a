/**
 * Test-only fast-check arbitraries for Kite ticks (not imported by production code). Every packet kind,
 * tradable tokens on segments 1–8 and index tokens on segment 9, values biased towards 0 and the edges.
 */
import fc from 'fast-check';
import type { KiteDepthLevel, KiteMode, KiteTick } from './tick-codec.js';

export interface TickArbOptions {
  /** Largest 4-byte value generated; 2^31 - 1 keeps the official JS parser (signed reads) correct. */
  max?: number;
  /** Relative weight of 184-byte full packets (the official parser is slow on them). Default 1. */
  fullWeight?: number;
}

export function tickArb(opts: TickArbOptions = {}): fc.Arbitrary<KiteTick> {
  const max = opts.max ?? 2 ** 31 - 1;
  const v = fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 10_000_000 }) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max }) },
    { weight: 1, arbitrary: fc.integer({ min: Math.max(0, max - 1024), max }) },
  );
  const exch = fc.integer({ min: 0, max: 0x7fffff }); // exchange token: keeps instrument tokens < 2^31
  const tradableToken = fc.tuple(exch, fc.integer({ min: 1, max: 8 })).map(([e, s]) => ((e << 8) | s) >>> 0);
  const indexToken = exch.map((e) => ((e << 8) | 9) >>> 0);
  const anyToken = fc.oneof(tradableToken, indexToken);
  const int32 = fc.oneof(fc.constant(0), fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
  const level: fc.Arbitrary<KiteDepthLevel> = fc.record({ quantity: v, price: v, orders: fc.integer({ min: 0, max: 0xffff }) });
  const side = fc.array(level, { minLength: 5, maxLength: 5 });
  const mode = <M extends KiteMode>(m: M) => fc.constant(m);

  const ltp = fc.record({ token: anyToken, mode: mode('ltp'), lastPrice: v }).map((t) => ({ ...t, tradable: (t.token & 0xff) !== 9 }));
  const indexQuote = fc.record({ token: indexToken, mode: mode('quote'), tradable: fc.constant(false), lastPrice: v, open: v, high: v, low: v, close: v, netChange: int32 });
  const indexFull = fc.record({
    token: indexToken,
    mode: mode('full'),
    tradable: fc.constant(false),
    lastPrice: v,
    open: v,
    high: v,
    low: v,
    close: v,
    netChange: int32,
    exchangeTime: v,
  });
  const quoteFields = {
    token: tradableToken,
    tradable: fc.constant(true),
    lastPrice: v,
    lastQty: v,
    avgPrice: v,
    volume: v,
    buyQty: v,
    sellQty: v,
    open: v,
    high: v,
    low: v,
    close: v,
  };
  const quote = fc.record({ ...quoteFields, mode: mode('quote') });
  const full = fc.record({
    ...quoteFields,
    mode: mode('full'),
    lastTradeTime: v,
    oi: v,
    oiDayHigh: v,
    oiDayLow: v,
    exchangeTime: v,
    depth: fc.record({ buy: side, sell: side }),
  });
  return fc.oneof(
    { weight: 3, arbitrary: ltp },
    { weight: 2, arbitrary: indexQuote },
    { weight: 2, arbitrary: indexFull },
    { weight: 3, arbitrary: quote },
    { weight: opts.fullWeight ?? 1, arbitrary: full },
  ) as fc.Arbitrary<KiteTick>;
}

/** `frames` frames' worth of ticks (minPackets..maxPackets each). */
export function framesArb(opts: TickArbOptions & { minPackets?: number; maxPackets?: number; frames: number }): fc.Arbitrary<KiteTick[][]> {
  return fc.array(fc.array(tickArb(opts), { minLength: opts.minPackets ?? 0, maxLength: opts.maxPackets ?? 4 }), { minLength: opts.frames, maxLength: opts.frames });
}
