import { Rng } from '../../core/random.js';
import { DEPTH_LEVELS, type DepthLevel, type DepthSnapshot } from '../../model/depth.js';

/**
 * The simulator's synthetic order books: DEPTH_LEVELS levels a side per instrument around its last
 * price, rebuilt on every tick of that instrument into preallocated typed arrays (no allocation per
 * tick). A DepthSnapshot object is only built when one is asked for (`snapshot`) or when the feed
 * time since the instrument's previous snapshot reaches `intervalMs` (`onTick` returns it then).
 *
 * Layout (integer paise, on the tick grid): the spread is 1 tick (3 in 4) or 2; the last price
 * lies within [best bid, best ask]. Deeper levels are one tick apart, one step in eight two. So bids fall
 * and asks rise strictly and best bid < best ask. A bid that would be ≤ 0 ends the bid side early.
 * Quantities are uniform-ish around a per-level mean that scales with the instrument's daily volume
 * (a little more depth further out); orders 1…quantity, more for bigger levels.
 *
 * Deterministic: the draws come from its own Rng (seeded by the caller), so the same seed and the
 * same tick sequence give the same books — and the simulator's tick stream is not disturbed.
 */
export interface DepthBookInstrument {
  symbol: string;
  tickSizePaise: number;
  /** Typical shares traded a day; sets the mean level size. */
  avgDailyVolume: number;
}

export interface DepthBooksOptions {
  instruments: readonly DepthBookInstrument[];
  seed: number;
  /** Minimum feed time between two snapshots of one instrument from onTick; default 250 ms. */
  intervalMs?: number;
}

export const DEFAULT_DEPTH_INTERVAL_MS = 250;
/** Mean shares per level as a fraction of the daily volume (10 M a day → ~1,000 a level). */
const LEVEL_QTY_PER_DAILY_VOLUME = 1e-4;

/** xorshift32 state for one rebuild: seeded from one Rng draw per book, then stepped inline (cheap). */
let xs = 1;
function nextU32(): number {
  xs ^= xs << 13;
  xs ^= xs >>> 17;
  xs ^= xs << 5;
  return xs >>> 0;
}

export class DepthBooks {
  readonly intervalMs: number;
  private readonly n: number;
  private readonly symbols: string[];
  private readonly index = new Map<string, number>();
  private readonly tick: Int32Array;
  private readonly meanQty: Float64Array;
  private readonly rng: Rng;
  // n × DEPTH_LEVELS each, instrument i at [i*L, i*L+L)
  private readonly bidPx: Float64Array;
  private readonly bidQty: Float64Array;
  private readonly bidOrd: Float64Array;
  private readonly askPx: Float64Array;
  private readonly askQty: Float64Array;
  private readonly askOrd: Float64Array;
  /** Levels filled on the bid side (the ask side is always full). */
  private readonly bidCount: Uint8Array;
  private readonly tsEvent: Float64Array;
  private readonly built: Uint8Array;
  private readonly lastSnapshotAt: Float64Array;

  constructor(opts: DepthBooksOptions) {
    const inst = opts.instruments;
    this.n = inst.length;
    this.intervalMs = opts.intervalMs ?? DEFAULT_DEPTH_INTERVAL_MS;
    if (!Number.isFinite(this.intervalMs) || this.intervalMs < 0) {
      throw new RangeError(`DepthBooks: intervalMs must be a finite number ≥ 0, got ${String(opts.intervalMs)}`);
    }
    this.symbols = inst.map((i) => i.symbol);
    this.tick = new Int32Array(this.n);
    this.meanQty = new Float64Array(this.n);
    inst.forEach((x, i) => {
      if (!Number.isSafeInteger(x.tickSizePaise) || x.tickSizePaise <= 0) {
        throw new RangeError(`DepthBooks: ${x.symbol}: tickSizePaise must be a positive integer, got ${String(x.tickSizePaise)}`);
      }
      this.index.set(x.symbol, i);
      this.tick[i] = x.tickSizePaise;
      this.meanQty[i] = Math.max(1, x.avgDailyVolume * LEVEL_QTY_PER_DAILY_VOLUME);
    });
    this.rng = new Rng(opts.seed);
    const size = this.n * DEPTH_LEVELS;
    this.bidPx = new Float64Array(size);
    this.bidQty = new Float64Array(size);
    this.bidOrd = new Float64Array(size);
    this.askPx = new Float64Array(size);
    this.askQty = new Float64Array(size);
    this.askOrd = new Float64Array(size);
    this.bidCount = new Uint8Array(this.n);
    this.tsEvent = new Float64Array(this.n);
    this.built = new Uint8Array(this.n);
    this.lastSnapshotAt = new Float64Array(this.n).fill(-Infinity);
  }

