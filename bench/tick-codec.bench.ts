import { KiteTicker } from 'kiteconnect';
import { type KiteTick, TickBatch, decodeFrame, encodeFrame } from '../src-engine/adapters/kite/tick-codec.js';
import { Rng } from '../src-engine/core/random.js';
import { QUICK, compare, record } from './harness.js';

const PACKETS_PER_FRAME = 50;

/** Full-mode frames as Kite sends them: 50 packets × 184 B, NSE equities around ₹1,500, plausible depth. */
function fullFrames(count: number): Uint8Array[] {
  const rng = new Rng(11);
  const int = (lo: number, hi: number) => lo + Math.floor(rng.uniform() * (hi - lo + 1));
  const t0 = Math.floor(Date.parse('2026-11-20T09:15:00+05:30') / 1000);
  const frames: Uint8Array[] = [];
  for (let f = 0; f < count; f++) {
    const ticks: KiteTick[] = [];
    for (let p = 0; p < PACKETS_PER_FRAME; p++) {
      const ltp = int(100_000, 300_000);
      const level = (side: number, l: number) => ({ quantity: int(1, 2000), price: ltp + side * (l + 1) * 5, orders: int(1, 20) });
      ticks.push({
        token: (int(1, 50_000) << 8) | 1,
        mode: 'full',
        tradable: true,
        lastPrice: ltp,
        lastQty: int(1, 500),
        avgPrice: ltp - int(-500, 500),
        volume: int(1e5, 5e7),
        buyQty: int(1e4, 1e6),
        sellQty: int(1e4, 1e6),
        open: ltp - 300,
        high: ltp + 700,
        low: ltp - 900,
        close: ltp - 150,
        lastTradeTime: t0 + f,
        oi: 0,
        oiDayHigh: 0,
        oiDayLow: 0,
        exchangeTime: t0 + f,
        depth: { buy: [0, 1, 2, 3, 4].map((l) => level(-1, l)), sell: [0, 1, 2, 3, 4].map((l) => level(1, l)) },
      });
    }
    frames.push(encodeFrame(ticks));
  }
  return frames;
}

/** Our columnar decoder against the official client's parser, on the same full-mode frames. */
export async function tickCodecBench(): Promise<void> {
  const frames = fullFrames(64);
  // The official client gets what `ws` hands it (binaryType "arraybuffer"): one ArrayBuffer per message.
  const buffers: ArrayBuffer[] = frames.map((f) => new Uint8Array(f).buffer); // a copy: a plain ArrayBuffer per frame, as the official client expects
  const parseBinary = (KiteTicker as unknown as { prototype: { parseBinary(b: ArrayBuffer): { last_price: number }[] } }).prototype.parseBinary;
  const batch = new TickBatch(PACKETS_PER_FRAME);
  let sink = 0;

  const ours = (n: number) => {
    for (let i = 0, done = 0; done < n; i++, done += PACKETS_PER_FRAME) {
      decodeFrame(frames[i & 63]!, batch);
      sink += batch.lastPrice[batch.count - 1]!;
    }
  };
  ours(2_000_000); // let the JIT settle: the harness's own warm-up is sized for the slow baseline

  const official = await compare(
    `Kite binary ticks: full-mode frames of ${PACKETS_PER_FRAME} × 184 B`,
    { name: 'decodeFrame into a reused TickBatch (columnar)', unit: 'ticks', run: ours },
    {
      name: 'kiteconnect 5.3.0 parseBinary (official client)',
      unit: 'ticks',
      run: (n) => {
        for (let i = 0, done = 0; done < n; i++, done += PACKETS_PER_FRAME) {
          const ticks = parseBinary(buffers[i & 63]!);
          sink += ticks[ticks.length - 1]!.last_price;
        }
      },
    },
    25_000,
  );
  // A longer run of ours alone: the shared n above is sized for the baseline, ~1 ms for ours.
  const n = QUICK ? 1_000_000 : 5_000_000;
  const t = process.hrtime.bigint();
  ours(n);
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(`  subject over ${n / 1e6} M ticks: ${(n / s / 1e6).toFixed(1)} M ticks/s, ${((s / n) * 1e9).toFixed(1)} ns/tick`);
  record({
    name: 'decode ticks/s',
    subject: `decodeFrame, full mode, ${n / 1e6} M ticks`,
    value: n / s,
    unit: 'ticks/s',
    better: 'higher',
    baseline: { name: 'kiteconnect parseBinary (official)', value: official.baseline, unit: 'ticks/s' },
  });
  if (Number.isNaN(sink)) console.log(sink);
}
