/**
 * Properties of the codec: encode → decode round trip for every packet kind and the full uint32 range, and
 * fuzzing the decoder with random bytes and mutated valid frames (it must never throw, never produce NaN,
 * negative or non-integer values, or more rows than the frame can hold).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { framesArb } from './tick-arbitraries.js';
import { DEPTH_STRIDE, type DecodeResult, KIND_SIZE, TickBatch, decodeFrame, encodeFrame } from './tick-codec.js';
import { prng } from './tick-test-support.js';

const KNOWN = new Set([8, 28, 32, 44, 184]);

/** Independent walk of the frame structure: what decodeFrame must report. */
function expectedShape(f: Uint8Array): { packets: number; skipped: number; heartbeat: boolean; clean: boolean } {
  if (f.length < 2) return { packets: 0, skipped: 0, heartbeat: true, clean: true };
  const n = f[0]! * 256 + f[1]!;
  let j = 2;
  let packets = 0;
  let skipped = 0;
  for (let k = 0; k < n; k++) {
    if (j + 2 > f.length) return { packets, skipped: n - packets, heartbeat: false, clean: false };
    const size = f[j]! * 256 + f[j + 1]!;
    if (j + 2 + size > f.length) return { packets, skipped: n - packets, heartbeat: false, clean: false };
    j += 2 + size;
    if (KNOWN.has(size)) packets++;
    else skipped++;
  }
  return { packets, skipped, heartbeat: false, clean: skipped === 0 && j === f.length };
}

const COLUMNS = [
  'token', 'lastPrice', 'lastQty', 'avgPrice', 'volume', 'buyQty', 'sellQty', 'open', 'high', 'low', 'close',
  'lastTradeTime', 'oi', 'oiDayHigh', 'oiDayLow', 'exchangeTime',
] as const;

/** Checks one decode; returns a description of the first violation, or undefined. Plain code, no matchers: it runs >100k times. */
function violation(f: Uint8Array, batch: TickBatch): string | undefined {
  let r: DecodeResult;
  try {
    r = decodeFrame(f, batch);
  } catch (e) {
    return `threw ${String(e)}`;
  }
  const want = expectedShape(f);
  if (r.packets !== want.packets || r.skipped !== want.skipped || r.heartbeat !== want.heartbeat) {
    return `result ${JSON.stringify(r)} but the frame holds ${JSON.stringify(want)}`;
  }
  if (!want.clean && r.error === undefined) return 'malformed frame but no error';
  if (want.clean && r.error !== undefined) return `clean frame but error ${r.error}`;
  if (batch.count !== r.packets) return `count ${batch.count} ≠ packets ${r.packets}`;
  if (r.packets > Math.max(0, Math.floor((f.length - 2) / 10))) return `${r.packets} packets cannot fit in ${f.length} bytes`;
  for (let i = 0; i < batch.count; i++) {
    const kind = batch.kind[i]!;
    if (!(kind >= 0 && kind < KIND_SIZE.length)) return `row ${i}: kind ${kind}`;
    for (const c of COLUMNS) {
      const v = batch[c][i]!;
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) return `row ${i}: ${c} = ${v}`;
    }
    const nc = batch.netChange[i]!;
    if (!Number.isInteger(nc)) return `row ${i}: netChange = ${nc}`;
    for (let k = i * DEPTH_STRIDE; k < (i + 1) * DEPTH_STRIDE; k++) {
      const v = batch.depth[k]!;
      if (!Number.isInteger(v) || v < 0 || (k % 3 === 2 && v > 0xffff)) return `row ${i}: depth[${k}] = ${v}`;
    }
  }
  // The object view must hold the same guarantees.
  for (const t of batch.toTicks()) {
    const prices = [t.lastPrice, t.avgPrice, t.open, t.high, t.low, t.close, ...(t.depth ? [...t.depth.buy, ...t.depth.sell].map((l) => l.price) : [])];
    if (prices.some((p) => p !== undefined && !(Number.isInteger(p) && p >= 0))) return `tick ${JSON.stringify(t)} has a bad price`;
  }
  return undefined;
}

describe('tick codec: encode → decode round trip', () => {
  it('every kind, segments 1–9, values over the full uint32 range (int32 for the index change)', () => {
    const batch = new TickBatch(1);
    let n = 0;
    fc.assert(
      fc.property(framesArb({ frames: 20, maxPackets: 6, max: 2 ** 32 - 1, fullWeight: 3 }), (frames) => {
        for (const ticks of frames) {
          const r = decodeFrame(encodeFrame(ticks), batch);
          expect(r).toEqual({ packets: ticks.length, skipped: 0, heartbeat: false });
          expect(batch.toTicks()).toEqual(ticks);
          n += ticks.length;
        }
      }),
      { numRuns: 300, seed: 42 },
    );
    expect(n).toBeGreaterThan(10_000);
  });
});