  /**
   * Rebuilds the book of instrument `i` (an index into the instruments given) around `lastPaise`
   * (a positive multiple of its tick) at feed time `tsEvent`. Returns a snapshot when `intervalMs`
   * of feed time have passed since its previous one (or it has none), otherwise null.
   */
  onTick(i: number, lastPaise: number, tsEvent: number): DepthSnapshot | null {
    this.rebuild(i, lastPaise, tsEvent);
    if (tsEvent - this.lastSnapshotAt[i]! < this.intervalMs) return null;
    this.lastSnapshotAt[i] = tsEvent;
    return this.build(i);
  }

  /** The current book of a symbol as a fresh snapshot, or null before its first tick or for an unknown symbol. */
  snapshot(symbol: string): DepthSnapshot | null {
    const i = this.index.get(symbol);
    return i === undefined || this.built[i] === 0 ? null : this.build(i);
  }

  private rebuild(i: number, last: number, ts: number): void {
    const rng = this.rng;
    const t = this.tick[i]!;
    const mean = this.meanQty[i]!;
    const base = i * DEPTH_LEVELS;
    // One Rng draw a book seeds a xorshift32 for the 12 words it needs, each split into bit fields
    // (hot path: one book per tick).
    xs = ((rng.uniform() * 4294967296) >>> 0) | 1;
    const a = nextU32();
    const gaps = nextU32();
    // spread: 1 tick three times in four, else 2; the last price sits on either edge or inside
    const spread = (a & 3) === 0 ? 2 : 1;
    const askUp = ((a >>> 2) & 0xffff) % (spread + 1); // 0..spread ticks above the last price
    let ask = last + askUp * t;
    let bid = ask - spread * t;
    let bids = 0;
    for (let k = 0; k < DEPTH_LEVELS; k++) {
      const j = base + k;
      if (k > 0) {
        // deeper levels one tick apart, two ticks one time in eight (3 bits a step)
        ask += (((gaps >>> (6 * (k - 1))) & 7) === 0 ? 2 : 1) * t;
        bid -= (((gaps >>> (6 * (k - 1) + 3)) & 7) === 0 ? 2 : 1) * t;
      }
      const scale = mean * (1 + 0.15 * k);
      // high 16 bits: size (0.2…1.8 × the level mean), low 16 bits: order count (1…quantity, more for bigger levels)
      let r = nextU32();
      let q = Math.max(1, Math.round(scale * (0.2 + (1.6 * (r >>> 16)) / 65536)));
      this.askPx[j] = ask;
      this.askQty[j] = q;
      this.askOrd[j] = Math.min(q, 1 + Math.floor(((r & 0xffff) / 65536) * (2 + (8 * q) / mean)));
      r = nextU32();
      q = Math.max(1, Math.round(scale * (0.2 + (1.6 * (r >>> 16)) / 65536)));
      if (bid > 0 && bids === k) {
        this.bidPx[j] = bid;
        this.bidQty[j] = q;
        this.bidOrd[j] = Math.min(q, 1 + Math.floor(((r & 0xffff) / 65536) * (2 + (8 * q) / mean)));
        bids++;
      }
    }
    this.bidCount[i] = bids;
    this.tsEvent[i] = Math.floor(ts);
    this.built[i] = 1;
  }

  private build(i: number): DepthSnapshot {
    const base = i * DEPTH_LEVELS;
    const buy: DepthLevel[] = [];
    const sell: DepthLevel[] = [];
    const bids = this.bidCount[i]!;
    for (let k = 0; k < DEPTH_LEVELS; k++) {
      const j = base + k;
      if (k < bids) buy.push({ pricePaise: this.bidPx[j]!, quantity: this.bidQty[j]!, orders: this.bidOrd[j]! });
      sell.push({ pricePaise: this.askPx[j]!, quantity: this.askQty[j]!, orders: this.askOrd[j]! });
    }
    return { symbol: this.symbols[i]!, tsEvent: this.tsEvent[i]!, buy, sell };
  }
}
