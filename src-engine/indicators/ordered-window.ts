import { Ring } from './rolling.js';

const SEED = 0x9e3779b9;

/**
 * The last n values kept both in arrival order (a ring) and in value order (a treap over the ring
 * slots with subtree counts and sums). push() is O(log n) expected and so is
 * absDeviationSum(m) = Σ|x − m|, the one rolling quantity here that no O(1) running sum can give
 * (the centre m moves every bar). Subtree sums are recomputed from their children on every change,
 * so nothing drifts. Used by CCI's mean absolute deviation.
 */
export class OrderedWindow {
  private readonly ring: Ring;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly cnt: Int32Array;
  private readonly sum: Float64Array;
  private readonly pri: Uint32Array;
  private root = -1;
  private seed = SEED;
  // split results (no tuple allocation on the hot path)
  private sl = -1;
  private sr = -1;

  constructor(readonly n: number) {
    this.ring = new Ring(n);
    this.left = new Int32Array(n);
    this.right = new Int32Array(n);
    this.cnt = new Int32Array(n);
    this.sum = new Float64Array(n);
    this.pri = new Uint32Array(n);
  }

  get count(): number {
    return this.ring.count;
  }

  get full(): boolean {
    return this.ring.full;
  }

  /** Σ of the values in the window. */
  get total(): number {
    return this.root < 0 ? 0 : this.sum[this.root]!;
  }

  push(x: number): void {
    const slot = this.ring.head;
    if (this.ring.full) this.remove(slot);
    this.ring.push(x);
    this.insert(slot);
  }

  /** Σ|x − m| over the window. */
  absDeviationSum(m: number): number {
    const v = this.ring.buf;
    let t = this.root;
    let c = 0;
    let s = 0;
    while (t >= 0) {
      const l = this.left[t]!;
      if (v[t]! < m) {
        if (l >= 0) {
          c += this.cnt[l]!;
          s += this.sum[l]!;
        }
        c += 1;
        s += v[t]!;
        t = this.right[t]!;
      } else t = l;
    }
    const below = m * c - s;
    const above = this.total - s - m * (this.ring.count - c);
    return below + above;
  }

  /** Forget every value (and restart the priority sequence, so a replay rounds identically). */
  reset(): void {
    this.ring.reset();
    this.root = -1;
    this.seed = SEED;
  }

  private rand(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }

  /** Key order: value, then slot (keys are unique). */
  private less(a: number, b: number): boolean {
    const va = this.ring.buf[a]!;
    const vb = this.ring.buf[b]!;
    return va < vb || (va === vb && a < b);
  }

  private pull(t: number): void {
    const l = this.left[t]!;
    const r = this.right[t]!;
    this.cnt[t] = 1 + (l >= 0 ? this.cnt[l]! : 0) + (r >= 0 ? this.cnt[r]! : 0);
    this.sum[t] = this.ring.buf[t]! + (l >= 0 ? this.sum[l]! : 0) + (r >= 0 ? this.sum[r]! : 0);
  }

  /** Splits t into sl (keys < key of k) and sr (the rest). */
  private split(t: number, k: number): void {
    if (t < 0) {
      this.sl = -1;
      this.sr = -1;
      return;
    }
    if (this.less(t, k)) {
      this.split(this.right[t]!, k);
      this.right[t] = this.sl;
      this.pull(t);
      this.sl = t;
    } else {
      this.split(this.left[t]!, k);
      this.left[t] = this.sr;
      this.pull(t);
      this.sr = t;
    }
  }

  private merge(a: number, b: number): number {
    if (a < 0) return b;
    if (b < 0) return a;
    if (this.pri[a]! > this.pri[b]!) {
      this.right[a] = this.merge(this.right[a]!, b);
      this.pull(a);
      return a;
    }
    this.left[b] = this.merge(a, this.left[b]!);
    this.pull(b);
    return b;
  }

  private removeMin(t: number): number {
    if (this.left[t]! < 0) return this.right[t]!;
    this.left[t] = this.removeMin(this.left[t]!);
    this.pull(t);
    return t;
  }

  private insert(slot: number): void {
    this.left[slot] = -1;
    this.right[slot] = -1;
    this.pri[slot] = this.rand();
    this.pull(slot);
    this.split(this.root, slot);
    const r = this.sr;
    this.root = this.merge(this.merge(this.sl, slot), r);
  }

  private remove(slot: number): void {
    this.split(this.root, slot);
    const l = this.sl;
    // slot holds the smallest key of sr
    this.root = this.merge(l, this.removeMin(this.sr));
  }
}