describe('tick codec: fuzzing the decoder', () => {
  it('50,000 frames of random bytes (raw, and random-length packets with random content)', () => {
    const batch = new TickBatch(1);
    let cases = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(600), fc.boolean()), { minLength: 100, maxLength: 100 }), (specs) => {
        for (const [seed, len, structured] of specs) {
          const rnd = prng(seed);
          let f: Uint8Array;
          if (!structured) {
            f = new Uint8Array(len);
            for (let i = 0; i < len; i++) f[i] = (rnd() * 256) | 0;
          } else {
            const sizes = [8, 28, 32, 44, 184];
            const count = (rnd() * 8) | 0;
            const packets = Array.from({ length: count }, () => {
              const size = rnd() < 0.7 ? sizes[(rnd() * 5) | 0]! : (rnd() * 300) | 0;
              const p = new Uint8Array(size);
              for (let i = 0; i < size; i++) p[i] = (rnd() * 256) | 0;
              return p;
            });
            const total = 2 + packets.reduce((s, p) => s + 2 + p.length, 0);
            f = new Uint8Array(total);
            f[1] = count;
            let j = 2;
            for (const p of packets) {
              f[j] = p.length >> 8;
              f[j + 1] = p.length & 0xff;
              f.set(p, j + 2);
              j += 2 + p.length;
            }
          }
          const v = violation(f, batch);
          if (v !== undefined) expect.fail(`${v}; frame ${Buffer.from(f).toString('hex')}`);
          cases++;
        }
      }),
      { numRuns: 500, seed: 7 },
    );
    expect(cases).toBe(50_000);
  }, 60_000);

  it('60,000 mutations of valid frames (byte flips, truncation, insertion, deletion, bad lengths and counts)', () => {
    // A pool of valid frames, values over the full uint32 range; fast-check picks a frame and mutations of it.
    const pool = fc.sample(framesArb({ frames: 1, maxPackets: 5, max: 2 ** 32 - 1, fullWeight: 2 }), { numRuns: 300, seed: 3 }).map((fs) => encodeFrame(fs[0]!));
    const mutation = fc.record({
      op: fc.constantFrom('set', 'truncate', 'insert', 'delete', 'length', 'count'),
      at: fc.nat(),
      value: fc.nat(0xffff),
    });
    const batch = new TickBatch(1);
    let cases = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(pool.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 })), { minLength: 100, maxLength: 100 }), (specs) => {
        for (const [which, muts] of specs) {
          let f = pool[which]!.slice();
          for (const m of muts) {
            const at = f.length === 0 ? 0 : m.at % f.length;
            switch (m.op) {
              case 'set':
                if (f.length) f[at] = m.value & 0xff;
                break;
              case 'truncate':
                f = f.slice(0, at);
                break;
              case 'insert': {
                const g = new Uint8Array(f.length + 1 + (m.value % 16));
                g.set(f.subarray(0, at));
                g[at] = m.value & 0xff;
                g.set(f.subarray(at), at + 1 + (m.value % 16));
                f = g;
                break;
              }
              case 'delete':
                f = new Uint8Array([...f.subarray(0, at), ...f.subarray(at + 1 + (m.value % 16))]);
                break;
              case 'length': {
                // Rewrite the length header of some packet to a nearby or arbitrary value.
                let j = 2;
                const n = f.length >= 2 ? f[0]! * 256 + f[1]! : 0;
                const target = n ? m.at % n : 0;
                for (let k = 0; k < target && j + 2 <= f.length; k++) j += 2 + f[j]! * 256 + f[j + 1]!;
                if (j + 2 <= f.length) {
                  const cur = f[j]! * 256 + f[j + 1]!;
                  const nv = m.value % 3 === 0 ? m.value : (cur + (m.value % 9) - 4 + 0x10000) & 0xffff;
                  f[j] = nv >> 8;
                  f[j + 1] = nv & 0xff;
                }
                break;
              }
              case 'count':
                if (f.length >= 2) {
                  const nv = m.value % 2 === 0 ? m.value : (f[0]! * 256 + f[1]! + (m.value % 5) - 2 + 0x10000) & 0xffff;
                  f[0] = nv >> 8;
                  f[1] = nv & 0xff;
                }
                break;
            }
          }
          const v = violation(f, batch);
          if (v !== undefined) expect.fail(`${v}; frame ${Buffer.from(f).toString('hex')}`);
          cases++;
        }
      }),
      { numRuns: 600, seed: 11 },
    );
    expect(cases).toBe(60_000);
  }, 60_000);
});
