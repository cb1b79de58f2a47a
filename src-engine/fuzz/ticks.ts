/** Tick frames: random bytes and mutated valid frames into the binary decoder (it must never throw). */
import fc from 'fast-check';
import { framesArb } from '../adapters/kite/tick-arbitraries.js';
import { TickBatch, decodeFrame, encodeFrame } from '../adapters/kite/tick-codec.js';
import { Failures, type FuzzResult, describeError, forEachSample } from './common.js';

const COLUMNS = ['token', 'lastPrice', 'lastQty', 'avgPrice', 'volume', 'buyQty', 'sellQty', 'open', 'high', 'low', 'close', 'oi', 'exchangeTime'] as const;

export async function fuzzTicks(runs: number, seed: number): Promise<FuzzResult> {
  const pool = fc.sample(framesArb({ frames: 1, maxPackets: 5, max: 2 ** 32 - 1 }), { numRuns: 200, seed }).map((fs) => encodeFrame(fs[0]!));
  const mutated = fc.tuple(fc.nat(pool.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('set', 'truncate', 'insert', 'delete')), { minLength: 1, maxLength: 4 })).map(([w, ops]) => {
    let f = pool[w]!.slice();
    for (const [at0, v, op] of ops) {
      const at = f.length ? at0 % f.length : 0;
      if (op === 'set' && f.length) f[at] = v;
      else if (op === 'truncate') f = f.slice(0, at);
      else if (op === 'insert') f = new Uint8Array([...f.subarray(0, at), v, ...f.subarray(at)]);
      else f = new Uint8Array([...f.subarray(0, at), ...f.subarray(at + 1)]);
    }
    return f;
  });
  const arb = fc.oneof(fc.uint8Array({ maxLength: 400 }), mutated);
  const batch = new TickBatch(1);
  const fails = new Failures();
  let cases = 0;
  forEachSample(arb, runs, seed, (f) => {
    cases++;
    try {
      const r = decodeFrame(f, batch);
      if (batch.count !== r.packets) return fails.add(`count ${batch.count} ≠ packets ${r.packets}`, f);
      for (let i = 0; i < batch.count; i++) {
        for (const c of COLUMNS) {
          const v = batch[c][i]!;
          if (!Number.isInteger(v) || v < 0) return fails.add(`row ${i}: ${c} = ${v}`, f);
        }
      }
    } catch (e) {
      fails.add(`threw ${describeError(e)}`, f);
    }
  });
  return fails.result(cases);
}
